"""Spreadsheet import and export (django-import-export): the resource every app's resources
build on, and the follow-ups' resource.

A resource works on one investigation, the one the import form names (only investigations the
importer administers are offered). Existing rows are found only in it, links (a place, an
event, a person) only point into it, and a row naming another investigation, or the id of a
row that is not in it, is refused with its row number and the reason.

Cells are read as written, never guessed: a whole number is digits (an id "3.9" is refused,
not read as 3), numbers must fit the database column (on SQLite too), yes/no is 1 or 0 (or
true/false), a choice is one of its values, a date is yyyy-mm-dd, a blank cell in a column
that must be filled is refused rather than replaced by a default, and the same id twice in one
file is refused. What Fieldbook exports imports back unchanged: the quote that an export puts
before a cell a spreadsheet would run as a formula is taken off again.
"""

import copy
import datetime
import math
import operator
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ValidationError,
)
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import F, Q
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader
from import_export.widgets import CachedForeignKeyWidget

from investigation.models import FollowUp

CHANGE_REASON = "Spreadsheet import"
SET_BY_IMPORT = ("created_by", "handler")
# What a spreadsheet runs as a formula when a cell starts with it (OWASP's CSV injection list);
# exports put a quote before such a cell (investigation.importexport.formula_escape).
FORMULA_STARTS = frozenset("=+-@\t\r")
WHOLE_NUMBER = re.compile(r"[+-]?\d+")
DECIMAL_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?"
)
YES, NO = {"1", "true"}, {"0", "false"}


def formula_unescape(value):
    """A cell as it was before an export quoted it ("'-12.5" is -12.5 again)."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def whole_number(value):
    """An int from a cell holding exactly a whole number, or ValueError saying why not."""
    if isinstance(value, bool):
        raise ValueError("Not a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if math.isfinite(value) and value == int(value):
            return int(value)
        raise ValueError("Not a whole number: write digits only, without a decimal point.")
    text = str(value).strip()
    if not WHOLE_NUMBER.fullmatch(text):
        raise ValueError("Not a whole number: write digits only (e.g. 39).")
    if len(text.lstrip("+-0")) > 20:
        raise ValueError("Out of range: far too many digits.")
    return int(text)


class WholeNumberWidget(widgets.IntegerWidget):
    """Digits only, within what the database column holds."""

    def __init__(self, low=None, high=None):
        super().__init__()
        self.low, self.high = low, high

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        number = whole_number(value)
        too_low = self.low is not None and number < self.low
        if too_low or (self.high is not None and number > self.high):
            raise ValueError(f"Out of range: must be between {self.low} and {self.high}.")
        return number


class DecimalNumberWidget(widgets.FloatWidget):
    """A number written with a decimal point (35.468, -1.5e3), finite."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError("Not a number.")
        if isinstance(value, str):
            if not DECIMAL_NUMBER.fullmatch(value.strip()):
                raise ValueError("Not a number: write digits with a decimal point (e.g. 35.468).")
        elif not isinstance(value, int | float | Decimal):
            raise ValueError("Not a number.")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("Out of range: too large a number.")
        return number


class YesNoWidget(widgets.BooleanWidget):
    """1 or 0 (or true and false): "yes", "maybe" or -1 are refused, not read as no."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        word = str(value).strip().lower()
        if word in YES | NO:
            return word in YES
        raise ValueError("Not 1 or 0: write 1 for yes or 0 for no.")


class ChoiceWidget(widgets.CharWidget):
    """One of the field's values exactly (or its label, whatever the case)."""

    def __init__(self, choices):
        super().__init__()
        self.values = {str(value): value for value, _label in choices}
        self.labels = {str(label).lower(): value for value, label in choices}
        self.numbers = all(isinstance(value, int) for value in self.values.values())

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        text = str(whole_number(value)) if self.numbers else str(value).strip()
        if text in self.values:
            return self.values[text]
        if text.lower() in self.labels:
            return self.labels[text.lower()]
        raise ValueError(f"{text!r} is not one of: {', '.join(self.values)}.")


class IsoDateWidget(widgets.DateWidget):
    """yyyy-mm-dd, or a spreadsheet's own date cell; never a day-or-month guess."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, datetime.datetime):
            if value.time() != datetime.time(0) or value.tzinfo:
                raise ValueError("A date and time where a date was expected.")
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        if not ISO_DATE.fullmatch(text):
            raise ValueError("Not a date written yyyy-mm-dd (e.g. 2019-03-11).")
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValueError("No such day.") from None


class IsoDateTimeWidget(widgets.DateTimeWidget):
    """yyyy-mm-dd hh:mm[:ss] (in Fieldbook's time zone unless an offset is given), or a
    spreadsheet's own date-and-time cell."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d %H:%M:%S")

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, str) and ISO_DATETIME.fullmatch(value.strip()):
            try:
                moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise ValueError("No such day or time.") from None
        else:
            raise ValueError(
                "Not a date and time written yyyy-mm-dd hh:mm (e.g. 2019-03-11 14:30)."
            )
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class TextWidget(widgets.CharWidget):
    """Text as written; a number a spreadsheet made of it ("2019") becomes text again."""

    def clean(self, value, row=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


class StrictField(fields.Field):
    """A column read as written: a blank cell in a column that must be filled is refused
    (never replaced by the model's default), and the quote an export put before a
    formula-like cell is taken off."""

    def __init__(self, *args, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.required = required

    def clean(self, row, **kwargs):
        value = self.widget.clean(formula_unescape(row[self.column_name]), row=row, **kwargs)
        if self.required and value in (None, ""):
            raise ValueError("Empty: this column must be filled.")
        return value


def strict_widget(django_field):
    """The widget that reads a model field's cells strictly (None: import-export's own)."""
    internal_type = django_field.get_internal_type()
    if django_field.choices:
        return ChoiceWidget(django_field.flatchoices)
    if internal_type in BaseDatabaseOperations.integer_field_ranges:
        return WholeNumberWidget(*BaseDatabaseOperations.integer_field_ranges[internal_type])
    by_class = (
        (models.BooleanField, YesNoWidget),
        (models.FloatField, DecimalNumberWidget),
        (models.DateTimeField, IsoDateTimeWidget),
        (models.DateField, IsoDateWidget),
        (models.CharField, TextWidget),
        (models.TextField, TextWidget),
    )
    for field_class, widget_class in by_class:
        if isinstance(django_field, field_class):
            return widget_class()
    return None


def is_required(django_field):
    return not (django_field.blank or django_field.null or django_field.primary_key)


# Constraints checked on the rows, without a query a row ----------------------------------------

COMPARISONS = {
    "exact": operator.eq,
    "gte": operator.ge,
    "lte": operator.le,
    "gt": operator.gt,
    "lt": operator.lt,
    "in": lambda value, values: value in values,
}


def condition_holds(condition, instance):
    """A constraint's condition evaluated on an unsaved row with SQL's three values (None is
    unknown, which a CHECK lets pass); NotImplemented for a lookup not known here."""
    results = []
    for child in condition.children:
        result = (
            condition_holds(child, instance)
            if isinstance(child, Q)
            else lookup_holds(*child, instance)
        )
        if result is NotImplemented:
            return NotImplemented
        results.append(result)
    combined = three_valued(condition.connector, results)
    return (not combined) if condition.negated and combined is not None else combined


def lookup_holds(path, expected, instance):
    name, _, lookup = path.partition("__")
    lookup = lookup or "exact"
    meta = instance._meta
    try:
        value = getattr(instance, meta.get_field(name).attname)
        if isinstance(expected, F):
            expected = getattr(instance, meta.get_field(expected.name).attname)
    except (FieldDoesNotExist, AttributeError):
        return NotImplemented
    if lookup == "isnull":
        return (value is None) == bool(expected)
    if lookup not in COMPARISONS or hasattr(expected, "resolve_expression"):
        return NotImplemented
    if value is None or expected is None:
        return None
    return COMPARISONS[lookup](value, expected)


def three_valued(connector, results):
    if connector == Q.XOR:
        return None if None in results else sum(bool(result) for result in results) % 2 == 1
    decisive = connector == Q.OR  # True decides an OR, False decides an AND
    if decisive in results:
        return decisive
    return None if None in results else not decisive


def rule_field(constraint, instance):
    """The field a check constraint is about (its first), for the problem's column."""
    names = [name.split("__")[0] for name, _ in flatten_q(constraint.condition)]
    return names[0] if names else NON_FIELD_ERRORS


def flatten_q(condition):
    for child in condition.children:
        yield from flatten_q(child) if isinstance(child, Q) else [child]


def rule_words(constraint, instance):
    """events_location_latitude_in_range: "latitude in range"."""
    prefix = f"{instance._meta.app_label}_{instance._meta.model_name}_"
    return constraint.name.removeprefix(prefix).replace("_", " ")


def unique_constraints(model):
    """(field names, condition or None) of each unique rule of the model."""
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            yield constraint.fields, constraint.condition
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            yield (field.name,), None


@dataclass
class UniqueRule:
    fields: list
    condition: Q | None
    taken: dict  # {key: pk} of the rows in the database
    seen: dict = dataclass_field(default_factory=dict)  # {key: (row number, pk)} in the file

    @classmethod
    def of(cls, model, names, condition, investigation):
        fields = [model._meta.get_field(name) for name in names]
        rows = model._default_manager.filter(condition or Q())
        if "investigation" in names:
            rows = rows.filter(investigation=investigation)
        attnames = [field.attname for field in fields]
        taken = {tuple(values): pk for *values, pk in rows.values_list(*attnames, "pk")}
        return cls(fields, condition, taken)


class ScopedForeignKeyWidget(CachedForeignKeyWidget):
    """A link to a row of the import's investigation (or one of its members), looked up in one
    query for the whole file."""

    def __init__(self, model, *args, **kwargs):
        # A label ("events.Event") for the models of the layers above, as the model's own
        # foreign keys name them.
        super().__init__(
            apps.get_model(model) if isinstance(model, str) else model, *args, **kwargs
        )
        self.scope = None  # set per import by ScopedResource

    def get_queryset(self, value, row, *args, **kwargs):
        return self.scope

    @property
    def scope(self):
        return self._scope

    @scope.setter
    def scope(self, rows):
        self._scope, self.by_key = rows, None

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        # An id is exactly a whole number ("3.9" is no typo for 3); a name is exactly a name.
        key = whole_number(value) if self.field == "pk" else str(value).strip()
        if self.by_key is None:  # one query for the whole file
            self.by_key = {getattr(found, self.field): found for found in self.scope}
        if key not in self.by_key:
            name = self.model._meta.verbose_name
            raise ValueError(f"No {name} {key!r} in this investigation.")
        return self.by_key[key]


def link(model, column, key="pk", *, required=False):
    """A column naming a row of the import's investigation (by id, codename or username)."""
    widget = ScopedForeignKeyWidget(model, key)
    return StrictField(attribute=column, column_name=column, widget=widget, required=required)


class FileProblem(ValueError):
    """Something wrong with the file as a whole (its header, its columns): said in words."""


def sheet_row(number):
    """import-export counts data rows from 1; people count as their spreadsheet does, with
    the header as row 1."""
    return number + 1


class KeyedInstanceLoader(CachedInstanceLoader):
    """The file's existing rows, found by their key (id or codename) in a query per 5,000
    keys. A key that is not exactly a key is that row's problem, not the whole file's."""

    CHUNK = 5000

    def __init__(self, resource, dataset=None):
        self.resource, self.dataset = resource, dataset
        self.pk_field = resource.fields[resource.get_import_id_fields()[0]]
        keys = list(resource.file_keys(dataset).values())
        self.all_instances = {}
        for start in range(0, len(keys), self.CHUNK):
            chunk = keys[start : start + self.CHUNK]
            found = resource.get_queryset().filter(**{f"{self.pk_field.attribute}__in": chunk})
            self.all_instances.update({self.pk_field.get_value(row): row for row in found})

    def get_instance(self, row):
        if is_blank(row.get(self.pk_field.column_name)):
            return None  # a new row
        try:
            key = self.pk_field.clean(row)
        except ValueError as error:
            raise ValidationError({self.pk_field.attribute: str(error)}) from None
        return self.all_instances.get(key)


class ScopedResource(resources.ModelResource):
    investigation = fields.Field(
        attribute="investigation__slug", column_name="investigation", readonly=True
    )

    class Meta:
        use_bulk = True
        batch_size = 500
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        instance_loader_class = KeyedInstanceLoader
        import_id_fields = ["id"]

    # Model fields an update writes besides the resource's own.
    extra_update_fields = ("updated_at",)

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        """Every column read strictly (see the module's docstring), with no default that
        would stand in for a blank cell."""
        loose = super().field_from_django_field(field_name, django_field, readonly)
        return StrictField(
            attribute=loose.attribute,
            column_name=loose.column_name,
            widget=strict_widget(django_field) or loose.widget,
            readonly=readonly,
            required=is_required(django_field),
        )

    def __init__(self, investigation=None, user=None, progress=None, diff=True, **kwargs):
        """`progress(stage, rows)` is told every 500 rows; without `diff`, no row's before and
        after are kept for a preview page (a worker's import: a third faster)."""
        super().__init__(**kwargs)
        if not diff:
            self._meta = copy.copy(self._meta)
            self._meta.skip_diff = True
        self.investigation, self.user = investigation, user
        self.progress, self.rows_done, self.duplicate_of = progress, 0, {}
        for field in self.fields.values():
            if isinstance(field.widget, ScopedForeignKeyWidget):
                field.widget.scope = self.scope_of(field.widget.model)

    def key_field(self):
        return self.fields[self.get_import_id_fields()[0]]

    def file_keys(self, dataset):
        """{row number: key} of the rows that name an existing row (by id or codename);
        computed once per file."""
        if getattr(self, "_file_keys", None) is not None:
            return self._file_keys
        field, self._file_keys = self.key_field(), {}
        if dataset is None or field.column_name not in (dataset.headers or ()):
            return self._file_keys
        for number, value in enumerate(
            dataset.get_col(dataset.headers.index(field.column_name)), 1
        ):
            try:
                key = field.clean({field.column_name: value})
            except ValueError:
                continue  # that row's own problem, reported with it
            if key not in (None, ""):
                self._file_keys[number] = key
        return self._file_keys

    def before_import(self, dataset, **kwargs):
        """The file as a whole: a header Fieldbook can read, the columns new rows need, and
        each existing row named once."""
        try:
            self.columns_check(dataset)
        except FileProblem:
            self.file_refused = True  # its rows are not worth checking one by one
            raise
        first = {}
        for number, key in self.file_keys(dataset).items():
            if key in first:
                self.duplicate_of[number] = first[key]
            else:
                first[key] = number

    def columns_check(self, dataset):
        headers = [name for name in dataset.headers or () if isinstance(name, str)]
        known = {field.column_name for field in self.get_import_fields()}
        if not known & set(headers):
            raise FileProblem(
                f"None of the columns is one Fieldbook reads ({', '.join(sorted(known))}). "
                "The first row must name the columns; a CSV file must be separated by commas "
                "and saved as UTF-8."
            )
        key = self.key_field().column_name
        new_rows = key not in headers or any(is_blank(value) for value in dataset[key])
        missing = [name for name in self.columns_new_rows_need() if name not in headers]
        if new_rows and missing:
            raise FileProblem(
                f"Missing column(s) {', '.join(missing)}: every new row (one without "
                f"{key}) needs them."
            )

    def columns_new_rows_need(self):
        model_fields = {field.name: field for field in self._meta.model._meta.get_fields()}
        return [
            field.column_name
            for field in self.get_import_fields()
            if isinstance(field, StrictField) and field.required and not field.readonly
            and field.attribute in model_fields and not model_fields[field.attribute].has_default()
        ]  # fmt: skip

    def import_row(self, row, instance_loader, **kwargs):
        if getattr(self, "file_refused", False):
            skipped = self.get_row_result_class()()
            skipped.import_type = skipped.IMPORT_TYPE_SKIP
            return skipped
        result = super().import_row(row, instance_loader, **kwargs)
        self.rows_done += 1
        if self.progress and self.rows_done % 500 == 0:
            self.progress("checked", self.rows_done)
        return result

    def scope_of(self, model):
        if model is get_user_model():
            return model.objects.filter(
                memberships__investigation=self.investigation, is_active=True
            )
        return model.objects.filter(investigation=self.investigation)

    def get_queryset(self):
        return self.scope_of(self._meta.model)

    def filter_export(self, queryset, **kwargs):
        """One query for the whole export, not one per row and link."""
        links = [
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, ScopedForeignKeyWidget)
        ]
        return queryset.select_related("investigation", *links)

    def before_import_row(self, row, row_number=None, **kwargs):
        self.current_row = row_number
        named = str(row.get("investigation") or "").strip()
        if named and named != self.investigation.slug:
            raise ValidationError(
                f"This row belongs to the investigation {named!r}; you are importing into "
                f"{self.investigation.slug!r}."
            )
        if row_number in self.duplicate_of:
            key = self.key_field()
            first = sheet_row(self.duplicate_of[row_number])
            raise ValidationError(
                {key.attribute: f"Row {first} has the same {key.column_name}: name each "
                 "row once in a file."}
            )  # fmt: skip

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            instance.before_import = self.snapshot(instance)
            return
        key = self.get_import_id_fields()[0]
        if not is_blank(row.get(key)):
            raise ValidationError(
                {key: f"No row with this {key} in this investigation: leave it empty to add one."}
            )
        instance.investigation = self.investigation
        if hasattr(instance, "created_by_id"):
            instance.created_by = self.user

    def snapshot(self, instance):
        """The row's values in the columns an import may write, as stored (links by id)."""
        names = {field.attribute for field in self.get_import_fields()}
        fields = [f for f in instance._meta.concrete_fields if f.name in names]
        return tuple(getattr(instance, field.attname) for field in fields)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged rows are skipped; without a diff, compared with what they held before."""
        if not self._meta.skip_diff:
            return super().skip_row(instance, original, row, import_validation_errors)
        if import_validation_errors or not hasattr(instance, "before_import"):
            return False
        return self.snapshot(instance) == instance.before_import

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Model validation without a query a row: full_clean for the fields and the model's
        clean(), then its check constraints evaluated on the row and its unique constraints
        against the investigation's rows (read once) and the file's other rows. Links need no
        check: their widgets find them only in the investigation."""
        errors = dict(import_validation_errors or {})
        links = [field.name for field in instance._meta.concrete_fields if field.is_relation]
        try:
            instance.full_clean(
                exclude=[*errors, *SET_BY_IMPORT, *links],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name, message in [*self.checks_failed(instance), *self.uniques_taken(instance)]:
            errors.setdefault(name, []).append(message)
        if errors:
            raise ValidationError(errors)

    def checks_failed(self, instance):
        """(field, message) for each check constraint the row breaks."""
        for constraint in instance._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            holds = condition_holds(constraint.condition, instance)
            if holds is NotImplemented:  # a condition too rich to evaluate here: ask the database
                try:
                    constraint.validate(type(instance), instance)
                except ValidationError:
                    holds = False
            if holds is False:
                yield (
                    rule_field(constraint, instance),
                    f"Refused by the rule “{rule_words(constraint, instance)}”.",
                )

    def uniques_taken(self, instance):
        """(field, message) for each unique constraint another row already holds."""
        for rule in self.unique_rules(type(instance)):
            if rule.condition is not None and condition_holds(rule.condition, instance) is not True:
                continue
            key = tuple(getattr(instance, field.attname) for field in rule.fields)
            if None in key:
                continue
            label, field = type(instance)._meta.verbose_name, rule.fields[-1]
            holder = rule.taken.get(key)
            if holder is not None and holder != instance.pk:
                yield (
                    field.name,
                    f"Another {label} of this investigation has this {field.verbose_name}.",
                )
                continue
            first = rule.seen.setdefault(key, (self.current_row, instance.pk))
            if first[0] != self.current_row:
                yield field.name, f"Row {sheet_row(first[0])} has the same {field.verbose_name}."

    def unique_rules(self, model):
        """The model's unique constraints, each with the keys its rows hold now (one query
        each, for the whole file)."""
        if getattr(self, "_unique_rules", None) is None:
            self._unique_rules = [
                UniqueRule.of(model, names, condition, self.investigation)
                for names, condition in unique_constraints(model)
            ]
        return self._unique_rules

    def before_save_instance(self, instance, row, **kwargs):
        if hasattr(instance, "updated_at"):
            instance.updated_at = timezone.now()

    def get_bulk_update_fields(self):
        names = [name for name in self._meta.fields if name not in ("id", "investigation")]
        return [*names, *self.extra_update_fields]

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.bulk_write(
            self.create_instances, False, using_transactions, dry_run, raise_errors, result
        )

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.bulk_write(
            self.update_instances, True, using_transactions, dry_run, raise_errors, result
        )

    def bulk_write(self, instances, update, using_transactions, dry_run, raise_errors, result):
        """Like import-export's own bulk writes, plus the history rows the admin shows."""
        if not instances or not (using_transactions or not dry_run):
            return
        model = self._meta.model
        try:
            if update:
                fields_ = self.get_bulk_update_fields()
                model.objects.bulk_update(instances, fields_, batch_size=self._meta.batch_size)
                version_bump(model, instances)
            else:
                model.objects.bulk_create(instances, batch_size=self._meta.batch_size)
            if hasattr(model, "history"):
                model.history.bulk_history_create(
                    instances,
                    update=update,
                    default_user=self.user,
                    default_change_reason=CHANGE_REASON,
                )
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            if self.progress and not dry_run:
                self.rows_written = getattr(self, "rows_written", 0) + len(instances)
                self.progress("written", self.rows_written)
            instances.clear()


def version_bump(model, instances):
    """A row changed by an import is a new version: a form opened before it is refused on
    save (django-concurrency) instead of undoing the import unseen."""
    if any(field.name == "version" for field in model._meta.concrete_fields):
        pks = [instance.pk for instance in instances]
        model.objects.filter(pk__in=pks).update(version=F("version") + 1)


class FollowUpResource(ScopedResource):
    assignee = link(get_user_model(), "assignee", "username", required=True)
    event = link("events.Event", "event")
    source = link("sources.Source", "source", "codename")
    interview = link("sources.Interview", "interview")

    class Meta(ScopedResource.Meta):
        model = FollowUp
        fields = ("id", "investigation", "title", "notes", "due_at", "assignee", "status",
                  "priority", "event", "source", "interview")  # fmt: skip
        name = "Follow-ups"
