// Charts of the statistics pages (jingwu.stats): reads the JSON of #stats-data (json_script) and draws
// Apache ECharts (vendored) into every element with a data-chart attribute. No inline script (CSP).
(function () {
  "use strict";
  var source = document.getElementById("stats-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var builders = {
    categories: function () {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: ["本期", "上年同期"] },
        grid: { left: 40, right: 10, top: 36, bottom: 40 },
        xAxis: { type: "category", data: data.categories.map(function (c) { return c.name; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "本期", type: "bar", data: data.categories.map(function (c) { return c.current; }) },
          { name: "上年同期", type: "bar", data: data.categories.map(function (c) { return c.previous; }) }
        ]
      };
    },
    trend: function () {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: ["本期", "上年同期"] },
        grid: { left: 40, right: 10, top: 36, bottom: 30 },
        xAxis: { type: "category", data: data.trend.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "本期", type: "line", data: data.trend.current },
          { name: "上年同期", type: "line", data: data.trend.previous, lineStyle: { type: "dashed" } }
        ]
      };
    },
    heatmap: function () {
      var top = Math.max.apply(null, data.heatmap.map(function (c) { return c[2]; }).concat([1]));
      var hours = [];
      for (var h = 0; h < 24; h++) { hours.push(h + "时"); }
      return {
        tooltip: { position: "top" },
        grid: { left: 50, right: 10, bottom: 60 },
        xAxis: { type: "category", data: hours, splitArea: { show: true } },
        yAxis: { type: "category", data: data.weekdays, splitArea: { show: true } },
        visualMap: { min: 0, max: top, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
        series: [{ name: "警情", type: "heatmap", data: data.heatmap }]
      };
    },
    townships: function () {
      var top = Math.max.apply(null, data.townships.map(function (t) { return t.value[2]; }).concat([1]));
      return {
        tooltip: { formatter: function (p) { return p.name + "：" + p.value[2]; } },
        grid: { left: 40, right: 40, top: 20, bottom: 60 },
        xAxis: { type: "value", show: false, scale: true },
        yAxis: { type: "value", show: false, scale: true },
        visualMap: { min: 0, max: top, dimension: 2, orient: "horizontal", left: "center", bottom: 0,
          inRange: { color: ["#d6e6f5", "#f39c12", "#c0392b"] } },
        series: [{
          type: "scatter", data: data.townships,
          symbolSize: function (v) { return 18 + 30 * v[2] / top; },
          label: { show: true, formatter: "{b}", position: "bottom" }
        }]
      };
    },
    reform: function () {
      var marked = data.labels.indexOf(data.reform);
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: ["改革地区", "对照地区"] },
        grid: { left: 50, right: 50, top: 50, bottom: 30 },
        xAxis: { type: "category", data: data.labels },
        yAxis: [{ type: "value", name: "改革地区", minInterval: 1 }, { type: "value", name: "对照地区", minInterval: 1 }],
        series: [
          { name: "改革地区", type: "line", data: data.treated,
            markLine: marked < 0 ? undefined : { symbol: "none", data: [{ xAxis: marked, name: "改革" }] } },
          { name: "对照地区", type: "line", yAxisIndex: 1, data: data.control, lineStyle: { type: "dashed" } }
        ]
      };
    }
  };
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var build = builders[el.getAttribute("data-chart")];
    if (!build) { return; }
    var chart = echarts.init(el);
    chart.setOption(build());
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
