// Maps without base tiles (offline networks): the grid polygons and points are the map.
(function () {
  "use strict";
  function drawTicketMap(element) {
    // Leaflet needs a view before layers are added; the real one is fitted to them below.
    var map = L.map(element, { attributionControl: false, zoomControl: true }).setView([0, 0], 2);
    var layers = [];
    var areaNode = document.getElementById("map-area");
    var area = areaNode ? JSON.parse(areaNode.textContent) : null;
    if (area) {
      layers.push(L.geoJSON(area, { style: { color: "#b42318", weight: 2, fillOpacity: 0.08 } }).addTo(map));
    }
    var point = (element.dataset.point || "").split(",").map(Number);
    if (point.length === 2 && !isNaN(point[0])) {
      layers.push(L.circleMarker([point[1], point[0]], { radius: 8, color: "#1d4ed8", fillOpacity: 0.8 }).addTo(map));
    }
    var bounds = L.featureGroup(layers).getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.5)); } else { map.setView([0, 0], 2); }
  }
  window.CityLoopMap = { drawTicketMap: drawTicketMap };
  var element = document.getElementById("map");
  if (element && element.dataset.point !== undefined) { drawTicketMap(element); }
})();
