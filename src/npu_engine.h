/* npu_engine — a serving engine's runtime around its kernels: production
 * kernels (paged KV, quantize/scale fusions, sampling) run slower than the
 * isolated ones the chip model was calibrated on, the runtime spends host time
 * per step and per sequence in flight (scheduling, sampling, stop checks), and
 * it may hide part of its collectives behind compute (the chip's links.overlap).
 * Profiles are fitted on H100 engine-level data (docs/scale-out.md); the same
 * engine is assumed on every chip. Used by the offline phase of npu_run and by
 * every step of the serving simulator. */
#ifndef NPU_ENGINE_H
#define NPU_ENGINE_H

#include <stdbool.h>

/* ---- scheduler defaults of an engine release (docs/research/engines.md A, D) ----
 * What the engine does unless told otherwise. npu_serve's schedulers read them
 * (G2, issue 12 section 3); `run --phase offline` reads max_seqs and the memory
 * fields. Every value of every profile has its source in presets/engine/NAME.json. */

/* How one engine step is composed (engines.md section 0 item 4). */
typedef enum {
    NPU_POLICY_STATIC = 0,            /* a padded static batch runs to its longest output before the next
                                       * (gptSessionBenchmark, optimum-habana run_generation.py) */
    NPU_POLICY_PREFILL_FIRST,         /* a step is all prefill (whole prompts within token_budget) or all
                                       * decode; prefill first (vLLM V0) */
    NPU_POLICY_PREFILL_FIRST_CHUNKED, /* prefill-first; prompts cut into chunks of `chunk` tokens, a
                                       * prefill step at most token_budget (SGLang) */
    NPU_POLICY_DECODE_FIRST_MIXED,    /* every running decode, then whole prompts while token_budget lasts,
                                       * in one mixed step (TensorRT-LLM in-flight batching, no chunking) */
    NPU_POLICY_DECODE_FIRST_CHUNKED,  /* every running decode, then prompt chunks filling token_budget
                                       * (TensorRT-LLM chunked context, vLLM V1, Sarathi) */
    NPU_POLICY_SINGLE_STREAM,         /* one request at a time (llama-bench; llama.cpp with one slot) */
    NPU_POLICY_COUNT
} npu_engine_policy;
extern const char *const npu_engine_policy_names[NPU_POLICY_COUNT];

/* Admission: reserve a request's whole sequence (TensorRT-LLM GUARANTEED_NO_EVICT)
 * or its current tokens only (vLLM, SGLang, TensorRT-LLM MAX_UTILIZATION). */
typedef enum { NPU_ADMIT_RESERVE_FULL = 0, NPU_ADMIT_ON_DEMAND, NPU_ADMIT_COUNT } npu_engine_admission;
extern const char *const npu_engine_admission_names[NPU_ADMIT_COUNT];

/* What happens to a running sequence when the KV cache runs out. */
typedef enum { NPU_PREEMPT_NONE = 0, NPU_PREEMPT_RECOMPUTE, NPU_PREEMPT_SWAP, NPU_PREEMPT_PAUSE,
               NPU_PREEMPT_COUNT } npu_engine_preempt;
extern const char *const npu_engine_preempt_names[NPU_PREEMPT_COUNT];

/* What kv_fraction multiplies: the memory free after weights and activations are
 * loaded (TensorRT-LLM, TurboMind), the device's total memory, from which weights,
 * activations and graphs are then taken (vLLM gpu_memory_utilization), or the
 * total for weights + KV pool (SGLang mem_fraction_static). */
typedef enum { NPU_KV_BASIS_FREE_AFTER_LOAD = 0, NPU_KV_BASIS_TOTAL, NPU_KV_BASIS_STATIC_TOTAL,
               NPU_KV_BASIS_COUNT } npu_engine_kv_basis;
extern const char *const npu_engine_kv_basis_names[NPU_KV_BASIS_COUNT];

typedef struct npu_engine_sched {
    npu_engine_policy policy;
    int max_seqs;              /* running sequences per replica (max_batch_size, max_num_seqs,
                                * max_running_requests); 0 = the engine sizes it from the KV capacity */
    long token_budget;         /* new tokens per step (max_num_tokens, max_num_batched_tokens,
                                * max_prefill_tokens), tokens */
    long chunk;                /* prompt chunk, tokens (chunked policies; 0 = token_budget) */
    int multi_step;            /* decode steps per scheduling round (vLLM 0.6 num_scheduler_steps); 1 = every step */
    npu_engine_admission admission;
    npu_engine_preempt preemption;
    double kv_fraction;        /* share of kv_basis given to the KV cache, (0, 1] */
    npu_engine_kv_basis kv_basis;
    int block_tokens;          /* paged-KV block, tokens */
    bool prefix_cache;         /* prefix reuse on by default */
} npu_engine_sched;

/* The engine profile. The mechanism fields below are being replaced (issue 12,
 * branch engines: kernel_scale goes); `sched` and npu_engine_delivery_lag_steps
 * are the stable part the schedulers use. */
typedef struct npu_engine {
    double kernel_scale; /* engine kernel time / isolated kernel time (compute, memory, overhead) */
    double comm_scale;   /* engine collective time / the collective model's (benchmark-grade) time */
    double step_us;      /* host time per step, us */
    double seq_us;       /* host time per sequence in flight per step, us */
    npu_engine_sched sched; /* scheduler defaults */
} npu_engine;

/* Steps by which a token reaches the client after the step that produced it:
 * 1 when the engine overlaps its host work with the next step (SGLang >= 0.4,
 * TensorRT-LLM PyTorch >= 0.20, vLLM V1 and async output): the token of step n
 * is delivered at the end of step n+1, so TTFT includes the first decode step
 * and every request runs one extra step. 0 otherwise. */
int npu_engine_delivery_lag_steps(const npu_engine *e);

extern const npu_engine npu_engine_default; /* = the "trtllm" profile */
extern const npu_engine npu_engine_ideal;   /* kernels only: what run --phase prefill|decode|e2e report */

/* Named profiles: "trtllm" (TensorRT-LLM v0.13 trtllm-bench), "mlperf" (NVIDIA's
 * MLPerf harness on TensorRT-LLM), "ideal" (kernels only). -1 + npu_err naming the
 * closest on an unknown name. */
int npu_engine_find(const char *name, npu_engine *out);

/* Wall time of a step whose kernels take kernels_s, comm_s of it in collectives,
 * with `seqs` sequences in flight, on a chip that hides the fraction `overlap`
 * of its collective time behind compute (npu_comm_overlap: links.overlap): the
 * exposed collective time is comm_s x (1 - overlap), and no more collective time
 * hides than the step's other kernels take (kernels_s - comm_s). */
double npu_engine_step_s(const npu_engine *e, double kernels_s, double comm_s, double overlap, double seqs);

#endif
