from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Case, Q, Value, When

from investigation.models import Membership, Role


class MembershipRoleBackend(ModelBackend):
    """Model permissions follow the roles people hold in their investigations.

    A member with the role "editor" somewhere gets the permissions of the group "Editor", so a
    membership is all an admin has to grant; groups assigned by hand and permissions given to
    the person still count. What a person may see stays limited to their investigations by
    each model's visible_to().
    """

    def _get_group_permissions(self, user_obj):
        return Permission.objects.filter(
            Q(group__user=user_obj) | Q(group__name__in=role_groups(user_obj))
        ).distinct()

    def get_all_permissions(self, user_obj, obj=None):
        """One query for every permission a page checks (ModelBackend asks twice: the person's
        own, then their groups'). Cached on the user object for the request, as Django does."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                permissions = Permission.objects.all()
            else:
                permissions = Permission.objects.filter(
                    Q(user=user_obj)
                    | Q(group__user=user_obj)
                    | Q(group__name__in=role_groups(user_obj))
                ).distinct()
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                )
            }
        return user_obj._perm_cache


def role_groups(user):
    """A subquery of the names of the groups that go with the roles `user` holds."""
    name = Case(*[When(role=role, then=Value(role.label)) for role in Role])
    return Membership.objects.filter(user=user).annotate(group_name=name).values("group_name")
