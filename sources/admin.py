import time
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters

from investigation.admin import (
    SCOPED_FILTER,
    InvestigationFilter,
    MemberFilter,
    ReadOnlyAdminMixin,
    ScopedAdmin,
    ScopedTabularInline,
)
from investigation.importexport import AdminImportExportMixin
from investigation.models import EDITING_ROLES
from sources.forms import AttachmentForm, IdentityForm, RevealForm
from sources.models import (
    Attachment,
    IdentityAccess,
    Interview,
    InterviewEvent,
    InterviewSource,
    Source,
)
from sources.resources import InterviewResource, SourceResource
from sources.services import identity_reveal, identity_update

REAUTHENTICATE_AFTER = timedelta(minutes=15)

SOURCE_DETAILS = (
    None,
    {
        "fields": [
            "investigation",
            "codename",
            "description",
            ("category", "protection_level"),
            "handler",
            "attribution_terms",
            "last_contact_at",
        ]
    },
)
SOURCE_IDENTITY = (
    "Identity (need to know)",
    {
        "fields": ["real_name", "contact", "identifying_notes"],
        "description": "Encrypted, and from now on seen only by the handler and the "
        "investigation's editors, through a logged reveal.",
    },
)
SOURCE_REVIEW = (
    "Protection review",
    {"fields": ["review_status", "review_note", "reviewed_by", "reviewed_at"]},
)


class SourceInterviewsInline(ScopedTabularInline):
    model = InterviewSource
    fields = ["interview"]
    readonly_fields = ["interview"]
    can_delete = False
    verbose_name_plural = "interviews"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Source)
class SourceAdmin(AdminImportExportMixin, ScopedAdmin):
    resource_classes = [SourceResource]  # never the identity fields
    list_display = [
        "codename",
        "description",
        "category",
        "protection_level",
        "handler",
        "review_status",
        "last_contact_at",
    ]
    list_filter = [
        ("investigation", InvestigationFilter),
        "review_status",
        "protection_level",
        "category",
        ("handler", MemberFilter),
    ]
    # Never the identity fields: a search that matched them would tell who a source is.
    search_fields = ["codename", "description"]
    list_select_related = ["handler"]
    inlines = [SourceInterviewsInline]

    change_form_template = "admin/sources/source/change_form.html"

    # The add form carries an identity: keep it out of error reports.
    @method_decorator(sensitive_post_parameters(*Source.IDENTITY_FIELDS))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [SOURCE_DETAILS, SOURCE_IDENTITY]  # typed once, by whoever creates it
        return [SOURCE_DETAILS, SOURCE_REVIEW]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SourceCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["codename", "reviewed_by", "reviewed_at"]
        if obj is None or not obj.can_review(request.user):
            readonly += ["review_status", "review_note"]
        return readonly

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("handler", request.user.pk)
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            obj.note_edit(form.changed_data, request.user)
        super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        source = self.get_object(request, unquote(object_id))
        context = {
            "can_reveal": source.can_see_identity(request.user),
            "identity_accesses": source.identity_accesses.select_related("user")[:50]
            if source.can_review(request.user)
            else None,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        identity = self.admin_site.admin_view(self.identity_view)  # never cached
        return [
            path("<path:object_id>/identity/", identity, name="sources_source_identity"),
            *super().get_urls(),
        ]

    @method_decorator(sensitive_post_parameters())
    def identity_view(self, request, object_id):
        """Reveal (and change) an identity: a stated reason, a fresh login, a log row."""
        source = self.get_object(request, unquote(object_id))
        if not source.can_see_identity(request.user):
            raise PermissionDenied
        reveal_form = RevealForm(
            request.POST if "reveal" in request.POST else None,
            request=request,
            needs_password=login_is_stale(request),
        )
        identity_form = IdentityForm(request.POST if "change" in request.POST else None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "source": source,
            "title": f"Identity of {source.codename}",
            "reveal_form": reveal_form,
        }
        if reveal_form.is_bound and reveal_form.is_valid():
            if reveal_form.needs_password:
                request.session["reauthenticated_at"] = int(time.time())
            identity = identity_reveal(
                source=source, user=request.user, reason=reveal_form.cleaned_data["reason"]
            )
            context["identity"] = identity
            context["identity_form"] = IdentityForm(initial=identity)
        elif identity_form.is_bound:
            return self.identity_change(request, source, identity_form, context)
        return TemplateResponse(request, "admin/sources/source/identity.html", context)

    def identity_change(self, request, source, identity_form, context):
        if login_is_stale(request) or not identity_form.is_valid():
            messages.error(request, "Not changed: reveal the identity again, then change it.")
            return redirect("admin:sources_source_identity", source.pk)
        values = {name: identity_form.cleaned_data[name] for name in Source.IDENTITY_FIELDS}
        identity_update(
            source=source,
            user=request.user,
            reason=identity_form.cleaned_data["change_reason"],
            values=values,
        )
        messages.success(request, f"Identity of {source.codename} changed; review is pending.")
        return redirect("admin:sources_source_change", source.pk)


def login_is_stale(request):
    """Whether the person last proved who they are more than REAUTHENTICATE_AFTER ago."""
    session = request.session
    proven = max(session.get("authenticated_at", 0), session.get("reauthenticated_at", 0))
    return time.time() - proven > REAUTHENTICATE_AFTER.total_seconds()


class SourceCreateForm(forms.ModelForm):
    """The add form: identity fields are typed here once (then only through a reveal)."""

    real_name = forms.CharField(required=False, max_length=200)
    contact = forms.CharField(
        label="Contact details", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    identifying_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    class Meta:
        model = Source
        fields = ["investigation", "description", "handler", *Source.IDENTITY_FIELDS]


@admin.register(IdentityAccess)
class IdentityAccessAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """The read audit: editors read it; nobody adds, changes or deletes a row."""

    list_display = ["at", "action", "source", "user", "reason"]
    list_filter = ["action", ("user", MemberFilter), ("source", SCOPED_FILTER)]
    search_fields = ["source__codename", "reason", "user__username"]
    date_hierarchy = "at"
    list_select_related = ["source", "user"]

    def get_queryset(self, request):
        return IdentityAccess.objects.visible_to(request.user, EDITING_ROLES).select_related(
            "source", "user"
        )


class InterviewSourceInline(ScopedTabularInline):
    model = InterviewSource
    autocomplete_fields = ["source"]
    min_num = 1
    verbose_name = "source"
    verbose_name_plural = "sources interviewed"


class InterviewEventInline(ScopedTabularInline):
    model = InterviewEvent
    autocomplete_fields = ["event"]
    verbose_name = "event"
    verbose_name_plural = "events discussed"


class InterviewWithSensitiveNotesForm(forms.ModelForm):
    """For the people allowed to read them, the encrypted notes as an ordinary text box."""

    sensitive_notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=Interview._meta.get_field("sensitive_notes").help_text,
    )

    class Meta:
        model = Interview
        fields = ["investigation", "summary", "sensitive_notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["sensitive_notes"] = self.instance.sensitive_notes.reveal()


class AttachmentInline(ScopedTabularInline):
    model = Attachment
    form = AttachmentForm
    fields = ["title", "file", "kind", "size", "sha256_original", "download"]
    readonly_fields = ["kind", "size", "sha256_original", "download"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.uploaded_by = request.user  # the form class is made afresh per request
        return formset

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_add_permission(request, obj) or self.has_change_permission(request, obj):
            return fields
        # Shown read-only, a file links to its URL, and attachments have none.
        return [name for name in fields if name != "file"]

    @admin.display(description="download")
    def download(self, attachment):
        if attachment.pk is None:
            return "—"
        return format_html('<a href="{}">Download</a>', attachment.get_download_url())


INTERVIEW_DETAILS = (
    None,
    {"fields": ["investigation", ("conducted_at", "mode"), "interviewer", "location", "language"]},
)
INTERVIEW_NOTES = ("What was said", {"fields": ["summary", "field_notes"]})
INTERVIEW_SENSITIVE = (
    "Sensitive notes (need to know)",
    {
        "fields": ["sensitive_notes"],
        "description": "Seen only by the interviewer, the sources' handlers and editors.",
    },
)


@admin.register(Interview)
class InterviewAdmin(AdminImportExportMixin, ScopedAdmin):
    resource_classes = [InterviewResource]  # never the sensitive notes
    list_display = ["conducted_at", "source_codenames", "interviewer", "mode", "location"]
    list_filter = [
        ("investigation", InvestigationFilter),
        "mode",
        ("interviewer", MemberFilter),
    ]
    date_hierarchy = "conducted_at"
    # Never the sensitive notes (see SourceAdmin.search_fields).
    search_fields = ["summary", "field_notes", "sources__codename", "language"]
    list_select_related = ["interviewer", "location"]
    autocomplete_fields = ["location"]
    inlines = [InterviewSourceInline, InterviewEventInline, AttachmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_codenames()

    @method_decorator(sensitive_post_parameters("sensitive_notes"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        if obj is None or obj.can_see_sensitive_notes(request.user):
            return [INTERVIEW_DETAILS, INTERVIEW_NOTES, INTERVIEW_SENSITIVE]
        return [INTERVIEW_DETAILS, INTERVIEW_NOTES]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None or obj.can_see_sensitive_notes(request.user):
            kwargs["form"] = InterviewWithSensitiveNotesForm
        return super().get_form(request, obj, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("interviewer", request.user.pk)
        initial.setdefault("conducted_at", timezone.now())
        return initial

    @admin.display(description="sources")
    def source_codenames(self, obj):
        return obj.source_codenames() or "—"
