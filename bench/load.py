"""Seeded, realistic rows at any scale for the benchmarks (`manage.py generate_load --scale N`).

Scale 1 is one year of one newsroom's investigation of raids and attacks in Kirkuk province:
about 300 places (a few towns and villages of Hawija, Kirkuk and Daquq districts), 60 actors,
20,000 events, 500 sources, 2,000 interviews and 20,000 follow-ups, with their links and a team
of reporters, editors and an admin. Scale N is N years of that same investigation, with N times
the rows. Events crowd into a few villages (Zipf) and into waves of weeks; actors and sources
are used just as unevenly.

Rows go in by COPY on PostgreSQL: measured on scale 1, bulk_create took 5 to 6.5 times as long
per model (events: 8,400 rows/s against 42,000; event actors: 24,000 against 155,000), for
Python model instances and INSERT statements, and the benchmarks ask for millions of rows.
Elsewhere (SQLite in the tests) bulk_create does the same job. Both go through the same rows,
so a seed gives the same data on either database. Identity fields are encrypted as the model
would do it: one encryption per value, 500 sources and 2,000 interviews per year.

The benchmarks call load_generate() directly; passing an investigation adds rows to it.
Nothing is written to the history tables, and follow-ups get no reminders: the sweep arms them.
"""

import bisect
import datetime
import itertools
import math
import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max

from events.models import Actor, DatePrecision, Event, EventActor, GeoPrecision, Location
from investigation.models import FollowUp, Investigation, Membership, Role
from sources.fields import EncryptedTextField, require_keys_open_what_is_stored
from sources.models import (
    CODENAME_FIRST_WORDS,
    CODENAME_SECOND_WORDS,
    Interview,
    InterviewEvent,
    InterviewSource,
    Source,
)

# Rows of each model in one year of one newsroom.
PER_YEAR = {
    "locations": 300,
    "actors": 60,
    "events": 20_000,
    "sources": 500,
    "interviews": 2_000,
    "follow_ups": 20_000,
}
# Below these a small scale would have too few places and actors for anything to cluster.
AT_LEAST = {"locations": 20, "actors": 10}
BATCH = 2000
UTC = datetime.UTC


# Places ----------------------------------------------------------------------------------------

# district (admin2), share of places, its town, sub-districts (admin3), the town's point, how
# far (in degrees) its villages spread around it
DISTRICTS = (
    ("Hawija", 5, "Hawija", ("Hawija", "Zab", "Riyadh", "Abbasi"), (35.329, 43.760), 0.12),
    (
        "Kirkuk",
        3,
        "Kirkuk city",
        ("Kirkuk", "Yayechi", "Taza", "Qara Hanjir"),
        (35.468, 44.392),
        0.1,
    ),
    ("Daquq", 2, "Daquq", ("Daquq", "Rashad"), (35.137, 44.448), 0.08),
)
TOWNS = tuple(district[2] for district in DISTRICTS)
VILLAGE_PREFIXES = ("Tal", "Umm", "Abu", "Albu", "Bir", "Qaryat", "Kani", "Ain")
VILLAGE_STEMS = (
    "Khalaf Hamad Sultan Shaikh Jasim Mahmud Ubaid Khadra Dibs Sfaya Hadid Malha Ghazal Jumaila "
    "Rashid Saadun Saliba Hajaj Aziz Ghurra Najjar Tamur Sharqat Zuwiya Faris Dawud Mullah Salih "
    "Hasan Qadir"
).split()
VILLAGE_VARIANTS = ("", " Ulya", " Sufla", " Jadida", " al-Kabira", " al-Saghira")
# geo precision, share, name pattern, rounding of the point (a vaguer place, a vaguer point)
PLACE_PRECISIONS = (
    (GeoPrecision.EXACT, 65, "{}", 4),
    (GeoPrecision.NEAR, 25, "{} (outskirts)", 2),
    (GeoPrecision.REGION, 10, "{} (surroundings)", 1),
)
LATITUDES, LONGITUDES = (35.0, 35.6), (43.5, 44.5)


# Actors ----------------------------------------------------------------------------------------

K = Actor.Kind
# The most used first: ranks follow this order.
ACTORS = (
    ("ISIS", K.ARMED_GROUP),
    ("Iraqi Army", K.STATE_FORCE),
    ("Civilians (Iraq)", K.CIVILIANS),
    ("Popular Mobilization Forces", K.MILITIA),
    ("Federal Police", K.STATE_FORCE),
    ("Counter Terrorism Service", K.PARTNER_FORCE),
    ("Government of Iraq", K.GOVERNMENT),
    ("Unidentified armed group", K.ARMED_GROUP),
    ("Coalition (Operation Inherent Resolve)", K.COALITION),
    ("Sunni tribal PMF", K.MILITIA),
    ("US special operations forces", K.COALITION),
    ("Badr Organization", K.MILITIA),
    ("Kirkuk Provincial Council", K.GOVERNMENT),
    ("Peshmerga", K.PARTNER_FORCE),
    ("Kirkuk Police", K.STATE_FORCE),
    ("Farmers (Iraq)", K.CIVILIANS),
    ("Unidentified gunmen", K.ARMED_GROUP),
    ("Asaib Ahl al-Haq", K.MILITIA),
    ("Iraqi Air Force", K.STATE_FORCE),
    ("Joint Operations Command", K.STATE_FORCE),
    ("Protesters (Iraq)", K.CIVILIANS),
    ("Kataib Hezbollah", K.MILITIA),
    ("UN agencies", K.OTHER),
)
ACTOR_UNITS = (
    ("Iraqi Army {} Division", K.STATE_FORCE),
    ("PMF {} Brigade", K.MILITIA),
    ("ISIS cell {} (Kirkuk sector)", K.ARMED_GROUP),
    ("Federal Police {} Brigade", K.STATE_FORCE),
    ("Tribal Mobilisation {} Regiment", K.MILITIA),
    ("Counter Terrorism Service {} Battalion", K.PARTNER_FORCE),
)
SIDES = {
    "forces": {K.STATE_FORCE, K.PARTNER_FORCE, K.COALITION, K.MILITIA},
    "insurgents": {K.ARMED_GROUP},
    "civilians": {K.CIVILIANS},
    "officials": {K.GOVERNMENT, K.OTHER},
}


# Events ----------------------------------------------------------------------------------------

E = Event.Kind
# kind, share, primary side, other side, titles, what happened
EVENT_KINDS = (
    (E.RAID, 30, "forces", "insurgents",
     ("Night raid in {}", "Joint search operation in {}", "Arrest raid in {}",
      "Raid on a suspected safe house in {}"),
     "Forces searched houses before dawn and detained several men."),
    (E.ATTACK, 20, "insurgents", "forces",
     ("Attack on a checkpoint in {}", "Gunmen attack a guard post in {}", "Mortar fire on {}",
      "Crops set alight in {}"),
     "Attackers came at night and withdrew before reinforcements arrived."),
    (E.IED, 15, "insurgents", "civilians",
     ("Roadside bomb near {}", "Explosion in an abandoned house in {}",
      "Bomb hits a patrol near {}"),
     "A device went off by the road; residents say the route is used every day."),
    (E.CLASH, 10, "forces", "insurgents",
     ("Clash with ISIS fighters near {}", "Firefight at a checkpoint in {}"),
     "An exchange of fire lasted about an hour, according to residents."),
    (E.AIR_STRIKE, 8, "forces", "insurgents",
     ("Air strike on farm buildings near {}", "Drone strike near {}",
      "Air strike on a tunnel near {}"),
     "Aircraft struck a position that officials said ISIS fighters used."),
    (E.STRATEGIC, 6, "officials", "forces",
     ("Forces redeploy around {}", "New checkpoint set up in {}",
      "Displaced families return to {}"),
     "A change on the ground that sources link to the raids."),
    (E.PROTEST, 4, "civilians", "officials",
     ("Residents protest arrests in {}", "Farmers protest compensation delays in {}"),
     "A crowd gathered peacefully and dispersed in the afternoon."),
    (E.BLOCKADE, 3, "forces", "forces",
     ("Checkpoint turns back a convoy near {}", "Road to {} closed by a militia"),
     "A checkpoint stopped traffic for several hours."),
    (E.OTHER, 4, "insurgents", "civilians",
     ("Shots fired in {}", "Unexplained incident in {}"),
     "What happened is unclear; accounts differ."),
)  # fmt: skip
KIND_BY_NAME = {row[0]: row for row in EVENT_KINDS}
# ACLED's event_type and sub_event_type for the events that came from an import.
ACLED_TYPES = {
    E.RAID: ("Strategic developments", "Arrests"),
    E.ATTACK: ("Violence against civilians", "Attack"),
    E.IED: ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    E.CLASH: ("Battles", "Armed clash"),
    E.AIR_STRIKE: ("Explosions/Remote violence", "Air/drone strike"),
    E.STRATEGIC: ("Strategic developments", "Other"),
    E.PROTEST: ("Protests", "Peaceful protest"),
    E.BLOCKADE: ("Strategic developments", "Non-violent transfer of territory"),
    E.OTHER: ("Strategic developments", "Other"),
}
ACLED_SOURCES = ("Shafaq News", "Rudaw", "Kurdistan 24", "Iraqi News Agency", "Baghdad Today")
STATUSES = (
    (Event.Status.REPORTED, 50),
    (Event.Status.CORROBORATED, 28),
    (Event.Status.CONFIRMED, 15),
    (Event.Status.DISPUTED, 7),
)
DATE_PRECISIONS = (
    (DatePrecision.DAY, 65),
    (DatePrecision.WEEK, 15),
    (DatePrecision.MONTH, 17),
    (DatePrecision.YEAR, 3),
)


# Sources and interviews ------------------------------------------------------------------------

C, P = Source.Category, Source.ProtectionLevel
# category, share, descriptions ({} is a district), protection levels (shares)
SOURCE_KINDS = (
    (C.CIVILIAN, 35, ("farmer, {} district", "shopkeeper, {} district", "teacher, {} district",
                      "shepherd, {} district", "resident, {} district"),
     ((P.ANONYMOUS, 5), (P.CONFIDENTIAL, 4), (P.BACKGROUND, 1))),
    (C.MILITARY, 20, ("Iraqi army officer, {} district", "federal police officer, {} district",
                      "tribal PMF fighter, {} district"),
     ((P.ANONYMOUS, 4), (P.CONFIDENTIAL, 5), (P.BACKGROUND, 1))),
    (C.INTELLIGENCE, 8, ("intelligence officer, {}",), ((P.ANONYMOUS, 1), (P.CONFIDENTIAL, 3))),
    (C.OFFICIAL, 12, ("local council member, {} district", "provincial official, Kirkuk"),
     ((P.BACKGROUND, 3), (P.ON_RECORD, 2), (P.ANONYMOUS, 1))),
    (C.COALITION, 5, ("coalition official, Baghdad", "US defense official"), ((P.BACKGROUND, 1),)),
    (C.EXPERT, 8, ("security analyst, Erbil", "researcher on Iraqi militias"),
     ((P.ON_RECORD, 3), (P.BACKGROUND, 1))),
    (C.DOCUMENT, 7, ("ACLED event data, Kirkuk province", "OIR press releases and briefings",
                     "Lead Inspector General quarterly report"), ((P.ON_RECORD, 1),)),
    (C.OTHER, 5, ("fixer, Kirkuk city", "driver, {} district"),
     ((P.CONFIDENTIAL, 1), (P.ANONYMOUS, 1))),
)  # fmt: skip
REVIEWS = (
    (Source.ReviewStatus.CLEARED, 55, "Description is coarse enough."),
    (Source.ReviewStatus.PENDING, 35, ""),
    (Source.ReviewStatus.CHANGES_REQUESTED, 10, "Too precise: leave the district out."),
)
# Fictional, and looking it: no real person is meant.
FIRST_NAMES = "Ahmed Ali Omar Khalid Hasan Yasir Mahmud Saad Faisal Jamal Nadia Huda Layla Samira"
FAMILY_NAMES = "al-Fictiti al-Madeup al-Exampli al-Sampli al-Placeholdi al-Invented al-Testi"
MODES = (
    (Interview.Mode.IN_PERSON, 40),
    (Interview.Mode.PHONE, 35),
    (Interview.Mode.MESSAGING, 20),
    (Interview.Mode.VIDEO, 5),
)
LANGUAGES = (("Arabic", 70), ("Kurdish", 12), ("Turkmen", 8), ("English", 10))
SOURCES_PER_INTERVIEW = ((1, 75), (2, 20), (3, 5))
OTHER_EVENTS = ((0, 40), (1, 30), (2, 20), (3, 10))  # discussed besides the main one
TOPICS = {
    E.RAID: "the night raids and who took part in them",
    E.ATTACK: "the attacks on checkpoints and who was behind them",
    E.IED: "the roadside bombs and the routes they target",
    E.CLASH: "a firefight and how long it lasted",
    E.AIR_STRIKE: "an air strike and what it hit",
    E.STRATEGIC: "how forces moved in the district",
    E.PROTEST: "why residents protested",
    E.BLOCKADE: "a convoy stopped at a checkpoint",
    E.OTHER: "an incident nobody has explained",
}
FIELD_NOTES = (
    "Fixer interpreted. About an hour.",
    "Call dropped twice; he called back.",
    "Voice notes, deleted from the phone after transcription.",
    "Short; promised more next week.",
    "Talked away from the houses.",
)
SENSITIVE_NOTES = (
    "Fictional: met at a relative's house; do not call after dark.",
    "Fictional: uses a second phone we gave them.",
    "Fictional: a cousin was detained in one of the raids.",
    "Fictional: only three people knew what they told us.",
)


# Follow-ups ------------------------------------------------------------------------------------

# Emailed in reminders: codenames and kinds only, never names or places.
FOLLOW_UP_TITLES = {
    "interview": ("Transcribe the interview with {}", "Call {} back about the interview",
                  "Check what {} said against a second source"),
    "event": ("Verify the date of a reported {}", "Find a second source for a {}",
              "Check the casualty figure of a {}", "Ask for photos of a {}"),
    "source": ("Re-contact {}", "Ask {} for documents", "Update the protection notes of {}"),
    "none": ("Request comment from the coalition press office", "Update the event timeline",
             "Prepare the weekly desk meeting", "File a records request"),
}  # fmt: skip
NOUNS = {
    E.RAID: "raid",
    E.ATTACK: "attack",
    E.IED: "bombing",
    E.CLASH: "clash",
    E.AIR_STRIKE: "air strike",
    E.STRATEGIC: "troop movement",
    E.PROTEST: "protest",
    E.BLOCKADE: "blockade",
    E.OTHER: "incident",
}
PRIORITIES = (
    (FollowUp.Priority.LOW, 15),
    (FollowUp.Priority.NORMAL, 55),
    (FollowUp.Priority.HIGH, 22),
    (FollowUp.Priority.URGENT, 8),
)


# The columns each row gives, in order (attnames: a foreign key's column ends in _id).
USER_FIELDS = ("username first_name last_name email is_staff password date_joined").split()
LOCATION_FIELDS = (
    "investigation_id name admin1 admin2 admin3 latitude longitude geo_precision created_at "
    "updated_at created_by_id"
).split()
ACTOR_FIELDS = ("investigation_id name kind created_at updated_at created_by_id").split()
EVENT_FIELDS = (
    "investigation_id kind title date date_precision end_date location_id fatalities "
    "description status highlighted publishable external_id original_type original_sub_type "
    "acled_source created_at updated_at created_by_id"
).split()
SOURCE_FIELDS = (
    "investigation_id codename description category protection_level handler_id real_name "
    "contact identifying_notes attribution_terms review_status review_note reviewed_by_id "
    "reviewed_at last_contact_at created_at updated_at created_by_id"
).split()
INTERVIEW_FIELDS = (
    "investigation_id interviewer_id conducted_at location_id mode language summary field_notes "
    "sensitive_notes created_at updated_at created_by_id"
).split()
FOLLOW_UP_FIELDS = (
    "investigation_id title notes due_at assignee_id status priority kind event_id source_id "
    "interview_id created_at updated_at created_by_id"
).split()


# The function the benchmarks call --------------------------------------------------------------


def load_generate(*, scale, seed=1, investigation=None, counts=None, progress=None, now=None):
    """Fill the database with `scale` years of one newsroom's investigation and return it.

    `counts` ({"events": 1_000_000, ...}, keys as in PER_YEAR) overrides the rows of a model;
    links follow their parents. With `investigation`, rows are added to it (codenames,
    usernames and external ids never collide with earlier runs). `progress(label, rows,
    seconds)` is called after each model. The same seed, counts and day give the same rows.
    """
    wanted = load_counts(scale, counts)
    now = now or datetime.datetime.now(UTC)
    load = Load(seed=seed, now=now, years=max(1, math.ceil(scale)), progress=progress)
    with transaction.atomic():
        load.investigation = investigation or load.investigation_create(scale)
        load.team_ensure()
        load.locations_add(wanted["locations"])
        load.actors_add(wanted["actors"])
        load.events_add(wanted["events"])
        load.sources_add(wanted["sources"])
        load.interviews_add(wanted["interviews"])
        load.follow_ups_add(wanted["follow_ups"])
    tables_analyze(load.models)
    return load.investigation


def load_counts(scale, counts=None):
    """Rows per model: PER_YEAR times `scale`, then `counts` where given."""
    counts = counts or {}
    unknown = set(counts) - set(PER_YEAR)
    if unknown:
        raise ValueError(f"Unknown counts {sorted(unknown)}: use {', '.join(PER_YEAR)}.")
    if scale < 0 or any(value < 0 for value in counts.values()):
        raise ValueError("Scale and counts cannot be negative.")
    wanted = {name: round(per_year * scale) for name, per_year in PER_YEAR.items()}
    for name, least in AT_LEAST.items():
        wanted[name] = max(wanted[name], least) if scale else 0
    return {**wanted, **counts}


class Load:
    """One call of load_generate: its random streams, its calendar and what it has made."""

    def __init__(self, *, seed, now, years, progress=None):
        self.seed = seed
        self.progress = progress or (lambda label, rows, seconds: None)
        self.now = now
        self.today = now.date()
        self.years = years
        self.models = []
        self.calendar = Calendar(self.rng("calendar"), self.today, years)

    def rng(self, name, salt=0):
        """A stream of its own per model, so that more of one model leaves the others alone."""
        return random.Random(f"{self.seed}:{name}:{salt}")  # noqa: S311 (seeded on purpose)

    def insert(self, model, fields, rows):
        started = time.perf_counter()
        count = rows_insert(model, fields, rows)
        self.progress(model._meta.label, count, time.perf_counter() - started)
        self.models.append(model)
        return count

    def rows_before(self, model):
        """The highest primary key so far (new rows come after it) and this investigation's
        row count (it salts the random streams, so a second run adds different rows)."""
        highest = model.objects.aggregate(highest=Max("pk"))["highest"] or 0
        return highest, model.objects.filter(investigation=self.investigation).count()

    def pool(self, model, after, *fields):
        """This run's new rows of `model`, or the investigation's earlier ones if it made none."""
        rows = model.objects.filter(investigation=self.investigation, pk__gt=after)
        if not rows.exists():
            rows = model.objects.filter(investigation=self.investigation)
        return list(rows.order_by("pk").values_list("pk", *fields))

    # Investigation and team --------------------------------------------------------------------

    def investigation_create(self, scale):
        number = (Investigation.objects.aggregate(highest=Max("pk"))["highest"] or 0) + 1
        while Investigation.objects.filter(slug=f"load-{number}").exists():
            number += 1
        return Investigation.objects.create(
            title=f"Raids and attacks in Kirkuk province (generated, seed {self.seed})",
            slug=f"load-{number}",
            summary=f"Generated by generate_load: {scale:g} year(s) of a newsroom's work. "
            "Places and events are plausible, every person is fictional.",
        )

    def team_ensure(self):
        """A team for a new investigation; an investigation with members keeps its own."""
        if not self.investigation.memberships.exists():
            self.team_create()
        members = self.investigation.memberships.order_by("pk").values_list("user_id", "role")
        self.reporters = [user for user, role in members if role == Role.REPORTER]
        self.editors = [user for user, role in members if role != Role.REPORTER]
        self.reporters = self.reporters or self.editors
        self.editors = self.editors or self.reporters

    def team_create(self):
        """Eight reporters, two editors and an admin in the first year; two reporters more
        for each further year (people come and go), an editor more every four."""
        User = get_user_model()
        first = (User.objects.aggregate(highest=Max("pk"))["highest"] or 0) + 1
        sizes = {Role.REPORTER: 6 + 2 * self.years, Role.EDITOR: 2 + self.years // 4, Role.ADMIN: 1}
        roles = [role for role, size in sizes.items() for _ in range(size)]
        password = make_password(None)  # unusable: log in with force_login or set one
        names = [f"load-{role}-{first + index}" for index, role in enumerate(roles)]
        rows = (
            (name, "Load", name, f"{name}@fieldbook.example", True, password, self.now)
            for name in names
        )
        self.insert(User, USER_FIELDS, rows)
        users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        rows = (
            (self.investigation.pk, users[name], role, self.now)
            for name, role in zip(names, roles, strict=True)
        )
        self.insert(Membership, ("investigation_id", "user_id", "role", "created_at"), rows)

    def stamps(self, by):
        return (self.now, self.now, by)

    # Places and actors -------------------------------------------------------------------------

    def locations_add(self, count):
        after, existing = self.rows_before(Location)
        rng = self.rng("locations", existing)
        places = places_generate(rng, first=existing)
        rows = (
            (self.investigation.pk, *place, *self.stamps(rng.choice(self.reporters)))
            for place in itertools.islice(places, count)
        )
        self.insert(Location, LOCATION_FIELDS, rows)
        self.places = [(pk, name.split(" (")[0]) for pk, name in self.pool(Location, after, "name")]
        rng.shuffle(self.places)  # the busiest places are anywhere in the list, any district
        self.place_weights = zipf_cum_weights(len(self.places), 0.8)
        towns = Location.objects.filter(investigation=self.investigation, name__in=TOWNS)
        self.towns = list(towns.order_by("pk").values_list("pk", flat=True))

    def actors_add(self, count):
        after, _ = self.rows_before(Actor)
        mine = Actor.objects.filter(investigation=self.investigation)
        taken = set(mine.values_list("name", flat=True))  # a name is unique in an investigation
        names = ((name, kind) for name, kind in actor_names() if name not in taken)
        rows = (
            (self.investigation.pk, name, kind, *self.stamps(self.editors[0]))
            for name, kind in itertools.islice(names, count)
        )
        self.insert(Actor, ACTOR_FIELDS, rows)
        actors = self.pool(Actor, after, "kind")
        everyone = [pk for pk, _ in actors]
        self.sides = {}
        for side, kinds in SIDES.items():
            pks = [pk for pk, kind in actors if kind in kinds] or everyone
            self.sides[side] = (pks, zipf_cum_weights(len(pks), 1.1))

    # Events ------------------------------------------------------------------------------------

    def events_add(self, count):
        after, existing = self.rows_before(Event)
        rng = self.rng("events", existing)
        highlighted = set(rng.sample(range(count), min(count, max(1, round(count / 2000)))))
        places = rng.choices(
            self.places or [(None, "the district")], cum_weights=self.place_weights or None, k=count
        )
        rows = (
            (
                self.investigation.pk,
                *self.event(rng, place, index in highlighted, after + index + 1),
                *self.stamps(rng.choice(self.reporters)),
            )
            for index, place in enumerate(places)
        )
        self.insert(Event, EVENT_FIELDS, rows)
        events = self.pool(Event, after, "date", "kind")
        self.event_actors_add(events)
        events.sort(key=lambda row: row[1])
        self.event_pks = [pk for pk, _, _ in events]
        self.event_days = [day for _, day, _ in events]
        self.event_kinds = [kind for _, _, kind in events]

    def event(self, rng, place, highlighted, number):
        """An event's fields from kind to acled_source."""
        (location, label), (day, wave_kind) = place, self.calendar.day(rng)
        kind = wave_kind if wave_kind and rng.random() < 0.6 else weighted(rng, EVENT_KINDS)[0]
        _, _, _, _, titles, what = KIND_BY_NAME[kind]
        precision = choice(rng, DATE_PRECISIONS)
        day = precise_day(day, precision)
        end = None
        lasting = precision == DatePrecision.DAY and kind in (E.CLASH, E.BLOCKADE, E.RAID)
        if lasting and rng.random() < 0.12:
            end = day + datetime.timedelta(days=rng.randint(1, 10))
        fatalities = casualties(rng, kind)
        status = Event.Status.CORROBORATED if highlighted else choice(rng, STATUSES)
        publishable = highlighted or (
            status in ("corroborated", "confirmed") and rng.random() < 0.3
        )
        imported = imported_fields(rng, kind, number) if rng.random() < 0.3 else ("", "", "", "")
        title = rng.choice(titles).format(label)
        description = f"{what} {casualty_phrase(fatalities)}"
        return (
            kind,
            title,
            day,
            precision,
            end,
            location,
            fatalities,
            description,
            status,
            highlighted,
            publishable,
            *imported,
        )

    def event_actors_add(self, events):
        rng = self.rng("event_actors", len(events))
        rows = (
            (event, actor, role)
            for event, _, kind in events
            for actor, role in self.event_actors(rng, kind)
        )
        self.insert(EventActor, ("event_id", "actor_id", "role"), rows)

    def event_actors(self, rng, kind):
        """The primary actor; often the other side; now and then an associated one."""
        if not self.sides["forces"][0]:
            return []
        _, _, primary_side, other_side, _, _ = KIND_BY_NAME[kind]
        primary = self.actor(rng, primary_side)
        chosen = {primary: EventActor.Role.PRIMARY}
        if rng.random() < 0.65:
            chosen.setdefault(self.actor(rng, other_side), EventActor.Role.SECONDARY)
        if rng.random() < 0.2:
            chosen.setdefault(self.actor(rng, primary_side), EventActor.Role.ASSOCIATED)
        return chosen.items()

    def actor(self, rng, side):
        pks, weights = self.sides[side]
        return rng.choices(pks, cum_weights=weights)[0]

    # Sources and interviews --------------------------------------------------------------------

    def sources_add(self, count):
        after, existing = self.rows_before(Source)
        rng = self.rng("sources", existing)
        rows = (
            (self.investigation.pk, codename(after + index), *self.source(rng))
            for index in range(count)
        )
        self.insert(Source, SOURCE_FIELDS, rows)
        self.sources = self.pool(Source, after, "codename", "handler_id")
        rng.shuffle(self.sources)
        self.source_weights = zipf_cum_weights(len(self.sources), 0.7)

    def source(self, rng):
        """A source's fields from description to created_by."""
        category, _, descriptions, levels = weighted(rng, SOURCE_KINDS)
        district = weighted(rng, DISTRICTS)[0]
        handler = rng.choice(self.reporters) if rng.random() < 0.9 else rng.choice(self.editors)
        status, _, note = weighted(rng, REVIEWS)
        reviewer, reviewed_at = None, None
        if status != Source.ReviewStatus.PENDING:
            reviewer = rng.choice(self.editors)
            reviewed_at = self.now - datetime.timedelta(days=rng.uniform(1, 365 * self.years))
        silence = rng.expovariate(1 / 30) if rng.random() < 0.9 else rng.uniform(90, 365)
        return (
            rng.choice(descriptions).format(district),
            category,
            choice(rng, levels),
            handler,
            *identity(rng, category),
            "As agreed: by role only" if category != C.DOCUMENT else "Cite by title",
            status,
            note,
            reviewer,
            reviewed_at,
            self.today - datetime.timedelta(days=int(silence)),
            *self.stamps(handler),
        )

    def interviews_add(self, count):
        after, existing = self.rows_before(Interview)
        rng = self.rng("interviews", existing)
        links = []  # (sources, events) of each new interview, in order
        rows = (
            (self.investigation.pk, *self.interview(rng, links))
            for _ in range(count if self.sources else 0)
        )
        self.insert(Interview, INTERVIEW_FIELDS, rows)
        interviews = self.pool(Interview, after, "conducted_at", "interviewer_id")
        if not links:  # none made: follow-ups link to the earlier ones, without their sources
            self.interviews = [(*interview, None) for interview in interviews]
            return
        self.interviews = [
            (*interview, sources[0])
            for interview, (sources, _) in zip(interviews, links, strict=True)
        ]
        self.interview_links_add([pk for pk, _, _ in interviews], links)

    def interview(self, rng, links):
        """An interview's fields from interviewer to created_by; its links go to `links`."""
        sources = self.interview_sources(rng)
        interviewer = sources[0][2] if rng.random() < 0.85 else rng.choice(self.reporters)
        events, day = self.interview_events(rng)
        at = datetime.datetime.combine(day, datetime.time(rng.randint(8, 21), 0), UTC)
        mode = choice(rng, MODES)
        place = rng.choice(self.towns) if self.towns and mode == "in_person" else None
        links.append((sources, [self.event_pks[index] for index in events]))
        codenames = " and ".join(name for _, name, _ in sources)
        topic = TOPICS[self.event_kinds[events[0]]] if events else "the district"
        summary = f"{codenames} talked about {topic}."
        return (
            interviewer,
            at,
            place,
            mode,
            choice(rng, LANGUAGES),
            summary,
            rng.choice(FIELD_NOTES),
            rng.choice(SENSITIVE_NOTES),
            *self.stamps(interviewer),
        )

    def interview_sources(self, rng):
        """Mostly one source, sometimes two or three (distinct), the talkative ones more often."""
        wanted = weighted(rng, SOURCES_PER_INTERVIEW)[0]
        picks = rng.choices(self.sources, cum_weights=self.source_weights, k=wanted)
        return list({source[0]: source for source in picks}.values())

    def interview_events(self, rng):
        """Indices of an event the interview is about and of up to three more of the weeks
        before it, and the interview's day: a few days to weeks after the event."""
        if not self.event_pks:
            return [], self.calendar.day(rng)[0]
        anchor = rng.randrange(len(self.event_pks))
        lag = datetime.timedelta(days=int(rng.expovariate(1 / 12)))
        day = min(self.event_days[anchor] + lag, self.today - datetime.timedelta(days=1))
        first = bisect.bisect_left(self.event_days, day - datetime.timedelta(days=45))
        window = range(first, bisect.bisect_right(self.event_days, day))
        others = rng.sample(window, min(len(window), weighted(rng, OTHER_EVENTS)[0]))
        return list(dict.fromkeys([anchor, *others])), day

    def interview_links_add(self, pks, links):
        pairs = list(zip(pks, links, strict=True))
        rows = ((pk, source[0]) for pk, (sources, _) in pairs for source in sources)
        self.insert(InterviewSource, ("interview_id", "source_id"), rows)
        rows = ((pk, event) for pk, (_, events) in pairs for event in events)
        self.insert(InterviewEvent, ("interview_id", "event_id"), rows)

    # Follow-ups --------------------------------------------------------------------------------

    def follow_ups_add(self, count):
        _, existing = self.rows_before(FollowUp)
        rng = self.rng("follow_ups", existing)
        watched = FollowUp.objects.filter(
            investigation=self.investigation, kind=FollowUp.Kind.WELFARE_CHECK, status="open"
        )
        self.watched = set(watched.values_list("source_id", flat=True))
        rows = ((self.investigation.pk, *self.follow_up(rng)) for _ in range(count))
        self.insert(FollowUp, FOLLOW_UP_FIELDS, rows)

    def follow_up(self, rng):
        """A follow-up's fields from title to created_by."""
        link = rng.random()
        if link < 0.02 and self.sources:
            return self.welfare_check(rng)
        event = source = interview = None
        assignee = rng.choice(self.reporters) if rng.random() < 0.8 else rng.choice(self.editors)
        day = self.calendar.day(rng)[0]
        if link < 0.32 and self.interviews:
            interview, at, assignee, main = rng.choice(self.interviews)
            source, name, _ = main or (None, "the source", None)
            title = rng.choice(FOLLOW_UP_TITLES["interview"]).format(name)
            day = at.date()
        elif link < 0.62 and self.event_pks:
            index = rng.randrange(len(self.event_pks))
            event, day = self.event_pks[index], self.event_days[index]
            title = rng.choice(FOLLOW_UP_TITLES["event"]).format(NOUNS[self.event_kinds[index]])
        elif link < 0.77 and self.sources:
            source, name, assignee = rng.choice(self.sources)
            title = rng.choice(FOLLOW_UP_TITLES["source"]).format(name)
        else:
            title = rng.choice(FOLLOW_UP_TITLES["none"])
        due, status = self.due(rng, day)
        return (
            title,
            "",
            due,
            assignee,
            status,
            choice(rng, PRIORITIES),
            FollowUp.Kind.TASK,
            event,
            source,
            interview,
            *self.stamps(assignee),
        )

    def welfare_check(self, rng):
        """At most one open welfare check per source (a database constraint)."""
        source, name, handler = rng.choice(self.sources)
        due, status = self.due(rng, self.calendar.day(rng)[0])
        if status == FollowUp.Status.OPEN:
            if source in self.watched:
                status = FollowUp.Status.DONE
            self.watched.add(source)
        return (
            f"Welfare check: {name}",
            "",
            due,
            handler,
            status,
            FollowUp.Priority.URGENT,
            FollowUp.Kind.WELFARE_CHECK,
            None,
            source,
            None,
            *self.stamps(None),
        )

    def due(self, rng, day):
        """A due time a few days after `day`; mostly done once past, open when still ahead.
        One in eight is due in the weeks to come."""
        if rng.random() < 0.12:
            day = self.today + datetime.timedelta(days=int(rng.expovariate(1 / 12)))
        else:
            day += datetime.timedelta(days=rng.randint(1, 14))
        due = datetime.datetime.combine(day, datetime.time(rng.randint(9, 18), 0), UTC)
        if due > self.now:
            return due, FollowUp.Status.OPEN if rng.random() < 0.95 else FollowUp.Status.DONE
        overdue = 0.3 if self.now - due < datetime.timedelta(days=30) else 0.04
        if rng.random() < overdue:
            return due, FollowUp.Status.OPEN
        return due, FollowUp.Status.DONE if rng.random() < 0.94 else FollowUp.Status.CANCELLED


# Time ------------------------------------------------------------------------------------------


class Calendar:
    """Days that come in waves: a handful of bursts a year, each a few weeks long with a
    dominant kind of event, over a quieter background."""

    BACKGROUND = 0.25

    def __init__(self, rng, today, years):
        self.first = today - datetime.timedelta(days=365 * years)
        self.days = 365 * years - 1
        self.waves = [
            (rng.randrange(self.days), rng.uniform(4, 25), weighted(rng, EVENT_KINDS)[0])
            for _ in range(rng.randint(5, 8) * years)
        ]
        self.wave_weights = list(itertools.accumulate(rng.paretovariate(1.5) for _ in self.waves))

    def day(self, rng):
        """A day of the span and the kind of the wave it fell in (None in the background)."""
        if rng.random() >= self.BACKGROUND:
            centre, width, kind = rng.choices(self.waves, cum_weights=self.wave_weights)[0]
            offset = round(rng.gauss(centre, width))
            if 0 <= offset < self.days:  # a wave's tail beyond the span falls in the background
                return self.first + datetime.timedelta(days=offset), kind
        return self.first + datetime.timedelta(days=rng.randrange(self.days)), None


def precise_day(day, precision):
    """The customary day of a date known to a week (its Monday), a month or a year (the first)."""
    if precision == DatePrecision.WEEK:
        return day - datetime.timedelta(days=day.weekday())
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    return day


# Small generators ------------------------------------------------------------------------------


def places_generate(rng, *, first=0):
    """(name, admin1, admin2, admin3, latitude, longitude, geo_precision) without end: the
    district towns first (in an investigation without places), then villages in the
    districts' shares, named from the `first`-th village name on."""
    if not first:
        for district, _, town, subdistricts, (latitude, longitude), _ in DISTRICTS:
            yield town, "Kirkuk", district, subdistricts[0], latitude, longitude, GeoPrecision.EXACT
    for number in itertools.count(first):
        district, _, _, subdistricts, centre, spread = weighted(rng, DISTRICTS)
        precision, _, pattern, digits = weighted(rng, PLACE_PRECISIONS)
        latitude, longitude = village_point(rng, centre, spread)
        name = pattern.format(village_name(number))
        admin3 = rng.choice(subdistricts)
        yield (
            name,
            "Kirkuk",
            district,
            admin3,
            round(latitude, digits),
            round(longitude, digits),
            precision,
        )


def village_point(rng, town, spread):
    """Around the town, inside the area the investigation covers (drawn again when outside:
    clamping would pile villages up on the edges)."""
    while True:
        latitude, longitude = rng.gauss(town[0], spread), rng.gauss(town[1], spread * 1.5)
        if inside(latitude, LATITUDES) and inside(longitude, LONGITUDES):
            return latitude, longitude


def village_name(number):
    """A distinct, plausible village name for each number ("Tal Khalaf", "Umm Malha Sufla")."""
    combinations = len(VILLAGE_PREFIXES) * len(VILLAGE_STEMS)
    spread = (number * 97) % combinations  # neighbours in the list are not neighbours in name
    prefix, stem = VILLAGE_PREFIXES[spread % 8], VILLAGE_STEMS[spread // 8]
    variant, extra = divmod(number // combinations, len(VILLAGE_VARIANTS))
    name = f"{prefix} {stem}{VILLAGE_VARIANTS[extra]}"
    return f"{name} {variant + 1}" if variant else name


def actor_names():
    """(name, kind) without end: the well-known actors, then numbered units."""
    yield from ACTORS
    for number in itertools.count(1):
        for pattern, kind in ACTOR_UNITS:
            yield pattern.format(ordinal(number)), kind


def ordinal(number):
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def codename(number):
    """Two neutral words and a number of three digits or more ("Amber Heron 347"): distinct
    for each `number`, and never one generate_codename() makes (its numbers have two digits).
    Callers number from the highest source id so far, so a later run never repeats a codename
    of an earlier one."""
    firsts, seconds = len(CODENAME_FIRST_WORDS), len(CODENAME_SECOND_WORDS)
    combinations = firsts * seconds * 900
    block, place = divmod(number, combinations)
    spread = (place * 7919) % combinations  # 7919 is prime to the count: a permutation
    spread, second = divmod(spread, seconds)
    hundreds, first = divmod(spread, firsts)
    return (
        f"{CODENAME_FIRST_WORDS[first].title()} {CODENAME_SECOND_WORDS[second].title()} "
        f"{100 + hundreds + 900 * block}"
    )


def identity(rng, category):
    """Fictional real name, contact and identifying notes; documents have none."""
    if category == C.DOCUMENT:
        return "", "", ""
    name = f"{rng.choice(FIRST_NAMES.split())} {rng.choice(FAMILY_NAMES.split())}"
    phone = f"+964 7{rng.randint(50, 90)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    notes = f"Fictional: lives near the {rng.choice(VILLAGE_STEMS)} mosque; a brother in the army."
    return name, phone, notes


def imported_fields(rng, kind, number):
    """external_id, ACLED's types and source column of an event that came from an import."""
    event_type, sub_type = ACLED_TYPES[kind]
    reported_by = "; ".join(rng.sample(ACLED_SOURCES, rng.randint(1, 2)))
    return f"LOAD-IRQ{number}", event_type, sub_type, reported_by


def casualties(rng, kind):
    """Unknown a quarter of the time; otherwise mostly none or a few (none when nobody fought)."""
    if rng.random() < 0.25:
        return None
    if kind in (E.STRATEGIC, E.PROTEST, E.BLOCKADE) or rng.random() < 0.45:
        return 0
    return min(int(rng.paretovariate(1.3)), 60)


def casualty_phrase(fatalities):
    if fatalities is None:
        return "Casualties unknown."
    if fatalities == 0:
        return "No deaths reported."
    return f"{fatalities} killed, according to local sources."


def zipf_cum_weights(count, exponent):
    """Cumulative weights of ranks 1..count falling as 1 / rank ** exponent."""
    return list(itertools.accumulate(rank**-exponent for rank in range(1, count + 1)))


def weighted(rng, rows):
    """One of `rows` (a table of this module), by the share in its second column."""
    if id(rows) not in CUMULATIVE_SHARES:
        CUMULATIVE_SHARES[id(rows)] = list(itertools.accumulate(row[1] for row in rows))
    return rng.choices(rows, cum_weights=CUMULATIVE_SHARES[id(rows)])[0]


CUMULATIVE_SHARES = {}  # by id() of the module's tables, which live as long as the module


def choice(rng, pairs):
    """The value of one of (value, share) pairs."""
    return weighted(rng, pairs)[0]


def inside(value, bounds):
    return bounds[0] <= value <= bounds[1]


# Writing rows ----------------------------------------------------------------------------------


def rows_insert(model, fields, rows):
    """Insert `rows` (tuples of the values of `fields`, attnames) and return how many. Fields
    left out get their defaults; identity fields are encrypted here, once per value."""
    missing = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.attname not in fields
    ]
    columns = [*fields, *(field.attname for field in missing)]
    defaults = tuple(field.get_default() for field in missing)
    rows = (row + defaults for row in rows)
    if connection.vendor == "postgresql":
        return rows_copy(model, columns, rows)
    return rows_bulk_create(model, columns, rows)


def rows_copy(model, columns, rows):
    by_column = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_column[column] for column in columns]
    sealed = [index for index, field in enumerate(fields) if isinstance(field, EncryptedTextField)]
    if sealed:
        require_keys_open_what_is_stored()  # a query: before the COPY holds the connection
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) "
        "FROM STDIN"
    )
    count = 0
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            if sealed:
                row = list(row)
                for index in sealed:
                    row[index] = fields[index].get_prep_value(row[index])
            copy.write_row(row)
            count += 1
    return count


def rows_bulk_create(model, columns, rows):
    count = 0
    instances = (model(**dict(zip(columns, row, strict=True))) for row in rows)
    while batch := list(itertools.islice(instances, BATCH)):
        model.objects.bulk_create(batch)
        count += len(batch)
    return count


def tables_analyze(models):
    """Planner statistics, as a live database has them: benchmarks run right after a load."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in dict.fromkeys(models):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# The command -----------------------------------------------------------------------------------
