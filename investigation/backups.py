"""Backups: the whole database and the private files in one archive, never the keys, and the
restore of such an archive into an empty database (manage.py backup, manage.py restore).

The archive is a tar.gz of three things: manifest.json (what it holds: migrations, rows per
model, media files, the ids of the encryption keys its identities need), database.jsonl (every
row, Django's own serialisation, one object a line) and media/ (every file of the private
storage, settings.STORAGES["private"], exactly as it is stored under MEDIA_ROOT or in the
bucket: ciphertext, sources.storage). Django's
dumpdata/loaddata was chosen over pg_dump: one format for SQLite and PostgreSQL, restorable
from one into the other, no client binaries to match the server's version, and encrypted
columns stay the ciphertext they are in the database (EncryptedTextField serialises its token).
Its cost is speed: loaddata writes a row at a time (see the README for figures).

What is never in it: FIELD_ENCRYPTION_KEYS, var/field-encryption.key and SECRET_KEY live outside
the database and MEDIA_ROOT, so without them an archive's identities and notes stay ciphertext.
Sessions are left out too: a restore logs everybody out.
"""

import io
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "fieldbook-backup/1"
MANIFEST = "manifest.json"
DATA = "database.jsonl"
MEDIA = "media"
LEFT_OUT = ["sessions"]  # logins are not data: a restore starts everyone afresh
# Models whose rows make a database "not empty": what people entered, and the accounts.
# (A migrated database already holds content types, permissions, the role groups and the
# default schedules.)
DATA_APPS = ("investigation", "events", "sources", "stories")


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with what to do about it. Nothing changed."""


# Backup --------------------------------------------------------------------------------------


def backup_write(*, output):
    """Write the archive to `output` (a new file, mode 600) and return its manifest. The rows
    come from one consistent snapshot; the file appears complete or not at all."""
    output = Path(output).resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if output.exists():
        raise BackupError(f"{output} exists already: choose a new file name.")
    if media_root in output.parents:
        raise BackupError("Write backups outside MEDIA_ROOT: a backup must not contain itself.")
    if not output.parent.is_dir():
        raise BackupError(f"There is no folder {output.parent}.")
    work = Path(tempfile.mkdtemp(prefix=".fieldbook-backup-", dir=output.parent))
    partial = output.with_name(f".{output.name}.partial")
    try:
        manifest = database_dump(work / DATA)
        manifest["media"] = archive_write(partial, work / DATA, manifest)
        partial.rename(output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
    return manifest


def database_dump(path):
    """Every row to `path`, and the manifest of what was dumped, in one snapshot (REPEATABLE
    READ on PostgreSQL; SQLite's read transaction holds one too)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        call_command("dumpdata", format="jsonl", output=str(path), exclude=LEFT_OUT, verbosity=0)
        return {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": applied_migrations(),
            "rows": row_counts(),
            "encryption_key_ids": encryption_key_ids(),
        }


def archive_write(partial, data, manifest):
    """The tar.gz: manifest, rows, then every private file as it is stored, encrypted (never a
    key file). Returns {files, bytes} of the media; the manifest written records them too."""
    storage = storages["private"]
    files = list(storage.ciphertext_files())
    manifest["media"] = {"files": len(files), "bytes": sum(size for _name, size in files)}
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        text = json.dumps(manifest, indent=2, sort_keys=True).encode()
        entry = tarfile.TarInfo(MANIFEST)
        entry.size, entry.mtime, entry.mode = len(text), int(timezone.now().timestamp()), 0o600
        archive.addfile(entry, io.BytesIO(text))
        archive.add(data, arcname=DATA, recursive=False)
        for name, _size in files:
            media_add(archive, storage, name, entry.mtime)
    return manifest["media"]


def media_add(archive, storage, name, mtime):
    """One stored file, its bytes as stored (a file deleted since the listing is left out)."""
    try:
        raw, size = storage.ciphertext_open(name)
    except FileNotFoundError:
        return
    try:
        entry = tarfile.TarInfo(f"{MEDIA}/{name}")
        entry.size, entry.mtime, entry.mode = size, mtime, 0o600
        archive.addfile(entry, raw)
    finally:
        raw.close()


def applied_migrations():
    applied = MigrationRecorder(connection).applied_migrations()
    grouped = {}
    for app_label, name in sorted(applied):
        grouped.setdefault(app_label, []).append(name)
    return grouped


def row_counts():
    return {
        model._meta.label_lower: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.app_label not in LEFT_OUT
    }


def encryption_key_ids():
    """{key id: values} of every encrypted value: which keys a restore will need."""
    counts = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not getattr(field, "encrypted", False):
                continue
            values = model._base_manager.exclude(**{field.name: ""})
            for sealed in values.values_list(field.name, flat=True).iterator():
                counts[sealed.key_id] = counts.get(sealed.key_id, 0) + 1
    return counts


# Restore -------------------------------------------------------------------------------------


def backup_inspect(*, archive):
    """The archive's manifest, once it is known to be a Fieldbook backup this database can take
    (the same migrations applied)."""
    try:
        with tarfile.open(archive, "r:gz") as opened:
            manifest = json.load(opened.extractfile(MANIFEST))
    except (OSError, tarfile.TarError, KeyError, ValueError, TypeError):
        raise BackupError(f"{archive} is not a Fieldbook backup (no readable manifest).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a backup this Fieldbook reads ({FORMAT}).")
    migrations_check(manifest["migrations"])
    return manifest


def migrations_check(archived):
    """Rows fit only the schema they were dumped from: the same migrations, no more, no less."""
    if not connection.introspection.table_names():
        raise BackupError("The database has no tables: run manage.py migrate first.")
    here = applied_migrations()
    label = {(app, name) for app, names in here.items() for name in names}
    there = {(app, name) for app, names in archived.items() for name in names}
    if there - label:
        missing = ", ".join(f"{app}.{name}" for app, name in sorted(there - label))
        raise BackupError(
            f"The backup was made after migrations this database has not applied ({missing}): "
            "run manage.py migrate with the Fieldbook version that made the backup."
        )
    if label - there:
        newer = ", ".join(f"{app}.{name}" for app, name in sorted(label - there))
        raise BackupError(
            f"This database has migrations the backup predates ({newer}): restore it into a "
            "database migrated by the Fieldbook version that made it, then upgrade."
        )


def restore_occupied():
    """What a restore would replace: {what: how many} of people's data, accounts and files."""
    occupied = {}
    for app_label in DATA_APPS:
        if not apps.is_installed(app_label):
            continue
        for model in apps.get_app_config(app_label).get_models():
            if getattr(model, "instance_type", None):
                continue  # a history table: it goes with its records
            count = model._base_manager.count()
            if count:
                occupied[str(model._meta.verbose_name_plural)] = count
    users = apps.get_model(settings.AUTH_USER_MODEL)._base_manager.count()
    if users:
        occupied["user accounts"] = users
    files = sum(1 for _ in storages["private"].ciphertext_names())
    if files:
        occupied["private files (attachments, documents, imports, exports)"] = files
    return occupied


def backup_restore(*, archive):
    """Replace the database's rows and the private files with the archive's, in one
    transaction for the rows. The files (ciphertext) are unpacked first, beside MEDIA_ROOT,
    and stored only once the rows are in."""
    backup_inspect(archive=archive)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".fieldbook-restore-", dir=media_root.parent))
    try:
        with tarfile.open(archive, "r:gz") as opened:
            members = archive_members(opened)
            opened.extractall(work, members=members, filter="data")
        with transaction.atomic():
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            call_command("loaddata", str(work / DATA), verbosity=0)
        apps.get_model("contenttypes", "ContentType").objects.clear_cache()
        media_replace(work / MEDIA)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return row_counts()


def archive_members(opened):
    """The rows and the media files, nothing else (and nothing outside media/)."""
    wanted = []
    for member in opened.getmembers():
        inside_media = member.name.startswith(f"{MEDIA}/") and member.isfile()
        if member.name == DATA or inside_media:
            wanted.append(member)
    return wanted


def media_replace(unpacked):
    """The private storage's files become the archive's, stored as they were (ciphertext; under
    MEDIA_ROOT, folders 700 and files 600)."""
    storage = storages["private"]
    for name in list(storage.ciphertext_names()):
        storage.delete(name)
    if not unpacked.is_dir():
        return
    for directory, _, names in os.walk(unpacked):
        for file_name in sorted(names):
            path = Path(directory) / file_name
            with path.open("rb") as stream:
                storage.ciphertext_save(path.relative_to(unpacked).as_posix(), stream)
