"""Time the search (issue 18): /search/ and the events and interviews admin lists searched with
?q=, for a common and a rare word, against the events list unfiltered and Django's icontains.

Not a test: timings depend on the machine (the query counts are also budgeted in
tests/investigation/test_search.py). It WRITES to the database it is given, which must be a
scratch PostgreSQL database: `make bench` creates one and drops it afterwards. It fills an
investigation of its own to 10,000 events and 1,000 interviews, then to 1,000,000 and 100,000,
builds the index at each size (index_rebuild, timed in rows per second) and times every page as
the investigation's editor sees it. Rows another benchmark left behind are left alone.
"""

import contextlib
import functools
import time

from django.contrib import admin
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from bench.admin_lists import bench_editor, queries_count, vacuum_analyze
from bench.load import load_generate
from bench.timing import Figure, milliseconds, round_robin_seconds
from events.models import Event
from investigation import fulltext, search
from investigation.models import Investigation, SearchEntry
from sources.models import Interview

SMALL, LARGE = 10_000, 1_000_000  # events; interviews are a tenth of them, sources a fortieth
# Two words load_generate writes (bench/load.py): "raid" is in the titles and descriptions of the
# raids (about half the events) and in the interviews about them; "incident" is in the
# "Unexplained incident in ..." events (about 1 in 80) and the interviews about those.
COMMON, RARE = "raid", "incident"
UNFILTERED = "/admin/events/event/"
PAGES = {
    "/search/": "/search/",
    "events admin list": UNFILTERED,
    "interviews admin list": "/admin/sources/interview/",
}
# The admin lists as they searched before the index: Django's icontains over search_fields.
LISTS = {"events admin list": Event, "interviews admin list": Interview}
BUDGET_RATIO = 2


def measure(*, runs, stdout, small=SMALL, large=LARGE):
    """Fill an investigation of its own to `small` events, index it, time the searches and
    their baselines; top it up to `large` events and do it again."""
    if connection.vendor != "postgresql":
        raise CommandError("Run this on a scratch PostgreSQL database (see `make bench`).")
    if Investigation.objects.filter(slug="bench-search").exists():
        raise CommandError("This database already holds the search benchmark: use a fresh one.")
    investigation = Investigation.objects.create(title="Search benchmark", slug="bench-search")
    editor = bench_editor(investigation, "bench-search-editor")
    sizes = {}
    for events, added in ((small, small), (large, large - small)):
        load_fill(investigation, added, stdout)
        indexed, seconds = index_build(investigation, stdout)
        tables_vacuum()
        stdout.write(f"Timing the searches at {events:,} events ...")
        sizes[events] = {
            "index": (indexed, seconds),
            "shares": word_shares(investigation),
            "pages": pages_figures(editor, runs),
        }
    return [
        *index_figures(sizes),
        *size_figures(small, sizes[small]),
        *size_figures(large, sizes[large], smaller=(small, sizes[small])),
    ]


def load_fill(investigation, events, stdout):
    """Add `events` events, a tenth as many interviews and a fortieth as many sources (the
    proportions of load_generate's year), with no follow-ups: the issue sizes events and
    interviews. Places and actors are made once, then reused."""
    first = not Event.objects.filter(investigation=investigation).exists()
    counts = {
        "locations": 300 if first else 0,
        "actors": 60 if first else 0,
        "events": events,
        "interviews": events // 10,
        "sources": events // 40,
        "follow_ups": 0,
    }
    stdout.write(f"Adding {events:,} events and {events // 10:,} interviews ...")
    started = time.perf_counter()
    load_generate(scale=1, investigation=investigation, counts=counts)
    stdout.write(f"  {time.perf_counter() - started:.0f} s")


def index_build(investigation, stdout):
    """Index the whole investigation as `rebuild_search_index --investigation` does: (rows
    indexed, seconds)."""
    started = time.perf_counter()
    indexed = search.index_rebuild(investigation=investigation)
    seconds = time.perf_counter() - started
    stdout.write(f"  indexed {indexed:,} records in {seconds:.0f} s")
    return indexed, seconds


def tables_vacuum():
    """bench.admin_lists' VACUUM ANALYZE and checkpoint, and the index's table too: its GIN
    indexes' pending entries merged, as a live database's autovacuum would have them."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE investigation_searchentry")
    vacuum_analyze()  # its checkpoint last


def word_shares(investigation):
    """{word: {model: (rows found, rows)}}, for the events and interviews, from the index."""
    entries = SearchEntry.objects.filter(investigation=investigation)
    shares = {}
    for word in (COMMON, RARE):
        query = fulltext.query_parse(word)
        shares[word] = {
            model: (
                fulltext.matching(entries.filter(model=label), query).count(),
                entries.filter(model=label).count(),
            )
            for model, label in (("events", "events.event"), ("interviews", "sources.interview"))
        }
    return shares


# DEBUG off as in production: no query log kept, no debug page.
@override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"], REQUIRE_2FA=False)
def pages_figures(user, runs):
    """{case: (queries, median seconds)}: the events list unfiltered, each page searched for
    each word through the index, and the admin lists searched with icontains. Timed in turns,
    in a session that is under way."""
    client = Client()
    client.force_login(user)
    client.get("/admin/")
    gets = {"unfiltered": page_getter(client, UNFILTERED)}
    for word in (COMMON, RARE):
        for page, url in PAGES.items():
            gets[(page, word)] = page_getter(client, url, word)
        for page, model in LISTS.items():
            gets[(page, word, "icontains")] = icontains_getter(model, gets[(page, word)])
    queries = {}
    for name, get in gets.items():
        get()  # warm: templates compiled, connection open
        queries[name] = queries_count(get)
    seconds = round_robin_seconds(runs, gets)
    return {name: (queries[name], seconds[name]) for name in gets}


def page_getter(client, url, word=None):
    data = {"q": word} if word else {}

    def get():
        response = client.get(url, data)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")

    return get


def icontains_getter(model, get):
    def get_with_icontains():
        with icontains_search(model):
            get()

    return get_with_icontains


@contextlib.contextmanager
def icontains_search(model):
    """The admin of `model` searching as Django does by default (ModelAdmin.get_search_results:
    icontains over its search_fields), as the lists did before the index."""
    model_admin = admin.site._registry[model]
    model_admin.get_search_results = functools.partial(
        admin.ModelAdmin.get_search_results, model_admin
    )
    try:
        yield
    finally:
        del model_admin.get_search_results


# Figures ---------------------------------------------------------------------------------------


def index_figures(sizes):
    figures = []
    for events, size in sizes.items():
        indexed, seconds = size["index"]
        figures.append(
            Figure(
                benchmark=f"Search index, {events:,} events and {events // 10:,} interviews",
                measure=f"index_rebuild of the investigation ({indexed:,} records, "
                f"{seconds:,.0f} s)",
                value=f"{indexed / seconds:,.0f} rows/s",
            )
        )
    return figures


def size_figures(events, size, smaller=None):
    """The rows of one size: each search against the unfiltered events list (the target), and
    each admin list's search against the same list searched with icontains. `smaller`: (events,
    size) of the smaller size, whose query counts the searches must keep."""
    benchmark = f"Search, {events:,} events and {events // 10:,} interviews"
    figures = []
    for word in (COMMON, RARE):
        figures += [search_figure(benchmark, size, page, word, smaller) for page in PAGES]
        figures += icontains_figures(benchmark, size["pages"], word)
    return figures


def search_figure(benchmark, size, page, word, smaller=None):
    unfiltered_queries, unfiltered = size["pages"]["unfiltered"]
    queries, seconds = size["pages"][(page, word)]
    ratio, counted, flat = seconds / unfiltered, f"{queries} queries", True
    if smaller:
        smaller_events, smaller_size = smaller
        smaller_queries = smaller_size["pages"][(page, word)][0]
        counted += f", {smaller_queries} at {smaller_events:,} events"
        flat = queries == smaller_queries
    return Figure(
        benchmark=benchmark,
        measure=f"{page} ?q={word} ({word_found(size['shares'][word], page)}; {counted})",
        value=milliseconds(seconds),
        baseline=f"events admin list unfiltered ({unfiltered_queries} queries): "
        f"{milliseconds(unfiltered)}",
        ratio=ratio,
        target=f"≤ {BUDGET_RATIO}x" + (", queries flat" if smaller else ""),
        met=ratio <= BUDGET_RATIO and flat,
    )


def icontains_figures(benchmark, pages, word):
    figures = []
    for page in LISTS:
        _, seconds = pages[(page, word)]
        icontains_queries, icontains = pages[(page, word, "icontains")]
        figures.append(
            Figure(
                benchmark=benchmark,
                measure=f"{page} ?q={word}, through the index",
                value=milliseconds(seconds),
                baseline=f"the same list searched with icontains ({icontains_queries} "
                f"queries): {milliseconds(icontains)}",
                ratio=seconds / icontains,
            )
        )
    return figures


def word_found(shares, page):
    """'in 46.6% of events' for the events list; events and interviews for /search/."""
    parts = [
        f"{found / rows:.1%} of {model}"
        for model, (found, rows) in shares.items()
        if rows and (page == "/search/" or page.startswith(model))
    ]
    return "in " + ", ".join(parts)
