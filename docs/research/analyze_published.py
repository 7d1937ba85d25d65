#!/usr/bin/env python3
"""Research aid (R2, issue 12): group ../shared/data/published_benchmarks.csv and
compare every mappable trtllm-bench row with npusim's kernel-only prediction
(`--engine ideal`) and the current fitted profile (`--engine trtllm`).

The ratio  r = published / ideal  is the share of kernel-only throughput the
engine delivers; its pattern across ISL/OSL, model, GPU and release points at
the engine mechanism that is missing (see docs/research/engines.md, Task C).
Usage: python3 docs/research/analyze_published.py [--npusim build/npusim]
       [--csv ../shared/data/published_benchmarks.csv] [--rows]"""
import argparse, collections, csv, json, statistics, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--npusim", default="build/npusim")
ap.add_argument("--csv", default="../shared/data/published_benchmarks.csv")
ap.add_argument("--rows", action="store_true", help="print every row")
a = ap.parse_args()

HW = {"H100-SXM-80GB": "h100-sxm", "H200-SXM-141GB": "h200-sxm", "A100-SXM4-80GB": "a100-sxm-80gb",
      "L40S-48GB": "l40s"}
MODEL = {"GPT-J-6B": "gpt-j-6b", "Llama-2-7B": "llama2-7b", "Llama-2-70B": "llama2-70b",
         "Llama-3.1-8B": "llama3.1-8b", "Llama-3.1-70B": "llama3.1-70b", "Llama-3.1-405B": "llama3.1-405b",
         "Mistral-7B": "mistral-7b", "Mixtral-8x7B": "mixtral-8x7b",
         "Llama-3.1-8B-Instruct": "llama3.1-8b", "Llama-3.1-70B-Instruct": "llama3.1-70b",
         "Llama-3.3-70B-Instruct": "llama3.1-70b", "Llama-3.1-405B-Instruct": "llama3.1-405b"}
DT = {"FP8": "fp8", "FP16": "fp16"}


def release(engine):
    if "v0.13.0" in engine: return "v0.13"
    if "~v0.20" in engine: return "~v0.20"
    if "v1.0" in engine: return "v1.0"
    return None


def predict(model, hw, dt, tp, isl, osl, eng):
    r = subprocess.run([a.npusim, "run", "--model", model, "--hw", hw, "--phase", "offline", "--input", str(isl),
                        "--output", str(osl), "--dtype", dt, "--kv-dtype", dt, "--tp", str(tp), "--engine", eng,
                        "--json"], capture_output=True, text=True)
    if r.returncode:
        return None
    j = json.loads(r.stdout)
    return j["tokens_per_s"], j["batch"]


rows, skipped = [], collections.Counter()
for r in csv.DictReader(open(a.csv)):
    rel = release(r["engine"])
    if rel is None:
        continue
    key = (rel, r["hardware"], r["model"], r["precision"])
    if r["hardware"] not in HW or r["model"] not in MODEL or r["precision"] not in DT:
        skipped[(rel, r["hardware"], r["precision"])] += 1
        continue
    tp, isl, osl = int(r["tp"]), int(r["input_len"]), int(r["output_len"])
    ideal = predict(MODEL[r["model"]], HW[r["hardware"]], DT[r["precision"]], tp, isl, osl, "ideal")
    fit = predict(MODEL[r["model"]], HW[r["hardware"]], DT[r["precision"]], tp, isl, osl, "trtllm")
    if ideal is None or fit is None:
        skipped[(rel, r["hardware"], "does not fit")] += 1
        continue
    pub = float(r["value"])
    rows.append(dict(rel=rel, hw=r["hardware"], model=r["model"], dt=r["precision"], tp=tp, isl=isl, osl=osl,
                     pub=pub, ideal=ideal[0], batch=ideal[1], fit=fit[0]))

if a.rows:
    print("| release | GPU | model | dtype | TP | ISL/OSL | batch (npusim) | published | ideal | pub/ideal | trtllm err |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for x in rows:
        print(f"| {x['rel']} | {x['hw']} | {x['model']} | {x['dt']} | {x['tp']} | {x['isl']}/{x['osl']} | {x['batch']} "
              f"| {x['pub']:.0f} | {x['ideal']:.0f} | {x['pub']/x['ideal']:.2f} | {100*(x['fit']/x['pub']-1):+.1f}% |")


def table(title, keyf):
    g = collections.defaultdict(list)
    for x in rows:
        g[keyf(x)].append(x)
    print(f"\n### {title}\n")
    print("| group | n | median pub/ideal | min | max | trtllm MAPE |")
    print("|---|---|---|---|---|---|")
    for k in sorted(g, key=str):
        v = g[k]
        q = [x["pub"] / x["ideal"] for x in v]
        e = [abs(x["fit"] / x["pub"] - 1) * 100 for x in v]
        print(f"| {' / '.join(map(str, k))} | {len(v)} | {statistics.median(q):.2f} | {min(q):.2f} | {max(q):.2f} "
              f"| {sum(e)/len(e):.1f}% |")


gqa = lambda m: "MHA" if m in ("GPT-J-6B", "Llama-2-7B") else ("MoE" if "Mixtral" in m else "GQA")
table("by release and GPU", lambda x: (x["rel"], x["hw"]))
table("by release, attention type", lambda x: (x["rel"], gqa(x["model"])))
table("by release and ISL/OSL", lambda x: (x["rel"], f"{x['isl']}/{x['osl']}"))
table("v0.13 H100 by model and dtype", lambda x: (x["model"], x["dt"]) if x["rel"] == "v0.13" and x["hw"].startswith("H100") else ("(other)",))
table("by TP", lambda x: (x["rel"], f"TP{x['tp']}"))
print("\nnot mapped:", dict(skipped), file=sys.stderr)
