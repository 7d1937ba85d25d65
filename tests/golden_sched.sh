#!/bin/sh
# End-to-end runs of issue 12's schedulers, speculative decoding and benchmark
# metrics: JSON fields and their relations, every new option, bad input (one
# line on stderr, exit 2).
. "$(dirname "$0")/lib_golden.sh"

json_sub() { awk -v o="\"$2\":" -v k="\"$3\":" '$1 == o { inside = 1; next }
    inside && /^\t}/ { inside = 0 } inside && $1 == k { v = $2; sub(/,$/, "", v); print v; exit }' "$1"; }

S="$NPUSIM serve --model llama3-8b --hw h100-sxm"
W="--input lognormal:512,256,3000 --output lognormal:128,96,1000 --requests 600"

# --- the metric fields and their definitions ---
expect_ok "metrics json" $S --rate 15 $W --tp 2 --json
cp "$T/out" "$T/m.json"
thr=$(json_num "$T/m.json" throughput_tok_s); tot=$(json_num "$T/m.json" throughput_total_tok_s)
tin=$(json_num "$T/m.json" tokens_in); tout=$(json_num "$T/m.json" tokens_out); dur=$(json_num "$T/m.json" duration_s)
pc=$(json_num "$T/m.json" throughput_tok_s_per_chip); chips=$(json_num "$T/m.json" chips)
check "total tok/s = (in + out) / duration" "($tot - ($tin + $tout) / $dur) ^ 2 < 1e-6 * $tot ^ 2"
check "per chip x chips = system" "$chips == 2 && ($pc * $chips - $thr) ^ 2 < 1e-6 * $thr ^ 2"
for k in mean p25 p50 p75 p90 p95 p99 min max std; do
    v=$(json_sub "$T/m.json" itl_ms $k); check "itl_ms.$k present" "\"$v\" != \"\" && $v >= 0"
done
f=$(json_sub "$T/m.json" ttft_parts_ms frontend); w=$(json_sub "$T/m.json" ttft_parts_ms wait)
p=$(json_sub "$T/m.json" ttft_parts_ms prefill); tm=$(json_sub "$T/m.json" ttft_ms mean)
check "TTFT parts sum to the TTFT mean" "($f + $w + $p - $tm) ^ 2 < 1e-6 * $tm ^ 2"
check "one token per chunk: ITL mean = TPOT-weighted" "$(json_num "$T/m.json" tokens_per_chunk) == 1"
check "nearest rank by default" "\"$(json_str "$T/m.json" percentiles)\" == \"nearest-rank\""
expect_ok "linear percentiles" $S --rate 15 $W --tp 2 --percentiles linear --json
check "same mean, other p99 method" "$(json_sub "$T/out" ttft_ms mean) == $tm && \"$(json_str "$T/out" percentiles)\" == \"linear\""

# --- every scheduler and mechanism completes every request ---
for s in mixed prefill-chunked chunked continuous static; do
    expect_ok "scheduler $s" $S --scheduler $s --rate 10 $W --json
    check "$s completes" "$(json_num "$T/out" requests) == 600"
done
expect_ok "multi-step" $S --scheduler continuous --multi-step 8 --rate 10 $W --json
check "multi-step: 8 tokens a chunk at most, more than 1 on average" \
    "$(json_num "$T/out" tokens_per_chunk) > 1 && $(json_num "$T/out" tokens_per_chunk) <= 8"
expect_ok "sched-ahead" $S --sched-ahead --rate 10 $W --json
check "sched-ahead: flag in the output" "$(grep -c '"sched_ahead":.*true' "$T/out") == 1"
expect_ok "no delivery lag" $S --rate 10 $W --json
t0=$(json_sub "$T/out" ttft_ms mean)
expect_ok "delivery lag" $S --delivery-lag 1 --rate 10 $W --json
check "delivery lag: TTFT one step longer" "$(json_sub "$T/out" ttft_ms mean) > $t0 + 5 && $(json_num2 "$T/out" delivery_lag) == 1"
expect_err "delivery lag 2" "--delivery-lag" $S --rate 1 --input 10 --output 10 --delivery-lag 2
expect_ok "reserve admission" $S --kv-admit reserve --rate 10 $W --json
check "reserve: no preemption" "$(json_num "$T/out" preemptions) == 0"
expect_ok "front end" $S --frontend-us 500 --frontend-us-per-token 1 --rate 10 $W --json
check "front end part of TTFT >= 0.5 ms + 1 us/token" "$(json_sub "$T/out" ttft_parts_ms frontend) >= 0.5"
expect_ok "closed loop think time and warm-up" $S --concurrency 16 --client-think-ms 5 --warmup 100 $W --json
check "warm-up excluded" "$(json_num "$T/out" requests) == 500 && $(json_num "$T/out" warmup) == 100"

# --- speculative decoding: serve and run ---
expect_ok "serve spec" $S --spec eagle:3 --spec-accept 2 --rate 10 $W --json
check "spec: tokens per chunk near 3" "$(json_num "$T/out" tokens_per_chunk) > 2.6 && $(json_num "$T/out" tokens_per_chunk) <= 3.05"
check "spec: realized acceptance near 2" "$(json_sub "$T/out" spec accepted_mean_run) > 1.9 && $(json_sub "$T/out" spec accepted_mean_run) < 2.1"
R="$NPUSIM run --model llama3-8b --hw h100-sxm --json"
expect_ok "run decode" $R --phase decode --batch 1 --ctx 1000
a=$(json_num "$T/out" tokens_per_s)
expect_ok "run decode spec" $R --phase decode --batch 1 --ctx 1000 --spec mtp:1 --spec-accept 0.8
b=$(json_num "$T/out" tokens_per_s)
check "mtp at batch 1: faster per user" "$b > 1.3 * $a"
check "run json names the spec" "$(json_num2 "$T/out" tokens_per_step) == 1.8"
expect_ok "run e2e spec" $R --phase e2e --batch 1 --input 500 --output 200 --spec draft:llama3.2-1b:4 --spec-accept rate:0.7
expect_ok "run offline spec" $R --phase offline --input 500 --output 200 --spec eagle:2 --spec-accept 0.9,0.7
# mtp without --spec-accept takes DeepSeek's measured acceptance: only for a model that ships an
# MTP module (mtp_layers, HF num_nextn_predict_layers)
D="$NPUSIM run --model deepseek-v3 --hw h200-sxm --tp 8 --dtype fp8 --json"
expect_ok "mtp on deepseek-v3, its own acceptance" $D --phase decode --batch 1 --ctx 1000 --spec mtp:1
check "deepseek-v3 mtp:1 yields 1.87 tokens per step" "$(json_num2 "$T/out" tokens_per_step) == 1.87"
expect_ok "show model deepseek-v3" $NPUSIM show model deepseek-v3
check "deepseek-v3 states its MTP module" "$(json_num "$T/out" mtp_layers) == 1"
expect_err "mtp on a model without an MTP module" "no multi-token-prediction module" $R --phase decode --batch 1 --ctx 10 --spec mtp:2
expect_err "mtp_layers bounded" "mtp_layers" $R --phase decode --batch 1 --ctx 10 --set model.mtp_layers=99
printf '{"architectures":["DeepseekV3ForCausalLM"],"num_hidden_layers":4,"hidden_size":512,"num_attention_heads":8,"num_key_value_heads":8,"intermediate_size":1024,"vocab_size":1000,"kv_lora_rank":64,"q_lora_rank":0,"qk_nope_head_dim":32,"qk_rope_head_dim":16,"v_head_dim":32,"num_nextn_predict_layers":1}\n' >"$T/ds.json"
expect_ok "HF num_nextn_predict_layers" $NPUSIM run --model "$T/ds.json" --hw h100-sxm --phase decode --batch 1 --ctx 10 --spec mtp:1 --json
check "HF MTP module: DeepSeek's acceptance" "$(json_num2 "$T/out" tokens_per_step) == 1.87"

# --- bad input: one line, exit 2 ---
expect_err "unknown drafter" "did you mean 'mtp'" $R --phase decode --batch 1 --ctx 10 --spec mpt:2 --spec-accept 1
expect_err "no draft length" "draft length" $R --phase decode --batch 1 --ctx 10 --spec eagle
expect_err "draft model missing" "draft:MODEL:N" $R --phase decode --batch 1 --ctx 10 --spec draft:3
expect_err "unknown draft model" "did you mean" $R --phase decode --batch 1 --ctx 10 --spec draft:llama3.2-1c:3
expect_err "accept without spec" "needs --spec" $R --phase decode --batch 1 --ctx 10 --spec-accept 1
expect_err "eagle needs acceptance" "--spec-accept" $R --phase decode --batch 1 --ctx 10 --spec eagle:2
expect_err "mean above N" "[0, 2]" $R --phase decode --batch 1 --ctx 10 --spec eagle:2 --spec-accept 2.5
expect_err "rates count" "lists 3 rates" $R --phase decode --batch 1 --ctx 10 --spec eagle:2 --spec-accept 0.9,0.8,0.7
expect_err "rate range" "rate:A" $S --rate 1 --input 10 --output 10 --spec mtp:1 --spec-accept rate:1.5
expect_err "spec and multi-step" "do not combine" $S --rate 1 --input 10 --output 10 --spec mtp:1 --multi-step 4
expect_err "spec and static" "static" $S --rate 1 --input 10 --output 10 --spec mtp:1 --scheduler static
expect_err "multi-step 0" "--multi-step" $S --rate 1 --input 10 --output 10 --multi-step 0
expect_err "unknown percentiles" "did you mean 'linear'" $S --rate 1 --input 10 --output 10 --percentiles linar
expect_err "unknown kv-admit" "kv-admit" $S --rate 1 --input 10 --output 10 --kv-admit always
expect_err "negative front end" "--frontend-us" $S --rate 1 --input 10 --output 10 --frontend-us -1
expect_err "warm-up too large" "--warmup" $S --rate 1 --input 10 --output 10 --requests 5 --warmup 5

finish "golden (sched)"
