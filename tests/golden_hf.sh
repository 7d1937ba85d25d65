#!/bin/sh
# Golden CLI runs of the HuggingFace architectures (issue 14 §4): each
# tests/data/hf/<id>/ directory loads as --model; `show model` writes the total
# and active parameter counts, which are the counts derived from the configs in
# docs/research/hf-architectures.md §4 (by its own script, before this loader
# existed); the written JSON loads back to the same counts and the same run;
# sliding windows change what a step costs; unsupported architectures are
# refused with the supported list.
. "$(dirname "$0")/lib_golden.sh"

D=tests/data/hf
while read -r dir total active; do
    expect_ok "show model $dir" $NPUSIM show model "$D/$dir"
    cp "$T/out" "$T/m.json"
    check "$dir total $(json_num2 "$T/m.json" total)" "$(json_num2 "$T/m.json" total) == $total"
    check "$dir active $(json_num2 "$T/m.json" active)" "$(json_num2 "$T/m.json" active) == $active"
    # round trip: the JSON `show model` wrote loads to the same counts and runs the same
    expect_ok "$dir round trip" $NPUSIM show model "$T/m.json"
    check "$dir round-trip total" "$(json_num2 "$T/out" total) == $total"
    check "$dir round-trip active" "$(json_num2 "$T/out" active) == $active"
    a=$($NPUSIM run --model "$D/$dir" --hw b200 --phase e2e --batch 2 --input 1500 --output 64 --dtype fp8 --json 2>&1 |
        grep 'latency_ms\|does not fit')
    b=$($NPUSIM run --model "$T/m.json" --hw b200 --phase e2e --batch 2 --input 1500 --output 64 --dtype fp8 --json 2>&1 |
        grep 'latency_ms\|does not fit')
    if [ -n "$a" ] && [ "$a" = "$b" ]; then ok; else bad "$dir run from its JSON: '$a' vs '$b'"; fi
done <<EOF
gemma-2b 2506172416 2506172416
gemma-7b 8537680896 8537680896
gemma-2-2b-it 2614341888 2614341888
gemma-2-9b 9241705984 9241705984
gemma-2-27b 27227128320 27227128320
gemma-3-1b-it 999885952 999885952
gemma-3-4b-it 3880263168 3880263168
gemma-3-12b-it 11766034176 11766034176
gemma-3-27b-it 27009346304 27009346304
phi-3-mini-4k-instruct 3821079552 3821079552
phi-3-small-8k-instruct 7392272384 7392272384
phi-3-medium-4k-instruct 13960238080 13960238080
phi-3.5-moe-instruct 41873153344 6640999744
qwen1.5-moe-a2.7b-chat 14315784192 2689173504
qwen2-57b-a14b 57408658944 14249270784
qwen3-0.6b 596049920 596049920
qwen3-8b 8190735360 8190735360
qwen3-30b-a3b 30532122624 3353032704
qwen3-235b-a22b 235093634560 22190763520
deepseek-v2-lite 15706484224 2661150208
deepseek-v2 235741434880 21375800320
mixtral-8x7b-v0.1 46702792704 12879925248
mixtral-8x22b-v0.1 140620634112 39152031744
falcon-7b 6921720704 6921720704
falcon-7b-refinedweb 6921720704 6921720704
falcon-40b 41303293952 41303293952
falcon-40b-refinedweb 41303293952 41303293952
falcon-180b 178557088768 178557088768
pythia-70m 70426624 70426624
pythia-6.9b 6857302016 6857302016
gpt-neox-20b 20554567680 20554567680
c4ai-command-r-v01 34980831232 34980831232
c4ai-command-r-plus 103810674688 103810674688
olmo-7b-hf 6888095744 6888095744
olmo-2-1124-7b 7298617344 7298617344
EOF

# --- a directory as --model, with or without the trailing slash, or from inside the parent ---
expect_ok "directory with slash" $NPUSIM run --model "$D/gemma-2-9b/" --hw h100-sxm --phase decode --batch 1 --ctx 10
expect_ok "bare directory name" sh -c "cd $D && ../../../$NPUSIM show model gemma-7b"
mkdir "$T/empty"
expect_err "directory without config.json" "empty: is a directory with no config.json" $NPUSIM show model "$T/empty"

# --- unsupported architectures name the supported ones ---
expect_err "unsupported architecture" "supported: LlamaForCausalLM, .*Gemma2ForCausalLM.*Olmo2ForCausalLM" \
    $NPUSIM show model $D/bad-arch.json
printf '{"model_type":"rwkv","hidden_size":64}' >"$T/rwkv.json"
expect_err "unsupported model_type" "supported: llama, .*gemma3_text.*gpt_neox" $NPUSIM show model "$T/rwkv.json"

# --- the table of models shows total and active counts ---
expect_ok "list models" $NPUSIM list models
expect_grep "list models: active column" "params *active" "$T/out"
expect_grep "list models: mixtral active" "^mixtral-8x7b .* 46.70B *12.88B" "$T/out"

# --- sliding windows are costed: Gemma 2 9B decode ---
R="--hw h100-sxm --phase decode --batch 4 --engine ideal" # kernels only: the model's windows (TensorRT-LLM, the default engine, ignores them)
expect_ok "gemma-2-9b decode past the window" $NPUSIM run --model $D/gemma-2-9b $R --ctx 8000 --csv
expect_grep "local layers: 21 attention kernels" "^first,attention_local,attention,21," "$T/out"
expect_grep "global layers: 21 attention kernels" "^first,attention,attention,21," "$T/out"
expect_grep "soft-capping pass" "^first,attn_softcap,elementwise,21," "$T/out"
expect_grep "final soft-capping" "^first,logit_softcap," "$T/out"
# the same model with every layer global: slower past the window, the same below it
$NPUSIM show model $D/gemma-2-9b | sed 's/"sliding_window":[[:space:]]*4096/"sliding_window": 0/; s/"global_every":[[:space:]]*2/"global_every": 0/' >"$T/full.json"
lat() { $NPUSIM run --model "$1" $R --ctx "$2" --json | sed -n 's/^\t"latency_ms":[[:space:]]*\([0-9.e+-]*\),*$/\1/p'; }
a=$(lat $D/gemma-2-9b 8000); b=$(lat "$T/full.json" 8000)
check "window past 4096 tokens: faster ($a < $b ms)" "$a < $b"
a=$(lat $D/gemma-2-9b 3000); b=$(lat "$T/full.json" 3000)
check "within the window: the same ($a = $b ms)" "$a == $b"
# KV memory: 4 x (21 x 8001 + 21 x 4096) layer-tokens x 8 KV heads x 256 x 2 x 2 bytes = 8,324,284,416 B
expect_ok "gemma-2-9b memory plan" $NPUSIM run --model $D/gemma-2-9b $R --ctx 8000 --json
kv=$(json_num2 "$T/out" kv_cache_gib)
check "KV cache of local and global layers ($kv GiB)" "$kv * 1073741824 > 8324284416 - 1 && $kv * 1073741824 < 8324284416 + 1"

# --- Gemma 3 27B at 128K: 10 global layers hold the context, 52 local ones 1024 tokens ---
expect_ok "gemma-3-27b 128K decode" $NPUSIM run --model $D/gemma-3-27b-it --hw h200-sxm --phase decode --batch 1 \
    --ctx 131071 --engine ideal --json
kv=$(json_num2 "$T/out" kv_cache_gib)
check "KV 8192 x (10 x 131072 + 52 x 1024) B ($kv GiB)" \
    "$kv * 1073741824 > 11173625856 - 1 && $kv * 1073741824 < 11173625856 + 1"
# an engine that ignores the window (TensorRT-LLM, the default) keeps the whole context in every layer
expect_ok "gemma-3-27b 128K decode, trtllm" $NPUSIM run --model $D/gemma-3-27b-it --hw h200-sxm --phase decode \
    --batch 1 --ctx 131071 --engine trtllm --json
kv2=$(json_num2 "$T/out" kv_cache_gib)
check "KV 8192 x 62 x 131072 B under trtllm ($kv2 GiB)" \
    "$kv2 * 1073741824 > 66571993088 - 1 && $kv2 * 1073741824 < 66571993088 + 1"

# --- serving a local/global model ---
expect_ok "serve gemma-2-9b" $NPUSIM serve --model $D/gemma-2-9b --hw h100-sxm --rate 2 --requests 60 \
    --input 6000 --output 64 --seed 1 --json
v=$(json_num "$T/out" throughput_tok_s)
check "serve throughput positive ($v)" "$v > 0"

finish "golden (hf architectures)"
