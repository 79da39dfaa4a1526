"""ACLED imports: read and check the whole file first, then write it in one transaction.

A file with any problem writes nothing, and its report names every problem (row, column,
value, reason), not just the first. Writing is a handful of queries per thousand rows:
existing places, actors and events are loaded once by their key, new ones are created with
bulk_create, changed ones bulk-updated. New places and actors and every changed event get a
history row; a new event does not (its created_by and created_at say who imported it and
when, and history rows for 10,000 new events would double the time an import takes).
Re-importing a file updates the events it already brought in (by event_id_cnty, which is
Event.external_id) and never duplicates them; titles and editorial fields (status,
highlighted, publishable) are never touched by a re-import.
"""

import csv
import datetime
import io
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, IntegrityError, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import F
from django.utils import timezone

from events.models import Actor, DatePrecision, Event, EventActor, Location
from investigation import search
from investigation.importexport import (
    ImportProblem,
    error_words,
    import_file_read,
    import_job_finish,
    import_job_reporter,
)
from investigation.models import ImportJob

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# What Event.fatalities (a PositiveIntegerField) holds on every database, SQLite included.
FATALITIES_MAX = BaseDatabaseOperations.integer_field_ranges["PositiveIntegerField"][1]
PROGRESS_EVERY = 1000
CHANGE_REASON = "ACLED import"

CURRENT_LAYOUT = (
    "event_id_cnty event_date year time_precision disorder_type event_type sub_event_type "
    "actor1 assoc_actor_1 inter1 actor2 assoc_actor_2 inter2 interaction civilian_targeting iso "
    "region country admin1 admin2 admin3 location latitude longitude geo_precision source "
    "source_scale notes fatalities tags timestamp"
).split()
PRE_2023_LAYOUT = (
    "data_id iso event_id_cnty event_id_no_cnty event_date year time_precision event_type "
    "sub_event_type actor1 assoc_actor_1 inter1 actor2 assoc_actor_2 inter2 interaction region "
    "country admin1 admin2 admin3 location latitude longitude geo_precision source source_scale "
    "notes fatalities timestamp iso3"
).split()
# What Fieldbook reads; both layouts have these. The rest of either layout is known and skipped.
NEEDED_COLUMNS = (
    "event_id_cnty event_date time_precision event_type sub_event_type actor1 assoc_actor_1 "
    "actor2 assoc_actor_2 admin1 admin2 admin3 location latitude longitude geo_precision source "
    "notes fatalities"
).split()
KNOWN_COLUMNS = set(CURRENT_LAYOUT) | set(PRE_2023_LAYOUT)

TIME_PRECISIONS = {"1": DatePrecision.DAY, "2": DatePrecision.WEEK, "3": DatePrecision.MONTH}
GEO_PRECISIONS = {"1": 1, "2": 2, "3": 3}
MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (
        datetime.date(2000, number, 1).strftime("%B"),
        f"{datetime.date(2000, number, 1):%b}",
    )
}
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DAY_FIRST_DATE = re.compile(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})")
WRITTEN_DATE = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)\.?[ -](\d{4})")
DATE_FORMATS_HELP = "yyyy-mm-dd, dd-mm-yyyy, dd/mm/yyyy or '11 March 2020'"

Kind = Event.Kind
KINDS_BY_TYPE = {
    "battles": Kind.CLASH,
    "violence against civilians": Kind.ATTACK,
    "riots": Kind.PROTEST,
    "protests": Kind.PROTEST,
    "strategic developments": Kind.STRATEGIC,
}
KINDS_BY_REMOTE_VIOLENCE = {
    "air/drone strike": Kind.AIR_STRIKE,
    "shelling/artillery/missile attack": Kind.ATTACK,
    "remote explosive/landmine/ied": Kind.IED,
    "suicide bomb": Kind.ATTACK,
}
# ACLED's inter codes (numbers before 2023, words since) for the actors an import creates.
ACTOR_KINDS = {
    "1": Actor.Kind.STATE_FORCE,
    "state forces": Actor.Kind.STATE_FORCE,
    "2": Actor.Kind.ARMED_GROUP,
    "rebel group": Actor.Kind.ARMED_GROUP,
    "3": Actor.Kind.MILITIA,
    "political militia": Actor.Kind.MILITIA,
    "4": Actor.Kind.MILITIA,
    "identity militia": Actor.Kind.MILITIA,
    "7": Actor.Kind.CIVILIANS,
    "civilians": Actor.Kind.CIVILIANS,
}
MAX_LENGTHS = {
    "event_id_cnty": 64,
    "event_type": 100,
    "sub_event_type": 100,
    "location": 200,
    "admin1": 100,
    "admin2": 100,
    "admin3": 100,
    "tags": 500,
}
ROLES = (
    ("actor1", EventActor.Role.PRIMARY, "inter1"),
    ("actor2", EventActor.Role.SECONDARY, "inter2"),
    ("assoc_actor_1", EventActor.Role.ASSOCIATED, None),
    ("assoc_actor_2", EventActor.Role.ASSOCIATED_SECONDARY, None),
)
# Event fields an import sets, in the order EventPlan.values holds them.
EVENT_FIELDS = (
    "date",
    "date_precision",
    "kind",
    "original_type",
    "original_sub_type",
    "description",
    "fatalities",
    "acled_source",
    "tags",
    "location_id",
)


@dataclass
class Problem:
    """One thing wrong with the file. `row` counts as a spreadsheet does: the header is row 1;
    None is the file as a whole."""

    row: int | None
    column: str
    value: str
    reason: str

    def __str__(self):
        where = f"row {self.row}" if self.row else "file"
        column = f", {self.column}" if self.column else ""
        value = f" {shorten(self.value)!r}" if self.value else ""
        return f"{where}{column}{value}: {self.reason}"


@dataclass
class AcledReport:
    dry_run: bool
    layout: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    locations_created: int = 0
    actors_created: int = 0
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    def problem(self, row, column, value, reason):
        self.problems.append(Problem(row, column, str(value or ""), reason))

    def summary(self):
        if not self.ok:
            return (
                f"Nothing was imported: {len(self.problems)} problem(s) in the file "
                f"({self.rows} rows read)."
            )
        verb = "would create" if self.dry_run else "created"
        return (
            f"{self.layout}: {self.rows} rows; {verb} {self.created} events, "
            f"{'would update' if self.dry_run else 'updated'} {self.updated}, "
            f"{self.unchanged} unchanged; new places {self.locations_created}, "
            f"new actors {self.actors_created}."
        )


@dataclass(slots=True)
class AcledRow:
    number: int
    external_id: str
    title: str
    values: tuple  # EVENT_FIELDS, with the place key where location_id goes
    place: tuple  # (name, admin1, admin2, latitude, longitude)
    place_extra: tuple  # (admin3, geo_precision)
    actors: list  # [(name, role, actor kind)]


def shorten(text, limit=80):
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def acled_import(*, path_or_file, investigation, dry_run, progress=None, user=None):
    """Import an ACLED CSV export into `investigation`. Returns an AcledReport; nothing is
    written when it has problems or when `dry_run` is set. `progress(stage, done, total)` is
    called every PROGRESS_EVERY rows."""
    report = AcledReport(dry_run=dry_run)
    rows = acled_rows(acled_read(path_or_file, report), report, progress)
    if not report.ok:
        return report
    plan = AcledPlan(investigation, rows, report)
    if dry_run:
        return report
    try:
        with transaction.atomic():
            plan.write(user, progress)
    except IntegrityError:
        report.problem(
            None,
            "",
            "",
            "Another change to these events was saved at the same time; "
            "nothing was imported. Run the import again.",
        )
    except DatabaseError as error:
        # The checks above should leave nothing for the database to refuse. Its message may
        # quote the file, so the log gets the type and the person gets words.
        logger.warning("An ACLED import was refused by the database: %s", type(error).__name__)
        report.problem(
            None,
            "",
            "",
            "The database refused these rows, so nothing was imported. Check the file's "
            "values against ACLED's codebook and import it again.",
        )
    else:
        acled_index(plan)
    return report


def acled_index(plan):
    """After the import's commit: index the events, places and actors it wrote for the search
    (investigation.search). If this fails, the import stands and the sweep indexes them."""
    written = [row.external_id for row in (*plan.new_rows, *plan.changed_rows)]
    events = Event.objects.filter(investigation=plan.investigation)
    for start in range(0, len(written), BATCH_SIZE):
        batch = events.filter(external_id__in=written[start : start + BATCH_SIZE])
        search.entries_refresh(model=Event, ids=batch.values_list("pk", flat=True))
    places = [place.pk for place in plan.new_places.values()]
    search.entries_refresh(model=Location, ids=places)
    actors = [pk for name, pk in plan.actors.items() if name in plan.new_actors]
    search.entries_refresh(model=Actor, ids=actors)


def acled_job_run(*, job):
    """An ACLED import job on a Celery worker (investigation.models.ImportJob): the check,
    nothing written, until the importer confirms; then the import. However it ends, the job
    says so in words and its file is deleted (unless it waits for the confirmation)."""
    Status = ImportJob.Status
    try:
        report = acled_import(
            path_or_file=io.BytesIO(import_file_read(job.file)),
            investigation=job.investigation,
            dry_run=not job.confirmed,
            progress=import_job_reporter(job),
            user=job.user,
        )
    except Exception as error:
        logger.exception("ACLED import job %s failed", job.pk)
        problem = ImportProblem(None, "", "", error_words(error))
        return import_job_finish(job, status=Status.FAILED, problems=[problem])
    problems = [ImportProblem(p.row, p.column, p.value, p.reason) for p in report.problems]
    counts = {
        "rows_checked": report.rows,
        "new_rows": report.created,
        "changed_rows": report.updated,
        "unchanged_rows": report.unchanged,
        "summary": " ".join([*report.notes, report.summary()]),
    }
    if not report.ok:
        return import_job_finish(job, status=Status.REFUSED, problems=problems, **counts)
    if not job.confirmed:
        return import_job_finish(job, status=Status.READY, **counts)
    written = report.created + report.updated
    return import_job_finish(job, status=Status.DONE, rows_written=written, **counts)


# Reading and checking --------------------------------------------------------------------------


def acled_read(path_or_file, report):
    """The file as text, or None (with the reason in the report) when it is no UTF-8 CSV."""
    if hasattr(path_or_file, "read"):
        if hasattr(path_or_file, "seek"):
            path_or_file.seek(0)
        data = path_or_file.read()
    else:
        data = Path(path_or_file).read_bytes()
    if isinstance(data, str):
        return data
    reason = binary_problem(data)
    if reason:
        report.problem(None, "", "", reason)
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.problem(
            line,
            "",
            "",
            f"Not UTF-8 text (byte 0x{data[error.start]:02x} at line {line}): "
            "save the file as CSV in UTF-8 and import it again.",
        )
        return None


def binary_problem(data):
    if not data.strip():
        return "The file is empty."
    if data.startswith(b"PK\x03\x04"):
        return "This is a zip file or an Excel workbook, not CSV: export the data as CSV."
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "The file is UTF-16 text: save it as CSV in UTF-8 and import it again."
    if b"\x00" in data:
        return "The file contains NUL bytes, so it is not a CSV text file."
    return ""


def acled_rows(text, report, progress=None):
    """Every row checked; the rows fit to import (all of them, when the report has no
    problems)."""
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        columns = header_check(header, report)
        rows, seen = [], {}
        for number, values in enumerate(reader, start=2):
            if not values or values == [""]:
                continue  # a blank line
            report.rows += 1
            row = row_check(number, values, header, columns, report, seen)
            if row is not None:
                rows.append(row)
            if progress and report.rows % PROGRESS_EVERY == 0:
                progress("checked", report.rows, None)
    except csv.Error as error:
        report.problem(reader.line_num, "", "", f"Not readable as CSV: {error}.")
        return []
    if progress:
        progress("checked", report.rows, report.rows)
    return rows


def header_check(header, report):
    """{column: index} for the columns Fieldbook reads; problems for missing or doubled ones."""
    if not any(header):
        report.problem(1, "", "", "The first row must name the columns (ACLED's header).")
        return None
    present = set(header)
    report.layout = layout_name(present)
    # Counted once: a header of 100,000 columns is checked in linear time, not quadratic.
    counts = Counter(header)
    for name in sorted(name for name, count in counts.items() if count > 1 and name):
        report.problem(1, name, "", "This column appears more than once.")
    for name in NEEDED_COLUMNS:
        if name not in present:
            report.problem(1, name, "", "This ACLED column is missing.")
    extra = [name for name in counts if name not in KNOWN_COLUMNS]
    if extra:
        shown = ", ".join(shorten(name, 40) for name in extra[:20])
        more = f" and {len(extra) - 20:,} more" if len(extra) > 20 else ""
        report.notes.append(f"Ignored columns that are not ACLED's: {shown}{more}.")
    if not report.ok:
        return None
    return {
        name: header.index(name)
        for name in NEEDED_COLUMNS + ["year", "inter1", "inter2", "tags"]
        if name in present
    }


def layout_name(present):
    if present >= {"disorder_type", "civilian_targeting"}:
        return "ACLED (2023 and later)"
    if present & {"data_id", "event_id_no_cnty", "iso3"}:
        return "ACLED (before 2023)"
    return "ACLED-like (layout not recognised)"


def row_check(number, values, header, columns, report, seen):
    if columns is None:
        return None
    if len(values) != len(header):
        report.problem(
            number, "", "", f"This row has {len(values)} fields; the header has {len(header)}."
        )
        return None
    get = {name: values[index].strip() for name, index in columns.items()}
    before = len(report.problems)
    check = RowCheck(number, get, report)
    external_id = check.required("event_id_cnty")
    if external_id and external_id in seen:
        check.fail(
            "event_id_cnty", external_id, f"Appears again (first on row {seen[external_id]})."
        )
    elif external_id:
        seen[external_id] = number
    date = check.date()
    precision = check.code("time_precision", TIME_PRECISIONS, "1 (day), 2 (week) or 3 (month)")
    geo_precision = check.code("geo_precision", GEO_PRECISIONS, "1, 2 or 3")
    latitude = check.coordinate("latitude", 90)
    longitude = check.coordinate("longitude", 180)
    fatalities = check.fatalities()
    for name, limit in MAX_LENGTHS.items():
        if len(get.get(name, "")) > limit:
            check.fail(name, get[name], f"Longer than {limit} characters.")
    actors = check.actors()
    if len(report.problems) > before:
        return None
    name = get["location"] or get["admin2"] or get["admin1"] or "Unnamed place"
    place = (name, get["admin1"], get["admin2"], latitude, longitude)
    event_type, sub_type = get["event_type"], get["sub_event_type"]
    values = (
        date,
        precision,
        kind_for(event_type, sub_type),
        event_type,
        sub_type,
        get["notes"],
        fatalities,
        get["source"],
        get.get("tags", ""),
        place,
    )
    title = f"{sub_type or event_type or 'Event'} in {name}"
    return AcledRow(
        number, external_id, title[:200], values, place, (get["admin3"], geo_precision), actors
    )


class RowCheck:
    """The checks of one row's values; each failure becomes a Problem in the report."""

    def __init__(self, number, get, report):
        self.number, self.get, self.report = number, get, report

    def fail(self, column, value, reason):
        self.report.problem(self.number, column, value, reason)

    def required(self, column):
        value = self.get[column]
        if not value:
            self.fail(column, "", "Empty; ACLED always fills it.")
        return value

    def date(self):
        text = self.required("event_date")
        if not text:
            return None
        date, reason = parse_date(text)
        if reason:
            self.fail("event_date", text, reason)
            return None
        year = self.get.get("year", "")
        if year and year.removesuffix(".0") != str(date.year):
            self.fail("year", year, f"Does not match event_date ({date:%Y-%m-%d}).")
        return date

    def code(self, column, codes, allowed):
        text = self.required(column)
        if not text:
            return None
        code = codes.get(text.removesuffix(".0"))
        if code is None:
            self.fail(column, text, f"Unknown precision code: ACLED uses {allowed}.")
        return code

    def coordinate(self, column, limit):
        text = self.required(column)
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            self.fail(column, text, "Not a number.")
            return None
        if not math.isfinite(number) or not -limit <= number <= limit:
            self.fail(column, text, f"Out of range: must be between -{limit} and {limit}.")
            return None
        return number

    def fatalities(self):
        text = self.get["fatalities"]
        if not text:
            return None
        try:
            number = int(text.removesuffix(".0"))
        except ValueError:
            self.fail("fatalities", text, "Not a whole number.")
            return None
        if number < 0:
            self.fail("fatalities", text, "Cannot be negative.")
            return None
        if number > FATALITIES_MAX:
            self.fail("fatalities", text, f"Out of range: at most {FATALITIES_MAX}.")
            return None
        return number

    def actors(self):
        """[(name, role, kind)] in ACLED's order, each actor once (its first role wins)."""
        actors, names = [], set()
        for column, role, inter in ROLES:
            for name in self.get[column].split(";"):
                name = " ".join(name.split())
                if not name or name in names:
                    continue
                if len(name) > 200:
                    self.fail(column, name, "An actor's name is longer than 200 characters.")
                    continue
                names.add(name)
                kind = ACTOR_KINDS.get(self.get.get(inter, "").lower(), Actor.Kind.OTHER)
                actors.append((name, role, kind if inter else Actor.Kind.OTHER))
        return actors


def parse_date(text):
    """(date, None) or (None, why not) for the date formats ACLED has used."""
    if match := ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := DAY_FIRST_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif (match := WRITTEN_DATE.fullmatch(text)) and match[2].lower() in MONTHS:
        day, month, year = int(match[1]), MONTHS[match[2].lower()], int(match[3])
    else:
        return None, f"Not a date in a format ACLED uses ({DATE_FORMATS_HELP})."
    if not 1900 <= year <= 2100:
        return None, "The year is not plausible."
    try:
        return datetime.date(year, month, day), None
    except ValueError:
        return None, "No such day."


def kind_for(event_type, sub_type):
    event_type, sub_type = event_type.lower(), sub_type.lower()
    if event_type == "explosions/remote violence":
        return KINDS_BY_REMOTE_VIOLENCE.get(sub_type, Kind.OTHER)
    return KINDS_BY_TYPE.get(event_type, Kind.OTHER)


# Writing ---------------------------------------------------------------------------------------


def place_key(name, admin1, admin2, latitude, longitude):
    return (name, admin1, admin2, round(latitude, 6), round(longitude, 6))


class AcledPlan:
    """What importing the checked rows does to one investigation: the places, actors and
    events to create or update, worked out from three queries. The report gets the counts."""

    def __init__(self, investigation, rows, report):
        self.investigation, self.rows, self.report = investigation, rows, report
        self.places = self.existing_places()
        self.new_places = {}
        self.actors = dict(
            Actor.objects.filter(investigation=investigation).values_list("name", "pk")
        )
        self.new_actors = {}
        self.events = self.existing_events()
        self.new_rows, self.changed_rows = [], []
        for row in rows:
            self.plan_row(row)
        report.created, report.updated = len(self.new_rows), len(self.changed_rows)
        report.unchanged = len(rows) - report.created - report.updated
        report.locations_created, report.actors_created = len(self.new_places), len(self.new_actors)

    def existing_places(self):
        places = Location.objects.filter(investigation=self.investigation).order_by("pk")
        columns = ("name", "admin1", "admin2", "latitude", "longitude", "pk")
        found = {}
        for *key, pk in places.values_list(*columns):
            found.setdefault(place_key(*key), pk)
        return found

    def existing_events(self):
        """{external id: [pk, EVENT_FIELDS values..., {(actor name, role)}]}"""
        events = Event.objects.filter(investigation=self.investigation).exclude(external_id="")
        found = {
            external_id: [pk, *values, set()]
            for external_id, pk, *values in events.values_list("external_id", "pk", *EVENT_FIELDS)
        }
        links = EventActor.objects.filter(event__in=events).values_list(
            "event__external_id", "actor__name", "role"
        )
        for external_id, name, role in links:
            found[external_id][-1].add((name, role))
        return found

    def plan_row(self, row):
        key = place_key(*row.place)
        if key not in self.places and key not in self.new_places:
            name, admin1, admin2, latitude, longitude = row.place
            admin3, geo_precision = row.place_extra
            self.new_places[key] = Location(
                investigation=self.investigation,
                name=name,
                admin1=admin1,
                admin2=admin2,
                admin3=admin3,
                latitude=latitude,
                longitude=longitude,
                geo_precision=geo_precision,
            )
        for name, _, kind in row.actors:
            if name not in self.actors and name not in self.new_actors:
                self.new_actors[name] = Actor(
                    investigation=self.investigation, name=name, kind=kind
                )
        existing = self.events.get(row.external_id)
        if existing is None:
            self.new_rows.append(row)
        elif self.differs(row, key, existing):
            self.changed_rows.append(row)

    def differs(self, row, key, existing):
        place_id = self.places.get(key)  # None for a new place: then it differs anyway
        values = (*row.values[:-1], place_id)
        actors = {(name, role) for name, role, _ in row.actors}
        return values != tuple(existing[1:-1]) or actors != existing[-1]

    def write(self, user, progress):
        now = timezone.now()
        created = self.create(Location, list(self.new_places.values()), user, now)
        self.places.update(
            {key: place.pk for key, place in zip(self.new_places, created, strict=True)}
        )
        created = self.create(Actor, list(self.new_actors.values()), user, now)
        self.actors.update({actor.name: actor.pk for actor in created})
        total, done = len(self.new_rows) + len(self.changed_rows), 0
        for start in range(0, len(self.new_rows), BATCH_SIZE):
            done += self.events_create(self.new_rows[start : start + BATCH_SIZE], user, now)
            if progress:
                progress("written", done, total)
        for start in range(0, len(self.changed_rows), BATCH_SIZE):
            done += self.events_update(self.changed_rows[start : start + BATCH_SIZE], user, now)
            if progress:
                progress("written", done, total)

    def create(self, model, objects, user, now, history=True):
        for obj in objects:
            obj.created_by, obj.created_at, obj.updated_at = user, now, now
        created = model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        if history:
            model.history.bulk_history_create(
                created,
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason=CHANGE_REASON,
                default_date=now,
            )
        return created

    def event_values(self, row):
        values = dict(zip(EVENT_FIELDS, row.values, strict=True))
        values["location_id"] = self.places[place_key(*row.place)]
        return values

    def events_create(self, rows, user, now):
        events = [
            Event(
                investigation=self.investigation,
                title=row.title,
                external_id=row.external_id,
                origin=Event.Origin.ACLED,
                **self.event_values(row),
            )
            for row in rows
        ]
        # No history row for an imported event's creation: created_by and created_at say who
        # and when, and it would double the import's time. Changes by re-imports are recorded.
        events = self.create(Event, events, user, now, history=False)
        self.links_create(zip(events, rows, strict=True))
        return len(events)

    def events_update(self, rows, user, now):
        pks = [self.events[row.external_id][0] for row in rows]
        events = Event.objects.in_bulk(pks)
        for row, pk in zip(rows, pks, strict=True):
            event = events[pk]
            for name, value in self.event_values(row).items():
                setattr(event, name, value)
            event.updated_at = now
        changed = list(events.values())
        Event.objects.bulk_update(changed, [*EVENT_FIELDS, "updated_at"], batch_size=BATCH_SIZE)
        # A new version: a form opened before the import is refused, not saved over it.
        Event.objects.filter(pk__in=pks).update(version=F("version") + 1)
        Event.history.bulk_history_create(
            changed,
            update=True,
            default_user=user,
            default_change_reason=CHANGE_REASON,
            default_date=now,
        )
        EventActor.objects.filter(event_id__in=pks).delete()
        self.links_create((events[pk], row) for row, pk in zip(rows, pks, strict=True))
        return len(changed)

    def links_create(self, events_and_rows):
        links = [
            EventActor(event_id=event.pk, actor_id=self.actors[name], role=role)
            for event, row in events_and_rows
            for name, role, _ in row.actors
        ]
        EventActor.objects.bulk_create(links, batch_size=BATCH_SIZE)
