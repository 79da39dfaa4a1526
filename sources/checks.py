from django.core import checks
from django.db import connection

from sources.fields import IdentityKeyError


@checks.register(checks.Tags.database)
def check_identities_readable(app_configs, databases=None, **kwargs):
    """`manage.py check --database default`: refuse to start on keys that open no identity."""
    from sources.services import encrypted_columns

    if not databases:
        return []
    tables = connection.introspection.table_names()
    for model, name in encrypted_columns():
        if model._meta.db_table not in tables:
            continue  # before the first migrate
        sample = model._base_manager.exclude(**{name: ""}).values_list(name, flat=True).first()
        try:
            if sample is not None:
                sample.reveal()
        except IdentityKeyError as error:
            return [checks.Error(str(error), id="sources.E001")]
    return []
