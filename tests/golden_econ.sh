#!/bin/sh
# End-to-end checks of issue 6: npusim cost, list process, power on run/op, --tco.
# Prints "golden: N passed, M failed".
. "$(dirname "$0")/lib_golden.sh"

# --- list process ---
expect_ok "list process" $NPUSIM list process
for p in tsmc-n7 tsmc-n5 tsmc-n4 tsmc-n3 tsmc-n2 samsung-sf5 samsung-sf4 samsung-sf3 gf-12lp; do
    expect_grep "list process has $p" "^$p " "$T/out"
done

# --- cost ---
expect_ok "cost h100 json" $NPUSIM cost --hw h100-sxm --json
cp "$T/out" "$T/h100.json"
for f in estimated_die_area_mm2 die_yield die_cost_usd hbm_cost_usd package_cost_usd unit_cost_usd dies_per_wafer; do
    v=$(json_num "$T/h100.json" $f)
    check "cost json has $f" "\"$v\" != \"\" && $v > 0"
done
area=$(json_num "$T/h100.json" estimated_die_area_mm2); y=$(json_num "$T/h100.json" die_yield)
check "h100 area estimate within 2% of 814 mm2 (calibration die)" "($area - 814)^2 < (0.02*814)^2"
check "yield is a fraction" "$y > 0 && $y < 1"
u=$(json_num "$T/h100.json" unit_cost_usd); d=$(json_num "$T/h100.json" die_cost_usd)
h=$(json_num "$T/h100.json" hbm_cost_usd); p=$(json_num "$T/h100.json" package_cost_usd)
check "unit cost exceeds its parts" "$u > $d + $h + $p"
expect_ok "cost table" $NPUSIM cost --hw h100-sxm
expect_grep "cost table unit cost" "unit cost" "$T/out"
expect_ok "cost on another process" $NPUSIM cost --hw h100-sxm --process tsmc-n3 --json
a3=$(json_num "$T/out" estimated_die_area_mm2)
check "N3 die smaller than N4 die" "$a3 < $area"
expect_grep "other process scales the published area" '"area_basis":	"published, scaled"' "$T/out"
d3=$(json_num "$T/out" die_area_mm2)
check "N3 die = published 814 x the model's N3/N4 ratio ($d3)" "($d3 - 814 * $a3 / $area)^2 < 1e-6"
expect_ok "cost volume" $NPUSIM cost --hw h100-sxm --volume 1000 --json
u2=$(json_num "$T/out" unit_cost_usd)
check "small volume costs more (NRE)" "$u2 > $u + 1000"
expect_ok "cost samsung chip" $NPUSIM cost --hw rebel-quad --json
expect_ok "cost poisson" $NPUSIM cost --hw rngd --yield-model poisson --json
cat >"$T/proc.json" <<'JSON'
{ "name": "my-node", "foundry": "Acme", "logic_mtr_mm2": 140, "sram_bitcell_um2": 0.03,
  "wafer_usd": 8000, "d0_per_cm2": 0.1, "source": "test" }
JSON
expect_ok "cost process file" $NPUSIM cost --hw rngd --process "$T/proc.json" --json
expect_grep "process file used" '"process":	"my-node"' "$T/out"
expect_err "bad process closest name" "did you mean 'tsmc-n5'" $NPUSIM cost --hw h100-sxm --process tsmc-n55
expect_err "cost needs hw" "needs --hw" $NPUSIM cost
expect_err "unknown process node" "give one with --process" $NPUSIM cost --hw tpu-v5e
expect_err "bad yield model" "did you mean 'murphy'" $NPUSIM cost --hw h100-sxm --yield-model murphey
expect_err "bad volume" "volume" $NPUSIM cost --hw h100-sxm --volume -3
echo '{"name":"x","logic_mtr_mm2":100}' >"$T/bad.json"
expect_err "process file missing field" "sram_bitcell_um2" $NPUSIM cost --hw h100-sxm --process "$T/bad.json"

# --- power on run and op ---
expect_ok "run json power" $NPUSIM run --model llama3-8b --hw h100-sxm --phase e2e --batch 8 --input 512 --output 64 --json
w=$(json_num "$T/out" power_w); e=$(json_num "$T/out" energy_j_per_token); lat=$(json_num "$T/out" latency_ms)
ej=$(json_num "$T/out" energy_j)
check "run power_w between idle and TDP" "$w > 131 && $w <= 700.001"
check "energy per token = energy / (B*O)" "($e - $ej/(8*64))^2 < 1e-9*$e^2 + 1e-18"
check "power = energy / latency" "($w - $ej/($lat/1000))^2 < 1e-6*$w^2"
expect_ok "run decode power" $NPUSIM run --model llama3-8b --hw rngd --phase decode --batch 16 --ctx 1024 --json
w=$(json_num "$T/out" power_w)
check "rngd decode power <= 180 W TDP" "$w > 0 && $w <= 180.001"
expect_ok "op power" $NPUSIM op gemm --hw h100-sxm --m 4096 --n 4096 --k 4096 --json
w=$(json_num "$T/out" power_w)
check "op gemm power_w" "$w > 131 && $w <= 700.001"
expect_ok "op copy power" $NPUSIM op copy --hw h100-sxm --bytes 4e9 --json
w=$(json_num "$T/out" power_w)
check "copy power near the 498 W measurement" "$w > 450 && $w < 550"
expect_ok "op big gemm throttled" $NPUSIM op gemm --hw h100-sxm --m 16384 --n 16384 --k 16384 --json
cf=$(json_num "$T/out" clock_frac)
check "16k^3 gemm throttled" "$cf < 1"

# --- TCO ---
expect_ok "run tco json" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 32 --ctx 1024 --json --tco
tps=$(json_num "$T/out" tokens_per_s); uph=$(json_num2 "$T/out" usd_per_hour_per_chip); mt=$(json_num2 "$T/out" usd_per_million_tokens)
check "tco usd/hour > 0" "$uph > 0"
check "usd per Mtok = usd/h / (tok/s*3600) * 1e6" "($mt - $uph/($tps*3600)*1e6)^2 < 1e-9*$mt^2"
expect_ok "run tco table" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 32 --ctx 1024 --tco --chip-price 20000 --pue 1.2 --usd-per-kwh 0.08 --lifetime-years 5 --server-overhead 0.4
expect_grep "tco table" "USD per million output tokens" "$T/out"
expect_grep "tco price option" "option price 20000" "$T/out"
expect_ok "run tco unit-cost price" $NPUSIM run --model llama3-8b --hw rngd --phase decode --batch 8 --ctx 1024 --tco --json
expect_grep "tco price from unit cost" "unit cost x margin" "$T/out"
expect_err "tco no price" "--chip-price" $NPUSIM run --model llama3-8b --hw tpu-v5e --phase decode --batch 1 --ctx 100 --dtype fp8 --tco
expect_err "tco bad pue" "pue" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 100 --pue 0.5

finish "golden (economics)"
