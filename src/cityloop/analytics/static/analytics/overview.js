// The analyst's overview: two ECharts charts and a grid map (Leaflet, no base tiles), from data in the page.
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var COLOURS = ["#f1f5f9", "#fde2e1", "#f8a5a0", "#e0584f", "#b42318"];

  var daily = data("daily-data");
  var dailyNode = document.getElementById("chart-daily");
  if (window.echarts && daily && dailyNode) {
    echarts.init(dailyNode).setOption({
      animation: false,
      color: ["#b42318"],
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 32 },
      xAxis: { type: "category", data: daily.dates, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: daily.name, type: "line", data: daily.counts, smooth: false, areaStyle: { opacity: 0.08 } }]
    });
  }

  var mix = data("status-data");
  var mixNode = document.getElementById("chart-status");
  if (window.echarts && mix && mixNode) {
    echarts.init(mixNode).setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { type: "scroll", bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], top: 0, bottom: 30, data: mix,
                 label: { formatter: "{b} {c}" } }]
    });
  }

  var grids = data("grid-data");
  var mapNode = document.getElementById("grid-map");
  if (window.L && grids && mapNode) {
    var max = grids.features.reduce(function (m, f) { return Math.max(m, f.properties.count); }, 0);
    var colour = function (n) {
      if (!n || !max) { return COLOURS[0]; }
      return COLOURS[Math.min(4, 1 + Math.floor((n / max) * 3.999))];
    };
    var map = L.map(mapNode, { attributionControl: false, zoomControl: true, keyboard: true });
    // The view is set before the polygons are added: Leaflet cannot clip paths on a map without one.
    var layer = L.geoJSON(grids, {
      style: function (f) {
        return { color: "#52606d", weight: 1, fillColor: colour(f.properties.count), fillOpacity: 0.85 };
      },
      onEachFeature: function (f, l) {
        l.bindTooltip(f.properties.name + ": " + f.properties.count);
      }
    });
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.05)); } else { map.setView([0, 0], 2); }
    layer.addTo(map);
  }
})();
