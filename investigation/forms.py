"""The forms of accounts and investigations: the second factor, memberships, a new person, and
the search box."""

import math

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Q
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django_otp import verify_token

from investigation import access, search
from investigation.form_inputs import AnyScriptMixin
from investigation.models import Investigation, Membership, Role


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


class MembershipForm(forms.ModelForm):
    """A member is found by their exact username or email address: the form never lists
    everyone who has an account."""

    person = forms.CharField(
        label="Person",
        max_length=254,
        help_text="Their exact username or email address.",
    )

    class Meta:
        model = Membership
        fields = ["investigation", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["person"].disabled = True
            self.fields["person"].help_text = ""
            self.initial["person"] = self.instance.user.get_username()

    def clean_person(self):
        if self.instance.pk:
            return self.instance.user
        value = self.cleaned_data["person"].strip()
        people = list(
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(username=value) | Q(email__iexact=value))[:2]
        )
        if not people:
            raise forms.ValidationError("No active account has that exact username or email.")
        if len(people) > 1:
            raise forms.ValidationError("Several accounts share that email: type the username.")
        return people[0]

    def clean(self):
        data = super().clean()
        person = data.get("person")
        if person is not None and not self.instance.pk:
            self.instance.user = person
            investigation_id = self.instance.investigation_id
            taken = Membership.objects.filter(user=person, investigation_id=investigation_id)
            if investigation_id and taken.exists():
                self.add_error("person", "They are already a member of this investigation.")
        return data


class PersonAddForm(UserCreationForm):
    """An investigation's Admin adds a person to one of the investigations they administer:
    an account that belongs to no investigation is for superusers to manage."""

    investigation = forms.ModelChoiceField(
        queryset=Investigation.objects.none(), help_text="The new person joins this one."
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REPORTER)
    requesting_user = None  # set per request by the admin (FieldbookUserAdmin.get_form)

    class Meta(UserCreationForm.Meta):
        fields = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ids = access.investigation_ids(self.requesting_user, [Role.ADMIN])
        self.fields["investigation"].queryset = Investigation.objects.filter(pk__in=ids)


class SearchForm(AnyScriptMixin, forms.Form):
    """/search/: the words, and filters among what the person may see (their investigations,
    the kinds of record the search holds, dates typed as people say them)."""

    q = forms.CharField(
        label="Search for",
        max_length=200,
        required=False,
        help_text='Words in English or Arabic, names in any spelling; "quoted words" as a '
        "phrase. Identities and sensitive notes are never searched.",
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto", "autofocus": True}),
    )
    investigation = forms.TypedChoiceField(
        label="Investigation", required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(label="Kind of record", required=False)
    start = forms.CharField(
        label="From", required=False, help_text="e.g. 14 Jan 2019, Jan 2019 or 2019."
    )
    end = forms.CharField(label="To", required=False, help_text="e.g. Mar 2020.")
    page = forms.IntegerField(min_value=1, max_value=1000, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        mine = [(m.investigation_id, m.investigation.title) for m in access.memberships(user)]
        self.fields["investigation"].choices = [("", "All your investigations"), *mine]
        self.fields["kind"].choices = [("", "Every kind"), *search.kinds()]

    def clean_start(self):
        return self.date_read("start", end=False)

    def clean_end(self):
        return self.date_read("end", end=True)

    def date_read(self, name, *, end):
        typed = self.cleaned_data[name]
        try:
            return search.DATES.read(typed, end=end)
        except ValueError:  # ISO dates, before the events app registered its reader
            raise forms.ValidationError("Type a date such as 2019-01-14.") from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "The end comes before the start.")
        return cleaned

    def search_arguments(self):
        """What search.results() takes, from the cleaned form."""
        data = self.cleaned_data
        fields = ("investigation", "kind", "start", "end")
        return {"text": data["q"], "page": data["page"] or 1, **{f: data[f] for f in fields}}
