/* npu_graph — the ordered list of kernels a chip runs for one inference step of
 * a model, under a software-stack profile.
 *
 * Identical decoder layers are listed once with `count` = layers, so a step of
 * an 80-layer model is ~20 kernels to cost, not 1600. Each kernel carries its
 * shape, FLOPs and compulsory DRAM bytes; npu_cost turns it into time. */
#ifndef NPU_GRAPH_H
#define NPU_GRAPH_H

#include "npu_comm.h"
#include "npu_model.h"
#include "npu_plan.h"
#include "npu_util.h"

#include <stdbool.h>

typedef enum {
    NPU_KK_GEMM = 0, /* matrix multiply on the matrix engines */
    NPU_KK_ATTN,     /* attention core (QK^T, softmax, PV) */
    NPU_KK_NORM,     /* RMSNorm / LayerNorm */
    NPU_KK_ELEM,     /* elementwise: activation, residual add, RoPE, casts */
    NPU_KK_MEMORY,   /* data movement: embedding gather, KV-cache write, copies */
    NPU_KK_COMM,     /* collective among the chips of a parallel plan */
    NPU_KK_COUNT
} npu_kkind;

extern const char *const npu_kkind_names[NPU_KK_COUNT];

typedef enum { NPU_PHASE_PREFILL = 0, NPU_PHASE_DECODE } npu_phase;
typedef enum { NPU_STACK_FUSED = 0, NPU_STACK_EAGER } npu_stack;
extern const char *const npu_stack_names[2];

typedef struct npu_kernel {
    const char *name; /* static label, e.g. "qkv_proj" */
    npu_kkind kind;
    int count;        /* times it runs per step */
    int launches;     /* device kernels it stands for, per run */
    /* GEMM: Y[m,n] = X[m,k] . W[n,k]^T, in `groups` independent problems (MoE experts) */
    long m, n, k;
    int groups;
    npu_dtype wdt, adt; /* weight and input-activation datatypes */
    /* an activation quantization (NPU_KK_ELEM): writes its input in the block-scaled format
     * `adt` (W4A4: fp4 elements + a scale per block) for the GEMM after it; it runs only on a
     * chip whose matrix engines apply adt's scales (npu_hw_runs_block), else it costs nothing:
     * that chip's GEMMs take the 16-bit activations (npu_cost_kernel) */
    bool act_quant;
    /* attention; head_dim is the query/key width, v_dim the value width (0 = head_dim);
     * latent > 0: MLA absorbed form, one shared cached latent of `latent` values per token */
    int batch, heads, kv_heads, head_dim, v_dim, latent;
    long q_len, kv_len; /* new tokens per sequence; tokens in its cache after them (decode: keys read) */
    bool causal;
    long window;        /* the layers' sliding window: causal, each query sees the last `window` keys
                         * only; a decode kernel's kv_len is already capped by it; 0 = all */
    npu_dtype kvdt;
    /* engine kernels (decode): K/V bytes read this many times (0 or 1 = once per K/V
     * head; a per-query-head kernel re-reads them, npu_graph_impl), and the paged-KV
     * block whose whole blocks are read (0 = contiguous) */
    double kv_reread;
    int kv_block;
    /* collective (NPU_KK_COMM): comm_bytes in npu_comm's size convention */
    npu_coll coll;
    int chips;
    double comm_bytes;
    /* all kinds, per run */
    double flops;     /* arithmetic operations */
    double bytes;     /* compulsory traffic to memory, bytes: DRAM, less what npu_cost finds resident
                       * on chip (npu_kcost.sram_bytes) */
    /* GEMM weights' cross-step residency, stamped by npu_graph_build on every GEMM of a step
     * (npu_plan_resident_share decides with the chip): the weights this chip holds (all its
     * layers' and the LM head's, every expert), the step's transient activations that share
     * the SRAM with them, the step's whole traffic (the set a cache would have to hold).
     * All 0 (a standalone kernel, `npusim op`): nothing is resident. */
    double res_pool_B, res_ws_B, res_step_B;
} npu_kernel;

/* How a serving engine's kernels differ from the reference kernels that `op`
 * and `validate` cost (npu_engine_graph_impl fills it from a profile). All zero
 * = the reference: grouped decode attention, contiguous KV, no sampling kernel,
 * separate norms, grouped expert GEMMs, no padding. */
typedef struct npu_graph_impl {
    bool gqa_per_head;   /* decode attention: one kernel block per query head re-reads its group's K/V */
    double gqa_l2_hit;   /* share of those re-reads served by L2, [0, 1] */
    int kv_block;        /* paged KV block, tokens: a decode reads whole blocks (0 = contiguous) */
    double sample_B_per_vocab; /* logits processing + sampling: bytes per sequence per vocabulary entry */
    bool fused_ar_norm;  /* a tp all-reduce fused with the residual add and the next norm */
    bool moe_per_expert; /* expert GEMMs launched one per expert */
    bool moe_gather;     /* attention-DP + EP: every expert chip gets all the stage's tokens by all-gather and
                          * returns its partial outputs by reduce-scatter, instead of all-to-all */
    long rows_pad;       /* dense kernels run at least this many token rows per chip (captured-graph padding) */
} npu_graph_impl;

typedef struct npu_step_cfg {
    npu_phase phase;
    int batch;       /* sequences */
    long seq;        /* new tokens per sequence (1 for decode) */
    long ctx;        /* tokens already in the KV cache per sequence */
    npu_stack stack;
    npu_dtype wdt;   /* weights */
    npu_dtype adt;   /* GEMM input activations */
    npu_dtype kvdt;  /* KV cache */
    npu_dtype_opt hdt, edt; /* LM head, embedding table; unset: wdt's recipe (npu_dtype_head/_emb) */
    npu_plan plan;   /* parallel plan of the replica; zeroes = one chip */
    int stage;       /* pipeline stage this graph is for, 1..pp; 0 = the last */
    /* in-flight batching (decode phase only): besides `batch` decoding sequences,
     * mix_seqs sequences prefill mix_len new tokens each on top of mix_ctx cached
     * ones (a whole prompt, or a chunk of one) in the same step */
    int mix_seqs;
    long mix_len, mix_ctx;
    double moe_skew; /* expert popularity ~ rank^-skew (Zipf); 0 = uniform routing */
    npu_graph_impl impl; /* the serving engine's kernels (zero = reference kernels) */
} npu_step_cfg;

#define NPU_GRAPH_MAX 64
typedef struct npu_graph {
    npu_kernel k[NPU_GRAPH_MAX];
    int n;
} npu_graph;

/* Fill `g` with the kernels ONE chip of the plan runs for one step of its
 * pipeline stage (the whole model when the plan is one chip). FLOPs and weight
 * bytes summed over the chips of a plan equal the one-chip graph's, except the
 * parts a plan replicates (norms, router, MLA down-projections, embedding).
 * -1 + npu_err on an impossible configuration. */
int npu_graph_build(const npu_model *m, const npu_step_cfg *cfg, npu_graph *g);

/* Uniform top-k routing of `tokens` tokens, each to k distinct experts of `experts`,
 * the experts split evenly over `parts` chips: the expected load (routed token-expert
 * pairs) of the busiest chip. A chip's load sums a hypergeometric count per token
 * (mean k/parts, variance k (1/parts)(1 - 1/parts)(experts - k)/(experts - 1)); the
 * busiest of `parts` exchangeable loads with a fixed total is taken as mean +
 * sd sqrt(parts/(parts - 1)) e_parts (Gaussian; e_n, the expected maximum of n
 * standard normals, by Blom's Phi^-1((n - 0.375)/(n + 0.25))), within [ceil(mean),
 * tokens min(k, experts/parts)]. 1 part: tokens x k. */
double npu_graph_moe_busiest(int experts, int top_k, double tokens, int parts);

/* Totals over the step (count-weighted). */
double npu_graph_flops(const npu_graph *g);
double npu_graph_bytes(const npu_graph *g);
double npu_graph_gemm_flops(const npu_graph *g);

/* Standalone kernels for `npusim op`. */
npu_kernel npu_kernel_gemm(const char *name, long m, long n, long k, npu_dtype wdt, npu_dtype adt);
npu_kernel npu_kernel_attention(int batch, int heads, int kv_heads, int head_dim, long q_len,
                                long kv_len, bool causal, npu_dtype adt, npu_dtype kvdt);
/* MLA attention: qk_dim / v_dim per head; latent > 0 for the absorbed (decode) form. */
npu_kernel npu_kernel_attention_mla(int batch, int heads, int qk_dim, int v_dim, int latent, long q_len,
                                    long kv_len, bool causal, npu_dtype adt, npu_dtype kvdt);
/* Attention kernel `k` (heads, widths, datatypes) at another shape, without extra bytes. */
npu_kernel npu_kernel_attention_reshape(const npu_kernel *k, int batch, long q_len, long kv_len, bool causal);
/* Attention kernel `k` moved to a new attended length, keeping any extra bytes it carries. */
npu_kernel npu_kernel_attention_at(const npu_kernel *k, long kv_len);
/* The soft-capping pass `sc` of attention kernel `was` (same count) for that
 * attention moved to `now`: its work scales with the scores. */
npu_kernel npu_kernel_softcap_at(const npu_kernel *sc, const npu_kernel *was, const npu_kernel *now);
/* Is `k` the soft-capping pass the graph emits right after an attention kernel? */
bool npu_kernel_is_softcap(const npu_kernel *k);
npu_kernel npu_kernel_memory(const char *name, npu_kkind kind, double bytes, double flops);
/* -1 + npu_err naming the field when a kernel's shape is not positive or its
 * FLOPs or bytes are not finite and non-negative (a dimension that wrapped in a
 * narrowing conversion shows up here). Callers building kernels from user input
 * (`npusim op`) check with it before costing. */
int npu_kernel_check(const npu_kernel *k);
npu_kernel npu_kernel_comm(const char *name, npu_coll op, int chips, double bytes);

#endif
