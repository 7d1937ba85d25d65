/* npu_step — one inference step (and whole static-batch runs) on one chip:
 * kernel graph -> kernel costs -> step time, per-kind and per-bound breakdown,
 * and the memory plan. */
#ifndef NPU_STEP_H
#define NPU_STEP_H

#include "npu_cost.h"
#include "npu_graph.h"
#include "npu_hw.h"
#include "npu_model.h"

/* npu_step_result (the costs of one step's kernels) is defined in npu_cost.h. */

/* Cost every kernel of `g` (each entry once, weighted by its count) and its
 * energy at full clock (npu_power_kernel); no TDP throttle (npu_power_step). */
void npu_step_eval(const npu_hw *hw, const npu_graph *g, npu_step_result *r);

/* Memory of the fullest chip of the plan (one chip: the whole model). */
typedef struct npu_mem_plan {
    double weights_B;   /* parameters this chip holds, at their datatypes */
    double kv_B;        /* its KV cache at the largest context of the run */
    double act_B;       /* peak transient activations of one step */
    double total_B;
    double capacity_B;  /* the chip's usable DRAM */
} npu_mem_plan;

/* Bytes of parameters one chip of the plan holds (the fullest pipeline stage). */
double npu_plan_weight_bytes(const npu_model *m, npu_plan p, npu_dtype wdt);
/* KV-cache bytes per token (of one sequence) one chip holds. */
double npu_plan_kv_bytes_per_token(const npu_model *m, npu_plan p, npu_dtype kvdt);

/* offline: the steady state of an in-flight-batching engine (TensorRT-LLM, vLLM)
 * fed an endless queue of input/output requests: `batch` requests in flight (0 =
 * as many as the KV cache admits when each reserves input+output tokens), every
 * step decodes them all and prefills the prompts of the ones that replace the
 * finished (batch/output per step on average). */
typedef enum { NPU_RUN_PREFILL = 0, NPU_RUN_DECODE, NPU_RUN_E2E, NPU_RUN_OFFLINE } npu_run_phase;
#define NPU_RUN_PHASES 4
extern const char *const npu_run_phase_names[NPU_RUN_PHASES];
/* Share of the memory left after weights and activations that engines give the KV cache. */
#define NPU_KV_MEM_FRACTION 0.9
/* Largest in-flight batch for the offline phase (an engine's decoder-buffer cap). */
#define NPU_OFFLINE_MAX_BATCH 4096

/* A serving engine's in-flight step around its kernels: production kernels
 * (paged KV, quantize/scale fusions, sampling) run slower than the isolated ones
 * the chip model was calibrated on, and the runtime spends host time per step
 * and per sequence in flight (scheduling, sampling, stop checks). Fitted on the
 * H100 TensorRT-LLM offline-throughput points (docs/accuracy.md); the same
 * engine is assumed on every chip. */
typedef struct npu_engine {
    double kernel_scale; /* engine kernel time / isolated kernel time (compute, memory, overhead) */
    double comm_scale;   /* engine collective time / the collective model's (benchmark-grade) time */
    double step_us;      /* host time per step, us */
    double seq_us;       /* host time per sequence in flight per step, us */
} npu_engine;

typedef struct npu_run_cfg {
    npu_run_phase phase;
    int batch;
    long seq;     /* prefill: new tokens per sequence */
    long ctx;     /* decode: cached tokens per sequence */
    long input;   /* e2e: prompt tokens */
    long output;  /* e2e: generated tokens */
    npu_stack stack;
    npu_dtype wdt, adt, kvdt;
    npu_plan plan;   /* parallel plan of the replica; zeroes = one chip */
    double moe_skew; /* expert popularity ~ rank^-skew; 0 = uniform routing */
    const npu_engine *engine; /* offline phase: the serving engine (NULL = npu_engine_default) */
} npu_run_cfg;

/* A replica of the plan runs `batch` sequences; with pp > 1 they are split into
 * min(batch, pp) micro-batches that flow through the stages. Step times below
 * are the replica's; the graphs and step results are one chip of the last stage
 * running one micro-batch. */
typedef struct npu_run_result {
    double latency_s;     /* the step, or for e2e first prefill to last token */
    double tokens_per_s;  /* of one replica. decode: B/step; prefill: B*S/step; e2e: B*O/latency */
    int batch;            /* sequences per replica (offline: in flight, chosen when 0 was asked) */
    int chips;            /* chips of one replica */
    int micro_batches;    /* pipeline micro-batches */
    double p2p_s;         /* one stage-to-stage activation transfer */
    double ttft_s;        /* e2e: the prefill step */
    double tpot_s;        /* e2e: mean decode step */
    npu_graph graph;      /* prefill graph (prefill, e2e), decode graph (decode), mixed step (offline) */
    npu_step_result step; /* its costs */
    npu_graph dgraph;     /* e2e: the decode graph at the first decode step */
    npu_step_result dstep;
    npu_mem_plan mem;
    /* power and energy (npu_power_step on every step npu_run costs); the step times above
     * include the TDP throttle */
    double energy_j;           /* all chips of the replica: the step (prefill/decode, offline: one
                                * average step), or prefill + all decode steps (e2e) */
    double power_w;            /* average board power of one chip */
    double energy_j_per_token; /* prefill: per prompt token; decode and e2e: per generated token
                                * (e2e includes the prefill's energy) */
    double prefill_energy_j, decode_energy_j; /* decode: all output-1 steps of an e2e run */
    double clock_frac;         /* lowest clock fraction the TDP forced on a step (1 = none) */
} npu_run_result;

extern const npu_engine npu_engine_default; /* = the "trtllm" profile */
/* Named profiles: "trtllm" (TensorRT-LLM v0.13 trtllm-bench), "mlperf" (NVIDIA's
 * MLPerf harness on TensorRT-LLM), "ideal" (kernels only). -1 + npu_err naming the
 * closest on an unknown name. */
int npu_engine_find(const char *name, npu_engine *out);
/* Wall time of a step whose kernels take kernels_s, comm_s of it in collectives,
 * with `seqs` sequences in flight. */
double npu_engine_step_s(const npu_engine *e, double kernels_s, double comm_s, double seqs);

/* Set the memory plan; -1 + npu_err ("does not fit ... by X GB") when it exceeds. */
int npu_mem_plan_make(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, npu_mem_plan *p);
int npu_run(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, npu_run_result *r);

#endif
