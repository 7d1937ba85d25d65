#!/bin/sh
# Fuzzing campaign: each libFuzzer harness in turn for FUZZ_SECONDS (default 60)
# under ASan + UBSan, seeded from the presets, the test data, the shipped
# measurements and tests/fuzz/seeds + tests/fuzz/regress. libFuzzer runs in
# fork mode and goes on after a finding (crash, sanitizer report, hang over
# -timeout, FUZZ FINDING = NaN/Inf/negative figure); each finding's input lands
# in build/fuzz/findings/ and is replayed once to name it. Findings that match
# a line of tests/fuzz/open.txt (known, routed to a module's owner) are listed
# as open; any other finding fails the run.
# Usage: sh tests/fuzz/run.sh [harness...]   (docs/reliability.md)
B=${FUZZ_BUILD:-build/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
NICE=${FUZZ_NICE:-10}
set -- ${*:-hw model validate trace cli}
mkdir -p "$B/findings" "$B/logs"
# dictionaries: every key the presets and test configs use, and the formats' words
keys() { grep -oh '"[A-Za-z_0-9.]*" *:' "$@" 2>/dev/null | sed 's/ *:$//' | sort -u | sed 's/^"\(.*\)"$/"\\"\1\\":"/'; }
words() { for w in "$@"; do printf '"%s"\n' "$w"; done; }
nums() { words 0 -1 1e300 -1e300 1e-300 2147483648 9223372036854775808 3.7 null; }
{ keys presets/hw/*.json presets/memory.json; nums; } >"$B/hw.dict"
{ keys presets/model/*.json tests/data/hf/*.json; nums; } >"$B/model.dict"
words hw,dtype,m,n,k,ms,shape_name hw,phase,batch,heads,kv_heads,head_dim,seq,ctx,causal,ms hw,kind,bytes_moved,ms \
    hw,stack,model,layers,hidden,ffn,heads,kv_heads,vocab,phase,batch,seq,ctx,ms hw,workload,watts,ms prefill decode \
    h100-sxm eager fused copy read_sum gemm_bf16_ copy_ GiB idle bf16 fp8 1e300 >"$B/validate.dict"
words arrival_s input_tokens output_tokens timestamp prompt_tokens completion_tokens uniform: normal: lognormal: \
    1e300 nan inf 9223372036854775807 >"$B/trace.dict"
words --model --hw --phase --batch --seq --ctx --input --output --tp --pp --ep --dp --cp --dtype --kv-dtype --json \
    --csv --chips --m --n --k --bytes --heads --kv-heads --head-dim --stack --engine --moe-skew --tco --volume --d0 \
    --process --package --nre-usd --max-ttft --max-tpot prefill decode e2e offline gemm attention copy allreduce \
    alltoall llama3-8b deepseek-v3 mixtral-8x7b h100-sxm tpu-v5e rngd 9223372036854775807 1e308 -1 0 >"$B/cli.dict"
# name a finding: its FUZZ FINDING line (figures cut), or the sanitizer's kind and
# the first frame in the project's code
name_finding() { # harness, input
    FUZZ_SHOW_ARGV=1 timeout 90 "$B/fuzz_$1" -timeout=$tmo -rss_limit_mb=2560 "$2" >"$B/logs/replay.txt" 2>&1
    f=$(grep -m1 "FUZZ FINDING" "$B/logs/replay.txt" | sed 's/ = .*//; s/: exit status .*/: exit status/; s/printed figure: *\([a-z_ ]*[a-z]\).*/printed figure: \1/')
    [ -n "$f" ] && { echo "$f"; return; }
    k=$(grep -m1 -oE "runtime error: [a-z -]*|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z -]*" "$B/logs/replay.txt")
    w=$(grep -m1 -oE " in [A-Za-z_0-9]+ [^ ]*(src|cli)/[a-z_]+\.c:[0-9]+" "$B/logs/replay.txt" | sed 's|.*/\(src\|cli\)/|\1/|')
    fn=$(grep -m1 -oE " in [A-Za-z_0-9]+ [^ ]*(src|cli)/[a-z_]+\.c" "$B/logs/replay.txt" | awk '{print $2}')
    # the CLI's command and flags (values dropped) tell slow runs apart
    a=$(sed -n 's/^FUZZ ARGV: *//p' "$B/logs/replay.txt" | head -1 | awk '{ s = $1; for (i = 2; i <= NF; i++) if ($i ~ /^--/) s = s " " $i; print s }')
    ms=$(sed -n 's/^Executed .* in \([0-9]*\) ms$/\1/p' "$B/logs/replay.txt")
    if [ -z "$k" ] && [ "${ms:-0}" -ge $((tmo * 1000)) ]; then k="slow: ${ms} ms"; fi
    echo "${k:-$(tail -1 "$B/logs/replay.txt")} in ${fn:-?} ${w:-}${a:+ (npusim $a)}"
}
fail=0
for h in "$@"; do
    case $h in
        hw) seeds="presets/hw" ;;
        model) seeds="presets/model tests/data/hf" ;;
        validate) seeds="data/validation/h100-sxm" ;;
        *) seeds="" ;;
    esac
    for d in tests/fuzz/seeds/$h tests/fuzz/regress/$h; do [ -d "$d" ] && seeds="$seeds $d"; done
    # the CLI prints its error lines on stderr; a command (a plan search) does real
    # work, up to seconds under the sanitizers: a hang there is 30 s, a reader's 10 s
    mask=1 tmo=10; [ "$h" = cli ] && mask=3 tmo=30
    mkdir -p "$B/corpus/$h" "$B/findings/$h"
    rm -f "$B/findings/$h"/*
    log="$B/logs/$h.log"
    start=$(date +%s)
    nice -n "$NICE" "$B/fuzz_$h" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$SECONDS_EACH" -timeout=$tmo -rss_limit_mb=2560 -max_len=8192 -close_fd_mask=$mask \
        -dict="$B/$h.dict" -artifact_prefix="$B/findings/$h/" "$B/corpus/$h" $seeds >"$log" 2>&1
    secs=$(($(date +%s) - start))
    execs=$(grep -oE "^#[0-9]+" "$log" | tail -1 | tr -d '#')
    corp=$(ls "$B/corpus/$h" | wc -l)
    found=$(ls "$B/findings/$h" | wc -l)
    echo "fuzz $h: ${execs:-0} execs in $secs s, corpus $corp inputs, $found finding inputs"
    # name up to 12 finding inputs (the smallest first), once per name
    names="$B/logs/$h.findings"
    : >"$names"
    for f in $(ls -S -r "$B/findings/$h" | head -12); do
        n=$(name_finding "$h" "$B/findings/$h/$f")
        grep -qxF "$n" "$names" 2>/dev/null || { echo "$n" >>"$names"; cp "$B/findings/$h/$f" "$B/findings/$h-$(echo "$n" | md5sum | cut -c1-8)"; }
    done
    while IFS= read -r n; do
        open=$(grep -v '^#' tests/fuzz/open.txt | awk -F'\t' -v h="$h" '$1 == h { print $2 "\t" $3 }' |
            while IFS="$(printf '\t')" read -r pat who; do case $n in *"$pat"*) echo "$who"; break ;; esac; done)
        if [ -n "$open" ]; then
            echo "  open ($open): $n"
        else
            echo "  NEW: $n   (input: $B/findings/$h-$(echo "$n" | md5sum | cut -c1-8))"
            fail=1
        fi
    done <"$names"
done
exit $fail
