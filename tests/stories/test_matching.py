"""The leak scan's matching core: every way of writing a protected identifier is found, and
ordinary Iraqi reporting is not. Pure functions, no database."""

import pytest

from investigation.text import name_key, normalize
from stories.publication.matching import (
    Finding,
    IdentifierIndex,
    coordinates_in,
    coordinates_near,
    distance_m,
)

LATIN = "source-latin"
ARABIC = "source-arabic"
PROTECTED = {
    "real_name": "Mohammed Abdullah al-Jubouri",
    "aliases": "",
    "contact": "+964 770 123 4567, telegram @abu_ali_k, abu.ali@example.org",
    "identifying_notes": "",
}
PROTECTED_IN_ARABIC = {
    "real_name": "محمد عبدالله الجبوري",
    "aliases": "",
    "contact": "",
    "identifying_notes": "",
}


@pytest.fixture(scope="module")
def index():
    return IdentifierIndex.build([(LATIN, PROTECTED)])


@pytest.fixture(scope="module")
def arabic_index():
    return IdentifierIndex.build([(ARABIC, PROTECTED_IN_ARABIC)])


@pytest.fixture(scope="module")
def both_index():
    return IdentifierIndex.build([(LATIN, PROTECTED), (ARABIC, PROTECTED_IN_ARABIC)])


def notes(text):
    return {"title": "Raid near Hawija", "notes": text}


# Names ---------------------------------------------------------------------------------------

NAME_WRITINGS = [
    pytest.param("Mohammed Abdullah al-Jubouri", "name", id="exact"),
    pytest.param("M. al-Jubouri", "name", id="initial-and-family-name"),
    pytest.param("Mohammed A. al-Jubouri", "name", id="initial-in-the-middle"),
    pytest.param("Mohammed Abd Allah al-Jubouri", "name", id="abd-allah-in-two-words"),
    pytest.param("al-Jubourí", "name part", id="latin-diacritic"),
    pytest.param("Ｍｏｈａｍｍｅｄ ａｌ－Ｊｕｂｏｕｒｉ", "name", id="fullwidth-letters"),
    pytest.param("Muhammad al-Jaburi", "name", id="other-transliteration"),
    pytest.param("Aljubouri", "name part", id="article-joined"),
    pytest.param("al-Jbouri", "name part", id="colloquial-spelling"),
    pytest.param("Jubouri", "name part", id="without-article"),
    pytest.param("jubouri", "name part", id="lower-case"),
    pytest.param("الجبوري", "name part", id="arabic-script"),
    pytest.param("محمد عبدالله الجبوري", "name", id="arabic-full-name"),
    pytest.param("الجبـــوري", "name part", id="arabic-tatweel"),
    pytest.param("الجبوری", "name part", id="persian-yeh"),
    pytest.param("الجبورى", "name part", id="alef-maqsura-for-yeh"),
    pytest.param("الجبو\u200cري", "name part", id="zero-width-non-joiner"),
    pytest.param("Jub\u200bouri", "name part", id="zero-width-space"),
    pytest.param("Jub\u00adouri", "name part", id="soft-hyphen"),
    pytest.param("Jub\u202eouri", "name part", id="bidi-override"),
    pytest.param("Jub\u043euri", "name part", id="cyrillic-o"),
    pytest.param("Jubури", "name part", id="half-cyrillic"),
]


@pytest.mark.parametrize(("written", "kind"), NAME_WRITINGS)
def test_every_writing_of_the_protected_name_is_found(index, written, kind):
    row = notes(f"Witnesses said {written} was seen at the checkpoint on 2019-03-14.")
    assert index.scan_row(row) == [Finding("notes", LATIN, kind)]


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        pytest.param("Jubouri", "name part", id="latin-family-name"),
        pytest.param("Mohammed al-Jubouri", "name", id="latin-full-name"),
        pytest.param("Muhammad Abdallah al-Jaburi", "name", id="latin-other-transliteration"),
        pytest.param("الجبوري", "name part", id="arabic-as-stored"),
    ],
)
def test_a_name_stored_only_in_arabic_is_found_in_latin_script(arabic_index, written, kind):
    row = notes(f"Witnesses said {written} was seen at the checkpoint.")
    assert arabic_index.scan_row(row) == [Finding("notes", ARABIC, kind)]


def test_a_common_given_name_alone_is_not_a_finding_but_two_parts_in_order_are(index):
    assert index.scan_text("Mohammed, a farmer, lost two sheep.") == []
    assert index.scan_text("Abdullah's house was searched.") == []
    assert index.scan_text("Mohammed Abdullah, a farmer, lost two sheep.") == [(LATIN, "name")]


def test_two_common_names_in_the_wrong_order_are_not_the_protected_name(index):
    assert index.scan_text("Abdullah Mohammed, a farmer, lost two sheep.") == []
    assert index.scan_text("Mohammed Abdullah, a farmer, lost two sheep.") == [(LATIN, "name")]


def test_a_comma_or_a_field_boundary_breaks_a_name(index):
    assert index.scan_text("Mohammed, Abdullah and Omar were detained.") == []
    assert index.scan_row({"author": "Mohammed", "title": "Abdullah's farm burned"}) == []
    assert index.scan_row({"author": "Mohammed Abdullah"}) == [Finding("author", LATIN, "name")]


def test_lowercase_words_are_not_common_name_parts(index):
    # "said" and "mohammed" in lower case are words, not the names Saad and Mohammed; the
    # distinctive family name still counts in lower case (see the lower-case writing above).
    assert index.scan_text("the spokesman mohammed abdullah said") == []
    assert index.scan_text("The spokesman Mohammed Abdullah said") == [(LATIN, "name")]


# Near names. The key is a consonant skeleton (Jubouri, Jaburi, Jbouri: j-b-r) with the -i
# ending of a family name kept. Keys of three consonants must match exactly, with vowels that
# do not contradict (a long vowel in one spelling where the other has none); keys of four or
# more allow one edit with the same first consonant (Abdulrahman, Abdurrahman).


def test_a_name_that_differs_only_in_short_vowels_is_a_finding(index):
    # al-Jabiri (الجابري) is another family, but Latin spellings of Iraqi names do not record
    # short vowels reliably (Jaburi is a usual spelling of الجبوري), so it cannot be told apart.
    assert index.scan_text("Residents named al-Jabiri as the driver.") == [(LATIN, "name part")]


def test_a_name_without_the_family_ending_is_not_the_family_name(index):
    # Jabbar and Jaber share the consonants j-b-r but lack the -i of a family name (nisba);
    # the Jubour tribe, hundreds of thousands strong, is not the person al-Jubouri.
    assert index.scan_text("Jabbar, a shepherd, found the bodies.") == []
    assert index.scan_text("Jaber fled to Kirkuk.") == []
    assert index.scan_text("Elders of the Jubour tribe met the governor.") == []
    assert index.scan_text("Elders met al-Jubouri.") == [(LATIN, "name part")]


def test_a_name_with_no_vowel_where_the_protected_one_has_a_long_vowel_is_not_it(both_index):
    # al-Jabri (الجبري) has no vowel between b and r, where al-Jubouri has a long one; and in
    # Arabic الجبري is also "forced", as in forced displacement.
    assert both_index.scan_text("al-Jabri was appointed to the council.") == []
    assert both_index.scan_text("نددت منظمات محلية بالتهجير الجبري للعائلات.") == []
    assert both_index.scan_text("نددت منظمات محلية باعتقال الجبوري.") == [
        (LATIN, "name part"),
        (ARABIC, "name part"),
    ]


def test_a_distinctive_alias_is_a_finding_on_its_own():
    index = IdentifierIndex.build(
        [("s", {"real_name": "Ali Hassan", "aliases": "Qutaiba\nأبو قتيبة"})]
    )
    assert index.scan_text("Qutaiba drove the car.") == [("s", "name part")]
    assert index.scan_text("رأى الشهود أبو قتيبة.") == [("s", "name part")]
    assert index.scan_text("Ali drove the car.") == []


def test_identifying_notes_give_contact_details_but_not_words(index):
    source = {"real_name": "Hassan Ali", "identifying_notes": "drives a white Kia, 0780 765 4321"}
    notes_index = IdentifierIndex.build([("s", source)])
    assert notes_index.scan_text("He drives a white Kia near the market.") == []
    assert notes_index.scan_text("Call 0780-765-4321.") == [("s", "phone")]


# Phones, emails, handles, links --------------------------------------------------------------

CONTACT_WRITINGS = [
    pytest.param("0770-123-4567", "phone", id="dashes"),
    pytest.param("+964 (770) 123 45 67", "phone", id="country-code-and-parentheses"),
    pytest.param("00964 770 123 4567", "phone", id="double-zero-country-code"),
    pytest.param("0770.123.4567", "phone", id="dots"),
    pytest.param("٠٧٧٠١٢٣٤٥٦٧", "phone", id="arabic-indic-digits"),
    pytest.param("۰۷۷۰۱۲۳۴۵۶۷", "phone", id="persian-digits"),
    pytest.param("zero seven seven zero one two three four five six seven", "phone", id="words"),
    pytest.param("Zero Seven Seven Zero 123 four five six seven", "phone", id="words-and-digits"),
    pytest.param(
        "صفر سبعة سبعة صفر واحد اثنان ثلاثة أربعة خمسة ستة سبعة", "phone", id="arabic-words"
    ),
    pytest.param("wa.me/9647701234567", "phone", id="whatsapp-link"),
    pytest.param("t.me/abu_ali_k", "link", id="telegram-link"),
    pytest.param("https://t.me/Abu_Ali_K", "link", id="telegram-link-capitals"),
    pytest.param("@abu_ali_k", "handle", id="handle"),
    pytest.param("@\u0430bu_ali_k", "handle", id="handle-with-cyrillic-a"),
    pytest.param("abu_ali_k", "handle", id="handle-without-at"),
    pytest.param("ABU.ALI@Example.ORG", "email", id="email-other-case"),
    pytest.param("abu.ali [at] example [dot] org", "email", id="email-spelled-out"),
]


@pytest.mark.parametrize(("written", "kind"), CONTACT_WRITINGS)
def test_every_writing_of_the_protected_contact_is_found(index, written, kind):
    assert index.scan_row(notes(f"Reach him on {written} after dark.")) == [
        Finding("notes", LATIN, kind)
    ]


def test_a_phone_split_across_two_fields_is_found_in_the_field_where_it_starts(index):
    row = {"title": "call 0770 123", "notes": "4567 after dark", "fatalities": "0"}
    assert index.scan_row(row) == [Finding("title", LATIN, "phone")]


def test_values_that_are_not_text_are_scanned_as_text(index):
    assert index.scan_row({"fatalities": 3, "notes": None, "phone": 7701234567}) == [
        Finding("phone", LATIN, "phone")
    ]
    assert index.scan_row({"fatalities": 3, "notes": None, "phone": 7701234568}) == []


def test_a_number_that_differs_or_only_contains_the_phone_is_not_a_finding(index):
    assert index.scan_text("Hotline 0770 123 4568 for families.") == []
    assert index.scan_text("Hotline 07801234567 for families.") == []
    assert index.scan_text("Hotline 0770 123 456 for families.") == []
    assert index.scan_text("Reference 077012345670 in the file.") == []
    assert index.scan_text("Hotline 0770 123 4567 for families.") == [(LATIN, "phone")]


def test_a_number_split_by_words_is_not_a_finding(index):
    assert index.scan_text("On 0770 day 123 they counted 4567 displaced.") == []
    assert index.scan_text("On 0770 123 4567 they counted the displaced.") == [(LATIN, "phone")]


def test_a_finding_names_the_field_and_source_but_never_the_identifier(index):
    findings = index.scan_row(notes("Mohammed al-Jubouri, 0770 123 4567, @abu_ali_k"))
    assert findings == [
        Finding("notes", LATIN, "name"),
        Finding("notes", LATIN, "phone"),
        Finding("notes", LATIN, "handle"),
    ]
    shown = repr(findings).lower()
    assert not any(secret in shown for secret in ("jubouri", "mohammed", "770", "abu_ali"))


def test_scan_text_reports_key_and_kind(index):
    assert index.scan_text("Ask al-Jubouri.") == [(LATIN, "name part")]
    assert index.scan_text("Ask the governor.") == []


# Ordinary reporting --------------------------------------------------------------------------

ORDINARY_REPORTING = [
    "Ahmed, a farmer from Hawija, said gunmen took his sheep on 2019-03-14.",
    "Mohammed's brother was wounded when an IED struck a patrol near Qayyarah; 3 killed.",
    "The governor of Kirkuk met tribal leaders in al-Riyadh to discuss returns.",
    "Iraqi Counter-Terrorism Service units raided a house in al-Abbasi overnight.",
    "The 45th Brigade of the Popular Mobilization Forces took over checkpoints around Baiji.",
    "Coalition aircraft struck a hideout in the Hamrin mountains, Tikrit district (IRQ12345).",
    "Ali, a shepherd, found two bodies near the Zab river on 14 March 2019.",
    "Hussein and Hassan, both teachers, were released after a ransom was paid.",
    "Omar told reporters the road from Mosul to Sharqat was closed for 3 days.",
    "A hotline, 0770 123 4568, was set up for displaced families in Dibis.",
    "Relatives reached the hospital on 07801234567 before dawn.",
    "Fatalities: 12. Event IRQ20190314 was recorded on 2019-03-14 at 35.4681, 44.3922.",
    "Abu Ali, a vegetable seller in Kirkuk, said prices doubled after the curfew.",
    "Umm Hussein lost her son in the 2017 fighting for Hawija.",
    "Security forces arrested Ibrahim, Khalid and Abbas on suspicion of smuggling fuel.",
    "Sheikh Jasim of the Obeidi tribe called for calm in Multaqa.",
    "Mustafa, a taxi driver, was shot at a checkpoint on the Kirkuk-Baghdad highway.",
    "Zainab and Fatima, sisters from Tuz Khurmatu, returned home in April 2020.",
    "Three killed, two injured and one missing after a mortar round hit Daquq.",
    "Peshmerga and Iraqi army units clashed briefly near Makhmour; no fatalities reported.",
    "Khalid Ibrahim, a local council member, was kidnapped on the Baiji road.",
    "Ahmed Mohammed, 34, was detained at a checkpoint south of Kirkuk.",
    "Former prime minister Haidar al-Abadi visited Tikrit on 9 December 2017.",
    "Kirkuk police said the suspects fled toward al-Rashad (IRQ45678); 2 wounded.",
    "Said Omar Hassan, the mukhtar of Zab, reported 40 families displaced since 2018.",
    "قتل ثلاثة مدنيين بانفجار عبوة ناسفة قرب سوق الحويجة.",
    "اعتقلت القوات الأمنية أربعة مشتبه بهم في ناحية الرياض جنوب غرب كركوك.",
    "قال محمد، وهو مزارع من الحويجة، إن المسلحين أحرقوا محصوله.",
    "أعلن محافظ كركوك إعادة فتح الطريق بين الحويجة والعباسي بعد ثلاثة أيام.",
    "The Badr Organization denied any role in the abduction of Abdullah, a day labourer.",
]


@pytest.mark.parametrize("note", ORDINARY_REPORTING, ids=lambda note: note[:40])
def test_ordinary_reporting_has_no_findings(both_index, note):
    assert both_index.scan_row(notes(note)) == []
    # Positive control: the same note with the protected name in it is caught.
    leaked = notes(f"{note} Mohammed al-Jubouri was there.")
    assert both_index.scan_row(leaked) == [
        Finding("notes", LATIN, "name"),
        Finding("notes", ARABIC, "name"),
    ]


# Keys and folding ----------------------------------------------------------------------------


def test_spellings_of_one_family_name_share_a_key():
    spellings = ["Jubouri", "Jaburi", "Jbouri", "Jubури", "al-Jubouri", "Aljubouri", "الجبوري"]
    assert {name_key(spelling) for spelling in spellings} == {name_key("Juburi")}
    assert name_key("Jubour") != name_key("Jubouri")


def test_spellings_of_muhammad_share_a_key():
    spellings = ["Muhammad", "Mohammed", "Mohamed", "Mhmd", "محمد"]
    assert {name_key(spelling) for spelling in spellings} == {name_key("Mohammad")}
    assert name_key("Ahmed") != name_key("Mohammed")


def test_normalize_folds_look_alikes_invisible_characters_arabic_variants_and_digits():
    assert normalize("J\u00fab\u043e\u200bur\u00ed \uff11\u0662\u06f3") == "jubouri 123"
    assert normalize("الجبـــوري أحمد إسراء آمنة") == "الجبوري احمد اسراء امنه"
    assert normalize("مُحَمَّد ی ک ؤ ئ") == "محمد ي ك و ي"
    assert normalize("Caf\u00e9 \u202eAB\u202c \u0661\u066b\u0665") == "cafe ab 1.5"


# Coordinates ---------------------------------------------------------------------------------

INTERVIEW_PLACE = (35.3291, 43.7603)


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("35.3291, 43.7603", id="decimal"),
        pytest.param("35.3291 N 43.7603 E", id="decimal-with-hemispheres"),
        pytest.param("35°19'45\"N 43°45'37\"E", id="degrees-minutes-seconds"),
        pytest.param("35° 19′ 45″ N, 43° 45′ 37″ E", id="primes-and-spaces"),
        pytest.param("٣٥٫٣٢٩١، ٤٣٫٧٦٠٣", id="arabic-indic-digits"),
    ],
)
def test_a_point_written_in_text_is_found_near_the_interview_place(written):
    points = coordinates_in(f"The strike hit {written} at dawn.")
    assert len(points) == 1
    assert distance_m(*points[0], *INTERVIEW_PLACE) < 30
    assert coordinates_near(f"Hit at {written}.", [("place", *INTERVIEW_PLACE)]) == ["place"]


def test_a_point_forty_metres_away_across_a_rounding_edge_is_within_a_kilometre():
    # The place rounds to 35.330 at three decimals, the text says 35.329: still 38 m apart.
    place = ("place", 35.32964, 43.7603)
    assert 30 < distance_m(35.3293, 43.7603, *place[1:]) < 45
    assert coordinates_near("Seen at 35.3293, 43.7603.", [place]) == ["place"]
    assert coordinates_near("Seen at 35.3493, 43.7603.", [place]) == []


def test_dates_fatalities_and_ids_are_not_coordinates():
    assert coordinates_in("On 2019-03-14, 3 killed (IRQ12345), 12.5 km from Kirkuk.") == []
    assert coordinates_in("On 2019-03-14 the strike hit 35.3291, 43.7603.") == [(35.3291, 43.7603)]


def test_distance_is_haversine_in_metres():
    # One degree of latitude is about 111.2 km anywhere.
    assert distance_m(35.0, 44.0, 36.0, 44.0) == pytest.approx(111_195, rel=1e-3)
    assert distance_m(*INTERVIEW_PLACE, *INTERVIEW_PLACE) == 0
