from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from investigation.models import Investigation, PublicationExport
from stories.models import OverrideApproval
from stories.publication.export import publication_export
from stories.publication.scan import Finding


class Command(BaseCommand):
    help = (
        "Export an investigation's events cleared for publication (CSV, XLSX, JSON or "
        "GeoJSON): allowlisted columns only, places tied to sources shown as their district, "
        "and a leak scan that refuses the export when it finds a protected identifier of any "
        "source. Going out despite findings needs an override a second person approved in the "
        "admin (--approval). Logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--investigation", required=True, help="The investigation's slug.")
        parser.add_argument("--format", required=True, choices=PublicationExport.Format.values)
        parser.add_argument("--output", required=True, help="The file to write.")
        parser.add_argument("--user", help="Your username (an Admin of the investigation).")
        parser.add_argument(
            "--approval",
            type=int,
            help="The number of an override you asked for in the admin and a second person "
            "approved: the export goes out if it finds nothing else (needs --user).",
        )

    def handle(self, *args, investigation, format, output, user, approval, **options):
        found = Investigation.objects.filter(slug=investigation).first()
        if found is None:
            raise CommandError(f"No investigation has the slug {investigation!r}.")
        person = None
        if user:
            person = get_user_model().objects.filter(username=user, is_active=True).first()
            if person is None:
                raise CommandError(f"No active user {user!r}.")
        approved = None
        if approval is not None:
            approved = OverrideApproval.objects.filter(pk=approval).first()
            if approved is None:
                raise CommandError(f"No override approval {approval}.")
        try:
            export = publication_export(
                investigation=found,
                fmt=format,
                user=person,
                output=output,
                approval=approved,
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
            self.stderr.write(str(Finding(**finding)))
        if export.status == PublicationExport.Status.REFUSED:
            raise CommandError(
                f"Refused: the leak scan found {len(findings)} protected identifier(s); nothing "
                f"was written. {export.error} Edit those events, or ask for an override in the "
                "admin (a second person must approve it), then export with --approval."
            )
        if export.status != PublicationExport.Status.DONE:
            raise CommandError(f"The export failed: {export.error}")
        overridden = f" despite {len(findings)} finding(s), overridden" if findings else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {export.rows} events to {export.path}{overridden}. SHA-256 {export.sha256}"
            )
        )
