"""`manage.py bench_admin`: see bench.admin_lists."""

from django.core.management.base import BaseCommand, CommandError

from bench.admin_lists import LARGE, SMALL, measure
from bench.timing import figure_line


class Command(BaseCommand):
    help = (
        "On a scratch PostgreSQL database: time the admin lists (events, places, actors, "
        "sources, interviews, follow-ups) at 10,000 and 1,000,000 rows each, as an editor "
        "sees them; queries per page and the ratio of the two times. Writes data: use "
        "`make bench`, which creates and drops its own database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--small", type=int, default=SMALL)
        parser.add_argument("--large", type=int, default=LARGE)

    def handle(self, *args, runs, small, large, **options):
        if not 0 < small < large:
            raise CommandError("--large must be more rows than --small, and both above 0.")
        figures = measure(runs=runs, stdout=self.stdout, small=small, large=large)
        for figure in figures:
            self.stdout.write(figure_line(figure))
