"""Backup and restore: the database and MEDIA_ROOT in one archive without the keys, brought
back into an empty database; a drill (back up, wipe, restore, read every identity and check
every attachment's SHA-256), and a missing attachment file answers a clear page, not a 500."""

import base64
import hashlib
import io
import os
import shutil
import tarfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.test.utils import override_settings

from events.models import Event
from investigation.models import FollowUp
from sources.fields import IdentityKeyError
from sources.identity import notes_fingerprint, notes_update
from sources.models import Attachment, Interview, NotesRevision, Source
from tests.factories import (
    make_attachment,
    make_event,
    make_follow_up,
    make_interview,
    make_source,
)

CANARIES = {
    "real_name": "Zahir Backup-Canary",
    "contact": "+964 771 555 0123",
    "identifying_notes": "canary: cousin runs the Quux garage",
    "sensitive_notes": "canary-notes: met behind the Quux mill",
    "earlier_notes": "canary-earlier: first version of the notes",
}
PHOTO = b"\x89PNG-not-really, but bytes whose SHA-256 must survive" * 50


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir(mode=0o700)
    return settings.MEDIA_ROOT


@pytest.fixture
def record(cast, investigation, media_root):
    """An investigation's worth of rows with identities, notes, an earlier version of the
    notes and attachments on disk."""
    source = make_source(
        investigation,
        cast["reporter"],
        real_name=CANARIES["real_name"],
        contact=CANARIES["contact"],
        identifying_notes=CANARIES["identifying_notes"],
    )
    event = make_event(investigation, title="Night raid on farm sheds")
    interview = make_interview(
        investigation,
        cast["reporter"],
        sources=[source],
        events=[event],
        sensitive_notes=CANARIES["earlier_notes"],
    )
    notes_update(
        interview=interview,
        user=cast["reporter"],
        reason="Adding the second call.",
        notes=CANARIES["sensitive_notes"],
        seen=notes_fingerprint(interview),
    )
    attachments = [
        make_attachment(interview, cast["reporter"], content=b"Notes from the call.\n"),
        make_attachment(interview, cast["reporter"], content=PHOTO),
    ]
    make_follow_up(investigation, cast["reporter"], source=source, title="Call Amber Heron")
    return {"source": source, "interview": interview, "attachments": attachments}


def archive_bytes(path):
    """Every member of the archive, decompressed, as one byte string."""
    with tarfile.open(path, "r:gz") as archive:
        return b"\n".join(
            archive.extractfile(member).read() for member in archive.getmembers() if member.isfile()
        )


def wipe(media_root):
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media_root)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


pytestmark = pytest.mark.django_db(transaction=True)  # flush and restore commit, as for real


def test_the_drill_back_up_wipe_restore_and_everything_reads_again(
    record, media_root, tmp_path, field_encryption_keys
):
    archive = tmp_path / "backup.tar.gz"
    counts = {model: model.objects.count() for model in (Source, Interview, Event, FollowUp)}
    call_command("backup", output=str(archive), stdout=io.StringIO())
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    wipe(media_root)
    assert not Source.objects.exists() and not media_root.exists()  # a control: it is gone
    out = io.StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)

    assert {model: model.objects.count() for model in counts} == counts
    source = Source.objects.get()
    assert source.real_name.reveal() == CANARIES["real_name"]
    assert source.contact.reveal() == CANARIES["contact"]
    interview = Interview.objects.get()
    assert interview.sensitive_notes.reveal() == CANARIES["sensitive_notes"]
    assert NotesRevision.objects.get().text.reveal() == CANARIES["earlier_notes"]
    for attachment in Attachment.objects.all():
        path = media_root / "attachments" / attachment.file.name
        with attachment.file.open("rb") as stored:  # decrypted on the way out
            assert hashlib.sha256(stored.read()).hexdigest() == attachment.sha256_stored
        assert digest(path) != attachment.sha256_stored  # what is on disk is ciphertext
        assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert Attachment.objects.count() == 2
    assert "Restored" in out.getvalue()
    another_key = override_settings(FIELD_ENCRYPTION_KEYS=[os.urandom(32)])
    with another_key, pytest.raises(IdentityKeyError):  # another key opens nothing
        Source.objects.get().real_name.reveal()


def test_people_log_in_and_download_attachments_after_a_restore(record, media_root, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    wipe(media_root)
    call_command("restore", str(archive), yes=True, stdout=io.StringIO())

    client = Client()
    client.force_login(get_user_model().objects.get(username="reporter"))
    for attachment in Attachment.objects.all():
        response = client.get(attachment.get_download_url())
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == attachment.sha256_stored


def test_the_archive_holds_ciphertext_and_never_a_key(
    record, media_root, tmp_path, settings, field_encryption_keys
):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    content = archive_bytes(archive)

    for name, canary in CANARIES.items():
        assert canary.encode() not in content, name
    for key in field_encryption_keys:
        assert key.encode() not in content
        assert base64.urlsafe_b64decode(key) not in content
    assert settings.SECRET_KEY.encode() not in content
    # The attachments are in it as they are stored, encrypted: not one plaintext line of them.
    assert PHOTO[:60] not in content and b"Notes from the call." not in content
    # Positive controls: the rows, the ciphertext and the files are in it.
    assert record["source"].codename.encode() in content
    assert record["source"].real_name.token.encode() in content
    for attachment in record["attachments"]:
        assert (media_root / "attachments" / attachment.file.name).read_bytes() in content
    with tarfile.open(archive, "r:gz") as opened:
        names = opened.getnames()
    assert {"manifest.json", "database.jsonl"} <= set(names)
    assert sum(name.startswith("media/attachments/") for name in names) == 2


def test_a_non_empty_database_is_refused_and_what_it_holds_is_named(record, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    Source.objects.filter(pk=record["source"].pk).update(description="changed after the backup")
    out = io.StringIO()

    with pytest.raises(CommandError, match="not empty: nothing was changed"):
        call_command("restore", str(archive), yes=True, stdout=out)

    assert "This would replace 1 sources" in out.getvalue()
    assert "This would replace 5 user accounts" in out.getvalue()
    assert Source.objects.get().description == "changed after the backup"


def test_force_replaces_what_is_there_with_the_backup(record, media_root, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), stdout=io.StringIO())
    Source.objects.update(description="changed after the backup")
    make_event(Source.objects.get().investigation, title="Added after the backup")
    (media_root / "stray.txt").write_text("not in the backup")

    call_command("restore", str(archive), yes=True, force=True, stdout=io.StringIO())

    assert Source.objects.get().description == "intelligence officer, Hawija"
    assert not Event.objects.filter(title="Added after the backup").exists()
    assert not (media_root / "stray.txt").exists()


def test_a_file_that_is_not_a_backup_is_refused_in_words(db, tmp_path):
    bogus = tmp_path / "holiday.tar.gz"
    bogus.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="is not a Fieldbook backup"):
        call_command("restore", str(bogus), yes=True)


def test_a_backup_never_overwrites_a_file_or_lands_inside_media_root(record, media_root, tmp_path):
    existing = tmp_path / "backup.tar.gz"
    existing.write_bytes(b"yesterday's backup")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", output=str(existing))
    assert existing.read_bytes() == b"yesterday's backup"
    with pytest.raises(CommandError, match="outside MEDIA_ROOT"):
        call_command("backup", output=str(media_root / "backup.tar.gz"))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["backup.tar.gz", "media"]


# A missing attachment file -------------------------------------------------------------------


def test_a_missing_attachment_file_answers_a_clear_404_page(record, media_root, client, cast):
    missing, kept = record["attachments"]
    (media_root / "attachments" / missing.file.name).unlink()
    client.force_login(cast["reporter"])

    response = client.get(missing.get_download_url())

    assert response.status_code == 404
    page = response.content.decode()
    assert "The file of this attachment is missing" in page
    assert missing.sha256_stored in page
    assert client.get(kept.get_download_url()).status_code == 200  # a control
