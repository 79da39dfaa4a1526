"""Time the map's GeoJSON builder against PostgreSQL building the same document itself.

Not a test: timings depend on the machine. Run it by hand on PostgreSQL, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldbook_bench manage.py bench_geojson
Everything it creates is rolled back at the end.
"""

import datetime
import json
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.urls import reverse
from django.utils.text import compress_string

from events.models import GEOJSON_COLUMNS, Actor, DatePrecision, Event, EventActor, Location
from investigation.models import Investigation, Membership, Role

PLACES = 500
FIRST_DAY = datetime.date(2015, 1, 1)


class Command(BaseCommand):
    help = (
        "On PostgreSQL: create N events (default 50,000), time /map/events.geojson's builder "
        "(median of --runs) against one json_build_object/json_agg query, print the ratio and "
        "the bytes per point, raw and gzipped. Rolls everything back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=50_000)
        parser.add_argument("--runs", type=int, default=5, help="At least 3.")

    def handle(self, *args, events, runs, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Run this on PostgreSQL (DATABASE_URL=postgres://...).")
        if runs < 3:
            raise CommandError("--runs must be at least 3 (the median of fewer says little).")
        with transaction.atomic():
            user = bench_data_create(events=events)
            events = Event.objects.visible_to(user).filtered(investigation="bench-geojson")
            self.compare(events, runs)
            transaction.set_rollback(True)

    def compare(self, events, runs):
        python_seconds, document = timed(runs, events.geojson)
        sql, params = postgresql_geojson_sql(events)
        postgresql_seconds, in_database = timed(runs, lambda: sql_text(sql, params))
        parsed = json.loads(document)
        if parsed != json.loads(in_database):
            raise CommandError("The two documents differ: the benchmark compares nothing.")
        points = len(parsed["features"])
        packed = compress_string(document)  # as GZipMiddleware compresses it
        self.stdout.write(
            f"{points} points, median of {runs} runs\n"
            f"  Python builder (values_list + json.dumps): {python_seconds * 1000:8.1f} ms\n"
            f"  PostgreSQL (json_build_object/json_agg):   {postgresql_seconds * 1000:8.1f} ms\n"
            f"  ratio Python / PostgreSQL: {python_seconds / postgresql_seconds:.2f}\n"
            f"  bytes per point: {len(document) / points:.1f} raw, "
            f"{len(packed) / points:.1f} gzipped ({len(document):,} and {len(packed):,} bytes; "
            f"PostgreSQL's own text: {len(in_database.encode()) / points:.1f} raw)"
        )


def timed(runs, build):
    """The median time of `runs` calls of build(), and what the last call returned."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = build()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def sql_text(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def bench_data_create(*, events):
    """An investigation with `events` events over PLACES places; its one member is returned."""
    user = get_user_model().objects.create(username="bench-geojson", is_staff=True)
    investigation = Investigation.objects.create(title="Benchmark", slug="bench-geojson")
    Membership.objects.create(investigation=investigation, user=user, role=Role.REPORTER)
    places = Location.objects.bulk_create(
        Location(
            investigation=investigation,
            name=f"Village {number}",
            admin1="Kirkuk",
            admin2=f"District {number % 12}",
            latitude=35 + (number * 7919 % 1000) / 1000,
            longitude=43 + (number * 104729 % 1500) / 1000,
            geo_precision=1 + number % 3,
        )
        for number in range(PLACES)
    )
    made = Event.objects.bulk_create(
        (bench_event(investigation, places, number) for number in range(events)), batch_size=5000
    )
    actor = Actor.objects.create(investigation=investigation, name="ISIS")
    EventActor.objects.bulk_create(
        (EventActor(event=event, actor=actor) for event in made[::3]), batch_size=5000
    )
    return user


def bench_event(investigation, places, number):
    kinds, statuses, precisions = Event.Kind.values, Event.Status.values, DatePrecision.values
    date = FIRST_DAY + datetime.timedelta(days=number * 37 % 2190)
    return Event(
        investigation=investigation,
        kind=kinds[number % len(kinds)],
        title=f"Event {number} near a village – reported",
        date=date,
        date_precision=precisions[number % len(precisions)],
        end_date=date + datetime.timedelta(days=2) if number % 50 == 0 else None,
        location=None if number % 97 == 0 else places[number % len(places)],
        status=statuses[number % len(statuses)],
        highlighted=number % 1000 == 0,
    )


def postgresql_geojson_sql(events):
    """One query that builds EventQuerySet.geojson()'s document in PostgreSQL, over the same
    rows (the same filtered query, as a subquery)."""
    rows, params = events.order_by().values_list(*GEOJSON_COLUMNS).query.sql_with_params()
    names = [f"e.col{index}" for index in range(len(GEOJSON_COLUMNS))]
    pk, title, kind, status, date, precision, end, highlighted, place, lat, lon, geo = names
    when = (
        f"{precise_date_sql(date, precision)} || CASE WHEN {end} IS NOT NULL AND {end} <> {date} "
        f"THEN ' – ' || {precise_date_sql(end, precision)} ELSE '' END"
    )
    link = reverse("admin:events_event_change", args=[0]).replace("/0/", "/%s/")
    columns = ", ".join(f"col{index}" for index in range(len(GEOJSON_COLUMNS)))
    # Column names and Django's own compiled query: every value is still a parameter.
    sql = f"""
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', coalesce(json_agg(json_build_object(
                'type', 'Feature',
                'geometry', json_build_object(
                    'type', 'Point', 'coordinates', json_build_array({lon}, {lat})),
                'properties', json_build_object(
                    'id', {pk}, 'title', {title}, 'kind', {kind}, 'status', {status},
                    'when', {when}, 'date', to_char({date}, 'YYYY-MM-DD'),
                    'date_precision', {precision}, 'geo_precision', {geo},
                    'highlighted', {highlighted}, 'place', {place},
                    'url', format(%s, {pk})))
            ) FILTER (WHERE {lat} IS NOT NULL), '[]'::json),
            'unplaced', count(*) FILTER (WHERE {lat} IS NULL)
        )::text
        FROM ({rows}) AS e ({columns})
    """  # noqa: S608
    return sql, (link, *params)


def precise_date_sql(column, precision):
    """format_precise_date() in SQL ('Mon' is English whatever the server's locale)."""
    return (
        f"CASE {precision} WHEN 'year' THEN to_char({column}, 'YYYY') "
        f"WHEN 'month' THEN to_char({column}, 'Mon YYYY') "
        f"WHEN 'week' THEN 'week of ' || to_char(date_trunc('week', {column}), 'FMDD Mon YYYY') "
        f"ELSE to_char({column}, 'FMDD Mon YYYY') END"
    )
