"""What of places, actors and events the one search reads (investigation.search): their texts,
their names in every spelling (aliases), and each event's place and actors."""

from events.models import Actor, Event, Location
from investigation import search

# A place's names as documents quote them (events here, interviews and claims in their apps).
PLACE_NAMES = ["name", "aliases", "admin1", "admin2", "admin3"]


def place_names(place):
    if place is None:
        return []
    return [getattr(place, name) for name in PLACE_NAMES]


def location_document(place):
    return search.SearchDocument(title=str(place), names=place_names(place))


def actor_document(actor):
    return search.SearchDocument(
        title=actor.name,
        texts=[actor.description, actor.get_kind_display()],
        names=[actor.name, actor.aliases],
    )


def event_document(event):
    actors = [link.actor for link in event.event_actors.all()]
    return search.SearchDocument(
        title=event.title,
        texts=[
            event.description,
            " - ".join(filter(None, [event.get_kind_display(), str(event.location or "")])),
            ", ".join(actor.name for actor in actors),
            event.original_type,
            event.original_sub_type,
            event.tags,
            event.acled_source,
        ],
        names=[
            event.external_id,
            *place_names(event.location),
            *(name for actor in actors for name in (actor.name, actor.aliases)),
        ],
        date=event.date,
        precision=event.date_precision,
    )


def searchables_register():
    """Called from EventsConfig.ready(), with the way dates are read and shown."""
    from events.dates import parse_date_filter
    from events.models import format_precise_date

    search.dates_register(read=parse_date_filter, show=format_precise_date)
    search.register(
        Location,
        kind="location",
        label="Places",
        document=location_document,
        reads=PLACE_NAMES,
        order=60,
    )
    search.register(
        Actor,
        kind="actor",
        label="Actors",
        document=actor_document,
        reads=["name", "aliases", "description", "kind"],
        order=70,
    )
    search.register(
        Event,
        kind="event",
        label="Events",
        document=event_document,
        reads=[
            "title",
            "description",
            "kind",
            "original_type",
            "original_sub_type",
            "tags",
            "acled_source",
            "external_id",
            "date",
            "date_precision",
            *(f"location__{name}" for name in PLACE_NAMES),
            "event_actors__actor__name",
            "event_actors__actor__aliases",
        ],
        related=["location"],
        prefetch=["event_actors__actor"],
        order=20,
    )
    search.dependents_register(Location, lambda place: Event.objects.filter(location=place))
    search.dependents_register(Actor, lambda actor: Event.objects.filter(event_actors__actor=actor))
