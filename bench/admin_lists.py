"""Time the admin lists at 10,000 and at 1,000,000 rows of every listed model.

Not a test: timings depend on the machine (the query counts are also budgeted in
tests/investigation/test_admin_query_budget.py). It WRITES to the database it is given, which
must be a scratch PostgreSQL database: `make bench` creates one and drops it afterwards.
"""

import contextlib
import time

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import override_settings

from bench.load import load_generate
from bench.timing import Figure, milliseconds, round_robin_seconds
from investigation.models import Investigation, Membership, Role

LISTS = {
    "events": "/admin/events/event/",
    "locations": "/admin/events/location/",
    "actors": "/admin/events/actor/",
    "sources": "/admin/sources/source/",
    "interviews": "/admin/sources/interview/",
    "follow_ups": "/admin/investigation/followup/",
}
TABLES = [
    "events_event",
    "events_location",
    "events_actor",
    "events_eventactor",
    "sources_source",
    "sources_interview",
    "sources_interviewsource",
    "sources_interviewevent",
    "investigation_followup",
    "investigation_membership",
    "auth_user",
]
BUDGET = 8
SMALL, LARGE = 10_000, 1_000_000


def measure(*, runs, stdout, small=SMALL, large=LARGE):
    """Fill one investigation to `small` rows of every listed model, time each list page as
    its editor sees it, top it up to `large` rows and time them again."""
    if connection.vendor != "postgresql":
        raise CommandError("Run this on a scratch PostgreSQL database (see `make bench`).")
    if Investigation.objects.exists():
        raise CommandError("This database holds data: bench_admin needs an empty one.")
    investigation = Investigation.objects.create(title="Benchmark", slug="bench-admin")
    editor = bench_editor(investigation)
    pages = {}
    for size, added in ((small, small), (large, large - small)):
        stdout.write(f"Filling every listed model to {size:,} rows ...")
        started = time.perf_counter()
        load_generate(scale=1, investigation=investigation, counts=dict.fromkeys(LISTS, added))
        vacuum_analyze()
        stdout.write(f"  {time.perf_counter() - started:.0f} s")
        pages[size] = pages_figures(editor, runs)
    figures = [
        list_figure(name, (small, pages[small][name]), (large, pages[large][name]))
        for name in LISTS
    ]
    return figures + beside_figures(runs, stdout, small, pages[small])


def beside_figures(runs, stdout, small, baseline):
    """A newer, small investigation (100 rows of each) beside the large one: its editor's
    pages must not pay for the other investigation's rows."""
    desk = Investigation.objects.create(title="Small desk", slug="bench-admin-small")
    load_generate(scale=1, investigation=desk, counts=dict.fromkeys(LISTS, 100))
    vacuum_analyze()
    editor = bench_editor(desk, "bench-small-editor")
    stdout.write("A small investigation beside the large one ...")
    figures = []
    for name, (queries, seconds) in pages_figures(editor, runs).items():
        ratio = seconds / baseline[name][1]
        figures.append(
            Figure(
                benchmark=f"Admin list: {name.replace('_', '-')}",
                measure=f"page of a 100-row investigation beside the large one ({queries} queries)",
                value=milliseconds(seconds),
                baseline=f"the page at {small:,} rows: {milliseconds(baseline[name][1])}",
                ratio=ratio,
                target="≤ 2x",
                met=ratio <= 2 and queries <= BUDGET,
            )
        )
    return figures


def bench_editor(investigation, username="bench-editor"):
    editor = get_user_model().objects.create(username=username, is_staff=True)
    Membership.objects.create(investigation=investigation, user=editor, role=Role.EDITOR)
    return editor


def vacuum_analyze():
    """Visibility map and planner statistics, as a database that has been running has them,
    then a checkpoint, so that writing the load back to disk does not overlap the timings
    (one that did made a single page 3x slower in one run). Table by table: a database-wide
    VACUUM also waits for locks on the cluster's shared catalogues, which any other session
    may hold."""
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        with contextlib.suppress(DatabaseError):  # a role without pg_checkpoint: go on
            cursor.execute("CHECKPOINT")


# DEBUG off as in production: no query log kept, no debug page (make bench sets DEBUG=true
# only so that the settings accept a scratch configuration).
@override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"], REQUIRE_2FA=False)
def pages_figures(user, runs):
    """{list: (queries, median seconds)} of every list page, in a session that is under way.
    The pages are timed in turns, so that a busy moment slows them all alike."""
    client = Client()
    client.force_login(user)
    client.get("/admin/")

    def getter(url):
        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")

        return get

    gets = {name: getter(url) for name, url in LISTS.items()}
    queries = {}
    for name, get in gets.items():
        get()  # warm: templates compiled, connection open
        queries[name] = queries_count(get)
    seconds = round_robin_seconds(runs, gets)
    return {name: (queries[name], seconds[name]) for name in LISTS}


def queries_count(work):
    sqls = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: sqls.append(sql) or execute(sql, *args)
    ):
        work()
    return len(sqls)


def list_figure(name, small, large):
    """small and large: (rows, (queries, seconds))."""
    (small_rows, (small_queries, small_seconds)), (large_rows, (large_queries, large_seconds)) = (
        small,
        large,
    )
    ratio = large_seconds / small_seconds
    queries_met = small_queries == large_queries <= BUDGET
    return Figure(
        benchmark=f"Admin list: {name.replace('_', '-')}",
        measure=f"page at {large_rows:,} rows ({large_queries} queries, {small_queries} at "
        f"{small_rows:,})",
        value=milliseconds(large_seconds),
        baseline=f"the page at {small_rows:,} rows: {milliseconds(small_seconds)}",
        ratio=ratio,
        target=f"≤ 2x, ≤ {BUDGET} queries at both sizes",
        met=ratio <= 2 and queries_met,
    )
