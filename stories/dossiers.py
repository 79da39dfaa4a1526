"""What touches an event (its interviews, sources by codename, claims) and a source's dossier
(interviews, events, claims, follow-ups, contacts, hand-overs and reveals, in time order):
composed here, at the top, from the layers below."""

import datetime

from django.db.models import Q
from django.utils import timezone

from investigation.models import FollowUp
from sources.models import IdentityAccess, Interview, Source
from stories.models import Claim, Evidence


def event_touching(event, user):
    """The interviews that discuss the event, their sources (by codename) and the claims about
    it, as far as `user` may see them. Three queries."""
    interviews = list(
        Interview.objects.visible_to(user)
        .filter(events=event)
        .with_codenames()
        .select_related("interviewer")
        .order_by("conducted_at")
    )
    sources = (
        Source.objects.visible_to(user)
        .filter(interviews__events=event)
        .distinct()
        .only("codename", "description", "review_status")
    )
    cited = Evidence.objects.filter(event=event).values("claim")
    claims = Claim.objects.visible_to(user).filter(Q(events=event) | Q(pk__in=cited)).distinct()
    return {"interviews": interviews, "sources": list(sources), "claims": list(claims)}


def source_dossier(source):
    """Everything about a source, newest first, as (moment, kind, text, url). For the people
    who may see its identity (the handler and the editors): it says who met them, when and
    where; never the identity itself."""
    interviews = list(
        source.interviews.select_related("location").prefetch_related("events").order_by()
    )
    entries = [interview_entry(interview) for interview in interviews]
    entries += [
        entry(event.date, "Event discussed", f"{event.title} ({event.when})", event)
        for event in {event for interview in interviews for event in interview.events.all()}
    ]
    evidence = source.evidence.select_related("claim", "interview")
    entries += [claim_entry(piece) for piece in evidence]
    follow_ups = FollowUp.objects.filter(source=source).select_related("assignee")
    entries += [follow_up_entry(follow_up) for follow_up in follow_ups]
    if source.last_contact_at:
        entries.append(entry(source.last_contact_at, "Last contact", "Recorded as heard from."))
    accesses = IdentityAccess.objects.filter(source=source).select_related(
        "user", "handed_from", "handed_to"
    )
    entries += [access_entry(access) for access in accesses]
    return sorted(entries, key=lambda item: item["sort"], reverse=True)


def entry(moment, kind, text, row=None):
    if isinstance(moment, datetime.datetime):
        sort, shown = moment, timezone.localtime(moment).strftime("%d %b %Y, %H:%M")
    else:
        sort = datetime.datetime.combine(moment, datetime.time(), tzinfo=datetime.UTC)
        shown = f"{moment.day} {moment:%b %Y}"
    url = row.get_absolute_url() if row is not None else ""
    return {"sort": sort, "when": shown, "kind": kind, "text": text, "url": url}


def interview_entry(interview):
    place = f" in {interview.location}" if interview.location_id else ""
    return entry(
        interview.conducted_at,
        f"Interview ({interview.get_mode_display().lower()}{place})",
        interview.summary,
        interview,
    )


def claim_entry(piece):
    text = f"{piece.get_stance_display()}: {piece.claim.text}"
    if piece.quote:
        text += f" — “{piece.quote}”"
    moment = piece.interview.conducted_at if piece.interview_id else piece.created_at
    return entry(moment, f"Claim ({piece.get_knowledge_display().lower()})", text, piece.claim)


def follow_up_entry(follow_up):
    kind = f"Follow-up ({follow_up.get_status_display().lower()})"
    return entry(follow_up.due_at, kind, f"{follow_up.title} · {follow_up.assignee}", follow_up)


def access_entry(access):
    text = f"{access.user.get_username()}: {access.reason}"
    if access.handed_to_id:
        text = (
            f"{access.user.get_username()} handed over from {access.handed_from.get_username()} "
            f"to {access.handed_to.get_username()}: {access.reason}"
        )
    return entry(access.at, access.get_action_display(), text)
