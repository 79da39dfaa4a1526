"""The demo investigation for the map and timeline tests, and where their screenshots go."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from investigation.models import Investigation
from tests.harness import ARTIFACTS_DIR

DEMO_PASSWORD = "demo password for the map tests"


@pytest.fixture
def demo(db, settings, monkeypatch, tmp_path):
    """The Kirkuk raids as `make run` shows them (manage.py seed_demo): 46 events."""
    settings.DEBUG = True  # seed_demo refuses to run without it
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())
    return Investigation.objects.get(slug="kirkuk-raids")


@pytest.fixture
def demo_reporter(demo):
    return get_user_model().objects.get(username="reporter")


def save_artifact(page, name):
    """A screenshot kept under var/test-artifacts/ for a person to look at."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / name, full_page=True)
