/* The story overview's chart (stories/overview.py story_chart): our raids and the background's
   attacks per month, bars side by side, with the context events as marks on the time axis.
   Chart.js and its annotation plugin are vendored in investigation/static/vendor/chart.js. */
(function () {
  "use strict";

  var source = document.getElementById("story-chart-data");
  var canvas = document.getElementById("story-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);

  var marks = {};
  data.context.forEach(function (event, index) {
    var at = data.months.indexOf(event.month);
    if (at < 0) return;
    marks["context" + index] = {
      type: "line",
      xMin: at,
      xMax: at,
      borderColor: "#5d6770",
      borderWidth: 1,
      borderDash: [4, 4],
      label: {
        display: true,
        content: event.title.length > 40 ? event.title.slice(0, 39) + "…" : event.title,
        position: index % 2 ? "start" : "end",
        font: { size: 10 },
        backgroundColor: "rgba(29, 35, 41, 0.8)",
      },
    };
  });

  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Our raids", data: data.raids, backgroundColor: "#1f77b4" },
        { label: "Attacks (background data)", data: data.attacks, backgroundColor: "#ff7f0e" },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { ticks: { autoSkip: true, maxRotation: 0 } },
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "events" } },
      },
      plugins: { annotation: { annotations: marks }, legend: { position: "bottom" } },
    },
  });
  canvas.dataset.drawn = String(chart.data.datasets.length);
})();
