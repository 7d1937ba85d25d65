/* npu_steptab — step times of a serving engine's batches, from the core model,
 * fast enough to cost millions of steps.
 *
 * A continuous-batching step mixes decodes and prefill chunks; the kernel graph
 * has no mixed phase, so a step is composed from parts of graphs:
 *
 *   t(step) = dense(T) + head(E) + sum over attention entries a of
 *             count_a * [ attn_a(decodes: B, kv = mean ctx + 1, q = 1)
 *                       + attn_a(prefill chunks: n, q = mean chunk, kv = mean ctx + q, causal) ]
 *
 *   T      all new tokens of the step (decodes + chunk tokens)
 *   dense  the non-attention kernels of a prefill graph of batch 1 and T tokens,
 *          without the last-position kernels (final_norm, lm_head)
 *   head   final_norm + lm_head of a graph of E sequences (E = sequences that emit
 *          a token this step: decodes and chunks that end their prompt)
 *   attn   the graph's own attention entry (its heads, layers, fused extra bytes
 *          per new token) re-costed at the step's shape
 *
 * For a pure decode batch of uniform context this is the decode graph itself,
 * and for a single prompt it is the prefill graph (tested to 1e-9).
 *
 * The engine: a graphed step (npu_engine_graphed) runs dense() and head() at the
 * next captured size when the engine pads; the kernels the host enqueues (none
 * for a replayed graph, attention only for piecewise graphs) and the step's
 * sequences and prompts go to npu_engine_step, whose wall time is wall_s.
 *
 * Every evaluation of the core model goes through one function (npu_steptab.c:
 * core_part), which builds the graph with the replica's parallel plan.
 * dense() and head() are memoized per integer argument (exact, lazily filled)
 * up to NPU_STEPTAB_EXACT tokens, and interpolated linearly on a log grid of
 * 64 points per octave above it (< 0.1% error, tested); attention is one kernel
 * cost per entry and step, not cached. */
#ifndef NPU_STEPTAB_H
#define NPU_STEPTAB_H

#include "npu_engine.h"
#include "npu_graph.h"
#include "npu_hw.h"
#include "npu_model.h"

#define NPU_STEPTAB_EXACT 32768

/* What one engine step runs. */
typedef struct npu_step_shape {
    int dec_batch;      /* sequences decoding one token */
    double dec_ctx_sum; /* their cached tokens before this step, summed */
    int pf_n;           /* prefill chunks */
    long pf_tokens;     /* their new tokens, summed */
    double pf_ctx_sum;  /* their cached tokens before the chunk, summed */
    int emit;           /* sequences emitting a token (lm_head rows) */
} npu_step_shape;

typedef struct npu_step_cost {
    double time_s;    /* one chip, after the TDP throttle (npu_steptab_cost) */
    double flops;     /* count-weighted */
    double bytes;     /* DRAM bytes */
    double compute_j; /* arithmetic energy at full clock, one chip */
    double other_j;   /* memory and other dynamic energy, one chip (no idle power) */
    double cb_s;      /* time of the compute-bound kernels at full clock */
    double comm_s;    /* time of the collectives */
    double launches;  /* device kernels of the step, count-weighted */
    double collectives; /* collective calls of the step, count-weighted */
    double comm_lat_s;  /* the collectives' fixed latency (of comm_s) */
    double energy_j;  /* one chip over the step, idle power included (npu_steptab_cost) */
    double clock_frac;/* TDP throttle of the step (1 = none) */
    /* the engine's step rule (npu_engine_step) on these kernels */
    double wall_s;    /* wall time of the step: hidden collectives, host time, launches */
    double host_s;    /* host time of the step */
    double deliver_s; /* its tokens reach the client this long after wall_s */
} npu_step_cost;

typedef struct npu_steptab npu_steptab;

/* `base` gives stack, datatypes and plan (phase, batch, seq, ctx are ignored).
 * -1 + npu_err if the model's graph cannot be built. Free with npu_steptab_free.
 * The engine `e` (NULL = kernels only) decides the model it runs (its window),
 * its kernels (npu_engine_graph_impl, over base's), the padding of graphed
 * steps, and the step rule that turns kernel time into wall time (wall_s). */
int npu_steptab_create_engine(const npu_model *m, const npu_hw *hw, const npu_step_cfg *base, const npu_engine *e,
                              npu_steptab **out);
/* ... with kernels only (npu_engine_ideal). */
int npu_steptab_create(const npu_model *m, const npu_hw *hw, const npu_step_cfg *base, npu_steptab **out);
void npu_steptab_free(npu_steptab *t);

/* Cached step cost (the simulation's hot path). */
npu_step_cost npu_steptab_cost(npu_steptab *t, const npu_step_shape *s);
/* The same composition with every part evaluated directly (no cache): the
 * reference the cache is tested against. */
npu_step_cost npu_steptab_cost_direct(const npu_steptab *t, const npu_step_shape *s);

#endif
