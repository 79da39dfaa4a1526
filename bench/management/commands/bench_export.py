"""`manage.py bench_export`: see bench.export."""

from django.core.management.base import BaseCommand, CommandError

from bench.export import measure
from bench.timing import figure_line


class Command(BaseCommand):
    help = (
        "On PostgreSQL: export N publishable events (default 100,000) for publication as CSV "
        "and XLSX, median of --runs, and compare time and peak memory (tracemalloc) with "
        "csv.writer over values_list, with PostgreSQL's COPY, and with openpyxl write-only; "
        "then the CSV export's peak memory again at --large events (default 1,000,000)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument(
            "--large", type=int, default=1_000_000, help="0 skips the memory check at scale."
        )
        parser.add_argument("--runs", type=int, default=5, help="At least 3.")
        parser.add_argument("--csv-only", action="store_true", help="Skip the (slow) XLSX cases.")

    def handle(self, *args, events, large, runs, csv_only, **options):
        if runs < 3:
            raise CommandError("--runs must be at least 3 (the median of fewer says little).")
        figures = measure(
            runs=runs, stdout=self.stdout, events=events, large=large, xlsx=not csv_only
        )
        for figure in figures:
            self.stdout.write(figure_line(figure))
