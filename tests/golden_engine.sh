#!/bin/sh
# End-to-end checks of the engine profiles (issue 12): list and show engines,
# --engine NAME|FILE on run (every phase), serve and plan, the default engine
# stated in help and in every output, one-line errors naming file and field.
. "$(dirname "$0")/lib_golden.sh"
RUN="$NPUSIM run --model llama3-8b --hw h100-sxm"

# --- list engines: every release with its mechanisms, the aliases, the default ---
expect_ok "list engines" $NPUSIM list engines
for e in ideal trtllm-0.5 trtllm-0.8 trtllm-0.10 trtllm-0.13 trtllm-0.17 trtllm-0.20 trtllm-1.0 vllm-0.2 vllm-0.4 \
         vllm-0.6 vllm-0.8 vllm-0.10 vllm-rocm-0.4 vllm-gaudi-1.18 sglang-0.3 sglang-0.4 lmdeploy-0.6 \
         llamacpp-metal-2024 llamacpp-cpu-2024 optimum-habana-1.18 mlperf-3.1 mlperf-4.0 mlperf-4.1 mlperf-5.0 \
         nim-1.0 nim-2.0; do
    expect_grep "list engines: $e" "^$e " "$T/out"
done
for a in trtllm=trtllm-1.0 vllm=vllm-0.10 sglang=sglang-0.4 lmdeploy=lmdeploy-0.6 llamacpp=llamacpp-metal-2024 \
         mlperf=mlperf-5.0 nim=nim-2.0 optimum-habana=optimum-habana-1.18; do
    expect_grep "list engines: alias $a" " $a" "$T/out"
done
# the default the commands use is auto (--engine auto), not one profile
expect_grep "list engines: default" "^default: auto, the chip's usual engine (trtllm on NVIDIA" "$T/out"
expect_grep "list engines: vLLM 0.2 re-reads K/V per query head" "^vllm-0.2 .*per_query_head" "$T/out"

# --- show engine: resolved through the base chain, every field with its source ---
expect_ok "show engine trtllm-0.13" $NPUSIM show engine trtllm-0.13
expect_grep "show engine: its name" '"name":	"trtllm-0.13"' "$T/out"
expect_grep "show engine: inherited block size from 0.10" '"from":	"trtllm-0.10"' "$T/out"
expect_grep "show engine: a fitted value with its rows" '"rows":' "$T/out"
n_val=$(grep -c '"from":' "$T/out"); n_src=$(grep -c '"source":' "$T/out"); n_tag=$(grep -c '"tag":' "$T/out")
check "show engine: every field has a source and a tag ($n_val fields, $n_src sources, $n_tag tags)" \
    "$n_val > 30 && $n_src == $n_val && $n_tag == $n_val"
cp "$T/out" "$T/t013.json"
expect_ok "show engine trtllm (an alias)" $NPUSIM show engine trtllm
expect_grep "show engine trtllm: the newest release" '"name":	"trtllm-1.0"' "$T/out"
expect_err "show engine: unknown name" "did you mean 'vllm'" $NPUSIM show engine vlm

# --- --engine FILE: show's output is a valid profile; a user's file on top of a preset ---
sed 's/"name":	"trtllm-0.13"/"name":	"mine"/' "$T/t013.json" >"$T/mine.json"
expect_ok "--engine with show's output" $RUN --phase decode --batch 8 --ctx 1000 --engine "$T/mine.json" --json
expect_grep "--engine FILE: its name in the output" '"engine":	"mine"' "$T/out"
$RUN --phase decode --batch 8 --ctx 1000 --engine trtllm-0.13 --json >"$T/ref.json"
check "show's output runs like the preset" \
    "$(json_num "$T/out" latency_ms) == $(json_num "$T/ref.json" latency_ms)"
printf '{"name": "host-1ms", "base": "trtllm-0.13", "host": {"step_us": 1000}}\n' >"$T/h1.json"
printf '{"name": "host-21ms", "base": "trtllm-0.13", "host": {"step_us": 21000}}\n' >"$T/h21.json"
expect_ok "--engine user file" $RUN --phase decode --batch 8 --ctx 1000 --engine "$T/h1.json" --json
cp "$T/out" "$T/h1.out"
expect_ok "--engine user file" $RUN --phase decode --batch 8 --ctx 1000 --engine "$T/h21.json" --json
check "20 ms more host time per step: a decode step 20 ms longer (no overlap in 0.13)" \
    "($(json_num "$T/out" latency_ms) - $(json_num "$T/h1.out" latency_ms) - 20)^2 < 1e-6"

# --- the engine acts in every phase, and every output names it ---
for ph in "prefill --seq 512" "decode --ctx 512" "e2e --input 512 --output 64" "offline --input 512 --output 64"; do
    p=${ph%% *}
    expect_ok "run $p default engine" $RUN --phase $ph --batch 8 --json
    expect_grep "run $p JSON names the default engine" '"engine":	"trtllm-1.0"' "$T/out"
    cp "$T/out" "$T/def.json"
    expect_ok "run $p ideal" $RUN --phase $ph --batch 8 --engine ideal --json
    expect_grep "run $p JSON names ideal" '"engine":	"ideal"' "$T/out"
    check "run $p: the engine's step is slower than kernels alone" \
        "$(json_num "$T/def.json" latency_ms) > $(json_num "$T/out" latency_ms)"
    expect_ok "run $p table" $RUN --phase $ph --batch 8
    expect_grep "run $p table header names the engine" "engine trtllm-1.0" "$T/out"
done
expect_ok "serve table" $NPUSIM serve --model llama3-8b --hw h100-sxm --input 256 --output 32 --rate 2 --requests 20
expect_grep "serve table header names the engine" "engine trtllm-1.0" "$T/out"
expect_ok "serve JSON" $NPUSIM serve --model llama3-8b --hw h100-sxm --input 256 --output 32 --rate 2 --requests 20 \
    --engine vllm-0.6 --json
expect_grep "serve JSON names the engine" '"engine":	"vllm-0.6"' "$T/out"
expect_ok "plan table" $NPUSIM plan --model llama3-8b --hw h100-sxm --chips 2
expect_grep "plan table names the engine" "engine trtllm-1.0" "$T/out"
expect_ok "plan JSON" $NPUSIM plan --model llama3-8b --hw h100-sxm --chips 2 --engine sglang --json
expect_grep "plan JSON names the engine" '"engine":	"sglang-0.4"' "$T/out"
for c in run serve plan; do
    expect_ok "$c --help" $NPUSIM $c --help
    expect_grep "$c help states the default engine" "default auto" "$T/out"
done

# --- one request through serve = run --phase e2e --batch 1, per engine (here two engines) ---
for e in trtllm-0.13 sglang-0.4; do
    $RUN --phase e2e --batch 1 --input 700 --output 50 --engine $e --json >"$T/run.json"
    $NPUSIM serve --model llama3-8b --hw h100-sxm --input 700 --output 50 --arrival offline --requests 1 \
        --engine $e --json >"$T/serve.json"
    check "$e: serve TTFT = run TTFT" \
        "($(json_num2 "$T/serve.json" mean) / $(json_num "$T/run.json" ttft_ms) - 1)^2 < 1e-12"
done

# --- errors: one line, naming the file and the field ---
printf '{"name": "x", "base": "trtllm", "host": {"step_uss": 1}}\n' >"$T/bad1.json"
expect_err "unknown field" "bad1.json: host: unknown field 'step_uss' (did you mean 'step_us'?)" \
    $RUN --phase decode --batch 1 --ctx 10 --engine "$T/bad1.json"
printf '{"name": "x", "base": "trtllm", "host": {"seq_us": -3}}\n' >"$T/bad2.json"
expect_err "out of range" "bad2.json: host.seq_us: -3 is outside" $RUN --phase decode --batch 1 --ctx 10 --engine "$T/bad2.json"
printf '{"name": "x", "base": "trtllm", "launch": {"graphs": "cuda"}}\n' >"$T/bad3.json"
expect_err "bad enum" "launch.graphs: unknown value 'cuda'" $RUN --phase decode --batch 1 --ctx 10 --engine "$T/bad3.json"
expect_err "unknown engine" "option '--engine': unknown engine 'trtlm' (did you mean 'trtllm'?)" \
    $RUN --phase decode --batch 1 --ctx 10 --engine trtlm
expect_err "missing file" "nope.json" $RUN --phase decode --batch 1 --ctx 10 --engine "$T/nope.json"
expect_err "serve: bad engine" "unknown engine 'vlm'" $NPUSIM serve --model llama3-8b --hw h100-sxm --input 256 \
    --output 32 --rate 2 --engine vlm
expect_err "plan: bad engine" "unknown engine 'vlm'" $NPUSIM plan --model llama3-8b --hw h100-sxm --chips 2 --engine vlm

# --- the default engine is the chip's usual one ("auto"), named in the output ---
for pair in h100-sxm:trtllm-1.0 mi300x:vllm-rocm-0.4 gaudi2:optimum-habana-1.18 apple-m2-ultra-gpu76:llamacpp-metal-2024 \
            xeon-6980p:llamacpp-cpu-2024 tpu-v6e:vllm-0.10 rngd:vllm-0.10; do
    hw=${pair%%:*} want=${pair#*:}
    expect_ok "auto engine on $hw" $NPUSIM run --model llama3.2-1b --hw $hw --phase decode --batch 1 --ctx 512 --json
    expect_grep "auto engine on $hw is $want" "\"engine\":[[:space:]]*\"$want\"" "$T/out"
done
# serve takes the engine's scheduler: vLLM 0.6 (V0) is prefill-first, TensorRT-LLM 1.0 decode-first chunked
expect_ok "serve under vllm-0.6" $NPUSIM serve --model llama3.2-1b --hw h100-sxm --engine vllm-0.6 --rate 2 --input 100 --output 10 --requests 20
expect_grep "vllm-0.6 schedules prefill-first (continuous)" "continuous scheduler" "$T/out"
expect_ok "serve under the engine, scheduler given" $NPUSIM serve --model llama3.2-1b --hw h100-sxm --engine vllm-0.6 --scheduler chunked --rate 2 --input 100 --output 10 --requests 20
expect_grep "an explicit --scheduler wins" "chunked scheduler" "$T/out"

# --- --max-seq: an engine built for more tokens than the model's window (trtllm-bench: max_seq_len = ISL + OSL) ---
GJ="$NPUSIM run --model gpt-j-6b --hw h100-sxm --phase offline --dtype fp8 --kv-dtype fp8 --engine trtllm-0.13"
expect_err "beyond gpt-j's 2048-token window" "context window of 2048" $GJ --input 2048 --output 2048
expect_ok "the same with --max-seq 4096" $GJ --input 2048 --output 2048 --max-seq 4096 --json
long=$(json_num "$T/out" tokens_per_s)
expect_ok "within the window" $GJ --input 1024 --output 1024 --json
short=$(json_num "$T/out" tokens_per_s)
check "longer sequences are slower past the window ($long vs $short tok/s)" "$long < $short"
expect_err "--max-seq below the request" "context window of 1000" $GJ --input 1024 --output 1024 --max-seq 1000
expect_err "learned positions cannot be extended" "learned position embeddings for 1024" $NPUSIM run \
    --model tests/data/hf/gpt2.json --hw h100-sxm --phase e2e --batch 1 --input 100 --output 10 --max-seq 5000
expect_err "--max-seq 0" "max-seq" $GJ --input 10 --output 10 --max-seq 0
expect_err "serve has no --max-seq" "max-seq" $NPUSIM serve --model llama3.2-1b --hw h100-sxm --rate 1 --input 10 \
    --output 10 --max-seq 100

finish "golden (engines)"
