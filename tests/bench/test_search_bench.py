"""bench.search at a tiny scale: the pages it times answer, its baseline really searches with
icontains, and on PostgreSQL the whole benchmark gives its rows."""

import io

import pytest
from django.core.management import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import search as bench_search
from bench.admin_lists import bench_editor
from events.models import Event
from investigation.models import Investigation, SearchEntry

WORDS = (bench_search.COMMON, bench_search.RARE)


@pytest.fixture
def indexed(db):
    """A tiny investigation of the benchmark, indexed, and its editor."""
    investigation = Investigation.objects.create(title="Search benchmark", slug="bench-search")
    editor = bench_editor(investigation, "bench-search-editor")
    bench_search.load_fill(investigation, 200, io.StringIO())
    bench_search.index_build(investigation, io.StringIO())
    return investigation, editor


def test_both_words_are_in_what_the_load_writes_the_common_one_far_more_often(indexed):
    investigation, _ = indexed

    shares = bench_search.word_shares(investigation)

    common, rows = shares[bench_search.COMMON]["events"]
    rare, _ = shares[bench_search.RARE]["events"]
    assert rows == 200
    assert 0 < rare < common / 5
    assert common > rows / 4


def test_every_page_is_timed_with_its_queries_through_the_index(indexed):
    investigation, editor = indexed

    pages = bench_search.pages_figures(editor, runs=3)

    expected = {"unfiltered"}
    for word in WORDS:
        expected |= {(page, word) for page in bench_search.PAGES}
        expected |= {(page, word, "icontains") for page in bench_search.LISTS}
    assert set(pages) == expected
    assert all(queries > 0 and seconds > 0 for queries, seconds in pages.values())
    assert SearchEntry.objects.filter(investigation=investigation, model="events.event").count()


def test_the_baseline_searches_with_icontains_and_the_list_with_the_index(indexed, settings):
    settings.REQUIRE_2FA = False
    _, editor = indexed
    client = Client()
    client.force_login(editor)
    through_index = bench_search.page_getter(client, bench_search.UNFILTERED, "raid")
    with_icontains = bench_search.icontains_getter(Event, through_index)

    index_sqls, icontains_sqls = sqls_of(through_index), sqls_of(with_icontains)

    assert any("investigation_searchentry" in sql for sql in index_sqls)
    assert not any(" LIKE " in sql.upper() for sql in index_sqls)
    assert any(" LIKE " in sql.upper() for sql in icontains_sqls)
    assert not any("investigation_searchentry" in sql for sql in icontains_sqls)


def test_the_admin_searches_with_the_index_again_after_the_baseline(indexed):
    model_admin = bench_search.admin.site._registry[Event]

    with bench_search.icontains_search(Event):
        assert "get_search_results" in vars(model_admin)

    assert "get_search_results" not in vars(model_admin)


def test_the_benchmark_refuses_a_database_other_than_postgresql(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(CommandError, match="PostgreSQL"):
        bench_search.measure(runs=3, stdout=io.StringIO(), small=10, large=20)

    assert not Investigation.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="The benchmark runs on PostgreSQL")
@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction only
def test_the_whole_benchmark_gives_its_rows_at_a_tiny_scale():
    out = io.StringIO()

    figures = bench_search.measure(runs=3, stdout=out, small=40, large=80)

    assert len(figures) == 2 + 2 * (len(WORDS) * (len(bench_search.PAGES) + 2))
    assert figures[0].value.endswith("rows/s")
    timed = [figure for figure in figures if figure.target]
    assert all(figure.ratio > 0 for figure in timed)
    flat = [figure for figure in timed if "queries flat" in figure.target]
    assert len(flat) == len(WORDS) * len(bench_search.PAGES)
    assert all("at 40 events" in figure.measure for figure in flat)
    assert "Timing the searches at 80 events" in out.getvalue()


def sqls_of(get):
    with CaptureQueriesContext(connection) as queries:
        get()
    return [query["sql"] for query in queries.captured_queries]
