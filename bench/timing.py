"""What the benchmarks share: a median timer and the rows of `make bench`'s table.

Benchmarks are not tests: they print figures (ratios against a baseline measured in the same
run), they never assert a wall-clock limit. Each benchmark module has a `measure(*, runs,
stdout)` function that returns a list of Figure; `manage.py bench` collects them into
bench/results.md.
"""

import statistics
import time
from dataclasses import dataclass


@dataclass
class Figure:
    """One row of the results table. `ratio` and `target` are optional: a figure with no
    baseline (bytes per point, queries per page) has a target on the value itself."""

    benchmark: str  # e.g. "GeoJSON, 50,000 events"
    measure: str  # e.g. "build /map/events.geojson"
    value: str  # e.g. "812 ms", "8 queries"
    baseline: str = ""  # e.g. "PostgreSQL json_agg: 480 ms"
    ratio: float | None = None  # value / baseline, both measured in this run
    target: str = ""  # e.g. "ratio ≤ 2"
    met: bool | None = None  # None when there is no target

    def verdict(self):
        if self.met is None:
            return ""
        return "yes" if self.met else "**missed**"


def median_seconds(runs, work):
    """The median of `runs` timings of work() (at least 3), and what the last call returned."""
    if runs < 3:
        raise ValueError("A median of fewer than 3 runs says little: use runs >= 3.")
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def round_robin_seconds(runs, cases):
    """Median seconds of each of `cases` (name -> work()), timed in turns, so that a busy
    moment on the machine slows every case alike rather than just one."""
    if runs < 3:
        raise ValueError("A median of fewer than 3 runs says little: use runs >= 3.")
    timings = {name: [] for name in cases}
    for _ in range(runs):
        for name, work in cases.items():
            started = time.perf_counter()
            work()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in timings.items()}


def milliseconds(seconds):
    return f"{seconds * 1000:,.1f} ms"


def figure_line(figure):
    """One figure as a line of a command's output."""
    line = f"{figure.benchmark} | {figure.measure}: {figure.value}"
    if figure.baseline:
        line += f" | {figure.baseline}"
    if figure.ratio is not None:
        line += f" | ratio {figure.ratio:.2f}"
    if figure.target:
        line += f" | target {figure.target}: {figure.verdict()}"
    return line
