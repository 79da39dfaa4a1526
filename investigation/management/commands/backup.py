import time

from django.core.management.base import BaseCommand, CommandError

from investigation.backups import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Write the database and MEDIA_ROOT to one archive (tar.gz). The encryption keys and "
        "SECRET_KEY are never in it: keep them apart from the backups (see the README)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="The archive to write (a new file).")

    def handle(self, *args, output, **options):
        started = time.monotonic()
        try:
            manifest = backup_write(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["rows"].values())
        media = manifest["media"]
        keys = ", ".join(sorted(manifest["encryption_key_ids"])) or "none"
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output}: {rows} rows, {media['files']} files ({media['bytes']} bytes) "
                f"in {time.monotonic() - started:.1f} s. Identities need the key(s) with id "
                f"{keys}, which are not in the archive."
            )
        )
