"""Sensitive notes are never lost: a change saved from an older reading is refused with what
changed (HTTP 409), and every change keeps the text it replaced as an encrypted revision, read
only by those who may read the notes, logged, and erased with the notes when a source burns."""

import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from sources.identity import notes_fingerprint, notes_update
from sources.models import IdentityAccess, NotesRevision
from tests.factories import make_interview, make_source

REASON = "Adding what the source said on the second call."
FIRST = "Canary first: met behind the Quux mill."


def reader(user):
    client = Client()
    client.force_login(user)
    session = client.session
    session["authenticated_at"] = int(time.time())  # a fresh login: no password asked
    session.save()
    return client


def notes_url(interview):
    return f"/admin/sources/interview/{interview.pk}/notes/"


def read_notes(client, interview):
    """Reveal the notes; the change form's fields as the page gave them."""
    page = client.post(notes_url(interview), {"reveal": "1", "reason": REASON})
    assert page.status_code == 200
    content = page.content.decode()
    seen = content.split('name="seen" value="')[1].split('"')[0]
    return {"seen": seen}


def change(client, interview, notes, seen, reason=REASON):
    return client.post(
        notes_url(interview),
        {"change": "1", "notes": notes, "change_reason": reason, "seen": seen},
    )


@pytest.fixture
def interview(cast, investigation):
    source = make_source(investigation, cast["reporter"])
    return make_interview(investigation, cast["reporter"], sources=[source], sensitive_notes=FIRST)


def test_a_notes_change_from_an_older_reading_is_refused_and_shows_then_now_and_typed(
    cast, interview
):
    interviewer, editor = reader(cast["reporter"]), reader(cast["editor"])
    interviewer_read = read_notes(interviewer, interview)
    editor_read = read_notes(editor, interview)

    saved = change(interviewer, interview, "Canary second: new details.", **interviewer_read)
    assert saved.status_code == 302
    stale = change(editor, interview, "Canary first, typo fixed.", **editor_read)

    assert stale.status_code == 409
    interview.refresh_from_db()
    assert interview.sensitive_notes.reveal() == "Canary second: new details."
    page = stale.content.decode()
    assert "Not saved: the sensitive notes were changed since you read them" in page
    assert FIRST in page  # when you read them
    assert "Canary second: new details." in page  # now
    assert "Canary first, typo fixed." in page  # what you typed
    assert "reporter" in page.split('id="conflict-changes"')[1].split("</table>")[0]
    assert "no-store" in stale["Cache-Control"]
    reading = IdentityAccess.objects.filter(user=cast["editor"], action="notes_read").latest("at")
    assert reading.reason.startswith("Read again: they changed while being edited.")


def test_the_conflict_page_applies_the_typed_text_over_the_notes_now(cast, interview):
    interviewer, editor = reader(cast["reporter"]), reader(cast["editor"])
    editor_read = read_notes(editor, interview)
    change(interviewer, interview, "Canary second.", **read_notes(interviewer, interview))
    stale = change(editor, interview, "Canary third.", **editor_read)
    retry_seen = stale.content.decode().split('name="seen" value="')[1].split('"')[0]
    assert retry_seen == notes_fingerprint(type(interview).objects.get(pk=interview.pk))

    response = change(editor, interview, "Canary third.", retry_seen)

    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.sensitive_notes.reveal() == "Canary third."
    kept = [revision.text.reveal() for revision in interview.notes_revisions.order_by("pk")]
    assert kept == [FIRST, "Canary second."]  # nothing was lost on the way


def test_a_change_without_the_reading_it_came_from_is_not_saved(cast, interview):
    interviewer = reader(cast["reporter"])
    read_notes(interviewer, interview)
    response = interviewer.post(
        notes_url(interview), {"change": "1", "notes": "Overwritten", "change_reason": REASON}
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.sensitive_notes.reveal() == FIRST
    assert not NotesRevision.objects.exists()


def test_someone_who_may_not_read_the_notes_gets_no_conflict_page_and_no_notes(cast, interview):
    seen = notes_fingerprint(interview)
    outsider_reporter = reader(cast["reporter2"])  # not the interviewer, not an editor
    response = change(outsider_reporter, interview, "Overwritten", seen)
    assert response.status_code == 403
    assert FIRST not in response.content.decode()
    control = change(reader(cast["reporter"]), interview, "Canary second.", seen)
    assert control.status_code == 302  # the same change from the interviewer goes through


def test_every_change_keeps_the_previous_text_encrypted_with_who_when_and_why(cast, interview):
    notes_update(
        interview=interview,
        user=cast["reporter"],
        reason=REASON,
        notes="Canary second.",
        seen=notes_fingerprint(interview),
    )
    revision = NotesRevision.objects.get()
    assert revision.text.reveal() == FIRST
    assert (revision.changed_by, revision.reason) == (cast["reporter"], REASON)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM sources_notesrevision")  # the column as stored
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("fb1:") and "Canary" not in stored


def test_the_interviewer_and_editors_read_earlier_versions_with_a_reason_and_it_is_logged(
    cast, interview
):
    notes_update(
        interview=interview,
        user=cast["reporter"],
        reason=REASON,
        notes="Canary second.",
        seen=notes_fingerprint(interview),
    )
    url = f"/admin/sources/interview/{interview.pk}/notes/earlier/"
    for role in ("reporter", "editor", "admin"):
        client = reader(cast[role])
        asking = client.get(url)
        assert asking.status_code == 200 and FIRST not in asking.content.decode()
        response = client.post(url, {"reveal": "1", "reason": "Comparing with the draft."})
        assert response.status_code == 200
        assert FIRST in response.content.decode()
        assert IdentityAccess.objects.filter(user=cast[role], action="revisions_read").exists()


def test_nobody_else_reads_earlier_versions(cast, interview):
    url = f"/admin/sources/interview/{interview.pk}/notes/earlier/"
    for role, status in (("reporter2", 403), ("outsider", 404)):
        response = reader(cast[role]).post(url, {"reveal": "1", "reason": "Just looking, sorry."})
        assert response.status_code == status
        assert FIRST not in response.content.decode()
    assert not IdentityAccess.objects.filter(action="revisions_read").exists()


def test_the_notes_page_says_how_many_earlier_versions_are_kept(cast, interview):
    notes_update(
        interview=interview,
        user=cast["reporter"],
        reason=REASON,
        notes="Canary second.",
        seen=notes_fingerprint(interview),
    )
    client = reader(cast["editor"])
    page = client.post(notes_url(interview), {"reveal": "1", "reason": REASON}).content.decode()
    assert "1 earlier version of these notes is kept" in page
    assert FIRST not in page  # listed, not shown: reading them is its own logged step


@pytest.mark.parametrize("command", ["burn_source", "purge_identities"])
def test_burning_erases_the_earlier_versions_too(cast, investigation, interview, command):
    notes_update(
        interview=interview,
        user=cast["reporter"],
        reason=REASON,
        notes="Canary second.",
        seen=notes_fingerprint(interview),
    )
    other = make_interview(investigation, cast["reporter"], sensitive_notes="Canary kept.")
    notes_update(
        interview=other,
        user=cast["reporter"],
        reason=REASON,
        notes="Canary kept, again.",
        seen=notes_fingerprint(other),
    )
    assert NotesRevision.objects.count() == 2
    source = interview.sources.get()
    target = source.codename if command == "burn_source" else investigation.slug
    arguments = [target] if command == "burn_source" else []
    options = {} if command == "burn_source" else {"investigation": target}
    call_command(
        command, *arguments, user="editor", reason="Source asked us to.", yes=True, **options
    )

    assert not NotesRevision.objects.filter(interview=interview).exists()
    interview.refresh_from_db()
    assert not interview.sensitive_notes
    if command == "burn_source":  # an interview of no burnt source keeps its history
        assert NotesRevision.objects.filter(interview=other).count() == 1
