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

typedef struct npu_kvcache {
    long total_blocks, free_blocks;
    int block_tokens;     /* tokens per block */
    long prefix_tokens;   /* longest shared prefix pinned */
    long peak_used;       /* most blocks in use at once (sampled at every allocation) */
    long preemptions;     /* sequences released by npu_kvcache_preempt */
    long violations;      /* allocations beyond the capacity (an invariant: stays 0) */
} npu_kvcache;

void npu_kvcache_init(npu_kvcache *kv, long total_blocks, int block_tokens);

/* Blocks a sequence needs for `tokens` tokens of its own, beyond its shared `prefix`. */
long npu_kvcache_blocks_for(const npu_kvcache *kv, long tokens, long prefix);
/* Blocks that pinning a shared prefix of `prefix` tokens adds (0 when a longer one is pinned). */
long npu_kvcache_prefix_blocks(const npu_kvcache *kv, long prefix);
/* Admission: whether a sequence that will hold `tokens` tokens (its prefix from
 * the shared cache) can enter now, its prefix pinned too. */
bool npu_kvcache_admits(const npu_kvcache *kv, long tokens, long prefix);
/* Admit it: pin its prefix and give it the blocks for `tokens` tokens. */
void npu_kvcache_admit(npu_kvcache *kv, int32_t *held, long tokens, long prefix);
/* Blocks a held sequence still lacks for `tokens` tokens (0 when it has them). */
long npu_kvcache_shortfall(const npu_kvcache *kv, int32_t held, long tokens, long prefix);
/* Grow a sequence to `tokens` tokens (allocation; a violation if none are free). */
void npu_kvcache_grow(npu_kvcache *kv, int32_t *held, long tokens, long prefix);
/* A sequence ends: its blocks return to the pool. */
void npu_kvcache_release(npu_kvcache *kv, int32_t *held);
/* A sequence is preempted: released and counted. */
void npu_kvcache_preempt(npu_kvcache *kv, int32_t *held);

static inline long npu_kvcache_used(const npu_kvcache *kv) { return kv->total_blocks - kv->free_blocks; }
/* Share of the blocks in use now, and at the peak. */
double npu_kvcache_use(const npu_kvcache *kv);
double npu_kvcache_peak_use(const npu_kvcache *kv);

#endif
