"""The download of an attachment, decrypted for those who may see its interview."""

import logging

from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from sources.models import Attachment

logger = logging.getLogger(__name__)


@staff_member_required
def attachment_download(request, pk):
    """An attachment, for members of its investigation only (404 for anyone else, as if it
    did not exist). Stored files have no URL of their own; this view is the only way out. The
    file is decrypted as it streams (sources.storage); a key that cannot open it is the 503
    page, before a byte is sent."""
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    try:
        stored = attachment.file.open("rb")
    except FileNotFoundError:
        return attachment_missing(request, attachment)
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=attachment.download_name(),
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment_missing(request, attachment):
    """The row is there, its file is not (a database restored without its files): say so
    plainly, with 404, rather than fail with a 500."""
    logger.error("The file of attachment %s is missing from the private storage.", attachment.pk)
    context = {"attachment": attachment, "title": "This attachment's file is missing"}
    return TemplateResponse(request, "sources/attachment_missing.html", context, status=404)
