/* "Add source": as the description is typed, the sources of the chosen investigation with a
   similar description ("Slate Wren 97 has a similar description: intelligence officer,
   Hawija"), so that a source is not added twice under two codenames. Asks the admin's
   /admin/sources/source/similar/ (codenames and descriptions only, of sources the person
   may see), by POST so that the description stays out of URLs. */
(function () {
  "use strict";

  var WAIT_MS = 400; // after the last key, before asking

  function start() {
    var description = document.getElementById("id_description");
    if (!description || !description.dataset.similarUrl) return;
    var form = description.form;
    var investigation = form.elements.investigation;
    var hint = document.createElement("div");
    hint.className = "fieldbook-similar";
    hint.id = "similar-sources";
    hint.setAttribute("role", "status");
    hint.setAttribute("aria-live", "polite");
    description.insertAdjacentElement("afterend", hint);
    var timer = null;
    var asked = null;

    function ask() {
      var text = description.value.trim();
      var chosen = investigation ? investigation.value : "";
      if (text.length < 3 || !chosen) return show([]);
      if (asked) asked.abort();
      asked = new AbortController();
      var body = new FormData();
      body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
      body.append("investigation", chosen);
      body.append("description", text);
      fetch(description.dataset.similarUrl, {
        method: "POST", body: body, credentials: "same-origin", signal: asked.signal,
      })
        .then(function (response) { return response.ok ? response.json() : { similar: [] }; })
        .then(function (data) { show(data.similar); })
        .catch(function (error) { if (error.name !== "AbortError") show([]); });
    }

    // Text nodes only: descriptions are typed by people, never parsed as HTML.
    function show(similar) {
      hint.textContent = "";
      similar.forEach(function (source) {
        var line = document.createElement("p");
        var name = document.createElement("strong");
        name.textContent = source.codename;
        var rest = document.createElement("span");
        rest.dir = "auto";
        rest.textContent = source.description;
        line.append(name, " has a similar description: ", rest);
        hint.appendChild(line);
      });
      if (similar.length) {
        var advice = document.createElement("p");
        advice.textContent = "If it is the same person, log the interview with that source instead.";
        hint.appendChild(advice);
      }
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(ask, WAIT_MS);
    }

    description.addEventListener("input", later);
    if (investigation) investigation.addEventListener("change", ask);
    if (description.value.trim()) ask(); // typed before this script started, or shown again
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
