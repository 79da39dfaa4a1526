"""The filters of the map, its GeoJSON and the timeline, and the map's viewport, read from a
query string."""

import math

from django import forms
from django.core.exceptions import ValidationError

from events.dates import parse_date_filter
from events.models import Event
from events.viewport import WORLD, ZOOM_MAX, Viewport

BIGGEST_ID = 2**63 - 1  # a bigint: a larger number would make the database raise, not filter


NUMBER_ERRORS = ("invalid", "min_value", "max_value")  # one message for any bad number


class MonthOrDayField(forms.CharField):
    """A date as the forms take it (events.dates): "2019-01", "Jan 2019", "14 Jan 2019",
    "2019"... The period's first day as a start of a range, its last as an end."""

    def __init__(self, *, name, end=False):
        self.name, self.end = name, end
        super().__init__(required=False)

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return parse_date_filter(value, end=self.end)
        except ValidationError as error:
            raise ValidationError(f"{self.name}: {error.messages[0]}", code="invalid") from None


class EventFilterForm(forms.Form):
    """investigation (id or slug), kind (repeatable), status, actor (id), from, to."""

    investigation = forms.RegexField(
        r"^[-a-zA-Z0-9_]+\Z",
        required=False,
        max_length=80,
        error_messages={
            "invalid": "investigation must be an investigation's id or slug",
            "max_length": "investigation must be an investigation's id or slug",
        },
    )
    kind = forms.MultipleChoiceField(
        choices=Event.Kind.choices,
        required=False,
        error_messages={"invalid_choice": f"kind must be one of {', '.join(Event.Kind.values)}"},
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Event.Status.choices],
        required=False,
        error_messages={
            "invalid_choice": f"status must be one of {', '.join(Event.Status.values)}"
        },
    )
    actor = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=BIGGEST_ID,
        error_messages={
            "invalid": "actor must be an actor's id",
            "min_value": "actor must be an actor's id",
            "max_value": "actor must be an actor's id",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword, so these two cannot be declared as class attributes.
        self.fields["from"] = MonthOrDayField(name="from")
        self.fields["to"] = MonthOrDayField(name="to", end=True)

    def clean(self):
        data = super().clean()
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            raise ValidationError("from must not be after to")
        return data

    def filters(self):
        """The cleaned values as keyword arguments of EventQuerySet.filtered()."""
        data = self.cleaned_data
        return {
            "investigation": data["investigation"],
            "kind": data["kind"],
            "status": data["status"],
            "actor": data["actor"],
            "start": data["from"],
            "end": data["to"],
        }

    def error_message(self):
        """Every error on one line; each message names its parameter."""
        return "; ".join(message for messages in self.errors.values() for message in messages)


class TimelineFilterForm(EventFilterForm):
    district = forms.ChoiceField(
        required=False,
        error_messages={"invalid_choice": "district must be the district of one of your places"},
    )

    year = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=9999,
        error_messages=dict.fromkeys(NUMBER_ERRORS, "year must be a year such as 2019"),
    )

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "All my places"), *((d, d) for d in districts)]


class MapFilterForm(EventFilterForm):
    """The filters and the map's viewport: bbox (west,south,east,north in degrees) and zoom
    (0 to 20). Either may be left out: no bbox is the whole world, no zoom is zoom 0."""

    bbox = forms.CharField(required=False, max_length=200)
    zoom = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=ZOOM_MAX,
        error_messages=dict.fromkeys(
            NUMBER_ERRORS, f"zoom must be a whole number from 0 to {ZOOM_MAX}"
        ),
    )

    def clean_bbox(self):
        text = self.cleaned_data["bbox"]
        if not text:
            return WORLD
        try:
            box = tuple(float(part) for part in text.split(","))
        except ValueError:
            raise ValidationError(BBOX_FORMAT, code="invalid") from None
        if len(box) != 4 or not all(math.isfinite(value) for value in box):
            raise ValidationError(BBOX_FORMAT, code="invalid")
        west, south, east, north = box
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValidationError(BBOX_ORDER, code="invalid")
        return box

    def viewport(self):
        return Viewport(*self.cleaned_data["bbox"], zoom=self.cleaned_data["zoom"] or 0)


BBOX_FORMAT = "bbox must be four numbers: west,south,east,north (degrees)"
BBOX_ORDER = "bbox must have west < east within -180 to 180 and south < north within -90 to 90"
