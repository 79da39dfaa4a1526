"""Private files (attachments, documents, import uploads, publication exports): one storage,
settings.STORAGES["private"], that encrypts every file before a byte of it is written.

MEDIA_ROOT (EncryptedFileSystemStorage) or an S3-compatible bucket (EncryptedS3Storage) holds
only ciphertext, sealed with the identity keys (sources.fields: FIELD_ENCRYPTION_KEYS, newest
first). A stored file is a header and chunks, the STREAM construction (Hoang, Reyhanitabar,
Rogaway, Vizár) over AES-256-GCM:

    header    MAGIC, the key id (8 hex digits, as for identities), the chunk size (4 bytes),
              and a random nonce prefix for this file (7 bytes)
    chunk i   64 KiB of plaintext (the last one shorter, possibly empty), sealed with the
              nonce prefix + i (4 bytes) + 1 if it is the last chunk else 0 (1 byte), the
              header and the file's name as associated data

so that a chunk moved, dropped or repeated, a file cut short or lengthened, an altered header,
or a file copied under another name does not decrypt. Reading streams: the first chunk is
opened before the first byte is handed out, so a wrong key fails before a response starts
(StoredFileError, an IdentityKeyError: the same 503 page as an identity), and each later chunk
is checked before its bytes are. Encrypting runs no database query (a query on a connection in
the middle of a COPY would block it). Unlike an identity, a file is never re-written under a
key that cannot read it (rotation opens it first), so a write needs no check that the keys fit
what is stored: the system check (sources.checks) and the 503 on reading find a wrong key.
"""

import itertools
import math
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.utils import validate_file_name
from django.utils.deconstruct import deconstructible

from sources.fields import IdentityKeyError, current_keys, key_id

MAGIC = b"\x00fbf1"  # a NUL: no text Fieldbook accepts starts so, nor any image, PDF or audio
KEY_ID_LENGTH = 8
PREFIX_LENGTH = 7
HEADER_SIZE = len(MAGIC) + KEY_ID_LENGTH + 4 + PREFIX_LENGTH
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
COPY_BUFFER = 1024 * 1024


class StoredFileError(IdentityKeyError):
    """A stored file that no configured key opens, that was altered or cut short, or that was
    never encrypted. Nothing of it was handed out."""

    what = "stored files"


def private_storage():
    return storages["private"]


# The format ----------------------------------------------------------------------------------


def chunk_nonce(prefix, index, last):
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def associated_data(header, name):
    return header + b"\x00" + str(name).encode("utf-8")


def header_key_id(header):
    """The key id a stored file was written with, or None when it is not encrypted."""
    if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
        return None
    return header[len(MAGIC) : len(MAGIC) + KEY_ID_LENGTH].decode("ascii", "replace")


def plaintext_size(ciphertext_size, chunk_size=CHUNK_SIZE):
    """The size of what a stored file of `ciphertext_size` bytes decrypts to."""
    body = max(ciphertext_size - HEADER_SIZE, 0)
    chunks = max(math.ceil(body / (chunk_size + TAG_SIZE)), 1)
    return max(body - chunks * TAG_SIZE, 0)


class Sealer:
    """Encrypts one file as it is fed: feed() returns the chunks it completed, finish() the
    last one. A chunk is sealed only once more plaintext follows it, or at finish(), because
    the last chunk is marked."""

    def __init__(self, name, key=None):
        key = key or current_keys()[0]
        self.prefix = os.urandom(PREFIX_LENGTH)
        self.header = MAGIC + key_id(key).encode("ascii") + CHUNK_SIZE.to_bytes(4, "big")
        self.header += self.prefix
        self.aead, self.associated = AESGCM(key), associated_data(self.header, name)
        self.pending, self.index = bytearray(), 0

    def feed(self, data):
        self.pending += data.encode("utf-8") if isinstance(data, str) else data
        sealed, start = [], 0
        while len(self.pending) - start > CHUNK_SIZE:
            sealed.append(self.seal(bytes(self.pending[start : start + CHUNK_SIZE]), last=False))
            start += CHUNK_SIZE
        del self.pending[:start]
        return b"".join(sealed)

    def finish(self):
        return self.seal(bytes(self.pending), last=True)

    def seal(self, plaintext, *, last):
        nonce = chunk_nonce(self.prefix, self.index, last)
        self.index += 1
        return self.aead.encrypt(nonce, plaintext, self.associated)


class Opener:
    """Decrypts the chunks of one stored file, given its header."""

    def __init__(self, header, name):
        wanted = header_key_id(header)
        if wanted is None:
            raise StoredFileError(
                f"The stored file {name} is not encrypted (or its header is damaged), so it "
                "is not handed out. Run manage.py encrypt_stored_files once after upgrading."
            )
        self.name, self.key_id = name, wanted
        self.chunk_size = int.from_bytes(header[len(MAGIC) + KEY_ID_LENGTH :][:4], "big")
        self.prefix = header[HEADER_SIZE - PREFIX_LENGTH : HEADER_SIZE]
        self.aead = AESGCM(key_for(wanted, name))
        self.associated = associated_data(header[:HEADER_SIZE], name)

    def open(self, sealed, index, *, last):
        try:
            return self.aead.decrypt(chunk_nonce(self.prefix, index, last), sealed, self.associated)
        except InvalidTag:
            raise StoredFileError(
                f"The stored file {self.name} was altered, cut short or moved from another "
                "name: nothing more of it is handed out."
            ) from None


def key_for(wanted, name):
    for key in current_keys():
        if key_id(key) == wanted:
            return key
    raise StoredFileError(
        f"No key in FIELD_ENCRYPTION_KEYS opens the stored file {name} (it was written with "
        f"key id {wanted}). Add that key back, after the newest one."
    )


def read_exactly(raw, size):
    """`size` bytes, fewer only at the end: a network stream may return less per read."""
    parts, missing = [], size
    while missing:
        part = raw.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


# Streams -------------------------------------------------------------------------------------


class DecryptedStream:
    """The plaintext of a stored file, decrypted a chunk at a time as it is read."""

    def __init__(self, raw, name, ciphertext_size=None):
        self.raw, self.name = raw, name
        self.opener = Opener(read_exactly(raw, HEADER_SIZE), name)
        self.block = self.opener.chunk_size + TAG_SIZE
        if ciphertext_size is not None:
            self.size = plaintext_size(ciphertext_size, self.opener.chunk_size)
        self.following = read_exactly(raw, self.block)
        self.buffer, self.offset, self.index, self.ended = b"", 0, 0, False
        self.closed = False
        self.next_chunk()  # the first chunk now: a wrong key fails before a byte goes out

    def next_chunk(self):
        if self.ended:
            return False
        sealed = self.following
        self.following = read_exactly(self.raw, self.block) if len(sealed) == self.block else b""
        self.ended = not self.following
        self.buffer = self.opener.open(sealed, self.index, last=self.ended)
        self.offset, self.index = 0, self.index + 1
        return True

    def read(self, size=-1):
        wanted = math.inf if size is None or size < 0 else size
        parts = []
        while wanted > 0:
            if self.offset >= len(self.buffer):
                if not self.next_chunk():
                    break
                continue
            end = len(self.buffer) if wanted == math.inf else self.offset + wanted
            part = self.buffer[self.offset : end]
            self.offset += len(part)
            wanted -= len(part)
            parts.append(part)
        return b"".join(parts)

    def readable(self):
        return True

    def seekable(self):
        return False

    def close(self):
        self.closed = True
        self.raw.close()


class EncryptingStream:
    """Ciphertext read from plaintext `content` (a File, or anything with read()): what a
    backend uploads or writes when a whole file is saved at once."""

    def __init__(self, content, name, key=None):
        if hasattr(content, "chunks"):
            self.pieces = iter(content.chunks())
        else:
            self.pieces = iter(lambda: content.read(CHUNK_SIZE), b"")
        self.sealer = Sealer(name, key)
        self.buffer, self.finished, self.closed = bytearray(self.sealer.header), False, False

    def read(self, size=-1):
        while (size is None or size < 0 or len(self.buffer) < size) and not self.finished:
            piece = next(self.pieces, None)
            if piece is None or piece in (b"", ""):
                self.buffer += self.sealer.finish()
                self.finished = True
            else:
                self.buffer += self.sealer.feed(piece)
        size = len(self.buffer) if size is None or size < 0 else size
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def readable(self):
        return True

    def seekable(self):
        return False

    def close(self):
        self.closed = True


class DecryptedFile(File):
    """A private file opened for reading. Not seekable: opening it again reads it again
    through its storage, never from a path (there is no plaintext on disk to reopen)."""

    def __init__(self, stream, name, storage):
        super().__init__(stream, name)
        self.storage = storage

    def open(self, mode=None):
        fresh = not self.closed and self.file.index == 1 and self.file.offset == 0
        if not fresh:
            self.file = self.storage.open(self.name).file
        return self


class EncryptedWriteFile:
    """A private file being written (storage.open(name, "wb")), such as a publication export:
    its ciphertext (never its plaintext) piles up in a temporary file, and the file reaches the
    storage whole on close(); discard() drops it instead."""

    def __init__(self, storage, name):
        self.storage, self.name = storage, name
        self.sealer = Sealer(name)
        self.spool = tempfile.TemporaryFile(prefix=".fieldbook-sealed-")  # noqa: SIM115
        self.spool.write(self.sealer.header)
        self.closed = False

    def write(self, data):
        self.spool.write(self.sealer.feed(bytes(data)))
        return len(data)

    def writable(self):
        return True

    def readable(self):
        return False

    def seekable(self):
        return False

    def flush(self):
        pass

    def close(self):
        if self.closed:
            return
        try:
            self.spool.write(self.sealer.finish())
            self.spool.seek(0)
            self.storage.ciphertext_save(self.name, self.spool)
        finally:
            self.discard()

    def discard(self):
        self.closed = True
        self.spool.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.close()
        else:
            self.discard()


# The storages ----------------------------------------------------------------------------------


class EncryptedStorage:
    """What both backends share: encrypt in _save, decrypt in _open, plaintext sizes. A backend
    provides the stored bytes as they are (for rotation, checks and backups):
    ciphertext_open(name) -> (stream, size), ciphertext_head(name, length),
    ciphertext_save(name, stream) and ciphertext_files() -> (name, size) of every file."""

    def ciphertext_names(self):
        return (name for name, _size in self.ciphertext_files())

    def _open(self, name, mode="rb"):
        if "w" in mode:
            return EncryptedWriteFile(self, name)
        raw, size = self.ciphertext_open(name)
        try:
            return DecryptedFile(DecryptedStream(raw, name, size), name, self)
        except BaseException:
            raw.close()
            raise

    def _save(self, name, content):
        self.ciphertext_save(name, EncryptingStream(content, name))
        return name

    def size(self, name):
        return plaintext_size(super().size(name))

    def url(self, name):
        raise ValueError("Private files have no URL: they are served only by views that check.")


@deconstructible
class EncryptedFileSystemStorage(EncryptedStorage, FileSystemStorage):
    """The private storage under MEDIA_ROOT (folders 700, files 600), read on every use so
    that a changed MEDIA_ROOT is followed. A file is written beside its place under a hidden
    name and moved there: it is whole or absent, also when rotation rewrites it."""

    def __init__(self, **options):
        options = {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700, **options}
        super().__init__(allow_overwrite=True, **options)

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def ciphertext_open(self, name):
        raw = open(self.path(name), "rb")  # noqa: SIM115 (closed by DecryptedStream)
        return raw, os.fstat(raw.fileno()).st_size

    def ciphertext_head(self, name, length):
        with open(self.path(name), "rb") as raw:
            return raw.read(length)

    def ciphertext_save(self, name, stream):
        target = Path(self.path(name))
        Path(self.location).mkdir(mode=0o700, parents=True, exist_ok=True)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                shutil.copyfileobj(stream, file, COPY_BUFFER)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def ciphertext_files(self):
        """Every stored file, without the hidden partial files of unfinished writes, and
        without the development key file should MEDIA_ROOT hold it."""
        root, key_file = Path(self.location), Path(settings.DEV_ENCRYPTION_KEY_FILE).resolve()
        for directory, folders, names in os.walk(root):
            folders[:] = sorted(folder for folder in folders if not folder.startswith("."))
            for file_name in sorted(names):
                path = Path(directory) / file_name
                if file_name.startswith(".") or path.is_symlink() or not path.is_file():
                    continue
                if path.resolve() != key_file:
                    yield path.relative_to(root).as_posix(), path.stat().st_size


@deconstructible
class PrivateFolder(Storage):
    """One folder of the private storage, for a FileField whose names are relative to it
    (attachments/, documents/), as they were when each had its own folder of MEDIA_ROOT."""

    folder = ""

    def within(self, name):
        return f"{self.folder}/{name}"

    def _open(self, name, mode="rb"):
        return private_storage().open(self.within(name), mode)

    def _save(self, name, content):
        return private_storage().save(self.within(name), content)[len(self.folder) + 1 :]

    def get_available_name(self, name, max_length=None):
        # Names are random (uuid4): looking for a free one would cost a request per upload.
        validate_file_name(name, allow_relative_path=True)
        return name

    def delete(self, name):
        private_storage().delete(self.within(name))

    def exists(self, name):
        return private_storage().exists(self.within(name))

    def size(self, name):
        return private_storage().size(self.within(name))

    def listdir(self, path):
        return private_storage().listdir(self.within(path))

    def get_modified_time(self, name):
        return private_storage().get_modified_time(self.within(name))

    def url(self, name):
        raise ValueError("Private files have no URL: they are served only by views that check.")


# Rotation, the first encryption, and the check -----------------------------------------------


def stored_file_rotate(storage, name, newest):
    """Re-encrypt one file under the newest key; False if it already was. A file that was
    never encrypted is left for encrypt_stored_files (rotation takes nothing unsealed)."""
    found = header_key_id(storage.ciphertext_head(name, HEADER_SIZE))
    if found is None:
        raise StoredFileError(
            f"The stored file {name} is not encrypted: run manage.py encrypt_stored_files "
            "first, then rotate_encryption_keys again."
        )
    if found == key_id(newest):
        return False
    with storage.open(name) as plaintext:
        storage.ciphertext_save(name, EncryptingStream(plaintext.file, name, newest))
    return True


def stored_files_rotate(*, progress=None):
    """Re-encrypt every stored file under the newest key, one file at a time (each replaced
    whole), skipping those already under it: an interrupted run resumes. Returns (re-encrypted,
    already current)."""
    storage, newest = private_storage(), current_keys()[0]
    names = list(storage.ciphertext_names())
    rotated = 0
    for done, name in enumerate(names, start=1):
        rotated += stored_file_rotate(storage, name, newest)
        if progress:
            progress("files", done, len(names))
    return rotated, len(names) - rotated


def stored_files_encrypt(*, progress=None):
    """Encrypt in place, under the newest key, every stored file that is still plaintext (the
    files of a Fieldbook from before this storage); encrypted ones are left as they are, so it
    can run again. Returns (encrypted, already encrypted)."""
    storage, newest = private_storage(), current_keys()[0]
    names = list(storage.ciphertext_names())
    encrypted = 0
    for done, name in enumerate(names, start=1):
        if header_key_id(storage.ciphertext_head(name, HEADER_SIZE)) is None:
            raw, _size = storage.ciphertext_open(name)
            try:
                storage.ciphertext_save(name, EncryptingStream(raw, name, newest))
            finally:
                raw.close()
            encrypted += 1
        if progress:
            progress("files", done, len(names))
    return encrypted, len(names) - encrypted


def stored_files_sample(*, limit):
    """{key id (None: not encrypted): a file's name} from the headers of the first `limit`
    stored files (by name: random names, so a sample across the years)."""
    storage = private_storage()
    found = {}
    for name in itertools.islice(storage.ciphertext_names(), limit):
        found.setdefault(header_key_id(storage.ciphertext_head(name, HEADER_SIZE)), name)
    return found


def stored_file_opens(name):
    """Decrypt a stored file's first chunk (raises StoredFileError if no key opens it)."""
    with private_storage().open(name):
        return True
