// The report form's map pick: a click (or "use the map centre") fills the hidden latitude and longitude.
// No base tiles (offline networks): the grid polygons are the map. Without JavaScript the address is enough.
(function () {
  "use strict";
  var element = document.getElementById("pick-map");
  if (!element || !window.L) { return; }
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  var status = document.getElementById("pick-status");
  var controls = document.getElementById("pick-controls");
  element.hidden = false;
  controls.hidden = false;

  var map = L.map(element, { attributionControl: false, keyboard: true, zoomSnap: 0.25 });
  var centre = [Number(element.dataset.lat || 0), Number(element.dataset.lon || 0)];
  map.setView(centre, element.dataset.lat ? 12 : 2);
  var marker = null;

  function say(text) { status.textContent = text; }

  function choose(latlng) {
    var lat = latlng.lat.toFixed(6), lon = latlng.lng.toFixed(6);
    latitude.value = lat;
    longitude.value = lon;
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.circleMarker(latlng, { radius: 8, color: "#1d4ed8", fillOpacity: 0.8 }).addTo(map);
    }
    say(element.dataset.chosen.replace("%(lat)s", lat).replace("%(lon)s", lon));
  }

  function clear() {
    latitude.value = "";
    longitude.value = "";
    if (marker) { map.removeLayer(marker); marker = null; }
    say(element.dataset.none);
  }

  map.on("click", function (event) { choose(event.latlng); });
  document.getElementById("pick-centre").addEventListener("click", function () { choose(map.getCenter()); });
  document.getElementById("pick-clear").addEventListener("click", clear);

  var start = null;
  if (latitude.value && longitude.value) {
    start = L.latLng(Number(latitude.value), Number(longitude.value));
    choose(start);
    map.setView(start, 15);
  }

  fetch(element.dataset.grids, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (grids) {
      var layer = L.geoJSON(grids, {
        style: { color: "#b42318", weight: 1, fillOpacity: 0.05 },
        onEachFeature: function (feature, polygon) {
          polygon.bindTooltip(String(feature.properties.name), { sticky: true });
          polygon.on("click", function (event) { choose(event.latlng); });
        }
      }).addTo(map);
      var bounds = layer.getBounds();
      if (!start && bounds.isValid()) { map.fitBounds(bounds); }
    })
    .catch(function () { /* the grids are a help, not a need */ });
})();
