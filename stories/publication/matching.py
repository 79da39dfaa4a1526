"""The leak scan's matching core: an index of every source's protected identifiers (names in any
script, phones, emails, handles, links) and the one-pass scan of an export row against it.
"""

import math
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate, repeat

import phonenumbers
from rapidfuzz.distance import Levenshtein

from investigation.text import (
    NAME_WORD,
    fold,
    is_arabic,
    key_length,
    name_forms,
    name_keys,
    normalize,
    shapes_agree,
    skeleton,
)

from .given_names import COMMON_GIVEN_NAMES, NAME_PARTICLES

KINDS = ("name", "name part", "phone", "email", "handle", "link")
DEFAULT_NEAR_M = 1000.0

# Fields of a row are scanned as one text joined by this separator: a phone number may start in
# one field and end in the next, a name may not.
_SEP = "\x1f"
_JOIN = f" {_SEP} "  # spaced, so that the separator is a word of its own
# Between two words of one name: spaces, hyphens, the dot of an initial (M. al-Jubouri).
_NAME_GAP = re.compile(r"(?:[^\S\x1f]|[.\-'])*")
_ARTICLES = frozenset(("al", "el", "ال", "ad", "ar", "az", "ash", "adh", "ath", "ul", "il"))
_PARTICLES = frozenset(fold(particle) for particle in NAME_PARTICLES)
_TRANSPARENT = _ARTICLES | _PARTICLES
# "Abd" is half of a name (Abd al-Rahman is one name, Abdulrahman): joined with what follows.
_ABD = frozenset(("abd", "abdul", "abdel", "abdal", "abdol", "abdil", "abdu", "عبد"))
_COMMON_KEYS = frozenset(
    key
    for name in COMMON_GIVEN_NAMES
    for key in name_keys(fold(name, keep_alef_maqsura=True), protected=True)
)
# Which consonant classes a Latin initial may stand for (K. is Kadhim or Khalid).
_INITIALS = {letter: {letter} for letter in "bdfhjklmnrwy"}
_INITIALS |= {vowel: {"A"} for vowel in "aeiou"}
_INITIALS |= {"s": {"s", "S"}, "k": {"k", "x"}, "g": {"j", "G"}, "t": {"t", "d"}, "z": {"d"}}
_INITIALS |= {"c": {"k", "C"}, "p": {"b", "f"}, "q": {"k"}, "v": {"f"}, "x": {"x"}}

# A run of at least seven digits separated only by separator characters or field boundaries.
_DIGIT_RUN = re.compile(r"\d(?:[\s.\-/()+]*\d){6,}")
_DIGITS = re.compile(r"\d+")
_NUMBER_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "صفر": "0", "واحد": "1", "اثنان": "2", "اثنين": "2", "ثلاثه": "3", "ثلاث": "3",
    "اربعه": "4", "اربع": "4", "خمسه": "5", "خمس": "5", "سته": "6", "ست": "6", "سبعه": "7",
    "سبع": "7", "ثمانيه": "8", "ثماني": "8", "ثمان": "8", "تسعه": "9", "تسع": "9",
}  # fmt: skip
_NUMBER_WORDS_ANY_CASE = frozenset(
    form for word in _NUMBER_WORDS for form in (word, word.title(), word.upper())
)
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_DIGIT_BYTES = bytes(c if chr(c) in "0123456789" else 32 for c in range(256))

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_AT_HANDLE = re.compile(r"(?<![\w.+\-@])@([\w.]+)")
_BARE_HANDLE = re.compile(r"(?<![\w.@/])[\w.]*_[\w.]*+(?!@)")
_LABELLED_HANDLE = re.compile(
    r"\b(?:telegram|tg|signal|instagram|insta|ig|facebook|fb|twitter|tiktok|snapchat|snap|viber"
    r"|threema|skype)\s*[:=]\s*@?([\w.]{3,})"
)
_LINK = re.compile(
    r"(?<![\w.])(?:www\.|m\.|mobile\.)?(t\.me|telegram\.me|wa\.me|signal\.me|signal\.group"
    r"|facebook\.com|fb\.com|instagram\.com|x\.com|twitter\.com)/([^\s\"'<>,;)]*)"
)

_OBFUSCATED = (
    (re.compile(r"\s*[\[(]\s*at\s*[\])]\s*"), "@"),
    (re.compile(r"\s*[\[(]\s*dot\s*[\])]\s*"), "."),
)
_ALIAS_SPLIT = re.compile(r"[\n,;،؛]+")
_BLACK = "\u2588"
_INVISIBLE_CHARACTERS = re.compile(
    "[\u00ad\u061c\u0640\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_MASKED_CONTACT = re.compile(r"\S*(?:@|\.me/|\.com/|\.group/)\S*")
_MASKED_DIGITS = re.compile(r"\d(?:[\s.\-/()+]*\d){2,}")
_MASKED_WORD = re.compile(r"\w+")
_CACHE_LIMIT = 500_000


@dataclass(frozen=True)
class Finding:
    """A protected identifier of source `key` in export field `field`. It never holds the
    identifier itself: findings are shown to people who may not know the source."""

    field: str
    key: Hashable
    kind: str


@dataclass(frozen=True, slots=True)
class _Part:
    source: Hashable
    name: int  # which protected name (a real name or an alias), numbered across all sources
    position: int  # where the part stands in that name
    distinctive: bool
    arabic: bool  # written in Arabic script


@dataclass(frozen=True, slots=True)
class _Word:
    """What one scanned word may be, worked out once per distinct word."""

    parts: tuple[_Part, ...]
    names: frozenset[int]
    by_name: dict[int, tuple[_Part, ...]]
    distinctive: tuple[Hashable, ...]  # sources it is a distinctive part of
    transparent: bool = False  # an article or a particle (al-, Abu)
    initial: str = ""  # the letter, for a capital standing alone (M. al-Jubouri)


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive words of a text matching parts of one protected name, in order."""

    source: Hashable
    last: int
    parts: int
    words: int
    distinctive: bool
    start: int

    def is_name(self) -> bool:
        # Two parts, at least one a whole word; two common names, or an initial and a
        # distinctive part (M. al-Jubouri).
        return self.parts >= 2 and (self.words >= 2 or (self.words and self.distinctive))


class IdentifierIndex:
    """Every source's protected identifiers, folded and keyed once so a row scan costs a few
    set look-ups. Not thread-safe: it learns the words of the text it scans."""

    def __init__(self) -> None:
        self._exact: dict[str, list[tuple[_Part, str]]] = {}
        self._neighbours: dict[str, set[str]] = {}
        self._initials: list[tuple[frozenset[str], ...]] = []
        self._arabic_sources: set[Hashable] = set()
        self._phones: dict[str, set[Hashable]] = {}
        self._phone_length = 0
        self._phone_tails: set[bytes] = set()  # the last 7 digits of each, for a quick test
        self._emails: dict[str, set[Hashable]] = {}
        self._handles: dict[str, set[Hashable]] = {}
        self._words: dict[str, _Word] = {}
        self._flags: dict[str, int] = {}  # one byte per known word, see _may_hold_name
        self._runs: dict[str, tuple[tuple[int, frozenset[Hashable]], ...]] = {}

    @classmethod
    def build(cls, entries: Iterable[tuple[Hashable, Mapping[str, str]]]) -> "IdentifierIndex":
        """Index (key, identity) pairs; identity holds real_name, aliases (one a line or comma),
        contact and identifying_notes. Only contact details are taken from the notes: their
        words describe a person, and scanning them as names would refuse every export."""
        index = cls()
        for key, identity in entries:
            names = [identity.get("real_name") or ""]
            names += _ALIAS_SPLIT.split(identity.get("aliases") or "")
            for name in names:
                index._add_name(key, name)
            index._add_contact(key, identity.get("contact") or "", lenient=True)
            index._add_contact(key, identity.get("identifying_notes") or "", lenient=False)
        index._phone_length = max(map(len, index._phones), default=0)
        return index

    # Building ----------------------------------------------------------------------------------

    def _add_name(self, source: Hashable, name: str) -> None:
        words = [w for w, _, _ in _words(fold(name, keep_alef_maqsura=True))]
        parts = [(w, forms) for w in words if (forms := name_forms(w, protected=True))]
        parts = [(word, forms) for word, forms in parts if word not in _TRANSPARENT]
        if not parts:
            return
        name_id = len(self._initials)
        self._initials.append(tuple(frozenset(key[0] for key, _ in f) for _, f in parts))
        for position, (word, forms) in enumerate(parts):
            arabic = is_arabic(word)
            if arabic:
                self._arabic_sources.add(source)
            part = _Part(source, name_id, position, _distinctive(word, forms), arabic)
            for key, shape in forms:
                self._exact.setdefault(key, []).append((part, shape))
                if key_length(key) >= 4:
                    for variant in _deletions(key):
                        self._neighbours.setdefault(variant, set()).add(key)

    def _add_contact(self, source: Hashable, text: str, *, lenient: bool) -> None:
        if not text.strip():
            return
        folded = normalize(text)
        for number in _phone_numbers(folded, lenient=lenient):
            variants = _phone_variants(number)
            for variant in variants:
                self._phones.setdefault(variant, set()).add(source)
            if variants:
                national = phonenumbers.national_significant_number(number)
                self._phone_tails.add(national[-7:].encode())
        for email in _EMAIL.findall(folded):
            self._emails.setdefault(email, set()).add(source)
        for handle in _contact_handles(folded):
            self._handles.setdefault(handle, set()).add(source)

    # Scanning ----------------------------------------------------------------------------------

    def scan_row(self, fields: Mapping[str, str]) -> list[Finding]:
        """Findings in one export row, field by field in the order they appear. A phone number
        that runs across fields is reported in the field where it starts."""
        text, words = _text_and_words(fields.values())
        found = []
        if self._may_hold_name(words):
            found += self._names_in(text)
        if _may_hold_contact(text):
            found += self._contacts_in(text)
        if self._phones:
            found += self._phones_in(text, words)
        if not found:
            return []
        found.sort(key=lambda hit: hit[:2])
        names = list(fields)
        last = len(names) - 1  # a value holding the separator must not point past the row
        findings = (Finding(names[min(field, last)], key, kind) for field, _, key, kind in found)
        return list(dict.fromkeys(findings))

    def masked(self, text: str) -> str:
        """The text with whatever may be a protected identifier blacked out: every word that
        may be part of a protected name, every run of three digits or more, every email,
        handle and link. For showing a finding to someone who must judge it without reading
        it; it masks more than the finding itself, never less."""
        text = _INVISIBLE_CHARACTERS.sub("", text)
        text = _MASKED_CONTACT.sub(lambda match: _BLACK * len(match[0]), text)
        text = _MASKED_DIGITS.sub(lambda match: _BLACK * len(match[0]), text)
        return _MASKED_WORD.sub(lambda match: self._masked_word(match[0]), text)

    def _masked_word(self, word: str) -> str:
        """Blacked out if it holds a look-alike letter, or may be part of a protected name."""
        folded = normalize(word)
        if folded != fold(word) or self._word(fold(word, keep_case=True)).parts:
            return _BLACK * len(word)
        return _BLACK * len(word) if self._word(folded).parts else word

    def scan_text(self, text: str) -> list[tuple[Hashable, str]]:
        """(key, kind) of every finding in one string."""
        return [(finding.key, finding.kind) for finding in self.scan_row({"text": text})]

    def _may_hold_name(self, words: list[str]) -> bool:
        """Whether the words could make a finding, answered in C for all but a few rows from
        one flag per word (see _flag); 255 marks a word not seen before."""
        flags = bytes(map(self._flags.get, words, repeat(255)))
        if b"\xff" in flags:
            self._learn(words)
            flags = bytes(map(self._flags.get, words, repeat(255)))
        if b"\x03" in flags:
            return True
        # Otherwise only two words of one protected name side by side can make a finding
        # (Mohammed Abdullah): a word that may go on (1, 5), then one that may follow (1, 4).
        flags = flags.replace(b"\x02", b"")
        if not any(pair in flags for pair in (b"\x01\x01", b"\x01\x04", b"\x05\x01", b"\x05\x04")):
            return False
        previous: frozenset[int] = frozenset()
        for word in words:
            flag, names = self._flags[word], self._words[word].names
            if flag == 2:
                continue
            if flag in (1, 4) and not names.isdisjoint(previous):
                return True
            previous = names if flag in (1, 5) else frozenset()
        return False

    def _learn(self, words: list[str]) -> None:
        if len(self._words) > _CACHE_LIMIT:
            self._words.clear()
            self._flags.clear()
        for word in set(words).difference(self._flags):
            self._word(word)

    def _word(self, word: str) -> _Word:
        known = self._words.get(word)
        if known is None:
            known = self._words[word] = self._classify(word)
            self._flags[word] = _flag(word, known)
        return known

    def _classify(self, word: str) -> _Word:
        pieces = [piece for piece in word.split(_BREAK) if piece.strip("'")]
        if len(pieces) > 1:  # words glued by punctuation (Ali,Jubouri)
            return _merged([self._word(piece) for piece in pieces])
        bare = pieces[0].strip("'") if pieces else ""
        if not bare:
            return _Word((), frozenset(), {}, ())
        folded = bare.casefold()
        if folded in _TRANSPARENT:
            return _Word((), frozenset(), {}, (), transparent=True)
        if len(bare) == 1:  # an initial if it is a Latin capital, else nothing
            initial = folded if bare.isupper() and bare.isascii() else ""
            return _Word((), frozenset(), {}, (), initial=initial)
        parts = self._parts_of(folded)
        # In Latin script a name is written with a capital: a lowercase "said" or "road" is no
        # part of Saad or Raad. It still counts when it is a distinctive part (jubouri).
        if bare[:1].islower():
            parts = tuple(part for part in parts if part.distinctive)
        by_name: dict[int, tuple[_Part, ...]] = {}
        for part in parts:
            by_name[part.name] = (*by_name.get(part.name, ()), part)
        distinctive = tuple(dict.fromkeys(part.source for part in parts if part.distinctive))
        return _Word(parts, frozenset(by_name), by_name, distinctive)

    def _parts_of(self, word: str) -> tuple[_Part, ...]:
        """The protected name parts a scanned word may be, by key, shape and one edit."""
        forms = name_forms(word)
        keys = [(key, shape) for key, shape in forms]
        # A common name is not a misspelling of another (Ahmed is not Mohammed): exact only.
        if not any(key in _COMMON_KEYS for key, _ in forms):
            keys += [(near, shape) for key, shape in forms for near in self._near(key)]
        arabic = is_arabic(word)
        parts = (
            part
            for key, shape in keys
            for part, protected_shape in self._exact.get(key, ())
            if shapes_agree(shape, protected_shape) and self._same_script(arabic, part)
        )
        return tuple(dict.fromkeys(parts))

    def _same_script(self, arabic: bool, part: _Part) -> bool:
        """Where a source's name is also held in Arabic, an Arabic word is compared with that
        form only: Arabic words share roots with names (مدنيين, civilians, has the key of مثنى),
        and only the Arabic spelling tells them apart."""
        return not arabic or part.arabic or part.source not in self._arabic_sources

    def _near(self, key: str) -> set[str]:
        """Protected keys one edit from `key`, both of four consonants or more and with the same
        first consonant: transliterations vary inside a name, rarely at its first letter."""
        if key_length(key) < 4:
            return set()
        candidates = set().union(*(self._neighbours.get(v, ()) for v in _deletions(key)))
        return {
            near
            for near in candidates
            if near != key and near[0] == key[0] and Levenshtein.distance(near, key) <= 1
        }

    def _names_in(self, text: str) -> list[tuple[int, int, Hashable, str]]:
        """Full names (runs of parts) and distinctive parts; one finding per field and source."""
        found: dict[tuple[int, Hashable], tuple[int, str]] = {}
        runs: dict[int, _Run] = {}
        previous: tuple[_Word, list, int] | None = None  # a word, the initials before it, start
        initials: list[tuple[str, int]] = []
        chain_end = -1  # where the words that may still make one name end; -1 when there are none
        for word, start, end in _words(text):
            info = self._word(word)
            if chain_end >= 0 and not _NAME_GAP.fullmatch(text, chain_end, start):
                runs, previous, initials, chain_end = {}, None, [], -1
            if info.initial or (info.transparent and chain_end >= 0):
                initials += [(info.initial, start)] if info.initial else []
                chain_end = end
                continue
            if not info.parts:
                runs, previous, initials, chain_end = {}, None, [], -1
                continue
            runs = self._advance(runs, previous, info, initials, start)
            field = text.count(_SEP, 0, start)
            for run in runs.values():
                if run.is_name():
                    found[(field, run.source)] = (run.start, "name")
            for source in info.distinctive:
                found.setdefault((field, source), (start, "name part"))
            previous, initials, chain_end = (info, initials, start), [], end
        return [(field, at, source, kind) for (field, source), (at, kind) in found.items()]

    def _advance(
        self, runs: dict[int, _Run], previous: tuple | None, info: _Word, initials: list, start: int
    ) -> dict[int, _Run]:
        """The runs that reach this word: names it shares with the word before it, and a
        distinctive part after initials. One-word runs are left for the next word to start."""
        advanced: dict[int, _Run] = {}
        shared = info.names & previous[0].names if previous else frozenset()
        for name in shared:
            run = runs.get(name) or max(
                (self._started(part, *previous[1:]) for part in previous[0].by_name[name]),
                key=lambda run: run.parts,
            )
            for part in info.by_name[name]:
                new = self._continued(run, part, initials) or self._started(part, initials, start)
                if name not in advanced or new.parts > advanced[name].parts:
                    advanced[name] = new
        for part in info.parts if initials else ():
            if part.distinctive and part.name not in advanced:
                advanced[part.name] = self._started(part, initials, start)
        return advanced

    def _started(self, part: _Part, initials: list, start: int) -> _Run:
        placed = self._place(part, initials, -1)
        first = initials[-placed][1] if placed else start
        return _Run(part.source, part.position, placed + 1, 1, part.distinctive, first)

    def _continued(self, run: _Run, part: _Part, initials: list) -> _Run | None:
        if part.position <= run.last:
            return None
        placed = self._place(part, initials, run.last)
        distinctive = run.distinctive or part.distinctive
        counts = (run.parts + placed + 1, run.words + 1)
        return _Run(part.source, part.position, *counts, distinctive, run.start)

    def _place(self, part: _Part, initials: list[tuple[str, int]], after: int) -> int:
        """How many of the initials just before a word stand, in order, for parts of its name
        between position `after` and the word's own."""
        firsts = self._initials[part.name]
        position, placed = part.position - 1, 0
        for letter, _ in reversed(initials):
            symbols = _INITIALS.get(letter, set())
            while position > after and not symbols & firsts[position]:
                position -= 1
            if position <= after:
                break
            placed, position = placed + 1, position - 1
        return placed

    def _contacts_in(self, text: str) -> list[tuple[int, int, Hashable, str]]:
        """Emails, @handles, bare handles with an underscore, and links to accounts."""
        text = text.casefold()
        for pattern, replacement in _OBFUSCATED:
            text = pattern.sub(replacement, text)
        found = []
        if "@" in text:
            for match in _EMAIL.finditer(text):
                found += _hits(text, match.start(), self._emails.get(skeleton(match[0])), "email")
            for match in _AT_HANDLE.finditer(text):
                handle = self._handles.get(_clean_handle(match[1]))
                found += _hits(text, match.start(), handle, "handle")
        if "_" in text:
            for match in _BARE_HANDLE.finditer(text):
                handle = self._handles.get(_clean_handle(match[0]))
                found += _hits(text, match.start(), handle, "handle")
        for match in _LINK.finditer(text):
            handle = self._handles.get(_link_handle(match[1], match[2]) or "")
            found += _hits(text, match.start(), handle, "link")
        return found

    def _phones_in(self, text: str, words: list[str]) -> list[tuple[int, int, Hashable, str]]:
        """Protected numbers in digits of any script or in number words, across fields."""
        # Seven digits in words need three number words at least (0770 one two three 4567);
        # counting them first spares the substitution in rows that say "two civilians".
        if not _NUMBER_WORDS_ANY_CASE.isdisjoint(words) and (
            sum(map(_NUMBER_WORDS_ANY_CASE.__contains__, words)) >= 3
        ):
            text = _NUMBER_WORD.sub(lambda match: _NUMBER_WORDS[match[0].lower()], text)
        if not self._may_hold_phone(text):
            return []
        found = []
        for match in _DIGIT_RUN.finditer(text):
            for offset, sources in self._phones_in_run(match[0]):
                found += _hits(text, match.start() + offset, sources, "phone")
        return found

    def _may_hold_phone(self, text: str) -> bool:
        """Whether the seven digits before the end of some group of digits, whatever is between
        the groups, are the last seven of a protected number: a quick test that almost every
        row fails, before the exact one (a number ends where a group of digits ends)."""
        groups = text.encode().translate(_DIGIT_BYTES).split()
        digits = b"".join(groups)
        tails = [digits[end - 7 : end] for end in accumulate(map(len, groups)) if end > 6]
        return not self._phone_tails.isdisjoint(tails)

    def _phones_in_run(self, run: str) -> tuple[tuple[int, frozenset[Hashable]], ...]:
        """Protected numbers in a run of digit groups, each starting and ending on a group's
        edge, so a date or an event id that merely contains the digits is not one."""
        cached = self._runs.get(run)
        if cached is None:
            if len(self._runs) > _CACHE_LIMIT:
                self._runs.clear()
            cached = self._runs[run] = self._aligned_phones(run)
        return cached

    def _aligned_phones(self, run: str) -> tuple[tuple[int, frozenset[Hashable]], ...]:
        groups = [(match.start(), match[0]) for match in _DIGITS.finditer(run)]
        hits, first = [], 0
        while first < len(groups):
            digits, last = "", first
            for last in range(first, len(groups)):
                digits += groups[last][1]
                if digits in self._phones or len(digits) >= self._phone_length:
                    break
            if digits in self._phones:
                hits.append((groups[first][0], frozenset(self._phones[digits])))
                first = last
            first += 1
        return tuple(hits)


# Helpers -------------------------------------------------------------------------------------


# Name words of folded UTF-8 text: letters, apostrophes and the bytes of non-ASCII characters
# (after fold() they are letters) are kept, punctuation that ends a name becomes _BREAK, glued
# to the word it follows or precedes, and every other byte a space.
_BREAK = "\x01"
_BREAKING = ',.;:()[]{}<>!?"\x1f'
_WORD_BYTES = bytes(
    c if c > 127 or chr(c).isalpha() or c == ord("'") else 1 if chr(c) in _BREAKING else 32
    for c in range(256)
)


def _may_hold_contact(text: str) -> bool:
    """Whether the text has an @, an underscore, a messenger link or an email spelled out
    (abu.ali [at] example.org); plain substring tests, the fastest there are."""
    if "@" in text or "_" in text:
        return True
    if "/" in text and (".me/" in text or ".com/" in text or ".group/" in text):
        return True
    return "at]" in text or "at)" in text or "AT]" in text or "AT)" in text


def _flag(word: str, info: _Word) -> int:
    """3 a distinctive part, or Abd (its name is only known once joined with the next word);
    2 an article, particle or initial; 0 no part of any protected name; otherwise a part of
    one: 1 between spaces, 4 before punctuation, 5 after it, 6 between two."""
    core = word.strip("'")
    if info.distinctive or core.strip(_BREAK).casefold() in _ABD:
        return 3
    if info.transparent or info.initial:
        return 2
    if not info.parts:
        return 0
    if _BREAK in core.strip(_BREAK):
        return 1  # several words glued by punctuation: assume they may run on
    before, after = core.startswith(_BREAK), core.endswith(_BREAK)
    return 6 if before and after else 5 if before else 4 if after else 1


def _merged(words: list[_Word]) -> _Word:
    """One word for several glued by punctuation, holding what any of them may be."""
    parts = tuple(dict.fromkeys(part for word in words for part in word.parts))
    by_name: dict[int, tuple[_Part, ...]] = {}
    for part in parts:
        by_name[part.name] = (*by_name.get(part.name, ()), part)
    distinctive = tuple(dict.fromkeys(source for word in words for source in word.distinctive))
    return _Word(parts, frozenset(by_name), by_name, distinctive)


def _text_and_words(values: Iterable[str]) -> tuple[str, list[str]]:
    """A row's values joined and folded (capitals kept), and its name words, found with
    bytes.translate() and split(), several times faster than a regular expression."""
    try:
        text = _JOIN.join(values)
    except TypeError:
        text = _JOIN.join("" if value is None else str(value) for value in values)
    if not text.isascii():
        text = fold(text, keep_case=True)
    return text, text.encode().translate(_WORD_BYTES).decode().split()


def _words(text: str) -> list[tuple[str, int, int]]:
    """Name words of folded text with their spans; Abd joined with the name it begins."""
    found = [(match[0], match.start(), match.end()) for match in NAME_WORD.finditer(text)]
    words, i = [], 0
    while i < len(found):
        last = _abd_end(text, found, i) if found[i][0].casefold() in _ABD else i
        if last == i:
            words.append(found[i])
        else:
            words.append(
                ("".join(w for w, _, _ in found[i : last + 1]), found[i][1], found[last][2])
            )
        i = last + 1
    return words


def _abd_end(text: str, found: list[tuple[str, int, int]], i: int) -> int:
    """Index of the last word of a name that starts with Abd (Abd al-Rahman, عبد الله)."""
    for k in range(i + 1, min(i + 3, len(found))):
        if not _NAME_GAP.fullmatch(text, found[k - 1][2], found[k][1]):
            break
        if found[k][0].casefold() not in _ARTICLES:
            return k
    return i


def _distinctive(word: str, forms: tuple[tuple[str, str], ...]) -> bool:
    """Whether a part of a protected name is a finding on its own: not a common given name and
    long enough that its key, three symbols at least, does not match ordinary words."""
    keys = [key for key, _ in forms]
    if len(word) < 3 or any(key in _COMMON_KEYS for key in keys):
        return False
    return min(map(len, keys)) >= 3


def _deletions(key: str) -> set[str]:
    """The key and every key one consonant shorter, the nisba kept: the neighbourhood that
    finds keys one edit apart with a dictionary look-up."""
    stem, nisba = (key[:-1], "i") if key.endswith("i") else (key, "")
    return {key} | {stem[:i] + stem[i + 1 :] + nisba for i in range(len(stem))}


def _phone_numbers(text: str, *, lenient: bool) -> list[phonenumbers.PhoneNumber]:
    """Phone numbers in contact text, read as Iraqi unless written with a country code."""
    leniency = phonenumbers.Leniency.POSSIBLE if lenient else phonenumbers.Leniency.VALID
    numbers = [m.number for m in phonenumbers.PhoneNumberMatcher(text, "IQ", leniency=leniency)]
    for host, path in _LINK.findall(text):
        if host == "wa.me" and path.isdigit():
            numbers.append(phonenumbers.parse("+" + path))
    return numbers


def _phone_variants(number: phonenumbers.PhoneNumber) -> set[str]:
    """The ways a number is written, as digits: national, with the trunk 0, with the country
    code (+ and 00 are separators or a prefix). Under seven digits a number is too short."""
    national = phonenumbers.national_significant_number(number)
    if len(national) < 7:
        return set()
    code = str(number.country_code)
    forms = (national, "0" + national, code + national, code + "0" + national)
    return set(forms) | {"00" + form for form in forms[2:]}


def _contact_handles(text: str) -> set[str]:
    """Messenger handles and link names in normalized contact text."""
    handles = {_clean_handle(h) for h in _AT_HANDLE.findall(_EMAIL.sub(" ", text))}
    handles |= {_clean_handle(h) for h in _LABELLED_HANDLE.findall(text) if not h.isdigit()}
    handles |= {_link_handle(host, path) or "" for host, path in _LINK.findall(text)}
    return {handle for handle in handles if len(handle) >= 3}


def _clean_handle(handle: str) -> str:
    return skeleton(handle.strip("."))


def _link_handle(host: str, path: str) -> str | None:
    """What a link points to: the account name, a Facebook id or a Signal group's link."""
    if host == "signal.group":
        return "signal.group/" + path
    if host in ("wa.me", "signal.me"):
        return None  # a phone number, found as one
    if path.startswith("profile.php"):
        match = re.search(r"id=(\d+)", path)
        return match.group(1) if match else None
    return _clean_handle(path.removeprefix("s/").split("/")[0].split("?")[0])


def _hits(text: str, at: int, sources: Iterable[Hashable] | None, kind: str) -> list:
    """(field number, position, source, kind) of each source found at position `at`."""
    field = text.count(_SEP, 0, at) if sources else 0
    return [(field, at, source, kind) for source in sources or ()]


# Coordinates ---------------------------------------------------------------------------------

_DECIMAL_PAIR = re.compile(
    r"(?<![\d.])(-?\d{1,3}\.\d{3,})\s*°?\s*([nsew])?[\s,;/]*(-?\d{1,3}\.\d{3,})\s*°?\s*([nsew])?"
    r"(?!\.?\d)"
)
_DMS = r"(\d{1,3})\s*[°o]\s*(\d{1,2})\s*'\s*(?:(\d{1,2}(?:\.\d+)?)\s*(?:\"|''))?\s*([nsew])"
_DMS_PAIR = re.compile(_DMS + r"[\s,;/]*" + _DMS)


def coordinates_in(text: str) -> list[tuple[float, float]]:
    """(latitude, longitude) pairs written in text: decimal with three decimals or more
    ("35.3291, 43.7603", "35.3291 N 43.7603 E") or degrees, minutes, seconds (35°19'45"N)."""
    text = normalize(text)
    found = []
    for match in _DMS_PAIR.finditer(text):
        d1, m1, s1, h1, d2, m2, s2, h2 = match.groups()
        found.append((match.start(), _point(_dms(d1, m1, s1), h1, _dms(d2, m2, s2), h2)))
    for match in _DECIMAL_PAIR.finditer(text):
        first, h1, second, h2 = match.groups()
        found.append((match.start(), _point(float(first), h1, float(second), h2)))
    return [point for _, point in sorted(found, key=lambda item: item[0]) if point]


def _dms(degrees: str, minutes: str, seconds: str | None) -> float:
    return int(degrees) + int(minutes) / 60 + float(seconds or 0) / 3600


def _point(first: float, h1: str | None, second: float, h2: str | None) -> tuple | None:
    """A (latitude, longitude) from two numbers and their hemispheres, or None if impossible."""
    if h1 in ("e", "w") or h2 in ("n", "s"):
        first, h1, second, h2 = second, h2, first, h1
    lat = -first if h1 == "s" else first
    lon = -second if h2 == "w" else second
    return (lat, lon) if abs(lat) <= 90 and abs(lon) <= 180 else None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def coordinates_near(
    text: str, places: Iterable[tuple[Hashable, float, float]], *, within_m: float = DEFAULT_NEAR_M
) -> list[Hashable]:
    """Keys of the places (key, latitude, longitude) within `within_m` of a point in text."""
    points = coordinates_in(text)
    near = (key for key, lat, lon in places for p in points if distance_m(*p, lat, lon) <= within_m)
    return list(dict.fromkeys(near))
