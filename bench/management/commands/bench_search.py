"""`manage.py bench_search`: see bench.search."""

from django.core.management.base import BaseCommand, CommandError

from bench.search import LARGE, SMALL, measure
from bench.timing import figure_line


class Command(BaseCommand):
    help = (
        "On a scratch PostgreSQL database: index an investigation of 10,000 and then 1,000,000 "
        "events (a tenth as many interviews), time /search/ and the events and interviews admin "
        "lists searched for a common and a rare word, against the events list unfiltered and "
        "Django's icontains search; queries per page. Writes data: use `make bench`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3, help="At least 3.")
        parser.add_argument("--small", type=int, default=SMALL, help="Events, first size.")
        parser.add_argument("--large", type=int, default=LARGE, help="Events, second size.")

    def handle(self, *args, runs, small, large, **options):
        if not 0 < small < large:
            raise CommandError("--large must be more events than --small, and both above 0.")
        if runs < 3:
            raise CommandError("--runs must be at least 3 (the median of fewer says little).")
        for figure in measure(runs=runs, stdout=self.stdout, small=small, large=large):
            self.stdout.write(figure_line(figure))
