from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from investigation import access
from investigation.forms import MembershipForm, PersonAddForm
from investigation.importexport import AdminImportExportMixin
from investigation.models import (
    FollowUp,
    Investigation,
    Membership,
    Reminder,
    Role,
)
from investigation.reminders import follow_ups_mark_done, reminder_arm
from investigation.resources import FollowUpResource

User = get_user_model()

SCOPED_FILTER = admin.RelatedOnlyFieldListFilter  # for small logs; big lists use the two below


class InvestigationFilter(admin.RelatedFieldListFilter):
    """The user's own investigations, from their memberships (RelatedOnlyFieldListFilter would
    read every row of the list to find which investigations occur in it)."""

    def field_choices(self, field, request, model_admin):
        return [
            (m.investigation_id, m.investigation.title) for m in access.memberships(request.user)
        ]


class MemberFilter(admin.RelatedFieldListFilter):
    """The people of the user's investigations, by username (not by reading every row)."""

    def field_choices(self, field, request, model_admin):
        people = access.colleagues(request.user).order_by("username")
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
    user's investigations, and people they work with; an add form's investigation only those
    where the person's role may create such a row."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self.visible_choices(db_field, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", self.visible_choices(db_field, request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def visible_choices(self, db_field, request):
        related = db_field.remote_field.model
        if related is User:
            return access.colleagues(request.user).filter(is_active=True)
        if related is Investigation and db_field.name == "investigation":
            ids = access.investigations_where(request.user, access.ADD, self.model)
            return (
                Investigation.objects.all() if ids is None else related.objects.filter(pk__in=ids)
            )
        return related._default_manager.visible_to(request.user)


class ScopedAdmin(ScopedFieldsMixin, SimpleHistoryAdmin):
    """An admin whose lists, pages, searches, filters, autocompletes and history show only
    rows of the user's investigations (Model.objects.visible_to), anything else being a 404,
    and whose every permission is the person's role in the row's own investigation
    (investigation.access.may), bulk actions included."""

    view_on_site = False
    list_per_page = 50
    paginator = CappedPaginator
    show_full_result_count = False  # a second count of the whole list, never shown capped

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such record in your investigations.")
        return obj

    def has_view_permission(self, request, obj=None):
        return self.may(request, access.VIEW, obj) or self.may(request, access.CHANGE, obj)

    def has_add_permission(self, request):
        return self.may(request, access.ADD)

    def has_change_permission(self, request, obj=None):
        return self.may(request, access.CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may(request, access.DELETE, obj)

    def may(self, request, action, obj=None):
        return access.may(request.user, action, obj, model=self.model)

    def lookup_allowed(self, lookup, value, request=None):
        """Never a filter on an encrypted column (its length and emptiness would show)."""
        if reaches_encrypted_field(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and "investigation" in {f.name for f in self.model._meta.fields}:
            fields.append("investigation")
        return fields

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.get_object(request, unquote(object_id))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def response_action(self, request, queryset):
        """A bulk action reaches only the selected rows the person's role allows it on, in
        each row's own investigation; the others are left alone, and the page says so."""
        action = self.get_actions(request).get(request.POST.get("action", ""))
        if action is not None:
            needed = getattr(action[0], "allowed_permissions", ())
            allowed = self.investigations_allowing(request, needed)
            if allowed is not None:
                skipped = queryset.exclude(**{f"{self.investigation_path()}__in": allowed})
                if skipped.filter(pk__in=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
                    self.message_user(
                        request,
                        "Some selected rows were left alone: your role in their investigation "
                        "does not allow this.",
                        messages.WARNING,
                    )
                queryset = queryset.filter(**{f"{self.investigation_path()}__in": allowed})
        return super().response_action(request, queryset)

    def investigations_allowing(self, request, actions):
        """Ids of the investigations where every one of `actions` is allowed (None: all)."""
        if not actions:
            return None
        found = [access.investigations_where(request.user, a, self.model) for a in actions]
        if any(ids is None for ids in found):
            return None
        return sorted(set.intersection(*(set(ids) for ids in found)))

    def investigation_path(self):
        return self.model._default_manager._queryset_class.investigation_field

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "investigation" in initial:
            return initial
        allowed = access.investigations_where(request.user, access.ADD, self.model) or []
        latest = Membership.objects.filter(
            user=request.user,
            investigation__in=allowed,
            investigation__status=Investigation.Status.ACTIVE,
        ).order_by("-created_at")
        first = latest.values_list("investigation_id", flat=True).first()
        if first is not None:
            initial["investigation"] = first
        return initial

    def save_model(self, request, obj, form, change):
        if not change and not self.may(request, access.ADD, obj):
            raise PermissionDenied("Your role in that investigation cannot add this.")
        if not change and hasattr(obj, "created_by_id"):
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


def reaches_encrypted_field(model, lookup):
    """Whether a list lookup ("real_name__regex", "sources__contact") touches an encrypted
    column (sources.fields.EncryptedTextField), directly or through relations."""
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if getattr(field, "encrypted", False):
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


class ReadOnlyAdminMixin:
    """Records Fieldbook writes itself (access logs, deliveries, export logs): nobody adds,
    changes or deletes them in the app, and they keep no change history of their own."""

    object_history_template = None  # Django's own page, not simple_history's

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))  # a 404 outside the user's investigations
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        raise Http404("These records keep no versions.")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedTabularInline(ScopedFieldsMixin, admin.TabularInline):
    """Rows of a record's form (an event's actors, an interview's sources): what the person
    may do with them is their role in the parent record's investigation."""

    extra = 0

    def has_view_permission(self, request, obj=None):
        return self.may(request, access.VIEW, obj) or self.may(request, access.CHANGE, obj)

    def has_add_permission(self, request, obj=None):
        return self.may(request, access.ADD, obj)

    def has_change_permission(self, request, obj=None):
        return self.may(request, access.CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may(request, access.DELETE, obj)

    def may(self, request, action, parent=None):
        investigation_id = access.investigation_of(parent) if parent is not None else None
        return access.may(request.user, action, model=self.model, investigation_id=investigation_id)


class MembershipInline(ScopedTabularInline):
    model = Membership
    form = MembershipForm
    fields = ["person", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Investigation)
class InvestigationAdmin(ScopedAdmin):
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


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    """Only an investigation's Admins (and superusers, who set up) manage its members; people
    are found by their exact username or email, never picked from a list of everyone."""

    form = MembershipForm
    list_display = ["user", "investigation", "role", "created_at"]
    list_filter = [("investigation", InvestigationFilter), "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "investigation"]

    fields = ["investigation", "person", "role"]


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
        if obj is None:
            return access.administers_any(request.user)
        return access.is_admin(request.user, access.investigation_of(obj))


class FieldbookUserAdmin(UserAdmin):
    """People. Superusers manage every account. An investigation's Admin sees the people of
    the investigations they administer, and changes (password, email, names, active) only
    those whose every membership is in one of them (access.may_manage_person); a person they
    add joins one of their investigations at once. Staff and superuser flags, groups, single
    permissions, accounts with no membership and deleting accounts are for superusers."""

    member_fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Access", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    member_add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Joins", {"fields": ["investigation", "role"]}),
    ]

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if access.is_setup_account(request.user):
            return users
        administered = access.investigation_ids(request.user, [Role.ADMIN])
        mine = Membership.objects.filter(investigation__in=administered).values("user")
        return users.filter(pk__in=mine, is_superuser=False)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such person among the people you manage.")
        return obj

    def has_module_permission(self, request):
        return access.may_manage_people(request.user)

    def has_view_permission(self, request, obj=None):
        return access.may_manage_people(request.user)

    def has_add_permission(self, request):
        return access.may_manage_people(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return access.may_manage_people(request.user)
        return access.may_manage_person(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return access.is_setup_account(request.user)

    def get_fieldsets(self, request, obj=None):
        if access.is_setup_account(request.user):
            return super().get_fieldsets(request, obj)
        return self.member_add_fieldsets if obj is None else self.member_fieldsets

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and not access.is_setup_account(request.user):
            kwargs["form"] = PersonAddForm
        form = super().get_form(request, obj, **kwargs)
        form.requesting_user = request.user  # a class made afresh for this request
        return form

    def get_readonly_fields(self, request, obj=None):
        if access.is_setup_account(request.user):
            return super().get_readonly_fields(request, obj)
        return ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.is_staff = True  # every Fieldbook user works in the admin
        super().save_model(request, obj, form, change)
        if not change and "investigation" in form.cleaned_data:
            Membership.objects.create(
                investigation=form.cleaned_data["investigation"],
                user=obj,
                role=form.cleaned_data["role"],
            )


admin.site.unregister(User)
admin.site.register(User, FieldbookUserAdmin)
