"""Alerts about identities (a burst of reveals, a hand-over): written in the database in the
transaction of what they report, then emailed once per recipient by a sweep, Redis or not.

Like reminders (investigation.reminders), the database is the outbox: a reveal writes Alert rows
and never talks to the broker, so it neither waits on Redis nor fails without it. The sweep
(sources.tasks.send_alerts, every minute) claims each row before sending it; an email carries
codenames and links only.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from investigation import access
from investigation.celery import app as celery_app
from investigation.models import EDITING_ROLES, Membership
from investigation.reminders import FOOTER, Status, deliveries_send, message
from sources.models import Alert, IdentityAccess

REVEAL_BURST_LIMIT = 5
REVEAL_BURST_WINDOW = timedelta(hours=24)


def reveal_burst_alert(*, entry):
    """One alert to each editor of the investigation: `entry` (a reveal) took its person past
    REVEAL_BURST_LIMIT identities in REVEAL_BURST_WINDOW."""
    editors = Membership.objects.filter(
        investigation_id=entry.investigation_id, role__in=EDITING_ROLES, user__is_active=True
    ).values_list("user_id", flat=True)
    return alerts_create(entry, Alert.Kind.REVEAL_BURST, sorted(set(editors)))


def hand_over_alert(*, entry):
    """One alert each to the previous and the new holder of a handed-over source or interview."""
    people = {entry.handed_from_id, entry.handed_to_id} - {None}
    return alerts_create(entry, Alert.Kind.HAND_OVER, sorted(people))


def alerts_create(entry, kind, recipient_ids):
    alerts = Alert.objects.bulk_create(
        Alert(kind=kind, investigation_id=entry.investigation_id, access=entry, recipient_id=pk)
        for pk in recipient_ids
    )
    if celery_app.conf.task_always_eager:
        # No broker, so no beat either (a fresh clone, DEBUG): send once this commits, as the
        # inline tasks of that set-up do. The claim keeps it to once if a sweep runs too.
        transaction.on_commit(alerts_send)
    return alerts


def alerts_send():
    """The sweep: email every alert not sent yet, once. Returns how many went out."""
    claimable = Alert.objects.claimable(timezone.now()).order_by("attempts", "created_at", "pk")
    return deliveries_send(claimable, alert_message)


def alert_message(alert, connection):
    """The alert's email, or None when it must not go out (recorded on the row)."""
    alert = Alert.objects.select_related("recipient", "access__user").get(pk=alert.pk)
    recipient = alert.recipient
    if not (recipient.is_active and recipient.email):
        alert.finish(Status.FAILED, last_error="The recipient has no email address or left.")
        return None
    if alert.kind == Alert.Kind.REVEAL_BURST:
        if not access.is_editor(recipient, alert.investigation_id):
            alert.finish(Status.CANCELLED)  # no longer an editor there
            return None
        subject, body = reveal_burst_text(alert.access)
    else:
        subject, body = hand_over_text(alert.access)
    return message(
        subject, f"{body}\n{FOOTER}\n", recipient.email, alert.idempotency_key, connection
    )


def reveal_burst_text(entry):
    """Who revealed how many identities in the window that ended with `entry`: codenames only."""
    reveals = IdentityAccess.objects.filter(
        user_id=entry.user_id,
        action=IdentityAccess.Action.REVEAL,
        at__gt=entry.at - REVEAL_BURST_WINDOW,
        at__lte=entry.at,
    ).select_related("source")
    codenames = sorted({reveal.source.codename for reveal in reveals})
    person = entry.user.get_username()
    log_url = settings.SITE_URL + reverse("admin:sources_identityaccess_changelist")
    body = (
        f"{person} revealed the identities of {len(codenames)} sources in the 24 hours up to "
        f"{timezone.localtime(entry.at):%d %b %Y %H:%M}: {', '.join(codenames)}.\n\n"
        f"Read the access log: {log_url}?user__id__exact={entry.user_id}\n"
    )
    return f"[Fieldbook] {person} revealed {len(codenames)} identities in 24 h", body


def hand_over_text(entry):
    """A hand-over: codename or date and a link, never a name or a place."""
    entry = IdentityAccess.objects.select_related(
        "source", "interview", "user", "handed_from", "handed_to"
    ).get(pk=entry.pk)
    subject_row = entry.source or entry.interview
    what = f"source {entry.source.codename}" if entry.source else f"interview {entry.interview}"
    body = (
        f"{entry.user.get_username()} handed the {what} over from "
        f"{entry.handed_from.get_username()} to {entry.handed_to.get_username()}.\n\n"
        f"Open it: {settings.SITE_URL}{subject_row.get_absolute_url()}\n"
    )
    return f"[Fieldbook] {what.capitalize()} handed over", body
