"""The given names and name particles too common in Iraq to identify anyone on their own.

Owns the one list the leak scan consults before it calls a single name part a finding.
"""

# Why these are not findings on their own: Iraqi reporting names people all the time (a farmer
# called Ahmed, Mohammed's brother, a checkpoint commander called Ali). If one of these names
# alone were a finding, nearly every export of Iraqi reporting would be refused and overrides
# would become routine, which is the failure the scan exists to prevent. They still count inside
# a full-name match ("Mohammed al-Jubouri", "Mohammed Abdullah"). Spellings are folded by
# name_key (Mohammed, Muhammad, Mhmd and محمد share one key), so one Latin and one Arabic form
# of each name is enough. Add a name here only when it is as common as these.
COMMON_GIVEN_NAMES = (
    "Mohammed", "محمد",
    "Ahmed", "أحمد",
    "Ali", "علي",
    "Hussein", "حسين",
    "Hassan", "حسن",
    "Omar", "عمر",
    "Abdullah", "عبدالله",
    "Mahmoud", "محمود",
    "Khalid", "خالد",
    "Ibrahim", "إبراهيم",
    "Mustafa", "مصطفى",
    "Yousef", "يوسف",
    "Abbas", "عباس",
    "Jasim", "جاسم",
    "Karim", "كريم",
    "Salim", "سليم",
    "Fatima", "فاطمة",
    "Zainab", "زينب",
    "Maryam", "مريم",
    "Aisha", "عائشة",
    "Nour", "نور",
    # The next most frequent given names in Iraq, also found alone in most exports (Haidar
    # al-Abadi was prime minister; أمير is also "emir", صباح "morning"). Without them, every
    # source called Haidar would refuse every export that mentions the former prime minister.
    "Haidar", "حيدر",
    "Murtadha", "مرتضى",
    "Sajjad", "سجاد",
    "Karrar", "كرار",
    "Ammar", "عمار",
    "Zaid", "زيد",
    "Yasir", "ياسر",
    "Qasim", "قاسم",
    "Kadhim", "كاظم",
    "Jafar", "جعفر",
    "Hamid", "حامد",
    "Saad", "سعد",
    "Salah", "صلاح",
    "Sabah", "صباح",
    "Amir", "أمير",
    "Zahraa", "زهراء",
    "Huda", "هدى",
    "Sara", "سارة",
)  # fmt: skip

# Particles of a name: father of, mother of, son of, daughter of. They say nothing about who is
# meant (Abu Ali, Umm Hussein), so they are never a finding, and inside a full name they neither
# count as a part nor break the run ("Mohammed bin Abdullah" is two parts).
NAME_PARTICLES = (
    "Abu", "أبو", "ابو",
    "Umm", "أم", "ام",
    "Bin", "بن",
    "Ibn", "ابن",
    "Bint", "بنت",
)  # fmt: skip
