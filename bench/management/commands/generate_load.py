"""`manage.py generate_load`: see bench.load."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.load import load_generate
from investigation.models import Investigation


class Command(BaseCommand):
    help = (
        "Fill the database with seeded, realistic rows for benchmarks: --scale 1 is one year "
        "of one newsroom's investigation (about 20,000 events, 2,000 interviews, 500 sources, "
        "20,000 follow-ups, 300 places); --scale N is N years of the same investigation, N "
        "times the rows (0.01 for a quick look). PostgreSQL only, unless --allow-sqlite."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Years of work (default 1); below 1, fewer rows in one year.",
        )
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same rows.")
        parser.add_argument(
            "--investigation", metavar="SLUG", help="Add to this investigation, not a new one."
        )
        parser.add_argument(
            "--allow-sqlite",
            action="store_true",
            help="Run on SQLite too (slowly; the benchmarks mean PostgreSQL).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off: never on a production database.",
        )

    def handle(self, *args, scale, seed, investigation, allow_sqlite, force, **options):
        self.refuse_unless_safe(allow_sqlite=allow_sqlite, force=force)
        if scale <= 0:
            raise CommandError("--scale must be more than 0.")
        existing = self.investigation_find(investigation)
        self.totals, self.inserting = {}, 0.0
        started = time.perf_counter()
        result = load_generate(scale=scale, seed=seed, investigation=existing, progress=self.report)
        self.summarise(result, time.perf_counter() - started)

    def refuse_unless_safe(self, *, allow_sqlite, force):
        vendors = {"postgresql", "sqlite"} if allow_sqlite else {"postgresql"}
        if connection.vendor not in vendors:
            raise CommandError(
                f"generate_load fills PostgreSQL, and this database is {connection.vendor}. "
                "Set DATABASE_URL=postgres://..., or use --allow-sqlite for a small SQLite run."
            )
        if not (settings.DEBUG or force):
            raise CommandError(
                "generate_load writes thousands of made-up rows and staff accounts, so it runs "
                "only with DEBUG on. Use --force to run it anyway (never in production)."
            )

    def investigation_find(self, slug):
        if not slug:
            return None
        found = Investigation.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No investigation has the slug {slug!r}.")
        return found

    def report(self, label, rows, seconds):
        self.totals[label] = self.totals.get(label, 0) + rows
        self.inserting += seconds
        rate = rows / seconds if seconds else 0
        self.stdout.write(f"  {label:<24} {rows:>11,} rows {seconds:8.2f} s {rate:>11,.0f} rows/s")

    def summarise(self, investigation, seconds):
        rows = sum(self.totals.values())
        # Mostly PostgreSQL checking every new row's foreign keys (Django defers them to commit).
        rest = seconds - self.inserting
        self.stdout.write(f"  {'queries, commit, ANALYZE':<24} {'':16} {rest:8.2f} s")
        self.stdout.write(
            f"{investigation.title} ({investigation.slug}): {rows:,} rows in {seconds:.1f} s "
            f"({rows / seconds:,.0f} rows/s):"
        )
        for label, count in self.totals.items():
            self.stdout.write(f"  {label:<24} {count:>11,}")
