"""The stories app's Celery tasks: a publication export run on a worker, and the start of the
exports that waited while Redis was away."""

import logging

from celery import current_app, shared_task
from django.utils import timezone

from investigation.models import PublicationExport
from stories.publication.export import publication_export_run

logger = logging.getLogger(__name__)


# The name it had before stories/ existed: queued tasks and worker routes keep working.
@shared_task(acks_late=True, ignore_result=True, name="investigation.tasks.run_publication_export")
def run_publication_export(export_id):
    """A large publication export queued by the admin page; progress goes on its row. Safe to
    run twice: the export is claimed first."""
    if not PublicationExport.objects.claim(export_id):
        return None
    export = PublicationExport.objects.get(pk=export_id)
    return publication_export_run(export=export, output=None).status


@shared_task(acks_late=True, ignore_result=True)
def start_waiting_exports():
    """Every minute (beat): exports that were logged while Redis was away, or whose worker
    died, are run now; the database is their queue, as for reminders."""
    waiting = PublicationExport.objects.waiting(before=timezone.now())
    started = list(waiting.values_list("pk", flat=True)[:10])
    for pk in started:
        run_publication_export(pk)
    return len(started)


def export_enqueue(export):
    """Hand a logged export to a worker without waiting on the broker: if Redis is away, the
    export stays waiting in the database and start_waiting_exports runs it later."""
    try:
        # One try, no retries: the result backend is not touched (ignore_result), and a
        # broker that does not answer at once fails at once instead of after 20 retries.
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0)
            run_publication_export.apply_async(args=[export.pk], connection=connection, retry=False)
    except Exception as error:  # the broker's errors vary with the transport: never a 500
        logger.warning("Export %s waits for a worker: %s", export.pk, type(error).__name__)
