#!/usr/bin/env python3
"""Compare npusim with published TensorRT-LLM single-GPU throughput points.

Reads ../shared/data/published_benchmarks.csv (TensorRT-LLM v0.13 perf-overview:
Llama-3.1-8B, offline max throughput, in-flight batching) and predicts each with
`npusim run --phase e2e --stack fused`, taking the best static batch (powers of 2
up to 2048 sequences) that fits in memory. In-flight batching overlaps prefill
and decode, so a static-batch prediction is a lower bound of sorts; the table in
docs/accuracy.md says so. Usage: tools/published_compare.py [npusim] [csv]"""
import csv, json, subprocess, sys

npusim = sys.argv[1] if len(sys.argv) > 1 else "build/npusim"
path = sys.argv[2] if len(sys.argv) > 2 else "../shared/data/published_benchmarks.csv"
HW = {"H100-SXM-80GB": "h100-sxm", "H200-SXM-141GB": "h200-sxm", "A100-SXM4-80GB": "a100-sxm-80gb", "L40S-48GB": "l40s"}
DT = {"FP8": "fp8", "FP16": "fp16"}

def predict(hw, dt, isl, osl):
    best = None
    b = 1
    while b <= 2048:
        r = subprocess.run([npusim, "run", "--model", "llama3.1-8b", "--hw", hw, "--phase", "e2e", "--batch", str(b),
                            "--input", str(isl), "--output", str(osl), "--dtype", dt, "--kv-dtype", dt, "--json"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            break
        t = json.loads(r.stdout)["tokens_per_s"]
        best = max(best or 0, t)
        b *= 2
    return best

rows = []
for r in csv.DictReader(open(path)):
    if "v0.13.0" not in r["engine"] or r["model"] != "Llama-3.1-8B" or r["hardware"] not in HW:
        continue
    if r["precision"] not in DT or r["n_gpus"] != "1":
        continue
    isl, osl = int(r["input_len"]), int(r["output_len"])
    p = predict(HW[r["hardware"]], DT[r["precision"]], isl, osl)
    if p is None:
        continue
    meas = float(r["value"])
    rows.append((r["hardware"], r["precision"], isl, osl, meas, p, 100 * (p - meas) / meas))
print("| GPU | dtype | in | out | published tok/s | npusim tok/s | error |")
print("|---|---|---|---|---|---|---|")
for h, d, i, o, m, p, e in rows:
    print(f"| {h} | {d} | {i} | {o} | {m:.0f} | {p:.0f} | {e:+.1f}% |")
if rows:
    mape = sum(abs(r[6]) for r in rows) / len(rows)
    print(f"\n{len(rows)} points, MAPE {mape:.1f}%")
