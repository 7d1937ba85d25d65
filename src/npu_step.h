/* npu_step — one inference step (and whole static-batch runs) on one chip:
 * kernel graph -> kernel costs -> step time, per-kind and per-bound breakdown,
 * and the memory plan. */
#ifndef NPU_STEP_H
#define NPU_STEP_H

#include "npu_cost.h"
#include "npu_graph.h"
#include "npu_hw.h"
#include "npu_model.h"

typedef struct npu_step_result {
    double time_s;                           /* whole step */
    double flops, bytes;                     /* count-weighted totals */
    double kind_time_s[NPU_KK_COUNT];        /* by kernel kind */
    double bound_time_s[NPU_BOUND_COUNT];    /* by what bounds each kernel */
    int launches;                            /* device kernels per step */
    npu_kcost kc[NPU_GRAPH_MAX];             /* per graph entry, one run */
} npu_step_result;

/* Cost every kernel of `g` (each entry once, weighted by its count). */
void npu_step_eval(const npu_hw *hw, const npu_graph *g, npu_step_result *r);

typedef struct npu_mem_plan {
    double weights_B;   /* all parameters at their datatypes */
    double kv_B;        /* KV cache at the largest context of the run */
    double act_B;       /* peak transient activations of one step */
    double total_B;
    double capacity_B;  /* the chip's usable DRAM */
} npu_mem_plan;

typedef enum { NPU_RUN_PREFILL = 0, NPU_RUN_DECODE, NPU_RUN_E2E } npu_run_phase;
extern const char *const npu_run_phase_names[3];

typedef struct npu_run_cfg {
    npu_run_phase phase;
    int batch;
    long seq;     /* prefill: new tokens per sequence */
    long ctx;     /* decode: cached tokens per sequence */
    long input;   /* e2e: prompt tokens */
    long output;  /* e2e: generated tokens */
    npu_stack stack;
    npu_dtype wdt, adt, kvdt;
    npu_plan plan; /* parallel plan of the replica; zeroes = one chip */
} npu_run_cfg;

typedef struct npu_run_result {
    double latency_s;     /* the step, or for e2e first prefill to last token */
    double tokens_per_s;  /* decode: B/step; prefill: B*S/step; e2e: B*O/latency */
    double ttft_s;        /* e2e: the prefill step */
    double tpot_s;        /* e2e: mean decode step */
    npu_graph graph;      /* prefill graph (prefill, e2e) or decode graph (decode) */
    npu_step_result step; /* its costs */
    npu_graph dgraph;     /* e2e: the decode graph at the first decode step */
    npu_step_result dstep;
    npu_mem_plan mem;
    /* power and energy (npu_power_run, at the end of npu_run); the step times above
     * include the TDP throttle */
    double energy_j;           /* the step (prefill/decode), or prefill + all decode steps (e2e) */
    double power_w;            /* energy_j / latency_s, average board power */
    double energy_j_per_token; /* prefill: per prompt token; decode and e2e: per generated token
                                * (e2e includes the prefill's energy) */
    double prefill_energy_j, decode_energy_j; /* decode: all output-1 steps of an e2e run */
    double clock_frac;         /* lowest clock fraction the TDP forced on a step (1 = none) */
} npu_run_result;

/* Set the memory plan; -1 + npu_err ("does not fit ... by X GB") when it exceeds. */
int npu_mem_plan_make(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, npu_mem_plan *p);
int npu_run(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, npu_run_result *r);

#endif
