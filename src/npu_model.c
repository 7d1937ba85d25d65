/* npu_model — model descriptions: npusim schema, HuggingFace config.json, presets. */
#include "npu_model.h"
#include "npu_json.h"
#include "npu_preset.h"
#include "npu_util.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int npu_model_preset_count(void) { return npu_presets_model_count; }
const char *npu_model_preset_name(int i) {
    return i >= 0 && i < npu_presets_model_count ? npu_presets_model[i].name : NULL;
}

static const char *const norm_names[] = {"rmsnorm", "layernorm"};
static const char *const act_names[] = {"silu", "gelu", "relu"};
static const char *const pos_names[] = {"rope", "learned", "alibi", "none"};
static const char *const normp_names[] = {"weight", "weight_bias", "none"};
static const char *const normpos_names[] = {"pre", "post", "sandwich"};
static const char *const qknorm_names[] = {"none", "head_shared", "head", "width"};

static int parse_enum(const char *s, const char *const *names, int n, const char *what,
                      const char *where) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    const char *c = npu_closest(s, names, (size_t)n);
    npu_err("%s: unknown %s '%s'%s%s%s", where, what, s, c ? " (did you mean '" : "", c ? c : "",
            c ? "'?)" : "");
    return -1;
}

/* Layer bit masks (global_mask, moe.dense_mask): bit i = layer i. */
static bool bit_get(const unsigned char *mask, int i) { return mask[i >> 3] >> (i & 7) & 1; }
static void bit_set(unsigned char *mask, int i) { mask[i >> 3] |= (unsigned char)(1u << (i & 7)); }
/* The first set bit at or above `from`, or -1. */
static int bit_next(const unsigned char *mask, int from) {
    for (int i = from; i < NPU_MODEL_MAX_LAYERS; i++) {
        if (!mask[i >> 3]) {
            i |= 7;
            continue;
        }
        if (bit_get(mask, i)) return i;
    }
    return -1;
}

/* One bounded field: lo <= v <= hi, else an error naming it. */
static int check_field(const char *origin, const char *name, long v, long lo, long hi) {
    if (v >= lo && v <= hi) return 0;
    npu_err("%s: %s is %ld, must be %s %ld", origin, name, v, v < lo ? "at least" : "at most", v < lo ? lo : hi);
    return -1;
}

static int check_real(const char *origin, const char *name, double v, double lo, double hi, bool lo_open) {
    if (isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi) return 0;
    npu_err("%s: %s is %g, must be %s %g and at most %g", origin, name, v, lo_open ? "above" : "at least", lo, hi);
    return -1;
}

int npu_model_check(const npu_model *m, const char *origin) {
    const struct { const char *name; long v, lo, hi; } f[] = {
        {"layers", m->layers, 1, NPU_MODEL_MAX_LAYERS},
        {"hidden", m->hidden, 1, NPU_MODEL_MAX_HIDDEN},
        {"heads", m->heads, 1, NPU_MODEL_MAX_HEADS},
        {"kv_heads", m->kv_heads, 1, m->heads},
        {"head_dim", m->head_dim, 1, NPU_MODEL_MAX_HEAD_DIM},
        {"ffn", m->ffn, 1, NPU_MODEL_MAX_FFN},
        {"vocab", m->vocab, 1, NPU_MODEL_MAX_VOCAB},
        {"max_seq", m->max_seq, 1, NPU_MODEL_MAX_SEQ},
        {"sliding_window", m->sliding_window, 0, NPU_MODEL_MAX_SEQ},
        {"global_every", m->global_every, 0, m->layers},
        {"moe.experts", m->moe.experts, 0, NPU_MODEL_MAX_EXPERTS},
        {"moe.shared_experts", m->moe.shared_experts, 0, NPU_MODEL_MAX_SHARED},
        {"moe.dense_layers", m->moe.dense_layers, 0, m->layers},
        {"mla.q_lora_rank", m->mla.q_lora_rank, 0, NPU_MODEL_MAX_LORA},
        {"mla.kv_lora_rank", m->mla.kv_lora_rank, 0, NPU_MODEL_MAX_LORA},
        {"mtp_layers", m->mtp_layers, 0, NPU_MODEL_MAX_MTP},
    };
    for (size_t i = 0; i < NPU_ARRAY_LEN(f); i++)
        if (check_field(origin, f[i].name, f[i].v, f[i].lo, f[i].hi)) return -1;
    if (m->heads % m->kv_heads) {
        npu_err("%s: heads (%d) must be a multiple of kv_heads (%d)", origin, m->heads, m->kv_heads);
        return -1;
    }
    const npu_moe *e = &m->moe;
    int dense_bit = bit_next(e->dense_mask, 0);
    if (e->experts > 0) {
        if (check_field(origin, "moe.top_k", e->top_k, 1, e->experts) ||
            check_field(origin, "moe.expert_ffn", e->expert_ffn, 1, NPU_MODEL_MAX_FFN) ||
            check_field(origin, "moe.every", e->every, 0, m->layers) ||
            check_field(origin, "moe.offset", e->offset, 0, e->every > 1 ? e->every - 1 : 0) ||
            check_field(origin, "moe.shared_expert_ffn", e->shared_ffn, 0, e->shared_experts > 0 ? NPU_MODEL_MAX_FFN : 0))
            return -1;
        if (e->shared_gate && e->shared_experts == 0) {
            npu_err("%s: moe.shared_gate without shared experts", origin);
            return -1;
        }
        int beyond = bit_next(e->dense_mask, m->layers);
        if (beyond >= 0) {
            npu_err("%s: moe.dense_list names layer %d of a %d-layer model", origin, beyond, m->layers);
            return -1;
        }
    } else if (e->top_k || e->expert_ffn || e->shared_experts || e->dense_layers || e->every > 1 || e->offset ||
               e->shared_ffn || e->shared_gate || dense_bit >= 0) {
        npu_err("%s: moe fields without experts", origin);
        return -1;
    }
    if (m->mla.kv_lora_rank > 0) {
        if (check_field(origin, "mla.qk_nope_head_dim", m->mla.qk_nope_dim, 1, NPU_MODEL_MAX_HEAD_DIM) ||
            check_field(origin, "mla.qk_rope_head_dim", m->mla.qk_rope_dim, 1, NPU_MODEL_MAX_HEAD_DIM) ||
            check_field(origin, "mla.v_head_dim", m->mla.v_head_dim, 1, NPU_MODEL_MAX_HEAD_DIM))
            return -1;
        if (m->attn_bias || m->attn_out_bias || m->qk_norm != NPU_QKNORM_NONE) {
            npu_err("%s: attention biases and q/k norms are not modelled with mla", origin);
            return -1;
        }
    } else if (m->mla.q_lora_rank || m->mla.qk_nope_dim || m->mla.qk_rope_dim || m->mla.v_head_dim) {
        npu_err("%s: mla fields without kv_lora_rank", origin);
        return -1;
    }
    int global_bit = bit_next(m->global_mask, 0);
    if (m->global_every > 0 && global_bit >= 0) {
        npu_err("%s: give global_every or global_layers, not both", origin);
        return -1;
    }
    if ((m->global_every > 0 || global_bit >= 0) && m->sliding_window == 0) {
        npu_err("%s: global_every / global_layers need a sliding_window", origin);
        return -1;
    }
    int beyond = bit_next(m->global_mask, m->layers);
    if (beyond >= 0) {
        npu_err("%s: global_layers names layer %d of a %d-layer model", origin, beyond, m->layers);
        return -1;
    }
    if (check_real(origin, "rotary_fraction", m->rotary_frac, 0, 1, false) ||
        check_real(origin, "attn_softcap", m->attn_softcap, 0, 1e6, false) ||
        check_real(origin, "final_softcap", m->final_softcap, 0, 1e6, false) ||
        check_real(origin, "logit_scale", m->logit_scale, 0, 1e6, false))
        return -1;
    if ((unsigned)m->norm > NPU_NORM_LAYER || (unsigned)m->act > NPU_ACT_RELU || (unsigned)m->pos > NPU_POS_NONE ||
        (unsigned)m->norm_params > NPU_NORMP_NONE || (unsigned)m->norm_position > NPU_NORMPOS_SANDWICH ||
        (unsigned)m->qk_norm > NPU_QKNORM_WIDTH) {
        npu_err("%s: norm, activation, position or q/k norm out of range", origin);
        return -1;
    }
    return 0;
}

/* ---- layer patterns ---- */

bool npu_model_layer_local(const npu_model *m, int i) {
    if (m->sliding_window <= 0) return false;
    if (m->global_every > 0) return (i + 1) % m->global_every != 0;
    return !bit_get(m->global_mask, i);
}

bool npu_model_layer_moe(const npu_model *m, int i) {
    const npu_moe *e = &m->moe;
    if (e->experts <= 0 || i < e->dense_layers) return false;
    if (e->every > 1 && i % e->every != e->offset) return false;
    return !bit_get(e->dense_mask, i);
}

npu_layer_counts npu_model_layer_counts(const npu_model *m, int first, int n) {
    npu_layer_counts c = {0};
    if (first < 0) n += first, first = 0;
    if (first + n > m->layers) n = m->layers - first;
    if (n <= 0) return c;
    const npu_moe *e = &m->moe;
    bool plain_moe = e->experts <= 0 || (e->every <= 1 && bit_next(e->dense_mask, 0) < 0);
    bool plain_attn = m->sliding_window <= 0 || (m->global_every == 0 && bit_next(m->global_mask, 0) < 0);
    if (plain_moe && plain_attn) { /* every model before Gemma 2: no loop */
        int dense_end = e->experts > 0 ? e->dense_layers : m->layers;
        int nd = (dense_end < first + n ? dense_end : first + n) - first;
        c.dense = nd < 0 ? 0 : nd;
        c.moe = n - c.dense;
        bool local = m->sliding_window > 0;
        c.dense_local = local ? c.dense : 0;
        c.moe_local = local ? c.moe : 0;
        return c;
    }
    for (int i = first; i < first + n; i++) {
        bool moe = npu_model_layer_moe(m, i), local = npu_model_layer_local(m, i);
        if (moe) c.moe++, c.moe_local += local;
        else c.dense++, c.dense_local += local;
    }
    return c;
}

long npu_model_kv_window(const npu_model *m) {
    npu_layer_counts c = npu_model_layer_counts(m, 0, m->layers);
    return c.dense_local + c.moe_local == m->layers ? m->sliding_window : 0;
}

double npu_model_kv_tokens(const npu_model *m, double tokens) {
    npu_layer_counts c = npu_model_layer_counts(m, 0, m->layers);
    int local = c.dense_local + c.moe_local;
    double w = m->sliding_window;
    double capped = local > 0 && tokens > w ? w : tokens;
    return ((double)(m->layers - local) * tokens + (double)local * capped) / m->layers;
}

/* ---- npusim schema ---- */

/* A list of layer indices (global_layers, moe.dense_list) into a bit mask. */
static int read_layer_list(const cJSON *r, const char *key, unsigned char *mask, const char *where) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(r, key);
    if (!a || cJSON_IsNull(a)) return 0;
    if (!cJSON_IsArray(a)) {
        npu_err("%s: field '%s' must be a list of layer indices", where, key);
        return -1;
    }
    for (const cJSON *v = a->child; v; v = v->next) {
        double d = v->valuedouble;
        if (!cJSON_IsNumber(v) || !isfinite(d) || d != floor(d) || d < 0 || d >= NPU_MODEL_MAX_LAYERS) {
            npu_err("%s: field '%s' holds %s; expected layer indices 0 .. %d", where, key,
                    cJSON_IsNumber(v) ? "a number that is not one" : "a non-number", NPU_MODEL_MAX_LAYERS - 1);
            return -1;
        }
        if (bit_get(mask, (int)d)) {
            npu_err("%s: field '%s' names layer %d twice", where, key, (int)d);
            return -1;
        }
        bit_set(mask, (int)d);
    }
    return 0;
}

static int from_npusim(const cJSON *r, const char *origin, npu_model *m) {
    static const char *const keys[] = {
        "name", "family", "layers", "hidden", "heads", "kv_heads", "head_dim", "ffn", "vocab", "max_seq", "norm",
        "activation", "gated_mlp", "position", "tied_embeddings", "attn_bias", "attn_out_bias", "mlp_bias",
        "lm_head_bias", "norm_params", "norm_position", "parallel_block", "parallel_norms", "qk_norm",
        "rotary_fraction", "attn_softcap", "final_softcap", "logit_scale", "sliding_window", "global_every",
        "global_layers", "moe", "mla", "mtp_layers", "params", "source", NULL};
    char norm[16] = "rmsnorm", act[16] = "silu", pos[16] = "rope", normp[16] = "", normpos[16] = "pre",
         qkn[16] = "none";
    int par_norms = 1;
    m->max_seq = 4096;
    m->gated_mlp = true;
    m->rotary_frac = 1;
    m->logit_scale = 1;
    if (npu_json_check_keys(r, keys, origin) ||
        npu_json_str(r, "name", m->name, sizeof m->name, true, origin) ||
        npu_json_str(r, "family", m->family, sizeof m->family, false, origin) ||
        npu_json_int_range(r, "layers", &m->layers, true, 1, NPU_MODEL_MAX_LAYERS, origin) ||
        npu_json_int_range(r, "hidden", &m->hidden, true, 1, NPU_MODEL_MAX_HIDDEN, origin) ||
        npu_json_int_range(r, "heads", &m->heads, true, 1, NPU_MODEL_MAX_HEADS, origin) ||
        npu_json_int_range(r, "kv_heads", &m->kv_heads, false, 1, NPU_MODEL_MAX_HEADS, origin) ||
        npu_json_int_range(r, "head_dim", &m->head_dim, false, 1, NPU_MODEL_MAX_HEAD_DIM, origin) ||
        npu_json_int_range(r, "ffn", &m->ffn, true, 1, NPU_MODEL_MAX_FFN, origin) ||
        npu_json_int_range(r, "vocab", &m->vocab, true, 1, NPU_MODEL_MAX_VOCAB, origin) ||
        npu_json_int_range(r, "max_seq", &m->max_seq, false, 1, NPU_MODEL_MAX_SEQ, origin) ||
        npu_json_str(r, "norm", norm, sizeof norm, false, origin) ||
        npu_json_str(r, "activation", act, sizeof act, false, origin) ||
        npu_json_bool(r, "gated_mlp", &m->gated_mlp, false, origin) ||
        npu_json_str(r, "position", pos, sizeof pos, false, origin) ||
        npu_json_bool(r, "tied_embeddings", &m->tied_embeddings, false, origin) ||
        npu_json_bool(r, "attn_bias", &m->attn_bias, false, origin) ||
        npu_json_bool(r, "attn_out_bias", &m->attn_out_bias, false, origin) ||
        npu_json_bool(r, "mlp_bias", &m->mlp_bias, false, origin) ||
        npu_json_bool(r, "lm_head_bias", &m->lm_head_bias, false, origin) ||
        npu_json_str(r, "norm_params", normp, sizeof normp, false, origin) ||
        npu_json_str(r, "norm_position", normpos, sizeof normpos, false, origin) ||
        npu_json_bool(r, "parallel_block", &m->parallel_block, false, origin) ||
        npu_json_int_range(r, "parallel_norms", &par_norms, false, 1, 2, origin) ||
        npu_json_str(r, "qk_norm", qkn, sizeof qkn, false, origin) ||
        npu_json_num_range(r, "rotary_fraction", &m->rotary_frac, false, 1e-9, 1, origin) ||
        npu_json_num_range(r, "attn_softcap", &m->attn_softcap, false, 0, 1e6, origin) ||
        npu_json_num_range(r, "final_softcap", &m->final_softcap, false, 0, 1e6, origin) ||
        npu_json_num_range(r, "logit_scale", &m->logit_scale, false, 1e-9, 1e6, origin) ||
        npu_json_int_range(r, "sliding_window", &m->sliding_window, false, 0, NPU_MODEL_MAX_SEQ, origin) ||
        npu_json_int_range(r, "global_every", &m->global_every, false, 0, NPU_MODEL_MAX_LAYERS, origin) ||
        read_layer_list(r, "global_layers", m->global_mask, origin) ||
        npu_json_int_range(r, "mtp_layers", &m->mtp_layers, false, 0, NPU_MODEL_MAX_MTP, origin) ||
        npu_json_str(r, "source", m->source, sizeof m->source, false, origin))
        return -1;
    m->parallel_norm_each = par_norms == 2;
    int e;
    if ((e = parse_enum(norm, norm_names, 2, "norm", origin)) < 0) return -1;
    m->norm = (npu_norm)e;
    if ((e = parse_enum(act, act_names, 3, "activation", origin)) < 0) return -1;
    m->act = (npu_act)e;
    if ((e = parse_enum(pos, pos_names, 4, "position", origin)) < 0) return -1;
    m->pos = (npu_pos)e;
    /* norm parameters default to the kind's: RMSNorm a weight, LayerNorm a weight and a bias */
    if (!normp[0]) m->norm_params = m->norm == NPU_NORM_LAYER ? NPU_NORMP_WEIGHT_BIAS : NPU_NORMP_WEIGHT;
    else if ((e = parse_enum(normp, normp_names, 3, "norm_params", origin)) < 0) return -1;
    else m->norm_params = (npu_norm_params)e;
    if ((e = parse_enum(normpos, normpos_names, 3, "norm_position", origin)) < 0) return -1;
    m->norm_position = (npu_norm_pos)e;
    if ((e = parse_enum(qkn, qknorm_names, 4, "qk_norm", origin)) < 0) return -1;
    m->qk_norm = (npu_qk_norm)e;
    const cJSON *moe = cJSON_GetObjectItemCaseSensitive(r, "moe");
    if (moe && !cJSON_IsNull(moe)) {
        static const char *const mk[] = {"experts", "top_k", "shared_experts", "expert_ffn", "dense_layers", "every",
                                         "offset", "shared_expert_ffn", "shared_gate", "dense_list", NULL};
        char where[300];
        snprintf(where, sizeof where, "%s: moe", origin);
        m->moe.every = 1;
        if (npu_json_check_keys(moe, mk, where) ||
            npu_json_int_range(moe, "experts", &m->moe.experts, true, 1, NPU_MODEL_MAX_EXPERTS, where) ||
            npu_json_int_range(moe, "top_k", &m->moe.top_k, true, 1, NPU_MODEL_MAX_EXPERTS, where) ||
            npu_json_int_range(moe, "shared_experts", &m->moe.shared_experts, false, 0, NPU_MODEL_MAX_SHARED, where) ||
            npu_json_int_range(moe, "expert_ffn", &m->moe.expert_ffn, true, 1, NPU_MODEL_MAX_FFN, where) ||
            npu_json_int_range(moe, "dense_layers", &m->moe.dense_layers, false, 0, NPU_MODEL_MAX_LAYERS, where) ||
            npu_json_int_range(moe, "every", &m->moe.every, false, 1, NPU_MODEL_MAX_LAYERS, where) ||
            npu_json_int_range(moe, "offset", &m->moe.offset, false, 0, NPU_MODEL_MAX_LAYERS, where) ||
            npu_json_int_range(moe, "shared_expert_ffn", &m->moe.shared_ffn, false, 1, NPU_MODEL_MAX_FFN, where) ||
            npu_json_bool(moe, "shared_gate", &m->moe.shared_gate, false, where) ||
            read_layer_list(moe, "dense_list", m->moe.dense_mask, where))
            return -1;
        if (m->moe.shared_experts == 0 && m->moe.shared_ffn) {
            npu_err("%s: shared_expert_ffn without shared_experts", where);
            return -1;
        }
    }
    const cJSON *mla = cJSON_GetObjectItemCaseSensitive(r, "mla");
    if (mla && !cJSON_IsNull(mla)) {
        static const char *const ak[] = {"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
                                         "qk_rope_head_dim", "v_head_dim", NULL};
        char where[300];
        snprintf(where, sizeof where, "%s: mla", origin);
        if (npu_json_check_keys(mla, ak, where) ||
            npu_json_int_range(mla, "q_lora_rank", &m->mla.q_lora_rank, false, 0, NPU_MODEL_MAX_LORA, where) ||
            npu_json_int_range(mla, "kv_lora_rank", &m->mla.kv_lora_rank, true, 1, NPU_MODEL_MAX_LORA, where) ||
            npu_json_int_range(mla, "qk_nope_head_dim", &m->mla.qk_nope_dim, true, 1, NPU_MODEL_MAX_HEAD_DIM, where) ||
            npu_json_int_range(mla, "qk_rope_head_dim", &m->mla.qk_rope_dim, true, 1, NPU_MODEL_MAX_HEAD_DIM, where) ||
            npu_json_int_range(mla, "v_head_dim", &m->mla.v_head_dim, true, 1, NPU_MODEL_MAX_HEAD_DIM, where))
            return -1;
    }
    /* "params": the counts `show model` writes beside the description; derived
     * from it, so only their form is checked and their values are not read */
    const cJSON *pc = cJSON_GetObjectItemCaseSensitive(r, "params");
    if (pc && !cJSON_IsNull(pc)) {
        static const char *const pk[] = {"total", "active", NULL};
        char where[300];
        double ignored;
        snprintf(where, sizeof where, "%s: params", origin);
        if (!cJSON_IsObject(pc)) {
            npu_err("%s: field 'params' must be an object (the counts `show model` writes)", origin);
            return -1;
        }
        if (npu_json_check_keys(pc, pk, where) || npu_json_num(pc, "total", &ignored, false, 0, where) ||
            npu_json_num(pc, "active", &ignored, false, 0, where))
            return -1;
    }
    if (!m->kv_heads) m->kv_heads = m->heads;
    if (!m->head_dim) {
        if (m->hidden % m->heads) {
            npu_err("%s: hidden (%d) is not divisible by heads (%d); give head_dim", origin,
                    m->hidden, m->heads);
            return -1;
        }
        m->head_dim = m->hidden / m->heads;
    }
    if (!m->family[0]) npu_strlcpy(m->family, m->norm == NPU_NORM_RMS ? "llama" : "gpt", sizeof m->family);
    return 0;
}

/* ---- HuggingFace config.json ----
 *
 * HF configs are read the way transformers reads them: a field that is absent
 * or null takes the config class's default (given at each call), a present
 * field must have the right type and range, and errors name the field. Keys
 * this reader does not use are ignored (configs carry dozens). What each
 * family's fields mean, and why, is in docs/research/hf-architectures.md. */

/* An integer field in [lo, hi]: absent -> dflt_absent, null -> dflt_null (the
 * two differ where null means "off" but the class default is on: Gemma 2's
 * sliding_window); HF_REQUIRED makes it an error. Checked in double before any
 * cast: 1e300, 2^63, 3.7 are errors. */
#define HF_REQUIRED INT_MIN
static int hf_int2(const cJSON *r, const char *k, int *out, int dflt_absent, int dflt_null, int lo, int hi,
                   const char *origin) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, k);
    if (!v || cJSON_IsNull(v)) {
        int dflt = v ? dflt_null : dflt_absent;
        if (dflt == HF_REQUIRED) {
            npu_err("%s: HuggingFace config lacks '%s'", origin, k);
            return -1;
        }
        *out = dflt;
        return 0;
    }
    double d = v->valuedouble;
    if (!cJSON_IsNumber(v) || !isfinite(d) || d != floor(d)) {
        npu_err("%s: '%s' must be an integer", origin, k);
        return -1;
    }
    if (d < lo || d > hi) {
        npu_err("%s: '%s' is %g, must be %s %d", origin, k, d, d < lo ? "at least" : "at most", d < lo ? lo : hi);
        return -1;
    }
    *out = (int)d;
    return 0;
}

static int hf_int(const cJSON *r, const char *k, int *out, int dflt, int lo, int hi, const char *origin) {
    return hf_int2(r, k, out, dflt, dflt, lo, hi, origin);
}

/* A real field in [lo, hi]: absent -> dflt_absent, null -> dflt_null. */
static int hf_num(const cJSON *r, const char *k, double *out, double dflt_absent, double dflt_null, double lo,
                  double hi, const char *origin) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, k);
    if (!v || cJSON_IsNull(v)) return *out = v ? dflt_null : dflt_absent, 0;
    double d = v->valuedouble;
    if (!cJSON_IsNumber(v) || !isfinite(d)) {
        npu_err("%s: '%s' must be a number", origin, k);
        return -1;
    }
    if (d < lo || d > hi) {
        npu_err("%s: '%s' is %g, must be between %g and %g", origin, k, d, lo, hi);
        return -1;
    }
    *out = d;
    return 0;
}

/* A string field; absent or null -> NULL; another type is an error (*bad set). */
static const char *hf_str(const cJSON *r, const char *k, const char *origin, bool *bad) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, k);
    if (!v || cJSON_IsNull(v)) return NULL;
    if (cJSON_IsString(v)) return v->valuestring;
    npu_err("%s: '%s' must be a string", origin, k);
    *bad = true;
    return NULL;
}

static int hf_bool(const cJSON *r, const char *k, bool *out, bool dflt, const char *origin) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, k);
    if (!v || cJSON_IsNull(v)) return *out = dflt, 0;
    if (!cJSON_IsBool(v)) {
        npu_err("%s: '%s' must be true or false", origin, k);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

static bool hf_has(const cJSON *r, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, k);
    return v && !cJSON_IsNull(v);
}

static int act_from_hf(const char *s) {
    if (!s) return NPU_ACT_SILU;
    if (strstr(s, "gelu")) return NPU_ACT_GELU; /* gelu, gelu_new, gelu_pytorch_tanh, gegelu */
    if (strstr(s, "relu")) return NPU_ACT_RELU;
    return NPU_ACT_SILU;
}

typedef enum {
    F_LLAMA, F_MISTRAL, F_MIXTRAL, F_QWEN2, F_QWEN2_MOE, F_QWEN3, F_QWEN3_MOE, F_DEEPSEEK, F_GEMMA, F_GEMMA2,
    F_GEMMA3, F_PHI3, F_PHIMOE, F_COHERE, F_OLMO, F_OLMO2, F_PHI3_SMALL, F_FALCON, F_NEOX, F_GPT2, F_GPTJ, F_OPT
} hf_family;

/* The architectures read (architectures[0]), the model_type naming each when
 * a file has no `architectures`, and the family reader. */
static const struct hf_arch {
    const char *arch, *model_type;
    hf_family fam;
    bool text_config; /* a multimodal wrapper: the language model is `text_config` */
} hf_arches[] = {
    {"LlamaForCausalLM", "llama", F_LLAMA, false},
    {"MistralForCausalLM", "mistral", F_MISTRAL, false},
    {"MixtralForCausalLM", "mixtral", F_MIXTRAL, false},
    {"Qwen2ForCausalLM", "qwen2", F_QWEN2, false},
    {"Qwen2MoeForCausalLM", "qwen2_moe", F_QWEN2_MOE, false},
    {"Qwen3ForCausalLM", "qwen3", F_QWEN3, false},
    {"Qwen3MoeForCausalLM", "qwen3_moe", F_QWEN3_MOE, false},
    {"DeepseekV2ForCausalLM", "deepseek_v2", F_DEEPSEEK, false},
    {"DeepseekV3ForCausalLM", "deepseek_v3", F_DEEPSEEK, false},
    {"GemmaForCausalLM", "gemma", F_GEMMA, false},
    {"Gemma2ForCausalLM", "gemma2", F_GEMMA2, false},
    {"Gemma3ForCausalLM", "gemma3_text", F_GEMMA3, false},
    {"Gemma3ForConditionalGeneration", "gemma3", F_GEMMA3, true},
    {"Phi3ForCausalLM", "phi3", F_PHI3, false},
    {"Phi3SmallForCausalLM", "phi3small", F_PHI3_SMALL, false},
    {"PhiMoEForCausalLM", "phimoe", F_PHIMOE, false},
    {"PhimoeForCausalLM", NULL, F_PHIMOE, false}, /* transformers' own spelling */
    {"CohereForCausalLM", "cohere", F_COHERE, false},
    {"OlmoForCausalLM", "olmo", F_OLMO, false},
    {"Olmo2ForCausalLM", "olmo2", F_OLMO2, false},
    {"FalconForCausalLM", "falcon", F_FALCON, false},
    {"RWForCausalLM", "RefinedWebModel", F_FALCON, false}, /* Falcon's original remote code (7B) */
    {NULL, "RefinedWeb", F_FALCON, false},                 /* ... and its 40B variant */
    {"GPTNeoXForCausalLM", "gpt_neox", F_NEOX, false},
    {"GPT2LMHeadModel", "gpt2", F_GPT2, false},
    {"GPTJForCausalLM", "gptj", F_GPTJ, false},
    {"OPTForCausalLM", "opt", F_OPT, false},
};

int npu_model_hf_arch_count(void) {
    int n = 0;
    for (size_t i = 0; i < NPU_ARRAY_LEN(hf_arches); i++) n += hf_arches[i].arch != NULL;
    return n;
}

const char *npu_model_hf_arch(int k) {
    for (size_t i = 0; i < NPU_ARRAY_LEN(hf_arches); i++)
        if (hf_arches[i].arch && k-- == 0) return hf_arches[i].arch;
    return NULL;
}

/* "unsupported architecture 'X' (closest 'Y'); supported: A, B, ..." */
static void hf_unsupported(const char *origin, const char *what, const char *name) {
    const char *names[NPU_ARRAY_LEN(hf_arches)];
    char list[900];
    size_t n = 0, o = 0;
    list[0] = '\0';
    for (size_t i = 0; i < NPU_ARRAY_LEN(hf_arches); i++) {
        const char *a = strcmp(what, "architecture") == 0 ? hf_arches[i].arch : hf_arches[i].model_type;
        if (!a) continue;
        names[n++] = a;
        int w = snprintf(list + o, sizeof list - o, "%s%s", o ? ", " : "", a);
        if (w > 0 && (size_t)w < sizeof list - o) o += (size_t)w;
    }
    const char *c = name ? npu_closest(name, names, n) : NULL;
    npu_err("%s: unsupported %s '%s'%s%s%s; supported: %s", origin, what, name ? name : "?",
            c ? " (closest '" : "", c ? c : "", c ? "')" : "", list);
}

/* transformers' explicit per-layer list (newer Gemma 2/3, Qwen, ... configs):
 * "sliding_attention" or "full_attention" for each layer. Fills the global
 * mask; *locals = sliding layers. 0 when absent. */
static int hf_layer_types(const cJSON *r, npu_model *m, int *locals, const char *origin) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(r, "layer_types");
    *locals = -1;
    if (!a || cJSON_IsNull(a)) return 0;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != m->layers) {
        npu_err("%s: 'layer_types' must be a list of %d strings, one per layer", origin, m->layers);
        return -1;
    }
    memset(m->global_mask, 0, sizeof m->global_mask);
    m->global_every = 0;
    *locals = 0;
    int i = 0;
    for (const cJSON *v = a->child; v; v = v->next, i++) {
        const char *t = cJSON_IsString(v) ? v->valuestring : "";
        if (strcmp(t, "full_attention") == 0) bit_set(m->global_mask, i);
        else if (strcmp(t, "sliding_attention") == 0) ++*locals;
        else {
            npu_err("%s: 'layer_types' entry %d is not \"sliding_attention\" or \"full_attention\"", origin, i);
            return -1;
        }
    }
    return 0;
}

/* A global mask that is "every N-th layer" becomes global_every N (the form
 * the npusim schema writes shortest). */
static void hf_pattern_normalize(npu_model *m) {
    int g = bit_next(m->global_mask, 0);
    if (g < 0) return; /* every layer local */
    int n = g + 1;
    for (int i = 0; i < m->layers; i++)
        if (bit_get(m->global_mask, i) != ((i + 1) % n == 0)) return;
    memset(m->global_mask, 0, sizeof m->global_mask);
    m->global_every = n;
}

/* Sliding-window attention as transformers applies it, by family:
 * - Mistral, Mixtral, Phi-3, PhiMoE: `sliding_window` on every layer when it is
 *   a number (null = full attention: Mistral v0.2+, Mixtral; Phi-3-4k 2047).
 * - Qwen2/Qwen3 (and MoE): only with `use_sliding_window`, and then only layers
 *   i >= `max_window_layers` (class default 28); their released files carry a
 *   window size with use_sliding_window false.
 * - Gemma 2: `sliding_window` (class default 4096) on even layers, odd global.
 * - Gemma 3: on 5 of every `sliding_window_pattern` (6) layers, layer i global
 *   iff (i + 1) % 6 == 0; newer files say `_sliding_window_pattern`.
 * - everywhere: an explicit `layer_types` list, when present, decides.
 * Llama, DeepSeek, Cohere, OLMo have none. 0 reads as "none" like null. */
static int hf_window(const cJSON *r, const char *origin, hf_family fam, npu_model *m) {
    int w = 0, p = 0;
    switch (fam) {
    case F_MISTRAL:
    case F_MIXTRAL:
    case F_PHI3:
    case F_PHIMOE:
        if (hf_int(r, "sliding_window", &w, 0, 0, NPU_MODEL_MAX_SEQ, origin)) return -1;
        break;
    case F_QWEN2:
    case F_QWEN2_MOE:
    case F_QWEN3:
    case F_QWEN3_MOE: {
        bool use = false;
        int mwl = 28;
        if (hf_bool(r, "use_sliding_window", &use, false, origin)) return -1;
        if (!use) break;
        if (hf_int(r, "sliding_window", &w, 4096, 0, NPU_MODEL_MAX_SEQ, origin) ||
            hf_int(r, "max_window_layers", &mwl, 28, 0, NPU_MODEL_MAX_LAYERS, origin))
            return -1;
        for (int i = 0; i < mwl && i < m->layers; i++) bit_set(m->global_mask, i);
        break;
    }
    case F_GEMMA2:
        if (hf_int2(r, "sliding_window", &w, 4096, 0, 0, NPU_MODEL_MAX_SEQ, origin)) return -1;
        m->global_every = 2;
        break;
    case F_GEMMA3:
        if (hf_int2(r, "sliding_window", &w, 4096, 0, 0, NPU_MODEL_MAX_SEQ, origin) ||
            hf_int(r, hf_has(r, "sliding_window_pattern") ? "sliding_window_pattern" : "_sliding_window_pattern", &p,
                   6, 1, NPU_MODEL_MAX_LAYERS, origin))
            return -1;
        m->global_every = p <= m->layers ? p : 0; /* a pattern longer than the model: no global layer */
        break;
    default:
        return 0;
    }
    m->sliding_window = w;
    int locals;
    if (hf_layer_types(r, m, &locals, origin)) return -1;
    if (locals > 0 && w == 0) {
        npu_err("%s: 'layer_types' lists sliding_attention layers but there is no sliding_window", origin);
        return -1;
    }
    if (w == 0) {
        m->global_every = 0;
        memset(m->global_mask, 0, sizeof m->global_mask);
    } else if (m->global_every == 0) {
        hf_pattern_normalize(m);
    }
    return 0;
}

/* Mixtures of experts: Mixtral/PhiMoE num_local_experts (experts of
 * intermediate_size), Qwen2-MoE/Qwen3-MoE num_experts of moe_intermediate_size
 * (Qwen2-MoE adds one gated shared expert of shared_expert_intermediate_size;
 * MoE on layers (i + 1) % decoder_sparse_step == 0 not in mlp_only_layers),
 * DeepSeek n_routed_experts (+ n_shared_experts; the first first_k_dense_replace
 * layers dense, then MoE on i % moe_layer_freq == 0); 0 or null = dense. */
static int hf_moe(const cJSON *r, const char *origin, hf_family fam, npu_model *m) {
    const char *ek = hf_has(r, "num_local_experts") ? "num_local_experts"
                     : hf_has(r, "num_experts")     ? "num_experts"
                                                    : "n_routed_experts";
    int experts = 0;
    if (hf_int(r, ek, &experts, 0, 0, NPU_MODEL_MAX_EXPERTS, origin)) return -1;
    if (experts == 0) return 0;
    npu_moe *e = &m->moe;
    e->experts = experts;
    e->every = 1;
    if (hf_int(r, "num_experts_per_tok", &e->top_k, 2, 1, experts, origin) || /* HF's default */
        hf_int(r, "n_shared_experts", &e->shared_experts, 0, 0, NPU_MODEL_MAX_SHARED, origin) ||
        hf_int(r, "moe_intermediate_size", &e->expert_ffn, m->ffn, 1, NPU_MODEL_MAX_FFN, origin) ||
        hf_int(r, "first_k_dense_replace", &e->dense_layers, 0, 0, m->layers, origin))
        return -1;
    if (fam == F_QWEN2_MOE) {
        int sf = 0;
        if (hf_int(r, "shared_expert_intermediate_size", &sf, 0, 0, NPU_MODEL_MAX_FFN, origin)) return -1;
        if (sf > 0) e->shared_experts = 1, e->shared_ffn = sf, e->shared_gate = true;
    }
    if (fam == F_QWEN2_MOE || fam == F_QWEN3_MOE) {
        int step = 1;
        if (hf_int(r, "decoder_sparse_step", &step, 1, 1, m->layers, origin) ||
            read_layer_list(r, "mlp_only_layers", e->dense_mask, origin))
            return -1;
        e->every = step, e->offset = step - 1;
        int b = bit_next(e->dense_mask, m->layers);
        if (b >= 0) {
            npu_err("%s: 'mlp_only_layers' names layer %d of a %d-layer model", origin, b, m->layers);
            return -1;
        }
    }
    if (fam == F_DEEPSEEK) {
        if (hf_int(r, "moe_layer_freq", &e->every, 1, 1, m->layers, origin)) return -1;
        e->offset = 0;
    }
    if (!m->ffn) m->ffn = e->expert_ffn;
    return 0;
}

/* The Llama-shaped families: num_hidden_layers, hidden_size,
 * num_attention_heads, num_key_value_heads, intermediate_size, head_dim. */
static int from_hf_llama(const cJSON *r, const char *origin, npu_model *m, hf_family fam) {
    bool g3 = fam == F_GEMMA3, gemma = fam == F_GEMMA || fam == F_GEMMA2 || g3, bad = false;
    bool qwen2 = fam == F_QWEN2 || fam == F_QWEN2_MOE;
    /* Gemma 3's text_config writes only what differs from Gemma3TextConfig's
     * defaults (the 4B file has no heads, head_dim or vocab_size) */
    const int R = HF_REQUIRED;
    if (hf_int(r, "num_hidden_layers", &m->layers, g3 ? 26 : R, 1, NPU_MODEL_MAX_LAYERS, origin) ||
        hf_int(r, "hidden_size", &m->hidden, g3 ? 2304 : R, 1, NPU_MODEL_MAX_HIDDEN, origin) ||
        hf_int(r, "num_attention_heads", &m->heads, g3 ? 8 : R, 1, NPU_MODEL_MAX_HEADS, origin) ||
        hf_int(r, "vocab_size", &m->vocab, g3 ? 262208 : R, 1, NPU_MODEL_MAX_VOCAB, origin) ||
        hf_int(r, "num_key_value_heads", &m->kv_heads, g3 && m->heads >= 4 ? 4 : m->heads, 1, m->heads, origin) ||
        hf_int(r, "head_dim", &m->head_dim, g3 ? 256 : 0, 1, NPU_MODEL_MAX_HEAD_DIM, origin) ||
        hf_int(r, "intermediate_size", &m->ffn, g3 ? 9216 : 0, 1, NPU_MODEL_MAX_FFN, origin) ||
        hf_int(r, "max_position_embeddings", &m->max_seq, g3 ? 131072 : 4096, 1, NPU_MODEL_MAX_SEQ, origin) ||
        hf_bool(r, "tie_word_embeddings", &m->tied_embeddings, gemma || fam == F_COHERE, origin) ||
        hf_bool(r, "attention_bias", &m->attn_bias, qwen2, origin) || /* Qwen2: q/k/v biases, always */
        hf_bool(r, "mlp_bias", &m->mlp_bias, false, origin) ||
        (fam == F_PHIMOE && hf_bool(r, "lm_head_bias", &m->lm_head_bias, false, origin)) ||
        hf_num(r, "partial_rotary_factor", &m->rotary_frac, 1, 1, 1e-9, 1, origin))
        return -1;
    m->attn_out_bias = m->attn_bias && !qwen2; /* Llama-style attention_bias covers o_proj too */
    if (m->heads % m->kv_heads) {
        npu_err("%s: num_attention_heads (%d) must be a multiple of num_key_value_heads (%d)", origin, m->heads,
                m->kv_heads);
        return -1;
    }
    if (!m->head_dim) {
        if (m->hidden % m->heads) {
            npu_err("%s: hidden_size (%d) is not divisible by num_attention_heads (%d)", origin,
                    m->hidden, m->heads);
            return -1;
        }
        m->head_dim = m->hidden / m->heads;
    }
    /* norms: PhiMoE LayerNorm with bias (its key is still rms_norm_eps), Cohere
     * LayerNorm without bias, OLMo 1 LayerNorm without parameters */
    m->norm = fam == F_PHIMOE || fam == F_COHERE || fam == F_OLMO ? NPU_NORM_LAYER : NPU_NORM_RMS;
    m->norm_params = fam == F_PHIMOE ? NPU_NORMP_WEIGHT_BIAS : fam == F_OLMO ? NPU_NORMP_NONE : NPU_NORMP_WEIGHT;
    m->norm_position = fam == F_GEMMA2 || g3 ? NPU_NORMPOS_SANDWICH : fam == F_OLMO2 ? NPU_NORMPOS_POST : NPU_NORMPOS_PRE;
    m->parallel_block = fam == F_COHERE; /* x + attn(n(x)) + mlp(n(x)), one norm */
    /* q/k norms: per head with a shared weight (Qwen3, Gemma 3), over the whole
     * width (OLMo 2), per head with own weights when Cohere's use_qk_norm */
    bool cohere_qk = false;
    if (fam == F_COHERE && hf_bool(r, "use_qk_norm", &cohere_qk, false, origin)) return -1;
    m->qk_norm = fam == F_QWEN3 || fam == F_QWEN3_MOE || g3 ? NPU_QKNORM_HEAD_SHARED
                 : fam == F_OLMO2                           ? NPU_QKNORM_WIDTH
                 : cohere_qk                                ? NPU_QKNORM_HEAD
                                                            : NPU_QKNORM_NONE;
    /* soft-capping: Gemma 2's class defaults 50 (attention) and 30 (logits);
     * Gemma 3 files write null; Cohere scales the logits (class default 0.0625) */
    m->logit_scale = 1;
    if (fam == F_GEMMA2 || g3) {
        if (hf_num(r, "attn_logit_softcapping", &m->attn_softcap, g3 ? 0 : 50, 0, 0, 1e6, origin) ||
            hf_num(r, "final_logit_softcapping", &m->final_softcap, g3 ? 0 : 30, 0, 0, 1e6, origin))
            return -1;
        double qpas; /* query_pre_attn_scalar: the attention scale, numerics only; checked, not kept */
        if (hf_num(r, "query_pre_attn_scalar", &qpas, 256, 256, 1e-9, 1e9, origin)) return -1;
    }
    if (fam == F_COHERE && hf_num(r, "logit_scale", &m->logit_scale, 0.0625, 1, 1e-9, 1e6, origin)) return -1;
    /* Gemma files say hidden_activation (gelu_pytorch_tanh); Gemma 1's hidden_act "gelu" runs as tanh-GELU */
    const char *act = hf_str(r, "hidden_activation", origin, &bad);
    if (!act && !bad) act = hf_str(r, "hidden_act", origin, &bad);
    if (bad) return -1;
    m->act = (npu_act)act_from_hf(gemma && !act ? "gelu" : act);
    m->gated_mlp = true;
    m->pos = NPU_POS_ROPE;
    static const char *const fam_names[] = {
        [F_LLAMA] = "llama", [F_MISTRAL] = "llama", [F_MIXTRAL] = "llama", [F_QWEN2] = "llama",
        [F_QWEN2_MOE] = "qwen2_moe", [F_QWEN3] = "llama", [F_QWEN3_MOE] = "llama", [F_DEEPSEEK] = "llama",
        [F_GEMMA] = "gemma", [F_GEMMA2] = "gemma2", [F_GEMMA3] = "gemma3", [F_PHI3] = "phi3", [F_PHIMOE] = "phimoe",
        [F_COHERE] = "cohere", [F_OLMO] = "olmo", [F_OLMO2] = "olmo2"};
    npu_strlcpy(m->family, fam_names[fam], sizeof m->family);
    if (hf_window(r, origin, fam, m) || hf_moe(r, origin, fam, m)) return -1;
    /* multi-head latent attention (DeepSeek-V2/V3); q_lora_rank null = queries
     * projected directly (DeepSeek-V2-Lite) */
    int kv_lora = 0;
    if (hf_int(r, "kv_lora_rank", &kv_lora, 0, 0, NPU_MODEL_MAX_LORA, origin) ||
        hf_int(r, "num_nextn_predict_layers", &m->mtp_layers, 0, 0, NPU_MODEL_MAX_MTP, origin))
        return -1;
    if (kv_lora > 0) {
        m->mla.kv_lora_rank = kv_lora;
        if (hf_int(r, "q_lora_rank", &m->mla.q_lora_rank, 0, 0, NPU_MODEL_MAX_LORA, origin) ||
            hf_int(r, "qk_nope_head_dim", &m->mla.qk_nope_dim, HF_REQUIRED, 1, NPU_MODEL_MAX_HEAD_DIM, origin) ||
            hf_int(r, "qk_rope_head_dim", &m->mla.qk_rope_dim, HF_REQUIRED, 1, NPU_MODEL_MAX_HEAD_DIM, origin) ||
            hf_int(r, "v_head_dim", &m->mla.v_head_dim, HF_REQUIRED, 1, NPU_MODEL_MAX_HEAD_DIM, origin))
            return -1;
        m->head_dim = m->mla.v_head_dim;
    }
    if (m->ffn <= 0) {
        npu_err("%s: HuggingFace config lacks a positive 'intermediate_size'", origin);
        return -1;
    }
    return 0;
}

/* Falcon, under either set of names: transformers' FalconForCausalLM
 * (num_hidden_layers, num_attention_heads, num_kv_heads,
 * new_decoder_architecture) or the original RWForCausalLM remote code (n_layer,
 * n_head, n_head_kv; model_type RefinedWeb = the 40B layout). K/V heads: the new
 * layout's num_kv_heads, else 1 under multi_query (7B), else one per head.
 * Parallel attention and MLP: the new layout with two LayerNorms (ln_attn,
 * ln_mlp; num_ln_in_parallel_attn), the old one with one under parallel_attn. */
static int from_hf_falcon(const cJSON *r, const char *origin, npu_model *m, const char *mt) {
    bool rw = mt && strncmp(mt, "RefinedWeb", 10) == 0;
    const char *kl = hf_has(r, "n_layer") && !hf_has(r, "num_hidden_layers") ? "n_layer" : "num_hidden_layers";
    const char *kn = hf_has(r, "n_head") && !hf_has(r, "num_attention_heads") ? "n_head" : "num_attention_heads";
    const char *kk = hf_has(r, "n_head_kv") && !hf_has(r, "num_kv_heads") ? "n_head_kv" : "num_kv_heads";
    bool newarch, mq, par, bias, alibi;
    if (hf_int(r, kl, &m->layers, HF_REQUIRED, 1, NPU_MODEL_MAX_LAYERS, origin) ||
        hf_int(r, "hidden_size", &m->hidden, HF_REQUIRED, 1, NPU_MODEL_MAX_HIDDEN, origin) ||
        hf_int(r, kn, &m->heads, HF_REQUIRED, 1, NPU_MODEL_MAX_HEADS, origin) ||
        hf_int(r, "vocab_size", &m->vocab, HF_REQUIRED, 1, NPU_MODEL_MAX_VOCAB, origin) ||
        hf_bool(r, "new_decoder_architecture", &newarch, (mt && strcmp(mt, "RefinedWeb") == 0) || hf_has(r, "n_head_kv"),
                origin) ||
        hf_bool(r, "multi_query", &mq, !rw, origin) || hf_bool(r, "parallel_attn", &par, !rw, origin) ||
        hf_bool(r, "bias", &bias, false, origin) || hf_bool(r, "alibi", &alibi, false, origin) ||
        hf_int(r, "max_position_embeddings", &m->max_seq, 2048, 1, NPU_MODEL_MAX_SEQ, origin) ||
        hf_bool(r, "tie_word_embeddings", &m->tied_embeddings, true, origin))
        return -1;
    if (m->hidden % m->heads) {
        npu_err("%s: hidden_size (%d) is not divisible by %s (%d)", origin, m->hidden, kn, m->heads);
        return -1;
    }
    m->head_dim = m->hidden / m->heads;
    int dflt_ffn = m->hidden <= NPU_MODEL_MAX_FFN / 4 ? 4 * m->hidden : NPU_MODEL_MAX_FFN;
    if (hf_int(r, "ffn_hidden_size", &m->ffn, dflt_ffn, 1, NPU_MODEL_MAX_FFN, origin)) return -1;
    if (newarch) {
        int lns = 2;
        if (hf_int(r, kk, &m->kv_heads, m->heads, 1, m->heads, origin) ||
            hf_int(r, "num_ln_in_parallel_attn", &lns, 2, 1, 2, origin))
            return -1;
        m->parallel_norm_each = lns == 2;
    } else {
        m->kv_heads = mq ? 1 : m->heads;
    }
    if (m->heads % m->kv_heads) {
        npu_err("%s: %s (%d) must be a multiple of %s (%d)", origin, kn, m->heads, kk, m->kv_heads);
        return -1;
    }
    m->norm = NPU_NORM_LAYER;
    m->norm_params = NPU_NORMP_WEIGHT_BIAS;
    m->parallel_block = newarch || par;
    m->act = NPU_ACT_GELU;
    m->gated_mlp = false;
    m->pos = alibi ? NPU_POS_ALIBI : NPU_POS_ROPE;
    m->attn_bias = m->attn_out_bias = m->mlp_bias = bias;
    npu_strlcpy(m->family, "falcon", sizeof m->family);
    return 0;
}

/* GPT-NeoX / Pythia: parallel residual with two LayerNorms, partial rotary
 * (rotary_pct), biases on every linear, untied embed_in / embed_out. */
static int from_hf_neox(const cJSON *r, const char *origin, npu_model *m) {
    bool bad = false, par, ab;
    if (hf_int(r, "num_hidden_layers", &m->layers, HF_REQUIRED, 1, NPU_MODEL_MAX_LAYERS, origin) ||
        hf_int(r, "hidden_size", &m->hidden, HF_REQUIRED, 1, NPU_MODEL_MAX_HIDDEN, origin) ||
        hf_int(r, "num_attention_heads", &m->heads, HF_REQUIRED, 1, NPU_MODEL_MAX_HEADS, origin) ||
        hf_int(r, "intermediate_size", &m->ffn, HF_REQUIRED, 1, NPU_MODEL_MAX_FFN, origin) ||
        hf_int(r, "vocab_size", &m->vocab, HF_REQUIRED, 1, NPU_MODEL_MAX_VOCAB, origin) ||
        hf_int(r, "max_position_embeddings", &m->max_seq, 2048, 1, NPU_MODEL_MAX_SEQ, origin) ||
        hf_num(r, "rotary_pct", &m->rotary_frac, 0.25, 0.25, 1e-9, 1, origin) ||
        hf_bool(r, "use_parallel_residual", &par, true, origin) ||
        hf_bool(r, "attention_bias", &ab, true, origin) ||
        hf_bool(r, "tie_word_embeddings", &m->tied_embeddings, false, origin))
        return -1;
    if (m->hidden % m->heads) {
        npu_err("%s: hidden_size (%d) is not divisible by num_attention_heads (%d)", origin, m->hidden, m->heads);
        return -1;
    }
    m->kv_heads = m->heads;
    m->head_dim = m->hidden / m->heads;
    const char *act = hf_str(r, "hidden_act", origin, &bad);
    if (bad) return -1;
    m->act = act ? (npu_act)act_from_hf(act) : NPU_ACT_GELU;
    m->norm = NPU_NORM_LAYER;
    m->norm_params = NPU_NORMP_WEIGHT_BIAS;
    m->parallel_block = par;
    m->parallel_norm_each = true;
    m->gated_mlp = false;
    m->pos = NPU_POS_ROPE;
    m->attn_bias = m->attn_out_bias = ab;
    m->mlp_bias = true;
    npu_strlcpy(m->family, "gpt_neox", sizeof m->family);
    return 0;
}

/* Phi-3-small (remote code): own key names (ff_intermediate_size), LayerNorm
 * with bias, biases on every linear, gated GELU ("gegelu"), tied embeddings.
 * Every dense_attention_every_n_layers-th layer attends densely, the others
 * block-sparse (local blocks + a vertical stride): npusim costs those as dense
 * attention, an upper bound; their KV cache is the full one (docs/presets-model.md). */
static int from_hf_phi3_small(const cJSON *r, const char *origin, npu_model *m) {
    bool bad = false;
    int dense_every = 2;
    if (hf_int(r, "num_hidden_layers", &m->layers, HF_REQUIRED, 1, NPU_MODEL_MAX_LAYERS, origin) ||
        hf_int(r, "hidden_size", &m->hidden, HF_REQUIRED, 1, NPU_MODEL_MAX_HIDDEN, origin) ||
        hf_int(r, "num_attention_heads", &m->heads, HF_REQUIRED, 1, NPU_MODEL_MAX_HEADS, origin) ||
        hf_int(r, "num_key_value_heads", &m->kv_heads, m->heads, 1, m->heads, origin) ||
        hf_int(r, "ff_intermediate_size", &m->ffn, HF_REQUIRED, 1, NPU_MODEL_MAX_FFN, origin) ||
        hf_int(r, "vocab_size", &m->vocab, HF_REQUIRED, 1, NPU_MODEL_MAX_VOCAB, origin) ||
        hf_int(r, "max_position_embeddings", &m->max_seq, 8192, 1, NPU_MODEL_MAX_SEQ, origin) ||
        hf_int(r, "dense_attention_every_n_layers", &dense_every, 2, 1, NPU_MODEL_MAX_LAYERS, origin) ||
        hf_bool(r, "tie_word_embeddings", &m->tied_embeddings, true, origin))
        return -1;
    if (m->hidden % m->heads || m->heads % m->kv_heads) {
        npu_err("%s: hidden_size (%d), num_attention_heads (%d) and num_key_value_heads (%d) must divide evenly",
                origin, m->hidden, m->heads, m->kv_heads);
        return -1;
    }
    m->head_dim = m->hidden / m->heads;
    const char *act = hf_str(r, "hidden_act", origin, &bad);
    if (bad) return -1;
    m->act = (npu_act)act_from_hf(act ? act : "gegelu");
    m->gated_mlp = true;
    m->norm = NPU_NORM_LAYER;
    m->norm_params = NPU_NORMP_WEIGHT_BIAS;
    m->pos = NPU_POS_ROPE;
    m->attn_bias = m->attn_out_bias = m->mlp_bias = true;
    npu_strlcpy(m->family, "phi3small", sizeof m->family);
    size_t n = strlen(m->source);
    snprintf(m->source + n, sizeof m->source - n, "; block-sparse attention on %d of %d layers costed as dense",
             m->layers - m->layers / dense_every, m->layers);
    return 0;
}

static int from_hf_gpt(const cJSON *r, const char *origin, npu_model *m, hf_family fam) {
    bool opt = fam == F_OPT, gptj = fam == F_GPTJ, bad = false;
    const char *kl = opt ? "num_hidden_layers" : "n_layer", *kh = opt ? "hidden_size" : "n_embd",
               *kn = opt ? "num_attention_heads" : "n_head";
    if (hf_int(r, kl, &m->layers, HF_REQUIRED, 1, NPU_MODEL_MAX_LAYERS, origin) ||
        hf_int(r, kh, &m->hidden, HF_REQUIRED, 1, NPU_MODEL_MAX_HIDDEN, origin) ||
        hf_int(r, kn, &m->heads, HF_REQUIRED, 1, NPU_MODEL_MAX_HEADS, origin) ||
        hf_int(r, "vocab_size", &m->vocab, HF_REQUIRED, 1, NPU_MODEL_MAX_VOCAB, origin))
        return -1;
    if (m->hidden % m->heads) {
        npu_err("%s: %s (%d) is not divisible by %s (%d)", origin, kh, m->hidden, kn, m->heads);
        return -1;
    }
    m->kv_heads = m->heads;
    m->head_dim = m->hidden / m->heads;
    /* n_inner / ffn_dim null or absent = 4 x hidden (transformers' convention) */
    int dflt_ffn = m->hidden <= NPU_MODEL_MAX_FFN / 4 ? 4 * m->hidden : NPU_MODEL_MAX_FFN;
    int rotary = 0;
    if (hf_int(r, opt ? "ffn_dim" : "n_inner", &m->ffn, dflt_ffn, 1, NPU_MODEL_MAX_FFN, origin) ||
        hf_int(r, opt ? "max_position_embeddings" : "n_positions", &m->max_seq, 2048, 1, NPU_MODEL_MAX_SEQ, origin) ||
        hf_bool(r, "tie_word_embeddings", &m->tied_embeddings, !gptj, origin) ||
        (gptj && hf_int(r, "rotary_dim", &rotary, m->head_dim < 64 ? m->head_dim : 64, 1, m->head_dim, origin)))
        return -1;
    m->norm = NPU_NORM_LAYER;
    m->norm_params = NPU_NORMP_WEIGHT_BIAS;
    const char *act = hf_str(r, "activation_function", origin, &bad);
    if (bad) return -1;
    m->act = act ? (npu_act)act_from_hf(act) : (opt ? NPU_ACT_RELU : NPU_ACT_GELU);
    m->gated_mlp = false;
    m->pos = gptj ? NPU_POS_ROPE : NPU_POS_LEARNED;
    m->rotary_frac = gptj ? (double)rotary / m->head_dim : 1;
    m->attn_bias = m->attn_out_bias = !gptj; /* GPT-J: no attention biases, a biased lm_head */
    m->lm_head_bias = gptj;
    m->mlp_bias = true;
    m->parallel_block = gptj;
    npu_strlcpy(m->family, "gpt", sizeof m->family);
    return 0;
}

/* The model's name when the file has no _name_or_path: a config.json inside a
 * directory is named after the directory, any other file by its path. */
static void hf_default_name(const char *origin, char *out, size_t cap) {
    size_t n = strlen(origin);
    const char *tail = "/config.json";
    size_t t = strlen(tail);
    if (n > t && strcmp(origin + n - t, tail) == 0) {
        size_t end = n - t, start = end;
        while (start > 0 && origin[start - 1] != '/') start--;
        if (end > start) {
            size_t len = end - start < cap - 1 ? end - start : cap - 1;
            memcpy(out, origin + start, len);
            out[len] = '\0';
            return;
        }
    }
    npu_strlcpy(out, origin, cap);
}

static int from_hf(const cJSON *r, const char *origin, npu_model *m) {
    if (npu_json_check_unique(r, origin)) return -1;
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(r, "architectures");
    const char *arch = NULL;
    if (cJSON_IsArray(archs) && cJSON_GetArraySize(archs) > 0 && cJSON_IsString(archs->child))
        arch = archs->child->valuestring;
    bool bad = false;
    const char *mt = hf_str(r, "model_type", origin, &bad);
    if (bad) return -1;
    const struct hf_arch *a = NULL;
    for (size_t i = 0; i < NPU_ARRAY_LEN(hf_arches) && !a; i++)
        if (arch ? hf_arches[i].arch && strcmp(arch, hf_arches[i].arch) == 0
                 : mt && hf_arches[i].model_type && strcmp(mt, hf_arches[i].model_type) == 0)
            a = &hf_arches[i];
    if (!a) {
        hf_unsupported(origin, arch || !mt ? "architecture" : "model_type", arch ? arch : mt);
        return -1;
    }
    const char *nm = hf_str(r, "_name_or_path", origin, &bad);
    if (bad) return -1;
    if (nm && nm[0]) npu_strlcpy(m->name, nm, sizeof m->name);
    else hf_default_name(origin, m->name, sizeof m->name);
    snprintf(m->source, sizeof m->source, "HuggingFace config %s (%s)", origin, a->arch ? a->arch : mt);
    m->rotary_frac = 1;
    m->logit_scale = 1;
    const cJSON *body = r;
    char where[300];
    snprintf(where, sizeof where, "%s", origin);
    if (a->text_config) { /* Gemma 3 4B+: the language model's config, defaults omitted */
        body = cJSON_GetObjectItemCaseSensitive(r, "text_config");
        snprintf(where, sizeof where, "%s: text_config", origin);
        if (!cJSON_IsObject(body)) {
            npu_err("%s: %s needs a 'text_config' object (the language model)", origin, a->arch ? a->arch : mt);
            return -1;
        }
        if (npu_json_check_unique(body, where)) return -1;
    }
    switch (a->fam) {
    case F_FALCON: return from_hf_falcon(body, where, m, mt);
    case F_NEOX: return from_hf_neox(body, where, m);
    case F_PHI3_SMALL: return from_hf_phi3_small(body, where, m);
    case F_GPT2:
    case F_GPTJ:
    case F_OPT: return from_hf_gpt(body, where, m, a->fam);
    default: return from_hf_llama(body, where, m, a->fam);
    }
}

int npu_model_from_json(const cJSON *root, const char *origin, npu_model *m) {
    memset(m, 0, sizeof *m);
    if (!cJSON_IsObject(root)) {
        npu_err("%s: expected a JSON object", origin);
        return -1;
    }
    bool hf = cJSON_GetObjectItemCaseSensitive(root, "architectures") ||
              cJSON_GetObjectItemCaseSensitive(root, "model_type");
    int rc = hf ? from_hf(root, origin, m) : from_npusim(root, origin, m);
    return rc ? rc : npu_model_check(m, origin);
}

/* A path naming a directory: HuggingFace's layout, config.json inside it. */
static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int npu_model_load(const char *name_or_path, npu_model *out) {
    const char *text = NULL;
    char *owned = NULL;
    char origin[300];
    for (int i = 0; i < npu_presets_model_count; i++) {
        if (strcmp(npu_presets_model[i].name, name_or_path) == 0) {
            text = npu_presets_model[i].json;
            snprintf(origin, sizeof origin, "preset %s", name_or_path);
        }
    }
    if (!text) {
        bool dir = is_dir(name_or_path);
        if (!dir && !strchr(name_or_path, '/') && !strstr(name_or_path, ".json")) {
            const char *names[128];
            int n = npu_presets_model_count < 128 ? npu_presets_model_count : 128;
            for (int i = 0; i < n; i++) names[i] = npu_presets_model[i].name;
            const char *c = npu_closest(name_or_path, names, (size_t)n);
            npu_err("unknown model '%s'%s%s%s (see 'npusim list models', or give a .json file or a directory "
                    "holding config.json)",
                    name_or_path, c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
            return -1;
        }
        size_t n = strlen(name_or_path);
        while (dir && n > 1 && name_or_path[n - 1] == '/') n--;
        if (dir && n > 200) {
            npu_err("%.200s...: directory path too long", name_or_path);
            return -1;
        }
        if (dir) snprintf(origin, sizeof origin, "%.*s/config.json", (int)n, name_or_path);
        else snprintf(origin, sizeof origin, "%s", name_or_path);
        if (dir && access(origin, F_OK) != 0) {
            npu_err("%s: is a directory with no config.json in it", name_or_path);
            return -1;
        }
        owned = npu_read_file(dir ? origin : name_or_path, NULL);
        if (!owned) return -1;
        text = owned;
    }
    cJSON *root = npu_json_parse(text, origin);
    int rc = root ? npu_model_from_json(root, origin, out) : -1;
    cJSON_Delete(root);
    free(owned);
    return rc;
}

static void add_layer_list(cJSON *r, const char *key, const unsigned char *mask) {
    if (bit_next(mask, 0) < 0) return;
    cJSON *a = cJSON_AddArrayToObject(r, key);
    for (int i = bit_next(mask, 0); i >= 0; i = bit_next(mask, i + 1)) cJSON_AddItemToArray(a, cJSON_CreateNumber(i));
}

cJSON *npu_model_to_json(const npu_model *m) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "name", m->name);
    cJSON_AddStringToObject(r, "family", m->family);
    cJSON_AddNumberToObject(r, "layers", m->layers);
    cJSON_AddNumberToObject(r, "hidden", m->hidden);
    cJSON_AddNumberToObject(r, "heads", m->heads);
    cJSON_AddNumberToObject(r, "kv_heads", m->kv_heads);
    cJSON_AddNumberToObject(r, "head_dim", m->head_dim);
    cJSON_AddNumberToObject(r, "ffn", m->ffn);
    cJSON_AddNumberToObject(r, "vocab", m->vocab);
    cJSON_AddNumberToObject(r, "max_seq", m->max_seq);
    cJSON_AddStringToObject(r, "norm", norm_names[m->norm]);
    cJSON_AddStringToObject(r, "norm_params", normp_names[m->norm_params]);
    cJSON_AddStringToObject(r, "norm_position", normpos_names[m->norm_position]);
    cJSON_AddStringToObject(r, "activation", act_names[m->act]);
    cJSON_AddBoolToObject(r, "gated_mlp", m->gated_mlp);
    cJSON_AddStringToObject(r, "position", pos_names[m->pos]);
    cJSON_AddNumberToObject(r, "rotary_fraction", m->rotary_frac > 0 ? m->rotary_frac : 1);
    cJSON_AddBoolToObject(r, "tied_embeddings", m->tied_embeddings);
    cJSON_AddBoolToObject(r, "attn_bias", m->attn_bias);
    cJSON_AddBoolToObject(r, "attn_out_bias", m->attn_out_bias);
    cJSON_AddBoolToObject(r, "mlp_bias", m->mlp_bias);
    cJSON_AddBoolToObject(r, "lm_head_bias", m->lm_head_bias);
    cJSON_AddBoolToObject(r, "parallel_block", m->parallel_block);
    cJSON_AddNumberToObject(r, "parallel_norms", m->parallel_norm_each ? 2 : 1);
    cJSON_AddStringToObject(r, "qk_norm", qknorm_names[m->qk_norm]);
    cJSON_AddNumberToObject(r, "attn_softcap", m->attn_softcap);
    cJSON_AddNumberToObject(r, "final_softcap", m->final_softcap);
    cJSON_AddNumberToObject(r, "logit_scale", m->logit_scale > 0 ? m->logit_scale : 1);
    cJSON_AddNumberToObject(r, "sliding_window", m->sliding_window);
    cJSON_AddNumberToObject(r, "global_every", m->global_every);
    add_layer_list(r, "global_layers", m->global_mask);
    if (m->mtp_layers) cJSON_AddNumberToObject(r, "mtp_layers", m->mtp_layers);
    if (m->moe.experts > 0) {
        const npu_moe *e = &m->moe;
        cJSON *o = cJSON_AddObjectToObject(r, "moe");
        cJSON_AddNumberToObject(o, "experts", e->experts);
        cJSON_AddNumberToObject(o, "top_k", e->top_k);
        cJSON_AddNumberToObject(o, "shared_experts", e->shared_experts);
        cJSON_AddNumberToObject(o, "expert_ffn", e->expert_ffn);
        if (e->shared_experts > 0) cJSON_AddNumberToObject(o, "shared_expert_ffn", npu_model_shared_ffn(m));
        cJSON_AddBoolToObject(o, "shared_gate", e->shared_gate);
        cJSON_AddNumberToObject(o, "dense_layers", e->dense_layers);
        cJSON_AddNumberToObject(o, "every", e->every > 1 ? e->every : 1);
        cJSON_AddNumberToObject(o, "offset", e->offset);
        add_layer_list(o, "dense_list", e->dense_mask);
    } else {
        cJSON_AddNullToObject(r, "moe");
    }
    if (m->mla.kv_lora_rank > 0) {
        cJSON *o = cJSON_AddObjectToObject(r, "mla");
        cJSON_AddNumberToObject(o, "q_lora_rank", m->mla.q_lora_rank);
        cJSON_AddNumberToObject(o, "kv_lora_rank", m->mla.kv_lora_rank);
        cJSON_AddNumberToObject(o, "qk_nope_head_dim", m->mla.qk_nope_dim);
        cJSON_AddNumberToObject(o, "qk_rope_head_dim", m->mla.qk_rope_dim);
        cJSON_AddNumberToObject(o, "v_head_dim", m->mla.v_head_dim);
    } else {
        cJSON_AddNullToObject(r, "mla");
    }
    /* derived, for the reader of the file; the loader checks their form only */
    cJSON *pc = cJSON_AddObjectToObject(r, "params");
    cJSON_AddNumberToObject(pc, "total", npu_model_params(m, false));
    cJSON_AddNumberToObject(pc, "active", npu_model_params(m, true));
    cJSON_AddStringToObject(r, "source", m->source);
    return r;
}

int npu_model_shared_ffn(const npu_model *m) { return m->moe.shared_ffn > 0 ? m->moe.shared_ffn : m->moe.expert_ffn; }

/* Parameters of one norm over `w` values. */
static double norm_w(const npu_model *m, double w) {
    return m->norm_params == NPU_NORMP_NONE ? 0 : m->norm_params == NPU_NORMP_WEIGHT_BIAS ? 2.0 * w : w;
}

int npu_model_layer_norms(const npu_model *m) {
    if (m->norm_position == NPU_NORMPOS_SANDWICH) return 4;
    return m->parallel_block ? 1 + m->parallel_norm_each : 2;
}

double npu_model_mlp_params(const npu_model *m, double ffn) {
    double mats = m->gated_mlp ? 3.0 : 2.0;
    double bias = m->mlp_bias ? (m->gated_mlp ? 2.0 : 1.0) * ffn + m->hidden : 0;
    return mats * m->hidden * ffn + bias;
}

/* Attention: q (H*D) + k,v (2*KV*D) from hidden, o back, with their biases and
 * the q/k norms' weights. MLA: q_a (h x q_lora) + its norm, q_b (q_lora x
 * H*(nope+rope)), kv_a (h x (kv_lora+rope)) + its norm, kv_b (kv_lora x
 * H*(nope+v)), o (H*v x h). */
npu_attn_weights npu_model_attn_weights(const npu_model *m) {
    double h = m->hidden, d = m->head_dim;
    const npu_mla *a = &m->mla;
    if (a->kv_lora_rank <= 0) {
        bool own = m->qk_norm == NPU_QKNORM_HEAD || m->qk_norm == NPU_QKNORM_WIDTH;
        npu_attn_weights w = {.per_head = 2.0 * h * d, .per_kv_head = 2.0 * h * d};
        if (m->attn_bias) w.per_head += d, w.per_kv_head += 2.0 * d;
        if (own) w.per_head += d, w.per_kv_head += d;
        if (m->qk_norm == NPU_QKNORM_HEAD_SHARED) w.shared += 2.0 * d;
        if (m->attn_out_bias) w.shared += h;
        return w;
    }
    double qk = a->qk_nope_dim + a->qk_rope_dim;
    npu_attn_weights w = {0};
    w.per_head = (a->q_lora_rank > 0 ? (double)a->q_lora_rank * qk : h * qk) +
                 (double)a->kv_lora_rank * (a->qk_nope_dim + a->v_head_dim) + (double)a->v_head_dim * h;
    w.shared = (a->q_lora_rank > 0 ? h * a->q_lora_rank + a->q_lora_rank : 0) +
               h * (a->kv_lora_rank + a->qk_rope_dim) + a->kv_lora_rank;
    return w;
}

double npu_model_attn_params(const npu_model *m) {
    npu_attn_weights w = npu_model_attn_weights(m);
    return m->heads * w.per_head + m->kv_heads * w.per_kv_head + w.shared; /* MLA: no per-K/V-head part */
}

double npu_model_moe_layer_params(const npu_model *m, bool active) {
    const npu_moe *e = &m->moe;
    if (e->experts <= 0) return 0;
    double h = m->hidden;
    int n = active ? e->top_k : e->experts;
    return n * npu_model_mlp_params(m, e->expert_ffn) + e->shared_experts * npu_model_mlp_params(m, npu_model_shared_ffn(m)) +
           h * e->experts + (e->shared_gate ? h : 0); /* router, shared-expert gate */
}

/* Parameters in elements. */
double npu_model_params(const npu_model *m, bool active) {
    assert(m->layers > 0 && m->moe.dense_layers <= m->layers); /* npu_model_check holds */
    double h = m->hidden;
    npu_layer_counts c = npu_model_layer_counts(m, 0, m->layers);
    double per_layer = npu_model_attn_params(m) + npu_model_layer_norms(m) * norm_w(m, h);
    double mlps = c.dense * npu_model_mlp_params(m, m->ffn) + c.moe * npu_model_moe_layer_params(m, active);
    double emb = (double)m->vocab * h * (m->tied_embeddings ? 1 : 2) + (m->lm_head_bias ? m->vocab : 0);
    double pos = m->pos == NPU_POS_LEARNED ? (double)m->max_seq * h : 0;
    return m->layers * per_layer + mlps + emb + pos + norm_w(m, h); /* + the final norm */
}

double npu_model_norm_params(const npu_model *m) { return norm_w(m, m->hidden); }

/* MLA caches the latent and the shared rotary key (the absorbed form every
 * serving engine uses); others cache K and V per KV head. */
double npu_model_kv_bytes_per_token(const npu_model *m, double kv_dtype_bytes) {
    if (m->mla.kv_lora_rank > 0)
        return (double)m->layers * (m->mla.kv_lora_rank + m->mla.qk_rope_dim) * kv_dtype_bytes;
    return 2.0 * m->layers * m->kv_heads * m->head_dim * kv_dtype_bytes;
}
