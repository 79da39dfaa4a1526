"""Query budgets for the admin lists: a fixed number of queries per page, whatever the size.

Timings belong to `make bench`; these are counts, so a regression (a query per row, a filter
whose choices scan the table) fails CI on any machine.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from investigation.search import index_sweep
from tests.factories import (
    make_actor,
    make_event,
    make_follow_up,
    make_interview,
    make_location,
    make_source,
)

BUDGET = 8  # queries per list page, the session and the user included
LISTS = ["event", "location", "actor", "source", "interview", "followup"]
URLS = {
    "event": "/admin/events/event/",
    "location": "/admin/events/location/",
    "actor": "/admin/events/actor/",
    "source": "/admin/sources/source/",
    "interview": "/admin/sources/interview/",
    "followup": "/admin/investigation/followup/",
}


def desk_fill(investigation, reporter, rows, first=0):
    """`rows` of every listed kind, linked the way reporters link them."""
    for number in range(first, first + rows):
        district = f"District {number % 4}"
        location = make_location(investigation, name=f"Village {number}", admin2=district)
        actor = make_actor(investigation, name=f"Militia {number}")
        event = make_event(investigation, location=location, actors=[actor])
        source = make_source(investigation, reporter)
        interview = make_interview(
            investigation, reporter, sources=[source], events=[event], location=location
        )
        make_follow_up(investigation, reporter, source=source, event=event, interview=interview)


def list_queries(client, user, url):
    """Queries for a list page in a session that is under way (one that was saved less than a
    minute ago: see SessionLimitMiddleware)."""
    client.force_login(user)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", LISTS)
def test_an_admin_list_costs_the_same_few_queries_with_a_few_rows_and_with_many_pages(
    client, cast, investigation, other_investigation, name
):
    editor = cast["editor"]
    desk_fill(investigation, editor, 2)
    desk_fill(other_investigation, cast["outsider"], 2)
    few = list_queries(client, editor, URLS[name])
    desk_fill(investigation, editor, 60, first=2)  # more than a page (50 rows)
    many = list_queries(client, editor, URLS[name])
    assert (few, many) == (few, few)
    assert many <= BUDGET


@pytest.mark.parametrize("search", ["", "raid"])
def test_a_list_counts_its_rows_without_sorting_them(client, cast, investigation, search):
    make_event(investigation, title="Night raid")
    index_sweep()  # the list's search reads the index; this row was made directly
    client.force_login(cast["editor"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URLS["event"], {"q": search} if search else {})

    assert response.status_code == 200
    assert "Night raid" in response.content.decode()  # the list found the row it counted
    counts = [query["sql"] for query in queries if query["sql"].startswith("SELECT COUNT(*)")]
    assert counts  # the capped count ran
    assert not any("ORDER BY" in sql for sql in counts), counts
