"""The daily digest: each member's overdue and due-soon follow-ups and, for editors, the
sources waiting for protection review, sent once per member and day (investigation.reminders
delivers it like a reminder)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from investigation.models import EDITING_ROLES, Digest, FollowUp, Investigation
from investigation.reminders import (
    FOOTER,
    Status,
    absolute_url,
    deliveries_send,
    follow_up_lines,
    message,
)
from sources.models import Source


def digests_send():
    """Today's digest for every member with something in it, once per member and day."""
    now = timezone.now()
    day = timezone.localdate(now)
    for user in digest_recipients():
        if any(digest_sections(user, now).values()):
            Digest.objects.get_or_create(user=user, day=day)
    claimable = Digest.objects.claimable(now).filter(day=day).order_by("attempts", "pk")
    return deliveries_send(claimable, digest_message)


def digest_message(digest, connection):
    user = digest.user
    if not (user.is_active and user.email):
        digest.finish(Status.FAILED, last_error="The member has no email address or left.")
        return None
    sections = digest_sections(user, timezone.now())
    if not any(sections.values()):
        digest.finish(Status.CANCELLED)
        return None
    counts = f"{len(sections['overdue'])} overdue, {len(sections['due_soon'])} due soon"
    if sections["sources"]:
        counts += f", {len(sections['sources'])} sources to review"
    subject = f"[Fieldbook] Your day, {digest.day:%a %d %b}: {counts}"
    body = "\n".join([*digest_lines(user, sections), FOOTER])
    return message(subject, body, user.email, digest.idempotency_key, connection)


def digest_sections(user, now):
    """The member's open follow-ups (overdue, due soon) and, for editors, the sources of their
    investigations waiting for protection review."""
    active = Investigation.Status.ACTIVE
    mine = (
        FollowUp.objects.visible_to(user)
        .open()
        .filter(assignee=user, investigation__status=active)
        .select_related("source")
        .order_by("due_at")
    )
    soon = now + settings.DIGEST_DUE_SOON
    return {
        "overdue": list(mine.filter(due_at__lt=now)),
        "due_soon": list(mine.filter(due_at__gte=now, due_at__lt=soon)),
        "later": mine.filter(due_at__gte=soon).count(),
        "sources": list(
            Source.objects.visible_to(user, EDITING_ROLES)
            .awaiting_review()
            .filter(investigation__status=active)
            .defer(*Source.IDENTITY_FIELDS)
        ),
    }


def digest_lines(user, sections):
    lines = [f"Hello {user.get_username()}, your open follow-ups in Fieldbook:", ""]
    for title, key in (("Overdue", "overdue"), ("Due soon", "due_soon")):
        if sections[key]:
            lines.append(f"{title}:")
            for follow_up in sections[key]:
                lines += [*follow_up_lines(follow_up), ""]
    if sections["later"]:
        mine = reverse("admin:investigation_followup_changelist")
        query = f"?assignee__id__exact={user.pk}&status__exact=open"
        lines += [f"And {sections['later']} due later: {absolute_url(mine)}{query}", ""]
    if sections["sources"]:
        lines.append("Sources waiting for your protection review:")
        for source in sections["sources"]:
            lines.append(f"  {source.codename} ({source.get_protection_level_display().lower()})")
            lines.append(f"  {absolute_url(source.get_absolute_url())}")
        lines.append("")
    return lines


def digest_recipients():
    """Active members of active investigations who have an email address."""
    active = Investigation.Status.ACTIVE
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__investigation__status=active)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
