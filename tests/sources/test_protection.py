"""Protection review, publishable(), and burning identities."""

import io

import pytest
from django.core.management import CommandError, call_command

from events.models import Event
from sources.models import IdentityAccess, Interview, Source
from stories.publication.rows import cleared_for_publication
from tests.factories import make_event, make_interview, make_source


def review_form(source, **changes):
    data = {
        "investigation": source.investigation_id,
        "description": source.description,
        "category": source.category,
        "protection_level": source.protection_level,
        "handler": source.handler_id,
        "attribution_terms": "",
        "last_contact_at": "",
        "review_status": "cleared",
        "review_note": "Attribution checked with the source.",
        "interviewsource_set-TOTAL_FORMS": "0",
        "interviewsource_set-INITIAL_FORMS": "0",
        "version": source.version,  # the form was opened at this version
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("role", "cleared"),
    [("reporter", False), ("reporter2", False), ("editor", True), ("admin", True)],
)
def test_only_editors_and_admins_set_the_protection_review(
    client, cast, investigation, role, cleared
):
    source = make_source(investigation, cast["reporter"])
    client.force_login(cast[role])
    response = client.post(f"/admin/sources/source/{source.pk}/change/", review_form(source))
    assert response.status_code == 302  # saved: a reporter's review fields are left out
    source.refresh_from_db()
    assert (source.review_status == "cleared") is cleared
    if cleared:
        assert source.reviewed_by == cast[role]
        assert source.review_note == "Attribution checked with the source."


def test_changing_the_protection_level_sends_a_cleared_source_back_to_review(
    client, cast, investigation
):
    source = make_source(investigation, cast["reporter"], review_status="cleared")
    client.force_login(cast["reporter"])
    response = client.post(
        f"/admin/sources/source/{source.pk}/change/",
        review_form(source, protection_level="on_record"),
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.review_status == Source.ReviewStatus.PENDING


@pytest.fixture
def story(cast, investigation):
    cleared = make_source(investigation, cast["reporter"], review_status="cleared")
    pending = make_source(investigation, cast["reporter"], review_status="pending")
    events = {
        name: make_event(investigation, title=name, publishable=True)
        for name in ["public", "cleared only", "pending only", "both", "not publishable"]
    }
    Event.objects.filter(title="not publishable").update(publishable=False)
    reporter = cast["reporter"]
    make_interview(investigation, reporter, sources=[cleared], events=[events["cleared only"]])
    make_interview(investigation, reporter, sources=[pending], events=[events["pending only"]])
    make_interview(investigation, reporter, sources=[pending], events=[events["both"]])
    make_interview(investigation, reporter, sources=[cleared], events=[events["both"]])
    make_interview(investigation, reporter, sources=[cleared, pending])
    return {"cleared": cleared, "pending": pending, "events": events}


def test_events_cleared_for_publication_leave_out_those_resting_only_on_uncleared_sources(
    story,
):
    titles = set(cleared_for_publication(Event.objects.all()).values_list("title", flat=True))
    assert titles == {"public", "cleared only", "both"}


def test_cleared_sources_are_those_whose_review_is_cleared(story):
    assert list(Source.objects.cleared()) == [story["cleared"]]


def test_cleared_interviews_have_only_cleared_sources(story):
    interviews = Interview.objects.cleared()
    assert interviews.count() == 2  # the two with the cleared source alone: not an empty list
    assert all(
        set(interview.sources.values_list("review_status", flat=True)) <= {"cleared"}
        for interview in interviews
    )


def test_burning_a_source_erases_its_identity_and_sensitive_notes_and_keeps_the_codename(
    cast, investigation
):
    source = make_source(investigation, cast["reporter"], real_name="Burnt Canary", contact="x")
    interview = make_interview(
        investigation, cast["reporter"], sources=[source], sensitive_notes="Burnt note"
    )
    out = io.StringIO()
    call_command(
        "burn_source",
        source.codename,
        user="editor",
        reason="Source asked us to.",
        yes=True,
        stdout=out,
    )
    source.refresh_from_db()
    interview.refresh_from_db()
    assert source.codename in out.getvalue()
    assert not any(getattr(source, name) for name in Source.IDENTITY_FIELDS)
    assert not interview.sensitive_notes
    assert IdentityAccess.objects.get().action == "erase"


def test_a_reporter_cannot_burn_a_source(cast, investigation):
    source = make_source(investigation, cast["reporter"], real_name="Kept Canary")
    with pytest.raises(CommandError, match="editors and admins"):
        call_command("burn_source", source.codename, user="reporter", reason="Because.", yes=True)
    source.refresh_from_db()
    assert source.real_name.reveal() == "Kept Canary"


def test_burning_asks_for_the_codename_as_confirmation(cast, investigation, monkeypatch):
    source = make_source(investigation, cast["reporter"], real_name="Kept Canary")
    monkeypatch.setattr("builtins.input", lambda prompt: "something else")
    with pytest.raises(CommandError, match="Not confirmed"):
        call_command("burn_source", source.codename, user="editor", reason="A reason here.")
    source.refresh_from_db()
    assert source.real_name.reveal() == "Kept Canary"


def test_purging_an_investigation_erases_every_identity_in_it_only(
    cast, investigation, other_investigation
):
    ours = [make_source(investigation, cast["reporter"], real_name=f"P{n}") for n in range(3)]
    theirs = make_source(other_investigation, cast["outsider"], real_name="Theirs")
    call_command(
        "purge_identities",
        investigation=investigation.slug,
        user="admin",
        reason="Investigation archived.",
        yes=True,
        stdout=io.StringIO(),
    )
    for source in ours:
        source.refresh_from_db()
        assert not source.real_name
    theirs.refresh_from_db()
    assert theirs.real_name.reveal() == "Theirs"
    assert IdentityAccess.objects.filter(action="erase").count() == 3
