/* npu_planner — deployment planning: enumerate the parallel plans of a model on
 * N chips, find for each the largest batch that fits and meets the latency
 * bounds, and rank them by output tokens/s per chip. */
#ifndef NPU_PLANNER_H
#define NPU_PLANNER_H

#include "npu_step.h"

typedef struct npu_planner_cfg {
    int chips;           /* chips to deploy on */
    long input, output;  /* tokens per request */
    double max_ttft_s;   /* 0 = no bound */
    double max_tpot_s;   /* 0 = no bound */
    int max_batch;       /* largest batch per replica tried (0 = 4096) */
    npu_stack stack;
    npu_dtype wdt, adt, kvdt;
    double moe_skew;
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

/* Fills out[0..*n) with every candidate plan, feasible ones first ranked by
 * tokens/s per chip, then the rejected ones. -1 + npu_err on bad arguments. */
int npu_planner_run(const npu_model *m, const npu_hw *hw, const npu_planner_cfg *c, npu_plan_eval *out,
                    int max_out, int *n);

#endif
