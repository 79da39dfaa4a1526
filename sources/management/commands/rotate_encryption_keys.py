from django.core.management.base import BaseCommand, CommandError

from sources.fields import IdentityKeyError, current_keys, key_id
from sources.identity import identities_rotate
from sources.storage import stored_files_rotate

FILE_PROGRESS_EVERY = 100


class Command(BaseCommand):
    help = (
        "Re-encrypt every source identity, sensitive note and stored file (attachments, "
        "documents, imports, exports) under the newest key (the first in "
        "FIELD_ENCRYPTION_KEYS). Safe to interrupt and run again: it resumes. Remove an old "
        "key from FIELD_ENCRYPTION_KEYS only after a run that reports nothing left on it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        try:
            newest = key_id(current_keys()[0])
            self.stdout.write(f"Re-encrypting under key {newest}, {batch_size} rows a batch.")
            report = identities_rotate(batch_size=batch_size, progress=self.progress)
            files = stored_files_rotate(progress=self.files_progress)
        except IdentityKeyError as error:
            raise CommandError(
                f"{error} Nothing after the last finished batch or file was changed."
            ) from None
        for column, (rotated, current) in report.items():
            self.stdout.write(f"{column}: {rotated} re-encrypted, {current} already current.")
        self.stdout.write(f"stored files: {files[0]} re-encrypted, {files[1]} already current.")
        total = sum(rotated for rotated, _ in report.values())
        self.stdout.write(
            self.style.SUCCESS(f"Done: {total} values and {files[0]} files re-encrypted.")
        )

    def progress(self, column, done, total):
        self.stdout.write(f"  {column}: {done}/{total}")

    def files_progress(self, what, done, total):
        if done % FILE_PROGRESS_EVERY == 0 or done == total:
            self.stdout.write(f"  stored files: {done}/{total}")
