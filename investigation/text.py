"""Folding of text so that spellings compare equal (look-alikes, invisible characters, Arabic letter
variants, digits of every script) and transliteration keys of names: for the leak scan and search.
"""

import re
import unicodedata
from functools import lru_cache

from confusable_homoglyphs.categories import alias as unicode_script
from confusable_homoglyphs.confusables import confusables_data

# Characters a writer cannot see: zero-width spaces and joiners (ZWNJ U+200C, ZWJ U+200D),
# directional marks and embeddings, word joiners, BOM, soft hyphen, Mongolian vowel separator,
# and the Arabic tatweel that only stretches a word (الجبـــوري).
_INVISIBLE = [
    *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065),
    *range(0x2066, 0x206A), 0xFEFF, 0x00AD, 0x061C, 0x180E, 0x0640,
]  # fmt: skip
# Arabic harakat, superscript alef and Quranic marks: Iraqi names are written with or without them.
_ARABIC_MARKS = [*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE)]

# Spellings of one Arabic letter that writers (and Persian or Kurdish keyboards) use
# interchangeably; the scan must not care which key was pressed.
_ARABIC_FOLDS = {
    "آ": "ا", "أ": "ا", "إ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا", "ٵ": "ا",
    "ى": "ي", "ی": "ي", "ې": "ي", "ێ": "ي", "ئ": "ي",
    "ة": "ه", "ۀ": "ه", "ہ": "ه", "ھ": "ه", "ە": "ه",
    "ک": "ك", "ڪ": "ك", "ؤ": "و", "ۆ": "و", "ڕ": "ر", "ڵ": "ل",
}  # fmt: skip
# Punctuation that takes other shapes in Arabic text or word processors: apostrophes (they stand
# for the ain in Ja'far), quotes and primes (in coordinates), the Arabic decimal and thousands
# separators and comma, and every kind of dash (phone numbers are written with any of them).
_PUNCTUATION_FOLDS = {
    "’": "'", "‘": "'", "ʼ": "'", "ʿ": "'", "ʾ": "'", "´": "'", "′": "'",
    "″": '"', "“": '"', "”": '"', "„": '"',
    "٫": ".", "٬": ",", "،": ",", "؛": ";", "؟": "?",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "﹘": "-",
}  # fmt: skip

# Planes 0 and 1 hold every decimal digit and almost every combining mark; plane 14 holds the
# variation selectors. Looking at these once at import keeps per-call work to one translate().
_CODE_POINTS = [*range(0x20000), *range(0xE0000, 0xE01F0)]


def _base_latin_letter(char: str) -> str | None:
    """The ASCII letter under a precomposed Latin letter (é -> e), or None."""
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if base != char and base.isascii() and base.isalpha() else None


def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in _CODE_POINTS:
        char = chr(cp)
        category = unicodedata.category(char)
        if category == "Nd":
            table[cp] = str(unicodedata.digit(char))
        elif category == "Mn":
            table[cp] = None
        elif 0xC0 <= cp < 0x250 or 0x1E00 <= cp < 0x1F00:
            table[cp] = _base_latin_letter(char) or char
        elif cp > 0x7F and category[0] in "PSZ" and char != "°":
            # Punctuation, symbols and spaces other than ASCII separate words (« », ·, •); the
            # degree sign is kept for coordinates.
            table[cp] = " "
    table.update(dict.fromkeys(_INVISIBLE + _ARABIC_MARKS))
    table.update({ord(k): v for k, v in {**_ARABIC_FOLDS, **_PUNCTUATION_FOLDS}.items()})
    return {cp: out for cp, out in table.items() if out != chr(cp)}


def _ascii_prototype(homoglyphs: list[dict]) -> str | None:
    """The one ASCII letter a character is confusable with in Unicode's confusables.txt."""
    letters = {h["c"].lower() for h in homoglyphs if h["c"].isascii() and h["c"].isalpha()}
    letters = {letter for letter in letters if len(letter) == 1}
    return letters.pop() if len(letters) == 1 else None


def _skeleton_table(fold: dict[int, str | None]) -> dict[int, str]:
    """TR39 look-alikes folded to the ASCII letter they imitate (Cyrillic о -> o).

    confusable-homoglyphs keeps Unicode's confusables.txt as pairs without direction, so the
    skeleton keeps only pairs with a single ASCII letter on one side. ASCII itself is never
    remapped (TR39 would turn 0 into O and m into rn, which breaks phone numbers), nor are
    digits or Arabic letters (TR39 pairs ا with l and ه with o; Arabic has its own folding).
    """
    table: dict[int, str] = {}
    for char, homoglyphs in confusables_data.items():
        target = _ascii_prototype(homoglyphs)
        if len(char) != 1 or char.isascii() or target is None:
            continue
        if unicodedata.category(char) == "Nd" or unicode_script(char) == "ARABIC":
            continue
        for form in {char, char.casefold(), char.lower()}:
            # The casefold of some look-alikes is ASCII (Kelvin sign -> k): ASCII stays as typed.
            if len(form) == 1 and not form.isascii() and ord(form) not in fold:
                table.setdefault(ord(form), target)
    return table


_FOLD = _fold_table()
_SKELETON = _skeleton_table(_FOLD)
_NORMALIZE = {**_SKELETON, **_FOLD}
# Protected names keep the alef maqsura: a final ى is read as "a" (Mustafa, Yahya), a final ي
# as the -i of a family name (al-Jubouri).
_FOLD_KEEP_MAQSURA = {**_FOLD, ord("ى"): "ى"}


def fold(text: str, *, keep_case: bool = False, keep_alef_maqsura: bool = False) -> str:
    """normalize() without the look-alike skeleton: the name scan reads look-alikes per word,
    because a Cyrillic р in a Cyrillic word is an r, and in a Latin word a p. With keep_case,
    capitals stay (in Latin script they tell a name from a word)."""
    if text.isascii():
        return text if keep_case else text.lower()
    text = unicodedata.normalize("NFKC", text)
    table = _FOLD_KEEP_MAQSURA if keep_alef_maqsura else _FOLD
    return _translate(text if keep_case else text.casefold(), table)


def skeleton(text: str) -> str:
    """Folded text with look-alikes replaced by the ASCII letter they imitate."""
    return text if text.isascii() else text.translate(_SKELETON)


def normalize(text: str) -> str:
    """NFKC, casefolded, invisible characters and diacritics removed, Arabic letter variants
    folded, digits of every script made ASCII, look-alikes made the letter they imitate, and
    punctuation and symbols beyond ASCII made spaces (dashes, quotes, Arabic comma: ASCII)."""
    if text.isascii():
        return text.lower()
    return _translate(unicodedata.normalize("NFKC", text).casefold(), _NORMALIZE)


# A stretch of non-ASCII text, with the spaces inside it (an Arabic sentence is one stretch).
_NON_ASCII = re.compile(r"[^\x00-\x7f][^\x00-\x1f\x21-\x7f]*")


def _translate(text: str, table: dict) -> str:
    """text.translate(table) for tables that leave ASCII alone: translate() looks every
    character up in the table, so only the non-ASCII stretches are given to it."""
    return _NON_ASCII.sub(lambda stretch: stretch[0].translate(table), text)


# Name keys -----------------------------------------------------------------------------------

# A key is a consonant skeleton: one symbol per class of sounds that Iraqi names are written
# with, in Latin or Arabic script. Short vowels are not written in Arabic and are written every
# which way in Latin (Jubouri, Jaburi, Jbouri), so vowels (and w, y, ain, hamza after the first
# letter) are dropped; an initial vowel, alef or ain becomes "A". Fold classes: q k c ق ك;
# j g ج گ; d dh th z ذ ز ظ ض ث د (dh is the usual Latin for ض, ظ and ذ alike: Fadhil is فاضل);
# sh ش -> S; kh خ -> x; gh غ -> G; h ح ه; t ط ت; s ص س; ch چ -> C; b p پ; f v ph ڤ.
_DIGRAPHS = (
    ("sh", "S"), ("kh", "x"), ("gh", "G"), ("dh", "d"), ("th", "d"), ("ch", "C"), ("ph", "f"),
    ("ck", "k"),
)  # fmt: skip
_VOWEL = "*"
_KEY_CLASSES = {
    char: symbol
    for chars, symbol in (
        ("aeiou'اعء", _VOWEL),
        ("wو", "w"),
        ("yيى", "y"),
        ("bpبپ", "b"),
        ("ckqكق", "k"),
        ("gjجگ", "j"),
        ("dzدذزظضث", "d"),
        ("tطت", "t"),
        ("sصس", "s"),
        ("fvفڤ", "f"),
        ("hحه", "h"),
        ("xخ", "x"),
        ("lل", "l"),
        ("mم", "m"),
        ("nن", "n"),
        ("rر", "r"),
        ("Sش", "S"),
        ("Gغ", "G"),
        ("Cچ", "C"),
    )  # fmt: skip
    for char in chars
}
_VOWELISH = frozenset(_VOWEL + "wy")
# Russian and Ukrainian reporting spell Arabic names phonetically (Джубури, Мухаммед).
_CYRILLIC_READING = str.maketrans(
    dict(zip("абвгдеёжзийклмнопрстуфыэіґ", "abvgdeejziyklmnoprstufyeig", strict=True))
    | {"х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ь": "", "ю": "yu"}
    | {"я": "ya", "ї": "yi", "є": "ye"}
)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# The -i ending (nisba) that makes a family or tribal name out of a place or an ancestor:
# al-Jubouri, not the Jubour tribe; al-Tikriti, not Tikrit. It is kept as a final "i" in the key.
_LATIN_NISBA = re.compile(r"(?:i|y|ee|ie|iy+(?:a|ah|eh)?)$")
_ARABIC_ARTICLES = ("وال", "بال", "فال", "كال", "لل", "ال")
_LATIN_ARTICLES = ("al", "el")


def is_arabic(word: str) -> bool:
    """Whether a word is written (at least partly) in Arabic script."""
    return _ARABIC.search(word) is not None


def _slot(vowels: int, *, arabic: bool) -> str:
    """The vowel between two consonants: "0" none, "L" long (Arabic ا و ي, Latin ou, ee, aa),
    "?" a single Latin vowel, which may stand for a short or a long one (Juburi is الجبوري)."""
    if not vowels:
        return "0"
    return "L" if arabic or vowels > 1 else "?"


def _skeleton(word: str) -> tuple[str, str]:
    """The key of one word without its nisba, and its shape: the vowel slot of each consonant gap,
    with the consonant letters themselves in Arabic, where spelling is exact.

    Vowels are dropped after the first letter and repeated consonants collapse (Abbas, Layla);
    a final h is dropped because it is the feminine ending as often as a consonant (Fatima,
    Fatimah, فاطمة).
    """
    for digraph, symbol in _DIGRAPHS:
        word = word.replace(digraph, symbol)
    letters = [(char, _KEY_CLASSES[char]) for char in word if char in _KEY_CLASSES]
    if not letters:
        return "", ""
    arabic = is_arabic(word)
    first_letter, first = letters[0]
    consonants, spelled, slots, vowels = ["A" if first == _VOWEL else first], [first_letter], [], 0
    for letter, symbol in letters[1:]:
        if symbol in _VOWELISH:
            vowels += 1
        elif symbol != consonants[-1]:
            slots.append(_slot(vowels, arabic=arabic))
            consonants.append(symbol)
            spelled.append(letter)
            vowels = 0
    if len(consonants) > 1 and consonants[-1] == "h":
        del consonants[-1], spelled[-1], slots[-1]
    if arabic:
        slots = [letter + slot for letter, slot in zip(spelled, [*slots, ""], strict=True)]
    return "".join(consonants), "".join(slots)


def _nisba(word: str, *, protected: bool) -> tuple[bool, ...]:
    """Whether the word ends in the -i of a family name: (True,), (False,) or both when unsure.

    Arabic writers swap a final ي and ى freely, so a scanned Arabic word ending in either may be
    al-Jubouri or Mustafa. A protected name is read as written: ي is the nisba, ى is not sure.
    """
    if not is_arabic(word):
        return (bool(_LATIN_NISBA.search(word)),)
    if word.endswith(("يه", "ى")) or (word.endswith("ي") and not protected):
        return (True, False)
    return (word.endswith("ي"),)


def _without_article(word: str, *, protected: bool) -> list[str]:
    """The word without a joined article (Aljubouri, الجبوري, والجبوري) and, when scanned, as
    written too, since the Al may belong to the name (Alwan)."""
    articles = _ARABIC_ARTICLES if is_arabic(word) else _LATIN_ARTICLES
    for article in articles:
        rest = word[len(article) :]
        # A rest of two consonants or fewer is a name that starts with Al (Ali, Alaa, Alwan).
        if word.startswith(article) and len(_skeleton(rest)[0]) >= 3:
            return [rest] if protected else [rest, word]
    return [word]


def _readings(word: str) -> list[str]:
    """The ways a folded word may be read: Cyrillic letters as sounds and as Latin look-alikes."""
    if word.isascii():
        return [word]
    readings = [skeleton(word)]
    if _CYRILLIC.search(word):
        phonetic = word.replace("дж", "j").translate(_CYRILLIC_READING)
        readings.insert(0, phonetic)
    return readings


def name_forms(word: str, *, protected: bool = False) -> tuple[tuple[str, str], ...]:
    """Every (key, shape) of one folded word (see fold()), the likeliest first.

    A word may have several: with and without a joined article, with and without the nisba
    when an Arabic ending is ambiguous, read as Cyrillic sounds and as Latin look-alikes.
    """
    word = word.strip("'").removesuffix("'s")
    forms = []
    for reading in _readings(word):
        for part in _without_article(reading, protected=protected):
            key, shape = _skeleton(part)
            for nisba in _nisba(part, protected=protected):
                forms.append((key + "i" if nisba else key, shape))
    return tuple(dict.fromkeys(form for form in forms if form[0]))


def name_keys(word: str, *, protected: bool = False) -> tuple[str, ...]:
    """The keys of name_forms(), without their shapes."""
    return tuple(dict.fromkeys(key for key, _ in name_forms(word, protected=protected)))


def shapes_agree(shape: str, other: str) -> bool:
    """Whether two words with one key may be one name. Two Arabic spellings must be the same
    (مثنى is not مدني, civil, though both have the key mdn). Otherwise no consonant gap may hold a
    long vowel in one and none in the other (Jbouri is Jubouri; الجبوري is not Jabri)."""
    if is_arabic(shape) and is_arabic(other):
        return shape == other
    shape, other = _slots(shape), _slots(other)
    if len(shape) != len(other):
        return True
    return not any({a, b} == {"0", "L"} for a, b in zip(shape, other, strict=True))


def _slots(shape: str) -> str:
    return "".join(char for char in shape if char in "0?L")


def key_length(key: str) -> int:
    """Consonant symbols in a key, not counting the nisba."""
    return len(key) - key.endswith("i")


NAME_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


@lru_cache(maxsize=65536)
def name_key(word: str) -> str:
    """The transliteration key of one name (al-Jubouri, Jbouri, الجبوري -> "jbri")."""
    words = NAME_WORD.findall(fold(word, keep_alef_maqsura=True))
    words = [w for w in words if w not in ("al", "el", "ال")]
    keys = name_keys("".join(words), protected=True)
    return keys[0] if keys else ""


def _self_check() -> None:
    # The tables are built from Unicode data at import; a data change that broke them would
    # silently weaken the leak scan and search, so fail at import instead.
    if normalize("Jub\u043eur\u0456 \u0661\u06f2") != "jubouri 12":
        raise RuntimeError("text folding tables are broken (the leak scan and search use them)")


_self_check()
