"""The timeline's chart of events per month and kind (counted here, drawn by Chart.js in
events/timeline_chart.js), and the colour of each kind, which the map uses too."""

import datetime
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


# Beyond ten years a bar a month would be a pixel wide: the chart has a bar a year instead.
MONTHS_MAX = 120
LABELS_MAX = 24  # labels on the time axis, at most: each must stay readable


def month_chart(rows):
    """The data of the timeline's chart (drawn by Chart.js: events/timeline_chart.js): events
    per month (per year over MONTHS_MAX months) and kind, stacked, with the label step of the
    time axis; None without rows. `rows` are (month, kind, count) as
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
    name = period_name(by_year)
    present = {kind for kinds in counts.values() for kind in kinds}
    legend = [kind for kind in KINDS if kind["value"] in present]
    return {
        "per": "year" if by_year else "month",
        "labels": [name(period) for period in periods],
        "every": label_step(len(periods)),
        "first": label_offset(periods, by_year),
        "datasets": [
            {
                "kind": kind["value"],
                "label": kind["label"],
                "colour": kind["colour"],
                "counts": [counts[period][kind["value"]] for period in periods],
            }
            for kind in legend
        ],
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


def label_step(count):
    """Label every 1, 3, 6, 12, 24, 60 ... periods: the first that writes at most LABELS_MAX
    labels (a quarter for the 20 months of the demo, as the chart always did)."""
    if count <= 12:
        return 1
    for every in (3, 6, 12, 24, 60, 120, 600, 1200):
        if count / every <= LABELS_MAX:
            return every
    return count


def label_offset(periods, by_year):
    """The index of the first period labelled after the first: labels fall on whole quarters,
    half-years and years of the calendar (January, April ...), not counted from the chart's
    first bar. The chart's first bar is always labelled."""
    if not periods:
        return 0
    first = periods[0]
    return first.year if by_year else first.year * 12 + first.month - 1
