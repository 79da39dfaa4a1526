"""The admin's publication export: "Export for publication" on an investigation (its Admins
only), the progress page of a large export, the permission-checked download, and the export
and override logs (read-only).

Small exports are written while the browser waits and handed back at once; above
PUBLICATION_EXPORT_ASYNC_ROWS publishable events a Celery worker writes them
(stories.tasks.run_publication_export) and the progress page links the file when done.
Files live under MEDIA_ROOT/exports, which has no URL: the download view is the only way out.
"""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html

from investigation import access
from investigation.admin import AdminLogAdmin, InvestigationAdmin
from investigation.admin_page import admin_page
from investigation.models import Investigation, LeakOverride, PublicationExport, Role
from stories.publication.export import publication_export, publication_export_request
from stories.publication.rows import publication_events
from stories.tasks import run_publication_export

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "geojson": "application/geo+json",
}


class PublicationExportForm(forms.Form):
    format = forms.ChoiceField(choices=PublicationExport.Format.choices)
    override_reason = forms.CharField(
        label="Override the leak scan, because …",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only if the leak scan refused this export and you have checked every "
        "finding: say why it may go out anyway. Your name, the reason and each finding "
        "(row, field, codename) are logged.",
    )


def administered_exports(user):
    return PublicationExport.objects.visible_to(user, [Role.ADMIN]).select_related(
        "investigation", "user"
    )


class PublicationExportAdminMixin:
    """The publication export's pages, on the investigation's admin (their URLs and names as
    before stories/ existed)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/publication-export/",
                view(self.publication_export_view),
                name="investigation_publication_export",
            ),
            path(
                "publication-exports/<int:pk>/",
                view(self.publication_status_view),
                name="investigation_publication_status",
            ),
            path(
                "publication-exports/<int:pk>/download/",
                view(self.publication_download_view),
                name="investigation_publication_download",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        can_export = object_id.isdigit() and access.may_export(request.user, object_id)
        extra = {"can_export_for_publication": can_export, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def publication_export_view(self, request, object_id):
        investigation = Investigation.objects.visible_to(request.user).filter(pk=object_id).first()
        if investigation is None:
            raise Http404("No such investigation in your investigations.")
        if not access.may_export(request.user, investigation.pk):
            raise PermissionDenied("Only the investigation's Admins export for publication.")
        form = PublicationExportForm(request.POST or None)
        if not form.is_valid():
            return self.publication_page(request, investigation, form)
        try:
            return self.publication_export_start(request, investigation, form)
        except PermissionDenied as error:
            form.add_error("override_reason", str(error))
            return self.publication_page(request, investigation, form)

    def publication_export_start(self, request, investigation, form):
        arguments = {
            "investigation": investigation,
            "fmt": form.cleaned_data["format"],
            "user": request.user,
            "override_reason": form.cleaned_data["override_reason"],
        }
        if publication_events(investigation).count() > settings.PUBLICATION_EXPORT_ASYNC_ROWS:
            export = publication_export_request(**arguments)
            run_publication_export.delay_on_commit(export.pk)
            return redirect("admin:investigation_publication_status", export.pk)
        export = publication_export(**arguments, output=None)
        if export.status == PublicationExport.Status.DONE:
            return export_file_response(export)
        messages.error(request, export_outcome(export))
        return self.publication_page(request, investigation, form, export)

    def publication_page(self, request, investigation, form, export=None):
        return admin_page(
            request,
            "admin/investigation/investigation/publication_export.html",
            title=f"Export {investigation} for publication",
            model_admin=self,
            investigation=investigation,
            form=form,
            export=export,
            publishable=publication_events(investigation).count(),
            async_rows=settings.PUBLICATION_EXPORT_ASYNC_ROWS,
            recent=administered_exports(request.user).filter(investigation=investigation)[:10],
        )

    def publication_status_view(self, request, pk):
        export = administered_exports(request.user).filter(pk=pk).first()
        if export is None:
            raise Http404("No such export of your investigations.")
        running = (PublicationExport.Status.PENDING, PublicationExport.Status.RUNNING)
        return admin_page(
            request,
            "admin/investigation/investigation/publication_export_status.html",
            title=f"Publication export of {export.investigation}",
            model_admin=self,
            export=export,
            outcome=export_outcome(export),
            running=export.status in running,
        )

    def publication_download_view(self, request, pk):
        export = administered_exports(request.user).filter(pk=pk).first()
        if export is None or export.status != PublicationExport.Status.DONE:
            raise Http404("No such export of your investigations.")
        return export_file_response(export)


def export_outcome(export):
    Status = PublicationExport.Status
    if export.status == Status.REFUSED:
        return (
            f"Refused: the leak scan found {len(export.findings)} protected identifier(s) of "
            "sources in this export, listed below. Nothing was written. Edit those events, or "
            "override with a reason if every finding is safe to publish."
        )
    if export.status == Status.FAILED:
        return f"The export failed, nothing was written: {export.error}"
    if export.status == Status.DONE:
        return f"Done: {export.rows} events."
    return f"{export.get_status_display()}: {export.rows} of {export.total or '…'} events."


def export_file_response(export):
    """The stored file, if it is where exports are kept (a command-line export elsewhere on
    the server is not handed out)."""
    folder = (Path(settings.MEDIA_ROOT) / "exports").resolve()
    file = Path(export.path).resolve()
    if file.parent != folder or not file.is_file():
        raise Http404("This export's file is not kept for download.")
    response = FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=export.download_name(),
        content_type=CONTENT_TYPES[export.format],
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@admin.register(PublicationExport)
class PublicationExportAdmin(AdminLogAdmin):
    list_display = ["created_at", "investigation", "user", "format", "status", "rows",
                    "overridden", "download"]  # fmt: skip
    list_filter = ["status", "format", "overridden"]
    list_select_related = ["investigation", "user"]
    date_hierarchy = "created_at"
    exclude = ["path"]

    @admin.display(description="file")
    def download(self, export):
        if export.status != PublicationExport.Status.DONE:
            return "—"
        return format_html('<a href="{}">Download</a>', export.get_download_url())


@admin.register(LeakOverride)
class LeakOverrideAdmin(AdminLogAdmin):
    list_display = ["at", "user", "export", "row", "event", "field", "codename", "kind", "reason"]
    list_select_related = ["user", "export__investigation"]
    date_hierarchy = "at"


class StoryInvestigationAdmin(PublicationExportAdminMixin, InvestigationAdmin):
    """The investigation's admin, with "Export for publication" from this app."""


admin.site.unregister(Investigation)
admin.site.register(Investigation, StoryInvestigationAdmin)
