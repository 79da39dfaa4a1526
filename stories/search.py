"""What of claims and documents the one search reads (investigation.search): a claim's words,
note and places; a document's title, excerpt and issuer."""

from events.models import Actor, Location
from events.search import PLACE_NAMES, place_names
from investigation import search
from stories.models import Claim, Document


def claim_document(claim):
    return search.SearchDocument(
        title=str(claim),
        texts=[claim.text, claim.note, claim.get_status_display()],
        names=[name for place in claim.places.all() for name in place_names(place)],
    )


def document_document(document):
    issuer = document.issuer
    return search.SearchDocument(
        title=document.title,
        texts=[document.excerpt, document.get_kind_display()],
        names=[issuer.name, issuer.aliases] if issuer else [],
        date=document.date,
        precision=document.date_precision,
    )


def searchables_register():
    """Called from StoriesConfig.ready()."""
    search.register(
        Claim,
        kind="claim",
        label="Claims",
        document=claim_document,
        reads=["text", "note", "status", *(f"places__{name}" for name in PLACE_NAMES)],
        prefetch=["places"],
        order=40,
    )
    search.register(
        Document,
        kind="document",
        label="Documents",
        document=document_document,
        reads=[
            "title",
            "excerpt",
            "kind",
            "date",
            "date_precision",
            "issuer__name",
            "issuer__aliases",
        ],
        related=["issuer"],
        order=50,
    )
    search.dependents_register(Location, lambda place: Claim.objects.filter(places=place))
    search.dependents_register(Actor, lambda actor: Document.objects.filter(issuer=actor))
