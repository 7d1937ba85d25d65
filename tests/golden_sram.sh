#!/bin/sh
# End-to-end checks of SRAM-only chips (groq-lpu, cerebras-wse3): vocab-parallel
# plans that fit 230 MB chips, the planner at hundreds of chips, plans the links
# cannot join, the unit cost of chips without DRAM and of a wafer-scale chip.
# Expected figures come from the presets' fields and hand arithmetic, not from npusim.
. "$(dirname "$0")/lib_golden.sh"

# --- groq-lpu: llama3-8b spread over 128 chips ---
# bf16: 16.1 GB of weights / 128 chips = 126 MB a chip, the 1.05 GB table and lm_head 1/16 each
expect_ok "groq decode tp16 pp8" $NPUSIM run --model llama3-8b --hw groq-lpu --phase decode --batch 1 --ctx 1024 \
    --tp 16 --pp 8 --json
cp "$T/out" "$T/g.json"
tot=$(json_num2 "$T/g.json" total_gib); cap=$(json_num2 "$T/g.json" capacity_gib)
check "groq fits 230 MB ($tot of $cap GiB)" "$tot > 0 && $tot <= $cap"
check "groq capacity is the 230 MB SRAM" "($cap * 1073741824 - 230e6)^2 < 1"
check "groq decode latency" "$(json_num "$T/g.json" latency_ms) > 0"
# the run reports the last stage: no embedding there (stage 1 runs it)
grep -q '"embed_allreduce"' "$T/g.json" && bad "the last stage has no embedding" || ok
check "groq comm time shows" "$(json_num2 "$T/g.json" comm) > 0"
expect_ok "groq decode tp32 pp4 int8" $NPUSIM run --model llama3-8b --hw groq-lpu --phase decode --batch 1 --ctx 1024 \
    --tp 32 --pp 4 --dtype int8 --json
expect_ok "groq e2e" $NPUSIM run --model llama3-8b --hw groq-lpu --phase e2e --batch 1 --input 128 --output 32 \
    --tp 16 --pp 8 --json
check "groq e2e tokens" "$(json_num "$T/out" tokens_per_s) > 0"
# too few chips: tp 8 pp 4 needs 0.6 GB a chip, refused by how much
expect_err "groq too few chips" "over by" $NPUSIM run --model llama3-8b --hw groq-lpu --phase decode --batch 1 \
    --ctx 1024 --tp 8 --pp 4
# one stage, tp 32: llama3.2-1b (2.5 GB) fits only with its tied 525 MB table split 32 ways;
# the embedding's all-reduce and the logits' all-gather are in its graph
expect_ok "groq one stage, vocab-parallel table" $NPUSIM run --model llama3.2-1b --hw groq-lpu --phase decode --batch 1 \
    --ctx 512 --tp 32 --json
expect_grep "vocab-parallel embedding all-reduce" '"embed_allreduce"' "$T/out"
expect_grep "logits all-gather" '"logits_allgather"' "$T/out"

# --- planner: llama3-70b int8 on 576 groq chips (70 GB / 230 MB >= 305 chips) ---
# engine ideal (kernels only): no GPU serving engine, with its runtime reserve of a share of
# the chip's memory and its host time per step, runs on these chips
expect_ok "groq plan 576" $NPUSIM plan --model llama3-70b --hw groq-lpu --chips 576 --dtype int8 --engine ideal --json
f=$(json_num "$T/out" feasible)
check "groq 576 chips: a feasible plan ($f)" "$f >= 1"
tp=$(sed -n 's/^\t\t\t"tp":[[:space:]]*\([0-9]*\),*$/\1/p' "$T/out" | head -1)
pp=$(sed -n 's/^\t\t\t"pp":[[:space:]]*\([0-9]*\),*$/\1/p' "$T/out" | head -1)
check "groq best plan spans >= 305 chips (tp $tp x pp $pp)" "$tp * $pp >= 305 && $tp * $pp <= 576"
expect_ok "groq plan 128 table" $NPUSIM plan --model llama3-8b --hw groq-lpu --chips 128 --engine ideal
expect_grep "groq plan ranks" "best" "$T/out"

# serving on 128 chips: a step budget of 256 tokens leaves room for a KV cache
expect_ok "groq serve" $NPUSIM serve --model llama3-8b --hw groq-lpu --tp 16 --pp 8 --rate 1 --requests 10 --input 64 \
    --output 16 --max-batched-tokens 256 --scheduler mixed
expect_grep "groq serve completes" "10 completed" "$T/out"

# --- cerebras-wse3: llama3-8b on one wafer; 70B over wafers ---
expect_ok "wse3 decode one wafer" $NPUSIM run --model llama3-8b --hw cerebras-wse3 --phase decode --batch 1 --ctx 1024 --json
check "wse3 one chip" "$(sed -n 's/^\t\t"chips_per_replica":[[:space:]]*\([0-9]*\),*$/\1/p' "$T/out") == 1"
check "wse3 decode latency" "$(json_num "$T/out" latency_ms) > 0"
expect_ok "wse3 plan 70b on 4" $NPUSIM plan --model llama3-70b --hw cerebras-wse3 --chips 4 --engine ideal --json
check "wse3 70b: feasible on 4 wafers" "$(json_num "$T/out" feasible) >= 1"

# --- plans the links cannot join: one line, exit 2 ---
expect_err "no links" "no chip-to-chip links" $NPUSIM run --model llama3-8b --hw snapdragon-8g3-npu --phase decode \
    --batch 1 --ctx 100 --tp 2
expect_err "serve: no links" "no chip-to-chip links" $NPUSIM serve --model llama3-8b --hw snapdragon-8g3-npu --tp 2 \
    --rate 1 --requests 10 --input 64 --output 16
expect_err "beyond the domain, no scale-out" "exceed its scale-up domain of 8" $NPUSIM run --model llama3-70b --hw rngd \
    --phase decode --batch 1 --ctx 100 --tp 16
expect_err "wse3 beyond 2048" "exceed its scale-up domain of 2048" $NPUSIM run --model llama3-70b --hw cerebras-wse3 \
    --phase decode --batch 1 --ctx 100 --pp 80 --tp 64

# --- unit cost without DRAM ---
expect_ok "groq cost" $NPUSIM cost --hw groq-lpu --json
check "groq: no memory cost" "$(json_num "$T/out" hbm_cost_usd) == 0"
expect_grep "groq: organic package" '"package":	"organic"' "$T/out"
check "groq: published 725 mm2 costed" "$(json_num "$T/out" die_area_mm2) == 725"
u=$(json_num "$T/out" unit_cost_usd); d=$(json_num "$T/out" dies_cost_usd); pk=$(json_num "$T/out" package_cost_usd)
check "groq: unit cost exceeds die + package ($u)" "$u > $d + $pk"
expect_ok "groq cost table" $NPUSIM cost --hw groq-lpu
expect_grep "groq table: no memory" "none: SRAM only" "$T/out"
expect_ok "wse3 cost" $NPUSIM cost --hw cerebras-wse3 --json
check "wse3: one die per wafer" "$(json_num "$T/out" dies_per_wafer) == 1"
expect_grep "wse3: wafer scale" '"wafer_scale":	true' "$T/out"
y=$(json_num "$T/out" die_yield); w=$(json_num "$T/out" wafer_usd); dc=$(json_num "$T/out" die_cost_usd)
check "wse3: spare cores make the wafer yield ($y)" "$y > 0.9 && $y < 1"
check "wse3: good die = wafer / yield" "($dc - $w / $y)^2 < 1e-6"
expect_err "wse3 on an organic package" "package wafer" $NPUSIM cost --hw cerebras-wse3 --package organic
expect_err "wafer package for a GPU" "wafer carrier" $NPUSIM cost --hw h100-sxm --package wafer
$NPUSIM show hw cerebras-wse3 | sed 's/"units_total":[[:space:]]*970000,//' >"$T/nospare.json"
expect_err "wse3 without spares" "units_total" $NPUSIM cost --hw "$T/nospare.json" --estimate-area

finish "golden (sram)"
