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

int npu_model_preset_count(void) { return npu_presets_model_count; }
const char *npu_model_preset_name(int i) {
    return i >= 0 && i < npu_presets_model_count ? npu_presets_model[i].name : NULL;
}

static const char *const norm_names[] = {"rmsnorm", "layernorm"};
static const char *const act_names[] = {"silu", "gelu", "relu"};
static const char *const pos_names[] = {"rope", "learned", "alibi", "none"};

static int parse_enum(const char *s, const char *const *names, int n, const char *what,
                      const char *where) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    const char *c = npu_closest(s, names, (size_t)n);
    npu_err("%s: unknown %s '%s'%s%s%s", where, what, s, c ? " (did you mean '" : "", c ? c : "",
            c ? "'?)" : "");
    return -1;
}

/* One bounded field: lo <= v <= hi, else an error naming it. */
static int check_field(const char *origin, const char *name, long v, long lo, long hi) {
    if (v >= lo && v <= hi) return 0;
    npu_err("%s: %s is %ld, must be %s %ld", origin, name, v, v < lo ? "at least" : "at most", v < lo ? lo : hi);
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
        {"moe.experts", m->moe.experts, 0, NPU_MODEL_MAX_EXPERTS},
        {"moe.shared_experts", m->moe.shared_experts, 0, NPU_MODEL_MAX_SHARED},
        {"moe.dense_layers", m->moe.dense_layers, 0, m->layers},
        {"mla.q_lora_rank", m->mla.q_lora_rank, 0, NPU_MODEL_MAX_LORA},
        {"mla.kv_lora_rank", m->mla.kv_lora_rank, 0, NPU_MODEL_MAX_LORA},
    };
    for (size_t i = 0; i < NPU_ARRAY_LEN(f); i++)
        if (check_field(origin, f[i].name, f[i].v, f[i].lo, f[i].hi)) return -1;
    if (m->heads % m->kv_heads) {
        npu_err("%s: heads (%d) must be a multiple of kv_heads (%d)", origin, m->heads, m->kv_heads);
        return -1;
    }
    if (m->moe.experts > 0) {
        if (check_field(origin, "moe.top_k", m->moe.top_k, 1, m->moe.experts) ||
            check_field(origin, "moe.expert_ffn", m->moe.expert_ffn, 1, NPU_MODEL_MAX_FFN))
            return -1;
    } else if (m->moe.top_k || m->moe.expert_ffn || m->moe.shared_experts || m->moe.dense_layers) {
        npu_err("%s: moe fields without experts", origin);
        return -1;
    }
    if (m->mla.kv_lora_rank > 0) {
        if (check_field(origin, "mla.qk_nope_head_dim", m->mla.qk_nope_dim, 1, NPU_MODEL_MAX_HEAD_DIM) ||
            check_field(origin, "mla.qk_rope_head_dim", m->mla.qk_rope_dim, 1, NPU_MODEL_MAX_HEAD_DIM) ||
            check_field(origin, "mla.v_head_dim", m->mla.v_head_dim, 1, NPU_MODEL_MAX_HEAD_DIM))
            return -1;
    } else if (m->mla.q_lora_rank || m->mla.qk_nope_dim || m->mla.qk_rope_dim || m->mla.v_head_dim) {
        npu_err("%s: mla fields without kv_lora_rank", origin);
        return -1;
    }
    if ((unsigned)m->norm > NPU_NORM_LAYER || (unsigned)m->act > NPU_ACT_RELU || (unsigned)m->pos > NPU_POS_NONE) {
        npu_err("%s: norm, activation or position out of range", origin);
        return -1;
    }
    return 0;
}

/* ---- npusim schema ---- */

static int from_npusim(const cJSON *r, const char *origin, npu_model *m) {
    static const char *const keys[] = {"name", "family", "layers", "hidden", "heads", "kv_heads",
                                       "head_dim", "ffn", "vocab", "max_seq", "norm", "activation",
                                       "gated_mlp", "position", "tied_embeddings", "attn_bias",
                                       "mlp_bias", "parallel_block", "sliding_window", "moe",
                                       "mla", "source", NULL};
    char norm[16] = "rmsnorm", act[16] = "silu", pos[16] = "rope";
    m->max_seq = 4096;
    m->gated_mlp = true;
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
        npu_json_bool(r, "mlp_bias", &m->mlp_bias, false, origin) ||
        npu_json_bool(r, "parallel_block", &m->parallel_block, false, origin) ||
        npu_json_int_range(r, "sliding_window", &m->sliding_window, false, 0, NPU_MODEL_MAX_SEQ, origin) ||
        npu_json_str(r, "source", m->source, sizeof m->source, false, origin))
        return -1;
    int e;
    if ((e = parse_enum(norm, norm_names, 2, "norm", origin)) < 0) return -1;
    m->norm = (npu_norm)e;
    if ((e = parse_enum(act, act_names, 3, "activation", origin)) < 0) return -1;
    m->act = (npu_act)e;
    if ((e = parse_enum(pos, pos_names, 4, "position", origin)) < 0) return -1;
    m->pos = (npu_pos)e;
    const cJSON *moe = cJSON_GetObjectItemCaseSensitive(r, "moe");
    if (moe && !cJSON_IsNull(moe)) {
        static const char *const mk[] = {"experts", "top_k", "shared_experts", "expert_ffn",
                                         "dense_layers", NULL};
        char where[300];
        snprintf(where, sizeof where, "%s: moe", origin);
        if (npu_json_check_keys(moe, mk, where) ||
            npu_json_int_range(moe, "experts", &m->moe.experts, true, 1, NPU_MODEL_MAX_EXPERTS, where) ||
            npu_json_int_range(moe, "top_k", &m->moe.top_k, true, 1, NPU_MODEL_MAX_EXPERTS, where) ||
            npu_json_int_range(moe, "shared_experts", &m->moe.shared_experts, false, 0, NPU_MODEL_MAX_SHARED, where) ||
            npu_json_int_range(moe, "expert_ffn", &m->moe.expert_ffn, true, 1, NPU_MODEL_MAX_FFN, where) ||
            npu_json_int_range(moe, "dense_layers", &m->moe.dense_layers, false, 0, NPU_MODEL_MAX_LAYERS, where))
            return -1;
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
 * this reader does not use are ignored (configs carry dozens). */

/* An integer field in [lo, hi]; absent or null -> dflt, or an error if dflt is
 * HF_REQUIRED. Checked in double before any cast: 1e300, 2^63, 3.7 are errors. */
#define HF_REQUIRED INT_MIN
static int hf_int(const cJSON *r, const char *k, int *out, int dflt, int lo, int hi, const char *origin) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, k);
    if (!v || cJSON_IsNull(v)) {
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

static int act_from_hf(const char *s) {
    if (!s) return NPU_ACT_SILU;
    if (strstr(s, "gelu")) return NPU_ACT_GELU;
    if (strstr(s, "relu")) return NPU_ACT_RELU;
    return NPU_ACT_SILU;
}

static const char *const hf_arches[] = {
    "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "MixtralForCausalLM",
    "Qwen3ForCausalLM", "Qwen3MoeForCausalLM", "GPT2LMHeadModel", "GPTJForCausalLM",
    "OPTForCausalLM", "DeepseekV3ForCausalLM",
};

/* Sliding-window attention as transformers applies it: Mistral and Mixtral use
 * `sliding_window` whenever it is a number (null = full attention, the v0.2+
 * configs); Qwen2/Qwen3 only when `use_sliding_window` is true (their configs
 * carry sliding_window 131072 or 32768 with use_sliding_window false);
 * Llama and DeepSeek have none. 0 reads as "none" like null. When Qwen turns it
 * on, transformers windows only the layers from max_window_layers on; npusim
 * windows every layer (docs/reliability.md). */
static int hf_sliding(const cJSON *r, const char *origin, const char *arch, npu_model *m) {
    bool mistral = strstr(arch, "Mistral") || strstr(arch, "Mixtral"), qwen = strstr(arch, "Qwen") != NULL;
    bool use = mistral;
    if (qwen && hf_bool(r, "use_sliding_window", &use, false, origin)) return -1;
    int w = 0;
    if (hf_int(r, "sliding_window", &w, 0, 0, NPU_MODEL_MAX_SEQ, origin)) return -1;
    m->sliding_window = use ? w : 0;
    return 0;
}

static int from_hf_llama(const cJSON *r, const char *origin, npu_model *m, const char *arch) {
    bool bad = false;
    if (hf_int(r, "num_hidden_layers", &m->layers, HF_REQUIRED, 1, NPU_MODEL_MAX_LAYERS, origin) ||
        hf_int(r, "hidden_size", &m->hidden, HF_REQUIRED, 1, NPU_MODEL_MAX_HIDDEN, origin) ||
        hf_int(r, "num_attention_heads", &m->heads, HF_REQUIRED, 1, NPU_MODEL_MAX_HEADS, origin) ||
        hf_int(r, "vocab_size", &m->vocab, HF_REQUIRED, 1, NPU_MODEL_MAX_VOCAB, origin) ||
        hf_int(r, "num_key_value_heads", &m->kv_heads, m->heads, 1, m->heads, origin) ||
        hf_int(r, "head_dim", &m->head_dim, 0, 1, NPU_MODEL_MAX_HEAD_DIM, origin) ||
        hf_int(r, "intermediate_size", &m->ffn, 0, 1, NPU_MODEL_MAX_FFN, origin) ||
        hf_int(r, "max_position_embeddings", &m->max_seq, 4096, 1, NPU_MODEL_MAX_SEQ, origin) ||
        hf_bool(r, "tie_word_embeddings", &m->tied_embeddings, false, origin) ||
        hf_bool(r, "attention_bias", &m->attn_bias, strstr(arch, "Qwen2") != NULL, origin) ||
        hf_bool(r, "mlp_bias", &m->mlp_bias, false, origin) || hf_sliding(r, origin, arch, m))
        return -1;
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
    m->norm = NPU_NORM_RMS;
    m->act = (npu_act)act_from_hf(hf_str(r, "hidden_act", origin, &bad));
    if (bad) return -1;
    m->gated_mlp = true;
    m->pos = NPU_POS_ROPE;
    npu_strlcpy(m->family, "llama", sizeof m->family);
    /* mixtures of experts: Mixtral num_local_experts (experts of intermediate_size),
     * Qwen3-MoE num_experts, DeepSeek n_routed_experts (+ n_shared_experts, the
     * first first_k_dense_replace layers dense); 0 or null = dense */
    const char *ek = cJSON_GetObjectItemCaseSensitive(r, "num_local_experts") ? "num_local_experts"
                     : cJSON_GetObjectItemCaseSensitive(r, "num_experts") ? "num_experts" : "n_routed_experts";
    int experts = 0;
    if (hf_int(r, ek, &experts, 0, 0, NPU_MODEL_MAX_EXPERTS, origin)) return -1;
    if (experts > 0) {
        m->moe.experts = experts;
        if (hf_int(r, "num_experts_per_tok", &m->moe.top_k, 2, 1, experts, origin) || /* HF's default */
            hf_int(r, "n_shared_experts", &m->moe.shared_experts, 0, 0, NPU_MODEL_MAX_SHARED, origin) ||
            hf_int(r, "moe_intermediate_size", &m->moe.expert_ffn, m->ffn, 1, NPU_MODEL_MAX_FFN, origin) ||
            hf_int(r, "first_k_dense_replace", &m->moe.dense_layers, 0, 0, m->layers, origin))
            return -1;
        if (!m->ffn) m->ffn = m->moe.expert_ffn;
    }
    /* multi-head latent attention (DeepSeek-V2/V3); q_lora_rank null = queries
     * projected directly (DeepSeek-V2-Lite) */
    int kv_lora = 0;
    if (hf_int(r, "kv_lora_rank", &kv_lora, 0, 0, NPU_MODEL_MAX_LORA, origin)) return -1;
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

static int from_hf_gpt(const cJSON *r, const char *origin, npu_model *m, const char *arch) {
    bool opt = strstr(arch, "OPT") != NULL, gptj = strstr(arch, "GPTJ") != NULL, bad = false;
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
    if (hf_int(r, opt ? "ffn_dim" : "n_inner", &m->ffn, dflt_ffn, 1, NPU_MODEL_MAX_FFN, origin) ||
        hf_int(r, opt ? "max_position_embeddings" : "n_positions", &m->max_seq, 2048, 1, NPU_MODEL_MAX_SEQ, origin) ||
        hf_bool(r, "tie_word_embeddings", &m->tied_embeddings, !gptj, origin))
        return -1;
    m->norm = NPU_NORM_LAYER;
    const char *act = hf_str(r, "activation_function", origin, &bad);
    if (bad) return -1;
    m->act = act ? (npu_act)act_from_hf(act) : (opt ? NPU_ACT_RELU : NPU_ACT_GELU);
    m->gated_mlp = false;
    m->pos = gptj ? NPU_POS_ROPE : NPU_POS_LEARNED;
    m->attn_bias = !gptj;
    m->mlp_bias = true;
    m->parallel_block = gptj;
    npu_strlcpy(m->family, "gpt", sizeof m->family);
    return 0;
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
    if (!arch && mt) { /* map model_type to an architecture */
        static const char *const types[][2] = {
            {"llama", "LlamaForCausalLM"}, {"mistral", "MistralForCausalLM"}, {"qwen2", "Qwen2ForCausalLM"},
            {"mixtral", "MixtralForCausalLM"}, {"gpt2", "GPT2LMHeadModel"}, {"gptj", "GPTJForCausalLM"},
            {"opt", "OPTForCausalLM"}, {"qwen3", "Qwen3ForCausalLM"}, {"qwen3_moe", "Qwen3MoeForCausalLM"},
            {"deepseek_v3", "DeepseekV3ForCausalLM"}};
        for (size_t i = 0; i < NPU_ARRAY_LEN(types); i++)
            if (strcmp(mt, types[i][0]) == 0) arch = types[i][1];
        if (!arch) {
            npu_err("%s: unsupported model_type '%s'", origin, mt);
            return -1;
        }
    }
    bool known = false;
    for (size_t i = 0; i < NPU_ARRAY_LEN(hf_arches); i++)
        if (arch && strcmp(arch, hf_arches[i]) == 0) known = true;
    if (!known) {
        const char *c = arch ? npu_closest(arch, hf_arches, NPU_ARRAY_LEN(hf_arches)) : NULL;
        npu_err("%s: unsupported architecture '%s'%s%s%s", origin, arch ? arch : "?",
                c ? " (supported include '" : "", c ? c : "", c ? "')" : "");
        return -1;
    }
    const char *nm = hf_str(r, "_name_or_path", origin, &bad);
    if (bad) return -1;
    npu_strlcpy(m->name, nm ? nm : origin, sizeof m->name);
    snprintf(m->source, sizeof m->source, "HuggingFace config %s (%s)", origin, arch);
    if (strstr(arch, "GPT") || strstr(arch, "OPT")) return from_hf_gpt(r, origin, m, arch);
    return from_hf_llama(r, origin, m, arch);
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
        if (!strchr(name_or_path, '/') && !strstr(name_or_path, ".json")) {
            const char *names[128];
            int n = npu_presets_model_count < 128 ? npu_presets_model_count : 128;
            for (int i = 0; i < n; i++) names[i] = npu_presets_model[i].name;
            const char *c = npu_closest(name_or_path, names, (size_t)n);
            npu_err("unknown model '%s'%s%s%s (see 'npusim list models', or give a .json file)",
                    name_or_path, c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
            return -1;
        }
        owned = npu_read_file(name_or_path, NULL);
        if (!owned) return -1;
        text = owned;
        snprintf(origin, sizeof origin, "%s", name_or_path);
    }
    cJSON *root = npu_json_parse(text, origin);
    int rc = root ? npu_model_from_json(root, origin, out) : -1;
    cJSON_Delete(root);
    free(owned);
    return rc;
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
    cJSON_AddStringToObject(r, "activation", act_names[m->act]);
    cJSON_AddBoolToObject(r, "gated_mlp", m->gated_mlp);
    cJSON_AddStringToObject(r, "position", pos_names[m->pos]);
    cJSON_AddBoolToObject(r, "tied_embeddings", m->tied_embeddings);
    cJSON_AddBoolToObject(r, "attn_bias", m->attn_bias);
    cJSON_AddBoolToObject(r, "mlp_bias", m->mlp_bias);
    cJSON_AddBoolToObject(r, "parallel_block", m->parallel_block);
    cJSON_AddNumberToObject(r, "sliding_window", m->sliding_window);
    if (m->moe.experts > 0) {
        cJSON *o = cJSON_AddObjectToObject(r, "moe");
        cJSON_AddNumberToObject(o, "experts", m->moe.experts);
        cJSON_AddNumberToObject(o, "top_k", m->moe.top_k);
        cJSON_AddNumberToObject(o, "shared_experts", m->moe.shared_experts);
        cJSON_AddNumberToObject(o, "expert_ffn", m->moe.expert_ffn);
        cJSON_AddNumberToObject(o, "dense_layers", m->moe.dense_layers);
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
    cJSON_AddStringToObject(r, "source", m->source);
    return r;
}

/* Attention: q (H*D) + k,v (2*KV*D) from hidden, o back. MLA: q_a (h x q_lora)
 * + its norm, q_b (q_lora x H*(nope+rope)), kv_a (h x (kv_lora+rope)) + its norm,
 * kv_b (kv_lora x H*(nope+v)), o (H*v x h). */
npu_attn_weights npu_model_attn_weights(const npu_model *m) {
    double h = m->hidden, d = m->head_dim;
    const npu_mla *a = &m->mla;
    if (a->kv_lora_rank <= 0) return (npu_attn_weights){.per_head = 2.0 * h * d, .per_kv_head = 2.0 * h * d};
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

/* Parameters in elements. */
double npu_model_params(const npu_model *m, bool active) {
    assert(m->layers > 0 && m->moe.dense_layers <= m->layers); /* npu_model_check holds */
    double h = m->hidden;
    double attn = npu_model_attn_params(m);
    double mlp_mats = m->gated_mlp ? 3.0 : 2.0;
    double dense_mlp = mlp_mats * h * m->ffn;
    double layer_mlp_total = dense_mlp * m->layers;
    if (m->moe.experts > 0) {
        int moe_layers = m->layers - m->moe.dense_layers;
        double one = mlp_mats * h * m->moe.expert_ffn;
        int n = active ? m->moe.top_k : m->moe.experts;
        double per = one * (n + m->moe.shared_experts) + h * m->moe.experts; /* + router */
        layer_mlp_total = dense_mlp * m->moe.dense_layers + per * moe_layers;
    }
    double norms = m->layers * 2.0 * h + h;
    double emb = (double)m->vocab * h * (m->tied_embeddings ? 1 : 2);
    double pos = m->pos == NPU_POS_LEARNED ? (double)m->max_seq * h : 0;
    return attn * m->layers + layer_mlp_total + norms + emb + pos;
}

/* MLA caches the latent and the shared rotary key (the absorbed form every
 * serving engine uses); others cache K and V per KV head. */
double npu_model_kv_bytes_per_token(const npu_model *m, double kv_dtype_bytes) {
    if (m->mla.kv_lora_rank > 0)
        return (double)m->layers * (m->mla.kv_lora_rank + m->mla.qk_rope_dim) * kv_dtype_bytes;
    return 2.0 * m->layers * m->kv_heads * m->head_dim * kv_dtype_bytes;
}
