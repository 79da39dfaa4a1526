"""Time the map's viewport answers (/map/events.geojson with bbox and zoom) and the timeline
against the events admin list, as one investigation grows to a million events, and weigh them.

Not a test: timings depend on the machine. It WRITES to the database it is given (the rows
stay, as bench.admin_lists's do): run it through `make bench` or `scripts/bench --only map`
(BENCH_DATABASE_URL names the scratch database).
"""

import gzip
import json
import time

from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from bench.load import load_generate
from bench.timing import Figure, milliseconds, round_robin_seconds
from investigation.models import Membership, Role

EVENTS = 1_000_000
# The sizes on the way up to EVENTS at which every page is timed too: where a page stops
# meeting its target.
STEPS = (100_000, 250_000, 500_000)
YEAR = 20_000  # events in a year of bench.load's investigation
RATIO_TARGET = 2  # each page's time over the events admin list's, at most
GZIPPED_TARGET = 200_000  # bytes of a viewport's answer, at most
# Hawija district at zoom 11 (a laptop's window), and the whole of Iraq at zoom 6.
VIEWS = {
    "district": "bbox=43.30,35.05,44.10,35.60&zoom=11",
    "country": "bbox=38.80,29.00,48.60,37.40&zoom=6",
}
PAGES = {
    **{name: f"/map/events.geojson?{query}" for name, query in VIEWS.items()},
    "timeline": "/timeline/",
    "admin": "/admin/events/event/",
}


def measure(*, runs, stdout, events=EVENTS, steps=STEPS):
    """Fill one investigation to each of `steps` and then `events` events, timing every page
    at each size (the rows of a size are added to the last: bench.load, no sources)."""
    if connection.vendor != "postgresql":
        raise CommandError("Run this on a scratch PostgreSQL database (see `make bench`).")
    investigation, figures, size = None, [], 0
    for target in [*(step for step in steps if step < events), events]:
        added = target - size
        stdout.write(f"Adding {added:,} events (bench.load, {added / YEAR:g} years) ...")
        started = time.perf_counter()
        investigation = load_generate(
            scale=added / YEAR,
            investigation=investigation,
            counts={"sources": 0, "interviews": 0, "follow_ups": 0, "events": added},
        )
        vacuum_analyze()
        stdout.write(f"  {time.perf_counter() - started:.0f} s; timing at {target:,} events ...")
        editor = Membership.objects.filter(investigation=investigation, role=Role.EDITOR).first()
        figures += pages_figures(editor.user, runs, target)
        size = target
    return figures


def vacuum_analyze():
    """Visibility map and statistics, as a running database has them (index-only scans need
    the one, the planner the other)."""
    with connection.cursor() as cursor:
        for table in ("events_event", "events_location", "events_eventactor"):
            cursor.execute(f"VACUUM ANALYZE {table}")


# DEBUG off as in production: no query log, no debug page.
@override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"], REQUIRE_2FA=False)
def pages_figures(user, runs, events):
    client = Client(headers={"accept-encoding": "gzip"})
    client.force_login(user)
    client.get("/admin/")
    answers = {name: page_answer(client, url) for name, url in PAGES.items()}
    seconds = round_robin_seconds(runs, {name: getter(client, url) for name, url in PAGES.items()})
    admin = seconds["admin"]
    baseline = f"events admin list: {milliseconds(admin)}"
    benchmark = f"Map and timeline, {events:,} events"
    figures = []
    for name in VIEWS:
        size, queries, body = answers[name]
        ratio = seconds[name] / admin
        what = f"{name} viewport ({body['view']}, {body['count']:,} events, {queries} queries)"
        figures += [
            Figure(
                benchmark,
                what,
                milliseconds(seconds[name]),
                baseline,
                ratio,
                f"≤ {RATIO_TARGET}x",
                ratio <= RATIO_TARGET,
            ),
            Figure(
                benchmark,
                f"{name} viewport, bytes gzipped",
                f"{size:,} bytes",
                target=f"≤ {GZIPPED_TARGET:,}",
                met=size <= GZIPPED_TARGET,
            ),
        ]
    size, queries, _ = answers["timeline"]
    ratio = seconds["timeline"] / admin
    figures.append(
        Figure(
            benchmark,
            f"/timeline/, a year a page ({size:,} bytes gzipped, {queries} queries)",
            milliseconds(seconds["timeline"]),
            baseline,
            ratio,
            f"≤ {RATIO_TARGET}x",
            ratio <= RATIO_TARGET,
        )
    )
    return figures


def page_answer(client, url):
    """(bytes as sent, queries, the JSON body or None) of one GET, after a warming one."""
    getter(client, url)()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    body = json.loads(gzip.decompress(response.content)) if "geojson" in url else None
    return len(response.content), len(queries), body


def getter(client, url):
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")

    return get
