"""What of sources and interviews the one search reads (investigation.search): codenames,
descriptions, summaries and field notes; never an identity or an interview's sensitive notes."""

from django.utils import timezone

from events.models import Location
from events.search import PLACE_NAMES, place_names
from investigation import search
from sources.models import Interview, Source


def source_document(source):
    return search.SearchDocument(
        title=source.codename,
        texts=[source.description, source.get_category_display()],
        names=[source.codename],
        date=source.last_contact_at,
        precision="day",
    )


def interview_document(interview):
    sources = list(interview.sources.all())
    codenames = ", ".join(source.codename for source in sources) or "no source"
    return search.SearchDocument(
        title=f"Interview with {codenames}",
        texts=[
            interview.summary,
            interview.field_notes,
            " - ".join(filter(None, [interview.get_mode_display(), str(interview.location or "")])),
            *(source.description for source in sources),
        ],
        names=[
            *(source.codename for source in sources),
            interview.language,
            *place_names(interview.location),
        ],
        date=timezone.localdate(interview.conducted_at),
        precision="day",
    )


def searchables_register():
    """Called from SourcesConfig.ready()."""
    search.register(
        Source,
        kind="source",
        label="Sources",
        document=source_document,
        reads=["codename", "description", "category", "last_contact_at"],
        order=30,
    )
    search.register(
        Interview,
        kind="interview",
        label="Interviews",
        document=interview_document,
        reads=[
            "summary",
            "field_notes",
            "mode",
            "language",
            "conducted_at",
            "sources__codename",
            "sources__description",
            *(f"location__{name}" for name in PLACE_NAMES),
        ],
        related=["location"],
        prefetch=["sources"],
        order=10,
    )
    search.dependents_register(Location, lambda place: Interview.objects.filter(location=place))
    search.dependents_register(Source, lambda source: Interview.objects.filter(sources=source))
