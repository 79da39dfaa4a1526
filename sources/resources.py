"""Sources and interviews in spreadsheets (the admin's import and export).

Never an identity: a source's resource has its codename, description, category and protection
level and nothing else, and an interview's has no sensitive notes. A column of that name in an
uploaded file is ignored, and no export can ask for it.
"""

from django.contrib.auth import get_user_model

from events.models import Location
from investigation.resources import ScopedResource, link
from sources.models import Interview, Source


class SourceResource(ScopedResource):
    """Updates find a source by its codename. A new source (no codename) gets a generated
    codename and the importer as its handler; its identity is typed in Fieldbook, never
    imported."""

    class Meta(ScopedResource.Meta):
        model = Source
        fields = ("codename", "investigation", "description", "category", "protection_level")
        import_id_fields = ["codename"]
        name = "Sources (codename, description, category, protection level)"

    extra_update_fields = ("updated_at", "review_status")

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute == "codename":
            return  # generated for a new source; only the key of an existing one
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if new:
            instance.handler = self.user
        instance.protection_level_before = None if new else instance.protection_level

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        if instance.pk and instance.protection_level != instance.protection_level_before:
            instance.note_edit(["protection_level"], self.user)  # back to protection review


class InterviewResource(ScopedResource):
    interviewer = link(get_user_model(), "interviewer", "username", required=True)
    location = link(Location, "location")

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        """An existing interview keeps its interviewer: an editor hands it over, with a reason
        and a log, never a spreadsheet."""
        if field.attribute == "interviewer" and instance.pk:
            named = field.clean(row, **kwargs)
            if named != instance.interviewer:
                raise ValueError(
                    "The interviewer of an existing interview changes only through Hand over."
                )
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    class Meta(ScopedResource.Meta):
        model = Interview
        fields = ("id", "investigation", "conducted_at", "interviewer", "location", "mode",
                  "language", "summary", "field_notes")  # fmt: skip
        name = "Interviews (without sensitive notes)"
