#!/bin/sh
# The HTML report (issue 14) in a real headless browser, Debian's chromium:
#
#   sh tests/browser/run.sh NPUSIM TOOLS_DIR [IMG_DIR]
#
# For one report of each kind (run, serve, sweep) and a second of run and
# serve made by `npusim report` from saved --json output, Chromium loads the
# page offline and dumps the DOM after its scripts ran; pagecheck (TOOLS_DIR)
# checks that no error was collected, that every chart drew, and that each
# chart holds the marks its data calls for (counted here from the result with
# jq/awk, not by npusim); a full-page screenshot must not be blank (pngcheck).
# Then the checks are shown to fail: on a page whose spec was broken in three
# ways, and on a blank page. With IMG_DIR the screenshots are kept there as
# report-run.png, report-serve.png, report-sweep.png (make report-img).
. "$(dirname "$0")/../lib_golden.sh"
TOOLS=$2
IMG=$3
HERE=$(dirname "$0")
CHROMIUM=${CHROMIUM:-chromium}
if ! command -v "$CHROMIUM" >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
    bad "chromium and jq are needed (sh scripts/deps.sh test installs them)"
    finish browser
    exit 1
fi

# browse PAGE OUT: OUT.dom (DOM after the scripts, 1280 px wide) and OUT.png
# (the whole page: its height comes from data-height, which the page sets)
browse() {
    prof=$(mktemp -d "$T/profile.XXXXXX")
    set -- "$1" "$2" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$prof" --virtual-time-budget=10000 --hide-scrollbars
    page=$1 out=$2
    shift 2
    timeout 120 "$CHROMIUM" "$@" --window-size=1280,900 --dump-dom "file://$page" >"$out.dom" 2>"$out.log"
    h=$(sed -n 's/.*<html[^>]* data-height="\([0-9]*\)".*/\1/p' "$out.dom" | head -1)
    timeout 120 "$CHROMIUM" "$@" --window-size=1280,$((${h:-900} + 120)) --screenshot="$out.png" \
        "file://$page" >>"$out.log" 2>&1
    rm -rf "$prof"
}

# page_ok NAME PAGE CHARTS EXPECTATION...: the DOM and screenshot checks pass
page_ok() {
    name=$1 page=$2
    shift 2
    browse "$page" "$T/$name"
    if "$TOOLS/pagecheck" "$T/$name.dom" "$@" >"$T/$name.check"; then ok
    else bad "$name: $(grep -v '^  ok' "$T/$name.check" | tr '\n' ' ')"; fi
    if "$TOOLS/pngcheck" "$T/$name.png" 64 2 >"$T/$name.pngcheck" 2>&1; then ok
    else bad "$name: screenshot: $(cat "$T/$name.pngcheck")"; fi
}

# ---- run ----
RUN="--model llama3-8b --hw h100-sxm --phase e2e --batch 8 --input 1024 --output 256"
expect_ok "run --html" $NPUSIM run $RUN --json --html "$T/run.html"
cp "$T/out" "$T/run.json"
# expected marks, from the JSON: a roofline point per kernel and step with
# FLOPs, DRAM bytes and time; a bar per kernel of each step; a bar per kind
# with time in each step; a memory segment per non-zero part and free space
roof=$(jq '[.prefill_step, .decode_step, .mixed_step | select(. != null) | .kernels[] |
            select(.flops > 0 and .dram_bytes > 0 and .time_us > 0)] | length' "$T/run.json")
kinds=$(jq '[.prefill_step, .decode_step, .mixed_step | select(. != null) | .time_ms_by_kind[] | select(. > 0)] | length' "$T/run.json")
kp=$(jq '.prefill_step.kernels | length' "$T/run.json")
kd=$(jq '.decode_step.kernels | length' "$T/run.json")
mem=$(jq '.memory | [.weights_gib, .kv_cache_gib, .activations_gib, .capacity_gib - .total_gib] | map(select(. > 0)) | length' "$T/run.json")
check "run: kernels to place" "$roof > 10 && $kp > 5 && $kd > 5"
page_ok run "$T/run.html" 5 roofline:kernel_points=$roof roofline:roof_line=1 kinds:kind_bars=$kinds \
    kernels-prefill:kernel_bars=$kp kernels-decode:kernel_bars=$kd memory:memory_bars=$mem memory:capacity_rule=1
# the same figures from a saved result, another phase (offline: mixed and decode steps)
expect_ok "run offline --json" $NPUSIM run --model llama3-8b --hw h200-sxm --phase offline --input 512 --output 128 --json
cp "$T/out" "$T/offline.json"
expect_ok "report offline.json" $NPUSIM report "$T/offline.json" -o "$T/offline.html"
roof=$(jq '[.mixed_step, .decode_step | .kernels[] | select(.flops > 0 and .dram_bytes > 0 and .time_us > 0)] | length' "$T/offline.json")
km=$(jq '.mixed_step.kernels | length' "$T/offline.json")
page_ok offline "$T/offline.html" 5 roofline:kernel_points=$roof kernels-mixed:kernel_bars=$km

# ---- serve ----
SERVE="--model llama3-8b --hw h100-sxm --input 1024 --output 256 --slo-ttft 500 --slo-tpot 50"
expect_ok "serve --find-max-rate --html" $NPUSIM serve $SERVE --find-max-rate --json --html "$T/serve.html"
cp "$T/out" "$T/serve.json"
npts=$(jq '.rate_curve | length' "$T/serve.json")
tbins=$(jq '.histograms.ttft_ms.counts | length' "$T/serve.json")
pbins=$(jq '.histograms.tpot_ms.counts | length' "$T/serve.json")
ntl=$(jq '.timeline.t_s | length' "$T/serve.json")
# the histograms hold every completed request (TPOT: those with 2+ tokens; all here)
check "serve: histograms count the requests" \
    "$(jq '.histograms.ttft_ms.counts | add' "$T/serve.json") == $(jq .requests "$T/serve.json") && \
     $(jq '.histograms.tpot_ms.counts | add' "$T/serve.json") == $(jq .requests "$T/serve.json")"
check "serve: a curve of several rates" "$npts >= 5"
page_ok serve "$T/serve.html" 6 curve-ttft:curve_points=$((3 * npts)) curve-ttft:curve_lines=3 curve-ttft:slo_rule=1 \
    curve-tpot:curve_points=$((3 * npts)) hist-ttft:hist_bars=$tbins hist-ttft:pct_rules=3 hist-tpot:hist_bars=$pbins \
    timeline-queue:timeline_points=$ntl timeline-queue:timeline_line=1 timeline-kv:timeline_points=$ntl
# one rate, from a saved result: percentiles at that rate
expect_ok "serve --rate --json" $NPUSIM serve --model llama3-8b --hw h100-sxm --rate 4 --input 512 --output 128 --requests 300 --json
cp "$T/out" "$T/serve1.json"
expect_ok "report serve1.json" $NPUSIM report "$T/serve1.json" -o "$T/serve1.html"
page_ok serve1 "$T/serve1.html" 6 curve-ttft:curve_points=3 curve-tpot:curve_points=3 \
    hist-ttft:hist_bars=$(jq '.histograms.ttft_ms.counts | length' "$T/serve1.json")

# ---- sweep ----
sh "$HERE/sample_sweep.sh" "$NPUSIM" "$T/sweep.csv" && ok || bad "sample sweep"
expect_ok "report sweep.csv" $NPUSIM report "$T/sweep.csv" -o "$T/sweep.html"
# columns: 1 hw.name, 2 plan.tp, 4 workload.batch, 8 tokens_per_s_per_chip,
# 13 usd_per_mtok, 15 feasible, last pareto (the quoted reason, with commas, is
# after them)
drawn=$(awk -F, 'NR > 1 && $8 != "" && $13 != ""' "$T/sweep.csv" | wc -l)
front=$(awk -F, 'NR > 1 && $NF == 1' "$T/sweep.csv" | wc -l)
infeas=$(awk -F, 'NR > 1 && $8 != "" && $13 != "" && $15 == 0' "$T/sweep.csv" | wc -l)
cells=$(awk -F, 'NR > 1 && $4 == 16 { print $1 "," $2 }' "$T/sweep.csv" | sort -u | wc -l)
check "sweep: points, front, infeasible" "$drawn > 20 && $front > 1 && $infeas > 0"
page_ok sweep "$T/sweep.html" 3 pareto:front_points=$front pareto:infeasible_points=$infeas \
    pareto:design_points=$((drawn - front - infeas)) heatmap:heat_cells=$cells parallel:design_lines=$drawn

# ---- a real sweep's page: npusim sweep --out FILE --html PAGE (issue 13's example spec) ----
expect_ok "sweep --html" $NPUSIM sweep examples/sweep_units_sram.json --out "$T/real.sqlite" --html "$T/real.html" --quiet
expect_ok "sweep rows as CSV" $NPUSIM sweep examples/sweep_units_sram.json --out "$T/real.csv" --quiet
rfront=$(python3 -c "import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1])) if r['pareto'] == '1'))" "$T/real.csv")
check "real sweep: a Pareto front ($rfront points)" "$rfront > 0"
page_ok real-sweep "$T/real.html" 3 pareto:front_points=$rfront

# ---- the checks fail when a page is broken ----
# broken PATTERN REPLACEMENT NAME WHY: run.html with one spec edited must fail
# pagecheck, with the line WHY among its failures
broken() {
    sed "s/$1/$2/" "$T/run.html" >"$T/$3.html"
    if cmp -s "$T/run.html" "$T/$3.html"; then
        bad "$3: the spec text '$1' is not in the page"
        return
    fi
    browse "$T/$3.html" "$T/$3"
    if "$TOOLS/pagecheck" "$T/$3.dom" 5 roofline:kernel_points=$(jq '[.prefill_step, .decode_step | .kernels[] |
        select(.flops > 0 and .dram_bytes > 0 and .time_us > 0)] | length' "$T/run.json") >"$T/$3.check"; then
        bad "$3: pagecheck passed a broken page"
    elif grep -q "$4" "$T/$3.check"; then ok
    else bad "$3: pagecheck failed without '$4': $(cat "$T/$3.check")"; fi
}
broken '"type": "symbol", "name": "kernel_points"' '"type": "nosuchmark", "name": "kernel_points"' bad-mark \
    "FAIL chart roofline did not draw"
broken "format(datum.ai, '.4~g')" "nosuchfunction(datum.ai)" bad-expr "FAIL #npusim-errors is empty"
broken '"expr": "datum.ai > 0 && datum.tflops > 0"' '"expr": "datum.ai < 0"' no-points \
    "FAIL roofline: kernel_points items: 0"
printf '<!DOCTYPE html><html><body></body></html>\n' >"$T/blank.html"
browse "$T/blank.html" "$T/blank"
if "$TOOLS/pngcheck" "$T/blank.png" 64 2 >/dev/null 2>&1; then bad "pngcheck passed a blank page"; else ok; fi

if [ -n "$IMG" ]; then
    mkdir -p "$IMG"
    cp "$T/run.png" "$IMG/report-run.png"
    cp "$T/serve.png" "$IMG/report-serve.png"
    cp "$T/sweep.png" "$IMG/report-sweep.png"
fi
finish browser
