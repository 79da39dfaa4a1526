"""The admin of places, actors and events: region filters, the editorial bulk actions, and the
ACLED import (events/admin_acled.py) on the events list."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string

from events.admin_acled import AcledImportAdminMixin
from events.dates import PreciseDateModelForm
from events.models import Actor, Event, EventActor, Location, format_precise_date
from events.resources import ActorResource, EventResource, LocationResource
from investigation import access
from investigation.admin import (
    InvestigationFilter,
    ScopedAdmin,
    ScopedTabularInline,
    follow_up_add_url,
)
from investigation.importexport import AdminImportExportMixin


class RegionFilter(admin.SimpleListFilter):
    """Provinces or districts of the user's own places, found without reading every place
    (Location.objects.region_names)."""

    field = "admin2"
    path = "location__admin2"
    title = parameter_name = "district"

    def lookups(self, request, model_admin):
        names = Location.objects.region_names(self.field, user=request.user)
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.path: self.value()})
        return queryset


class PlaceProvinceFilter(RegionFilter):
    field = path = "admin1"
    title = parameter_name = "province"


class PlaceDistrictFilter(RegionFilter):
    path = "admin2"


@admin.register(Location)
class LocationAdmin(AdminImportExportMixin, ScopedAdmin):
    resource_classes = [LocationResource]
    list_display = ["name", "admin2", "admin1", "latitude", "longitude", "geo_precision"]
    list_filter = [
        ("investigation", InvestigationFilter),
        "geo_precision",
        PlaceProvinceFilter,
        PlaceDistrictFilter,
    ]
    search_fields = ["name", "admin1", "admin2", "admin3"]
    fieldsets = [
        (None, {"fields": ["investigation", "name", "aliases"]}),
        ("Region", {"fields": ["admin1", "admin2", "admin3"]}),
        ("Point", {"fields": ["latitude", "longitude", "geo_precision", "point_map"]}),
    ]
    readonly_fields = ["point_map"]

    @admin.display(description="map")
    def point_map(self, obj):
        """A point picker that writes to the latitude and longitude inputs above it."""
        return render_to_string("events/admin/point_picker.html", {"place": obj})


@admin.register(Actor)
class ActorAdmin(AdminImportExportMixin, ScopedAdmin):
    resource_classes = [ActorResource]
    list_display = ["name", "kind", "event_count"]
    list_filter = [("investigation", InvestigationFilter), "kind"]
    search_fields = ["name", "description"]
    fields = ["investigation", "name", "aliases", "kind", "description"]

    def get_queryset(self, request):
        # Counted for the rows shown only (a GROUP BY would count every actor's events first).
        links = EventActor.objects.filter(actor=OuterRef("pk")).order_by().values("actor")
        count = links.annotate(n=Count("pk")).values("n")
        return super().get_queryset(request).annotate(number_of_events=Coalesce(Subquery(count), 0))

    @admin.display(description="events", ordering="number_of_events")
    def event_count(self, obj):
        return obj.number_of_events


class EventActorInline(ScopedTabularInline):
    model = EventActor
    autocomplete_fields = ["actor"]
    verbose_name = "actor"
    verbose_name_plural = "actors"


def editorial_action(name, description, done, **flags):
    """A bulk action that only editors see, and that reaches only the selected events of the
    investigations they edit (ScopedAdmin.response_action narrows by "editorial")."""

    def action(modeladmin, request, queryset):
        changed = queryset.editorial_mark(by=request.user, **flags)
        modeladmin.message_user(request, f"{changed} event(s) {done}.", messages.SUCCESS)

    action.__name__ = name
    return admin.action(description=description, permissions=[access.EDITORIAL])(action)


EDITORIAL_ACTIONS = [
    editorial_action(
        "mark_publishable", "Mark publishable", "marked publishable", publishable=True
    ),
    editorial_action(
        "mark_not_publishable", "Mark not publishable", "marked not publishable", publishable=False
    ),
    editorial_action(
        "mark_highlighted", "Highlight (focus events)", "highlighted", highlighted=True
    ),
    editorial_action(
        "mark_not_highlighted", "Stop highlighting", "no longer highlighted", highlighted=False
    ),
]


@admin.register(Event)
class EventAdmin(AcledImportAdminMixin, AdminImportExportMixin, ScopedAdmin):
    resource_classes = [EventResource]
    form = PreciseDateModelForm  # "when" and "end" typed as people say them (events.dates)
    actions = EDITORIAL_ACTIONS
    # The editorial columns first: on a laptop they stay in sight whatever the titles' length.
    list_display = ["title", "when", "highlighted", "publishable", "kind", "status", "place"]
    list_display_links = ["title"]
    list_filter = [
        ("investigation", InvestigationFilter),
        "kind",
        "status",
        "date_precision",
        "highlighted",
        "publishable",
        RegionFilter,
    ]
    date_hierarchy = "date"
    search_fields = ["title", "description", "location__name", "external_id"]
    list_select_related = ["location"]
    autocomplete_fields = ["location"]
    inlines = [EventActorInline]
    fieldsets = [
        (None, {"fields": ["investigation", "kind", "title", "status"]}),
        (
            "When",
            {
                "fields": [("when", "date_precision"), "end"],
                "description": "Type what is known: a day, a week, a month or a year. Lists, "
                "maps and exports show the date only as precisely as it was typed.",
            },
        ),
        ("Where", {"fields": ["location", "place_map"]}),
        ("What happened", {"fields": ["description", "fatalities"]}),
        ("Editorial", {"fields": ["highlighted", "publishable"]}),
        (
            "Imported data",
            {
                "fields": [
                    "external_id",
                    ("original_type", "original_sub_type"),
                    "acled_source",
                    "tags",
                ],
                "classes": ["collapse"],
            },
        ),
    ]

    @admin.display(description="when", ordering="date")
    def when(self, obj):
        return obj.when

    @admin.display(description="place", ordering="location__name")
    def place(self, obj):
        """The place's name only (its district and province are filters): a narrow column
        that wraps, where the location's full name would not."""
        return obj.location.name if obj.location else "—"

    @admin.display(description="end")
    def end(self, obj):
        """The end date, as precisely as the start (shown on a read-only form)."""
        return format_precise_date(obj.end_date, obj.date_precision) if obj.end_date else "—"

    @admin.display(description="on the map")
    def place_map(self, obj):
        return render_to_string("events/admin/place_map.html", {"location_id": obj.location_id})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = self.get_object(request, unquote(object_id))
        context = {"follow_up_url": follow_up_add_url(request.user, event), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def has_editorial_permission(self, request):
        """Whether the editors' bulk actions are offered: an editor somewhere."""
        return self.may(request, access.EDITORIAL)

    def get_readonly_fields(self, request, obj=None):
        # Publication is an editor's decision, taken on an event that exists.
        readonly = [*super().get_readonly_fields(request, obj), "place_map"]
        if obj is None or not access.is_editor(request.user, obj.investigation_id):
            readonly.append("publishable")
        return readonly
