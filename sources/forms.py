"""The forms of sources and interviews: reveals and identity changes with a reason, a new source
with the codename it was shown, attachments, sensitive notes and hand-overs."""

from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.core import signing
from django.core.files.base import ContentFile

from investigation import access
from investigation.form_inputs import AnyScriptMixin
from investigation.models import Membership
from sources.attachments import attachment_sanitize
from sources.identity import MINIMUM_REASON_LENGTH
from sources.models import Attachment, Interview, Source


class RevealForm(AnyScriptMixin, forms.Form):
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


class IdentityForm(AnyScriptMixin, forms.Form):
    """A revealed identity, to change with a reason."""

    real_name = forms.CharField(required=False, max_length=200)
    aliases = forms.CharField(
        label="Other names",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=Source._meta.get_field("aliases").help_text,
    )
    contact = forms.CharField(
        label="Contact details", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    identifying_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    change_reason = forms.CharField(
        label="Why are you changing it?",
        min_length=MINIMUM_REASON_LENGTH,
        help_text="Logged. The source goes back to protection review.",
    )

    @staticmethod
    def initial_from(identity):
        return identity


class AttachmentForm(forms.ModelForm):
    """Stores an upload only as attachment_sanitize cleaned it. A stored file is never replaced
    in place: a new file is a new row, so each row's fingerprints stay true."""

    uploaded_by = None  # set per request by AttachmentInline.get_formset

    class Meta:
        model = Attachment
        fields = ["title", "file"]
        # A plain input: the admin's default widget links to the file's URL, and it has none.
        widgets = {"file": forms.FileInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:  # not when shown read-only (AttachmentInline.get_fields)
            self.fields["file"].disabled = not self.instance._state.adding

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if self.fields["file"].disabled:
            return upload
        cleaned = attachment_sanitize(upload=upload)
        for name in ["kind", "content_type", "size", "sha256_original", "sha256_stored"]:
            setattr(self.instance, name, getattr(cleaned, name))
        self.instance.uploaded_by = self.uploaded_by
        # What this returns is what gets stored: the cleaned bytes, never the upload itself.
        return ContentFile(cleaned.content, name="attachment")


class HolderFormMixin(AnyScriptMixin):
    """The add forms of sources and interviews: the handler (interviewer) is the person adding
    it, or a member of that investigation an editor of it chooses (access.may_assign_holder).
    Afterwards it changes only through a hand-over."""

    holder_field = None
    requesting_user = None  # set per request by the admin's get_form

    def clean(self):
        data = super().clean()
        investigation, holder = data.get("investigation"), data.get(self.holder_field)
        user = self.requesting_user
        if (
            investigation
            and holder
            and not access.may_assign_holder(user, investigation.pk, holder)
        ):
            self.add_error(
                self.holder_field,
                "Choose yourself, or (as an editor of this investigation) one of its members.",
            )
        return data


CODENAME_SALT = "sources.codename"


class SourceCreateForm(HolderFormMixin, forms.ModelForm):
    """The add form: identity fields are typed here once (then only through a reveal).

    The codename it shows is the one saved: the form carries it signed (codename_token), so
    that the name a reporter notes down is not replaced by a new draw when the form is posted.
    """

    holder_field = "handler"
    codename_token = forms.CharField(widget=forms.HiddenInput, required=False)
    real_name = forms.CharField(required=False, max_length=200)
    aliases = forms.CharField(
        label="Other names",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=Source._meta.get_field("aliases").help_text,
    )
    contact = forms.CharField(
        label="Contact details", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    identifying_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    class Meta:
        model = Source
        fields = ["investigation", "description", "handler", *Source.IDENTITY_FIELDS]

    class Media:
        js = ["sources/similar_sources.js"]  # "has a similar description" as one types

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = self.data.get(self.add_prefix("codename_token")) if self.is_bound else None
        shown = codename_from_token(token)
        if shown:  # the one the form showed, whatever the new instance drew
            self.instance.codename = shown
        self.initial["codename_token"] = codename_token(self.instance.codename)

    def clean(self):
        data = super().clean()
        token = self.data.get(self.add_prefix("codename_token"))
        if token and codename_from_token(token) is None:
            self.add_error(None, "This form was changed: open Add source again.")
        elif Source.objects.filter(codename=self.instance.codename).exists():
            self.add_error(None, self._codename_redrawn())
        return data

    def _codename_redrawn(self):
        """Draw another codename when the one shown was taken meanwhile (or this form was
        posted twice), and say which: the form shown again carries the new one."""
        taken = self.instance.codename
        self.instance.codename = Source._meta.get_field("codename").get_default()
        self.data = self.data.copy()
        self.data[self.add_prefix("codename_token")] = codename_token(self.instance.codename)
        return (
            f"{taken} is already the codename of another source (was this form saved "
            f"already?). This one will be {self.instance.codename}: note that name, then save."
        )


def codename_token(codename):
    return signing.dumps(codename, salt=CODENAME_SALT)


def codename_from_token(token):
    """The codename a form showed, from its signed token; None when absent or forged."""
    if not token:
        return None
    try:
        return signing.loads(token, salt=CODENAME_SALT)
    except signing.BadSignature:
        return None


class InterviewCreateForm(HolderFormMixin, forms.ModelForm):
    """The add form: sensitive notes are typed here once (then only through the notes page,
    with a reason, like an identity)."""

    holder_field = "interviewer"
    sensitive_notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=Interview._meta.get_field("sensitive_notes").help_text,
    )

    class Meta:
        model = Interview
        fields = ["investigation", "interviewer", "summary", "sensitive_notes"]


class NotesForm(AnyScriptMixin, forms.Form):
    """Revealed sensitive notes, to change with a reason."""

    notes = forms.CharField(
        label="Sensitive notes", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    change_reason = forms.CharField(
        label="Why are you changing them?",
        min_length=MINIMUM_REASON_LENGTH,
        help_text="Logged with your name and the time. The text they replace is kept, "
        "encrypted, among the earlier versions.",
    )
    # Which stored notes the text above was read from (sources.identity.notes_fingerprint): a
    # change made meanwhile by someone else is shown, never overwritten unseen.
    seen = forms.CharField(widget=forms.HiddenInput, max_length=64)

    @staticmethod
    def initial_from(notes):
        return {"notes": notes}


class HandOverForm(AnyScriptMixin, forms.Form):
    """Who takes over a source or an interview: a member of its investigation."""

    person = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label="Hand over to")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=MINIMUM_REASON_LENGTH,
        help_text="Logged with your name and the time; both people are emailed.",
    )

    def __init__(self, *args, row, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(investigation_id=row.investigation_id)
        self.fields["person"].queryset = (
            get_user_model()
            .objects.filter(pk__in=members.values("user"), is_active=True)
            .order_by("username")
        )
