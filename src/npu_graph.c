/* npu_graph — kernel lists for the `fused` (TensorRT-LLM-like) and `eager`
 * (unfused PyTorch reference) stack profiles. */
#include "npu_graph.h"

#include <limits.h>
#include <math.h>
#include <string.h>

const char *const npu_kkind_names[NPU_KK_COUNT] = {"gemm", "attention", "norm", "elementwise", "memory", "comm"};
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

/* Sum of min(p, w) over the integer positions p = a..b (a >= 1): the keys the
 * queries at those positions see under a sliding window of w (w <= 0: all). */
static double window_sum(double a, double b, double w) {
    if (b < a) return 0;
    if (w <= 0 || b <= w) return (a + b) * (b - a + 1) / 2.0;
    if (a >= w) return w * (b - a + 1);
    return (a + w) * (w - a + 1) / 2.0 + w * (b - w);
}

/* FLOPs and compulsory bytes of an attention kernel from its fields. */
static void attn_fill(npu_kernel *kn) {
    /* (query, key) pairs per head and keys read per sequence. Causal: the q_len
     * new tokens sit at positions past+1 .. kv_len and each sees the keys up to
     * itself, the last `window` of them under a sliding window. Otherwise every
     * query sees all kv_len keys. */
    double pairs, keys;
    double q_len = (double)kn->q_len, kv_len = (double)kn->kv_len;
    if (kn->causal && kn->q_len > 1) {
        double past = kv_len > q_len ? kv_len - q_len : 0; /* cached tokens before the new ones */
        double w = (double)kn->window;
        pairs = window_sum(past + 1, past + q_len, w);
        keys = w > 0 && q_len + w - 1 < past + q_len ? q_len + w - 1 : past + q_len; /* the windows' union */
    } else {
        pairs = q_len * kv_len;
        keys = kv_len;
    }
    double qk = kn->head_dim, v = kn->v_dim > 0 ? kn->v_dim : kn->head_dim;
    kn->flops = 2.0 * (qk + v) * pairs * kn->batch * kn->heads; /* QK^T and PV, 2 FLOP per MAC */
    double kvb = npu_dtype_bytes(kn->kvdt);
    double reread = 1;
    if (!kn->causal || kn->q_len <= 1) { /* a decode as an engine runs it (npu_graph_impl) */
        if (kn->kv_block > 0) keys = ceil(keys / kn->kv_block) * kn->kv_block; /* whole paged blocks */
        if (kn->kv_reread > 1) reread = kn->kv_reread;
    }
    double kv_bytes = kn->latent > 0 ? (double)kn->batch * keys * kn->latent * kvb
                                     : (double)kn->batch * kn->kv_heads * keys * (qk + v) * kvb * reread;
    double qo_bytes = (double)kn->batch * kn->heads * q_len * (qk + v) * ACT_BYTES;
    kn->bytes = kv_bytes + qo_bytes;
}

npu_kernel npu_kernel_attention(int batch, int heads, int kv_heads, int head_dim, long q_len,
                                long kv_len, bool causal, npu_dtype adt, npu_dtype kvdt) {
    npu_kernel kn = {.name = "attention", .kind = NPU_KK_ATTN, .count = 1, .launches = 1,
                     .batch = batch, .heads = heads, .kv_heads = kv_heads, .head_dim = head_dim,
                     .q_len = q_len, .kv_len = kv_len, .causal = causal, .adt = adt, .kvdt = kvdt,
                     .groups = 1, .wdt = adt};
    attn_fill(&kn);
    return kn;
}

npu_kernel npu_kernel_attention_mla(int batch, int heads, int qk_dim, int v_dim, int latent, long q_len,
                                    long kv_len, bool causal, npu_dtype adt, npu_dtype kvdt) {
    npu_kernel kn = npu_kernel_attention(batch, heads, latent > 0 ? 1 : heads, qk_dim, q_len, kv_len,
                                         causal, adt, kvdt);
    kn.v_dim = v_dim;
    kn.latent = latent;
    attn_fill(&kn);
    return kn;
}

npu_kernel npu_kernel_attention_reshape(const npu_kernel *k, int batch, long q_len, long kv_len, bool causal) {
    npu_kernel r = *k;
    r.batch = batch, r.q_len = q_len, r.kv_len = kv_len, r.causal = causal;
    r.count = 1;
    attn_fill(&r);
    return r;
}

npu_kernel npu_kernel_attention_at(const npu_kernel *k, long kv_len) {
    npu_kernel base = *k;
    attn_fill(&base);
    double extra = k->bytes - base.bytes; /* fused RoPE / KV-write traffic carried by k */
    npu_kernel moved = base;
    moved.kv_len = kv_len;
    attn_fill(&moved);
    moved.bytes += extra;
    return moved;
}

npu_kernel npu_kernel_softcap_at(const npu_kernel *sc, const npu_kernel *was, const npu_kernel *now) {
    npu_kernel r = *sc;
    double f = was->flops > 0 ? now->flops / was->flops : 1;
    r.flops *= f, r.bytes *= f;
    return r;
}

bool npu_kernel_is_softcap(const npu_kernel *k) {
    return k->kind == NPU_KK_ELEM && k->name && strcmp(k->name, "attn_softcap") == 0;
}

npu_kernel npu_kernel_comm(const char *name, npu_coll op, int chips, double bytes) {
    npu_kernel kn = {.name = name, .kind = NPU_KK_COMM, .count = 1, .launches = 1, .groups = 1,
                     .coll = op, .chips = chips, .comm_bytes = bytes};
    return kn;
}

npu_kernel npu_kernel_memory(const char *name, npu_kkind kind, double bytes, double flops) {
    npu_kernel kn = {.name = name, .kind = kind, .count = 1, .launches = 1, .groups = 1};
    kn.bytes = bytes;
    kn.flops = flops;
    return kn;
}

static int positive(const npu_kernel *k, const char *field, double v) {
    if (v >= 1) return 0;
    npu_err("%s kernel '%s': %s %.0f must be a positive integer", npu_kkind_names[k->kind], k->name ? k->name : "",
            field, v);
    return -1;
}

int npu_kernel_check(const npu_kernel *k) {
    if ((unsigned)k->kind >= NPU_KK_COUNT) {
        npu_err("kernel '%s': unknown kind %d", k->name ? k->name : "", (int)k->kind);
        return -1;
    }
    if (positive(k, "count", k->count) || (k->kind != NPU_KK_COMM && positive(k, "launches", k->launches)))
        return -1;
    if (k->kind == NPU_KK_GEMM &&
        (positive(k, "m", (double)k->m) || positive(k, "n", (double)k->n) || positive(k, "k", (double)k->k) ||
         positive(k, "groups", k->groups)))
        return -1;
    if (k->kind == NPU_KK_ATTN &&
        (positive(k, "batch", k->batch) || positive(k, "heads", k->heads) || positive(k, "kv_heads", k->kv_heads) ||
         positive(k, "head_dim", k->head_dim) || positive(k, "q_len", (double)k->q_len) ||
         positive(k, "kv_len", (double)k->kv_len) || k->v_dim < 0 || k->latent < 0 || k->window < 0)) {
        if (k->v_dim < 0 || k->latent < 0 || k->window < 0)
            npu_err("attention kernel '%s': v_dim, latent and window must not be negative", k->name ? k->name : "");
        return -1;
    }
    if (k->kind == NPU_KK_COMM && (positive(k, "chips", k->chips) || !(k->comm_bytes >= 0 && isfinite(k->comm_bytes)))) {
        if (k->chips >= 1) npu_err("comm kernel '%s': bytes %g must be finite and >= 0", k->name ? k->name : "", k->comm_bytes);
        return -1;
    }
    if (!(k->flops >= 0 && isfinite(k->flops) && k->bytes >= 0 && isfinite(k->bytes))) {
        npu_err("%s kernel '%s': %g FLOP and %g bytes must be finite and >= 0 (a shape too large?)",
                npu_kkind_names[k->kind], k->name ? k->name : "", k->flops, k->bytes);
        return -1;
    }
    return 0;
}

/* ---- graph builder ---- */

typedef struct builder {
    npu_graph *g;
    int count;   /* count for kernels added now */
    int local;   /* of those layers, the ones attending within the sliding window */
    npu_plan p;  /* normalized plan */
    int attn_dp; /* data-parallel attention groups in a stage (ep > tp), else 1 */
    int mix_seqs; /* prefilling sequences of an in-flight step on this chip */
    int cp;      /* context-parallel chips sharing each sequence (prefill) */
} builder;

static npu_kernel *add(builder *b, npu_kernel kn) {
    if (b->g->n >= NPU_GRAPH_MAX) {
        b->g->n++; /* reported as an error by npu_graph_build */
        return NULL;
    }
    kn.count = b->count;
    b->g->k[b->g->n] = kn;
    return &b->g->k[b->g->n++];
}

static void add_mem(builder *b, const char *name, npu_kkind kind, double bytes, double flops,
                    int launches) {
    npu_kernel *k = add(b, npu_kernel_memory(name, kind, bytes, flops));
    if (k) k->launches = launches;
}

static void add_comm(builder *b, const char *name, npu_coll op, int chips, double bytes) {
    if (chips > 1 && bytes > 0) add(b, npu_kernel_comm(name, op, chips, bytes));
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

/* A norm with no residual add: Gemma 2/3's post-norms of each sub-layer
 * (sandwich) and the q/k norms, over `e` elements in `parts` tensors (q and k:
 * 2). Fused: one kernel reading and writing each element once; eager: the
 * reference code's kernels per tensor, as add_norm. */
static void add_norm_plain(builder *b, const npu_model *m, const npu_step_cfg *c, double e, int parts,
                           const char *name) {
    if (c->stack == NPU_STACK_EAGER && m->norm == NPU_NORM_RMS)
        add_mem(b, name, NPU_KK_NORM, 36.0 * e, 5.0 * e, 8 * parts);
    else if (c->stack == NPU_STACK_EAGER)
        add_mem(b, name, NPU_KK_NORM, 2.0 * ACT_BYTES * e, 8.0 * e, parts);
    else
        add_mem(b, name, NPU_KK_NORM, 2.0 * ACT_BYTES * e, 6.0 * e, 1);
}

/* Activation quantization before a W4A4 GEMM (activations in a block-scaled format: nvfp4,
 * mxfp4) whose producer writes 16-bit values: one kernel reads the rows x width bf16 input
 * and writes its elements and block scales (npu_dtype_bytes of the format, scales included),
 * the amax of every block computed on the way (TensorRT-LLM: torch.ops.trtllm.fp4_quantize in
 * the NVFP4 Linear's apply, per-16 e4m3 scales and the fp32 per-tensor scale [V code]).
 * `groups` independent inputs (experts) are one launch. Costs nothing on a chip whose GEMMs
 * take 16-bit activations for the format (npu_cost_kernel: W4A16 on H100). */
static void add_act_quant(builder *b, const npu_step_cfg *c, double rows, double width, const char *name) {
    if (!npu_dtype_fmt(c->adt)->block_mma || !(rows * width > 0)) return;
    double e = rows * width;
    npu_kernel *k = add(b, npu_kernel_memory(name, NPU_KK_ELEM, e * (ACT_BYTES + npu_dtype_bytes(c->adt)),
                                             e * npu_dtype_quant_ops(c->adt)));
    if (k) k->act_quant = true, k->adt = c->adt;
}

/* Attention soft-capping (Gemma 2): cap x tanh(score / cap) on every score, a
 * division, a tanh and a multiply per (query, key) pair and head of attention
 * kernel `at`. Fused kernels apply it to the scores on chip: no DRAM traffic,
 * the work on the vector units. The eager reference materializes the scores
 * and runs three elementwise kernels over them (read and write each). */
static void add_softcap(builder *b, const npu_step_cfg *c, const npu_kernel *at) {
    double v = at->v_dim > 0 ? at->v_dim : at->head_dim;
    double scores = at->flops / (2.0 * (at->head_dim + v));
    bool eager = c->stack == NPU_STACK_EAGER;
    add_mem(b, "attn_softcap", NPU_KK_ELEM, eager ? 3.0 * 2.0 * scores * ACT_BYTES : 0, 3.0 * scores, eager ? 3 : 1);
}

/* Attention kernel `k` under a sliding window of `w` (causal), keeping the
 * extra bytes it carries (fused RoPE, KV-cache write). */
static npu_kernel attn_windowed(const npu_kernel *k, long w) {
    npu_kernel base = *k;
    attn_fill(&base);
    npu_kernel r = *k;
    r.window = w;
    attn_fill(&r);
    r.bytes += k->bytes - base.bytes;
    return r;
}

/* Attention kernel `k`, built for the whole context (decode: `kv_full` cached
 * keys per sequence, before any window; prefill: causal over all its keys),
 * emitted once per window group of the layers being added, each with its
 * count: the b->local layers attend within the sliding window (a decode reads
 * the last `window` keys, a prompt query the last `window` positions), the
 * others the whole context. A model without local layers gets the one kernel it
 * always had; soft-capped attention adds its pass after each. */
static void add_attn_groups(builder *b, const npu_model *m, const npu_step_cfg *c, const npu_kernel *k, bool decode,
                            long kv_full) {
    int total = b->count;
    for (int g = 0; g < 2; g++) {
        int n = g == 0 ? b->local : total - b->local;
        if (n <= 0) continue;
        long w = g == 0 ? m->sliding_window : 0;
        npu_kernel r = *k;
        if (decode) {
            long keys = npu_plan_decode_keys(b->p, w, kv_full);
            if (keys != k->kv_len) r = npu_kernel_attention_at(k, keys);
        } else if (w > 0) {
            r = attn_windowed(k, w);
        }
        r.window = w;
        if (w > 0 && npu_model_kv_window(m) == 0) /* local beside global layers: say which */
            r.name = strcmp(k->name, "attention_prefill") == 0 ? "attention_prefill_local" : "attention_local";
        b->count = n;
        add(b, r);
        if (m->attn_softcap > 0) add_softcap(b, c, &r);
    }
    b->count = total;
}

/* Eager RoPE on a [rows, heads*D] tensor: ~5 small kernels building cos/sin from
 * positions, then x1*cos, x2*sin, sub, x2*cos, x1*sin, add, cat = 9 tensor-sizes. */
static void add_rope_eager(builder *b, double rows, int heads, int head_dim, const char *name) {
    double t_bytes = rows * heads * head_dim * ACT_BYTES;
    add_mem(b, name, NPU_KK_ELEM, 9.0 * t_bytes, 6.0 * rows * heads * head_dim, 12);
}

/* MLP on `tokens` rows with intermediate size `ffn` (this chip's slice), run as
 * `groups` independent problems (experts). */
static void add_mlp(builder *b, const npu_model *m, const npu_step_cfg *c, double tokens, int ffn,
                    int groups, const char *up_name, const char *down_name) {
    long rows = (long)ceil(tokens - 1e-9);
    if (rows < 1) rows = 1;
    int mats = m->gated_mlp ? 2 : 1;
    npu_kernel up = npu_kernel_gemm(up_name, rows, (long)mats * ffn, m->hidden, c->wdt, c->adt);
    npu_kernel down = npu_kernel_gemm(down_name, rows, m->hidden, ffn, c->wdt, c->adt);
    if (groups > 1) {
        up.groups = down.groups = groups;
        up.flops *= groups, up.bytes *= groups;
        down.flops *= groups, down.bytes *= groups;
        if (c->impl.moe_per_expert) up.launches = down.launches = groups; /* one GEMM launch per expert */
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
    add_act_quant(b, c, (double)rows * groups, ffn, "down_act_quant");
    add(b, down);
}

/* Routing of `picks` token-to-expert choices over `experts` experts whose
 * popularity falls as rank^-skew: the expected number of distinct experts hit,
 * and the share of all picks landing on the busiest of `parts` equal expert
 * groups (random placement; 1/parts when uniform). */
typedef struct routing {
    double hit;        /* distinct experts receiving at least one token */
    double busy_share; /* share of the picks on the busiest expert group */
} routing;

/* Phi^-1(q), 0 < q < 1, by Newton's method on erfc from a logistic start (|error| < 1e-9
 * after the fixed iterations for the q of npu_graph_moe_busiest) */
static double inv_normal(double q) {
    double x = log(q / (1.0 - q)) / 1.702;
    for (int i = 0; i < 8; i++) {
        double f = 0.5 * erfc(-x / sqrt(2.0)) - q;
        x -= f / (exp(-0.5 * x * x) / sqrt(2.0 * M_PI));
    }
    return x;
}

double npu_graph_moe_busiest(int experts, int top_k, double tokens, int parts) {
    double picks = tokens * top_k;
    if (parts <= 1 || experts <= 1 || !(tokens > 0)) return picks > 0 ? picks : 0;
    double G = parts, E = experts, k = top_k < experts ? top_k : experts;
    double mean = picks / G;
    double var = tokens * k * (1.0 / G) * (1.0 - 1.0 / G) * (E - k) / (E - 1.0);
    double e_max = inv_normal((G - 0.375) / (G + 0.25));
    double busy = mean + sqrt(var) * sqrt(G / (G - 1.0)) * e_max;
    double hi = tokens * fmin(k, E / G), lo = ceil(mean - 1e-9);
    if (busy > hi) busy = hi;
    if (busy < lo) busy = lo;
    return busy;
}

static routing route(int experts, int top_k, double tokens, double skew, int parts) {
    routing r;
    double picks = tokens * top_k;
    if (skew <= 0) {
        r.hit = experts * (1.0 - pow(1.0 - 1.0 / experts, picks));
        /* the busiest chip sets the pace: its expected share of the picks (npu_graph_moe_busiest) */
        r.busy_share = picks > 0 ? npu_graph_moe_busiest(experts, top_k, tokens, parts) / picks : 1.0 / parts;
        return r;
    }
    double norm = 0;
    for (int i = 1; i <= experts; i++) norm += pow(i, -skew);
    r.hit = 0;
    for (int i = 1; i <= experts; i++) r.hit += 1.0 - pow(1.0 - pow(i, -skew) / norm, picks);
    /* the busiest group holds the hottest expert plus an average share of the rest */
    double p1 = 1.0 / norm;
    double per_group = (double)experts / parts;
    r.busy_share = experts > 1 ? p1 + (1.0 - p1) * (per_group - 1.0) / (experts - 1.0) : 1.0;
    return r;
}

/* Times a decode kernel reads each K/V head of a group of G = H/KV query heads:
 * once when grouped; per query head, once from DRAM plus the G - 1 re-reads L2
 * does not catch (npu_graph_impl). */
static double decode_reread(const npu_graph_impl *im, int H, int KV) {
    double G = KV > 0 ? (double)H / KV : 1;
    if (!im->gqa_per_head || G <= 1) return 1;
    double hit = im->gqa_l2_hit < 0 ? 0 : im->gqa_l2_hit > 1 ? 1 : im->gqa_l2_hit;
    return 1 + (G - 1) * (1 - hit);
}

/* Attention block of one layer on this chip: `T` tokens of `batch` sequences
 * (this chip's attention share), heads split by tp. */
static void add_attention(builder *b, const npu_model *m, const npu_step_cfg *c, double T, int batch) {
    const npu_plan *p = &b->p;
    long rows = (long)ceil(T - 1e-9);
    bool eager = c->stack == NPU_STACK_EAGER;
    bool decode = c->phase == NPU_PHASE_DECODE;
    int H = npu_plan_heads(m, *p);
    long q_len = c->seq, kv_full = c->ctx + c->seq, kv_len = kv_full;
    /* decode reads the keys of the window, sharded over the cp chips; a prefill's
     * queries are split over the cp chips (load-balanced causal chunks, all keys
     * gathered), each seeing the keys of its window (the kernel's `window`);
     * add_attn_groups applies each layer group's window */
    if (decode) kv_len = npu_plan_decode_keys(*p, 0, kv_full);
    else if (b->cp > 1) q_len = (q_len + b->cp - 1) / b->cp;

    if (m->mla.kv_lora_rank > 0) {
        const npu_mla *a = &m->mla;
        int qk = a->qk_nope_dim + a->qk_rope_dim, lat = a->kv_lora_rank + a->qk_rope_dim;
        if (a->q_lora_rank > 0) { /* down-projections are replicated on every tp chip */
            add(b, npu_kernel_gemm("q_a_proj", rows, a->q_lora_rank, m->hidden, c->wdt, c->adt));
            add(b, npu_kernel_gemm("q_b_proj", rows, (long)H * qk, a->q_lora_rank, c->wdt, c->adt));
        } else {
            add(b, npu_kernel_gemm("q_proj", rows, (long)H * qk, m->hidden, c->wdt, c->adt));
        }
        add(b, npu_kernel_gemm("kv_a_proj", rows, lat, m->hidden, c->wdt, c->adt));
        if (decode) {
            /* absorbed: queries move into the latent space per head (W_UK), attention
             * reads only the cached latent, values come back per head (W_UV) */
            npu_kernel qa = npu_kernel_gemm("q_absorb", rows, a->kv_lora_rank, a->qk_nope_dim, c->wdt, c->adt);
            qa.groups = H, qa.flops *= H, qa.bytes *= H;
            add(b, qa);
            npu_kernel at = npu_kernel_attention_mla(batch, H, lat, a->kv_lora_rank, lat, q_len, kv_len,
                                                     false, NPU_BF16, c->kvdt);
            at.kv_block = c->impl.kv_block; /* the latent is one shared head: no per-head re-read */
            attn_fill(&at);
            if (!eager) at.bytes += T * lat * npu_dtype_bytes(c->kvdt); /* latent write */
            add_attn_groups(b, m, c, &at, true, kv_full);
            if (b->mix_seqs > 0) { /* prompts of the same in-flight step, in the absorbed form too */
                npu_kernel mp = npu_kernel_attention_mla(b->mix_seqs, H, lat, a->kv_lora_rank, lat, c->mix_len,
                                                         c->mix_ctx + c->mix_len, true, NPU_BF16, c->kvdt);
                mp.name = "attention_prefill";
                add_attn_groups(b, m, c, &mp, false, 0);
            }
            npu_kernel vu = npu_kernel_gemm("v_up", rows, a->v_head_dim, a->kv_lora_rank, c->wdt, c->adt);
            vu.groups = H, vu.flops *= H, vu.bytes *= H;
            add(b, vu);
        } else {
            /* prefill: rebuild per-head K and V from the latent of every attended token */
            long kv_rows = (long)batch * (c->ctx + c->seq);
            add(b, npu_kernel_gemm("kv_b_proj", kv_rows, (long)H * (a->qk_nope_dim + a->v_head_dim),
                                   a->kv_lora_rank, c->wdt, c->adt));
            npu_kernel at = npu_kernel_attention_mla(batch, H, qk, a->v_head_dim, 0, q_len, kv_len, true,
                                                     NPU_BF16, NPU_BF16);
            if (!eager) at.bytes += T * lat * npu_dtype_bytes(c->kvdt);
            add_attn_groups(b, m, c, &at, false, 0);
        }
        add(b, npu_kernel_gemm("o_proj", rows, m->hidden, (long)H * a->v_head_dim, c->wdt, c->adt));
        return;
    }

    int hd = m->head_dim;
    int KV = npu_plan_kv_heads(m, *p); /* KV heads replicated when fewer than tp */
    long qkv_n = ((long)H + 2L * KV) * hd;
    add(b, npu_kernel_gemm("qkv_proj", rows, qkv_n, m->hidden, c->wdt, c->adt));
    if (m->qk_norm != NPU_QKNORM_NONE) /* Qwen3, Gemma 3, OLMo 2, Command R+: norms on q and k before RoPE */
        add_norm_plain(b, m, c, T * (H + KV) * hd, 2, "qk_norm");
    if (eager && m->pos == NPU_POS_ROPE) {
        /* partial rotary (NeoX, GPT-J): only rotary_frac of each head turns */
        double f = m->rotary_frac > 0 ? m->rotary_frac : 1;
        int rot = (int)ceil(hd * f - 1e-9);
        add_rope_eager(b, T, H, rot < 1 ? 1 : rot, "rope_q");
        add_rope_eager(b, T, KV, rot < 1 ? 1 : rot, "rope_k");
    }
    double kv_new = 2.0 * T * KV * hd;
    if (eager && decode)
        add_mem(b, "kv_write", NPU_KK_MEMORY, kv_new * (ACT_BYTES + npu_dtype_bytes(c->kvdt)), 0, 2);
    double T_dec = (double)batch * c->seq; /* tokens of the decoding sequences */
    npu_kernel at = npu_kernel_attention(batch, H, KV, hd, q_len, kv_len, !decode, NPU_BF16, c->kvdt);
    if (decode) {
        at.kv_reread = decode_reread(&c->impl, H, KV);
        at.kv_block = c->impl.kv_block;
        attn_fill(&at);
    }
    if (!eager) /* fused: RoPE and the KV-cache write happen inside attention */
        at.bytes += 2.0 * T_dec * KV * hd * npu_dtype_bytes(c->kvdt) + T_dec * (H + 2.0 * KV) * hd * ACT_BYTES;
    add_attn_groups(b, m, c, &at, decode, kv_full);
    if (b->mix_seqs > 0) { /* prompts prefilling in the same in-flight step */
        npu_kernel mp = npu_kernel_attention(b->mix_seqs, H, KV, hd, c->mix_len, c->mix_ctx + c->mix_len, true,
                                             NPU_BF16, c->kvdt);
        double Tm = (double)b->mix_seqs * c->mix_len;
        mp.bytes += 2.0 * Tm * KV * hd * npu_dtype_bytes(c->kvdt) + Tm * (H + 2.0 * KV) * hd * ACT_BYTES;
        mp.name = "attention_prefill";
        add_attn_groups(b, m, c, &mp, false, 0);
    }
    if (b->cp > 1) /* ring/all-gather of the chunk's keys and values (prefill) or partial outputs (decode) */
        add_comm(b, "cp_exchange", NPU_COLL_ALLGATHER, b->cp,
                 decode ? (double)batch * H * hd * 4.0 * b->cp : kv_new * ACT_BYTES * b->cp);
    if (eager) add_mem(b, "attn_transpose", NPU_KK_MEMORY, 2.0 * T * H * hd * ACT_BYTES, 0, 1);
    /* a fused attention kernel writes its output in the GEMM's block format (TensorRT-LLM's
     * attention op with nvfp4 output, out_scale_sf = o_proj's input scale [V code]); eager
     * attention writes 16-bit values that o_proj's Linear quantizes */
    if (eager) add_act_quant(b, c, (double)rows, (double)H * hd, "o_act_quant");
    add(b, npu_kernel_gemm("o_proj", rows, m->hidden, (long)H * hd, c->wdt, c->adt));
}

/* Mixture-of-experts block: router, routed experts (this chip's share), shared
 * experts, and the all-to-all traffic when experts live on other chips. */
static void add_moe(builder *b, const npu_model *m, const npu_step_cfg *c, double T, double T_step) {
    const npu_plan *p = &b->p;
    const npu_moe *e = &m->moe;
    long rows = (long)ceil(T - 1e-9);
    bool eager = c->stack == NPU_STACK_EAGER;
    /* the router, with Qwen2-MoE's shared-expert gate as one more output column */
    add(b, npu_kernel_gemm("router", rows, e->experts + (e->shared_gate ? 1 : 0), m->hidden, NPU_BF16, NPU_BF16));
    add_mem(b, "topk_route", NPU_KK_ELEM, T * e->experts * 4.0 + T * m->hidden * ACT_BYTES * 2,
            T * e->experts * 4.0, eager ? 4 : 1);
    int G = npu_plan_expert_chips(*p); /* chips of the stage sharing the experts */
    double picks = T_step * e->top_k;        /* routed (token, expert) pairs of the stage */
    routing r = route(e->experts, e->top_k, T_step, c->moe_skew, p->ep);
    double local_picks = picks * r.busy_share;
    double local_hit = r.hit / p->ep;
    int groups = (int)ceil(local_hit - 1e-9);
    if (groups < 1) groups = 1;
    int slice = G / p->ep; /* chips splitting each expert's FFN */
    int ffn = (e->expert_ffn + slice - 1) / slice;
    if (p->ep > p->tp && c->impl.moe_gather) {
        /* the engine's attention-DP path without an all-to-all (TensorRT-LLM's CUTLASS and
         * TRT-LLM-gen MoE outside MNNVL/DeepEP: fused_moe_cutlass.py [V]): every expert chip
         * all-gathers all the stage's tokens in the GEMM input type with their top-k expert ids
         * (int32) and weights (fp32), runs its experts on the rows routed to them and
         * reduce-scatters a 16-bit partial output of every token. Sizes as npu_comm counts them:
         * the gathered output and the reduce-scatter's input per chip. With top-k >= G this
         * moves about what all-to-all does; with top-1 (Llama 4) G times as much. */
        add_comm(b, "moe_dispatch", NPU_COLL_ALLGATHER, p->ep,
                 T_step * (m->hidden * npu_dtype_bytes(c->adt) + e->top_k * 8.0));
        add_mlp(b, m, c, local_picks / groups, ffn, groups, "expert_up", "expert_down");
        /* the MoE kernel's permute scans every gathered row and its finalize writes a 16-bit
         * output row for every token of the stage (zero where none of its experts is local) */
        add_mem(b, "moe_finalize", NPU_KK_MEMORY, T_step * m->hidden * (npu_dtype_bytes(c->adt) + ACT_BYTES), 0, 1);
        add_comm(b, "moe_combine", NPU_COLL_REDUCESCATTER, p->ep, T_step * m->hidden * ACT_BYTES);
    } else if (p->ep > p->tp) {
        /* tokens travel to their experts' chips and back (dispatch in the GEMM input
         * type, combine in 16 bits); each rank sends its 1/G share of the stage's tokens */
        double send = T_step / G * e->top_k * m->hidden;
        add_comm(b, "moe_dispatch", NPU_COLL_ALLTOALL, p->ep, send * npu_dtype_bytes(c->adt));
        add_mlp(b, m, c, local_picks / groups, ffn, groups, "expert_up", "expert_down");
        add_comm(b, "moe_combine", NPU_COLL_ALLTOALL, p->ep, send * ACT_BYTES);
    } else {
        add_mlp(b, m, c, local_picks / groups, ffn, groups, "expert_up", "expert_down");
    }
    if (e->shared_experts > 0)
        add_mlp(b, m, c, T, (int)(((long)npu_model_shared_ffn(m) * e->shared_experts + p->tp - 1) / p->tp), 1,
                "shared_up", "shared_down");
}

static void add_layer(builder *b, const npu_model *m, const npu_step_cfg *c, bool moe_layer) {
    const npu_plan *p = &b->p;
    /* tokens on this chip: the stage's tokens over the attention data-parallel
     * groups, and over the context-parallel chips in prefill */
    int batch = (int)npu_plan_seqs_per_chip(*p, c->batch);
    double T_step = (double)c->batch * c->seq + (double)c->mix_seqs * c->mix_len; /* tokens of the whole stage */
    double T = (double)batch * c->seq + (double)b->mix_seqs * c->mix_len;
    if (b->cp > 1 && c->phase == NPU_PHASE_PREFILL) T = ceil(T / b->cp);
    if ((double)c->impl.rows_pad > T) T = (double)c->impl.rows_pad; /* captured-graph padding */
    bool eager = c->stack == NPU_STACK_EAGER;
    double ar_bytes = T * m->hidden * ACT_BYTES; /* a tp all-reduce of the hidden state */
    /* an engine that fuses the all-reduce with the residual add and the next norm
     * runs no separate norm after it (each norm of a layer follows an all-reduce;
     * the first layer's follows the embedding, counted as fused too) */
    bool fused_norm = c->impl.fused_ar_norm && p->tp > 1 && !eager;

    /* pre-norms (post-norms for OLMo 2: the same work), and Gemma 2/3's
     * sandwich adds a post-norm after each sub-layer */
    bool sandwich = m->norm_position == NPU_NORMPOS_SANDWICH;
    /* W4A4: the norms' outputs are quantized for the GEMMs after them, by the fused
     * all-reduce + residual + norm kernel (TensorRT-LLM RESIDUAL_RMS_NORM_QUANT_NVFP4 [V]),
     * else by a kernel of their own */
    if (!fused_norm) add_norm(b, m, c, T, "attn_norm");
    if (!fused_norm) add_act_quant(b, c, T, m->hidden, "qkv_act_quant");
    add_attention(b, m, c, T, batch);
    add_comm(b, "attn_allreduce", NPU_COLL_ALLREDUCE, p->tp, ar_bytes);
    if (sandwich) add_norm_plain(b, m, c, T * m->hidden, 1, "attn_post_norm");
    if (eager) add_mem(b, "residual_add", NPU_KK_ELEM, 3.0 * T * m->hidden * ACT_BYTES, T * m->hidden, 1);
    if ((!m->parallel_block && !fused_norm) || (m->parallel_block && m->parallel_norm_each)) {
        add_norm(b, m, c, T, "mlp_norm");
        add_act_quant(b, c, T, m->hidden, "up_act_quant"); /* a parallel block's MLP shares qkv's */
    }
    if (moe_layer) {
        add_moe(b, m, c, T, b->cp > 1 && c->phase == NPU_PHASE_PREFILL ? T_step / b->cp : T_step);
        if (p->ep <= p->tp) add_comm(b, "moe_allreduce", NPU_COLL_ALLREDUCE, p->tp, ar_bytes);
        else add_comm(b, "moe_allgather", NPU_COLL_ALLGATHER, p->tp, ar_bytes);
    } else {
        add_mlp(b, m, c, T, (m->ffn + p->tp - 1) / p->tp, 1, "mlp_up", "mlp_down");
        add_comm(b, "mlp_allreduce", NPU_COLL_ALLREDUCE, p->tp, ar_bytes);
    }
    if (sandwich) add_norm_plain(b, m, c, T * m->hidden, 1, "mlp_post_norm");
    if (eager) add_mem(b, "residual_add", NPU_KK_ELEM, 3.0 * T * m->hidden * ACT_BYTES, T * m->hidden, 1);
}

/* Token counts the builder turns into GEMM rows and attention shapes (long,
 * and exact in double): beyond this a shape is refused, not wrapped. */
#define MAX_TOKENS 9007199254740992.0 /* 2^53 */

static int check_shape(const npu_model *m, const npu_step_cfg *c) {
    if (c->batch <= 0 || c->seq <= 0 || c->ctx < 0) {
        npu_err("batch and sequence length must be positive");
        return -1;
    }
    if (c->ctx > LONG_MAX - c->seq || (c->mix_seqs > 0 && c->mix_ctx > LONG_MAX - c->mix_len)) {
        npu_err("context of %ld + %ld tokens overflows a 64-bit count", c->ctx, c->seq);
        return -1;
    }
    if (c->ctx + c->seq > m->max_seq && m->max_seq > 0) {
        npu_err("context of %ld tokens exceeds %s's limit of %d", c->ctx + c->seq, m->name, m->max_seq);
        return -1;
    }
    if (c->mix_seqs < 0 || (c->mix_seqs > 0 && (c->phase != NPU_PHASE_DECODE || c->mix_len <= 0 || c->mix_ctx < 0))) {
        npu_err("in-flight prefill needs a decode step and positive lengths");
        return -1;
    }
    if ((double)c->batch + c->mix_seqs > INT_MAX) {
        npu_err("%d decoding + %d prefilling sequences in one step exceed 2^31 - 1", c->batch, c->mix_seqs);
        return -1;
    }
    double tokens = (double)c->batch * (c->ctx + c->seq) + (double)c->mix_seqs * (c->mix_ctx + c->mix_len);
    if (tokens > MAX_TOKENS) {
        npu_err("batch %d x %ld tokens = %.3g tokens in one step is beyond the 2^53 the kernel graph counts exactly",
                c->batch, c->ctx + c->seq, tokens);
        return -1;
    }
    return npu_plan_check(m, c->plan);
}

int npu_graph_build(const npu_model *m, const npu_step_cfg *c, npu_graph *g) {
    g->n = 0;
    if (check_shape(m, c)) return -1;
    builder b = {.g = g, .count = 1, .p = npu_plan_norm(c->plan)};
    b.attn_dp = npu_plan_attn_dp(b.p);
    b.cp = b.p.cp;
    b.mix_seqs = (int)npu_plan_seqs_per_chip(b.p, c->mix_seqs);
    npu_stage st = npu_plan_stage(m, b.p, c->stage);
    int batch = (int)npu_plan_seqs_per_chip(b.p, c->batch);
    double T = (double)batch * c->seq + (double)b.mix_seqs * c->mix_len;
    if (b.cp > 1 && c->phase == NPU_PHASE_PREFILL) T = ceil(T / b.cp);
    if ((double)c->impl.rows_pad > T) T = (double)c->impl.rows_pad;
    /* quantization (issue 11): the LM head and the embedding table in their own datatypes;
     * tied embeddings are one table, at the head's (llama.cpp quantizes it as the output) */
    npu_dtype hdt = npu_dtype_head(c->wdt, c->hdt);
    npu_dtype edt = m->tied_embeddings ? hdt : npu_dtype_emb(c->wdt, c->edt);
    if (st.embeds) {
        /* vocab-parallel table (npu_plan_vocab_rows): each chip gathers the rows it holds
         * (masked rows are zero; dequantized as they are read, written 16-bit), then an
         * all-reduce over tp sums the pieces */
        add_mem(&b, "embedding", NPU_KK_MEMORY, T * m->hidden * (npu_dtype_bytes(edt) + ACT_BYTES), 0, 1);
        add_comm(&b, "embed_allreduce", NPU_COLL_ALLREDUCE, b.p.tp, T * m->hidden * ACT_BYTES);
        if (m->pos == NPU_POS_LEARNED)
            add_mem(&b, "pos_embedding", NPU_KK_ELEM, 3.0 * T * m->hidden * ACT_BYTES, T * m->hidden, 1);
    }
    if (st.dense > 0) {
        b.count = st.dense, b.local = st.dense_local;
        add_layer(&b, m, c, false);
    }
    if (st.layers > st.dense) {
        b.count = st.layers - st.dense, b.local = st.moe_local;
        add_layer(&b, m, c, true);
    }
    b.count = 1, b.local = 0;
    if (st.head) {
        /* final norm and lm_head on the last position of each sequence only; the
         * vocabulary is split over tp and the logits gathered */
        npu_step_cfg last_pos = *c;
        last_pos.seq = 1;
        int outs = batch + b.mix_seqs; /* sequences producing a token this step */
        add_norm(&b, m, &last_pos, outs, "final_norm");
        /* the head's datatype (hdt above: the recipes of FP8, INT8, AWQ/GPTQ, MX/NVFP4 leave it in
         * 16 bits, llama.cpp's in q6_K); its activations: as the layers', unless the head stays wider */
        long vocab = npu_plan_vocab_rows(m, b.p);
        npu_dtype hadt = npu_dtype_elem_bits(hdt) >= 16 ? hdt : npu_dtype_elem_bits(c->adt) >= 16 ? c->adt : hdt;
        add(&b, npu_kernel_gemm("lm_head", outs, vocab, m->hidden, hdt, hadt));
        /* Gemma 2's final soft-capping: divide, tanh, multiply on each logit (one
         * fused pass; three eager kernels); Cohere's logit_scale rides in the
         * lm_head GEMM's epilogue when fused, one multiply kernel when eager */
        double logits = (double)outs * vocab;
        bool eager = c->stack == NPU_STACK_EAGER;
        if (m->final_softcap > 0)
            add_mem(&b, "logit_softcap", NPU_KK_ELEM, (eager ? 3.0 : 1.0) * 2.0 * logits * ACT_BYTES, 3.0 * logits,
                    eager ? 3 : 1);
        if (eager && m->logit_scale > 0 && m->logit_scale != 1)
            add_mem(&b, "logit_scale", NPU_KK_ELEM, 2.0 * logits * ACT_BYTES, logits, 1);
        add_comm(&b, "logits_allgather", NPU_COLL_ALLGATHER, b.p.tp, (double)outs * m->vocab * ACT_BYTES);
        if (c->impl.sample_B_per_vocab > 0) /* the engine's logits processing and sampling over the vocabulary */
            add_mem(&b, "sampling", NPU_KK_ELEM, (double)outs * m->vocab * c->impl.sample_B_per_vocab,
                    5.0 * outs * m->vocab, 1);
    }
    if (g->n > NPU_GRAPH_MAX) {
        npu_err("internal: kernel graph too long");
        return -1;
    }
    /* what decides the GEMM weights' residency on chip (npu_plan_resident_share): the streamed
     * weights this chip holds, the step's activations, its whole traffic. A dense model streams
     * every weight it holds once per step: the GEMMs' weights (an untied embedding table is
     * gathered by rows, not streamed; a tied one is the lm_head's weights); an MoE chip holds
     * every expert, of which a step touches some: the plan's count */
    double pool = 0, step = 0;
    for (int i = 0; i < g->n; i++) {
        const npu_kernel *k = &g->k[i];
        step += k->bytes * k->count;
        if (k->kind == NPU_KK_GEMM) pool += (double)k->n * k->k * (k->groups > 0 ? k->groups : 1) * npu_dtype_bytes(k->wdt) * k->count;
    }
    if (m->moe.experts > 0) {
        npu_weight_parts wp = npu_plan_stage_weight_parts(m, b.p, c->stage, c->wdt, c->hdt, c->edt);
        pool = wp.layers_B + wp.head_B + (st.head && m->tied_embeddings ? wp.emb_B : 0);
    }
    double ws = npu_plan_act_bytes(m, b.p, T, (double)batch + b.mix_seqs);
    for (int i = 0; i < g->n; i++)
        if (g->k[i].kind == NPU_KK_GEMM) g->k[i].res_pool_B = pool, g->k[i].res_ws_B = ws, g->k[i].res_step_B = step;
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
