"""Follow-up reminders, and the delivery of every email that must go out once even when
workers die (reminders here, daily digests in sources.digests).

The database is the outbox. Each follow-up due time has one Reminder row (reminder_arm), and
each member one Digest row a day. Nothing is queued when a follow-up is saved, so saving works
while Redis is down; a periodic sweep (investigation.tasks) finds the rows that are due.

Each row is sent by deliveries_send: claim it (one conditional UPDATE, pending → sending, with
a fresh claim token), send it, record it sent (a second conditional UPDATE that only the token
holder can make). Two sweeps, or two beats, therefore never send the same row: the second
claim finds nothing. The idempotency check sits where the email is sent, not where it is queued.

What a killed worker leaves behind: rows are claimed one at a time, so at most the one email it
was sending is in doubt (claimed, never recorded). After REMINDER_CLAIM_TIMEOUT, longer than any
task may run, the next sweep claims and sends it again. No system can do better at the SMTP
boundary: the mail server's "250 accepted" and our "sent" cannot commit together, so after a
crash between the two we must choose to maybe send twice or maybe never. We choose twice (a
missed welfare check can hurt a source; a repeated one cannot), and make the repeat harmless:
both copies carry the same Message-ID, derived from the row's idempotency key, which mail
clients and archives use to recognise the same message.
"""

import logging
import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from investigation.models import (
    FollowUp,
    Reminder,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
Status = Reminder.Status
FOOTER = (
    "Fieldbook emails carry codenames and links only. Notes and everything else stay in "
    "Fieldbook: open the link to read them."
)


# Arming --------------------------------------------------------------------------------------


def reminder_arm(*, follow_up):
    """Make the follow-up's reminders match it: one live reminder for its current due time
    while it is open, and no pending one otherwise. Records that due time (or none) as its
    armed_due_at, which keeps it out of the sweep's out_of_step(). Returns the live reminder,
    if any."""
    reminder = reminders_match(follow_up)
    follow_up.armed_due_at = reminder.due_at if reminder else None
    FollowUp.objects.filter(pk=follow_up.pk).update(armed_due_at=follow_up.armed_due_at)
    return reminder


def reminders_match(follow_up):
    pending = Reminder.objects.pending().filter(follow_up=follow_up)
    if follow_up.status != FollowUp.Status.OPEN:
        pending.update(status=Status.CANCELLED)
        return None
    pending.exclude(due_at=follow_up.due_at).update(status=Status.CANCELLED)
    reminder, _ = Reminder.objects.get_or_create(
        follow_up=follow_up, due_at=follow_up.due_at, kind=Reminder.Kind.DUE
    )
    if reminder.status == Status.CANCELLED:  # re-opened, or moved back to this due time
        Reminder.objects.filter(pk=reminder.pk, status=Status.CANCELLED).update(
            status=Status.PENDING
        )
        reminder.refresh_from_db()
    return reminder


def follow_ups_mark_done(*, follow_ups):
    """Mark the open ones of `follow_ups` done and cancel their pending reminders."""
    with transaction.atomic():
        ids = list(follow_ups.open().values_list("pk", flat=True))
        FollowUp.objects.filter(pk__in=ids).update(
            status=FollowUp.Status.DONE, armed_due_at=None, updated_at=timezone.now()
        )
        Reminder.objects.pending().filter(follow_up_id__in=ids).update(status=Status.CANCELLED)
    return len(ids)


def reminders_reconcile():
    """Arm the follow-ups saved, done or moved outside the admin (seed_demo, imports, update()
    in the shell): those whose armed_due_at says so, found through an index of the few, not by
    comparing every follow-up with its reminders. Those due within REMINDER_LEAD are checked
    against their reminders too, so that none is missed whatever armed_due_at says (a save()
    of a stale copy can put back an old value). A pending reminder of a follow-up done or
    moved is cancelled here, or at the latest when it would be sent (reminder_message)."""
    soon = timezone.now() + settings.REMINDER_LEAD
    # Ordered by the partial index's own column: the model's ordering (status, due_at) would
    # have PostgreSQL walk the admin list's index over every follow-up instead (20 ms at
    # 100,000 against 0.02 ms).
    for follow_up in FollowUp.objects.out_of_step().order_by("due_at"):
        reminder_arm(follow_up=follow_up)
    for follow_up in FollowUp.objects.due_by(soon).unreminded():
        reminder_arm(follow_up=follow_up)


# Sending -------------------------------------------------------------------------------------


def reminders_send():
    """The sweep: email every reminder that is due, once. Returns how many went out."""
    reminders_reconcile()
    due = Reminder.objects.due(timezone.now()).order_by("attempts", "due_at", "pk")
    return deliveries_send(due, reminder_message)


def deliveries_send(rows, compose):
    """Send each of `rows` once. One scan a batch, one claim a row: a worker that dies leaves
    only the email it was sending in doubt. Raises the first transient mail error (after
    putting its row back), so that the task retries with backoff."""
    sent = 0
    while batch := list(rows.values_list("pk", flat=True)[:BATCH_SIZE]):
        with mail.get_connection() as connection:
            for pk in batch:
                sent += delivery_send(rows.model, pk, compose, connection)
    return sent


def delivery_send(model, pk, compose, connection):
    row = model.objects.claim(pk)
    if row is None:
        return 0  # another sweep holds it, or it went out already
    message = compose(row, connection)
    if message is None:
        return 0  # compose cancelled it or recorded why it cannot go out
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        if not is_permanent(error):
            row.finish(Status.PENDING, last_error=describe(error))
            raise
        row.finish(Status.FAILED, last_error=describe(error))
        return 0
    except OSError as error:  # smtplib.SMTPException included: try again later
        row.finish(Status.PENDING, last_error=describe(error))
        raise
    if not row.finish(Status.SENT, sent_at=timezone.now(), email=message.to[0]):
        logger.warning("%s went out after its claim expired: it may go twice.", row.idempotency_key)
    return 1


def is_permanent(error):
    """A 5xx refusal of every recipient: resending cannot help (SMTP's 4xx codes mean later)."""
    return all(code >= 500 for code, _ in error.recipients.values())


def describe(error):
    """The error's kind and SMTP code: never its text, which may quote the message."""
    codes = getattr(error, "recipients", {}).values()
    code = getattr(error, "smtp_code", None) or next((c for c, _ in codes), None)
    return f"{type(error).__name__} ({code})" if code else type(error).__name__


# Messages ------------------------------------------------------------------------------------


def reminder_message(reminder, connection):
    """The reminder's email, or None when it must not go out (recorded on the row)."""
    follow_up = reminder.follow_up
    assignee = follow_up.assignee
    if follow_up.status != FollowUp.Status.OPEN or follow_up.due_at != reminder.due_at:
        reminder.finish(Status.CANCELLED)
        return None
    if not (assignee.is_active and assignee.email):
        reminder.finish(Status.FAILED, last_error="The assignee has no email address or left.")
        return None
    kind = follow_up.get_kind_display()
    when = moment(reminder.due_at)
    overdue = reminder.due_at <= timezone.now()
    subject = f"[Fieldbook] {kind} {'overdue since' if overdue else 'due'} {when}"
    body = "\n".join(
        [
            f"{kind} assigned to you, {'overdue since' if overdue else 'due'} {when}:",
            "",
            *follow_up_lines(follow_up),
            "",
            FOOTER,
        ]
    )
    return message(subject, body, assignee.email, reminder.idempotency_key, connection)


def message(subject, body, to, key, connection):
    headers = {"Message-ID": f"<{key}@{message_id_domain()}>", "Auto-Submitted": "auto-generated"}
    return mail.EmailMessage(subject, body, None, [to], headers=headers, connection=connection)


def message_id_domain():
    """The same on every worker, so that a resent email keeps its Message-ID."""
    return urlsplit(settings.SITE_URL).hostname or "fieldbook.invalid"


def follow_up_lines(follow_up):
    """What an email may say about a follow-up: its title (reporters write codenames only, as
    the title's help text tells them), kind, due time, priority, source codename and link.
    Never its notes, nor the event, interview, places or investigation it belongs to."""
    lines = [
        f"  {follow_up.title}",
        f"  {follow_up.get_kind_display()}, {follow_up.get_priority_display().lower()} "
        f"priority, due {moment(follow_up.due_at)}",
    ]
    if follow_up.source_id:
        lines.append(f"  Source: {follow_up.source.codename}")
    lines.append(f"  {absolute_url(follow_up.get_absolute_url())}")
    return lines


def moment(value):
    return timezone.localtime(value).strftime("%a %d %b %Y, %H:%M %Z")


def absolute_url(path):
    return settings.SITE_URL + path
