"""Compartments: a member of one investigation sees nothing of another, anywhere in the admin."""

import pytest

from investigation.models import FollowUp, Investigation
from investigation.search import index_rebuild
from sources.models import Source
from tests.factories import (
    make_actor,
    make_event,
    make_follow_up,
    make_interview,
    make_location,
    make_source,
)


@pytest.fixture
def two_desks(cast, investigation, other_investigation):
    """The same kinds of rows in both investigations, with names that say whose they are."""
    rows = {}
    for name, inv, user in [
        ("ours", investigation, cast["reporter"]),
        ("theirs", other_investigation, cast["outsider"]),
    ]:
        location = make_location(inv, name=f"{name}-village")
        actor = make_actor(inv, name=f"{name}-militia")
        event = make_event(inv, title=f"{name}-raid", location=location, actors=[actor])
        source = make_source(inv, user, description=f"{name}-officer")
        interview = make_interview(
            inv, user, sources=[source], events=[event], summary=f"{name}-summary"
        )
        follow_up = make_follow_up(inv, user, title=f"{name}-follow-up", source=source)
        rows[name] = {
            "location": location,
            "actor": actor,
            "event": event,
            "source": source,
            "interview": interview,
            "followup": follow_up,
            "investigation": inv,
        }
    return rows


ADMIN_URLS = {
    "location": "events/location",
    "actor": "events/actor",
    "event": "events/event",
    "source": "sources/source",
    "interview": "sources/interview",
    "followup": "investigation/followup",
    "investigation": "investigation/investigation",
}
MARKERS = {
    "location": "-village",
    "actor": "-militia",
    "event": "-raid",
    "source": "-officer",
    "interview": "-summary",
    "followup": "-follow-up",
}


@pytest.mark.parametrize("model", ["location", "actor", "event", "source", "followup"])
def test_lists_show_only_rows_of_the_users_investigations(client, cast, two_desks, model):
    client.force_login(cast["reporter"])
    response = client.get(f"/admin/{ADMIN_URLS[model]}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"ours{MARKERS[model]}" in page
    assert f"theirs{MARKERS[model]}" not in page


def test_the_investigation_list_shows_only_the_users_investigations(client, cast, two_desks):
    client.force_login(cast["reporter"])
    response = client.get("/admin/investigation/investigation/")
    assert response.status_code == 200
    page = response.content.decode()
    assert two_desks["ours"]["investigation"].title in page
    assert two_desks["theirs"]["investigation"].title not in page


def test_the_interview_list_shows_only_interviews_of_the_users_investigations(
    client, cast, two_desks
):
    client.force_login(cast["reporter"])
    response = client.get("/admin/sources/interview/")
    assert response.status_code == 200
    page = response.content.decode()
    assert two_desks["ours"]["source"].codename in page
    assert two_desks["theirs"]["source"].codename not in page


@pytest.mark.parametrize("model", ["location", "actor", "event", "source", "followup", "interview"])
def test_search_finds_nothing_from_another_investigation(client, cast, two_desks, model):
    index_rebuild()  # list searches read the search index; these rows were made directly
    client.force_login(cast["reporter"])
    term = f"theirs{MARKERS[model]}"
    response = client.get(f"/admin/{ADMIN_URLS[model]}/", {"q": term})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    ours = client.get(f"/admin/{ADMIN_URLS[model]}/", {"q": f"ours{MARKERS[model]}"})
    assert ours.status_code == 200
    assert ours.context["cl"].result_count == 1


@pytest.mark.parametrize("model", list(ADMIN_URLS))
@pytest.mark.parametrize("page", ["change/", "history/", "delete/"])
def test_a_direct_url_to_another_investigations_row_is_a_404(client, cast, two_desks, model, page):
    client.force_login(cast["editor"])
    theirs = two_desks["theirs"][model]
    assert client.get(f"/admin/{ADMIN_URLS[model]}/{theirs.pk}/{page}").status_code == 404
    # The same page of our own row exists (a 403 where an editor may not delete).
    ours = two_desks["ours"][model]
    assert client.get(f"/admin/{ADMIN_URLS[model]}/{ours.pk}/{page}").status_code in (200, 403)


def test_a_direct_url_to_an_old_version_of_another_investigations_row_is_a_404(
    client, cast, two_desks
):
    event = two_desks["theirs"]["event"]
    version = event.history.first()
    client.force_login(cast["editor"])
    response = client.get(f"/admin/events/event/{event.pk}/history/{version.history_id}/")
    assert response.status_code == 404
    ours = two_desks["ours"]["event"]
    version = ours.history.first()
    response = client.get(f"/admin/events/event/{ours.pk}/history/{version.history_id}/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model_name", "app_label", "field_name", "source_model"),
    [
        ("location", "events", "location", "event"),
        ("actor", "events", "actor", "eventactor"),
        ("source", "sources", "source", "interviewsource"),
        ("event", "events", "event", "interviewevent"),
    ],
)
def test_autocomplete_offers_only_rows_of_the_users_investigations(
    client, cast, two_desks, model_name, app_label, field_name, source_model
):
    client.force_login(cast["reporter"])
    source_app = "sources" if source_model.startswith("interview") else "events"
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": source_app, "model_name": source_model, "field_name": field_name},
    )
    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert two_desks["ours"][model_name].pk in ids
    assert two_desks["theirs"][model_name].pk not in ids


def test_filter_choices_name_only_the_users_investigations(client, cast, two_desks, editor):
    # A second investigation of the editor's own makes the investigation filter appear.
    from investigation.models import Membership, Role
    from tests.factories import make_investigation

    second = make_investigation(title="Second desk of ours")
    Membership.objects.create(investigation=second, user=editor, role=Role.EDITOR)
    make_event(second, title="second-raid")
    client.force_login(editor)
    response = client.get("/admin/events/event/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Second desk of ours" in page
    assert two_desks["theirs"]["investigation"].title not in page


def test_the_district_filter_names_only_districts_of_the_users_places(client, cast, two_desks):
    make_location(two_desks["theirs"]["investigation"], admin2="Basra-district")
    make_location(two_desks["ours"]["investigation"], admin2="Dibis-district")
    client.force_login(cast["reporter"])
    response = client.get("/admin/events/event/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dibis-district" in page
    assert "Basra-district" not in page


def test_form_choices_offer_only_rows_and_people_of_the_users_investigations(
    client, cast, two_desks
):
    client.force_login(cast["reporter"])
    response = client.get("/admin/investigation/followup/add/")
    assert response.status_code == 200
    page = response.content.decode()
    assert two_desks["ours"]["investigation"].title in page
    assert two_desks["theirs"]["investigation"].title not in page
    assert f">{cast['reporter2'].username}</option>" in page
    assert cast["outsider"].username not in page


def test_an_event_cannot_be_placed_in_another_investigations_location(client, cast, two_desks):
    client.force_login(cast["reporter"])
    ours = two_desks["ours"]
    response = client.post(
        "/admin/events/event/add/",
        {
            "investigation": ours["investigation"].pk,
            "kind": "raid",
            "title": "Sneaky raid",
            "status": "reported",
            "date": "2019-01-01",
            "date_precision": "month",
            "location": two_desks["theirs"]["location"].pk,
            "event_actors-TOTAL_FORMS": "0",
            "event_actors-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert "Select a valid choice" in response.content.decode()
    assert not ours["investigation"].events.filter(title="Sneaky raid").exists()


def test_a_row_cannot_link_across_investigations_even_outside_the_admin(two_desks):
    from django.core.exceptions import ValidationError

    follow_up = FollowUp(
        investigation=two_desks["ours"]["investigation"],
        assignee=two_desks["ours"]["source"].handler,
        title="Cross link",
        due_at=two_desks["ours"]["followup"].due_at,
        source=two_desks["theirs"]["source"],
    )
    with pytest.raises(ValidationError, match="same investigation"):
        follow_up.full_clean()


def test_visible_to_is_empty_for_an_inactive_member(cast, two_desks):
    reporter = cast["reporter"]
    assert Source.objects.visible_to(reporter).exists()
    assert Investigation.objects.visible_to(reporter).exists()
    reporter.is_active = False
    assert not Source.objects.visible_to(reporter).exists()
    assert not Investigation.objects.visible_to(reporter).exists()


def test_a_superuser_sees_every_investigation_for_setup(django_user_model, two_desks):
    root = django_user_model.objects.create_superuser("root", password="x")
    assert Investigation.objects.visible_to(root).count() == 2


def test_a_reporter_does_not_see_the_identity_of_a_source_they_do_not_handle(
    client, cast, investigation
):
    source = make_source(investigation, cast["reporter"], real_name="Hidden Canary Name")
    client.force_login(cast["reporter2"])
    response = client.get(f"/admin/sources/source/{source.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert source.codename in page
    assert "Hidden Canary Name" not in page
    assert 'name="real_name"' not in page


@pytest.mark.parametrize("role", ["reporter", "editor"])
def test_even_the_handler_and_editors_see_no_identity_without_a_reveal(
    client, cast, investigation, role
):
    source = make_source(investigation, cast["reporter"], real_name="Known Canary Name")
    client.force_login(cast[role])
    response = client.get(f"/admin/sources/source/{source.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert source.codename in page
    assert "Known Canary Name" not in page
    assert "Reveal identity" in page


def test_saving_a_source_as_a_non_handler_keeps_its_identity(client, cast, investigation):
    source = make_source(investigation, cast["reporter"], real_name="Kept Name")
    client.force_login(cast["reporter2"])
    response = client.post(
        f"/admin/sources/source/{source.pk}/change/",
        {
            "investigation": investigation.pk,
            "description": "farmer, Hawija district",
            "category": "civilian",
            "protection_level": "anonymous",
            "handler": cast["reporter"].pk,
            "interviewsource_set-TOTAL_FORMS": "0",
            "interviewsource_set-INITIAL_FORMS": "0",
            "version": source.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    source.refresh_from_db()
    assert source.real_name.reveal() == "Kept Name"
    assert source.description == "farmer, Hawija district"
