"""Dates typed as people say them ("14 Jan 2019", "week of 14 Jan 2019", "Jan 2019", "2019"),
read into a date and its precision; the form field and the ModelForm base that take them."""

import calendar
import datetime
import re
from typing import NamedTuple

from django import forms
from django.core.exceptions import ValidationError

from events.models import DatePrecision, format_precise_date, month_end

EXAMPLES = '"14 Jan 2019", "week of 14 Jan 2019", "Jan 2019", "2019-01" or "2019"'
HINT = f"e.g. {EXAMPLES}"
FIRST_YEAR, LAST_YEAR = 1900, 2100
# From the finest to the coarsest.
PRECISIONS = [DatePrecision.DAY, DatePrecision.WEEK, DatePrecision.MONTH, DatePrecision.YEAR]

# Arabic-Indic digits, their Persian forms (some keyboards type those) and the Arabic comma.
ARABIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹،", "01234567890123456789,")
MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
MONTHS = {
    **{name: number for number, name in enumerate(MONTH_NAMES.split(), 1)},
    **{name[:3]: number for number, name in enumerate(MONTH_NAMES.split(), 1)},
    "sept": 9,
}
ISO_WEEK = re.compile(r"([0-9]{4})-?w([0-9]{1,2})")
ORDINAL = re.compile(r"\b([0-9]{1,2})(?:st|nd|rd|th)\b")
READABLE = re.compile(r"[0-9a-z ,./-]+")
TOKEN = re.compile(r"[0-9]+|[a-z]+")
# Where the year, month and day are in each accepted sequence of tokens: Y a four-digit year,
# N a number of one or two digits, M a month's name.
SHAPES = {
    "Y": (0, None, None),
    "MY": (1, 0, None),
    "YN": (0, 1, None),
    "NY": (1, 0, None),
    "NMY": (2, 1, 0),
    "MNY": (2, 0, 1),
    "YNN": (0, 1, 2),
}
LONGEST_SHOWN = 40  # of what was typed, in an error message


class PreciseDate(NamedTuple):
    """A date and how precisely it is known (a DatePrecision value)."""

    date: datetime.date
    precision: str

    def __str__(self):
        return format_precise_date(self.date, self.precision)

    @property
    def first_day(self):
        return _first_day(self.date, self.precision)

    @property
    def last_day(self):
        first = self.first_day
        if self.precision == DatePrecision.YEAR:
            return first.replace(month=12, day=31)
        if self.precision == DatePrecision.MONTH:
            return month_end(first)
        if self.precision == DatePrecision.WEEK:
            return first + datetime.timedelta(days=6)
        return first

    def knows(self, precision):
        """Whether this date is known at least as precisely as `precision`."""
        return PRECISIONS.index(precision) >= PRECISIONS.index(self.precision)

    def coarsened(self, precision):
        """This date known only to `precision`, as the first day of that period; itself,
        unchanged, for its own precision. A ValidationError for a finer precision: "Jan 2019"
        cannot become a day."""
        if precision == self.precision:
            return self
        if not self.knows(precision):
            raise ValidationError(_gives_no(self, precision), code="too_precise")
        return PreciseDate(_first_day(self.date, precision), DatePrecision(precision))


def _first_day(date, precision):
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return date.replace(day=1)
    if precision == DatePrecision.WEEK:
        # Weeks start on Monday, as format_precise_date writes them ("week of <Monday>").
        return date - datetime.timedelta(days=date.weekday())
    return date


def _label(precision):
    return DatePrecision(precision).label.lower()


def _gives_no(when, precision):
    wanted = _label(precision)
    typing = "type a day in the week" if precision == DatePrecision.WEEK else f"type the {wanted}"
    return f"{when} gives no {wanted}: {typing}, or choose {_label(when.precision)}"


def as_precise_date(value):
    """A PreciseDate from a PreciseDate, a (date, precision) pair or a date (a day); None for
    None or a pair without a date."""
    if value is None or isinstance(value, PreciseDate):
        return value
    if isinstance(value, datetime.date):
        return PreciseDate(value, DatePrecision.DAY)
    date, precision = value
    return PreciseDate(date, DatePrecision(precision)) if date else None


def parse_precise_date(text):
    """The PreciseDate that `text` says, or a ValidationError that quotes it and says what to
    type instead. A week, month or year is its first day: "Jan 2019" is 1 Jan 2019, and
    "week of 16 Jan 2019" is Monday 14 Jan.

    A day written only in numbers must start with the year (2019-01-14): the newsroom has
    editors in Baghdad, who read 01/02/2019 as 1 February, and in New York, who read it as
    January 2. Guessing would put events on the wrong day without anyone noticing, so
    "01/02/2019", "1/15/2019" and "14.1.2019" are refused, even where only one reading is a
    real date, so that there is one rule to learn.
    """
    text = " ".join(str(text or "").split())
    if not text:
        raise ValidationError(f"Type a date, {HINT}.", code="required")
    typed = text if len(text) <= LONGEST_SHOWN else text[: LONGEST_SHOWN - 1] + "…"
    words = text.translate(ARABIC).lower()
    if words.startswith("week of "):
        return _week_of(_parse_words(words.removeprefix("week of "), typed), typed)
    return _parse_words(words, typed)


def _parse_words(words, typed):
    if match := ISO_WEEK.fullmatch(words):
        return _iso_week(typed, *map(int, match.groups()))
    if not READABLE.fullmatch(words):
        raise _unreadable(typed)
    # "of" as in "14th of January 2019".
    tokens = [word for word in TOKEN.findall(ORDINAL.sub(r"\1", words)) if word != "of"]
    shape = "".join(_token_kind(word) for word in tokens)
    if shape not in SHAPES and shape != "NNY":
        raise _unreadable(typed, shape=shape)
    values = [MONTHS[word] if word in MONTHS else int(word) for word in tokens]
    _check_year(typed, values[shape.index("Y")])
    if shape == "NNY":
        raise _ambiguous(typed, *values)
    year, month, day = (None if at is None else values[at] for at in SHAPES[shape])
    return _precise_date(typed, year, month, day)


def _token_kind(token):
    if token in MONTHS:
        return "M"
    if token.isdigit() and len(token) == 4:
        return "Y"
    if token.isdigit() and len(token) <= 2:
        return "N"
    return "?"


def _check_year(typed, year):
    if not FIRST_YEAR <= year <= LAST_YEAR:
        message = f'"{typed}" is out of range: type a year from {FIRST_YEAR} to {LAST_YEAR}.'
        raise ValidationError(message, code="out_of_range")


def _precise_date(typed, year, month=None, day=None):
    if month is None:
        return PreciseDate(datetime.date(year, 1, 1), DatePrecision.YEAR)
    if not 1 <= month <= 12:
        raise ValidationError(
            f'"{typed}" is not a date: there is no month {month}.', code="impossible"
        )
    if day is None:
        return PreciseDate(datetime.date(year, month, 1), DatePrecision.MONTH)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        month_shown = f"{datetime.date(year, month, 1):%b %Y}"
        message = f'"{typed}" is not a date: {month_shown} has {days} days.'
        raise ValidationError(message, code="impossible")
    return PreciseDate(datetime.date(year, month, day), DatePrecision.DAY)


def _iso_week(typed, year, week):
    _check_year(typed, year)
    weeks = datetime.date(year, 12, 28).isocalendar().week  # 28 Dec is always in the last week
    if not 1 <= week <= weeks:
        message = f'"{typed}" is not a week: {year} has weeks 1 to {weeks}.'
        raise ValidationError(message, code="impossible")
    return PreciseDate(datetime.date.fromisocalendar(year, week, 1), DatePrecision.WEEK)


def _week_of(when, typed):
    if not when.knows(DatePrecision.WEEK):
        message = f'"{typed}" names no day: type a day in the week, e.g. "week of 14 Jan 2019".'
        raise ValidationError(message, code="invalid")
    return when.coarsened(DatePrecision.WEEK)


def _ambiguous(typed, first, second, year):
    """The error for a day in numbers only: what it could be, and how to write it."""
    readings = []
    for month, day in ((second, first), (first, second)):  # day first, then month first
        try:
            reading = datetime.date(year, month, day)
        except ValueError:
            continue
        if reading not in readings:
            readings.append(reading)
    if not readings:
        return ValidationError(f'"{typed}" is not a date. Type {HINT}.', code="impossible")
    example = readings[0]
    advice = (
        f"write the month as a word ({example.day} {example:%b %Y}) "
        f"or the year first ({example.isoformat()})"
    )
    if len(readings) == 2:
        one, other = readings
        return ValidationError(
            f'"{typed}" could be {one.day} {one:%b} or {other.day} {other:%b}: {advice}.',
            code="ambiguous",
        )
    return ValidationError(
        f'"{typed}": {advice}. A date in numbers only reads day first in some places and '
        "month first in others.",
        code="ambiguous",
    )


def _unreadable(typed, *, shape="?"):
    if shape and "Y" not in shape and "?" not in shape:
        return ValidationError(f'"{typed}" has no four-digit year. Type {HINT}.', code="invalid")
    return ValidationError(f'Could not read "{typed}" as a date. Type {HINT}.', code="invalid")


def parse_date_filter(text, *, end=False):
    """The first day of the period `text` says (its last day with end=True: "Jan 2019" ends
    on 31 Jan), for list filters and imports. Blank text filters nothing: None."""
    if not text or not text.strip():
        return None
    when = parse_precise_date(text)
    return when.last_day if end else when.first_day


class PreciseDateWidget(forms.TextInput):
    """The text input of a PreciseDateField. Its class lets a script add a month/year picker."""

    class Media:
        js = ["events/precise_date.js"]
        css = {"all": ["events/precise_date.css"]}

    def __init__(self, attrs=None):
        attrs = attrs or {}
        defaults = {
            "dir": "auto",  # Arabic digits and English month names in one box
            "autocomplete": "off",
            "inputmode": "text",
            "placeholder": "14 Jan 2019, Jan 2019 or 2019",
        }
        classes = " ".join(filter(None, ["fieldbook-precise-date", attrs.get("class")]))
        super().__init__({**defaults, **attrs, "class": classes})

    def format_value(self, value):
        if isinstance(value, str):  # what was typed, shown again with its error
            return value or None
        when = as_precise_date(value)
        return str(when) if when else None


class PreciseDateField(forms.Field):
    """One text box for a date and its precision; cleans to a PreciseDate (None when empty).
    Its initial value may be a PreciseDate or a (date, precision) pair."""

    widget = PreciseDateWidget

    def __init__(self, *, help_text=HINT, **kwargs):
        super().__init__(help_text=help_text, **kwargs)

    def to_python(self, value):
        if not isinstance(value, str):
            return as_precise_date(value)
        return parse_precise_date(value) if value.strip() else None

    def has_changed(self, initial, data):
        """Whether the text names another period or precision than the initial value. A
        month-precision 17 Nov 2018 shows as "Nov 2018": typing that again changes nothing."""
        try:
            typed = self.to_python(data)
        except ValidationError:
            return True
        shown = as_precise_date(initial)
        if typed is None or shown is None:
            return typed != shown
        return typed != PreciseDate(shown.first_day, shown.precision)


class PrecisionOverrideField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Precision")
        kwargs.setdefault(
            "help_text",
            "Leave as typed. Choose one only to show the date less precisely than it was "
            'typed: "month" makes 14 Jan 2019 read "Jan 2019".',
        )
        super().__init__(
            choices=[("", "As typed"), *DatePrecision.choices], required=False, **kwargs
        )


class PreciseDateModelForm(forms.ModelForm):
    """A ModelForm base for a model with `date` and `date_precision` (and `end_date`, if it
    has one): one text box "when" (and "end") replaces the date inputs.

        class EventForm(PreciseDateModelForm):
            class Meta:
                model = Event
                fields = ["title", "when", "date_precision", "end"]

    or, in a ModelAdmin, `form = PreciseDateModelForm` with "when", "date_precision" and
    "end" in its fieldsets. "date" and "end_date" in Meta.fields ask for "when" and "end" too.

    What is typed sets instance.date and instance.date_precision ("Jan 2019": the 1st, month).
    date_precision, when shown, becomes an optional override that starts at "As typed": a
    precision chosen there wins when it is as coarse as the typed one or coarser ("month"
    turns 14 Jan 2019 into Jan 2019); a finer one is an error. Start and end share the one
    precision, so they must be typed alike, and the end may not be before the start. A box
    left as it was shown keeps the stored date exactly (an imported 17 Nov 2018 of month
    precision stays the 17th).

    It is a ModelForm rather than a mixin because a plain mixin's fields are not declared
    fields, and the admin refuses fieldsets naming fields that are not declared.
    """

    when = PreciseDateField(label="When")
    end = PreciseDateField(
        label="End", required=False, help_text=f"Only for events that lasted several days: {HINT}"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model_field in (("when", "date"), ("end", "end_date")):
            self.fields.pop(model_field, None)
            if not self._asks_for(name, model_field):
                del self.fields[name]
        if "date_precision" in self.fields:
            self.fields["date_precision"] = PrecisionOverrideField()
            # Never the stored precision: left alone, it would overrule a newly typed date.
            self.initial["date_precision"] = ""
        precision = self.instance.date_precision
        self.initial.setdefault("when", as_precise_date((self.instance.date, precision)))
        if "end" in self.fields:
            self.initial.setdefault("end", as_precise_date((self.instance.end_date, precision)))

    def _asks_for(self, name, model_field):
        """Whether the form should have `name`: the model has the field it stands for, and
        Meta names either (or names no fields) and excludes neither."""
        meta = self._meta
        if model_field not in {field.name for field in meta.model._meta.get_fields()}:
            return False
        if {name, model_field} & set(meta.exclude or ()):
            return False
        return meta.fields is None or bool({name, model_field} & set(meta.fields))

    def clean(self):
        data = super().clean()
        start, end = self._typed("when"), self._typed("end")
        if start is None or self.has_error("end"):
            return data
        picked = data.get("date_precision")
        try:
            start = start.coarsened(picked or start.precision)
        except ValidationError as error:
            self.add_error("date_precision", error)
            return data
        try:
            end = self._checked_end(start, end, picked) if end else None
        except ValidationError as error:
            self.add_error("end", error)
            return data
        self.instance.date, self.instance.date_precision = start
        if "date_precision" in self.fields:
            data["date_precision"] = start.precision  # construct_instance writes this
        if "end" in self.fields:
            self.instance.end_date = end.date if end else None
        return data

    def _typed(self, name):
        """The PreciseDate in `name`: the initial value itself when the text was left as it
        was shown (PreciseDateField.has_changed), so that an untouched form keeps its date."""
        if name not in self.cleaned_data:
            return None
        if name in self.changed_data:
            return self.cleaned_data[name]
        return as_precise_date(self[name].initial)

    def _checked_end(self, start, end, picked):
        if not picked and end.precision != start.precision:
            raise ValidationError(
                f"{start} is a {_label(start.precision)} and {end} a {_label(end.precision)}: "
                "an event has one precision for both dates, so type them alike or choose a "
                "precision.",
                code="mixed_precision",
            )
        end = end.coarsened(picked or end.precision)
        if end.date < start.date:
            raise ValidationError(f"The end, {end}, is before the start, {start}.", code="before")
        return end
