"""`manage.py bench_imports`: see bench.imports."""

from django.core.management.base import BaseCommand, CommandError

from bench.imports import ROWS, measure
from bench.timing import figure_line


class Command(BaseCommand):
    help = (
        "Time imports of N rows (default 20,000: a spreadsheet of events and an ACLED file, "
        "preview + import, in the request and on the worker's path) against bulk_create of as "
        "many events; the ACLED header check at 4,000 and 40,000 columns; and the peak memory "
        "of refusing a workbook with a 1 GB part and an 88-megapixel PNG."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=ROWS)
        parser.add_argument("--runs", type=int, default=3, help="At least 3.")

    def handle(self, *args, rows, runs, **options):
        if runs < 3:
            raise CommandError("--runs must be at least 3 (the median of fewer says little).")
        for figure in measure(runs=runs, stdout=self.stdout, rows=rows):
            self.stdout.write(figure_line(figure))
