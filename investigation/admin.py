"""The admin's shared machinery (scoped lists and forms, versioned saves, the search box), and
the admin of investigations, memberships, follow-ups, reminders, the log and people."""

import copy

from concurrency.exceptions import RecordModifiedError
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, QueryDict
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from simple_history.admin import SimpleHistoryAdmin

from investigation import access, search
from investigation.conflicts import (
    VERSION_FIELDS,
    EditConflict,
    changes_reapplied,
    conflict_fields,
    nothing_to_write,
    record_then,
    saves_since,
    versioned,
    versioned_form,
)
from investigation.form_inputs import formfield_dressed
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
        # Without the list's annotations, and without its order: sorting every match only to
        # count the first CAP + 1 is most of a common word's search at 1,000,000 rows.
        rows = self.object_list.values("pk").order_by()
        return rows[: self.CAP + 1].count()

    @property
    def capped(self):
        return self.count > self.CAP


class ScopedFieldsMixin:
    """Every choice in a form (selects, autocompletes, inline rows) offers only rows of the
    user's investigations, and people they work with; an add form's investigation only those
    where the person's role may create such a row."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return formfield_dressed(super().formfield_for_dbfield(db_field, request, **kwargs))

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
        reapplied = getattr(request, "reapplied", None)  # see edit_conflict_page
        if reapplied is not None and str(reapplied.pk) == str(object_id):
            return reapplied
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
        try:
            with transaction.atomic():  # as changeform_view: a refused save leaves no trace
                return super().history_form_view(request, object_id, version_id, extra_context)
        except EditConflict as conflict:  # a revert from a page opened before another save
            return self.edit_conflict_page(request, object_id, "", conflict.form)

    # Edits that collide (investigation.conflicts): a change form carries the version it was
    # opened at; a save from a stale one is refused with what changed since, and a form to
    # apply the person's changes again over the record as it is now.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict as conflict:  # raised in the save's transaction, rolled back
            return self.edit_conflict_page(request, object_id, form_url, conflict.form)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None and self.keeps_versions(request, obj):
            base = kwargs.get("form", self.form)
            readonly = self.get_readonly_fields(request, obj)
            nulled = [name for name in readonly if name in base.declared_fields]
            kwargs["form"] = versioned_form(base, nulled=nulled)
        return super().get_form(request, obj, change=change, **kwargs)

    def keeps_versions(self, request, obj):
        return versioned(self.model) and self.has_change_permission(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        with_version_fields(context.get("adminform"))
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if "edit_conflict" in context:
            names = response.template_name
            response.context_data["conflict_base_template"] = select_template(
                [names] if isinstance(names, str) else names
            )
            response.template_name = "admin/edit_conflict.html"
            response.status_code = 409
        return response

    def render_history_view(self, request, template, context, **kwargs):
        with_version_fields(context.get("adminform"))
        return super().render_history_view(request, template, context, **kwargs)

    def edit_conflict_page(self, request, object_id, form_url, form):
        """The change form again (HTTP 409), holding the record as it is now with the person's
        changes put back over it, and above it what changed since they opened theirs."""
        current = self.get_object(request, unquote(object_id))
        opened = form.cleaned_data.get("opened_history")
        fields = conflict_fields(form=form, current=current, then=record_then(current, opened))
        conflict = {
            "fields": fields,
            "saves": saves_since(current, opened),
            "rows_not_saved": self.inline_changes(request, current),
        }
        again = copy.copy(request)  # the same person and session, asking for the form
        again.method, again.POST = "GET", QueryDict()
        again.reapplied = changes_reapplied(current=current, rows=fields, form=form)
        return self.change_view(again, object_id, form_url, {"edit_conflict": conflict})

    def inline_changes(self, request, obj):
        """Names of the rows below the form (actors, sources ...) the refused save changed:
        they were not saved either."""
        names = []
        for formset_class, inline in self.get_formsets_with_inlines(request, obj):
            formset = formset_class(
                request.POST,
                request.FILES,
                instance=obj,
                prefix=formset_class.get_default_prefix(),
                queryset=inline.get_queryset(request),
            )
            if formset.has_changed():
                names.append(str(inline.verbose_name_plural))
        return names

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
        if change and "version" in form.fields:
            obj.version = form.cleaned_data["version"]  # save() writes only at that version
            if nothing_to_write(obj):
                return  # rows below the form alone: no new version, no form made stale
        try:
            super().save_model(request, obj, form, change)
        except RecordModifiedError:
            raise EditConflict(form) from None

    # The search index (investigation.search): a row is indexed once its related rows (actors,
    # sources, inlines) are saved too, and forgotten when deleted; the list's own search box
    # and its autocompletes read the index rather than scanning every row.

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        search.row_refresh(row=form.instance)

    def delete_model(self, request, obj):
        quoting, pk = search.quoting(rows=[obj]), obj.pk
        super().delete_model(request, obj)
        search.entries_forget(model=self.model, ids=[pk])
        search.quoting_refresh(quoting)  # a deleted place's claims no longer name it

    def delete_queryset(self, request, queryset):
        rows = list(queryset)
        quoting, pks = search.quoting(rows=rows), [row.pk for row in rows]
        super().delete_queryset(request, queryset)
        search.entries_forget(model=self.model, ids=pks)
        search.quoting_refresh(quoting)

    def get_search_results(self, request, queryset, search_term):
        """Rows whose search entry holds every word (stemmed, any spelling of a name), for
        models that registered with the search; Django's own search for the others."""
        if search.searchable_for(self.model) is None or not search_term.strip():
            return super().get_search_results(request, queryset, search_term)
        typing = getattr(request.resolver_match, "url_name", "") == "autocomplete"
        ids = search.object_ids(
            model=self.model, text=search_term, user=request.user, prefix=typing
        )
        return queryset.filter(pk__in=search.ids_at_hand(ids)), False


def with_version_fields(adminform):
    """Render a versioned form's hidden fields, in its first fieldset (whatever fieldsets the
    admin class chose: a new list, never the class's own)."""
    if adminform is None or "version" not in adminform.form.fields:
        return
    (name, options), *rest = adminform.fieldsets
    if VERSION_FIELDS not in options.get("fields", ()):
        first = (name, {**options, "fields": [*options.get("fields", ()), VERSION_FIELDS]})
        adminform.fieldsets = [first, *rest]


def reaches_encrypted_field(model, lookup):
    """Whether a list lookup ("real_name__regex", "sources__contact") touches an encrypted
    column (sources.fields.EncryptedTextField), directly or through relations."""
    return search.reads_encrypted_field(model, lookup, unknown=False)


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


@admin.action(description="Close my selected follow-ups (done)", permissions=["change"])
def close_mine(modeladmin, request, queryset):
    """Anyone's own follow-ups only: the others selected are left as they are."""
    closed = follow_ups_mark_done(follow_ups=queryset.filter(assignee=request.user))
    others = queryset.exclude(assignee=request.user).open().count()
    modeladmin.message_user(request, f"{closed} of your follow-up(s) closed.", messages.SUCCESS)
    if others:
        modeladmin.message_user(
            request, f"{others} assigned to someone else left open.", messages.WARNING
        )


def follow_up_add_url(user, row):
    """The add form of a follow-up about `row` (an event, a source or an interview), filled in
    with its investigation and the row; None where the person may not add follow-ups."""
    if not access.may(user, access.ADD, model=FollowUp, investigation_id=row.investigation_id):
        return None
    query = urlencode({"investigation": row.investigation_id, row._meta.model_name: row.pk})
    return f"{reverse('admin:investigation_followup_add')}?{query}"


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
    actions = [close_mine, mark_done]
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
        due = timezone.localtime(obj.due_at)
        when = f"{due.day} {due:%b %Y, %H:%M}"  # 4 Feb 2027, 09:30: never 04/02/2027
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
