"""Places, actors and events in spreadsheets (the admin's import and export)."""

from import_export import fields

from events.models import Actor, Event, Location
from investigation.resources import ScopedForeignKeyWidget, ScopedResource


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
    location = fields.Field(
        attribute="location", column_name="location", widget=ScopedForeignKeyWidget(Location)
    )

    class Meta(ScopedResource.Meta):
        model = Event
        fields = ("id", "investigation", "kind", "title", "date", "date_precision", "end_date",
                  "location", "fatalities", "description", "status", "highlighted",
                  "publishable", "external_id", "original_type", "original_sub_type",
                  "acled_source", "tags")  # fmt: skip
        name = "Events"
