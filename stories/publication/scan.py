"""The leak scan: every value of a publication export compared with the protected identifiers
of every source Fieldbook holds, and every point with the places where sources were met.

A finding names the row, the field, what kind of identifier matched and whose (the codename,
if the exporter may see that source, else only that it is a source of another investigation),
with the field's text around it masked. Never the identifier: findings are shown and stored.
How names, numbers and handles are matched lives in stories.publication.matching.
"""

import math
import re
from dataclasses import asdict, dataclass

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from investigation import access
from sources.models import InterviewSource, Source
from stories.publication.matching import IdentifierIndex, coordinates_in, distance_m
from stories.publication.rows import REGION_PRECISION

OTHER_INVESTIGATION = "a protected source of another investigation"
# Columns typed per event: scanned on every row, as one text (a phone number may run from the
# title into the notes).
ROW_COLUMNS = ("event_id_cnty", "title", "notes")
# Columns whose values repeat from row to row: each distinct combination is scanned once.
REPEATED_COLUMNS = (
    "event_type", "kind", "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "admin1",
    "admin2", "location", "status",
)  # fmt: skip
# The rest are numbers, dates and codes (event_date, time_precision, inter1, inter2,
# latitude, longitude, geo_precision, fatalities): no name or handle fits in them; the
# point they make is compared with the places where sources were met.
POINT = "latitude/longitude"
NEAR_PLACE = "a point near where a source was met"
WRITTEN_NEAR_PLACE = "coordinates near where a source was met"
EXCERPT_CHARACTERS = 160
# What a text must hold to hold coordinates (a number with 3 decimals, or degrees, or digits of
# another script): a cheap test before coordinates_in, which most rows fail.
COORDINATES_HINT = re.compile(r"\d\.\d{3}|°|[\u0660-\u0669\u06f0-\u06f9\uff10-\uff19]")
METRES_PER_DEGREE = 111_320


@dataclass(frozen=True)
class Finding:
    """A protected identifier found in the export: where, what kind, and whose. `source` (an
    id) tells which findings an override approval covers; it is never shown."""

    row: int
    event: str
    field: str
    codename: str
    kind: str
    source: int
    excerpt: str = ""

    def __str__(self):
        return (
            f"row {self.row} (event {self.event}), {self.field}: {self.kind} of "
            f"{self.codename_shown()}"
        )

    def codename_shown(self):
        if self.codename == OTHER_INVESTIGATION:
            return self.codename
        return f"source {self.codename}"

    def key(self):
        """What an approval covers: the same identifier of the same source in the same field
        of the same event."""
        return (self.event, self.field, self.source, self.kind)

    def as_dict(self):
        return asdict(self)


class LeakScanner:
    """The identifiers of every source, indexed once per export (stories.publication.matching),
    and the places where sources were met, in a grid (NearPlaces)."""

    @sensitive_variables()
    def __init__(self, index, labels, places):
        self.index = index
        self.labels = labels  # source id: what a finding may call it
        self.places = places
        self.repeated = {}  # a combination of repeated values: its findings
        self.sources = len(labels)

    @classmethod
    @sensitive_variables("entries")
    def for_export(cls, *, investigation, user):
        """Reads every identity Fieldbook holds, in memory only (nothing is logged or stored).
        A key that cannot open them raises IdentityKeyError: no scan, no export."""
        sources = Source.objects.only("codename", "investigation_id", *Source.IDENTITY_FIELDS)
        visible = visible_investigations(user, investigation)
        entries, labels = [], {}
        for source in sources.iterator(chunk_size=500):
            identity = {name: getattr(source, name).reveal() for name in Source.IDENTITY_FIELDS}
            entries.append((source.pk, identity))
            shown = source.investigation_id in visible
            labels[source.pk] = source.codename if shown else OTHER_INVESTIGATION
        places = NearPlaces(source_places(), settings.LEAK_SCAN_NEAR_METRES)
        return cls(IdentifierIndex.build(entries), labels, places)

    def scan(self, number, row):
        """The findings in one exported row (a PublicationRow), at most one per field, source
        and kind."""
        values = row._asdict()
        typed = {column: values[column] or "" for column in ROW_COLUMNS}
        found = self.index.scan_row(typed) + self.repeated_findings(values)
        hits = [(hit.field, hit.key, hit.kind) for hit in found]
        hits += self.point_hits(row)
        hits += self.written_point_hits(typed)
        unique = dict.fromkeys(hits)
        return [self.finding(number, row, values, *hit) for hit in unique]

    def scan_fields(self, number, label, fields):
        """The findings in any row of texts ({column: text}), e.g. a fact-check sheet's;
        `label` stands for the row where a publication row has its event id."""
        texts = {column: "" if value is None else str(value) for column, value in fields.items()}
        hits = [(hit.field, hit.key, hit.kind) for hit in self.index.scan_row(texts)]
        hits += self.written_point_hits(texts)
        return [
            Finding(
                row=number,
                event=label,
                field=field,
                codename=self.labels.get(source, OTHER_INVESTIGATION),
                kind=kind,
                source=source,
                excerpt=self.excerpt(texts.get(field, "")),
            )
            for field, source, kind in dict.fromkeys(hits)
        ]

    def repeated_findings(self, values):
        combination = tuple(values[column] or "" for column in REPEATED_COLUMNS)
        if combination not in self.repeated:
            if len(self.repeated) > 100_000:
                self.repeated.clear()
            fields = dict(zip(REPEATED_COLUMNS, combination, strict=True))
            self.repeated[combination] = self.index.scan_row(fields)
        return self.repeated[combination]

    def point_hits(self, row):
        """The exported point, unless the export already coarsened it to its district."""
        if row.latitude is None or row.longitude is None or is_coarsened(row):
            return []
        near = self.places.near(row.latitude, row.longitude)
        return [(POINT, source, NEAR_PLACE) for source in near]

    def written_point_hits(self, typed):
        """Coordinates written in the text (decimal or degrees-minutes-seconds)."""
        hits = []
        for column, text in typed.items():
            if not COORDINATES_HINT.search(text):
                continue
            for latitude, longitude in coordinates_in(text):
                near = self.places.near(latitude, longitude)
                hits += [(column, source, WRITTEN_NEAR_PLACE) for source in near]
        return hits

    def finding(self, number, row, values, field, source, kind):
        text = str(values.get(field) or "") if field != POINT else ""
        return Finding(
            row=number,
            event=row.event_id_cnty,
            field=field,
            codename=self.labels.get(source, OTHER_INVESTIGATION),
            kind=kind,
            source=source,
            excerpt=self.excerpt(text),
        )

    def excerpt(self, text):
        """The field's text around its first masked stretch, every protected identifier in it
        masked (IdentifierIndex.masked): what an approver reads to judge the finding."""
        masked = self.index.masked(text)
        first = masked.find("\u2588")
        if first < 0 or len(masked) <= EXCERPT_CHARACTERS:
            return masked[:EXCERPT_CHARACTERS]
        start = max(first - EXCERPT_CHARACTERS // 3, 0)
        return ("…" if start else "") + masked[start : start + EXCERPT_CHARACTERS] + "…"


def visible_investigations(user, investigation):
    """The investigations whose sources a finding may name for this exporter: their own, and
    the exporting one (a command-line export without a user names only the latter)."""
    ids = {investigation.pk}
    if user is not None:
        ids |= set(access.roles(user))
    return ids


def is_coarsened(row):
    """Whether publication_row put the event at its district's centre (a place where a source
    was interviewed goes out only so)."""
    return row.geo_precision == REGION_PRECISION and row.location in (row.admin2, row.admin1)


def source_places():
    """(source id, latitude, longitude) of every place where a source was interviewed."""
    return InterviewSource.objects.filter(interview__location__isnull=False).values_list(
        "source_id", "interview__location__latitude", "interview__location__longitude"
    )


class NearPlaces:
    """Places in a grid of cells at least `within_m` tall, so that asking which places are
    near a point reads the few cells around it, not every place."""

    def __init__(self, places, within_m):
        self.within_m = within_m
        self.answers = {}  # a point: its answer (events repeat their places row after row)
        self.step = within_m / METRES_PER_DEGREE  # degrees of latitude a cell spans
        self.cells = {}
        for source, latitude, longitude in places:
            self.cells.setdefault(self.cell(latitude, longitude), []).append(
                (source, latitude, longitude)
            )

    def cell(self, latitude, longitude):
        return (math.floor(latitude / self.step), math.floor(longitude / self.step))

    def near(self, latitude, longitude):
        """Sources met within `within_m` of the point, each once."""
        if not self.cells:
            return []
        point = (latitude, longitude)
        if point not in self.answers:
            if len(self.answers) > 100_000:
                self.answers.clear()
            self.answers[point] = self.looked_up(latitude, longitude)
        return self.answers[point]

    def looked_up(self, latitude, longitude):
        row, column = self.cell(latitude, longitude)
        # A degree of longitude shrinks towards the poles: look wider to cover within_m.
        wide = math.ceil(1 / max(math.cos(math.radians(latitude)), 0.01))
        found = {
            source
            for i in range(row - 1, row + 2)
            for j in range(column - wide, column + wide + 1)
            for source, lat, lon in self.cells.get((i, j), ())
            if distance_m(latitude, longitude, lat, lon) <= self.within_m
        }
        return sorted(found)
