from django.core.management.base import BaseCommand, CommandError

from sources.fields import IdentityKeyError, current_keys, key_id
from sources.storage import stored_files_encrypt

PROGRESS_EVERY = 100


class Command(BaseCommand):
    help = (
        "Encrypt in place, under the newest key in FIELD_ENCRYPTION_KEYS, every private file "
        "still stored in plaintext (attachments, documents, imports and exports written before "
        "the private storage encrypted them). Run it once after upgrading; files already "
        "encrypted are left alone, so it is safe to interrupt and run again."
    )

    def handle(self, *args, **options):
        try:
            newest = key_id(current_keys()[0])
            self.stdout.write(f"Encrypting plaintext files under key {newest}.")
            encrypted, already = stored_files_encrypt(progress=self.progress)
        except IdentityKeyError as error:
            raise CommandError(f"{error} The files encrypted so far stay encrypted.") from None
        self.stdout.write(
            self.style.SUCCESS(f"Done: {encrypted} files encrypted, {already} already were.")
        )

    def progress(self, what, done, total):
        if done % PROGRESS_EVERY == 0 or done == total:
            self.stdout.write(f"  {done}/{total}")
