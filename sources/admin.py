from django.contrib import admin
from django.utils import timezone

from investigation.admin import SCOPED_FILTER, ScopedAdmin, ScopedTabularInline
from sources.models import Interview, InterviewEvent, InterviewSource, Source

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
        "description": "Only the handler and the investigation's editors see this section. "
        "Changing it sends the source back to protection review.",
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
class SourceAdmin(ScopedAdmin):
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
        ("investigation", SCOPED_FILTER),
        "review_status",
        "protection_level",
        "category",
        ("handler", SCOPED_FILTER),
    ]
    # Never the identity fields: a search that matched them would tell who a source is.
    search_fields = ["codename", "description"]
    list_select_related = ["handler"]
    inlines = [SourceInterviewsInline]

    def get_fieldsets(self, request, obj=None):
        if obj is None or obj.can_see_identity(request.user):
            return [SOURCE_DETAILS, SOURCE_IDENTITY, SOURCE_REVIEW]
        return [SOURCE_DETAILS, SOURCE_REVIEW]

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
class InterviewAdmin(ScopedAdmin):
    list_display = ["conducted_at", "source_codenames", "interviewer", "mode", "location"]
    list_filter = [
        ("investigation", SCOPED_FILTER),
        "mode",
        ("interviewer", SCOPED_FILTER),
    ]
    date_hierarchy = "conducted_at"
    # Never the sensitive notes (see SourceAdmin.search_fields).
    search_fields = ["summary", "field_notes", "sources__codename", "language"]
    list_select_related = ["interviewer", "location"]
    autocomplete_fields = ["location"]
    inlines = [InterviewSourceInline, InterviewEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("sources")

    def get_fieldsets(self, request, obj=None):
        if obj is None or obj.can_see_sensitive_notes(request.user):
            return [INTERVIEW_DETAILS, INTERVIEW_NOTES, INTERVIEW_SENSITIVE]
        return [INTERVIEW_DETAILS, INTERVIEW_NOTES]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("interviewer", request.user.pk)
        initial.setdefault("conducted_at", timezone.now())
        return initial

    @admin.display(description="sources")
    def source_codenames(self, obj):
        return ", ".join(source.codename for source in obj.sources.all()) or "—"
