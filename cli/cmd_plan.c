/* cmd_plan — `npusim plan`: rank the parallel plans of a model on N chips. */
#include "args.h"
#include "cmds.h"
#include "cli_sets.h" /* --set (issue 13) */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAX 512

static void plan_str(npu_plan p, char *buf, size_t cap) {
    snprintf(buf, cap, "tp%d pp%d ep%d dp%d", p.tp, p.pp, p.ep, p.dp);
}

/* The table: the bounds in force, honest counts, the top feasible plans, the rejected ones. */
static void print_table(FILE *out, const npu_model *m, const npu_hw *hw, const npu_planner_cfg *c,
                        const npu_planner_result *pr, const npu_plan_eval *ev, int ne, long top) {
    int feasible = 0, shown = 0, best = -1;
    for (int i = 0; i < ne; i++)
        if (ev[i].feasible) feasible++, best = best < 0 ? i : best;
    fprintf(out, "npusim plan: %s on %d x %s, input %ld, output %ld, engine %s\n", m->name, c->chips, hw->name,
            c->input, c->output, c->engine ? c->engine->name : "ideal");
    if (isfinite(pr->max_ttft_s) && pr->max_ttft_s > 0)
        fprintf(out, "bounds: TTFT <= %g ms%s", pr->max_ttft_s * 1e3,
               pr->ttft_default ? " (the default; --max-ttft MS sets another, 0 none)" : "");
    else fprintf(out, "bounds: no TTFT bound");
    if (c->max_tpot_s > 0) fprintf(out, ", TPOT <= %g ms\n", c->max_tpot_s * 1e3);
    else fprintf(out, ", no TPOT bound\n");
    fprintf(out, "%d of %d plan%s feasible; ranked by output tokens/s per chip (static batch per replica)", feasible, ne,
           cli_s(ne));
    shown = feasible < top ? feasible : (int)top;
    if (shown < feasible) fprintf(out, "; showing the top %d (--top K for more)", shown);
    fprintf(out, "\n\n");
    char ps[64];
    if (shown) {
        fprintf(out, "  %-4s %-20s %6s %10s %9s %12s %10s %9s %6s  %s\n", "rank", "plan", "batch", "TTFT ms", "TPOT ms",
               "tok/s", "tok/s/chip", "GiB/chip", "comm", "why");
        for (int i = 0, rank = 0; i < ne && rank < shown; i++) {
            const npu_plan_eval *e = &ev[i];
            if (!e->feasible) continue;
            plan_str(e->plan, ps, sizeof ps);
            char why[260];
            if (rank == 0) snprintf(why, sizeof why, "best; %s", e->why);
            else snprintf(why, sizeof why, "%.0f%% below best; %s",
                          100 * (1 - e->tokens_per_s_per_chip / ev[best].tokens_per_s_per_chip), e->why);
            fprintf(out, "  %-4d %-20s %6d %10.1f %9.2f %12.1f %10.1f %9.1f %5.0f%%  %s\n", ++rank, ps, e->batch,
                   e->ttft_s * 1e3, e->tpot_s * 1e3, e->tokens_per_s, e->tokens_per_s_per_chip, e->mem_gb * 1e9 / CLI_GIB,
                   100 * e->comm_share, why);
        }
    }
    if (feasible < ne) {
        fprintf(out, "\nrejected (%d):\n", ne - feasible);
        for (int i = 0; i < ne; i++) {
            if (ev[i].feasible) continue;
            plan_str(ev[i].plan, ps, sizeof ps);
            fprintf(out, "  %-20s %s\n", ps, ev[i].why);
        }
    }
}

static int cmd_plan(const cli_args *a, cli_out *o) {
    npu_planner_cfg c = {0}; /* the planner's defaults: no bound until it states one */
    c.chips = (int)cli_int(a, O_CHIPS);
    c.input = (long)cli_int(a, O_INPUT), c.output = (long)cli_int(a, O_OUTPUT);
    c.max_batch = (int)cli_int(a, O_MAX_BATCH);
    c.moe_skew = cli_num(a, O_MOE_SKEW);
    c.stack = (npu_stack)cli_int(a, O_STACK);
    cli_dtypes(a, &c.wdt, &c.adt, &c.kvdt);
    cli_head_emb(a, &c.hdt, &c.edt);
    /* a given bound replaces the planner's (0 = none); the table and JSON print the bound in force */
    if (cli_has(a, O_MAX_TTFT)) {
        double ms = cli_num(a, O_MAX_TTFT);
        c.max_ttft_s = ms > 0 ? ms / 1e3 : INFINITY; /* 0 = no bound; absent = the planner's default */
    }
    c.max_tpot_s = cli_num(a, O_MAX_TPOT) / 1e3;
    long top = (long)cli_int(a, O_TOP);
    npu_model m;
    npu_hw hw;
    if (cli_load_model(a, &m) || cli_load_hw(a, O_HW, &hw) || cli_sets_apply(a, &hw, &m, true)) return -1;
    npu_engine eng;
    if (cli_engine(a, &hw, &eng)) return -1;
    c.engine = &eng;
    npu_plan_eval *ev = calloc(PLAN_MAX, sizeof *ev);
    npu_planner_result pr;
    if (!ev || npu_planner_run(&m, &hw, &c, ev, PLAN_MAX, &pr)) {
        if (!ev) npu_err("out of memory");
        free(ev);
        return -1;
    }
    int ne = pr.n, feasible = pr.n_feasible;
    double ttft_ms = isfinite(pr.max_ttft_s) ? pr.max_ttft_s * 1e3 : 0, tpot_ms = c.max_tpot_s * 1e3;
    if (cli_has(a, O_JSON)) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "model", m.name);
        cJSON_AddStringToObject(j, "hw", hw.name);
        cJSON_AddStringToObject(j, "engine", eng.name);
        cJSON_AddNumberToObject(j, "chips", c.chips);
        cJSON_AddNumberToObject(j, "input", (double)c.input);
        cJSON_AddNumberToObject(j, "output", (double)c.output);
        cJSON_AddNumberToObject(j, "max_ttft_ms", ttft_ms);
        cJSON_AddBoolToObject(j, "max_ttft_default", pr.ttft_default);
        cJSON_AddNumberToObject(j, "max_tpot_ms", tpot_ms);
        cJSON_AddNumberToObject(j, "feasible", feasible);
        cJSON_AddNumberToObject(j, "rejected", pr.n_rejected);
        cJSON *arr = cJSON_AddArrayToObject(j, "plans");
        for (int i = 0, rank = 0; i < ne; i++) {
            const npu_plan_eval *e = &ev[i];
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "rank", e->feasible ? ++rank : 0);
            cJSON_AddNumberToObject(x, "tp", e->plan.tp);
            cJSON_AddNumberToObject(x, "pp", e->plan.pp);
            cJSON_AddNumberToObject(x, "ep", e->plan.ep);
            cJSON_AddNumberToObject(x, "dp", e->plan.dp);
            cJSON_AddBoolToObject(x, "feasible", e->feasible);
            if (e->feasible) {
                cJSON_AddNumberToObject(x, "batch", e->batch);
                cJSON_AddNumberToObject(x, "ttft_ms", e->ttft_s * 1e3);
                cJSON_AddNumberToObject(x, "tpot_ms", e->tpot_s * 1e3);
                cJSON_AddNumberToObject(x, "tokens_per_s", e->tokens_per_s);
                cJSON_AddNumberToObject(x, "tokens_per_s_per_chip", e->tokens_per_s_per_chip);
                cJSON_AddNumberToObject(x, "memory_gb_per_chip", e->mem_gb);
                cJSON_AddNumberToObject(x, "comm_share_of_decode", e->comm_share);
            }
            cJSON_AddStringToObject(x, "why", e->why);
            cJSON_AddItemToArray(arr, x);
        }
        npu_report_print_json(o->f, j);
    } else {
        print_table(o->f, &m, &hw, &c, &pr, ev, ne, top);
    }
    free(ev);
    return 0;
}

static const cli_use plan_opts[] = {
    {O_MODEL, CLI_REQ}, {O_HW, CLI_REQ}, {O_CHIPS, CLI_REQ}, {O_INPUT, .def = "1024"}, {O_OUTPUT, .def = "256"},
    {O_MAX_TTFT, .note = "default: the planner's stated bound (2000 ms); 0 = none"}, {O_MAX_TPOT}, CLI_USE_DTYPES, {O_STACK}, {O_ENGINE}, {O_MAX_BATCH}, {O_MOE_SKEW},
    {O_TOP, .def = "8", .note = "feasible plans in the table; --json lists all"}, {O_JSON},
    {O_SET, .note = "hw.*, model.* and engine paths"},
};
const cli_cmd cli_cmd_plan = {
    "plan", NULL, 0, 0, "rank the parallel plans of a model on N chips",
    "Every split of the chips into tp x pp x ep x dp is tried at the largest batch per replica that\n"
    "fits in memory and meets the latency bounds, and ranked by output tokens/s per chip. Memory is\n"
    "in GiB per chip (JSON: memory_gb_per_chip in GB).",
    plan_opts, (int)NPU_ARRAY_LEN(plan_opts), cmd_plan};
