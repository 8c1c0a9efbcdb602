// Survey results: one bar chart per choice or scale question, from the JSON the page carries.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("survey-charts").textContent);
  data.forEach(function (item) {
    var el = document.getElementById("chart-" + item.id);
    if (!el || !window.echarts) { return; }
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 40, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "category", data: item.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: item.counts }],
      aria: { enabled: true }
    });
  });
})();
