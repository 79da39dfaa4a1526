from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from investigation.admin_publication import PublicationExportAdminMixin
from investigation.importexport import AdminImportExportMixin
from investigation.models import (
    FollowUp,
    Investigation,
    LeakOverride,
    Membership,
    PublicationExport,
    Reminder,
    Role,
    administers_any,
    investigation_ids_for,
    members_visible_to,
    request_memberships,
)
from investigation.resources import FollowUpResource
from investigation.services import follow_ups_mark_done, reminder_arm

User = get_user_model()
SCOPED_FILTER = admin.RelatedOnlyFieldListFilter  # for small logs; big lists use the two below


class InvestigationFilter(admin.RelatedFieldListFilter):
    """The user's own investigations, from their memberships (RelatedOnlyFieldListFilter would
    read every row of the list to find which investigations occur in it)."""

    def field_choices(self, field, request, model_admin):
        if request.user.is_superuser:
            return list(Investigation.objects.values_list("pk", "title"))
        return [(m.investigation_id, m.investigation.title) for m in request_memberships(request)]


class MemberFilter(admin.RelatedFieldListFilter):
    """The people of the user's investigations, by username (not by reading every row)."""

    def field_choices(self, field, request, model_admin):
        people = members_visible_to(request.user).order_by("username")
        return list(people.values_list("pk", "username"))


class CappedPaginator(Paginator):
    """Counts at most CAP rows: the same cheap count at 10,000 rows as at 1,000,000, where an
    exact COUNT(*) would read them all. Beyond it, lists say "more than 10,000": filter, search
    or sort the other way to reach the rest."""

    CAP = 10_000

    @cached_property
    def count(self):
        rows = self.object_list.values("pk")  # without the list's annotations
        return rows[: self.CAP + 1].count()

    @property
    def capped(self):
        return self.count > self.CAP


class ScopedFieldsMixin:
    """Every choice in a form (selects, autocompletes, inline rows) offers only rows of the
    user's investigations, and people they work with."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self.visible_choices(db_field, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self.visible_choices(db_field, request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def visible_choices(self, db_field, request):
        related = db_field.remote_field.model
        if related is User:
            return members_visible_to(request.user)
        return related._default_manager.visible_to(request.user)


class ScopedAdmin(ScopedFieldsMixin, SimpleHistoryAdmin):
    """An admin whose lists, pages, searches, filters, autocompletes and history show only
    rows of the user's investigations (Model.objects.visible_to). Anything else is a 404."""

    view_on_site = False
    list_per_page = 50
    paginator = CappedPaginator
    show_full_result_count = False  # a second count of the whole list, never shown capped

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows.visible_to(request.user, memberships=request_memberships(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such record in your investigations.")
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.get_object(request, unquote(object_id))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "investigation" in initial:
            return initial
        latest = Membership.objects.filter(
            user=request.user, investigation__status=Investigation.Status.ACTIVE
        ).order_by("-created_at")
        if latest.exists():
            initial["investigation"] = latest.values_list("investigation_id", flat=True)[0]
        return initial

    def save_model(self, request, obj, form, change):
        if not change and hasattr(obj, "created_by_id"):
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdminMixin:
    """Records Fieldbook writes itself (access logs, deliveries, export logs): nobody adds,
    changes or deletes them in the app, and they keep no change history of their own."""

    object_history_template = None  # Django's own page, not simple_history's

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))  # a 404 outside the user's investigations
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedTabularInline(ScopedFieldsMixin, admin.TabularInline):
    extra = 0


class MembershipInline(ScopedTabularInline):
    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Investigation)
class InvestigationAdmin(PublicationExportAdminMixin, ScopedAdmin):
    list_display = ["title", "status", "member_count", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "status", "summary"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(number_of_members=Count("memberships"))

    @admin.display(description="members", ordering="number_of_members")
    def member_count(self, obj):
        return obj.number_of_members

    def has_change_permission(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return (
            super().has_change_permission(request, obj) and obj.role_of(request.user) == Role.ADMIN
        )


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "investigation", "role", "created_at"]
    list_filter = [("investigation", InvestigationFilter), "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "investigation"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_active=True)
        if db_field.name == "investigation":
            kwargs["queryset"] = Investigation.objects.visible_to(request.user, [Role.ADMIN])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.administers(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.administers(request, obj)

    def administers(self, request, obj):
        """Only an investigation's admins manage its members."""
        if obj is None or request.user.is_superuser:
            return True
        return obj.investigation.role_of(request.user) == Role.ADMIN


def mark_done(modeladmin, request, queryset):
    updated = follow_ups_mark_done(follow_ups=queryset)
    modeladmin.message_user(request, f"{updated} follow-up(s) marked done.", messages.SUCCESS)


mark_done.short_description = "Mark selected follow-ups done"
mark_done.allowed_permissions = ["change"]


@admin.register(FollowUp)
class FollowUpAdmin(AdminImportExportMixin, ScopedAdmin):
    resource_classes = [FollowUpResource]
    list_display = ["title", "due", "assignee", "status", "priority", "linked_to"]
    list_filter = [
        "status",
        "priority",
        "kind",
        ("assignee", MemberFilter),
        ("investigation", InvestigationFilter),
    ]
    date_hierarchy = "due_at"
    search_fields = ["title", "notes"]
    list_select_related = ["assignee", "event", "source", "interview"]
    autocomplete_fields = ["event", "source", "interview"]
    actions = [mark_done]
    fieldsets = [
        (None, {"fields": ["investigation", "title", "notes"]}),
        ("When and who", {"fields": ["due_at", "assignee", "priority", "status"]}),
        ("About", {"fields": ["event", "source", "interview"]}),
    ]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("assignee", request.user.pk)
        initial.setdefault("due_at", timezone.now() + timezone.timedelta(days=7))
        return initial

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        reminder_arm(follow_up=obj)

    @admin.display(description="due", ordering="due_at")
    def due(self, obj):
        when = timezone.localtime(obj.due_at).strftime("%d %b %Y %H:%M")
        if obj.is_overdue():
            return format_html('<strong class="fieldbook-overdue">{} (overdue)</strong>', when)
        return when

    @admin.display(description="about")
    def linked_to(self, obj):
        return obj.source or obj.event or obj.interview or "—"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Reminders sent: to whom, when, for which follow-up. Written by the sweep only."""

    list_display = ["follow_up", "kind", "due_at", "status", "email", "sent_at", "attempts"]
    list_filter = ["status", "kind", ("follow_up__investigation", InvestigationFilter)]
    search_fields = ["follow_up__title", "email"]
    date_hierarchy = "due_at"
    list_select_related = ["follow_up"]
    fields = ["follow_up", "kind", "due_at", "status", "email", "sent_at", "attempts", "last_error"]


class AdminLogAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """A read-only log for the Admins of the investigations it concerns."""

    def get_queryset(self, request):
        return self.model._default_manager.visible_to(request.user, [Role.ADMIN])

    def has_view_permission(self, request, obj=None):
        return administers_any(request)


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


class FieldbookUserAdmin(UserAdmin):
    """People: Admins see the members of their investigations and new, unassigned accounts;
    only superusers grant superuser status, groups or individual permissions."""

    member_fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Access", {"fields": ["is_active", "is_staff", "last_login", "date_joined"]}),
    ]

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if request.user.is_superuser:
            return users
        colleagues = users.filter(
            memberships__investigation__in=investigation_ids_for(request.user)
        )
        unassigned = users.filter(memberships=None)
        return (colleagues | unassigned).filter(is_superuser=False).distinct()

    def has_change_permission(self, request, obj=None):
        """An Admin changes (and resets passwords of) only people who work solely in
        investigations that Admin administers: otherwise a password reset would open
        another investigation's compartment."""
        allowed = super().has_change_permission(request, obj)
        if obj is None or request.user.is_superuser or not allowed:
            return allowed
        administered = set(
            investigation_ids_for(request.user, [Role.ADMIN]).values_list(
                "investigation_id", flat=True
            )
        )
        theirs = set(obj.memberships.values_list("investigation_id", flat=True))
        return theirs <= administered

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.member_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.is_staff = True  # every Fieldbook user works in the admin
        super().save_model(request, obj, form, change)


admin.site.unregister(User)
admin.site.register(User, FieldbookUserAdmin)
