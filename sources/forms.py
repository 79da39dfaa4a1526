from django import forms
from django.contrib.auth import authenticate

from sources.services import MINIMUM_REASON_LENGTH


class RevealForm(forms.Form):
    """Why someone needs to see an identity, and their password when their login is old."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=MINIMUM_REASON_LENGTH,
        help_text="Logged with your name and the time; the investigation's editors read it.",
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
        help_text="Your login is more than 15 minutes old: confirm it is still you.",
    )

    def __init__(self, *args, request, needs_password, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.needs_password = needs_password
        if not needs_password:
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        # authenticate() (not check_password) so failed attempts count towards the lockout.
        if not authenticate(self.request, username=user.get_username(), password=password):
            raise forms.ValidationError("That is not your password.")
        return password


class IdentityForm(forms.Form):
    real_name = forms.CharField(required=False, max_length=200)
    contact = forms.CharField(
        label="Contact details", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    identifying_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    change_reason = forms.CharField(
        label="Why are you changing it?",
        min_length=MINIMUM_REASON_LENGTH,
        help_text="Logged. The source goes back to protection review.",
    )
