"""/timeline/: events by month, dated only as precisely as known, and a chart per district."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.events.conftest import DEMO_PASSWORD, save_artifact
from tests.factories import make_actor, make_event, make_location

D = datetime.date


def timeline(client, user, params=None, status=200):
    client.force_login(user)
    response = client.get("/timeline/", params or {})
    assert response.status_code == status
    return response


def headings_and_items(response):
    """The list as a person reads it: ('h2'|'h3'|'li', text) in page order."""
    section = response.content.decode().split('class="fb-years"', 1)[1]
    found = re.findall(
        r"<(h2|h3)>(.*?)</\1>|<li class=\"fb-timeline-event\">(.*?)</li>", section, re.S
    )
    return [
        (tag or "li", re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text or item)).strip())
        for tag, text, item in found
    ]


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get("/timeline/")
    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/timeline/"


def test_a_month_precision_event_is_listed_under_its_month_as_that_month(
    client, cast, investigation
):
    make_event(
        investigation, title="Joint night raid", date=D(2018, 11, 14), date_precision="month"
    )
    year, month, (tag, item) = headings_and_items(timeline(client, cast["reporter"]))
    assert (year, month, tag) == (("h2", "2018"), ("h3", "Nov 2018"), "li")
    assert item.startswith("Nov 2018 Joint night raid")
    assert "14 Nov" not in item


def test_a_year_precision_event_is_listed_under_its_year_not_a_made_up_month(
    client, cast, investigation
):
    make_event(investigation, title="Convoys stopped", date=D(2019, 1, 1), date_precision="year")
    make_event(investigation, title="Checkpoint attack", date=D(2019, 1, 20), date_precision="day")
    listed = headings_and_items(timeline(client, cast["reporter"]))
    assert [text for tag, text in listed if tag != "li"] == [
        "2019",
        "2019, month not known",
        "Jan 2019",
    ]
    assert listed[2][1].startswith("2019 Convoys stopped")
    assert listed[4][1].startswith("20 Jan 2019 Checkpoint attack")


def test_an_outsider_sees_none_of_our_events(client, cast, investigation, other_investigation):
    make_event(investigation, title="Our raid")
    make_event(other_investigation, title="Their smuggling run")
    page = timeline(client, cast["outsider"]).content.decode()
    assert "Their smuggling run" in page and "Our raid" not in page


def test_the_timeline_has_the_maps_filters(client, cast, investigation, other_investigation):
    make_event(other_investigation, title="Their smuggling run")
    badr = make_actor(investigation, name="Badr Organization")
    make_event(investigation, title="Convoy blocked", kind="blockade", actors=[badr])
    make_event(investigation, title="Old raid", date=D(2018, 11, 1), status="confirmed")
    make_event(investigation, title="New raid", date=D(2020, 3, 1))
    reporter = cast["reporter"]

    def titles(params):
        return {
            text.split(" · ")[0]
            for tag, text in headings_and_items(timeline(client, reporter, params))
            if tag == "li"
        }

    assert titles({"kind": "blockade"}) == {"Nov 2018 Convoy blocked"}
    assert titles({"actor": badr.pk}) == {"Nov 2018 Convoy blocked"}
    assert titles({"status": "confirmed"}) == {"Nov 2018 Old raid"}
    assert titles({"from": "2020-01", "to": "2020-12"}) == {"Mar 2020 New raid"}
    assert titles({"investigation": "port-smuggling"}) == set()


def test_a_bad_filter_shows_what_is_wrong(client, cast):
    response = timeline(client, cast["reporter"], {"from": "March"}, status=400)
    assert "from: &quot;March&quot; has no four-digit year" in response.content.decode()


def test_the_districts_offered_are_those_of_my_own_places(
    client, cast, investigation, other_investigation
):
    make_location(investigation, admin2="Hawija")
    make_location(other_investigation, admin2="Basra")
    response = timeline(client, cast["reporter"])
    assert response.context["districts"] == ["Hawija"]
    timeline(client, cast["reporter"], {"district": "Basra"}, status=400)


def test_the_chart_counts_a_districts_events_by_month_and_kind(client, cast, investigation):
    hawija = make_location(investigation, admin2="Hawija")
    kirkuk = make_location(investigation, admin2="Kirkuk")
    make_event(investigation, kind="raid", location=hawija, date=D(2019, 1, 1))
    make_event(investigation, kind="raid", location=hawija, date=D(2019, 1, 1))
    make_event(
        investigation, kind="attack", location=hawija, date=D(2019, 3, 4), date_precision="week"
    )
    make_event(investigation, kind="attack", location=kirkuk, date=D(2019, 2, 1))
    make_event(
        investigation, kind="raid", location=hawija, date=D(2019, 6, 1), date_precision="year"
    )
    response = timeline(client, cast["reporter"], {"district": "Hawija"})
    chart = response.context["chart"]
    assert [kind["label"] for kind in chart["legend"]] == ["Raid", "Attack"]
    assert chart["table"] == [
        {"label": "Jan 2019", "counts": [2, 0]},
        {"label": "Feb 2019", "counts": [0, 0]},
        {"label": "Mar 2019", "counts": [0, 1]},
    ]
    assert len(chart["bars"]) == 2
    assert "1 event known only to the year is not in the chart." in response.content.decode()


def test_in_the_demo_hawija_shows_raids_falling_as_isis_attacks_rise(client, demo_reporter):
    chart = timeline(client, demo_reporter, {"district": "Hawija"}).context["chart"]
    kinds = [kind["value"] for kind in chart["legend"]]
    by_month = {
        row["label"]: dict(zip(kinds, row["counts"], strict=True)) for row in chart["table"]
    }

    def total(kind, months):
        return sum(by_month.get(month, {}).get(kind, 0) for month in months)

    early = ["Nov 2018", "Dec 2018", "Jan 2019", "Feb 2019", "Mar 2019", "Apr 2019"]
    late = ["Nov 2019", "Dec 2019", "Jan 2020", "Feb 2020", "Mar 2020", "Apr 2020"]
    assert total("raid", early) > total("raid", late) == 0
    assert total("attack", late) > total("attack", early)


@pytest.mark.browser
def test_the_timeline_chart_renders_in_the_browser(page, log_in, demo, demo_reporter):
    log_in(demo_reporter, DEMO_PASSWORD)
    page.goto("/timeline/")
    page.get_by_label("Chart for district").select_option("Hawija")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"district=Hawija"))
    expect(page.get_by_role("heading", name="Events per month in Hawija district")).to_be_visible()
    chart = page.locator("#month-chart")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["height"] > 150
    expect(chart.locator('rect[data-kind="raid"]').first).to_be_visible()
    expect(chart.locator('rect[data-kind="attack"]').first).to_be_visible()
    expect(page.locator(".fb-chart-legend")).to_contain_text("Raid")
    expect(page.get_by_role("heading", name="Nov 2018")).to_be_visible()
    expect(page.locator(".fb-timeline-event")).to_have_count(demo.events.count())
    save_artifact(page, "timeline-demo-hawija.png")
