"""Where and when: the map of events, its GeoJSON and popups, the place of a record, the
timeline.

Every page shows only what Model.objects.visible_to(user) lets the person see. Sources and
interviews are never on these pages: their places endanger people.
"""

import itertools

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.gzip import gzip_page

from events.chart import KINDS, month_chart, months_between
from events.forms import EventFilterForm, TimelineFilterForm
from events.models import Actor, DatePrecision, Event, Location
from investigation.models import Investigation

TIMELINE_LIMIT = 2000  # events listed at most; the chart still counts them all


def kind_styles(request):
    """Each kind's colour as a CSS custom property: a stylesheet of its own, because the
    Content-Security-Policy allows no inline style."""
    rules = "".join(f".kind-{kind['value']} {{ --kind: {kind['colour']}; }}\n" for kind in KINDS)
    response = HttpResponse(rules, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "max-age=3600"
    return response


@staff_member_required
def event_map(request):
    first, last = Event.objects.visible_to(request.user).date_span()
    months = [
        {"value": f"{month:%Y-%m}", "label": f"{month:%b %Y}"}
        for month in months_between(first, last)
    ]
    # The popup's details URL for any event: the script puts the event's id in place of {id}.
    details_url = reverse("events:details", args=[0]).replace("/0.json", "/{id}.json")
    context = {**filter_choices(request), "months": months, "details_url": details_url}
    return render(request, "events/map.html", context)


# Compressed because a large investigation's GeoJSON is mostly repeated keys (see
# `manage.py bench_geojson`). It carries no secret that an attacker could guess by reflecting
# input into it (BREACH): the filters are not echoed.
@gzip_page
@staff_member_required
def events_geojson(request):
    form = EventFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": form.error_message(), "errors": form.errors}, status=400)
    events = Event.objects.visible_to(request.user).filtered(**form.filters())
    return HttpResponse(events.geojson(), content_type="application/geo+json")


@staff_member_required
def event_details(request, pk):
    """What the map's popup shows of one of the person's events, asked for when it opens."""
    events = Event.objects.visible_to(request.user).select_related("location")
    return JsonResponse(get_object_or_404(events, pk=pk).map_details())


@staff_member_required
def place_point(request, pk):
    """The point of one of the person's places, for the small maps of the admin's forms."""
    place = get_object_or_404(Location.objects.visible_to(request.user), pk=pk)
    return JsonResponse(
        {
            "id": place.pk,
            "name": str(place),
            "latitude": place.latitude,
            "longitude": place.longitude,
            "geo_precision": place.geo_precision,
        }
    )


@staff_member_required
def timeline(request):
    districts = Location.objects.visible_to(request.user).districts()
    form = TimelineFilterForm(request.GET, districts=districts)
    events = Event.objects.visible_to(request.user)
    if form.is_valid():
        events = events.filtered(**form.filters())
        district = form.cleaned_data["district"]
    else:
        events, district = events.none(), ""
    in_district = events.in_district(district)
    listed = list(events.select_related("location").order_by("date", "pk")[: TIMELINE_LIMIT + 1])
    context = {
        **filter_choices(request),
        "form": form,
        "districts": districts,
        "district": district,
        "years": timeline_years(listed[:TIMELINE_LIMIT]),
        "truncated": len(listed) > TIMELINE_LIMIT,
        "limit": TIMELINE_LIMIT,
        "chart": month_chart(in_district.monthly_counts()),
        "year_only": in_district.filter(date_precision=DatePrecision.YEAR).count(),
    }
    return render(request, "events/timeline.html", context, status=200 if form.is_valid() else 400)


def filter_choices(request):
    """What the filters offer: the person's own investigations and actors, every kind and
    status, and what the query string chose."""
    user = request.user
    return {
        "investigations": Investigation.objects.visible_to(user).order_by("title"),
        "actors": Actor.objects.visible_to(user).order_by("name"),
        "kinds": KINDS,
        "statuses": Event.Status.choices,
        "chosen": request.GET,
        "chosen_kinds": request.GET.getlist("kind"),
    }


def timeline_years(events):
    """Events (in date order) by year, then by month. A year-precision event belongs to its
    year only: it is listed before the year's months, never under a month it may not be in."""
    years = []
    for year, in_year in itertools.groupby(events, key=lambda event: event.date.year):
        in_year = list(in_year)
        by_month = [e for e in in_year if e.date_precision != DatePrecision.YEAR]
        months = itertools.groupby(by_month, key=lambda event: event.date.replace(day=1))
        years.append(
            {
                "year": year,
                "year_only": [e for e in in_year if e.date_precision == DatePrecision.YEAR],
                "months": [{"label": f"{month:%b %Y}", "events": list(e)} for month, e in months],
            }
        )
    return years
