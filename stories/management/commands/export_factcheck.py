from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from investigation.models import Investigation
from stories.factcheck import factcheck_export
from stories.models import FactcheckExport
from stories.publication.scan import Finding


class Command(BaseCommand):
    help = (
        "Write an investigation's fact-check sheet: one row per claim and piece of evidence "
        "(claim, status, independent sources, stance, cited source codename or document, how "
        "they know, date, quote), never an identity, refused by the leak scan like a "
        "publication export. Logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--investigation", required=True, help="The investigation's slug.")
        parser.add_argument("--format", required=True, choices=FactcheckExport.Format.values)
        parser.add_argument("--output", required=True, help="The file to write.")
        parser.add_argument("--user", required=True, help="Your username (an Editor or Admin).")

    def handle(self, *args, investigation, format, output, user, **options):
        found = Investigation.objects.filter(slug=investigation).first()
        if found is None:
            raise CommandError(f"No investigation has the slug {investigation!r}.")
        person = get_user_model().objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(f"No active user {user!r}.")
        try:
            content, log = factcheck_export(investigation=found, fmt=format, user=person)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        for finding in log.findings:
            self.stderr.write(str(Finding(**finding)))
        if content is None:
            raise CommandError(
                f"Refused: the leak scan found {len(log.findings)} protected identifier(s); "
                "nothing was written. Edit those claims' evidence first."
            )
        with open(output, "wb") as file:
            file.write(content)
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {log.rows} rows to {output}. SHA-256 {log.sha256}")
        )
