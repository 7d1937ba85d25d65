#!/bin/sh
# End-to-end checks of issue 13: --set on run/serve/cost/plan, npusim sweep on
# the shipped examples (row counts, columns, Pareto flags against the
# definition), CSV = SQLite, --jobs 1 = --jobs 2, and a sweep killed with
# SIGKILL at several points then resumed equals a clean run.
# Prints "golden_sweep: N passed, M failed".
. "$(dirname "$0")/lib_golden.sh"
EX="$(dirname "$0")/../examples"
command -v sqlite3 >/dev/null || { bad "sqlite3 (Debian sqlite3) is needed"; finish golden_sweep; exit 1; }

# --- --set on the single-point commands ---
expect_ok "run --set" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --json \
    --set hw.memory.technology=hbm3e-skhynix --set hw.memory.height=12
fast=$(json_num "$T/out" latency_ms)
expect_ok "run plain" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --json
slow=$(json_num "$T/out" latency_ms)
# 5 HBM3E stacks at 9.6 Gb/s (6.1 TB/s) against 3.35 TB/s: a memory-bound decode step gets faster
check "HBM3E decodes faster than HBM3" "$fast < 0.75 * $slow"
expect_ok "run --set=form" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --json \
    --set=model.layers=16
half=$(json_num "$T/out" latency_ms)
check "half the layers, about half the step" "$half < 0.6 * $slow && $half > 0.4 * $slow"
expect_err "unknown path" "did you mean 'hw.memory.stacks'" \
    $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --set hw.memory.stack=4
expect_err "bound after edit" "--set hw.memory.stacks=0: memory: field 'stacks' is 0, must be at least 1" \
    $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --set hw.memory.stacks=0
expect_err "finish after edit" "unknown memory technology 'hbm9'" \
    $NPUSIM plan --model llama3-8b --hw h100-sxm --chips 2 --set hw.memory.technology=hbm9
expect_err "model check after edit" "heads (33) must be a multiple of kv_heads (8)" \
    $NPUSIM serve --model llama3-8b --hw h100-sxm --rate 1 --input 64 --output 8 --set model.heads=33
expect_err "workload path on the CLI" "sweep axes" \
    $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --set workload.batch=4
expect_err "repeated path" "given twice" \
    $NPUSIM cost --hw rngd --set hw.memory.stacks=4 --set hw.memory.stacks=6
expect_err "no value" "PATH=VALUE" $NPUSIM cost --hw rngd --set hw.memory.stacks
expect_ok "cost published" $NPUSIM cost --hw rngd --json
expect_grep "unedited rngd uses its published die" '"area_basis":	"published"' "$T/out"
est=$(json_num "$T/out" estimated_die_area_mm2)
pub=$(json_num "$T/out" die_area_mm2)
expect_ok "cost edited" $NPUSIM cost --hw rngd --set hw.memory.stacks=4 --json
expect_grep "an edited preset is costed from the area model, on the published basis" \
    '"area_basis":	"published, scaled"' "$T/out"
d=$(json_num "$T/out" die_area_mm2)
e=$(json_num "$T/out" estimated_die_area_mm2)
check "edited die = published x estimate(edit) / estimate(preset)" \
    "$d > 0.999 * $pub * $e / $est && $d < 1.001 * $pub * $e / $est && $d > $pub"
expect_ok "cost edited, raw estimate" $NPUSIM cost --hw rngd --set hw.memory.stacks=4 --estimate-area --json
expect_grep "--estimate-area: the raw estimate" '"area_basis":	"estimate"' "$T/out"
d=$(json_num "$T/out" die_area_mm2)
check "raw estimate of the edit" "$d == $e"
expect_ok "cost, edit to the preset's own value" $NPUSIM cost --hw rngd --set hw.memory.stacks=2 --json
expect_grep "an edit that changes nothing keeps the published die" '"area_basis":	"published"' "$T/out"
expect_ok "serve --set engine" $NPUSIM serve --model llama3-8b --hw h100-sxm --rate 2 --input 256 --output 32 \
    --requests 200 --json --engine trtllm-0.13 --set engine.host.step_us=0 --set engine.host.seq_us=0
e0=$(sed -n 's/^\t\t"mean":[[:space:]]*\([-0-9.e+]*\),*$/\1/p' "$T/out" | sed -n 2p)
expect_ok "serve default engine" $NPUSIM serve --model llama3-8b --hw h100-sxm --rate 2 --input 256 --output 32 \
    --requests 200 --json --engine trtllm-0.13
e1=$(sed -n 's/^\t\t"mean":[[:space:]]*\([-0-9.e+]*\),*$/\1/p' "$T/out" | sed -n 2p)
check "no host time per step: TPOT drops by a few ms" "$e1 - $e0 > 2.5 && $e1 - $e0 < 5"

# the engine follows the edited chip (--engine auto), and engine edits apply to it
expect_ok "run --set hw=" $NPUSIM run --model llama3-8b --hw rngd --phase decode --batch 8 --ctx 512 --set hw=h100-sxm
expect_grep "auto engine of the edited chip" "on h100-sxm, decode, engine trtllm" "$T/out"
expect_ok "plan --set engine=" $NPUSIM plan --model llama3-8b --hw rngd --chips 2 --set engine=ideal --set hw.memory.stacks=4
expect_grep "engine edit on plan" "engine ideal" "$T/out"
expect_err "engine edit on cost" "no engine description to edit here" $NPUSIM cost --hw rngd --set engine.host.step_us=0
expect_err "unknown engine field" "did you mean 'step_us'" \
    $NPUSIM run --model llama3-8b --hw rngd --phase decode --batch 8 --ctx 512 --set engine.host.step_uz=1

# --- sweep basics ---
expect_ok "sweep --paths" $NPUSIM sweep --paths
for p in hw.memory.technology hw.memory.stacks hw.matrix.units hw.process.node model.layers engine \
         workload.batch plan.tp; do
    expect_grep "paths list $p" "^$p " "$T/out"
done
expect_err "sweep without spec" "needs a spec file" $NPUSIM sweep
echo '{"base": {"hw": "rngd", "model": "llama3-8b"}, "workloads": [{"phase": "decode", "batch": 1}]}' >"$T/bad.json"
expect_err "incomplete workload" "needs field 'ctx'" $NPUSIM sweep "$T/bad.json"
echo '{"base": {"hw": "rngd", "model": "llama3-8b"}, "axes": {"hw.memory.stackz": [1]}, "workloads": [{"phase": "decode", "batch": 1, "ctx": 9}]}' >"$T/bad.json"
expect_err "bad axis path" "did you mean 'hw.memory.stacks'" $NPUSIM sweep "$T/bad.json"
expect_err "bad output name" "give a .csv, .sqlite" $NPUSIM sweep "$EX/sweep_hbm.json" --out "$T/x.txt"
expect_err "resume needs sqlite" "--resume needs a SQLite output" $NPUSIM sweep "$EX/sweep_hbm.json" --out "$T/x.csv" --resume

# pareto flags against the definition: a front row is feasible and no feasible row of
# its workload is at least as good in every objective and better in one
front_ok() { # db, SQL "at least as good" condition, "strictly better" condition (b dominates a)
    n=$(sqlite3 "$1" "SELECT count(*) FROM points a WHERE a.pareto = 1 AND (a.feasible = 0 OR EXISTS (SELECT 1 FROM points b
        WHERE b.workload = a.workload AND b.feasible = 1 AND $2 AND ($3)))")
    m=$(sqlite3 "$1" "SELECT count(*) FROM points a WHERE a.pareto = 0 AND a.feasible = 1 AND NOT EXISTS (SELECT 1 FROM points b
        WHERE b.workload = a.workload AND b.feasible = 1 AND $2 AND ($3))")
    [ "$n" = 0 ] && [ "$m" = 0 ]
}

# --- the shipped examples ---
for ex in sweep_hbm sweep_units_sram sweep_fleet_disagg; do
    expect_ok "$ex count" $NPUSIM sweep "$EX/$ex.json" --count
    rows=$(sed -n 's/.* = \([0-9]*\) rows.*/\1/p' "$T/out")
    expect_ok "$ex sqlite" $NPUSIM sweep "$EX/$ex.json" --out "$T/$ex.sqlite"
    check "$ex: every row stored ($rows)" "$(sqlite3 "$T/$ex.sqlite" 'SELECT count(*) FROM points') == $rows && $rows > 0"
    check "$ex: ids are 0..rows-1" "$(sqlite3 "$T/$ex.sqlite" 'SELECT count(DISTINCT id) = count(*) AND max(id) + 1 = count(*) FROM points') == 1"
    for c in latency_ms tokens_per_s tokens_per_s_per_chip power_w energy_j_per_token die_mm2 unit_cost_usd \
             usd_per_mtok fits feasible pareto reason workload.phase; do
        sqlite3 "$T/$ex.sqlite" "SELECT \"$c\" FROM points LIMIT 1" >/dev/null 2>&1 && ok || bad "$ex: no column $c"
    done
    check "$ex: a front for each workload with feasible rows" \
        "$(sqlite3 "$T/$ex.sqlite" 'SELECT count(*) FROM (SELECT workload FROM points GROUP BY workload HAVING sum(feasible) > 0 AND sum(pareto) = 0)') == 0"
    check "$ex: the spec is stored" "$(sqlite3 "$T/$ex.sqlite" "SELECT count(*) FROM spec WHERE key = 'spec' AND value LIKE '{%'") == 1"
    check "$ex: complete" "$(sqlite3 "$T/$ex.sqlite" "SELECT value FROM spec WHERE key = 'complete'") == 1"
    check "$ex: no infinite or negative figure" \
        "$(sqlite3 "$T/$ex.sqlite" "SELECT count(*) FROM points WHERE latency_ms < 0 OR usd_per_mtok < 0 OR power_w < 0 OR abs(tokens_per_s) > 1e300")== 0"
    expect_ok "$ex csv" $NPUSIM sweep "$EX/$ex.json" --out "$T/$ex.csv" --jobs 1
    check "$ex: csv rows" "$(($(wc -l <"$T/$ex.csv") - 1)) == $rows"
    expect_ok "$ex top" $NPUSIM sweep "$EX/$ex.json" --top 3
    expect_grep "$ex: top prints the front" "Pareto front" "$T/out"
done
front_ok "$T/sweep_hbm.sqlite" \
    "b.usd_per_mtok <= a.usd_per_mtok AND b.tokens_per_s_per_chip >= a.tokens_per_s_per_chip AND b.energy_j_per_token <= a.energy_j_per_token" \
    "b.usd_per_mtok < a.usd_per_mtok OR b.tokens_per_s_per_chip > a.tokens_per_s_per_chip OR b.energy_j_per_token < a.energy_j_per_token" \
    && ok || bad "hbm: pareto flags are not the non-dominated feasible rows"
front_ok "$T/sweep_units_sram.sqlite" \
    "b.tokens_per_s_per_chip >= a.tokens_per_s_per_chip AND b.energy_j_per_token <= a.energy_j_per_token AND b.usd_per_mtok <= a.usd_per_mtok" \
    "b.tokens_per_s_per_chip > a.tokens_per_s_per_chip OR b.energy_j_per_token < a.energy_j_per_token OR b.usd_per_mtok < a.usd_per_mtok" \
    && ok || bad "units/sram: pareto flags are not the non-dominated feasible rows"
front_ok "$T/sweep_fleet_disagg.sqlite" "b.usd_per_mtok <= a.usd_per_mtok" "b.usd_per_mtok < a.usd_per_mtok" \
    && ok || bad "fleet: pareto flags are not the cheapest feasible rows"
# the units/sram constraint: feasible rows are inside the area band, and some rows are not
check "units/sram: feasible dies in 600-700 mm2" \
    "$(sqlite3 "$T/sweep_units_sram.sqlite" 'SELECT count(*) FROM points WHERE feasible = 1 AND (die_mm2 < 600 OR die_mm2 > 700)') == 0"
check "units/sram: the band cuts" "$(sqlite3 "$T/sweep_units_sram.sqlite" "SELECT count(*) FROM points WHERE reason LIKE 'violates die_mm2%'") > 0"
# the fleet: both chips of the decode pool appear, the row is the serving run
check "fleet: two decode chips" "$(sqlite3 "$T/sweep_fleet_disagg.sqlite" 'SELECT count(DISTINCT hw) FROM points') == 2"
check "fleet: chips = prefill + decode replicas" \
    "$(sqlite3 "$T/sweep_fleet_disagg.sqlite" 'SELECT count(*) FROM points WHERE chips != "workload.prefill_replicas" + "workload.replicas"') == 0"
# the CSV holds the same rows as SQLite (pareto and all)
p_sql=$(sqlite3 "$T/sweep_hbm.sqlite" 'SELECT group_concat(id) FROM (SELECT id FROM points WHERE pareto = 1 ORDER BY id)')
p_csv=$(awk -F, 'NR > 1 && $NF == 1 { printf "%s%s", s, $1; s = "," }' "$T/sweep_hbm.csv")
check "hbm: CSV and SQLite mark the same front" "\"$p_sql\" == \"$p_csv\" && \"$p_sql\" != \"\""

# --- a sweep row equals the single-point command with --set ---
sqlite3 -separator ' ' "$T/sweep_hbm.sqlite" "SELECT \"hw.memory.technology\", \"hw.memory.stacks\", \"hw.process.node\", latency_ms
    FROM points WHERE workload = 0 AND id = 42" >"$T/row"
read tech stacks node lat <"$T/row"
expect_ok "run the same point" $NPUSIM run --model llama3.1-70b --hw rngd --phase decode --batch 32 --ctx 4096 --dtype fp8 \
    --kv-dtype fp8 --set hw.memory.technology=$tech --set hw.memory.stacks=$stacks --set hw.process.node=$node --json
l2=$(json_num "$T/out" latency_ms)
check "sweep row = run --set ($lat vs $l2)" "($lat - $l2)^2 <= (1e-9 * $l2)^2"

# --- threads: --jobs 1 and --jobs 2 write the same file ---
cat >"$T/grid.json" <<'JSON'
{ "base": {"hw": "rngd", "model": "llama3-8b", "dtype": "fp8", "kv_dtype": "fp8"},
  "axes": {"hw.memory.technology": ["hbm3e-skhynix", "hbm3e-samsung-shinebolt", "hbm3"],
           "hw.memory.stacks": {"from": 2, "to": 8, "step": 1},
           "hw.matrix.units": {"from": 4, "to": 16, "step": 2},
           "hw.matrix.clock_mhz": {"from": 800, "to": 1400, "step": 100}},
  "workloads": [{"phase": "decode", "batch": 64, "ctx": 4096}, {"phase": "e2e", "batch": 8, "input": 512, "output": 64}],
  "objectives": {"usd_per_mtok": "min", "tokens_per_s_per_chip": "max"} }
JSON
expect_ok "grid jobs 1" $NPUSIM sweep "$T/grid.json" --out "$T/j1.csv" --jobs 1
expect_ok "grid jobs 2" $NPUSIM sweep "$T/grid.json" --out "$T/j2.csv" --jobs 2 --commit-every 37
cmp -s "$T/j1.csv" "$T/j2.csv" && ok || bad "--jobs 2 differs from --jobs 1"
check "grid rows" "$(wc -l <"$T/j1.csv") == 2 * 3 * 7 * 7 * 7 + 1"

# --- loses nothing: SIGKILL at several points, resume until done, compare ---
# a heavier grid (9555 chips, an e2e workload of 1024 generated tokens), killed
# after 0.05 s, then after 1.5x longer each time, until a resumed run finishes;
# each kill lands at a different point of the run (startup, mid-block,
# mid-commit, finishing)
cat >"$T/heavy.json" <<'JSON'
{ "base": {"hw": "rngd", "model": "llama3-8b", "dtype": "fp8", "kv_dtype": "fp8"},
  "axes": {"hw.memory.technology": ["hbm3e-skhynix", "hbm3e-samsung-shinebolt", "hbm3"],
           "hw.memory.stacks": {"from": 2, "to": 8, "step": 1},
           "hw.matrix.units": {"from": 4, "to": 16, "step": 2},
           "hw.matrix.clock_mhz": {"from": 800, "to": 1400, "step": 50},
           "hw.process.node": ["tsmc-n5", "tsmc-n4", "tsmc-n3", "samsung-sf4", "samsung-sf3"]},
  "workloads": [{"phase": "decode", "batch": 64, "ctx": 4096}, {"phase": "e2e", "batch": 8, "input": 512, "output": 1024}],
  "objectives": {"usd_per_mtok": "min", "tokens_per_s_per_chip": "max"} }
JSON
ROWS=$((3 * 7 * 7 * 13 * 5 * 2))
expect_ok "clean run" $NPUSIM sweep "$T/heavy.json" --out "$T/clean.sqlite"
kills=0 partial=0 d=0.05
while [ $kills -lt 100 ]; do
    timeout -s KILL $d $NPUSIM sweep "$T/heavy.json" --out "$T/res.sqlite" --resume --commit-every 20 --jobs 2 \
        >/dev/null 2>"$T/err"
    rc=$?
    [ $rc -eq 0 ] && break
    [ $rc -eq 137 ] || { bad "killed sweep: exit $rc $(cat "$T/err")"; break; }
    kills=$((kills + 1))
    n=$(sqlite3 "$T/res.sqlite" 'SELECT count(*) FROM points' 2>/dev/null || echo 0)
    [ "$n" -gt 0 ] && [ "$n" -lt $ROWS ] && partial=$((partial + 1))
    [ $((n % 2)) -eq 0 ] && ok || bad "a killed sweep left part of a point ($n rows)"
    d=$(awk "BEGIN{print $d * 1.5}")
done
check "killed $kills times, $partial with part of the rows stored" "$kills >= 2 && $partial >= 2"
sqlite3 "$T/clean.sqlite" 'SELECT * FROM points ORDER BY id' >"$T/clean.txt"
sqlite3 "$T/res.sqlite" 'SELECT * FROM points ORDER BY id' >"$T/res.txt"
cmp -s "$T/clean.txt" "$T/res.txt" && ok || bad "resumed rows differ from a clean run"
check "no duplicate, no missing point" "$(sqlite3 "$T/res.sqlite" "SELECT count(DISTINCT id) = $ROWS AND count(*) = $ROWS FROM points") == 1"
expect_err "exists without --resume" "give --resume" $NPUSIM sweep "$T/heavy.json" --out "$T/res.sqlite"
expect_err "resume with another spec" "different spec" $NPUSIM sweep "$EX/sweep_hbm.json" --out "$T/res.sqlite" --resume
# a finished database resumed again: nothing to do, same rows
expect_ok "resume a finished sweep" $NPUSIM sweep "$T/heavy.json" --out "$T/res.sqlite" --resume
sqlite3 "$T/res.sqlite" 'SELECT * FROM points ORDER BY id' >"$T/res2.txt"
cmp -s "$T/clean.txt" "$T/res2.txt" && ok || bad "resuming a finished sweep changed it"

# --- speculative decoding and the LM head's datatype are workload axes: every row equals npusim run ---
expect_ok "sweep spec x head" $NPUSIM sweep tests/data/sweep/spec_and_head.json --out "$T/sh.csv" --jobs 1
rows=$(tail -n +2 "$T/sh.csv" | wc -l)
check "spec x head: 8 rows ($rows)" "$rows == 8"
python3 - "$T/sh.csv" "$NPUSIM" >"$T/sh.cmp" <<'PY'
import csv, json, subprocess, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    args = [sys.argv[2], "run", "--model", "llama3-8b", "--hw", "h100-sxm", "--phase", "decode",
            "--batch", r["workload.batch"], "--ctx", r["workload.ctx"], "--dtype", "int4", "--json"]
    if r["workload.spec"]:
        args += ["--spec", r["workload.spec"], "--spec-accept", "rate:0.7"]
    if r["workload.lm_head_dtype"]:
        args += ["--lm-head-dtype", r["workload.lm_head_dtype"]]
    j = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    same = abs(float(r["tokens_per_s"]) / j["tokens_per_s"] - 1) < 1e-9
    print("ok" if same else "bad %s %s: sweep %s run %s" % (r["workload.spec"], r["workload.lm_head_dtype"],
                                                             r["tokens_per_s"], j["tokens_per_s"]))
PY
n_ok=$(grep -c '^ok' "$T/sh.cmp")
check "spec x head: each row equals npusim run ($(grep -v '^ok' "$T/sh.cmp" | head -1))" "$n_ok == 8"

finish golden_sweep
