"""/timeline/: events by month, dated only as precisely as known, and a chart per district."""

import datetime
import gzip
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
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
    assert [(kind["kind"], kind["counts"]) for kind in chart["datasets"]] == [
        ("raid", [2, 0, 0]),
        ("attack", [0, 0, 1]),
    ]
    assert "1 event known only to the year is not in the chart." in response.content.decode()


def test_in_the_demo_hawija_shows_raids_falling_as_isis_attacks_rise(client, demo_reporter):
    whole = {"district": "Hawija", "from": "Nov 2018", "to": "Jun 2020"}
    chart = timeline(client, demo_reporter, whole).context["chart"]
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
    page.goto("/timeline/?from=2018-11&to=2020-06")  # the whole investigation on one page
    page.get_by_label("Chart for district").select_option("Hawija")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"district=Hawija"))
    expect(page.get_by_role("heading", name="Events per month in Hawija district")).to_be_visible()
    chart = page.locator("#month-chart")
    expect(chart).to_have_attribute("data-drawn", re.compile(r"^[1-9]"))  # Chart.js is done
    assert chart.bounding_box()["height"] > 200  # its box's 240 px, not a bare canvas's 150
    assert {"raid", "attack"} <= set(charted_kinds(page))
    assert painted_pixels(page) > 2000  # Chart.js drew bars, not an empty canvas
    expect(page.locator(".fb-chart-legend")).to_contain_text("Raid")
    expect(page.locator(".fb-timeline-event")).to_have_count(demo.events.count())

    # Without a range, a year a page: the last year with events first, the others a link away.
    page.goto("/timeline/?district=Hawija")
    expect(page.locator(".fb-timeline-event")).to_have_count(
        demo.events.filter(date__year=2020).count()
    )
    years = page.get_by_role("navigation", name="Events of the year")
    expect(years.get_by_role("link", name="2020")).to_have_attribute("aria-current", "page")
    years.get_by_role("link", name="2018").click()
    expect(page).to_have_url(re.compile(r"year=2018"))
    expect(page.get_by_role("heading", name="Nov 2018")).to_be_visible()
    expect(page.locator(".fb-timeline-event")).to_have_count(
        demo.events.filter(date__year=2018).count()
    )
    expect(chart).to_have_attribute("data-drawn", re.compile(r"^[1-9]"))
    assert "raid" in charted_kinds(page)
    assert painted_pixels(page) > 2000
    save_artifact(page, "timeline-demo-hawija.png")


def test_the_events_are_listed_a_year_a_page_the_last_year_first(client, cast, investigation):
    for year in (2018, 2019, 2020):
        make_event(investigation, title=f"Raid of {year}", date=D(year, 3, 1), date_precision="day")
    reporter = cast["reporter"]
    listed = headings_and_items(timeline(client, reporter))
    assert [text for tag, text in listed if tag == "li"][0].startswith("1 Mar 2020 Raid of 2020")
    assert len([tag for tag, _ in listed if tag == "li"]) == 1
    page = timeline(client, reporter).content.decode()
    assert 'href="?year=2018"' in page and 'aria-current="page" href="?year=2020"' in page
    old = headings_and_items(timeline(client, reporter, {"year": "2018"}))
    assert [text.split(" ·")[0] for tag, text in old if tag == "li"] == ["1 Mar 2018 Raid of 2018"]
    # A range asked for is one page, whatever its years.
    ranged = headings_and_items(timeline(client, reporter, {"from": "2018", "to": "2019"}))
    assert [text.split(" ·")[0] for tag, text in ranged if tag == "li"] == [
        "1 Mar 2018 Raid of 2018",
        "1 Mar 2019 Raid of 2019",
    ]


def test_the_chart_counts_the_months_of_the_page_in_the_database(client, cast, investigation):
    for month in (1, 1, 5):
        make_event(investigation, kind="raid", date=D(2019, month, 10), date_precision="day")
    make_event(investigation, kind="attack", date=D(2019, 3, 1), date_precision="year")
    make_event(investigation, kind="attack", date=D(2020, 2, 1), date_precision="day")
    response = timeline(client, cast["reporter"], {"year": "2019"})
    chart = response.context["chart"]
    assert chart["table"] == [
        {"label": "Jan 2019", "counts": [2]},
        {"label": "Feb 2019", "counts": [0]},
        {"label": "Mar 2019", "counts": [0]},
        {"label": "Apr 2019", "counts": [0]},
        {"label": "May 2019", "counts": [1]},
    ]
    assert response.context["year_only"] == 1
    assert [tag for tag, _ in headings_and_items(response)].count("li") == 4
    # The whole range, when it is asked for, charts every month of it.
    ranged = timeline(client, cast["reporter"], {"from": "2019-01", "to": "2020-12"})
    table = ranged.context["chart"]["table"]
    assert (len(table), table[-1]) == (14, {"label": "Feb 2020", "counts": [0, 1]})
    assert sum(sum(row["counts"]) for row in table) == 4  # the year-only attack is not charted


def test_a_long_range_is_charted_by_year_with_readable_labels(client, cast, investigation):
    for year in range(2000, 2021):
        make_event(investigation, date=D(year, 6, 1), date_precision="day")
    chart = timeline(client, cast["reporter"], {"from": "2000", "to": "2020"}).context["chart"]
    assert chart["per"] == "year"
    assert [row["label"] for row in chart["table"]][:2] == ["2000", "2001"]
    shown = [
        label
        for index, label in enumerate(chart["labels"])
        if index == 0 or (chart["first"] + index) % chart["every"] == 0
    ]
    assert 5 <= len(shown) <= 24
    assert all(label.isdigit() for label in shown)  # a year each


def test_twenty_months_are_labelled_every_quarter_on_calendar_quarters(client, cast, investigation):
    make_event(investigation, date=D(2018, 11, 5), date_precision="day")
    make_event(investigation, date=D(2020, 6, 5), date_precision="day")
    range_ = {"from": "Nov 2018", "to": "Jun 2020"}
    chart = timeline(client, cast["reporter"], range_).context["chart"]

    assert len(chart["labels"]) == 20
    assert chart["every"] == 3
    shown = [
        label
        for index, label in enumerate(chart["labels"])
        if index == 0 or (chart["first"] + index) % chart["every"] == 0
    ]
    assert shown == ["Nov 2018", "Jan 2019", "Apr 2019", "Jul 2019", "Oct 2019", "Jan 2020",
                     "Apr 2020"]  # fmt: skip


def test_the_timeline_takes_the_same_queries_for_a_few_events_as_for_many(
    client, cast, investigation
):
    client.force_login(cast["reporter"])
    client.get("/timeline/")  # the session's first request writes more than the others
    counts = []
    for number in (3, 60):
        for day in range(number):
            make_event(investigation, date=D(2019, 1, 1) + datetime.timedelta(days=day * 5))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/timeline/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_timeline_is_gzipped_for_browsers_that_accept_it(client, cast, investigation):
    make_event(investigation, title="Joint night raid")
    client.force_login(cast["reporter"])
    plain = client.get("/timeline/")
    packed = client.get("/timeline/", headers={"accept-encoding": "gzip"})
    assert (plain.status_code, packed.status_code) == (200, 200)
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert "Joint night raid" in gzip.decompress(packed.content).decode()


def test_the_chosen_actor_stays_chosen_in_the_filters(client, cast, investigation):
    badr = make_actor(investigation, name="Badr Organization")
    make_actor(investigation, name="Iraqi Army")
    page = timeline(client, cast["reporter"], {"actor": badr.pk}).content.decode()
    assert f'<option value="{badr.pk}" selected>Badr Organization</option>' in page
    assert "Iraqi Army</option>" in page and "selected>Iraqi Army" not in page


def charted_kinds(page):
    """The kinds the page hands its chart (json_script), as Chart.js reads them."""
    return page.evaluate(
        "JSON.parse(document.getElementById('timeline-chart-data').textContent)"
        ".datasets.map(kind => kind.kind)"
    )


def painted_pixels(page):
    """How many pixels of the chart's canvas are not transparent."""
    return page.evaluate(
        """() => {
            const canvas = document.getElementById("month-chart");
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
            let painted = 0;
            for (let alpha = 3; alpha < pixels.data.length; alpha += 4) {
                if (pixels.data[alpha]) painted += 1;
            }
            return painted;
        }"""
    )
