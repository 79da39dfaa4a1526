"""`manage.py bench`: see bench.results."""

import importlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.results import RESULTS, SUITES, results_page, results_table


class Command(BaseCommand):
    help = (
        "Run the benchmarks (GeoJSON, publication export, ACLED import, reminder sweep, admin "
        "lists) on PostgreSQL, print one table and write bench/results.md. Use `make bench`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3, help="Runs per figure (at least 3).")
        parser.add_argument(
            "--only", action="append", choices=list(SUITES), help="Just these (repeatable)."
        )

    def handle(self, *args, runs, only, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Benchmarks run on PostgreSQL: use `make bench`.")
        if runs < 3:
            raise CommandError("--runs must be at least 3 (the median of fewer says little).")
        figures, seconds = [], {}
        for name in only or SUITES:
            self.stdout.write(self.style.MIGRATE_HEADING(f"== {name}"))
            started = time.perf_counter()
            module = importlib.import_module(SUITES[name])
            figures += module.measure(runs=runs, stdout=self.stdout)
            seconds[name] = time.perf_counter() - started
        table = results_table(figures)
        self.stdout.write("\n" + table)
        if only:
            self.stdout.write("(Some benchmarks only: bench/results.md left as it was.)")
            return
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(results_page(table, runs, seconds))
        self.stdout.write(self.style.SUCCESS(f"Wrote {RESULTS.relative_to(settings.BASE_DIR)}"))
