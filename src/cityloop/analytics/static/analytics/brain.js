// The "城市大脑" screen: grid map with warnings (Leaflet, no tiles), ECharts charts; data refetched every 60 s.
(function () {
  "use strict";
  var root = document.getElementById("brain");
  var node = document.getElementById("brain-data");
  if (!root || !node) { return; }
  var COLOURS = ["#f1f5f9", "#fde2e1", "#f8a5a0", "#e0584f", "#b42318"];
  var charts = {};
  var map = null, layer = null;

  function chart(id) {
    var el = document.getElementById(id);
    if (!window.echarts || !el) { return null; }
    charts[id] = charts[id] || echarts.init(el);
    return charts[id];
  }

  function draw(data) {
    document.getElementById("brain-total").textContent = data.total;
    var daily = chart("brain-daily");
    if (daily) {
      daily.setOption({ animation: false, tooltip: { trigger: "axis" }, grid: { left: 40, right: 16, top: 16, bottom: 32 },
        xAxis: { type: "category", data: data.daily.map(function (d) { return d.date.slice(5); }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "line", color: "#b42318", data: data.daily.map(function (d) { return d.tickets; }) }] });
    }
    var cats = chart("brain-categories");
    if (cats) {
      cats.setOption({ animation: false, tooltip: {}, grid: { left: 110, right: 16, top: 8, bottom: 24 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: data.categories.map(function (c) { return c.category; }) },
        series: [{ type: "bar", color: "#e0584f", data: data.categories.map(function (c) { return c.tickets; }) }] });
    }
    var rates = chart("brain-rates");
    if (rates) {
      rates.setOption({ animation: false, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
        grid: { left: 40, right: 16, top: 16, bottom: 60 },
        xAxis: { type: "category", data: data.rates.map(function (r) { return r.unit; }), axisLabel: { rotate: 30 } },
        yAxis: { type: "value", max: 100 },
        series: ["response", "resolution", "satisfaction"].map(function (k) {
          return { name: k, type: "bar", data: data.rates.map(function (r) { return r[k]; }) };
        }) });
    }
    var list = document.getElementById("brain-warnings");
    if (list && data.warnings.length) {
      list.textContent = "";
      data.warnings.forEach(function (w) {
        var li = document.createElement("li"), a = document.createElement("a"), small = document.createElement("small");
        a.href = root.dataset.url.replace(/brain\/data\.json$/, "warnings/" + w.id + "/");
        a.textContent = w.title;
        small.className = "muted";
        small.textContent = " " + w.day + " · " + w.observed + "/" + w.expected + " · " + w.status;
        li.appendChild(a); li.appendChild(small); list.appendChild(li);
      });
    }
    var mapNode = document.getElementById("brain-map");
    if (window.L && mapNode) {
      var max = data.grids.features.reduce(function (m, f) { return Math.max(m, f.properties.count); }, 0);
      var colour = function (n) { return !n || !max ? COLOURS[0] : COLOURS[Math.min(4, 1 + Math.floor((n / max) * 3.999))]; };
      if (!map) { map = L.map(mapNode, { attributionControl: false }); }
      var next = L.geoJSON(data.grids, {
        style: function (f) {
          var warned = f.properties.warnings.length > 0;
          return { color: warned ? "#b42318" : "#52606d", weight: warned ? 3 : 1,
                   fillColor: colour(f.properties.count), fillOpacity: 0.85 };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(f.properties.name + ": " + f.properties.count +
                        (f.properties.warnings.length ? " — " + f.properties.warnings.join("; ") : ""));
        }
      });
      if (!layer) {
        var bounds = next.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds.pad(0.05)); } else { map.setView([0, 0], 2); }
      } else { map.removeLayer(layer); }
      layer = next.addTo(map);
    }
  }

  draw(JSON.parse(node.textContent));
  window.setInterval(function () {
    fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { draw(data); } })
      .catch(function () { /* keep the last figures */ });
  }, 60000);
})();
