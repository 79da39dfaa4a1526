"""How the admin's inputs read: dates and times typed one way everywhere (year first, 24-hour,
with a hint saying so) and text typed in any script (dir="auto": Arabic reads right to left)."""

from django import forms
from django.template.loader import render_to_string
from django.utils import timezone

DATE_EXAMPLE, TIME_EXAMPLE = "2019-01-14", "14:30"
DATE_HINT = f"Year first ({DATE_EXAMPLE}) or the month as a word (14 Jan 2019)."


def formfield_dressed(formfield):
    """`formfield` (an admin form's field, or None) with the hints and attributes above."""
    if isinstance(formfield, forms.SplitDateTimeField):
        date, time = formfield.widget.widgets
        date.attrs.update(placeholder=DATE_EXAMPLE, autocomplete="off")
        time.attrs.update(placeholder=TIME_EXAMPLE, autocomplete="off")
        zone = timezone.get_default_timezone_name()
        hint = f"Date year first ({DATE_EXAMPLE}), time on the 24-hour clock ({TIME_EXAMPLE}), "
        hint += f"{zone}."
        formfield.help_text = with_hint(formfield.help_text, hint)
    elif isinstance(formfield, forms.DateField):
        formfield.widget.attrs.update(placeholder=DATE_EXAMPLE, autocomplete="off")
        formfield.help_text = with_hint(formfield.help_text, DATE_HINT)
    elif isinstance(formfield, forms.CharField) and is_text_box(formfield.widget):
        formfield.widget.attrs.setdefault("dir", "auto")
    return formfield


def is_text_box(widget):
    if isinstance(widget, forms.Textarea):
        return True
    return isinstance(widget, forms.TextInput) and widget.input_type == "text"


def with_hint(help_text, hint):
    return f"{help_text} {hint}" if help_text else hint


class AnyScriptMixin:
    """A form of Fieldbook's own on an admin page: dir="auto" on every text box (the admin's
    model forms get it from formfield_dressed), so that a name or a note typed in Arabic reads
    right to left, and {{ form.as_div }} laid out in the admin's rows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if is_text_box(field.widget):
                field.widget.attrs.setdefault("dir", "auto")

    def as_div(self):
        # The project's templates (the form renderer would look only in the apps' own).
        return render_to_string("admin/_form_rows.html", self.get_context())
