from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from sources.fields import IdentityKeyError
from sources.identity import identity_erase
from sources.models import Source


class Command(BaseCommand):
    help = (
        "Erase a source's identity (name, contact, identifying notes) and the sensitive notes "
        "of its interviews, for good. The codename and everything attributed to it stay. "
        "Logged. Needs an editor or admin of the source's investigation."
    )

    def add_arguments(self, parser):
        parser.add_argument("codename")
        parser.add_argument("--user", required=True, help="Your username (editor or admin).")
        parser.add_argument("--reason", required=True, help="Why; kept in the access log.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, codename, user, reason, yes, **options):
        source = Source.objects.filter(codename=codename).first()
        if source is None:
            raise CommandError(f"No source has the codename {codename!r}.")
        person = get_user_model().objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(f"No active user {user!r}.")
        if not yes and input(f"Type {codename} to erase its identity for good: ") != codename:
            raise CommandError("Not confirmed: nothing was erased.")
        try:
            identity_erase(source=source, user=person, reason=reason)
        except (PermissionDenied, IdentityKeyError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"The identity of {codename} is erased."))
