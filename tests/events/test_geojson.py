"""/map/events.geojson: the events a person may see, as lean GeoJSON, filtered, fast and
compressed; and /map/events/<id>.json, the details a popup asks for when it opens."""

import datetime
import gzip
import json

import pytest

from events.models import Event
from investigation.models import Membership, Role
from tests.factories import (
    make_actor,
    make_event,
    make_interview,
    make_investigation,
    make_location,
    make_member,
    make_source,
    make_user,
)

D = datetime.date
URL = "/map/events.geojson"
# Reading the session and the person, their memberships, one query for the events (however
# many), one counting those without a place, and saving the session (SESSION_SAVE_EVERY_REQUEST:
# a savepoint, the update, its release). Clusters take two more: tests/events/test_map_viewport.py.
QUERIES_PER_REQUEST = 8
QUERIES_FOR_DETAILS = 6  # the session's five and the event


def geojson(client, user, params=None):
    client.force_login(user)
    response = client.get(URL, params or {})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.content)
    assert_valid_geojson(collection)
    return collection


def assert_valid_geojson(collection):
    """What RFC 7946 asks of a FeatureCollection of Points (and what Leaflet reads)."""
    assert collection["type"] == "FeatureCollection"
    assert isinstance(collection["features"], list)
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["id"], int | str)
        assert isinstance(feature["properties"], dict)
        assert feature["geometry"]["type"] == "Point"
        longitude, latitude = feature["geometry"]["coordinates"]
        assert -180 <= longitude <= 180 and -90 <= latitude <= 90


def titles(client, user, params=None):
    """The titles of the events on the map: the features carry only their ids."""
    ids = [feature["id"] for feature in geojson(client, user, params)["features"]]
    assert len(ids) == len(set(ids))
    return set(Event.objects.filter(pk__in=ids).values_list("title", flat=True))


def details(client, user, event, status=200):
    client.force_login(user)
    response = client.get(f"/map/events/{event.pk}.json")
    assert response.status_code == status, response.content
    return response.json() if status == 200 else None


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/?next=/map/events.geojson")


def test_the_events_are_a_feature_collection_of_points_in_longitude_latitude_order(
    client, cast, investigation
):
    place = make_location(
        investigation, name="Village A", latitude=35.412, longitude=43.842, geo_precision=2
    )
    event = make_event(
        investigation,
        title="Joint night raid",
        location=place,
        date=D(2018, 11, 14),
        date_precision="month",
        status="corroborated",
        highlighted=True,
    )
    collection = geojson(client, cast["reporter"])
    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature == {
        "type": "Feature",
        "id": event.pk,
        "geometry": {"type": "Point", "coordinates": [43.842, 35.412]},
        "properties": {
            "kind": "raid",
            "when": "Nov 2018",
            "geo_precision": 2,
            "highlighted": True,
        },
    }


def test_a_feature_leaves_out_an_exact_place_and_an_ordinary_event(client, cast, investigation):
    make_event(investigation, location=make_location(investigation, geo_precision=1))
    [feature] = geojson(client, cast["reporter"])["features"]
    assert feature["properties"] == {"kind": "raid", "when": "Nov 2018"}


def test_the_coordinates_are_rounded_to_five_decimals_about_a_metre(client, cast, investigation):
    place = make_location(investigation, latitude=35.4681234567, longitude=43.8420049)
    make_event(investigation, location=place)
    [feature] = geojson(client, cast["reporter"])["features"]
    assert feature["geometry"]["coordinates"] == [43.842, 35.46812]


def test_a_point_weighs_the_same_however_long_its_title(client, cast, investigation):
    """The title waits for the popup: 50,000 events stay a small download."""
    place = make_location(investigation)
    make_event(investigation, location=place, title="Raid", pk=90_001)
    make_event(investigation, location=place, title="Joint night raid " * 11, pk=90_002)
    features = geojson(client, cast["reporter"])["features"]
    short, long = (len(json.dumps(feature, separators=(",", ":"))) for feature in features)
    assert short == long < 180


@pytest.mark.parametrize(
    ("date", "precision", "end_date", "when"),
    [
        (D(2020, 3, 11), "day", None, "11 Mar 2020"),
        (D(2019, 2, 13), "week", None, "week of 11 Feb 2019"),
        (D(2018, 11, 14), "month", None, "Nov 2018"),
        (D(2019, 1, 1), "year", None, "2019"),
        (D(2019, 6, 28), "day", D(2019, 7, 2), "28 Jun 2019 – 2 Jul 2019"),
        (D(2019, 6, 1), "month", D(2019, 8, 1), "Jun 2019 – Aug 2019"),
    ],
)
def test_each_feature_is_dated_only_as_precisely_as_the_event_is_known(
    client, cast, investigation, date, precision, end_date, when
):
    event = make_event(investigation, date=date, date_precision=precision, end_date=end_date)
    [feature] = geojson(client, cast["reporter"])["features"]
    assert feature["properties"]["when"] == when == event.when


def test_the_features_say_nothing_of_titles_sources_or_interviews(client, cast, investigation):
    source = make_source(investigation, cast["reporter"], real_name="Ahmad Secretname")
    event = make_event(investigation, title="Raid recalled by one source")
    make_interview(investigation, cast["reporter"], sources=[source], events=[event])
    client.force_login(cast["reporter"])
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert [feature["id"] for feature in json.loads(text)["features"]] == [event.pk]
    for secret in ("Ahmad Secretname", source.codename, "Raid recalled", "Place "):
        assert secret not in text


def test_events_without_a_place_are_counted_but_not_drawn(client, cast, investigation):
    make_event(investigation, title="Somewhere", location=None)
    placed = make_event(investigation, title="Placed")
    collection = geojson(client, cast["reporter"])
    assert [feature["id"] for feature in collection["features"]] == [placed.pk]
    assert collection["unplaced"] == 1


def test_an_outsider_sees_none_of_our_events_and_we_none_of_theirs(
    client, cast, investigation, other_investigation
):
    make_event(investigation, title="Our raid")
    make_event(other_investigation, title="Their smuggling run")
    assert titles(client, cast["outsider"]) == {"Their smuggling run"}
    assert titles(client, cast["reporter"]) == {"Our raid"}


def test_asking_for_another_investigation_by_id_or_slug_returns_nothing(
    client, cast, investigation, other_investigation
):
    make_event(other_investigation, title="Their smuggling run")
    make_event(investigation, title="Our raid")
    for reference in (str(other_investigation.pk), other_investigation.slug):
        assert titles(client, cast["reporter"], {"investigation": reference}) == set()
    assert titles(client, cast["reporter"], {"investigation": investigation.slug}) == {"Our raid"}


def test_a_staff_member_of_no_investigation_sees_no_events(client, cast, investigation):
    make_event(investigation, title="Our raid")
    assert titles(client, make_user("newcomer")) == set()
    assert titles(client, cast["reporter"]) == {"Our raid"}


def test_the_investigation_filter_takes_an_id_or_a_slug(client, investigation):
    convoys = make_investigation(title="Convoys", slug="convoys")
    reporter = make_member(investigation, Role.REPORTER)
    Membership.objects.create(investigation=convoys, user=reporter, role=Role.REPORTER)
    make_event(investigation, title="Kirkuk raid")
    make_event(convoys, title="Convoy stopped")
    assert titles(client, reporter) == {"Kirkuk raid", "Convoy stopped"}
    assert titles(client, reporter, {"investigation": "convoys"}) == {"Convoy stopped"}
    assert titles(client, reporter, {"investigation": str(investigation.pk)}) == {"Kirkuk raid"}


def test_the_kind_filter_is_repeatable(client, cast, investigation):
    make_event(investigation, title="Raid", kind=Event.Kind.RAID)
    make_event(investigation, title="Attack", kind=Event.Kind.ATTACK)
    make_event(investigation, title="Bomb", kind=Event.Kind.IED)
    assert titles(client, cast["reporter"], {"kind": "raid"}) == {"Raid"}
    assert titles(client, cast["reporter"], {"kind": ["attack", "ied"]}) == {"Attack", "Bomb"}


def test_the_status_filter(client, cast, investigation):
    make_event(investigation, title="Confirmed raid", status="confirmed")
    make_event(investigation, title="Disputed raid", status="disputed")
    assert titles(client, cast["reporter"], {"status": "disputed"}) == {"Disputed raid"}


def test_the_actor_filter(client, cast, investigation):
    badr = make_actor(investigation, name="Badr Organization")
    isis = make_actor(investigation, name="ISIS")
    make_event(investigation, title="Convoy blocked", actors=[badr])
    make_event(investigation, title="Checkpoint attack", actors=[isis])
    make_event(investigation, title="Clash", actors=[badr, isis])
    assert titles(client, cast["reporter"], {"actor": badr.pk}) == {"Convoy blocked", "Clash"}


def test_an_actor_of_another_investigation_matches_nothing(
    client, cast, investigation, other_investigation
):
    smugglers = make_actor(other_investigation, name="Smugglers")
    make_event(other_investigation, title="Their run", actors=[smugglers])
    assert titles(client, cast["reporter"], {"actor": smugglers.pk}) == set()
    assert titles(client, cast["outsider"], {"actor": smugglers.pk}) == {"Their run"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "2019-03", "to": "2019-03"}, {"Day in March", "Month of March", "Year 2019"}),
        (
            {"from": "2019-03-10", "to": "2019-03-20"},
            {"Day in March", "Month of March", "Year 2019"},
        ),
        ({"from": "2019-03-16"}, {"Month of March", "Year 2019", "Summer raid"}),
        ({"to": "2019-02"}, {"Year 2019"}),
        ({"from": "2019-07", "to": "2019-07"}, {"Year 2019", "Summer raid"}),
        ({"from": "2020-01"}, set()),
    ],
)
def test_the_date_range_keeps_events_that_may_have_happened_in_it(
    client, cast, investigation, params, expected
):
    make_event(investigation, title="Day in March", date=D(2019, 3, 15), date_precision="day")
    make_event(investigation, title="Month of March", date=D(2019, 3, 1), date_precision="month")
    make_event(investigation, title="Year 2019", date=D(2019, 1, 1), date_precision="year")
    make_event(
        investigation,
        title="Summer raid",
        date=D(2019, 6, 28),
        end_date=D(2019, 7, 2),
        date_precision="day",
    )
    assert titles(client, cast["reporter"], params) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "01/02/2019"}, 'from: "01/02/2019" could be 1 Feb or 2 Jan'),
        ({"from": "2019-13"}, 'from: "2019-13" is not a date: there is no month 13'),
        ({"to": "2019-02-30"}, 'to: "2019-02-30" is not a date: Feb 2019 has 28 days'),
        ({"to": "last year"}, 'to: Could not read "last year" as a date'),
        ({"from": "2019-05", "to": "2019-04"}, "from must not be after to"),
        ({"kind": "tank"}, "kind must be one of raid, air_strike"),
        ({"status": "rumour"}, "status must be one of reported, corroborated"),
        ({"actor": "badr"}, "actor must be an actor's id"),
        ({"actor": "0"}, "actor must be an actor's id"),
        ({"actor": "99999999999999999999"}, "actor must be an actor's id"),
        ({"investigation": "../etc"}, "investigation must be an investigation's id or slug"),
    ],
)
def test_a_bad_filter_is_a_400_with_a_message_naming_it(client, cast, params, message):
    client.force_login(cast["reporter"])
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]


def test_a_huge_investigation_number_is_taken_as_a_slug_not_an_error(client, cast, investigation):
    make_event(investigation, title="Our raid")
    assert titles(client, cast["reporter"], {"investigation": "9" * 30}) == set()
    assert titles(client, cast["reporter"]) == {"Our raid"}


def test_the_geojson_is_gzipped_for_browsers_that_accept_it(client, cast, investigation):
    place = make_location(investigation)
    for number in range(5):
        make_event(investigation, title=f"Raid {number}", location=place)
    client.force_login(cast["reporter"])
    plain = client.get(URL)
    packed = client.get(URL, headers={"accept-encoding": "gzip, deflate"})
    assert (plain.status_code, packed.status_code) == (200, 200)
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) < len(plain.content)
    assert json.loads(gzip.decompress(packed.content)) == json.loads(plain.content)


@pytest.mark.parametrize("number_of_events", [10, 200])
def test_the_geojson_takes_the_same_queries_for_ten_events_as_for_two_hundred(
    client, cast, investigation, django_assert_num_queries, number_of_events
):
    badr = make_actor(investigation, name="Badr Organization")
    places = [make_location(investigation) for _ in range(3)]
    for number in range(number_of_events):
        make_event(investigation, actors=[badr], location=places[number % 3], title=f"E{number}")
    client.force_login(cast["reporter"])
    params = {
        "kind": "raid",
        "actor": badr.pk,
        "from": "2018-01",
        "investigation": "raids-in-kirkuk",
    }
    with django_assert_num_queries(QUERIES_PER_REQUEST):
        response = client.get(URL, params)
    assert len(response.json()["features"]) == number_of_events


def test_the_builder_reads_everything_it_needs_in_one_query(
    cast, investigation, django_assert_num_queries
):
    badr = make_actor(investigation, name="Badr Organization")
    for number in range(20):
        make_event(investigation, actors=[badr], title=f"E{number}")
    events = Event.objects.visible_to(cast["reporter"]).filtered(actor=badr.pk, kind=["raid"])
    with django_assert_num_queries(1):
        features = events.points()
    assert len(features) == 20


# The popup's details ------------------------------------------------------------------------


def test_a_popup_gets_the_title_date_kind_place_and_link_of_the_event(client, cast, investigation):
    place = make_location(investigation, name="Village A", geo_precision=2)
    event = make_event(
        investigation,
        title="Joint night raid",
        location=place,
        date=D(2018, 11, 14),
        date_precision="month",
        status="corroborated",
        highlighted=True,
    )
    assert details(client, cast["reporter"], event) == {
        "id": event.pk,
        "title": "Joint night raid",
        "kind": "raid",
        "status": "corroborated",
        "when": "Nov 2018",
        "date_precision": "month",
        "geo_precision": 2,
        "highlighted": True,
        "place": "Village A",
        "url": f"/admin/events/event/{event.pk}/change/",
    }


def test_the_details_of_an_event_say_nothing_of_its_sources_or_interviews(
    client, cast, investigation
):
    source = make_source(investigation, cast["reporter"], real_name="Ahmad Secretname")
    event = make_event(investigation, title="Raid recalled by one source")
    make_interview(
        investigation, cast["reporter"], sources=[source], events=[event], summary="Secret talk"
    )
    client.force_login(cast["reporter"])
    response = client.get(f"/map/events/{event.pk}.json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Raid recalled by one source" in text
    for secret in ("Ahmad Secretname", source.codename, "Secret talk"):
        assert secret not in text


def test_the_details_of_another_investigations_event_are_not_found(
    client, cast, investigation, other_investigation
):
    theirs = make_event(other_investigation, title="Their smuggling run")
    ours = make_event(investigation, title="Our raid")
    details(client, cast["reporter"], theirs, status=404)
    details(client, cast["outsider"], ours, status=404)
    details(client, make_user("newcomer"), ours, status=404)
    assert details(client, cast["outsider"], theirs)["title"] == "Their smuggling run"


def test_anonymous_people_are_sent_to_log_in_for_details(client, investigation):
    event = make_event(investigation)
    response = client.get(f"/map/events/{event.pk}.json")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_the_details_of_an_event_take_one_query_besides_the_session(
    client, cast, investigation, django_assert_num_queries
):
    event = make_event(investigation, actors=[make_actor(investigation)])
    client.force_login(cast["reporter"])
    with django_assert_num_queries(QUERIES_FOR_DETAILS):
        response = client.get(f"/map/events/{event.pk}.json")
    assert response.json()["place"] == event.location.name
