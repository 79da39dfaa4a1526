"""Failed logins: a username locked after a few failures, an address after many, and no
cheap way for someone elsewhere to lock a colleague out at their own desk (django-axes).

Counted per username across every address, except that failures from an address where that
username logged in successfully within LOGIN_KNOWN_ADDRESS_DAYS count for that username and
address only. Counted per address across usernames too, with its own higher limit
(LOGIN_ADDRESS_FAILURE_LIMIT), against password spraying. The settings say why each number.
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username, get_lockout_parameters
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

BY_ADDRESS = "ip_address"


def lockout_parameters(request_or_attempt, credentials=None):
    """AXES_LOCKOUT_PARAMETERS: what failures are counted together for this login attempt."""
    username, address = username_and_address(request_or_attempt, credentials)
    if username and address and is_known_address(username, address):
        return [["username", "ip_address"], BY_ADDRESS]
    return ["username", BY_ADDRESS]


def username_and_address(request_or_attempt, credentials):
    if isinstance(request_or_attempt, AccessAttempt):
        return request_or_attempt.username, request_or_attempt.ip_address
    address = getattr(request_or_attempt, "axes_ip_address", None)
    if address is None:
        address = get_client_ip_address(request_or_attempt)
    return get_client_username(request_or_attempt, credentials), address


def is_known_address(username, address):
    since = timezone.now() - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=since
    ).exists()


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for failures counted by address alone,
    and a successful login that forgets only that username's failures from that address. Axes'
    reset would forget every failure of the address (a sprayer with one real account could
    start over) and of the username (an attacker elsewhere would get five more guesses each
    time the real person logs in)."""

    def get_failures(self, request, credentials=None):
        parameters = get_lockout_parameters(request, credentials)
        attempts = self.get_user_attempts(request, credentials)
        failures = {
            str(parameter): rows.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for parameter, rows in zip(parameters, attempts, strict=True)
        }
        by_address = failures.pop(BY_ADDRESS, 0)
        by_username = max(failures.values(), default=0)
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_username, settings.AXES_FAILURE_LIMIT)
        return by_username

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        AccessAttempt.objects.filter(
            username=user.get_username(), ip_address=request.axes_ip_address
        ).delete()
