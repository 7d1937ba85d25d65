#!/usr/bin/env python3
"""Compare npusim with published TensorRT-LLM throughput points, one GPU and multi-GPU.

Reads ../shared/data/published_benchmarks.csv (TensorRT-LLM v0.13 perf-overview:
offline max throughput with in-flight batching, synthetic fixed ISL/OSL) and predicts
each row with `npusim run --phase offline --stack fused --tp N`: the steady state
of in-flight batching with as many requests in flight as the KV cache admits;
see docs/accuracy.md. Usage:
  tools/published_compare.py [--npusim build/npusim] [--csv PATH] [--models 8b|multi|all]"""
import argparse, csv, json, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--npusim", default="build/npusim")
ap.add_argument("--csv", default="../shared/data/published_benchmarks.csv")
ap.add_argument("--models", default="all", choices=["single", "multi", "all"])
a = ap.parse_args()

HW = {"H100-SXM-80GB": "h100-sxm", "H200-SXM-141GB": "h200-sxm", "A100-SXM4-80GB": "a100-sxm-80gb", "L40S-48GB": "l40s"}
DT = {"FP8": "fp8", "FP16": "fp16"}
MODEL = {"Llama-3.1-8B": "llama3.1-8b", "Llama-2-70B": "llama2-70b", "Llama-3.1-70B": "llama3.1-70b",
         "Mixtral-8x7B": "mixtral-8x7b"}

def predict(model, hw, dt, tp, isl, osl):
    r = subprocess.run([a.npusim, "run", "--model", model, "--hw", hw, "--phase", "offline",
                        "--input", str(isl), "--output", str(osl), "--dtype", dt, "--kv-dtype", dt,
                        "--tp", str(tp), "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)["tokens_per_s"]

rows = []
for r in csv.DictReader(open(a.csv)):
    if "v0.13.0" not in r["engine"] or r["model"] not in MODEL or r["hardware"] not in HW:
        continue
    if r["precision"] not in DT:
        continue
    n = int(r["n_gpus"])
    if (a.models == "single" and n != 1) or (a.models == "multi" and n == 1):
        continue
    tp = int(r["tp"]) if r["tp"].isdigit() else n
    isl, osl = int(r["input_len"]), int(r["output_len"])
    p = predict(MODEL[r["model"]], HW[r["hardware"]], DT[r["precision"]], tp, isl, osl)
    if p is None:
        print(f"# not predicted: {r['model']} {r['hardware']} TP{tp} {isl}/{osl}", file=sys.stderr)
        continue
    meas = float(r["value"])
    rows.append((r["model"], r["hardware"], r["precision"], tp, isl, osl, meas, p, 100 * (p - meas) / meas))

print("| model | GPU | dtype | TP | in | out | published tok/s | npusim tok/s | error |")
print("|---|---|---|---|---|---|---|---|---|")
for mo, h, d, tp, i, o, m, p, e in rows:
    print(f"| {mo} | {h} | {d} | {tp} | {i} | {o} | {m:.0f} | {p:.0f} | {e:+.1f}% |")
groups = {}
for row in rows:
    groups.setdefault((row[0], row[1] if row[1].startswith("H100") else "other GPUs (predicted)"), []).append(abs(row[8]))
print()
for k, v in sorted(groups.items()):
    print(f"{k[0]} on {k[1]}: {len(v)} points, MAPE {sum(v)/len(v):.1f}%")
if rows:
    print(f"all: {len(rows)} points, MAPE {sum(abs(r[8]) for r in rows)/len(rows):.1f}%")

# MoE: TensorRT-LLM v1.0 (PyTorch backend) Qwen3-235B-A22B FP8 on 8 GPUs with attention
# data parallelism and expert parallelism -> npusim --tp 1 --ep 8. A newer engine than
# the v0.13 rows the engine runtime was fitted on, so this is a held-out engine too.
moe = []
if a.models != "single":
    for r in csv.DictReader(open(a.csv)):
        if "v1.0" not in r["engine"] or r["model"] != "Qwen3-235B-A22B" or r["precision"] != "FP8" or r["hardware"] not in HW:
            continue
        o = subprocess.run([a.npusim, "run", "--model", "qwen3-235b-a22b", "--hw", HW[r["hardware"]], "--phase", "offline",
                            "--input", r["input_len"], "--output", r["output_len"], "--dtype", "fp8", "--kv-dtype", "fp8",
                            "--ep", "8", "--json"], capture_output=True, text=True)
        if o.returncode:
            continue
        p = json.loads(o.stdout)["tokens_per_s"]
        m = float(r["value"])
        moe.append((r["hardware"], r["input_len"], r["output_len"], m, p, 100 * (p - m) / m))
if moe:
    print("\n| MoE: Qwen3-235B-A22B FP8, TRT-LLM v1.0, attention-DP + EP8 | in | out | published tok/s | npusim tok/s | error |")
    print("|---|---|---|---|---|---|")
    for h, i, o, m, p, e in moe:
        print(f"| {h} | {i} | {o} | {m:.0f} | {p:.0f} | {e:+.1f}% |")
    print(f"\nQwen3-235B-A22B (v1.0, EP8): {len(moe)} points, MAPE {sum(abs(x[5]) for x in moe)/len(moe):.1f}%")
