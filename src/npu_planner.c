/* npu_planner — plan enumeration and best-batch search. */
#include "npu_planner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_at(const npu_model *m, const npu_hw *hw, const npu_planner_cfg *c, npu_plan p, int batch,
                  npu_run_result *r) {
    npu_run_cfg rc = {.phase = NPU_RUN_E2E, .batch = batch, .input = c->input, .output = c->output,
                      .stack = c->stack, .wdt = c->wdt, .adt = c->adt, .kvdt = c->kvdt, .hdt = c->hdt,
                      .edt = c->edt, .plan = p, .moe_skew = c->moe_skew, .engine = c->engine};
    return npu_run(m, hw, &rc, r);
}

/* 0 = meets the bounds, 1 = a latency bound broken (reason in why), -1 = does not run (npu_errmsg).
 * c's bounds are the applied ones (see npu_planner_run). */
static int judge(const npu_model *m, const npu_hw *hw, const npu_planner_cfg *c, npu_plan p, int batch,
                 npu_run_result *r, char *why, size_t cap) {
    if (run_at(m, hw, c, p, batch, r)) return -1;
    if (r->ttft_s > c->max_ttft_s) {
        snprintf(why, cap, "TTFT %.1f ms > %.1f ms", r->ttft_s * 1e3, c->max_ttft_s * 1e3);
        return 1;
    }
    if (r->tpot_s > c->max_tpot_s) {
        snprintf(why, cap, "TPOT %.2f ms > %.2f ms", r->tpot_s * 1e3, c->max_tpot_s * 1e3);
        return 1;
    }
    return 0;
}

static void record(npu_plan_eval *e, const npu_run_result *r, int batch, int chips_total) {
    npu_plan p = npu_plan_norm(e->plan);
    e->feasible = true;
    e->batch = batch;
    e->ttft_s = r->ttft_s;
    e->tpot_s = r->tpot_s;
    e->tokens_per_s = r->tokens_per_s * p.dp;
    e->tokens_per_s_per_chip = e->tokens_per_s / chips_total;
    e->mem_gb = r->mem.total_B / 1e9;
    double t = r->dstep.time_s > 0 ? r->dstep.time_s : r->step.time_s;
    double comm = r->dstep.time_s > 0 ? r->dstep.bound_time_s[NPU_BOUND_COMM] : r->step.bound_time_s[NPU_BOUND_COMM];
    e->comm_share = t > 0 ? comm / t : 0;
}

/* Largest batch in [1, max] that runs and meets the bounds; throughput grows
 * with the batch while memory and latency grow too, so the largest feasible one
 * is the best (checked by keeping the best seen). */
static void best_batch(const npu_model *m, const npu_hw *hw, const npu_planner_cfg *c, npu_plan_eval *e,
                       npu_run_result *r) {
    int max = c->max_batch > 0 ? c->max_batch : 4096;
    int chips = npu_plan_total_chips(e->plan);
    char why[200] = "";
    int st = judge(m, hw, c, e->plan, 1, r, why, sizeof why);
    if (st != 0) {
        e->feasible = false;
        snprintf(e->why, sizeof e->why, "%.180s at batch 1", st < 0 ? npu_errmsg() : why);
        return;
    }
    record(e, r, 1, chips);
    int lo = 1, hi = 0; /* lo feasible; hi infeasible (0 = none found yet) */
    char limit[200] = "";
    for (int b = 2; b <= max; b *= 2) {
        st = judge(m, hw, c, e->plan, b, r, why, sizeof why);
        if (st != 0) {
            hi = b;
            snprintf(limit, sizeof limit, "%s", st < 0 ? "memory" : why);
            break;
        }
        lo = b;
        if (r->tokens_per_s * npu_plan_norm(e->plan).dp / chips > e->tokens_per_s_per_chip) record(e, r, b, chips);
    }
    if (!hi) {
        snprintf(e->why, sizeof e->why, "batch capped at %d", lo);
        return;
    }
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        st = judge(m, hw, c, e->plan, mid, r, why, sizeof why);
        if (st == 0) {
            lo = mid;
            if (r->tokens_per_s * npu_plan_norm(e->plan).dp / chips > e->tokens_per_s_per_chip) record(e, r, mid, chips);
        } else {
            hi = mid;
            snprintf(limit, sizeof limit, "%s", st < 0 ? "memory" : why);
        }
    }
    if (strcmp(limit, "memory") == 0) snprintf(e->why, sizeof e->why, "batch limited by memory at %d", hi);
    else snprintf(e->why, sizeof e->why, "batch limited by %.160s at %d", limit, hi);
}

static int cmp_eval(const void *a, const void *b) {
    const npu_plan_eval *x = a, *y = b;
    if (x->feasible != y->feasible) return x->feasible ? -1 : 1;
    if (x->tokens_per_s_per_chip != y->tokens_per_s_per_chip)
        return x->tokens_per_s_per_chip > y->tokens_per_s_per_chip ? -1 : 1;
    return npu_plan_replica_chips(x->plan) - npu_plan_replica_chips(y->plan);
}

int npu_planner_run(const npu_model *m, const npu_hw *hw, const npu_planner_cfg *cfg, npu_plan_eval *out,
                    int max_out, npu_planner_result *res) {
    memset(res, 0, sizeof *res);
    if (cfg->chips < 1 || cfg->input < 1 || cfg->output < 1) {
        npu_err("plan needs --chips, --input and --output >= 1");
        return -1;
    }
    if (!(cfg->max_ttft_s >= 0) || !(cfg->max_tpot_s >= 0)) {
        npu_err("plan: --max-ttft and --max-tpot must be >= 0");
        return -1;
    }
    npu_planner_cfg c = *cfg;
    res->ttft_default = c.max_ttft_s == 0;
    if (res->ttft_default) c.max_ttft_s = NPU_PLANNER_DEFAULT_TTFT_S;
    if (c.max_tpot_s == 0) c.max_tpot_s = INFINITY;
    res->max_ttft_s = c.max_ttft_s, res->max_tpot_s = c.max_tpot_s;
    npu_run_result *r = malloc(sizeof *r);
    if (!r) {
        npu_err("out of memory");
        return -1;
    }
    bool moe = m->moe.experts > 0;
    for (int tp = 1; tp <= c.chips; tp *= 2) {
        for (int ep = 1; ep <= (moe ? c.chips : 1); ep *= 2) {
            int stage = ep > tp ? ep : tp;
            for (int pp = 1; stage * pp <= c.chips; pp++) {
                if (c.chips % (stage * pp)) continue;
                if (res->n >= max_out) {
                    res->n_skipped++;
                    continue;
                }
                npu_plan_eval *e = &out[res->n++];
                memset(e, 0, sizeof *e);
                e->plan = (npu_plan){tp, pp, ep, c.chips / (stage * pp), 1};
                if (npu_plan_check(m, e->plan)) {
                    snprintf(e->why, sizeof e->why, "%s", npu_errmsg());
                    continue;
                }
                best_batch(m, hw, &c, e, r);
            }
        }
    }
    free(r);
    qsort(out, (size_t)res->n, sizeof *out, cmp_eval);
    while (res->n_feasible < res->n && out[res->n_feasible].feasible) res->n_feasible++;
    res->n_rejected = res->n - res->n_feasible;
    return 0;
}
