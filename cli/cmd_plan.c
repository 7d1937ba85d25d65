/* cmd_plan — `npusim plan`: rank the parallel plans of a model on N chips. */
#include "cmds.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAX 512

static void plan_str(npu_plan p, char *buf, size_t cap) {
    snprintf(buf, cap, "tp%d pp%d ep%d dp%d", p.tp, p.pp, p.ep, p.dp);
}

int cmd_plan(int argc, char **argv) {
    cli_opt o[] = {{"model", 1, 0},    {"hw", 1, 0},       {"chips", 1, 0},    {"input", 1, 0},
                   {"output", 1, 0},   {"max-ttft", 1, 0}, {"max-tpot", 1, 0}, {"dtype", 1, 0},
                   {"act-dtype", 1, 0}, {"kv-dtype", 1, 0}, {"stack", 1, 0},    {"max-batch", 1, 0},
                   {"moe-skew", 1, 0}, {"top", 1, 0},      {"json", 0, 0}};
    int n = (int)NPU_ARRAY_LEN(o), npos;
    const char *pos[1];
    if (cli_parse(argc, argv, 2, o, n, pos, 0, &npos)) return cli_fail();
    const char *ms = cli_get(o, n, "model"), *hs = cli_get(o, n, "hw");
    if (!ms || !hs || !cli_get(o, n, "chips")) {
        npu_err("plan needs --model, --hw and --chips");
        return cli_fail();
    }
    npu_planner_cfg c = {.input = 1024, .output = 256};
    long chips = 0, maxb = 0, top = 8;
    double ttft_ms = 0, tpot_ms = 0;
    if (cli_long(o, n, "chips", &chips, true, 1) || cli_long(o, n, "input", &c.input, false, 1) ||
        cli_long(o, n, "output", &c.output, false, 1) || cli_double(o, n, "max-ttft", &ttft_ms, false, 0) ||
        cli_double(o, n, "max-tpot", &tpot_ms, false, 0) || cli_long(o, n, "max-batch", &maxb, false, 1) ||
        cli_long(o, n, "top", &top, false, 1) || cli_double(o, n, "moe-skew", &c.moe_skew, false, 0))
        return cli_fail();
    if (chips > 4096 || maxb > 1000000) {
        npu_err(chips > 4096 ? "option '--chips': at most 4096" : "option '--max-batch': at most 1000000");
        return cli_fail();
    }
    c.chips = (int)chips, c.max_batch = (int)maxb;
    c.max_ttft_s = ttft_ms / 1e3, c.max_tpot_s = tpot_ms / 1e3;
    const char *st = cli_get(o, n, "stack");
    int sk = st ? cli_pick(st, npu_stack_names, 2, "stack") : NPU_STACK_FUSED;
    if (sk < 0 || cli_dtypes(o, n, &c.wdt, &c.adt, &c.kvdt)) return cli_fail();
    c.stack = (npu_stack)sk;
    npu_model m;
    npu_hw hw;
    if (npu_model_load(ms, &m) || npu_hw_load(hs, &hw)) return cli_fail();
    npu_plan_eval *ev = calloc(PLAN_MAX, sizeof *ev);
    npu_planner_result pr;
    if (!ev || npu_planner_run(&m, &hw, &c, ev, PLAN_MAX, &pr)) {
        free(ev);
        return cli_fail();
    }
    int ne = pr.n, feasible = pr.n_feasible;
    ttft_ms = isfinite(pr.max_ttft_s) ? pr.max_ttft_s * 1e3 : 0;
    char ps[64];
    if (cli_get(o, n, "json")) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "model", m.name);
        cJSON_AddStringToObject(j, "hw", hw.name);
        cJSON_AddNumberToObject(j, "chips", c.chips);
        cJSON_AddNumberToObject(j, "input", (double)c.input);
        cJSON_AddNumberToObject(j, "output", (double)c.output);
        cJSON_AddNumberToObject(j, "max_ttft_ms", ttft_ms);
        cJSON_AddBoolToObject(j, "max_ttft_default", pr.ttft_default);
        cJSON_AddNumberToObject(j, "max_tpot_ms", tpot_ms);
        cJSON_AddNumberToObject(j, "feasible", feasible);
        cJSON_AddNumberToObject(j, "rejected", pr.n_rejected);
        cJSON *arr = cJSON_AddArrayToObject(j, "plans");
        for (int i = 0; i < ne; i++) {
            const npu_plan_eval *e = &ev[i];
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "rank", e->feasible ? i + 1 : 0);
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
        npu_report_print_json(stdout, j);
    } else {
        printf("npusim plan: %s on %d x %s, input %ld, output %ld", m.name, c.chips, hw.name, c.input, c.output);
        if (ttft_ms > 0) printf(", TTFT <= %g ms%s", ttft_ms, pr.ttft_default ? " (default; --max-ttft sets it)" : "");
        if (tpot_ms > 0) printf(", TPOT <= %g ms", tpot_ms);
        printf("\n%d of %d plans feasible", feasible, ne);
        if (feasible > top) printf(", the best %ld shown", top);
        printf("; ranked by output tokens/s per chip (static batch per replica)\n\n");
        if (feasible) {
            printf("  %-4s %-20s %6s %10s %9s %12s %10s %8s %6s  %s\n", "rank", "plan", "batch", "TTFT ms", "TPOT ms",
                   "tok/s", "tok/s/chip", "GB/chip", "comm", "why");
            for (int i = 0; i < feasible && i < top; i++) {
                const npu_plan_eval *e = &ev[i];
                plan_str(e->plan, ps, sizeof ps);
                char why[260];
                if (i == 0) snprintf(why, sizeof why, "best; %s", e->why);
                else snprintf(why, sizeof why, "%.0f%% below best; %s",
                              100 * (1 - e->tokens_per_s_per_chip / ev[0].tokens_per_s_per_chip), e->why);
                printf("  %-4d %-20s %6d %10.1f %9.2f %12.1f %10.1f %8.1f %5.0f%%  %s\n", i + 1, ps, e->batch,
                       e->ttft_s * 1e3, e->tpot_s * 1e3, e->tokens_per_s, e->tokens_per_s_per_chip, e->mem_gb,
                       100 * e->comm_share, why);
            }
        }
        if (feasible < ne) {
            printf("\nrejected:\n");
            for (int i = feasible; i < ne; i++) {
                plan_str(ev[i].plan, ps, sizeof ps);
                printf("  %-20s %s\n", ps, ev[i].why);
            }
        }
    }
    free(ev);
    return 0;
}
