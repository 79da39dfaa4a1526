"""The timeline's chart of events per month and kind (laid out here, drawn as SVG by the
template), and the colour of each kind, which the map uses too."""

import datetime
import itertools
from collections import Counter, defaultdict

from events.models import Event

# One colour per kind on the map and in the timeline's chart. Red is kept for highlighted
# (focus) events, which the map also draws larger.
KIND_COLOURS = {
    Event.Kind.RAID: "#1f77b4",
    Event.Kind.AIR_STRIKE: "#6a3d9a",
    Event.Kind.ATTACK: "#ff7f0e",
    Event.Kind.IED: "#8c564b",
    Event.Kind.CLASH: "#d4a106",
    Event.Kind.BLOCKADE: "#17becf",
    Event.Kind.STRATEGIC: "#2ca02c",
    Event.Kind.PROTEST: "#e377c2",
    Event.Kind.OTHER: "#7f7f7f",
}
KINDS = [
    {"value": kind.value, "label": kind.label, "colour": KIND_COLOURS[kind]} for kind in Event.Kind
]


def months_between(first, last):
    """The first day of every month from `first`'s to `last`'s (none when either is None)."""
    if first is None or last is None:
        return []
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first.replace(day=1), n) for n in range(count)]


def add_months(month, n):
    years, index = divmod(month.month - 1 + n, 12)
    return datetime.date(month.year + years, index + 1, 1)


# The timeline's chart, drawn as inline SVG by the template (no script, nothing to load).
CHART_WIDTH, CHART_HEIGHT = 760, 240
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 36, 8, 10, 40


# Beyond ten years a bar a month would be a pixel wide: the chart has a bar a year instead.
MONTHS_MAX = 120
LABELS_MAX = 24  # labels on the time axis, at most: each must stay readable


def month_chart(rows):
    """Stacked bars of events per month (per year over MONTHS_MAX months) and kind, laid out
    for an SVG; None without rows. `rows` are (month, kind, count) as
    EventQuerySet.monthly_counts() gives them."""
    if not rows:
        return None
    counts = defaultdict(Counter)
    for month, kind, count in rows:
        counts[month][kind] += count
    periods = months_between(min(counts), max(counts))
    by_year = len(periods) > MONTHS_MAX
    if by_year:
        counts = years_fold(counts)
        periods = [
            datetime.date(year, 1, 1) for year in range(periods[0].year, periods[-1].year + 1)
        ]
    most = max(sum(kinds.values()) for kinds in counts.values())
    step = (CHART_WIDTH - CHART_LEFT - CHART_RIGHT) / len(periods)
    scale = (CHART_HEIGHT - CHART_TOP - CHART_BOTTOM) / most
    baseline = CHART_HEIGHT - CHART_BOTTOM
    name = period_name(by_year)
    bars = []
    for index, period in enumerate(periods):
        x = CHART_LEFT + index * step
        bars += month_bars(name(period), counts[period], x, step, baseline, scale)
    ticks = [
        {"value": value, "y": round(baseline - value * scale, 1)}
        for value in range(0, most + 1, tick_step(most))
    ]
    present = {kind for kinds in counts.values() for kind in kinds}
    legend = [kind for kind in KINDS if kind["value"] in present]
    return {
        "per": "year" if by_year else "month",
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "baseline": baseline,
        "bars": bars,
        "labels": axis_labels(periods, step, by_year),
        "ticks": ticks,
        "legend": legend,
        "table": [
            {"label": name(period), "counts": [counts[period][k["value"]] for k in legend]}
            for period in periods
        ],
    }


def years_fold(counts):
    """Counts by month (first days) folded into counts by year (1 January)."""
    years = defaultdict(Counter)
    for month, kinds in counts.items():
        years[month.replace(month=1)].update(kinds)
    return years


def period_name(by_year):
    return (lambda day: f"{day:%Y}") if by_year else (lambda day: f"{day:%b %Y}")


def axis_labels(periods, step, by_year):
    """Labels under the bars: every period while they fit, else every Nth (a quarter, half a
    year, a year, ...), so that at most about LABELS_MAX are written. The year is written
    under the first label and under each January."""
    every = label_step(len(periods))
    labels = []
    for index, period in enumerate(periods):
        number = period.year if by_year else period.year * 12 + period.month - 1
        if number % every and index:
            continue
        x = round(CHART_LEFT + index * step + step / 2, 1)
        if by_year:
            labels.append({"x": x, "month": "", "year": f"{period:%Y}"})
            continue
        year = f"{period:%Y}" if index == 0 or period.month == 1 else ""
        month = "" if every >= 12 else f"{period:%b}"
        labels.append({"x": x, "month": month, "year": year})
    return labels


def label_step(count):
    """Label every 1, 3, 6, 12, 24, 60 ... periods: the first that writes at most LABELS_MAX
    labels (a quarter for the 20 months of the demo, as the chart always did)."""
    if count <= 12:
        return 1
    for every in (3, 6, 12, 24, 60, 120, 600, 1200):
        if count / every <= LABELS_MAX:
            return every
    return count


def month_bars(label, kinds, x, step, baseline, scale):
    bars, top = [], baseline
    for kind in KINDS:
        count = kinds[kind["value"]]
        if not count:
            continue
        top -= count * scale
        bars.append(
            {
                "x": round(x + step * 0.1, 1),
                "y": round(top, 1),
                "width": round(step * 0.8, 1),
                "height": round(count * scale, 1),
                "kind": kind["value"],
                "colour": kind["colour"],
                "title": f"{label}: {count} × {kind['label']}",
            }
        )
    return bars


def tick_step(most):
    """A step for the count axis that gives at most about five ticks: 1, 2, 5, 10, 20 ..."""
    for step in itertools.chain.from_iterable((m, 2 * m, 5 * m) for m in (1, 10, 100, 1000)):
        if most / step <= 5:
            return step
    return 10 ** len(str(most))
