/* npusim: the `vega` object, as upstream's vega/index.js assembles it: every
 * module's exports, and the transforms registered with the dataflow. */
var vega = (function () {
  var v = {};
  ["vega-util", "vega-loader", "vega-format", "vega-time", "vega-statistics", "vega-scale",
   "vega-dataflow", "vega-scenegraph", "vega-expression", "vega-functions", "vega-runtime",
   "vega-parser", "vega-view"].forEach(function (n) {
    var m = __npuReq(n);
    for (var k in m) v[k] = m[k];
  });
  var tr = __npuReq("vega-dataflow").transforms;
  ["vega-transforms", "vega-view-transforms", "vega-encode"].forEach(function (n) {
    var m = __npuReq(n);
    for (var k in m) tr[k] = m[k];
  });
  return v;
})();
