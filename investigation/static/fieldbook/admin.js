/* Names for the admin's inputs that have none a screen reader can announce (found by
   axe-core in the browser tests): the "Delete?" box of each row of a table of related rows,
   and the autocomplete boxes (select2), whose name would be only the value chosen. Runs on
   every admin page, and again for each row "Add another" adds. */
(function () {
  "use strict";

  var counter = 0;

  function idOf(element) {
    if (!element.id) element.id = "fieldbook-label-" + ++counter;
    return element.id;
  }

  // The element naming a field: its <label>, or its column's header in a table of rows.
  function namer(field) {
    if (field.labels && field.labels.length) return field.labels[0];
    var cell = field.closest("td");
    var table = field.closest("table");
    if (!cell || !table) return null;
    var name = Array.prototype.find.call(cell.classList, function (c) { return c.indexOf("field-") === 0; });
    return name ? table.querySelector("thead th.column-" + name.slice(6)) : null;
  }

  function nameDeleteBoxes(root) {
    root.querySelectorAll(".tabular td.delete input[type=checkbox]").forEach(function (box) {
      if (box.labels.length || box.hasAttribute("aria-label")) return;
      var original = box.closest("tr").querySelector("td.original p");
      var row = original ? original.textContent.trim() : "";
      box.setAttribute("aria-label", row ? "Delete " + row : "Delete this row");
    });
  }

  // The inputs of a table of related rows (an event's actors and their roles): named by
  // their column's header, as a sighted person reads them.
  function nameColumns(root) {
    root.querySelectorAll(".tabular td select, .tabular td input, .tabular td textarea").forEach(function (field) {
      if (field.type === "hidden" || field.labels.length || field.hasAttribute("aria-label")) return;
      if (field.hasAttribute("aria-labelledby")) return;
      var header = namer(field);
      if (header) field.setAttribute("aria-labelledby", idOf(header));
    });
  }

  function nameAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var combobox = container && container.querySelector("[role=combobox]");
      var label = namer(select);
      if (!combobox || !label || combobox.dataset.fieldbookNamed) return;
      combobox.dataset.fieldbookNamed = "true";
      var shown = combobox.getAttribute("aria-labelledby");
      combobox.setAttribute("aria-labelledby", idOf(label) + (shown ? " " + shown : ""));
      // The box showing the choice is a text box of its own, named by nothing when empty.
      var rendered = shown && document.getElementById(shown);
      if (rendered) rendered.setAttribute("aria-labelledby", idOf(label));
    });
  }

  function nameAll() {
    nameDeleteBoxes(document);
    nameColumns(document);
    nameAutocompletes(document);
  }

  // Django starts the autocompletes when jQuery says the page is ready, which jQuery 3 tells
  // its handlers a turn later, sometimes after "load": name them at both, and for a new row.
  window.addEventListener("load", nameAll);
  if (window.django && window.django.jQuery) window.django.jQuery(function () { setTimeout(nameAll, 0); });
  document.addEventListener("formset:added", function () { setTimeout(nameAll, 0); });
})();
