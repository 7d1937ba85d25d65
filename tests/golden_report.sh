#!/bin/sh
# End-to-end runs of the HTML report (issue 14) without a browser: `--html` on
# run and serve, `npusim report`, the JSON fields the report draws from, a
# self-contained page, and bad input (one line on stderr, exit 2). The pages
# are drawn and checked in headless Chromium by tests/browser/run.sh.
. "$(dirname "$0")/lib_golden.sh"

RUN="$NPUSIM run --model llama3-8b --hw h100-sxm --phase e2e --batch 8 --input 1024 --output 256"

# --- run: the JSON carries the chip's roof; --html writes a page ---
expect_ok "run --json" $RUN --json
cp "$T/out" "$T/run.json"
tf=$(json_num2 "$T/run.json" tflops); bw=$(json_num2 "$T/run.json" dram_gbps)
expect_grep "hw_peaks dtype" '"dtype":	"bf16"' "$T/run.json"
# the roof equals the datasheet figures `list hw` prints (bf16 TF, mem GB/s)
expect_ok "list hw" $NPUSIM list hw
ltf=$(awk '$1 == "h100-sxm" { print $2 }' "$T/out"); lbw=$(awk '$1 == "h100-sxm" { print $5 }' "$T/out")
check "hw_peaks.tflops = list hw bf16 ($tf vs $ltf)" "$tf - $ltf < 0.05 && $ltf - $tf < 0.05"
check "hw_peaks.dram_gbps = list hw mem GB/s ($bw vs $lbw)" "$bw - $lbw < 0.5 && $lbw - $bw < 0.5"
expect_ok "run fp8 --json" $NPUSIM run --model llama3-8b --hw h100-sxm --phase decode --batch 8 --ctx 512 --dtype fp8 --json
expect_grep "hw_peaks of the GEMMs' datatype" '"dtype":	"fp8"' "$T/out"

expect_ok "run --html" $RUN --html "$T/run.html"
expect_grep "run --html keeps the table" "latency" "$T/out"
expect_grep "page is HTML" "^<!DOCTYPE html>" "$T/run.html"
expect_grep "page names model and chip" "<title>npusim run: llama3-8b on h100-sxm, e2e</title>" "$T/run.html"
expect_grep "page gives the command" "npusim run --model llama3-8b --hw h100-sxm" "$T/run.html"
expect_grep "page says the version" '<meta name="generator" content="npusim [0-9]' "$T/run.html"
expect_grep "page inlines Vega" "__npuDef(\"vega-view\")" "$T/run.html"
# self-contained: no script, style, image or frame loaded from elsewhere (Vega's
# own url(#id) references are to the page's SVG)
if grep -Eq '<script[^>]* src=|<link[^>]* href=|<img|<iframe|@import|url\(["'"'"']?(https?:|//)' "$T/run.html"; then
    bad "page loads a resource from elsewhere"
else ok; fi
expect_ok "report run.json" $NPUSIM report "$T/run.json" -o "$T/run2.html"
expect_grep "report names its source" "from $T/run.json" "$T/run2.html"
# the charts' data is the same whichever way the page was made (to 9 digits:
# the saved JSON rounds the last bit)
model9() { sed -n 's/.*<script type="application\/json" id="npusim-model">\(.*\)<\/script>.*/\1/p' "$1" |
    awk '{ out = ""; while (match($0, /-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?/)) {
               out = out substr($0, 1, RSTART - 1) sprintf("%.9g", substr($0, RSTART, RLENGTH) + 0)
               $0 = substr($0, RSTART + RLENGTH) } print out $0 }' | cksum; }
a=$(model9 "$T/run.html"); b=$(model9 "$T/run2.html")
check "run --html and report draw the same data ($a vs $b)" "\"$a\" == \"$b\""

# --- serve: config, histograms and the rate curve in --json; --html ---
SERVE="$NPUSIM serve --model llama3-8b --hw h100-sxm --input 512 --output 128 --requests 300"
expect_ok "serve --json" $SERVE --rate 4 --json
cp "$T/out" "$T/serve.json"
for k in config histograms rate_curve; do expect_grep "serve --json has $k" "^	\"$k\":" "$T/serve.json"; done
expect_grep "one-rate curve at the given rate" '"rate_rps":	4,' "$T/serve.json"
expect_ok "serve --html" $SERVE --rate 4 --html "$T/serve.html"
expect_grep "serve --html keeps the table" "throughput" "$T/out"
expect_grep "serve page" "<title>npusim serve: llama3-8b on h100-sxm</title>" "$T/serve.html"
expect_ok "serve --find-max-rate --json" $SERVE --slo-ttft 300 --slo-tpot 40 --find-max-rate --json
pts=$(grep -c '"meets_slo":' "$T/out")
check "find-max-rate curve has 7 rates ($pts)" "$pts == 7"
expect_ok "report serve.json" $NPUSIM report "$T/serve.json" -o "$T/serve2.html"

# --- sweep from CSV ---
cat >"$T/s.csv" <<'EOF'
hw.name,hw.memory.stacks,workload.batch,tokens_per_s_per_chip,usd_per_mtok,feasible,pareto,reason
a,4,8,100,2.0,1,1,
a,8,8,150,2.5,1,1,
"b, quoted",4,8,90,3.0,1,0,
b,8,8,,,0,0,"does not fit, by far"
EOF
expect_ok "report sweep csv" $NPUSIM report "$T/s.csv" -o "$T/s.html"
expect_grep "sweep page" "<title>npusim sweep</title>" "$T/s.html"
expect_grep "quoted CSV field kept whole" '"hw.name":"b, quoted"' "$T/s.html"

# --- bad input ---
expect_err "report without args" "report needs" $NPUSIM report
expect_err "report without -o" "report needs --output-file" $NPUSIM report "$T/run.json"
expect_err "report without a result" "RESULT" $NPUSIM report -o "$T/x.html"
expect_err "report missing file" "nosuch.json" $NPUSIM report "$T/nosuch.json" -o "$T/x.html"
printf '{"model": ' >"$T/trunc.json"
expect_err "report bad JSON" "not valid JSON" $NPUSIM report "$T/trunc.json" -o "$T/x.html"
printf '{"a": 1}\n' >"$T/other.json"
expect_err "report not a result" "not a run, serve or sweep result" $NPUSIM report "$T/other.json" -o "$T/x.html"
grep -v '"tflops"' "$T/run.json" >"$T/nopeak.json"
expect_err "report run without hw_peaks" "hw_peaks.tflops" $NPUSIM report "$T/nopeak.json" -o "$T/x.html"
awk '/"bound":	"compute"/ && !done { done = 1; sub(/"bound"/, "\"bond\"") } { print }' "$T/run.json" >"$T/nobound.json"
expect_err "report kernel without bound" "kernels, kernel 2: the run result has no text field 'bound'" \
    $NPUSIM report "$T/nobound.json" -o "$T/x.html"
grep -v '"queue_len":' "$T/serve.json" >"$T/notl.json"
expect_err "report serve without queue timeline" "timeline needs arrays" $NPUSIM report "$T/notl.json" -o "$T/x.html"
printf 'hw.name,usd_per_mtok,tokens_per_s_per_chip\na,1,2\nb,3\n' >"$T/ragged.csv"
expect_err "report ragged CSV" "line 3 has 2 fields for 3 columns" $NPUSIM report "$T/ragged.csv" -o "$T/x.html"
printf 'hw.name,latency_ms\na,1\n' >"$T/oneobj.csv"
expect_err "report sweep with one objective" "fewer than two objective columns" $NPUSIM report "$T/oneobj.csv" -o "$T/x.html"
printf 'a,b\n"x,1\n' >"$T/quote.csv"
expect_err "report CSV open quote" "line 2: a quoted field does not end" $NPUSIM report "$T/quote.csv" -o "$T/x.html"
expect_err "run --html unwritable" "cannot write '$T/no/dir/x.html'" $RUN --html "$T/no/dir/x.html"
expect_err "report unwritable" "cannot write '$T/no/dir/x.html'" $NPUSIM report "$T/run.json" -o "$T/no/dir/x.html"
expect_err "report extra argument" "unexpected argument" $NPUSIM report "$T/run.json" "$T/run.json" -o "$T/x.html"

finish golden_report
