/* The admin's small maps. django-leaflet's {% leaflet_map %} creates each map (tiles from
   LEAFLET_CONFIG) and calls one of these with it.
   - fieldbookPointPicker: the Location form. A click on the map or a dragged marker writes
     the latitude and longitude inputs; typed coordinates move the marker; the circle follows
     the geo precision.
   - fieldbookPlaceMap: the Event and Interview forms. The chosen place, read-only, fetched
     from /map/places/<id>.json (only the person's own places answer). */
(function () {
  "use strict";

  var maps = window.FieldbookMaps;
  var DECIMALS = 6; // ~0.1 m: finer than any source, coarser than float noise
  var CLOSE_ZOOM = 11;

  function validPoint(latitude, longitude) {
    var lat = parseFloat(latitude);
    var lng = parseFloat(longitude);
    if (!isFinite(lat) || !isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
      return null;
    }
    return L.latLng(lat, lng);
  }

  // One marker and its precision circle, created on first use. With onDrag, the marker
  // can be dragged and onDrag gets where it was dropped.
  function PointLayer(map, onDrag) {
    this.map = map;
    this.onDrag = onDrag;
    this.marker = null;
    this.circle = null;
  }

  PointLayer.prototype.show = function (latlng, precision) {
    if (!this.marker) {
      var marker = L.marker(latlng, { draggable: Boolean(this.onDrag), title: "The point" });
      if (this.onDrag) {
        var onDrag = this.onDrag;
        marker.on("dragend", function () { onDrag(marker.getLatLng()); });
      }
      this.marker = marker;
      this.circle = maps.halo(latlng, precision);
      this.circle.addTo(this.map);
      this.marker.addTo(this.map);
    }
    this.marker.setLatLng(latlng);
    this.circle.setLatLng(latlng);
    this.circle.setRadius(maps.radius(precision));
  };

  PointLayer.prototype.hide = function () {
    if (this.marker) {
      this.marker.remove();
      this.circle.remove();
      this.marker = this.circle = null;
    }
  };

  window.fieldbookPointPicker = function (map) {
    var box = map.getContainer().closest(".fb-point-picker");
    var latitude = document.getElementById("id_latitude");
    var longitude = document.getElementById("id_longitude");
    var precision = document.getElementById("id_geo_precision");
    var point = new PointLayer(map, latitude && longitude ? write : null);

    function currentPrecision() {
      return precision ? precision.value : box.dataset.geoPrecision;
    }

    // Read-only (a person who may view but not change the place): show the saved point.
    if (!latitude || !longitude) {
      var saved = validPoint(box.dataset.latitude, box.dataset.longitude);
      if (saved) {
        point.show(saved, currentPrecision());
        map.setView(saved, CLOSE_ZOOM, { animate: false });
      }
      return;
    }

    function write(latlng) {
      latlng = latlng.wrap();
      latitude.value = latlng.lat.toFixed(DECIMALS);
      longitude.value = latlng.lng.toFixed(DECIMALS);
      point.show(latlng, currentPrecision());
    }

    function follow() {
      var latlng = validPoint(latitude.value, longitude.value);
      if (!latlng) return;
      point.show(latlng, currentPrecision());
      // Moving the marker shows the change; the map moves only when it would go out of sight.
      if (!map.getBounds().contains(latlng)) map.panTo(latlng);
    }

    map.on("click", function (event) {
      write(event.latlng);
    });
    latitude.addEventListener("input", follow);
    longitude.addEventListener("input", follow);
    if (precision) {
      precision.addEventListener("change", function () {
        if (point.circle) point.circle.setRadius(maps.radius(precision.value));
      });
    }

    var start = validPoint(latitude.value, longitude.value);
    if (start) {
      point.show(start, currentPrecision());
      map.setView(start, CLOSE_ZOOM, { animate: false });
    }
  };

  window.fieldbookPlaceMap = function (map) {
    var box = map.getContainer().closest(".fb-place-map");
    var caption = box.nextElementSibling;
    var select = document.getElementById("id_location");
    var point = new PointLayer(map, null);
    var pending = null;

    function placeUrl(id) {
      return box.dataset.placeUrl.replace(/0\.json$/, encodeURIComponent(id) + ".json");
    }

    function show(id) {
      if (pending) pending.abort();
      if (!id) {
        point.hide();
        caption.textContent = "No place chosen.";
        return;
      }
      pending = new AbortController();
      fetch(placeUrl(id), { credentials: "same-origin", signal: pending.signal })
        .then(function (response) {
          if (!response.ok) throw new Error("not one of your places");
          return response.json();
        })
        .then(function (place) {
          var latlng = L.latLng(place.latitude, place.longitude);
          point.show(latlng, place.geo_precision);
          map.setView(latlng, CLOSE_ZOOM - 2 + (3 - place.geo_precision), { animate: false });
          caption.textContent =
            place.name + " · " + maps.PRECISION_LABELS[place.geo_precision] +
            " (geo precision " + place.geo_precision + ")";
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          point.hide();
          caption.textContent = "The place cannot be shown: " + error.message + ".";
        });
    }

    if (select) {
      // The admin's autocomplete (select2) announces a choice through jQuery only.
      var onChange = function () { show(select.value); };
      if (window.django && window.django.jQuery) window.django.jQuery(select).on("change", onChange);
      else select.addEventListener("change", onChange);
      show(select.value);
    } else {
      show(box.dataset.location);
    }
  };
})();
