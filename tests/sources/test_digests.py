"""The daily digest: each member's open follow-ups, and for editors the review queue, once a day,
with codenames and links only."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from investigation.models import Digest, Investigation
from sources.digests import digests_send
from tests.factories import make_event, make_follow_up, make_location, make_source

SITE = "https://fieldbook.example.org"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def people(cast, settings):
    settings.SITE_URL = SITE
    for user in cast.values():
        user.email = f"{user.username}@example.org"
        user.save()
    return cast


def digest_for(user):
    [message] = [message for message in mail.outbox if message.to == [user.email]]
    return message


def test_each_member_gets_their_overdue_and_due_soon_follow_ups(people, investigation):
    reporter = people["reporter"]
    late = make_follow_up(investigation, reporter, title="Late task", due_at=timezone.now() - DAY)
    soon = make_follow_up(investigation, reporter, title="Soon task", due_at=timezone.now() + DAY)
    make_follow_up(investigation, reporter, title="Far task", due_at=timezone.now() + 30 * DAY)
    make_follow_up(investigation, reporter, title="Done task", status="done")
    make_follow_up(investigation, people["reporter2"], title="Colleague's task")

    digests_send()

    body = digest_for(reporter).body
    assert body.index("Overdue:") < body.index("Late task") < body.index("Due soon:")
    assert body.index("Due soon:") < body.index("Soon task")
    assert "Far task" not in body and "And 1 due later" in body
    assert "Done task" not in body and "Colleague's task" not in body
    for follow_up in (late, soon):
        assert f"{SITE}/admin/investigation/followup/{follow_up.pk}/change/" in body
    assert "1 overdue, 1 due soon" in digest_for(reporter).subject


def test_editors_get_the_sources_waiting_for_protection_review_and_reporters_do_not(
    people, investigation
):
    waiting = make_source(investigation, people["reporter"], review_status="pending")
    cleared = make_source(investigation, people["reporter"], review_status="cleared")
    make_follow_up(investigation, people["reporter"], due_at=timezone.now() + DAY)

    digests_send()

    editor_body = digest_for(people["editor"]).body
    assert waiting.codename in editor_body and cleared.codename not in editor_body
    assert f"{SITE}/admin/sources/source/{waiting.pk}/change/" in editor_body
    assert "protection review" in editor_body
    assert "protection review" not in digest_for(people["reporter"]).body


def test_a_digest_says_nothing_of_identities_notes_places_or_events(people, investigation):
    reporter = people["reporter"]
    source = make_source(
        investigation,
        reporter,
        real_name="Canary Realname",
        contact="+964 770 000 0000 canary",
        description="canary baker, Canarytown",
    )
    place = make_location(investigation, name="Canary Village")
    event = make_event(investigation, title="Canary raid", location=place)
    make_follow_up(
        investigation,
        reporter,
        title=f"Call {source.codename}",
        notes="Canary notes",
        due_at=timezone.now() + DAY,
        source=source,
        event=event,
    )

    digests_send()

    for user in (reporter, people["editor"]):
        text = digest_for(user).message().as_string()
        assert source.codename in text
        assert "canary" not in text.lower()


def test_one_digest_per_member_and_day_however_often_it_runs(people, investigation):
    make_follow_up(investigation, people["reporter"], due_at=timezone.now() + DAY)
    assert digests_send() == 1
    assert digests_send() == 0
    assert len(mail.outbox) == 1
    digest = Digest.objects.get()
    assert (digest.user, digest.day, digest.status) == (
        people["reporter"],
        timezone.localdate(),
        Digest.Status.SENT,
    )
    assert mail.outbox[0].extra_headers["Message-ID"] == (
        f"<{digest.idempotency_key}@fieldbook.example.org>"
    )


def test_a_member_with_nothing_open_gets_no_digest(people, investigation):
    make_follow_up(investigation, people["reporter"], due_at=timezone.now() + DAY)
    digests_send()
    assert [message.to for message in mail.outbox] == [["reporter@example.org"]]


def test_a_member_of_another_desk_gets_only_their_own(people, investigation, other_investigation):
    make_source(investigation, people["reporter"], review_status="pending")
    make_follow_up(other_investigation, people["outsider"], title="Outsider task")
    digests_send()
    body = digest_for(people["outsider"]).body
    assert "Outsider task" in body and "protection review" not in body
    assert "protection review" in digest_for(people["editor"]).body


def test_archived_investigations_send_no_digest(people, investigation, other_investigation):
    make_follow_up(investigation, people["reporter"], due_at=timezone.now() - DAY)
    make_follow_up(other_investigation, people["outsider"], due_at=timezone.now() - DAY)
    Investigation.objects.filter(pk=investigation.pk).update(status=Investigation.Status.ARCHIVED)
    assert digests_send() == 1  # positive control: the desk still open gets its digest
    assert [message.to for message in mail.outbox] == [["outsider@example.org"]]
