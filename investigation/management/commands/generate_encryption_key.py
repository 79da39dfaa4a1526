import base64
import secrets

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Print a new random key for FIELD_ENCRYPTION_KEYS (32 bytes, urlsafe base64). "
        "Put it first in the list; keep the old keys after it until rotate_encryption_keys has run."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        self.stdout.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"))
