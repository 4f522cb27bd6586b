/* Draws the dashboard charts from <script type="application/json"> blocks (no inline script: CSP). */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var colors = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1"];
  var fmt = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var suffix = spec.percent ? "%" : "";
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          return { label: d.label, data: d.data, backgroundColor: colors[i % colors.length], borderColor: colors[i % colors.length] };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + fmt.format(c.parsed.y) + suffix; } } } },
        scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return fmt.format(v) + suffix; } } } },
      },
    });
  });
})();
