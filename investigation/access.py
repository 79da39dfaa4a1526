"""Who may see and do what: the one place that decides, per investigation and per row.

A role is a role in one investigation (Membership): what someone may do to a row depends on
their role in that row's investigation, never on a role held elsewhere. The role groups
(Reporter, Editor, Admin) say which model actions each role allows. Superusers set things up
(investigations, memberships, accounts): for everything else, and above all for identities and
sensitive notes, they count only through the roles they hold, like anyone else.
"""

from django.apps import apps
from django.contrib.auth.models import Permission

from investigation.models import EDITING_ROLES, Membership, Role

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
# An editor's decision on a row (publishable, highlighted in bulk): no model permission says
# who may take it, the person's role in the row's investigation does.
EDITORIAL = "editorial"

# Models a superuser manages in every investigation: setting up, not reporting.
SETUP_MODELS = {"investigation.investigation", "investigation.membership"}


# Who holds which role where ------------------------------------------------------------------


def is_setup_account(user):
    """An active superuser: may set up every investigation, reads nothing by that alone."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def memberships(user):
    """An active user's memberships with their investigations, read once per user object
    (Django caches permissions on the user object the same way: each request has its own)."""
    if not (user.is_authenticated and user.is_active):
        return []
    if not hasattr(user, "_fieldbook_memberships"):
        rows = Membership.objects.filter(user_id=user.pk).select_related("investigation")
        user._fieldbook_memberships = list(rows.order_by("investigation__title"))
    return user._fieldbook_memberships


def roles(user):
    """{investigation id: role} of the user's memberships."""
    return {member.investigation_id: member.role for member in memberships(user)}


def forget(user):
    """Drop what roles() and role_permissions() remembered (after a membership changed)."""
    for name in ("_fieldbook_memberships", "_fieldbook_role_permissions"):
        user.__dict__.pop(name, None)


def role_in(user, investigation_id):
    """The user's role in that investigation, or None."""
    if investigation_id is None:
        return None
    return roles(user).get(int(investigation_id))


def investigation_ids(user, wanted_roles=None, *, setup=False):
    """Ids of the investigations `user` is a member of (with one of `wanted_roles`), for a
    filter's `__in`: the ids as values once roles() has read them (the admin does, for its
    permissions), else a subquery, which costs no query of its own.

    setup=True asks about setting up (investigations and memberships themselves): then a
    superuser reaches every investigation, and None stands for "all of them"."""
    if setup and is_setup_account(user):
        return None
    if not (user.is_authenticated and user.is_active):
        return []
    if not hasattr(user, "_fieldbook_memberships"):
        rows = Membership.objects.filter(user_id=user.pk)
        if wanted_roles is not None:
            rows = rows.filter(role__in=wanted_roles)
        return rows.values("investigation_id")
    return sorted(
        pk for pk, role in roles(user).items() if wanted_roles is None or role in wanted_roles
    )


def has_role(user, investigation_id, wanted_roles):
    return role_in(user, investigation_id) in wanted_roles


def is_editor(user, investigation_id):
    return has_role(user, investigation_id, EDITING_ROLES)


def is_admin(user, investigation_id):
    return has_role(user, investigation_id, (Role.ADMIN,))


def administers_any(user):
    return Role.ADMIN in roles(user).values()


def edits_any(user):
    return any(role in EDITING_ROLES for role in roles(user).values())


# What each role may do to each model ---------------------------------------------------------


def role_permissions(user):
    """{role: {"app.action_model", ...}} for the roles the user holds, from the role groups."""
    if not hasattr(user, "_fieldbook_role_permissions"):
        held = {Role(role).label: role for role in set(roles(user).values())}
        found = {role: set() for role in held.values()}
        rows = Permission.objects.filter(group__name__in=held).values_list(
            "group__name", "content_type__app_label", "codename"
        )
        for group, app_label, codename in rows:
            found[held[group]].add(f"{app_label}.{codename}")
        user._fieldbook_role_permissions = found
    return user._fieldbook_role_permissions


def permission_name(model, action):
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def role_allows(user, role, action, model):
    return role is not None and permission_name(model, action) in role_permissions(user)[role]


def investigation_of(obj):
    """The id of the investigation a row belongs to, through its queryset's investigation_field
    ("investigation", "follow_up__investigation", "pk" for an investigation itself)."""
    path = type(obj)._default_manager._queryset_class.investigation_field
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def may(user, action, obj=None, *, model=None, investigation_id=None):
    """Whether `user` may `action` ("view", "add", "change", "delete", or EDITORIAL: editors
    only) this row: by their role in the row's investigation (or in `investigation_id`).
    Without a row or an investigation: whether some role they hold allows it somewhere
    (menus, list pages, "Add" buttons)."""
    if not (user.is_authenticated and user.is_active):
        return False
    model = model or type(obj)
    if obj is not None and investigation_id is None:
        investigation_id = investigation_of(obj)
    if model._meta.label_lower in SETUP_MODELS and is_setup_account(user):
        return True
    if action == EDITORIAL:
        return edits_any(user) if investigation_id is None else is_editor(user, investigation_id)
    if obj is None and investigation_id is None:
        return any(role_allows(user, role, action, model) for role in set(roles(user).values()))
    return role_allows(user, role_in(user, investigation_id), action, model)


def investigations_where(user, action, model):
    """Ids of the investigations where the user may `action` rows of `model` (the choices of
    an add form's investigation field: a row is created only where one's role allows it)."""
    if model._meta.label_lower in SETUP_MODELS and is_setup_account(user):
        return None
    if action == EDITORIAL:
        return sorted(pk for pk, role in roles(user).items() if role in EDITING_ROLES)
    return sorted(pk for pk, role in roles(user).items() if role_allows(user, role, action, model))


# Identities, sensitive notes, hand-overs, exports ----------------------------------------------


def may_see_identity(user, source):
    """Need to know: the source's handler, while a member of its investigation, and that
    investigation's editors. Nobody else; a superuser only through such a role."""
    role = role_in(user, source.investigation_id)
    if role is None:
        return False
    return user.pk == source.handler_id or role in EDITING_ROLES


def may_read_sensitive_notes(user, interview):
    """The interviewer, while a member of its investigation, and that investigation's editors.
    Linking a source to an interview gives its handler nothing: the notes are the
    interviewer's, and an editor hands an interview over when someone else must read them."""
    role = role_in(user, interview.investigation_id)
    if role is None:
        return False
    return user.pk == interview.interviewer_id or role in EDITING_ROLES


def may_review(user, source):
    return is_editor(user, source.investigation_id)


def may_hand_over(user, row):
    """Handlers and interviewers change only through an editor of the row's investigation."""
    return is_editor(user, row.investigation_id)


def may_hold(person, investigation_id):
    """Whether `person` may handle a source or conduct an interview there: an active member."""
    return person is not None and person.is_active and role_in(person, investigation_id) is not None


def may_assign_holder(user, investigation_id, person):
    """Who a new source's handler or a new interview's interviewer may be: the person creating
    it, or a member an editor of that investigation chooses."""
    if not may_hold(person, investigation_id):
        return False
    return person.pk == user.pk or is_editor(user, investigation_id)


def may_export(user, investigation_id):
    """Imports and publication exports: the investigation's Admins."""
    return is_admin(user, investigation_id)


def may_import(user, investigation_id):
    return is_admin(user, investigation_id)


# People --------------------------------------------------------------------------------------


def colleagues(user):
    """The people who share an investigation with `user` (everyone, for a superuser)."""
    User = apps.get_model("auth", "User")
    if is_setup_account(user):
        return User.objects.all()
    ids = investigation_ids(user)
    return User.objects.filter(
        pk__in=Membership.objects.filter(investigation__in=ids).values("user")
    )


def may_manage_person(user, person):
    """Password, email, names, active flag and two-factor of an account: superusers for any;
    an investigation's Admin only for people whose every membership is in investigations that
    Admin administers (else a password reset would open another investigation). Accounts with
    no membership, superusers and staff flags belong to superusers."""
    if is_setup_account(user):
        return True
    if person.is_superuser:
        return False
    theirs = set(Membership.objects.filter(user=person).values_list("investigation_id", flat=True))
    administered = {pk for pk, role in roles(user).items() if role == Role.ADMIN}
    return bool(theirs) and theirs <= administered


def may_manage_people(user):
    """Whether the People pages open at all: superusers and investigation Admins."""
    return is_setup_account(user) or administers_any(user)
