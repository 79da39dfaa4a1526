from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from investigation.models import Membership, Role


class MembershipRoleBackend(ModelBackend):
    """Model permissions follow the roles people hold in their investigations.

    A member with the role "editor" somewhere gets the permissions of the group "Editor", so a
    membership is all an admin has to grant; groups assigned by hand still count. What a
    person may see stays limited to their investigations by each model's visible_to().
    """

    def _get_group_permissions(self, user_obj):
        roles = Membership.objects.filter(user=user_obj).values_list("role", flat=True)
        group_names = [Role(role).label for role in set(roles)]
        return Permission.objects.filter(
            Q(group__user=user_obj) | Q(group__name__in=group_names)
        ).distinct()
