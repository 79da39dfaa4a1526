"""Whether a claim stands: its independent first-hand sources (counted once per shared account),
what still blocks it, and an editor clearing it for publication."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from investigation import access
from sources.models import Source
from stories.models import Claim, Evidence, Story


def independent_sources():
    """A subquery: a claim's supporting first-hand sources, each shared account counted once.
    Documents, events and what someone heard are evidence, but no independent source."""
    first_hand = Evidence.objects.filter(
        claim=OuterRef("pk"),
        stance=Evidence.Stance.SUPPORTS,
        knowledge__in=Evidence.FIRST_HAND,
        source__isnull=False,
    )
    # One number per account: a shared account's id made negative, or the source's own id.
    account = Case(
        When(source__shared_account__isnull=False, then=-F("source__shared_account_id")),
        default=F("source_id"),
        output_field=BigIntegerField(),
    )
    counted = first_hand.order_by().values("claim").annotate(n=Count(account, distinct=True))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def claims_counted(claims):
    """The claims with their count of independent sources (independent) and whether an
    official document contradicts them (contradicted), in the claims' own query."""
    contradicting = Evidence.objects.filter(
        claim=OuterRef("pk"), stance=Evidence.Stance.CONTRADICTS, document__isnull=False
    )
    return claims.annotate(independent=independent_sources(), contradicted=Exists(contradicting))


@dataclass
class Standing:
    """How far a claim is from being cleared, in words an editor reads."""

    independent: int
    needed: int
    waiting: list = field(default_factory=list)  # codenames of uncleared sources it rests on

    def may_clear(self):
        return self.independent >= self.needed and not self.waiting

    def blockers(self):
        """ "1 of 2 independent sources; Slate Wren 97 is waiting for protection review"."""
        missing = []
        if self.independent < self.needed:
            missing.append(f"{self.independent} of {self.needed} independent sources")
        if self.waiting:
            verb = "is" if len(self.waiting) == 1 else "are"
            missing.append(f"{', '.join(self.waiting)} {verb} waiting for protection review")
        return "; ".join(missing)


def claims_standing(claims):
    """{claim id: Standing} for claims counted by claims_counted(), in two queries whatever
    their number: the stories' thresholds and the uncleared sources they rest on."""
    claims = list(claims)
    investigations = {claim.investigation_id for claim in claims}
    needed = dict(
        Story.objects.filter(investigation__in=investigations).values_list(
            "investigation_id", "sources_needed"
        )
    )
    waiting = {}
    resting = Evidence.objects.filter(
        claim__in=claims, stance=Evidence.Stance.SUPPORTS, source__isnull=False
    ).exclude(source__in=Source.objects.cleared())
    for claim_id, codename in resting.values_list("claim_id", "source__codename").distinct():
        waiting.setdefault(claim_id, []).append(codename)
    default = Story._meta.get_field("sources_needed").default
    return {
        claim.pk: Standing(
            claim.independent,
            needed.get(claim.investigation_id, default),
            sorted(waiting.get(claim.pk, [])),
        )
        for claim in claims
    }


def claim_standing(claim):
    counted = claims_counted(Claim.objects.filter(pk=claim.pk)).get()
    return claims_standing([counted])[claim.pk]


def claim_clear(*, claim, user):
    """Clear a claim for publication: only an editor of its investigation, only when enough
    independent sources support it and every source it rests on is cleared."""
    if not access.is_editor(user, claim.investigation_id):
        raise PermissionDenied("Only the investigation's editors clear a claim for publication.")
    standing = claim_standing(claim)
    if not standing.may_clear():
        raise ValidationError(f"Not yet: {standing.blockers()}.")
    claim.status = Claim.Status.CLEARED
    claim.cleared_by, claim.cleared_at = user, timezone.now()
    claim.save()
    return claim
