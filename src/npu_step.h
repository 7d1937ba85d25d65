/* npu_step — one inference step on one chip (kernel graph -> kernel costs ->
 * step time, per-kind and per-bound breakdown) and the runs built from steps:
 * prefill, decode, a whole static batch (e2e) and the in-flight steady state
 * (offline), through the pipeline stages of the plan. Per-chip shapes and
 * memory come from npu_plan, the engine's step rule from npu_engine. */
#ifndef NPU_STEP_H
#define NPU_STEP_H

#include "npu_cost.h"
#include "npu_engine.h"
#include "npu_graph.h"
#include "npu_hw.h"
#include "npu_model.h"
#include "npu_plan.h"

/* npu_step_result (the costs of one step's kernels) is defined in npu_cost.h. */

/* Cost every kernel of `g` (each entry once, weighted by its count) and its
 * energy at full clock (npu_power_kernel); no TDP throttle (npu_power_step). */
void npu_step_eval(const npu_hw *hw, const npu_graph *g, npu_step_result *r);

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

typedef struct npu_run_cfg {
    npu_run_phase phase;
    int batch;
    long seq;     /* prefill: new tokens per sequence */
    long ctx;     /* decode: cached tokens per sequence */
    long input;   /* e2e: prompt tokens */
    long output;  /* e2e: generated tokens */
    npu_stack stack;
    npu_dtype wdt, adt, kvdt;
    npu_dtype_opt hdt, edt; /* LM head, embedding table (unset: wdt's recipe, docs/quantization.md) */
    npu_plan plan;   /* parallel plan of the replica; zeroes = one chip */
    double moe_skew; /* expert popularity ~ rank^-skew; 0 = uniform routing */
    const npu_engine *engine; /* the serving engine around the kernels, every phase (NULL = kernels
                               * only, npu_engine_ideal; the CLI passes NPU_ENGINE_DEFAULT) */
} npu_run_cfg;

/* A replica of the plan runs `batch` sequences; with pp > 1 they are split into
 * min(batch, pp) micro-batches that flow through the stages (each kind of stage
 * costed: uneven splits make some slower). Step times below are the replica's
 * under the engine (npu_engine_step: hidden collectives, host time, launches;
 * its kernels per npu_engine_graph_impl, its model per npu_engine_model); the
 * graphs and step results are one chip of the last stage running one micro-batch
 * (kernel times only). With an engine that overlaps its host work, a token
 * reaches the client npu_engine_step_out.deliver_s after its step: TTFT and the
 * e2e latency include it. */
typedef struct npu_run_result {
    double latency_s;     /* the step, or for e2e first prefill to last token */
    double tokens_per_s;  /* of one replica. decode: B/step; prefill: B*S/step; e2e: B*O/latency */
    int batch;            /* sequences per replica (offline: in flight, chosen when 0 was asked) */
    int chips;            /* chips of one replica */
    int micro_batches;    /* pipeline micro-batches */
    double p2p_s;         /* one stage-to-stage activation transfer */
    double ttft_s;        /* prefill, e2e: the prefill step and the first token's delivery; offline: a
                           * mixed step and its delivery */
    double tpot_s;        /* e2e: mean decode step (long outputs: summed by segments, docs/scale-out.md) */
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
    /* the engine (docs/accuracy-engines.md) */
    char engine[48];           /* profile name of the engine applied ("ideal": kernels only) */
    double host_s;             /* host time of the reported step (decode step for e2e and offline) */
    double engine_s;           /* its wall time under the engine, minus its kernel time */
    bool graphed;              /* the decode step replays a captured graph */
    int padded_batch;          /* the batch a graphed decode step runs at (captured size) */
} npu_run_result;

/* What a run of `c` asks of memory (npu_mem_plan_make): for e2e and offline each
 * request reserves input + output tokens. */
npu_mem_need npu_run_mem_need(const npu_run_cfg *c);
/* Run `c`; -1 + npu_err on an impossible configuration (lengths beyond the
 * model's context window or a 64-bit count, a plan that does not fit). */
int npu_run(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, npu_run_result *r);

#endif
