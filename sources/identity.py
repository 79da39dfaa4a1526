"""Identities and sensitive notes: revealing, changing, erasing and rotating them, and handing
sources and interviews over, always with a reason and a row in the access log."""

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from investigation import access
from sources.alerts import (
    REVEAL_BURST_LIMIT,  # noqa: F401 (where callers have always found it)
    REVEAL_BURST_WINDOW,
    hand_over_alert,
    reveal_burst_alert,
)
from sources.fields import (
    current_keys,
    encrypted_columns,
    key_id,
    require_keys_open_what_is_stored,
)
from sources.models import IdentityAccess, Interview, NotesRevision, Source

MINIMUM_REASON_LENGTH = 10


class NotesChanged(Exception):
    """The sensitive notes were changed since the person read the text they edited: saving it
    would undo that change unseen."""


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
    with transaction.atomic():  # the alert is written with the reveal, or neither is
        entry = access_log(
            subject=source, user=user, action=IdentityAccess.Action.REVEAL, reason=reason
        )
        if reveal_burst_crossed(user=user, source=source):
            reveal_burst_alert(entry=entry)
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
        NotesRevision.objects.filter(interview__in=source.interviews.all()).delete()
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


@sensitive_variables("notes", "previous")
def notes_update(*, interview, user, reason, notes, seen):
    """Replace the notes, keeping the previous text as an encrypted NotesRevision. `seen` is
    the notes_fingerprint of the notes the person read before editing them: when the notes
    changed since, nothing is saved and NotesChanged is raised."""
    if not access.may_read_sensitive_notes(user, interview):
        raise PermissionDenied("Only the interviewer and the investigation's editors read these.")
    check_reason(reason)
    with transaction.atomic():
        stored = Interview.objects.select_for_update().get(pk=interview.pk)
        if notes_fingerprint(stored) != seen:
            raise NotesChanged
        previous = stored.sensitive_notes.reveal()
        if previous == notes:
            return
        if previous:
            NotesRevision.objects.create(
                interview=stored,
                text=previous,
                fingerprint=seen,
                changed_by=user,
                reason=reason.strip(),
            )
        stored.sensitive_notes = notes
        stored.save(update_fields=["sensitive_notes", "updated_at"])
        interview.sensitive_notes = stored.sensitive_notes
        access_log(
            subject=interview, user=user, action=IdentityAccess.Action.NOTES_EDIT, reason=reason
        )


def notes_fingerprint(interview):
    """SHA-256 of the stored (encrypted) notes: a new value at every change, since every
    encryption draws a fresh nonce, and nothing learnt about the text."""
    return hashlib.sha256(interview.sensitive_notes.token.encode("ascii")).hexdigest()


EMPTY_NOTES_FINGERPRINT = hashlib.sha256(b"").hexdigest()  # of notes never written or erased


@sensitive_variables("texts")
def notes_revisions_reveal(*, interview, user, reason):
    """The interview's earlier notes, newest first, as (revision, plain text) for its
    interviewer or an editor; the reading is logged like a reveal."""
    if not access.may_read_sensitive_notes(user, interview):
        raise PermissionDenied("Only the interviewer and the investigation's editors read these.")
    check_reason(reason)
    revisions = list(interview.notes_revisions.select_related("changed_by"))
    texts = [(revision, revision.text.reveal()) for revision in revisions]
    access_log(
        subject=interview, user=user, action=IdentityAccess.Action.REVISIONS_READ, reason=reason
    )
    return texts


@sensitive_variables("then", "now")
def notes_conflict_reveal(*, interview, user, reason, seen):
    """After NotesChanged: {then, now, changes}: the notes the person had read (None when no
    revision holds them any more), the notes now, and the changes made since (access log rows:
    who, when, why). Logged as a reading."""
    if not access.may_read_sensitive_notes(user, interview):
        raise PermissionDenied("Only the interviewer and the investigation's editors read these.")
    check_reason(reason)
    read = interview.notes_revisions.filter(fingerprint=seen).order_by("changed_at", "pk").first()
    then = read.text.reveal() if read else ("" if seen == EMPTY_NOTES_FINGERPRINT else None)
    log = IdentityAccess.objects.filter(interview=interview).select_related("user")
    since = read.changed_at if read else last_reading(log, user)
    changes = log.filter(action=IdentityAccess.Action.NOTES_EDIT)
    if since is not None:
        changes = changes.filter(at__gte=since)
    now = interview.sensitive_notes.reveal()
    access_log(
        subject=interview,
        user=user,
        action=IdentityAccess.Action.NOTES_READ,
        reason=f"Read again: they changed while being edited. {reason.strip()}",
    )
    return {"then": then, "now": now, "changes": list(changes.order_by("at"))}


def last_reading(log, user):
    readings = log.filter(user=user, action=IdentityAccess.Action.NOTES_READ)
    return readings.order_by("-at").values_list("at", flat=True).first()


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
        hand_over_alert(entry=entry)
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
