/* npu_plan — how one model replica is split over chips, and what that puts on
 * each chip: attention heads and K/V heads per chip, attention data parallelism
 * (ep > tp), pipeline stages (uneven layer splits), per-chip weights and KV-cache
 * bytes, step activations, the memory plan and the KV-cache capacity.
 *
 * Below the kernel graph: npu_graph builds one chip's kernels from these shapes;
 * npu_step (runs), npu_steptab and npu_serve (serving) size memory with them.
 * Every rule about "what one chip holds" lives here once. */
#ifndef NPU_PLAN_H
#define NPU_PLAN_H

#include "npu_hw.h"
#include "npu_model.h"
#include "npu_util.h"

#include <stdbool.h>

/* How one model replica is split over chips. 0 and 1 both mean "not split".
 * tp: tensor parallel (heads and MLP columns); pp: pipeline stages (layers);
 * ep: expert parallel (routed experts); dp: data-parallel replicas (the replica
 * count, not a split of one step); cp: context parallel (prefill sequence). */
typedef struct npu_plan {
    int tp, pp, ep, dp, cp;
} npu_plan;

/* Plan with zeroes replaced by 1. */
npu_plan npu_plan_norm(npu_plan p);
/* -1 + npu_err naming the reason when `p` cannot split `m` (heads by tp, more
 * stages than layers, experts by ep, ...). */
int npu_plan_check(const npu_model *m, npu_plan p);
/* Chips of one pipeline stage: max(tp, ep) x cp. Under ep > tp the stage runs
 * attention data-parallel in ep/tp groups of tp chips (DeepSeek-style). */
int npu_plan_stage_chips(npu_plan p);
int npu_plan_replica_chips(npu_plan p); /* stage chips x pp */
int npu_plan_total_chips(npu_plan p);   /* replica chips x dp */

/* ---- per-chip shapes ---- */

/* Attention data-parallel groups of a stage: ep/tp when ep > tp, else 1. */
int npu_plan_attn_dp(npu_plan p);
/* Sequences of a `batch` whose attention (and KV cache) one chip holds: ceil(batch / attn_dp). */
long npu_plan_seqs_per_chip(npu_plan p, long batch);
/* Chips of a stage sharing the routed experts: max(tp, ep). */
int npu_plan_expert_chips(npu_plan p);
/* Query heads per chip (heads / tp). */
int npu_plan_heads(const npu_model *m, npu_plan p);
/* K/V heads per chip: kv_heads / tp, or 1 (replicated) when there are fewer than tp. */
int npu_plan_kv_heads(const npu_model *m, npu_plan p);
/* Vocabulary rows of the embedding table and of the lm_head one chip holds:
 * both are vocab-parallel over the tp chips (Megatron's VocabParallelEmbedding and
 * ParallelLMHead, vLLM), ceil(vocab / tp). A token's embedding row lives on one
 * chip: the gathered rows are all-reduced over tp (npu_graph "embed_allreduce");
 * the lm_head's logits are all-gathered ("logits_allgather"). */
long npu_plan_vocab_rows(const npu_model *m, npu_plan p);
/* Keys one chip reads for a decoding query of a sequence holding kv_len tokens
 * in a layer with sliding window `window` (0 = none): the window caps it,
 * context parallelism shards it over cp chips. */
long npu_plan_decode_keys(npu_plan p, long window, long kv_len);
/* ... for the model as a whole: capped only when every layer is windowed
 * (npu_model_kv_window); per layer group, npu_plan_decode_keys. */
long npu_plan_decode_kv_len(const npu_model *m, npu_plan p, long kv_len);

/* ---- pipeline stages ----
 * L layers over P stages: L / P each, and the L % P extra layers go one each to
 * the stages before the last, counting back from the second-to-last (vLLM's
 * get_pp_indices): the last stage also runs the final norm and the lm_head, so
 * it never takes an extra layer. 61 layers: pp 2 -> 31,30; pp 4 -> 15,15,16,15. */
typedef struct npu_stage {
    int first;   /* its first layer, 0-based */
    int layers;  /* decoder layers it runs */
    int dense;   /* of them, layers with a dense MLP (all of a dense model's) */
    int dense_local, moe_local; /* of the dense and the MoE layers, those attending within the
                                 * sliding window (npu_model_layer_local) */
    bool embeds; /* stage 1: the embedding */
    bool head;   /* the last stage: final norm and lm_head */
} npu_stage;
/* Stage `stage` (1..pp; 0 = the last) of a checked plan. */
npu_stage npu_plan_stage(const npu_model *m, npu_plan p, int stage);

/* ---- per-chip memory ---- */

/* Attention weights of one layer on one chip, elements (npu_model_attn_weights split). */
double npu_plan_attn_weights(const npu_model *m, npu_plan p);
/* Bytes of parameters one chip of stage `stage` holds (1..pp; 0 = the last), the LM
 * head and the embedding table in wdt's recipe datatypes (npu_dtype_head/_emb). */
double npu_plan_stage_weight_bytes(const npu_model *m, npu_plan p, int stage, npu_dtype wdt);
/* The parameters one chip of a stage holds by part, each in its datatype (issue 11:
 * `run --json` "weights"): the decoder layers (norms and routers counted with them),
 * the LM head (its bias and the final norm with it), the embedding table (tied: one
 * table, at the head's datatype, counted here on the first stage). */
typedef struct npu_weight_parts {
    double layers, head, emb;          /* parameters */
    double layers_B, head_B, emb_B;    /* bytes */
    npu_dtype layers_dt, head_dt, emb_dt;
} npu_weight_parts;
npu_weight_parts npu_plan_stage_weight_parts(const npu_model *m, npu_plan p, int stage, npu_dtype wdt,
                                             npu_dtype_opt hdt, npu_dtype_opt edt);
/* ... and of the fullest stage. */
double npu_plan_weight_bytes(const npu_model *m, npu_plan p, npu_dtype wdt);
/* KV-cache bytes per token (of one sequence) one chip of stage `stage` holds,
 * every layer caching it (the rate below the sliding window). */
double npu_plan_stage_kv_bytes_per_token(const npu_model *m, npu_plan p, int stage, npu_dtype kvdt);
/* KV-cache bytes one chip of stage `stage` holds for one sequence of `tokens`
 * tokens: its global layers cache them all, its local (sliding-window) layers
 * at most the window. */
double npu_plan_stage_kv_bytes(const npu_model *m, npu_plan p, int stage, npu_dtype kvdt, double tokens);
/* ... and of the stage with the most layers. */
double npu_plan_kv_bytes_per_token(const npu_model *m, npu_plan p, npu_dtype kvdt);
/* Peak transient activations of one step on one chip: `tokens` new tokens
 * (hidden states, the widest MLP slice, q/k/v, 16 bit) and the fp32 logits of
 * `seqs` sequences. */
double npu_plan_act_bytes(const npu_model *m, npu_plan p, double tokens, double seqs);

/* ---- on-chip residency (docs/accuracy-architectures.md "On-chip residency") ---- */

/* Where a share of a step's GEMM weights is read from instead of DRAM. */
typedef struct npu_resident {
    double share; /* fraction of every GEMM's weights read from on-chip SRAM, [0, 1] */
    double Bps;   /* the read bandwidth of that SRAM, bytes/s (0 when share is 0) */
} npu_resident;

/* The one rule of cross-step weight residency, for a chip `hw` holding `pool_B` bytes of
 * streamed weights (npu_kernel.res_pool_B) in a step with `ws_B` bytes of transient
 * activations and `step_B` bytes of traffic in all:
 * - a software-managed scratchpad (sram role scratchpad) keeps what its compiler pins:
 *   pin_bytes less the activations, over the pool (a compiler pins whole weight tiles;
 *   costed as the same share of every GEMM, which is what a memory-bound step's time
 *   depends on);
 * - a hardware cache (role cache: GPU L2, SLC) streamed in the same order every step
 *   evicts every line before its reuse (LRU under a cyclic scan), so it holds all the
 *   weights when the whole step's set fits (the weights, and the step's traffic), else none;
 * - nothing is pinned where the SRAM reads no faster than DRAM streams (the compiler
 *   would not), or on an SRAM-only chip (sram_main: everything is on chip already).
 * The larger share wins. Pure arithmetic: called per GEMM by npu_cost. */
npu_resident npu_plan_resident_share(const npu_hw *hw, double pool_B, double ws_B, double step_B);

/* What a run asks of memory. */
typedef struct npu_mem_need {
    npu_dtype wdt, kvdt;
    npu_dtype_opt hdt, edt; /* LM head, embedding table (unset: wdt's recipe) */
    long batch;         /* sequences of the replica */
    long kv_tokens;     /* tokens each keeps in its KV cache (the sliding window caps it) */
    double step_tokens; /* new tokens per sequence in one step (activations) */
    bool prefill;       /* a prefill: context parallelism splits each sequence's new tokens */
} npu_mem_need;

/* Memory of the fullest chip of the plan (one chip: the whole model). */
typedef struct npu_mem_plan {
    double weights_B;   /* parameters this chip holds, at their datatypes */
    double kv_B;        /* its KV cache at the largest context of the run */
    double act_B;       /* peak transient activations of one step (or the engine's workspace) */
    double reserve_B;   /* the serving engine's runtime reserve (npu_engine; 0 from npu_mem_plan_make) */
    double total_B;
    double capacity_B;  /* the chip's usable DRAM */
    int stage;          /* the pipeline stage of that chip (1..pp) */
} npu_mem_plan;

/* -1 + npu_err when the chips of one replica cannot all reach each other over
 * `hw`'s links (npu_comm_check: no chip-to-chip links, or more chips than one
 * scale-up domain and no links.scaleout): its collectives and stage-to-stage
 * sends would take forever. Replicas (dp) are independent and not counted. */
int npu_plan_check_hw(const npu_hw *hw, npu_plan p);

/* Set the memory plan; -1 + npu_err ("does not fit ... over by X GB") when it
 * exceeds, or when the plan's chips cannot reach each other (npu_plan_check_hw). */
int npu_mem_plan_make(const npu_model *m, const npu_hw *hw, npu_plan p, const npu_mem_need *q,
                      npu_mem_plan *out);

/* KV-cache capacity of one replica, tokens at the all-layer rate
 * (npu_plan_stage_kv_bytes_per_token; a sequence of n tokens holds
 * npu_model_kv_tokens(m, n) of them once local layers stop at the window): on every chip, the memory the weights
 * leave, times kv_mem_frac, less `act_B` for one step's activations, over the KV
 * bytes per token that chip holds; the stage that runs out first bounds the
 * replica; times the attention data-parallel groups (each holds its own
 * sequences). 0 when nothing is left. The one formula the offline phase
 * (npu_run) and the serving simulator both size their KV caches with. */
long npu_plan_kv_capacity(const npu_model *m, const npu_hw *hw, npu_plan p, npu_dtype wdt, npu_dtype kvdt,
                          double kv_mem_frac, double act_B);
/* ... with the LM head's and the embedding table's datatypes (unset: wdt's recipe). */
long npu_plan_kv_capacity_dt(const npu_model *m, const npu_hw *hw, npu_plan p, npu_dtype wdt, npu_dtype_opt hdt,
                             npu_dtype_opt edt, npu_dtype kvdt, double kv_mem_frac, double act_B);

#endif
