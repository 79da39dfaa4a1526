from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from investigation.models import Investigation
from sources.fields import IdentityKeyError
from sources.identity import identity_erase


class Command(BaseCommand):
    help = (
        "Erase the identities of every source of an investigation (for example when it is "
        "archived), keeping codenames. Logged per source. Needs an editor or admin of it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--investigation", required=True, help="The investigation's slug.")
        parser.add_argument("--user", required=True, help="Your username (editor or admin).")
        parser.add_argument("--reason", required=True, help="Why; kept in the access log.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, investigation, user, reason, yes, **options):
        target = Investigation.objects.filter(slug=investigation).first()
        if target is None:
            raise CommandError(f"No investigation has the slug {investigation!r}.")
        person = get_user_model().objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(f"No active user {user!r}.")
        sources = list(target.sources.all())
        prompt = f"Type {investigation} to erase {len(sources)} identities for good: "
        if not yes and input(prompt) != investigation:
            raise CommandError("Not confirmed: nothing was erased.")
        try:
            with transaction.atomic():
                for source in sources:
                    identity_erase(source=source, user=person, reason=reason)
        except (PermissionDenied, IdentityKeyError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Erased {len(sources)} identities."))
