"""The publication export as a workflow: check who asks, log it, write the publishable events
while the leak scan reads every value, then keep the file (and its SHA-256) or refuse it.

Only publishable events, only allowlisted columns, places tied to sources coarsened to their
district (stories.publication.rows), a leak scan of every value (stories.publication.scan)
before the file reaches its destination. Every export is logged; a finding blocks it unless an
Admin gave a reason.
"""

import hashlib
import logging
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from investigation import access
from investigation.models import LeakOverride, PublicationExport
from sources.fields import IdentityKeyError
from sources.storage import private_storage
from stories.models import OverrideApproval
from stories.publication.rows import CHUNK_SIZE, Places, publication_events, publication_row
from stories.publication.scan import LeakScanner
from stories.publication.writers import WRITERS

logger = logging.getLogger(__name__)

MINIMUM_OVERRIDE_REASON = 10
Export = PublicationExport
Approval = OverrideApproval


def publication_export(*, investigation, fmt, user, output, approval=None, progress=None):
    """Export the investigation's events cleared for publication to the file `output` (None:
    exports/ in the private storage, encrypted) in `fmt` (csv, xlsx, json or geojson). Returns the
    PublicationExport log row: done, refused by the leak scan (its findings name row, field,
    kind and codename), or failed. `user` None is the server's command line. `approval`: an
    OverrideApproval a second person gave; the export then goes out if it finds nothing else."""
    export = publication_export_request(
        investigation=investigation, fmt=fmt, user=user, approval=approval
    )
    Export.objects.claim(export.pk)
    export.refresh_from_db()
    return publication_export_run(export=export, output=output, progress=progress)


def publication_export_request(*, investigation, fmt, user, approval=None):
    """Check who asks (and the approval they bring), and log the export as waiting
    (publication_export_run does it)."""
    if user is not None and not access.may_export(user, investigation.pk):
        raise PermissionDenied("Only the investigation's Admins export for publication.")
    if fmt not in Export.Format.values:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(Export.Format.values)}.")
    if approval is not None:
        approval_check(approval, investigation=investigation, user=user)
    with transaction.atomic():
        export = Export.objects.create(
            investigation=investigation,
            user=user,
            format=fmt,
            override_reason=approval.reason if approval else "",
        )
        if approval is not None:
            Approval.objects.filter(pk=approval.pk).update(used_by=export)
    return export


def approval_check(approval, *, investigation, user):
    """An approval is used by the Admin who asked for it, for that investigation, once."""
    if user is None or approval.requested_by_id != user.pk:
        raise PermissionDenied("Only the Admin who asked for this override can export with it.")
    if approval.investigation_id != investigation.pk:
        raise PermissionDenied("This approval is for another investigation.")
    if approval.status != Approval.Status.APPROVED or approval.used_by_id is not None:
        raise PermissionDenied(
            f"Override approval {approval.pk} is {approval.get_status_display().lower()}: "
            "it needs a second person's approval, and it is used once."
        )


def publication_export_run(*, export, output=None, progress=None):
    """Write the export while scanning every value, to a file that stays invisible until it is
    kept (export_file_open); then either discard it and log the findings (refused), or keep it
    and log its SHA-256."""
    try:
        scanner = LeakScanner.for_export(investigation=export.investigation, user=export.user)
    except IdentityKeyError:
        return publication_export_end(
            export,
            Export.Status.FAILED,
            error="The leak scan could not read the sources' identities (encryption keys).",
        )
    events = publication_events(export.investigation)
    export.total, export.sources_scanned = events.count(), scanner.sources
    export.save(update_fields=["total", "sources_scanned"])
    stream = export_file_open(export, output)
    try:
        findings = publication_write(export, events, scanner, stream, progress)
    except Exception as error:
        logger.exception("Publication export %s failed", export.pk)
        stream.discard()
        return publication_export_refuse(export, Export.Status.FAILED, error=type(error).__name__)
    approval = Approval.objects.filter(used_by=export).first()
    if findings and not (approval and approval.covers(f.key() for f in findings)):
        stream.discard()
        error = "New findings since the override was approved." if approval else ""
        return publication_export_refuse(
            export, Export.Status.REFUSED, findings=findings, error=error
        )
    stream.close()
    with transaction.atomic():
        leak_overrides_log(export, findings, approval)
        return publication_export_end(
            export,
            Export.Status.DONE,
            findings=findings,
            overridden=bool(findings),
            sha256=export_file_sha256(stream.name, local=output is not None),
            path=stream.name,
        )


def publication_export_refuse(export, status, **fields):
    """A refused or failed export frees the approval it brought, for another try."""
    Approval.objects.filter(used_by=export).update(used_by=None)
    return publication_export_end(export, status, **fields)


def publication_write(export, events, scanner, stream, progress):
    """Every row scanned and written to the binary `stream`; the findings."""
    places = Places(export.investigation)
    writer = WRITERS[export.format](stream)
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


def leak_overrides_log(export, findings, approval):
    """Each finding that went out, with the reason of the Admin who asked and the approval of
    the second person; the approval is used up."""
    if approval is None:
        return
    Approval.objects.filter(pk=approval.pk).update(status=Approval.Status.USED)
    reason = (
        f"{approval.reason}\n\nApproved by {approval.decided_by.get_username()} on "
        f"{approval.decided_at:%d %b %Y %H:%M}: {approval.decision_note}"
    )
    LeakOverride.objects.bulk_create(
        LeakOverride(
            export=export,
            user=export.user,
            reason=reason,
            row=finding.row,
            event=finding.event,
            field=finding.field,
            codename=finding.codename,
            kind=finding.kind,
        )
        for finding in findings
    )


EXPORTS = "exports"  # the folder of the private storage where the admin's exports are kept


def export_file_open(export, output):
    """Where the export is written: exports/ in the private storage (encrypted, under
    MEDIA_ROOT or in the bucket every server shares, never served directly), or the file the
    command line named on this server. Nothing is there until close(); discard() leaves
    nothing."""
    if output is None:
        name = f"{EXPORTS}/{export.pk}-{uuid.uuid4().hex}.{export.format}"
        return private_storage().open(name, "wb")
    return LocalFile(output)


def export_file_name(export):
    """The export's name in the private storage, or None for a file the command line wrote
    elsewhere. Exports kept before the private storage logged their path under
    MEDIA_ROOT/exports: the same file, by its name (encrypt_stored_files encrypted it)."""
    path = export.path or ""
    if path.startswith(f"{EXPORTS}/") and "/" not in path[len(EXPORTS) + 1 :]:
        return path
    legacy = Path(path)
    kept = (Path(settings.MEDIA_ROOT) / EXPORTS).resolve()
    if legacy.is_absolute() and legacy.resolve().parent == kept:
        return f"{EXPORTS}/{legacy.name}"
    return None


def export_file_sha256(name, *, local):
    digest = hashlib.sha256()
    with open(name, "rb") if local else private_storage().open(name) as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


class LocalFile:
    """A file the command line named, written as a private file is: beside it under a hidden
    name (mode 600), moved there whole on close(), deleted on discard()."""

    def __init__(self, output):
        self.name = str(Path(output).absolute())
        partial = f".{Path(self.name).name}.{uuid.uuid4().hex}.partial"
        self.partial = Path(self.name).with_name(partial)
        descriptor = os.open(self.partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        self.file = os.fdopen(descriptor, "wb")
        self.closed = False

    def write(self, data):
        return self.file.write(data)

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False

    def flush(self):
        self.file.flush()

    def close(self):
        self.file.close()
        os.replace(self.partial, self.name)
        self.closed = True

    def discard(self):
        self.file.close()
        self.partial.unlink(missing_ok=True)
        self.closed = True


# Overrides: two people -----------------------------------------------------------------------


def override_request(*, export, user, reason):
    """An Admin asks to publish what a refused export found, with a reason; a second person
    decides (override_decide)."""
    if export.status != Export.Status.REFUSED or not export.findings:
        raise PermissionDenied("Only an export the leak scan refused needs an override.")
    if export.user_id != user.pk or not access.may_export(user, export.investigation_id):
        raise PermissionDenied("Only the Admin who ran the export asks to override it.")
    if len((reason or "").strip()) < MINIMUM_OVERRIDE_REASON:
        raise PermissionDenied("Say why every finding may be published (a sentence or more).")
    return Approval.objects.create(
        investigation_id=export.investigation_id,
        refused_export=export,
        requested_by=user,
        reason=reason.strip(),
    )


def override_decide(*, approval, user, approve, note):
    """A second person, an Editor or Admin of the investigation who did not ask, approves or
    declines. Logged on the approval."""
    if not access.is_editor(user, approval.investigation_id):
        raise PermissionDenied("Only the investigation's Editors and Admins decide overrides.")
    if user.pk == approval.requested_by_id:
        raise PermissionDenied("Someone other than the Admin who asked must decide.")
    if approve and len((note or "").strip()) < MINIMUM_OVERRIDE_REASON:
        raise PermissionDenied("Say what you checked before approving (a sentence or more).")
    status = Approval.Status.APPROVED if approve else Approval.Status.DECLINED
    decided = Approval.objects.filter(pk=approval.pk, status=Approval.Status.PENDING).update(
        status=status, decided_by=user, decided_at=timezone.now(), decision_note=note.strip()
    )
    if not decided:
        raise PermissionDenied("This override was already decided.")
    approval.refresh_from_db()
    return approval
