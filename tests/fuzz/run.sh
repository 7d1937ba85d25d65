#!/bin/sh
# Fuzzing campaign: each libFuzzer harness in turn for FUZZ_SECONDS (default 60)
# under ASan + UBSan, seeded from the presets, the test data, the shipped
# measurements and tests/fuzz/seeds + tests/fuzz/regress. A crash, a sanitizer
# report, a hang (-timeout) or a FUZZ FINDING (NaN/Inf/negative figure) stops
# the harness; the reproducer lands in build/fuzz/findings/. Prints one summary
# line per harness (execs, seconds, corpus size) and fails if any harness
# found something. Usage: sh tests/fuzz/run.sh [harness...]   (docs/reliability.md)
B=${FUZZ_BUILD:-build/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
NICE=${FUZZ_NICE:-10}
set -- ${*:-hw model validate trace cli}
mkdir -p "$B/findings" "$B/logs"
# dictionaries: every key the presets and test configs use
keys() { grep -oh '"[A-Za-z_0-9.]*" *:' "$@" 2>/dev/null | sed 's/ *:$//' | sort -u | sed 's/^"\(.*\)"$/"\\"\1\\":"/'; }
keys presets/hw/*.json presets/memory.json >"$B/hw.dict"
keys presets/model/*.json tests/data/hf/*.json >"$B/model.dict"
printf '"hw,dtype,m,n,k,ms,shape_name"\n"hw,phase,batch,heads,kv_heads,head_dim,seq,ctx,causal,ms"\n"hw,kind,bytes_moved,ms"\n"hw,stack,model,layers,hidden,ffn,heads,kv_heads,vocab,phase,batch,seq,ctx,ms"\n"hw,workload,watts,ms"\n"prefill"\n"decode"\n"h100-sxm"\n"eager"\n"fused"\n"copy"\n"read_sum"\n"gemm_bf16_"\n"copy_"\n"GiB"\n"idle"\n' >"$B/validate.dict"
printf '"arrival_s"\n"input_tokens"\n"output_tokens"\n"timestamp"\n"prompt_tokens"\n"completion_tokens"\n"uniform:"\n"normal:"\n"lognormal:"\n"1e300"\n"nan"\n"inf"\n' >"$B/trace.dict"
printf '"--model"\n"--hw"\n"--phase"\n"--batch"\n"--seq"\n"--ctx"\n"--input"\n"--output"\n"--tp"\n"--pp"\n"--ep"\n"--dp"\n"--dtype"\n"--json"\n"--csv"\n"--chips"\n"--m"\n"--n"\n"--k"\n"--bytes"\n"--heads"\n"--kv-heads"\n"--head-dim"\n"prefill"\n"decode"\n"e2e"\n"offline"\n"gemm"\n"attention"\n"allreduce"\n"llama3-8b"\n"deepseek-v3"\n"h100-sxm"\n"tpu-v5e"\n"9223372036854775807"\n"1e308"\n"--d0"\n"--volume"\n"--tco"\n"--max-ttft"\n' >"$B/cli.dict"
fail=0
for h in "$@"; do
    case $h in
        hw) seeds="presets/hw" ;;
        model) seeds="presets/model tests/data/hf" ;;
        validate) seeds="data/validation/h100-sxm" ;;
        *) seeds="" ;;
    esac
    for d in tests/fuzz/seeds/$h tests/fuzz/regress/$h; do [ -d "$d" ] && seeds="$seeds $d"; done
    mkdir -p "$B/corpus/$h"
    log="$B/logs/$h.log"
    nice -n "$NICE" "$B/fuzz_$h" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2560 \
        -max_len=8192 -close_fd_mask=3 -print_final_stats=1 -dict="$B/$h.dict" \
        -artifact_prefix="$B/findings/$h-" "$B/corpus/$h" $seeds >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corp=$(ls "$B/corpus/$h" | wc -l)
    if [ $rc -ne 0 ]; then
        fail=1
        echo "fuzz $h: FINDING after ${execs:-?} execs (log $log, reproducer in $B/findings/):"
        grep -E "FUZZ FINDING|ERROR: |runtime error|SUMMARY" "$log" | head -5
    else
        echo "fuzz $h: ${execs:-?} execs in ${SECONDS_EACH} s, corpus $corp inputs, no findings"
    fi
done
exit $fail
