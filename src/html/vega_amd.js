/* npusim: a lazy AMD resolver for Debian's per-module Vega builds (tools/embed_web.c
 * wraps each module as (function(define){...})(__npuDef(NAME))). */
var __npuDefs = {}, __npuMods = {};
function __npuDef(name) {
  var d = function (deps, factory) { __npuDefs[name] = {deps: deps, factory: factory}; };
  d.amd = true;
  return d;
}
function __npuReq(name) {
  if (__npuMods[name]) return __npuMods[name];
  var d = __npuDefs[name];
  if (!d) throw new Error("npusim Vega bundle: module " + name + " is missing");
  var exp = {};
  __npuMods[name] = exp;
  d.factory.apply(null, d.deps.map(function (x) { return x === "exports" ? exp : __npuReq(x); }));
  return exp;
}
