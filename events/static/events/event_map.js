/* The map of events (/map/). django-leaflet's {% leaflet_map %} creates the map with the tiles
   of LEAFLET_CONFIG and calls fieldbookEventMap with it. The events come from
   /map/events.geojson with the filters of the form beside the map and the map's viewport
   (bbox and zoom): far out the server answers clusters (a count per grid cell), close in
   the events themselves, so an investigation of a million events stays a small download.
   The markers are drawn by the page itself, so they show even when no tile server answers.
   A popup asks for its event's title, status, place and link when it first opens. The
   address keeps the filters (?kind=...) and the view (#zoom/latitude/longitude). */
(function () {
  "use strict";

  var maps = window.FieldbookMaps;
  var FIT_MAX_ZOOM = 10;
  var SLIDER_DELAY_MS = 200; // wait for the slider to rest before asking the server
  var MOVE_DELAY_MS = 150; // and for the map to rest after a pan or a zoom
  var PADDING = 0.25; // ask for a quarter more on each side: small pans need no new request

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
    var cells = L.layerGroup().addTo(map); // the server's clusters, far out
    var ordinary = [];
    var request = null;
    var timer = null;
    var fitted = viewFromHash();

    var covered = null; // {query, bounds} of the last answer that held every event in it
    var moveTimer = null;

    // The view in the address: #zoom/latitude/longitude. false when there is none.
    function viewFromHash() {
      var parts = location.hash.slice(1).split("/").map(Number);
      if (parts.length !== 3 || parts.some(isNaN)) return false;
      map.setView([parts[1], parts[2]], parts[0]);
      return true;
    }

    function viewHash() {
      var centre = map.getCenter();
      return "#" + map.getZoom() + "/" + centre.lat.toFixed(4) + "/" + centre.lng.toFixed(4);
    }

    function remember(query) {
      var search = query === "" ? location.pathname : "?" + query;
      history.replaceState(null, "", search + (fitted ? viewHash() : ""));
    }

    // The viewport as the server takes it: west,south,east,north within the world's edges.
    function bbox(bounds) {
      var clamp = function (value, limit) { return Math.max(-limit, Math.min(limit, value)); };
      return [clamp(bounds.getWest(), 180), clamp(bounds.getSouth(), 90),
        clamp(bounds.getEast(), 180), clamp(bounds.getNorth(), 90)].map(function (value) {
        return value.toFixed(5);
      }).join(",");
    }

    function load() {
      slider.sync();
      var query = filterQuery(form, kinds);
      remember(query === null ? "" : query);
      if (request) request.abort();
      if (query === null) return draw({ features: [], unplaced: 0, count: 0, view: "points" });
      if (fitted && covered && covered.query === query && covered.bounds.contains(map.getBounds())) {
        form.dataset.state = "ready";
        return;
      }
      var asked = fitted ? map.getBounds().pad(PADDING) : null;
      var url = form.dataset.geojsonUrl + "?" + (query ? query + "&" : "");
      if (asked) url += "bbox=" + bbox(asked) + "&zoom=" + map.getZoom();
      request = new AbortController();
      form.dataset.state = "loading";
      getJSON(url, "application/geo+json", request.signal)
        .then(function (data) {
          covered = data.view === "points" && asked ? { query: query, bounds: asked } : null;
          draw(data);
          if (!fitted) fitOnce(data);
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          form.dataset.state = "error";
          status.textContent = "The events could not be loaded (" + error.message + ").";
        });
    }

    // Without a view in the address, the first answer (of the whole world) places the map
    // on its events; from then on every pan and zoom asks for its own viewport.
    function fitOnce(data) {
      fitted = true;
      if (data.bounds) {
        map.fitBounds(data.bounds, { maxZoom: FIT_MAX_ZOOM, padding: [30, 30], animate: false });
      }
      remember(filterQuery(form, kinds) || "");
      if (data.view === "clusters" || !data.bounds) load();
      else covered = { query: filterQuery(form, kinds), bounds: L.latLngBounds([[-90, -180], [90, 180]]) };
    }

    function draw(data) {
      focus.clearLayers();
      halos.clearLayers();
      cells.clearLayers();
      ordinary = [];
      var drawnHalos = {};
      data.features.forEach(function (feature) {
        if (feature.properties.cluster) return cells.addLayer(cellMarker(feature, map));
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
      status.textContent = describe(data);
      form.dataset.state = "ready";
      form.dataset.view = data.view;
      form.dataset.count = String(data.count);
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
    // While the map moves, and until the answer for where it stops is drawn, the form says
    // so: "ready" means what is drawn is the view's.
    map.on("movestart", function () {
      if (fitted) form.dataset.state = "moving";
    });
    map.on("moveend", function () {
      if (!fitted) return;
      remember(filterQuery(form, kinds) || "");
      clearTimeout(moveTimer);
      moveTimer = setTimeout(load, MOVE_DELAY_MS);
    });
    foldable(form, map);
    slider.restore();
    load();
  };

  // A cluster of the server: its count in a circle sized by it; a click zooms in on it.
  function cellMarker(feature, map) {
    var count = feature.properties.count;
    var size = count < 100 ? 34 : count < 10000 ? 42 : 50;
    var coordinates = feature.geometry.coordinates;
    var label = count.toLocaleString("en") + (count === 1 ? " event" : " events") +
      (feature.properties.focus ? ", " + feature.properties.focus + " focus" : "") + ": zoom in";
    var marker = L.marker([coordinates[1], coordinates[0]], {
      icon: L.divIcon({
        className: "fb-cluster" + (feature.properties.focus ? " has-focus" : ""),
        html: "<span>" + count.toLocaleString("en") + "</span>",
        iconSize: [size, size],
      }),
      title: label,
      alt: label,
      keyboard: true,
    });
    marker.on("click", function () {
      map.setView(marker.getLatLng(), Math.min(map.getZoom() + 2, map.getMaxZoom()));
    });
    return marker;
  }

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
    var count = data.count;
    var text = count === 1 ? "1 event on the map." : count.toLocaleString("en") + " events on the map.";
    if (data.view === "clusters") {
      text = count.toLocaleString("en") + " events in view, grouped by area: zoom in to see each one.";
    }
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
