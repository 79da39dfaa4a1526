"""django-import-export in Fieldbook's admin: CSV, XLSX and JSON, for Admins only; and the
import jobs that run large imports (spreadsheet or ACLED) on a Celery worker.

- Imports go into one investigation the importer administers, chosen on the form. A preview
  (everything checked, model validation included, then rolled back) comes before the confirm;
  the confirmed import runs in one transaction that is rolled back if any row fails, so a file
  with one bad row writes nothing. Every problem is listed with its row (as the spreadsheet
  numbers it), column, value and reason, in words: never a database message or a traceback.
- A file that cannot be read (random bytes, a broken workbook, UTF-16, a semicolon-separated
  CSV, NUL bytes, no rows) is a form error naming the likely cause, never a server error.
  Workbooks are refused before parsing when a part unpacks to more than
  IMPORT_XLSX_PART_MAX_BYTES; files over IMPORT_MAX_BYTES or IMPORT_MAX_ROWS are refused.
- Uploads live encrypted in imports/ of the private storage (never the system's temp folder,
  where burning a source would not reach them), which every server and worker shares, and are
  deleted when the import ends, however it ends; the sweep deletes what a crash left after
  IMPORT_FILE_MAX_AGE.
- Files above IMPORT_ASYNC_ROWS rows become an ImportJob: a worker previews them, the
  importer confirms on the job's page, a worker imports them, and the importer is emailed at
  each step. The job row is the outbox: if the broker is away the job waits and the sweep
  sends it again.
- Exports hold the admin list's rows (its filters and search apply) in investigations the
  person administers, and no cell that a spreadsheet would run as a formula.
"""

import io
import json
import logging
import re
import uuid
import zipfile
from dataclasses import dataclass
from functools import partial

from celery import current_app
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import mail
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import RowResult
from import_export.tmp_storages import MediaStorage

from investigation import access, search
from investigation.admin_page import admin_page
from investigation.models import ImportJob, Investigation, Role
from investigation.resources import FORMULA_STARTS, FileProblem, sheet_row

logger = logging.getLogger(__name__)

PROBLEMS_SHOWN = 500
PROBLEM_VALUE_LENGTH = 80
IMPORT_NAME = re.compile(r"[0-9a-f]{32}")


def formula_escape(value):
    """A text a spreadsheet would run as a formula, made plain text with a leading quote."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return f"'{value}"
    return value


# Where import files wait -------------------------------------------------------------------


IMPORTS = "imports"  # the folder of the private storage (settings.STORAGES["private"])


def private_storage():
    """Encrypted, under MEDIA_ROOT or in the bucket every server shares (sources.storage)."""
    return storages["private"]


def import_file_save(data):
    """Keep an import file in imports/ with a random name; returns the name."""
    name = uuid.uuid4().hex
    private_storage().save(f"{IMPORTS}/{name}", ContentFile(data))
    return name


def import_file_read(name):
    with private_storage().open(f"{IMPORTS}/{name}") as file:
        return file.read()


def import_file_exists(name):
    return bool(name) and private_storage().exists(f"{IMPORTS}/{name}")


def import_file_names():
    """The names in imports/ (import files, their progress, unfinished writes)."""
    try:
        return private_storage().listdir(IMPORTS)[1]
    except FileNotFoundError:  # no import yet under MEDIA_ROOT
        return []


def import_file_delete(name):
    if name and IMPORT_NAME.fullmatch(name):
        private_storage().delete(f"{IMPORTS}/{name}")
        private_storage().delete(f"{IMPORTS}/{name}.progress")


class ImportFolderStorage(MediaStorage):
    """import-export's upload between the preview and the confirm, in imports/
    (its default is the system's temp folder, which burning a source never reaches)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.MEDIA_FOLDER = IMPORTS

    def _configure_storage(self):
        self._storage = private_storage()

    def remove(self):
        import_file_delete(self.name)


# Formats: read strictly, refuse what would parse to nothing --------------------------------


class FormulaEscapingFormat:
    """Neutralises =, +, -, @ (and tab, CR) at the start of a text cell with a leading quote,
    as OWASP advises; import-export's own escaping only drops a leading "=" and turns every
    number into text. On import the quote comes off again (resources.formula_unescape)."""

    def _escape_formulae(self, dataset):
        for _row in range(len(dataset)):
            dataset.append([formula_escape(cell) for cell in dataset.lpop()])

    def create_dataset(self, in_stream, **kwargs):
        return rows_check(super().create_dataset(self.readable(in_stream), **kwargs))

    def readable(self, data):
        return data


def text_of(data):
    """An upload's text, or FileProblem naming why it is not UTF-8 text."""
    if isinstance(data, str):
        return data
    if not data.strip():
        raise FileProblem("The file is empty.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise FileProblem(
            'The file is UTF-16 text (as Excel\'s "Unicode text" saves it): save it as CSV '
            "UTF-8 and import it again."
        )
    if data.startswith(b"PK\x03\x04"):
        raise FileProblem("This is an Excel workbook (or a zip file): choose the XLSX format.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FileProblem(
            f"Not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}): save the file "
            "as CSV UTF-8 and import it again."
        ) from None


def rows_check(dataset):
    if not dataset.headers or not any(str(name or "").strip() for name in dataset.headers):
        raise FileProblem("The first row must name the columns: it is empty.")
    if not len(dataset):
        raise FileProblem("The file has a header row but no rows to import.")
    if len(dataset) > settings.IMPORT_MAX_ROWS:
        raise FileProblem(
            f"The file has {len(dataset):,} rows; Fieldbook imports at most "
            f"{settings.IMPORT_MAX_ROWS:,} at a time: split it."
        )
    return dataset


class CSV(FormulaEscapingFormat, base_formats.CSV):
    def readable(self, data):
        text = text_of(data)
        if "\x00" in text:
            raise FileProblem("The file contains NUL bytes, so it is not a CSV text file.")
        header = text.split("\n", 1)[0]
        for name, mark in (("semicolons", ";"), ("tabs", "\t")):
            if "," not in header and mark in header:
                raise FileProblem(
                    f"The columns are separated by {name}, not commas: save the file as CSV "
                    "with commas (in LibreOffice: Save as, Edit filter settings, field "
                    'delimiter ",") and import it again.'
                )
        return text


class XLSX(FormulaEscapingFormat, base_formats.XLSX):
    def readable(self, data):
        """Every part of the workbook no larger, unpacked, than IMPORT_XLSX_PART_MAX_BYTES,
        checked before openpyxl reads any of it (a 1 MB file can unpack to gigabytes).
        zipfile never yields more than a part's declared size, so the check holds."""
        try:
            parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except zipfile.BadZipFile:
            raise FileProblem(
                "This is not an Excel workbook (XLSX): choose the file's own format."
            ) from None
        limit = settings.IMPORT_XLSX_PART_MAX_BYTES
        for part in parts:
            if part.file_size > limit:
                raise FileProblem(
                    f"A part of this workbook ({part.filename}) unpacks to "
                    f"{filesizeformat(part.file_size)}, more than the {filesizeformat(limit)} "
                    "Fieldbook reads: save the sheet as CSV, or split it."
                )
        return data


class JSON(FormulaEscapingFormat, base_formats.JSON):
    def readable(self, data):
        text = text_of(data)
        try:
            rows = json.loads(text)
        except ValueError:
            raise FileProblem("Not valid JSON: export the rows as a JSON list again.") from None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise FileProblem("The JSON must be a list of rows, each an object of columns.")
        return text


FORMATS = [CSV, XLSX, JSON]
FORMAT_NAMES = {"csv": CSV, "xlsx": XLSX, "json": JSON}


def dataset_read(data, fmt):
    """The rows of an import file in format `fmt` (csv, xlsx, json); FileProblem if none."""
    file_format = FORMAT_NAMES[fmt](encoding="utf-8-sig")
    return file_format.create_dataset(data)


def format_name(file_format):
    return next(name for name, cls in FORMAT_NAMES.items() if isinstance(file_format, cls))


# Problems, in words ------------------------------------------------------------------------


@dataclass
class ImportProblem:
    """One thing wrong with an import file. `row` counts as a spreadsheet does (the header
    is row 1); None is the file as a whole."""

    row: int | None
    column: str
    value: str
    reason: str

    def as_list(self):
        return [self.row, self.column, self.value, self.reason]

    def __str__(self):
        where = f"row {self.row}" if self.row else "file"
        column = f", {self.column}" if self.column else ""
        value = f" {self.value!r}" if self.value else ""
        return f"{where}{column}{value}: {self.reason}"


def shorten(value):
    text = "" if value is None else str(value)
    if len(text) <= PROBLEM_VALUE_LENGTH:
        return text
    return f"{text[: PROBLEM_VALUE_LENGTH - 1]}…"


def error_words(error):
    """What a person may read of an error: the file problems Fieldbook words itself, never
    a database message (it may quote the data) or a traceback."""
    if isinstance(error, FileProblem):
        return str(error)
    logger.warning("An import failed: %s", type(error).__name__)
    return (
        "Fieldbook could not save these rows, so nothing was imported. Check the rows "
        "against the columns' help and import the file again."
    )


def import_problems(result, resource):
    """Every problem of an import-export result, in words."""
    columns = {field.attribute: field.column_name for field in resource.get_import_fields()}
    problems = [
        ImportProblem(None, "", "", error_words(error.error)) for error in result.base_errors
    ]
    for row in result.error_rows:
        problems += [
            ImportProblem(sheet_row(row.number), "", "", error_words(error.error))
            for error in row.errors
        ]
    for row in result.invalid_rows:
        values = dict(zip(result.diff_headers, row.values, strict=False))
        for name, reasons in row.error_dict.items():
            column = "" if name == NON_FIELD_ERRORS else columns.get(name, name)
            value = values.get(column, "")
            value = "" if value == "---" else shorten(value)  # "---": a column not in the file
            for reason in reasons:
                problems.append(ImportProblem(sheet_row(row.number), column, value, reason))
    return sorted(problems, key=lambda problem: problem.row or 0)  # the file's first


class InvestigationImportForm(ImportForm):
    investigation = forms.ModelChoiceField(
        queryset=Investigation.objects.none(),
        help_text="Rows go into this investigation. A row naming another one is refused.",
    )
    field_order = ["investigation", "resource", "import_file", "format"]

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"This file is larger than the limit of {filesizeformat(limit)}: split it."
            )
        return upload


class InvestigationConfirmImportForm(ConfirmImportForm):
    investigation = forms.ModelChoiceField(
        queryset=Investigation.objects.none(), widget=forms.HiddenInput
    )


def administered(user):
    """The investigations `user` is an Admin of (superusers are not: they set up, not import)."""
    return Investigation.objects.filter(pk__in=access.investigation_ids(user, [Role.ADMIN]))


class AdminImportExportMixin(ImportExportMixin):
    """For an admin whose rows belong to investigations (ScopedAdmin)."""

    formats = FORMATS
    import_form_class = InvestigationImportForm
    confirm_form_class = InvestigationConfirmImportForm
    tmp_storage_class = ImportFolderStorage
    import_template_name = "admin/import_export/fieldbook_import.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(self.import_job_view)
        name = "{}_{}_import_job".format(*info)
        return [path("import-jobs/<int:pk>/", view, name=name), *super().get_urls()]

    def has_import_permission(self, request):
        return access.administers_any(request.user)

    def has_export_permission(self, request):
        return self.has_import_permission(request)

    def get_export_queryset(self, request):
        """The admin list's rows (its filters and search), in investigations they administer."""
        rows = super().get_export_queryset(request)
        ids = access.investigation_ids(request.user, [Role.ADMIN])
        return rows.filter(**{f"{rows.investigation_field}__in": ids})

    def create_import_form(self, request):
        form = super().create_import_form(request)
        form.fields["investigation"].queryset = administered(request.user)
        return form

    def create_confirm_form(self, request, import_form=None):
        form = super().create_confirm_form(request, import_form)
        form.fields["investigation"].queryset = administered(request.user)
        return form

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["investigation"] = import_form.cleaned_data["investigation"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        if form is None or not form.is_bound or not form.is_valid():
            return {}
        return {"investigation": form.cleaned_data["investigation"], "user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        # The confirmed import is rolled back if any row is invalid, not only on errors.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def add_data_read_fail_error_to_form(self, form, error):
        form.add_error("import_file", unreadable_words(error))

    def import_action(self, request, **kwargs):
        """Any file import-export cannot read, however broken, is a form error; a large file
        becomes an import job; the upload of a preview that cannot be confirmed is deleted."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            import_files_sweep()
            handed_over = self.import_job_start(request)
            if handed_over is not None:
                return handed_over
        try:
            response = super().import_action(request, **kwargs)
        except PermissionDenied:
            raise
        except Exception as error:
            response = self.unreadable_file_response(request, error)
        upload = request.FILES.get("import_file")
        if response.context_data.get("confirm_form") is None and upload is not None:
            import_file_delete(getattr(upload, "tmp_storage_name", ""))
        return self.with_problems(request, response)

    def process_import(self, request, **kwargs):
        try:
            response = super().process_import(request, **kwargs)
        except PermissionDenied:
            raise
        except Exception as error:
            response = self.unreadable_file_response(request, error)
        finally:
            import_file_delete(request.POST.get("import_file_name", ""))
        return self.with_problems(request, response)

    def with_problems(self, request, response):
        result = getattr(response, "context_data", {}).get("result")
        if result is not None and (result.has_errors() or result.has_validation_errors()):
            resource = self.get_import_resource_classes(request)[0]()
            problems = import_problems(result, resource)
            response.context_data["problems"] = problems[:PROBLEMS_SHOWN]
            response.context_data["problems_left_out"] = max(len(problems) - PROBLEMS_SHOWN, 0)
        return response

    def unreadable_file_response(self, request, error):
        form = self.create_import_form(request)
        form.is_valid()
        form.add_error("import_file", unreadable_words(error))
        return self.import_form_response(request, form)

    def import_form_response(self, request, form):
        return admin_page(
            request,
            [self.import_template_name],
            title=_("Import"),
            model_admin=self,
            **self.get_import_context_data(),
            form=form,
            media=self.media + form.media,
            fields_list=[],
            import_error_display=self.import_error_display,
        )

    def get_import_context_data(self, **kwargs):
        return {
            **super().get_import_context_data(**kwargs),
            "async_rows": settings.IMPORT_ASYNC_ROWS,
            "max_rows": settings.IMPORT_MAX_ROWS,
            "max_bytes": settings.IMPORT_MAX_BYTES,
        }

    def process_result(self, result, request):
        """A confirmed import that failed after all (the data changed since the preview) was
        rolled back: say so and show why, rather than "Import finished"."""
        if not (result.has_errors() or result.has_validation_errors()):
            import_index(result=result, model=self.model)
            return super().process_result(result, request)
        messages.error(request, _("Nothing was imported: the file no longer imports cleanly."))
        form = self.create_import_form(request)
        response = self.import_form_response(request, form)
        response.context_data["result"] = result
        return response

    # Large files: an import job on a worker -------------------------------------------------

    def import_job_start(self, request):
        """A redirect to the job's page when the upload has more than IMPORT_ASYNC_ROWS rows;
        None to import it here (or to let the form say what is wrong with it)."""
        form = self.create_import_form(request)
        if not form.is_valid():
            return None
        file_format = self.get_import_formats()[int(form.cleaned_data["format"])]()
        data = b"".join(form.cleaned_data["import_file"].chunks())
        try:
            rows = len(file_format.create_dataset(data))
        except Exception:
            return None  # the ordinary path words the problem
        if rows <= settings.IMPORT_ASYNC_ROWS:
            return None
        resource = self.get_import_resource_classes(request)[0]
        job = import_job_create(
            investigation=form.cleaned_data["investigation"],
            user=request.user,
            kind=ImportJob.Kind.SPREADSHEET,
            target=f"{self.opts.app_label}.{self.opts.model_name}",
            data=data,
            fmt=format_name(file_format),
            resource=f"{resource.__module__}.{resource.__qualname__}",
            rows=rows,
        )
        return redirect(job.get_absolute_url())

    def import_job_view(self, request, pk):
        target = f"{self.opts.app_label}.{self.opts.model_name}"
        job = administered_jobs(request.user).filter(pk=pk, target=target).first()
        if job is None:
            raise Http404("No such import in your investigations.")
        if request.method == "POST":
            if not import_job_confirm(job=job, user=request.user):
                messages.error(request, "This import cannot be confirmed (any more).")
            return redirect(job.get_absolute_url())
        problems = [ImportProblem(*problem) for problem in job.problems[:PROBLEMS_SHOWN]]
        return admin_page(
            request,
            "admin/import_export/import_job.html",
            title=f"{job.get_kind_display()} import into {job.investigation}",
            model_admin=self,
            job=job,
            progress=import_job_progress(job),
            problems=problems,
            problems_left_out=max(len(job.problems) - PROBLEMS_SHOWN, 0),
            may_confirm=job.status == ImportJob.Status.READY and job.user_id == request.user.pk,
        )


def unreadable_words(error):
    if isinstance(error, FileProblem):
        return str(error)
    # The type only: a message may quote the file's cells.
    logger.warning("An import file could not be read: %s", type(error).__name__)
    return (
        f"Fieldbook could not read this file ({type(error).__name__}). Upload a CSV (UTF-8, "
        "separated by commas), XLSX or JSON file with a header row, and choose its format."
    )


def administered_jobs(user):
    return ImportJob.objects.visible_to(user, [Role.ADMIN]).select_related("investigation", "user")


# Import jobs: the worker side, the outbox and the sweep ------------------------------------


def import_job_create(*, investigation, user, kind, target, data, rows, fmt="", resource=""):
    """A job for a large import: its file kept under MEDIA_ROOT/imports, a worker asked to
    preview it once the row is committed."""
    job = ImportJob.objects.create(
        investigation=investigation,
        user=user,
        kind=kind,
        target=target,
        resource=resource,
        format=fmt,
        file=import_file_save(data),
        rows=rows,
    )
    transaction.on_commit(partial(import_job_send, job.pk))
    return job


def import_job_confirm(*, job, user):
    """The importer confirms a checked job: a worker imports it. False if it is not waiting
    for that person's confirmation."""
    waiting = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY, user=user)
    queued = waiting.update(
        status=ImportJob.Status.QUEUED, confirmed=True, queued_at=timezone.now(), started_at=None
    )
    if queued:
        transaction.on_commit(partial(import_job_send, job.pk))
    return bool(queued)


def import_job_send(job_id):
    """Hand the job to a worker. When the broker cannot be reached the job stays queued, the
    page says it is waiting, and the sweep sends it again: never an error for the importer."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    # By name: the ACLED task lives in events, a layer above this one.
    task = import_string(job.TASKS[job.kind])
    try:
        # One try, no retries: a broker that does not answer fails at once, not after 20.
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0)
            task.apply_async((job_id,), connection=connection, retry=False)
    except Exception as error:  # the broker's errors vary with the transport: never a 500
        logger.warning("Import job %s waits for the sweep: %s", job_id, type(error).__name__)


def import_job_progress(job):
    """{"checked": n, "written": m} while a worker runs the job (a file beside the import
    file: the job's own row cannot show it before the import's transaction ends)."""
    if not job.running or not job.file:
        return {"checked": job.rows_checked, "written": job.rows_written}
    try:
        return json.loads(import_file_read(f"{job.file}.progress"))
    except (OSError, ValueError):
        return {"checked": 0, "written": 0}


def import_job_reporter(job):
    """progress(stage, done) for the import code: writes the progress file."""
    progress = {"checked": 0, "written": 0}
    target = f"{IMPORTS}/{job.file}.progress"

    def report(stage, done, total=None):
        progress[stage] = done
        # Replaced whole (a file is written, then moved; an object is put at once): a web
        # server reading it meanwhile gets the previous figures.
        private_storage().save(target, ContentFile(json.dumps(progress)))

    return report


def import_job_finish(job, *, status, problems=(), summary="", **counts):
    """Record how the job ended (or that it waits for confirmation), delete its file unless
    it waits, and email the importer."""
    job.status, job.summary = status, summary[:500]
    job.problems = [problem.as_list() for problem in problems]
    for name, value in counts.items():
        setattr(job, name, value)
    if status != ImportJob.Status.READY:
        import_file_delete(job.file)
        job.file, job.finished_at = "", timezone.now()
    else:
        private_storage().delete(f"{IMPORTS}/{job.file}.progress")
    job.save()
    import_job_notify(job)
    return job


def import_job_run(*, job):
    """A spreadsheet job on the worker: the preview (nothing written) until it is
    confirmed, then the import in one transaction. Whatever happens, the job ends with a
    status the importer can read."""
    started = timezone.now()  # the rows it writes are stamped after this (import_index)
    report = import_job_reporter(job)
    try:
        resource = import_string(job.resource)(
            investigation=job.investigation, user=job.user, progress=report, diff=False
        )
        dataset = dataset_read(import_file_read(job.file), job.format)
        result = resource.import_data(
            dataset,
            dry_run=not job.confirmed,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
        )
    except FileProblem as problem:
        return import_job_finish(
            job,
            status=ImportJob.Status.REFUSED,
            problems=[ImportProblem(None, "", "", str(problem))],
        )
    except Exception as error:
        logger.exception("Import job %s failed", job.pk)
        return import_job_finish(
            job,
            status=ImportJob.Status.FAILED,
            problems=[ImportProblem(None, "", "", error_words(error))],
        )
    if result.has_errors() or result.has_validation_errors():
        return import_job_finish(
            job,
            status=ImportJob.Status.REFUSED,
            problems=import_problems(result, resource),
            rows_checked=len(dataset),
        )
    totals = result.totals
    counts = {
        "rows_checked": len(dataset),
        "new_rows": totals["new"],
        "changed_rows": totals["update"],
        "unchanged_rows": totals["skip"],
    }
    if not job.confirmed:
        return import_job_finish(job, status=ImportJob.Status.READY, **counts)
    import_index(
        result=result, model=resource._meta.model, investigation=job.investigation, since=started
    )
    return import_job_finish(
        job, status=ImportJob.Status.DONE, rows_written=totals["new"] + totals["update"], **counts
    )


def import_index(*, result, model, investigation=None, since=None):
    """After a confirmed import committed: index the rows it wrote and forget those it deleted
    (investigation.search); the records quoting a changed row (a renamed place's events) are
    indexed again by a worker. New rows get their ids when bulk-created: the admin keeps their
    instances, a worker does not (too many), so it names the investigation and the time the
    import began instead. If this fails, the import stands and the sweep indexes the rows."""
    kinds = (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE)
    rows = [row for row in result.rows if row.import_type in kinds]
    ids = {getattr(row.instance, "pk", None) or row.object_id for row in rows} - {None}
    if since is not None:
        written = model._default_manager.filter(investigation=investigation, updated_at__gte=since)
        ids |= set(written.values_list("pk", flat=True))
    search.entries_refresh(model=model, ids=sorted(ids))
    deleted = [
        row.object_id for row in result.rows if row.import_type == RowResult.IMPORT_TYPE_DELETE
    ]
    search.entries_forget(model=model, ids=deleted)
    changed = [row.object_id for row in rows if row.import_type == RowResult.IMPORT_TYPE_UPDATE]
    search.dependents_enqueue(model=model, ids=changed)


NOTICES = {
    ImportJob.Status.READY: "is checked and waits for your confirmation",
    ImportJob.Status.REFUSED: "was refused: nothing was imported",
    ImportJob.Status.DONE: "is done",
    ImportJob.Status.FAILED: "failed: nothing was imported",
}


def import_job_notify(job):
    """Email the importer where the job now stands, once per status (the job's row is the
    outbox: if the mail server fails, the sweep tries again). A link, never the data."""
    mine = ImportJob.objects.filter(pk=job.pk, status=job.status, status__in=ImportJob.NOTIFIED)
    if not mine.exclude(notified_status=job.status).update(notified_status=job.status):
        return False
    if not job.user.email:
        return True
    kind = "ACLED" if job.kind == ImportJob.Kind.ACLED else "spreadsheet"
    subject = f"Fieldbook: your {kind} import {NOTICES[job.status]}"
    body = (
        f"Your {kind} import of {job.rows:,} rows "
        f"{NOTICES[job.status]}.\n\n{settings.SITE_URL}{job.get_absolute_url()}\n"
    )
    try:
        mail.send_mail(subject, body, None, [job.user.email])
    except Exception as error:
        logger.warning("Import job %s: email not sent (%s)", job.pk, type(error).__name__)
        mine.update(notified_status="")
        return False
    return True


def import_files_sweep(now=None):
    """Delete import files older than IMPORT_FILE_MAX_AGE that no queued, running or
    waiting job needs: what a crash, an abandoned preview or an unconfirmed job left."""
    now = now or timezone.now()
    cutoff = now - settings.IMPORT_FILE_MAX_AGE
    live = set(ImportJob.objects.exclude(status__in=ImportJob.ENDED).values_list("file", flat=True))
    storage, deleted = private_storage(), 0
    for name in import_file_names():
        path = f"{IMPORTS}/{name}"
        try:
            if name.lstrip(".").split(".")[0] in live or storage.get_modified_time(path) >= cutoff:
                continue
        except FileNotFoundError:
            continue  # another server's sweep, or the end of its import, deleted it meanwhile
        storage.delete(path)
        deleted += 1
    return deleted


def import_jobs_sweep(now=None):
    """The periodic sweep: send again the jobs no worker took, email what was not emailed,
    expire checked jobs nobody confirmed within IMPORT_FILE_MAX_AGE, forget the problems
    (they quote the file) of jobs that ended that long ago, and delete left-over files."""
    now = now or timezone.now()
    resent = 0
    for job in ImportJob.objects.stalled(now).only("pk"):
        if ImportJob.objects.filter(pk=job.pk).stalled(now).update(queued_at=now):
            import_job_send(job.pk)
            resent += 1
    for job in ImportJob.objects.unnotified().select_related("user"):
        import_job_notify(job)
    old = now - settings.IMPORT_FILE_MAX_AGE
    for job in ImportJob.objects.filter(status=ImportJob.Status.READY, created_at__lt=old):
        import_job_finish(job, status=ImportJob.Status.EXPIRED, problems=[])
    ImportJob.objects.filter(finished_at__lt=old).exclude(problems=[]).update(problems=[])
    return {"resent": resent, "files_deleted": import_files_sweep(now)}
