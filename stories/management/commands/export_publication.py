from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from investigation.models import Investigation, PublicationExport
from stories.publication.export import publication_export


class Command(BaseCommand):
    help = (
        "Export an investigation's publishable events for publication (CSV, XLSX, JSON or "
        "GeoJSON): allowlisted columns only, places tied to sources shown as their district, "
        "and a leak scan that refuses the export when it finds a protected identifier. Logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--investigation", required=True, help="The investigation's slug.")
        parser.add_argument("--format", required=True, choices=PublicationExport.Format.values)
        parser.add_argument("--output", required=True, help="The file to write.")
        parser.add_argument("--user", help="Your username (an Admin of the investigation).")
        parser.add_argument(
            "--override-reason",
            help="Export despite leak-scan findings, for this reason (needs --user, logged).",
        )

    def handle(self, *args, investigation, format, output, user, override_reason, **options):
        found = Investigation.objects.filter(slug=investigation).first()
        if found is None:
            raise CommandError(f"No investigation has the slug {investigation!r}.")
        person = None
        if user:
            person = get_user_model().objects.filter(username=user, is_active=True).first()
            if person is None:
                raise CommandError(f"No active user {user!r}.")
        try:
            export = publication_export(
                investigation=found,
                fmt=format,
                user=person,
                output=output,
                override_reason=override_reason,
                progress=self.progress,
            )
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self.report(export)

    def progress(self, rows, total):
        self.stdout.write(f"{rows}/{total} events")

    def report(self, export):
        findings = export.findings
        for finding in findings:
            self.stderr.write(
                f"row {finding['row']} (event {finding['event']}), {finding['field']}: "
                f"{finding['kind']} of source {finding['codename']}"
            )
        if export.status == PublicationExport.Status.REFUSED:
            raise CommandError(
                f"Refused: the leak scan found {len(findings)} protected identifier(s); nothing "
                "was written. Edit those events, or export with --user and --override-reason."
            )
        if export.status != PublicationExport.Status.DONE:
            raise CommandError(f"The export failed: {export.error}")
        overridden = f" despite {len(findings)} finding(s), overridden" if findings else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {export.rows} events to {export.path}{overridden}. SHA-256 {export.sha256}"
            )
        )
