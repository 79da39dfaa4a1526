"""Identities at rest: authenticated encryption under keys from the environment."""

import base64
import io
import json
import os

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from sources.fields import IdentityKeyError, Sealed, key_id
from sources.models import Interview, Source
from tests.factories import make_interview, make_source


def raw_column(model, name, pk):
    with connection.cursor() as cursor:
        table = model._meta.db_table
        cursor.execute(f"SELECT {name} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def source(cast, investigation):
    return make_source(
        investigation,
        cast["reporter"],
        real_name="Canary Jamal",
        aliases="Canary al-Jamali\nجمال الكناري",
        contact="canary-handle@signal",
        identifying_notes="Canary: lives behind the mill",
    )


def test_the_database_holds_only_ciphertext_for_identity_fields(source):
    for name in Source.IDENTITY_FIELDS:
        stored = raw_column(Source, name, source.pk)
        assert stored.startswith("fb1:")
        assert "Canary" not in stored and "canary" not in stored


def test_sensitive_interview_notes_are_encrypted_too(cast, investigation):
    interview = make_interview(investigation, cast["reporter"], sensitive_notes="Canary note")
    stored = raw_column(Interview, "sensitive_notes", interview.pk)
    assert stored.startswith("fb1:")
    assert "Canary" not in stored
    interview.refresh_from_db()
    assert interview.sensitive_notes.reveal() == "Canary note"


def test_a_loaded_identity_prints_as_a_placeholder_and_reveals_on_request(source):
    loaded = Source.objects.get(pk=source.pk)
    assert isinstance(loaded.real_name, Sealed)
    assert str(loaded.real_name) == "[protected]"
    assert "Canary" not in repr(loaded.real_name)
    assert loaded.real_name.reveal() == "Canary Jamal"


def test_the_same_name_encrypts_differently_each_time(cast, investigation):
    first = make_source(investigation, cast["reporter"], real_name="Same Name")
    second = make_source(investigation, cast["reporter"], real_name="Same Name")
    assert raw_column(Source, "real_name", first.pk) != raw_column(Source, "real_name", second.pk)


def test_the_token_carries_no_timestamp(cast, investigation):
    # Fernet tokens begin with a readable timestamp; ours are a key id, a nonce and AES-GCM.
    source = make_source(investigation, cast["reporter"], real_name="x")
    payload = raw_column(Source, "real_name", source.pk).split(":")[2]
    assert len(base64.urlsafe_b64decode(payload)) == 12 + 1 + 16


def test_a_ciphertext_moved_to_another_column_does_not_decrypt(source):
    stolen = raw_column(Source, "real_name", source.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sources_source SET contact = %s WHERE id = %s", [stolen, source.pk])
    with pytest.raises(IdentityKeyError, match="altered"):
        Source.objects.get(pk=source.pk).contact.reveal()


def test_searching_for_a_name_finds_nothing(source):
    assert Source.objects.filter(pk=source.pk).exists()
    assert not Source.objects.filter(real_name="Canary Jamal").exists()


@pytest.mark.parametrize("lookup", ["icontains", "regex", "gt", "length__gt", "lower"])
def test_a_lookup_that_would_read_the_ciphertext_is_refused(source, lookup):
    """A pattern or a length would tell something about the name (its length, which
    sources have none); only exact, in, isnull and startswith are allowed."""
    with pytest.raises(FieldError):
        list(Source.objects.filter(**{f"real_name__{lookup}": "x"}))


def test_a_wrong_key_fails_closed_when_reading(source, settings):
    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32)]
    loaded = Source.objects.get(pk=source.pk)
    assert loaded.codename  # the rest of the row still works
    with pytest.raises(IdentityKeyError, match="No key in FIELD_ENCRYPTION_KEYS opens"):
        loaded.real_name.reveal()


def test_saving_a_row_under_a_wrong_key_keeps_the_stored_ciphertext(source, settings):
    before = raw_column(Source, "real_name", source.pk)
    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32)]
    loaded = Source.objects.get(pk=source.pk)
    loaded.description = "farmer"
    loaded.full_clean()
    loaded.save()
    assert raw_column(Source, "real_name", source.pk) == before


def test_without_any_key_no_identity_can_be_written(cast, investigation, settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(IdentityKeyError, match="not set"):
        make_source(investigation, cast["reporter"], real_name="Unwritable")
    assert not Source.objects.exists()


def test_an_old_key_still_reads_after_a_new_one_is_put_first(source, settings):
    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32), *settings.FIELD_ENCRYPTION_KEYS]
    assert Source.objects.get(pk=source.pk).real_name.reveal() == "Canary Jamal"


def test_dumpdata_carries_ciphertext_and_loaddata_restores_it(source, tmp_path):
    out = io.StringIO()
    call_command("dumpdata", "sources.source", stdout=out)
    assert source.codename in out.getvalue() and "fb1:" in out.getvalue()
    assert "Canary" not in out.getvalue()
    fixture = tmp_path / "sources.json"
    fixture.write_text(out.getvalue())
    Source.objects.filter(pk=source.pk).update(description="changed")
    call_command("loaddata", str(fixture), verbosity=0)
    restored = Source.objects.get(pk=source.pk)
    assert restored.description == json.loads(out.getvalue())[0]["fields"]["description"]
    assert restored.real_name.reveal() == "Canary Jamal"


def test_key_rotation_re_encrypts_everything_and_can_be_resumed(cast, investigation, settings):
    for number in range(7):
        make_source(investigation, cast["reporter"], real_name=f"Person {number}", contact="c")
    make_interview(investigation, cast["reporter"], sensitive_notes="notes")
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], os.urandom(32)
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_encryption_keys", batch_size=3, stdout=out)
    assert "sources.source.real_name: 7 re-encrypted, 0 already current." in out.getvalue()
    assert "sources.interview.sensitive_notes: 1 re-encrypted" in out.getvalue()
    again = io.StringIO()
    call_command("rotate_encryption_keys", batch_size=3, stdout=again)  # resumes: nothing left
    assert "Done: 0 values and 0 files re-encrypted." in again.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key retired
    names = sorted(source.real_name.reveal() for source in Source.objects.all())
    assert names == [f"Person {number}" for number in range(7)]
    assert {Source.objects.first().real_name.key_id} == {key_id(new_key)}


def test_an_interrupted_rotation_leaves_every_row_readable(cast, investigation, settings):
    from sources import identity

    for number in range(6):
        make_source(investigation, cast["reporter"], real_name=f"Person {number}")
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], os.urandom(32)
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    calls = []

    def interrupt(label, done, total):
        calls.append(done)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        identity.identities_rotate(batch_size=2, progress=interrupt)
    assert calls == [2]
    mixed = {source.real_name.key_id for source in Source.objects.all()}
    assert mixed == {key_id(new_key), key_id(old_key)}
    assert all(source.real_name.reveal() for source in Source.objects.all())
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    assert {source.real_name.key_id for source in Source.objects.all()} == {key_id(new_key)}


def test_the_database_check_refuses_keys_that_open_no_identity(source, settings):
    from sources.checks import check_identities_readable

    assert check_identities_readable(None, databases=["default"]) == []
    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32)]
    errors = check_identities_readable(None, databases=["default"])
    assert errors and {error.id for error in errors} == {"sources.E001"}
