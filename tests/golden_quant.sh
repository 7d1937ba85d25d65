#!/bin/sh
# Golden runs of the quantization formats (issue 11, part 3): --dtype takes formats,
# --lm-head-dtype and --emb-dtype, run --json's "formats", `npusim quant` (table and
# JSON) and the errors. Expected figures are from the formats' definitions, not from
# npusim's output. Usage: sh tests/golden_quant.sh [build/npusim]
. "$(dirname "$0")/lib_golden.sh"

# a field of an object nested in --json output, by a python3-free path: jq-less sed on
# the pretty printer's tabs ("\t\t\"dtype\": \"q6_k\"" under "lm_head")
sub_str() { # file object key: the first "key": "..." after "object": {
    awk -v o="\"$2\":" -v k="\"$3\":" 'index($0, o) {in_o = 1; next} in_o && index($0, k) {
        sub(/^[^:]*:[ \t]*"/, ""); sub(/",?$/, ""); print; exit }' "$1"
}
sub_num() {
    awk -v o="\"$2\":" -v k="\"$3\":" 'index($0, o) {in_o = 1; next} in_o && index($0, k) {
        sub(/^[^:]*:[ \t]*/, ""); sub(/,$/, ""); print; exit }' "$1"
}

# --- run: formats and the recipe's LM head and embedding datatypes ---
RUN="$NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 512"
expect_ok "run q4_k_m" $RUN --dtype q4_k_m --json
cp "$T/out" "$T/q4km"
check "q4_k_m layers 4.809375 bits (0.85 x 144 B/256 + 0.15 x 210 B/256)" \
    "$(sub_num "$T/q4km" layers bits_per_element) - 4.809375 < 1e-9 && 4.809375 - $(sub_num "$T/q4km" layers bits_per_element) < 1e-9"
check "q4_k_m LM head q6_K" "\"$(sub_str "$T/q4km" lm_head dtype)\" == \"q6_k\""
check "q4_k_m embedding q4_K" "\"$(sub_str "$T/q4km" embedding dtype)\" == \"q4_k\""
check "q4_k_m activations fp16 (llama.cpp)" "\"$(json_str "$T/q4km" act_dtype)\" == \"fp16\""
check "q4_k_m dequantized on H100" "\"$(sub_str "$T/q4km" gemm_path compute_dtype)\" == \"fp16\""
# Llama-3-8B: 6,979,584,000 layer weights x 4.809375 bits + 525,336,576 x (6.5625 + 4.5) bits + final norm
w=$(sub_num "$T/q4km" layers gib)
check "q4_k_m layer GiB = 6979584000 x 4.809375 / 8 / 2^30 ($w)" \
    "$w / (6979584000 * 4.809375 / 8 / 1073741824) > 0.999999 && $w / (6979584000 * 4.809375 / 8 / 1073741824) < 1.000001"
expect_ok "run q4_k_m bf16 head" $RUN --dtype q4_k_m --lm-head-dtype bf16 --emb-dtype fp8 --json
cp "$T/out" "$T/q4km16"
check "--lm-head-dtype bf16" "\"$(sub_str "$T/q4km16" lm_head dtype)\" == \"bf16\""
check "--emb-dtype fp8" "\"$(sub_str "$T/q4km16" embedding dtype)\" == \"fp8\""
check "a 16-bit head streams more: slower step" "$(json_num "$T/q4km16" latency_ms) > $(json_num "$T/q4km" latency_ms)"
expect_ok "run q4_k_m table" $RUN --dtype q4_k_m --lm-head-dtype bf16
expect_grep "table header names the head and table types" "weights q4_k_m (LM head bf16, embedding q4_k)" "$T/out"
# AWQ int4: weight-only with a 16-bit head (the recipe), group scales in the bytes
expect_ok "run int4" $RUN --dtype int4 --json
check "int4 = 4 + 20/128 bits" "$(sub_num "$T/out" layers bits_per_element) == 4.15625"
check "int4 head bf16" "\"$(sub_str "$T/out" lm_head dtype)\" == \"bf16\""
check "int4 activations bf16" "\"$(json_str "$T/out" act_dtype)\" == \"bf16\""
# B200: nvfp4 native; H100: dequantized, activations kept 16-bit
expect_ok "run nvfp4 b200" $NPUSIM run --model llama3-8b --hw b200 --phase prefill --batch 1 --seq 2048 --dtype nvfp4 --json
check "B200 nvfp4 compute fp4" "\"$(json_str "$T/out" compute_dtype)\" == \"fp4\""
expect_grep "B200 nvfp4 native" '"native":	true' "$T/out"
expect_ok "run nvfp4 h100" $NPUSIM run --model llama3-8b --hw h100-sxm --phase prefill --batch 1 --seq 2048 --dtype nvfp4 --json
check "H100 nvfp4 compute bf16" "\"$(json_str "$T/out" compute_dtype)\" == \"bf16\""
expect_grep "H100 nvfp4 not native" '"native":	false' "$T/out"
# aliases
expect_ok "--dtype awq" $RUN --dtype awq --json
check "awq is int4" "\"$(json_str "$T/out" dtype)\" == \"int4\""
# plan and serve take the options too
expect_ok "plan --lm-head-dtype" $NPUSIM plan --model llama3-8b --hw h100-sxm --chips 1 --input 128 --output 64 \
    --dtype q4_0 --lm-head-dtype q8_0 --max-batch 8 --json
expect_ok "serve --emb-dtype" $NPUSIM serve --model llama3-8b --hw h100-sxm --dtype q8_0 --emb-dtype q4_0 \
    --input 128 --output 16 --requests 20 --arrival offline --json

# --- npusim quant ---
expect_ok "quant h100" $NPUSIM quant --model llama3-8b --hw h100-sxm
cp "$T/out" "$T/qh"
expect_grep "quant header" "npusim quant: llama3-8b on h100-sxm" "$T/qh"
for f in bf16 fp16 fp8 int8 q8_0 int4 q4_k_m q4_0 mxfp4 nvfp4; do
    expect_grep "quant row $f" "^  $f " "$T/qh"
done
expect_grep "H100 nvfp4 dequantized" "nvfp4    4.500 dequant -> bf16" "$T/qh"
expect_grep "H100 fp8 native" "fp8      8.000 fp8 " "$T/qh"
expect_grep "memory-bound why" "memory: .* GB per step at 3347 GB/s" "$T/qh"
expect_ok "quant b200" $NPUSIM quant --model llama3-8b --hw b200 --formats bf16,nvfp4,mxfp4
expect_grep "B200 nvfp4 native" "nvfp4    4.500 native fp4" "$T/out"
expect_grep "B200 mxfp4 native" "mxfp4    4.250 native fp4" "$T/out"
check "three rows" "$(grep -cE '^  (bf16|nvfp4|mxfp4) +[0-9]' "$T/out") == 3"
expect_ok "quant mi355x json" $NPUSIM quant --model llama3-8b --hw mi355x --formats mxfp4,nvfp4 --json
cp "$T/out" "$T/mi"
check "MI355X: mxfp4 native, nvfp4 (e4m3 scales) not" \
    "$(grep -c '"native":	true' "$T/mi") == 1 && $(grep -c '"native":	false' "$T/mi") == 1"
# the phone: Llama-3-8B bf16 is 15 GiB of 24; the 70B fits only quantized to ~4 bits
expect_ok "quant phone 70b" $NPUSIM quant --model llama3-70b --hw snapdragon-8g3-npu --formats bf16,q4_0 --json
cp "$T/out" "$T/ph"
check "70B bf16 does not fit a phone, q4_0 neither (35+ GiB of 24)" "$(grep -c '"fits":	false' "$T/ph") == 2"
check "timed anyway: q4_0 faster" "$(grep -o '"speedup_vs_bf16":	[0-9.]*' "$T/ph" | sed -n 3p | cut -f2) > 3"
expect_ok "quant json" $NPUSIM quant --model llama3-8b --hw h100-sxm --batch 4 --ctx 2048 --seq 512 --json
check "batch echoed" "$(json_num "$T/out" batch) == 4"
check "ctx echoed" "$(json_num "$T/out" ctx) == 2048"
check "ten formats" "$(grep -c '"dtype":' "$T/out") == 10"

# --- errors: one line, exit 2, the closest name ---
expect_err "unknown dtype" "did you mean 'q4_k_m'" $RUN --dtype q4_k_s
expect_err "fp4 is an element type" "mxfp4, nvfp4" $RUN --dtype fp4
expect_err "bad --lm-head-dtype" "lm-head-dtype" $RUN --lm-head-dtype int3
expect_err "bad --formats" "did you mean 'nvfp4'" $NPUSIM quant --model llama3-8b --hw h100-sxm --formats bf16,nvfp5
expect_err "--formats twice" "listed twice" $NPUSIM quant --model llama3-8b --hw h100-sxm --formats q4_0,q4_0
expect_err "--formats empty" "no format" $NPUSIM quant --model llama3-8b --hw h100-sxm --formats ,
expect_err "quant bad plan" "not divisible" $NPUSIM quant --model llama3-8b --hw h100-sxm --tp 3
# help lists the formats
expect_ok "run --help" $NPUSIM run --help
expect_grep "help lists the formats" "bf16|fp16|fp8|int8|int4|fp32|q8_0|q4_0|q4_k|q6_k|q4_k_m|mxfp4|nvfp4" "$T/out"

finish "golden (quant)"
