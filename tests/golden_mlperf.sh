#!/bin/sh
# Golden tests of the MLPerf comparison (tools/mlperf_compare.sh) and of the
# step composition `npusim serve --json` reports (docs/accuracy-engines.md 4.8).
#
# The script is run against a stand-in for npusim that records its arguments, so
# that LoadGen's run length and the submissions' batch sizes are checked without
# the minutes the real simulations take:
#   Offline: max(24576, 1.1 x min_duration x offline_expected_qps) samples
#   Server:  max(qps x min_duration, 270336) queries
# (mlcommons/inference:loadgen/test_settings_internal.cc, mlperf.conf; NVIDIA's
# v4.0/v4.1 llama2-70b configs: min_duration 600 s / 2400 s, gpu_batch_size).
. "$(dirname "$0")/lib_golden.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# --- the stand-in: logs one line per call, prints the JSON fields the script reads
FAKE="$T/npusim-fake"
cat >"$FAKE" <<EOF
#!/bin/sh
echo "\$*" >>"$T/calls"
printf '{\n\t"throughput_tok_s":\t1000,\n\t"max_rate_rps":\t50,\n'
printf '\t"ttft_ms":\t{\n\t\t"mean":\t100,\n\t\t"p99":\t200\n\t},\n'
printf '\t"tpot_ms":\t{\n\t\t"mean":\t50,\n\t\t"p99":\t60\n\t}\n}\n'
EOF
chmod +x "$FAKE"
expect_ok "mlperf_compare with a stand-in" sh "$ROOT/tools/mlperf_compare.sh" "$FAKE"
cp "$T/out" "$T/table"
C="$T/calls"

# one call line per (hw, replicas, scenario): its --requests and --max-seqs
req() { # grep pattern -> the --requests of the first matching call without --find-max-rate
    grep -- "$1" "$C" | grep -v -- --find-max-rate | head -1 | sed -n 's/.*--requests \([0-9]*\).*/\1/p'
}
seqs() { grep -- "$1" "$C" | head -1 | sed -n 's/.*--max-seqs \([0-9]*\).*/\1/p'; }
H200_40="--hw h200-sxm .*--engine mlperf-4.0"
H200_41="--hw h200-sxm .*--engine mlperf-4.1"
H100X8_40="--hw h100-sxm --tp 2 --replicas 4 .*--engine mlperf-4.0"
H100X8_41="--hw h100-sxm --tp 2 --replicas 4 .*--engine mlperf-4.1"
H100X2_40="--hw h100-sxm --tp 2 --replicas 1 .*--engine mlperf-4.0"

# Offline: 1.1 x 600 s x 96 = 63360 (v4.0 H200), 1.1 x 2400 x 104 = 274560 (v4.1 H200),
# 1.1 x 600 x 76 = 50160 (v4.0 8xH100), 1.1 x 600 x 19 = 12540 -> the 24576 floor (2xH100)
check "v4.0 H200 offline samples" "\"$(req "$H200_40.*--arrival offline")\" == \"63360\""
check "v4.1 H200 offline samples" "\"$(req "$H200_41.*--arrival offline")\" == \"274560\""
check "v4.0 8xH100 offline samples" "\"$(req "$H100X8_40.*--arrival offline")\" == \"50160\""
check "v4.0 2xH100 offline samples (floor)" "\"$(req "$H100X2_40.*--arrival offline")\" == \"24576\""
# Server: 91.5 x 600 = 54900 and 75 x 2400 = 180000 are under the 270336 floor;
# 101 x 2400 = 242400 too
check "v4.0 H200 server queries" "\"$(req "$H200_40.*--rate 91.5")\" == \"270336\""
check "v4.1 8xH100 server queries" "\"$(req "$H100X8_41.*--rate 75 ")\" == \"270336\""
# the submissions' Server batch sizes (v4.0: 1024 H100 TP2, 896 H200; v4.1 the same)
check "v4.0 H200 server batch" "\"$(seqs "$H200_40.*--rate 91.5")\" == \"896\""
check "v4.0 8xH100 server batch" "\"$(seqs "$H100X8_40.*--rate 71.2")\" == \"1024\""
check "v4.0 H200 offline batch" "\"$(seqs "$H200_40.*--arrival offline")\" == \"806\""
# the closed loop at the published in-flight count (Little's law on the row):
# 91.5 x (0.4129 + (26485.43 / 91.5 - 1) x 0.1649) = 4390 (v4.0 H200); none for the
# Gaudi row, whose means are not published
check "v4.0 H200 closed loop" "$(grep -c -- "$H200_40.*--concurrency 4390 " "$C") == 1"
check "closed loops: one per Server row with a TPOT mean" "$(grep -c -- --concurrency "$C") == 5"
# the capacity search: LoadGen's SLOs and percentiles, one per Server row (6 rows)
n=$(grep -c -- "--find-max-rate --slo-ttft 2000 --slo-tpot 200 --percentiles index" "$C")
check "capacity searches" "$n == 6"
# its rows: submitted QPS is a lower bound unless the published p99 TPOT is near 200 ms
expect_grep "v4.0 H200 at its TPOT limit" "v4.0 8xH200 (8xTP1) server | max QPS within the SLOs | 91.5 | 50.0 | -45%" "$T/table"
expect_grep "v4.1 H200 under its limit" "v4.1 8xH200 (8xTP1) server | max QPS within the SLOs | ≥ 101 |" "$T/table"
CAPACITY=0 sh "$ROOT/tools/mlperf_compare.sh" "$FAKE" >"$T/table0" 2>&1
check "CAPACITY=0 skips the search" "$(grep -c 'max QPS' "$T/table0") == 0"

# --- step composition from the real binary: every prompt token in one step, every
# output token after the first in one decode slot (mixed scheduler, no preemption)
expect_ok "serve step composition" "$NPUSIM" serve --model llama3-8b --hw h100-sxm --engine trtllm-0.13 \
    --input uniform:100,400 --output uniform:20,200 --rate 20 --requests 400 --seed 3 --json
cp "$T/out" "$T/s.json"
steps=$(json_num "$T/s.json" steps)
tin=$(json_num "$T/s.json" tokens_in)
tout=$(json_num "$T/s.json" tokens_out)
nreq=$(json_num "$T/s.json" requests)
pre=$(json_num "$T/s.json" preemptions)
pf=$(json_num2 "$T/s.json" prefill_tokens_mean)
dec=$(json_num2 "$T/s.json" decode_seqs_mean)
ms=$(json_num2 "$T/s.json" ms_mean)
share=$(json_num2 "$T/s.json" prefill_share)
check "no preemption in the composition run" "$pre == 0"
check "prompt tokens per step x steps = tokens in" "($pf * $steps - $tin) ^ 2 < 1e-6 * $tin"
check "decode slots x steps = tokens out - requests" "($dec * $steps - ($tout - $nreq)) ^ 2 < 1e-6 * $tout"
check "mean step positive, share in (0, 1)" "$ms > 0 && $share > 0 && $share < 1"

finish golden_mlperf
