"""Who is logged in, for the headers of the admin and of the map and timeline pages
({% who_am_i user %}): "Nadia Reporter · Editor, Kirkuk raids"."""

from collections import Counter

from django import template

from investigation import access
from investigation.models import Role

register = template.Library()

LISTED_AT_MOST = 2  # investigations named one by one; beyond that, roles are counted


@register.simple_tag
def who_am_i(user):
    """The person's name and their role in each investigation, compactly."""
    name = user.get_full_name() or user.get_username()
    return f"{name} · {roles_described(user)}"


def roles_described(user):
    members = access.memberships(user)
    if not members:
        return "set-up account" if access.is_setup_account(user) else "no investigation yet"
    if len(members) <= LISTED_AT_MOST:
        return " · ".join(f"{m.get_role_display()}, {m.investigation.title}" for m in members)
    counts = Counter(member.role for member in members)
    return (
        ", ".join(f"{Role(role).label} in {count}" for role, count in counts.most_common())
        + " investigations"
    )
