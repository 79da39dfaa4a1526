/* Starts every map a page declares with {% fieldbook_map %} (events/templatetags): the
   django-leaflet options come from a JSON data block, and the map is handed to the page's
   callback, as {% leaflet_map %} would do with an inline script the Content-Security-Policy
   forbids. */
(function () {
  "use strict";

  function start(element) {
    if (element.dataset.started) return;
    element.dataset.started = "true";
    var options = JSON.parse(document.getElementById(element.dataset.options).textContent);
    var callback = window[element.dataset.callback];
    L.Map.djangoMap(element.id, {
      djoptions: options,
      globals: false,
      callback: typeof callback === "function" ? callback : null,
    });
  }

  function startAll() {
    document.querySelectorAll("[data-fieldbook-map]").forEach(start);
  }

  if (document.readyState === "complete") startAll();
  else window.addEventListener("load", startAll);
})();
