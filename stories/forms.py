"""The forms of claims' evidence and of documents: evidence cites one thing; a document's file
is stored only after its metadata is removed (sources.attachments)."""

from django import forms
from django.core.files.base import ContentFile

from sources.attachments import attachment_sanitize
from stories.models import Document, Evidence


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["claim", "stance", "interview", "source", "knowledge", "event", "document",
                  "quote"]  # fmt: skip
        widgets = {"quote": forms.Textarea(attrs={"rows": 2, "dir": "auto"})}


class DocumentForm(forms.ModelForm):
    """Stores a file only as attachment_sanitize cleaned it (EXIF and GPS, PDF authors ...)."""

    link = forms.URLField(required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = Document
        fields = ["investigation", "kind", "title", "issuer", "date", "date_precision", "link",
                  "excerpt", "file"]  # fmt: skip
        widgets = {
            "file": forms.FileInput,  # the admin's default links to the file's URL: it has none
            "excerpt": forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
            "title": forms.TextInput(attrs={"dir": "auto"}),
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload or upload == self.initial.get("file"):
            return upload
        cleaned = attachment_sanitize(upload=upload)
        self.instance.file_kind = cleaned.kind
        self.instance.sha256_original = cleaned.sha256_original
        return ContentFile(cleaned.content, name="document")
