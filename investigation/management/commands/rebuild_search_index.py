import time

from django.core.management.base import BaseCommand, CommandError

from investigation import search
from investigation.models import Investigation


class Command(BaseCommand):
    help = (
        "Index every searchable record again (events, places, actors, sources, interviews, "
        "follow-ups, claims, documents), of one investigation or all, and forget entries whose "
        "record is gone. Never indexes an identity or sensitive notes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--investigation", metavar="SLUG", help="Only this investigation.")

    def handle(self, *args, investigation=None, **options):
        chosen = None
        if investigation:
            chosen = Investigation.objects.filter(slug=investigation).first()
            if chosen is None:
                raise CommandError(f"No investigation with the slug {investigation!r}.")
        started = time.monotonic()
        indexed = search.index_rebuild(investigation=chosen, progress=self.progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {indexed:,} records in {time.monotonic() - started:.1f} s."
            )
        )

    def progress(self, label, done, total):
        self.stdout.write(f"  {label}: {done:,} of {total:,}")
