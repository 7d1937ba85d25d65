#!/bin/sh
# End-to-end CLI checks of scale-out (issue 4): parallel plans on run, the
# planner, MoE/MLA models, and the errors of impossible plans.
. "$(dirname "$0")/lib_golden.sh"

# --- run with plans on the issue's presets ---
for spec in "llama3-70b --tp 8" "llama3-70b --tp 4 --pp 2" "mixtral-8x7b --tp 2" "mixtral-8x22b --tp 4 --ep 4" \
            "deepseek-v3 --tp 1 --ep 8 --dtype fp8" "qwen3-30b-a3b --ep 2" "qwen3-235b-a22b --tp 4 --ep 8 --dtype fp8"; do
    set -- $spec
    m=$1; shift
    expect_ok "run $spec" $NPUSIM run --model $m --hw h200-sxm --phase e2e --batch 16 --input 512 --output 64 "$@" --json
    grep -q '"comm":' "$T/out" && ok || bad "run $spec: no comm breakdown"
    check "run $spec latency" "$(json_num "$T/out" latency_ms) > 0"
done

# --- TP on a decode: faster than one chip, slower than 1/8 of it; comm time appears ---
$NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --json >"$T/tp1.json"
$NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --tp 8 --json >"$T/tp8.json"
l1=$(json_num "$T/tp1.json" latency_ms); l8=$(json_num "$T/tp8.json" latency_ms)
check "tp8 decode speeds up but not 8x ($l1 -> $l8)" "$l8 < $l1 && $l8 > $l1 / 8"
c8=$(json_num2 "$T/tp8.json" comm)
check "tp8 decode has comm time ($c8 ms)" "$c8 > 0"
check "tp1 has no comm" "$(json_num2 "$T/tp1.json" comm) == 0"
# DP multiplies throughput, not latency
$NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --dp 4 --json >"$T/dp.json"
check "dp4: same latency" "$(json_num "$T/dp.json" latency_ms) == $l1"
check "dp4: 4x throughput" "($(json_num "$T/dp.json" tokens_per_s_all_replicas) - 4 * $(json_num "$T/tp1.json" tokens_per_s))^2 < 1e-6"

# --- MoE and MLA from HuggingFace configs ---
for f in deepseek-v3 qwen3-30b-a3b mixtral-8x7b; do
    expect_ok "HF $f" $NPUSIM run --model tests/data/hf/$f.json --hw h200-sxm --phase decode --batch 4 --ctx 256 --ep 8 --dtype fp8 --json
done
# MLA's cache: deepseek-v3 holds 61 x 576 values per token (70,272 bytes in bf16)
$NPUSIM run --model deepseek-v3 --hw h200-sxm --phase decode --batch 1000 --ctx 999 --ep 8 --dtype fp8 --kv-dtype bf16 --json >"$T/ds.json"
kv=$(json_num2 "$T/ds.json" kv_cache_gib)
check "deepseek-v3 KV per chip = 125 seqs x 1000 x 70272 B ($kv GiB)" "($kv - 125 * 1000 * 70272 / 1073741824)^2 < 1e-6"

# --- offline (in-flight batching steady state) ---
expect_ok "offline" $NPUSIM run --model llama3.1-8b --hw h100-sxm --phase offline --input 128 --output 128 --dtype fp8 --json
b=$(json_num "$T/out" batch); t=$(json_num "$T/out" tpot_ms); tps=$(json_num "$T/out" tokens_per_s)
check "offline tokens/s = batch / step ($b, $t, $tps)" "$b > 1 && ($tps - $b / ($t / 1000))^2 < 1e-3 * $tps"

# --- planner ---
expect_ok "plan" $NPUSIM plan --model llama3-70b --hw h100-sxm --chips 8 --input 1024 --output 256 --max-tpot 50 --dtype fp8
grep -q "^  1 " "$T/out" && ok || bad "plan prints a ranked table"
grep -q "best" "$T/out" && ok || bad "plan says why the best wins"
expect_ok "plan json" $NPUSIM plan --model deepseek-v3 --hw h200-sxm --chips 8 --dtype fp8 --json
grep -q '"feasible":	true' "$T/out" && ok || bad "plan json has a feasible plan"
grep -q 'does not fit' "$T/out" && ok || bad "plan json says why a plan is rejected"
expect_ok "plan moe" $NPUSIM plan --model mixtral-8x22b --hw h100-sxm --chips 8 --input 512 --output 128 --max-ttft 5000

# --- impossible plans: one line, exit 2, the reason ---
expect_err "tp not dividing heads" "not divisible by --tp 3" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 10 --tp 3
expect_err "pp beyond the layers" "--pp 33 exceeds its 32 layers" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 10 --pp 33
expect_err "ep on a dense model" "mixture-of-experts" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 10 --ep 2
expect_err "ep not dividing experts" "experts are not divisible by --ep 3" $NPUSIM run --model mixtral-8x7b --hw h100-sxm --phase decode --batch 1 --ctx 10 --ep 3
expect_err "does not fit per chip" "per chip" $NPUSIM run --model llama3.1-405b --hw h100-sxm --phase decode --batch 1 --ctx 10 --tp 2
expect_err "bad tp value" "--tp" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 10 --tp 0
expect_err "plan needs chips" "--chips" $NPUSIM plan --model llama3-8b --hw h100-sxm
expect_err "plan bad model" "did you mean" $NPUSIM plan --model llama3-8 --hw h100-sxm --chips 8

finish "golden (scale-out)"
