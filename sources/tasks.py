from celery import shared_task

from investigation.tasks import MAIL_RETRY
from sources.digests import digests_send
from sources.identity import hand_over_notify, reveal_burst_notify
from sources.welfare import welfare_checks_schedule


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_reveal_burst(user_id, investigation_id):
    """Tell the investigation's editors that one person revealed many identities in 24 h."""
    reveal_burst_notify(user_id=user_id, investigation_id=investigation_id)


@shared_task(acks_late=True)
def schedule_welfare_checks():
    """Daily (beat): one welfare-check follow-up for each source silent for too long."""
    return len(welfare_checks_schedule())


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_hand_over(access_id):
    """Tell the previous and the new handler (or interviewer) of a hand-over."""
    hand_over_notify(access_id=access_id)


# Its name from before the review queue moved here: the beat schedule (a row in the database)
# still names it so.
@shared_task(**MAIL_RETRY, name="investigation.tasks.send_daily_digest")
def send_daily_digest():
    """Daily (beat): each member's digest, at most one per member and day."""
    return digests_send()
