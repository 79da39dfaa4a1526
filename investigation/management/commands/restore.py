import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, SystemCheckError

from investigation.backups import (
    BackupError,
    backup_inspect,
    backup_restore,
    restore_occupied,
)


class Command(BaseCommand):
    help = (
        "Bring a backup (manage.py backup) back: its rows into this database and its files "
        "into MEDIA_ROOT. The database must be migrated and empty, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The backup archive (.tar.gz).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the rows and files already there (they are listed first).",
        )
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, archive, force, yes, **options):
        try:
            manifest = backup_inspect(archive=archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        occupied = restore_occupied()
        self.describe(archive, manifest, occupied)
        if occupied and not force:
            raise CommandError(
                "This database is not empty: nothing was changed. Restore into an empty, "
                "migrated database, or run again with --force to replace what is listed above."
            )
        if not yes and input("Type restore to go on: ") != "restore":
            raise CommandError("Not confirmed: nothing was changed.")
        started = time.monotonic()
        try:
            backup_restore(archive=archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Restored {archive} in {time.monotonic() - started:.1f} s.")
        )
        self.check_keys()

    def describe(self, archive, manifest, occupied):
        rows = sum(manifest["rows"].values())
        media = manifest["media"]
        self.stdout.write(
            f"{archive}: a backup of {manifest['created_at']} ({manifest['database']}), "
            f"{rows} rows and {media['files']} files."
        )
        for what, count in occupied.items():
            self.stdout.write(f"  This would replace {count} {what}.")

    def check_keys(self):
        """The configured keys against every restored identity (sources.E001)."""
        try:
            call_command("check", databases=["default"], stdout=self.stdout)
        except SystemCheckError as error:
            self.stderr.write(
                f"{error}\nThe rows are restored, but identities will not open until the "
                "key(s) they were written with are in FIELD_ENCRYPTION_KEYS."
            )
