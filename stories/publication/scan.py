"""The leak scan: every value of a publication export compared with the protected identifiers
of sources before the file leaves; a finding names row, field and codename, never the value."""

import operator
import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.views.decorators.debug import sensitive_variables

from sources.models import InterviewSource, Source

# Words that are no one's distinctive name part, however often they occur in names.
STOPWORDS = set(
    "about after also abdel abdul abdal been before between colonel doctor east from general "
    "haji have into lieutenant major captain mister mrs miss near north only other over police "
    "said sayyid sheikh shaikh south that their there they this those under were west what "
    "when where which while with would army forces city town village district province street "
    "road unknown".split()
)
NAME_PART = re.compile(r"[^\W\d_]{4,}")
PHONE_RUN = re.compile(r"\d[\d\s().\-/]{5,}\d")  # digits and what people put between them
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HANDLE = re.compile(r"(?<![\w.])@[\w.]{3,}\w")
DECIMAL = re.compile(r"-?\d{1,3}\.\d{3,}")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15  # E.164, country code included
PHONE_DIGITS_COMPARED = 9  # the subscriber number without trunk prefix or country code
TOKEN = re.compile(r"\w+")
# Columns whose values repeat from row to row (each distinct value is scanned once).
REPEATED_COLUMNS = ("event_type", "actor1", "actor2", "admin1", "admin2", "location")
repeated_values = operator.attrgetter(*REPEATED_COLUMNS)


def fold(text):
    """Lower case without accents, so "Zāhir" and "ZAHIR" read as "zahir"."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@dataclass(frozen=True)
class Finding:
    """A protected identifier found in the export: where, and whose. Never what."""

    row: int
    event: str
    field: str
    codename: str
    kind: str

    def __str__(self):
        return (
            f"row {self.row} (event {self.event}), {self.field}: {self.kind} of source "
            f"{self.codename}"
        )

    def as_dict(self):
        return asdict(self)


class LeakScanner:
    """Every value of an export compared with an investigation's protected identifiers:
    sources' real names and their distinctive parts, phone numbers however written, handles
    and emails, and the exact coordinates of places where sources were interviewed.

    Fast enough to scan 100,000 rows in under a second: a row's title and notes are split into
    words once and compared with sets; the regular expression for phrases (whole names,
    emails) runs only on a text holding a phrase's first word; place, region and actor names
    repeat from row to row, so each combination is scanned once. Only a row with a hit is
    looked at field by field, to say where.
    """

    @sensitive_variables()
    def __init__(self, tokens, phrases, phones, points):
        self.tokens = tokens  # one word (folded): (codename, kind)
        self.phrases = phrases  # several words, or an email or handle: (codename, kind)
        self.phones = phones  # last 7 digits: [(digits, codename)]
        self.points = points  # (lat, lon) rounded to 3 decimals: codenames
        self.latitudes = {lat for lat, _ in points}
        self.longitudes = {lon for _, lon in points}
        self.phrase_pattern = words_pattern(phrases)
        # A phrase can only be in a text that has its first word: look for phrases only then.
        firsts = {TOKEN.findall(phrase)[0] for phrase in phrases if TOKEN.search(phrase)}
        self.triggers = set(tokens) | firsts  # a text without any of these words has no name
        self.repeated = {}  # the repeating columns' values: their hits
        self.sources = 0

    @classmethod
    @sensitive_variables("identity", "tokens", "phrases", "phones")
    def for_investigation(cls, investigation):
        """Reads every identity of the investigation's sources, in memory only (nothing is
        logged or stored). A key that cannot open them raises IdentityKeyError: no scan, no
        export."""
        tokens, phrases, phones = {}, {}, defaultdict(list)
        sources = Source.objects.filter(investigation=investigation).only(
            "codename", *Source.IDENTITY_FIELDS
        )
        count = 0
        for source in sources.iterator(chunk_size=500):
            count += 1
            identity = {name: getattr(source, name).reveal() for name in Source.IDENTITY_FIELDS}
            protect_name(tokens, phrases, identity["real_name"], source.codename)
            for text in (identity["contact"], identity["identifying_notes"]):
                protect_contacts(tokens, phrases, phones, text, source.codename)
        scanner = cls(tokens, phrases, dict(phones), source_points(investigation))
        scanner.sources = count
        return scanner

    def scan(self, row, values):
        """The findings in one exported row (a PublicationRow)."""
        found = set(self.repeated_hits(repeated_values(values)))
        title, notes = values.title or "", values.notes or ""
        if self.any_hit(fold(f"{title}\x00{notes}")):
            for column, text in (("title", title), ("notes", notes)):
                found.update((column, *hit) for hit in self.text_hits(fold(text)))
        point = (values.latitude, values.longitude)
        if self.points and None not in point and (hit := self.points.get(rounded(*point))):
            found.add(("latitude/longitude", hit, "exact coordinates"))
        if not found:
            return []
        named = {(column, codename) for column, codename, kind in found if kind == "name"}
        return [
            Finding(row, values.event_id_cnty, column, codename, kind)
            for column, codename, kind in sorted(found)
            if kind != "name part" or (column, codename) not in named
        ]

    def repeated_hits(self, texts):
        """(column, codename, kind) found in the repeating columns, each combination scanned
        once."""
        if texts not in self.repeated:
            if len(self.repeated) > 100_000:
                self.repeated.clear()
            self.repeated[texts] = [
                (column, *hit)
                for column, text in zip(REPEATED_COLUMNS, texts, strict=True)
                if text and self.any_hit(folded := fold(text))
                for hit in set(self.text_hits(folded))
            ]
        return self.repeated[texts]

    def any_hit(self, text):
        """Whether the folded text holds anything protected (cheaply; text_hits says what)."""
        words = TOKEN.findall(text)
        if not self.triggers.isdisjoint(words) and (
            not self.tokens.keys().isdisjoint(words) or self.phrase_pattern.search(text)
        ):
            return True
        if self.phones and PHONE_RUN.search(text) and self.phone_hits(text):
            return True
        return bool(self.points and "." in text and self.point_hits(text))

    # The methods below hold protected identifiers in their variables: an error report must
    # not show them (hence lists, not generators, which sensitive_variables cannot cover).

    @sensitive_variables()
    def text_hits(self, text):
        """[(codename, kind)] of everything protected in the folded text."""
        hits = []
        if self.phrase_pattern is not None:
            for match in self.phrase_pattern.finditer(text):
                hits.append(self.phrases[" ".join(match.group().split())])
        hits += [self.tokens[token] for token in TOKEN.findall(text) if token in self.tokens]
        if self.phones:
            hits += self.phone_hits(text)
        if self.points and "." in text:
            hits += self.point_hits(text)
        return hits

    @sensitive_variables()
    def phone_hits(self, text):
        hits = []
        for match in PHONE_RUN.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            # Any end position: "call 0771 234 9876 (2 calls)" must still match.
            for end in range(MIN_PHONE_DIGITS, len(digits) + 1):
                for stored, codename in self.phones.get(digits[end - MIN_PHONE_DIGITS : end], ()):
                    if phone_matches(stored, digits[:end]):
                        hits.append((codename, "phone number"))
        return hits

    @sensitive_variables()
    def point_hits(self, text):
        numbers = {round(float(found), 3) for found in DECIMAL.findall(text)}
        if not (numbers & self.latitudes and numbers & self.longitudes):
            return []
        return [
            (codename, "exact coordinates")
            for (latitude, longitude), codename in self.points.items()
            if latitude in numbers and longitude in numbers
        ]


@sensitive_variables()
def words_pattern(words):
    if not words:
        return None
    alternatives = sorted(words, key=len, reverse=True)
    body = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


@sensitive_variables()
def protect(tokens, phrases, text, codename, kind):
    """A single word goes into `tokens`, anything longer into `phrases`."""
    if TOKEN.fullmatch(text):
        tokens.setdefault(text, (codename, kind))
    else:
        phrases.setdefault(text, (codename, kind))


@sensitive_variables()
def protect_name(tokens, phrases, real_name, codename):
    name = " ".join(fold(real_name).split())
    if not name:
        return
    phrases.setdefault(name, (codename, "name"))  # whole, even a one-word name: "name" it is
    for part in NAME_PART.findall(name):
        if part not in STOPWORDS:
            tokens.setdefault(part, (codename, "name part"))


@sensitive_variables()
def protect_contacts(tokens, phrases, phones, text, codename):
    text = fold(text)
    for email in EMAIL.findall(text):
        phrases.setdefault(email, (codename, "email"))
        local = email.split("@")[0]
        if len(local) >= 4 and local not in STOPWORDS:
            protect(tokens, phrases, local, codename, "email")
    for handle in HANDLE.findall(text):
        phrases.setdefault(handle, (codename, "handle"))
        protect(tokens, phrases, handle[1:], codename, "handle")
    for match in PHONE_RUN.finditer(text):
        for digits in phone_numbers_in(match.group()):
            phones[digits[-MIN_PHONE_DIGITS:]].append((digits, codename))


@sensitive_variables()
def phone_numbers_in(run):
    """Every number a run of digit groups may hold: "0771 234 9876 0750 111 2222" is two
    numbers, and nothing says where one ends, so every stretch of whole groups counts."""
    groups = re.findall(r"\d+", run)
    stretches = ("".join(groups[first:last]) for first in range(len(groups))
                 for last in range(first + 1, len(groups) + 1))  # fmt: skip
    return [digits for digits in stretches if MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS]


@sensitive_variables()
def phone_matches(stored, written):
    """Whether two digit strings are the same number: their last digits agree (up to 9, the
    subscriber number), so +964 771 234 9876, 0771-234-9876 and 009647712349876 all match."""
    compared = min(PHONE_DIGITS_COMPARED, len(stored), len(written))
    return compared >= MIN_PHONE_DIGITS and stored[-compared:] == written[-compared:]


def rounded(latitude, longitude):
    return (round(latitude, 3), round(longitude, 3))


def source_points(investigation):
    """{(lat, lon) to 3 decimals: codenames} of the places where sources were interviewed."""
    links = InterviewSource.objects.filter(
        interview__investigation=investigation, interview__location__isnull=False
    ).values_list(
        "interview__location__latitude", "interview__location__longitude", "source__codename"
    )
    points = defaultdict(set)
    for latitude, longitude, codename in links:
        points[rounded(latitude, longitude)].add(codename)
    return {point: ", ".join(sorted(codenames)) for point, codenames in points.items()}
