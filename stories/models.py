"""What the story asserts and how it gets out: claims with the evidence for and against them,
documents, each story's threshold, and the second person's approval of a leak-scan override."""

import uuid

from concurrency.fields import AutoIncVersionField
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from events.models import DatePrecision, format_precise_date
from investigation.models import (
    INVESTIGATION_HELP,
    Investigation,
    PublicationExport,
    ScopedQuerySet,
    validate_same_investigation,
)
from sources.models import Attachment
from sources.storage import PrivateFolder


class OverrideApprovalQuerySet(ScopedQuerySet):
    def pending(self):
        return self.filter(status=OverrideApproval.Status.PENDING)


class OverrideApproval(models.Model):
    """An Admin's request to publish an export the leak scan refused, with their reason, and
    the decision of a second person (an Editor or Admin of the same investigation) who read
    every finding masked. No single person can publish a finding: the export that uses an
    approval must find nothing but what was approved."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second person"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        USED = "used", "Used by an export"

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="override_approvals"
    )
    refused_export = models.ForeignKey(
        PublicationExport,
        on_delete=models.CASCADE,
        related_name="override_approvals",
        help_text="The export the leak scan refused; its findings are what may be approved.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    reason = models.TextField(
        help_text="Why these findings may be published: checked how, and with whom."
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The second person: an Editor or Admin of the investigation, never the Admin "
        "who asked.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    used_by = models.OneToOneField(
        PublicationExport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="override_approval",
        help_text="The export that went out under this approval (an approval is used once).",
    )

    objects = OverrideApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "leak-scan override approval"
        constraints = [
            models.CheckConstraint(
                condition=~Q(decided_by=F("requested_by")),
                name="stories_overrideapproval_two_people",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False),
                name="stories_overrideapproval_decided_by_someone",
            ),
        ]
        indexes = [
            # The export page and the admin home: an investigation's pending requests.
            models.Index(fields=["investigation", "status"], name="overrideapproval_pending_idx"),
        ]

    def __str__(self):
        return f"Override of export {self.refused_export_id}: {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("admin:stories_override_approval", args=[self.pk])

    def covers(self, finding_keys):
        """Whether every finding (Finding.key()) was among those approved."""
        approved = {
            (found["event"], found["field"], found["source"], found["kind"])
            for found in self.refused_export.findings
        }
        return set(finding_keys) <= approved


# Claims, evidence, documents -------------------------------------------------------------------


class Story(models.Model):
    """An investigation's story: for now, how many independent first-hand sources a claim needs
    before an editor may clear it. One per investigation, made when first asked for."""

    investigation = models.OneToOneField(
        Investigation, on_delete=models.CASCADE, related_name="story"
    )
    sources_needed = models.PositiveSmallIntegerField(
        "independent sources needed",
        default=2,
        help_text="First-hand sources, counted once per shared account, that a claim needs "
        "before an editor may clear it for publication.",
    )
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        constraints = [
            models.CheckConstraint(
                condition=Q(sources_needed__gte=1), name="stories_story_at_least_one_source"
            ),
        ]

    def __str__(self):
        return f"The story of {self.investigation}"

    @classmethod
    def of(cls, investigation_id):
        story, _ = cls.objects.get_or_create(investigation_id=investigation_id)
        return story


class ClaimQuerySet(ScopedQuerySet):
    def cleared(self):
        return self.filter(status=Claim.Status.CLEARED)


class Claim(models.Model):
    """An assertion of the story, in the words it would be published in, and how well it
    stands: the evidence for and against it (Evidence), and what an editor decided."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SUPPORTED = "supported", "Supported"
        CONTESTED = "contested", "Contested"
        CLEARED = "cleared", "Cleared for publication"
        DROPPED = "dropped", "Dropped"

    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        related_name="claims",
        help_text=INVESTIGATION_HELP,
    )
    text = models.TextField(
        "claim",
        help_text="As it would be published. Refer to sources by codename only, if at all.",
    )
    status = models.CharField(
        max_length=16,
        choices=Status,
        default=Status.OPEN,
        help_text="Cleared for publication is an editor's decision, taken with the button on "
        "the claim's page once enough independent sources support it.",
    )
    events = models.ManyToManyField(
        "events.Event", blank=True, related_name="claims", help_text="What it is about."
    )
    places = models.ManyToManyField(
        "events.Location", blank=True, related_name="claims", help_text="Where it happened."
    )
    note = models.TextField(blank=True, help_text="What is still to check, and how.")
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    cleared_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = AutoIncVersionField(help_text="Goes up by one at every save.")
    history = HistoricalRecords(excluded_fields=["version"])

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["status", "-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="cleared") | Q(cleared_by__isnull=False),
                name="stories_claim_cleared_by_an_editor",
            ),
        ]
        indexes = [
            # The story overview and the claims list: an investigation's claims by status.
            models.Index(fields=["investigation", "status"], name="claim_status_idx"),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 80 else f"{self.text[:79]}…"

    def get_absolute_url(self):
        return reverse("admin:stories_claim_change", args=[self.pk])

    def clean(self):
        if self.status == self.Status.CLEARED and not self.cleared_by_id:
            raise ValidationError(
                {"status": "Only an editor clears a claim, with Clear for publication."}
            )


class EvidenceQuerySet(ScopedQuerySet):
    investigation_field = "claim__investigation"


class Evidence(models.Model):
    """One piece of evidence for or against a claim: what a source said in an interview (and
    how they know), an event, or a document."""

    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        CONTRADICTS = "contradicts", "Contradicts"
        CONTEXT = "context", "Context"

    class Knowledge(models.TextChoices):
        TOOK_PART = "took_part", "Took part"
        SAW = "saw", "Saw it"
        HEARD = "heard", "Heard it from someone"
        UNKNOWN = "unknown", "Not said"

    FIRST_HAND = (Knowledge.TOOK_PART, Knowledge.SAW)

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    stance = models.CharField(max_length=16, choices=Stance, default=Stance.SUPPORTS)
    interview = models.ForeignKey(
        "sources.Interview", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source = models.ForeignKey(
        "sources.Source",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        help_text="Which of the interview's sources said it.",
    )
    knowledge = models.CharField(
        "how they know",
        max_length=16,
        choices=Knowledge,
        default=Knowledge.UNKNOWN,
        help_text="Only those who took part or saw it count as independent sources; what "
        "someone heard is shown but does not count. (A source may have seen one raid and "
        "heard of another: it is said per claim.)",
    )
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    document = models.ForeignKey(
        "Document", null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    quote = models.TextField(
        "quote or paraphrase",
        blank=True,
        help_text="Short: what was said or written that bears on the claim.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["stance", "created_at"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(interview__isnull=False, event__isnull=True, document__isnull=True)
                    | Q(interview__isnull=True, event__isnull=False, document__isnull=True)
                    | Q(interview__isnull=True, event__isnull=True, document__isnull=False)
                ),
                name="stories_evidence_one_kind",
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=True) | Q(interview__isnull=False),
                name="stories_evidence_source_with_its_interview",
            ),
        ]

    def __str__(self):
        return f"{self.get_stance_display()}: {self.cited()}"

    def cited(self):
        """What it cites, as the page and the fact-check sheet show it: never an identity."""
        if self.document_id:
            return str(self.document)
        if self.event_id:
            return f"Event: {self.event}"
        source = self.source.codename if self.source_id else "a source"
        return f"{source}, interview of {self.interview.conducted_at:%d %b %Y}"

    def clean(self):
        kinds = [self.interview_id, self.event_id, self.document_id]
        if sum(bool(kind) for kind in kinds) != 1:
            raise ValidationError("Choose one: an interview, an event or a document.")
        if self.source_id and not self.interview_id:
            raise ValidationError({"source": "A source is cited through one of its interviews."})
        if self.interview_id and not self.source_id:
            raise ValidationError({"source": "Say which of the interview's sources said it."})
        if self.source_id and not self.interview.sources.filter(pk=self.source_id).exists():
            raise ValidationError({"source": "Choose one of this interview's sources."})
        investigation_id = self.claim.investigation_id
        validate_same_investigation(
            self, "interview", "source", "event", "document", investigation_id=investigation_id
        )


class DocumentStorage(PrivateFolder):
    """documents/ in the private storage (encrypted, under MEDIA_ROOT or in the bucket):
    files without a URL, served only through stories.views.document_download."""

    folder = "documents"

    def url(self, name):
        raise ValueError("Documents have no URL: link to Document.get_download_url().")


def document_upload_to(document, filename):
    return f"{uuid.uuid4()}.{Attachment.EXTENSIONS[document.file_kind]}"


class Document(models.Model):
    """An official statement, report, press release, media report or data set: cited by name,
    not a protected source (no codename)."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", "Official statement"
        REPORT = "report", "Report"
        PRESS_RELEASE = "press_release", "Press release"
        MEDIA = "media", "Media report"
        DATA_SET = "data_set", "Data set"

    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        related_name="documents",
        help_text=INVESTIGATION_HELP,
    )
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.STATEMENT)
    title = models.CharField(max_length=300, help_text="As it is cited, e.g. its headline.")
    issuer = models.ForeignKey(
        "events.Actor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        help_text="Who issued it (the coalition, the DoD Inspector General ...).",
    )
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=8, choices=DatePrecision, default=DatePrecision.DAY
    )
    link = models.URLField(blank=True, max_length=500)
    excerpt = models.TextField(
        "excerpt or page", blank=True, help_text="The passage that matters, or where it is."
    )
    file = models.FileField(
        storage=DocumentStorage(),
        upload_to=document_upload_to,
        blank=True,
        help_text="Optional: a PDF, image or text. Its metadata (authors, GPS ...) is removed "
        "before it is stored.",
    )
    file_kind = models.CharField(max_length=8, blank=True, editable=False)
    sha256_original = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = AutoIncVersionField(help_text="Goes up by one at every save.")
    history = HistoricalRecords(excluded_fields=["version"])

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "title"]

    def __str__(self):
        issuer = f"{self.issuer}, " if self.issuer_id else ""
        return f"{issuer}{self.title} ({self.when})"

    def get_absolute_url(self):
        return reverse("admin:stories_document_change", args=[self.pk])

    @property
    def when(self):
        return format_precise_date(self.date, self.date_precision)

    def get_download_url(self):
        return reverse("stories:document_download", args=[self.pk])

    def clean(self):
        validate_same_investigation(self, "issuer")


class FactcheckExport(models.Model):
    """One fact-check sheet written (stories.factcheck): who, when, what the leak scan found,
    and the SHA-256 of the file. Logged like a publication export."""

    class Status(models.TextChoices):
        DONE = "done", "Done"
        REFUSED = "refused", "Refused by the leak scan"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="factcheck_exports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="factcheck_exports"
    )
    format = models.CharField(max_length=8, choices=Format)
    status = models.CharField(max_length=8, choices=Status)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    rows = models.PositiveIntegerField(default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    findings = models.JSONField(
        default=list, blank=True, help_text="What the leak scan found: never the identifier."
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "fact-check sheet"

    def __str__(self):
        return f"Fact-check sheet of {self.investigation} ({self.created_at:%d %b %Y %H:%M})"
