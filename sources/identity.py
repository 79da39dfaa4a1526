"""Identities and sensitive notes: revealing, changing, erasing and rotating them, and handing
sources and interviews over, always with a reason and a row in the access log."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from investigation import access
from investigation.models import EDITING_ROLES, Membership
from sources.fields import (
    current_keys,
    encrypted_columns,
    key_id,
    require_keys_open_what_is_stored,
)
from sources.models import IdentityAccess, Source

REVEAL_BURST_LIMIT = 5
REVEAL_BURST_WINDOW = timedelta(hours=24)
MINIMUM_REASON_LENGTH = 10


def check_reason(reason):
    if len((reason or "").strip()) < MINIMUM_REASON_LENGTH:
        raise PermissionDenied("Say why you need to see who this is (a sentence).")


@sensitive_variables("identity")
def identity_reveal(*, source, user, reason):
    """The identity in plain text for someone who needs to know, with the read logged."""
    if not access.may_see_identity(user, source):
        raise PermissionDenied("Only the handler and the investigation's editors see identities.")
    check_reason(reason)
    identity = {name: getattr(source, name).reveal() for name in Source.IDENTITY_FIELDS}
    access_log(subject=source, user=user, action=IdentityAccess.Action.REVEAL, reason=reason)
    if reveal_burst_crossed(user=user, source=source):
        from sources.tasks import notify_reveal_burst

        notify_reveal_burst.delay_on_commit(user.pk, source.investigation_id)
    return identity


@sensitive_variables("values")
def identity_update(*, source, user, reason, values):
    """Change identity fields; the source goes back to protection review."""
    if not access.may_see_identity(user, source):
        raise PermissionDenied("Only the handler and the investigation's editors see identities.")
    check_reason(reason)
    changed = [name for name in Source.IDENTITY_FIELDS if name in values]
    with transaction.atomic():
        for name in changed:
            setattr(source, name, values[name])
        source.note_edit(changed, user)
        source.save()
        access_log(subject=source, user=user, action=IdentityAccess.Action.EDIT, reason=reason)


def identity_erase(*, source, user, reason):
    """Burn a source's identity: erase it (and its interviews' sensitive notes) for good,
    keeping the codename and everything attributed to it."""
    if not access.may_review(user, source):
        raise PermissionDenied("Only the investigation's editors and admins erase identities.")
    check_reason(reason)
    require_keys_open_what_is_stored()  # a wrong key must not even erase
    with transaction.atomic():
        for name in Source.IDENTITY_FIELDS:
            setattr(source, name, "")
        source.save()
        for interview in source.interviews.all():
            interview.sensitive_notes = ""
            interview.save(update_fields=["sensitive_notes"])
        access_log(subject=source, user=user, action=IdentityAccess.Action.ERASE, reason=reason)


@sensitive_variables("notes")
def notes_reveal(*, interview, user, reason):
    """An interview's sensitive notes in plain text for its interviewer or an editor, logged
    like a reveal."""
    if not access.may_read_sensitive_notes(user, interview):
        raise PermissionDenied("Only the interviewer and the investigation's editors read these.")
    check_reason(reason)
    notes = interview.sensitive_notes.reveal()
    access_log(subject=interview, user=user, action=IdentityAccess.Action.NOTES_READ, reason=reason)
    return notes


@sensitive_variables("notes")
def notes_update(*, interview, user, reason, notes):
    if not access.may_read_sensitive_notes(user, interview):
        raise PermissionDenied("Only the interviewer and the investigation's editors read these.")
    check_reason(reason)
    with transaction.atomic():
        interview.sensitive_notes = notes
        interview.save(update_fields=["sensitive_notes", "updated_at"])
        access_log(
            subject=interview, user=user, action=IdentityAccess.Action.NOTES_EDIT, reason=reason
        )


def source_hand_over(*, source, to, by, reason):
    """Make `to` the source's handler: only an editor of its investigation, with a reason, to
    a member of it; logged, and both the previous and the new handler are emailed."""
    return holder_hand_over(row=source, field="handler", to=to, by=by, reason=reason)


def interview_hand_over(*, interview, to, by, reason):
    """Make `to` the interviewer (who may read the sensitive notes), as source_hand_over."""
    return holder_hand_over(row=interview, field="interviewer", to=to, by=by, reason=reason)


def holder_hand_over(*, row, field, to, by, reason):
    if not access.may_hand_over(by, row):
        raise PermissionDenied("Only the investigation's editors hand over sources and interviews.")
    if not access.may_hold(to, row.investigation_id):
        raise ValidationError("Choose an active member of this investigation.")
    check_reason(reason)
    previous = getattr(row, field)
    if previous == to:
        raise ValidationError(f"{to.get_username()} already holds it.")
    with transaction.atomic():
        setattr(row, field, to)
        row.save(update_fields=[field, "updated_at"])
        entry = access_log(
            subject=row,
            user=by,
            action=IdentityAccess.Action.HAND_OVER,
            reason=reason,
            handed_from=previous,
            handed_to=to,
        )
    from sources.tasks import notify_hand_over

    notify_hand_over.delay_on_commit(entry.pk)
    return entry


def access_log(*, subject, user, action, reason, **fields):
    """One append-only row of the access log about a source or an interview."""
    about = {"source": subject} if isinstance(subject, Source) else {"interview": subject}
    return IdentityAccess.objects.create(
        investigation_id=subject.investigation_id,
        user=user,
        action=action,
        reason=reason.strip(),
        **about,
        **fields,
    )


def hand_over_notify(*, access_id):
    """Email the previous and the new holder of a handed-over source or interview: codename or
    date and a link, never a name or a place."""
    entry = IdentityAccess.objects.select_related(
        "source", "interview", "user", "handed_from", "handed_to"
    ).get(pk=access_id)
    subject_row = entry.source or entry.interview
    what = f"source {entry.source.codename}" if entry.source else f"interview {entry.interview}"
    recipients = [p.email for p in (entry.handed_from, entry.handed_to) if p and p.email]
    body = (
        f"{entry.user.get_username()} handed the {what} over from "
        f"{entry.handed_from.get_username()} to {entry.handed_to.get_username()}.\n\n"
        f"Open it: {settings.SITE_URL}{subject_row.get_absolute_url()}\n"
    )
    return send_mail(f"[Fieldbook] {what.capitalize()} handed over", body, None, recipients)


def reveal_burst_crossed(*, user, source):
    """True on the reveal that takes one person past REVEAL_BURST_LIMIT distinct sources in
    the window (once per crossing, so editors get one alert, not one per reveal)."""
    window = IdentityAccess.objects.filter(
        user=user,
        action=IdentityAccess.Action.REVEAL,
        at__gte=timezone.now() - REVEAL_BURST_WINDOW,
    )
    revealed = window.values("source").distinct().count()
    repeat = window.filter(source=source).count() > 1
    return revealed == REVEAL_BURST_LIMIT + 1 and not repeat


def reveal_burst_notify(*, user_id, investigation_id):
    """Email the investigation's editors: who revealed how many identities (codenames only)."""
    accesses = IdentityAccess.objects.filter(
        user_id=user_id,
        action=IdentityAccess.Action.REVEAL,
        at__gte=timezone.now() - REVEAL_BURST_WINDOW,
    ).select_related("source", "user")
    if not accesses:
        return 0
    person = accesses[0].user
    codenames = sorted({access.source.codename for access in accesses})
    editors = Membership.objects.filter(
        investigation_id=investigation_id, role__in=EDITING_ROLES, user__is_active=True
    ).exclude(user__email="")
    recipients = [membership.user.email for membership in editors.select_related("user")]
    log_url = settings.SITE_URL + reverse("admin:sources_identityaccess_changelist")
    body = (
        f"{person.get_username()} revealed the identities of {len(codenames)} sources in the "
        f"last 24 hours: {', '.join(codenames)}.\n\nRead the access log: {log_url}?user__id__exact="
        f"{person.pk}\n"
    )
    subject = f"[Fieldbook] {person.get_username()} revealed {len(codenames)} identities in 24 h"
    return send_mail(subject, body, None, recipients)


def identities_rotate(*, batch_size=500, progress=None):
    """Re-encrypt every identity value under the newest key, in batches of committed work.

    Rows already under the newest key are skipped, so an interrupted run resumes where it
    stopped. Returns {column: (re-encrypted, already current)}.
    """
    newest = key_id(current_keys()[0])
    report = {}
    for model, name in encrypted_columns():
        label = f"{model._meta.label_lower}.{name}"
        report[label] = column_rotate(model, name, newest, batch_size, progress, label)
    return report


def column_rotate(model, name, newest, batch_size, progress, label):
    rows = model._base_manager.exclude(**{name: ""}).order_by("pk")
    total, rotated, current, last_pk = rows.count(), 0, 0, 0
    while True:
        batch = list(rows.filter(pk__gt=last_pk).values_list("pk", name)[:batch_size])
        if not batch:
            return rotated, current
        stale = [(pk, sealed) for pk, sealed in batch if sealed.key_id != newest]
        with transaction.atomic():
            for pk, sealed in stale:
                model._base_manager.filter(pk=pk).update(**{name: sealed.reveal()})
        rotated, current, last_pk = (
            rotated + len(stale),
            current + len(batch) - len(stale),
            batch[-1][0],
        )
        if progress:
            progress(label, rotated + current, total)
