"""Each way a colleague or a stolen session widened its own access, tried again through the
real admin forms (GET the form, change one field, POST it), with what is stored afterwards and
what the next page shows."""

import time

import pytest
import tablib
from django.core import mail

from investigation.models import Membership, Role
from sources.models import IdentityAccess, Interview, Source
from tests.admin_forms import form_fields, post_changed
from tests.factories import (
    make_event,
    make_follow_up,
    make_interview,
    make_member,
    make_source,
    make_user,
)

REASON = "Checking the spelling before the legal review."


def log_in(client, user):
    """A fresh login (no re-authentication asked on the reveal page)."""
    client.force_login(user)
    session = client.session
    session["authenticated_at"] = int(time.time())
    session.save()
    return client


def change_url(row):
    return f"/admin/{row._meta.app_label}/{row._meta.model_name}/{row.pk}/change/"


def reveal(client, source):
    return client.post(
        f"/admin/sources/source/{source.pk}/identity/", {"reveal": "1", "reason": REASON}
    )


def read_notes(client, interview):
    return client.post(
        f"/admin/sources/interview/{interview.pk}/notes/", {"reveal": "1", "reason": REASON}
    )


@pytest.fixture
def source(cast, investigation):
    return make_source(
        investigation, cast["reporter"], real_name="Canary Hassan", contact="+964 770 555 0199"
    )


@pytest.fixture
def interview(cast, investigation, source):
    return make_interview(
        investigation, cast["reporter"], sources=[source], sensitive_notes="Met behind the silo"
    )


@pytest.fixture
def double(investigation, other_investigation):
    """A Reporter in A who is an Admin in B."""
    person = make_member(investigation, Role.REPORTER, "double")
    Membership.objects.create(investigation=other_investigation, user=person, role=Role.ADMIN)
    return person


# Handlers and interviewers are handed over, never typed -----------------------------------------


def test_a_reporter_cannot_make_themselves_a_colleagues_sources_handler(client, cast, source):
    log_in(client, cast["reporter2"])
    form = form_fields(client.get(change_url(source)))
    assert "description" in form  # positive control: the form is the change form
    assert "handler" not in form

    response = post_changed(
        client, change_url(source), handler=cast["reporter2"].pk, description="edited"
    )

    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.description, source.handler) == ("edited", cast["reporter"])
    assert reveal(client, source).status_code == 403


def test_a_superuser_who_is_a_reporter_cannot_make_themselves_the_handler(
    client, cast, investigation, source
):
    root = make_member(investigation, Role.REPORTER, "root", is_superuser=True)
    log_in(client, root)

    response = post_changed(client, change_url(source), handler=root.pk, description="edited")

    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.description, source.handler) == ("edited", cast["reporter"])
    assert reveal(client, source).status_code == 403
    page = client.get(change_url(source))
    assert page.status_code == 200
    assert source.codename.encode() in page.content
    assert b"Canary Hassan" not in page.content


def test_a_reporter_cannot_make_themselves_a_colleagues_interviewer(client, cast, interview):
    log_in(client, cast["reporter2"])

    response = post_changed(
        client, change_url(interview), interviewer=cast["reporter2"].pk, language="Kurdish"
    )

    assert response.status_code == 302
    interview.refresh_from_db()
    assert (interview.language, interview.interviewer) == ("Kurdish", cast["reporter"])
    assert read_notes(client, interview).status_code == 403


def test_adding_a_source_one_handles_to_an_interview_gives_no_access_to_its_notes(
    client, cast, investigation, interview
):
    own = make_source(investigation, cast["reporter2"])
    log_in(client, cast["reporter2"])
    url = change_url(interview)
    form = form_fields(client.get(url))
    prefix = "interviewsource_set"
    row = int(form[f"{prefix}-TOTAL_FORMS"])
    changes = {
        f"{prefix}-TOTAL_FORMS": str(row + 1),
        f"{prefix}-{row}-source": str(own.pk),
        f"{prefix}-{row}-interview": str(interview.pk),
    }

    response = client.post(url, {**form, **changes})

    assert response.status_code == 302
    assert own in interview.sources.all()
    assert read_notes(client, interview).status_code == 403
    page = client.get(url)
    assert page.status_code == 200 and b"Only" in page.content
    assert b"Met behind the silo" not in page.content


def test_an_editor_hands_a_source_over_with_a_reason_and_both_people_are_told(
    client, cast, source, django_capture_on_commit_callbacks
):
    cast["reporter"].email, cast["reporter2"].email = "r1@example.org", "r2@example.org"
    for person in (cast["reporter"], cast["reporter2"]):
        person.save()
    log_in(client, cast["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/sources/source/{source.pk}/hand-over/",
            {"person": cast["reporter2"].pk, "reason": REASON},
        )

    assert response.status_code == 302
    source.refresh_from_db()
    assert source.handler == cast["reporter2"]
    entry = IdentityAccess.objects.get(action="hand_over")
    assert (entry.user, entry.handed_from, entry.handed_to) == (
        cast["editor"], cast["reporter"], cast["reporter2"],
    )  # fmt: skip
    assert sorted(message.to[0] for message in mail.outbox) == ["r1@example.org", "r2@example.org"]
    for message in mail.outbox:  # one each, sent once the hand-over is committed
        assert source.codename in message.body
        assert "Canary" not in message.body
    assert reveal(log_in(client, cast["reporter2"]), source).status_code == 200
    assert reveal(log_in(client, cast["reporter"]), source).status_code == 403


def test_a_reporter_cannot_hand_a_source_over(client, cast, source):
    log_in(client, cast["reporter"])
    response = client.post(
        f"/admin/sources/source/{source.pk}/hand-over/",
        {"person": cast["reporter2"].pk, "reason": REASON},
    )
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.handler == cast["reporter"]
    assert not IdentityAccess.objects.filter(action="hand_over").exists()


def test_a_source_is_handed_over_only_to_a_member_of_its_investigation(client, cast, source):
    log_in(client, cast["editor"])
    url = f"/admin/sources/source/{source.pk}/hand-over/"
    page = client.get(url)
    assert page.status_code == 200
    assert f">{cast['reporter2'].username}<" in page.content.decode()
    assert cast["outsider"].username not in page.content.decode()

    response = client.post(url, {"person": cast["outsider"].pk, "reason": REASON})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    source.refresh_from_db()
    assert source.handler == cast["reporter"]


def test_an_editor_hands_an_interview_over_and_the_new_interviewer_reads_its_notes(
    client, cast, interview
):
    log_in(client, cast["editor"])
    response = client.post(
        f"/admin/sources/interview/{interview.pk}/hand-over/",
        {"person": cast["reporter2"].pk, "reason": REASON},
    )

    assert response.status_code == 302
    assert read_notes(log_in(client, cast["reporter2"]), interview).status_code == 200
    assert read_notes(log_in(client, cast["reporter"]), interview).status_code == 403


def test_reading_sensitive_notes_is_logged_and_editors_read_the_log(client, cast, interview):
    log_in(client, cast["reporter"])
    page = read_notes(client, interview)
    assert page.status_code == 200
    assert "Met behind the silo" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]

    entry = IdentityAccess.objects.get(interview=interview)
    assert (entry.user, entry.action, entry.reason) == (cast["reporter"], "notes_read", REASON)
    log_in(client, cast["editor"])
    log_page = client.get("/admin/sources/identityaccess/")
    assert log_page.status_code == 200
    assert "Read sensitive notes" in log_page.content.decode()


def test_sensitive_notes_are_read_only_with_a_reason(client, cast, interview):
    log_in(client, cast["reporter"])
    page = client.post(f"/admin/sources/interview/{interview.pk}/notes/", {"reveal": "1"})
    assert page.status_code == 200
    assert "This field is required" in page.content.decode()
    assert "Met behind the silo" not in page.content.decode()
    assert not IdentityAccess.objects.exists()


def test_the_interview_form_never_shows_the_sensitive_notes(client, cast, interview):
    log_in(client, cast["reporter"])
    page = client.get(change_url(interview))
    assert page.status_code == 200
    assert (
        "Read or change the notes" in page.content.decode()
    )  # the way to them, for the interviewer
    assert "Met behind the silo" not in page.content.decode()


def test_a_new_sources_handler_is_its_reporter_unless_an_editor_chooses(
    client, cast, investigation
):
    log_in(client, cast["reporter"])
    form = form_fields(client.get("/admin/sources/source/add/"))
    assert "description" in form and "handler" not in form
    data = {**form, "investigation": investigation.pk, "description": "farmer, Hawija"}
    response = client.post("/admin/sources/source/add/", {**data, "handler": cast["reporter2"].pk})
    assert response.status_code == 302
    assert Source.objects.get(description="farmer, Hawija").handler == cast["reporter"]

    log_in(client, cast["editor"])
    data["description"] = "teacher, Hawija"
    # A fresh form's codename: each add form carries the one it shows (sources.forms).
    data["codename_token"] = form_fields(client.get("/admin/sources/source/add/"))["codename_token"]
    client.post("/admin/sources/source/add/", {**data, "handler": cast["reporter2"].pk})
    assert Source.objects.get(description="teacher, Hawija").handler == cast["reporter2"]


def test_an_editor_cannot_make_an_outsider_the_handler_of_a_new_source(client, cast, investigation):
    log_in(client, cast["editor"])
    form = form_fields(client.get("/admin/sources/source/add/"))
    data = {**form, "investigation": investigation.pk, "description": "farmer, Hawija"}

    response = client.post("/admin/sources/source/add/", {**data, "handler": cast["outsider"].pk})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Source.objects.filter(description="farmer, Hawija").exists()


# A role in one investigation gives nothing in another -------------------------------------------


def test_a_role_in_b_does_not_move_a_source_of_a_into_b(
    client, cast, double, investigation, other_investigation, source, interview
):
    log_in(client, double)
    form = form_fields(client.get(change_url(source)))
    assert "description" in form  # positive control: the form is the change form
    assert "investigation" not in form

    response = post_changed(
        client, change_url(source), investigation=other_investigation.pk, description="moved?"
    )

    assert response.status_code == 302  # saved, without the investigation (no 500)
    source.refresh_from_db()
    assert (source.investigation, source.description) == (investigation, "moved?")
    assert reveal(client, source).status_code == 403
    assert reveal(log_in(client, cast["reporter"]), source).status_code == 200


def test_a_role_in_b_does_not_move_an_event_of_a_into_b(
    client, double, investigation, other_investigation
):
    event = make_event(investigation, title="Night raid")
    log_in(client, double)

    response = post_changed(
        client, change_url(event), investigation=other_investigation.pk, title="Moved raid"
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.investigation, event.title) == (investigation, "Moved raid")


def test_a_role_in_b_does_not_delete_rows_of_a(client, double, investigation, source):
    event = make_event(investigation)
    log_in(client, double)
    for row in (event, source):
        url = change_url(row).replace("/change/", "/delete/")
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert event.__class__.objects.filter(pk=event.pk).exists()
    assert Source.objects.filter(pk=source.pk).exists()


def test_a_bulk_delete_reaches_only_rows_where_the_role_allows_it(
    client, double, investigation, other_investigation
):
    ours = make_event(investigation, title="Ours")
    theirs = make_event(other_investigation, title="Theirs")
    log_in(client, double)

    response = client.post(
        "/admin/events/event/",
        {"action": "delete_selected", "_selected_action": [ours.pk, theirs.pk], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert ours.__class__.objects.filter(pk=ours.pk).exists()
    assert not theirs.__class__.objects.filter(pk=theirs.pk).exists()  # X is an admin of B
    assert "left alone" in response.content.decode()


def test_a_new_row_goes_only_into_an_investigation_where_the_role_may_add_it(
    client, cast, investigation, other_investigation
):
    log_in(client, cast["reporter"])
    page = client.get("/admin/events/location/add/")
    assert page.status_code == 200
    choices = page.context["adminform"].form.fields["investigation"].queryset
    assert list(choices) == [investigation]

    response = client.post(
        "/admin/events/location/add/",
        {"investigation": other_investigation.pk, "name": "Elsewhere", "latitude": 1,
         "longitude": 1, "geo_precision": 1},
    )  # fmt: skip

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_follow_up_is_assigned_only_to_a_member_of_its_investigation(cast, investigation):
    follow_up = make_follow_up(investigation, cast["reporter"])
    follow_up.assignee = cast["outsider"]
    with pytest.raises(Exception, match="member of this investigation"):
        follow_up.full_clean()


# Superusers set up ------------------------------------------------------------------------------


def test_a_superuser_without_a_role_reads_no_identity_and_no_row(client, source, interview):
    root = make_user("root", is_superuser=True)
    log_in(client, root)
    assert client.get("/admin/investigation/investigation/").status_code == 200  # setup
    assert reveal(client, source).status_code == 404
    assert read_notes(client, interview).status_code == 404
    assert client.get(change_url(source)).status_code == 404


# Accounts belong to their investigations --------------------------------------------------------


def test_an_admin_cannot_set_the_password_of_an_account_of_no_investigation(client, cast):
    stray = make_user("stray")
    log_in(client, cast["admin"])
    url = f"/admin/auth/user/{stray.pk}/password/"

    response = client.post(
        url, {"password1": "a new long password 1", "password2": "a new long password 1"}
    )  # noqa: E501

    assert response.status_code == 404
    stray.refresh_from_db()
    assert stray.check_password("correct horse battery staple")
    own = f"/admin/auth/user/{cast['reporter2'].pk}/password/"
    assert client.get(own).status_code == 200  # positive control: a member of theirs


def test_an_admin_cannot_change_someone_who_also_works_in_another_investigation(
    client, cast, double
):
    """They see their colleague (read-only); the other investigation's Admin answers for the
    account too, so neither may reset it alone."""
    log_in(client, cast["admin"])
    assert client.get(change_url(double)).status_code == 200
    response = post_changed(client, change_url(double), email="taken@example.org")
    assert response.status_code == 403
    double.refresh_from_db()
    assert double.email == ""
    assert client.get(f"/admin/auth/user/{double.pk}/password/").status_code == 403
    own = post_changed(client, change_url(cast["reporter2"]), email="r2@example.org")
    assert own.status_code == 302  # positive control: someone of theirs alone


def test_a_person_added_by_an_admin_joins_their_investigation(client, cast, investigation):
    log_in(client, cast["admin"])
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "newcomer", "password1": "a long new password 7", "password2":
         "a long new password 7", "investigation": investigation.pk, "role": "reporter"},
    )  # fmt: skip
    assert response.status_code == 302
    newcomer = Membership.objects.get(user__username="newcomer")
    assert (newcomer.investigation, newcomer.role, newcomer.user.is_staff) == (
        investigation, "reporter", True,
    )  # fmt: skip


def test_the_membership_form_lists_nobody_and_finds_people_by_exact_name_or_email(
    client, cast, investigation
):
    make_user("zoe.secret", email="zoe@example.org")
    log_in(client, cast["admin"])
    page = client.get("/admin/investigation/membership/add/")
    assert page.status_code == 200 and "Person" in page.content.decode()
    assert "zoe.secret" not in page.content.decode()
    data = {"investigation": investigation.pk, "role": "reporter"}

    partial = client.post("/admin/investigation/membership/add/", {**data, "person": "zoe"})
    assert "No active account has that exact username or email" in partial.content.decode()
    by_email = client.post(
        "/admin/investigation/membership/add/", {**data, "person": "ZOE@example.org"}
    )

    assert by_email.status_code == 302
    assert Membership.objects.filter(user__username="zoe.secret").exists()


# Interviews keep their interviewer in imports too ----------------------------------------------


def test_an_interview_changes_its_interviewer_only_through_a_hand_over(cast, investigation):
    from sources.resources import InterviewResource

    interview = make_interview(investigation, cast["reporter"])
    resource = InterviewResource(investigation=investigation, user=cast["admin"])
    exported = resource.export(Interview.objects.filter(pk=interview.pk))
    unchanged = resource.import_data(exported, dry_run=True)
    assert not (unchanged.has_validation_errors() or unchanged.has_errors())  # control
    rows = [{**row, "interviewer": "reporter2"} for row in exported.dict]
    dataset = tablib.Dataset(*[list(row.values()) for row in rows], headers=exported.headers)

    result = resource.import_data(dataset, dry_run=True)

    assert result.has_validation_errors() or result.has_errors()
    interview.refresh_from_db()
    assert interview.interviewer == cast["reporter"]
