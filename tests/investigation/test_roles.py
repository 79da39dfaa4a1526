"""The permission matrix: each role x each model x view/add/change/delete."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import make_event, make_member, make_source

V, VA, VAC, ALL = "v", "va", "vac", "vacd"
ACTIONS = {"v": "view", "a": "add", "c": "change", "d": "delete"}

# The product's rules (docs/product.md), written out: what each role may do to each model.
MATRIX = {
    "reporter": {
        "investigation.investigation": V,
        "investigation.membership": V,
        "investigation.followup": ALL,
        "events.location": VAC,
        "events.actor": VAC,
        "events.event": VAC,
        "sources.source": VAC,
        "sources.interview": VAC,
        "auth.user": "",
    },
    "editor": {
        "investigation.investigation": V,
        "investigation.membership": V,
        "investigation.followup": ALL,
        "events.location": ALL,
        "events.actor": ALL,
        "events.event": ALL,
        "sources.source": VAC,
        "sources.interview": ALL,
        "auth.user": "",
    },
    "admin": {
        "investigation.investigation": "vc",
        "investigation.membership": ALL,
        "investigation.followup": ALL,
        "events.location": ALL,
        "events.actor": ALL,
        "events.event": ALL,
        "sources.source": ALL,
        "sources.interview": ALL,
        "auth.user": VAC,
    },
}
CASES = [
    (role, model, letter)
    for role, models in MATRIX.items()
    for model in models
    for letter in ACTIONS
]


@pytest.mark.parametrize(("role", "model", "letter"), CASES)
def test_each_role_has_exactly_the_model_permissions_of_the_matrix(db, cast, role, model, letter):
    user = cast[role]
    app_label, model_name = model.split(".")
    permission = f"{app_label}.{ACTIONS[letter]}_{model_name}"
    assert user.has_perm(permission) is (letter in MATRIX[role][model])


def test_roles_exist_as_groups_created_by_the_data_migration(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"Reporter", "Editor", "Admin"}


def test_a_staff_account_without_membership_has_no_permissions(db):
    from investigation.models import Role
    from tests.factories import make_investigation, make_user

    nobody = make_user("nobody")
    member = make_member(make_investigation(), Role.REPORTER, "somebody")
    assert member.has_perm("events.view_event")  # positive control: a membership gives it
    assert not nobody.has_perm("events.view_event")
    assert not nobody.get_all_permissions()


def test_the_highest_role_a_person_holds_gives_the_model_permissions(db, investigation):
    from investigation.models import Membership, Role
    from tests.factories import make_investigation

    person = make_member(investigation, Role.REPORTER, "two_hats")
    Membership.objects.create(investigation=make_investigation(), user=person, role=Role.EDITOR)
    assert person.has_perm("events.delete_event")


@pytest.mark.parametrize(("role", "status"), [("reporter", 403), ("editor", 200), ("admin", 200)])
def test_only_editors_and_admins_reach_the_delete_page_of_an_event(
    client, cast, investigation, role, status
):
    event = make_event(investigation)
    client.force_login(cast[role])
    assert client.get(f"/admin/events/event/{event.pk}/delete/").status_code == status


@pytest.mark.parametrize(("role", "status"), [("reporter", 403), ("editor", 403), ("admin", 200)])
def test_only_admins_reach_the_delete_page_of_a_source(client, cast, investigation, role, status):
    source = make_source(investigation, cast["reporter"])
    client.force_login(cast[role])
    assert client.get(f"/admin/sources/source/{source.pk}/delete/").status_code == status


def test_a_reporter_cannot_mark_an_event_publishable(client, cast, investigation):
    event = make_event(investigation, title="Night raid")
    client.force_login(cast["reporter"])
    response = client.get(f"/admin/events/event/{event.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="title"' in page
    assert 'name="publishable"' not in page


def test_an_editor_can_mark_an_event_publishable(client, cast, investigation):
    event = make_event(investigation, title="Night raid")
    client.force_login(cast["editor"])
    page = client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert 'name="publishable"' in page


def test_only_an_investigations_admin_can_change_its_memberships(client, cast, investigation):
    membership = cast["reporter"].memberships.get()
    client.force_login(cast["editor"])
    url = f"/admin/investigation/membership/{membership.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<div class="readonly">Reporter</div>' in page
    assert 'name="role"' not in page  # view only
    client.force_login(cast["admin"])
    assert 'name="role"' in client.get(url).content.decode()
