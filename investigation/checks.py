"""System checks that refuse a dangerous configuration loudly (manage.py check, runserver)."""

from django.conf import settings
from django.core import checks

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


@checks.register(checks.Tags.security, deploy=False)
def check_production_settings(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    errors = []
    if settings.SECRET_KEY in ("", settings.DEV_SECRET_KEY):
        errors.append(
            checks.Error(
                "SECRET_KEY is not set and DEBUG is off.",
                hint="Set SECRET_KEY to a long random value (at least 50 characters).",
                id="investigation.E001",
            )
        )
    if not settings.FIELD_ENCRYPTION_KEYS:
        errors.append(
            checks.Error(
                "FIELD_ENCRYPTION_KEYS is not set and DEBUG is off: source identities "
                "could not be read or written.",
                hint="Set FIELD_ENCRYPTION_KEYS (newest first, comma-separated); "
                "make a key with: python manage.py generate_encryption_key",
                id="investigation.E002",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(
            checks.Error(
                "ALLOWED_HOSTS is not set and DEBUG is off.",
                hint="Set ALLOWED_HOSTS to the host names Fieldbook is served on.",
                id="investigation.E003",
            )
        )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_debug_with_public_hosts(app_configs, **kwargs):
    public_hosts = set(settings.ALLOWED_HOSTS) - LOCAL_HOSTS
    if settings.DEBUG and public_hosts:
        return [
            checks.Error(
                f"DEBUG is on while serving {', '.join(sorted(public_hosts))}: error pages "
                "would show settings, requests and local variables.",
                hint="Set DEBUG=false in production.",
                id="investigation.E004",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_celery_broker(app_configs, **kwargs):
    if not settings.DEBUG and not settings.REDIS_URL:
        return [
            checks.Warning(
                "REDIS_URL is not set: reminders and long exports run inside web requests.",
                hint="Set REDIS_URL and run a Celery worker and beat (see the README).",
                id="investigation.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=False)
def check_account_limits(app_configs, **kwargs):
    # A zero would silently switch the protection off (a 0-minute lockout never locks).
    limits = {
        "LOGIN_LOCKOUT_MINUTES": settings.AXES_COOLOFF_TIME.total_seconds(),
        "SESSION_IDLE_MINUTES": settings.SESSION_COOKIE_AGE,
        "SESSION_MAX_HOURS": settings.SESSION_MAX_AGE,
    }
    return [
        checks.Error(
            f"{name} must be at least 1.",
            hint=f"Unset {name} to use the default, or set a positive whole number.",
            id="investigation.E005",
        )
        for name, seconds in limits.items()
        if seconds <= 0
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_two_factor(app_configs, **kwargs):
    if not settings.DEBUG and not settings.REQUIRE_2FA:
        return [
            checks.Warning(
                "REQUIRE_2FA is off: a stolen password alone opens source records.",
                hint="Unset REQUIRE_2FA (it defaults to on when DEBUG is off).",
                id="investigation.W002",
            )
        ]
    return []


@checks.register(deploy=False)
def check_reminder_timing(app_configs, **kwargs):
    """A claim that expires while its worker still runs would let a second worker send the
    same reminder; a broker that redelivers a running task would run it twice."""
    longest_task = settings.CELERY_TASK_TIME_LIMIT
    limits = {
        "REMINDER_CLAIM_SECONDS": settings.REMINDER_CLAIM_TIMEOUT.total_seconds(),
        "the broker's visibility_timeout": settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(
            "visibility_timeout", 3600
        ),
    }
    errors = [
        checks.Error(
            f"{name} ({seconds:.0f} s) must be longer than the longest a task may run "
            f"(CELERY_TASK_TIME_LIMIT, {longest_task} s).",
            hint="Otherwise a reminder could be sent twice while its first worker still runs.",
            id="investigation.E006",
        )
        for name, seconds in limits.items()
        if seconds <= longest_task
    ]
    welfare = settings.WELFARE_CHECK_DAYS
    days = {f"WELFARE_CHECK_DAYS_{level.upper()}": n for level, n in welfare.items()}
    days["DIGEST_DUE_SOON_DAYS"] = settings.DIGEST_DUE_SOON.days
    errors += [
        checks.Error(
            f"{name} must be at least 1.",
            hint=f"Unset {name} to use the default, or set a positive whole number.",
            id="investigation.E007",
        )
        for name, number in days.items()
        if number < 1
    ]
    return errors
