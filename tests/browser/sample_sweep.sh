#!/bin/sh
# sample_sweep.sh NPUSIM OUT.csv — a small design sweep in the CSV layout of
# `npusim sweep` (issue 13): axis columns named by path, workload.* columns,
# the figures, fits/feasible/pareto. Until the sweep command lands this is made
# from `npusim run --json --tco` and `npusim cost --json` of real presets:
#   axes      hw.name (8 chips) x plan.tp (1, 2, 4, 8)
#   workloads llama3-70b decode, context 2048, batch 16 and 128
#   feasible  fits in memory and latency_ms (the decode step) <= 40
#   pareto    per workload, over the feasible points: max tokens_per_s_per_chip,
#             min usd_per_mtok
# Needs jq and awk.
set -e
NPUSIM=$1
OUT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "hw.name,plan.tp,workload.phase,workload.batch,workload.ctx,latency_ms,tokens_per_s,tokens_per_s_per_chip,power_w,energy_j_per_token,die_mm2,unit_cost_usd,usd_per_mtok,fits,feasible,reason" >"$T/rows"
for hw in h100-sxm h200-sxm b200 mi300x mi325x gaudi3 rebel-quad rngd; do
    "$NPUSIM" cost --hw "$hw" --json >"$T/cost"
    cost=$(jq -r '[.die_area_mm2, .unit_cost_usd] | @csv' "$T/cost")
    for tp in 1 2 4 8; do
        for batch in 16 128; do
            if "$NPUSIM" run --model llama3-70b --hw "$hw" --phase decode --batch $batch --ctx 2048 --tp $tp \
                --tco --json >"$T/run" 2>"$T/err"; then
                figs=$(jq -r '[.latency_ms, .tokens_per_s, .tokens_per_s_per_chip, .power_w, .energy_j_per_token] | @csv' "$T/run")
                usd=$(jq -r '.tco.usd_per_million_tokens' "$T/run")
                feas=$(jq -r 'if .latency_ms <= 40 then 1 else 0 end' "$T/run")
                echo "$hw,$tp,decode,$batch,2048,$figs,$cost,$usd,1,$feas,"
            else
                reason=$(sed 's/^npusim: //; s/"/""/g' "$T/err" | head -1)
                echo "$hw,$tp,decode,$batch,2048,,,,,,$cost,,0,0,\"$reason\""
            fi >>"$T/rows"
        done
    done
done
# pareto: a feasible row is on the front when no feasible row of its workload
# has >= tokens/s/chip and <= $/Mtok with one of them strictly better
awk -F, 'NR == 1 { print $0 ",pareto"; next }
    { n++; line[n] = $0; w[n] = $4; x[n] = $13; y[n] = $8; f[n] = $15 }
    END {
        for (i = 1; i <= n; i++) {
            p = f[i] == 1
            for (j = 1; j <= n && p; j++)
                if (j != i && f[j] == 1 && w[j] == w[i] && y[j] + 0 >= y[i] + 0 && x[j] + 0 <= x[i] + 0 &&
                    (y[j] + 0 > y[i] + 0 || x[j] + 0 < x[i] + 0)) p = 0
            print line[i] "," p
        }
    }' "$T/rows" >"$OUT"
