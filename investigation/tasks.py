import smtplib

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import connection

from investigation.reminders import reminders_send

# Retried with backoff: the mail server's errors only (smtplib's are OSErrors too). Each retry
# waits at most five minutes, far less than the broker's visibility timeout.
MAIL_ERRORS = (smtplib.SMTPException, OSError)
MAIL_RETRY = {
    "acks_late": True,
    "autoretry_for": MAIL_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 5 * 60,
    "max_retries": 5,
}


@shared_task
def healthcheck(token: str) -> str:
    """A round trip for ops monitoring and the test harness: proves a worker takes tasks,
    reaches the database and returns results ("pong:<token>:<database vendor>:<user count>")."""
    users = get_user_model().objects.count()
    return f"pong:{token}:{connection.vendor}:{users}"


@shared_task(**MAIL_RETRY, soft_time_limit=4 * 60, time_limit=5 * 60)
def send_due_reminders():
    """Every 5 minutes (beat): email each due reminder once. Safe to run twice at once: every
    reminder is claimed before it is sent."""
    return reminders_send()
