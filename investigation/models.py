from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """A member's role in one investigation; each has a Django group of the same name."""

    REPORTER = "reporter", "Reporter"
    EDITOR = "editor", "Editor"
    ADMIN = "admin", "Admin"


EDITING_ROLES = (Role.EDITOR, Role.ADMIN)


def investigation_ids_for(user, roles=None):
    """A subquery of the ids of the investigations `user` is a member of (with one of `roles`)."""
    memberships = Membership.objects.filter(user_id=user.pk)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return memberships.values("investigation_id")


def has_role_in(user, investigation_id, roles):
    """Whether `user` is an active member of that investigation with one of `roles`."""
    if not (user.is_authenticated and user.is_active):
        return False
    return investigation_ids_for(user, roles).filter(investigation_id=investigation_id).exists()


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


class ScopedQuerySet(models.QuerySet):
    """Rows that belong to an investigation. The one place that decides who sees what.

    Everyone sees only rows of the investigations they are a member of; superusers (setup
    accounts) see everything; inactive and anonymous users see nothing. Identities are
    guarded separately (Source.can_see_identity), superusers included.
    """

    investigation_field = "investigation"

    def visible_to(self, user, roles=None):
        """Rows of the investigations `user` is a member of (with one of `roles`, if given)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        ids = investigation_ids_for(user, roles)
        return self.filter(**{f"{self.investigation_field}__in": ids})


class InvestigationQuerySet(ScopedQuerySet):
    investigation_field = "pk"

    def active(self):
        return self.filter(status=Investigation.Status.ACTIVE)


def members_visible_to(user):
    """The people `user` works with: members of their investigations."""
    User = get_user_model()
    if user.is_active and user.is_superuser:
        return User.objects.all()
    return User.objects.filter(
        memberships__investigation__in=investigation_ids_for(user)
    ).distinct()


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

    def role_of(self, user):
        """The user's role here, or None for a non-member."""
        membership = self.memberships.filter(user_id=user.pk).first()
        return membership.role if membership else None


class MembershipQuerySet(ScopedQuerySet):
    pass


class Membership(models.Model):
    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="memberships"
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


class FollowUpQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status=FollowUp.Status.OPEN)

    def due_by(self, moment):
        return self.open().filter(due_at__lte=moment)

    def overdue(self):
        return self.due_by(timezone.now())


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

    investigation = models.ForeignKey(
        Investigation, on_delete=models.CASCADE, related_name="follow_ups"
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["status", "due_at"]
        verbose_name = "follow-up"
        indexes = [
            # The admin home and digests: a person's open follow-ups by due time.
            models.Index(fields=["assignee", "status", "due_at"], name="followup_assignee_due_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("admin:investigation_followup_change", args=[self.pk])

    def is_overdue(self):
        return self.status == self.Status.OPEN and self.due_at < timezone.now()

    def clean(self):
        validate_same_investigation(self, "event", "source", "interview")
