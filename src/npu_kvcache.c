/* npu_kvcache — block accounting of a paged KV cache; the per-step operations
 * are inline in the header. */
#include "npu_kvcache.h"

void npu_kvcache_init(npu_kvcache *kv, long total_blocks, int block_tokens) {
    *kv = (npu_kvcache){.total_blocks = total_blocks, .free_blocks = total_blocks, .block_tokens = block_tokens};
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
