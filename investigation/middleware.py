"""Limits on a login: how long it lasts, and the second factor it needs."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

LOGIN_TIME_KEY = "authenticated_at"
REFRESH_TIME_KEY = "refreshed_at"


def stamp_login_time(sender, request, user, **kwargs):
    """user_logged_in receiver: the session remembers when its password was typed."""
    request.session[LOGIN_TIME_KEY] = int(time.time())


def login_age(request):
    """Seconds since the password was typed; sessions from before the stamp count as too old."""
    return time.time() - request.session.get(LOGIN_TIME_KEY, 0)


class SessionLimitMiddleware:
    """Ends a login SESSION_MAX_AGE after the password was typed, however active it has been,
    and keeps an active login alive: idle sessions end SESSION_COOKIE_AGE after they were last
    saved, and this saves them at most once every SESSION_REFRESH_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        if login_age(request) > settings.SESSION_MAX_AGE:
            return self.end_session(request)
        now = int(time.time())
        if now - request.session.get(REFRESH_TIME_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
            request.session[REFRESH_TIME_KEY] = now  # a changed session is saved, expiry renewed
        return self.get_response(request)

    def end_session(self, request):
        logout(request)
        hours = settings.SESSION_MAX_AGE // 3600
        messages.info(request, f"You were logged out after {hours} hours: please log in again.")
        return redirect_to_login(request.get_full_path())


class TwoFactorMiddleware:
    """With REQUIRE_2FA on, a logged-in person sees nothing but the two-factor page (and can
    log out) until they have typed a code from their authenticator app in this session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUIRE_2FA and self.needs_code(request):
            return redirect_to_login(request.get_full_path(), reverse("two_factor"))
        return self.get_response(request)

    def needs_code(self, request):
        if not request.user.is_authenticated or request.user.is_verified():
            return False
        return not is_exempt(request.path)


def is_exempt(path):
    """The pages someone halfway through logging in may reach."""
    if path.startswith(settings.STATIC_URL):
        return True
    return path in {reverse("two_factor"), reverse("admin:login"), reverse("admin:logout")}
