"""Where a story stands (/story/<slug>/): its claims by status with their counts and what
blocks each, what contradicts the official line, focus events, open follow-ups, sources
waiting for review, and the chart of our raids against the background's attacks."""

from collections import defaultdict

from django.db.models import Count, Prefetch
from django.db.models.functions import TruncMonth

from events.chart import months_between
from events.models import DatePrecision, Event
from investigation.models import FollowUp
from sources.models import Source
from stories.claims import claims_counted, claims_standing
from stories.models import Claim, Evidence

OUR_RAIDS = {"origin": Event.Origin.OWN, "kind__in": [Event.Kind.RAID]}
BACKGROUND_ATTACKS = {
    "origin__in": [Event.Origin.ACLED, Event.Origin.SPREADSHEET],
    "kind__in": [Event.Kind.ATTACK, Event.Kind.IED, Event.Kind.CLASH],
}
# Context marked on the chart's time axis: decisions and turning points, wherever they were.
CONTEXT_KINDS = [Event.Kind.STRATEGIC, Event.Kind.AIR_STRIKE]


def story_overview(investigation):
    """Everything the page shows, in a fixed number of queries whatever the number of claims."""
    claims = list(
        claims_counted(Claim.objects.filter(investigation=investigation)).prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related("source", "document__issuer", "interview"),
            )
        )
    )
    standing = claims_standing(claims)
    return {
        "claims_by_status": claims_by_status(claims, standing),
        "contradictions": contradictions(claims),
        "focus_events": investigation.events.filter(highlighted=True).order_by("date", "pk"),
        "follow_ups": FollowUp.objects.filter(investigation=investigation)
        .open()
        .select_related("assignee")
        .order_by("due_at")[:20],
        "to_review": Source.objects.filter(investigation=investigation)
        .awaiting_review()
        .only("codename", "description", "review_status"),
    }


def claims_by_status(claims, standing):
    """[(status label, [(claim, standing), ...]), ...] in the order of Claim.Status."""
    grouped = defaultdict(list)
    for claim in claims:
        grouped[claim.status].append((claim, standing[claim.pk]))
    return [(label, grouped[value]) for value, label in Claim.Status.choices if grouped[value]]


def contradictions(claims):
    """Claims that sources support and an official document contradicts: the sources' words
    beside the document's."""
    found = []
    for claim in claims:
        if not (claim.contradicted and claim.independent):
            continue
        evidence = list(claim.evidence.all())
        found.append(
            {
                "claim": claim,
                "for": [
                    e for e in evidence if e.stance == Evidence.Stance.SUPPORTS and e.source_id
                ],
                "against": [
                    e for e in evidence if e.stance == Evidence.Stance.CONTRADICTS and e.document_id
                ],
            }
        )
    return found


def story_districts(investigation):
    return investigation.locations.districts()


def story_chart(investigation, district):
    """Per month in the district: our raids and the background's attacks; and the context
    events of the whole investigation, for the time axis. Year-precision events belong to no
    month and are left out."""
    events = investigation.events.exclude(date_precision=DatePrecision.YEAR)
    local = events.filter(location__admin2=district) if district else events
    series = {
        "raids": monthly(local.filter(**OUR_RAIDS)),
        "attacks": monthly(local.filter(**BACKGROUND_ATTACKS)),
    }
    context = list(events.filter(kind__in=CONTEXT_KINDS).order_by("date"))
    seen = {month for counts in series.values() for month in counts}
    seen |= {event.date.replace(day=1) for event in context}
    months = months_between(min(seen), max(seen)) if seen else []
    return {
        "months": [f"{month:%Y-%m}" for month in months],
        "labels": [f"{month:%b %Y}" for month in months],
        "raids": [series["raids"].get(month, 0) for month in months],
        "attacks": [series["attacks"].get(month, 0) for month in months],
        "context": [
            {"month": f"{event.date:%Y-%m}", "title": event.title, "when": event.when}
            for event in context
        ],
    }


def monthly(events):
    rows = events.annotate(month=TruncMonth("date")).values("month").annotate(n=Count("pk"))
    return {row["month"]: row["n"] for row in rows.order_by()}
