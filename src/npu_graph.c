/* npu_graph — kernel lists for the `fused` (TensorRT-LLM-like) and `eager`
 * (unfused PyTorch reference) stack profiles. */
#include "npu_graph.h"

#include <math.h>
#include <string.h>

const char *const npu_kkind_names[NPU_KK_COUNT] = {"gemm", "attention", "norm", "elementwise", "memory"};
const char *const npu_stack_names[2] = {"fused", "eager"};

#define ACT_BYTES 2.0 /* elementwise activations stay bf16/fp16 in every stack */

npu_kernel npu_kernel_gemm(const char *name, long m, long n, long k, npu_dtype wdt, npu_dtype adt) {
    npu_kernel kn = {.name = name, .kind = NPU_KK_GEMM, .count = 1, .launches = 1,
                     .m = m, .n = n, .k = k, .groups = 1, .wdt = wdt, .adt = adt};
    kn.flops = 2.0 * m * n * k;
    kn.bytes = (double)n * k * npu_dtype_bytes(wdt) + (double)m * k * npu_dtype_bytes(adt) +
               (double)m * n * ACT_BYTES;
    return kn;
}

npu_kernel npu_kernel_attention(int batch, int heads, int kv_heads, int head_dim, long q_len,
                                long kv_len, bool causal, npu_dtype adt, npu_dtype kvdt) {
    npu_kernel kn = {.name = "attention", .kind = NPU_KK_ATTN, .count = 1, .launches = 1,
                     .batch = batch, .heads = heads, .kv_heads = kv_heads, .head_dim = head_dim,
                     .q_len = q_len, .kv_len = kv_len, .causal = causal, .adt = adt, .kvdt = kvdt,
                     .groups = 1, .wdt = adt};
    /* (query, key) pairs per head: causal prefill sees a triangle ending at kv_len */
    double pairs;
    if (causal && q_len > 1) {
        long past = kv_len - q_len; /* cached tokens before the new ones */
        pairs = (double)q_len * past + (double)q_len * (q_len + 1) / 2.0;
    } else {
        pairs = (double)q_len * kv_len;
    }
    kn.flops = 4.0 * head_dim * pairs * batch * heads; /* QK^T and PV, 2 FLOP per MAC */
    double kv_bytes = 2.0 * batch * kv_heads * (double)kv_len * head_dim * npu_dtype_bytes(kvdt);
    double qo_bytes = 2.0 * batch * heads * (double)q_len * head_dim * ACT_BYTES;
    kn.bytes = kv_bytes + qo_bytes;
    return kn;
}

npu_kernel npu_kernel_memory(const char *name, npu_kkind kind, double bytes, double flops) {
    npu_kernel kn = {.name = name, .kind = kind, .count = 1, .launches = 1, .groups = 1};
    kn.bytes = bytes;
    kn.flops = flops;
    return kn;
}

typedef struct builder {
    npu_graph *g;
    int count; /* count for kernels added now */
} builder;

static npu_kernel *add(builder *b, npu_kernel kn) {
    if (b->g->n >= NPU_GRAPH_MAX) return NULL;
    kn.count = b->count;
    b->g->k[b->g->n] = kn;
    return &b->g->k[b->g->n++];
}

static void add_mem(builder *b, const char *name, npu_kkind kind, double bytes, double flops,
                    int launches) {
    npu_kernel *k = add(b, npu_kernel_memory(name, kind, bytes, flops));
    if (k) k->launches = launches;
}

/* Norm over `rows` x `h`. Eager RMSNorm is the reference code's fp32 round trip:
 * to(fp32), pow, mean, add eps, rsqrt, mul, to(bf16), mul weight = 8 kernels,
 * 36 bytes/element; LayerNorm eager is F.layer_norm (one kernel). Fused: one
 * kernel that also does the residual add (read x and residual, write both). */
static void add_norm(builder *b, const npu_model *m, const npu_step_cfg *c, double rows,
                     const char *name) {
    double e = rows * m->hidden;
    if (c->stack == NPU_STACK_EAGER && m->norm == NPU_NORM_RMS)
        add_mem(b, name, NPU_KK_NORM, 36.0 * e, 5.0 * e, 8);
    else if (c->stack == NPU_STACK_EAGER)
        add_mem(b, name, NPU_KK_NORM, 2.0 * ACT_BYTES * e, 8.0 * e, 1);
    else
        add_mem(b, name, NPU_KK_NORM, 4.0 * ACT_BYTES * e, 6.0 * e, 1);
}

/* Eager RoPE on a [rows, heads*D] tensor: ~5 small kernels building cos/sin from
 * positions, then x1*cos, x2*sin, sub, x2*cos, x1*sin, add, cat = 9 tensor-sizes. */
static void add_rope_eager(builder *b, double rows, int heads, int head_dim, const char *name) {
    double t_bytes = rows * heads * head_dim * ACT_BYTES;
    add_mem(b, name, NPU_KK_ELEM, 9.0 * t_bytes, 6.0 * rows * heads * head_dim, 12);
}

static void add_mlp(builder *b, const npu_model *m, const npu_step_cfg *c, double tokens, int ffn,
                    int groups, const char *up_name, const char *down_name) {
    long rows = (long)ceil(tokens);
    int mats = m->gated_mlp ? 2 : 1;
    npu_kernel up = npu_kernel_gemm(up_name, rows, (long)mats * ffn, m->hidden, c->wdt, c->adt);
    npu_kernel down = npu_kernel_gemm(down_name, rows, m->hidden, ffn, c->wdt, c->adt);
    if (groups > 1) {
        up.groups = down.groups = groups;
        up.flops *= groups, up.bytes *= groups;
        down.flops *= groups, down.bytes *= groups;
    }
    add(b, up);
    double act_e = (double)rows * ffn * groups;
    if (c->stack == NPU_STACK_EAGER) {
        /* act(gate) then * up as separate kernels (ungated: one activation kernel) */
        add_mem(b, "mlp_act", NPU_KK_ELEM, 2.0 * act_e * ACT_BYTES, 8.0 * act_e, 1);
        if (m->gated_mlp) add_mem(b, "mlp_mul", NPU_KK_ELEM, 3.0 * act_e * ACT_BYTES, act_e, 1);
    } else {
        /* one fused activation kernel: read gate+up (or up), write the product */
        add_mem(b, "mlp_act", NPU_KK_ELEM, (mats + 1.0) * act_e * ACT_BYTES, 9.0 * act_e, 1);
    }
    add(b, down);
}

/* Expected number of distinct experts hit when `picks` tokens choose uniformly. */
static double experts_hit(int experts, double picks) {
    return experts * (1.0 - pow(1.0 - 1.0 / experts, picks));
}

static void add_layer(builder *b, const npu_model *m, const npu_step_cfg *c, bool moe_layer) {
    double T = (double)c->batch * c->seq; /* tokens this step */
    long rows = (long)T;
    int hd = m->head_dim;
    bool eager = c->stack == NPU_STACK_EAGER;
    long qkv_n = (long)(m->heads + 2 * m->kv_heads) * hd;

    add_norm(b, m, c, T, "attn_norm");
    add(b, npu_kernel_gemm("qkv_proj", rows, qkv_n, m->hidden, c->wdt, c->adt));
    if (eager && m->pos == NPU_POS_ROPE) {
        add_rope_eager(b, T, m->heads, hd, "rope_q");
        add_rope_eager(b, T, m->kv_heads, hd, "rope_k");
    }
    double kv_new = 2.0 * T * m->kv_heads * hd;
    if (eager && c->phase == NPU_PHASE_DECODE)
        add_mem(b, "kv_write", NPU_KK_MEMORY, kv_new * (ACT_BYTES + npu_dtype_bytes(c->kvdt)), 0, 2);
    long kv_len = c->ctx + c->seq;
    if (m->sliding_window > 0 && kv_len > m->sliding_window) kv_len = m->sliding_window;
    npu_kernel at = npu_kernel_attention(c->batch, m->heads, m->kv_heads, hd, c->seq, kv_len,
                                         c->phase == NPU_PHASE_PREFILL, NPU_BF16, c->kvdt);
    if (!eager) /* fused: RoPE and the KV-cache write happen inside attention */
        at.bytes += kv_new * npu_dtype_bytes(c->kvdt) + T * (m->heads + 2.0 * m->kv_heads) * hd * ACT_BYTES;
    add(b, at);
    if (eager) add_mem(b, "attn_transpose", NPU_KK_MEMORY, 2.0 * T * m->heads * hd * ACT_BYTES, 0, 1);
    add(b, npu_kernel_gemm("o_proj", rows, m->hidden, (long)m->heads * hd, c->wdt, c->adt));
    if (eager) add_mem(b, "residual_add", NPU_KK_ELEM, 3.0 * T * m->hidden * ACT_BYTES, T * m->hidden, 1);
    if (!m->parallel_block) add_norm(b, m, c, T, "mlp_norm");
    if (moe_layer) {
        add(b, npu_kernel_gemm("router", rows, m->moe.experts, m->hidden, NPU_BF16, NPU_BF16));
        add_mem(b, "topk_route", NPU_KK_ELEM, T * m->moe.experts * 4.0 + T * m->hidden * ACT_BYTES * 2,
                T * m->moe.experts * 4.0, eager ? 4 : 1);
        double picks = T * m->moe.top_k;
        double hit = experts_hit(m->moe.experts, picks);
        int groups = (int)ceil(hit - 1e-9);
        if (groups < 1) groups = 1;
        add_mlp(b, m, c, picks / groups, m->moe.expert_ffn, groups, "expert_up", "expert_down");
        if (m->moe.shared_experts > 0)
            add_mlp(b, m, c, T, m->moe.expert_ffn * m->moe.shared_experts, 1, "shared_up", "shared_down");
    } else {
        add_mlp(b, m, c, T, m->ffn, 1, "mlp_up", "mlp_down");
    }
    if (eager) add_mem(b, "residual_add", NPU_KK_ELEM, 3.0 * T * m->hidden * ACT_BYTES, T * m->hidden, 1);
}

int npu_graph_build(const npu_model *m, const npu_step_cfg *c, npu_graph *g) {
    memset(g, 0, sizeof *g);
    if (c->batch <= 0 || c->seq <= 0 || c->ctx < 0) {
        npu_err("batch and sequence length must be positive");
        return -1;
    }
    if (c->ctx + c->seq > m->max_seq && m->max_seq > 0) {
        npu_err("context of %ld tokens exceeds %s's limit of %d", c->ctx + c->seq, m->name, m->max_seq);
        return -1;
    }
    builder b = {.g = g, .count = 1};
    double T = (double)c->batch * c->seq;
    add_mem(&b, "embedding", NPU_KK_MEMORY, 2.0 * T * m->hidden * ACT_BYTES, 0, 1);
    if (m->pos == NPU_POS_LEARNED)
        add_mem(&b, "pos_embedding", NPU_KK_ELEM, 3.0 * T * m->hidden * ACT_BYTES, T * m->hidden, 1);
    int moe_layers = m->moe.experts > 0 ? m->layers - m->moe.dense_layers : 0;
    int dense_layers = m->layers - moe_layers;
    if (dense_layers > 0) {
        b.count = dense_layers;
        add_layer(&b, m, c, false);
    }
    if (moe_layers > 0) {
        b.count = moe_layers;
        add_layer(&b, m, c, true);
    }
    b.count = 1;
    /* final norm and lm_head on the last position of each sequence only */
    npu_step_cfg last = *c;
    last.seq = 1;
    add_norm(&b, m, &last, c->batch, "final_norm");
    add(&b, npu_kernel_gemm("lm_head", c->batch, m->vocab, m->hidden, c->wdt, c->adt));
    if (g->n >= NPU_GRAPH_MAX) {
        npu_err("internal: kernel graph too long");
        return -1;
    }
    return 0;
}

double npu_graph_flops(const npu_graph *g) {
    double s = 0;
    for (int i = 0; i < g->n; i++) s += g->k[i].flops * g->k[i].count;
    return s;
}

double npu_graph_bytes(const npu_graph *g) {
    double s = 0;
    for (int i = 0; i < g->n; i++) s += g->k[i].bytes * g->k[i].count;
    return s;
}

double npu_graph_gemm_flops(const npu_graph *g) {
    double s = 0;
    for (int i = 0; i < g->n; i++)
        if (g->k[i].kind == NPU_KK_GEMM) s += g->k[i].flops * g->k[i].count;
    return s;
}
