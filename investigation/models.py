"""Investigations, memberships and roles, follow-ups and the deliveries of their reminders and
digests, publication exports and import jobs, and the search index's entries."""

import datetime
import uuid

from concurrency.fields import AutoIncVersionField
from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """A member's role in one investigation; each has a Django group of the same name."""

    REPORTER = "reporter", "Reporter"
    EDITOR = "editor", "Editor"
    ADMIN = "admin", "Admin"


EDITING_ROLES = (Role.EDITOR, Role.ADMIN)

# The investigation of a record is chosen once, when it is created.
INVESTIGATION_HELP = (
    "A record stays in the investigation it was created in: moving it would carry what it "
    "names (sources, places, people) into another compartment. Create it anew there instead."
)


def validate_same_investigation(instance, *field_names, investigation_id=None):
    """Refuse links to rows of another investigation (compartments hold in the data too)."""
    investigation_id = investigation_id or instance.investigation_id
    errors = {}
    for name in field_names:
        related = getattr(instance, name, None)
        if investigation_id and related and related.investigation_id != investigation_id:
            errors[name] = "Choose one from the same investigation."
    if errors:
        raise ValidationError(errors)


def validate_member(instance, *field_names):
    """Refuse people who are not active members of the row's investigation: a follow-up's
    reminders, a source's identity and an interview's notes must not reach anyone outside
    the compartment."""
    from investigation import access

    errors = {}
    for name in field_names:
        person = getattr(instance, name, None)
        if person is not None and not access.may_hold(person, instance.investigation_id):
            errors[name] = "Choose a member of this investigation."
    if errors:
        raise ValidationError(errors)


class ScopedQuerySet(models.QuerySet):
    """Rows that belong to an investigation: each person sees those of the investigations they
    are a member of (investigation.access decides; superusers included, inactive and anonymous
    users see nothing)."""

    investigation_field = "investigation"
    setup = False  # investigations and memberships: superusers set up every one

    def visible_to(self, user, roles=None):
        """Rows of the investigations `user` is a member of (with one of `roles`, if given).

        The ids go into the query as values, read once per request, so that PostgreSQL plans
        for the investigations actually asked for: a page of a small investigation beside a
        large one reads that investigation's index entries only."""
        from investigation import access  # access reads Membership, defined below

        if not (user.is_authenticated and user.is_active):
            return self.none()
        ids = access.investigation_ids(user, roles, setup=self.setup and roles is None)
        if ids is None:
            return self
        return self.filter(**{f"{self.investigation_field}__in": ids})


class InvestigationQuerySet(ScopedQuerySet):
    investigation_field = "pk"
    setup = True

    def active(self):
        return self.filter(status=Investigation.Status.ACTIVE)


class Investigation(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=80, unique=True, help_text="Short name used in URLs and commands."
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.ACTIVE)
    summary = models.TextField(
        blank=True, help_text="What the team is trying to find out. Visible to members only."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="investigations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    objects = InvestigationQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class MembershipQuerySet(ScopedQuerySet):
    setup = True


class Membership(models.Model):
    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text=INVESTIGATION_HELP,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        max_length=16,
        choices=Role,
        default=Role.REPORTER,
        help_text="Reporters log their work; editors also review source protection and "
        "decide what is publishable; admins also import, export and manage members.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["investigation", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "investigation"], name="investigation_membership_one_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.investigation})"


# What reminder_arm leaves: an open follow-up armed for its due time, a closed one armed for
# none. The database checks this on every write, whoever writes (followup_out_of_step_idx).
OUT_OF_STEP = (Q(status="open") & ~Q(armed_due_at=F("due_at"))) | (
    ~Q(status="open") & Q(armed_due_at__isnull=False)
)


class FollowUpQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status=FollowUp.Status.OPEN)

    def due_by(self, moment):
        return self.open().filter(due_at__lte=moment)

    def overdue(self):
        return self.due_by(timezone.now())

    def unreminded(self):
        """Open follow-ups without a live reminder for their current due time. It reads the
        reminders themselves: the sweep asks it of the follow-ups due soon only."""
        live = Reminder.objects.filter(
            follow_up=OuterRef("pk"), due_at=OuterRef("due_at"), kind=Reminder.Kind.DUE
        ).exclude(status=Reminder.Status.CANCELLED)
        return self.open().exclude(Exists(live))

    def out_of_step(self):
        """Follow-ups whose armed_due_at does not match them: changed by something other than
        reminder_arm (seed_demo, an import, update() in the shell). The sweep arms them."""
        return self.filter(OUT_OF_STEP)


class FollowUp(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"
        URGENT = 4, "Urgent"

    class Kind(models.TextChoices):
        TASK = "task", "Follow-up"
        WELFARE_CHECK = "welfare_check", "Welfare check"

    investigation = models.ForeignKey(
        Investigation,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        help_text=INVESTIGATION_HELP,
    )
    title = models.CharField(
        "what",
        max_length=200,
        help_text="What needs doing. Reminders are emailed: use codenames, never real names "
        "or places.",
    )
    notes = models.TextField(blank=True)
    due_at = models.DateTimeField("due")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups"
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(choices=Priority, default=Priority.NORMAL)
    kind = models.CharField(
        max_length=16,
        choices=Kind,
        default=Kind.TASK,
        editable=False,
        help_text="Welfare checks are created by Fieldbook when a source has been silent too long.",
    )
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    source = models.ForeignKey(
        "sources.Source",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    interview = models.ForeignKey(
        "sources.Interview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    armed_due_at = models.DateTimeField(
        "reminder armed for",
        null=True,
        blank=True,
        editable=False,
        help_text="The due time reminder_arm last armed a reminder for; empty when none is "
        "armed. The sweep arms the follow-ups where it differs (FollowUp.objects.out_of_step()).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Optimistic locking (django-concurrency): a save from a form opened before another save
    # is refused, never silently undoes it. Bookkeeping, so not in the history.
    version = AutoIncVersionField(help_text="Goes up by one at every save.")
    history = HistoricalRecords(excluded_fields=["armed_due_at", "version"])  # bookkeeping

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["status", "due_at"]
        verbose_name = "follow-up"
        constraints = [
            # sources.welfare.welfare_checks_schedule: never two open welfare checks at once.
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(kind="welfare_check", status="open"),
                name="investigation_followup_one_open_welfare_check",
            ),
        ]
        indexes = [
            # The admin home and digests: a person's open follow-ups by due time.
            models.Index(fields=["assignee", "status", "due_at"], name="followup_assignee_due_idx"),
            # The admin list's first page in its order, and its date hierarchy's first and
            # last dates: for one investigation, and across investigations (superusers, people
            # in several).
            models.Index(fields=["investigation", "status", "due_at"], name="followup_list_idx"),
            models.Index(fields=["investigation", "due_at"], name="followup_dates_idx"),
            models.Index(fields=["status", "due_at", "-id"], name="followup_all_list_idx"),
            # The sweep's reconcile: FollowUp.objects.out_of_step(), empty while all are in step.
            models.Index(fields=["due_at"], condition=OUT_OF_STEP, name="followup_out_of_step_idx"),
            # The sweep's check of what is due soon: FollowUp.objects.due_by(moment).unreminded().
            models.Index(
                fields=["due_at"], condition=Q(status="open"), name="followup_open_due_idx"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("admin:investigation_followup_change", args=[self.pk])

    def is_overdue(self):
        return self.status == self.Status.OPEN and self.due_at < timezone.now()

    def clean(self):
        validate_same_investigation(self, "event", "source", "interview")
        if self.investigation_id:
            validate_member(self, "assignee")


# Reminders and digests: the database is the outbox --------------------------------------------


class DeliveryQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Delivery.Status.PENDING)

    def claimable(self, now):
        """Rows a sweep may take: pending ones, and ones a worker claimed and never finished
        (it died) longer than REMINDER_CLAIM_TIMEOUT ago."""
        stale = now - settings.REMINDER_CLAIM_TIMEOUT
        return self.filter(
            Q(status=Delivery.Status.PENDING)
            | Q(status=Delivery.Status.SENDING, claimed_at__lt=stale)
        )

    def claim(self, pk):
        """Take the row for sending with one conditional UPDATE; None when someone else holds
        it or it was already sent. Only the holder of the claim token may finish it."""
        now = timezone.now()
        claimed = (
            self.filter(pk=pk)
            .claimable(now)
            .update(
                status=Delivery.Status.SENDING,
                claim_token=uuid.uuid4(),
                claimed_at=now,
                attempts=F("attempts") + 1,
            )
        )
        return self.get(pk=pk) if claimed else None


class Delivery(models.Model):
    """One email that must go out once: claimed (pending → sending) with a token, sent, then
    finished by the holder of that token. Base of Reminder and Digest."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker took it up to send it."
    )
    email = models.EmailField("sent to", blank=True)
    last_error = models.CharField(
        max_length=200,
        blank=True,
        help_text="The mail server's last complaint, if any (never the message itself).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="%(app_label)s_%(class)s_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claim_token__isnull=False),
                name="%(app_label)s_%(class)s_sending_has_claim",
            ),
        ]

    def finish(self, status, **fields):
        """Record the outcome of our claim. False when the claim was lost meanwhile."""
        mine = type(self)._default_manager.filter(
            pk=self.pk, claim_token=self.claim_token, status=self.Status.SENDING
        )
        return mine.update(status=status, **fields) == 1


class ReminderQuerySet(DeliveryQuerySet, ScopedQuerySet):
    investigation_field = "follow_up__investigation"

    def due(self, now):
        """What the sweep sends now: reminders of follow-ups due within REMINDER_LEAD."""
        return self.claimable(now).filter(due_at__lte=now + settings.REMINDER_LEAD)


class Reminder(Delivery):
    """An email to a follow-up's assignee that it is due. One per follow-up and due time:
    moving the due date arms a new one; completing the follow-up cancels it."""

    class Kind(models.TextChoices):
        DUE = "due", "Due"

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.DUE)
    due_at = models.DateTimeField(
        "for due time", help_text="The follow-up's due time when this reminder was armed."
    )

    objects = ReminderQuerySet.as_manager()

    class Meta(Delivery.Meta):
        ordering = ["-due_at", "-pk"]
        verbose_name_plural = "reminders sent"
        constraints = [
            *Delivery.Meta.constraints,
            models.UniqueConstraint(
                fields=["follow_up", "due_at", "kind"], name="investigation_reminder_once"
            ),
        ]
        indexes = [
            # The sweep's scan: Reminder.objects.due(now), pending and due by now + lead.
            models.Index(fields=["status", "due_at"], name="reminder_due_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} reminder: {self.follow_up}"

    @property
    def idempotency_key(self):
        """Also the Message-ID's left part: a resent reminder is recognisably the same email."""
        due = self.due_at.astimezone(datetime.UTC)
        return f"reminder-{self.follow_up_id}-{self.kind}-{due:%Y%m%dT%H%M%S.%fZ}"


class Digest(Delivery):
    """One member's daily email: their open follow-ups and, for editors, the sources waiting
    for protection review. One per member and day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    objects = DeliveryQuerySet.as_manager()

    class Meta(Delivery.Meta):
        ordering = ["-day", "user"]
        constraints = [
            *Delivery.Meta.constraints,
            models.UniqueConstraint(fields=["user", "day"], name="investigation_digest_once"),
        ]

    def __str__(self):
        return f"Digest for {self.user} on {self.day:%d %b %Y}"

    @property
    def idempotency_key(self):
        return f"digest-{self.user_id}-{self.day:%Y%m%d}"


# Publication exports: every one logged, and every leak-scan override --------------------------


class PublicationExportQuerySet(ScopedQuerySet):
    def waiting(self, *, before):
        """Exports logged before `before` that no worker has (still) got: pending ones, and
        running ones whose worker died (stories.tasks.start_waiting_exports)."""
        Status = PublicationExport.Status
        died = Q(status=Status.RUNNING, started_at__lt=before - settings.PUBLICATION_EXPORT_TIMEOUT)
        return self.filter(Q(status=Status.PENDING, created_at__lt=before) | died)

    def claim(self, pk):
        """Take a waiting export for running with one conditional UPDATE; False when another
        worker has it or it already ran."""
        Status = PublicationExport.Status
        now = timezone.now()
        # A worker that died mid-export (acks_late redelivers its task) left it running.
        died = Q(status=Status.RUNNING, started_at__lt=now - settings.PUBLICATION_EXPORT_TIMEOUT)
        claimable = self.filter(Q(status=Status.PENDING) | died, pk=pk)
        return claimable.update(status=Status.RUNNING, started_at=now) == 1


class PublicationExport(models.Model):
    """One export of an investigation's publishable record: who, when, which format, how many
    rows, and the SHA-256 of the file. Written by stories.publication.export, whose workflow
    lives with the story; the log stays here, beside the investigation it records, so that its
    table, content type, permissions and admin URLs are the ones they always were."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"
        JSON = "json", "JSON"
        GEOJSON = "geojson", "GeoJSON (map)"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        REFUSED = "refused", "Refused by the leak scan"
        FAILED = "failed", "Failed"

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="publication_exports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="publication_exports",
        help_text="Empty for an export run on the server's command line without --user.",
    )
    format = models.CharField(max_length=8, choices=Format)
    status = models.CharField(max_length=8, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Publishable events to export, counted at the start."
    )
    rows = models.PositiveIntegerField(default=0, help_text="Events written so far.")
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    path = models.CharField(
        max_length=500, blank=True, help_text="Where the file was written on the server."
    )
    sources_scanned = models.PositiveIntegerField(
        default=0,
        help_text="Sources whose identities the leak scan compared the export with. The scan "
        "reads them in memory and shows them to nobody, so it is recorded here rather than "
        "as reveals in the identity access log.",
    )
    findings = models.JSONField(
        default=list,
        blank=True,
        help_text="What the leak scan found: row, field and source codename of each hit, "
        "never the identifier itself.",
    )
    override_reason = models.TextField(
        blank=True,
        help_text="Why an Admin asked to export even if the leak scan finds something.",
    )
    overridden = models.BooleanField(
        default=False, help_text="Exported despite leak-scan findings, with a reason."
    )
    error = models.CharField(max_length=200, blank=True)

    objects = PublicationExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "publication export"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(sha256=""),
                name="investigation_publicationexport_done_has_sha256",
            ),
        ]

    def __str__(self):
        when = f"{self.created_at:%d %b %Y %H:%M}"
        return f"{self.get_format_display()} export of {self.investigation} ({when})"

    def get_download_url(self):
        return reverse("admin:investigation_publication_download", args=[self.pk])

    def download_name(self):
        stamp = f"{self.created_at:%Y%m%d-%H%M}"
        return f"{self.investigation.slug}-publication-{stamp}.{self.format}"


class LeakOverrideQuerySet(ScopedQuerySet):
    investigation_field = "export__investigation"


class LeakOverride(models.Model):
    """A leak-scan finding an Admin exported anyway, with their written reason. Append-only."""

    export = models.ForeignKey(
        PublicationExport, on_delete=models.CASCADE, related_name="overrides"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leak_overrides"
    )
    at = models.DateTimeField(default=timezone.now, editable=False)
    reason = models.TextField()
    row = models.PositiveIntegerField(help_text="The row of the exported file (1 is the first).")
    event = models.CharField(max_length=80, help_text="The row's event_id_cnty.")
    field = models.CharField(max_length=40)
    codename = models.CharField("source codename", max_length=100)
    kind = models.CharField(
        max_length=40, help_text="What matched: a name, a name part, a phone number ..."
    )

    objects = LeakOverrideQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "row"]
        verbose_name = "leak-scan override"

    def __str__(self):
        return f"Override by {self.user}: row {self.row}, {self.field} ({self.codename})"


# Import jobs: large imports on a Celery worker ------------------------------------------------


class ImportJobQuerySet(ScopedQuerySet):
    def claim(self, pk):
        """Take a queued job for running with one conditional UPDATE; False when another
        worker has it or it is not waiting. A job whose worker died (still running past the
        task time limit) is taken up again."""
        Status = ImportJob.Status
        now = timezone.now()
        died = Q(status=Status.RUNNING, started_at__lt=now - ImportJob.timeout())
        claimable = self.filter(Q(status=Status.QUEUED) | died, pk=pk)
        return claimable.update(status=Status.RUNNING, started_at=now) == 1

    def stalled(self, now):
        """Jobs whose task never reached a worker (the broker was away when they were
        queued) or whose worker died: the sweep sends them again."""
        Status = ImportJob.Status
        return self.filter(
            Q(status=Status.QUEUED, queued_at__lt=now - ImportJob.RESEND_AFTER)
            | Q(status=Status.RUNNING, started_at__lt=now - ImportJob.timeout())
        )

    def unnotified(self):
        """Jobs whose importer has not been emailed about where they now stand."""
        return self.filter(status__in=ImportJob.NOTIFIED).exclude(notified_status=F("status"))


class ImportJob(models.Model):
    """A large import (a spreadsheet or an ACLED file) run by a Celery worker: who, into which
    investigation, its file under MEDIA_ROOT/imports (deleted when the job ends), where it
    stands, its counts and its problems. The row is the outbox: a job whose task never
    reached a worker stays queued until the sweep (investigation.importexport) sends it again.
    Written by investigation.importexport and events.acled."""

    class Kind(models.TextChoices):
        SPREADSHEET = "spreadsheet", "Spreadsheet"
        ACLED = "acled", "ACLED"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        READY = "ready", "Checked: waiting for your confirmation"
        REFUSED = "refused", "Refused: nothing was imported"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed: nothing was imported"
        EXPIRED = "expired", "Not confirmed within a day: nothing was imported"

    TASKS = {
        Kind.SPREADSHEET: "investigation.tasks.run_import_job",
        Kind.ACLED: "events.tasks.run_acled_import_job",
    }
    NOTIFIED = (Status.READY, Status.REFUSED, Status.DONE, Status.FAILED)
    ENDED = (Status.REFUSED, Status.DONE, Status.FAILED, Status.EXPIRED)
    # A queued job this old whose task no worker took is sent again.
    RESEND_AFTER = datetime.timedelta(minutes=2)

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="import_jobs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    kind = models.CharField(max_length=16, choices=Kind)
    target = models.CharField(
        max_length=100, help_text="What is imported, as app_label.model_name (events.event)."
    )
    resource = models.CharField(
        max_length=200,
        blank=True,
        help_text="A spreadsheet's resource class (events.resources.EventResource).",
    )
    format = models.CharField(max_length=8, blank=True, help_text="csv, xlsx or json.")
    file = models.CharField(
        max_length=100,
        blank=True,
        help_text="Its name under MEDIA_ROOT/imports; empty once the file is deleted.",
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.QUEUED)
    confirmed = models.BooleanField(
        default=False,
        help_text="The importer confirmed the import after its preview: the worker writes.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0, help_text="Rows in the file.")
    rows_checked = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    new_rows = models.PositiveIntegerField(default=0)
    changed_rows = models.PositiveIntegerField(default=0)
    unchanged_rows = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list,
        blank=True,
        help_text="[row, column, value, reason] of each problem (values shortened); emptied "
        "a day after the job ended, with the file.",
    )
    summary = models.CharField(max_length=500, blank=True)
    notified_status = models.CharField(
        max_length=16, blank=True, help_text="The status the importer was last emailed about."
    )

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The sweep: queued or running jobs by age (ImportJob.objects.stalled).
            models.Index(fields=["status", "queued_at"], name="importjob_status_idx"),
        ]

    def __str__(self):
        when = f"{self.created_at:%d %b %Y %H:%M}"
        return f"{self.get_kind_display()} import into {self.investigation} ({when})"

    def get_absolute_url(self):
        app_label, model_name = self.target.split(".")
        return reverse(f"admin:{app_label}_{model_name}_import_job", args=[self.pk])

    @classmethod
    def timeout(cls):
        return datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)

    @property
    def running(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


# Search: one index of every investigation's records (investigation.search) ----------------------


class EntryVector(models.Func):
    """A search entry's full-text vector, stored with the row. On PostgreSQL the title and the
    text in English (stemmed: "convoys" finds "convoy"), the names as written (`simple`: places,
    actors, aliases, Arabic after folding); ranked title first, then names, then text. On SQLite
    an FTS5 table indexes the entry instead (migration 0015), and the column stays empty."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        vector = (
            SearchVector("title", config="english", weight="A")
            + SearchVector("names", config="simple", weight="B")
            + SearchVector("text", config="english", weight="C")
        )
        return compiler.compile(vector.resolve_expression(compiler.query))


class SearchEntry(models.Model):
    """One record as the search reads it: written by investigation.search only (on save in the
    admin, after imports, by the sweep), never typed. It holds what its app registered as
    searchable, never an identity or sensitive notes (the registry refuses encrypted fields).

    On SQLite, triggers keep the FTS5 table in step with this one (migration 0015): a migration
    that makes this table anew there (any field change does) must make the triggers again."""

    model = models.CharField(max_length=100, help_text="The record's app_label.model_name.")
    object_id = models.BigIntegerField()
    # Indexed first in searchentry_rebuild_idx, which serves the foreign key too.
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=32, help_text="Kind of record, as the search page groups.")
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(max_length=8, blank=True)
    title = models.CharField(max_length=300, help_text="As the results list shows it.")
    text = models.TextField(blank=True, help_text="Folded for search: snippets come from it.")
    names = models.TextField(
        blank=True, help_text="Names and aliases, normalised (casefolded, Arabic folded)."
    )
    updated = models.DateTimeField(help_text="The record's updated_at when it was indexed.")
    vector = models.GeneratedField(
        expression=EntryVector(), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        verbose_name_plural = "search entries"
        constraints = [
            models.UniqueConstraint(
                fields=["model", "object_id"], name="investigation_searchentry_once"
            ),
        ]
        indexes = [
            # Rebuilding one investigation, and the sweep's look for entries whose row is gone.
            models.Index(fields=["investigation", "model"], name="searchentry_rebuild_idx"),
        ]

    def __str__(self):
        return f"{self.model} {self.object_id}: {self.title}"
