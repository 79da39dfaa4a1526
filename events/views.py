"""Where and when: the map of events, its GeoJSON and popups, the place of a record, the
timeline.

Every page shows only what Model.objects.visible_to(user) lets the person see. Sources and
interviews are never on these pages: their places endanger people.
"""

import itertools
from datetime import date

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.views.decorators.gzip import gzip_page

from events.chart import KINDS, month_chart, months_between
from events.forms import MapFilterForm, TimelineFilterForm
from events.models import Actor, DatePrecision, Event, Location
from events.viewport import viewport_collection
from investigation import access
from investigation.models import Investigation

# Events listed on a page at most; the chart still counts them all. Rendering is what costs:
# 2,000 events took 0.9 s to render, 500 take ~0.1 s (bench/map.py, a year of 20,000 events).
TIMELINE_LIMIT = 500


def kind_styles(request):
    """Each kind's colour as a CSS custom property: a stylesheet of its own, because the
    Content-Security-Policy allows no inline style."""
    rules = "".join(f".kind-{kind['value']} {{ --kind: {kind['colour']}; }}\n" for kind in KINDS)
    response = HttpResponse(rules, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "max-age=3600"
    return response


@staff_member_required
def event_map(request):
    access.roles(request.user)  # ids as values: the first and last date come from the index
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
# input into it (BREACH): the filters and the viewport are not echoed.
@gzip_page
@staff_member_required
def events_geojson(request):
    """The events of the map's viewport: points close in, clusters far out (events.viewport)."""
    form = MapFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": form.error_message(), "errors": form.errors}, status=400)
    # The person's investigations read once, so that they go into the queries as values:
    # PostgreSQL then counts each place's events from the index alone.
    access.roles(request.user)
    events = Event.objects.visible_to(request.user).filtered(**form.filters())
    places = Location.objects.visible_to(request.user)
    collection = viewport_collection(events=events, places=places, viewport=form.viewport())
    return HttpResponse(collection, content_type="application/geo+json")


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


# Compressed: a page of 500 events and its filters, ~35 kB gzipped at a million events.
# BREACH needs a secret beside reflected input. The logout form's CSRF token is masked anew in
# every response; a
# valid page echoes only validated filters (dates, choices, numbers). A 400 echoes the bad
# value beside the names of the person's investigations and actors: a guess at those through
# the compressed size would take many requests watched on the wire, which we accept.
@gzip_page
@staff_member_required
def timeline(request):
    """One page of events and its chart by month: a year (the last of the matching events by
    default), or the whole filtered range when it is given without a year. Each page reads
    only its own events (the (investigation, date) index), however long the investigation."""
    # The person's investigations read once, so that they go into the queries as values.
    access.roles(request.user)
    districts = Location.objects.visible_to(request.user).districts()
    form = TimelineFilterForm(request.GET, districts=districts)
    events = Event.objects.visible_to(request.user)
    if not form.is_valid():
        context = timeline_context(request, form, districts)
        return render(request, "events/timeline.html", context, status=400)
    events = events.filtered(**form.filters())
    page = timeline_page(form, events.date_span())
    page["links"] = year_links(request.GET, page["years"])
    on_page = events.dated_within(*page["span"])
    in_district = on_page.in_district(form.cleaned_data["district"])
    listed = list(on_page.select_related("location").order_by("date", "pk")[: TIMELINE_LIMIT + 1])
    context = {
        **timeline_context(request, form, districts),
        "page": page,
        "years": timeline_years(listed[:TIMELINE_LIMIT]),
        "truncated": len(listed) > TIMELINE_LIMIT,
        "chart": month_chart(in_district.monthly_counts()),
        "year_only": in_district.filter(date_precision=DatePrecision.YEAR).count(),
    }
    return render(request, "events/timeline.html", context)


def timeline_context(request, form, districts):
    """What every timeline page shows, even with a bad filter: the filters and the choices."""
    return {
        **filter_choices(request),
        "form": form,
        "districts": districts,
        "district": form.cleaned_data.get("district", "") if form.is_valid() else "",
        "limit": TIMELINE_LIMIT,
    }


def timeline_page(form, span):
    """The page of events listed: {"year", "span": (first, last day), "years": [...]}. A year
    asked for, else the filtered range when one was given, else the last year with events."""
    first, last = span
    years = list(range(first.year, last.year + 1)) if first else []
    data = form.cleaned_data
    year = data["year"]
    if year is None and not (data["from"] or data["to"]):
        year = last.year if last else None
    if year is None:
        return {"year": None, "span": (None, None), "years": years}
    return {"year": year, "span": (date(year, 1, 1), date(year, 12, 31)), "years": years}


def year_links(query, years):
    """A link to each year's page, keeping the filters of `query` (a QueryDict)."""
    links = []
    for year in years:
        linked = query.copy()
        linked["year"] = str(year)
        links.append({"year": year, "query": linked.urlencode()})
    return links


def filter_choices(request):
    """What the filters offer: the person's own investigations and actors, every kind and
    status, and what the query string chose."""
    user = request.user
    return {
        "investigations": Investigation.objects.visible_to(user).order_by("title"),
        "actor_options": actor_options(user, request.GET.get("actor", "")),
        "kinds": KINDS,
        "statuses": Event.Status.choices,
        "chosen": request.GET,
        "chosen_kinds": request.GET.getlist("kind"),
    }


def actor_options(user, chosen):
    """The actor filter's <option>s, built here rather than by a template loop: a long
    investigation has thousands of actors (3,000 at 50 years of bench.load), which took the
    template longer than the page's 500 events."""
    actors = Actor.objects.visible_to(user).order_by("name").values_list("pk", "name")
    return format_html_join(
        "\n",
        '<option value="{}"{}>{}</option>',
        ((pk, " selected" if str(pk) == chosen else "", name) for pk, name in actors),
    )


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
