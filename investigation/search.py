"""One search across an investigation: what each app registers as searchable, the index of it
(SearchEntry) kept up to date, and results found under the same access rules as every page."""

import calendar
import dataclasses
import datetime
import re
from collections.abc import Callable, Sequence

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q
from django.db.models.constants import LOOKUP_SEP
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from investigation import access, fulltext
from investigation.models import SearchEntry
from investigation.text import fold, is_arabic, normalize

BATCH = 1000  # rows read, and entries written, at a time
PER_KIND = 10  # results shown of each kind of record, all kinds together
PER_PAGE = 50  # results shown of one kind, when the search asks for that kind only
AT_HAND = 2000  # a list's search matches handed over as a list of ids, at most
POOL = 1000  # matches of one kind ranked, at most: the newest (see fulltext.ranked)
TITLE_LENGTH = SearchEntry._meta.get_field("title").max_length
WORD = re.compile(r"[^\W_]+")
ARTICLE = "ال"  # Arabic's article, joined to the word: الحويجة is also found as حويجة


# What an app registers ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SearchDocument:
    """What one record gives the search. `title` is shown; `texts` are searched as English (a
    word finds its other forms) and a short piece of them is shown around the words found;
    `names` (places, actors, codenames, aliases, one a line) are searched as written, after
    folding. Only plain text: an encrypted value (an identity, sensitive notes) is refused."""

    title: str
    texts: Sequence[str] = ()
    names: Sequence[str] = ()
    date: datetime.date | None = None
    precision: str = ""

    def __post_init__(self):
        for value in (self.title, *self.texts, *self.names):
            if value is not None and type(value) is not str:
                raise TypeError(
                    f"The search indexes plain text only, never {type(value).__name__}: "
                    "identities and sensitive notes are never searchable."
                )


@dataclasses.dataclass(frozen=True)
class Searchable:
    """A model an app made searchable (register()), and how to read its rows in bulk."""

    model: type
    kind: str
    label: str
    document: Callable
    related: tuple = ()
    prefetch: tuple = ()
    order: int = 100

    @property
    def key(self):
        return self.model._meta.label_lower

    def rows(self):
        manager = self.model._default_manager
        return manager.select_related(*self.related).prefetch_related(*self.prefetch)

    def url(self, object_id):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])


REGISTRY: dict[str, Searchable] = {}
# model label -> functions of a row returning the querysets of rows whose documents quote it
# (a place's events and interviews): indexed again when its entry changes.
DEPENDENTS: dict[str, list] = {}


def register(model, *, kind, label, document, reads, related=(), prefetch=(), order=100):
    """Make `model` searchable, from its app's AppConfig.ready(). `document(row)` returns the
    row's SearchDocument and reads only the fields named in `reads` (through relations:
    "location__aliases"); an encrypted field among them is refused here, before anything is
    indexed. `related` and `prefetch` read a batch of rows in a few queries; `order` places
    the kind among the results (lower first)."""
    for path in reads:
        if reads_encrypted_field(model, path):
            raise ImproperlyConfigured(
                f"{model._meta.label}: the search never indexes an encrypted field ({path})."
            )
    searchable = Searchable(model, kind, label, document, tuple(related), tuple(prefetch), order)
    REGISTRY[searchable.key] = searchable


def dependents_register(model, rows):
    """Say that the documents of `rows(row)` (a queryset) quote a row of `model`: when that
    row's entry changes (a place renamed, an alias added), they are indexed again."""
    DEPENDENTS.setdefault(model._meta.label_lower, []).append(rows)


def reads_encrypted_field(model, path, *, unknown=True):
    """Whether a path of fields ("sources__real_name") ends in or passes an encrypted column
    (sources.fields.EncryptedTextField). A part that names no field answers `unknown`: the
    registry refuses it; an admin lookup ends in one ("real_name__regex")."""
    for part in path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return unknown
        if getattr(field, "encrypted", False):
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def searchable_for(model):
    return REGISTRY.get(model._meta.label_lower)


def kinds():
    """(kind, label) of every searchable kind of record, in the order they registered."""
    return [(searchable.kind, searchable.label) for searchable in ordered()]


def ordered():
    return sorted(REGISTRY.values(), key=lambda searchable: searchable.order)


class Dates:
    """How dates are typed in a filter and shown at their precision. They belong to the events
    app (events.dates), which hands them over from its AppConfig.ready() as it registers its
    models, so that this lowest layer imports no app above it. Until then: ISO dates."""

    def read(self, text, *, end=False):
        return datetime.date.fromisoformat(text.strip()) if text and text.strip() else None

    def show(self, date, precision):
        return date.isoformat() if date else ""


DATES = Dates()


def dates_register(*, read, show):
    DATES.read, DATES.show = read, show


# Keeping the index up to date -----------------------------------------------------------------


def entries_refresh(*, model, ids):
    """Index the rows `ids` of `model` as they are now, and forget the entries of those that
    are gone. Returns how many rows were indexed."""
    searchable = searchable_for(model)
    if searchable is None:
        return 0
    ids, indexed = list(ids), 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        rows = list(searchable.rows().filter(pk__in=batch))
        entries_write(searchable, rows)
        gone = set(batch) - {row.pk for row in rows}
        if gone:
            entries_forget(model=model, ids=gone)
        indexed += len(rows)
    return indexed


def row_refresh(*, row):
    """Index one saved row (the admin calls this once its related rows are saved too). When
    its entry changed and other documents quote it (a renamed place's events), those are
    indexed again by a worker after the commit. Returns whether the entry changed."""
    searchable = searchable_for(type(row))
    if searchable is None:
        return False
    entry = SearchEntry.objects.filter(model=searchable.key, object_id=row.pk)
    before = entry.values_list("title", "text", "names").first()
    entries_refresh(model=searchable.model, ids=[row.pk])
    changed = before != entry.values_list("title", "text", "names").first()
    if changed and before is not None:
        dependents_enqueue(model=searchable.model, ids=[row.pk])
    return changed


def dependents_enqueue(*, model, ids):
    """After the commit, a worker indexes again what quotes these changed rows of `model`."""
    label = model._meta.label_lower
    if label not in DEPENDENTS:
        return
    from investigation.tasks import refresh_search_dependents  # tasks import this module

    for pk in ids:
        refresh_search_dependents.delay_on_commit(label, pk)


def dependents_refresh(*, model, pk):
    """Index again the rows whose documents quote row `pk` of `model` (a label such as
    "events.location"). Returns how many were indexed."""
    searchable = REGISTRY.get(model)
    row = searchable and searchable.model._default_manager.filter(pk=pk).first()
    if not row:
        return 0
    return quoting_refresh(quoting(rows=[row]))


def quoting(*, rows):
    """{model: ids} of the rows whose documents quote any of `rows` (read before they are
    deleted: a deleted place's claims must stop naming it)."""
    found = {}
    for row in rows:
        for rows_of in DEPENDENTS.get(row._meta.label_lower, []):
            dependents = rows_of(row)
            found.setdefault(dependents.model, set()).update(
                dependents.order_by().values_list("pk", flat=True)
            )
    return found


def quoting_refresh(found):
    return sum(entries_refresh(model=model, ids=sorted(ids)) for model, ids in found.items())


def entries_forget(*, model, ids):
    """Drop the entries of these rows of `model` (deleted rows)."""
    label, ids, forgotten = model._meta.label_lower, list(ids), 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        forgotten += SearchEntry.objects.filter(model=label, object_id__in=batch).delete()[0]
    return forgotten


def entries_write(searchable, rows):
    now = timezone.now()
    entries = [entry_made(searchable, row, now) for row in rows]
    SearchEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["model", "object_id"],
        update_fields=[
            "investigation",
            "kind",
            "date",
            "date_precision",
            "title",
            "text",
            "names",
            "updated",
        ],
    )


def entry_made(searchable, row, now):
    document = searchable.document(row)
    texts = [text for text in document.texts if text]
    names = [document.title, *(name for name in document.names if name)]
    return SearchEntry(
        model=searchable.key,
        object_id=row.pk,
        investigation_id=row.investigation_id,
        kind=searchable.kind,
        date=document.date,
        date_precision=document.precision if document.date else "",
        title=shortened(document.title, TITLE_LENGTH),
        text=text_folded("\n".join(texts)),
        names=names_folded(names, texts),
        updated=getattr(row, "updated_at", None) or now,
    )


def text_folded(text):
    """Text as it is searched and its snippets shown: Arabic letter variants and diacritics,
    invisible characters and digits of every script folded (investigation.text), case kept."""
    return fulltext.unmarked(fold(text, keep_case=True))


def names_folded(names, texts):
    """Each name and alias on a line, normalised, then the Arabic words of names and texts
    without their article (the place الحويجة is also found as حويجة)."""
    lines = [normalize(line).strip() for name in names for line in name.splitlines()]
    words = (word for line in [*lines, *map(normalize, texts)] for word in WORD.findall(line))
    bare = [word[len(ARTICLE) :] for word in words if without_article(word)]
    return fulltext.unmarked("\n".join(dict.fromkeys(filter(None, [*lines, *bare]))))


def without_article(word):
    return is_arabic(word) and word.startswith(ARTICLE) and len(word) > len(ARTICLE) + 2


def shortened(text, length):
    return text if len(text) <= length else f"{text[: length - 1]}…"


def index_rebuild(*, investigation=None, progress=None):
    """Index every searchable row (of one investigation, or all), and forget entries whose row
    is gone. `progress(label, done, total)` is called after each batch. Returns rows indexed."""
    indexed = 0
    for searchable in REGISTRY.values():
        rows = searchable.model._default_manager.all()
        entries = SearchEntry.objects.filter(model=searchable.key)
        if investigation is not None:
            rows = rows.filter(investigation=investigation)
            entries = entries.filter(investigation=investigation)
        ids = list(rows.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            indexed += entries_refresh(model=searchable.model, ids=ids[start : start + BATCH])
            if progress:
                progress(searchable.label, min(start + BATCH, len(ids)), len(ids))
        orphans_forget(searchable, entries)
    return indexed


def index_sweep():
    """What no admin page indexed (update(), bulk writes, the shell, a failed re-index): rows
    newer than their entry or without one are indexed, entries whose row is gone forgotten.
    Returns how many rows were indexed."""
    indexed = 0
    for searchable in REGISTRY.values():
        rows = searchable.model._default_manager.all()
        current = SearchEntry.objects.filter(model=searchable.key, object_id=OuterRef("pk"))
        if hasattr(searchable.model, "updated_at"):
            current = current.filter(updated__gte=OuterRef("updated_at"))
        stale = rows.filter(~Exists(current)).order_by("pk").values_list("pk", flat=True)
        indexed += entries_refresh(model=searchable.model, ids=stale)
        orphans_forget(searchable, SearchEntry.objects.filter(model=searchable.key))
    return indexed


def orphans_forget(searchable, entries):
    rows = searchable.model._default_manager.filter(pk=OuterRef("object_id"))
    gone = list(entries.filter(~Exists(rows)).values_list("object_id", flat=True))
    return entries_forget(model=searchable.model, ids=gone) if gone else 0


# Finding ------------------------------------------------------------------------------------


def scope(user):
    """The entries `user` may find: those of the kinds their role may view, in each of the
    investigations they are a member of (a role is a role in one investigation)."""
    allowed = Q(pk__in=[])
    held = access.roles(user)
    for role in set(held.values()):
        labels = [key for key, s in REGISTRY.items() if role_sees(user, role, s.model)]
        ids = [pk for pk, theirs in held.items() if theirs == role]
        allowed |= Q(investigation_id__in=ids, model__in=labels)
    return SearchEntry.objects.filter(allowed)


def role_sees(user, role, model):
    return access.role_allows(user, role, access.VIEW, model) or access.role_allows(
        user, role, access.CHANGE, model
    )


def object_ids(*, model, text, user, prefix=False):
    """The ids of the rows of `model` that `text` finds for `user` (a subquery, for an admin
    list's pk__in): the index instead of a scan of every row. `prefix` reads the last word as
    the start of a word, as people type in an autocomplete."""
    query = fulltext.query_parse(text, prefix=prefix)
    entries = scope(user).filter(model=model._meta.label_lower)
    if query.empty:
        return entries.none().values("object_id")
    return fulltext.matching(entries, query).values("object_id")


def ids_at_hand(ids):
    """`ids` (object_ids' subquery) as a list when the words are rare (at most AT_HAND rows):
    a list lets the database fetch those rows by key and sort a few, where a subquery lets
    it walk the list's ordering index through every row, checking each against the index.
    Common words keep the subquery, for which that walk is the fast way. One query."""
    found = list(ids.values_list("object_id", flat=True)[: AT_HAND + 1])
    return found if len(found) <= AT_HAND else ids


@dataclasses.dataclass
class Hit:
    title: str
    url: str
    when: str
    snippet: str  # HTML: the text escaped, the words found in <mark>


@dataclasses.dataclass
class Group:
    kind: str
    label: str
    found: int  # how many of this kind matched, up to POOL + 1 (then: "more than POOL")
    hits: list
    first: int = 0  # how many of this kind came before these hits (pages of one kind)

    @property
    def capped(self):
        """More matched than were ranked: the hits are the best of the newest POOL."""
        return self.found > POOL

    @property
    def ranked(self):
        return min(self.found, POOL)

    @property
    def more(self):
        return self.first + len(self.hits) < self.ranked


@dataclasses.dataclass
class Results:
    groups: list
    query: fulltext.Query
    widened: bool = False  # nothing matched as typed: close spellings of names were searched

    @property
    def found(self):
        return sum(group.found for group in self.groups)


def results(*, user, text, investigation=None, kind="", start=None, end=None, page=1):
    """What `text` finds for `user`, grouped by kind of record, the best first in each group:
    PER_KIND of each kind, or page `page` of PER_PAGE when one `kind` is asked for; of a kind
    with more than POOL matches, the best of the newest POOL. Filters: one of the user's
    investigations (an id), a kind, and dates (entries of any precision whose period overlaps
    start..end). Two queries, however many rows there are (and two more per word when nothing
    matched as typed)."""
    query = fulltext.query_parse(text)
    if query.empty:
        return Results([], query)
    entries = filtered(scope(user), investigation=investigation, kind=kind, start=start, end=end)
    shown = PER_PAGE if kind else PER_KIND
    first = (page - 1) * shown if kind else 0
    kinds = [kind] if kind else list(dict.fromkeys(s.kind for s in ordered()))
    arguments = {"kinds": kinds, "first": first, "count": shown, "pool": POOL}
    ranked = fulltext.ranked(entries, query, **arguments)
    if ranked or page > 1:
        return Results(groups_made(ranked, query, first), query)
    widened, changed = fulltext.query_widened(entries, query)
    ranked = fulltext.ranked(entries, widened, **arguments) if changed else []
    return Results(groups_made(ranked, widened, first), widened, widened=bool(ranked))


def filtered(entries, *, investigation=None, kind="", start=None, end=None):
    if investigation:
        entries = entries.filter(investigation_id=investigation)
    if kind:
        entries = entries.filter(kind=kind)
    if start or end:
        entries = entries.filter(period_overlaps(start, end))
    return entries


def period_overlaps(start, end):
    """Entries whose date, at its precision, may fall between start and end (both included): a
    month-precision date counts when its month overlaps the range, as on the map."""
    ranges = [
        (~Q(date_precision__in=["month", "year"]), start, end),
        (Q(date_precision="month"), start and start.replace(day=1), end and month_last(end)),
        (
            Q(date_precision="year"),
            start and start.replace(month=1, day=1),
            end and end.replace(month=12, day=31),
        ),
    ]
    overlaps = Q()
    for precision, first, last in ranges:
        condition = precision & Q(date__isnull=False)
        if first:
            condition &= Q(date__gte=first)
        if last:
            condition &= Q(date__lte=last)
        overlaps |= condition
    return overlaps


def month_last(date):
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


def groups_made(ranked, query, first=0):
    """The ranked (entry id, kind, found) rows as groups of hits, in the registry's order."""
    entries = fulltext.shown([pk for pk, _, _ in ranked], query)
    groups = {}
    for pk, kind, found in ranked:
        entry = entries[pk]
        searchable = REGISTRY[entry.model]
        group = groups.setdefault(kind, Group(kind, searchable.label, found, [], first))
        group.hits.append(hit_made(searchable, entry))
    order = [searchable.kind for searchable in ordered()]
    return sorted(groups.values(), key=lambda group: order.index(group.kind))


def hit_made(searchable, entry):
    return Hit(
        title=entry.title,
        url=searchable.url(entry.object_id),
        when=DATES.show(entry.date, entry.date_precision) if entry.date else "",
        snippet=marked(entry.snippet or ""),
    )


def marked(snippet):
    """A snippet as HTML: its text escaped, the words found between the index's marks in
    <mark>. format_html escapes every piece: nothing typed is ever marked safe."""
    parts = fulltext.MARKED.split(snippet.replace("\n", " · "))  # texts are stored a line each
    plain, found = parts[0::2], [*parts[1::2], ""]
    pieces = ((text, format_html("<mark>{}</mark>", word) if word else "")
              for text, word in zip(plain, found, strict=True))  # fmt: skip
    return format_html_join("", "{}{}", pieces)


# The investigation app's own searchable records ------------------------------------------------


def follow_up_document(follow_up):
    source = follow_up.source
    return SearchDocument(
        title=follow_up.title,
        texts=[follow_up.notes, follow_up.get_kind_display()],
        names=[source.codename] if source else [],
        date=timezone.localdate(follow_up.due_at),
        precision="day",
    )


def follow_ups_register():
    from investigation.models import FollowUp

    register(
        FollowUp,
        kind="followup",
        label="Follow-ups",
        document=follow_up_document,
        reads=["title", "notes", "kind", "due_at", "source__codename"],
        related=["source"],
        order=80,
    )
