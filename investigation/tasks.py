"""The investigation app's Celery tasks: reminders, import jobs, and the search index's upkeep;
each one claims its work, so a task run twice does it once."""

import smtplib

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import connection

from investigation.importexport import import_job_run, import_jobs_sweep
from investigation.models import ImportJob
from investigation.reminders import reminders_send
from investigation.search import dependents_refresh, index_sweep

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


@shared_task(acks_late=True)
def run_import_job(job_id):
    """A large spreadsheet import (investigation.importexport): its preview, or once
    confirmed its import. Safe to run twice: the job is claimed first."""
    if not ImportJob.objects.claim(job_id):
        return None
    job = ImportJob.objects.select_related("investigation", "user").get(pk=job_id)
    return import_job_run(job=job).status


@shared_task(soft_time_limit=4 * 60, time_limit=5 * 60)
def sweep_import_jobs():
    """Every few minutes (beat): send again the import jobs no worker took (the broker was
    away), email what was not emailed, delete import files left behind."""
    return import_jobs_sweep()


@shared_task(acks_late=True)
def refresh_search_dependents(model, pk):
    """After a place, actor or source changed in the admin: index again the records whose
    search entries quote it (a renamed place's events). Takes a model label and a primary key,
    never text; safe to run twice."""
    return dependents_refresh(model=model, pk=pk)


@shared_task(soft_time_limit=9 * 60, time_limit=10 * 60)
def sweep_search_index():
    """Every 15 minutes (beat): index what no admin page did (update(), bulk writes, the
    shell), forget entries whose record is gone (investigation.search.index_sweep)."""
    return index_sweep()
