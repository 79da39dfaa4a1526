"""The events list and form for daily work: editors' bulk decisions (publishable, highlighted)
within the investigations they edit, a follow-up started from an event, the ACLED import's
only investigation chosen already, and titles in any script."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from events.models import Event
from investigation.models import Membership, Role
from tests.factories import make_event, make_location

EVENTS = "/admin/events/event/"


def bulk(client, action, *events):
    return client.post(
        EVENTS,
        {"action": action, ACTION_CHECKBOX_NAME: [e.pk for e in events], "index": 0},
        follow=True,
    )


def actions_offered(client):
    response = client.get(EVENTS)
    assert response.status_code == 200
    form = response.context["action_form"]  # None: no action at all
    return {name for name, _ in form.fields["action"].choices} if form else set()


EDITORIAL = {"mark_publishable", "mark_not_publishable", "mark_highlighted", "mark_not_highlighted"}


def test_an_editor_marks_events_publishable_and_highlighted_in_bulk(client, cast, investigation):
    raids = [make_event(investigation, title=f"Raid {n}") for n in range(3)]
    client.force_login(cast["editor"])
    assert actions_offered(client) >= EDITORIAL

    response = bulk(client, "mark_publishable", *raids[:2])

    assert "2 event(s) marked publishable." in response.content.decode()
    assert [e.publishable for e in Event.objects.order_by("title")] == [True, True, False]
    bulk(client, "mark_highlighted", raids[2])
    assert Event.objects.get(title="Raid 2").highlighted
    bulk(client, "mark_not_publishable", *raids)
    assert not Event.objects.filter(publishable=True).exists()


def test_a_bulk_decision_is_in_the_events_history_and_outdates_open_forms(
    client, cast, investigation
):
    raid = make_event(investigation, title="Raid")
    version = raid.version
    client.force_login(cast["editor"])
    bulk(client, "mark_publishable", raid)
    raid.refresh_from_db()
    assert raid.publishable and raid.version == version + 1
    latest = raid.history.first()
    assert (latest.history_user, latest.publishable) == (cast["editor"], True)


def test_a_reporter_is_not_offered_the_editors_bulk_actions_nor_can_post_them(
    client, cast, investigation
):
    raid = make_event(investigation, title="Raid")
    client.force_login(cast["reporter"])
    assert not EDITORIAL & actions_offered(client)

    response = bulk(client, "mark_publishable", raid)

    assert response.status_code == 200
    raid.refresh_from_db()
    assert not raid.publishable
    # Positive control: an editor's same request marks it.
    client.force_login(cast["editor"])
    bulk(client, "mark_publishable", raid)
    raid.refresh_from_db()
    assert raid.publishable


def test_a_bulk_decision_reaches_only_the_investigations_one_edits(
    client, cast, investigation, other_investigation
):
    """An editor of one investigation who reports in another decides only in the first."""
    Membership.objects.create(
        investigation=other_investigation, user=cast["editor"], role=Role.REPORTER
    )
    ours = make_event(investigation, title="Our raid")
    theirs = make_event(other_investigation, title="Their raid")
    client.force_login(cast["editor"])

    response = bulk(client, "mark_publishable", ours, theirs)

    assert "Some selected rows were left alone" in response.content.decode()
    assert Event.objects.get(title="Our raid").publishable
    assert not Event.objects.get(title="Their raid").publishable


def test_an_events_page_starts_a_follow_up_about_it(client, cast, investigation):
    raid = make_event(investigation, title="Raid on the farm sheds")
    client.force_login(cast["reporter"])
    page = client.get(f"/admin/events/event/{raid.pk}/change/").content.decode()
    url = f"/admin/investigation/followup/add/?investigation={investigation.pk}&amp;event={raid.pk}"
    assert f'href="{url}"' in page

    form = client.get(url.replace("&amp;", "&"))

    assert form.status_code == 200
    initial = form.context["adminform"].form.initial
    assert (str(initial["investigation"]), str(initial["event"])) == (
        str(investigation.pk),
        str(raid.pk),
    )
    assert "Raid on the farm sheds" in form.content.decode()  # the autocomplete shows it


def test_the_list_shows_the_place_by_name_and_titles_in_any_script(client, cast, investigation):
    place = make_location(investigation, name="الحويجة", admin2="Hawija", admin1="Kirkuk")
    make_event(investigation, title="مداهمة ليلية", location=place)
    client.force_login(cast["reporter"])
    response = client.get(EVENTS)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<td dir="auto" class="field-place">الحويجة</td>' in page
    assert 'dir="auto"' in page and "مداهمة ليلية" in page
    assert "الحويجة, Hawija, Kirkuk" not in page  # the district and province are filters


@pytest.mark.parametrize(("extra", "chosen"), [(False, True), (True, False)])
def test_the_acled_import_form_chooses_the_only_investigation_one_imports_into(
    client, cast, investigation, other_investigation, extra, chosen
):
    if extra:
        Membership.objects.create(
            investigation=other_investigation, user=cast["admin"], role=Role.ADMIN
        )
    client.force_login(cast["admin"])
    response = client.get("/admin/events/event/import-acled/")
    assert response.status_code == 200
    selected = f'<option value="{investigation.pk}" selected>'
    assert (selected in response.content.decode()) is chosen


def test_a_title_typed_as_markup_stays_text_in_its_right_to_left_aware_cell(
    client, cast, investigation
):
    # dir_auto marks the cell safe after adding its attribute: what was typed must reach it
    # escaped, as Django's list wrote it.
    place = make_location(investigation, name="<b>Hawija</b>")
    make_event(investigation, title="<script>alert(1)</script>", location=place)
    client.force_login(cast["reporter"])
    response = client.get(EVENTS)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<td dir="auto" class="field-place">&lt;b&gt;Hawija&lt;/b&gt;</td>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
