"""What the map asks for: the events inside its viewport (a bounding box at a zoom level), as
points close in and as clusters, counted per grid cell by the database, far out.

The answer never grows with the investigation: at most POINTS_MAX points (CLOSE_POINTS_MAX
from CLOSE_ZOOM on), else one cluster per occupied cell plus the focus events, in at most four
queries whatever the number of events.
"""

import json
from dataclasses import dataclass

from events.models import point_geometry

WORLD = (-180.0, -90.0, 180.0, 90.0)  # west, south, east, north
ZOOM_MAX = 20
# A viewport holding more events than this is drawn as clusters: a browser draws 2,000
# markers in well under a second, and the answer stays under ~30 kB gzipped.
POINTS_MAX = 2_000
# From street level (zoom 14) on, up to this many points: clusters there would cover a few
# houses, and one place's events are better seen one by one.
CLOSE_ZOOM, CLOSE_POINTS_MAX = 14, 5_000
# Focus events are drawn on top of the clusters, always in sight, at most this many.
FOCUS_MAX = 1_000
# A cluster's cell is about this many screen pixels wide at the viewport's zoom.
CELL_PIXELS = 60
TILE_PIXELS = 256


@dataclass(frozen=True)
class Viewport:
    """A bounding box (degrees, west < east, south < north) seen at a zoom level."""

    west: float
    south: float
    east: float
    north: float
    zoom: int = 0

    @property
    def cell_degrees(self):
        """The side of a cluster's grid cell: CELL_PIXELS at this zoom, in degrees."""
        return CELL_PIXELS * 360 / (TILE_PIXELS * 2**self.zoom)

    @property
    def points_max(self):
        return CLOSE_POINTS_MAX if self.zoom >= CLOSE_ZOOM else POINTS_MAX


def viewport_collection(*, events, places, viewport):
    """`events` (already filtered and visible to the person) at `places` (those the person
    may see) inside `viewport`, as a GeoJSON
    FeatureCollection, encoded (UTF-8 bytes).

    "view" says what the features are: "points" (every event in view, as /map/events.geojson
    always gave them) or "clusters" (one Feature per grid cell with its "count", plus the
    focus events in view as points). "count" is the number of events in view, "unplaced" of
    those without a place (never in view), "bounds" [[south, west], [north, east]] of what is
    in view (null when nothing is).
    """
    in_view = events.in_box(viewport)
    points, unplaced = in_view.points(limit=viewport.points_max + 1), events.unplaced_count()
    if len(points) <= viewport.points_max:
        return collection_encode("points", points, len(points), unplaced, points_bounds(points))
    cells = places.in_box(viewport).grid_cells(viewport.cell_degrees, events=events)
    focus = in_view.highlighted().points(limit=FOCUS_MAX)
    features = [cluster_feature(cell) for cell in cells] + focus
    count = sum(cell["count"] for cell in cells)
    return collection_encode("clusters", features, count, unplaced, cells_bounds(cells))


def collection_encode(view, features, count, unplaced, bounds):
    collection = {
        "type": "FeatureCollection",
        "view": view,
        "count": count,
        "unplaced": unplaced,
        "bounds": bounds,
        "features": features,
    }
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode()


def cluster_feature(cell):
    """A grid cell's events as one Feature at their mean point. Its id names the cell, so
    that a map can tell a cell it drew before."""
    properties = {"cluster": True, "count": cell["count"]}
    if cell["focus"]:
        properties["focus"] = cell["focus"]
    return {
        "type": "Feature",
        "id": f"cell:{cell['row']}:{cell['column']}",
        "geometry": point_geometry(cell["mean_longitude"], cell["mean_latitude"]),
        "properties": properties,
    }


def points_bounds(features):
    if not features:
        return None
    longitudes = [feature["geometry"]["coordinates"][0] for feature in features]
    latitudes = [feature["geometry"]["coordinates"][1] for feature in features]
    return [[min(latitudes), min(longitudes)], [max(latitudes), max(longitudes)]]


def cells_bounds(cells):
    if not cells:
        return None
    return [
        [min(cell["south"] for cell in cells), min(cell["west"] for cell in cells)],
        [max(cell["north"] for cell in cells), max(cell["east"] for cell in cells)],
    ]
