"""Time and measure the publication export against plain baselines.

Not a test: timings depend on the machine. Run it by hand on PostgreSQL, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldbook_bench7 manage.py bench_export
It creates N publishable events (default 100,000) with places, actors and 50 sources with
identities for the leak scan to compare against, and rolls everything back at the end.
"""

import csv
import datetime
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from openpyxl import Workbook

from events.models import Actor, Event, EventActor, Location
from investigation.models import Investigation, Membership, Role
from investigation.publication import COLUMNS, QUERY_COLUMNS, publication_events
from investigation.services import publication_export
from sources.models import Source

CHUNK = 2000
FIRST_DAY = datetime.date(2015, 1, 1)


class Command(BaseCommand):
    help = (
        "On PostgreSQL: export N publishable events (default 100,000) for publication as CSV "
        "and XLSX, median of --runs, and compare time and peak memory (tracemalloc) with "
        "csv.writer over values_list, with PostgreSQL's COPY, and with openpyxl write-only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--csv-only", action="store_true", help="Skip the (slow) XLSX cases.")

    def handle(self, *args, events, runs, csv_only, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Run this on PostgreSQL (DATABASE_URL=postgres://...).")
        with tempfile.TemporaryDirectory() as folder, transaction.atomic():
            investigation, admin = bench_data_create(events)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # planner statistics, as a live database has them
            self.folder = Path(folder)
            self.csv_only = csv_only
            self.compare(investigation, admin, runs)
            transaction.set_rollback(True)

    def compare(self, investigation, admin, runs):
        query = publication_events(investigation)
        cases = [
            ("publication_export, CSV", lambda out: self.service(investigation, admin, "csv", out)),
            ("csv.writer over the same values_list", lambda out: csv_baseline(query, out)),
            (
                "csv.writer over a plain values_list",
                lambda out: csv_baseline(plain(investigation), out),
            ),
            ("PostgreSQL COPY of the same query", lambda out: copy_baseline(query, out)),
            (
                "publication_export, XLSX",
                lambda out: self.service(investigation, admin, "xlsx", out),
            ),
            (
                "openpyxl write-only over the same values_list",
                lambda out: xlsx_baseline(query, out),
            ),
        ]
        if self.csv_only:
            cases = cases[:4]
        output = self.folder / "out"
        # Round robin, so that a busy moment on the machine slows every case, not just one.
        timings = {name: [] for name, _ in cases}
        for _ in range(runs):
            for name, work in cases:
                started = time.perf_counter()
                work(output)
                timings[name].append(time.perf_counter() - started)
        results = {}
        for name, work in cases:
            peak = peak_memory(lambda work=work: work(output))
            results[name] = (statistics.median(timings[name]), peak, output.stat().st_size)
        self.stdout.write(f"{query.count()} events, median of {runs} runs; peak traced memory")
        for name, (seconds, peak, size) in results.items():
            self.stdout.write(
                f"  {name:46} {seconds:6.2f} s {peak / 1e6:7.1f} MB ({size / 1e6:.1f} MB file)"
            )
        seconds = [results[name][0] for name, _ in cases]
        self.stdout.write(
            f"  CSV export / csv.writer over the same query: {seconds[0] / seconds[1]:.2f}"
            " (requirement: at most 1.5)\n"
            f"  CSV export / COPY: {seconds[0] / seconds[3]:.2f}"
        )
        if not self.csv_only:
            self.stdout.write(f"  XLSX export / openpyxl write-only: {seconds[4] / seconds[5]:.2f}")

    def service(self, investigation, admin, fmt, output):
        result = publication_export(investigation=investigation, fmt=fmt, user=admin, output=output)
        if result.status != "done":
            raise CommandError(f"The export did not finish: {result.status} {result.error}")


def peak_memory(work):
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def plain(investigation):
    columns = ("external_id", "date", "kind", "title", "status", "fatalities", "description",
               "location__admin1", "location__admin2", "location__name", "location__latitude",
               "location__longitude", "location__geo_precision")  # fmt: skip
    return (
        Event.objects.filter(investigation=investigation)
        .order_by("date", "pk")
        .values_list(*columns)
    )


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


def bench_data_create(events):
    investigation = Investigation.objects.create(title="Bench export", slug="bench-export")
    admin = get_user_model().objects.create_user("bench-export-admin", is_staff=True)
    Membership.objects.create(investigation=investigation, user=admin, role=Role.ADMIN)
    places = Location.objects.bulk_create(
        Location(
            investigation=investigation,
            name=f"Village {n}",
            admin1=f"Province {n % 8}",
            admin2=f"District {n % 40}",
            latitude=34 + n / 1000,
            longitude=43 + n / 1000,
        )  # fmt: skip
        for n in range(500)
    )
    actors = Actor.objects.bulk_create(
        Actor(investigation=investigation, name=f"Armed group {n}") for n in range(100)
    )
    for n in range(50):
        Source.objects.create(
            investigation=investigation, handler=admin, description="officer",
            real_name=f"Person{n} Familyname{n}", contact=f"+964 770 {n:03d} {n:04d}; @handle_{n}",
            review_status=Source.ReviewStatus.CLEARED,
        )  # fmt: skip
    created = Event.objects.bulk_create(
        (
            Event(
                investigation=investigation,
                kind=Event.Kind.RAID,
                title=f"Raid number {n}",
                date=FIRST_DAY + datetime.timedelta(days=n % 2000),
                date_precision="day",
                location=places[n % 500],
                fatalities=n % 7,
                publishable=True,
                description=f"Forces entered village {n % 500} before dawn; {n % 7} were "
                "killed and several detained, residents said.",
                external_id=f"IRQ{n}",
            )  # fmt: skip
            for n in range(events)
        ),
        batch_size=5000,
    )
    EventActor.objects.bulk_create(
        (
            EventActor(event=event, actor=actor, role=role)
            for index, event in enumerate(created)
            for role, actor in (
                ("primary", actors[index % 100]),
                ("secondary", actors[(index + 1) % 100]),
            )
        ),
        batch_size=5000,
    )
    return investigation, admin
