"""Time an ACLED import against a plain bulk_create of the same number of events.

Not a test: timings depend on the machine. Run it by hand, on PostgreSQL for figures that mean
something, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldbook_bench7 manage.py bench_acled
Each run starts from the same state (an empty investigation) and is rolled back at the end.
"""

import csv
import datetime
import io
from functools import partial

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.timing import Figure, milliseconds, round_robin_seconds
from events.acled import CURRENT_LAYOUT, acled_import
from events.models import Event, Location
from investigation.models import Investigation

FIRST_DAY = datetime.date(2018, 1, 1)
TARGET = 5  # the import, preview included, over bulk_create of as many events, at most
SUB_TYPES = [
    ("Battles", "Armed clash"),
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Violence against civilians", "Attack"),
    ("Strategic developments", "Arrests"),
]


def measure(*, runs, stdout, rows=10_000):
    """The import of `rows` ACLED rows, preview included, against bulk_create of as many
    events: time (median of `runs`, in turns) and queries."""
    data = acled_bench_file(rows)
    stdout.write(f"{rows:,} rows, {len(data) / 1e6:.1f} MB, {connection.vendor}, {runs} runs…")
    cases = {
        "import": lambda investigation: acled(investigation, data),
        "bulk_create": lambda investigation: bulk_create_events(investigation, rows),
    }
    seconds = round_robin_seconds(
        runs, {name: lambda work=work: rolled_back(work) for name, work in cases.items()}
    )
    # Counted apart: capturing queries slows them down.
    queries = {name: rolled_back(partial(queries_count, work)) for name, work in cases.items()}
    benchmark = f"ACLED import, {rows:,} rows"
    ratio = seconds["import"] / seconds["bulk_create"]
    return [
        Figure(
            benchmark,
            "preview + import, time",
            value=milliseconds(seconds["import"]),
            baseline=f"bulk_create of {rows:,} events: {milliseconds(seconds['bulk_create'])}",
            ratio=ratio,
            target=f"ratio ≤ {TARGET}",
            met=ratio <= TARGET,
        ),
        Figure(
            benchmark,
            "preview + import, queries",
            value=f"{queries['import']:,} queries",
            baseline=f"bulk_create of {rows:,} events: {queries['bulk_create']:,} queries",
            ratio=queries["import"] / queries["bulk_create"],
        ),
    ]


def acled(investigation, data):
    for dry_run in (True, False):
        report = acled_import(
            path_or_file=io.BytesIO(data), investigation=investigation, dry_run=dry_run
        )
        if not report.ok:
            raise CommandError(f"The generated file has problems: {report.problems[:3]}")


def rolled_back(work):
    """work(investigation) on a new, empty investigation, rolled back afterwards."""
    with transaction.atomic():
        investigation = Investigation.objects.create(title="Bench ACLED", slug="bench-acled")
        result = work(investigation)
        transaction.set_rollback(True)
    return result


def queries_count(work, investigation):
    with CaptureQueriesContext(connection) as queries:
        work(investigation)
    return len(queries)


def acled_bench_file(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CURRENT_LAYOUT)
    for number in range(rows):
        event_type, sub_type = SUB_TYPES[number % len(SUB_TYPES)]
        place = number % 500
        values = {
            "event_id_cnty": f"IRQ{number}",
            "event_date": (FIRST_DAY + datetime.timedelta(days=number % 900)).isoformat(),
            "year": str((FIRST_DAY + datetime.timedelta(days=number % 900)).year),
            "time_precision": str(1 + number % 3),
            "event_type": event_type,
            "sub_event_type": sub_type,
            "actor1": f"Armed group {number % 40}",
            "assoc_actor_1": f"Militia {number % 7}; Tribe {number % 11}",
            "inter1": "2",
            "actor2": f"State force {number % 20}",
            "inter2": "1",
            "country": "Iraq",
            "admin1": f"Province {place % 10}",
            "admin2": f"District {place % 60}",
            "admin3": f"Sub-district {place}",
            "location": f"Village {place}",
            "latitude": f"{34 + place / 1000:.4f}",
            "longitude": f"{43 + place / 1000:.4f}",
            "geo_precision": str(1 + number % 3),
            "source": "Rudaw; Shafaq News",
            "notes": f"On that day, fighting in village {place} left {number % 5} dead. " * 3,
            "fatalities": str(number % 5),
        }
        writer.writerow([values.get(name, "") for name in CURRENT_LAYOUT])
    return out.getvalue().encode()


def bulk_create_events(investigation, rows):
    place = Location.objects.create(
        investigation=investigation, name="Village", latitude=34.1, longitude=43.1
    )
    Event.objects.bulk_create(
        [
            Event(
                investigation=investigation,
                kind=Event.Kind.CLASH,
                title=f"Armed clash in Village {number}",
                date=FIRST_DAY + datetime.timedelta(days=number % 900),
                location=place,
                fatalities=number % 5,
                description=f"On that day, fighting left {number % 5} dead. " * 3,
                external_id=f"IRQ{number}",
                original_type="Battles",
                original_sub_type="Armed clash",
                acled_source="Rudaw; Shafaq News",
            )
            for number in range(rows)
        ],
        batch_size=1000,
    )
