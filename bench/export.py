"""Time and measure the publication export against plain baselines.

Not a test: timings depend on the machine. Run it by hand on PostgreSQL, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldbook_bench7 manage.py bench_export
It creates N publishable events (default 100,000) with places, actors and 1,000 sources with
identities (names in Latin and Arabic script, phones, handles) for the leak scan to compare
against, and times the same export with the scan off, then adds events up to --large (default
1,000,000) to see whether the CSV export's peak memory stays flat, and rolls everything back.

Peak memory is tracemalloc's: what Python allocated at most during one export. libpq's own
buffers (a server-side cursor's chunk, COPY's data) are C allocations it does not see.
"""

import csv
import datetime
import itertools
import statistics
import tempfile
import tracemalloc
import uuid
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook

from bench.timing import Figure, milliseconds, round_robin_seconds
from events.models import Actor, Event, EventActor, Location
from investigation.models import Investigation, Membership, PublicationExport, Role
from sources.models import Source
from stories.publication.export import publication_export, publication_write
from stories.publication.rows import COLUMNS, QUERY_COLUMNS, publication_events

CHUNK = 2000
FIRST_DAY = datetime.date(2015, 1, 1)
PLACES, ACTORS = 500, 100
MEMORY_RUNS = 3  # a peak hardly varies from run to run, and tracemalloc slows each run
FLAT = 1.2  # the large export's peak over the small one's, at most
SOURCES = 1000
BASELINES = {
    "export CSV, scan off": "the same export with the leak scan off",
    "csv.writer": "csv.writer over the same values_list",
    "COPY": "PostgreSQL COPY of the same query",
    "openpyxl": "openpyxl write-only over the same values_list",
}


def measure(*, runs, stdout, events=100_000, large=1_000_000, xlsx=True):
    """Time (median of `runs`, round robin) and peak memory (median of MEMORY_RUNS) of the
    export of `events` events against its baselines, and its CSV peak at `large` events."""
    if connection.vendor != "postgresql":
        raise CommandError("Run this on PostgreSQL (DATABASE_URL=postgres://...).")
    with tempfile.TemporaryDirectory() as folder, transaction.atomic():
        stdout.write(f"Creating {events:,} events…")
        investigation, admin = bench_data_create(events)
        cases = export_cases(investigation, admin, Path(folder) / "out", xlsx)
        stdout.write(f"Timing the export of {events:,} events, median of {runs} runs…")
        seconds = round_robin_seconds(runs, cases)
        peaks = {name: median_peak(work) for name, work in cases.items()}
        figures = export_figures(f"Publication export, {events:,} events", seconds, peaks)
        if large > events:
            stdout.write(f"Adding events up to {large:,}; the CSV export's peak memory…")
            bench_events_create(investigation, start=events, stop=large)
            analyze()
            large_peak = median_peak(cases["export CSV"])
            figures.append(flat_figure(events, peaks["export CSV"], large, large_peak))
        transaction.set_rollback(True)
    return figures


def export_cases(investigation, admin, output, xlsx):
    """name: work(), each writing the same events to `output`."""
    query = publication_events(investigation)
    cases = {
        "export CSV": lambda: service(investigation, admin, "csv", output),
        "export CSV, scan off": lambda: unscanned(investigation, admin, output),
        "csv.writer": lambda: csv_baseline(query, output),
        "COPY": lambda: copy_baseline(query, output),
    }
    if xlsx:
        cases["export XLSX"] = lambda: service(investigation, admin, "xlsx", output)
        cases["openpyxl"] = lambda: xlsx_baseline(query, output)
    return cases


def export_figures(benchmark, seconds, peaks):
    with_scan = f"CSV with the leak scan of {SOURCES:,} sources, time"
    figures = [
        compared(benchmark, with_scan, seconds, "export CSV", "export CSV, scan off", 1.5),
        compared(benchmark, "CSV, time", seconds, "export CSV", "csv.writer", 1.5),
        compared(benchmark, "CSV, time", seconds, "export CSV", "COPY"),
        compared(benchmark, "CSV, peak memory", peaks, "export CSV", "csv.writer"),
        compared(benchmark, "CSV, peak memory (libpq's untraced)", peaks, "export CSV", "COPY"),
    ]
    if "export XLSX" in seconds:
        figures += [
            compared(benchmark, "XLSX, time", seconds, "export XLSX", "openpyxl", 1.3),
            compared(benchmark, "XLSX, peak memory", peaks, "export XLSX", "openpyxl"),
        ]
    return figures


def compared(benchmark, measure, results, case, baseline, target=None):
    """A Figure of results[case] against results[baseline] (seconds or bytes, as `measure`
    says); met when their ratio is at most `target`."""
    unit = megabytes if "memory" in measure else milliseconds
    ratio = results[case] / results[baseline] if results[baseline] else None
    return Figure(
        benchmark,
        measure,
        value=unit(results[case]),
        baseline=f"{BASELINES[baseline]}: {unit(results[baseline])}",
        ratio=ratio,
        target=f"ratio ≤ {target}" if target else "",
        met=None if target is None else ratio is not None and ratio <= target,
    )


def flat_figure(events, peak, large, large_peak):
    ratio = large_peak / peak
    return Figure(
        f"Publication export, {events:,} to {large:,} events",
        f"CSV, peak memory at {large:,} events",
        value=megabytes(large_peak),
        baseline=f"the same export of {events:,} events: {megabytes(peak)}",
        ratio=ratio,
        target=f"ratio ≤ {FLAT} (flat)",
        met=ratio <= FLAT,
    )


def service(investigation, admin, fmt, output):
    result = publication_export(investigation=investigation, fmt=fmt, user=admin, output=output)
    if result.status != "done":
        raise CommandError(f"The export did not finish: {result.status} {result.error}")


def unscanned(investigation, admin, output):
    """The export's own rows and writer, with a scanner that finds nothing and reads nothing:
    what the leak scan costs is the difference."""
    export = PublicationExport.objects.create(investigation=investigation, user=admin, format="csv")
    target = output.with_name(f"{output.name}.{uuid.uuid4().hex}.noscan")
    with open(target, "wb") as stream:
        publication_write(export, publication_events(investigation), NoScan(), stream, None)
    target.unlink()


class NoScan:
    sources = 0

    def scan(self, number, row):
        return []


def median_peak(work):
    """The median of MEMORY_RUNS tracemalloc peaks of work(), in bytes."""
    peaks = []
    for _ in range(MEMORY_RUNS):
        tracemalloc.start()
        try:
            work()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    return statistics.median(peaks)


def megabytes(size):
    return f"{size / 1e6:,.2f} MB"


def csv_baseline(query, output):
    with open(output, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(QUERY_COLUMNS)
        for row in query.iterator(chunk_size=CHUNK):
            writer.writerow(row)


def copy_baseline(query, output):
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        statement = cursor.mogrify(sql, params)
    raw = connection.connection
    copy_sql = f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER)"
    with open(output, "wb") as file, raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for data in copy:
            file.write(data)


def xlsx_baseline(query, output):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("events")
    sheet.append(COLUMNS)
    for row in query.iterator(chunk_size=CHUNK):
        sheet.append(row)
    book.save(output)


# The events --------------------------------------------------------------------------------------


def bench_data_create(events):
    """An investigation with `events` publishable events, and its Admin."""
    investigation = Investigation.objects.create(title="Bench export", slug="bench-export")
    admin = get_user_model().objects.create_user("bench-export-admin", is_staff=True)
    Membership.objects.create(investigation=investigation, user=admin, role=Role.ADMIN)
    Location.objects.bulk_create(
        Location(
            investigation=investigation,
            name=f"Village {n}",
            admin1=f"Province {n % 8}",
            admin2=f"District {n % 40}",
            latitude=34 + n / 1000,
            longitude=43 + n / 1000,
        )  # fmt: skip
        for n in range(PLACES)
    )
    Actor.objects.bulk_create(
        Actor(investigation=investigation, name=f"Armed group {n}") for n in range(ACTORS)
    )
    sources_create(investigation, admin)
    bench_events_create(investigation, start=0, stop=events)
    analyze()
    return investigation, admin


GIVEN = "Mohammed Ahmed Ali Omar Khalid Hassan Yasir Mahmoud Saad Faisal Nadia Huda Layla".split()
# 40 x 25 invented family names ("al-Zarqubani"), and as many in Arabic script.
STEMS = (
    "Zarq Quff Dhibb Marz Sikk Tawf Nuw Jall Harb Kass Ward Sul Bazz Fitt Madd Exx Samp Plac "
    "Inv Test Khaz Ghad Shaq Dulf Rakk Jabb Mutt Hann Sabb Tall Qarr Dall Warr Najj Hadd Zubb "
    "Kubb Lamm Fazz Rumm"
).split()
ENDINGS = "ani awi ubi ari ili umi ami iri ousi ashi adi afi aki ali ati azi ubani "
ENDINGS = (ENDINGS + "ulani arawi ahari isani oumi ayfi alasi adhi").split()
ARABIC_STEMS = (
    "زرق قف ذب مرز سك توف نو جل حرب قص ورد سول بز فت مد اكس سمب بلس انف تست خز غد شق دلف رك جب "
    "مت حن صب تل قر دل ور نج حد زب كب لم فز رم"
).split()
ARABIC_ENDINGS = (
    "اني اوي وبي اري يلي ومي امي يري وسي اشي ادي افي اكي الي اتي ازي وباني ولاني اراوي "
    "اهري يساني ومي ايفي الاسي اذي"
).split()


def sources_create(investigation, admin):
    """SOURCES sources with protected names in both scripts, phones and handles."""
    for n in range(SOURCES):
        stem, ending = n % len(STEMS), (n // len(STEMS)) % len(ENDINGS)
        Source.objects.create(
            investigation=investigation, handler=admin, description="officer",
            real_name=f"{GIVEN[n % len(GIVEN)]} {GIVEN[(n // 7) % len(GIVEN)]} "
            f"al-{STEMS[stem]}{ENDINGS[ending]}",
            aliases=f"ال{ARABIC_STEMS[stem]}{ARABIC_ENDINGS[ending]}",
            contact=f"+964 770 {n:03d} {n % 10_000:04d}; @handle_{n}",
            review_status=Source.ReviewStatus.CLEARED,
        )  # fmt: skip


def bench_events_create(investigation, *, start, stop):
    """Events number `start` to `stop` - 1, each with two actors, by COPY: a million take well
    under a minute, where bulk_create spends minutes preparing its instances' fields."""
    places = list(investigation.locations.order_by("pk").values_list("pk", flat=True))
    actors = list(investigation.actors.order_by("pk").values_list("pk", flat=True))
    last = Event.objects.filter(investigation=investigation).order_by("-pk").first()
    now = timezone.now()
    rows_copy(Event, (bench_event(investigation, places, n, now) for n in range(start, stop)))
    # COPY numbers the rows in the order it reads them.
    made = Event.objects.filter(investigation=investigation, pk__gt=last.pk if last else 0)
    pks = list(made.order_by("pk").values_list("pk", flat=True))  # before COPY holds the connection
    rows_copy(
        EventActor,
        (
            {"event": pk, "actor": actors[(n + offset) % ACTORS], "role": role}
            for n, pk in enumerate(pks, start=start)
            for offset, role in enumerate(("primary", "secondary"))
        ),
    )


def bench_event(investigation, places, n, now):
    """Event number n: its fields' values as the database stores them."""
    return {
        "investigation": investigation.pk,
        "kind": Event.Kind.RAID,
        "title": f"Raid number {n}",
        "date": FIRST_DAY + datetime.timedelta(days=n % 2000),
        "date_precision": "day",
        "location": places[n % PLACES],
        "fatalities": n % 7,
        "description": f"Forces entered village {n % PLACES} before dawn; {n % 7} were killed "
        "and several detained, residents said.",
        "status": Event.Status.REPORTED,
        "highlighted": False,
        "publishable": True,
        "origin": Event.Origin.ACLED,
        "external_id": f"IRQ{n}",
        **dict.fromkeys(("original_type", "original_sub_type", "acled_source", "tags"), ""),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def rows_copy(model, rows):
    """Insert `rows` (dicts of field name: database value, the same names in each) with
    PostgreSQL's COPY."""
    rows = iter(rows)
    first = next(rows)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column)
                        for name in first)  # fmt: skip
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in itertools.chain([first], rows):
            copy.write_row(tuple(row.values()))


def analyze():
    """Planner statistics, as a live database has them. Table by table: a database-wide
    ANALYZE in this long transaction would hold the shared catalogues' locks until the end."""
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE events_event, events_location, events_actor, events_eventactor, "
            "sources_source, sources_interview, sources_interviewsource"
        )
