from django.core import checks
from django.db import connection
from django.db.models import Q

from sources.fields import PREFIX, IdentityKeyError, current_keys, encrypted_columns, key_id


@checks.register(checks.Tags.database)
def check_identities_readable(app_configs, databases=None, **kwargs):
    """`manage.py check --database default`: refuse keys that do not open every stored value.

    Every stored value is counted by the key id it was written with (one query a column), and
    one value per key id is opened, so that a key with the right id but the wrong bytes, or a
    value written under a key that is no longer configured, is found however few there are."""
    if not databases:
        return []
    try:
        keys = current_keys()
    except IdentityKeyError as error:
        return [checks.Error(str(error), id="sources.E001")]
    ids = [key_id(key) for key in keys]
    tables = connection.introspection.table_names()
    errors = []
    for model, name in encrypted_columns():
        if model._meta.db_table in tables:  # before the first migrate, nothing to read
            errors += column_problems(model, name, ids)
    return errors


def column_problems(model, name, ids):
    label = f"{model._meta.label_lower}.{name}"
    stored = model._base_manager.exclude(**{name: ""})
    ours = Q()
    for wanted in ids:
        ours |= Q(**{f"{name}__startswith": f"{PREFIX}:{wanted}:"})
    unreadable = stored.exclude(ours).count()
    if unreadable:
        return [
            checks.Error(
                f"{unreadable} stored value(s) of {label} were written with a key that is not "
                "in FIELD_ENCRYPTION_KEYS: add that key back (after the newest one).",
                id="sources.E001",
            )
        ]
    for wanted in ids:
        sample = stored.filter(**{f"{name}__startswith": f"{PREFIX}:{wanted}:"})
        try:
            for sealed in sample.values_list(name, flat=True)[:1]:
                sealed.reveal()
        except IdentityKeyError as error:
            return [checks.Error(f"{label}: {error}", id="sources.E001")]
    return []
