#!/bin/sh
# End-to-end checks of issue 11 (compute as built): the worked-example NPU loads,
# round-trips and runs near its streaming floor; a description with the new fields
# written back by `show hw` runs the same; slips in the new fields exit 2 with one
# line naming the file and the field; an SRAM-only chip costs; the per-preset table
# tool runs. Prints "golden (arch): N passed, M failed".
. "$(dirname "$0")/lib_golden.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EX="$ROOT/examples/npu-8hbm3e-n3.json"

# --- the worked example: loads, round-trips, decodes near its floor ---
expect_ok "show example" $NPUSIM show hw "$EX"
cp "$T/out" "$T/ex.json"
expect_grep "engine written back" '"dataflow":	"weight-stationary"' "$T/ex.json"
expect_grep "feeding level written back" '"feeds_matrix":	true' "$T/ex.json"
expect_ok "run example" $NPUSIM run --model llama3.1-70b --hw "$EX" --phase decode --batch 1 --ctx 1024 --dtype fp8 --kv-dtype fp8 --json
a=$(json_num "$T/out" latency_ms)
expect_ok "run example (round trip)" $NPUSIM run --model llama3.1-70b --hw "$T/ex.json" --phase decode --batch 1 --ctx 1024 --dtype fp8 --kv-dtype fp8 --json
b=$(json_num "$T/out" latency_ms)
check "round trip gives the same decode ($a vs $b)" "$a == $b"
# 70.6e9 fp8 weights + KV over 8 x 1228.8 GB/s: >= 7.18 ms, and within 1.25x (bandwidth-bound, no GPU latencies)
check "example decode $a ms near its 7.2 ms floor" "$a >= 7.18 && $a < 1.25 * 7.18 * 1.05"

# --- slips in the new fields: one line, file and field named ---
sed 's/"type": "systolic"/"type": "systolik"/' "$EX" >"$T/typo.json"
expect_err "engine type typo" "matrix.engine.type" $NPUSIM show hw "$T/typo.json"
expect_err "closest name" "systolic" $NPUSIM show hw "$T/typo.json"
sed 's/"bf16": 3774.9/"bf16": 4000/' "$EX" >"$T/peak.json"
expect_err "stated peak checked" "peak_tflops.bf16" $NPUSIM show hw "$T/peak.json"
sed 's/"rows": 128/"rows": 1024/' "$EX" >"$T/rows.json"
expect_err "array vs MAC rate" "within 4x" $NPUSIM show hw "$T/rows.json"
sed 's/"path": "matrix"/"path": "vector"/' "$EX" >"$T/gemv.json"
expect_err "granule only on the matrix path" "matrix.gemv" $NPUSIM show hw "$T/gemv.json"
sed 's/"scope": "board"/"scope": "wall"/' "$EX" >"$T/scope.json"
expect_err "power scope" "power.scope" $NPUSIM show hw "$T/scope.json"

# --- an SRAM-only chip: memory "none", weights streamed from SRAM ---
cat >"$T/lpu.json" <<'J'
{ "name": "sram-only", "kind": "lpu",
  "matrix": { "units": 4, "clock_mhz": 915.5, "macs_per_cycle": { "fp16": 25600, "int8": 102400 },
              "engine": { "type": "systolic", "rows": 320, "cols": 320 }, "source": "test" },
  "sram": [ { "level": "mem", "mb": 230, "bandwidth_gbps": 80000, "source": "test" } ],
  "memory": { "technology": "none", "source": "test" } }
J
expect_ok "sram-only loads" $NPUSIM show hw "$T/lpu.json"
expect_ok "sram-only op" $NPUSIM op gemm --hw "$T/lpu.json" --m 1 --n 8192 --k 8192 --json
t=$(json_num "$T/out" latency_ms)
check "sram-only GEMV bound by 80 TB/s ($t ms >= 0.00168)" "$t >= 0.00168"
sed 's/"technology": "none"/"technology": "none", "stacks": 4/' "$T/lpu.json" >"$T/lpu2.json"
expect_err "no stacks without DRAM" "no DRAM" $NPUSIM show hw "$T/lpu2.json"

# --- the per-preset table tool ---
if sh "$ROOT/tools/arch_table.sh" >"$T/table" 2>"$T/terr"; then ok; else bad "arch_table.sh: $(head -c 300 "$T/terr")"; fi
n=$($NPUSIM list hw | tail -n +2 | grep -c .)
r=$(grep -c '^| [a-z0-9]' "$T/table")
check "table has a row per preset and a header ($r rows, $n presets)" "$r == $n + 1"
finish "golden (arch)"
