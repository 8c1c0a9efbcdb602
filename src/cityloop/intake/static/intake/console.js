// The operator console: category filter, map point with its grid, and focus for keyboard work.
// Everything here is an enhancement: without scripts the form, the "Filter the list" button and the address work.
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // --- category picker: the text filter narrows the grouped select as one types ---------------------------
  function setUpCategoryFilter() {
    var search = document.getElementById("id_category_search");
    var select = document.getElementById("id_category");
    var narrow = document.querySelector("button.narrow");
    var count = document.getElementById("category-count");
    if (!search || !select) { return; }
    if (narrow) { narrow.hidden = true; }
    var original = select.cloneNode(true);  // every option, as the server rendered them

    function apply() {
      var needle = search.value.trim().toLowerCase();
      var selected = select.value;
      var fresh = original.cloneNode(true);
      var shown = 0;
      Array.prototype.forEach.call(fresh.querySelectorAll("option[value]"), function (option) {
        if (option.value === "") { return; }
        var group = option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : "";
        var text = ((option.dataset.search || option.textContent) + " " + group).toLowerCase();
        if (needle && text.indexOf(needle) === -1 && option.value !== selected) { option.remove(); } else { shown += 1; }
      });
      Array.prototype.forEach.call(fresh.querySelectorAll("optgroup"), function (group) {
        if (!group.querySelector("option")) { group.remove(); }
      });
      select.replaceChildren.apply(select, Array.prototype.slice.call(fresh.childNodes));
      select.value = selected;
      if (count) {
        var total = original.querySelectorAll("option:not([value=''])").length;
        count.textContent = needle ? format(count.dataset.text, { shown: shown, total: total }) : "";
      }
      return fresh;
    }

    search.addEventListener("input", apply);
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== "ArrowDown") { return; }
      event.preventDefault();  // Enter here narrows, it does not record the call
      var options = select.querySelectorAll("option:not([value=''])");
      if (options.length === 1) { select.value = options[0].value; }
      select.focus();
    });
    if (search.value) { apply(); }
  }

  // --- map: grid polygons without base tiles; a click (or the map centre) sets the point -------------------
  function setUpMap() {
    var element = document.getElementById("intake-map");
    var latitude = document.getElementById("id_latitude");
    var longitude = document.getElementById("id_longitude");
    if (!element || !latitude || !longitude || typeof L === "undefined") { return; }
    var status = document.getElementById("map-point");
    var centreButton = document.getElementById("map-centre");
    var clearButton = document.getElementById("map-clear");
    var text = element.dataset;
    var map = L.map(element, { attributionControl: false, keyboard: true });
    var marker = null;
    var lookup = 0;
    var centre = (text.centre || "").split(",").map(Number);
    if (centre.length === 2 && !isNaN(centre[0]) && !isNaN(centre[1])) { map.setView(centre, 12); } else {
      map.setView([0, 0], 2);
    }

    function show(message) { if (status) { status.textContent = message; } }

    function setPoint(lat, lon, announce) {
      latitude.value = lat.toFixed(6);
      longitude.value = lon.toFixed(6);
      if (marker) { marker.setLatLng([lat, lon]); } else {
        marker = L.circleMarker([lat, lon], { radius: 8, color: "#1d4ed8", fillOpacity: 0.8 }).addTo(map);
      }
      if (clearButton) { clearButton.hidden = false; }
      var point = format(text.textPoint, { lat: lat.toFixed(5), lon: lon.toFixed(5) });
      show(point);
      if (!announce) { return; }
      var mine = ++lookup;
      var url = text.gridAtUrl + "?latitude=" + encodeURIComponent(latitude.value) +
        "&longitude=" + encodeURIComponent(longitude.value);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (body) {
          if (mine !== lookup) { return; }
          var where = body.grid ? format(text.textGrid, { name: body.grid.trail.concat([body.grid.name]).join(" › ") })
            : text.textOutside;
          show(point + " · " + where);
        })
        .catch(function () { if (mine === lookup) { show(point + " · " + text.textFailed); } });
      document.body.dispatchEvent(new CustomEvent("cityloop:point"));
    }

    function clearPoint() {
      latitude.value = "";
      longitude.value = "";
      if (marker) { map.removeLayer(marker); marker = null; }
      if (clearButton) { clearButton.hidden = true; }
      show(text.textNone);
    }

    map.on("click", function (event) { setPoint(event.latlng.lat, event.latlng.lng, true); });
    if (centreButton) {
      centreButton.hidden = false;
      centreButton.addEventListener("click", function () {
        var centre = map.getCenter();
        setPoint(centre.lat, centre.lng, true);
      });
    }
    if (clearButton) { clearButton.addEventListener("click", clearPoint); }

    fetch(text.gridsUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (layer) {
        var grids = L.geoJSON(layer, {
          style: { color: "#b42318", weight: 1, fillOpacity: 0.06 },
          onEachFeature: function (feature, shape) { shape.bindTooltip(feature.properties.name, { sticky: true }); }
        }).addTo(map);
        // clicks on a polygon are clicks on the map
        grids.on("click", function (event) { setPoint(event.latlng.lat, event.latlng.lng, true); });
        if (!marker && grids.getBounds().isValid()) { map.fitBounds(grids.getBounds()); }
      })
      .catch(function () { /* the map stays usable without the grid layer */ });

    var lat = parseFloat(latitude.value);
    var lon = parseFloat(longitude.value);
    if (!isNaN(lat) && !isNaN(lon)) {
      setPoint(lat, lon, true);
      map.setView([lat, lon], 15);
    }
  }

  // --- focus: the first field in error, the direct answer, or the caller's phone for a new call -----------
  function setUpFocus() {
    var invalid = document.querySelector(".field.invalid input:not([type=hidden]), .field.invalid select, " +
                                         ".field.invalid textarea");
    var target = invalid || document.getElementById("id_reply") || document.getElementById("id_citizen_phone");
    if (target) { target.focus(); }
  }

  // --- suggestions: a suggested category can be taken with one key press -----------------------------------
  function setUpSuggestions() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button[data-category]") : null;
      var select = document.getElementById("id_category");
      if (!button || !select) { return; }
      var search = document.getElementById("id_category_search");
      if (search && search.value) { search.value = ""; search.dispatchEvent(new Event("input")); }
      select.value = button.dataset.category;
      select.focus();
    });
  }

  // --- Alt+S records the call, Alt+N starts a new one -------------------------------------------------------
  // The buttons carry accesskey attributes (which work without scripts where the browser maps them to Alt);
  // this handler gives the same keys in every browser and never acts twice when the access key already did.
  function setUpShortcuts() {
    var form = document.getElementById("call-form");
    var submit = document.querySelector("#call-form button[accesskey='s']");
    var newCall = document.querySelector("a[accesskey='n']");
    var busy = false;
    if (form) { form.addEventListener("submit", function () { busy = true; }); }
    if (newCall) { newCall.addEventListener("click", function () { busy = true; }); }
    document.addEventListener("keydown", function (event) {
      if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
      var key = (event.key || "").toLowerCase();
      if (key === "s" && form && submit) {
        event.preventDefault();
        if (!busy) { form.requestSubmit(submit); }
      } else if (key === "n" && newCall) {
        event.preventDefault();
        if (!busy) { busy = true; window.location.assign(newCall.href); }
      }
    });
  }

  setUpShortcuts();
  setUpCategoryFilter();
  setUpMap();
  setUpSuggestions();
  setUpFocus();
})();
