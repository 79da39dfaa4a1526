"""/map/events.geojson with a viewport (bbox and zoom): clusters counted by the database far
out, the events themselves close in, only ever the person's own events, in a fixed number of
queries."""

import gzip
import json

import pytest

from events import viewport
from tests.factories import (
    make_event,
    make_interview,
    make_location,
    make_source,
)

URL = "/map/events.geojson"
# Kirkuk province, zoomed out so that a cluster's cell (~0.16 degrees at zoom 9) holds a town.
PROVINCE = {"bbox": "42,34,46,37", "zoom": "9"}
# Around Hawija only, close in.
HAWIJA = {"bbox": "43.7,35.3,43.8,35.36", "zoom": "13"}
TOWNS = {"Hawija": (35.33, 43.76), "Kirkuk": (35.47, 44.39), "Daquq": (35.14, 44.45)}
# The session and the person, memberships, the points that did not fit, the clusters, the
# focus events, those without a place, saving the session (a savepoint, the update, release).
QUERIES_FOR_CLUSTERS = 10


@pytest.fixture(autouse=True)
def few_points(monkeypatch):
    """Clusters from six events in view on: a test then needs a handful of events, not 2,001."""
    monkeypatch.setattr(viewport, "POINTS_MAX", 5)
    monkeypatch.setattr(viewport, "CLOSE_POINTS_MAX", 8)


def make_towns(investigation, counts, **event_fields):
    """counts: {"Hawija": 4, ...} events at each town (the towns of TOWNS, or Basra)."""
    for town, count in counts.items():
        latitude, longitude = TOWNS.get(town, (30.5, 47.8))
        place = make_location(investigation, name=town, latitude=latitude, longitude=longitude)
        for number in range(count):
            make_event(investigation, location=place, title=f"{town} {number}", **event_fields)


def view(client, user, params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def cluster_counts(collection):
    return sorted(f["properties"]["count"] for f in collection["features"] if is_cluster(f))


def is_cluster(feature):
    return feature["properties"].get("cluster", False)


def test_far_out_the_events_come_as_clusters_whose_counts_add_up_to_those_in_view(
    client, cast, investigation
):
    make_towns(investigation, {"Hawija": 4, "Kirkuk": 3, "Daquq": 2, "Basra": 1})
    make_event(investigation, location=None, title="Somewhere")
    collection = view(client, cast["reporter"], PROVINCE)
    assert collection["view"] == "clusters"
    assert cluster_counts(collection) == [2, 3, 4]  # Basra is out of view
    assert collection["count"] == 9
    assert collection["unplaced"] == 1
    assert all(is_cluster(feature) for feature in collection["features"])


def test_close_in_the_events_come_one_by_one(client, cast, investigation):
    make_towns(investigation, {"Hawija": 4, "Kirkuk": 3})
    collection = view(client, cast["reporter"], HAWIJA)
    assert collection["view"] == "points"
    assert collection["count"] == len(collection["features"]) == 4
    assert not any(is_cluster(feature) for feature in collection["features"])
    assert {tuple(f["geometry"]["coordinates"]) for f in collection["features"]} == {(43.76, 35.33)}


def test_few_events_in_view_come_one_by_one_even_far_out(client, cast, investigation):
    make_towns(investigation, {"Hawija": 2, "Kirkuk": 3})
    collection = view(client, cast["reporter"], PROVINCE)
    assert (collection["view"], collection["count"], len(collection["features"])) == (
        "points",
        5,
        5,
    )


def test_close_in_more_events_may_come_one_by_one_before_they_cluster(client, cast, investigation):
    make_towns(investigation, {"Hawija": 7})
    assert view(client, cast["reporter"], {**HAWIJA, "zoom": "14"})["view"] == "points"
    assert view(client, cast["reporter"], {**HAWIJA, "zoom": "13"})["view"] == "clusters"


def test_focus_events_are_drawn_on_top_of_the_clusters(client, cast, investigation):
    make_towns(investigation, {"Hawija": 5, "Kirkuk": 2})
    make_event(
        investigation,
        location=make_location(investigation, latitude=35.33, longitude=43.76),
        title="The raid",
        highlighted=True,
    )
    collection = view(client, cast["reporter"], PROVINCE)
    assert cluster_counts(collection) == [2, 6]
    [focus] = [f for f in collection["features"] if not is_cluster(f)]
    assert focus["properties"]["highlighted"] is True
    [hawija] = [f for f in collection["features"] if f["properties"].get("focus")]
    assert hawija["properties"] == {"cluster": True, "count": 6, "focus": 1}


def test_the_filters_apply_to_the_clusters(client, cast, investigation):
    make_towns(investigation, {"Hawija": 4, "Kirkuk": 3}, kind="raid")
    make_towns(investigation, {"Daquq": 6, "Kirkuk": 2}, kind="attack", date="2020-05-01")
    collection = view(client, cast["reporter"], {**PROVINCE, "kind": "attack"})
    assert (collection["view"], cluster_counts(collection)) == ("clusters", [2, 6])
    dated = view(client, cast["reporter"], {**PROVINCE, "from": "2020-01", "to": "2020-12"})
    assert dated["count"] == 8
    raids = view(client, cast["reporter"], {**PROVINCE, "kind": "raid"})
    assert cluster_counts(raids) == [3, 4]


def test_an_outsider_gets_none_of_our_clusters(client, cast, investigation):
    make_towns(investigation, {"Hawija": 4, "Kirkuk": 3})
    ours = view(client, cast["reporter"], PROVINCE)
    assert ours["count"] == 7  # the positive control
    theirs = view(client, cast["outsider"], PROVINCE)
    assert (theirs["count"], theirs["features"], theirs["bounds"]) == (0, [], None)


def test_a_reporter_of_one_investigation_sees_nothing_of_another(
    client, cast, investigation, other_investigation
):
    make_towns(investigation, {"Hawija": 4})
    make_towns(other_investigation, {"Kirkuk": 6, "Daquq": 3})
    ours = view(client, cast["reporter"], PROVINCE)
    assert (ours["view"], ours["count"]) == ("points", 4)
    theirs = view(client, cast["outsider"], PROVINCE)
    assert (theirs["view"], cluster_counts(theirs)) == ("clusters", [3, 6])
    by_slug = view(client, cast["reporter"], {**PROVINCE, "investigation": "port-smuggling"})
    assert by_slug["count"] == 0


def test_sources_and_interviews_never_appear_on_the_map(client, cast, investigation):
    make_towns(investigation, {"Hawija": 4, "Kirkuk": 3})
    met_at = make_location(investigation, name="Safe house", latitude=35.4, longitude=44.0)
    source = make_source(investigation, cast["reporter"])
    make_interview(investigation, cast["reporter"], sources=[source], location=met_at)
    client.force_login(cast["reporter"])
    for params in (PROVINCE, HAWIJA, {"bbox": "43.9,35.3,44.1,35.5", "zoom": "12"}):
        response = client.get(URL, params)
        assert response.status_code == 200
        collection = json.loads(response.content)
        body = response.content.decode()
        assert "Safe house" not in body and source.codename not in body
        assert 44.0 not in [f["geometry"]["coordinates"][0] for f in collection["features"]]
    assert view(client, cast["reporter"], PROVINCE)["count"] == 7  # the events are there


@pytest.mark.parametrize("per_town", [3, 30])
def test_clusters_take_the_same_queries_however_many_events(
    client, cast, investigation, django_assert_num_queries, per_town
):
    make_towns(investigation, {"Hawija": per_town, "Kirkuk": per_town, "Daquq": per_town})
    client.force_login(cast["reporter"])
    with django_assert_num_queries(QUERIES_FOR_CLUSTERS):
        response = client.get(URL, {**PROVINCE, "kind": "raid", "investigation": "raids-in-kirkuk"})
    collection = response.json()
    assert (collection["view"], collection["count"]) == ("clusters", 3 * per_town)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bbox": "43,35,44"}, "bbox must be four numbers: west,south,east,north"),
        ({"bbox": "a,b,c,d"}, "bbox must be four numbers"),
        ({"bbox": "43,35,44,nan"}, "bbox must be four numbers"),
        ({"bbox": "44,35,43,36"}, "bbox must have west < east"),
        ({"bbox": "43,36,44,35"}, "south < north"),
        ({"bbox": "43,35,200,36"}, "within -180 to 180"),
        ({"zoom": "-1"}, "zoom must be a whole number from 0 to 20"),
        ({"zoom": "21"}, "zoom must be a whole number from 0 to 20"),
        ({"zoom": "eight"}, "zoom must be a whole number from 0 to 20"),
    ],
)
def test_a_bad_viewport_is_a_400_with_a_message_naming_it(client, cast, params, message):
    client.force_login(cast["reporter"])
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["error"]


def test_the_clusters_are_gzipped_for_browsers_that_accept_it(client, cast, investigation):
    make_towns(investigation, {"Hawija": 4, "Kirkuk": 3})
    client.force_login(cast["reporter"])
    plain = client.get(URL, PROVINCE)
    packed = client.get(URL, PROVINCE, headers={"accept-encoding": "gzip"})
    assert (plain.status_code, packed.status_code) == (200, 200)
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert json.loads(gzip.decompress(packed.content)) == json.loads(plain.content)
    assert json.loads(plain.content)["view"] == "clusters"


def test_the_bounds_of_the_whole_world_place_the_map_on_the_events(client, cast, investigation):
    make_towns(investigation, {"Hawija": 4, "Kirkuk": 3})
    collection = view(client, cast["reporter"], {})
    assert collection["view"] == "clusters"
    assert collection["bounds"] == [[35.33, 43.76], [35.47, 44.39]]
