/* A picker for every input.fieldbook-precise-date (events.dates.PreciseDateWidget): a "Pick…"
   button opens three selects, day, month and year, that write what they say into the text
   box ("14 Jan 2019", "Jan 2019" or "2019"), so that a month five years back is two choices,
   not sixty clicks on a calendar. The text stays what is saved: the server reads it
   (events.dates.parse_precise_date), and typing still works, "week of 14 Jan 2019" too. */
(function () {
  "use strict";

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var FIRST_YEAR = 1990; // the oldest year offered; typing reaches further back
  var DAY = /^(?:week of )?(\d{1,2}) ([a-z]{3})[a-z]* (\d{4})$/i;
  var MONTH = /^([a-z]{3})[a-z]* (\d{4})$/i;
  var ISO = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/;
  var counter = 0;

  function option(select, value, text) {
    var element = document.createElement("option");
    element.value = String(value);
    element.textContent = text;
    select.appendChild(element);
  }

  function labelled(box, text) {
    var part = document.createElement("div");
    part.className = "fieldbook-date-part";
    var label = document.createElement("label");
    var select = document.createElement("select");
    select.id = box.id + "-" + text.toLowerCase();
    label.htmlFor = select.id;
    label.textContent = text;
    part.append(label, select);
    box.appendChild(part);
    return select;
  }

  function daysIn(month, year) {
    return new Date(year || 2000, month, 0).getDate(); // day 0 of the next month
  }

  // What the text box says, as {day, month, year} (numbers, 0 for unknown): only the shapes
  // this picker and the server write; anything else leaves the selects empty.
  function read(text) {
    var value = text.trim();
    var found = DAY.exec(value);
    if (found) return { day: +found[1], month: monthNumber(found[2]), year: +found[3] };
    found = MONTH.exec(value);
    if (found) return { day: 0, month: monthNumber(found[1]), year: +found[2] };
    found = ISO.exec(value);
    if (found) return { day: +(found[3] || 0), month: +(found[2] || 0), year: +found[1] };
    return { day: 0, month: 0, year: 0 };
  }

  function monthNumber(name) {
    var index = MONTHS.indexOf(name.charAt(0).toUpperCase() + name.slice(1, 3).toLowerCase());
    return index + 1;
  }

  // null without a year: a month chosen first waits for its year.
  function write(parts) {
    if (!parts.year) return null;
    if (!parts.month) return String(parts.year);
    var month = MONTHS[parts.month - 1] + " " + parts.year;
    return parts.day ? parts.day + " " + month : month;
  }

  function enhance(input) {
    if (input.dataset.picker) return;
    input.dataset.picker = "ready";
    var id = "fieldbook-date-picker-" + ++counter;
    var name = input.labels && input.labels.length ? input.labels[0].textContent : "the date";
    name = name.replace(/:\s*$/, "");

    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "fieldbook-date-toggle";
    toggle.textContent = "Pick…";
    toggle.setAttribute("aria-expanded", "false");
    toggle.setAttribute("aria-controls", id);
    toggle.setAttribute("aria-label", "Pick " + name.toLowerCase() + " by day, month and year");

    var box = document.createElement("div");
    box.className = "fieldbook-date-picker";
    box.id = id;
    box.hidden = true;
    var day = labelled(box, "Day");
    var month = labelled(box, "Month");
    var year = labelled(box, "Year");
    option(month, 0, "not known");
    MONTHS.forEach(function (label, index) { option(month, index + 1, label); });
    option(year, 0, "—");
    for (var y = new Date().getFullYear() + 1; y >= FIRST_YEAR; y--) option(year, y, String(y));

    function fillDays() {
      var chosen = +day.value || 0;
      var count = daysIn(+month.value, +year.value);
      day.textContent = "";
      option(day, 0, "not known");
      for (var d = 1; d <= count; d++) option(day, d, String(d));
      day.value = String(chosen <= count ? chosen : 0);
      day.disabled = !+month.value;
    }

    function show() {
      var parts = read(input.value);
      year.value = String(parts.year >= FIRST_YEAR ? parts.year : 0);
      month.value = String(parts.month || 0);
      day.value = String(parts.day || 0);
      fillDays();
    }

    function pick() {
      fillDays();
      var text = write({ day: +day.value, month: +month.value, year: +year.value });
      if (text === null) return;
      input.value = text;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    toggle.addEventListener("click", function () {
      var opening = box.hidden;
      if (opening) show();
      box.hidden = !opening;
      toggle.setAttribute("aria-expanded", String(opening));
      if (opening) year.focus();
    });
    [day, month, year].forEach(function (select) { select.addEventListener("change", pick); });

    // One box for the text, its button and the picker, laid out together in any form.
    var field = document.createElement("span");
    field.className = "fieldbook-date-field";
    input.insertAdjacentElement("beforebegin", field);
    field.append(input, toggle, box);
  }

  function enhanceAll() {
    document.querySelectorAll("input.fieldbook-precise-date").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhanceAll);
  else enhanceAll();
})();
