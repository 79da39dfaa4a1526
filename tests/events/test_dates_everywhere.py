"""Dates typed as people say them ("Jan 2019", "14 Jan 2019", "2019-01") in the event form,
the event import and the map's and timeline's filters; and dates shown and typed the same
unambiguous way in every other form and list ("14 Jan 2019", 2019-01-14, never 01/02/2019)."""

import datetime

import pytest
import tablib
from django.utils import timezone

from events.models import Event
from events.resources import EventResource
from investigation.models import FollowUp
from sources.models import Interview
from tests.admin_forms import form_fields
from tests.factories import make_event, make_follow_up, make_interview, make_source

D = datetime.date
EVENT_ADD = "/admin/events/event/add/"


def new_event(client, investigation, **typed):
    """POST the event add form as a browser would, with `typed` in its boxes."""
    data = form_fields(client.get(EVENT_ADD))
    data.update(investigation=investigation.pk, kind="raid", title="Night raid", status="reported")
    return client.post(EVENT_ADD, {**data, **typed})


# The event form ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "date", "precision"),
    [
        ("Jan 2019", D(2019, 1, 1), "month"),
        ("2019-01", D(2019, 1, 1), "month"),
        ("2019", D(2019, 1, 1), "year"),
        ("14 Jan 2019", D(2019, 1, 14), "day"),
        ("2019-01-14", D(2019, 1, 14), "day"),
        ("week of 16 Jan 2019", D(2019, 1, 14), "week"),
    ],
)
def test_the_event_form_takes_a_date_as_people_say_it_with_its_precision(
    client, cast, investigation, typed, date, precision
):
    client.force_login(cast["reporter"])
    response = new_event(client, investigation, when=typed)
    assert response.status_code == 302
    event = Event.objects.get(title="Night raid")
    assert (event.date, event.date_precision) == (date, precision)


def test_the_event_form_refuses_a_day_that_reads_two_ways_and_says_how_to_write_it(
    client, cast, investigation
):
    client.force_login(cast["reporter"])
    response = new_event(client, investigation, when="01/02/2019")
    assert response.status_code == 200
    assert "could be 1 Feb or 2 Jan" in response.content.decode()
    assert not Event.objects.exists()
    # Positive control: the same day written with its month as a word saves.
    assert new_event(client, investigation, when="1 Feb 2019").status_code == 302


def test_a_chosen_precision_and_an_end_are_kept(client, cast, investigation):
    client.force_login(cast["reporter"])
    response = new_event(
        client, investigation, when="14 Jan 2019", end="20 Feb 2019", date_precision="month"
    )
    assert response.status_code == 302
    event = Event.objects.get(title="Night raid")
    assert (event.date, event.end_date, event.date_precision) == (
        D(2019, 1, 1),
        D(2019, 2, 1),
        "month",
    )
    assert event.when == "Jan 2019 – Feb 2019"


def test_the_event_form_shows_the_date_as_precisely_as_it_is_known_with_a_hint(
    client, cast, investigation
):
    event = make_event(investigation, date=D(2018, 11, 17), date_precision="month")
    client.force_login(cast["reporter"])
    response = client.get(f"/admin/events/event/{event.pk}/change/")
    assert form_fields(response)["when"] == "Nov 2018"
    page = response.content.decode()
    assert 'class="fieldbook-precise-date"' in page
    assert "events/precise_date.js" in page  # the month/year picker
    assert '"Jan 2019", "2019-01"' in page  # the hint under the box


# The event import --------------------------------------------------------------------------


def imported(investigation, user, *rows):
    header = ["kind", "title", "date", "date_precision", "status"]
    resource = EventResource(investigation=investigation, user=user)
    return resource.import_data(tablib.Dataset(*rows, headers=header), dry_run=False)


def row_errors(result):
    return [str(error) for row in result.invalid_rows for error in row.error_dict.values()]


def test_an_imported_date_cell_is_read_as_in_the_form(cast, investigation):
    result = imported(
        investigation,
        cast["admin"],
        ["raid", "A month", "Jan 2019", "", "reported"],
        ["raid", "A day", "14 Jan 2019", "", "reported"],
        ["raid", "A year, said so", "2019", "year", "reported"],
        ["raid", "An exported day of a month", "2018-11-17", "month", "reported"],
    )
    assert not result.has_errors() and not result.has_validation_errors(), row_errors(result)
    found = {e.title: (e.date, e.date_precision) for e in Event.objects.all()}
    assert found == {
        "A month": (D(2019, 1, 1), "month"),
        "A day": (D(2019, 1, 14), "day"),
        "A year, said so": (D(2019, 1, 1), "year"),
        "An exported day of a month": (D(2018, 11, 17), "month"),  # as exported, unchanged
    }


@pytest.mark.parametrize(
    ("date", "precision", "says"),
    [
        ("01/02/2019", "day", "could be 1 Feb or 2 Jan"),
        ("Jan 2019", "day", "Jan 2019 gives no day"),
        ("2019-02-30", "", "Feb 2019 has 28 days"),
    ],
)
def test_an_imported_date_that_is_ambiguous_or_too_vague_is_refused(
    cast, investigation, date, precision, says
):
    result = imported(investigation, cast["admin"], ["raid", "Bad", date, precision, "reported"])
    assert any(says in error for error in row_errors(result)), row_errors(result)
    assert not Event.objects.exists()


# The map's and the timeline's filters --------------------------------------------------------


def test_the_filters_take_months_as_people_say_them(client, cast, investigation):
    make_event(investigation, title="Old raid", date=D(2018, 11, 1))
    make_event(investigation, title="New raid", date=D(2020, 3, 1))
    client.force_login(cast["reporter"])
    geojson = client.get("/map/events.geojson", {"from": "Jan 2020", "to": "Dec 2020"})
    assert geojson.status_code == 200
    assert len(geojson.json()["features"]) == 1
    timeline = client.get("/timeline/", {"from": "2020", "to": "Mar 2020"})
    assert timeline.status_code == 200
    assert "New raid" in timeline.content.decode()
    assert "Old raid" not in timeline.content.decode()
    assert 'class="fieldbook-precise-date" name="from" value="2020"' in timeline.content.decode()


# Dates and times in the other forms and lists ------------------------------------------------


def test_a_follow_ups_due_date_is_shown_year_first_with_a_hint_and_typed_as_a_word_too(
    client, cast, investigation
):
    client.force_login(cast["reporter"])
    add = client.get("/admin/investigation/followup/add/")
    form = form_fields(add)
    assert datetime.date.fromisoformat(form["due_at_0"])  # 2026-12-10, never 10/12/2026
    assert "Date year first (2019-01-14), time on the 24-hour clock (14:30)" in (
        add.content.decode()
    )
    form.update(investigation=investigation.pk, title="Call back the officer")
    form.update(due_at_0="14 Jan 2027", due_at_1="09:30")

    assert client.post("/admin/investigation/followup/add/", form).status_code == 302

    due = timezone.localtime(FollowUp.objects.get(title="Call back the officer").due_at)
    assert (due.date(), due.hour, due.minute) == (D(2027, 1, 14), 9, 30)


def test_a_due_date_in_numbers_only_day_first_is_refused(client, cast, investigation):
    client.force_login(cast["reporter"])
    form = form_fields(client.get("/admin/investigation/followup/add/"))
    form.update(investigation=investigation.pk, title="Call back the officer")
    response = client.post("/admin/investigation/followup/add/", {**form, "due_at_0": "01/02/2027"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    assert not FollowUp.objects.exists()
    assert client.post("/admin/investigation/followup/add/", form).status_code == 302


def test_the_lists_show_dates_with_the_month_as_a_word(client, cast, investigation):
    moment = timezone.make_aware(datetime.datetime(2027, 2, 1, 9, 30))
    make_follow_up(investigation, cast["reporter"], title="Check the report", due_at=moment)
    source = make_source(investigation, cast["reporter"], last_contact_at=D(2027, 2, 1))
    make_interview(investigation, cast["reporter"], sources=[source], conducted_at=moment)
    client.force_login(cast["reporter"])
    pages = {
        url: client.get(url)
        for url in (
            "/admin/investigation/followup/",
            "/admin/sources/source/",
            "/admin/sources/interview/",
        )
    }
    for url, response in pages.items():
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "1 Feb 2027" in page, url
        assert "01/02/2027" not in page and "2/1/2027" not in page, url
    assert "1 Feb 2027, 09:30" in pages["/admin/sources/interview/"].content.decode()
    assert Interview.objects.count() == 1
