"""System checks that stored identities and files open with the configured keys: a wrong
FIELD_ENCRYPTION_KEYS is refused before anything is written."""

from django.core import checks
from django.db import connection
from django.db.models import Q

from sources.fields import PREFIX, IdentityKeyError, current_keys, encrypted_columns, key_id
from sources.storage import stored_file_opens, stored_files_sample

# Stored files are sampled, not all read: the headers of this many at most (fewer once every
# configured key has a file), and the first chunk of one file per key id found.
FILE_SAMPLE = 100


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
    errors = []
    for model, name in encrypted_columns():
        if column_exists(model, name):  # before the migrate that adds it, nothing to read
            errors += column_problems(model, name, ids)
    return errors


def column_exists(model, name):
    """migrate runs these checks before it migrates: a table or column it is about to add
    must not make the check (and so the migrate) fail."""
    table = model._meta.db_table
    if table not in connection.introspection.table_names():
        return False
    column = model._meta.get_field(name).column
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, table)
    return column in {found.name for found in described}


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


@checks.register(checks.Tags.database)
def check_stored_files_readable(app_configs, databases=None, **kwargs):
    """`manage.py check --database default`: refuse keys that open none of the stored files
    (sources.E002), and files still in plaintext. A sample (FILE_SAMPLE), not every file: a
    bucket may hold hundreds of thousands, and reading a header costs a request each."""
    if not databases:
        return []
    try:
        ids = {key_id(key) for key in current_keys()}
        sample = stored_files_sample(limit=FILE_SAMPLE)
    except IdentityKeyError:
        return []  # no key at all: check_identities_readable says so (sources.E001)
    except Exception as error:  # a bucket that does not answer, or refuses the credentials
        return [
            checks.Error(
                f"The private storage cannot be listed ({type(error).__name__}: {error}).",
                hint="Check STORAGE_BUCKET, STORAGE_ENDPOINT_URL and the bucket's credentials.",
                id="sources.E003",
            )
        ]
    return [problem for found in sample.items() if (problem := file_problem(*found, ids))]


def file_problem(wanted, name, ids):
    if wanted is None:
        return checks.Error(
            f"Stored files are in plaintext (e.g. {name}): run manage.py encrypt_stored_files.",
            id="sources.E002",
        )
    if wanted not in ids:
        return checks.Error(
            f"Stored files (e.g. {name}) were written with key id {wanted}, which is not in "
            "FIELD_ENCRYPTION_KEYS: add that key back (after the newest one).",
            id="sources.E002",
        )
    try:
        stored_file_opens(name)
    except IdentityKeyError as error:
        return checks.Error(str(error), id="sources.E002")
    return None
