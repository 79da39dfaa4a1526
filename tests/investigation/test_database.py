import pytest
from django.db import connection

pytestmark = pytest.mark.postgresql


def test_the_suite_talks_to_a_postgresql_test_database(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_database()")
        version, database = cursor.fetchone()
    assert version.startswith("PostgreSQL")
    assert database.startswith("test_")
