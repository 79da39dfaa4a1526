"""The filters of the map, its GeoJSON and the timeline, read from a query string."""

from django import forms
from django.core.exceptions import ValidationError

from events.dates import parse_date_filter
from events.models import Event

BIGGEST_ID = 2**63 - 1  # a bigint: a larger number would make the database raise, not filter


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

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "All my places"), *((d, d) for d in districts)]
