/* npu_plan — parallel plans: checks, per-chip shapes, stages, memory. */
#include "npu_plan.h"

#include "npu_comm.h"

#include <math.h>

#define GIB 1073741824.0 /* device memory is shown in GiB (2^30 bytes), as capacities are sold */
#include <string.h>

npu_plan npu_plan_norm(npu_plan p) {
    if (p.tp < 1) p.tp = 1;
    if (p.pp < 1) p.pp = 1;
    if (p.ep < 1) p.ep = 1;
    if (p.dp < 1) p.dp = 1;
    if (p.cp < 1) p.cp = 1;
    return p;
}

int npu_plan_stage_chips(npu_plan p) {
    p = npu_plan_norm(p);
    return (p.ep > p.tp ? p.ep : p.tp) * p.cp;
}
int npu_plan_replica_chips(npu_plan p) { return npu_plan_stage_chips(p) * npu_plan_norm(p).pp; }
int npu_plan_total_chips(npu_plan p) { return npu_plan_replica_chips(p) * npu_plan_norm(p).dp; }

int npu_plan_check(const npu_model *m, npu_plan p) {
    if (p.tp < 0 || p.pp < 0 || p.ep < 0 || p.dp < 0 || p.cp < 0) {
        npu_err("parallel sizes must be positive");
        return -1;
    }
    p = npu_plan_norm(p);
    if (m->heads % p.tp) {
        npu_err("%s: %d attention heads are not divisible by --tp %d", m->name, m->heads, p.tp);
        return -1;
    }
    if (m->mla.kv_lora_rank <= 0 && m->kv_heads % p.tp && p.tp % m->kv_heads) {
        npu_err("%s: %d KV heads and --tp %d: one must divide the other", m->name, m->kv_heads, p.tp);
        return -1;
    }
    if (p.pp > m->layers) {
        npu_err("%s: --pp %d exceeds its %d layers (a stage needs at least one)", m->name, p.pp, m->layers);
        return -1;
    }
    if (p.ep > 1 && m->moe.experts <= 0) {
        npu_err("%s: --ep %d needs a mixture-of-experts model", m->name, p.ep);
        return -1;
    }
    if (p.ep > 1 && m->moe.experts % p.ep) {
        npu_err("%s: %d experts are not divisible by --ep %d", m->name, m->moe.experts, p.ep);
        return -1;
    }
    if (p.ep > 1 && (p.ep > p.tp ? p.ep % p.tp : p.tp % p.ep)) {
        npu_err("--ep %d and --tp %d: one must divide the other", p.ep, p.tp);
        return -1;
    }
    if ((double)npu_plan_stage_chips(p) * p.pp * p.dp > 1 << 30) {
        npu_err("the plan spans %.3g chips; at most 2^30", (double)npu_plan_stage_chips(p) * p.pp * p.dp);
        return -1;
    }
    return 0;
}

/* ---- per-chip shapes ---- */

int npu_plan_attn_dp(npu_plan p) {
    p = npu_plan_norm(p);
    return p.ep > p.tp ? p.ep / p.tp : 1;
}

long npu_plan_seqs_per_chip(npu_plan p, long batch) {
    long g = npu_plan_attn_dp(p);
    return batch <= 0 ? 0 : batch / g + (batch % g != 0);
}

int npu_plan_expert_chips(npu_plan p) {
    p = npu_plan_norm(p);
    return p.ep > p.tp ? p.ep : p.tp;
}

int npu_plan_heads(const npu_model *m, npu_plan p) { return m->heads / npu_plan_norm(p).tp; }

int npu_plan_kv_heads(const npu_model *m, npu_plan p) {
    int tp = npu_plan_norm(p).tp;
    return m->kv_heads >= tp ? m->kv_heads / tp : 1;
}

long npu_plan_decode_keys(npu_plan p, long window, long kv_len) {
    if (window > 0 && kv_len > window) kv_len = window;
    long cp = npu_plan_norm(p).cp;
    return cp > 1 ? kv_len / cp + (kv_len % cp != 0) : kv_len;
}

long npu_plan_decode_kv_len(const npu_model *m, npu_plan p, long kv_len) {
    return npu_plan_decode_keys(p, npu_model_kv_window(m), kv_len);
}

long npu_plan_vocab_rows(const npu_model *m, npu_plan p) {
    long tp = npu_plan_norm(p).tp;
    return (m->vocab + tp - 1) / tp;
}

/* ---- stages ---- */

npu_stage npu_plan_stage(const npu_model *m, npu_plan p, int stage) {
    p = npu_plan_norm(p);
    int P = p.pp, L = m->layers;
    int i = (stage >= 1 && stage <= P ? stage : P) - 1; /* 0-based */
    int base = L / P, extra = L % P;
    int from = P - 1 - extra; /* stages from..P-2 take one extra layer each */
    int before = i < from ? 0 : i - from; /* extra layers on the stages before i */
    if (before > extra) before = extra;
    npu_stage s = {.first = i * base + before, .layers = base + (i >= from && i < P - 1), .embeds = i == 0,
                   .head = i == P - 1};
    npu_layer_counts c = npu_model_layer_counts(m, s.first, s.layers);
    s.dense = c.dense, s.dense_local = c.dense_local, s.moe_local = c.moe_local;
    return s;
}

/* ---- memory ---- */

double npu_plan_attn_weights(const npu_model *m, npu_plan p) {
    npu_attn_weights w = npu_model_attn_weights(m);
    return npu_plan_heads(m, p) * w.per_head + npu_plan_kv_heads(m, p) * w.per_kv_head + w.shared;
}

npu_weight_parts npu_plan_stage_weight_parts(const npu_model *m, npu_plan p, int stage, npu_dtype wdt,
                                             npu_dtype_opt hdt, npu_dtype_opt edt) {
    p = npu_plan_norm(p);
    double h = m->hidden;
    double attn = npu_plan_attn_weights(m, p);
    double norms = npu_model_layer_norms(m) * npu_model_norm_params(m);
    double dense = attn + npu_model_mlp_params(m, m->ffn) / p.tp + norms;
    double moe = dense;
    if (m->moe.experts > 0) {
        const npu_moe *e = &m->moe;
        double slice = (double)npu_plan_expert_chips(p) / p.ep; /* chips splitting each expert */
        double experts = (double)e->experts / p.ep * npu_model_mlp_params(m, e->expert_ffn) / slice;
        double shared = e->shared_experts * npu_model_mlp_params(m, npu_model_shared_ffn(m)) / p.tp;
        moe = attn + experts + shared + h * e->experts + (e->shared_gate ? h : 0) + norms;
    }
    npu_stage s = npu_plan_stage(m, p, stage);
    /* the LM head and the embedding table in their own datatypes (issue 11): the recipes of
     * FP8, INT8, AWQ/GPTQ, MX/NVFP4 leave them in 16 bits, llama.cpp's quantizes them */
    npu_weight_parts w = {.layers_dt = wdt, .head_dt = npu_dtype_head(wdt, hdt)};
    w.emb_dt = m->tied_embeddings ? w.head_dt : npu_dtype_emb(wdt, edt);
    w.layers = s.dense * dense + (s.layers - s.dense) * moe;
    w.layers_B = w.layers * npu_dtype_bytes(wdt);
    /* the embedding table and the lm_head are both vocab-parallel: each of the tp chips
     * holds ceil(vocab / tp) rows (npu_plan_vocab_rows). A tied lm_head is the table, held
     * again by the last stage when that is another stage (vLLM keeps embed_tokens on the
     * last rank too when tie_word_embeddings) */
    double rows = (double)npu_plan_vocab_rows(m, p);
    if (s.embeds || (s.head && m->tied_embeddings)) w.emb = rows * h, w.emb_B = w.emb * npu_dtype_bytes(w.emb_dt);
    if (s.head) { /* the untied lm_head and its bias; the final norm (16-bit) */
        w.head = (m->tied_embeddings ? 0 : rows * h) + (m->lm_head_bias ? rows : 0);
        w.head_B = w.head * npu_dtype_bytes(w.head_dt) + npu_model_norm_params(m) * 2.0;
        w.head += npu_model_norm_params(m);
    }
    return w;
}

double npu_plan_stage_weight_bytes(const npu_model *m, npu_plan p, int stage, npu_dtype wdt) {
    npu_weight_parts w = npu_plan_stage_weight_parts(m, p, stage, wdt, (npu_dtype_opt){0}, (npu_dtype_opt){0});
    return w.layers_B + w.head_B + w.emb_B;
}

double npu_plan_weight_bytes(const npu_model *m, npu_plan p, npu_dtype wdt) {
    double worst = 0;
    for (int s = 1; s <= npu_plan_norm(p).pp; s++) {
        double w = npu_plan_stage_weight_bytes(m, p, s, wdt);
        if (w > worst) worst = w;
    }
    return worst;
}

double npu_plan_stage_kv_bytes_per_token(const npu_model *m, npu_plan p, int stage, npu_dtype kvdt) {
    p = npu_plan_norm(p);
    double layer = npu_model_kv_bytes_per_token(m, npu_dtype_bytes(kvdt)) / m->layers; /* one layer, all chips */
    if (m->mla.kv_lora_rank <= 0) layer *= (double)npu_plan_kv_heads(m, p) / m->kv_heads; /* MLA: latent replicated */
    return npu_plan_stage(m, p, stage).layers * layer / p.cp;
}

double npu_plan_stage_kv_bytes(const npu_model *m, npu_plan p, int stage, npu_dtype kvdt, double tokens) {
    npu_stage s = npu_plan_stage(m, p, stage);
    if (s.layers <= 0) return 0;
    int local = s.dense_local + s.moe_local;
    double w = m->sliding_window, capped = local > 0 && tokens > w ? w : tokens;
    double per_layer = npu_plan_stage_kv_bytes_per_token(m, p, stage, kvdt) / s.layers;
    return per_layer * ((double)(s.layers - local) * tokens + (double)local * capped);
}

double npu_plan_kv_bytes_per_token(const npu_model *m, npu_plan p, npu_dtype kvdt) {
    double worst = 0;
    for (int s = 1; s <= npu_plan_norm(p).pp; s++) {
        double b = npu_plan_stage_kv_bytes_per_token(m, p, s, kvdt);
        if (b > worst) worst = b;
    }
    return worst;
}

npu_resident npu_plan_resident_share(const npu_hw *hw, double pool_B, double ws_B, double step_B) {
    npu_resident r = {0, 0};
    if (hw->sram_main || !(pool_B > 0)) return r;
    double dram_Bps = hw->mem_bw_Bps * hw->eff.mem_eff;
    if (hw->pin_bytes > ws_B && hw->pin_Bps > dram_Bps) {
        double s = (hw->pin_bytes - ws_B) / pool_B;
        r.share = s < 1 ? s : 1, r.Bps = hw->pin_Bps;
    }
    double set = step_B > pool_B + ws_B ? step_B : pool_B + ws_B;
    if (r.share < 1 && hw->cache_bytes >= set && hw->cache_Bps > dram_Bps) r.share = 1, r.Bps = hw->cache_Bps;
    return r;
}

double npu_plan_act_bytes(const npu_model *m, npu_plan p, double tokens, double seqs) {
    p = npu_plan_norm(p);
    double widest = m->moe.experts > 0 ? (double)m->moe.expert_ffn * m->moe.top_k +
                                             (double)npu_model_shared_ffn(m) * m->moe.shared_experts
                                       : m->ffn;
    if (widest < m->ffn) widest = m->ffn;
    double per_tok = (3.0 * m->hidden + 2.0 * widest / p.tp + (m->heads + 2.0 * m->kv_heads) * m->head_dim / p.tp) * 2.0;
    return tokens * per_tok + seqs * m->vocab * 4.0;
}

int npu_plan_check_hw(const npu_hw *hw, npu_plan p) {
    int chips = npu_plan_replica_chips(p);
    if (chips < 2 || npu_comm_check(hw, chips) == 0) return 0;
    char why[400];
    npu_strlcpy(why, npu_errmsg(), sizeof why);
    npu_err("a replica of %d chips: %s", chips, why);
    return -1;
}

int npu_mem_plan_make(const npu_model *m, const npu_hw *hw, npu_plan p, const npu_mem_need *q,
                      npu_mem_plan *out) {
    memset(out, 0, sizeof *out);
    p = npu_plan_norm(p);
    if (npu_plan_check_hw(hw, p)) return -1;
    double tokens = (double)q->kv_tokens;
    double seqs = (double)npu_plan_seqs_per_chip(p, q->batch); /* sequences whose cache one chip holds */
    double T = seqs * q->step_tokens / (q->prefill ? p.cp : 1);
    out->act_B = npu_plan_act_bytes(m, p, T, seqs);
    out->capacity_B = hw->mem_bytes;
    for (int s = 1; s <= p.pp; s++) { /* the fullest chip */
        npu_weight_parts wp = npu_plan_stage_weight_parts(m, p, s, q->wdt, q->hdt, q->edt);
        double w = wp.layers_B + wp.head_B + wp.emb_B;
        double kv = seqs * npu_plan_stage_kv_bytes(m, p, s, q->kvdt, tokens); /* local layers hold the window */
        if (s == 1 || w + kv + out->act_B > out->total_B) {
            out->weights_B = w, out->kv_B = kv, out->stage = s;
            out->total_B = w + kv + out->act_B;
        }
    }
    if (!(out->total_B <= out->capacity_B)) {
        int chips = npu_plan_replica_chips(p);
        npu_err("%s does not fit in %s's %.1f GiB%s: needs %.1f GiB (weights %.1f, KV cache %.1f, "
                "activations %.1f), over by %.1f GiB",
                m->name, hw->name, out->capacity_B / GIB, chips > 1 ? " per chip" : "", out->total_B / GIB,
                out->weights_B / GIB, out->kv_B / GIB, out->act_B / GIB, (out->total_B - out->capacity_B) / GIB);
        return -1;
    }
    return 0;
}

long npu_plan_kv_capacity(const npu_model *m, const npu_hw *hw, npu_plan p, npu_dtype wdt, npu_dtype kvdt,
                          double kv_mem_frac, double act_B) {
    return npu_plan_kv_capacity_dt(m, hw, p, wdt, (npu_dtype_opt){0}, (npu_dtype_opt){0}, kvdt, kv_mem_frac, act_B);
}

long npu_plan_kv_capacity_dt(const npu_model *m, const npu_hw *hw, npu_plan p, npu_dtype wdt, npu_dtype_opt hdt,
                             npu_dtype_opt edt, npu_dtype kvdt, double kv_mem_frac, double act_B) {
    p = npu_plan_norm(p);
    double tokens = INFINITY;
    for (int s = 1; s <= p.pp; s++) {
        npu_weight_parts wp = npu_plan_stage_weight_parts(m, p, s, wdt, hdt, edt);
        double avail = (hw->mem_bytes - (wp.layers_B + wp.head_B + wp.emb_B)) * kv_mem_frac - act_B;
        double t = floor(avail / npu_plan_stage_kv_bytes_per_token(m, p, s, kvdt));
        if (t < tokens) tokens = t;
    }
    if (!(tokens > 0)) return 0;
    tokens *= npu_plan_attn_dp(p);
    return tokens < 1e18 ? (long)tokens : (long)1e18;
}
