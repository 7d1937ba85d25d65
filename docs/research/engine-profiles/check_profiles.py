#!/usr/bin/env python3
"""Check the proposed engine profiles (docs/research/engines.md, Part D) and print
one resolved profile. Usage:
  python3 docs/research/engine-profiles/check_profiles.py            # check all
  python3 docs/research/engine-profiles/check_profiles.py --show NAME # resolved JSON
Rules checked: file name = "name"; "base" exists and has no cycle; every leaf is
an object with "value" and a tag in [V] [P] [E] [D] [R]; a leaf whose value is null
carries "default" and "why"; a leaf tagged other than [E] names its "source";
enumerated fields hold one of their values after inheritance."""
import glob, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
TAGS = {"[V]", "[P]", "[E]", "[D]", "[R]"}
TOP = {"name", "status", "base", "engine", "releases", "notes"}
ENUM = {("decode_attention", "gqa_kv_sharing"): {"grouped", "per_query_head"},
        ("decode_attention", "split_kv"): {"auto", "off"},
        ("decode_attention", "math"): {"tensor", "simt"},
        ("kv_cache", "sliding_window"): {"honored", "ignored"},
        ("memory", "kv_fraction_basis"): {"free_after_load", "total", "static_total", "user_context"},
        ("launch", "graphs"): {"none", "decode", "piecewise", "full"},
        ("host", "overlap"): {"none", "async_output", "one_step_ahead", "micro_batches"},
        ("host", "detokenize"): {"in_loop", "separate_process", "none"},
        ("scheduler", "policy"): {"static", "prefill_first", "prefill_first_chunked", "decode_first_mixed",
                                  "decode_first_chunked", "single_stream"},
        ("scheduler", "admission"): {"reserve_full", "on_demand"},
        ("scheduler", "preemption"): {"none", "recompute", "swap", "pause"},
        ("comm", "allreduce"): {"custom", "nccl"},
        ("moe", "kernel"): {"fused_grouped", "per_expert"}}


def load():
    prof = {}
    for f in sorted(glob.glob(os.path.join(HERE, "*.json"))):
        with open(f) as fh:
            d = json.load(fh)
        stem = os.path.splitext(os.path.basename(f))[0]
        if d.get("name") != stem:
            sys.exit(f"{f}: name '{d.get('name')}' differs from the file name '{stem}'")
        prof[stem] = d
    return prof


def resolve(prof, name, seen=()):
    if name in seen:
        sys.exit(f"{name}: base cycle {' -> '.join(seen + (name,))}")
    d = prof[name]
    if "base" not in d:
        return json.loads(json.dumps(d))
    if d["base"] not in prof:
        sys.exit(f"{name}: unknown base '{d['base']}'")
    out = resolve(prof, d["base"], seen + (name,))
    for k, v in d.items():  # a group overrides only the fields it names
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out


def check(prof):
    errs = 0
    for name, d in prof.items():
        for g, grp in d.items():
            if g in TOP:
                continue
            if not isinstance(grp, dict):
                print(f"{name}: '{g}' is not a group object"); errs += 1; continue
            for k, leaf in grp.items():
                where = f"{name}: {g}.{k}"
                if not isinstance(leaf, dict) or "value" not in leaf:
                    print(f"{where}: a leaf needs {{\"value\": ..., \"tag\": ...}}"); errs += 1; continue
                if leaf.get("tag") not in TAGS:
                    print(f"{where}: tag {leaf.get('tag')!r} not in {sorted(TAGS)}"); errs += 1
                if leaf["value"] is None and not ("default" in leaf and "why" in leaf):
                    print(f"{where}: an unknown value needs \"default\" and \"why\""); errs += 1
                if leaf.get("tag") != "[E]" and "source" not in leaf:
                    print(f"{where}: tag {leaf.get('tag')} needs a \"source\""); errs += 1
        r = resolve(prof, name)
        for (g, k), allowed in ENUM.items():
            leaf = r.get(g, {}).get(k)
            if leaf is None:
                continue
            v = leaf["value"] if leaf["value"] is not None else leaf.get("default")
            if v not in allowed:
                print(f"{name}: {g}.{k} = {v!r} (after inheritance) not in {sorted(allowed)}"); errs += 1
    return errs


if __name__ == "__main__":
    prof = load()
    if len(sys.argv) == 3 and sys.argv[1] == "--show":
        if sys.argv[2] not in prof:
            sys.exit(f"unknown profile '{sys.argv[2]}' ({', '.join(sorted(prof))})")
        print(json.dumps(resolve(prof, sys.argv[2]), indent=1, ensure_ascii=False))
        sys.exit(0)
    n = check(prof)
    print(f"{len(prof)} profiles, {n} problems")
    sys.exit(1 if n else 0)
