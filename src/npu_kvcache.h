/* npu_kvcache — the paged KV cache of one serving replica: blocks of
 * block_tokens tokens handed to sequences as they grow (allocation), the test a
 * sequence must pass to enter (admission: blocks for all it will hold are free),
 * the release of a sequence's blocks when it ends or is preempted (preemption
 * frees them; the scheduler re-queues it for recompute), and a shared prompt
 * prefix whose blocks are pinned once per replica (prefix sharing).
 *
 * Pure accounting, no policy: npu_serve's schedulers decide who is admitted,
 * who grows and who is preempted. A sequence is described by the blocks it
 * holds (`held`) and the leading tokens it reads from the shared prefix. */
#ifndef NPU_KVCACHE_H
#define NPU_KVCACHE_H

#include <stdbool.h>
#include <stdint.h>

/* Sliding-window models (npu_kvcache_init_window): the cache counts layer-blocks,
 * one block of one layer. A sequence holding b blocks of context (ceil(tokens /
 * block_tokens)) is charged global x b + local x min(b, window_blocks): its
 * global layers keep the whole context, its local layers only the blocks the
 * window spans (ceil(window / block_tokens) + 1: the window's first token need
 * not start a block), as engines that free blocks outside the window hold them
 * (vLLM's hybrid KV-cache manager, TensorRT-LLM's per-window pools, llama.cpp's
 * SWA cache). Without a window (npu_kvcache_init) global = 1, local = 0: a
 * block is one block of every layer, as before. */
typedef struct npu_kvcache {
    long total_blocks, free_blocks; /* layer-blocks x (global + local) / (global + local): see above */
    int block_tokens;     /* tokens per block */
    int global, local;    /* weight of a block of context in global and in local layers (1, 0: no window) */
    long window_blocks;   /* blocks a local layer holds at most */
    long prefix_tokens;   /* longest shared prefix pinned */
    long peak_used;       /* most blocks in use at once (sampled at every allocation) */
    long preemptions;     /* sequences released by npu_kvcache_preempt */
    long violations;      /* allocations beyond the capacity (an invariant: stays 0) */
} npu_kvcache;

/* A cache of `total_blocks` blocks of every layer. */
void npu_kvcache_init(npu_kvcache *kv, long total_blocks, int block_tokens);
/* ... of a model with `global` full-attention and `local` sliding-window layers
 * (window `window` tokens; local = 0 or window <= 0: as npu_kvcache_init):
 * total_blocks x (global + local) layer-blocks. */
void npu_kvcache_init_window(npu_kvcache *kv, long total_blocks, int block_tokens, int global, int local,
                             long window);
/* Blocks of every layer the cache holds (total_blocks of npu_kvcache_init). */
long npu_kvcache_full_blocks(const npu_kvcache *kv);

/* ---- the hot path (every step of every replica): inline ---- */

static inline long npu_kvcache_ceil_div_(long a, long b) { return a <= 0 ? 0 : a / b + (a % b != 0); }

/* Blocks `tokens` tokens of context are charged: every layer's blocks, local
 * layers capped at the window's. */
static inline long npu_kvcache_charge(const npu_kvcache *kv, long tokens) {
    long b = npu_kvcache_ceil_div_(tokens, kv->block_tokens);
    if (!kv->local) return b;
    return kv->global * b + kv->local * (b < kv->window_blocks ? b : kv->window_blocks);
}
/* Blocks a sequence needs for `tokens` tokens of its own, beyond its shared
 * `prefix` (local layers: the window's blocks at most of its own, the prefix's
 * pinned ones besides). */
static inline long npu_kvcache_blocks_for(const npu_kvcache *kv, long tokens, long prefix) {
    return npu_kvcache_charge(kv, tokens - prefix);
}
/* Blocks that pinning a shared prefix of `prefix` tokens adds (0 when a longer one is pinned). */
static inline long npu_kvcache_prefix_blocks(const npu_kvcache *kv, long prefix) {
    if (prefix <= kv->prefix_tokens) return 0;
    return npu_kvcache_charge(kv, prefix) - npu_kvcache_charge(kv, kv->prefix_tokens);
}
/* Admission: whether a sequence that will hold `tokens` tokens (its prefix from
 * the shared cache) can enter now, its prefix pinned too. */
static inline bool npu_kvcache_admits(const npu_kvcache *kv, long tokens, long prefix) {
    return npu_kvcache_blocks_for(kv, tokens, prefix) + npu_kvcache_prefix_blocks(kv, prefix) <= kv->free_blocks;
}
/* Blocks a held sequence still lacks for `tokens` tokens (0 when it has them). */
static inline long npu_kvcache_shortfall(const npu_kvcache *kv, int32_t held, long tokens, long prefix) {
    long want = npu_kvcache_blocks_for(kv, tokens, prefix);
    return want > held ? want - held : 0;
}
/* Take `n` blocks; the peak is sampled here, at the moment of allocation (so a
 * preemption, which follows a moment of full use, is seen at its peak). */
static inline void npu_kvcache_take_(npu_kvcache *kv, long n) {
    if (n <= 0) return;
    kv->free_blocks -= n;
    if (kv->free_blocks < 0) kv->violations++;
    long used = kv->total_blocks - kv->free_blocks;
    if (used > kv->peak_used) kv->peak_used = used;
}
/* Grow a sequence to `tokens` tokens (allocation; a violation if none are free). */
static inline void npu_kvcache_grow(npu_kvcache *kv, int32_t *held, long tokens, long prefix) {
    long d = npu_kvcache_shortfall(kv, *held, tokens, prefix);
    npu_kvcache_take_(kv, d);
    *held += (int32_t)d;
}
/* Admit it: pin its prefix and give it the blocks for `tokens` tokens. */
static inline void npu_kvcache_admit(npu_kvcache *kv, int32_t *held, long tokens, long prefix) {
    npu_kvcache_take_(kv, npu_kvcache_prefix_blocks(kv, prefix));
    if (prefix > kv->prefix_tokens) kv->prefix_tokens = prefix;
    npu_kvcache_grow(kv, held, tokens, prefix);
}
/* A sequence ends: its blocks return to the pool. */
static inline void npu_kvcache_release(npu_kvcache *kv, int32_t *held) {
    kv->free_blocks += *held;
    *held = 0;
}

/* A sequence is preempted: released and counted. */
void npu_kvcache_preempt(npu_kvcache *kv, int32_t *held);

static inline long npu_kvcache_used(const npu_kvcache *kv) { return kv->total_blocks - kv->free_blocks; }
/* Share of the blocks in use now, and at the peak. */
double npu_kvcache_use(const npu_kvcache *kv);
double npu_kvcache_peak_use(const npu_kvcache *kv);

#endif
