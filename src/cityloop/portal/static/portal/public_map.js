// The public map: per grid, the number of recent tickets at the grid's centre (never an exact point),
// with the first-level categories in a popup. No base tiles (offline networks): the grid polygons are the map.
(function () {
  "use strict";
  var element = document.getElementById("public-map");
  if (!element || !window.L) { return; }
  var map = L.map(element, { attributionControl: false, keyboard: true, zoomSnap: 0.25 });
  var centre = [Number(element.dataset.lat || 0), Number(element.dataset.lon || 0)];
  map.setView(centre, element.dataset.lat ? 12 : 2);
  var points = L.layerGroup().addTo(map);
  var features = [];
  var filter = document.getElementById("map-status");

  function popup(rows) {
    var list = document.createElement("ul");
    list.className = "plain";
    rows.forEach(function (row) {
      var item = document.createElement("li");
      item.textContent = row.category + " · " + element.dataset[row.status] + ": " + row.count;
      list.appendChild(item);
    });
    return list;
  }

  function draw() {
    points.clearLayers();
    var wanted = filter.value;
    var byGrid = {};
    features.forEach(function (feature) {
      var p = feature.properties;
      if (wanted && p.status !== wanted) { return; }
      var grid = byGrid[p.grid] || (byGrid[p.grid] = { at: feature.geometry.coordinates, rows: [], total: 0, open: 0 });
      grid.rows.push(p);
      grid.total += p.count;
      if (p.status === "open") { grid.open += p.count; }
    });
    Object.keys(byGrid).forEach(function (key) {
      var grid = byGrid[key];
      L.circleMarker([grid.at[1], grid.at[0]], {
        radius: 5 + Math.sqrt(grid.total) * 2, weight: 1,
        // green when all are closed, amber when some are open, red when most are
        color: grid.open === 0 ? "#2f855a" : (grid.open * 2 > grid.total ? "#c53030" : "#b7791f"), fillOpacity: 0.7
      }).bindPopup(popup(grid.rows)).bindTooltip(String(grid.total)).addTo(points);
    });
  }

  filter.addEventListener("change", draw);
  fetch(element.dataset.grids, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (grids) {
      var layer = L.geoJSON(grids, { style: { color: "#52606d", weight: 1, fillOpacity: 0.04 } }).addTo(map);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
      return fetch(element.dataset.points, { credentials: "same-origin" });
    })
    .then(function (response) { return response.json(); })
    .then(function (data) { features = data.features; draw(); })
    .catch(function () { /* the table beside the map has the same figures */ });
})();
