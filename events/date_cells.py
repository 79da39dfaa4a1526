"""An event's date and precision columns in a spreadsheet, read by the rules of the forms
(events.dates): "14 Jan 2019", "2019-01-14", "Jan 2019", "2019-01", "2019", never 01/02/2019."""

from django.core.exceptions import ValidationError

from events.dates import parse_precise_date
from events.models import DatePrecision
from investigation.resources import ChoiceWidget, IsoDateWidget, StrictField, is_blank


class PreciseDateCell(IsoDateWidget):
    """A date as people write it: the first day of the period it names ("Jan 2019" is 1 Jan
    2019). A spreadsheet's own date cell is a day. A day keeps its day whatever the precision
    column says (an exported 17 Nov 2018 of month precision imports back as the 17th); a
    precision finer than what was typed ("Jan 2019", "day") is refused."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value) or not isinstance(value, str):
            return super().clean(value, row, **kwargs)
        when = typed(value)
        precision = str((row or {}).get("date_precision") or "").strip().lower()
        if precision in DatePrecision.values:
            try:
                when.coarsened(precision)  # refuses a precision finer than what was typed
            except ValidationError as error:
                raise ValueError(error.messages[0]) from None
        return when.date


class PrecisionCell(ChoiceWidget):
    """The precision column: left blank, as precisely as the date cell says."""

    def __init__(self):
        super().__init__(DatePrecision.choices)

    def clean(self, value, row=None, **kwargs):
        if not is_blank(value):
            return super().clean(value, row, **kwargs)
        date = (row or {}).get("date")
        if is_blank(date):
            return None
        return typed(date).precision if isinstance(date, str) else DatePrecision.DAY


def typed(text):
    try:
        return parse_precise_date(text)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None


def date_columns():
    """The date and date_precision columns of an events resource."""
    return (
        StrictField(attribute="date", column_name="date", widget=PreciseDateCell(), required=True),
        StrictField(
            attribute="date_precision", column_name="date_precision", widget=PrecisionCell()
        ),
    )
