from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404

from sources.models import Attachment


@staff_member_required
def attachment_download(request, pk):
    """An attachment, for members of its investigation only (404 for anyone else, as if it
    did not exist). Stored files have no URL of their own; this view is the only way out."""
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.download_name(),
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
