"""`manage.py bench_sweep`: see bench.sweep."""

from django.core.management.base import BaseCommand, CommandError

from bench.sweep import measure
from bench.timing import figure_line


class Command(BaseCommand):
    help = (
        "On PostgreSQL: time the reminder sweep with N follow-ups (default 100,000) and none "
        "due, against the full reconcile it ran before; then with D due (default 10,000), "
        "batched as built against one task per reminder. Median of --runs. Rolls back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--follow-ups", type=int, default=100_000)
        parser.add_argument("--due", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=5, help="At least 3.")

    def handle(self, *args, follow_ups, due, runs, **options):
        if runs < 3:
            raise CommandError("--runs must be at least 3 (the median of fewer says little).")
        for figure in measure(runs=runs, stdout=self.stdout, follow_ups=follow_ups, due=due):
            self.stdout.write(figure_line(figure))
