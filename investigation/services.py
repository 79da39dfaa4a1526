"""Reminders and daily digests: emails that must go out once, even when workers die.

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

import hashlib
import logging
import os
import smtplib
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from investigation import access
from investigation.models import (
    EDITING_ROLES,
    Digest,
    FollowUp,
    Investigation,
    LeakOverride,
    PublicationExport,
    Reminder,
)
from investigation.publication import (
    CHUNK_SIZE,
    WRITERS,
    LeakScanner,
    Places,
    publication_events,
    publication_row,
)
from sources.fields import IdentityKeyError
from sources.models import Source

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


def digests_send():
    """Today's digest for every member with something in it, once per member and day."""
    now = timezone.now()
    day = timezone.localdate(now)
    for user in digest_recipients():
        if any(digest_sections(user, now).values()):
            Digest.objects.get_or_create(user=user, day=day)
    claimable = Digest.objects.claimable(now).filter(day=day).order_by("attempts", "pk")
    return deliveries_send(claimable, digest_message)


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


def digest_message(digest, connection):
    user = digest.user
    if not (user.is_active and user.email):
        digest.finish(Status.FAILED, last_error="The member has no email address or left.")
        return None
    sections = digest_sections(user, timezone.now())
    if not any(sections.values()):
        digest.finish(Status.CANCELLED)
        return None
    counts = f"{len(sections['overdue'])} overdue, {len(sections['due_soon'])} due soon"
    if sections["sources"]:
        counts += f", {len(sections['sources'])} sources to review"
    subject = f"[Fieldbook] Your day, {digest.day:%a %d %b}: {counts}"
    body = "\n".join([*digest_lines(user, sections), FOOTER])
    return message(subject, body, user.email, digest.idempotency_key, connection)


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


def digest_sections(user, now):
    """The member's open follow-ups (overdue, due soon) and, for editors, the sources of their
    investigations waiting for protection review."""
    active = Investigation.Status.ACTIVE
    mine = (
        FollowUp.objects.visible_to(user)
        .open()
        .filter(assignee=user, investigation__status=active)
        .select_related("source")
        .order_by("due_at")
    )
    soon = now + settings.DIGEST_DUE_SOON
    return {
        "overdue": list(mine.filter(due_at__lt=now)),
        "due_soon": list(mine.filter(due_at__gte=now, due_at__lt=soon)),
        "later": mine.filter(due_at__gte=soon).count(),
        "sources": list(
            Source.objects.visible_to(user, EDITING_ROLES)
            .awaiting_review()
            .filter(investigation__status=active)
            .defer(*Source.IDENTITY_FIELDS)
        ),
    }


def digest_lines(user, sections):
    lines = [f"Hello {user.get_username()}, your open follow-ups in Fieldbook:", ""]
    for title, key in (("Overdue", "overdue"), ("Due soon", "due_soon")):
        if sections[key]:
            lines.append(f"{title}:")
            for follow_up in sections[key]:
                lines += [*follow_up_lines(follow_up), ""]
    if sections["later"]:
        mine = reverse("admin:investigation_followup_changelist")
        query = f"?assignee__id__exact={user.pk}&status__exact=open"
        lines += [f"And {sections['later']} due later: {absolute_url(mine)}{query}", ""]
    if sections["sources"]:
        lines.append("Sources waiting for your protection review:")
        for source in sections["sources"]:
            lines.append(f"  {source.codename} ({source.get_protection_level_display().lower()})")
            lines.append(f"  {absolute_url(source.get_absolute_url())}")
        lines.append("")
    return lines


def digest_recipients():
    """Active members of active investigations who have an email address."""
    active = Investigation.Status.ACTIVE
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__investigation__status=active)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def moment(value):
    return timezone.localtime(value).strftime("%a %d %b %Y, %H:%M %Z")


def absolute_url(path):
    return settings.SITE_URL + path


# Publication exports -------------------------------------------------------------------------
# Only publishable events, only allowlisted columns, places tied to sources coarsened to their
# district (investigation.publication), and a leak scan of every value before the file reaches
# its destination. Every export is logged; a finding blocks it unless an Admin gave a reason.

MINIMUM_OVERRIDE_REASON = 10
Export = PublicationExport


def publication_export(*, investigation, fmt, user, output, override_reason=None, progress=None):
    """Export the investigation's publishable events to the file `output` (None: under
    MEDIA_ROOT/exports) in `fmt` (csv, xlsx, json or geojson). Returns the PublicationExport
    log row: done, refused by the leak scan (its findings name row, field and codename), or
    failed. `user` None is the server's command line."""
    export = publication_export_request(
        investigation=investigation, fmt=fmt, user=user, override_reason=override_reason
    )
    Export.objects.claim(export.pk)
    export.refresh_from_db()
    output = output or publication_export_path(export)
    return publication_export_run(export=export, output=output, progress=progress)


def publication_export_request(*, investigation, fmt, user, override_reason=None):
    """Check who asks, and log the export as waiting (publication_export_run does it)."""
    if user is not None and not access.may_export(user, investigation.pk):
        raise PermissionDenied("Only the investigation's Admins export for publication.")
    if fmt not in Export.Format.values:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(Export.Format.values)}.")
    reason = (override_reason or "").strip()
    if reason and user is None:
        raise PermissionDenied("Overriding the leak scan needs an Admin who answers for it.")
    if override_reason and len(reason) < MINIMUM_OVERRIDE_REASON:
        raise PermissionDenied("Say why the export must go out despite the leak scan.")
    return Export.objects.create(
        investigation=investigation, user=user, format=fmt, override_reason=reason
    )


def publication_export_run(*, export, output, progress=None):
    """Write the export to a private partial file while scanning every value; then either
    delete it and log the findings (refused), or move it to `output` and log its SHA-256."""
    output = Path(output)
    try:
        scanner = LeakScanner.for_investigation(export.investigation)
    except IdentityKeyError:
        return publication_export_end(
            export,
            Export.Status.FAILED,
            error="The leak scan could not read the sources' identities (encryption keys).",
        )
    events = publication_events(export.investigation)
    export.total, export.sources_scanned = events.count(), scanner.sources
    export.save(update_fields=["total", "sources_scanned"])
    partial = output.with_name(f".{output.name}.{uuid.uuid4().hex}.partial")
    try:
        findings = publication_write(export, events, scanner, partial, progress)
    except Exception as error:
        logger.exception("Publication export %s failed", export.pk)
        partial.unlink(missing_ok=True)
        return publication_export_end(export, Export.Status.FAILED, error=type(error).__name__)
    if findings and not export.override_reason:
        partial.unlink()
        return publication_export_end(export, Export.Status.REFUSED, findings=findings)
    os.replace(partial, output)
    with transaction.atomic():
        leak_overrides_log(export, findings)
        return publication_export_end(
            export,
            Export.Status.DONE,
            findings=findings,
            overridden=bool(findings),
            sha256=file_sha256(output),
            path=str(output),
        )


def publication_write(export, events, scanner, partial, progress):
    """Every row scanned and written; the findings."""
    places = Places(export.investigation)
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    writer = WRITERS[export.format](partial)
    findings, number = [], 0
    try:
        for number, values in enumerate(events.iterator(chunk_size=CHUNK_SIZE), start=1):
            row = publication_row(values, places)
            findings += scanner.scan(number, row)
            writer.write(row)
            if number % CHUNK_SIZE == 0:
                publication_progress(export, number, progress)
    finally:
        writer.close()
    publication_progress(export, number, progress)
    return findings


def publication_progress(export, rows, progress):
    Export.objects.filter(pk=export.pk).update(rows=rows)
    export.rows = rows
    if progress:
        progress(rows, export.total)


def publication_export_end(export, status, *, findings=(), **fields):
    export.status, export.finished_at = status, timezone.now()
    export.findings = [finding.as_dict() for finding in findings]
    for name, value in fields.items():
        setattr(export, name, value)
    export.save()
    return export


def leak_overrides_log(export, findings):
    LeakOverride.objects.bulk_create(
        LeakOverride(
            export=export,
            user=export.user,
            reason=export.override_reason,
            row=finding.row,
            event=finding.event,
            field=finding.field,
            codename=finding.codename,
            kind=finding.kind,
        )
        for finding in findings
    )


def publication_export_path(export):
    """Where the admin's exports are kept: MEDIA_ROOT/exports, never served directly."""
    folder = Path(settings.MEDIA_ROOT) / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"{export.pk}-{uuid.uuid4().hex}.{export.format}"


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
