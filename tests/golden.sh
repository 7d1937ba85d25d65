#!/bin/sh
# End-to-end CLI runs: the documented command contract, JSON fields and their
# relations, show -> file -> run round trips, and bad input (one line on stderr,
# exit 2). Prints "N passed, M failed".
. "$(dirname "$0")/lib_golden.sh"

# json_num FILE KEY: top-level number from npusim's pretty JSON


# --- the command contract of issue 2 ---
expect_ok "run prefill" $NPUSIM run --model llama3-8b --hw h100-sxm --phase prefill --batch 4 --seq 512 --stack eager --dtype bf16 --json
cp "$T/out" "$T/prefill.json"
lat=$(json_num "$T/prefill.json" latency_ms); tps=$(json_num "$T/prefill.json" tokens_per_s)
check "prefill tokens/s = B*S/latency" "$lat > 0 && ($tps - 4*512/($lat/1000)) ^ 2 < 1e-3 * $tps"
expect_ok "run decode" $NPUSIM run --model llama2-7b --hw a100-sxm-80gb --phase decode --batch 16 --ctx 2048 --dtype fp16 --json
lat=$(json_num "$T/out" latency_ms); tps=$(json_num "$T/out" tokens_per_s)
check "decode tokens/s = B/latency" "$lat > 0 && ($tps - 16/($lat/1000)) ^ 2 < 1e-3 * $tps"
expect_ok "run e2e" $NPUSIM run --model mistral-7b --hw h200-sxm --phase e2e --batch 8 --input 1024 --output 128 --dtype fp8 --json
lat=$(json_num "$T/out" latency_ms); tps=$(json_num "$T/out" tokens_per_s); ttft=$(json_num "$T/out" ttft_ms)
check "e2e tokens/s = B*O/latency, ttft < latency" "($tps - 8*128/($lat/1000)) ^ 2 < 1e-3 * $tps && $ttft < $lat"
expect_ok "op gemm" $NPUSIM op gemm --hw h100-sxm --m 4096 --n 4096 --k 4096 --dtype fp8 --json
check "op gemm latency" "$(json_num "$T/out" latency_ms) > 0"
expect_ok "op attention prefill" $NPUSIM op attention --hw h100-sxm --phase prefill --batch 1 --heads 32 --kv-heads 8 --head-dim 128 --seq 4096 --json
expect_ok "op attention decode" $NPUSIM op attention --hw h100-sxm --phase decode --batch 8 --heads 32 --kv-heads 8 --head-dim 128 --ctx 8192 --json
check "op attention latency" "$(json_num "$T/out" latency_ms) > 0"
for w in models hw memory; do expect_ok "list $w" $NPUSIM list $w; cp "$T/out" "$T/list_$w"; done
for p in a100-sxm-80gb h100-sxm h100-pcie h200-sxm b200 mi300x mi325x tpu-v5e tpu-v5p tpu-v6e gaudi3 l40s rngd atom rebel-quad dx-m1; do
    expect_grep "list hw has $p" "^$p " "$T/list_hw"
done
for p in hbm2e hbm3 hbm3e-skhynix hbm3e-samsung-shinebolt hbm3e-micron hbm4 gddr6 gddr6x gddr7 lpddr5 lpddr5x; do
    expect_grep "list memory has $p" "^$p " "$T/list_memory"
done
expect_ok "show model" $NPUSIM show model llama3-70b
expect_ok "run table" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 100
expect_grep "table names bounds" "memory-bound\\|memory 100%" "$T/out"
expect_grep "table has memory plan" "memory plan" "$T/out"
expect_ok "run csv" $NPUSIM run --model llama3-8b --hw h100-sxm --phase e2e --batch 1 --input 10 --output 4 --csv

# --- every preset runs; show hw -> file -> run gives the same numbers ---
for hw in $($NPUSIM list hw | awk 'NR>1{print $1}'); do
    $NPUSIM show hw "$hw" >"$T/$hw.json" || bad "show hw $hw"
    # an SRAM-only chip (groq-lpu: 230 MB) holds no whole model: both runs give the same one-line refusal
    a=$($NPUSIM run --model llama3.2-1b --hw "$hw" --phase e2e --batch 1 --input 128 --output 16 --json 2>&1 | grep 'latency_ms\|does not fit')
    b=$($NPUSIM run --model llama3.2-1b --hw "$T/$hw.json" --phase e2e --batch 1 --input 128 --output 16 --json 2>&1 | grep 'latency_ms\|does not fit')
    if [ -n "$a" ] && [ "$a" = "$b" ]; then ok; else bad "round trip $hw: '$a' vs '$b'"; fi
done
for m in $($NPUSIM list models | awk 'NR>1{print $1}'); do
    $NPUSIM show model "$m" >"$T/m.json" || bad "show model $m"
    # runs, or (too big for one chip) says by how much it does not fit
    $NPUSIM run --model "$T/m.json" --hw mi325x --phase decode --batch 1 --ctx 512 --dtype fp8 --json >/dev/null 2>"$T/err"
    rc=$?
    if [ $rc -eq 0 ] || { [ $rc -eq 2 ] && grep -q "over by" "$T/err"; }; then ok; else bad "model $m from file: $(cat "$T/err")"; fi
done
expect_ok "HF config" $NPUSIM run --model tests/data/hf/qwen2.5-7b.json --hw l40s --phase prefill --batch 1 --seq 256 --json

# --- more bandwidth is never slower (edit the memory of a description) ---
sed 's/"pin_gbps":[[:space:]]*[0-9.]*/"pin_gbps": 6.4/' "$T/h100-sxm.json" >"$T/fast.json"
a=$($NPUSIM run --model llama3-8b --hw "$T/h100-sxm.json" --phase decode --batch 8 --ctx 1024 --json | sed -n 's/.*"latency_ms":[[:space:]]*\([0-9.e+-]*\).*/\1/p')
b=$($NPUSIM run --model llama3-8b --hw "$T/fast.json" --phase decode --batch 8 --ctx 1024 --json | sed -n 's/.*"latency_ms":[[:space:]]*\([0-9.e+-]*\).*/\1/p')
check "faster HBM is faster ($a vs $b)" "$b < $a"

# --- bad input: one line on stderr, exit 2 ---
expect_err "unknown model" "llama3-8b" $NPUSIM run --model lama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 10
expect_err "unknown hw" "h100-sxm" $NPUSIM run --model llama3-8b --hw h100-smx --phase decode --batch 1 --ctx 10
expect_err "unknown flag" "--batch" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --bacth 1 --ctx 10
expect_err "zero batch" "batch" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 0 --ctx 10
expect_err "negative seq" "seq" $NPUSIM run --model llama3-8b --hw h100-sxm --phase prefill --batch 1 --seq -5
expect_err "non-numeric" "not an integer" $NPUSIM op gemm --hw h100-sxm --m abc --n 1 --k 1
expect_err "missing size" "--ctx" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1
expect_err "bad phase" "prefill" $NPUSIM run --model llama3-8b --hw h100-sxm --phase prefil --batch 1 --seq 1
expect_err "bad dtype" "fp8" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 1 --dtype fp9
expect_err "does not fit" "over by" $NPUSIM run --model llama3.1-405b --hw h100-sxm --phase decode --batch 1 --ctx 10
expect_err "context window" "context window" $NPUSIM run --model gpt3-175b --hw b200 --phase prefill --batch 1 --seq 100000 --dtype int4
expect_err "heads not dividing" "divisible" $NPUSIM run --model tests/data/hf/bad-heads.json --hw h100-sxm --phase decode --batch 1 --ctx 10
expect_err "unsupported architecture" "Mamba" $NPUSIM show model tests/data/hf/bad-arch.json
expect_err "malformed JSON" "line" $NPUSIM show model tests/data/hf/bad-syntax.json
printf '{"name":"x","matrix":{"units":1,"clock_mhz":1,"macs_per_cycle":{"bf16":1},"source":"s"},"memory":{"technology":"hbm3","stakcs":1,"source":"s"}}' >"$T/typo.json"
expect_err "unknown field" "stakcs" $NPUSIM show hw "$T/typo.json"
expect_err "missing file" "cannot open" $NPUSIM run --model /no/such.json --hw h100-sxm --phase decode --batch 1 --ctx 1
expect_err "kv heads" "multiple" $NPUSIM op attention --hw h100-sxm --phase decode --batch 1 --heads 32 --kv-heads 5 --ctx 10
expect_err "unknown command" "run" $NPUSIM rnu
printf 'hw,dtype,m,n,k,ms,shape_name\nh100-sxm,bf16,1,2,3\n' >"$T/short.csv"
expect_err "validate bad row" "short.csv:2" $NPUSIM validate "$T/short.csv"

# --- validate: --max-mape exits 1 above the bound, 0 below ---
printf 'hw,kind,bytes_moved,ms\nh100-sxm,copy,8589934592,2.839872\n' >"$T/bw.csv"
$NPUSIM validate "$T/bw.csv" --max-mape 50 >/dev/null 2>&1; r1=$?
$NPUSIM validate "$T/bw.csv" --max-mape 0 >/dev/null 2>&1; r2=$?
check "max-mape exit codes ($r1, $r2)" "$r1 == 0 && $r2 == 1"
$NPUSIM validate "$T/bw.csv" --json >"$T/v.json"
check "validate json mape_pct" "$(json_num "$T/v.json" mape_pct) >= 0"
expect_ok "validate json files" grep -q '"max_err_pct"' "$T/v.json"

finish "golden"
