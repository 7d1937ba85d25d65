#!/bin/sh
# End-to-end checks of issue 10 (core: hardware, cost, power, economics, report):
# the module graph of src/ is acyclic; every kernel of `run --json` carries its
# energy, collectives included; memory is reported in GiB; impossible hardware
# and absurd cost inputs exit 2 with one line naming the file/field; a datatype
# the chip lacks is said, never silent. Prints "golden (core): N passed, M failed".
. "$(dirname "$0")/lib_golden.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# --- structure: no include (hence no call) cycle between the modules of src/ ---
if sh "$ROOT/tools/depgraph.sh" "$ROOT/src" >"$T/dep" 2>&1; then ok; else bad "depgraph: $(cat "$T/dep")"; fi
mkdir -p "$T/cyc" && cp "$ROOT"/src/npu_*.[ch] "$T/cyc/"
echo '#include "npu_power.h"' >>"$T/cyc/npu_cost.h" # the cycle issue 10 removed
if sh "$ROOT/tools/depgraph.sh" "$T/cyc" >/dev/null 2>&1; then bad "depgraph misses a planted cycle"; else ok; fi

# --- every kernel carries its energy; collectives get link + idle energy ---
expect_ok "run tp8" $NPUSIM run --model llama3-70b --hw h100-sxm --phase decode --batch 8 --ctx 1000 --tp 8 --json
cp "$T/out" "$T/tp8.json"
nk=$(grep -c '"time_us":' "$T/tp8.json"); ne=$(grep -c '"energy_j":' "$T/tp8.json")
check "every kernel has energy_j ($nk kernels, $ne energy fields incl. the run's)" "$ne == $nk + 1"
grep -A12 '"kind":	"comm"' "$T/tp8.json" | sed -n 's/.*"energy_j":[[:space:]]*\([-0-9.e+]*\),*/\1/p' >"$T/ce"
check "collectives carry energy ($(wc -l <"$T/ce") comm kernels)" "$(wc -l <"$T/ce") >= 2"
while read -r e; do check "comm kernel energy $e > 0" "$e > 0"; done <"$T/ce"
grep -q '"link_bytes":' "$T/tp8.json" && ok || bad "comm kernels report link_bytes"
expect_ok "run csv energy" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 100 --csv
head -1 "$T/out" | grep -q ",energy_j$" && ok || bad "csv header has energy_j: $(head -1 "$T/out")"

# --- GiB, not 85.9 GB for an 80 GB H100 ---
expect_ok "run table" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 100
expect_grep "memory plan in GiB" "of 80.0 GiB" "$T/out"
grep -q "85.9" "$T/out" && bad "table still says 85.9" || ok
cap=$(json_num2 "$T/tp8.json" capacity_gib)
check "json capacity_gib of an 80 GB H100 = 80 ($cap)" "$cap == 80"

# --- datatypes: fp32 at fp32 rates, int-only NPU conversion said ---
expect_ok "fp32 gemm" $NPUSIM op gemm --hw h100-sxm --m 4096 --n 4096 --k 4096 --dtype fp32 --json
f32=$(json_num "$T/out" achieved_tflops)
check "fp32 GEMM below the 61.8 TFLOP/s fp32 vector peak ($f32)" "$f32 > 30 && $f32 < 61.8"
expect_ok "int8-only npu asked bf16" $NPUSIM run --model llama3.2-1b --hw dx-m1 --phase decode --batch 1 --ctx 100
expect_grep "conversion is said" "GEMMs run as int8" "$T/out"
expect_ok "int8-only npu json" $NPUSIM run --model llama3.2-1b --hw dx-m1 --phase decode --batch 1 --ctx 100 --json
expect_grep "json compute_dtype" '"compute_dtype":	"int8"' "$T/out"
expect_grep "json dtype_converted" '"dtype_converted":	true' "$T/out"

# --- impossible hardware: exit 2, one line naming file and field ---
$NPUSIM show hw h100-sxm >"$T/h.json"
edit() { # out-file, sed expression on the h100 description
    sed "$2" "$T/h.json" >"$T/$1.json"
}
edit eff0 's/"matrix_eff":[[:space:]]*[0-9.]*/"matrix_eff": 0/'
expect_err "efficiency 0" "efficiency.matrix_eff" $NPUSIM op gemm --hw "$T/eff0.json" --m 64 --n 64 --k 64
edit idle 's/"idle_w":[[:space:]]*[0-9.]*/"idle_w": 5000/; s/"tdp_w":[[:space:]]*700/"tdp_w": 700, "idle_w": 5000/'
expect_err "idle above tdp" "power.idle_w" $NPUSIM op gemm --hw "$T/idle.json" --m 64 --n 64 --k 64
edit pin 's/"pin_gbps":[[:space:]]*[0-9.]*/"pin_gbps": 50/'
expect_err "hbm3 at 50 Gb/s" "memory.pin_gbps" $NPUSIM op gemm --hw "$T/pin.json" --m 64 --n 64 --k 64
edit cap 's/"capacity_gb":[[:space:]]*[0-9.]*/"capacity_gb": 500/'
expect_err "500 GiB in 5 x 8-high" "memory.capacity_gb" $NPUSIM op gemm --hw "$T/cap.json" --m 64 --n 64 --k 64
edit height 's/"height":[[:space:]]*[0-9]*/"height": 7/'
expect_err "7-high hbm3" "memory.height" $NPUSIM op gemm --hw "$T/height.json" --m 64 --n 64 --k 64
edit kind 's/"kind":[[:space:]]*"gpu"/"kind": "gpuu"/'
expect_err "unknown kind" "did you mean 'gpu'" $NPUSIM op gemm --hw "$T/kind.json" --m 64 --n 64 --k 64
edit clock 's/"clock_mhz":[[:space:]]*[0-9.]*/"clock_mhz": 1000000/'
expect_err "1 THz clock" "matrix.clock_mhz" $NPUSIM op gemm --hw "$T/clock.json" --m 64 --n 64 --k 64
edit tile 's/"tile_m":[[:space:]]*[0-9]*/"tile_m": 8/; s/"tile_n":[[:space:]]*[0-9]*/"tile_n": 8/'
expect_ok "8x8 tiles cost a finite time" $NPUSIM op gemm --hw "$T/tile.json" --m 4096 --n 4096 --k 4096 --json
lat=$(json_num "$T/out" latency_ms)
check "8x8 tiles: finite latency ($lat)" "\"$lat\" != \"\" && $lat > 0"

# --- cost: absurd inputs are errors, 0 NRE acts, HBM needs an interposer ---
expect_err "absurd d0" "--d0" $NPUSIM cost --hw h100-sxm --d0 1e9
expect_err "d0 that yields nothing" "yield" $NPUSIM cost --hw h100-sxm --d0 8
expect_err "organic package for HBM" "interposer" $NPUSIM cost --hw h100-sxm --package organic
expect_ok "organic package for GDDR" $NPUSIM cost --hw l40s --package organic --json
expect_ok "nre 0" $NPUSIM cost --hw h100-sxm --nre-usd 0 --json
check "nre 0 is costed as 0" "$(json_num "$T/out" nre_usd) == 0 && $(json_num "$T/out" nre_per_unit_usd) == 0"
for d0 in 0 0.05 0.1 0.3 0.5; do
    $NPUSIM cost --hw b200 --d0 $d0 --json >"$T/c" 2>&1 && u=$(json_num "$T/c" unit_cost_usd) || u=-1
    check "b200 d0 $d0: finite positive unit cost ($u)" "$u > 0 && $u < 1e6"
done
# the same chip on a less dense process is never smaller than on its own
expect_ok "l40s own" $NPUSIM cost --hw l40s --json
a4=$(json_num "$T/out" die_area_mm2)
expect_ok "l40s on n5" $NPUSIM cost --hw l40s --process tsmc-n5 --json
a5=$(json_num "$T/out" die_area_mm2)
check "l40s on N5 ($a5) not smaller than on its N4 ($a4)" "$a5 >= $a4"
# an edited die under the preset's name is not the published die
sed 's/"stacks":[[:space:]]*5/"stacks": 6/; s/"capacity_gb":[[:space:]]*80/"capacity_gb": 96/' "$T/h.json" >"$T/six.json"
expect_ok "h100 with 6 stacks" $NPUSIM cost --hw "$T/six.json" --json
expect_grep "edited die is scaled" '"area_basis":	"published, scaled"' "$T/out"
a6=$(json_num "$T/out" die_area_mm2)
check "6-stack die ($a6) larger than 814" "$a6 > 814"

finish "golden (core)"
