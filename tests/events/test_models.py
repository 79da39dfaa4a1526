import datetime

import pytest
from django.db import IntegrityError, transaction

from events.models import DatePrecision, Location, format_precise_date
from investigation.models import Membership, Role
from tests.factories import make_event, make_location, make_source

D = datetime.date


@pytest.mark.parametrize(
    ("date", "precision", "shown"),
    [
        (D(2020, 3, 11), DatePrecision.DAY, "11 Mar 2020"),
        (D(2020, 3, 11), DatePrecision.WEEK, "week of 9 Mar 2020"),
        (D(2018, 11, 1), DatePrecision.MONTH, "Nov 2018"),
        (D(2018, 11, 17), DatePrecision.MONTH, "Nov 2018"),
        (D(2019, 7, 1), DatePrecision.YEAR, "2019"),
        (None, DatePrecision.DAY, "date unknown"),
    ],
)
def test_a_date_is_written_only_as_precisely_as_it_is_known(date, precision, shown):
    assert format_precise_date(date, precision) == shown


def test_an_event_with_an_end_date_shows_a_range_in_its_precision(investigation):
    event = make_event(investigation, date=D(2019, 6, 1), end_date=D(2019, 8, 1))
    assert event.when == "Jun 2019 – Aug 2019"
    assert str(event).endswith("(Jun 2019 – Aug 2019)")


def test_the_event_list_shows_dates_with_their_precision(client, cast, investigation):
    make_event(investigation, title="Month raid", date=D(2018, 11, 14), date_precision="month")
    make_event(investigation, title="Year raid", date=D(2019, 5, 5), date_precision="year")
    client.force_login(cast["reporter"])
    response = client.get("/admin/events/event/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nov 2018" in page
    assert ">2019<" in page
    assert "14 Nov 2018" not in page and "Nov. 14, 2018" not in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", 90.5), ("latitude", -91), ("longitude", 180.1), ("longitude", -200)],
)
def test_the_database_refuses_coordinates_out_of_range(investigation, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_location(investigation, **{field: value})


def test_the_database_refuses_an_unknown_geo_precision(investigation):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_location(investigation, geo_precision=4)


def test_the_database_refuses_an_event_that_ends_before_it_starts(investigation):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_event(investigation, date=D(2019, 5, 1), end_date=D(2019, 4, 30))


def test_the_database_refuses_a_second_membership_of_the_same_person(cast, investigation):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            investigation=investigation, user=cast["reporter"], role=Role.EDITOR
        )


def test_the_database_refuses_a_duplicate_codename(cast, investigation):
    first = make_source(investigation, cast["reporter"])
    with pytest.raises(IntegrityError), transaction.atomic():
        make_source(investigation, cast["reporter"], codename=first.codename)


def test_the_database_refuses_a_duplicate_external_id_within_an_investigation(investigation):
    make_event(investigation, external_id="IRQ12345")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_event(investigation, external_id="IRQ12345")


def test_events_without_external_id_do_not_collide(investigation):
    make_event(investigation, external_id="")
    make_event(investigation, external_id="")
    assert investigation.events.count() == 2


def test_region_names_lists_each_district_of_the_users_places_once_in_order(
    cast, investigation, other_investigation
):
    # Place names sorting before and after the districts: the lookup must compare districts.
    for name, district in [("Zab", "Hawija"), ("Abbasi", "Kirkuk"), ("Yarimja", "Hawija")]:
        make_location(investigation, name=name, admin2=district, admin1="Kirkuk")
    make_location(investigation, name="Unplaced", admin2="")
    make_location(other_investigation, name="Port", admin2="Basra", admin1="Basra")

    districts = Location.objects.region_names("admin2", user=cast["reporter"])
    provinces = Location.objects.region_names("admin1", user=cast["reporter"])

    assert (districts, provinces) == (["Hawija", "Kirkuk"], ["Kirkuk"])
    assert Location.objects.region_names("admin2", user=cast["outsider"]) == ["Basra"]
