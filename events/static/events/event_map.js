/* The map of events (/map/). django-leaflet's {% leaflet_map %} creates the map with the tiles
   of LEAFLET_CONFIG and calls fieldbookEventMap with it. The events come from
   /map/events.geojson with the filters of the form beside the map; the markers are drawn
   by the page itself, so they show even when no tile server answers. The GeoJSON carries only
   what the markers need (an investigation may have 50,000 events): a popup asks for its
   event's title, status, place and link when it first opens. */
(function () {
  "use strict";

  var maps = window.FieldbookMaps;
  var FIT_MAX_ZOOM = 10;
  var SLIDER_DELAY_MS = 200; // wait for the slider to rest before asking the server

  window.fieldbookEventMap = function (map) {
    var form = document.getElementById("map-filters");
    var status = document.getElementById("map-status");
    var grouping = document.getElementById("group-events");
    var uncertainty = document.getElementById("show-uncertainty");
    var kinds = {};
    maps.readJSON("fieldbook-kinds").forEach(function (kind) { kinds[kind.value] = kind; });
    var slider = Slider(form, maps.readJSON("fieldbook-months"));

    // Focus events stay out of the clusters: they are the story, always in sight, on top.
    var clusters = L.markerClusterGroup({ maxClusterRadius: 50, showCoverageOnHover: false });
    var ungrouped = L.layerGroup();
    var focus = L.layerGroup().addTo(map);
    var halos = L.layerGroup();
    var ordinary = [];
    var request = null;
    var timer = null;

    function load() {
      slider.sync();
      var query = filterQuery(form, kinds);
      history.replaceState(null, "", query === "" ? location.pathname : "?" + query);
      if (request) request.abort();
      if (query === null) return draw({ features: [], unplaced: 0 });
      request = new AbortController();
      form.dataset.state = "loading";
      getJSON(form.dataset.geojsonUrl + "?" + query, "application/geo+json", request.signal)
        .then(draw)
        .catch(function (error) {
          if (error.name === "AbortError") return;
          form.dataset.state = "error";
          status.textContent = "The events could not be loaded (" + error.message + ").";
        });
    }

    function draw(data) {
      focus.clearLayers();
      halos.clearLayers();
      ordinary = [];
      var drawnHalos = {};
      data.features.forEach(function (feature) {
        var marker = eventMarker(feature, kinds, form.dataset.detailsUrl);
        if (feature.properties.highlighted) focus.addLayer(marker);
        else ordinary.push(marker);
        // One halo per place and precision: stacked copies would only darken each other.
        var precision = geoPrecision(feature.properties);
        var key = feature.geometry.coordinates.join() + "/" + precision;
        if (!drawnHalos[key]) {
          drawnHalos[key] = true;
          halos.addLayer(maps.halo(marker.getLatLng(), precision,
            feature.properties.highlighted ? { color: "#d62728", fillColor: "#d62728" } : {}));
        }
      });
      showLayers();
      // After every load: the view follows the filters to the events they leave.
      if (data.features.length) {
        map.fitBounds(L.featureGroup(focus.getLayers().concat(ordinary)).getBounds(), {
          maxZoom: FIT_MAX_ZOOM, padding: [30, 30],
        });
      }
      status.textContent = describe(data);
      form.dataset.state = "ready";
      form.dataset.count = String(data.features.length);
    }

    // A marker lives in one group at a time: the clusters, or the plain group when the
    // person wants to see every event on its own.
    function showLayers() {
      clusters.clearLayers();
      ungrouped.clearLayers();
      if (grouping.checked) {
        clusters.addLayers(ordinary);
        map.removeLayer(ungrouped).addLayer(clusters);
      } else {
        ordinary.forEach(function (marker) { ungrouped.addLayer(marker); });
        map.removeLayer(clusters).addLayer(ungrouped);
      }
      if (uncertainty.checked) map.addLayer(halos); else map.removeLayer(halos);
      halos.eachLayer(function (halo) { halo.bringToBack(); });
    }

    form.addEventListener("submit", function (event) { event.preventDefault(); load(); });
    form.addEventListener("change", function (event) {
      if (event.target === grouping || event.target === uncertainty) return showLayers();
      if (event.target.type !== "range") load();
    });
    form.addEventListener("input", function (event) {
      if (event.target.type !== "range") return;
      slider.keepOrder(event.target);
      clearTimeout(timer);
      timer = setTimeout(load, SLIDER_DELAY_MS);
    });
    foldable(form, map);
    slider.restore();
    load();
  };

  // On a phone the filters fold away behind a button, leaving the screen to the map.
  function foldable(form, map) {
    var toggle = document.getElementById("map-filters-toggle");
    toggle.addEventListener("click", function () {
      var open = form.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "Hide filters" : "Filters";
      map.invalidateSize();
    });
  }

  // The GeoJSON's properties leave out what is usual: geo precision 1, not highlighted.
  function geoPrecision(properties) {
    return properties.geo_precision || 1;
  }

  function eventMarker(feature, kinds, detailsUrl) {
    var properties = feature.properties;
    var size = properties.highlighted ? 22 : 14;
    var classes = "fb-marker kind-" + properties.kind + (properties.highlighted ? " is-highlighted" : "");
    var coordinates = feature.geometry.coordinates; // GeoJSON: [longitude, latitude]
    var label = kindLabel(kinds, properties.kind) + " · " + properties.when;
    var marker = L.marker([coordinates[1], coordinates[0]], {
      icon: L.divIcon({ className: classes, iconSize: [size, size] }),
      title: label,
      alt: label,
      zIndexOffset: properties.highlighted ? 1000 : 0,
      riseOnHover: true,
    });
    var loaded = false;
    marker.bindPopup(message("Loading…"));
    marker.on("popupopen", function () {
      if (loaded) return;
      getJSON(detailsUrl.replace("{id}", feature.id), "application/json")
        .then(function (details) {
          loaded = true;
          marker.setPopupContent(popup(details, kinds));
        })
        .catch(function (error) {
          marker.setPopupContent(message("The event could not be loaded (" + error.message + ")."));
        });
    });
    return marker;
  }

  // Built from text nodes: titles are typed by people, never parsed as HTML.
  function popup(details, kinds) {
    var box = L.DomUtil.create("div", "fb-popup");
    var title = L.DomUtil.create("a", "fb-popup-title", box);
    title.href = details.url;
    title.dir = "auto"; // a title typed in Arabic reads right to left
    title.textContent = details.title;
    line(box, "fb-popup-when", details.when + precisionNote(details.date_precision));
    line(box, "", kindLabel(kinds, details.kind) + " · " + capitalise(details.status));
    line(box, "fb-quiet", details.place + " · " + maps.PRECISION_LABELS[details.geo_precision]).dir = "auto";
    if (details.highlighted) line(box, "fb-popup-focus", "Focus event of the story");
    return box;
  }

  function message(text) {
    var box = L.DomUtil.create("div", "fb-popup");
    line(box, "fb-quiet", text);
    return box;
  }

  function kindLabel(kinds, value) {
    return kinds[value] ? kinds[value].label : value;
  }

  // A JSON body, or an error carrying the server's message (a bad filter's 400 names it).
  function getJSON(url, accept, signal) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: accept }, signal: signal })
      .then(function (response) {
        if (response.ok) return response.json();
        return response.json().catch(function () { return {}; }).then(function (body) {
          throw new Error(body.error || response.statusText || response.status);
        });
      });
  }

  function line(parent, className, text) {
    var element = L.DomUtil.create("div", className, parent);
    element.textContent = text;
    return element;
  }

  function precisionNote(precision) {
    if (precision === "month") return " (the day is not known)";
    if (precision === "year") return " (the month is not known)";
    if (precision === "week") return " (the day is not known)";
    return "";
  }

  function capitalise(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function describe(data) {
    var count = data.features.length;
    var text = count === 1 ? "1 event on the map." : count + " events on the map.";
    if (data.unplaced) {
      text += " " + data.unplaced + (data.unplaced === 1 ? " more has" : " more have") +
        " no place and cannot be shown.";
    }
    return text;
  }

  // The query for /map/events.geojson: the named fields of the form, less what filters
  // nothing. null when every kind is unticked (nothing to show, nothing to ask).
  function filterQuery(form, kinds) {
    var data = new FormData(form);
    var chosenKinds = data.getAll("kind");
    if (chosenKinds.length === 0) return null;
    var query = new URLSearchParams();
    data.forEach(function (value, name) {
      if (value === "" || name === "kind") return;
      query.append(name, value);
    });
    if (chosenKinds.length < Object.keys(kinds).length) {
      chosenKinds.forEach(function (kind) { query.append("kind", kind); });
    }
    return query.toString();
  }

  // Two range inputs over the months of the person's events, written to the form's hidden
  // from and to fields as yyyy-mm (left empty at either end: no limit there).
  function Slider(form, months) {
    var from = document.getElementById("from-month");
    var to = document.getElementById("to-month");
    var label = document.getElementById("when-label");
    var last = months.length - 1;

    function indexOf(value, fallback) {
      var month = (value || "").slice(0, 7);
      for (var i = 0; i < months.length; i++) if (months[i].value === month) return i;
      return fallback;
    }

    return {
      restore: function () {
        if (!from) return;
        from.value = indexOf(form.elements.from.value, 0);
        to.value = indexOf(form.elements.to.value, last);
        this.sync();
      },
      keepOrder: function (moved) {
        if (Number(from.value) <= Number(to.value)) return;
        if (moved === from) to.value = from.value; else from.value = to.value;
      },
      sync: function () {
        if (!from) return true;
        var start = Number(from.value);
        var end = Number(to.value);
        form.elements.from.value = start === 0 ? "" : months[start].value;
        form.elements.to.value = end === last ? "" : months[end].value;
        label.textContent = start === end ? months[start].label :
          months[start].label + " – " + months[end].label;
        return true;
      },
    };
  }
})();
