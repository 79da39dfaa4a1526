"""Private files (sources.storage): encrypted before they are written, under MEDIA_ROOT or in an
S3-compatible bucket; streamed back decrypted; a wrong key, an altered file or a file still in
plaintext fails closed; rotation, the first encryption of old files and the system check. The
two application servers sharing a bucket are in test_storage_two_servers.py."""

import io
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from investigation.importexport import import_file_read, import_file_save
from investigation.models import PublicationExport
from sources.checks import check_stored_files_readable
from sources.fields import key_id
from sources.storage import (
    CHUNK_SIZE,
    HEADER_SIZE,
    TAG_SIZE,
    StoredFileError,
    header_key_id,
    private_storage,
)
from stories.models import Document
from stories.publication.export import publication_export
from tests.factories import make_attachment, make_event, make_interview

CANARY = b"canary: the farmer behind the Quux mill told us\n"
CONTENT = CANARY * 3000  # 144 kB: three chunks, the last one short
BLOCK = CHUNK_SIZE + TAG_SIZE


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def interview(investigation, cast, media_root):
    return make_interview(investigation, cast["reporter"])


def on_disk(media_root):
    """{name: bytes} of every file under MEDIA_ROOT, hidden ones included."""
    return {
        path.relative_to(media_root).as_posix(): path.read_bytes()
        for path in Path(media_root).rglob("*")
        if path.is_file()
    }


def downloaded(response):
    return b"".join(response.streaming_content)


# What is stored, and what comes back ---------------------------------------------------------


def test_an_attachment_is_stored_as_ciphertext_and_downloads_as_it_was(
    client, cast, interview, media_root, settings
):
    attachment = make_attachment(interview, cast["reporter"], content=CONTENT)

    stored = (media_root / "attachments" / attachment.file.name).read_bytes()
    assert CANARY not in stored
    assert header_key_id(stored) == key_id(settings.FIELD_ENCRYPTION_KEYS[0])
    assert len(stored) == HEADER_SIZE + len(CONTENT) + 3 * TAG_SIZE
    assert attachment.file.size == len(CONTENT)  # what it decrypts to
    client.force_login(cast["reporter"])
    response = client.get(attachment.get_download_url())
    assert response.status_code == 200
    assert downloaded(response) == CONTENT


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE])
def test_files_of_every_size_around_a_chunk_come_back_byte_for_byte(media_root, size):
    content = os.urandom(size)
    name = private_storage().save("attachments/sized.bin", ContentFile(content))

    with private_storage().open(name) as opened:
        assert opened.read() == content
    assert private_storage().size(name) == size


def test_documents_and_import_uploads_are_stored_encrypted(media_root, investigation, client, cast):
    document = Document.objects.create(
        investigation=investigation, title="A statement", file_kind="text"
    )
    document.file.save("statement", ContentFile(CANARY))
    upload = import_file_save(CANARY)

    stored = on_disk(media_root)
    assert {f"documents/{document.file.name}", f"imports/{upload}"} == set(stored)
    assert not any(CANARY in data for data in stored.values())
    assert import_file_read(upload) == CANARY
    client.force_login(cast["reporter"])
    response = client.get(reverse("stories:document_download", args=[document.pk]))
    assert response.status_code == 200 and downloaded(response) == CANARY


def test_a_publication_export_is_kept_encrypted_and_downloads_decrypted(
    media_root, investigation, client, cast
):
    make_event(investigation, title="Quuxmill night raid", publishable=True)

    result = publication_export(
        investigation=investigation, fmt="csv", user=cast["admin"], output=None
    )

    assert result.status == PublicationExport.Status.DONE, result.error
    assert result.path.startswith("exports/")
    stored = on_disk(media_root)
    assert list(stored) == [result.path]  # no partial file left beside it
    assert b"Quuxmill" not in stored[result.path]
    client.force_login(cast["admin"])
    download = reverse("admin:investigation_publication_download", args=[result.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"Quuxmill night raid" in downloaded(response)


def test_a_file_written_as_a_stream_appears_whole_on_close_and_a_discarded_one_leaves_nothing(
    media_root,
):
    storage = private_storage()
    kept = storage.open("exports/kept.csv", "wb")
    kept.write(CONTENT)
    assert not storage.exists("exports/kept.csv")  # nothing until it is whole
    kept.close()
    dropped = storage.open("exports/dropped.csv", "wb")
    dropped.write(CONTENT)
    dropped.discard()

    assert list(on_disk(media_root)) == ["exports/kept.csv"]
    with storage.open("exports/kept.csv") as opened:
        assert opened.read() == CONTENT


# Failing closed ------------------------------------------------------------------------------


def flipped(data, at):
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


ALTERATIONS = {
    "a bit flipped in the second chunk": lambda data: flipped(data, HEADER_SIZE + BLOCK + 10),
    "cut short at a chunk boundary": lambda data: data[: HEADER_SIZE + 2 * BLOCK],
    "only the header left": lambda data: data[:HEADER_SIZE],
    "two chunks swapped": lambda data: (
        data[:HEADER_SIZE]
        + data[HEADER_SIZE + BLOCK : HEADER_SIZE + 2 * BLOCK]
        + data[HEADER_SIZE : HEADER_SIZE + BLOCK]
        + data[HEADER_SIZE + 2 * BLOCK :]
    ),
    "a chunk added at the end": lambda data: data + data[HEADER_SIZE : HEADER_SIZE + BLOCK],
    "the nonce prefix changed": lambda data: flipped(data, HEADER_SIZE - 1),
    "the key id changed": lambda data: data[:5] + b"00000000" + data[13:],
}


@pytest.mark.parametrize("alteration", ALTERATIONS)
def test_a_stored_file_altered_in_any_way_does_not_decrypt(media_root, alteration):
    storage = private_storage()
    name = storage.save("attachments/altered.txt", ContentFile(CONTENT))
    path = media_root / name
    with storage.open(name) as opened:
        assert opened.read() == CONTENT  # the control: unaltered, it reads
    path.write_bytes(ALTERATIONS[alteration](path.read_bytes()))

    with pytest.raises(StoredFileError), storage.open(name) as opened:
        opened.read()


def test_a_file_copied_under_another_name_does_not_decrypt(media_root):
    storage = private_storage()
    storage.save("attachments/one.txt", ContentFile(CONTENT))
    (media_root / "attachments" / "two.txt").write_bytes(
        (media_root / "attachments" / "one.txt").read_bytes()
    )

    with pytest.raises(StoredFileError, match="moved from another name"):
        storage.open("attachments/two.txt")


def test_a_wrong_key_answers_the_503_page_and_hands_out_nothing(client, cast, interview, settings):
    attachment = make_attachment(interview, cast["reporter"], content=CONTENT)
    client.force_login(cast["reporter"])
    right = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32)]

    response = client.get(attachment.get_download_url())

    assert response.status_code == 503
    page = response.content.decode()
    assert "cannot read stored files" in page and "Add that key back" in page
    assert CANARY.decode() not in page
    settings.FIELD_ENCRYPTION_KEYS = right  # the control: with its key it downloads
    assert downloaded(client.get(attachment.get_download_url())) == CONTENT


def test_a_file_still_in_plaintext_is_not_handed_out(client, cast, interview, media_root):
    attachment = make_attachment(interview, cast["reporter"], content=CONTENT)
    (media_root / "attachments" / attachment.file.name).write_bytes(CONTENT)  # from before
    client.force_login(cast["reporter"])

    response = client.get(attachment.get_download_url())

    assert response.status_code == 503
    assert "encrypt_stored_files" in response.content.decode()
    assert CANARY.decode() not in response.content.decode()


# Encrypting old files, rotating keys, checking them --------------------------------------------


def test_encrypt_stored_files_encrypts_old_plaintext_files_in_place_once(
    client, cast, interview, media_root
):
    attachment = make_attachment(interview, cast["reporter"], content=CONTENT)
    path = media_root / "attachments" / attachment.file.name
    path.write_bytes(CONTENT)  # as a Fieldbook from before the private storage left it
    legacy_export = media_root / "exports" / "7-0123.csv"
    legacy_export.parent.mkdir(mode=0o700)
    legacy_export.write_bytes(b"event_id_cnty,title\r\n,Quuxmill night raid\r\n")
    out = io.StringIO()

    call_command("encrypt_stored_files", stdout=out)

    assert "2 files encrypted, 0 already were" in out.getvalue()
    assert CANARY not in path.read_bytes() and b"Quuxmill" not in legacy_export.read_bytes()
    client.force_login(cast["reporter"])
    assert downloaded(client.get(attachment.get_download_url())) == CONTENT
    with private_storage().open("exports/7-0123.csv") as opened:
        assert b"Quuxmill night raid" in opened.read()
    again = io.StringIO()
    call_command("encrypt_stored_files", stdout=again)
    assert "0 files encrypted, 2 already were" in again.getvalue()


def test_rotation_re_encrypts_every_stored_file_under_the_newest_key_and_resumes(
    cast, interview, media_root, settings
):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    attachment = make_attachment(interview, cast["reporter"], content=CONTENT)
    upload = import_file_save(CANARY)
    new = os.urandom(32)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()

    call_command("rotate_encryption_keys", stdout=out)

    assert "stored files: 2 re-encrypted, 0 already current" in out.getvalue()
    assert {header_key_id(data) for data in on_disk(media_root).values()} == {key_id(new)}
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key can go now
    with attachment.file.open("rb") as opened:
        assert opened.read() == CONTENT
    assert import_file_read(upload) == CANARY
    again = io.StringIO()
    call_command("rotate_encryption_keys", stdout=again)
    assert "stored files: 0 re-encrypted, 2 already current" in again.getvalue()


def test_the_system_check_refuses_keys_that_open_no_stored_file(media_root, settings, db):
    private_storage().save("attachments/kept.txt", ContentFile(CONTENT))
    assert check_stored_files_readable(None, databases=["default"]) == []  # the control
    right = settings.FIELD_ENCRYPTION_KEYS

    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32)]
    (wrong_key,) = check_stored_files_readable(None, databases=["default"])
    settings.FIELD_ENCRYPTION_KEYS = right
    (media_root / "attachments" / "old.txt").write_bytes(CONTENT)
    problems = check_stored_files_readable(None, databases=["default"])

    assert wrong_key.id == "sources.E002"
    assert f"key id {key_id(right[0])}, which is not in FIELD_ENCRYPTION_KEYS" in wrong_key.msg
    assert [problem.id for problem in problems] == ["sources.E002"]
    assert "run manage.py encrypt_stored_files" in problems[0].msg


# In an S3-compatible bucket --------------------------------------------------------------------


def test_files_in_the_bucket_are_ciphertext_and_round_trip_through_rotation(
    bucket, client, cast, interview, settings, media_root
):
    attachment = make_attachment(interview, cast["reporter"], content=CONTENT)
    upload = import_file_save(CANARY)
    old = settings.FIELD_ENCRYPTION_KEYS[0]

    stored = bucket.objects()
    assert set(stored) == {f"attachments/{attachment.file.name}", f"imports/{upload}"}
    assert not any(CANARY in data for data in stored.values())
    assert {header_key_id(data) for data in stored.values()} == {key_id(old)}
    assert on_disk(media_root) == {}  # nothing on this machine's disk
    new = os.urandom(32)
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    settings.FIELD_ENCRYPTION_KEYS = [new]

    assert "stored files: 2 re-encrypted" in out.getvalue()
    rotated = bucket.objects()
    assert {header_key_id(data) for data in rotated.values()} == {key_id(new)}
    assert not any(CANARY in data for data in rotated.values())
    client.force_login(cast["reporter"])
    response = client.get(attachment.get_download_url())
    assert response.status_code == 200 and downloaded(response) == CONTENT
    assert import_file_read(upload) == CANARY


def test_a_missing_object_in_the_bucket_answers_the_clear_404_page(bucket, client, cast, interview):
    missing = make_attachment(interview, cast["reporter"], content=CONTENT)
    kept = make_attachment(interview, cast["reporter"], content=CANARY)
    bucket.client().delete_object(Bucket=bucket.name, Key=f"attachments/{missing.file.name}")
    client.force_login(cast["reporter"])

    response = client.get(missing.get_download_url())

    assert response.status_code == 404
    assert "The file of this attachment is missing" in response.content.decode()
    assert downloaded(client.get(kept.get_download_url())) == CANARY  # the control
