// A warning's evidence: observed against expected (ECharts) and its area (Leaflet, no tiles).
(function () {
  "use strict";
  function data(id) { var n = document.getElementById(id); return n ? JSON.parse(n.textContent) : null; }
  var c = data("warning-chart-data"), el = document.getElementById("warning-chart");
  if (window.echarts && c && el) {
    echarts.init(el).setOption({ animation: false, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 16, bottom: 48 }, xAxis: { type: "category", data: c.dates },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: c.observed_name, type: "bar", color: "#b42318", data: c.observed },
               { name: c.expected_name, type: "line", color: "#52606d", data: c.expected }] });
  }
  var geo = data("warning-area"), mapNode = document.getElementById("warning-map");
  if (window.L && geo && mapNode) {
    var map = L.map(mapNode, { attributionControl: false });
    var layer = L.geoJSON(geo, { style: { color: "#b42318", weight: 2, fillOpacity: 0.3 } });
    map.fitBounds(layer.getBounds().pad(0.2));
    layer.addTo(map);
  }
})();
