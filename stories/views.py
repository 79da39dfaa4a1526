"""The story overview page for an investigation's members, and the download of a document's
stored file."""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from investigation import access
from investigation.models import Investigation
from stories.factcheck import factcheck_export
from stories.models import Document
from stories.overview import story_chart, story_districts, story_overview


@staff_member_required
def story(request, slug):
    investigation = get_object_or_404(Investigation, slug=slug)
    if access.role_in(request.user, investigation.pk) is None:
        raise Http404("No such story among your investigations.")
    districts = story_districts(investigation)
    district = request.GET.get("district") or default_district(investigation, districts)
    if district not in districts:
        district = ""
    chart = story_chart(investigation, district)
    context = {
        "investigation": investigation,
        "districts": districts,
        "district": district,
        "chart": chart,
        "chart_rows": list(zip(chart["labels"], chart["raids"], chart["attacks"], strict=True)),
        "may_export_factcheck": access.is_editor(request.user, investigation.pk),
        **story_overview(investigation),
    }
    return render(request, "stories/story.html", context)


def default_district(investigation, districts):
    """The district with the most of the story's focus events, else the first."""
    focus = investigation.events.filter(highlighted=True).values_list("location__admin2", flat=True)
    counted = sorted(districts, key=lambda name: -list(focus).count(name))
    return counted[0] if counted else ""


@staff_member_required
def factcheck(request, slug):
    """The fact-check sheet as a CSV download (stories.factcheck), or the scan's findings."""
    investigation = get_object_or_404(Investigation, slug=slug)
    if access.role_in(request.user, investigation.pk) is None:
        raise Http404("No such story among your investigations.")
    if not access.is_editor(request.user, investigation.pk):
        raise PermissionDenied("Only the investigation's Editors and Admins write the sheet.")
    content, log = factcheck_export(investigation=investigation, fmt="csv", user=request.user)
    if content is None:
        context = {"investigation": investigation, "log": log}
        return render(request, "stories/factcheck_refused.html", context, status=409)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-factcheck.csv"'
    response["Cache-Control"] = "no-store"
    return response


@staff_member_required
def document_download(request, pk):
    """A document's stored file, for members of its investigation (404 for anyone else)."""
    document = get_object_or_404(Document.objects.visible_to(request.user), pk=pk)
    if not document.file:
        raise Http404("This document has no stored file.")
    try:
        opened = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("This document's file is missing from the store.") from None
    response = FileResponse(opened, as_attachment=True, filename=f"document-{document.pk}")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
