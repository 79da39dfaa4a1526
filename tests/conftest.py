"""The cast: two investigations and the people who work on them. Factories for rows are in
tests/factories.py; the harness (real services, browsers, reports) is tests/harness.py."""

import pytest

# These two replace pytest-django's fixtures of the same name, which only a conftest can do
# (a plugin's fixtures rank below pytest-django's): see tests/harness.py.
from tests.harness import django_db_modify_db_settings, django_db_setup  # noqa: F401
from tests.viewports import sized  # noqa: F401  (pages of a phone's and a laptop's size)


@pytest.fixture
def investigation(db):
    from tests.factories import make_investigation

    return make_investigation(title="Raids in Kirkuk", slug="raids-in-kirkuk")


@pytest.fixture
def other_investigation(db):
    from tests.factories import make_investigation

    return make_investigation(title="Port smuggling", slug="port-smuggling")


@pytest.fixture
def cast(investigation, other_investigation):
    from investigation.models import Role
    from tests.factories import make_member

    return {
        "reporter": make_member(investigation, Role.REPORTER, "reporter"),
        "reporter2": make_member(investigation, Role.REPORTER, "reporter2"),
        "editor": make_member(investigation, Role.EDITOR, "editor"),
        "admin": make_member(investigation, Role.ADMIN, "admin"),
        "outsider": make_member(other_investigation, Role.EDITOR, "outsider"),
    }


@pytest.fixture
def reporter(cast):
    return cast["reporter"]


@pytest.fixture
def editor(cast):
    return cast["editor"]
