"""Permissions from memberships: a person holds a role's permissions only in the investigation
where they hold the role, never everywhere."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from investigation import access


class MembershipRoleBackend(ModelBackend):
    """Model permissions for menus and for the pages that are not about one investigation's
    rows: a member has those of the groups of the roles they hold, a superuser all of them.

    Nothing else counts: a group or a permission given to a person by hand would be a role in
    every investigation. And what someone may do to a row is decided by investigation.access
    against their role in that row's investigation, never here (ScopedAdmin asks access, not
    user.has_perm, which answers True for every superuser).
    """

    def get_all_permissions(self, user_obj, obj=None):
        """Cached on the user object for the request, as Django does."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = set().union(*access.role_permissions(user_obj).values())
            if user_obj.is_superuser:
                names = Permission.objects.values_list("content_type__app_label", "codename")
                user_obj._perm_cache |= {f"{app}.{name}" for app, name in names}
        return user_obj._perm_cache

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return self.get_all_permissions(user_obj, obj)
