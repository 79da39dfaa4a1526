"""Spreadsheet import and export (django-import-export): the resource every app's resources
build on, and the follow-ups' resource.

A resource works on one investigation, the one the import form names (only investigations the
importer administers are offered). Existing rows are found only in it, links (a place, an
event, a person) only point into it, and a row naming another investigation, or the id of a
row that is not in it, is refused with its row number and the reason.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone
from import_export import fields, resources
from import_export.instance_loaders import CachedInstanceLoader
from import_export.widgets import CachedForeignKeyWidget

from investigation.models import FollowUp

CHANGE_REASON = "Spreadsheet import"
SET_BY_IMPORT = ("created_by", "handler")


class ScopedForeignKeyWidget(CachedForeignKeyWidget):
    """A link to a row of the import's investigation (or one of its members), looked up in one
    query for the whole file."""

    scope = None  # set per import by ScopedResource

    def __init__(self, model, *args, **kwargs):
        # A label ("events.Event") for the models of the layers above, as the model's own
        # foreign keys name them.
        super().__init__(
            apps.get_model(model) if isinstance(model, str) else model, *args, **kwargs
        )

    def get_queryset(self, value, row, *args, **kwargs):
        return self.scope

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ObjectDoesNotExist:
            name = self.model._meta.verbose_name
            raise ValueError(f"No {name} {value!r} in this investigation.") from None


def member_widget():
    return ScopedForeignKeyWidget(get_user_model(), "username")


class ScopedResource(resources.ModelResource):
    investigation = fields.Field(
        attribute="investigation__slug", column_name="investigation", readonly=True
    )

    class Meta:
        use_bulk = True
        batch_size = 500
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        instance_loader_class = CachedInstanceLoader
        import_id_fields = ["id"]

    # Model fields an update writes besides the resource's own.
    extra_update_fields = ("updated_at",)

    def __init__(self, investigation=None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.investigation, self.user = investigation, user
        for field in self.fields.values():
            if isinstance(field.widget, ScopedForeignKeyWidget):
                field.widget.scope = self.scope_of(field.widget.model)

    def scope_of(self, model):
        if model is get_user_model():
            return model.objects.filter(
                memberships__investigation=self.investigation, is_active=True
            )
        return model.objects.filter(investigation=self.investigation)

    def get_queryset(self):
        return self.scope_of(self._meta.model)

    def filter_export(self, queryset, **kwargs):
        """One query for the whole export, not one per row and link."""
        links = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, ScopedForeignKeyWidget)
        ]
        return queryset.select_related("investigation", *links)

    def before_import_row(self, row, **kwargs):
        named = (row.get("investigation") or "").strip()
        if named and named != self.investigation.slug:
            raise ValidationError(
                f"This row belongs to the investigation {named!r}; you are importing into "
                f"{self.investigation.slug!r}."
            )

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            return
        key = self.get_import_id_fields()[0]
        if row.get(key) not in (None, ""):
            raise ValidationError(
                {key: f"No row with this {key} in this investigation: leave it empty to add one."}
            )
        instance.investigation = self.investigation
        if hasattr(instance, "created_by_id"):
            instance.created_by = self.user

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Model validation (full_clean), except of the people the import itself sets, whose
        checks would cost a query a row. (Not the investigation: leaving it out would also
        leave out the unique checks it is part of.)"""
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=[*errors, *SET_BY_IMPORT], validate_unique=validate_unique)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        if hasattr(instance, "updated_at"):
            instance.updated_at = timezone.now()

    def get_bulk_update_fields(self):
        names = [name for name in self._meta.fields if name not in ("id", "investigation")]
        return [*names, *self.extra_update_fields]

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.bulk_write(
            self.create_instances, False, using_transactions, dry_run, raise_errors, result
        )

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.bulk_write(
            self.update_instances, True, using_transactions, dry_run, raise_errors, result
        )

    def bulk_write(self, instances, update, using_transactions, dry_run, raise_errors, result):
        """Like import-export's own bulk writes, plus the history rows the admin shows."""
        if not instances or not (using_transactions or not dry_run):
            return
        model = self._meta.model
        try:
            if update:
                fields_ = self.get_bulk_update_fields()
                model.objects.bulk_update(instances, fields_, batch_size=self._meta.batch_size)
            else:
                model.objects.bulk_create(instances, batch_size=self._meta.batch_size)
            if hasattr(model, "history"):
                model.history.bulk_history_create(
                    instances,
                    update=update,
                    default_user=self.user,
                    default_change_reason=CHANGE_REASON,
                )
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            instances.clear()


class FollowUpResource(ScopedResource):
    assignee = fields.Field(attribute="assignee", column_name="assignee", widget=member_widget())
    event = fields.Field(
        attribute="event", column_name="event", widget=ScopedForeignKeyWidget("events.Event")
    )
    source = fields.Field(
        attribute="source",
        column_name="source",
        widget=ScopedForeignKeyWidget("sources.Source", "codename"),
    )
    interview = fields.Field(
        attribute="interview",
        column_name="interview",
        widget=ScopedForeignKeyWidget("sources.Interview"),
    )

    class Meta(ScopedResource.Meta):
        model = FollowUp
        fields = ("id", "investigation", "title", "notes", "due_at", "assignee", "status",
                  "priority", "event", "source", "interview")  # fmt: skip
        name = "Follow-ups"
