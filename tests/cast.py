"""The cast: two investigations and the people who work on them."""

import pytest

from investigation.models import Role
from tests.factories import make_investigation, make_member


@pytest.fixture
def investigation(db):
    return make_investigation(title="Raids in Kirkuk", slug="raids-in-kirkuk")


@pytest.fixture
def other_investigation(db):
    return make_investigation(title="Port smuggling", slug="port-smuggling")


@pytest.fixture
def cast(investigation, other_investigation):
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


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Creating the cast's accounts with the real hasher would take most of the suite's time."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def field_encryption_keys():
    """A fresh key for the test run: tests never depend on a developer's var/ key file."""
    import base64
    import os

    from django.test.utils import override_settings

    key = os.urandom(32)
    with override_settings(FIELD_ENCRYPTION_KEYS=[key]):
        yield [base64.urlsafe_b64encode(key).decode()]
