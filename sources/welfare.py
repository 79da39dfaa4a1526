"""Welfare checks: a source silent for too long gets one follow-up for its handler, asking
them to make sure the source is safe."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from investigation.models import FollowUp, Investigation
from investigation.reminders import reminder_arm
from sources.models import Source

# A welfare check asks the handler to make sure the source is safe within this long.
WELFARE_CHECK_WITHIN = timedelta(days=2)


def welfare_checks_schedule():
    """One welfare-check follow-up for the handler of each source of an active investigation
    that has been silent longer than its protection level allows (WELFARE_CHECK_DAYS). Silence
    counts from the last recorded contact, or the last welfare check if later; while a check is
    open there is never a second one. Returns the follow-ups created."""
    now = timezone.now()
    created = [welfare_check_create(source=source, now=now) for source in silent_sources(now)]
    return [follow_up for follow_up in created if follow_up]


def silent_sources(now):
    today = timezone.localdate(now)
    checks = FollowUp.objects.filter(source=OuterRef("pk"), kind=FollowUp.Kind.WELFARE_CHECK)
    sources = (
        Source.objects.filter(investigation__status=Investigation.Status.ACTIVE)
        .exclude(Exists(checks.filter(status=FollowUp.Status.OPEN)))
        .annotate(last_check=Subquery(checks.order_by("-created_at").values("created_at")[:1]))
        .defer(*Source.IDENTITY_FIELDS)
    )
    days = settings.WELFARE_CHECK_DAYS
    return [
        source
        for source in sources
        if silence_start(source) <= today - timedelta(days[source.protection_level])
    ]


def silence_start(source):
    """The day of the last recorded contact (else the day the source was logged), or of the
    last welfare check if that came later."""
    heard = source.last_contact_at or timezone.localdate(source.created_at)
    if source.last_check:
        return max(heard, timezone.localdate(source.last_check))
    return heard


def welfare_check_create(*, source, now):
    """The welfare check, or None when a concurrent run made one first (the database allows
    one open welfare check per source: investigation_followup_one_open_welfare_check)."""
    heard = source.last_contact_at
    since = f"since {heard:%d %b %Y}" if heard else "yet"
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                investigation_id=source.investigation_id,
                kind=FollowUp.Kind.WELFARE_CHECK,
                title=f"Welfare check on {source.codename}: no contact recorded {since}",
                source=source,
                assignee_id=source.handler_id,
                due_at=now + WELFARE_CHECK_WITHIN,
                priority=FollowUp.Priority.URGENT,
            )
            reminder_arm(follow_up=follow_up)
    except IntegrityError:
        return None
    return follow_up
