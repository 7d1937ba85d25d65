/* npusim report page, first script: collects every error (uncaught, rejected
 * promise, console.error, console.warn -- Vega logs spec problems as warnings)
 * into #npusim-errors and data-errors on <html>. */
(function () {
  "use strict";
  var errs = [];
  function show() {
    document.documentElement.setAttribute("data-errors", String(errs.length));
    var el = document.getElementById("npusim-errors");
    if (el) { el.textContent = errs.join("\n"); el.hidden = false; }
  }
  window.npusimError = function (m) { errs.push(String(m)); show(); };
  window.npusimErrorCount = function () { return errs.length; };
  window.addEventListener("error", function (e) { window.npusimError("error: " + e.message); });
  window.addEventListener("unhandledrejection", function (e) {
    window.npusimError("unhandled rejection: " + (e.reason && e.reason.message ? e.reason.message : e.reason));
  });
  ["error", "warn"].forEach(function (k) {
    var orig = console[k];
    console[k] = function () {
      window.npusimError("console." + k + ": " + Array.prototype.map.call(arguments, String).join(" "));
      return orig.apply(console, arguments);
    };
  });
  document.addEventListener("DOMContentLoaded", function () { if (errs.length) show(); });
})();
