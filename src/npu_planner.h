/* npu_planner — deployment planning: enumerate the parallel plans of a model on
 * N chips, find for each the largest batch that fits and meets the latency
 * bounds, and rank them by output tokens/s per chip. */
#ifndef NPU_PLANNER_H
#define NPU_PLANNER_H

#include "npu_step.h"

/* TTFT bound when none is given: the p99 TTFT constraint of MLPerf Inference's
 * Llama-2-70B Server scenario, 2 s [P] (v4.0 rules, as recorded with the results
 * in ../shared/data/published_benchmarks.csv). Without a bound, ranking by
 * tokens/s picks batches whose prefill alone takes tens of seconds. */
#define NPU_PLANNER_DEFAULT_TTFT_S 2.0

typedef struct npu_planner_cfg {
    int chips;           /* chips to deploy on */
    long input, output;  /* tokens per request */
    double max_ttft_s;   /* 0 = NPU_PLANNER_DEFAULT_TTFT_S; INFINITY = no bound */
    double max_tpot_s;   /* 0 or INFINITY = no bound */
    int max_batch;       /* largest batch per replica tried (0 = 4096) */
    npu_stack stack;
    npu_dtype wdt, adt, kvdt;
    npu_dtype_opt hdt, edt; /* LM head, embedding table (unset: wdt's recipe) */
    double moe_skew;
    const npu_engine *engine; /* the serving engine of every run (NULL = kernels only) */
} npu_planner_cfg;

typedef struct npu_plan_eval {
    npu_plan plan;
    bool feasible;
    char why[200];        /* rejected: the reason; feasible: what limits the batch */
    int batch;            /* per replica */
    double ttft_s, tpot_s;
    double tokens_per_s;  /* output tokens/s of all replicas */
    double tokens_per_s_per_chip;
    double mem_gb;        /* fullest chip at that batch */
    double comm_share;    /* communication share of the decode step time */
} npu_plan_eval;

/* What a planner run found; the counts agree with out[]. */
typedef struct npu_planner_result {
    int n;             /* candidate plans evaluated, out[0..n) */
    int n_feasible;    /* feasible ones, ranked, out[0..n_feasible) */
    int n_rejected;    /* n - n_feasible, out[n_feasible..n), each with its reason */
    int n_skipped;     /* candidates beyond max_out, not evaluated */
    double max_ttft_s; /* the TTFT bound applied (INFINITY: none) */
    bool ttft_default; /* ... it is NPU_PLANNER_DEFAULT_TTFT_S, none having been given */
    double max_tpot_s; /* the TPOT bound applied (INFINITY: none) */
} npu_planner_result;

/* Fills out[0..res->n) with the candidate plans, feasible ones first ranked by
 * tokens/s per chip, then the rejected ones. -1 + npu_err on bad arguments. */
int npu_planner_run(const npu_model *m, const npu_hw *hw, const npu_planner_cfg *c, npu_plan_eval *out,
                    int max_out, npu_planner_result *res);

#endif
