"""The sources app's Celery tasks: alerts about identities, welfare checks and the daily digest."""

from celery import shared_task

from investigation.tasks import MAIL_RETRY
from sources.alerts import alerts_send
from sources.digests import digests_send
from sources.welfare import welfare_checks_schedule


@shared_task(**MAIL_RETRY, soft_time_limit=4 * 60, time_limit=5 * 60)
def send_alerts():
    """Every minute (beat): email each alert (a burst of reveals, a hand-over) once. Safe to
    run twice at once: every alert is claimed before it is sent."""
    return alerts_send()


@shared_task(acks_late=True)
def schedule_welfare_checks():
    """Daily (beat): one welfare-check follow-up for each source silent for too long."""
    return len(welfare_checks_schedule())


# Its name from before the review queue moved here: the beat schedule (a row in the database)
# still names it so.
@shared_task(**MAIL_RETRY, name="investigation.tasks.send_daily_digest")
def send_daily_digest():
    """Daily (beat): each member's digest, at most one per member and day."""
    return digests_send()
