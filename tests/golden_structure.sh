#!/bin/sh
# End-to-end checks of issue 10's structural fixes in the plan, step and serving
# modules: lengths that hung or wrapped, windowed prefill, uneven pipeline
# splits, the planner's stated TTFT bound and consistent counts, 64-bit request
# lengths in serving. Commands that hung before run under `timeout`.
. "$(dirname "$0")/lib_golden.sh"

# --- e2e: an int64-max --output is refused at once (it hung: one loop step per token);
# the option table bounds it, and a legal length past the model's window is the library's error ---
expect_err "int64-max output" "'--output'" timeout 10 $NPUSIM run --model llama3-8b --hw h100-sxm \
    --phase e2e --batch 1 --input 10 --output 9223372036854775807
expect_err "int64-max input and output" "'--input'" timeout 10 $NPUSIM run --model llama3-8b --hw h100-sxm \
    --phase e2e --batch 1 --input 9223372036854775807 --output 9223372036854775807
expect_err "10M output past the window" "context window of 8192" timeout 10 $NPUSIM run --model llama3-8b --hw h100-sxm \
    --phase e2e --batch 1 --input 10 --output 10000000

# --- e2e: 1e7 output tokens (the option bound) on a sliding-window model with a 1e7-token window: O(kernels);
# kernels only (--engine ideal): the default TensorRT-LLM keeps the full KV cache, ignoring the window ---
sed 's/"max_seq": 32768/"max_seq": 10000000/' presets/model/mistral-7b.json >"$T/mistral-long.json"
expect_ok "1e7 output tokens" timeout 20 $NPUSIM run --model "$T/mistral-long.json" --hw h100-sxm --phase e2e \
    --batch 1 --input 100 --output 9999900 --engine ideal --json
tpot=$(json_num "$T/out" tpot_ms); lat=$(json_num "$T/out" latency_ms)
check "1e7 tokens: finite positive TPOT ($tpot ms)" "\"$tpot\" != \"\" && $tpot > 0 && $tpot < 1000"
check "1e7 tokens: latency ~ output x TPOT" "($lat / ($tpot * 9999900) - 1) ^ 2 < 1e-6"
$NPUSIM run --model "$T/mistral-long.json" --hw h100-sxm --phase decode --batch 1 --ctx 100000 --engine ideal \
    --json >"$T/dec.json"
check "1e7 tokens: mean step = a step past the window" \
    "($tpot / $(json_num "$T/dec.json" latency_ms) - 1) ^ 2 < 1e-6"

# --- windowed prefill: a 16k prompt does at least 4x the FLOPs of a 4k one (it had fewer) ---
$NPUSIM run --model mistral-7b --hw h100-sxm --phase prefill --batch 1 --seq 4096 --json >"$T/p4.json"
$NPUSIM run --model mistral-7b --hw h100-sxm --phase prefill --batch 1 --seq 16384 --json >"$T/p16.json"
f4=$(json_num2 "$T/p4.json" flops); f16=$(json_num2 "$T/p16.json" flops)
check "mistral-7b 16k prefill FLOPs >= 4 x 4k ($f16 vs $f4)" "$f16 >= 4 * $f4"
if grep -q '"flops":	-' "$T/p16.json"; then bad "a negative FLOP count"; else ok; fi

# --- uneven pipeline splits: deepseek-v3's 61 layers over 2, 4, 8 stages ---
for pp in 2 4 8; do
    expect_ok "deepseek-v3 --pp $pp" $NPUSIM run --model deepseek-v3 --hw h200-sxm --phase decode --batch 64 --ctx 1000 \
        --pp $pp --ep 8 --dtype fp8 --json
    check "deepseek-v3 --pp $pp latency" "$(json_num "$T/out" latency_ms) > 0"
done
expect_err "more stages than layers" "--pp 62 exceeds its 61 layers" $NPUSIM run --model deepseek-v3 --hw h200-sxm \
    --phase decode --batch 1 --ctx 10 --pp 62 --ep 8 --dtype fp8

# --- planner: the default TTFT bound is stated; counts agree with the rows ---
expect_ok "plan default TTFT" $NPUSIM plan --model llama3-70b --hw h100-sxm --chips 8 --input 1024 --output 256 --dtype fp8
expect_grep "plan states its default TTFT bound" "TTFT <= 2000 ms (the default" "$T/out"
feas=$(sed -n 's/^\([0-9]*\) of \([0-9]*\) plans feasible.*/\1/p' "$T/out")
rows=$(grep -c '^  [0-9]' "$T/out")
check "plan: rows shown = min(feasible, 8) ($rows of $feas)" "$rows == ($feas < 8 ? $feas : 8)"
if [ "$feas" -gt 8 ]; then expect_grep "plan says only the best are shown" "showing the top 8" "$T/out"; else ok; fi
awk 'NR > 4 && /^  [0-9]/ { if ($6 + 0 > 2000) bad = 1 } END { exit bad }' "$T/out" && ok || bad "a plan over the 2000 ms default TTFT"
expect_ok "plan json" $NPUSIM plan --model deepseek-v3 --hw h200-sxm --chips 8 --dtype fp8 --json
f=$(json_num "$T/out" feasible); rj=$(json_num "$T/out" rejected); n=$(grep -c '"rank":' "$T/out")
check "plan json: feasible + rejected = plans listed" "$f + $rj == $n"
grep -q '"pp":	[2-8],' "$T/out" && grep -q '"feasible":	true' "$T/out" && ok || bad "deepseek-v3 plans with pp > 1"

# --- serving: a trace length beyond any context (3e9, it was wrapped) is an error naming the
# line; one within the reader's bound but past the model's window is refused and recorded whole ---
printf 'arrival_s,input_tokens,output_tokens\n0.0,3000000000,5\n0.5,100,10\n' >"$T/trace.csv"
expect_err "trace with a 3e9-token prompt" "line 2" $NPUSIM serve --model llama3-8b --hw h100-sxm --trace "$T/trace.csv"
printf 'arrival_s,input_tokens,output_tokens\n0.0,9000000,5\n0.5,100,10\n' >"$T/trace.csv"
expect_ok "trace with a 9M-token prompt" $NPUSIM serve --model llama3-8b --hw h100-sxm --trace "$T/trace.csv" \
    --requests-out "$T/req.csv" --json
check "9M prompt rejected, the other served" "$(json_num "$T/out" rejected) == 1 && $(json_num "$T/out" requests) == 1"
grep -q '^0,0.000000,9000000,5,.*rejected_context' "$T/req.csv" && ok || bad "CSV row of the 9M prompt: $(sed -n 2p "$T/req.csv")"

# --- serving: the offered arrival rate is the rate asked, not the completion rate ---
expect_ok "serve overloaded" $NPUSIM serve --model llama3-8b --hw h100-sxm --rate 200 --input 1000 --output 400 \
    --requests 2000 --kv-mem-frac 0.045 --json
ar=$(json_num "$T/out" arrival_rate_rps); tr=$(json_num "$T/out" throughput_req_s)
check "arrival rate ~ 200 ($ar) while throughput is far lower ($tr)" "($ar / 200 - 1) ^ 2 < 0.0025 && $tr < 50"

finish "golden (structure)"
