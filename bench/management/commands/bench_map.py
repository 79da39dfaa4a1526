"""`manage.py bench_map`: see bench.map."""

from django.core.management.base import BaseCommand, CommandError

from bench.map import EVENTS, measure
from bench.timing import figure_line


class Command(BaseCommand):
    help = (
        "On a scratch PostgreSQL database: grow one investigation to 100,000, 250,000, 500,000 "
        "and N events (default 1,000,000), timing at each size the map's district and country "
        "viewports and the timeline against the events admin list, and weighing the viewports "
        "gzipped. Writes data: use `make bench --only map`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=EVENTS)
        parser.add_argument("--runs", type=int, default=5, help="At least 3.")

    def handle(self, *args, events, runs, **options):
        if runs < 3:
            raise CommandError("--runs must be at least 3 (the median of fewer says little).")
        for figure in measure(runs=runs, stdout=self.stdout, events=events):
            self.stdout.write(figure_line(figure))
