"""The maps' placeholders: django-leaflet's settings without its inline script.

{% leaflet_map %} starts a map with an inline <script>, which the Content-Security-Policy
forbids; {% fieldbook_map %} writes the same options as JSON data, and events/map_loader.js
(a static file) starts every map on the page with them.
"""

import json

from django import template
from leaflet.templatetags.leaflet_tags import leaflet_map

register = template.Library()


@register.inclusion_tag("events/_map.html")
def fieldbook_map(name, callback):
    """A map named `name` (its element's id), handed to window[callback] once started."""
    options = json.loads(leaflet_map(name)["djoptions"])
    return {"name": name, "callback": callback, "options": options, "options_id": f"{name}-options"}
