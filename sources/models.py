"""Sources (codename, encrypted identity, protection), interviews and what they link to, the
log of reveals, sensitive-notes revisions, alerts and attachments."""

import re
import secrets
import uuid

from concurrency.fields import AutoIncVersionField
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from investigation.models import (
    INVESTIGATION_HELP,
    Delivery,
    DeliveryQuerySet,
    Investigation,
    ScopedQuerySet,
    validate_member,
    validate_same_investigation,
)
from sources.fields import EncryptedTextField
from sources.storage import PrivateFolder

# Neutral words: a codename must say nothing about the person, their job or their place.
CODENAME_FIRST_WORDS = (
    "amber azure birch cedar cobalt coral crimson dusk ember fern flint frost garnet granite "
    "hazel indigo ivory jade juniper lapis linen maple marble meadow misty moss ochre olive "
    "onyx opal pearl pine quartz russet saffron sage silver slate sorrel tawny teal topaz "
    "umber velvet willow"
).split()
CODENAME_SECOND_WORDS = (
    "anchor arrow badger beacon bramble canyon comet compass condor cricket falcon finch "
    "harbor hawk heron ibex kestrel lantern lark lynx magpie marten meteor otter owl pebble "
    "pelican plover quill raven robin sparrow starling swift thistle tiller vireo walrus "
    "wren yarrow"
).split()


def generate_codename():
    """Two neutral words and a number ("Amber Heron 47"), unused so far."""
    while True:
        first = secrets.choice(CODENAME_FIRST_WORDS).title()
        second = secrets.choice(CODENAME_SECOND_WORDS).title()
        codename = f"{first} {second} {secrets.randbelow(90) + 10}"
        if not Source.objects.filter(codename=codename).exists():
            return codename


class SourceQuerySet(ScopedQuerySet):
    def awaiting_review(self):
        return self.filter(review_status=Source.ReviewStatus.PENDING)

    def cleared(self):
        """Sources whose protection review an editor cleared: the one meaning of "cleared" in
        Fieldbook. Nothing attributed to any other source is published."""
        return self.filter(review_status=Source.ReviewStatus.CLEARED)

    def similar_to(self, description, *, limit=3):
        """Those of these sources whose description shares most of its words with
        `description` (at least SIMILAR_SHARE of the words of both), the closest first: a
        hint, as a new source is described, that it may already be here."""
        words = description_words(description)
        if not words:
            return []
        # Only descriptions holding one of the words are read (and at most a few hundred).
        holding = Q()
        for word in sorted(words, key=len, reverse=True)[:SIMILAR_WORDS_ASKED]:
            holding |= Q(description__icontains=word)
        found = []
        for source in self.filter(holding).only("codename", "description")[:SIMILAR_READ]:
            theirs = description_words(source.description)
            share = len(words & theirs) / len(words | theirs)
            if share >= SIMILAR_SHARE:
                found.append((share, source.codename, source))
        return [source for *_, source in sorted(found, key=lambda f: (-f[0], f[1]))[:limit]]


# A similar description (SourceQuerySet.similar_to): words of 3 letters or more, in any script.
DESCRIPTION_WORD = re.compile(r"[^\W\d_]{3,}")
SIMILAR_SHARE = 0.5
SIMILAR_WORDS_ASKED = 6
SIMILAR_READ = 300


def description_words(text):
    return {word.casefold() for word in DESCRIPTION_WORD.findall(text or "")}


class SharedAccount(models.Model):
    """Sources who likely share one account of what happened (the same unit, the same family):
    a claim counts them once (stories.claims). Its label is neutral: "officers, group 1", never
    a unit number, a tribe or a family name."""

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="shared_accounts"
    )
    label = models.CharField(
        max_length=100,
        help_text="Neutral: 'officers, group 1'. Never a unit number, tribe or family name.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["label"]
        verbose_name = "shared account"
        constraints = [
            models.UniqueConstraint(
                fields=["investigation", "label"], name="sources_sharedaccount_unique_label"
            ),
        ]

    def __str__(self):
        return self.label


class Source(models.Model):
    class Category(models.TextChoices):
        MILITARY = "military", "Military or security forces"
        INTELLIGENCE = "intelligence", "Intelligence"
        OFFICIAL = "official", "Official"
        COALITION = "coalition", "Coalition official"
        CIVILIAN = "civilian", "Civilian"
        EXPERT = "expert", "Expert or analyst"
        DOCUMENT = "document", "Published document"
        OTHER = "other", "Other"

    class ProtectionLevel(models.TextChoices):
        ON_RECORD = "on_record", "On the record"
        BACKGROUND = "background", "Background"
        ANONYMOUS = "anonymous", "Anonymous"
        CONFIDENTIAL = "confidential", "Confidential"

    class ReviewStatus(models.TextChoices):
        PENDING = "pending", "Pending review"
        CLEARED = "cleared", "Cleared"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        related_name="sources",
        help_text=INVESTIGATION_HELP,
    )
    codename = models.CharField(
        max_length=60,
        default=generate_codename,
        help_text="Generated. Use only the codename in notes, follow-ups and conversations.",
    )
    description = models.CharField(
        max_length=200,
        help_text="Non-identifying: role and area only, e.g. 'intelligence officer, Hawija'. "
        "Never a name, unit number, tribe or family detail.",
    )
    category = models.CharField(max_length=20, choices=Category, default=Category.OTHER)
    protection_level = models.CharField(
        max_length=20,
        choices=ProtectionLevel,
        default=ProtectionLevel.CONFIDENTIAL,
        help_text="On the record: named in the story. Background: quoted by role, never "
        "named. Anonymous: used without attribution beyond a vague description. "
        "Confidential: never quoted; guides reporting only.",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="handled_sources",
        help_text="The reporter responsible for this source: the only reporter who may see "
        "who they are. Set when the source is added; afterwards only an editor hands a "
        "source over (Hand over…), with a reason, and both people are told.",
    )
    # Identity: encrypted at rest, edited and read only through the reveal view.
    real_name = EncryptedTextField("real name")
    contact = EncryptedTextField(
        "contact details", help_text="Phone numbers, handles, how to reach them safely."
    )
    identifying_notes = EncryptedTextField(
        "identifying notes",
        help_text="Anything that could identify them: unit, family, where they live.",
    )
    aliases = EncryptedTextField(
        "other names",
        help_text="One a line: other spellings of the name, its Arabic form, a kunya or a "
        "nickname. The leak scan refuses an export that holds any of them.",
    )
    attribution_terms = models.CharField(
        "attribution terms",
        max_length=200,
        blank=True,
        help_text="Exactly how the story may refer to them, as agreed with them.",
    )
    review_status = models.CharField(
        "protection review",
        max_length=20,
        choices=ReviewStatus,
        default=ReviewStatus.PENDING,
        help_text="An editor's review of how this source is protected. Nothing attributed "
        "to the source is published until it is cleared.",
    )
    review_note = models.TextField("review note", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_contact_at = models.DateField(
        "last contact",
        null=True,
        blank=True,
        help_text="When someone last heard from them; welfare checks are due after long silence.",
    )
    shared_account = models.ForeignKey(
        "SharedAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sources",
        verbose_name="shares one account with",
        help_text="Sources who likely tell one account between them (same unit, same family): "
        "a claim counts them as one independent source.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Identity fields are never copied into the history table.
    # Optimistic locking (django-concurrency): a save from a form opened before another save
    # is refused, never silently undoes it. Bookkeeping, so not in the history.
    version = AutoIncVersionField(help_text="Goes up by one at every save.")
    history = HistoricalRecords(
        excluded_fields=["real_name", "contact", "identifying_notes", "aliases", "version"]
    )

    objects = SourceQuerySet.as_manager()

    IDENTITY_FIELDS = ("real_name", "aliases", "contact", "identifying_notes")

    class Meta:
        ordering = ["codename"]
        constraints = [
            models.UniqueConstraint(fields=["codename"], name="sources_source_unique_codename"),
        ]
        indexes = [
            # The editors' review queue on the admin home.
            models.Index(fields=["investigation", "review_status"], name="source_review_idx"),
            # The admin list's first page (by codename) for one investigation; the unique
            # codename index serves it across investigations.
            models.Index(fields=["investigation", "codename"], name="source_list_idx"),
        ]

    def __str__(self):
        return self.codename

    def get_absolute_url(self):
        return reverse("admin:sources_source_change", args=[self.pk])

    def clean(self):
        validate_same_investigation(self, "shared_account")
        if self.investigation_id:
            validate_member(self, "handler")

    def note_edit(self, changed_fields, user):
        """After an edit: a review is stamped with who and when; a changed identity or
        protection level needs a new review."""
        changed = set(changed_fields)
        if changed & {"review_status", "review_note"}:
            self.reviewed_by, self.reviewed_at = user, timezone.now()
        elif changed & {*self.IDENTITY_FIELDS, "protection_level"}:
            self.review_status = self.ReviewStatus.PENDING


class Joined(models.Aggregate):
    """Texts joined with ", " (string_agg on PostgreSQL, group_concat on SQLite)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, ', ')"
    output_field = models.TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra_context)


class InterviewQuerySet(ScopedQuerySet):
    def with_codenames(self):
        """Each interview's source codenames as one text ("ASH-1, OAK-2"), in the list's own
        query (prefetching the sources would be a second one)."""
        links = InterviewSource.objects.filter(interview=OuterRef("pk")).order_by()
        names = links.values("interview").annotate(names=Joined("source__codename"))
        return self.annotate(codenames=Subquery(names.values("names")))

    def cleared(self):
        """Interviews every one of whose sources is cleared (Source.objects.cleared)."""
        uncleared = InterviewSource.objects.filter(interview=OuterRef("pk")).exclude(
            source__in=Source.objects.cleared()
        )
        return self.exclude(Exists(uncleared))


class Interview(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        MESSAGING = "messaging", "Messaging app"
        VIDEO = "video", "Video call"

    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        related_name="interviews",
        help_text=INVESTIGATION_HELP,
    )
    sources = models.ManyToManyField(
        Source, through="InterviewSource", related_name="interviews", blank=True
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="interviews",
        help_text="Who conducted it, and so may read its sensitive notes. Set when the "
        "interview is logged; afterwards only an editor hands it over (Hand over…).",
    )
    conducted_at = models.DateTimeField("when")
    location = models.ForeignKey(
        "events.Location",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="interviews",
        help_text="Keep it coarse (the district or town, not the house): a precise place "
        "can identify a source.",
    )
    mode = models.CharField(max_length=16, choices=Mode, default=Mode.IN_PERSON)
    language = models.CharField(max_length=50, blank=True, help_text="e.g. Arabic, Kurdish.")
    summary = models.TextField(
        help_text="What was said, in your words. Refer to people by codename only."
    )
    field_notes = models.TextField("field notes", blank=True)
    sensitive_notes = EncryptedTextField(
        "sensitive notes",
        help_text="Anything that could expose a source. Encrypted; read only by the "
        "interviewer and the investigation's editors, each time with a reason, and logged.",
    )
    events = models.ManyToManyField(
        "events.Event", through="InterviewEvent", related_name="interviews", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Optimistic locking (django-concurrency): a save from a form opened before another save
    # is refused, never silently undoes it. Bookkeeping, so not in the history.
    version = AutoIncVersionField(help_text="Goes up by one at every save.")
    history = HistoricalRecords(excluded_fields=["sensitive_notes", "version"])

    objects = InterviewQuerySet.as_manager()

    class Meta:
        ordering = ["-conducted_at"]
        indexes = [
            # Admin lists and the admin home: an investigation's latest interviews.
            models.Index(fields=["investigation", "conducted_at"], name="interview_recent_idx"),
            # The admin list's first page in its order (the admin adds -pk) and its date
            # hierarchy's first and last dates, at any size.
            models.Index(fields=["-conducted_at", "-id"], name="interview_list_idx"),
        ]

    def __str__(self):
        return f"{self.conducted_at:%d %b %Y} · {self.source_codenames() or 'no source'}"

    def get_absolute_url(self):
        return reverse("admin:sources_interview_change", args=[self.pk])

    def source_codenames(self):
        """ "ASH-1, OAK-2": from with_codenames() when the list read them, else a query."""
        if hasattr(self, "codenames"):
            return self.codenames or ""
        return ", ".join(source.codename for source in self.sources.all())

    def clean(self):
        validate_same_investigation(self, "location")
        if self.investigation_id:
            validate_member(self, "interviewer")


class InterviewSource(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE)
    source = models.ForeignKey(Source, on_delete=models.RESTRICT)

    class Meta:
        verbose_name = "source interviewed"
        verbose_name_plural = "sources interviewed"
        constraints = [
            models.UniqueConstraint(fields=["interview", "source"], name="sources_interview_once"),
        ]

    def __str__(self):
        return str(self.source)

    def clean(self):
        interview = getattr(self, "interview", None)
        if interview is not None:
            validate_same_investigation(self, "source", investigation_id=interview.investigation_id)


class InterviewEvent(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE)
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE)

    class Meta:
        verbose_name = "event discussed"
        verbose_name_plural = "events discussed"
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "event"], name="sources_interview_event_once"
            ),
        ]

    def __str__(self):
        return str(self.event)

    def clean(self):
        interview = getattr(self, "interview", None)
        if interview is not None:
            validate_same_investigation(self, "event", investigation_id=interview.investigation_id)


class IdentityAccessQuerySet(ScopedQuerySet):
    def since(self, moment):
        return self.filter(at__gte=moment)


class IdentityAccess(models.Model):
    """One row each time someone reads, changes or erases a source's identity or an interview's
    sensitive notes, or hands a source or an interview to someone else. Append-only: the admin
    offers no add, change or delete, and no code path updates a row."""

    class Action(models.TextChoices):
        REVEAL = "reveal", "Revealed"
        EDIT = "edit", "Changed"
        ERASE = "erase", "Erased"
        NOTES_READ = "notes_read", "Read sensitive notes"
        NOTES_EDIT = "notes_edit", "Changed sensitive notes"
        REVISIONS_READ = "revisions_read", "Read earlier sensitive notes"
        HAND_OVER = "hand_over", "Handed over"

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="identity_accesses"
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identity_accesses",
    )
    interview = models.ForeignKey(
        "Interview",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notes_accesses",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="identity_accesses"
    )
    action = models.CharField(max_length=16, choices=Action)
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now, editable=False)
    handed_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A hand-over's previous handler or interviewer.",
    )
    handed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A hand-over's new handler or interviewer.",
    )

    objects = IdentityAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = "identity access"
        verbose_name_plural = "identity access log"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__isnull=True) ^ models.Q(interview__isnull=True),
                name="sources_identityaccess_one_subject",
            ),
            models.CheckConstraint(
                condition=~models.Q(action="hand_over") | models.Q(handed_to__isnull=False),
                name="sources_identityaccess_hand_over_has_recipient",
            ),
        ]
        indexes = [
            # The burst alert: how many identities one person revealed in the last 24 hours.
            models.Index(fields=["user", "action", "at"], name="identityaccess_burst_idx"),
        ]

    def __str__(self):
        subject = self.source or self.interview
        return f"{self.get_action_display()}: {subject} by {self.user} at {self.at:%d %b %Y %H:%M}"


class NotesRevisionQuerySet(ScopedQuerySet):
    investigation_field = "interview__investigation"


class NotesRevision(models.Model):
    """An interview's sensitive notes as they were before a change, kept encrypted like the
    notes themselves: read only by those who may read the notes, through the notes page and
    logged; erased with the notes when a source is burnt (sources.identity)."""

    interview = models.ForeignKey(
        Interview, on_delete=models.CASCADE, related_name="notes_revisions"
    )
    text = EncryptedTextField("notes before the change")
    fingerprint = models.CharField(
        max_length=64,
        editable=False,
        help_text="SHA-256 of the stored (encrypted) notes this text was: tells which version "
        "a reader had in front of them. Says nothing about the text.",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now, editable=False)
    reason = models.TextField(help_text="The reason given for the change that replaced it.")

    objects = NotesRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = "earlier sensitive notes"
        verbose_name_plural = "earlier sensitive notes"
        indexes = [
            # The notes page: an interview's earlier notes, newest first.
            models.Index(fields=["interview", "changed_at"], name="notesrevision_interview_idx"),
        ]

    def __str__(self):
        return f"Notes of {self.interview} before {self.changed_at:%d %b %Y %H:%M}"


class AlertQuerySet(DeliveryQuerySet, ScopedQuerySet):
    pass


class Alert(Delivery):
    """An email about identities that must reach its recipient once, Redis or not: the editors'
    alert when one person reveals many identities, or the notice of a hand-over to the previous
    and the new holder. Written in the transaction of the reveal or hand-over, sent by a sweep
    (sources.alerts); one row per recipient."""

    class Kind(models.TextChoices):
        REVEAL_BURST = "reveal_burst", "Many identities revealed"
        HAND_OVER = "hand_over", "Handed over"

    kind = models.CharField(max_length=16, choices=Kind)
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="alerts"
    )
    access = models.ForeignKey(
        IdentityAccess,
        on_delete=models.PROTECT,
        related_name="alerts",
        help_text="The reveal that crossed the limit, or the hand-over.",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    objects = AlertQuerySet.as_manager()

    class Meta(Delivery.Meta):
        ordering = ["-created_at", "-pk"]
        constraints = [
            *Delivery.Meta.constraints,
            models.UniqueConstraint(fields=["access", "recipient"], name="sources_alert_once"),
        ]
        indexes = [
            # The sweep's scan: Alert.objects.claimable(now), pending or claimed long ago.
            models.Index(fields=["status", "created_at"], name="alert_sweep_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: alert to {self.recipient}"

    @property
    def idempotency_key(self):
        """Also the Message-ID's left part: a resent alert is recognisably the same email."""
        return f"alert-{self.access_id}-{self.recipient_id}"


class AttachmentStorage(PrivateFolder):
    """attachments/ in the private storage (encrypted, under MEDIA_ROOT or in the bucket),
    without a URL: files reach a browser only through sources.views.attachment_download."""

    folder = "attachments"

    def url(self, name):
        raise ValueError("Attachments have no URL: link to Attachment.get_download_url().")


def attachment_upload_to(attachment, filename):
    """A random name: the uploaded file's own name ("Abu Ali, Hawija.jpg") can identify a source."""
    return f"{uuid.uuid4()}.{attachment.EXTENSIONS[attachment.kind]}"


class AttachmentQuerySet(ScopedQuerySet):
    investigation_field = "interview__investigation"


class Attachment(models.Model):
    """A photo, document or recording from an interview, stored only after its metadata was
    removed (sources.attachments.attachment_sanitize); the original is kept only as a hash."""

    class Kind(models.TextChoices):
        JPEG = "jpeg", "JPEG image"
        PNG = "png", "PNG image"
        WEBP = "webp", "WebP image"
        PDF = "pdf", "PDF document"
        MP3 = "mp3", "MP3 audio"
        M4A = "m4a", "M4A audio"
        OGG = "ogg", "Ogg audio"
        MP4 = "mp4", "MP4 video"
        MOV = "mov", "QuickTime video"
        TEXT = "text", "Plain text"

    CONTENT_TYPES = {
        Kind.JPEG: "image/jpeg",
        Kind.PNG: "image/png",
        Kind.WEBP: "image/webp",
        Kind.PDF: "application/pdf",
        Kind.MP3: "audio/mpeg",
        Kind.M4A: "audio/mp4",
        Kind.OGG: "audio/ogg",
        Kind.MP4: "video/mp4",
        Kind.MOV: "video/quicktime",
        Kind.TEXT: "text/plain; charset=utf-8",
    }
    EXTENSIONS = {
        Kind.JPEG: "jpg",
        Kind.PNG: "png",
        Kind.WEBP: "webp",
        Kind.PDF: "pdf",
        Kind.MP3: "mp3",
        Kind.M4A: "m4a",
        Kind.OGG: "ogg",
        Kind.MP4: "mp4",
        Kind.MOV: "mov",
        Kind.TEXT: "txt",
    }

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional. Say what it is without saying who: no names, places, phone "
        "numbers or dates that point to a source, in the title or in the file's name. The "
        "uploaded file's name is thrown away.",
    )
    file = models.FileField(
        storage=AttachmentStorage(),
        upload_to=attachment_upload_to,
        help_text="JPEG, PNG or WebP images, PDF, MP3, M4A or Ogg audio, MP4 or MOV video, or "
        "UTF-8 text. Location, recording times, camera makers and serial numbers, authors and "
        "tags are removed before the file is stored.",
    )
    kind = models.CharField(max_length=8, choices=Kind, editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveBigIntegerField(
        "size (bytes)", editable=False, help_text="Of the stored file, after cleaning."
    )
    sha256_original = models.CharField(
        "SHA-256 of the original",
        max_length=64,
        editable=False,
        help_text="Fingerprint of the file exactly as it was received, before its metadata was "
        "removed: proves what was received without keeping a copy of it.",
    )
    sha256_stored = models.CharField(
        "SHA-256 as stored",
        max_length=64,
        editable=False,
        help_text="Fingerprint of the cleaned file as stored: shows it was not changed since.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="attachments_uploaded",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.title or f"{self.kind} attachment {self.pk}"

    def get_download_url(self):
        return reverse("sources:attachment_download", args=[self.pk])

    def download_name(self):
        """The downloaded file's name, made from the title: never a stored name or path."""
        stem = slugify(self.title) or f"{self.kind}-attachment-{self.pk}"
        return f"{stem}.{self.EXTENSIONS[self.kind]}"
