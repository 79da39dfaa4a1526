from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from events.acled import acled_import
from investigation.models import Investigation


class Command(BaseCommand):
    help = (
        "Import an ACLED CSV export (the 2023 layout or the older one) into an investigation. "
        "Every row is checked first; a file with any problem imports nothing and every "
        "problem is listed. Re-importing updates the events by event_id_cnty."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The ACLED CSV file.")
        parser.add_argument("--investigation", required=True, help="The investigation's slug.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count, but write nothing."
        )
        parser.add_argument("--user", help="Recorded as the creator of what is imported.")

    def handle(self, *args, path, investigation, dry_run, user, **options):
        found = Investigation.objects.filter(slug=investigation).first()
        if found is None:
            raise CommandError(f"No investigation has the slug {investigation!r}.")
        person = None
        if user:
            person = get_user_model().objects.filter(username=user, is_active=True).first()
            if person is None:
                raise CommandError(f"No active user {user!r}.")
        try:
            report = acled_import(
                path_or_file=path,
                investigation=found,
                dry_run=dry_run,
                progress=self.progress,
                user=person,
            )
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        for note in report.notes:
            self.stdout.write(note)
        for problem in report.problems:
            self.stderr.write(str(problem))
        if not report.ok:
            raise CommandError(report.summary())
        prefix = "Dry run, nothing written. " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))

    def progress(self, stage, done, total):
        self.stdout.write(f"{stage} {done}" + (f"/{total}" if total else "") + " rows")
