"""No silent lost update: two people open the same change form and both save. The second save,
from a form opened before the first landed, is refused with what changed (HTTP 409), and a
form to apply it again over the record as it is now; nothing is overwritten unseen."""

import datetime
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from events.models import Actor, Event, EventActor, Location
from investigation.models import FollowUp
from sources.models import Interview, Source
from stories.models import Claim, Document
from tests.admin_forms import FormFields, form_fields
from tests.factories import (
    make_actor,
    make_event,
    make_follow_up,
    make_interview,
    make_location,
    make_source,
)

# As people type it: to the minute (the form's time field keeps no seconds).
AT = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(days=3)


def change_url(row):
    return f"/admin/{row._meta.app_label}/{row._meta.model_name}/{row.pk}/change/"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def fields_of(response):
    """The change form's fields on a page of any status (tests.admin_forms.form_fields wants
    200; the conflict page is a 409)."""
    parser = FormFields()
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


class ConflictTable(HTMLParser):
    """The rows of the conflict page's table: {field name: [then, now, typed, by]}."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.cells, self.name = {}, None, None

    def handle_starttag(self, tag, attrs):
        css = dict(attrs).get("class") or ""
        if tag == "tr" and css.startswith("conflict-"):
            self.name, self.cells = css.removeprefix("conflict-"), []
        elif tag in ("th", "td") and self.cells is not None:
            self.cells.append("")

    def handle_data(self, data):
        if self.cells:
            self.cells[-1] += data

    def handle_endtag(self, tag):
        if tag == "tr" and self.cells is not None:
            _label, *values = (cell.strip() for cell in self.cells)
            self.rows[self.name] = values
            self.cells = None


def conflict_table(response):
    table = ConflictTable()
    table.feed(response.content.decode())
    return table.rows


def with_inline_row(form, word, **values):
    """`form` with one more row in the inline formset whose prefix names `word`."""
    prefix = next(
        key.removesuffix("-TOTAL_FORMS")
        for key in form
        if key.endswith("-TOTAL_FORMS") and word in key
    )
    number = int(form[f"{prefix}-TOTAL_FORMS"])
    row = {f"{prefix}-{number}-{name}": value for name, value in values.items()}
    return {**form, f"{prefix}-TOTAL_FORMS": str(number + 1), **row}


@pytest.fixture
def clients(cast):
    return {name: client_for(user) for name, user in cast.items()}


def make_row(kind, investigation, cast):
    reporter = cast["reporter"]
    if kind == "event":
        return make_event(investigation, title="Night raid", description="Farm sheds.")
    if kind == "location":
        return make_location(investigation, name="Hawija", admin3="")
    if kind == "actor":
        return make_actor(investigation, name="Badr", description="")
    if kind == "source":
        return make_source(investigation, reporter, description="farmer, Hawija")
    if kind == "interview":
        source = make_source(investigation, reporter)
        return make_interview(
            investigation, reporter, sources=[source], summary="Talked.", conducted_at=AT
        )
    if kind == "claim":
        return Claim.objects.create(investigation=investigation, text="Farms were burnt.")
    if kind == "document":
        return Document.objects.create(investigation=investigation, title="Press release")
    return make_follow_up(investigation, reporter, title="Call back Amber Heron 47")


# (model, the first person's change, the second person's change)
CASES = {
    "event": (Event, {"title": "Night raid near Hawija"}, {"description": "Typo fixed."}),
    "location": (Location, {"name": "Hawija town"}, {"admin3": "Hawija centre"}),
    "actor": (Actor, {"name": "Badr Organization"}, {"description": "A PMF group."}),
    "source": (
        Source,
        {"description": "farmer, Hawija district"},
        {"attribution_terms": "a farmer"},
    ),
    "interview": (Interview, {"summary": "Talked about the raid."}, {"field_notes": "Tea first."}),
    "follow-up": (FollowUp, {"title": "Call back Amber Heron 47 today"}, {"notes": "Ask twice."}),
    "claim": (Claim, {"text": "Farms near Hawija were burnt."}, {"note": "Ask the farmers."}),
    "document": (Document, {"title": "Coalition press release"}, {"excerpt": "Page 2."}),
}


@pytest.mark.parametrize("kind", CASES)
def test_a_save_from_a_form_opened_before_another_save_is_refused_and_shows_what_changed(
    kind, clients, cast, investigation
):
    model, first_change, second_change = CASES[kind]
    row = make_row(kind, investigation, cast)
    url = change_url(row)
    editor_form = form_fields(clients["editor"].get(url))
    admin_form = form_fields(clients["admin"].get(url))

    first = clients["editor"].post(url, {**editor_form, **first_change})
    assert first.status_code == 302, first.content.decode()[:3000]
    second = clients["admin"].post(url, {**admin_form, **second_change})

    assert second.status_code == 409
    stored = model.objects.get(pk=row.pk)
    [(name, value)] = first_change.items()
    assert getattr(stored, name) == value  # the first edit is kept
    [(their_name, their_value)] = second_change.items()
    assert getattr(stored, their_name) != their_value  # the second was not saved
    rows = conflict_table(second)
    then, now, typed, by = rows[name]
    assert (then, now, by) == (editor_form[name].strip(), value, "someone else")
    assert typed == then  # the second person left it as they saw it
    assert rows[their_name][2:] == [their_value, "you"]
    assert "Not saved" in second.content.decode()


@pytest.mark.parametrize("kind", CASES)
def test_the_conflict_page_holds_the_record_now_with_the_second_change_and_saving_it_applies_both(
    kind, clients, cast, investigation
):
    model, first_change, second_change = CASES[kind]
    row = make_row(kind, investigation, cast)
    url = change_url(row)
    editor_form = form_fields(clients["editor"].get(url))
    admin_form = form_fields(clients["admin"].get(url))
    assert clients["editor"].post(url, {**editor_form, **first_change}).status_code == 302
    conflict = clients["admin"].post(url, {**admin_form, **second_change})
    assert conflict.status_code == 409

    again = fields_of(conflict)
    for name, value in {**first_change, **second_change}.items():
        assert again[name].strip() == value  # the record now, with the second change on it
    assert int(again["version"]) == model.objects.get(pk=row.pk).version
    response = clients["admin"].post(url, again)

    assert response.status_code == 302, response.content.decode()[:3000]
    stored = model.objects.get(pk=row.pk)
    for name, value in {**first_change, **second_change}.items():
        assert getattr(stored, name) == value


def test_the_protection_level_a_handler_raised_is_not_undone_by_an_editor_clearing_an_old_form(
    clients, cast, investigation
):
    """The issue's case: the handler raises the level (back to review); the editor clears the
    review from a form opened before. The source must not end "background" and "cleared"."""
    source = make_source(investigation, cast["reporter"], protection_level="background")
    url = change_url(source)
    editor_form = form_fields(clients["editor"].get(url))
    handler_form = form_fields(clients["reporter"].get(url))

    raised = clients["reporter"].post(url, {**handler_form, "protection_level": "confidential"})
    assert raised.status_code == 302
    cleared = clients["editor"].post(
        url, {**editor_form, "review_status": "cleared", "review_note": "Checked."}
    )

    assert cleared.status_code == 409
    source.refresh_from_db()
    assert (source.protection_level, source.review_status) == ("confidential", "pending")
    then, now, typed, by = conflict_table(cleared)["protection_level"]
    assert (then, now, typed, by) == ("Background", "Confidential", "Background", "someone else")
    assert conflict_table(cleared)["review_status"][2:] == ["Cleared", "you"]
    assert fields_of(cleared)["protection_level"] == "confidential"  # not put back by the retry


def test_the_conflict_page_names_who_saved_in_between(clients, cast, investigation):
    event = make_event(investigation, title="Night raid")
    url = change_url(event)
    stale = form_fields(clients["admin"].get(url))
    assert clients["editor"].post(url, {**form_fields(clients["editor"].get(url)), "title": "A"})
    response = clients["admin"].post(url, {**stale, "title": "B"})
    assert response.status_code == 409
    assert "by editor at" in response.content.decode()
    then, now, typed, by = conflict_table(response)["title"]
    assert (then, now, typed, by) == ("Night raid", "A", "B", "someone else and you")


def test_a_fresh_form_saves_as_before(clients, cast, investigation):
    event = make_event(investigation, title="Night raid")
    url = change_url(event)
    response = clients["editor"].post(
        url, {**form_fields(clients["editor"].get(url)), "title": "A"}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.version) == ("A", 2)


def test_a_form_without_a_version_is_refused_with_a_message(clients, cast, investigation):
    event = make_event(investigation, title="Night raid")
    url = change_url(event)
    form = form_fields(clients["editor"].get(url))
    del form["version"]
    response = clients["editor"].post(url, {**form, "title": "A"})
    assert response.status_code == 200
    assert "does not say which version" in response.content.decode()
    event.refresh_from_db()
    assert event.title == "Night raid"


def test_the_history_keeps_the_version_a_reapplied_change_replaced(clients, cast, investigation):
    event = make_event(investigation, title="Night raid")
    url = change_url(event)
    stale = form_fields(clients["admin"].get(url))
    clients["editor"].post(url, {**form_fields(clients["editor"].get(url)), "title": "First"})
    conflict = clients["admin"].post(url, {**stale, "title": "Second"})
    assert clients["admin"].post(url, fields_of(conflict)).status_code == 302
    titles = list(event.history.order_by("history_id").values_list("title", flat=True))
    assert titles == ["Night raid", "First", "Second"]


def test_a_revert_from_a_history_page_opened_before_another_save_is_refused(
    clients, cast, investigation
):
    event = make_event(investigation, title="Night raid")
    url = change_url(event)
    clients["editor"].post(url, {**form_fields(clients["editor"].get(url)), "title": "First"})
    original = event.history.order_by("history_id").first()
    revert_url = f"/admin/events/event/{event.pk}/history/{original.history_id}/"
    revert = form_fields(clients["admin"].get(revert_url))
    clients["editor"].post(url, {**form_fields(clients["editor"].get(url)), "title": "Second"})

    response = clients["admin"].post(revert_url, revert)

    assert response.status_code == 409
    event.refresh_from_db()
    assert event.title == "Second"
    fresh = form_fields(clients["admin"].get(revert_url))  # a revert opened now goes through
    assert clients["admin"].post(revert_url, fresh).status_code == 302
    event.refresh_from_db()
    assert event.title == "Night raid"


# Inline rows (an event's actors, an interview's sources) -----------------------------------


def test_adding_an_actor_alone_does_not_make_other_open_forms_stale(clients, cast, investigation):
    actor = make_actor(investigation, name="Badr")
    event = make_event(investigation, title="Night raid")
    url = change_url(event)
    editor_form = form_fields(clients["editor"].get(url))
    admin_form = form_fields(clients["admin"].get(url))

    with_actor = with_inline_row(editor_form, "actor", actor=actor.pk, role="primary")
    assert clients["editor"].post(url, with_actor).status_code == 302
    assert EventActor.objects.filter(event=event, actor=actor).exists()
    event.refresh_from_db()
    assert event.version == 1  # nothing of the event itself changed

    response = clients["admin"].post(url, {**admin_form, "title": "Night raid near Hawija"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Night raid near Hawija"
    assert EventActor.objects.filter(event=event, actor=actor).exists()  # still there


def test_a_change_and_an_actor_in_one_save_make_no_false_conflict(clients, cast, investigation):
    actor = make_actor(investigation, name="Badr")
    event = make_event(investigation, title="Night raid")
    url = change_url(event)
    form = form_fields(clients["editor"].get(url))
    changed = with_inline_row(form, "actor", actor=actor.pk, role="primary")
    response = clients["editor"].post(url, {**changed, "title": "Night raid near Hawija"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.version) == ("Night raid near Hawija", 2)
    assert list(event.actors.all()) == [actor]


def test_an_interviews_sources_changed_alone_make_no_false_conflict(clients, cast, investigation):
    first = make_source(investigation, cast["reporter"])
    second = make_source(investigation, cast["reporter"])
    interview = make_interview(investigation, cast["reporter"], sources=[first], conducted_at=AT)
    url = change_url(interview)
    editor_form = form_fields(clients["editor"].get(url))
    admin_form = form_fields(clients["admin"].get(url))

    added = with_inline_row(editor_form, "source", source=second.pk, interview=interview.pk)
    assert clients["editor"].post(url, added).status_code == 302
    response = clients["admin"].post(url, {**admin_form, "summary": "Talked about the raid."})

    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.summary == "Talked about the raid."
    assert set(interview.sources.all()) == {first, second}


def test_rows_changed_in_a_refused_save_are_named_as_not_saved(clients, cast, investigation):
    actor = make_actor(investigation, name="Badr")
    event = make_event(investigation, title="Night raid")
    url = change_url(event)
    stale = form_fields(clients["admin"].get(url))
    clients["editor"].post(url, {**form_fields(clients["editor"].get(url)), "title": "First"})
    changed = with_inline_row(stale, "actor", actor=actor.pk, role="primary")
    response = clients["admin"].post(url, {**changed, "title": "Second"})
    assert response.status_code == 409
    assert "Your changes to actors were not saved either" in response.content.decode()
    assert not EventActor.objects.exists()


# Writes that bypass save() ---------------------------------------------------------------------


def test_bulk_writes_leave_the_version_alone_and_open_forms_save(clients, cast, investigation):
    """QuerySet.update (reminders, welfare checks, mark done) is not an edit of the form's
    fields: it neither fails nor makes an open form stale."""
    follow_up = make_follow_up(investigation, cast["reporter"], title="Call back")
    url = change_url(follow_up)
    form = form_fields(clients["editor"].get(url))
    FollowUp.objects.filter(pk=follow_up.pk).update(
        armed_due_at=timezone.now() + datetime.timedelta(days=1)
    )
    response = clients["editor"].post(url, {**form, "title": "Call back today"})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.title == "Call back today"


def test_every_admin_of_a_versioned_model_renders_the_version_in_its_change_form(
    clients, cast, investigation
):
    from django.contrib import admin

    from investigation.admin import ScopedAdmin
    from investigation.conflicts import versioned

    rows = {model: make_row(kind, investigation, cast) for kind, (model, *_) in CASES.items()}
    admins = {model: each for model, each in admin.site._registry.items() if versioned(model)}
    assert set(rows) <= set(admins)
    # Every other versioned model (claims, documents ...) gets the same forms through it.
    assert all(isinstance(each, ScopedAdmin) for each in admins.values())
    for row in rows.values():
        page = clients["admin"].get(change_url(row))
        assert page.status_code == 200
        assert f'value="{row.version}"' in page.content.decode()
        assert form_fields(page)["version"] == str(row.version)


# In the browser ---------------------------------------------------------------------------------


@pytest.mark.browser
def test_in_the_browser_a_stale_save_shows_the_conflict_and_saving_again_applies_it(
    page, log_in, cast, investigation
):
    from playwright.sync_api import expect

    follow_up = make_follow_up(investigation, cast["editor"], title="Call back Amber Heron 47")
    log_in(cast["editor"])
    page.goto(change_url(follow_up))
    follow_up.title = "Call back Amber Heron 47 tonight"  # someone else saves meanwhile
    follow_up.save()
    page.locator("#id_notes").fill("Ask about the convoy.")
    page.get_by_role("button", name="Save", exact=True).click()

    conflict = page.locator("#edit-conflict")
    expect(conflict).to_contain_text("Not saved")
    expect(page.locator("tr.conflict-title")).to_contain_text("tonight")
    expect(page.locator("#id_title")).to_have_value("Call back Amber Heron 47 tonight")
    expect(page.locator("#id_notes")).to_have_value("Ask about the convoy.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    follow_up.refresh_from_db()
    assert (follow_up.title, follow_up.notes) == (
        "Call back Amber Heron 47 tonight",
        "Ask about the convoy.",
    )
