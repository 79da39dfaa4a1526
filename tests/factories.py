"""Plain factories: make_x(**overrides) returns a saved row with sensible defaults."""

import datetime
import hashlib
import itertools

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from events.models import Actor, Event, EventActor, Location
from investigation.models import FollowUp, Investigation, Membership, Role
from sources.models import Attachment, Interview, InterviewEvent, InterviewSource, Source

sequence = itertools.count(1)


def make_user(username=None, **overrides):
    username = username or f"user{next(sequence)}"
    fields = {"is_staff": True, "first_name": username.title(), **overrides}
    return get_user_model().objects.create_user(
        username=username, password="correct horse battery staple", **fields
    )


def make_investigation(**overrides):
    number = next(sequence)
    fields = {"title": f"Investigation {number}", "slug": f"investigation-{number}"}
    return Investigation.objects.create(**{**fields, **overrides})


def make_member(investigation, role=Role.REPORTER, username=None, **user_fields):
    user = make_user(username, **user_fields)
    Membership.objects.create(investigation=investigation, user=user, role=role)
    return user


def make_location(investigation, **overrides):
    fields = {
        "name": f"Place {next(sequence)}",
        "admin1": "Kirkuk",
        "admin2": "Hawija",
        "latitude": 35.33,
        "longitude": 43.76,
        "geo_precision": 1,
    }
    return Location.objects.create(investigation=investigation, **{**fields, **overrides})


def make_actor(investigation, **overrides):
    fields = {"name": f"Actor {next(sequence)}", "kind": Actor.Kind.ARMED_GROUP}
    return Actor.objects.create(investigation=investigation, **{**fields, **overrides})


def make_event(investigation, actors=(), **overrides):
    fields = {
        "kind": Event.Kind.RAID,
        "title": f"Event {next(sequence)}",
        "date": datetime.date(2018, 11, 1),
        "date_precision": "month",
    }
    if "location" not in overrides:
        fields["location"] = make_location(investigation)
    event = Event.objects.create(investigation=investigation, **{**fields, **overrides})
    for actor in actors:
        EventActor.objects.create(event=event, actor=actor)
    return event


def make_source(investigation, handler, **overrides):
    fields = {
        "description": "intelligence officer, Hawija",
        "category": Source.Category.INTELLIGENCE,
        "protection_level": Source.ProtectionLevel.CONFIDENTIAL,
        "real_name": f"Secret Person {next(sequence)}",
    }
    return Source.objects.create(
        investigation=investigation, handler=handler, **{**fields, **overrides}
    )


def make_interview(investigation, interviewer, sources=(), events=(), **overrides):
    fields = {
        "conducted_at": timezone.now() - datetime.timedelta(days=3),
        "summary": "Talked about the night raids.",
        "mode": Interview.Mode.PHONE,
    }
    interview = Interview.objects.create(
        investigation=investigation, interviewer=interviewer, **{**fields, **overrides}
    )
    for source in sources:
        InterviewSource.objects.create(interview=interview, source=source)
    for event in events:
        InterviewEvent.objects.create(interview=interview, event=event)
    return interview


def make_follow_up(investigation, assignee, **overrides):
    fields = {
        "title": f"Follow-up {next(sequence)}",
        "due_at": timezone.now() + datetime.timedelta(days=1),
    }
    return FollowUp.objects.create(
        investigation=investigation, assignee=assignee, **{**fields, **overrides}
    )


def make_attachment(interview, uploaded_by, content=b"Notes from the call.\n", **overrides):
    """A stored plain-text attachment (already clean: text carries no metadata)."""
    digest = hashlib.sha256(content).hexdigest()
    fields = {
        "kind": Attachment.Kind.TEXT,
        "content_type": Attachment.CONTENT_TYPES[Attachment.Kind.TEXT],
        "size": len(content),
        "sha256_original": digest,
        "sha256_stored": digest,
    }
    attachment = Attachment(interview=interview, uploaded_by=uploaded_by, **{**fields, **overrides})
    attachment.file.save("attachment", ContentFile(content))
    return attachment
