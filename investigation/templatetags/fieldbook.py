"""The admin lists' date hierarchy from first and last dates ({% date_hierarchy_from_range %})."""

import datetime
from datetime import timedelta

from django import template
from django.contrib.admin.templatetags import admin_list
from django.db.models import Subquery
from django.utils import timezone
from django.utils.functional import cached_property

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def date_hierarchy_from_range(cl):
    """Django's date hierarchy, offering every year (month, day) from the list's first date to
    its last, found in one indexed query, rather than reading every row to list only those
    with data: the same cost at 1,000,000 rows as at 10,000."""
    return admin_list.date_hierarchy(RangeChangeList(cl))


class RangeChangeList:
    """A ChangeList whose queryset answers the date hierarchy's questions from first and last."""

    def __init__(self, cl):
        self._cl = cl
        self.queryset = DateRange(cl.queryset, cl.date_hierarchy)

    def __getattr__(self, name):
        return getattr(self._cl, name)


class DateRange:
    def __init__(self, queryset, field):
        self.queryset, self.field = queryset, field

    @cached_property
    def first_and_last(self):
        """The first and last dates, each an ORDER BY ... LIMIT 1 that an index serves (an
        aggregate MIN and MAX over a join cannot use one), in one query."""
        rows = self.queryset.order_by()
        first = rows.order_by(self.field).values(self.field)[:1]
        last = rows.order_by(f"-{self.field}").values(self.field)[:1]
        model = self.queryset.model._base_manager
        row = model.annotate(first=Subquery(first), last=Subquery(last)).values("first", "last")
        found = row.order_by()[:1]
        return found[0] if found else {"first": None, "last": None}

    def aggregate(self, **aggregates):
        return self.first_and_last  # the hierarchy asks only for first=Min, last=Max

    def dates(self, field, kind):
        first, last = self.first_and_last["first"], self.first_and_last["last"]
        if first is None:
            return []
        if isinstance(first, datetime.datetime):
            first, last = timezone.localtime(first).date(), timezone.localtime(last).date()
        return list(calendar_steps(first, last, kind))

    datetimes = dates


def calendar_steps(first, last, kind):
    """The first day of every year, month or day from `first` to `last`."""
    if kind == "day":
        yield from (first + timedelta(days=n) for n in range((last - first).days + 1))
        return
    step = first.replace(month=1, day=1) if kind == "year" else first.replace(day=1)
    while step <= last:
        yield step
        if kind == "year":
            step = step.replace(year=step.year + 1)
        else:
            step = (step.replace(day=28) + timedelta(days=4)).replace(day=1)
