"""django-import-export in Fieldbook's admin: CSV, XLSX and JSON, for Admins only.

- Imports go into one investigation the importer administers, chosen on the form. A preview
  (everything checked, model validation included, then rolled back) comes before the confirm;
  the confirmed import runs in one transaction that is rolled back if any row fails, so a file
  with one bad row writes nothing. Every bad row is listed with its number and the reason.
- A file that cannot be read (random bytes, a broken workbook, UTF-16, NUL bytes, no rows)
  is a form error, never a server error.
- Exports hold the admin list's rows (its filters and search apply) in investigations the
  person administers, and no cell that a spreadsheet would run as a formula.
"""

import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ImportForm

from investigation import access
from investigation.admin_page import admin_page
from investigation.models import Investigation, Role

logger = logging.getLogger(__name__)

# What a spreadsheet runs as a formula when a cell starts with it (OWASP's CSV injection list).
FORMULA_STARTS = frozenset("=+-@\t\r")


def formula_escape(value):
    """A text a spreadsheet would run as a formula, made plain text with a leading quote."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return f"'{value}"
    return value


class FormulaEscapingFormat:
    """Neutralises =, +, -, @ (and tab, CR) at the start of a text cell with a leading quote,
    as OWASP advises; import-export's own escaping only drops a leading "=" and turns every
    number into text."""

    def _escape_formulae(self, dataset):
        for _row in range(len(dataset)):
            dataset.append([formula_escape(cell) for cell in dataset.lpop()])


class CSV(FormulaEscapingFormat, base_formats.CSV):
    pass


class XLSX(FormulaEscapingFormat, base_formats.XLSX):
    pass


class JSON(FormulaEscapingFormat, base_formats.JSON):
    pass


FORMATS = [CSV, XLSX, JSON]


class InvestigationImportForm(ImportForm):
    investigation = forms.ModelChoiceField(
        queryset=Investigation.objects.none(),
        help_text="Rows go into this investigation. A row naming another one is refused.",
    )
    field_order = ["investigation", "resource", "import_file", "format"]


class InvestigationConfirmImportForm(ConfirmImportForm):
    investigation = forms.ModelChoiceField(
        queryset=Investigation.objects.none(), widget=forms.HiddenInput
    )


def administered(user):
    """The investigations `user` is an Admin of (superusers are not: they set up, not import)."""
    return Investigation.objects.filter(pk__in=access.investigation_ids(user, [Role.ADMIN]))


class AdminImportExportMixin(ImportExportMixin):
    """For an admin whose rows belong to investigations (ScopedAdmin)."""

    formats = FORMATS
    import_form_class = InvestigationImportForm
    confirm_form_class = InvestigationConfirmImportForm

    def has_import_permission(self, request):
        return access.administers_any(request.user)

    def has_export_permission(self, request):
        return self.has_import_permission(request)

    def get_export_queryset(self, request):
        """The admin list's rows (its filters and search), in investigations they administer."""
        rows = super().get_export_queryset(request)
        ids = access.investigation_ids(request.user, [Role.ADMIN])
        return rows.filter(**{f"{rows.investigation_field}__in": ids})

    def create_import_form(self, request):
        form = super().create_import_form(request)
        form.fields["investigation"].queryset = administered(request.user)
        return form

    def create_confirm_form(self, request, import_form=None):
        form = super().create_confirm_form(request, import_form)
        form.fields["investigation"].queryset = administered(request.user)
        return form

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["investigation"] = import_form.cleaned_data["investigation"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        if form is None or not form.is_bound or not form.is_valid():
            return {}
        return {"investigation": form.cleaned_data["investigation"], "user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        # The confirmed import is rolled back if any row is invalid, not only on errors.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def import_action(self, request, **kwargs):
        """Any file import-export cannot read, however broken, is a form error."""
        try:
            return super().import_action(request, **kwargs)
        except PermissionDenied:
            raise
        except Exception as error:
            return self.unreadable_file_response(request, error)

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except PermissionDenied:
            raise
        except Exception as error:
            return self.unreadable_file_response(request, error)

    def unreadable_file_response(self, request, error):
        # The type only: a message may quote the file's cells.
        logger.warning("An import file could not be read: %s", type(error).__name__)
        form = self.create_import_form(request)
        form.is_valid()
        problem = type(error).__name__
        form.add_error(
            "import_file",
            f"Fieldbook could not read this file ({problem}). Upload a CSV (UTF-8), XLSX or "
            "JSON file with a header row, and choose its format.",
        )
        return self.import_form_response(request, form)

    def import_form_response(self, request, form):
        return admin_page(
            request,
            [self.import_template_name],
            title=_("Import"),
            model_admin=self,
            **self.get_import_context_data(),
            form=form,
            media=self.media + form.media,
            fields_list=[],
            import_error_display=self.import_error_display,
        )

    def process_result(self, result, request):
        """A confirmed import that failed after all (the data changed since the preview) was
        rolled back: say so and show why, rather than "Import finished"."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        messages.error(request, _("Nothing was imported: the file no longer imports cleanly."))
        form = self.create_import_form(request)
        context = {**self.get_import_context_data(), "result": result}
        response = self.import_form_response(request, form)
        response.context_data.update(context)
        return response
