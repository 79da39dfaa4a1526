"""The admin of sources and interviews: codenames, reveals with a reason, identity and
sensitive-notes pages, hand-overs, attachments and shared accounts."""

import time
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from investigation import access
from investigation.admin import (
    SCOPED_FILTER,
    InvestigationFilter,
    MemberFilter,
    ReadOnlyAdminMixin,
    ScopedAdmin,
    ScopedTabularInline,
    follow_up_add_url,
)
from investigation.admin_page import admin_page
from investigation.importexport import AdminImportExportMixin
from investigation.models import EDITING_ROLES
from sources.forms import (
    AttachmentForm,
    HandOverForm,
    IdentityForm,
    InterviewCreateForm,
    NotesForm,
    RevealForm,
    SourceCreateForm,
)
from sources.identity import (
    NotesChanged,
    identity_reveal,
    identity_update,
    interview_hand_over,
    notes_conflict_reveal,
    notes_fingerprint,
    notes_reveal,
    notes_revisions_reveal,
    notes_update,
    source_hand_over,
)
from sources.models import (
    Attachment,
    IdentityAccess,
    Interview,
    InterviewEvent,
    InterviewSource,
    SharedAccount,
    Source,
)
from sources.resources import InterviewResource, SourceResource

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
            "shared_account",
        ]
    },
)
# The add form carries the codename it shows, signed, so that it is the one saved.
SOURCE_ADD_DETAILS = (
    None,
    {"fields": [*SOURCE_DETAILS[1]["fields"], "codename_token"]},
)
SOURCE_IDENTITY = (
    "Identity (need to know)",
    {
        "fields": ["real_name", "aliases", "contact", "identifying_notes"],
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

    def get_queryset(self, request):
        # Each row shows its interview as "date · codenames": read them all at once.
        rows = super().get_queryset(request).select_related("interview")
        return rows.prefetch_related("interview__sources")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Source)
class SourceAdmin(AdminImportExportMixin, ScopedAdmin):
    resource_classes = [SourceResource]  # never the identity fields
    # Last contact early: on a laptop it stays in sight whatever the descriptions' length.
    list_display = [
        "codename",
        "description",
        "last_contact_at",
        "review_status",
        "protection_level",
        "category",
        "handler",
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
            return [SOURCE_ADD_DETAILS, SOURCE_IDENTITY]  # typed once, by whoever creates it
        return [SOURCE_DETAILS, SOURCE_REVIEW]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SourceCreateForm
        form = super().get_form(request, obj, **kwargs)
        form.requesting_user = request.user  # a class made afresh for this request
        if obj is None and "description" in form.base_fields:  # sources/similar_sources.js
            similar_url = reverse("admin:sources_source_similar")
            form.base_fields["description"].widget.attrs["data-similar-url"] = similar_url
        return form

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "codename"]
        readonly += ["reviewed_by", "reviewed_at"]
        if obj is not None:
            readonly.append("handler")  # handed over by an editor, never typed
        if obj is None or not access.may_review(request.user, obj):
            readonly += ["review_status", "review_note"]
        if obj is None and not access.edits_any(request.user):
            readonly.append("handler")  # a reporter's new source is their own
        return readonly

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("handler", request.user.pk)
        return initial

    def save_model(self, request, obj, form, change):
        if not change and "handler" not in form.cleaned_data:
            obj.handler = request.user
        if change:
            obj.note_edit(form.changed_data, request.user)
        super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        source = self.get_object(request, unquote(object_id))
        may_review = access.may_review(request.user, source)
        context = {
            "can_reveal": access.may_see_identity(request.user, source),
            "can_hand_over": access.may_hand_over(request.user, source),
            "follow_up_url": follow_up_add_url(request.user, source),
            "identity_accesses": source.identity_accesses.select_related(
                "user", "handed_from", "handed_to"
            )[:50]
            if may_review
            else None,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        identity = self.admin_site.admin_view(self.identity_view)  # never cached
        hand_over = self.admin_site.admin_view(self.hand_over_view)
        similar = self.admin_site.admin_view(self.similar_view)
        return [
            path("similar/", similar, name="sources_source_similar"),
            path("<path:object_id>/identity/", identity, name="sources_source_identity"),
            path("<path:object_id>/hand-over/", hand_over, name="sources_source_hand_over"),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)  # the description stays out of URLs and their logs
    def similar_view(self, request):
        """For the add form, as a description is typed: sources of that investigation the
        person may see whose description is similar, by codename and description only."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        investigation = request.POST.get("investigation", "")
        if not (investigation.isdigit() and len(investigation) < 19):
            return JsonResponse({"similar": []})
        sources = Source.objects.visible_to(request.user).filter(investigation_id=investigation)
        similar = sources.similar_to(request.POST.get("description", "")[:200])
        rows = [{"codename": s.codename, "description": s.description} for s in similar]
        return JsonResponse({"similar": rows})

    @method_decorator(sensitive_post_parameters())
    def identity_view(self, request, object_id):
        """Reveal (and change) an identity: a stated reason, a fresh login, a log row."""
        source = self.get_object(request, unquote(object_id))
        if not access.may_see_identity(request.user, source):
            raise PermissionDenied
        return reveal_page(
            self,
            request,
            source,
            reveal=identity_reveal,
            form_class=IdentityForm,
            save=identity_save,
            template="admin/sources/source/identity.html",
            title=f"Identity of {source.codename}",
        )

    def hand_over_view(self, request, object_id):
        source = self.get_object(request, unquote(object_id))
        return hand_over_page(self, request, source, source_hand_over, "source")


def hand_over_page(model_admin, request, row, hand_over, keyword):
    """An editor gives a source (or an interview) to another member, with a reason."""
    if not access.may_hand_over(request.user, row):
        raise PermissionDenied
    form = HandOverForm(request.POST or None, row=row)
    if form.is_valid():
        try:
            hand_over(
                **{keyword: row},
                to=form.cleaned_data["person"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error("person", error)
        else:
            messages.success(request, f"Handed over to {form.cleaned_data['person']}.")
            return redirect(row.get_absolute_url())
    return admin_page(
        request,
        "admin/sources/hand_over.html",
        title=f"Hand over {row}",
        model_admin=model_admin,
        original=row,
        form=form,
    )


@sensitive_variables("revealed")
def reveal_page(
    model_admin,
    request,
    row,
    *,
    reveal,
    form_class,
    save,
    template,
    title,
    fingerprint=None,
    conflict=None,
):
    """The page behind "Reveal identity…" and "Read or change the notes…": a reason (and the
    password again after REAUTHENTICATE_AFTER) reveals, with a log row; the revealed text
    comes back in a form that saves a change with a reason of its own. Never cached.

    For the notes (`fingerprint`, `conflict`): the form carries which stored text was read,
    and a change saved from an older reading gets the `conflict` page instead."""
    keyword = model_admin.opts.model_name  # source=... or interview=...
    reveal_form = RevealForm(
        request.POST if "reveal" in request.POST else None,
        request=request,
        needs_password=login_is_stale(request),
    )
    if "change" in request.POST:
        change_form = form_class(request.POST)
        if login_is_stale(request) or not change_form.is_valid():
            messages.error(request, "Not changed: reveal it again, then change it.")
            return redirect(request.path)
        try:
            save(request.user, row, change_form.cleaned_data)
        except NotesChanged:
            return conflict(model_admin, request, row, change_form.cleaned_data)
        messages.success(request, "Changed, and logged with your reason.")
        return redirect(row.get_absolute_url())
    context = {keyword: row, "reveal_form": reveal_form}
    if reveal_form.is_bound and reveal_form.is_valid():
        if reveal_form.needs_password:
            request.session["reauthenticated_at"] = int(time.time())
        revealed = reveal(
            **{keyword: row}, user=request.user, reason=reveal_form.cleaned_data["reason"]
        )
        context["revealed"] = form_class.initial_from(revealed)
        if fingerprint is not None:
            context["revealed"]["seen"] = fingerprint(row)
        context["change_form"] = form_class(initial=context["revealed"])
    return admin_page(request, template, title=title, model_admin=model_admin, **context)


@sensitive_variables("found")
def notes_conflict_page(model_admin, request, interview, data):
    """A change of the notes saved from an older reading: nothing was saved. The person, who
    may read the notes (they just did), sees the text they read, the text now, who changed it
    since, and what they typed, in a form set to apply it over the text now. Logged."""
    found = notes_conflict_reveal(
        interview=interview, user=request.user, reason=data["change_reason"], seen=data["seen"]
    )
    retry = {**data, "seen": notes_fingerprint(interview)}
    return admin_page(
        request,
        "admin/sources/interview/notes_conflict.html",
        title=f"Not saved: the sensitive notes of the interview of {interview} changed",
        model_admin=model_admin,
        status=409,
        interview=interview,
        found=found,
        typed=data["notes"],
        change_form=NotesForm(initial=retry),
    )


@sensitive_variables("revisions")
def notes_revisions_page(model_admin, request, interview):
    """The interview's earlier sensitive notes, after a reason (and a fresh login), logged."""
    reveal_form = RevealForm(
        request.POST or None, request=request, needs_password=login_is_stale(request)
    )
    context = {"interview": interview, "reveal_form": reveal_form}
    if reveal_form.is_bound and reveal_form.is_valid():
        if reveal_form.needs_password:
            request.session["reauthenticated_at"] = int(time.time())
        reason = reveal_form.cleaned_data["reason"]
        revisions = notes_revisions_reveal(interview=interview, user=request.user, reason=reason)
        context["revisions"] = revisions
    return admin_page(
        request,
        "admin/sources/interview/notes_revisions.html",
        title=f"Earlier sensitive notes of the interview of {interview}",
        model_admin=model_admin,
        **context,
    )


def identity_save(user, source, data):
    values = {name: data[name] for name in Source.IDENTITY_FIELDS}
    identity_update(source=source, user=user, reason=data["change_reason"], values=values)


def notes_save(user, interview, data):
    notes_update(
        interview=interview,
        user=user,
        reason=data["change_reason"],
        notes=data["notes"],
        seen=data["seen"],
    )


def login_is_stale(request):
    """Whether the person last proved who they are more than REAUTHENTICATE_AFTER ago."""
    session = request.session
    proven = max(session.get("authenticated_at", 0), session.get("reauthenticated_at", 0))
    return time.time() - proven > REAUTHENTICATE_AFTER.total_seconds()


@admin.register(IdentityAccess)
class IdentityAccessAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """The read audit: editors read it; nobody adds, changes or deletes a row."""

    list_display = ["at", "action", "subject", "user", "handed_to", "reason"]
    list_filter = ["action", ("user", MemberFilter), ("source", SCOPED_FILTER)]
    search_fields = ["source__codename", "reason", "user__username"]
    date_hierarchy = "at"
    list_select_related = ["source", "interview", "user", "handed_to"]

    def get_queryset(self, request):
        return IdentityAccess.objects.visible_to(request.user, EDITING_ROLES).select_related(
            "source", "interview", "user", "handed_to"
        )

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.edits_any(request.user)
        return access.is_editor(request.user, obj.investigation_id)

    @admin.display(description="about")
    def subject(self, entry):
        return entry.source or entry.interview


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
        "description": "Encrypted. From now on read only by the interviewer and the "
        "investigation's editors, each time with a reason, and logged.",
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
        if obj is None:
            return [INTERVIEW_DETAILS, INTERVIEW_NOTES, INTERVIEW_SENSITIVE]
        return [INTERVIEW_DETAILS, INTERVIEW_NOTES]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = InterviewCreateForm
        form = super().get_form(request, obj, **kwargs)
        form.requesting_user = request.user  # a class made afresh for this request
        return form

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None or not access.edits_any(request.user):
            readonly.append("interviewer")  # handed over by an editor, never typed
        return readonly

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("interviewer", request.user.pk)
        initial.setdefault("conducted_at", timezone.now())
        return initial

    def save_model(self, request, obj, form, change):
        if not change and "interviewer" not in form.cleaned_data:
            obj.interviewer = request.user
        super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        interview = self.get_object(request, unquote(object_id))
        context = {
            "can_read_notes": access.may_read_sensitive_notes(request.user, interview),
            "has_notes": bool(interview.sensitive_notes),
            "can_hand_over": access.may_hand_over(request.user, interview),
            "follow_up_url": follow_up_add_url(request.user, interview),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        notes = self.admin_site.admin_view(self.notes_view)  # never cached
        revisions = self.admin_site.admin_view(self.notes_revisions_view)
        hand_over = self.admin_site.admin_view(self.hand_over_view)
        return [
            path("<path:object_id>/notes/", notes, name="sources_interview_notes"),
            path(
                "<path:object_id>/notes/earlier/",
                revisions,
                name="sources_interview_notes_revisions",
            ),
            path("<path:object_id>/hand-over/", hand_over, name="sources_interview_hand_over"),
            *super().get_urls(),
        ]

    @method_decorator(sensitive_post_parameters())
    def notes_view(self, request, object_id):
        """Read (and change) an interview's sensitive notes: a reason, a fresh login, a log."""
        interview = self.get_object(request, unquote(object_id))
        if not access.may_read_sensitive_notes(request.user, interview):
            raise PermissionDenied
        return reveal_page(
            self,
            request,
            interview,
            reveal=notes_reveal,
            form_class=NotesForm,
            save=notes_save,
            template="admin/sources/interview/notes.html",
            title=f"Sensitive notes of the interview of {interview}",
            fingerprint=notes_fingerprint,
            conflict=notes_conflict_page,
        )

    @method_decorator(sensitive_post_parameters())
    def notes_revisions_view(self, request, object_id):
        """Read the earlier versions of an interview's sensitive notes: a reason, a log row."""
        interview = self.get_object(request, unquote(object_id))
        if not access.may_read_sensitive_notes(request.user, interview):
            raise PermissionDenied
        return notes_revisions_page(self, request, interview)

    def hand_over_view(self, request, object_id):
        interview = self.get_object(request, unquote(object_id))
        return hand_over_page(self, request, interview, interview_hand_over, "interview")

    @admin.display(description="sources")
    def source_codenames(self, obj):
        return obj.source_codenames() or "—"


@admin.register(SharedAccount)
class SharedAccountAdmin(ScopedAdmin):
    """Groups of sources who likely tell one account: a claim counts each group once."""

    list_display = ["label", "investigation", "created_at"]
    list_filter = [("investigation", InvestigationFilter)]
    search_fields = ["label"]
    fields = ["investigation", "label"]
