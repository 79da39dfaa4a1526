"""`manage.py bench_acled`: see bench.acled."""

from django.core.management.base import BaseCommand, CommandError

from bench.acled import measure
from bench.timing import figure_line


class Command(BaseCommand):
    help = (
        "Generate an ACLED file of N rows (default 10,000), time its import (dry-run preview, "
        "then the import; median of --runs, each from an empty investigation) against a plain "
        "bulk_create of N equivalent events, and print the ratio and the query counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=3, help="At least 3.")

    def handle(self, *args, rows, runs, **options):
        if runs < 3:
            raise CommandError("--runs must be at least 3 (the median of fewer says little).")
        for figure in measure(runs=runs, stdout=self.stdout, rows=rows):
            self.stdout.write(figure_line(figure))
