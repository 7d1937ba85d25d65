#!/bin/sh
# End-to-end runs of `npusim serve` (issue 5): JSON fields and their relations,
# every scheduler and arrival kind, repeatability, capacity planning, the
# per-request CSV, and bad input (one line on stderr, exit 2).
. "$(dirname "$0")/lib_golden.sh"

# json_sub FILE OBJECT KEY: number KEY inside the top-level object OBJECT
json_sub() { awk -v o="\"$2\":" -v k="\"$3\":" '$1 == o { inside = 1; next }
    inside && /^\t}/ { inside = 0 } inside && $1 == k { v = $2; sub(/,$/, "", v); print v; exit }' "$1"; }


S="$NPUSIM serve --model llama3-8b --hw h100-sxm"
L="--input lognormal:512,256,4000 --output lognormal:128,96,1500"
W="$L --requests 2000"

# --- the summary contract ---
expect_ok "serve json" $S --rate 20 $W --seed 3 --json
cp "$T/out" "$T/a.json"
for k in requests duration_s throughput_tok_s goodput_req_s; do
    v=$(json_num "$T/a.json" $k); check "field $k present and positive" "\"$v\" != \"\" && $v > 0"
done
for o in ttft_ms tpot_ms e2e_ms; do
    for k in mean p50 p90 p99; do
        v=$(json_sub "$T/a.json" $o $k); check "$o.$k present and positive" "\"$v\" != \"\" && $v > 0"
    done
    m=$(json_sub "$T/a.json" $o p50); n=$(json_sub "$T/a.json" $o p90); p=$(json_sub "$T/a.json" $o p99)
    check "$o percentiles ordered" "$m <= $n && $n <= $p"
done
req=$(json_num "$T/a.json" requests); dur=$(json_num "$T/a.json" duration_s)
tok=$(json_num "$T/a.json" tokens_out); thr=$(json_num "$T/a.json" throughput_tok_s)
rps=$(json_num "$T/a.json" throughput_req_s); good=$(json_num "$T/a.json" goodput_req_s)
check "requests = --requests" "$req == 2000"
check "throughput = tokens / duration" "($thr - $tok / $dur) ^ 2 < 1e-6 * $thr ^ 2"
check "req/s = requests / duration" "($rps - $req / $dur) ^ 2 < 1e-6 * $rps ^ 2"
check "no SLO: goodput = throughput" "$good == $rps"
check "offered 20 req/s is served" "$rps > 18 && $rps < 22"
ttft=$(json_sub "$T/a.json" ttft_ms mean); e2e=$(json_sub "$T/a.json" e2e_ms mean)
check "TTFT < end-to-end" "$ttft < $e2e"

# --- same seed, same output; another seed, another ---
expect_ok "serve again" $S --rate 20 $W --seed 3 --json
if cmp -s "$T/out" "$T/a.json"; then ok; else bad "same seed gave different output"; fi
expect_ok "serve seed 4" $S --rate 20 $W --seed 4 --json
if cmp -s "$T/out" "$T/a.json"; then bad "another seed gave the same output"; else ok; fi

# --- SLOs: goodput counts requests within both ---
expect_ok "serve slo" $S --rate 20 $W --seed 3 --slo-ttft 30 --slo-tpot 12 --json
g=$(json_num "$T/out" goodput_req_s); r=$(json_num "$T/out" throughput_req_s)
check "goodput < throughput under tight SLOs" "$g < $r && $g > 0"

# --- every scheduler and arrival kind ---
for s in static continuous chunked disagg; do
    expect_ok "scheduler $s" $S --scheduler $s --rate 10 $W --max-seqs 64 --json
    check "scheduler $s completes" "$(json_num "$T/out" requests) == 2000"
done
expect_ok "disagg across chips" $NPUSIM serve --model llama3-8b --hw h100-sxm --scheduler disagg --prefill-hw h200-sxm \
    --prefill-replicas 1 --decode-replicas 2 --rate 20 $W --json
check "disagg 3 replicas" "$(json_num "$T/out" replicas) == 3"
expect_ok "gamma arrivals" $S --rate 10 --arrival gamma --burstiness 4 $W --json
expect_ok "closed loop" $S --concurrency 16 $W --json
check "closed loop waits at most 16" "$(json_num "$T/out" queue_len_max) <= 16"
expect_ok "offline" $S --arrival offline $W --json
printf 'arrival_s,input_tokens,output_tokens\n0.0,100,20\n0.2,3000,200\n0.3,50,0\n' >"$T/trace.csv"
expect_ok "trace csv" $S --trace "$T/trace.csv" --json
check "trace: 3 requests, 220 tokens" "$(json_num "$T/out" requests) == 3 && $(json_num "$T/out" tokens_out) == 220"
printf '{"arrival_s": 0, "input_tokens": 10, "output_tokens": 3}\n{"arrival_s": 1, "input_tokens": 20, "output_tokens": 4}\n' >"$T/trace.jsonl"
expect_ok "trace jsonl" $S --trace "$T/trace.jsonl" --json
check "trace jsonl: 7 tokens" "$(json_num "$T/out" tokens_out) == 7"
seq 100 100 1000 >"$T/lens.txt"
expect_ok "lengths from a file" $S --rate 5 --input "file:$T/lens.txt" --output uniform:1,50 --requests 300 --json
for rt in rr least-requests least-kv; do
    expect_ok "router $rt" $S --replicas 3 --router $rt --rate 30 $W --json
done
expect_ok "prefix sharing" $S --rate 20 $W --prefix-share 0.5 --json
check "prefix sharing lowers TTFT" "$(json_sub "$T/out" ttft_ms mean) < $ttft"
expect_ok "zero outputs" $S --rate 5 --input 256 --output 0 --requests 100 --json
check "zero outputs: no tokens" "$(json_num "$T/out" tokens_out) == 0 && $(json_num "$T/out" requests) == 100"
expect_ok "table output" $S --rate 5 --input 256 --output 16 --requests 50
if grep -q "TTFT" "$T/out" && grep -q "goodput" "$T/out"; then ok; else bad "table lacks TTFT/goodput"; fi

# --- context window: rejected with a reason ---
expect_ok "too long" $S --rate 1 --input 8000 --output 500 --requests 5 --json
check "too long: all rejected" "$(json_num "$T/out" rejected) == 5 && $(json_num "$T/out" requests) == 0"
if grep -q '"reject_reason":.*context window' "$T/out"; then ok; else bad "no reject reason"; fi

# --- per-request CSV ---
expect_ok "requests-out" $S --rate 20 $W --requests-out "$T/req.csv"
rows=$(($(wc -l <"$T/req.csv") - 1))
check "one CSV row per request" "$rows == 2000"
if head -1 "$T/req.csv" | grep -q '^id,arrival_s,input_tokens,output_tokens,replica,status,ttft_ms,tpot_ms,e2e_ms'; then ok
else bad "CSV header: $(head -1 "$T/req.csv")"; fi
sum=$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$T/req.csv")
expect_ok "serve json for csv" $S --rate 20 $W --json
check "CSV outputs sum to tokens_out" "$sum == $(json_num "$T/out" tokens_out)"

# --- capacity planning ---
expect_ok "find max rate" $S $L --requests 600 --slo-ttft 200 --slo-tpot 40 --find-max-rate --json
mr=$(json_num "$T/out" max_rate_rps)
check "max rate found" "$mr > 5 && $mr < 200"
check "run at max rate meets p99 TTFT" "$(json_sub "$T/out" ttft_ms p99) <= 200"
# a TPOT SLO alone never binds past saturation: the search stops at the deployment's
# saturation throughput (the same requests offered at once), not at the 1e9 req/s bound
expect_ok "offline throughput" $S $L --requests 300 --arrival offline --json
sat=$(json_num "$T/out" throughput_req_s)
expect_ok "find max rate, TPOT SLO alone" $S $L --requests 300 --slo-tpot 200 --find-max-rate --json
mr=$(json_num "$T/out" max_rate_rps)
check "max rate with a TPOT SLO alone is at most the saturation throughput ($mr <= $sat)" "$mr > 0 && $mr <= $sat"
check "... and within 2x of it ($mr vs $sat)" "$mr * 2 >= $sat"
expect_ok "fleet" $S $L --requests 400 --slo-ttft 200 --slo-tpot 40 --target-rate 100 --json
copies=$(json_sub "$T/out" fleet copies); chips=$(json_sub "$T/out" fleet chips); per=$(json_sub "$T/out" fleet max_rate_per_copy_rps)
check "fleet: copies x per-copy rate covers the target" "$copies >= 1 && $copies * $per >= 100 * 0.97 && $chips == $copies"

# --- bad input: one line, exit 2 ---
expect_err "unknown scheduler" "did you mean 'static'" $S --scheduler statc --rate 1 --input 10 --output 10
expect_err "unknown router" "router" $S --router least-kvv --rate 1 --input 10 --output 10
expect_err "unknown option" "did you mean '--rate'" $S --rte 1 --input 10 --output 10
expect_err "no arrivals" "arrival process" $S --input 10 --output 10
expect_err "two arrival kinds" "only one of" $S --rate 1 --concurrency 3 --input 10 --output 10
expect_err "zero rate" "--rate" $S --rate 0 --input 10 --output 10
expect_err "bad distribution" "lognormal" $S --rate 1 --input lognorml:5,5 --output 10
expect_err "zero input" "--input" $S --rate 1 --input 0 --output 10
expect_err "negative output" "--output" $S --rate 1 --input 10 --output -3
expect_err "missing lengths" "--input" $S --rate 1
expect_err "no model" "--model" $NPUSIM serve --hw h100-sxm --rate 1 --input 1 --output 1
expect_err "unknown model" "did you mean" $NPUSIM serve --model llama3-8c --hw h100-sxm --rate 1 --input 1 --output 1
expect_err "model does not fit" "no room for a KV cache" $NPUSIM serve --model llama3-70b --hw h100-sxm --rate 1 --input 10 --output 10
expect_err "missing trace" "nonexistent" $S --trace /nonexistent/trace.csv
printf 'arrival_s,input_tokens,output_tokens\n0.1,abc,3\n' >"$T/bad.csv"
expect_err "bad trace row" "line 2" $S --trace "$T/bad.csv"
expect_err "prefill-hw without disagg" "disagg" $S --prefill-hw h200-sxm --rate 1 --input 10 --output 10
expect_err "max rate without SLO" "--slo" $S --find-max-rate --input 10 --output 10
expect_err "kv-mem-frac" "kv-mem-frac" $S --kv-mem-frac 1.5 --rate 1 --input 10 --output 10
expect_err "bad requests-out" "requests-out" $S --rate 1 --input 10 --output 10 --requests 3 --requests-out /nonexistent/x.csv

finish "golden (serve)"
