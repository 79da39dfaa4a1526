/* What Fieldbook's maps share: how uncertainty is drawn, and reading data the page embeds.
   Loaded after Leaflet (django-leaflet's {% leaflet_js %}). */
window.FieldbookMaps = (function () {
  "use strict";

  // Display conventions, not ACLED definitions: how wide a circle the maps draw around a
  // point of each geo precision (1 exact place, 2 near it or part of a region, 3 the region
  // only), in metres. ~250 m is a village's core, ~5 km its surroundings, ~25 km a district.
  var RADIUS_M = { 1: 250, 2: 5000, 3: 25000 };
  var PRECISION_LABELS = {
    1: "exact place",
    2: "near the place / part of a region",
    3: "region only",
  };

  function radius(precision) {
    return RADIUS_M[precision] || RADIUS_M[3];
  }

  // A dashed circle: the area the event (or place) may really be in.
  function halo(latlng, precision, options) {
    var style = {
      radius: radius(precision),
      color: "#37474f",
      weight: 1,
      dashArray: "4 4",
      fillColor: "#37474f",
      fillOpacity: 0.07,
      interactive: false,
      className: "fb-halo",
    };
    return L.circle(latlng, L.extend(style, options || {}));
  }

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  return {
    RADIUS_M: RADIUS_M,
    PRECISION_LABELS: PRECISION_LABELS,
    radius: radius,
    halo: halo,
    readJSON: readJSON,
  };
})();
