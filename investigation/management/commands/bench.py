"""`make bench`: every benchmark, one table, bench/results.md.

Each benchmark module has measure(*, runs, stdout) returning investigation.bench.Figure rows:
figures are medians of at least 3 runs, and every comparison is a ratio against a baseline
measured in the same run. Run through `make bench`, which gives it a scratch PostgreSQL
database (the admin-list benchmark writes 6,000,000 rows and keeps them until it is dropped).
"""

import datetime
import importlib
import os
import platform
import time
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# The admin lists last: they commit a million rows of every model, which the others (each
# in a transaction it rolls back) would otherwise run beside.
SUITES = {
    "geojson": "events.management.commands.bench_geojson",
    "export": "investigation.management.commands.bench_export",
    "acled": "events.management.commands.bench_acled",
    "sweep": "investigation.management.commands.bench_sweep",
    "admin": "investigation.management.commands.bench_admin",
}
RESULTS = Path(settings.BASE_DIR) / "bench" / "results.md"


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


def results_table(figures):
    lines = [
        "| Benchmark | Measure | Fieldbook | Baseline (same run) | Ratio | Target | Met |",
        "|---|---|---|---|---|---|---|",
    ]
    for figure in figures:
        ratio = "" if figure.ratio is None else f"{figure.ratio:.2f}"
        cells = [figure.benchmark, figure.measure, figure.value, figure.baseline, ratio]
        lines.append("| " + " | ".join([*cells, figure.target, figure.verdict()]) + " |")
    return "\n".join(lines) + "\n"


def results_page(table, runs, seconds):
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0].split()[0]
    took = ", ".join(f"{name} {value / 60:.1f} min" for name, value in seconds.items())
    return (
        "# Benchmark results\n\n"
        f"`make bench` on {datetime.date.today():%d %b %Y}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {postgresql}. Every figure is the median of {runs} runs; every ratio is "
        f"against a baseline measured in the same run. Took: {took}.\n\n{table}"
    )
