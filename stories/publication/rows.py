"""What a publication export holds: the allowlisted columns, the publishable events, and each
event as a row, with places tied to sources coarsened to their district.

Memory stays flat however many events there are: rows come from values_list(...).iterator().
"""

import functools
from collections import namedtuple

from django.db import models
from django.db.models import Avg, Exists, OuterRef, Subquery

from events.models import Actor, DatePrecision, Event, EventActor, Location
from sources.models import Interview, InterviewSource, Source

CHUNK_SIZE = 2000

# The allowlist: nothing else leaves. ACLED's names where they mean the same thing.
COLUMNS = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "kind",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "notes",
    "title",
    "status",
)
# What the query reads, in this order (see publication_row).
QUERY_COLUMNS = (
    "pk",
    "external_id",
    "date",
    "date_precision",
    "original_type",
    "kind",
    "primary_actor",
    "primary_actor_kind",
    "associated_primary",
    "secondary_actor",
    "secondary_actor_kind",
    "associated_secondary",
    "location_id",
    "location__admin1",
    "location__admin2",
    "location__name",
    "location__latitude",
    "location__longitude",
    "location__geo_precision",
    "fatalities",
    "description",
    "title",
    "status",
)
TIME_PRECISIONS = {
    DatePrecision.DAY: 1,
    DatePrecision.WEEK: 2,
    DatePrecision.MONTH: 3,
    DatePrecision.YEAR: 3,
}
KIND_LABELS = dict(Event.Kind.choices)
# ACLED's interaction codes (inter1, inter2) for the kinds of actor that have one.
INTER_CODES = {
    Actor.Kind.STATE_FORCE: 1,
    Actor.Kind.PARTNER_FORCE: 1,  # Iraqi forces the coalition partners with: state forces
    Actor.Kind.ARMED_GROUP: 2,  # rebel groups (ISIS)
    Actor.Kind.MILITIA: 3,  # political militias (Badr, the PMF)
    Actor.Kind.CIVILIANS: 7,
    Actor.Kind.COALITION: 8,  # external forces
}
REGION_PRECISION = 3
# The columns that hold text people typed (the rest are numbers, dates and codes).
TEXT_INDEXES = tuple(
    COLUMNS.index(column)
    for column in ("event_id_cnty", "event_type", "actor1", "assoc_actor_1", "actor2",
                   "assoc_actor_2", "admin1", "admin2", "location", "notes", "title")
)  # fmt: skip


def cleared_for_publication(events):
    """What may go out: events an editor marked publishable, except those that rest only on
    sources whose protection review is not cleared (an event no interview speaks about rests
    on public reporting and stays in)."""
    links = InterviewSource.objects.filter(interview__events=OuterRef("pk"))
    cleared = links.filter(source__in=Source.objects.cleared())
    return events.marked_publishable().filter(~Exists(links) | Exists(cleared))


def publication_events(investigation):
    """The investigation's events cleared for publication as rows of QUERY_COLUMNS, oldest
    first."""
    return (
        cleared_for_publication(Event.objects.filter(investigation=investigation))
        .annotate(
            primary_actor=actor_of(EventActor.Role.PRIMARY, "actor__name"),
            primary_actor_kind=actor_of(EventActor.Role.PRIMARY, "actor__kind"),
            associated_primary=actors_joined(EventActor.Role.ASSOCIATED),
            secondary_actor=actor_of(EventActor.Role.SECONDARY, "actor__name"),
            secondary_actor_kind=actor_of(EventActor.Role.SECONDARY, "actor__kind"),
            associated_secondary=actors_joined(EventActor.Role.ASSOCIATED_SECONDARY),
        )
        .order_by("date", "pk")
        .values_list(*QUERY_COLUMNS)
    )


def actor_of(role, field):
    links = EventActor.objects.filter(event=OuterRef("pk"), role=role).order_by("actor__name")
    return Subquery(links.values(field)[:1])


def actors_joined(role):
    """Every actor of one role, by name, joined as ACLED joins associated actors."""
    links = EventActor.objects.filter(event=OuterRef("pk"), role=role).order_by()
    names = links.values("event").annotate(names=JoinedNames("actor__name"))
    return Subquery(names.values("names"))


class JoinedNames(models.Aggregate):
    """Names joined with a line break (string_agg on PostgreSQL, group_concat on SQLite, whose
    order is not guaranteed: publication_row sorts them)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, CHAR(10))"
    output_field = models.TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "STRING_AGG(%(expressions)s, CHR(10))"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def associated(names):
    """ "A; B": as ACLED joins the associated actors of one side, alphabetically."""
    return "; ".join(sorted(names.split("\n"))) if names else ""


# Places tied to sources are shown only as their district --------------------------------------


class Places:
    """Where an interview took place identifies who was interviewed, so an event at such a
    place is published with its district (admin2, or admin1 without one) only: no place name,
    and the district's centre rounded to 0.1° (about 11 km) with geo_precision 3."""

    def __init__(self, investigation):
        self.tied = set(
            Interview.objects.filter(investigation=investigation, location__isnull=False)
            .values_list("location_id", flat=True)
            .distinct()
        )
        places = Location.objects.filter(investigation=investigation)
        self.centres = {}
        for group in (("admin1",), ("admin1", "admin2")):
            centres = places.values(*group).annotate(lat=Avg("latitude"), lon=Avg("longitude"))
            for centre in centres:
                key = (centre["admin1"], centre.get("admin2", ""))
                self.centres[key] = (round(centre["lat"], 1), round(centre["lon"], 1))

    def coarsen(self, admin1, admin2):
        """(place name, latitude, longitude) of the district."""
        latitude, longitude = self.centres.get((admin1, admin2), (None, None))
        if not (admin1 or admin2):
            return "", None, None
        return admin2 or admin1, latitude, longitude


# An event as the query reads it, and as the file writes it: fields by name, from the lists
# above, so that adding a column cannot shift another one.
EventValues = namedtuple("EventValues", [column.replace("__", "_") for column in QUERY_COLUMNS])
PublicationRow = namedtuple("PublicationRow", COLUMNS)


def publication_row(values, places):
    """One event (values of QUERY_COLUMNS) as a PublicationRow (values of COLUMNS)."""
    event = EventValues._make(values)
    name, latitude, longitude, geo_precision = (
        event.location_name,
        event.location_latitude,
        event.location_longitude,
        event.location_geo_precision,
    )
    if event.location_id in places.tied:
        admin1, admin2 = event.location_admin1 or "", event.location_admin2 or ""
        name, latitude, longitude = places.coarsen(admin1, admin2)
        geo_precision = REGION_PRECISION
    return PublicationRow(
        event_id_cnty=event.external_id or f"fieldbook-{event.pk}",
        event_date=published_date(event.date, event.date_precision),
        time_precision=TIME_PRECISIONS[event.date_precision],
        event_type=event.original_type or KIND_LABELS.get(event.kind, event.kind),
        kind=event.kind,
        actor1=event.primary_actor or "",
        assoc_actor_1=associated(event.associated_primary),
        inter1=INTER_CODES.get(event.primary_actor_kind, ""),
        actor2=event.secondary_actor or "",
        assoc_actor_2=associated(event.associated_secondary),
        inter2=INTER_CODES.get(event.secondary_actor_kind, ""),
        admin1=event.location_admin1 or "",
        admin2=event.location_admin2 or "",
        location=name or "",
        latitude=latitude,
        longitude=longitude,
        geo_precision=geo_precision,
        fatalities=event.fatalities,
        notes=event.description,
        title=event.title,
        status=event.status,
    )


@functools.lru_cache(maxsize=10_000)  # the same few thousand days, row after row
def published_date(date, precision):
    """The date only as precisely as it is known: the week's Monday, the month's first day,
    the year alone (a stored day may be more precise than the reporter would publish)."""
    if precision == DatePrecision.YEAR:
        return f"{date:%Y}"
    if precision == DatePrecision.MONTH:
        return date.replace(day=1).isoformat()
    if precision == DatePrecision.WEEK:
        return date.fromordinal(date.toordinal() - date.weekday()).isoformat()
    return date.isoformat()
