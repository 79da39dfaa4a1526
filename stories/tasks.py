from celery import shared_task

from investigation.models import PublicationExport
from stories.publication.export import publication_export_path, publication_export_run


# The name it had before stories/ existed: queued tasks and worker routes keep working.
@shared_task(acks_late=True, name="investigation.tasks.run_publication_export")
def run_publication_export(export_id):
    """A large publication export queued by the admin page; progress goes on its row. Safe to
    run twice: the export is claimed first."""
    if not PublicationExport.objects.claim(export_id):
        return None
    export = PublicationExport.objects.get(pk=export_id)
    return publication_export_run(export=export, output=publication_export_path(export)).status
