"""The events app's Celery tasks: large ACLED imports, run as import jobs
(investigation.models.ImportJob) by events.acled."""

from celery import shared_task

from events.acled import acled_job_run
from investigation.models import ImportJob


@shared_task(acks_late=True)
def run_acled_import_job(job_id):
    """A large ACLED import (events.acled): its check, or once confirmed its import. Safe to
    run twice: the job is claimed first."""
    if not ImportJob.objects.claim(job_id):
        return None
    job = ImportJob.objects.select_related("investigation", "user").get(pk=job_id)
    return acled_job_run(job=job).status
