"""Edits that collide: the version a change form was opened at, the refusal of a save from a
stale form, and what changed since, field by field, so that nothing is overwritten unseen.

Every record people edit has a version (django-concurrency's AutoIncVersionField) that goes up
at every save. A change form carries the version it was opened at and the latest history row
then (simple_history); save() writes only where the version is still that one, else raises
RecordModifiedError. investigation.admin.ScopedAdmin turns that into a conflict page, which
compares the record then (its history row), now and as typed.
"""

from django import forms
from django.contrib.admin.utils import display_for_field
from django.core.exceptions import ObjectDoesNotExist, ValidationError

VERSION_FIELDS = ("version", "opened_history")
EMPTY = "—"


class EditConflict(Exception):
    """A save from a form opened before another save of the record landed."""

    def __init__(self, form):
        super().__init__("The record was saved by someone else since the form was opened.")
        self.form = form


class OpenedAtField(forms.IntegerField):
    """Where the record stood when the form was opened: hidden, never an edit of its own."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, **kwargs)

    def has_changed(self, initial, data):
        return False


class VersionedForm(forms.ModelForm):
    """A change form carrying the record's version and latest history row as it renders."""

    version = OpenedAtField()
    opened_history = OpenedAtField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            version, history_id = record_state(self.instance)
            self.initial.update(version=version, opened_history=history_id)

    def clean(self):
        data = super().clean()
        if data.get("version") is None:
            raise ValidationError(
                "This form does not say which version of the record it was opened at, so "
                "saving it could undo someone else's change: open the record again and redo "
                "your change.",
                code="no_version",
            )
        return data


def versioned(model):
    return hasattr(model, "_concurrencymeta")


def versioned_form(form_class, *, nulled=()):
    """`form_class` with the version fields (`nulled`: declared fields the page shows read-only,
    left out as ModelAdmin.get_form does)."""
    return type(form_class.__name__, (VersionedForm, form_class), dict.fromkeys(nulled))


def record_state(instance):
    """(version, id of its latest history row) as stored now; (None, None) if it is gone."""
    model = type(instance)
    version = model._base_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
    return version, latest_history_id(instance)


def latest_history_id(instance):
    history = getattr(type(instance), "history", None)
    if history is None:
        return None
    rows = history.filter(id=instance.pk).order_by("-history_id")
    return rows.values_list("history_id", flat=True).first()


def nothing_to_write(obj):
    """True when `obj` holds what is stored already: saving it would only bump the version and
    make every form opened before stale (a save of an event's actors alone, for one)."""
    stored = type(obj)._base_manager.filter(pk=obj.pk).first()
    if stored is None:
        return False
    fields = [f for f in obj._meta.concrete_fields if f.name != "version"]
    return all(f.value_from_object(obj) == f.value_from_object(stored) for f in fields)


def record_then(current, history_id):
    """The record as its history row `history_id` recorded it (None if unknown)."""
    history = getattr(type(current), "history", None)
    if history is None or history_id is None:
        return None
    row = history.filter(id=current.pk, history_id=history_id).first()
    return row.instance if row else None


def saves_since(current, history_id):
    """The history rows written since `history_id`: who saved, and when."""
    history = getattr(type(current), "history", None)
    if history is None:
        return []
    rows = history.filter(id=current.pk).select_related("history_user").order_by("history_id")
    if history_id is not None:
        rows = rows.filter(history_id__gt=history_id)
    return list(rows)


def conflict_fields(*, form, current, then):
    """Field by field, for the fields of `form` that someone else or the person changed:
    {label, then, now, typed, theirs, yours}. `theirs`: changed since the form was opened;
    `yours`: typed differently from what the form showed (from now, when `then` is unknown)."""
    typed = form.instance
    rows = []
    for name in form.fields:
        field = model_field(current, name)
        if field is None:
            continue
        theirs = then is not None and differs(field, then, current)
        yours = differs(field, typed, then if then is not None else current)
        if theirs or yours:
            rows.append(
                {
                    "name": name,
                    "label": form[name].label,
                    "then": shown(then, field) if then is not None else "(not recorded)",
                    "now": shown(current, field),
                    "typed": shown(typed, field),
                    "theirs": theirs,
                    "yours": yours,
                }
            )
    return rows


def changes_reapplied(*, current, rows, form):
    """`current` with the person's own changes (rows marked `yours`) put back over it."""
    for row in rows:
        if row["yours"]:
            field = model_field(current, row["name"])
            setattr(current, field.attname, field.value_from_object(form.instance))
    return current


def differs(field, one, other):
    """Whether two records hold different values, as a person sees them: a time the form
    shows to the minute is not changed by its seconds; a link by what it points to."""
    if field.is_relation:
        return field.value_from_object(one) != field.value_from_object(other)
    return shown(one, field) != shown(other, field)


def model_field(instance, name):
    if name in VERSION_FIELDS:
        return None
    try:
        field = instance._meta.get_field(name)
    except Exception:  # a field of the form's own, not of the model
        return None
    return field if field.concrete and not field.many_to_many else None


def shown(instance, field):
    """A value as the admin shows it ("—" for none), whatever it points to."""
    try:
        value = getattr(instance, field.name)
    except ObjectDoesNotExist:
        return "(deleted)"
    return display_for_field(value, field, EMPTY)
