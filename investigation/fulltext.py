"""How the search index is read on each database: words and "quoted phrases" parsed once, then
matched, ranked and highlighted by PostgreSQL's full text search (and pg_trgm) or SQLite's FTS5."""

import dataclasses
import difflib
import operator
import re
from functools import reduce

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, F, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber

from investigation.models import SearchEntry
from investigation.text import normalize

# The marks around a word found, in headlines and snippets. fold() turns both into spaces, so
# they never occur in the indexed text itself.
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"
MARKED = re.compile(f"{MARK_OPEN}(.*?){MARK_CLOSE}", re.DOTALL)
WORD = re.compile(r"[^\W_]+")
# A word as typed: hyphenated ones whole ("theirs-village"), as both databases index them too
# (PostgreSQL keeps the compound beside its parts, FTS5 reads it as a phrase of its parts).
TYPED_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
QUOTED = re.compile(r'"([^"]*)"')
MOST_WORDS, LONGEST_WORD, LONGEST_TEXT = 8, 60, 300
# Words too common to search for alone: PostgreSQL's english.stop (Snowball's list). PostgreSQL
# leaves them out of its English vectors; SQLite keeps them, so both leave them out of queries.
STOP_WORDS = frozenset(
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself "
    "she her hers herself it its itself they them their theirs themselves what which who whom "
    "this that these those am is are was were be been being have has had having do does did "
    "doing a an the and but if or because as until while of at by for with about against "
    "between into through during before after above below to from up down in out on off over "
    "under again further then once here there when where why how all any both each few more "
    "most other some such no nor not only own same so than too very s t can will just don "
    "should now".split()
)
SNIPPET_WORDS = 24


def unmarked(text):
    """Text without the marks above (indexed text never holds them)."""
    return text.replace(MARK_OPEN, " ").replace(MARK_CLOSE, " ")


@dataclasses.dataclass(frozen=True)
class Query:
    """What someone typed, normalised as the index is (investigation.text.normalize): terms,
    each one or more spellings (any of them will do), and phrases, all of which must be found.
    With `prefix`, the last term is the start of a word (an autocomplete)."""

    terms: tuple = ()
    phrases: tuple = ()
    prefix: bool = False

    @property
    def empty(self):
        return not (self.terms or self.phrases)


def query_parse(text, *, prefix=False):
    folded = normalize(unmarked(text[:LONGEST_TEXT]))
    quoted = [tuple(WORD.findall(phrase)) for phrase in QUOTED.findall(folded)]
    words = TYPED_WORD.findall(QUOTED.sub(" ", folded))
    if prefix and words:  # the word being typed is a start of a word: its parts, the last open
        words[-1:] = WORD.findall(words[-1])
    last = words[-1] if prefix and words else None  # being typed: kept, even "a" or "the"
    kept = [word for word in words if word not in STOP_WORDS or word == last]
    kept += [phrase[0] for phrase in quoted if len(phrase) == 1]  # asked for, common or not
    terms = tuple((word[:LONGEST_WORD],) for word in dict.fromkeys(kept))[:MOST_WORDS]
    phrases = tuple(phrase for phrase in quoted if len(phrase) > 1)[:MOST_WORDS]
    prefix = last is not None and bool(terms) and terms[-1][0] == last[:LONGEST_WORD]
    return Query(terms, phrases, prefix=prefix)


def backend(entries):
    vendor = connections[entries.db].vendor
    return PostgreSQL if vendor == "postgresql" else SQLite


def matching(entries, query):
    """The entries that hold every term (in any spelling) and every phrase."""
    return backend(entries).matching(entries, query)


def ranked(entries, query, *, kinds, first, count, pool):
    """[(entry id, kind, how many of that kind are ranked)]: of each of `kinds`, the newest
    `pool` matching entries are ranked by relevance and first+1 to first+count returned. When
    more than `pool` match, the count says pool + 1: the page says "more than". One query.

    Why a pool: ranking every match of a common word (half a million at a million events)
    costs seconds and shows nobody more than the first pages; the newest `pool` are found by
    the index in a few milliseconds whatever the size."""
    if not kinds:
        return []
    return backend(entries).ranked(entries, query, kinds=kinds, first=first, count=count, pool=pool)


def shown(ids, query):
    """The entries `ids` with what a result shows: title, date and a snippet of their text
    around the words found, between MARK_OPEN and MARK_CLOSE. One query."""
    entries = SearchEntry.objects.filter(pk__in=ids)
    return {entry.pk: entry for entry in backend(entries).shown(entries, ids, query)}


def query_widened(entries, query):
    """When nothing matched: the query with each term also spelt as the closest words in the
    names of `entries` (misspelt names: "Hawijja" finds Hawija), and whether it found any."""
    finder = backend(entries)
    terms = []
    for term in query.terms:
        close = [word for word in finder.close_words(entries, term[0]) if word != term[0]]
        terms.append(term + tuple(close))
    widened = dataclasses.replace(query, terms=tuple(terms), prefix=False)
    return widened, widened != dataclasses.replace(query, prefix=False)


def closest(word, candidates, *, cutoff=0.75):
    return difflib.get_close_matches(word, list(dict.fromkeys(candidates)), n=3, cutoff=cutoff)


class PostgreSQL:
    """SearchEntry.vector: the title and text in English (stemmed), the names as written
    (`simple`); a term matches when any of its spellings does in either form."""

    CONFIGS = ("english", "simple")

    @classmethod
    def tsquery(cls, query):
        last = len(query.terms) - 1
        parts = [
            cls.term(term, prefix=query.prefix and index == last)
            for index, term in enumerate(query.terms)
        ]
        parts += [
            reduce(operator.or_, (SearchQuery(" ".join(p), search_type="phrase", config=c)
                                  for c in cls.CONFIGS))
            for p in query.phrases
        ]  # fmt: skip
        return reduce(operator.and_, parts)

    @classmethod
    def term(cls, spellings, *, prefix):
        # Words are letters, digits and hyphens (TYPED_WORD), and a prefix has no hyphen: nothing
        # in them is tsquery syntax.
        if prefix:
            queries = [SearchQuery(f"{w}:*", search_type="raw", config=c) for w in spellings
                       for c in cls.CONFIGS]  # fmt: skip
        else:
            queries = [SearchQuery(w, config=c) for w in spellings for c in cls.CONFIGS]
        return reduce(operator.or_, queries)

    @classmethod
    def matching(cls, entries, query):
        return entries.filter(vector=cls.tsquery(query))

    @classmethod
    def ranked(cls, entries, query, *, kinds, first, count, pool):
        tsquery = cls.tsquery(query)
        # The newest pool + 1 of each kind, each found by the index on its own (a LIMIT per
        # kind: a rare kind is not looked for among a common kind's matches).
        matched = entries.filter(vector=tsquery).order_by("-pk").values("pk")
        newest = [matched.filter(kind=kind)[: pool + 1] for kind in kinds]
        pooled = newest[0].union(*newest[1:], all=True) if len(newest) > 1 else newest[0]
        scored = (
            SearchEntry.objects.using(entries.db)
            .filter(pk__in=pooled)
            .annotate(
                rank=SearchRank(F("vector"), tsquery),
                age=Window(RowNumber(), partition_by=[F("kind")], order_by=F("pk").desc()),
                pooled=Window(Count("pk"), partition_by=[F("kind")]),
            )
            .values("rank", "age", "pooled", entry=F("pk"), of_kind=F("kind"))
        )
        try:
            scored_sql, params = scored.query.sql_with_params()
        except EmptyResultSet:
            return []
        # Only the compiled, parameterised queryset is interpolated.
        sql = f"""
            SELECT entry, of_kind, pooled FROM (
                SELECT entry, of_kind, pooled, ROW_NUMBER() OVER (
                    PARTITION BY of_kind ORDER BY rank DESC, entry DESC
                ) AS place
                FROM ({scored_sql}) scored WHERE age <= %s
            ) ranked WHERE place > %s AND place <= %s ORDER BY of_kind, place
        """  # noqa: S608
        with connections[entries.db].cursor() as cursor:
            cursor.execute(sql, [*params, pool, first, first + count])
            return [tuple(row) for row in cursor.fetchall()]

    @classmethod
    def shown(cls, entries, ids, query):
        headline = SearchHeadline(
            "text",
            cls.tsquery(query),
            config="english",
            start_sel=MARK_OPEN,
            stop_sel=MARK_CLOSE,
            max_words=SNIPPET_WORDS,
            min_words=SNIPPET_WORDS // 2,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
        fields = ("model", "object_id", "title", "date", "date_precision")
        return entries.only(*fields).annotate(snippet=headline)

    @classmethod
    def close_words(cls, entries, word):
        """Words of the names most like `word` (pg_trgm's word similarity, on its index)."""
        similar = entries.filter(TrigramWordSimilar(F("names"), word))
        names = similar.annotate(similarity=TrigramWordSimilarity(word, "names"))
        names = names.order_by("-similarity").values_list("names", flat=True)[:20]
        return closest(word, (found for text in names for found in WORD.findall(text)))


class SQLite:
    """investigation_searchentry_fts (FTS5, porter stemming) over title, text and names."""

    TABLE = "investigation_searchentry_fts"
    VOCABULARY = "investigation_searchentry_vocab"
    WEIGHTS = "10.0, 1.0, 4.0"  # bm25 weights of title, text, names
    MATCHED = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s"  # noqa: S608

    @classmethod
    def fts_query(cls, query):
        # Words are letters and digits (WORD): quoted, nothing in them is FTS5 syntax.
        last = len(query.terms) - 1
        parts = []
        for index, term in enumerate(query.terms):
            star = "*" if query.prefix and index == last else ""
            spellings = (" ".join(WORD.findall(word)) for word in term)  # "ours-village"
            parts.append("(" + " OR ".join(f'"{words}"{star}' for words in spellings) + ")")
        parts += ['"' + " ".join(phrase) + '"' for phrase in query.phrases]
        return " AND ".join(parts)

    @classmethod
    def matching(cls, entries, query):
        matched = RawSQL(cls.MATCHED, [cls.fts_query(query)])  # noqa: S611 (a parameter)
        return entries.filter(pk__in=matched)

    @classmethod
    def ranked(cls, entries, query, *, kinds, first, count, pool):
        try:
            allowed, params = entries.filter(kind__in=kinds).values("pk").query.sql_with_params()
        except EmptyResultSet:
            return []
        # Only the compiled, parameterised queryset and fixed names are interpolated.
        sql = f"""
            WITH matched AS (
                SELECT rowid AS id, bm25({cls.TABLE}, {cls.WEIGHTS}) AS rank
                FROM {cls.TABLE} WHERE {cls.TABLE} MATCH %s
            ), newest AS (
                SELECT e.id, e.kind, m.rank,
                    ROW_NUMBER() OVER (PARTITION BY e.kind ORDER BY e.id DESC) AS age
                FROM matched m JOIN investigation_searchentry e ON e.id = m.id
                WHERE e.id IN ({allowed})
            ), pooled AS (
                SELECT *, COUNT(*) OVER (PARTITION BY kind) AS found
                FROM newest WHERE age <= %s
            ), ranked AS (
                SELECT id, kind, found,
                    ROW_NUMBER() OVER (PARTITION BY kind ORDER BY rank, id DESC) AS place
                FROM pooled WHERE age <= %s
            )
            SELECT id, kind, found FROM ranked WHERE place > %s AND place <= %s
            ORDER BY kind, place
        """  # noqa: S608
        arguments = [cls.fts_query(query), *params, pool + 1, pool, first, first + count]
        with connections[entries.db].cursor() as cursor:
            cursor.execute(sql, arguments)
            return [tuple(row) for row in cursor.fetchall()]

    @classmethod
    def shown(cls, entries, ids, query):
        if not ids:
            return []
        places = ", ".join(["%s"] * len(ids))
        sql = f"""
            SELECT e.id, e.model, e.object_id, e.title, e.date, e.date_precision,
                snippet({cls.TABLE}, 1, %s, %s, ' … ', {SNIPPET_WORDS}) AS snippet
            FROM {cls.TABLE} JOIN investigation_searchentry e ON e.id = {cls.TABLE}.rowid
            WHERE {cls.TABLE} MATCH %s AND {cls.TABLE}.rowid IN ({places})
        """  # noqa: S608
        params = [MARK_OPEN, MARK_CLOSE, cls.fts_query(query), *ids]
        return SearchEntry.objects.db_manager(entries.db).raw(sql, params)

    @classmethod
    def close_words(cls, entries, word):
        """Indexed words most like `word` that start with its letter, of about its length
        (the FTS5 vocabulary spans every investigation: the widened query is what scopes)."""
        sql = (
            f"SELECT term FROM {cls.VOCABULARY} WHERE term >= %s AND term < %s "  # noqa: S608
            "AND length(term) BETWEEN %s AND %s"
        )
        first = word[0]
        bounds = [first, chr(ord(first) + 1), len(word) - 2, len(word) + 2]
        with connections[entries.db].cursor() as cursor:
            cursor.execute(sql, bounds)
            return closest(word, (term for (term,) in cursor.fetchall()))
