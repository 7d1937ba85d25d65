#!/usr/bin/env python3
"""Score npusim against every mappable published row of ../shared/data/.

Rows (docs/accuracy-engines.md):
  published_benchmarks.csv
    TensorRT-LLM v0.13 / ~v0.20 / v1.0 trtllm-bench offline throughput
        -> npusim run --phase offline --engine trtllm-0.13 | trtllm-0.20 | trtllm-1.0
  published_nonnvidia.csv
    llama.cpp (Metal) llama-bench on the M2 Ultra: tg N (mean decode step over
        contexts 1..N, one stream) and pp N (one N-token prompt)
        -> npusim run --phase e2e / prefill --batch 1 --engine llamacpp-metal-2024
    Intel Gaudi 2 model-performance table (optimum-habana run_generation.py):
        a static batch of B prompts of I tokens generating O tokens
        -> npusim run --phase e2e --batch B --engine optimum-habana-1.18
    Intel Gaudi 2 batch-1 "latency (ms)" (definition not stated; its magnitude
        follows the prompt length: compared as the first-token latency) [E]
  MLPerf rows are scored by tools/mlperf_compare.sh (serving simulation).

Every row is either mapped (predicted) or listed as not mappable with the reason.
A row is "fitted" when a fitted engine quantity saw it (FIT_SETS; the fitted
values, rows and residuals are in presets/engine/*.json "fitted"), "held out"
otherwise. Reports MAPE by engine profile, release, GPU, batch bucket and metric,
fitted and held out separately.

Usage:
  tools/published_compare.py [--npusim build/npusim] [--rows] [--engine-override PROFILE=FILE ...]
                             [--only fitted|heldout] [--select GROUP] [--json OUT]
"""
import argparse, collections, csv, json, math, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data")

HW = {"H100-SXM-80GB": "h100-sxm", "H200-SXM-141GB": "h200-sxm", "A100-SXM4-80GB": "a100-sxm-80gb",
      "L40S-48GB": "l40s", "B200-180GB": "b200", "GB200-192GB": "gb200",
      # nvidia-smi's name of the 96 GB HBM3 GH200 (later perf-overviews: "GH200 96GB HBM3 (480GB LPDDR5X)")
      "GH200-120GB (as labelled in doc)": "gh200"}
MODEL = {"GPT-J-6B": "gpt-j-6b", "Llama-2-7B": "llama2-7b", "Llama-2-70B": "llama2-70b",
         "Llama-3.1-8B": "llama3.1-8b", "Llama-3.1-70B": "llama3.1-70b", "Llama-3.1-405B": "llama3.1-405b",
         "Mistral-7B": "mistral-7b", "Mixtral-8x7B": "mixtral-8x7b",
         "Llama-3.1-8B-Instruct": "llama3.1-8b", "Llama-3.1-70B-Instruct": "llama3.1-70b",
         "Llama-3.3-70B-Instruct": "llama3.1-70b", "Llama-3.1-405B-Instruct": "llama3.1-405b",
         "Qwen3-235B-A22B": "qwen3-235b-a22b", "Meta-Llama-3-8B": "llama3-8b",
         "Llama-4-Maverick-17B-128E": "llama4-maverick"}
DT = {"FP8": "fp8", "FP16": "fp16", "fp8": "fp8", "F16": "fp16", "NVFP4": "nvfp4"}
# KV cache: trtllm-bench forces FP8 KV for FP8 and NVFP4 checkpoints (tensorrt_llm/bench/build/build.py;
# tensorrt_llm/bench/benchmark/utils/general.py _KV_CACHE_MAP) [V]; FP16 keeps a 16-bit cache
KV = {"fp8": "fp8", "nvfp4": "fp8", "fp16": "fp16"}
# MoE rows of the v1.0 perf-overview run with --ep and enable_attention_dp (its llm_options for MoE models):
# attention data-parallel over the GPUs, experts split over them
MOE_ATTN_DP = ("Qwen3-235B-A22B", "Llama-4-Maverick-17B-128E")


def release(engine):
    if "v0.13.0" in engine: return "trtllm-0.13"
    if "~v0.20" in engine: return "trtllm-0.20"
    if "v1.0" in engine: return "trtllm-1.0"
    return None


# ---------------------------------------------------------------- which rows each fitted quantity saw
# (key of a row -> the quantities fitted on it). Everything else is held out:
# other GPUs, other releases, other engines, and the rows excluded from a fit
# because another mechanism confounds them (engines.md C.4).
WINDOW = {"GPT-J-6B": 2048, "Llama-2-7B": 4096, "Llama-2-70B": 4096}  # rows beyond were not mappable when fitted


def fit_tags(r):
    tags = []
    beyond = r["isl"] + r["osl"] > WINDOW.get(r["model"], 1 << 30)
    if r["profile"] == "trtllm-0.13" and r["gpu"] == "H100-SXM-80GB" and not beyond:
        if not (r["model"] == "Mistral-7B" and (r["isl"], r["osl"]) in ((5000, 500), (20000, 2000))):
            tags.append("trtllm-0.13 host.step_us+seq_us, comm.bandwidth_eff+collective_us, memory.reserve_frac")
    if r["profile"] == "trtllm-0.20" and r["gpu"] == "H100-SXM-80GB":
        tags.append("trtllm-0.20 host.step_us+seq_us, comm.bandwidth_eff, memory.reserve_frac")
    # llama.cpp: the two tg512 rows (F16 and Q4_K_M): the host time per token is what both formats share
    # (the graph rebuilt and every node encoded as its own Metal dispatch, then committed and waited on);
    # the formats differ by their weight bytes, which the kernel model costs. Everything else is held out:
    # the longer tg (context growth), every pp row, every other Apple chip.
    if r["profile"] == "llamacpp-metal-2024" and r["metric"] == "tg" and r["osl"] == 512:
        tags.append("llamacpp-metal-2024 host.step_us")
    # optimum-habana: Intel's Llama-2-7B rows (two static batches, two batch-1 latencies): the host time of one
    # generate() step; held out: Llama-3.1-8B, Mistral-7B, the 70B rows (TP 2, 4, 8), the MLPerf rows
    if r["profile"] == "optimum-habana-1.18" and r["model"] == "Llama-2-7B":
        tags.append("optimum-habana-1.18 host.step_us")
    return tags


# ---------------------------------------------------------------- rows

def rows_benchmarks(path):
    out, skip = [], collections.Counter()
    for r in csv.DictReader(open(path)):
        prof = release(r["engine"])
        if prof is None:
            continue
        why = None
        if r["hardware"] not in HW: why = f"no preset for {r['hardware']}"
        elif r["model"] not in MODEL: why = f"no preset for {r['model']}"
        elif r["precision"] not in DT: why = f"{r['precision']} weights (no --dtype for it)"
        if why:
            skip[(prof, why)] += 1
            continue
        n = int(r["n_gpus"])
        tp = int(r["tp"]) if r["tp"].isdigit() else n
        pp = int(r["pp"]) if r["pp"].isdigit() else 1
        ep = 1
        if r["model"] in MOE_ATTN_DP:  # attention-DP + EP over the GPUs (notes): tp 1, ep n
            tp, ep = 1, n
        out.append(dict(src="benchmarks", profile=prof, gpu=r["hardware"], model=r["model"], dtype=r["precision"],
                        tp=tp, pp=pp, ep=ep, isl=int(r["input_len"]), osl=int(r["output_len"]), metric="throughput",
                        unit="output tok/s", value=float(r["value"]), batch=None))
    return out, skip


def rows_nonnvidia(path):
    out, skip = [], collections.Counter()
    for r in csv.DictReader(open(path)):
        eng, m = r["engine"], r["metric"]
        if eng.startswith("llama.cpp"):
            dt = "fp16" if r["precision"] == "F16" else "q4_k_m"  # GGUF Q4_K_M as llama.cpp stores it
            tg = m.startswith("generation")
            out.append(dict(src="nonnvidia", profile="llamacpp-metal-2024", gpu="apple-m2-ultra-gpu76",
                            model="Meta-Llama-3-8B", dtype="Q4_K_M" if dt == "q4_k_m" else "F16", dt=dt, tp=1, pp=1, ep=1,
                            isl=int(r["input_len"]), osl=int(r["output_len"]), metric="tg" if tg else "pp",
                            unit="tok/s", value=float(r["value"]), batch=1))
        elif "Gaudi" in r["hardware"] and r["source"].startswith("https://intel.com") and "Throughput" in m:
            if r["model"] not in MODEL:
                skip[("optimum-habana-1.18", "no preset for " + r["model"])] += 1
                continue
            out.append(dict(src="nonnvidia", profile="optimum-habana-1.18", gpu="gaudi2", model=r["model"], dtype="FP8",
                            tp=int(r["tp"]), pp=1, ep=1, isl=int(r["input_len"]), osl=int(r["output_len"]),
                            metric="throughput", unit="output tok/s", value=float(r["value"]),
                            batch=int(r["batch_concurrency"])))
        elif "Gaudi" in r["hardware"] and "Latency" in m:
            out.append(dict(src="nonnvidia", profile="optimum-habana-1.18", gpu="gaudi2", model=r["model"], dtype="FP8",
                            tp=int(r["tp"]), pp=1, ep=1, isl=int(r["input_len"]), osl=0, metric="ttft", unit="ms",
                            value=float(r["value"]), batch=1))
        else:
            skip[("mlperf (tools/mlperf_compare.sh)" if "MLPerf" in r["source"] or "mlcommons" in r["source"]
                  else "other", r["hardware"][:30])] += 1
    return out, skip


# ---------------------------------------------------------------- prediction

def engine_arg(profile, overrides):
    return overrides.get(profile, profile)


def run(npusim, args):
    p = subprocess.run([npusim] + args + ["--json"], capture_output=True, text=True)
    if p.returncode:
        return None, p.stderr.strip()
    return json.loads(p.stdout), None


def predict(npusim, r, overrides):
    eng = engine_arg(r["profile"], overrides)
    model = MODEL[r["model"]]
    if r["src"] == "benchmarks":
        dt = DT[r["dtype"]]
        # trtllm-bench builds the engine for max_seq_len = ISL + OSL of the dataset, whatever the model's
        # trained window (tensorrt_llm/bench/build/build.py: max_seq_len = metadata.max_sequence_length) [V]:
        # the GPT-J and Llama-2 rows beyond 2048 / 4096 tokens ran with extrapolated positions.
        # max_batch_size and max_num_tokens: the data states none per row ("chosen by trtllm-bench
        # heuristics"), so the profiles' max_seqs_rule trtllm_bench applies tuning.py's rule inside
        # npusim (batch cap, and max_num_tokens as the step's token budget with chunked context on:
        # docs/accuracy-engines.md section 2, "Offline token budget")
        j, err = run(npusim, ["run", "--model", model, "--hw", HW[r["gpu"]], "--phase", "offline", "--input",
                              str(r["isl"]), "--output", str(r["osl"]), "--dtype", dt, "--kv-dtype", KV[dt], "--tp",
                              str(r["tp"]), "--pp", str(r["pp"]), "--ep", str(r["ep"]), "--engine", eng,
                              "--max-seq", str(r["isl"] + r["osl"])])
        return (j["tokens_per_s"], j["batch"]) if j else (None, err)
    if r["profile"].startswith("llamacpp"):
        base = ["run", "--model", model, "--hw", r["gpu"], "--dtype", r["dt"], "--kv-dtype", "fp16", "--engine", eng]
        if r["metric"] == "tg":  # decode steps at contexts 2..N: e2e from a 1-token prompt, N - 1 decode steps
            n = r["osl"] if r["osl"] < 8192 else 8191  # tg8192 reaches the model's 8192-token window
            j, err = run(npusim, base + ["--phase", "e2e", "--batch", "1", "--input", "1", "--output", str(n)])
            return (1e3 / j["tpot_ms"], 1) if j else (None, err)
        j, err = run(npusim, base + ["--phase", "prefill", "--batch", "1", "--seq", str(r["isl"])])
        return (j["tokens_per_s"], 1) if j else (None, err)
    # Gaudi 2
    base = ["run", "--model", model, "--hw", "gaudi2", "--dtype", "fp8", "--kv-dtype", "fp8", "--tp", str(r["tp"]),
            "--engine", eng]
    if r["metric"] == "ttft":
        j, err = run(npusim, base + ["--phase", "e2e", "--batch", "1", "--input", str(r["isl"]), "--output", "1"])
        return (j["ttft_ms"], 1) if j else (None, err)
    j, err = run(npusim, base + ["--phase", "e2e", "--batch", str(r["batch"]), "--input", str(r["isl"]), "--output",
                                 str(r["osl"])])
    return (j["tokens_per_s"], r["batch"]) if j else (None, err)


def family(r):
    """Rows this tool could not map before the NVFP4 format, the GH200 and Llama-4 presets and --max-seq."""
    if r["src"] != "benchmarks": return "non-NVIDIA"
    if r["dtype"] == "NVFP4": return "new: NVFP4"
    if r["gpu"].startswith("GH200"): return "new: GH200"
    if r["model"].startswith("Llama-4"): return "new: Llama-4-Maverick"
    if r["isl"] + r["osl"] > WINDOW.get(r["model"], 1 << 30): return "new: beyond the context window"
    return "mapped before"


def bucket(b):
    if b is None: return "-"
    for lim, name in ((1, "1"), (16, "2-16"), (128, "17-128"), (512, "129-512"), (2048, "513-2048")):
        if b <= lim: return name
    return ">2048"


def all_rows(npusim, overrides, select=None):
    rows, skip = rows_benchmarks(os.path.join(DATA, "published_benchmarks.csv"))
    r2, s2 = rows_nonnvidia(os.path.join(DATA, "published_nonnvidia.csv"))
    rows += r2
    skip.update(s2)
    for r in rows:
        r["fit"] = fit_tags(r)
        r["family"] = family(r)
    if select:
        rows = [r for r in rows if select(r)]
    with ThreadPoolExecutor(max_workers=2) as ex:
        preds = list(ex.map(lambda r: predict(npusim, r, overrides), rows))
    done, failed = [], collections.Counter()
    for r, (p, b) in zip(rows, preds):
        if p is None:
            failed[(r["profile"], (b or "")[:110])] += 1
            continue
        r["pred"], r["batch"] = p, b if r["batch"] is None else r["batch"]
        r["err"] = 100 * (p - r["value"]) / r["value"]
        done.append(r)
    return done, skip, failed


def mape(v):
    return sum(abs(x["err"]) for x in v) / len(v) if v else float("nan")


def table(title, rows, keyf):
    g = collections.defaultdict(list)
    for x in rows:
        g[keyf(x)].append(x)
    print(f"\n#### {title}\n")
    print("| group | fitted: n | MAPE | bias | held out: n | MAPE | bias |")
    print("|---|---|---|---|---|---|---|")
    for k in sorted(g, key=str):
        f = [x for x in g[k] if x["fit"]]
        h = [x for x in g[k] if not x["fit"]]
        fb = sum(x["err"] for x in f) / len(f) if f else float("nan")
        hb = sum(x["err"] for x in h) / len(h) if h else float("nan")
        cell = lambda n, m, b: (f"{n} | {m:.1f}% | {b:+.1f}%" if n else "0 | - | -")
        print(f"| {' / '.join(map(str, k))} | {cell(len(f), mape(f), fb)} | {cell(len(h), mape(h), hb)} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--npusim", default=os.path.join(HERE, "..", "build", "npusim"))
    ap.add_argument("--rows", action="store_true", help="print every row")
    ap.add_argument("--engine-override", action="append", default=[], help="PROFILE=FILE: run PROFILE's rows with FILE")
    ap.add_argument("--json", help="write the scored rows as JSON")
    a = ap.parse_args()
    overrides = dict(o.split("=", 1) for o in a.engine_override)
    rows, skip, failed = all_rows(a.npusim, overrides)
    if a.rows:
        print("| engine | GPU | model | dtype | TP | ISL/OSL | metric | batch | published | npusim | error | fitted on |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for x in rows:
            print(f"| {x['profile']} | {x['gpu']} | {x['model']} | {x['dtype']} | {x['tp']} | {x['isl']}/{x['osl']} | "
                  f"{x['metric']} | {x['batch']} | {x['value']:.4g} | {x['pred']:.4g} | {x['err']:+.1f}% | "
                  f"{', '.join(x['fit']) or '-'} |")
    f = [x for x in rows if x["fit"]]
    h = [x for x in rows if not x["fit"]]
    print(f"\n**{len(rows)} rows scored: fitted {len(f)} (MAPE {mape(f):.1f}%), held out {len(h)} (MAPE {mape(h):.1f}%)**")
    table("by engine profile", rows, lambda x: (x["profile"],))
    table("by engine profile and GPU", rows, lambda x: (x["profile"], x["gpu"]))
    table("by engine profile, GPU and parallelism (TP 1 / multi-GPU)", rows,
          lambda x: (x["profile"], x["gpu"], "TP1" if x["tp"] * x["ep"] == 1 else "multi"))
    table("by engine profile, GPU and TP (x EP)", [x for x in rows if x["src"] == "benchmarks"],
          lambda x: (x["profile"], x["gpu"], f"TP{x['tp']}" + (f" EP{x['ep']}" if x["ep"] > 1 else "")))
    table("by engine profile, GPU and weights", rows, lambda x: (x["profile"], x["gpu"], x["dtype"]))
    table("by row family (what this tool maps since the NVFP4 / GH200 / Llama-4 / --max-seq changes)", rows,
          lambda x: (x["family"],))
    table("by engine profile and batch bucket (npusim's in-flight batch)", rows, lambda x: (x["profile"], bucket(x["batch"])))
    table("by engine profile and metric", rows, lambda x: (x["profile"], x["metric"]))
    table("by model (all engines)", rows, lambda x: (x["model"],))
    table("by ISL/OSL (TensorRT-LLM)", [x for x in rows if x["src"] == "benchmarks"],
          lambda x: (x["profile"], f"{x['isl']}/{x['osl']}"))
    print("\nnot mappable (rows):")
    for k, v in sorted(skip.items(), key=str):
        print(f"- {' / '.join(k)}: {v}")
    if failed:
        print("\nnpusim refused (rows):")
        for k, v in sorted(failed.items(), key=str):
            print(f"- {k[0]}: {v}: {k[1]}")
    if a.json:
        json.dump(rows, open(a.json, "w"), indent=0)


if __name__ == "__main__":
    main()
