"""A wrong key writes nothing: with FIELD_ENCRYPTION_KEYS set to keys that open none of the
identities already stored, every write of an identity or of sensitive notes is refused (the
same 503 as a read, in the admin; an error in commands), and the database is unchanged."""

import io
import os
import time

import pytest
from django.core.management import CommandError, call_command

from sources.checks import check_identities_readable
from sources.fields import IdentityKeyError
from sources.identity import notes_fingerprint
from sources.models import Interview, Source
from tests.admin_forms import form_fields
from tests.factories import make_interview, make_source


@pytest.fixture
def stored(cast, investigation):
    """A source and an interview written under the right key."""
    source = make_source(investigation, cast["reporter"], real_name="Canary Nadia")
    interview = make_interview(
        investigation, cast["reporter"], sources=[source], sensitive_notes="Canary notes"
    )
    return source, interview


@pytest.fixture
def wrong_key(settings, stored):
    right = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32)]
    yield
    settings.FIELD_ENCRYPTION_KEYS = right


def columns():
    return {
        "sources": list(Source.objects.values_list("pk", "real_name", "contact")),
        "interviews": list(Interview.objects.values_list("pk", "sensitive_notes")),
    }


def log_in(client, user):
    client.force_login(user)
    session = client.session
    session["authenticated_at"] = int(time.time())
    session.save()


def test_a_new_source_with_an_identity_is_refused_in_the_admin(client, cast, investigation, stored):
    log_in(client, cast["reporter"])
    form = form_fields(client.get("/admin/sources/source/add/"))
    data = {**form, "investigation": investigation.pk, "description": "farmer, Hawija"}
    # Positive control: with the right key, the same form saves.
    assert client.post("/admin/sources/source/add/", {**data, "real_name": "A"}).status_code == 302

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.conf.settings.FIELD_ENCRYPTION_KEYS", [os.urandom(32)])
        before = columns()
        data["description"] = "teacher, Hawija"
        response = client.post("/admin/sources/source/add/", {**data, "real_name": "Canary B"})

    assert response.status_code == 503
    assert "nothing was written" in response.content.decode()
    assert columns() == before
    assert not Source.objects.filter(description="teacher, Hawija").exists()


def test_an_identity_change_is_refused_and_the_stored_identity_kept(
    client, cast, stored, wrong_key
):
    source, _ = stored
    before = columns()
    log_in(client, cast["reporter"])

    response = client.post(
        f"/admin/sources/source/{source.pk}/identity/",
        {"change": "1", "real_name": "Overwritten", "contact": "", "identifying_notes": "",
         "change_reason": "Fixing a typo in the name."},
    )  # fmt: skip

    assert response.status_code == 503
    assert columns() == before


def test_new_sensitive_notes_are_refused(client, cast, investigation, stored, wrong_key):
    _, interview = stored
    before = columns()
    log_in(client, cast["reporter"])

    changed = client.post(
        f"/admin/sources/interview/{interview.pk}/notes/",
        {
            "change": "1",
            "notes": "Overwritten",
            "change_reason": "Adding what was said.",
            "seen": notes_fingerprint(interview),  # read just before: no conflict to find
        },
    )

    assert changed.status_code == 503
    assert columns() == before


def test_a_source_written_in_code_is_refused(cast, investigation, stored, wrong_key):
    before = columns()
    with pytest.raises(IdentityKeyError, match="nothing was written"):
        make_source(investigation, cast["reporter"], real_name="Canary C")
    assert columns() == before


def test_burning_a_source_is_refused_by_the_command(cast, stored, wrong_key):
    source, _ = stored
    before = columns()
    with pytest.raises(CommandError, match="open none of the identities"):
        call_command(
            "burn_source", source.codename, user="editor", reason="Source asked us to.",
            yes=True, stdout=io.StringIO(),
        )  # fmt: skip
    assert columns() == before


def test_the_database_check_finds_a_value_no_configured_key_opens(settings, stored):
    """Not a sample: one value written under another key among many is found."""
    source, _ = stored
    assert check_identities_readable(None, databases=["default"]) == []
    right = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32), *right]  # a newer key, then dropped
    Source.objects.filter(pk=source.pk).update(contact="written under the newer key")
    settings.FIELD_ENCRYPTION_KEYS = right

    errors = check_identities_readable(None, databases=["default"])

    assert [error.id for error in errors] == ["sources.E001"]
    assert "1 stored value(s) of sources.source.contact" in errors[0].msg


def test_a_new_key_put_first_still_writes_while_the_old_one_opens_what_is_stored(
    settings, cast, investigation, stored
):
    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32), *settings.FIELD_ENCRYPTION_KEYS]
    source = make_source(investigation, cast["reporter"], real_name="Canary D")
    assert Source.objects.get(pk=source.pk).real_name.reveal() == "Canary D"
