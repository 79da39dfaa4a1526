"""The admin's maps: a point picker on the Location form, the chosen place on Event and
Interview forms (fetched from /map/places/<id>.json, which answers only about one's own places)."""

import pytest
from playwright.sync_api import expect

from events.models import Location
from tests.factories import make_event, make_interview, make_location


def test_the_point_of_one_of_my_places_is_served_as_json(client, cast, investigation):
    place = make_location(
        investigation,
        name="Hawija",
        admin2="Hawija",
        admin1="Kirkuk",
        latitude=35.329,
        longitude=43.76,
        geo_precision=1,
    )
    client.force_login(cast["reporter"])
    assert client.get(f"/map/places/{place.pk}.json").json() == {
        "id": place.pk,
        "name": "Hawija, Hawija, Kirkuk",
        "latitude": 35.329,
        "longitude": 43.76,
        "geo_precision": 1,
    }


def test_an_outsider_cannot_read_the_point_of_our_place(client, cast, investigation):
    place = make_location(investigation)
    client.force_login(cast["outsider"])
    assert client.get(f"/map/places/{place.pk}.json").status_code == 404


def test_anonymous_people_cannot_read_a_point(client, investigation):
    place = make_location(investigation)
    assert client.get(f"/map/places/{place.pk}.json").status_code == 302


# In the browser ---------------------------------------------------------------------------

MARKER = ".fb-point-picker .leaflet-marker-icon"


def marker_tip(page):
    """Where the marker points on the screen: the bottom middle of its icon."""
    icon = page.locator(MARKER).bounding_box()
    return icon["x"] + icon["width"] / 2, icon["y"] + icon["height"]


def marker_on_map(page):
    """Where the marker points on the map, whatever the page's scroll: from the map's corner."""
    x, y = marker_tip(page)
    corner = page.locator("#point-picker").bounding_box()
    return x - corner["x"], y - corner["y"]


def halo_width(page):
    return page.locator(".fb-point-picker path.fb-halo").bounding_box()["width"]


@pytest.mark.browser
def test_a_click_on_the_map_writes_the_coordinates_of_a_new_place(
    page, log_in, cast, investigation
):
    log_in(cast["reporter"])
    page.goto("/admin/events/location/add/")
    page.locator("#id_name").fill("Village near Hawija (G)")
    picker = page.locator("#point-picker")
    expect(picker).to_be_visible()
    expect(page.locator(MARKER)).to_have_count(0)
    box = picker.bounding_box()
    # The map opens on LEAFLET_CONFIG's DEFAULT_CENTER (35.47, 44.39); click right of it.
    picker.click(position={"x": box["width"] / 2 + 100, "y": box["height"] / 2})
    expect(page.locator(MARKER)).to_have_count(1)
    latitude = float(page.get_by_label("Latitude").input_value())
    longitude = float(page.get_by_label("Longitude").input_value())
    assert latitude == pytest.approx(35.47, abs=0.02)
    assert 44.45 < longitude < 45.0
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    place = Location.objects.get(name="Village near Hawija (G)")
    assert (place.latitude, place.longitude) == (latitude, longitude)


@pytest.mark.browser
def test_typed_coordinates_move_the_marker_and_dragging_it_writes_them_back(
    page, log_in, cast, investigation
):
    place = make_location(investigation, latitude=35.468, longitude=44.392, geo_precision=1)
    log_in(cast["reporter"])
    page.goto(f"/admin/events/location/{place.pk}/change/")
    expect(page.locator(MARKER)).to_be_visible()
    x, y = marker_on_map(page)

    # East and south of the saved point, still in sight: the marker moves right and down.
    page.get_by_label("Latitude").fill("35.45")
    page.get_by_label("Longitude").fill("44.45")
    page.wait_for_function(
        f"""() => document.querySelector('{MARKER}').getBoundingClientRect().left
            - document.querySelector('#point-picker').getBoundingClientRect().left > {x + 40}"""
    )
    moved_x, moved_y = marker_on_map(page)
    # At zoom 11, 0.058 degrees east is about 84 pixels, 0.018 degrees south about 32.
    assert moved_x - x == pytest.approx(84, abs=4)
    assert moved_y - y == pytest.approx(32, abs=4)

    page.locator("#point-picker").scroll_into_view_if_needed()
    tip_x, tip_y = marker_tip(page)
    tip_y -= 2  # on the icon, just above its tip
    page.mouse.move(tip_x, tip_y)
    page.mouse.down()
    page.mouse.move(tip_x + 40, tip_y + 40, steps=8)
    page.mouse.up()
    expect(page.get_by_label("Latitude")).not_to_have_value("35.45")
    assert float(page.get_by_label("Latitude").input_value()) < 35.45
    assert float(page.get_by_label("Longitude").input_value()) > 44.45


@pytest.mark.browser
def test_the_circle_around_the_point_follows_the_geo_precision(page, log_in, cast, investigation):
    place = make_location(investigation, geo_precision=2)
    log_in(cast["reporter"])
    page.goto(f"/admin/events/location/{place.pk}/change/")
    expect(page.locator(".fb-point-picker path.fb-halo")).to_be_visible()
    near = halo_width(page)
    page.get_by_label("Geo precision").select_option("3")
    page.wait_for_function(
        f"() => document.querySelector('.fb-point-picker path.fb-halo')"
        f".getBoundingClientRect().width > {near * 3}"
    )
    assert halo_width(page) == pytest.approx(near * 5, rel=0.1)  # ~25 km against ~5 km


@pytest.mark.browser
def test_an_events_form_shows_its_place_on_a_small_map(page, log_in, cast, investigation):
    place = make_location(investigation, name="Village near Hawija (B)", geo_precision=2)
    event = make_event(investigation, location=place)
    log_in(cast["reporter"])
    page.goto(f"/admin/events/event/{event.pk}/change/")
    expect(page.locator(".fb-place-map .leaflet-marker-icon")).to_be_visible()
    expect(page.locator(".fb-map-caption")).to_contain_text("Village near Hawija (B)")
    expect(page.locator(".fb-map-caption")).to_contain_text("near the place")


@pytest.mark.browser
def test_an_interviews_form_shows_its_place_on_a_small_map(page, log_in, cast, investigation):
    place = make_location(investigation, name="Hawija", geo_precision=1)
    interview = make_interview(investigation, cast["reporter"], location=place)
    log_in(cast["reporter"])
    page.goto(f"/admin/sources/interview/{interview.pk}/change/")
    expect(page.locator(".fb-place-map .leaflet-marker-icon")).to_be_visible()
    expect(page.locator(".fb-map-caption")).to_contain_text("Hawija, Hawija, Kirkuk · exact place")
