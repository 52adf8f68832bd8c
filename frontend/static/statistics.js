// The statistics page's charts, drawn with the vendored Chart.js from the JSON block the
// server wrote (#stats-charts): no inline script under the pages' CSP. The tables beside
// each chart hold the same numbers for those who cannot see it.
(function () {
  "use strict";
  const block = document.getElementById("stats-charts");
  if (!block || typeof Chart === "undefined") return;
  const charts = JSON.parse(block.textContent);
  // Paul Tol's "muted" qualitative scheme (personal.sron.nl/~pault), in his order: nine
  // colours told apart with every common colour-vision deficiency. Every series of a chart
  // has its own (the trucks chart has eight; tests/unit/test_statistics_chart_colours.py
  // checks that no chart has more series than colours).
  const colours = ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255",
    "#44AA99", "#999933", "#AA4499"];
  // Numbers on the axes and in the tooltips as the page's language writes them (the tables
  // are formatted by the server for the same language: vi 2,5; en and zh 2.5).
  const locale = document.documentElement.lang || undefined;
  window.statisticsCharts = {};
  for (const spec of charts) {
    const canvas = document.querySelector(`canvas[data-chart="${spec.id}"]`);
    if (!canvas) continue;
    const datasets = spec.series.map((series, index) => ({
      label: series.label,
      data: series.data,
      backgroundColor: colours[index],
      borderColor: colours[index],
      spanGaps: true,
      tension: 0.2,
    }));
    window.statisticsCharts[spec.id] = new Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        locale: locale,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales: { y: { beginAtZero: spec.id !== "forecast" } },
      },
    });
  }
  // The gate chooser sends the same window to the other gate's page.
  const gate = document.querySelector("[data-gate-switch]");
  if (gate) {
    gate.addEventListener("change", () => {
      gate.form.action = `/statistics/${encodeURIComponent(gate.value)}`;
      gate.disabled = true; // not a query field of the page
      gate.form.submit();
    });
  }
})();
