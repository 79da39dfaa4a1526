"""`make bench`: every benchmark run in turn, their figures in one table and in bench/results.md.

Each benchmark module has measure(*, runs, stdout) returning bench.timing.Figure rows:
figures are medians of at least 3 runs, and every comparison is a ratio against a baseline
measured in the same run. Run through `make bench`, which gives it a scratch PostgreSQL
database (the admin-list benchmark writes 6,000,000 rows and keeps them until it is dropped).
"""

import datetime
import os
import platform
from pathlib import Path

import django
from django.conf import settings
from django.db import connection

# The admin lists last: they commit a million rows of every model, which the others (each
# in a transaction it rolls back) would otherwise run beside.
SUITES = {
    "geojson": "bench.geojson",
    "export": "bench.export",
    "acled": "bench.acled",
    "imports": "bench.imports",
    "sweep": "bench.sweep",
    "admin": "bench.admin_lists",
    # After the admin lists, which refuse a database already holding rows; it commits its own
    # 1,000,000 events and their search index, in an investigation of its own.
    "search": "bench.search",
    # Last, beside the search's: it commits a million events of its own too.
    "map": "bench.map",
}
RESULTS = Path(settings.BASE_DIR) / "bench" / "results.md"


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
