// The map of opinion groups: one scatter series per group, from the JSON the page embeds.
(function () {
  var el = document.getElementById("group-map");
  var data = document.getElementById("group-map-data");
  if (!el || !data || typeof echarts === "undefined") { return; }
  var option = JSON.parse(JSON.parse(data.textContent));
  echarts.init(el).setOption(option);
})();
