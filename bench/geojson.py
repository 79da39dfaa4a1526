"""Time the map's point builder (events.models.point_features, which a "points" answer of
/map/events.geojson is made of) against PostgreSQL building the same document, and weigh a point.

Not a test: timings depend on the machine. Run it by hand on PostgreSQL, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldbook_bench manage.py bench_geojson
Everything it creates is rolled back at the end.
"""

import datetime
import json
import random

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils.text import compress_string

from bench.timing import Figure, median_seconds, milliseconds
from events.models import (
    COORDINATE_DECIMALS,
    GEOJSON_COLUMNS,
    Actor,
    DatePrecision,
    Event,
    EventActor,
    GeoPrecision,
    Location,
    point_features,
)
from investigation.models import Investigation, Membership, Role

EVENTS = 50_000
PLACES = 500
FIRST_DAY = datetime.date(2015, 1, 1)
RATIO_TARGET = 2  # the builder's time over PostgreSQL's, at most
RAW_TARGET, GZIPPED_TARGET = 180, 25  # bytes per point, at most

# Titles as reporters write them, about as long as the demo's (stories/demo.py): what
# happened, to whom or by whom, where.
TITLES = {
    Event.Kind.RAID: (
        "Joint night raid on {target} in {place}",
        "Raid on {place} by {actor}",
        "{actor} search {place} for ISIS suspects",
        "Arrest raid on {target} near {place}",
    ),
    Event.Kind.AIR_STRIKE: (
        "Air strike on {target} near {place}",
        "Coalition air strike hits {target} in {place}",
        "Drone strike on a car outside {place}",
    ),
    Event.Kind.ATTACK: (
        "{actor} attack {target} in {place}",
        "Night attack on {target} near {place}",
        "Mortar fire on {place}; {actor} suspected",
    ),
    Event.Kind.IED: (
        "Roadside bomb hits {target} near {place}",
        "IED found and defused on the road to {place}",
        "Blast near the market in {place}",
    ),
    Event.Kind.CLASH: (
        "Clash between {actor} and ISIS near {place}",
        "Firefight at {target} in {place}",
    ),
    Event.Kind.BLOCKADE: (
        "{actor} turn back a convoy at {place}",
        "Checkpoint closes the road to {place} for a week",
    ),
    Event.Kind.STRATEGIC: (
        "{actor} take over {target} in {place}",
        "Curfew declared in {place} after arrests",
        "{actor} withdraw from their posts in {place}",
    ),
    Event.Kind.PROTEST: (
        "Residents of {place} protest arrests by {actor}",
        "Sit-in outside the council building in {place}",
    ),
    Event.Kind.OTHER: (
        "Bodies of two men found near {place}",
        "Shepherd reported missing near {place}",
    ),
}
TARGETS = (
    "a suspected ISIS safe house",
    "farm buildings",
    "a tribal PMF checkpoint",
    "an army patrol",
    "a federal police post",
    "a weapons cache",
    "a minibus",
    "an oil-field guard post",
    "a village guard's house",
    "an irrigation pump",
    "an army supply truck",
)
ACTORS = (
    "Federal Police",
    "Iraqi Army",
    "Counter-Terrorism Service",
    "Badr Organization",
    "ISIS fighters",
    "Gunmen",
    "Tribal PMF",
    "Coalition forces",
    "Asayish",
    "Peshmerga",
)
TOWNS = ("Hawija", "Daquq", "Dibis", "Zab", "Riyadh", "Abbasi", "Rashad", "Multaqa", "Taza",
         "Laylan", "Yayci", "Altun Kupri", "Tuz Khurmatu", "Amerli", "Sulaiman Bek")  # fmt: skip


def measure(*, runs, stdout, events=EVENTS):
    """The builder's time against PostgreSQL's (median of `runs`) and the document's bytes per
    point, over `events` events of one investigation."""
    if connection.vendor != "postgresql":
        raise CommandError("Run this on PostgreSQL (DATABASE_URL=postgres://...).")
    with transaction.atomic():
        stdout.write(f"Creating {events:,} events…")
        user = bench_data_create(events=events)
        rows = Event.objects.visible_to(user).filtered(investigation="bench-geojson")
        stdout.write(f"Building the GeoJSON, median of {runs} runs…")
        figures = geojson_figures(f"GeoJSON, {events:,} events", rows, runs)
        transaction.set_rollback(True)
    return figures


def geojson_figures(benchmark, events, runs):
    seconds, document = median_seconds(runs, lambda: every_point(events))
    sql, params = postgresql_geojson_sql(events)
    baseline, in_database = median_seconds(runs, lambda: sql_text(sql, params))
    parsed = json.loads(document)
    if parsed != json.loads(in_database):
        raise CommandError("The two documents differ: the benchmark compares nothing.")
    points = len(parsed["features"])
    if not points:
        raise CommandError("No event has a place: there is nothing to weigh.")
    raw = len(document) / points
    gzipped = len(compress_string(document)) / points  # as GZipMiddleware compresses it
    ratio = seconds / baseline
    return [
        Figure(
            benchmark,
            "build the map's points (point_features), every event",
            value=milliseconds(seconds),
            baseline=f"PostgreSQL json_build_object/json_agg: {milliseconds(baseline)}",
            ratio=ratio,
            target=f"≤ {RATIO_TARGET}x",
            met=ratio <= RATIO_TARGET,
        ),
        per_point(benchmark, "bytes per point, raw", raw, RAW_TARGET),
        per_point(benchmark, "bytes per point, gzipped", gzipped, GZIPPED_TARGET),
    ]


def every_point(events):
    """Every placed event of `events` as one FeatureCollection, encoded as the map's answers
    are, counting the unplaced ones: the points builder at a size no answer reaches (a "points"
    answer holds at most 5,000), in one query."""
    rows = list(events.order_by().values_list(*GEOJSON_COLUMNS))
    placed = [row for row in rows if row[-1] is not None]
    collection = {
        "type": "FeatureCollection",
        "features": point_features(placed),
        "unplaced": len(rows) - len(placed),
    }
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode()


def per_point(benchmark, measure, size, target):
    return Figure(benchmark, measure, f"{size:.1f} bytes", target=f"≤ {target}", met=size <= target)


def sql_text(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def bench_data_create(*, events):
    """An investigation with `events` events over PLACES places; its one member is returned."""
    user = get_user_model().objects.create(username="bench-geojson", is_staff=True)
    investigation = Investigation.objects.create(title="Benchmark", slug="bench-geojson")
    Membership.objects.create(investigation=investigation, user=user, role=Role.REPORTER)
    chance = random.Random(EVENTS)  # noqa: S311 (no secret: the same events on every run)
    places = Location.objects.bulk_create(
        bench_place(investigation, number, chance) for number in range(PLACES)
    )
    made = Event.objects.bulk_create(
        (bench_event(investigation, places, number, chance) for number in range(events)),
        batch_size=5000,
    )
    actor = Actor.objects.create(investigation=investigation, name="ISIS")
    EventActor.objects.bulk_create(
        (EventActor(event=event, actor=actor) for event in made[::3]), batch_size=5000
    )
    return user


def bench_place(investigation, number, chance):
    """Towns, then villages; points as precise as a click on the map makes them."""
    town = number < len(TOWNS)
    return Location(
        investigation=investigation,
        name=TOWNS[number] if town else f"Village {number}",
        admin1="Kirkuk",
        admin2=f"District {number % 12}",
        latitude=chance.uniform(34.8, 36.2),
        longitude=chance.uniform(43.2, 44.8),
        geo_precision=1 + number % 3,
    )


def bench_event(investigation, places, number, chance):
    kinds, statuses, precisions = Event.Kind.values, Event.Status.values, DatePrecision.values
    date = FIRST_DAY + datetime.timedelta(days=number * 37 % 2190)
    kind = kinds[number % len(kinds)]
    place = None if number % 97 == 0 else places[number % len(places)]
    return Event(
        investigation=investigation,
        kind=kind,
        title=bench_title(kind, place.name if place else "Kirkuk province", chance),
        date=date,
        date_precision=precisions[number % len(precisions)],
        end_date=date + datetime.timedelta(days=2) if number % 50 == 0 else None,
        location=place,
        status=statuses[number % len(statuses)],
        highlighted=number % 1000 == 0,
    )


def bench_title(kind, place, chance):
    title = chance.choice(TITLES[kind]).format(
        target=chance.choice(TARGETS), actor=chance.choice(ACTORS), place=place
    )
    return title[0].upper() + title[1:]


def postgresql_geojson_sql(events):
    """One query that builds every_point()'s document in PostgreSQL, over the same
    rows (the same filtered query, as a subquery)."""
    rows, params = events.order_by().values_list(*GEOJSON_COLUMNS).query.sql_with_params()
    names = [f"e.col{index}" for index in range(len(GEOJSON_COLUMNS))]
    pk, kind, date, precision, end, highlighted, geo, lon, lat = names
    when = (
        f"{precise_date_sql(date, precision)} || CASE WHEN {end} IS NOT NULL AND {end} <> {date} "
        f"THEN ' – ' || {precise_date_sql(end, precision)} ELSE '' END"
    )
    exact, decimals = int(GeoPrecision.EXACT), COORDINATE_DECIMALS
    point = f"round({lon}::numeric, {decimals})::float8, round({lat}::numeric, {decimals})::float8"
    columns = ", ".join(f"col{index}" for index in range(len(GEOJSON_COLUMNS)))
    # Column names and Django's own compiled query: every value is still a parameter. The
    # usual geo precision and highlighted are nulls, which json_strip_nulls leaves out.
    sql = f"""
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', coalesce(json_agg(json_build_object(
                'type', 'Feature',
                'id', {pk},
                'geometry', json_build_object(
                    'type', 'Point', 'coordinates', json_build_array({point})),
                'properties', json_strip_nulls(json_build_object(
                    'kind', {kind}, 'when', {when},
                    'geo_precision', NULLIF({geo}, {exact}),
                    'highlighted', CASE WHEN {highlighted} THEN true END)))
            ) FILTER (WHERE {lat} IS NOT NULL), '[]'::json),
            'unplaced', count(*) FILTER (WHERE {lat} IS NULL)
        )::text
        FROM ({rows}) AS e ({columns})
    """  # noqa: S608
    return sql, params


def precise_date_sql(column, precision):
    """format_precise_date() in SQL ('Mon' is English whatever the server's locale)."""
    return (
        f"CASE {precision} WHEN 'year' THEN to_char({column}, 'YYYY') "
        f"WHEN 'month' THEN to_char({column}, 'Mon YYYY') "
        f"WHEN 'week' THEN 'week of ' || to_char(date_trunc('week', {column}), 'FMDD Mon YYYY') "
        f"ELSE to_char({column}, 'FMDD Mon YYYY') END"
    )
