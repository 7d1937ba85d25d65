/* npu_kvcache — block accounting of a paged KV cache; the per-step operations
 * are inline in the header. */
#include "npu_kvcache.h"

void npu_kvcache_init(npu_kvcache *kv, long total_blocks, int block_tokens) {
    *kv = (npu_kvcache){.total_blocks = total_blocks, .free_blocks = total_blocks, .block_tokens = block_tokens,
                        .global = 1};
}

void npu_kvcache_init_window(npu_kvcache *kv, long total_blocks, int block_tokens, int global, int local,
                             long window) {
    if (local <= 0 || window <= 0 || global < 0) {
        npu_kvcache_init(kv, total_blocks, block_tokens);
        return;
    }
    long units = (long)global + local; /* layer-blocks per block of every layer */
    npu_kvcache_init(kv, total_blocks * units, block_tokens);
    kv->global = global, kv->local = local;
    kv->window_blocks = npu_kvcache_ceil_div_(window, block_tokens) + 1; /* + the block the window starts in */
}

long npu_kvcache_full_blocks(const npu_kvcache *kv) {
    return kv->total_blocks / (kv->local ? (long)kv->global + kv->local : 1);
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
