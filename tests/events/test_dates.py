import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError

from events.dates import (
    HINT,
    PreciseDate,
    PreciseDateField,
    PreciseDateModelForm,
    PreciseDateWidget,
    parse_date_filter,
    parse_precise_date,
)
from events.models import DatePrecision, Event, format_precise_date

D = datetime.date
DAY, WEEK, MONTH, YEAR = "day", "week", "month", "year"


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        ("14 Jan 2019", D(2019, 1, 14), DAY),
        ("14 January 2019", D(2019, 1, 14), DAY),
        ("Jan 14 2019", D(2019, 1, 14), DAY),
        ("Jan 14, 2019", D(2019, 1, 14), DAY),
        ("January 14th, 2019", D(2019, 1, 14), DAY),
        ("14th of January 2019", D(2019, 1, 14), DAY),
        ("  14   JAN  2019 ", D(2019, 1, 14), DAY),
        ("2019-01-14", D(2019, 1, 14), DAY),
        ("2019-1-4", D(2019, 1, 4), DAY),
        ("2019/01/14", D(2019, 1, 14), DAY),
        ("14 Sept 2019", D(2019, 9, 14), DAY),
        ("29 Feb 2020", D(2020, 2, 29), DAY),
        ("week of 14 Jan 2019", D(2019, 1, 14), WEEK),
        ("Week of 2019-01-16", D(2019, 1, 14), WEEK),
        ("week of 1 Jan 2019", D(2018, 12, 31), WEEK),
        ("2019-W03", D(2019, 1, 14), WEEK),
        ("2020w1", D(2019, 12, 30), WEEK),
        ("Jan 2019", D(2019, 1, 1), MONTH),
        ("January 2019", D(2019, 1, 1), MONTH),
        ("sept 2019", D(2019, 9, 1), MONTH),
        ("September 2019", D(2019, 9, 1), MONTH),
        ("2019-01", D(2019, 1, 1), MONTH),
        ("2019-1", D(2019, 1, 1), MONTH),
        ("01/2019", D(2019, 1, 1), MONTH),
        ("12/2019", D(2019, 12, 1), MONTH),
        ("2019", D(2019, 1, 1), YEAR),
        ("1900", D(1900, 1, 1), YEAR),
        ("2100", D(2100, 1, 1), YEAR),
        pytest.param("٢٠١٩-٠١-١٤", D(2019, 1, 14), DAY, id="arabic-indic digits, year first"),
        pytest.param("١٤ Jan ٢٠١٩", D(2019, 1, 14), DAY, id="arabic-indic digits, month name"),
        pytest.param("۲۰۱۹", D(2019, 1, 1), YEAR, id="persian digits"),
    ],
)
def test_a_date_typed_as_people_say_it_is_read_with_its_precision(text, date, precision):
    assert parse_precise_date(text) == PreciseDate(date, precision)


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        (
            "01/02/2019",
            "ambiguous",
            "could be 1 Feb or 2 Jan: write the month as a word "
            "(1 Feb 2019) or the year first (2019-02-01)",
        ),
        ("1/15/2019", "ambiguous", "(15 Jan 2019) or the year first (2019-01-15)"),
        ("15/1/2019", "ambiguous", "(15 Jan 2019) or the year first (2019-01-15)"),
        ("14.1.2019", "ambiguous", "(14 Jan 2019) or the year first (2019-01-14)"),
        ("5/5/2019", "ambiguous", "day first in some places and month first in others"),
        pytest.param("٠١/٠٢/٢٠١٩", "ambiguous", "could be 1 Feb or 2 Jan", id="arabic-indic"),
        ("13/13/2019", "impossible", "is not a date"),
        ("31 Feb 2019", "impossible", "is not a date: Feb 2019 has 28 days"),
        ("29 Feb 2019", "impossible", "is not a date: Feb 2019 has 28 days"),
        ("2019-04-31", "impossible", "Apr 2019 has 30 days"),
        ("2019-13-01", "impossible", "there is no month 13"),
        ("2019-00", "impossible", "there is no month 0"),
        ("2019-W53", "impossible", "2019 has weeks 1 to 52"),
        ("1850", "out_of_range", "type a year from 1900 to 2100"),
        ("14 Jan 1899", "out_of_range", "type a year from 1900 to 2100"),
        ("Jan 2101", "out_of_range", "type a year from 1900 to 2100"),
        ("week of Jan 2019", "invalid", 'names no day: type a day in the week, e.g. "week of'),
        ("14 Jan 19", "invalid", "has no four-digit year"),
        ("14 Jan", "invalid", "has no four-digit year"),
        ("yesterday", "invalid", f"as a date. Type {HINT}."),
        ("janvier 2019", "invalid", f"as a date. Type {HINT}."),
        ("2019-01-14T10:00", "invalid", f"as a date. Type {HINT}."),
    ],
)
def test_a_date_that_is_ambiguous_impossible_or_unreadable_is_refused_saying_why(text, code, says):
    with pytest.raises(ValidationError) as refused:
        parse_precise_date(text)
    assert refused.value.code == code
    assert f'"{text}"' in refused.value.message
    assert says in refused.value.message


@pytest.mark.parametrize("text", ["", "   ", None])
def test_nothing_typed_asks_for_a_date_with_examples(text):
    with pytest.raises(ValidationError, match='Type a date, e.g. "14 Jan 2019"'):
        parse_precise_date(text)


def test_a_long_refused_text_is_quoted_shortened():
    with pytest.raises(ValidationError) as refused:
        parse_precise_date("x" * 500)
    assert f'Could not read "{"x" * 39}…" as a date' in refused.value.message


@pytest.mark.parametrize("day", range(14, 21), ids=lambda day: f"{D(2019, 1, day):%A}")
def test_a_week_is_stored_as_its_monday(day):
    assert parse_precise_date(f"week of {day} Jan 2019") == (D(2019, 1, 14), WEEK)


@pytest.mark.parametrize(
    "text", ["11 Mar 2020", "week of 2 Mar 2020", "Nov 2018", "2019"], ids=[DAY, WEEK, MONTH, YEAR]
)
def test_a_date_reads_back_as_it_is_shown(text):
    when = parse_precise_date(text)
    assert format_precise_date(*when) == text
    assert parse_precise_date(str(when)) == when


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("14 Jan 2019", D(2019, 1, 14), D(2019, 1, 14)),
        ("week of 16 Jan 2019", D(2019, 1, 14), D(2019, 1, 20)),
        ("Feb 2020", D(2020, 2, 1), D(2020, 2, 29)),
        ("2019", D(2019, 1, 1), D(2019, 12, 31)),
    ],
    ids=[DAY, WEEK, MONTH, YEAR],
)
def test_a_date_filter_starts_on_the_first_day_of_the_period_and_ends_on_its_last(
    text, first, last
):
    assert parse_date_filter(text) == first
    assert parse_date_filter(text, end=True) == last


def test_a_blank_date_filter_filters_nothing_and_a_bad_one_is_refused():
    assert parse_date_filter("  ") is None
    with pytest.raises(ValidationError, match="could be 1 Feb or 2 Jan"):
        parse_date_filter("01/02/2019")


def test_the_field_cleans_text_to_a_precise_date_and_hints_what_to_type():
    field = PreciseDateField()
    assert field.clean(" jan 2019 ") == (D(2019, 1, 1), MONTH)
    assert (
        field.help_text
        == 'e.g. "14 Jan 2019", "week of 14 Jan 2019", "Jan 2019", "2019-01" or "2019"'
    )
    with pytest.raises(ValidationError, match="This field is required"):
        field.clean("")
    assert PreciseDateField(required=False).clean("") is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (PreciseDate(D(2019, 1, 16), WEEK), "week of 14 Jan 2019"),
        ((D(2018, 11, 17), "month"), "Nov 2018"),
        ((D(2018, 11, 17), DatePrecision.DAY), "17 Nov 2018"),
        ("01/02/2019", "01/02/2019"),
        ((None, "day"), None),
        (None, None),
    ],
    ids=["precise date", "pair", "day pair", "typed text", "no date", "nothing"],
)
def test_the_widget_shows_a_date_as_precisely_as_it_is_known(value, shown):
    assert PreciseDateWidget().format_value(value) == shown


def test_the_widget_offers_hints_for_people_and_a_class_for_a_picker_script():
    class Form(forms.Form):
        when = PreciseDateField(widget=PreciseDateWidget(attrs={"class": "wide"}))

    html = str(Form(initial={"when": (D(2019, 1, 14), "week")})["when"])
    assert 'value="week of 14 Jan 2019"' in html
    for attribute in ['dir="auto"', 'autocomplete="off"', 'inputmode="text"', "placeholder="]:
        assert attribute in html
    assert 'class="fieldbook-precise-date wide"' in html


class EventDatesForm(PreciseDateModelForm):
    class Meta:
        model = Event
        fields = ["when", "date_precision", "end"]


def event_form(when, *, precision="", end="", instance=None):
    data = {"when": when, "date_precision": precision, "end": end}
    return EventDatesForm(data=data, instance=instance)


@pytest.mark.parametrize(
    ("typed", "date", "precision"),
    [
        ("14 Jan 2019", D(2019, 1, 14), DAY),
        ("week of 16 Jan 2019", D(2019, 1, 14), WEEK),
        ("Jan 2019", D(2019, 1, 1), MONTH),
        ("2019", D(2019, 1, 1), YEAR),
    ],
    ids=[DAY, WEEK, MONTH, YEAR],
)
def test_the_event_form_sets_the_date_and_precision_that_were_typed(typed, date, precision):
    form = event_form(typed)
    assert form.is_valid(), form.errors
    assert (form.instance.date, form.instance.date_precision) == (date, precision)


def test_the_event_form_refuses_an_ambiguous_date_and_sets_nothing():
    form = event_form("01/02/2019")
    assert not form.is_valid()
    assert "could be 1 Feb or 2 Jan" in form.errors["when"][0]
    assert form.instance.date is None


@pytest.mark.parametrize(
    ("typed", "picked", "date", "precision"),
    [
        ("14 Jan 2019", "month", D(2019, 1, 1), MONTH),
        ("16 Jan 2019", "week", D(2019, 1, 14), WEEK),
        ("Jan 2019", "year", D(2019, 1, 1), YEAR),
        ("Jan 2019", "month", D(2019, 1, 1), MONTH),
    ],
    ids=["day shown as month", "day shown as week", "month shown as year", "same precision"],
)
def test_a_precision_chosen_as_coarse_as_typed_or_coarser_wins(typed, picked, date, precision):
    form = event_form(typed, precision=picked)
    assert form.is_valid(), form.errors
    assert (form.instance.date, form.instance.date_precision) == (date, precision)


@pytest.mark.parametrize(
    ("typed", "picked", "error"),
    [
        ("Jan 2019", "day", "Jan 2019 gives no day: type the day, or choose month"),
        ("Jan 2019", "week", "Jan 2019 gives no week: type a day in the week, or choose month"),
        ("2019", "month", "2019 gives no month: type the month, or choose year"),
        (
            "week of 14 Jan 2019",
            "day",
            "week of 14 Jan 2019 gives no day: type the day, or choose week",
        ),
    ],
)
def test_a_precision_finer_than_what_was_typed_is_refused(typed, picked, error):
    form = event_form(typed, precision=picked)
    assert not form.is_valid()
    assert form.errors["date_precision"] == [error]


def as_posted(form):
    """What a browser sends back for `form` when nobody touches it."""
    shown = {name: form[name].value() for name in form.fields}
    widget = PreciseDateWidget()
    return {
        **shown,
        "when": widget.format_value(shown["when"]),
        "end": widget.format_value(shown["end"]),
    }


@pytest.mark.parametrize(
    ("date", "precision"),
    [
        (D(2018, 11, 17), MONTH),
        (D(2019, 1, 16), WEEK),
        (D(2019, 1, 16), DAY),
        (D(2019, 7, 4), YEAR),
    ],
    ids=[MONTH, WEEK, DAY, YEAR],
)
def test_an_untouched_form_keeps_the_stored_date_and_precision_exactly(date, precision):
    # Imports store any day of a month or week; the form shows only "Nov 2018".
    event = Event(date=date, date_precision=precision, end_date=date + datetime.timedelta(days=400))
    end_date = event.end_date
    form = EventDatesForm(data=as_posted(EventDatesForm(instance=event)), instance=event)
    assert form.is_valid(), form.errors
    assert not form.changed_data
    assert (event.date, event.date_precision, event.end_date) == (date, precision, end_date)


def test_the_form_shows_the_stored_date_and_leaves_the_precision_override_as_typed():
    event = Event(date=D(2019, 1, 16), date_precision=WEEK, end_date=D(2019, 1, 30))
    form = EventDatesForm(instance=event)
    assert 'value="week of 14 Jan 2019"' in str(form["when"])
    assert 'value="week of 28 Jan 2019"' in str(form["end"])
    assert form["date_precision"].value() == ""
    assert '<option value="" selected>As typed</option>' in str(form["date_precision"])


def test_retyping_the_date_replaces_the_stored_day_and_precision():
    event = Event(date=D(2018, 11, 17), date_precision=MONTH)
    form = event_form("3 Nov 2018", instance=event)
    assert form.is_valid(), form.errors
    assert (event.date, event.date_precision) == (D(2018, 11, 3), DAY)


def test_an_end_typed_alike_sets_the_end_date():
    form = event_form("Jun 2019", end="Aug 2019")
    assert form.is_valid(), form.errors
    assert (form.instance.date, form.instance.end_date) == (D(2019, 6, 1), D(2019, 8, 1))
    assert form.instance.when == "Jun 2019 – Aug 2019"


def test_an_end_before_the_start_is_refused():
    form = event_form("14 Jan 2019", end="10 Jan 2019")
    assert not form.is_valid()
    assert form.errors["end"] == ["The end, 10 Jan 2019, is before the start, 14 Jan 2019."]


def test_an_end_typed_more_or_less_precisely_than_the_start_is_refused():
    form = event_form("14 Jan 2019", end="Feb 2019")
    assert not form.is_valid()
    assert "14 Jan 2019 is a day and Feb 2019 a month" in form.errors["end"][0]


def test_a_chosen_precision_applies_to_the_start_and_the_end():
    form = event_form("14 Jan 2019", end="20 Feb 2019", precision="month")
    assert form.is_valid(), form.errors
    assert form.instance.when == "Jan 2019 – Feb 2019"
    assert (form.instance.date, form.instance.end_date) == (D(2019, 1, 1), D(2019, 2, 1))


def test_a_chosen_precision_finer_than_the_end_is_refused_on_the_end():
    form = event_form("14 Jan 2019", end="Feb 2019", precision="day")
    assert not form.is_valid()
    assert form.errors == {"end": ["Feb 2019 gives no day: type the day, or choose month"]}


def test_clearing_the_end_clears_the_end_date():
    event = Event(date=D(2019, 6, 1), date_precision=MONTH, end_date=D(2019, 8, 1))
    form = event_form("Jun 2019", instance=event)
    assert form.is_valid(), form.errors
    assert event.end_date is None


def test_the_form_works_as_the_admin_builds_it_from_fieldsets_naming_when_and_end():
    # What ModelAdmin.get_form does with `form = PreciseDateModelForm` and these fieldsets.
    Form = forms.modelform_factory(
        Event, form=PreciseDateModelForm, fields=["title", "when", "date_precision", "end"]
    )
    form = Form(data={"title": "Raid", "when": "week of 2019-01-16", "date_precision": ""})
    assert form.is_valid(), form.errors
    assert (form.instance.title, form.instance.date) == ("Raid", D(2019, 1, 14))
    assert form.instance.date_precision == WEEK


def test_fields_all_replaces_the_date_inputs_by_the_typed_ones():
    Form = forms.modelform_factory(Event, form=PreciseDateModelForm, fields="__all__")
    assert {"when", "end", "date_precision"} <= set(Form().fields)
    assert not {"date", "end_date"} & set(Form().fields)


def test_a_form_that_does_not_ask_for_the_end_leaves_the_end_date_alone():
    Form = forms.modelform_factory(Event, form=PreciseDateModelForm, fields=["when"])
    event = Event(date=D(2019, 6, 1), date_precision=MONTH, end_date=D(2019, 8, 1))
    form = Form(data={"when": "May 2019"}, instance=event)
    assert "end" not in form.fields
    assert form.is_valid(), form.errors
    assert (event.date, event.date_precision, event.end_date) == (
        D(2019, 5, 1),
        MONTH,
        D(2019, 8, 1),
    )
