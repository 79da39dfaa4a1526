"""The fact-check sheet: one row per claim and piece of evidence, for the people who check the
story, never an identity, through the leak scan, and logged like a publication export."""

import csv
import hashlib
import io

from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from investigation import access
from investigation.importexport import formula_escape
from stories.claims import claims_counted
from stories.models import Claim, Evidence, FactcheckExport
from stories.publication.scan import LeakScanner

COLUMNS = ("claim", "status", "independent_sources", "stance", "cited", "how_they_know",
           "date", "quote")  # fmt: skip


def factcheck_export(*, investigation, fmt, user):
    """The sheet as bytes (None when the leak scan refused it) and its log row. Editors and
    Admins of the investigation only."""
    if not access.is_editor(user, investigation.pk):
        raise PermissionDenied("Only the investigation's Editors and Admins write the sheet.")
    scanner = LeakScanner.for_export(investigation=investigation, user=user)
    rows = list(factcheck_rows(investigation))
    findings = [
        finding
        for number, row in enumerate(rows, start=1)
        for finding in scanner.scan_fields(number, f"claim {row['claim_id']}", texts(row))
    ]
    log = FactcheckExport(investigation=investigation, user=user, format=fmt, rows=len(rows))
    if findings:
        log.status, log.findings = FactcheckExport.Status.REFUSED, [f.as_dict() for f in findings]
        log.save()
        return None, log
    content = WRITERS[fmt](rows)
    log.status, log.sha256 = FactcheckExport.Status.DONE, hashlib.sha256(content).hexdigest()
    log.save()
    return content, log


def factcheck_rows(investigation):
    """A row per piece of evidence, and one per claim without any, claims by status."""
    claims = claims_counted(Claim.objects.filter(investigation=investigation))
    evidence = Evidence.objects.filter(claim__investigation=investigation).select_related(
        "source", "interview", "event", "document__issuer"
    )
    by_claim = {}
    for piece in evidence.order_by("claim_id", "stance", "pk"):
        by_claim.setdefault(piece.claim_id, []).append(piece)
    for claim in claims.order_by("status", "pk"):
        for piece in by_claim.get(claim.pk, [None]):
            yield row_of(claim, piece)


def row_of(claim, piece):
    row = {
        "claim_id": claim.pk,
        "claim": claim.text,
        "status": claim.get_status_display(),
        "independent_sources": claim.independent,
        "stance": "",
        "cited": "",
        "how_they_know": "",
        "date": "",
        "quote": "",
    }
    if piece is None:
        return row
    return {
        **row,
        "stance": piece.get_stance_display(),
        "cited": piece.cited(),
        "how_they_know": piece.get_knowledge_display() if piece.source_id else "",
        "date": evidence_date(piece),
        "quote": piece.quote,
    }


def evidence_date(piece):
    if piece.document_id:
        return piece.document.when
    if piece.event_id:
        return piece.event.when
    return f"{piece.interview.conducted_at:%d %b %Y}"


def texts(row):
    return {column: row[column] for column in COLUMNS}


def csv_bytes(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([formula_escape(row[column]) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("fact-check")
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([formula_escape(row[column]) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WRITERS = {"csv": csv_bytes, "xlsx": xlsx_bytes}
