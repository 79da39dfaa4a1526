"""The admin's "Import ACLED" page on the events list, for Admins: upload, preview (every row
checked, counts or every problem shown, nothing written), then confirm.

Between the preview and the confirm the file waits, encrypted, in imports/ of the private storage,
named by a random id that travels only inside a signed token bound to the person and the
investigation, and it is deleted when the import ends, however it ends. A file of more than
IMPORT_ASYNC_ROWS rows becomes an import job instead (investigation.importexport): a worker
checks it, the Admin confirms on its page, a worker imports it.
"""

import io
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse

from events.acled import acled_import
from investigation import access
from investigation.admin_page import admin_page
from investigation.importexport import (
    administered,
    import_file_delete,
    import_file_exists,
    import_file_read,
    import_file_save,
    import_files_sweep,
    import_job_create,
)
from investigation.models import ImportJob

TOKEN_SALT = "events.acled_import"  # noqa: S105 (a signing salt, not a secret)
TOKEN_MAX_AGE = 60 * 60
PROBLEMS_SHOWN = 500


class AcledUploadForm(forms.Form):
    investigation = forms.ModelChoiceField(queryset=None, help_text="Events go into this one.")
    file = forms.FileField(
        label="ACLED export (CSV)",
        help_text="As downloaded from ACLED: the 2023 layout or the older one. Importing it "
        "again later updates the same events (by event_id_cnty).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            limit = filesizeformat(settings.IMPORT_MAX_BYTES)
            raise forms.ValidationError(f"This file is larger than the limit of {limit}: split it.")
        return upload

    def __init__(self, *args, investigations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigation"].queryset = investigations
        if len(investigations) == 1:  # the only one the person imports into: chosen already
            self.fields["investigation"].initial = investigations[0]


class AcledConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


def rows_in(data):
    """About how many rows an ACLED file has (its lines), to choose where it is imported."""
    return max(data.count(b"\n") - 1, 0)


class AcledImportAdminMixin:
    """For EventAdmin."""

    change_list_template = "admin/events/event/change_list_acled.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.acled_import_view)
        return [path("import-acled/", view, name="events_event_acled_import"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_import_acled": access.administers_any(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def acled_import_view(self, request):
        investigations = administered(request.user)
        if not investigations.exists():
            raise PermissionDenied("Only Admins import.")
        if "token" in request.POST:
            return self.acled_confirm(request, investigations)
        form = AcledUploadForm(
            request.POST or None, request.FILES or None, investigations=investigations
        )
        context = {"form": form}
        if form.is_valid():
            context.update(self.acled_preview(request, form))
        if "job" in context:  # a large file: checked and imported by a worker
            return redirect(context["job"].get_absolute_url())
        return self.acled_page(request, context)

    def acled_preview(self, request, form):
        investigation = form.cleaned_data["investigation"]
        import_files_sweep()
        data = b"".join(form.cleaned_data["file"].chunks())
        if rows_in(data) > settings.IMPORT_ASYNC_ROWS:
            job = import_job_create(
                investigation=investigation,
                user=request.user,
                kind=ImportJob.Kind.ACLED,
                target="events.event",
                data=data,
                fmt="csv",
                rows=rows_in(data),
            )
            return {"job": job}
        name = import_file_save(data)
        report = acled_import(
            path_or_file=io.BytesIO(import_file_read(name)),
            investigation=investigation,
            dry_run=True,
        )
        token = signing.dumps(
            {"file": name, "user": request.user.pk, "investigation": investigation.pk},
            salt=TOKEN_SALT,
        )
        confirm = AcledConfirmForm(initial={"token": token}) if report.ok else None
        if not report.ok:
            import_file_delete(name)
        return {"report": report, "investigation": investigation, "confirm_form": confirm}

    def acled_confirm(self, request, investigations):
        form = AcledConfirmForm(request.POST)
        try:
            if not form.is_valid():
                raise signing.BadSignature
            signed = signing.loads(
                form.cleaned_data["token"], salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE
            )
        except signing.BadSignature:
            messages.error(request, "That preview has expired: upload the file again.")
            return redirect("admin:events_event_acled_import")
        investigation = investigations.filter(pk=signed["investigation"]).first()
        name = Path(signed["file"]).name
        if signed["user"] != request.user.pk or investigation is None:
            raise PermissionDenied
        if not import_file_exists(name):
            messages.error(request, "That file was already imported or has expired.")
            return redirect("admin:events_event_acled_import")
        try:
            report = acled_import(
                path_or_file=io.BytesIO(import_file_read(name)),
                investigation=investigation,
                dry_run=False,
                user=request.user,
            )
        finally:
            import_file_delete(name)
        if not report.ok:
            return self.acled_page(request, {"report": report, "investigation": investigation})
        messages.success(request, report.summary())
        changelist = reverse("admin:events_event_changelist")
        return redirect(f"{changelist}?investigation__id__exact={investigation.pk}")

    def acled_page(self, request, context):
        report = context.get("report")
        return admin_page(
            request,
            "admin/events/event/acled_import.html",
            title="Import ACLED data",
            model_admin=self,
            problems=report.problems[:PROBLEMS_SHOWN] if report else [],
            problems_left_out=max(len(report.problems) - PROBLEMS_SHOWN, 0) if report else 0,
            **context,
        )
