import datetime

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from investigation.models import Investigation, ScopedQuerySet, validate_same_investigation


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


class LocationQuerySet(ScopedQuerySet):
    pass


class Location(models.Model):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="locations"
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

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
            # The timeline's district chart: events of one investigation's district.
            models.Index(fields=["investigation", "admin2"], name="location_district_idx"),
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
        Investigation, on_delete=models.CASCADE, related_name="actors"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    objects = ActorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["investigation", "name"], name="events_actor_unique_name"
            ),
        ]

    def __str__(self):
        return self.name


class EventQuerySet(ScopedQuerySet):
    def highlighted(self):
        return self.filter(highlighted=True)

    def publishable(self):
        """Events an editor marked publishable, except those that rest only on sources whose
        protection review is not cleared (an event no interview speaks about rests on
        public reporting and stays in)."""
        InterviewSource = apps.get_model("sources", "InterviewSource")
        sources = InterviewSource.objects.filter(interview__events=OuterRef("pk"))
        cleared = sources.filter(source__review_status="cleared")
        return self.filter(publishable=True).filter(~Exists(sources) | Exists(cleared))


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

    class Status(models.TextChoices):
        REPORTED = "reported", "Reported"
        CORROBORATED = "corroborated", "Corroborated"
        CONFIRMED = "confirmed", "Confirmed"
        DISPUTED = "disputed", "Disputed"

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="events"
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
    publishable = models.BooleanField(
        default=False, help_text="An editor's decision that this event may appear in the story."
    )
    external_id = models.CharField(
        "external id",
        max_length=64,
        blank=True,
        help_text="The identifier in an imported data set (ACLED event_id_cnty).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

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
        ]

    def __str__(self):
        return f"{self.title} ({self.when})"

    def get_absolute_url(self):
        return reverse("admin:events_event_change", args=[self.pk])

    @property
    def when(self):
        start = format_precise_date(self.date, self.date_precision)
        if not self.end_date or self.end_date == self.date:
            return start
        return f"{start} – {format_precise_date(self.end_date, self.date_precision)}"

    def clean(self):
        validate_same_investigation(self, "location")


class EventActor(models.Model):
    class Role(models.TextChoices):
        PRIMARY = "primary", "Primary actor"
        SECONDARY = "secondary", "Other side"
        ASSOCIATED = "associated", "Associated"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="event_actors")
    actor = models.ForeignKey(Actor, on_delete=models.RESTRICT, related_name="event_actors")
    role = models.CharField(
        max_length=16,
        choices=Role,
        default=Role.PRIMARY,
        help_text="As in ACLED: the primary actor (actor1), the other side (actor2), or "
        "an actor associated with either.",
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
