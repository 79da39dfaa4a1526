"""migrate runs the database checks before it migrates: an encrypted column that a pending
migration adds must not stop the migrate that adds it."""

import pytest
from django.core.management import call_command
from django.db import connection

from sources.checks import check_identities_readable
from sources.models import Source


def source_columns():
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, Source._meta.db_table)
    return {found.name for found in described}


@pytest.mark.django_db(transaction=True)
def test_a_database_behind_by_the_aliases_column_migrates_with_its_checks_on():
    call_command("migrate", "sources", "0013", verbosity=0)
    try:
        assert "aliases" not in source_columns()
        assert "codename" in source_columns()  # the table is there, only the column is not
        assert check_identities_readable(None, databases=["default"]) == []
        call_command("migrate", verbosity=0)  # checks run first, as on a deploy
    finally:
        call_command("migrate", verbosity=0, skip_checks=True)
    assert "aliases" in source_columns()
