"""/map/: the events of the person's investigations on a map, with filters and a time slider."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from events import viewport
from events.models import Event
from investigation.models import Membership
from tests.events.conftest import DEMO_PASSWORD, save_artifact
from tests.factories import make_actor, make_event, make_user

RED = "rgb(214, 39, 40)"


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get("/map/")
    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/map/"


def test_people_without_staff_access_are_sent_to_log_in(client, db):
    client.force_login(make_user("visitor", is_staff=False))
    assert client.get("/map/").status_code == 302


def test_the_filters_offer_only_my_investigations_and_actors(
    client, cast, investigation, other_investigation
):
    make_actor(investigation, name="Badr Organization")
    make_actor(other_investigation, name="Port smugglers")
    client.force_login(cast["reporter"])
    response = client.get("/map/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Raids in Kirkuk" in page and "Badr Organization" in page
    assert "Port smuggling" not in page and "Port smugglers" not in page


def test_the_time_slider_spans_the_months_of_my_events(client, cast, investigation):
    make_event(investigation, date="2018-11-01")
    make_event(investigation, date="2020-06-15")
    client.force_login(cast["reporter"])
    response = client.get("/map/")
    months = response.context["months"]
    assert (months[0], months[-1], len(months)) == (
        {"value": "2018-11", "label": "Nov 2018"},
        {"value": "2020-06", "label": "Jun 2020"},
        20,
    )


def test_every_script_and_stylesheet_of_the_map_is_served_by_fieldbook(client, cast):
    client.force_login(cast["reporter"])
    page = client.get("/map/").content.decode()
    assets = re.findall(r'<(?:script|link)[^>]* (?:src|href)="([^"]+)"', page)
    assert any("leaflet.markercluster.js" in asset for asset in assets)
    # Paths on Fieldbook itself: its static files, and the kinds' colours (/map/kinds.css).
    assert assets and all(re.match(r"/[^/]", asset) for asset in assets), assets


def test_the_map_takes_its_tiles_from_the_settings(client, cast):
    client.force_login(cast["reporter"])
    page = client.get("/map/").content.decode()
    assert settings.LEAFLET_TILES_URL in page


def test_the_admin_view_site_link_opens_the_map(client, cast):
    client.force_login(cast["reporter"])
    page = client.get("/admin/events/event/").content.decode()
    assert '<a href="/map/">View site</a>' in page


# In the browser ---------------------------------------------------------------------------


def open_map(page, log_in, user, password, query=""):
    log_in(user, password)
    page.goto(f"/map/{query}")
    expect(page.locator("#map-filters")).to_have_attribute("data-state", "ready")
    return page


def markers_seen(page):
    """Every event a person can make out: single markers plus the counts on the clusters."""
    clustered = sum(int(text) for text in page.locator(".marker-cluster span").all_inner_texts())
    return page.locator(".fb-marker").count() + clustered


@pytest.mark.browser
def test_the_demo_map_shows_all_46_events_with_the_four_focus_raids_in_red(
    page, log_in, demo_reporter, outside_requests
):
    open_map(page, log_in, demo_reporter, DEMO_PASSWORD)
    expect(page.locator("#map-status")).to_have_text("46 events on the map.")
    assert markers_seen(page) == 46
    focus = page.locator(".fb-marker.is-highlighted")
    expect(focus).to_have_count(4)
    for marker in focus.all():
        expect(marker).to_be_visible()
        expect(marker).to_have_css("background-color", RED)
    save_artifact(page, "map-demo.png")

    page.get_by_label("Group nearby events").uncheck()
    expect(page.locator(".fb-marker")).to_have_count(46)
    expect(page.locator(".marker-cluster")).to_have_count(0)
    save_artifact(page, "map-demo-ungrouped.png")


@pytest.mark.browser
def test_the_points_show_though_no_tile_server_answers(
    page, log_in, demo_reporter, outside_requests
):
    open_map(page, log_in, demo_reporter, DEMO_PASSWORD)
    expect(page.locator(".fb-marker.is-highlighted").first).to_be_visible()
    assert markers_seen(page) == 46
    # The harness blocked every tile; nothing else was asked of the outside world.
    tiles = settings.LEAFLET_TILES_URL.split("{")[0]
    assert outside_requests
    assert all(url.startswith(tiles) for url in outside_requests), outside_requests


@pytest.mark.browser
def test_the_time_slider_and_the_kind_filter_change_what_is_shown(
    page, log_in, demo, demo_reporter
):
    open_map(page, log_in, demo_reporter, DEMO_PASSWORD)
    page.get_by_label("Group nearby events").uncheck()
    expect(page.locator(".fb-marker")).to_have_count(46)

    # Nov 2018 is the first month: fourteen steps to the right is Jan 2020.
    page.locator("#from-month").focus()
    for _ in range(14):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#when-label")).to_have_text("Jan 2020 – Jun 2020")
    since_2020 = demo.events.filter(date__gte="2020-01-01")
    assert since_2020.exists()
    expect(page.locator("#map-status")).to_have_text(f"{since_2020.count()} events on the map.")
    expect(page.locator(".fb-marker")).to_have_count(since_2020.count())
    expect(page.locator(".fb-marker.is-highlighted")).to_have_count(0)  # the raids were in 2018-19
    expect(page).to_have_url(re.compile(r"[?&]from=2020-01"))

    page.get_by_label("Attack", exact=True).uncheck()
    no_attacks = since_2020.exclude(kind=Event.Kind.ATTACK).count()
    expect(page.locator("#map-status")).to_have_text(f"{no_attacks} events on the map.")
    expect(page.locator(".fb-marker")).to_have_count(no_attacks)
    save_artifact(page, "map-demo-filtered.png")


@pytest.mark.browser
def test_a_focus_raid_opens_a_popup_with_its_title_month_kind_and_a_link_to_the_record(
    page, log_in, demo, demo_reporter
):
    raid = demo.events.get(title="Joint night raid on a suspected ISIS safe house")
    open_map(page, log_in, demo_reporter, DEMO_PASSWORD, "?kind=raid")
    page.get_by_label("Group nearby events").uncheck()
    # The marker itself says what and when; the popup asks for the rest when it opens.
    page.locator('.fb-marker.is-highlighted[title="Raid · Nov 2018"]').click()
    popup = page.locator(".leaflet-popup")
    expect(popup).to_contain_text(raid.title)
    expect(popup).to_contain_text("Nov 2018 (the day is not known)")
    expect(popup).to_contain_text("Raid · Corroborated")
    expect(popup).to_contain_text(f"{raid.location.name} · near the place / part of a region")
    expect(popup).to_contain_text("Focus event of the story")
    link = popup.get_by_role("link", name=raid.title)
    expect(link).to_have_attribute("href", f"/admin/events/event/{raid.pk}/change/")
    expect(popup).to_have_css("opacity", "1")  # Leaflet fades a popup in
    save_artifact(page, "map-demo-popup.png")

    link.click()
    expect(page).to_have_url(re.compile(rf"/admin/events/event/{raid.pk}/change/$"))
    expect(page.get_by_label("Title")).to_have_value(raid.title)


@pytest.mark.browser
def test_a_week_precision_attack_reads_as_its_week_on_the_marker_and_in_the_popup(
    page, log_in, demo, demo_reporter
):
    attack = demo.events.get(title="Roadside bomb hits a farm vehicle")
    open_map(page, log_in, demo_reporter, DEMO_PASSWORD, "?kind=ied")
    page.get_by_label("Group nearby events").uncheck()
    page.locator('.fb-marker[title="IED / explosion · week of 11 Feb 2019"]').click()
    popup = page.locator(".leaflet-popup")
    expect(popup.get_by_role("link", name=attack.title)).to_be_visible()
    expect(popup).to_contain_text("week of 11 Feb 2019 (the day is not known)")


@pytest.mark.browser
def test_a_popup_of_an_event_no_longer_mine_says_it_could_not_be_loaded(
    page, log_in, demo, demo_reporter
):
    open_map(page, log_in, demo_reporter, DEMO_PASSWORD, "?kind=raid")
    page.get_by_label("Group nearby events").uncheck()
    # After the map was drawn, an admin takes the reporter off the investigation.
    Membership.objects.filter(user=demo_reporter, investigation=demo).delete()
    page.locator('.fb-marker.is-highlighted[title="Raid · Nov 2018"]').click()
    popup = page.locator(".leaflet-popup")
    expect(popup).to_contain_text("The event could not be loaded (Not Found).")
    expect(popup.get_by_role("link")).to_have_count(0)


@pytest.mark.browser
@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_zooming_in_on_a_cluster_turns_it_into_events_and_the_address_keeps_the_view(
    page, log_in, sized, demo, demo_reporter, monkeypatch, size
):
    # Clusters from eleven events in view on, so that the demo's 46 events cluster far out.
    monkeypatch.setattr(viewport, "POINTS_MAX", 10)
    map_page = sized(log_in(demo_reporter, DEMO_PASSWORD), size)
    map_page.goto("/map/")
    form = map_page.locator("#map-filters")
    expect(form).to_have_attribute("data-view", "clusters")
    expect(form).to_have_attribute("data-state", "ready")
    expect(map_page.locator("#map-status")).to_contain_text("grouped by area")
    clusters = map_page.locator(".fb-cluster")
    expect(clusters.first).to_be_visible()
    assert sum(int(text.replace(",", "")) for text in clusters.all_inner_texts()) == int(
        form.get_attribute("data-count")
    )
    expect(map_page).to_have_url(re.compile(r"#\d+/\d+\.\d+/\d+\.\d+$"))

    for _ in range(6):  # each click zooms in two levels on the cluster
        if form.get_attribute("data-view") == "points":
            break
        with map_page.expect_response(lambda response: "bbox=" in response.url):
            map_page.locator(".fb-cluster").first.click()
        expect(form).to_have_attribute("data-state", "ready")
    expect(form).to_have_attribute("data-view", "points")
    expect(map_page.locator(".fb-cluster")).to_have_count(0)
    expect(map_page.locator(".fb-marker, .marker-cluster").first).to_be_visible()
    assert 0 < int(form.get_attribute("data-count")) <= 10
    save_artifact(map_page, f"map-demo-zoomed-in-{size}.png")

    # Reloading the address shows the same view, events and all.
    view = map_page.url.split("#", 1)[1]
    map_page.reload()
    expect(form).to_have_attribute("data-view", "points")
    expect(form).to_have_attribute("data-state", "ready")
    assert map_page.url.split("#", 1)[1] == view

    # Zooming back out, the events gather into clusters again.
    zoom = int(view.split("/")[0])
    map_page.goto(f"/map/#{zoom - 6}/{view.split('/', 1)[1]}")
    map_page.reload()
    expect(form).to_have_attribute("data-view", "clusters")
    expect(map_page.locator(".fb-cluster").first).to_be_visible()
