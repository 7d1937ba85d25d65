#!/bin/sh
# What a new user and a hostile grader found trying npusim after issues 10-14
# (docs/reliability.md, "Audit"): closest names that name the right thing, sweep
# specs whose mistakes are errors of the spec, fields that act when edited, no
# latency printed for what was never measured, show for every kind list names.
. "$(dirname "$0")/lib_golden.sh"
D="--model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 1024"

# --- an unknown --set path names the path meant, not the bare domain "hw" ---
for p in "hw.memory.stakcs hw.memory.stacks" "hw.memroy.stacks hw.memory.stacks" "hw.tdp_w hw.power.tdp_w" \
         "hw.clock_ghz hw.matrix.clock_mhz" "hw.links.bandwith_gbps hw.links.bandwidth_gbps" \
         "hw.sram[1].mbb hw.sram\[1\].mb" "hw.sram.l2.mbb hw.sram.l2.mb" "model.moe.topk model.moe.top_k"; do
    set -- $p
    expect_err "--set $1" "did you mean '$2'?" $NPUSIM run $D --set "$1=8"
done
expect_err "--set hw.sram[1] (a level, no field)" "give one of the level's fields, as in hw.sram\[1\].mb" $NPUSIM run $D --set "hw.sram[1]=4"
expect_err "--set hw.memory. (a section)" "did you mean 'hw.memory.technology'" $NPUSIM run $D --set "hw.memory.=4"
expect_err "--set hw.name" "unknown path 'hw.name'" $NPUSIM run $D --set hw.name=x
if grep -q "workload.name" "$T/err"; then bad "hw.name answered with another domain's path: $(cat "$T/err")"; else ok; fi
# a swapped pair of letters is one slip: the engine file's section, the datatype
expect_err "--dtype q4km" "did you mean 'q4_k_m'" $NPUSIM run $D --dtype q4km
printf '{"name": "x", "base": "vllm", "hots": {"step_us": 1}}\n' >"$T/eng.json"
expect_err "engine file: hots" "did you mean 'host'" $NPUSIM run $D --engine "$T/eng.json"
# commands: every one is a candidate; nothing close lists them all
expect_err "qaunt" "did you mean 'quant'" $NPUSIM qaunt
expect_err "reprot" "did you mean 'report'" $NPUSIM reprot
expect_err "nosuch: the commands" "one of: run, plan, serve, cost, op, list, show, validate, calibrate, report, quant, sweep" $NPUSIM nosuch
expect_err "list foo" "one of: models, hw, memory, process, engines" $NPUSIM list foo
expect_err "op foo" "one of: gemm, attention" $NPUSIM op foo
expect_ok "help help" $NPUSIM help help
expect_grep "help help: the commands" "^usage: npusim COMMAND" "$T/out"

# --- sweep specs: a value of the wrong type or an impossible bound is the spec's error ---
spec() { # axes JSON, extra top-level fields -> $T/s.json
    printf '{"base": {"hw": "h100-sxm", "model": "llama3-8b"}, "axes": {%s}, "workloads": [{"phase": "decode", "batch": 8, "ctx": 1024}]%s}\n' \
        "$1" "${2:-}" >"$T/s.json"
}
spec '"hw.memory.stacks": [4, "x"]'
expect_err "sweep: a string on a numeric axis" 'axes.hw.memory.stacks\[1\]: the string "x" is not a number' $NPUSIM sweep "$T/s.json"
spec '"hw.memory.stacks": ["5"]'
expect_err "sweep: a quoted number" "write it unquoted" $NPUSIM sweep "$T/s.json"
spec '"model.gated_mlp": [true, false, 2]'
expect_err "sweep: 2 on a boolean axis (--set refuses it too)" "gated_mlp\[2\]: '2' is not true or false" $NPUSIM sweep "$T/s.json"
expect_err "--set model.gated_mlp=2" "must be true or false" $NPUSIM run $D --set model.gated_mlp=2
spec '"model.gated_mlp": [0, 1]'
expect_ok "sweep: 0 and 1 on a boolean axis" $NPUSIM sweep "$T/s.json"
check "sweep: 0 and 1: two rows" "$(wc -l <"$T/out") == 3"
spec '"hw.memory.stacks": [4]' ', "constraints": {"die_mm2": {"min": 900, "max": 800}}'
expect_err "sweep: min above max" '"min" (900) is above "max" (800)' $NPUSIM sweep "$T/s.json"
spec '"hw.memory.stacks": [4]' ', "objectives": {"tokens_per_s": "max", "tokens_per_s": "min"}'
expect_err "sweep: an objective twice" "objectives.tokens_per_s: the objective is given twice" $NPUSIM sweep "$T/s.json"
spec '"hw.memory.stakcs": [4]'
expect_err "sweep: unknown axis path" "did you mean 'hw.memory.stacks'" $NPUSIM sweep "$T/s.json"
# a workload's message writes whole numbers in full (it said workload.requests=5e+01)
printf '{"base": {"hw": "h100-sxm", "model": "llama3-8b"}, "workloads": [{"phase": "serve", "rate": 0, "input": 512, "output": 64, "requests": 50}]}\n' >"$T/s.json"
expect_err "sweep: whole numbers in messages" "workload.requests=50: field 'rate' is 0" $NPUSIM sweep "$T/s.json"
# a serve point where no request completes is no feasible point with a 0 ms TTFT
printf '{"base": {"hw": "h100-sxm", "model": "llama3-8b"}, "workloads": [{"phase": "serve", "rate": 5, "input": 9000, "output": 64, "requests": 20}]}\n' >"$T/s.json"
expect_ok "sweep: every prompt too long" $NPUSIM sweep "$T/s.json" --out "$T/long.csv" --quiet
python3 - "$T/long.csv" >"$T/long.txt" <<'PY'
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
print(r["ttft_ms"] == "" and r["tokens_per_s"] == "" and r["feasible"] == "0" and
      r["reason"].startswith("no request completed (20 rejected: ") and "context window" in r["reason"])
PY
check "sweep: no request completed: empty metrics, infeasible, the reason" "\"$(cat "$T/long.txt")\" == \"True\""

# --- a chip without scale-up links but with a NIC runs tensor parallelism over the NIC ---
# (h100-sxm has links.scaleout; topology none kept its 8-chip domain: Inf collectives, null in JSON)
expect_ok "tp 8, topology none" $NPUSIM run $D --tp 8 --set hw.links.topology=none --json
if grep -q null "$T/out"; then bad "topology none: null (non-finite) figures: $(grep -m2 null "$T/out")"; else ok; fi
lat=$(json_num "$T/out" latency_ms)
expect_ok "tp 8, switch" $NPUSIM run $D --tp 8 --json
check "tp 8 over the NIC ($lat ms) is slower than over NVLink ($(json_num "$T/out" latency_ms) ms)" \
    "$lat > $(json_num "$T/out" latency_ms)"

# --- scale-up bandwidth stated once: an edit of either rate acts (docs/schema.md links) ---
# tpu-v5e states bandwidth_gbps 200 and 4 x link_gbps 50; its torus reads the per-link rate,
# so an edit of bandwidth_gbps alone changed nothing
comm() { sed -n 's/^\t\t"comm":[[:space:]]*\([-0-9.e+]*\),*$/\1/p' "$T/out" | head -1; }
V="--model llama3.2-1b --hw tpu-v5e --phase decode --batch 8 --ctx 1024 --tp 8 --json"
expect_ok "tpu-v5e tp 8" $NPUSIM run $V
c0=$(comm)
expect_ok "tpu-v5e: bandwidth_gbps halved" $NPUSIM run $V --set hw.links.bandwidth_gbps=100
c1=$(comm)
check "tpu-v5e: half the bandwidth, slower collectives ($c0 -> $c1 ms)" "$c1 > $c0 * 1.05"
W="--model llama3.2-1b --hw h100-sxm --phase decode --batch 8 --ctx 1024 --tp 8 --json"
expect_ok "h100 tp 8" $NPUSIM run $W
c0=$(comm)
expect_ok "h100: link_gbps 10 (of 25)" $NPUSIM run $W --set hw.links.link_gbps=10
c1=$(comm)
check "h100: slower links, slower collectives ($c0 -> $c1 ms)" "$c1 > $c0 * 1.05"
expect_err "both rates edited, disagreeing" "bandwidth_gbps (100) must equal links_per_chip x link_gbps (18 x 25 = 450)" \
    $NPUSIM run $W --set hw.links.bandwidth_gbps=100 --set hw.links.link_gbps=25
$NPUSIM show hw h100-sxm | sed 's/"link_gbps":\t25/"link_gbps":\t20/' >"$T/h.json"
expect_err "a file whose link rates disagree" "links: bandwidth_gbps (450) must equal" \
    $NPUSIM run --model llama3.2-1b --hw "$T/h.json" --phase decode --batch 8 --ctx 1024

# --- serve: no latency printed for what no request measured ---
S="serve --model llama3-8b --hw h100-sxm --requests 20 --rate 5"
expect_ok "serve: every prompt too long" $NPUSIM $S --input 9000 --output 128
expect_grep "serve: TTFT not measured" "^  TTFT       -  (no request completed)" "$T/out"
if grep -q "TTFT.*mean *0.00" "$T/out"; then bad "serve prints a 0 ms TTFT for no request"; else ok; fi
expect_ok "serve: one output token each" $NPUSIM $S --input 100 --output 1
expect_grep "serve: no TPOT with one token" "^  TPOT       -  (no request generated 2 tokens or more)" "$T/out"
expect_grep "serve: TTFT measured" "^  TTFT       mean" "$T/out"
expect_err "--replicas above the simulator's 30000" "an integer in 1..30000" $NPUSIM $S --input 100 --output 8 --replicas 40000

# --- list engines names the default the commands use: auto ---
expect_ok "list engines" $NPUSIM list engines
expect_grep "list engines: default auto" "^default: auto" "$T/out"

# --- a NUL escaped into a JSON string would cut the name short ---
$NPUSIM show model llama3-8b | sed 's/"name":\t"llama3-8b"/"name":\t"llama3-8b\\u0000x"/' >"$T/nul.json"
expect_err "model file with \\u0000" 'a NUL character (\\u0000) in a string at line 2' \
    $NPUSIM run --model "$T/nul.json" --hw h100-sxm --phase decode --batch 1 --ctx 8
$NPUSIM show model llama3-8b | sed 's/"name":\t"llama3-8b"/"name":\t"llama3-8b\\\\u0000x"/' >"$T/bs.json"
expect_ok "an escaped backslash before u0000 is text" $NPUSIM run --model "$T/bs.json" --hw h100-sxm --phase decode --batch 1 --ctx 8

# --- report: the reason a file cannot be read or written ---
expect_ok "run --json" $NPUSIM run $D --json
cp "$T/out" "$T/r.json"
expect_err "report to a missing directory" "cannot write '/nonexistent-dir/x.html': No such file or directory" \
    $NPUSIM report "$T/r.json" -o /nonexistent-dir/x.html
printf 'hi\n' >"$T/n.sqlite"
expect_err "report of a .sqlite that is not one" "n.sqlite: not a SQLite database" $NPUSIM report "$T/n.sqlite" -o "$T/x.html"
expect_err "report of a missing sweep" "cannot open '$T/none.sqlite': No such file or directory" \
    $NPUSIM report "$T/none.sqlite" -o "$T/x.html"

# --- show memory and show process; a shown process reads back through --process FILE ---
expect_ok "show memory hbm3e-skhynix" $NPUSIM show memory hbm3e-skhynix
expect_grep "show memory: pin rate" '"pin_gbps":' "$T/out"
expect_err "show memory: closest name" "did you mean 'hbm3e-skhynix'" $NPUSIM show memory hbm3e-skhyix
for p in tsmc-n4 samsung-sf3 tsmc-n3; do
    expect_ok "show process $p" $NPUSIM show process $p
    cp "$T/out" "$T/p.json"
    expect_ok "cost --process $p" $NPUSIM cost --hw h100-sxm --process $p --json
    grep -v '"process"\|"name"' "$T/out" >"$T/a"
    expect_ok "cost --process (file of $p)" $NPUSIM cost --hw h100-sxm --process "$T/p.json" --json
    grep -v '"process"\|"name"' "$T/out" >"$T/b"
    if cmp -s "$T/a" "$T/b"; then ok; else bad "show process $p > FILE; --process FILE costs differently: $(diff "$T/a" "$T/b" | head -4)"; fi
done

# --- validate: a CSV with a header alone measures nothing (it passed any --max-mape at 0.00%) ---
mkdir -p "$T/v"
printf 'hw,kind,bytes_moved,ms\n' >"$T/v/bandwidth.csv"
expect_err "validate: header only" "bandwidth.csv: no measurement rows below the header" $NPUSIM validate "$T/v" --max-mape 1
# calibrate: an output it cannot write is said at once, with why, before the fit runs
expect_err "calibrate: unwritable output" "/nonexistent-dir/o.json: cannot write: No such file or directory" \
    $NPUSIM calibrate --hw h100-sxm --data data/validation/h100-sxm -o /nonexistent-dir/o.json --evals 10

# --- op copy: what is copied fits in the chip's memory (bytes moved = buffer + copy) ---
expect_err "op copy 1P on 80 GiB" "op copy: --bytes 1.049e+06 GiB (a 5.243e+05 GiB buffer and its copy) exceed h100-sxm's 80 GiB" \
    $NPUSIM op copy --hw h100-sxm --bytes 1P
expect_err "op copy 1G on a 230 MB SRAM chip" "exceed groq-lpu's" $NPUSIM op copy --hw groq-lpu --bytes 1G
expect_ok "op copy 64G on 80 GiB" $NPUSIM op copy --hw h100-sxm --bytes 64G
expect_ok "op copy --help" $NPUSIM op copy --help
expect_grep "op copy: bytes moved" "bytes moved, read + written" "$T/out"

# --- show hw NAME > FILE, then --hw FILE: the same numbers, every figure, on every preset ---
# (tests/golden.sh compares one latency; this compares whole --json outputs of a decode
# step with TCO, a prefill and the cost, or their one-line refusals)
same() { # name, preset, command args (HW stands for the chip)
    n=$1 hw=$2; shift 2
    $NPUSIM $(echo "$@" | sed "s|HW|$hw|") >"$T/a" 2>&1
    $NPUSIM $(echo "$@" | sed "s|HW|$T/rt-$hw.json|") 2>&1 | sed "s|$T/rt-$hw.json|$hw|g" >"$T/b"
    grep -v '^	"hw":' "$T/a" >"$T/a2"
    grep -v '^	"hw":' "$T/b" >"$T/b2"
    if [ -s "$T/a2" ] && cmp -s "$T/a2" "$T/b2"; then ok; else bad "round trip $hw $n: $(diff "$T/a2" "$T/b2" | head -3)"; fi
}
for hw in $($NPUSIM list hw | awk 'NR>1{print $1}'); do
    $NPUSIM show hw "$hw" >"$T/rt-$hw.json" || bad "show hw $hw"
    same decode "$hw" run --model llama3.2-1b --hw HW --phase decode --batch 4 --ctx 512 --json --tco
    same prefill "$hw" run --model llama3.2-1b --hw HW --phase prefill --batch 1 --seq 256 --json
    same cost "$hw" cost --hw HW --json
done
finish "golden (audit)"
