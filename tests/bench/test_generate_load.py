"""`manage.py generate_load` and load_generate(): seeded, realistic rows for the benchmarks."""

import datetime
import io
import statistics
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from bench.load import load_counts, load_generate
from events.models import Event, EventActor, Location
from investigation.models import FollowUp, Membership
from sources.models import Interview, InterviewEvent, Source

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 6, 1, 12, 0, tzinfo=datetime.UTC)


def counts(investigation):
    return {
        "locations": Location.objects.filter(investigation=investigation).count(),
        "events": Event.objects.filter(investigation=investigation).count(),
        "sources": Source.objects.filter(investigation=investigation).count(),
        "interviews": Interview.objects.filter(investigation=investigation).count(),
        "follow_ups": FollowUp.objects.filter(investigation=investigation).count(),
    }


def events_seen(investigation):
    """What a reader of the timeline sees of the events, in the order they were made."""
    events = Event.objects.filter(investigation=investigation).order_by("pk")
    return list(events.values_list("title", "date", "kind", "status", "location__name"))


def generate(*args):
    out = io.StringIO()
    call_command("generate_load", *args, stdout=out)
    return out.getvalue()


def test_the_rows_grow_in_proportion_to_the_scale():
    small = counts(load_generate(scale=0.01, now=NOW))
    double = counts(load_generate(scale=0.02, now=NOW))

    assert small == {
        "locations": 20,
        "events": 200,
        "sources": 5,
        "interviews": 20,
        "follow_ups": 200,
    }
    for name in ("events", "sources", "interviews", "follow_ups"):
        assert double[name] == 2 * small[name], name


def test_the_links_follow_their_parents():
    investigation = load_generate(scale=0.02, now=NOW)

    interviews = Interview.objects.filter(investigation=investigation)
    assert interviews.exists()
    assert EventActor.objects.filter(event__investigation=investigation).count() >= 400
    assert not interviews.annotate(n=Count("sources")).filter(n=0).exists()
    assert InterviewEvent.objects.filter(interview__investigation=investigation).count() >= 40
    linked = FollowUp.objects.filter(investigation=investigation).exclude(
        event=None, source=None, interview=None
    )
    assert linked.count() > 100


def test_the_same_seed_gives_the_same_events_and_another_seed_other_ones():
    first = load_generate(scale=0.01, seed=7, now=NOW)
    again = load_generate(scale=0.01, seed=7, now=NOW)
    other = load_generate(scale=0.01, seed=8, now=NOW)

    assert events_seen(again) == events_seen(first)
    assert events_seen(other) != events_seen(first)


def test_a_new_investigation_gets_reporters_editors_and_an_admin():
    investigation = load_generate(scale=0.01, now=NOW)

    roles = Counter(Membership.objects.filter(investigation=investigation).values_list("role"))
    assert roles[("reporter",)] >= 2
    assert roles[("editor",)] >= 1
    assert roles[("admin",)] == 1
    users = get_user_model().objects.filter(memberships__investigation=investigation)
    assert users.exists()
    assert not any(user.has_usable_password() for user in users)


def test_adding_to_an_investigation_adds_rows_without_breaking_a_unique_constraint():
    investigation = load_generate(scale=0.01, now=NOW)
    members = investigation.memberships.count()
    codenames = set(Source.objects.values_list("codename", flat=True))

    load_generate(scale=0.01, investigation=investigation, now=NOW)

    assert counts(investigation)["events"] == 400
    assert counts(investigation)["sources"] == 10
    assert investigation.memberships.count() == members
    new_codenames = set(Source.objects.values_list("codename", flat=True)) - codenames
    assert len(new_codenames) == 5
    external_ids = Event.objects.filter(investigation=investigation).exclude(external_id="")
    assert external_ids.count() == len(set(external_ids.values_list("external_id", flat=True)))
    open_checks = FollowUp.objects.filter(kind=FollowUp.Kind.WELFARE_CHECK, status="open")
    assert open_checks.exists()
    assert not open_checks.values("source").annotate(n=Count("pk")).filter(n__gt=1).exists()


def test_counts_add_just_the_rows_asked_for_linked_to_the_rows_already_there():
    investigation = load_generate(scale=0.01, now=NOW)
    before = counts(investigation)

    load_generate(scale=0, investigation=investigation, counts={"events": 50, "follow_ups": 30})

    after = counts(investigation)
    assert after == {
        **before,
        "events": before["events"] + 50,
        "follow_ups": before["follow_ups"] + 30,
    }
    new_events = Event.objects.filter(investigation=investigation).order_by("-pk")[:50]
    assert len(new_events) == 50
    assert all(event.location_id for event in new_events)


def test_an_investigation_with_members_keeps_its_own_team(cast, investigation):
    users = get_user_model().objects.count()

    load_generate(scale=0.01, investigation=investigation, now=NOW)

    assert get_user_model().objects.count() == users
    handlers = set(Source.objects.filter(investigation=investigation).values_list("handler"))
    members = set(investigation.memberships.values_list("user"))
    assert handlers <= members


def test_unknown_or_negative_counts_are_refused():
    with pytest.raises(ValueError, match="villages"):
        load_counts(1, {"villages": 10})
    with pytest.raises(ValueError, match="negative"):
        load_counts(1, {"events": -1})


def test_identities_are_stored_encrypted_and_reveal_to_the_fictional_person():
    investigation = load_generate(scale=0.02, now=NOW)

    people = Source.objects.filter(investigation=investigation).exclude(category="document")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT real_name, contact FROM sources_source WHERE id = %s", [people[0].pk]
        )
        stored = cursor.fetchone()
    assert all(value.startswith("fb1:") for value in stored)
    assert people[0].real_name.reveal()
    assert people[0].contact.reveal().startswith("+964 7")
    interview = Interview.objects.filter(investigation=investigation).first()
    assert interview.sensitive_notes.reveal().startswith("Fictional:")


def test_events_crowd_into_a_few_villages():
    investigation = load_generate(scale=0.02, now=NOW)

    places = Location.objects.filter(investigation=investigation).annotate(n=Count("events"))
    per_place = sorted(places.values_list("n", flat=True), reverse=True)
    assert per_place[0] >= 5 * statistics.median(per_place)


def test_events_come_in_waves():
    investigation = load_generate(scale=0.05, now=NOW)

    days = Event.objects.filter(investigation=investigation, date_precision="day")
    per_month = Counter((day.year, day.month) for day in days.values_list("date", flat=True))
    # Spread evenly, the busiest month would hold about 1.5 times as many as the quietest.
    assert max(per_month.values()) >= 4 * min(per_month.values())


def test_places_are_in_kirkuk_province_with_a_mix_of_precisions():
    investigation = load_generate(scale=0.02, now=NOW)

    places = Location.objects.filter(investigation=investigation)
    assert places.exists()
    assert all(35.0 <= place.latitude <= 35.6 for place in places)
    assert all(43.5 <= place.longitude <= 44.5 for place in places)
    assert {"Hawija", "Kirkuk", "Daquq"} == set(places.values_list("admin2", flat=True))
    assert set(places.values_list("geo_precision", flat=True)) == {1, 2, 3}


def test_follow_ups_are_mostly_done_with_some_overdue_and_some_still_ahead():
    investigation = load_generate(scale=0.02)

    follow_ups = FollowUp.objects.filter(investigation=investigation)
    done = follow_ups.filter(status=FollowUp.Status.DONE).count()
    assert done > follow_ups.count() / 2
    assert follow_ups.overdue().count() >= 5
    assert follow_ups.open().count() - follow_ups.overdue().count() >= 5


def test_a_few_events_are_highlighted_and_some_are_publishable():
    investigation = load_generate(scale=0.05, now=NOW)

    events = Event.objects.filter(investigation=investigation)
    assert 1 <= events.highlighted().count() <= 5
    assert events.filter(publishable=True).count() >= 50


def test_the_command_prints_each_model_and_a_summary(settings):
    settings.DEBUG = True

    output = generate("--scale", "0.01", "--allow-sqlite")

    assert "events.Event" in output
    assert "rows/s" in output
    assert "rows in" in output
    assert Event.objects.count() == 200


def test_the_command_adds_to_an_investigation_named_by_slug(settings):
    settings.DEBUG = True
    investigation = load_generate(scale=0.01, now=NOW)

    generate("--scale", "0.01", "--allow-sqlite", "--investigation", investigation.slug)

    assert counts(investigation)["events"] == 400


def test_the_command_refuses_a_database_other_than_postgresql(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(CommandError, match="PostgreSQL"):
        generate("--scale", "0.01")

    assert not Event.objects.exists()


def test_the_command_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        generate("--scale", "0.01", "--allow-sqlite")

    assert not Event.objects.exists()


def test_the_command_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False

    generate("--scale", "0.01", "--allow-sqlite", "--force")

    assert Event.objects.count() == 200
