/* npu_kvcache — block accounting of a paged KV cache. Called on every step of
 * every serving replica: no allocation, no loops. */
#include "npu_kvcache.h"

static long ceil_div(long a, long b) { return a <= 0 ? 0 : a / b + (a % b != 0); }

void npu_kvcache_init(npu_kvcache *kv, long total_blocks, int block_tokens) {
    *kv = (npu_kvcache){.total_blocks = total_blocks, .free_blocks = total_blocks, .block_tokens = block_tokens};
}

long npu_kvcache_blocks_for(const npu_kvcache *kv, long tokens, long prefix) {
    return ceil_div(tokens - prefix, kv->block_tokens);
}

long npu_kvcache_prefix_blocks(const npu_kvcache *kv, long prefix) {
    if (prefix <= kv->prefix_tokens) return 0;
    return ceil_div(prefix, kv->block_tokens) - ceil_div(kv->prefix_tokens, kv->block_tokens);
}

/* Take `n` blocks; the peak is sampled here, at the moment of allocation (a
 * preemption follows a moment of full use, which this sees). */
static void take(npu_kvcache *kv, long n) {
    if (n <= 0) return;
    kv->free_blocks -= n;
    if (kv->free_blocks < 0) kv->violations++;
    long used = kv->total_blocks - kv->free_blocks;
    if (used > kv->peak_used) kv->peak_used = used;
}

bool npu_kvcache_admits(const npu_kvcache *kv, long tokens, long prefix) {
    return npu_kvcache_blocks_for(kv, tokens, prefix) + npu_kvcache_prefix_blocks(kv, prefix) <= kv->free_blocks;
}

void npu_kvcache_admit(npu_kvcache *kv, int32_t *held, long tokens, long prefix) {
    take(kv, npu_kvcache_prefix_blocks(kv, prefix));
    if (prefix > kv->prefix_tokens) kv->prefix_tokens = prefix;
    npu_kvcache_grow(kv, held, tokens, prefix);
}

long npu_kvcache_shortfall(const npu_kvcache *kv, int32_t held, long tokens, long prefix) {
    long want = npu_kvcache_blocks_for(kv, tokens, prefix);
    return want > held ? want - held : 0;
}

void npu_kvcache_grow(npu_kvcache *kv, int32_t *held, long tokens, long prefix) {
    long d = npu_kvcache_shortfall(kv, *held, tokens, prefix);
    take(kv, d);
    *held += (int32_t)d;
}

void npu_kvcache_release(npu_kvcache *kv, int32_t *held) {
    kv->free_blocks += *held;
    *held = 0;
}

void npu_kvcache_preempt(npu_kvcache *kv, int32_t *held) {
    npu_kvcache_release(kv, held);
    kv->preemptions++;
}

double npu_kvcache_use(const npu_kvcache *kv) {
    return kv->total_blocks > 0 ? (double)npu_kvcache_used(kv) / kv->total_blocks : 0;
}

double npu_kvcache_peak_use(const npu_kvcache *kv) {
    return kv->total_blocks > 0 ? (double)kv->peak_used / kv->total_blocks : 0;
}
