"""The admin home ({% fieldbook_dashboard %}): what is due for me, what was said lately, and
what awaits review, across the layers below."""

from datetime import timedelta

from django import template
from django.utils import timezone

from investigation import access
from investigation.models import EDITING_ROLES, FollowUp
from sources.models import Interview, Source

register = template.Library()

DUE_SOON = timedelta(days=7)


@register.inclusion_tag("investigation/dashboard.html")
def fieldbook_dashboard(user):
    """The admin home: what is due for me, what was said lately, what awaits review."""
    now = timezone.now()
    follow_ups = FollowUp.objects.visible_to(user).filter(assignee=user).due_by(now + DUE_SOON)
    return {
        "now": now,
        "follow_ups": follow_ups.select_related("source", "event", "interview")[:15],
        "interviews": Interview.objects.visible_to(user)
        .select_related("interviewer", "location")
        .prefetch_related("sources")[:8],
        "sources_to_review": Source.objects.visible_to(user, EDITING_ROLES)
        .awaiting_review()
        .select_related("handler")[:15],
        "is_editor": access.edits_any(user),
    }
