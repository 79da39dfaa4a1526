import math

from django import forms
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django_otp import verify_token


class TwoFactorForm(forms.Form):
    """A code from the person's authenticator app, checked against one of their devices."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        allowed, details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(throttled_message(details))
        code = self.cleaned_data["code"].replace(" ", "")
        # verify_token locks the device row, so one code cannot be used by two requests at once;
        # the device then refuses any code from the same or an earlier 30-second step.
        if verify_token(self.device.user, self.device.persistent_id, code) is None:
            raise forms.ValidationError(
                "That code is not right, or was already used. Wait for the next code in your "
                "app and type it."
            )
        # verify_token saved another copy (its last step); a later save of ours must not undo it.
        self.device.refresh_from_db()
        return code


def throttled_message(details):
    """django-otp doubles the wait after each wrong code (1, 2, 4 ... seconds)."""
    seconds = max(math.ceil((details["locked_until"] - timezone.now()).total_seconds()), 1)
    return (
        f"Too many wrong codes. Wait {seconds} second{pluralize(seconds)}, then type the code "
        "your app shows at that moment."
    )
