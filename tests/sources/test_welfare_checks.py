"""Welfare checks: a source silent for too long gets one follow-up for its handler, never two."""

import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from investigation.models import FollowUp, Investigation, Reminder
from sources.models import Source
from sources.tasks import schedule_welfare_checks
from sources.welfare import welfare_checks_schedule
from tests.factories import make_follow_up, make_source

WELFARE = FollowUp.Kind.WELFARE_CHECK
DAY = datetime.timedelta(days=1)


def silent_source(investigation, handler, days, **fields):
    """A source we last heard from `days` ago."""
    last_contact_at = timezone.localdate() - datetime.timedelta(days=days)
    return make_source(investigation, handler, last_contact_at=last_contact_at, **fields)


def welfare_checks(source):
    return FollowUp.objects.filter(source=source, kind=WELFARE)


def age_checks(source, days):
    welfare_checks(source).update(created_at=timezone.now() - days * DAY)


def test_a_source_silent_too_long_gets_one_welfare_check_for_its_handler(cast, investigation):
    source = silent_source(investigation, cast["reporter"], days=15, real_name="Canary Person")
    [check] = welfare_checks_schedule()
    assert (check.source, check.assignee, check.kind) == (source, cast["reporter"], WELFARE)
    assert check.investigation == investigation and check.status == FollowUp.Status.OPEN
    assert source.codename in check.title and "Canary" not in check.title
    assert check.reminders.get().status == Reminder.Status.PENDING  # the handler is emailed


def test_running_twice_creates_no_second_welfare_check(cast, investigation):
    source = silent_source(investigation, cast["reporter"], days=15)
    assert schedule_welfare_checks() == 1
    assert schedule_welfare_checks() == 0
    assert welfare_checks(source).count() == 1


def test_while_a_welfare_check_is_open_no_new_one_comes_however_long_the_silence(
    cast, investigation
):
    source = silent_source(investigation, cast["reporter"], days=15)
    welfare_checks_schedule()
    age_checks(source, days=100)
    assert welfare_checks_schedule() == []
    assert welfare_checks(source).count() == 1


def test_after_a_check_is_done_the_next_comes_only_after_another_full_silence(cast, investigation):
    source = silent_source(investigation, cast["reporter"], days=40)
    welfare_checks_schedule()
    welfare_checks(source).update(status=FollowUp.Status.DONE)
    age_checks(source, days=10)
    assert welfare_checks_schedule() == []
    age_checks(source, days=15)
    assert len(welfare_checks_schedule()) == 1
    assert welfare_checks(source).count() == 2


@pytest.mark.parametrize(
    ("level", "silent_days", "checked"),
    [
        (Source.ProtectionLevel.CONFIDENTIAL, 15, True),
        (Source.ProtectionLevel.CONFIDENTIAL, 13, False),
        (Source.ProtectionLevel.ANONYMOUS, 15, False),
        (Source.ProtectionLevel.ANONYMOUS, 22, True),
        (Source.ProtectionLevel.BACKGROUND, 29, False),
        (Source.ProtectionLevel.ON_RECORD, 59, False),
        (Source.ProtectionLevel.ON_RECORD, 61, True),
    ],
)
def test_how_long_a_silence_may_last_follows_the_protection_level(
    cast, investigation, level, silent_days, checked
):
    silent_source(investigation, cast["reporter"], days=silent_days, protection_level=level)
    assert len(welfare_checks_schedule()) == int(checked)


def test_a_source_never_contacted_counts_its_silence_from_when_it_was_logged(cast, investigation):
    source = make_source(investigation, cast["reporter"], last_contact_at=None)
    assert welfare_checks_schedule() == []
    Source.objects.filter(pk=source.pk).update(created_at=timezone.now() - 20 * DAY)
    [check] = welfare_checks_schedule()
    assert "no contact recorded yet" in check.title


def test_sources_of_archived_investigations_get_no_welfare_checks(
    cast, investigation, other_investigation
):
    silent_source(investigation, cast["reporter"], days=100)
    theirs = silent_source(other_investigation, cast["outsider"], days=100)
    Investigation.objects.filter(pk=investigation.pk).update(status=Investigation.Status.ARCHIVED)
    # Positive control: the same silence in an investigation still open gets its check.
    assert [check.source for check in welfare_checks_schedule()] == [theirs]


def test_the_database_refuses_a_second_open_welfare_check(cast, investigation):
    source = silent_source(investigation, cast["reporter"], days=15)
    welfare_checks_schedule()
    with pytest.raises(IntegrityError):
        make_follow_up(investigation, cast["reporter"], source=source, kind=WELFARE)


def test_a_source_logged_today_with_an_old_last_contact_is_checked_at_once(cast, investigation):
    # Silence is counted from the last recorded contact, however recently the source was logged.
    silent_source(investigation, cast["reporter"], days=30)
    assert len(welfare_checks_schedule()) == 1


def test_ordinary_follow_ups_about_a_source_do_not_count_as_welfare_checks(cast, investigation):
    source = silent_source(investigation, cast["reporter"], days=15)
    make_follow_up(investigation, cast["reporter"], source=source)
    assert len(welfare_checks_schedule()) == 1
