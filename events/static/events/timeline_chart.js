/* The timeline's chart (events/chart.py month_chart): events per month, or per year over ten
   years, stacked by kind in the kinds' map colours. The time axis labels every period while they
   fit, else every quarter, half-year, year ...; the year is written under the first label and
   under each January. Chart.js is vendored in investigation/static/vendor/chart.js. */
(function () {
  "use strict";

  var source = document.getElementById("timeline-chart-data");
  var canvas = document.getElementById("month-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);

  function label(index) {
    if (index && (data.first + index) % data.every) return null;
    var name = data.labels[index];
    if (data.per === "year") return name;
    var parts = name.split(" "); // "Jan 2019"
    var month = data.every >= 12 ? "" : parts[0];
    var year = index === 0 || parts[0] === "Jan" ? parts[1] : "";
    return [month, year];
  }

  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.datasets.map(function (kind) {
        return { label: kind.label, data: kind.counts, backgroundColor: kind.colour, maxBarThickness: 40 };
      }),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: {
          stacked: true,
          grid: { display: false },
          ticks: { autoSkip: false, maxRotation: 0, callback: function (value, index) { return label(index); } },
        },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { display: false } }, // the page's own legend is above the chart
    },
  });
  canvas.dataset.drawn = String(chart.data.datasets.length);
})();
