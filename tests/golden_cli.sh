#!/bin/sh
# The command line itself (issue 10): help for every command and option, the
# version, repeated flags, bounds that reject what cannot be represented, sizes
# that parse the same everywhere, and the rough edges of plan/serve/cost/list
# output. The expected option lists below are written by hand from the docs, not
# read from the option table, so a flag that disappears or appears shows here.
. "$(dirname "$0")/lib_golden.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# --- every command's help lists exactly the options it accepts ---
TCO="tco chip-price pue usd-per-kwh lifetime-years server-overhead"
DT="dtype act-dtype kv-dtype lm-head-dtype emb-dtype"
opts_of() { # command -> expected options (without dashes)
    case "$1" in
    run) echo "model hw phase batch seq ctx input output max-seq stack $DT tp pp ep dp cp moe-skew engine spec spec-accept json csv html $TCO set" ;;
    plan) echo "model hw chips input output max-ttft max-tpot $DT stack engine max-batch moe-skew top json set" ;;
    serve) echo "model hw tp pp ep $DT stack moe-skew engine replicas router scheduler max-seqs max-batched-tokens
                 chunk block-size kv-mem-frac prefix-share step-overhead-us prefill-hw prefill-tp prefill-replicas
                 decode-replicas rate arrival burstiness concurrency trace input input-dist output output-dist
                 requests seed slo-ttft slo-tpot find-max-rate target-rate requests-out json html $TCO
                 multi-step sched-ahead delivery-lag kv-admit frontend-us frontend-us-per-token client-think-ms warmup percentiles
                 spec spec-accept set" ;;
    cost) echo "hw process volume yield-model alpha d0 wafer-usd package nre-usd estimate-area json set" ;;
    sweep) echo "out jobs resume top commit-every count paths quiet html" ;;
    "op gemm") echo "hw m n k dtype act-dtype json" ;;
    "op attention") echo "hw phase batch heads kv-heads head-dim seq ctx kv-dtype json" ;;
    "op copy") echo "hw bytes json" ;;
    "op allreduce"|"op allgather"|"op reducescatter"|"op alltoall") echo "hw chips bytes json" ;;
    validate) echo "hw verbose json max-mape" ;;
    calibrate) echo "hw data output-file evals json" ;;
    report) echo "output-file" ;;
    quant) echo "model hw formats batch ctx seq stack act-dtype kv-dtype lm-head-dtype emb-dtype tp pp ep cp moe-skew json" ;;
    list|show) echo "" ;;
    esac
}
CMDS="run|plan|serve|cost|op gemm|op attention|op copy|op allreduce|op allgather|op reducescatter|op alltoall|list|show|validate|calibrate|report|quant|sweep"
IFS_SAVE=$IFS
IFS='|'
for c in $CMDS; do
    IFS=$IFS_SAVE
    want=$(for o in $(opts_of "$c") help; do echo "--$o"; done | sort)
    expect_ok "$c --help" $NPUSIM $c --help
    cp "$T/out" "$T/help"
    # option names are the dash-words in the first column of lines starting with "  -"
    got=$(grep '^  -' "$T/help" | cut -c1-29 | grep -o -- '--[a-z0-9-]*' | sort)
    if [ "$got" = "$want" ]; then ok; else bad "$c --help lists: $(echo $got) / expected: $(echo $want)"; fi
    expect_ok "help $c" $NPUSIM help $c
    if cmp -s "$T/out" "$T/help"; then ok; else bad "'help $c' differs from '$c --help'"; fi
    expect_grep "$c --help usage line" "^usage: npusim $c" "$T/help"
    # every listed option is accepted by the parser (the run may fail later, never as an unknown option)
    for o in $(opts_of "$c"); do
        $NPUSIM $c --$o 1 >/dev/null 2>"$T/err"
        if grep -q "unknown option\|has no option" "$T/err"; then bad "$c rejects its option --$o: $(cat "$T/err")"; else ok; fi
    done
    IFS='|'
done
IFS=$IFS_SAVE
# types, bounds and defaults are stated
expect_ok "run --help" $NPUSIM run --help
expect_grep "run help: batch bounds" "1\.\.1000000" "$T/out"
expect_grep "run help: dtype default" "default bf16" "$T/out"
expect_grep "run help: default engine" "default auto" "$T/out"
expect_grep "run help: what auto picks" "trtllm on NVIDIA" "$T/out"
expect_grep "run help: phases" "prefill|decode|e2e|offline" "$T/out"
expect_grep "run help: required" "required" "$T/out"
expect_ok "serve --help" $NPUSIM serve --help
expect_grep "serve help: the scheduler defaults to the engine's" "batch scheduler of each replica; default: the engine profile's" "$T/out"
expect_grep "serve help: kv-mem-frac interval" "(0, 1\]" "$T/out"
expect_ok "op attention --help" $NPUSIM op attention --help
expect_grep "attention help: its phases only" "prefill|decode;" "$T/out"
if grep -q "offline" "$T/out"; then bad "op attention help offers --phase offline"; else ok; fi
expect_ok "op allreduce --help" $NPUSIM op allreduce --help
expect_grep "collective help: sizes" "K M G T P" "$T/out"

# --- the list of commands ---
for h in --help help -h; do
    expect_ok "npusim $h" $NPUSIM $h
    for c in run plan serve cost "op gemm" "op attention" "op copy" "op allreduce" "op allgather" \
             "op reducescatter" "op alltoall" list show validate calibrate sweep; do
        expect_grep "npusim $h lists $c" "^  $c " "$T/out"
    done
done
expect_ok "--help wins over a bad option" $NPUSIM run --bacth 1 --help
expect_grep "--help after a bad option prints help" "^usage: npusim run" "$T/out"
expect_ok "op --help" $NPUSIM op --help
expect_grep "op --help lists gemm" "gemm" "$T/out"
expect_ok "help op" $NPUSIM help op
expect_grep "help op lists alltoall" "alltoall" "$T/out"
expect_err "help of an unknown command" "unknown command" $NPUSIM help rnu
$NPUSIM >/dev/null 2>&1; check "no command: exit 2" "$? == 2"

# --- version: from VERSION, git describe appended when known ---
expect_ok "--version" $NPUSIM --version
v=$(cat "$ROOT/VERSION")
if head -1 "$T/out" | grep -q "^npusim $v\( (git [^)]*)\)\?$"; then ok; else bad "--version: $(cat "$T/out") (VERSION $v)"; fi
check "--version is one line" "$(wc -l <"$T/out") == 1"

# --- a repeated flag is an error naming it ---
expect_err "repeated --batch" "'--batch' is given twice" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 10 --batch 2
expect_err "repeated --json" "'--json' is given twice" $NPUSIM cost --hw h100-sxm --json --json
expect_err "repeated --hw" "'--hw' is given twice" $NPUSIM op copy --hw h100-sxm --hw b200 --bytes 1M
expect_err "repeated via alias" "'--input' is given twice" $NPUSIM serve --model llama3-8b --hw h100-sxm --rate 1 --input 10 --input-dist 20 --output 5
expect_err "repeated --input=" "'--input' is given twice" $NPUSIM plan --model llama3-8b --hw h100-sxm --chips 8 --input=10 --input=20

# --- bounds: what the library cannot represent is rejected, naming the flag and the bound ---
R="$NPUSIM run --model llama3-8b --hw h100-sxm"
expect_err "int64-max --output" "'--output'.*0\.\.10000000" $R --phase e2e --batch 1 --input 10 --output 9223372036854775807
expect_err "past int64 --output" "'--output'.*out of range" $R --phase e2e --batch 1 --input 10 --output 99999999999999999999
expect_err "--batch beyond int" "'--batch'.*1\.\.1000000" $R --phase decode --batch 4294967297 --ctx 10
expect_err "--seq over the bound" "'--seq'.*10000000" $R --phase prefill --batch 1 --seq 10000001
expect_err "--ctx over 2^31" "'--ctx'" $R --phase decode --batch 1 --ctx 2147483648
expect_err "--tp 0" "'--tp'.*1\.\.4096" $R --phase decode --batch 1 --ctx 10 --tp 0
expect_err "--moe-skew 1e999" "'--moe-skew'.*out of range" $R --phase decode --batch 1 --ctx 10 --moe-skew 1e999
expect_err "--moe-skew nan" "'--moe-skew'.*not a number" $R --phase decode --batch 1 --ctx 10 --moe-skew nan
expect_err "--pue inf" "'--pue'.*not a number" $R --phase decode --batch 1 --ctx 10 --pue inf
expect_err "--head-dim huge" "'--head-dim'.*1\.\.1024" $NPUSIM op attention --hw h100-sxm --phase decode --batch 1 --heads 8 --head-dim 4294967296 --ctx 10
expect_err "--m over 2^30" "'--m'" $NPUSIM op gemm --hw h100-sxm --m 2000000000 --n 1 --k 1
expect_err "--chips over 2^20" "'--chips'.*1048576" $NPUSIM op allreduce --hw h100-sxm --chips 2000000 --bytes 1M
expect_err "--bytes over 1P" "'--bytes'.*2^50" $NPUSIM op copy --hw h100-sxm --bytes 2P
expect_err "--bytes hex" "'--bytes'.*not a size" $NPUSIM op copy --hw h100-sxm --bytes 0x10
expect_err "--bytes fraction of a byte" "'--bytes'.*whole" $NPUSIM op copy --hw h100-sxm --bytes 1.5
S="$NPUSIM serve --model llama3-8b --hw h100-sxm"
expect_err "--rate 1e999" "'--rate'.*out of range" $S --rate 1e999 --input 1 --output 1
expect_err "--rate nan" "'--rate'.*not a number" $S --rate nan --input 1 --output 1
expect_err "--kv-mem-frac 0" "'--kv-mem-frac'.*(0, 1\]" $S --kv-mem-frac 0 --rate 1 --input 1 --output 1
expect_err "--prefix-share 1" "'--prefix-share'.*\[0, 1)" $S --prefix-share 1 --rate 1 --input 1 --output 1
expect_err "--input over the bound" "'--input'.*10000000" $S --rate 1 --input 10000001 --output 1
expect_err "--requests huge" "'--requests'" $S --rate 1 --input 1 --output 1 --requests 9223372036854775807
expect_err "--d0 absurd" "'--d0'.*out of range" $NPUSIM cost --hw h100-sxm --d0 1e300
expect_err "--volume 0" "'--volume'" $NPUSIM cost --hw h100-sxm --volume 0
# the same flag has the same bounds in every command
for spec in "run --model llama3-8b --hw h100-sxm --phase e2e --batch 1 --output 1" "plan --model llama3-8b --hw h100-sxm --chips 8" \
            "serve --model llama3-8b --hw h100-sxm --rate 1 --output 1"; do
    expect_err "--input bound in ${spec%% *}" "'--input': 10000001 is out of range (an integer in 1..10000000)" $NPUSIM $spec --input 10000001
done
for spec in "run --model llama3-8b --hw h100-sxm --phase decode --ctx 1" \
            "op attention --hw h100-sxm --phase decode --heads 8 --ctx 1"; do
    expect_err "--batch bound in ${spec%% *}" "'--batch': 0 is out of range (an integer in 1..1000000)" $NPUSIM $spec --batch 0
done
expect_err "--chips bound in plan" "'--chips': 0 is out of range (an integer in 1..1048576)" $NPUSIM plan --model llama3-8b --hw h100-sxm --chips 0
expect_err "--chips bound in op" "'--chips': 0 is out of range (an integer in 1..1048576)" $NPUSIM op alltoall --hw h100-sxm --chips 0 --bytes 1
# other parse errors: one line each
expect_err "flag with a value" "'--json' takes no value" $NPUSIM cost --hw h100-sxm --json=yes
expect_err "option without its value" "'--model' needs a value" $NPUSIM run --model --hw h100-sxm --phase decode --batch 1 --ctx 1
expect_err "another command's option" "'cost' has no option '--tp'" $NPUSIM cost --hw h100-sxm --tp 2
expect_err "json and csv" "--json and --csv" $R --phase decode --batch 1 --ctx 10 --json --csv
expect_err "stray argument" "unexpected argument" $NPUSIM run extra --model llama3-8b
expect_err "attention phase e2e" "one of prefill|decode" $NPUSIM op attention --hw h100-sxm --phase e2e --batch 1 --heads 8 --ctx 1
$NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 1 --ctx 1 "--$(printf 'x\001\377')" 2>"$T/err" >/dev/null
if LC_ALL=C grep -q "$(printf '[\001\377]')" "$T/err"; then bad "raw bytes echoed in the error"; else ok; fi

# --- sizes parse the same everywhere: 1G is 2^30 bytes for op copy and the collectives ---
expect_ok "op copy 1G" $NPUSIM op copy --hw h100-sxm --bytes 1G --json
c=$(json_num "$T/out" dram_bytes)
expect_ok "op allgather 1G" $NPUSIM op allgather --hw h100-sxm --chips 8 --bytes 1G --json
g=$(json_num "$T/out" bytes)
check "1G = 1073741824 bytes in op copy ($c) and op allgather ($g)" "$c == 1073741824 && $g == 1073741824"
expect_ok "op copy 1g 1073741824" $NPUSIM op copy --hw h100-sxm --bytes 1073741824 --json
check "1G and 1073741824 give the same copy" "$(json_num "$T/out" dram_bytes) == $c"

# --- serve --requests-out -: the CSV alone on stdout, the summary on stderr ---
expect_ok "requests-out -" $S --rate 5 --input 100 --output 10 --requests 7 --requests-out -
check "stdout: header + 7 CSV rows" "$(wc -l <"$T/out") == 8"
check "stdout: every line has 15 fields" "$(awk -F, 'NF != 15' "$T/out" | wc -l) == 0"
expect_grep "summary on stderr" "throughput" "$T/err"
expect_ok "requests-out - json" $S --rate 5 --input 100 --output 10 --requests 7 --requests-out - --json
check "json: stdout is CSV only" "$(grep -c '{' "$T/out") == 0 && $(wc -l <"$T/out") == 8"
expect_grep "json summary on stderr" '"throughput_tok_s"' "$T/err"

# --- serve: the disaggregated header names both pools; singular and plural ---
expect_ok "disagg table" $S --scheduler disagg --prefill-hw h200-sxm --prefill-replicas 1 --decode-replicas 2 \
    --rate 5 --input 256 --output 16 --requests 50
expect_grep "prefill pool in the header" "prefill .*1 replica of h200-sxm.*1 chip$" "$T/out"
expect_grep "decode pool in the header" "decode .*2 replicas of h100-sxm.*2 chips$" "$T/out"
expect_ok "one replica" $S --rate 5 --input 256 --output 16 --requests 20
expect_grep "1 replica (1 chip)" "1 replica (1 chip)" "$T/out"
if grep -q "1 chips\|1 replicas" "$T/out"; then bad "plural after 1: $(head -1 "$T/out")"; else ok; fi

# --- plan: counts that match the rows, the bounds in force ---
P="$NPUSIM plan --model llama3-70b --hw h100-sxm --chips 8 --dtype fp8"
expect_ok "plan table" $P
head=$(grep "plans\? feasible" "$T/out")
nf=$(echo "$head" | awk '{print $1}'); nt=$(echo "$head" | awk '{print $3}')
rows=$(grep -c '^  [0-9]' "$T/out")
shown=$(echo "$head" | sed -n 's/.*showing the top \([0-9]*\).*/\1/p')
[ -n "$shown" ] || shown=$nf
check "plan rows ($rows) = rows the header says it shows ($shown)" "$rows == $shown && $rows <= $nf"
rej=$(awk '/^rejected/{r=1; next} r && /^  /{n++} END{print n+0}' "$T/out")
check "plan: feasible ($nf) + rejected ($rej) = total ($nt)" "$nf + $rej == $nt"
sed -n 2p "$T/out" | grep -q "TTFT" && ok || bad "plan's second line does not state the TTFT bound: $(sed -n 2p "$T/out")"
expect_grep "plan memory in GiB" "GiB/chip" "$T/out"
expect_ok "plan top 20" $P --top 20
check "plan --top 20 shows all $nf" "$(grep -c '^  [0-9]' "$T/out") == $nf"
expect_ok "plan json" $P --json
check "plan json: feasible = plans marked feasible" "$(json_num "$T/out" feasible) == $(grep -c '"feasible":	true' "$T/out")"
expect_ok "plan with a TTFT bound" $P --max-ttft 12000
sed -n 2p "$T/out" | grep -q "TTFT <= 12000 ms" && ok || bad "plan bound: $(sed -n 2p "$T/out")"

# --- cost: --nre-usd 0 is zero, areas with enough digits, memory in GiB ---
expect_ok "cost nre 0" $NPUSIM cost --hw h100-sxm --nre-usd 0 --json
check "nre 0 passed through" "$(json_num "$T/out" nre_usd) == 0 && $(json_num "$T/out" nre_per_unit_usd) == 0"
u0=$(json_num "$T/out" unit_cost_usd)
expect_ok "cost default nre" $NPUSIM cost --hw h100-sxm --json
check "default NRE is the process's (> 0) and adds to the unit cost" "$(json_num "$T/out" nre_usd) > 0 && $(json_num "$T/out" unit_cost_usd) > $u0"
expect_ok "cost table" $NPUSIM cost --hw h100-sxm
expect_grep "die and reticle with a decimal" "costed die *[0-9]*\.[0-9] mm2.*reticle limit [0-9]*\.[0-9] mm2" "$T/out"
expect_grep "memory in GiB" "80 GiB" "$T/out"

# --- list hw: device memory in GiB (80 for an 80 GB H100) ---
expect_ok "list hw" $NPUSIM list hw
expect_grep "list hw header GiB" "mem GiB" "$T/out"
check "h100-sxm memory 80.0 GiB" "$(awk '$1 == "h100-sxm" {print $6}' "$T/out") == 80"

finish "golden (command line)"
