"""Places, actors and events: where and when things happened at the precision known, who was
there on each side, and what the map and the export read of them."""

import calendar
import datetime

from concurrency.fields import AutoIncVersionField
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import Avg, Count, F, Func, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, Floor, TruncMonth
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from investigation.models import (
    INVESTIGATION_HELP,
    Investigation,
    ScopedQuerySet,
    validate_same_investigation,
)


class GeoPrecision(models.IntegerChoices):
    """ACLED's geo_precision codes."""

    EXACT = 1, "1 · exact place"
    NEAR = 2, "2 · near the place / part of a region"
    REGION = 3, "3 · region only"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def format_precise_date(date, precision):
    """A date written only as precisely as it is known: '11 Mar 2020', 'week of 2 Mar 2020',
    'Nov 2018', '2019'."""
    if date is None:
        return "date unknown"
    if precision == DatePrecision.YEAR:
        return f"{date:%Y}"
    if precision == DatePrecision.MONTH:
        return f"{date:%b %Y}"
    if precision == DatePrecision.WEEK:
        monday = date - datetime.timedelta(days=date.weekday())
        return f"week of {monday.day} {monday:%b %Y}"
    return f"{date.day} {date:%b %Y}"


def format_precise_period(date, precision, end_date=None):
    """An event's dates as precisely as they are known: 'Nov 2018', 'Jun 2019 – Aug 2019'."""
    start = format_precise_date(date, precision)
    if not end_date or end_date == date:
        return start
    return f"{start} – {format_precise_date(end_date, precision)}"


def month_end(date):
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


class LocationQuerySet(ScopedQuerySet):
    def in_box(self, box):
        """Places in `box` (west, south, east and north, in degrees, edges included)."""
        return self.filter(
            latitude__gte=box.south,
            latitude__lte=box.north,
            longitude__gte=box.west,
            longitude__lte=box.east,
        )

    def grid_cells(self, degrees, *, events):
        """The `events` at these places counted per cell of a grid of `degrees`-wide
        squares, in one GROUP BY query: each cell's row, column, count, focus events, and
        the mean point and extent of its places (of all of them: the filters may leave some
        without events). Cells without events are left out.

        The events are counted place by place (a subquery per place, read from the
        event_map_idx index alone), not joined and grouped: the work follows the number of
        places in view rather than the number of events, a million of which PostgreSQL
        would otherwise read from the table (see bench/map.py)."""
        here = events.filter(location=OuterRef("pk")).order_by()
        # COUNT(location_id), not COUNT(id): the index holds the one, the table the other.
        count = Subquery(here.annotate(n=Func("location", function="COUNT")).values("n"))
        focus = Subquery(
            here.highlighted().annotate(n=Func("location", function="COUNT")).values("n")
        )
        cells = (
            self.order_by()
            .annotate(row=Floor(F("latitude") / degrees), column=Floor(F("longitude") / degrees))
            .values("row", "column")
            .annotate(
                # Cast: PostgreSQL sums counts as numeric, which would come back as Decimal.
                count=Cast(Sum(count), models.BigIntegerField()),
                focus=Cast(Sum(focus), models.BigIntegerField()),
                mean_latitude=Avg("latitude"),
                mean_longitude=Avg("longitude"),
                south=Min("latitude"),
                north=Max("latitude"),
                west=Min("longitude"),
                east=Max("longitude"),
            )
        )
        # Empty cells are dropped here: a HAVING would count every place's events again.
        return [cell for cell in cells.order_by("row", "column") if cell["count"]]

    def districts(self):
        """The districts (admin2) of these places, each once, in alphabetical order."""
        places = self.exclude(admin2="").order_by("admin2")
        return list(places.values_list("admin2", flat=True).distinct())

    def region_names(self, field, *, user):
        """The provinces (field "admin1") or districts ("admin2") of the places `user` may
        see, each once, in order. A DISTINCT would read every place; this skips through the
        (investigation, field) index instead, one lookup per name, so the admin's filters cost
        the same with 1,000,000 places as with 1,000."""
        if field not in ("admin1", "admin2"):
            raise ValueError(f"Not a region field: {field}")
        try:
            ids, params = (
                Investigation.objects.visible_to(user).values("pk").query.sql_with_params()
            )
        except EmptyResultSet:
            return []
        table = connection.ops.quote_name(self.model._meta.db_table)
        # Only the compiled, parameterised subquery and fixed names are interpolated.
        sql = f"""
            WITH RECURSIVE ids(id) AS ({ids}),
            found(inv, region) AS (
                SELECT ids.id, (SELECT MIN(p.{field}) FROM {table} p
                                WHERE p.investigation_id = ids.id AND p.{field} > '')
                FROM ids
                UNION ALL
                SELECT found.inv, (SELECT MIN(p.{field}) FROM {table} p
                                   WHERE p.investigation_id = found.inv
                                   AND p.{field} > found.region)
                FROM found WHERE found.region IS NOT NULL
            )
            SELECT DISTINCT region FROM found WHERE region IS NOT NULL ORDER BY region
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [name for (name,) in cursor.fetchall()]


class Location(models.Model):
    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        related_name="locations",
        help_text=INVESTIGATION_HELP,
    )
    name = models.CharField(max_length=200, help_text="Village, town, base or landmark.")
    admin1 = models.CharField(
        "province", max_length=100, blank=True, help_text="First-level region (ACLED admin1)."
    )
    admin2 = models.CharField(
        "district", max_length=100, blank=True, help_text="Second-level region (ACLED admin2)."
    )
    admin3 = models.CharField(
        "sub-district", max_length=100, blank=True, help_text="Third-level region (ACLED admin3)."
    )
    latitude = models.FloatField(help_text="Decimal degrees, north positive (e.g. 35.468).")
    longitude = models.FloatField(help_text="Decimal degrees, east positive (e.g. 44.392).")
    geo_precision = models.PositiveSmallIntegerField(
        "geo precision",
        choices=GeoPrecision,
        default=GeoPrecision.EXACT,
        help_text="How sure the point is: 1 the exact place; 2 near it or part of a region "
        "(the point is the region's centre); 3 only the region is known.",
    )
    aliases = models.TextField(
        "other names",
        blank=True,
        default="",
        db_default="",  # rows written by COPY or raw SQL (bench.load) name no aliases
        help_text="One a line: other spellings and the Arabic name (Huwija, Hawijah, الحويجة). "
        "Search finds the place, and what happened there, by any of them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Optimistic locking (django-concurrency): a save from a form opened before another save
    # is refused, never silently undoes it. Bookkeeping, so not in the history.
    version = AutoIncVersionField(help_text="Goes up by one at every save.")
    history = HistoricalRecords(excluded_fields=["version"])

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90),
                name="events_location_latitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="events_location_longitude_in_range",
            ),
            models.CheckConstraint(
                condition=Q(geo_precision__in=[1, 2, 3]),
                name="events_location_geo_precision_known",
            ),
        ]
        indexes = [
            # The timeline's district chart: events of one investigation's district; and the
            # admin's district filter (region_names).
            models.Index(fields=["investigation", "admin2"], name="location_district_idx"),
            # The admin's province filter (region_names).
            models.Index(fields=["investigation", "admin1"], name="location_province_idx"),
            # The admin list's first page in its order (the admin adds -pk), at any size: for
            # one investigation, and across investigations (superusers, people in several).
            models.Index(fields=["investigation", "name"], name="location_inv_name_idx"),
            models.Index(fields=["name", "-id"], name="location_list_idx"),
        ]

    def __str__(self):
        return ", ".join(part for part in (self.name, self.admin2, self.admin1) if part)


class ActorQuerySet(ScopedQuerySet):
    pass


class Actor(models.Model):
    class Kind(models.TextChoices):
        STATE_FORCE = "state_force", "State force"
        PARTNER_FORCE = "partner_force", "Partner force"
        COALITION = "coalition", "Coalition"
        MILITIA = "militia", "Militia"
        ARMED_GROUP = "armed_group", "Armed group"
        GOVERNMENT = "government", "Government body"
        CIVILIANS = "civilians", "Civilians"
        OTHER = "other", "Other"

    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        related_name="actors",
        help_text=INVESTIGATION_HELP,
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    description = models.TextField(blank=True)
    aliases = models.TextField(
        "other names",
        blank=True,
        default="",
        db_default="",  # rows written by COPY or raw SQL (bench.load) name no aliases
        help_text="One a line: other spellings, abbreviations and the Arabic name (Badr, "
        "منظمة بدر). Search finds the actor, and its events, by any of them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Optimistic locking (django-concurrency): a save from a form opened before another save
    # is refused, never silently undoes it. Bookkeeping, so not in the history.
    version = AutoIncVersionField(help_text="Goes up by one at every save.")
    history = HistoricalRecords(excluded_fields=["version"])

    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["investigation", "name"], name="events_actor_unique_name"
            ),
        ]
        indexes = [
            # The admin list's first page in its order (the admin adds -pk), at any size.
            models.Index(fields=["name", "-id"], name="actor_list_idx"),
        ]

    def __str__(self):
        return self.name


# What the map draws of an event, in the order EventQuerySet.points() reads it: its point,
# kind, date and focus. The popup asks for the rest on click (Event.map_details), so that
# 50,000 events stay a small download.
GEOJSON_COLUMNS = (
    "pk",
    "kind",
    "date",
    "date_precision",
    "end_date",
    "highlighted",
    "location__geo_precision",
    "location__longitude",
    "location__latitude",
)
# 5 decimals are about 1 m: finer than any place is known (geo precision 1 is ~250 m).
COORDINATE_DECIMALS = 5


def point_geometry(longitude, latitude):
    point = [round(longitude, COORDINATE_DECIMALS), round(latitude, COORDINATE_DECIMALS)]
    return {"type": "Point", "coordinates": point}


def point_features(rows):
    """GEOJSON_COLUMNS rows as the map's point Features (see EventQuerySet.points)."""
    features = []
    # Events share dates and places: format each date and build each point once.
    labels, geometries = {}, {}
    for pk, kind, date, precision, end, highlighted, geo_precision, longitude, latitude in rows:
        when = labels.get((date, precision, end))
        if when is None:
            when = labels[date, precision, end] = format_precise_period(date, precision, end)
        geometry = geometries.get((longitude, latitude))
        if geometry is None:
            geometry = geometries[longitude, latitude] = point_geometry(longitude, latitude)
        properties = {"kind": kind, "when": when}
        if geo_precision != GeoPrecision.EXACT:
            properties["geo_precision"] = geo_precision
        if highlighted:
            properties["highlighted"] = True
        feature = {"type": "Feature", "id": pk, "geometry": geometry, "properties": properties}
        features.append(feature)
    return features


EDITORIAL_BATCH = 500  # events updated per statement (SQLite takes at most 999 parameters)


class EventQuerySet(ScopedQuerySet):
    def highlighted(self):
        return self.filter(highlighted=True)

    def filtered(self, *, investigation="", kind=(), status="", actor=None, start=None, end=None):
        """The map's and the timeline's filters. `investigation` is an id or a slug; `kind`
        a list of kinds (any of them); empty values filter nothing."""
        events = self.between(start, end)
        if investigation:
            # Digits may be an id or a slug. Longer numbers are no id (and overflow a bigint).
            is_id = investigation.isascii() and investigation.isdigit() and len(investigation) < 19
            by_id = Q(investigation_id=int(investigation)) if is_id else Q()
            events = events.filter(by_id | Q(investigation__slug=investigation))
        if kind:
            events = events.filter(kind__in=kind)
        if status:
            events = events.filter(status=status)
        if actor:
            events = events.filter(event_actors__actor_id=actor)
        return events

    def between(self, start=None, end=None):
        """Events that may have happened between `start` and `end` (dates, both included).
        A month- or year-precision event counts when its month or year overlaps the range,
        since any day of it may be the day; an event with an end date when any day does."""
        if start is None and end is None:
            return self
        month, year = DatePrecision.MONTH, DatePrecision.YEAR
        ranges = [
            (~Q(date_precision__in=[month, year]), start, end),
            (Q(date_precision=month), start and start.replace(day=1), end and month_end(end)),
            (
                Q(date_precision=year),
                start and start.replace(month=1, day=1),
                end and end.replace(month=12, day=31),
            ),
        ]
        overlaps = Q()
        for precision, first, last in ranges:
            condition = precision
            if first:
                condition &= Q(last_day__gte=first)
            if last:
                condition &= Q(date__lte=last)
            overlaps |= condition
        return self.alias(last_day=Coalesce("end_date", "date")).filter(overlaps)

    def dated_within(self, first=None, last=None):
        """Events whose (first) date is from `first` to `last`, both included; None is open.
        Unlike between(), each event is within one year only: the timeline's pages."""
        events = self
        if first:
            events = events.filter(date__gte=first)
        if last:
            events = events.filter(date__lte=last)
        return events

    def in_district(self, district):
        return self.filter(location__admin2=district) if district else self

    def date_span(self):
        """The first and the last date of these events: (None, None) when there are none."""
        span = self.aggregate(first=Min("date"), last=Max("date"))
        return span["first"], span["last"]

    def monthly_counts(self):
        """(month, kind, count) rows for a chart by month. Year-precision events are left
        out: they belong to no month."""
        months = self.exclude(date_precision=DatePrecision.YEAR).annotate(month=TruncMonth("date"))
        rows = months.values("month", "kind").annotate(count=Count("pk")).order_by("month")
        return [(row["month"], row["kind"], row["count"]) for row in rows]

    def in_box(self, box):
        """Events whose place lies in `box` (west, south, east and north, in degrees, both
        edges included): the map's viewport. Events without a place are in no box."""
        return self.filter(
            location__latitude__gte=box.south,
            location__latitude__lte=box.north,
            location__longitude__gte=box.west,
            location__longitude__lte=box.east,
        )

    def unplaced_count(self):
        return self.filter(location__isnull=True).count()

    def points(self, limit=None):
        """At most `limit` of these events that have a place as GeoJSON Features for the map,
        in one query: each Feature's "id", its point, and the properties kind and when (the
        date as precisely as it is known), plus geo_precision when it is not 1 (exact) and
        highlighted when it is true. Which events make the limit is unspecified: a caller
        that gets `limit` of them knows there may be more."""
        rows = self.filter(location__isnull=False).order_by().values_list(*GEOJSON_COLUMNS)
        return point_features(rows if limit is None else rows[:limit])

    def marked_publishable(self):
        """Events an editor ticked "publishable". What goes out is narrower: see
        stories.publication.rows.cleared_for_publication."""
        return self.filter(publishable=True)

    def editorial_mark(self, *, by, **flags):
        """Set `flags` (publishable=..., highlighted=...) on these events, as `by`'s decision:
        each event that changes gets a new version (a form opened before cannot undo it) and
        an entry in its history. Who may decide is the caller's to check (access.EDITORIAL).
        Returns how many changed."""
        ids = list(self.exclude(**flags).order_by().values_list("pk", flat=True))
        for start in range(0, len(ids), EDITORIAL_BATCH):
            batch = ids[start : start + EDITORIAL_BATCH]
            with transaction.atomic():
                changed = Event.objects.filter(pk__in=batch)
                changed.update(**flags, version=F("version") + 1, updated_at=timezone.now())
                Event.history.bulk_history_create(list(changed), update=True, default_user=by)
        return len(ids)


class Event(models.Model):
    class Kind(models.TextChoices):
        RAID = "raid", "Raid"
        AIR_STRIKE = "air_strike", "Air strike"
        ATTACK = "attack", "Attack"
        IED = "ied", "IED / explosion"
        CLASH = "clash", "Armed clash"
        BLOCKADE = "blockade", "Blockade / obstruction"
        STRATEGIC = "strategic_development", "Strategic development"
        PROTEST = "protest", "Protest"
        OTHER = "other", "Other"

    class Origin(models.TextChoices):
        OWN = "own", "Our reporting"
        ACLED = "acled", "ACLED import"
        SPREADSHEET = "spreadsheet", "Spreadsheet import"

    class Status(models.TextChoices):
        REPORTED = "reported", "Reported"
        CORROBORATED = "corroborated", "Corroborated"
        CONFIRMED = "confirmed", "Confirmed"
        DISPUTED = "disputed", "Disputed"

    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        related_name="events",
        help_text=INVESTIGATION_HELP,
    )
    kind = models.CharField(max_length=32, choices=Kind)
    title = models.CharField(max_length=200)
    date = models.DateField(
        help_text="For a month or year precision, any day in it; the first is customary."
    )
    date_precision = models.CharField(
        max_length=8,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text="How precisely the date is known. Everything shows the date only this "
        "precisely: a month-precision date reads 'Nov 2018'.",
    )
    end_date = models.DateField(
        null=True, blank=True, help_text="Only for events that lasted several days."
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.RESTRICT, related_name="events"
    )
    actors = models.ManyToManyField(Actor, through="EventActor", related_name="events", blank=True)
    fatalities = models.PositiveIntegerField(
        null=True, blank=True, help_text="Leave empty when unknown; 0 means none were reported."
    )
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=16,
        choices=Status,
        default=Status.REPORTED,
        help_text="Reported: one account. Corroborated: independent accounts agree. "
        "Confirmed: documented or officially acknowledged. Disputed: accounts conflict.",
    )
    highlighted = models.BooleanField(
        default=False, help_text="A focus event of the story: drawn red and larger on the map."
    )
    origin = models.CharField(
        max_length=16,
        choices=Origin,
        default=Origin.OWN,
        help_text="Where the event comes from: the newsroom's own reporting, or an import of "
        "background data. Lists, the map, the timeline and the story's chart keep them apart.",
    )
    publishable = models.BooleanField(
        default=False, help_text="An editor's decision that this event may appear in the story."
    )
    external_id = models.CharField(
        "external id",
        max_length=64,
        blank=True,
        help_text="The identifier in an imported data set (ACLED event_id_cnty).",
    )
    # As an imported data set had them (events.acled.acled_import); kind is our reading.
    original_type = models.CharField(
        "original type", max_length=100, blank=True, help_text="ACLED event_type, as imported."
    )
    original_sub_type = models.CharField(
        "original sub-type",
        max_length=100,
        blank=True,
        help_text="ACLED sub_event_type, as imported.",
    )
    acled_source = models.TextField(
        "ACLED source", blank=True, help_text="ACLED's source column: who reported it."
    )
    tags = models.CharField(max_length=500, blank=True, help_text="ACLED tags, as imported.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Optimistic locking (django-concurrency): a save from a form opened before another save
    # is refused, never silently undoes it. Bookkeeping, so not in the history.
    version = AutoIncVersionField(help_text="Goes up by one at every save.")
    history = HistoricalRecords(excluded_fields=["version"])

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("date")),
                name="events_event_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["investigation", "external_id"],
                condition=~Q(external_id=""),
                name="events_event_unique_external_id",
            ),
        ]
        indexes = [
            # Admin lists, the map and the timeline: one investigation's events by date.
            models.Index(fields=["investigation", "date"], name="event_investigation_date_idx"),
            # The admin list's first page in its order (the admin adds -pk) and its date
            # hierarchy's first and last dates, at any size.
            models.Index(fields=["-date", "title", "-id"], name="event_list_idx"),
            # The map's clusters count each place's events from this index alone (PostgreSQL
            # index-only scans), the filters' columns included; the timeline's chart too.
            models.Index(
                fields=["investigation", "location"],
                include=["highlighted", "kind", "status", "date", "end_date", "date_precision"],
                name="event_map_idx",
            ),
            # The map's focus events in view, drawn on top of the clusters.
            models.Index(
                fields=["investigation", "location"],
                condition=Q(highlighted=True),
                name="event_focus_idx",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.when})"

    def get_absolute_url(self):
        return reverse("admin:events_event_change", args=[self.pk])

    @property
    def when(self):
        return format_precise_period(self.date, self.date_precision, self.end_date)

    def map_details(self):
        """What the map's popup shows of this event, asked for when it opens
        (/map/events/<id>.json). Nothing of its sources or interviews."""
        place = self.location
        return {
            "id": self.pk,
            "title": self.title,
            "kind": self.kind,
            "status": self.status,
            "when": self.when,
            "date_precision": self.date_precision,
            "geo_precision": place.geo_precision if place else None,
            "highlighted": self.highlighted,
            "place": place.name if place else "",
            "url": self.get_absolute_url(),
        }

    def clean(self):
        validate_same_investigation(self, "location")


class EventActor(models.Model):
    class Role(models.TextChoices):
        PRIMARY = "primary", "Primary actor"
        SECONDARY = "secondary", "Other side"
        # ACLED's assoc_actor_1 and assoc_actor_2: who was there with each side (US special
        # forces with the Iraqi partners on a raid, not only advising).
        ASSOCIATED = "associated", "With the primary actor"
        ASSOCIATED_SECONDARY = "associated_secondary", "With the other side"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="event_actors")
    actor = models.ForeignKey(Actor, on_delete=models.RESTRICT, related_name="event_actors")
    role = models.CharField(
        max_length=24,
        choices=Role,
        default=Role.PRIMARY,
        help_text="As in ACLED: the primary actor (actor1), the other side (actor2), or an "
        "actor that was there with one of them (assoc_actor_1, assoc_actor_2).",
    )

    class Meta:
        ordering = ["role", "actor__name"]
        verbose_name = "actor in the event"
        verbose_name_plural = "actors in the event"
        constraints = [
            models.UniqueConstraint(fields=["event", "actor"], name="events_eventactor_once"),
        ]

    def __str__(self):
        return f"{self.actor} ({self.get_role_display()})"

    def clean(self):
        event = getattr(self, "event", None)
        if event is not None:
            validate_same_investigation(self, "actor", investigation_id=event.investigation_id)
