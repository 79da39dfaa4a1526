"""The admin's publication export: "Export for publication" on an investigation (its Admins
only), the progress page of a large export, the permission-checked download, and the export
and override logs (read-only).

Small exports are written while the browser waits and handed back at once; above
PUBLICATION_EXPORT_ASYNC_ROWS publishable events a Celery worker writes them
(stories.tasks.run_publication_export) and the progress page links the file when done.
Files live, encrypted, in exports/ of the private storage, which has no URL: the download view
is the only way out.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html

from events.admin import EventAdmin
from events.models import Event
from investigation import access
from investigation.admin import (
    AdminLogAdmin,
    InvestigationAdmin,
    InvestigationFilter,
    ReadOnlyAdminMixin,
    ScopedAdmin,
    ScopedTabularInline,
)
from investigation.admin_page import admin_page
from investigation.models import (
    EDITING_ROLES,
    Investigation,
    LeakOverride,
    PublicationExport,
    Role,
)
from sources.admin import SourceAdmin
from sources.models import Source
from sources.storage import private_storage
from stories.claims import claim_clear, claim_standing, claims_counted
from stories.dossiers import event_touching, source_dossier
from stories.forms import DocumentForm, EvidenceForm
from stories.models import (
    Claim,
    Document,
    Evidence,
    FactcheckExport,
    OverrideApproval,
    Story,
)
from stories.publication.export import (
    export_file_name,
    override_decide,
    override_request,
    publication_export,
    publication_export_request,
)
from stories.publication.rows import publication_events
from stories.tasks import export_enqueue

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "geojson": "application/geo+json",
}


class PublicationExportForm(forms.Form):
    format = forms.ChoiceField(choices=PublicationExport.Format.choices)
    approval = forms.ModelChoiceField(
        label="With the approved override",
        queryset=OverrideApproval.objects.none(),
        required=False,
        help_text="Only after the leak scan refused an export, you asked to override it, and a "
        "second person approved: the export then goes out if it finds nothing else.",
    )

    def __init__(self, *args, approvals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approval"].queryset = approvals
        if not approvals.exists():
            del self.fields["approval"]


class OverrideRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why every finding may be published",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Checked how, with whom. A second person (an Editor or Admin of this "
        "investigation) reads each finding, masked, and decides; both are logged.",
    )


class OverrideDecisionForm(forms.Form):
    note = forms.CharField(
        label="What you checked",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to approve; logged with your name.",
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
            path(
                "publication-exports/<int:pk>/override/",
                view(self.override_request_view),
                name="stories_override_request",
            ),
            path(
                "publication-overrides/<int:pk>/",
                view(self.override_approval_view),
                name="stories_override_approval",
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
        approvals = usable_approvals(request.user, investigation)
        form = PublicationExportForm(request.POST or None, approvals=approvals)
        if not form.is_valid():
            return self.publication_page(request, investigation, form)
        try:
            return self.publication_export_start(request, investigation, form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.publication_page(request, investigation, form)

    def publication_export_start(self, request, investigation, form):
        arguments = {
            "investigation": investigation,
            "fmt": form.cleaned_data["format"],
            "user": request.user,
            "approval": form.cleaned_data.get("approval"),
        }
        if publication_events(investigation).count() > settings.PUBLICATION_EXPORT_ASYNC_ROWS:
            export = publication_export_request(**arguments)
            transaction.on_commit(lambda: export_enqueue(export))
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
            request_form=override_form_for(request.user, export),
            overrides=OverrideApproval.objects.filter(investigation=investigation)[:10],
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
            request_form=override_form_for(request.user, export),
        )

    def override_request_view(self, request, pk):
        """The Admin who ran a refused export asks a second person to approve its findings."""
        export = administered_exports(request.user).filter(pk=pk).first()
        if export is None:
            raise Http404("No such export of your investigations.")
        form = OverrideRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                approval = override_request(
                    export=export, user=request.user, reason=form.cleaned_data["reason"]
                )
            except PermissionDenied as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    "Asked. An Editor or Admin of this investigation other than you must now "
                    "approve it; then export again with the approved override.",
                )
                return redirect(approval.get_absolute_url())
        return redirect("admin:investigation_publication_status", export.pk)

    def override_approval_view(self, request, pk):
        """A request, its findings masked, and (for a second person) approve or decline."""
        visible = OverrideApproval.objects.visible_to(request.user, EDITING_ROLES)
        approval = visible.select_related("refused_export", "requested_by").filter(pk=pk).first()
        if approval is None:
            raise Http404("No such override request in your investigations.")
        form = OverrideDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                override_decide(
                    approval=approval,
                    user=request.user,
                    approve="approve" in request.POST,
                    note=form.cleaned_data["note"],
                )
            except PermissionDenied as error:
                form.add_error("note", str(error))
            else:
                messages.success(request, f"Override {approval.get_status_display().lower()}.")
                return redirect(approval.get_absolute_url())
        return admin_page(
            request,
            "admin/investigation/investigation/override_approval.html",
            title=f"Override of the leak scan for export {approval.refused_export_id}",
            model_admin=self,
            approval=approval,
            export=approval.refused_export,
            form=form,
            may_decide=approval.status == OverrideApproval.Status.PENDING
            and approval.requested_by_id != request.user.pk,
        )

    def publication_download_view(self, request, pk):
        export = administered_exports(request.user).filter(pk=pk).first()
        if export is None or export.status != PublicationExport.Status.DONE:
            raise Http404("No such export of your investigations.")
        return export_file_response(export)


def usable_approvals(user, investigation):
    """The approved overrides this Admin asked for here and has not used yet."""
    return OverrideApproval.objects.filter(
        investigation=investigation,
        requested_by=user,
        status=OverrideApproval.Status.APPROVED,
        used_by=None,
    )


def override_form_for(user, export):
    """The form to ask for an override, for the Admin whose export was refused."""
    if export is None or export.status != PublicationExport.Status.REFUSED:
        return None
    if export.user_id != user.pk or export.override_approvals.exists():
        return None
    return OverrideRequestForm()


def export_outcome(export):
    Status = PublicationExport.Status
    if export.status == Status.REFUSED:
        return (
            f"Refused: the leak scan found {len(export.findings)} protected identifier(s) of "
            "sources in this export, listed below. Nothing was written. Edit those events, or, "
            "if every finding is safe to publish, ask for an override: a second person must "
            f"approve it. {export.error}".strip()
        )
    if export.status == Status.FAILED:
        return f"The export failed, nothing was written: {export.error}"
    if export.status == Status.DONE:
        return f"Done: {export.rows} events."
    return f"{export.get_status_display()}: {export.rows} of {export.total or '…'} events."


def export_file_response(export):
    """The stored file, if it is where exports are kept (a command-line export elsewhere on
    the server is not handed out)."""
    name = export_file_name(export)
    try:
        stored = private_storage().open(name) if name else None
    except FileNotFoundError:
        stored = None
    if stored is None:
        raise Http404("This export's file is not kept for download.")
    response = FileResponse(
        stored,
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


@admin.register(OverrideApproval)
class OverrideApprovalAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Every request to publish despite the leak scan, and who decided: for the
    investigation's Editors and Admins."""

    list_display = ["requested_at", "investigation", "requested_by", "status", "decided_by",
                    "decided_at", "refused_export"]  # fmt: skip
    list_filter = ["status"]
    list_select_related = ["investigation", "requested_by", "decided_by"]
    date_hierarchy = "requested_at"

    def get_queryset(self, request):
        return OverrideApproval.objects.visible_to(request.user, EDITING_ROLES)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.edits_any(request.user)
        return access.is_editor(request.user, obj.investigation_id)


# Claims, evidence, documents ---------------------------------------------------------------


class EvidenceInline(ScopedTabularInline):
    model = Evidence
    form = EvidenceForm
    fields = ["stance", "interview", "source", "knowledge", "event", "document", "quote"]
    autocomplete_fields = ["interview", "source", "event", "document"]
    verbose_name_plural = "evidence for and against"


@admin.register(Claim)
class ClaimAdmin(ScopedAdmin):
    """A claim, its evidence, how many independent sources support it and what still blocks
    it; editors clear it with a button (stories.claims.claim_clear)."""

    list_display = ["__str__", "status", "independent_sources", "contradicted", "updated_at"]
    list_filter = [("investigation", InvestigationFilter), "status"]
    search_fields = ["text", "note"]
    autocomplete_fields = ["events", "places"]
    inlines = [EvidenceInline]
    fields = ["investigation", "text", "status", "events", "places", "note", "standing"]
    readonly_fields = ["standing"]
    change_form_template = "admin/stories/claim/change_form.html"

    def get_queryset(self, request):
        return claims_counted(super().get_queryset(request))

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":  # cleared only through the button, by an editor
            kwargs["choices"] = [c for c in Claim.Status.choices if c[0] != Claim.Status.CLEARED]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None and obj.status == Claim.Status.CLEARED:
            readonly = [*readonly, "status"]
        return readonly

    @admin.display(description="independent sources", ordering="independent")
    def independent_sources(self, claim):
        return claim.independent

    @admin.display(description="contested by a document", boolean=True)
    def contradicted(self, claim):
        return claim.contradicted

    @admin.display(description="where it stands")
    def standing(self, claim):
        if claim.pk is None:
            return "Counted once the claim is saved with its evidence."
        standing = claim_standing(claim)
        if claim.status == Claim.Status.CLEARED:
            return f"Cleared for publication by {claim.cleared_by} on {claim.cleared_at:%d %b %Y}."
        if standing.may_clear():
            return f"{standing.independent} of {standing.needed} independent sources: ready."
        return f"Not yet: {standing.blockers()}."

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_object(request, unquote(object_id))
        extra = {
            "can_clear": access.is_editor(request.user, claim.investigation_id)
            and claim.status != Claim.Status.CLEARED,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        clear = self.admin_site.admin_view(self.clear_view)
        return [
            path("<path:object_id>/clear/", clear, name="stories_claim_clear"),
            *super().get_urls(),
        ]

    def clear_view(self, request, object_id):
        claim = self.get_object(request, unquote(object_id))
        if request.method != "POST":
            return redirect(claim.get_absolute_url())
        try:
            claim_clear(claim=claim, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Cleared for publication.")
        return redirect(claim.get_absolute_url())


@admin.register(Evidence)
class EvidenceAdmin(ScopedAdmin):
    """One piece of evidence, added from an interview's page ("Add to a claim…") in a few
    clicks: the interview comes pre-filled, and its sources are the only ones offered."""

    form = EvidenceForm
    list_display = ["claim", "stance", "__str__", "knowledge", "created_at"]
    list_filter = ["stance", "knowledge"]
    autocomplete_fields = ["claim", "interview", "event", "document"]
    fields = ["claim", "stance", "interview", "source", "knowledge", "event", "document", "quote"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        interview_id = request.GET.get("interview")
        if db_field.name == "source" and interview_id and interview_id.isdigit():
            kwargs["queryset"] = Source.objects.visible_to(request.user).filter(
                interviews=interview_id
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, f"Added to the claim: {obj.claim}")
        return redirect(obj.claim.get_absolute_url())


@admin.register(Document)
class DocumentAdmin(ScopedAdmin):
    form = DocumentForm
    list_display = ["title", "kind", "issuer", "when", "investigation"]
    list_filter = [("investigation", InvestigationFilter), "kind"]
    search_fields = ["title", "excerpt", "issuer__name"]
    autocomplete_fields = ["issuer"]
    fields = ["investigation", "kind", "title", "issuer", ("date", "date_precision"), "link",
              "excerpt", "file", "download"]  # fmt: skip
    readonly_fields = ["download"]

    @admin.display(description="stored file")
    def download(self, document):
        if not document.file:
            return "—"
        return format_html('<a href="{}">Download</a>', document.get_download_url())


@admin.register(Story)
class StoryAdmin(ScopedAdmin):
    list_display = ["investigation", "sources_needed"]
    fields = ["investigation", "sources_needed"]


# The pages of the layers below, with what touches them from here ------------------------------


class StoryEventAdmin(EventAdmin):
    """The event's page, with the interviews, sources (by codename) and claims that touch it."""

    change_form_template = "admin/stories/event_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = self.get_object(request, unquote(object_id))
        extra = {"touching": event_touching(event, request.user), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)


class StorySourceAdmin(SourceAdmin):
    """The source's page: for the people who may see who it is, its dossier."""

    change_form_template = "admin/stories/source_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        source = self.get_object(request, unquote(object_id))
        dossier = source_dossier(source) if access.may_see_identity(request.user, source) else None
        extra = {"dossier": dossier, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)


admin.site.unregister(Event)
admin.site.register(Event, StoryEventAdmin)
admin.site.unregister(Source)
admin.site.register(Source, StorySourceAdmin)


@admin.register(FactcheckExport)
class FactcheckExportAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Every fact-check sheet written or refused: for the investigation's Editors and Admins."""

    list_display = ["created_at", "investigation", "user", "format", "status", "rows"]
    list_filter = ["status", "format"]
    list_select_related = ["investigation", "user"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return FactcheckExport.objects.visible_to(request.user, EDITING_ROLES)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.edits_any(request.user)
        return access.is_editor(request.user, obj.investigation_id)
