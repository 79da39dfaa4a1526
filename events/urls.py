from django.urls import path

from events import views

app_name = "events"
urlpatterns = [
    path("map/", views.event_map, name="map"),
    path("map/kinds.css", views.kind_styles, name="kind_styles"),
    path("map/events.geojson", views.events_geojson, name="geojson"),
    path("map/events/<int:pk>.json", views.event_details, name="details"),
    path("map/places/<int:pk>.json", views.place_point, name="place_point"),
    path("timeline/", views.timeline, name="timeline"),
]
