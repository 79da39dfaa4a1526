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
from stories.publication.rows import CHUNK_SIZE, Places, publication_events, publication_row
from stories.publication.scan import LeakScanner
from stories.publication.writers import WRITERS

logger = logging.getLogger(__name__)

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
