/* npusim report page: draws each chart the report lists (model.charts) with
 * Vega's SVG renderer. A chart = a spec of src/html/*.vg.json, the datasets
 * bound to its data names, and signal values. A chart whose drawing threw or
 * logged an error gets data-status="error", else "ok". Errors (thrown, console.error,
 * console.warn, window.onerror) are collected into #npusim-errors and
 * data-errors on <html>, so a headless browser test can read them from the DOM
 * (tests/browser/). */
(function () {
  "use strict";
  var model = JSON.parse(document.getElementById("npusim-model").textContent);
  var specs = JSON.parse(document.getElementById("npusim-specs").textContent);
  var config = {
    background: "#ffffff",
    axis: {labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", gridColor: "#e6e6e6"},
    legend: {labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal"},
    title: {fontSize: 13}
  };
  function copy(x) { return JSON.parse(JSON.stringify(x)); }
  function draw(ch) {
    var el = document.getElementById(ch.id), before = window.npusimErrorCount();
    try {
      if (!specs[ch.spec]) throw new Error("no chart spec named " + ch.spec);
      var spec = copy(specs[ch.spec]);
      spec.data.forEach(function (d) {
        if (!ch.data || !(d.name in ch.data)) return;
        var v = model.data[ch.data[d.name]];
        if (!Array.isArray(v)) throw new Error("no dataset named " + ch.data[d.name]);
        d.values = copy(v);
      });
      (spec.signals || []).forEach(function (s) {
        if (ch.signals && s.name in ch.signals) s.value = ch.signals[s.name];
      });
      if (ch.height) spec.height = ch.height;
      spec.config = config;
      var view = new vega.View(vega.parse(spec), {
        renderer: "svg", container: el.querySelector(".plot"), hover: true, logLevel: vega.Warn
      });
      view.run();
      /* Vega logs most spec errors instead of throwing them */
      el.setAttribute("data-status", window.npusimErrorCount() > before ? "error" : "ok");
      return view.runAsync();
    } catch (e) {
      el.setAttribute("data-status", "error");
      window.npusimError(ch.id + ": " + (e && e.message ? e.message : e));
      return null;
    }
  }
  /* once every chart has rendered: the page's height (for full-page
   * screenshots) and the mark that the script ran to its end */
  Promise.all(model.charts.map(draw)).catch(function (e) {
    window.npusimError("render: " + (e && e.message ? e.message : e));
  }).then(function () {
    var root = document.documentElement;
    root.setAttribute("data-height", String(Math.ceil(root.scrollHeight)));
    root.setAttribute("data-rendered", "yes");
  });
})();
