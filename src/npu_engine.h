/* npu_engine — a serving engine's runtime around its kernels, as mechanisms
 * (issue 12; docs/accuracy-engines.md, research in docs/research/engines.md).
 *
 * A profile (presets/engine/NAME.json, or a user's file) states what one engine
 * release does, each property with its source:
 *   - the kernels it runs where they differ from the reference ones: whether the
 *     decode-attention kernel reads each K/V head once per query head or once per
 *     GQA group, its paged-KV block (bytes actually read), whether it honours the
 *     model's sliding window, the bytes its logits processing and sampling move,
 *     a fused all-reduce + norm, MoE expert GEMMs grouped or one launch each
 *     (npu_engine_graph_impl -> npu_graph);
 *   - launches: CUDA graphs (or HIP/HPU graphs) replayed, or every kernel enqueued
 *     by the host; decode batches padded to the captured sizes;
 *   - host time per step, per sequence and per prompt, overlapped with the GPU or
 *     not, and tokens delivered during the next step when overlapped;
 *   - how much of its collectives it hides behind compute;
 *   - its memory: the KV fraction and what it is a fraction of, workspace and reserve;
 *   - its scheduler defaults (npu_engine_sched; npu_serve's schedulers use them).
 * No factor on kernel time: every fitted number is one physical quantity whose
 * fitted value, rows and residual are in the profile ("fitted").
 *
 * Names: ENGINE-MAJOR.MINOR per modelled release (trtllm-0.13, vllm-0.6, ...);
 * a bare name (trtllm, vllm, sglang, lmdeploy, llamacpp, mlperf, nim,
 * optimum-habana) is an alias of the newest modelled release; `ideal` is kernels
 * only. A profile may name a `base` and restate only what changed. */
#ifndef NPU_ENGINE_H
#define NPU_ENGINE_H

#include "npu_graph.h"
#include "npu_hw.h"
#include "npu_model.h"
#include "npu_plan.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

/* The engine a command uses when none is given: "auto" picks, by the chip, the
 * engine its published results come from (npu_engine_default_for; stated in
 * --help and in every output). NPU_ENGINE_DEFAULT is the library's default
 * when no chip is known, and NVIDIA's. */
#define NPU_ENGINE_AUTO "auto"
#define NPU_ENGINE_DEFAULT "trtllm"

/* ---- scheduler defaults of an engine release (docs/research/engines.md A, D) ----
 * What the engine does unless told otherwise. npu_serve's schedulers read them
 * (issue 12 section 3); `run --phase offline` reads max_seqs and the memory
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

/* What kv_fraction multiplies: the memory free after weights and workspace are
 * loaded (TensorRT-LLM, TurboMind), the device's total memory, from which weights,
 * workspace and graphs are then taken (vLLM gpu_memory_utilization), or the
 * total for weights + KV pool (SGLang mem_fraction_static). */
typedef enum { NPU_KV_BASIS_FREE_AFTER_LOAD = 0, NPU_KV_BASIS_TOTAL, NPU_KV_BASIS_STATIC_TOTAL,
               NPU_KV_BASIS_COUNT } npu_engine_kv_basis;
extern const char *const npu_engine_kv_basis_names[NPU_KV_BASIS_COUNT];
/* The KV memory of a sliding-window model's local layers (kv_cache.window_memory):
 * per_layer = each layer group its own (local layers hold the window: vLLM >= 0.10
 * hybrid manager, TensorRT-LLM per-window pools, llama.cpp SWA cache); uniform_only
 * = the window caps the cache only when every layer has it (Mistral), a mixed
 * model's local layers hold the whole context; full = every layer the whole context. */
typedef enum { NPU_KV_WINDOW_PER_LAYER = 0, NPU_KV_WINDOW_UNIFORM_ONLY, NPU_KV_WINDOW_FULL,
               NPU_KV_WINDOW_COUNT } npu_engine_kv_window;
extern const char *const npu_engine_kv_window_names[NPU_KV_WINDOW_COUNT];

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

/* ---- mechanisms ---- */

/* Decode attention: one thread block per GQA group reads each K/V head once
 * (TensorRT-LLM XQA, FlashAttention-2/3 GQA packing, FlashInfer), or one per query
 * head re-reads it for every query head of the group (masked MHA, vLLM's
 * PagedAttention v1/v2, llama.cpp's non-flash path). */
typedef enum { NPU_GQA_GROUPED = 0, NPU_GQA_PER_QUERY_HEAD, NPU_GQA_COUNT } npu_engine_gqa;
extern const char *const npu_engine_gqa_names[NPU_GQA_COUNT];
/* Conditions under which a grouped kernel falls back to per-query-head (bits). */
#define NPU_GQA_FALLBACK_WINDOW 1u /* the model has a sliding window (FA2 turns GQA packing off) */
#define NPU_GQA_FALLBACK_ALIBI 2u  /* the model uses ALiBi */

/* Kernel launches: none = every kernel enqueued by the host; decode = decode-only
 * steps replay a captured graph; piecewise = every step up to the capture limit
 * replays graphs, attention runs outside them; full = whole steps replayed. */
typedef enum { NPU_GRAPHS_NONE = 0, NPU_GRAPHS_DECODE, NPU_GRAPHS_PIECEWISE, NPU_GRAPHS_FULL,
               NPU_GRAPHS_COUNT } npu_engine_graphs;
extern const char *const npu_engine_graphs_names[NPU_GRAPHS_COUNT];

/* Host work against the GPU: none = the host schedules step n+1 and processes
 * step n's outputs while the GPU waits (sum); async_output = output processing of
 * step n runs during step n+1 (vLLM 0.6), scheduling does not; one_step_ahead =
 * all host work of step n+1 runs during step n (SGLang >= 0.4, TensorRT-LLM
 * PyTorch >= 0.20): max. With either overlap a step's tokens reach the client
 * while the next step runs, when the host has processed them. */
typedef enum { NPU_OVERLAP_NONE = 0, NPU_OVERLAP_ASYNC_OUTPUT, NPU_OVERLAP_ONE_STEP_AHEAD,
               NPU_OVERLAP_COUNT } npu_engine_overlap;
extern const char *const npu_engine_overlap_names[NPU_OVERLAP_COUNT];

typedef struct npu_engine {
    char name[48];     /* profile name as loaded (an alias resolves to its release: "trtllm-1.0") */
    char asked[48];    /* the name asked for ("trtllm"), or the file's path */
    char product[80];  /* "TensorRT-LLM" */
    char releases[64]; /* release range the profile describes */
    bool ideal;        /* kernels only: no engine mechanism applies */
    /* kernels (npu_engine_graph_impl) */
    npu_engine_gqa gqa;
    unsigned gqa_fallback;   /* NPU_GQA_FALLBACK_* */
    double gqa_l2_hit;       /* share of per-head K/V re-reads served by L2, [0, 1] */
    bool window_ignored;     /* keeps the full KV cache and attends all of it (no sliding window) */
    npu_engine_kv_window kv_window; /* KV memory of the local layers when the window is honored */
    double sample_B_per_vocab; /* bytes moved per sequence per vocabulary entry by logits processing
                                * and sampling (fp32 logits written and read), 0 = none */
    bool fused_ar_norm;      /* tp all-reduce fused with residual add and the next norm */
    bool moe_per_expert;     /* one launch per expert instead of a grouped GEMM */
    bool moe_gather;         /* attention-DP + EP: all-gather the tokens, reduce-scatter the outputs (not all-to-all) */
    /* launches */
    npu_engine_graphs graphs;
    int graph_max_batch;     /* largest captured batch (sequences, decode; tokens, piecewise/full) */
    int graph_batch_step;    /* captured sizes: 1, 2, 4, then multiples of this (when no list is given) */
    int graph_sizes[32];     /* captured sizes, ascending (the engine's list); n_graph_sizes = 0: the step rule */
    int n_graph_sizes;
    bool pad_to_graph;       /* a graphed step runs at the next captured size */
    double enqueue_us;       /* host time to enqueue one kernel that is not replayed from a graph, us */
    /* host */
    double step_us;          /* per step: scheduling, input preparation, synchronisation, us */
    double rank_us;          /* per step and per parallel rank beyond the first: every rank's process
                              * runs the step's host work and the ranks synchronise before each step, us */
    double seq_us;           /* per sequence in the step: bookkeeping, stop checks, outputs, us */
    double prefill_us;       /* per prompt (chunk) started in the step: context setup, us */
    npu_engine_overlap overlap;
    /* collectives */
    double comm_overlap;     /* share of collective time hidden behind compute; < 0 = the chip's links.overlap */
    double collective_us;    /* in a step the host enqueues (not replayed from a graph), the time each
                              * collective call waits beyond the collective model's: every rank launches
                              * its own kernels and each collective waits for the slowest, us */
    double comm_bw_eff;      /* share of the collective model's bandwidth the engine's collectives reach (0, 1] */
    /* memory */
    double reserve_GB;       /* per chip: runtime, CUDA graphs, library workspaces, GB (1e9 bytes) */
    double reserve_frac;     /* ... plus this share of the chip's memory (pools and buffers the runtime
                              * sizes with the device) */
    long workspace_tokens;   /* activation workspace sized for this many tokens per step (0 = the step's own) */
    bool bench_batch;        /* the offline batch is capped by the trtllm-bench build rule (max batch from
                              * its KV estimate, rounded up: tensorrt_llm/bench/build/tuning.py) */
    npu_engine_sched sched;  /* scheduler defaults */
} npu_engine;

/* Load a profile by name (a preset or an alias) or from a JSON file (a path:
 * contains '/' or ends in .json). Resolves `base` chains; validates every field
 * (unknown keys, types, ranges, enumerations) and names file and field in the
 * error. -1 + npu_err naming the closest preset on an unknown name. */
int npu_engine_load(const char *name_or_path, npu_engine *out);
/* A profile given as JSON (the file's form, or a resolved profile as
 * npu_engine_profile_json prints it; a `base` is resolved). -1 + npu_err naming
 * `origin` and the field. */
int npu_engine_from_json(const cJSON *root, const char *origin, npu_engine *out);
/* That profile resolved through its base, as npu_engine_profile_json prints it. */
cJSON *npu_engine_resolve_json(const cJSON *root, const char *origin);
/* The engine "auto" means on chip `hw` (docs/accuracy-engines.md "Default engine"):
 * NVIDIA -> trtllm; AMD -> vllm-rocm; Intel Gaudi -> optimum-habana; Apple ->
 * llamacpp (Metal); a CPU -> llamacpp-cpu; phones, edge modules and dataflow
 * machines (kind mobile, soc-npu, lpu or wafer, or under 16 GiB of memory) ->
 * ideal (a compiled graph in the vendor's runtime: kernels only); every other
 * chip (TPUs, server NPUs) -> vllm, the open engine their vendors' plugins serve
 * through. */
const char *npu_engine_default_for(const npu_hw *hw);
/* The default engine (NPU_ENGINE_DEFAULT), loaded once. */
const npu_engine *npu_engine_default(void);
/* Kernels only: what `--engine ideal` gives. */
const npu_engine *npu_engine_ideal(void);

/* The resolved profile as JSON: every field with its value, source, tag (and
 * the profile it came from when inherited). NULL + npu_err on error. */
cJSON *npu_engine_profile_json(const char *name_or_path);

/* Presets: profiles and aliases, in file order. An alias's target is its release. */
int npu_engine_preset_count(void);
const char *npu_engine_preset_name(int i);
const char *npu_engine_alias_target(const char *name); /* NULL when `name` is not an alias */

/* ---- applying the engine ---- */

/* The kernel-level mechanisms for model `m` (npu_graph builds its kernels with them). */
npu_graph_impl npu_engine_graph_impl(const npu_engine *e, const npu_model *m);
/* The model as the engine runs it: without its sliding window when the engine
 * ignores it. */
npu_model npu_engine_model(const npu_engine *e, const npu_model *m);
/* The model as the engine's KV allocator holds it: npu_engine_model, and without
 * the window too when the engine's KV blocks ignore it (kv_window full, or
 * uniform_only and not every layer windowed). Memory plans and the serving
 * cache size KV with it (npu_plan_stage_kv_bytes, npu_kvcache_init_window). */
npu_model npu_engine_kv_model(const npu_engine *e, const npu_model *m);
/* Comm overlap the engine achieves on `hw`. */
double npu_engine_comm_overlap(const npu_engine *e, const npu_hw *hw);

/* The batch (decode) or token count (piecewise/full) a graphed step runs at:
 * the next captured size (from the list, else 1, 2, 4 and multiples of
 * graph_batch_step up to graph_max_batch), when the engine pads; n otherwise. */
long npu_engine_padded(const npu_engine *e, long n);
/* Whether a step replays a captured graph: decode-only steps up to
 * graph_max_batch sequences (graphs decode), every step up to graph_max_batch
 * tokens (piecewise, full). */
bool npu_engine_graphed(const npu_engine *e, bool decode_only, long seqs, long tokens);

/* What one step of the replica runs, as the engine's step rule needs it. */
typedef struct npu_engine_step_in {
    double kernels_s;   /* kernel time of the step (one chip, pipeline span) */
    double comm_s;      /* of which collectives */
    double launches;    /* kernels the host enqueues (0 for a replayed graph) */
    double seqs;        /* sequences in the step */
    double prompts;     /* prompts (or chunks) started in the step */
    int ranks;          /* chips (processes) of the replica that step together (0 or 1 = one) */
    double collectives; /* collective calls of the step (one chip) */
    double comm_lat_s;  /* of comm_s, the collectives' fixed latency (the rest moves bytes) */
    bool graphed;       /* the step replays a captured graph (collective_us does not apply) */
} npu_engine_step_in;

typedef struct npu_engine_step_out {
    double gpu_s;     /* device time: kernels less hidden collectives, or the host's enqueue if longer */
    double host_s;    /* host time of the step */
    double step_s;    /* wall time of the step (start to the start of the next) */
    double deliver_s; /* its tokens reach the client this long after step_s: the host processes
                       * them after the device finishes, while the next step runs (0 without overlap) */
} npu_engine_step_out;

/* The step rule. hidden = min(comm_s x overlap, kernels_s - comm_s);
 *   gpu  = max(kernels_s - hidden, launches x enqueue_us)
 *   host = (step_us + rank_us x (ranks - 1)) / multi_step + seq_us x seqs + prefill_us x prompts
 *   step = gpu + host                                   (overlap none)
 *        = step_us / multi_step + max(gpu, host - step_us / multi_step)  (async_output)
 *        = max(gpu, host)                               (one_step_ahead)
 * deliver = gpu + host - step (what of the host work runs after the device is done:
 * min(gpu, host) one step ahead, min(gpu, per-sequence part) with async output).
 * `overlap_hw` is the chip's links.overlap (used when the profile says "chip"). */
npu_engine_step_out npu_engine_step(const npu_engine *e, const npu_engine_step_in *in, double overlap_hw);

/* 1 when the engine overlaps its host work with the next step (SGLang >= 0.4,
 * TensorRT-LLM PyTorch >= 0.20, vLLM 0.6 async output): step n's tokens are
 * delivered during step n+1 (npu_engine_step_out.deliver_s after step n ends)
 * and a request that finished in step n is still in step n+1's batch. 0 otherwise. */
int npu_engine_delivery_lag_steps(const npu_engine *e);

/* KV-cache capacity of one replica, tokens, under the engine's memory rule:
 * per chip, the memory left for KV by kv_basis and kv_fraction, after weights,
 * `act_B` of step activations (or the engine's workspace, if larger) and
 * its reserve (npu_engine_reserve_B); the stage that runs out first bounds the replica (npu_plan_kv_capacity).
 * The ideal engine keeps npusim's own rule: (memory - weights) x 0.9 - act_B. */
long npu_engine_kv_capacity(const npu_engine *e, const npu_model *m, const npu_hw *hw, npu_plan p,
                            npu_dtype wdt, npu_dtype_opt hdt, npu_dtype_opt edt, npu_dtype kvdt, double act_B);
/* Bytes per chip the engine keeps besides weights, KV and activations:
 * reserve_GB + reserve_frac x the chip's memory (0 for the ideal engine). */
double npu_engine_reserve_B(const npu_engine *e, const npu_hw *hw);
/* Bytes of activation workspace per chip the engine keeps (workspace_tokens), or `act_B` if larger. */
double npu_engine_workspace_B(const npu_engine *e, const npu_model *m, npu_plan p, double act_B);

#endif
