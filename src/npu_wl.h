/* npu_wl — one workload of a sweep: a run phase (prefill, decode, e2e, offline)
 * or a serving scenario (arrivals, lengths, scheduler, pools, SLOs).
 *
 * A workload is written as a flat JSON object whose keys are the `workload.*`
 * override paths without the prefix (docs/sweep.md), e.g.
 *   {"phase": "decode", "batch": 64, "ctx": 4096}
 *   {"phase": "serve", "rate": 4, "input": "lognormal:1024,512,4096", "output": 256,
 *    "scheduler": "disagg", "prefill_hw": "h100-sxm", "prefill_replicas": 2, "replicas": 4,
 *    "slo_ttft_ms": 1000, "slo_tpot_ms": 50}
 * Every key is applied through npu_override, so a workload file and a
 * `workload.*` sweep axis name the same field the same way. */
#ifndef NPU_WL_H
#define NPU_WL_H

#include "npu_serve.h"
#include "npu_step.h"

#include <stdbool.h>

typedef enum { NPU_WL_RUN = 0, NPU_WL_SERVE } npu_wl_kind;

/* `phase` values: the four run phases of npu_run, then "serve". */
#define NPU_WL_PHASES 5
extern const char *const npu_wl_phase_names[NPU_WL_PHASES];
#define NPU_WL_PHASE_SERVE 4

typedef struct npu_wl {
    char name[48];          /* optional label */
    int phase;              /* index into npu_wl_phase_names; -1 = not given */
    /* run phases; also the serving pools' stack, datatypes and MoE skew */
    int batch;              /* 0 = not given (offline: as many as fit; "auto" plans: the planner's) */
    long seq, ctx;          /* prefill tokens; decode context */
    long input, output;     /* e2e/offline lengths; serve: fixed lengths when the specs below are numbers */
    char input_spec[96], output_spec[96]; /* serve: length distributions (npu_dist_parse syntax) */
    npu_stack stack;
    npu_dtype wdt, adt, kvdt;
    char lm_head_dtype[24], emb_dtype[24]; /* "" = the weight format's recipe (docs/quantization.md) */
    char spec[96], spec_accept[96];        /* speculative decoding: --spec / --spec-accept text; "" = none */
    double moe_skew;
    int chips;              /* plans "auto": chips the planner deploys on (0 = not given) */
    double slo_ttft_ms, slo_tpot_ms; /* serve: goodput and max-rate SLOs (p99); auto plans: planner bounds */
    /* serve */
    npu_sched sched;        /* -1 = not given: the engine's */
    npu_route route;
    npu_arrival arrival;
    double rate_rps;        /* poisson/gamma rate */
    bool max_rate;          /* "rate": "max": the highest Poisson rate meeting the SLOs */
    double burstiness_cv;
    int concurrency;
    long requests;
    long seed;
    int max_seqs, block_size;          /* 0 = not given: the engine's */
    long max_batched_tokens, chunk;    /* 0 = not given: the engine's */
    double kv_mem_frac, prefix_share, step_overhead_us;
    int replicas;           /* replicas of the pool (disagg: the decode pool) */
    char prefill_hw[128];   /* disagg: the prefill pool's chip (preset or file); "" = the design's chip */
    int prefill_tp, prefill_replicas;
} npu_wl;

/* Defaults: no phase, the CLI's datatypes (bf16), the serving defaults of
 * npu_serve; the scheduler and its limits unset (the engine profile's). */
void npu_wl_defaults(npu_wl *w);
static inline npu_wl_kind npu_wl_kind_of(const npu_wl *w) {
    return w->phase == NPU_WL_PHASE_SERVE ? NPU_WL_SERVE : NPU_WL_RUN;
}
/* What every workload of that phase needs given (phase, batch/seq/ctx/...,
 * an arrival process). -1 + npu_err naming `where` and the missing key. */
int npu_wl_check(const npu_wl *w, bool auto_plan, const char *where);

#endif
