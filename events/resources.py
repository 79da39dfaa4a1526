"""Places, actors and events in spreadsheets (the admin's import and export)."""

from import_export import fields

from events.date_cells import date_columns
from events.models import Actor, Event, Location
from investigation.resources import ScopedResource, link


class LocationResource(ScopedResource):
    class Meta(ScopedResource.Meta):
        model = Location
        fields = ("id", "investigation", "name", "admin1", "admin2", "admin3", "latitude",
                  "longitude", "geo_precision")  # fmt: skip
        name = "Places"


class ActorResource(ScopedResource):
    class Meta(ScopedResource.Meta):
        model = Actor
        fields = ("id", "investigation", "name", "kind", "description")
        name = "Actors"


class EventResource(ScopedResource):
    location = link(Location, "location")
    date, date_precision = date_columns()  # "Jan 2019" as in the forms (events.date_cells)
    # Exported so a spreadsheet keeps our reporting and the background apart; never read back:
    # a row a spreadsheet adds is a spreadsheet's, and a row it updates keeps where it came from.
    origin = fields.Field(attribute="origin", column_name="origin", readonly=True)

    class Meta(ScopedResource.Meta):
        model = Event
        fields = ("id", "investigation", "kind", "title", "date", "date_precision", "end_date",
                  "location", "fatalities", "description", "status", "highlighted",
                  "publishable", "external_id", "original_type", "original_sub_type",
                  "acled_source", "tags", "origin")  # fmt: skip
        name = "Events"

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if new:
            instance.origin = Event.Origin.SPREADSHEET
