#!/usr/bin/env python3
"""Fit an engine profile's physical quantities on published rows (docs/accuracy-engines.md).

Each fit names a profile, the quantities (profile fields, each one physical
quantity with a unit), and the rows it may see (tools/published_compare.py
fit_tags: only ../shared/data rows, only the fit GPU/release). The objective is
the mean absolute percentage error of the predicted metric over those rows;
the search is Nelder-Mead in the quantities' own units, bounded below by 0.
Every evaluation runs build/npusim on every fit row with a temporary profile
{"base": PROFILE, <quantities>}: the same code path a user runs.

Prints the fitted values, the rows seen and the residual (MAPE, bias, and by
shape/TP), ready to be copied into the profile's "fitted" objects.

Usage: tools/engine_fit.py FIT [--npusim build/npusim] [--start V,...]
  FIT: trtllm-0.13 | trtllm-0.20 | llamacpp | optimum-habana
"""
import argparse, collections, json, os, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import published_compare as pc  # noqa: E402

FITS = {
    # name: (profile, tag the rows carry, [(group, key, start, step)])
    "trtllm-0.13": ("trtllm-0.13", "trtllm-0.13 host.step_us+seq_us, comm.bandwidth_eff+collective_us, memory.reserve_frac",
                    [("host", "step_us", 3000, 1000), ("comm", "bandwidth_eff", 0.5, 0.2), ("comm", "collective_us", 50, 40),
                     ("host", "seq_us", 5, 4), ("memory", "reserve_frac", 0.096, 0.02)]),
    "trtllm-0.20": ("trtllm-0.20", "trtllm-0.20 host.step_us+seq_us, comm.bandwidth_eff, memory.reserve_frac",
                    [("host", "step_us", 1000, 1000), ("comm", "bandwidth_eff", 0.5, 0.2), ("host", "seq_us", 5, 4),
                     ("memory", "reserve_frac", 0.08, 0.02)]),
    "llamacpp": ("llamacpp-metal-2024", "llamacpp-metal-2024 host.step_us", [("host", "step_us", 500, 500)]),
    "optimum-habana": ("optimum-habana-1.18", "optimum-habana-1.18 host.step_us", [("host", "step_us", 2000, 1000)]),
}


def profile_file(profile, quantities, values, extra):
    d = {"name": "fit", "base": profile}
    for (g, k, _, _), v in zip(quantities, values):
        d.setdefault(g, {})[k] = v
    for g, kv in extra.items():
        d.setdefault(g, {}).update(kv)
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(d, f)
    f.close()
    return f.name


def evaluate(npusim, rows, profile, quantities, values, extra):
    path = profile_file(profile, quantities, values, extra)
    try:
        done, _, failed = pc.all_rows(npusim, {profile: path}, select=lambda r: r in rows)
    finally:
        os.unlink(path)
    if len(done) < len(rows):
        return float("inf"), done
    return pc.mape(done), done


def nelder_mead(f, x0, step, iters=80):
    n = len(x0)
    pts = [list(x0)] + [[x0[j] + (step[j] if i == j else 0) for j in range(n)] for i in range(n)]
    clamp = lambda p: [max(0.0, v) for v in p]
    vals = [f(clamp(p)) for p in pts]
    for _ in range(iters):
        order = sorted(range(n + 1), key=lambda i: vals[i])
        pts, vals = [pts[i] for i in order], [vals[i] for i in order]
        c = [sum(p[j] for p in pts[:-1]) / n for j in range(n)]
        refl = [c[j] + (c[j] - pts[-1][j]) for j in range(n)]
        fr = f(clamp(refl))
        if fr < vals[0]:
            exp = [c[j] + 2 * (c[j] - pts[-1][j]) for j in range(n)]
            fe = f(clamp(exp))
            pts[-1], vals[-1] = (exp, fe) if fe < fr else (refl, fr)
        elif fr < vals[-2]:
            pts[-1], vals[-1] = refl, fr
        else:
            con = [c[j] + 0.5 * (pts[-1][j] - c[j]) for j in range(n)]
            fc = f(clamp(con))
            if fc < vals[-1]:
                pts[-1], vals[-1] = con, fc
            else:
                pts = [pts[0]] + [[pts[0][j] + 0.5 * (p[j] - pts[0][j]) for j in range(n)] for p in pts[1:]]
                vals = [vals[0]] + [f(clamp(p)) for p in pts[1:]]
        if max(vals) - min(vals) < 1e-3:
            break
    i = min(range(n + 1), key=lambda i: vals[i])
    return clamp(pts[i]), vals[i]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fit", choices=sorted(FITS))
    ap.add_argument("--npusim", default=os.path.join(pc.HERE, "..", "build", "npusim"))
    ap.add_argument("--start", help="comma-separated start values")
    ap.add_argument("--fix", action="append", default=[], help="GROUP.KEY=VALUE held fixed during the fit")
    ap.add_argument("--iters", type=int, default=80)
    a = ap.parse_args()
    profile, tag, quantities = FITS[a.fit]
    extra = {}
    for fx in a.fix:
        k, v = fx.split("=", 1)
        g, key = k.split(".", 1)
        extra.setdefault(g, {})[key] = json.loads(v)
    rows, _, _ = pc.all_rows(a.npusim, {}, select=lambda r: tag in pc.fit_tags(r))
    key = lambda r: (r["profile"], r["gpu"], r["model"], r["dtype"], r["tp"], r["isl"], r["osl"], r["metric"])
    keys = {key(r) for r in rows}
    sel = lambda r: key(r) in keys
    x0 = [float(v) for v in a.start.split(",")] if a.start else [q[2] for q in quantities]
    step = [q[3] for q in quantities]
    cache = {}

    def f(x):
        k = tuple(round(v, 4) for v in x)
        if k not in cache:
            path = profile_file(profile, quantities, x, extra)
            try:
                done, _, _ = pc.all_rows(a.npusim, {profile: path}, select=sel)
            finally:
                os.unlink(path)
            cache[k] = pc.mape(done) if len(done) == len(rows) else float("inf")
            print(f"  {dict(zip([q[1] for q in quantities], [round(v, 3) for v in x]))}: MAPE {cache[k]:.2f}%",
                  file=sys.stderr)
        return cache[k]

    best, val = nelder_mead(f, x0, step, a.iters)
    path = profile_file(profile, quantities, best, extra)
    done, _, _ = pc.all_rows(a.npusim, {profile: path}, select=sel)
    os.unlink(path)
    print(f"fit {a.fit}: profile {profile}, {len(done)} rows ({tag})")
    for (g, k, _, _), v in zip(quantities, best):
        print(f"  {g}.{k} = {v:.4g}")
    bias = sum(r["err"] for r in done) / len(done)
    print(f"  residual: MAPE {val:.2f}%, bias {bias:+.2f}%")
    by = collections.defaultdict(list)
    for r in done:
        by[(f"TP{r['tp']}", f"{r['isl']}/{r['osl']}" if r["src"] == "benchmarks" else r["metric"])].append(r["err"])
    for k in sorted(by):
        v = by[k]
        print(f"    {k[0]:5s} {k[1]:11s} n={len(v):3d} MAPE {sum(map(abs, v)) / len(v):5.1f}% bias {sum(v) / len(v):+6.1f}%")


if __name__ == "__main__":
    main()
