"""`manage.py bench_geojson`: see bench.geojson."""

from django.core.management.base import BaseCommand, CommandError

from bench.geojson import EVENTS, measure
from bench.timing import figure_line


class Command(BaseCommand):
    help = (
        "On PostgreSQL: create N events (default 50,000), time /map/events.geojson's builder "
        "(median of --runs) against one json_build_object/json_agg query that builds the same "
        "document, and weigh it in bytes per point, raw and gzipped. Rolls everything back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=EVENTS)
        parser.add_argument("--runs", type=int, default=5, help="At least 3.")

    def handle(self, *args, events, runs, **options):
        if runs < 3:
            raise CommandError("--runs must be at least 3 (the median of fewer says little).")
        for figure in measure(runs=runs, stdout=self.stdout, events=events):
            self.stdout.write(figure_line(figure))
