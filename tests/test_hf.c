/* Unit tests: every HuggingFace architecture of issue 14 §4 from its
 * config.json (tests/data/hf/<id>/config.json, a directory as `--model` takes
 * it). Expected parameter counts are computed HERE from each config's numbers
 * with the per-family formulas of docs/research/hf-architectures.md §3 (read
 * with cJSON, never through the loader), and compared with the model cards'
 * stated counts at their rounding. Costs of sliding-window attention are
 * checked against hand arithmetic on the config's dimensions.
 *
 * "Active" parameters, as npusim reports them: every non-expert weight, both
 * embedding matrices and top_k routed + the shared experts (Mistral's and
 * Qwen's convention). DeepSeek's "activated" leaves the input embedding out;
 * its rows are compared after subtracting vocab x hidden. */
#include "testutil.h"
#include "npu_all.h"
#include "npu_steptab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HF "tests/data/hf/"

static bool close_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fabs(b); }

static npu_step_cfg step(npu_phase ph, int b, long seq, long ctx, npu_plan p) {
    npu_step_cfg c = {.phase = ph, .batch = b, .seq = seq, .ctx = ctx, .stack = NPU_STACK_FUSED,
                      .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16, .plan = p};
    return c;
}

static int build(const npu_model *m, npu_step_cfg c, npu_graph *g) { return npu_graph_build(m, &c, g); }

/* ---- the config's numbers, read here ---- */

static cJSON *read_config(const char *dir) {
    char path[256];
    snprintf(path, sizeof path, HF "%s/config.json", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    cJSON *r = cJSON_Parse(buf);
    assert_non_null(r);
    return r;
}

/* A number of the config; `dflt` when absent or null (the class default). */
static double num(const cJSON *o, const char *k, double dflt) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}
static bool flag(const cJSON *o, const char *k, bool dflt) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

typedef enum {
    K_LLAMA, K_GEMMA, K_GEMMA2, K_GEMMA3, K_PHI3, K_PHI3S, K_PHIMOE, K_QWEN2MOE, K_QWEN3, K_QWEN3MOE, K_DSV2,
    K_MIXTRAL, K_FALCON, K_NEOX, K_COHERE, K_OLMO, K_OLMO2
} kind;

typedef struct counts {
    double total, active, emb; /* emb: the input embedding, vocab x hidden */
} counts;

/* The research md's formulas (§3), term by term. */
static counts formula(const cJSON *top, kind k) {
    const cJSON *c = top;
    if (k == K_GEMMA3 && cJSON_GetObjectItemCaseSensitive(top, "text_config"))
        c = cJSON_GetObjectItemCaseSensitive(top, "text_config");
    bool g3 = k == K_GEMMA3;
    /* Gemma3TextConfig's defaults apply to keys the wrapper's text_config omits */
    double h = num(c, "hidden_size", g3 ? 2304 : NAN), L = num(c, "num_hidden_layers", g3 ? 26 : NAN);
    double V = num(c, "vocab_size", g3 ? 262208 : NAN);
    double H = num(c, "num_attention_heads", g3 ? 8 : NAN);
    if (k == K_FALCON && isnan(L)) L = num(c, "n_layer", NAN);
    if (k == K_FALCON && isnan(H)) H = num(c, "n_head", NAN);
    double K = num(c, "num_key_value_heads", g3 ? 4 : H);
    double d = num(c, "head_dim", g3 ? 256 : h / H);
    double f = num(c, "intermediate_size", g3 ? 9216 : NAN);
    bool tied = flag(c, "tie_word_embeddings",
                     k == K_GEMMA || k == K_GEMMA2 || g3 || k == K_COHERE || k == K_FALCON || k == K_PHI3S);
    double attn = h * H * d + 2 * h * K * d + H * d * h; /* q, k, v, o */
    double emb = V * h * (tied ? 1 : 2);
    counts r = {.emb = V * h};
    switch (k) {
    case K_LLAMA:
    case K_PHI3:
        r.total = emb + L * (attn + 3 * h * f + 2 * h) + h;
        break;
    case K_GEMMA:
        r.total = V * h + L * (attn + 3 * h * f + 2 * h) + h;
        break;
    case K_GEMMA2:
        r.total = V * h + L * (attn + 3 * h * f + 4 * h) + h;
        break;
    case K_GEMMA3:
        r.total = V * h + L * (attn + 2 * d + 3 * h * f + 4 * h) + h;
        break;
    case K_QWEN3:
        r.total = emb + L * (attn + 2 * d + 3 * h * f + 2 * h) + h;
        break;
    case K_PHI3S: { /* biases everywhere, LayerNorm with bias, up projection 2f wide */
        double ff = num(c, "ff_intermediate_size", NAN);
        r.total = V * h + L * (h * (H + 2 * K) * d + (H + 2 * K) * d + h * h + h + 2 * h * ff + 2 * ff + ff * h + h +
                               4 * h) + 2 * h;
        break;
    }
    case K_PHIMOE: {
        double E = num(c, "num_local_experts", NAN), top_k = num(c, "num_experts_per_tok", NAN);
        double per = attn + H * d + 2 * K * d + h + h * E + 4 * h;
        r.total = 2 * V * h + V + L * (per + E * 3 * h * f) + 2 * h;
        r.active = 2 * V * h + V + L * (per + top_k * 3 * h * f) + 2 * h;
        break;
    }
    case K_QWEN2MOE: {
        double E = num(c, "num_experts", NAN), top_k = num(c, "num_experts_per_tok", NAN);
        double fe = num(c, "moe_intermediate_size", NAN), fs = num(c, "shared_expert_intermediate_size", NAN);
        double per = attn + H * d + 2 * K * d + 3 * h * fs + h + h * E + 2 * h; /* qkv bias, shared + gate, router */
        r.total = 2 * V * h + L * (per + E * 3 * h * fe) + h;
        r.active = 2 * V * h + L * (per + top_k * 3 * h * fe) + h;
        break;
    }
    case K_QWEN3MOE: {
        double E = num(c, "num_experts", NAN), top_k = num(c, "num_experts_per_tok", NAN);
        double fe = num(c, "moe_intermediate_size", NAN);
        double per = attn + 2 * d + h * E + 2 * h;
        r.total = emb + L * (per + E * 3 * h * fe) + h;
        r.active = emb + L * (per + top_k * 3 * h * fe) + h;
        break;
    }
    case K_MIXTRAL: {
        double E = num(c, "num_local_experts", NAN), top_k = num(c, "num_experts_per_tok", NAN);
        r.total = 2 * V * h + L * (attn + E * 3 * h * f + E * h + 2 * h) + h;
        r.active = 2 * V * h + L * (attn + top_k * 3 * h * f + E * h + 2 * h) + h;
        break;
    }
    case K_DSV2: { /* MLA + MoE; q_lora_rank null = direct q projection */
        double qr = num(c, "q_lora_rank", 0), kr = num(c, "kv_lora_rank", NAN);
        double dn = num(c, "qk_nope_head_dim", NAN), dr = num(c, "qk_rope_head_dim", NAN), dv = num(c, "v_head_dim", NAN);
        double q = qr > 0 ? h * qr + qr + qr * H * (dn + dr) : h * H * (dn + dr);
        double mla = q + h * (kr + dr) + kr + kr * H * (dn + dv) + H * dv * h;
        double E = num(c, "n_routed_experts", NAN), top_k = num(c, "num_experts_per_tok", NAN);
        double fe = num(c, "moe_intermediate_size", NAN), ns = num(c, "n_shared_experts", 0);
        double kd = num(c, "first_k_dense_replace", 0);
        double base = 2 * V * h + L * (mla + 2 * h) + kd * 3 * h * f + h;
        r.total = base + (L - kd) * (E * 3 * h * fe + 3 * h * ns * fe + h * E);
        r.active = base + (L - kd) * (top_k * 3 * h * fe + 3 * h * ns * fe + h * E);
        break;
    }
    case K_FALCON: { /* K/V heads: new layout's num_kv_heads / n_head_kv, else 1 under multi_query */
        bool newarch = flag(c, "new_decoder_architecture", cJSON_GetObjectItemCaseSensitive(c, "n_head_kv") != NULL);
        double kv = newarch ? num(c, "num_kv_heads", num(c, "n_head_kv", H)) : flag(c, "multi_query", true) ? 1 : H;
        double n_ln = newarch ? 2 : 1;
        r.total = V * h + L * (h * (H + 2 * kv) * d + h * h + 2 * h * 4 * h + n_ln * 2 * h) + 2 * h;
        break;
    }
    case K_NEOX:
        r.total = 2 * V * h + L * (3 * h * h + 3 * h + h * h + h + h * f + f + f * h + h + 4 * h) + 2 * h;
        break;
    case K_COHERE: {
        double qk = flag(c, "use_qk_norm", false) ? H * d + K * d : 0;
        r.total = V * h + L * (attn + qk + 3 * h * f + h) + h;
        break;
    }
    case K_OLMO:
        r.total = 2 * V * h + L * (4 * h * h + 3 * h * f);
        break;
    case K_OLMO2:
        r.total = 2 * V * h + L * (4 * h * h + H * d + K * d + 3 * h * f + 2 * h) + h;
        break;
    }
    if (r.active == 0) r.active = r.total;
    return r;
}

/* `count` agrees with a card's `stated` figure whose last significant digit is
 * `unit`: rounded or truncated to that digit (publishers do both: Qwen3-30B-A3B's
 * 3.35B activated is "3.3B", LLaMA's 6.74B is "6.7B"). */
static bool at_card(double count, double stated, double unit) {
    double want = round(stated / unit);
    return round(count / unit) == want || floor(count / unit) == want;
}

/* The fixtures. card/unit: the model card's (or paper's) figure and its last
 * significant digit; card_active likewise (DeepSeek: without the input
 * embedding). exact: a published exact count of the same parameters, where one
 * was found (sources in docs/research/hf-architectures.md §4; 0 = none). */
static const struct fixture {
    const char *dir;
    kind k;
    double card, unit, card_active, unit_active, exact;
} fixtures[] = {
    {"gemma-2b", K_GEMMA, 2.51e9, 1e7, 0, 0, 2506172416.0},
    {"gemma-7b", K_GEMMA, 8.54e9, 1e7, 0, 0, 8537680896.0},
    {"gemma-2-2b-it", K_GEMMA2, 2.6e9, 1e8, 0, 0, 2614341888.0},
    {"gemma-2-9b", K_GEMMA2, 9e9, 1e9, 0, 0, 9241705984.0},
    {"gemma-2-27b", K_GEMMA2, 27e9, 1e9, 0, 0, 27227128320.0},
    {"gemma-3-1b-it", K_GEMMA3, 1e9, 1e9, 0, 0, 999885952.0},
    {"gemma-3-4b-it", K_GEMMA3, 4e9, 1e9, 0, 0, 0},
    {"gemma-3-12b-it", K_GEMMA3, 12e9, 1e9, 0, 0, 0},
    {"gemma-3-27b-it", K_GEMMA3, 27e9, 1e9, 0, 0, 0},
    {"phi-3-mini-4k-instruct", K_PHI3, 3.8e9, 1e8, 0, 0, 3821079552.0},
    {"phi-3-small-8k-instruct", K_PHI3S, 7e9, 1e9, 0, 0, 0},
    {"phi-3-medium-4k-instruct", K_PHI3, 14e9, 1e9, 0, 0, 13960238080.0},
    {"phi-3.5-moe-instruct", K_PHIMOE, 42e9, 1e9, 6.6e9, 1e8, 0},
    {"qwen1.5-moe-a2.7b-chat", K_QWEN2MOE, 14.3e9, 1e8, 2.7e9, 1e8, 14315784192.0},
    {"qwen2-57b-a14b", K_QWEN2MOE, 57e9, 1e9, 14e9, 1e9, 57408658944.0},
    {"qwen3-0.6b", K_QWEN3, 0.6e9, 1e8, 0, 0, 0},
    {"qwen3-8b", K_QWEN3, 8.2e9, 1e8, 0, 0, 0},
    {"qwen3-30b-a3b", K_QWEN3MOE, 30.5e9, 1e8, 3.3e9, 1e8, 30532122624.0},
    {"qwen3-235b-a22b", K_QWEN3MOE, 235e9, 1e9, 22e9, 1e9, 235093634560.0},
    {"deepseek-v2-lite", K_DSV2, 15.7e9, 1e8, 2.4e9, 1e8, 15706484224.0},
    {"deepseek-v2", K_DSV2, 236e9, 1e9, 21e9, 1e9, 235741434880.0},
    {"mixtral-8x7b-v0.1", K_MIXTRAL, 46.7e9, 1e8, 12.9e9, 1e8, 46702792704.0},
    {"mixtral-8x22b-v0.1", K_MIXTRAL, 141e9, 1e9, 39e9, 1e9, 140620634112.0},
    {"falcon-7b", K_FALCON, 7e9, 1e9, 0, 0, 0},
    {"falcon-7b-refinedweb", K_FALCON, 7e9, 1e9, 0, 0, 0},
    {"falcon-40b", K_FALCON, 40e9, 1e10, 0, 0, 0},
    {"falcon-40b-refinedweb", K_FALCON, 40e9, 1e10, 0, 0, 0},
    {"falcon-180b", K_FALCON, 180e9, 1e10, 0, 0, 0},
    {"pythia-70m", K_NEOX, 70426624.0, 1, 0, 0, 70426624.0},
    {"pythia-6.9b", K_NEOX, 6.9e9, 1e8, 0, 0, 0},
    {"gpt-neox-20b", K_NEOX, 20554567680.0, 1, 0, 0, 20554567680.0},
    {"c4ai-command-r-v01", K_COHERE, 35e9, 1e9, 0, 0, 0},
    {"c4ai-command-r-plus", K_COHERE, 104e9, 1e9, 0, 0, 0},
    {"olmo-7b-hf", K_OLMO, 7e9, 1e9, 0, 0, 6888095744.0},
    {"olmo-2-1124-7b", K_OLMO2, 7e9, 1e9, 0, 0, 7298617344.0},
};

/* Every fixture loads from its directory; its total and active counts equal
 * the formula's exactly and the card's at its rounding; published exact counts
 * agree to the parameter. */
static void test_counts(void **st) {
    (void)st;
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        const struct fixture *x = &fixtures[i];
        char dir[256];
        snprintf(dir, sizeof dir, HF "%s", x->dir);
        npu_model m;
        if (npu_model_load(dir, &m)) fprintf(stderr, "%s: %s\n", x->dir, npu_errmsg());
        assert_int_equal(npu_model_load(dir, &m), 0);
        cJSON *cfg = read_config(x->dir);
        counts want = formula(cfg, x->k);
        cJSON_Delete(cfg);
        double total = npu_model_params(&m, false), active = npu_model_params(&m, true);
        if (total != want.total || active != want.active)
            fprintf(stderr, "%s: total %.0f (formula %.0f), active %.0f (formula %.0f)\n", x->dir, total, want.total,
                    active, want.active);
        assert_true(total == want.total);
        assert_true(active == want.active);
        if (!at_card(total, x->card, x->unit)) fprintf(stderr, "%s: %.0f vs card %g\n", x->dir, total, x->card);
        assert_true(at_card(total, x->card, x->unit));
        if (x->card_active > 0) {
            double a = x->k == K_DSV2 ? active - want.emb : active; /* DeepSeek counts without the input embedding */
            if (!at_card(a, x->card_active, x->unit_active))
                fprintf(stderr, "%s: active %.0f vs card %g\n", x->dir, a, x->card_active);
            assert_true(at_card(a, x->card_active, x->unit_active));
            assert_true(active < total);
        } else {
            assert_true(active == total); /* dense */
        }
        if (x->exact > 0) assert_true(total == x->exact);
    }
}

/* Published counts with another convention, by hand:
 * - Gemma 3 4B/12B/27B text models (keras-hub presets): 3,880,099,328,
 *   11,765,788,416 and 27,009,002,240 with a 262,144-row embedding; the HF
 *   configs have 262,208 rows, 64 x hidden more. Non-embedding parts equal.
 * - Hub sizes of Falcon count the tied lm_head a second time: falcon-7b
 *   7,217,189,760, falcon-40b 41,835,970,560 and falcon-180B 179,522,565,120
 *   (safetensors totals).
 * - Pythia 6.9B: the paper's non-embedding count 6,444,163,072 (both
 *   embedding matrices out).
 * - Gemma 2 report non-embedding counts: 2,024,517,888 / 8,324,201,984 /
 *   26,047,480,320. */
static void test_counts_other_conventions(void **st) {
    (void)st;
    static const struct { const char *dir; double published, adjust_rows; } g3[] = {
        {"gemma-3-4b-it", 3880099328.0, 64}, {"gemma-3-12b-it", 11765788416.0, 64}, {"gemma-3-27b-it", 27009002240.0, 64}};
    npu_model m;
    for (int i = 0; i < 3; i++) {
        char dir[256];
        snprintf(dir, sizeof dir, HF "%s", g3[i].dir);
        assert_int_equal(npu_model_load(dir, &m), 0);
        assert_int_equal(m.vocab, 262208);
        assert_true(npu_model_params(&m, false) - g3[i].adjust_rows * m.hidden == g3[i].published);
    }
    assert_int_equal(npu_model_load(HF "falcon-7b", &m), 0);
    assert_true(npu_model_params(&m, false) + (double)m.vocab * m.hidden == 7217189760.0);
    assert_int_equal(npu_model_load(HF "falcon-180b", &m), 0);
    assert_true(npu_model_params(&m, false) + (double)m.vocab * m.hidden == 179522565120.0);
    assert_int_equal(npu_model_load(HF "falcon-40b", &m), 0);
    assert_true(npu_model_params(&m, false) + (double)m.vocab * m.hidden == 41835970560.0);
    assert_int_equal(npu_model_load(HF "falcon-40b-refinedweb", &m), 0);
    assert_true(npu_model_params(&m, false) + (double)m.vocab * m.hidden == 41835970560.0);
    assert_int_equal(npu_model_load(HF "pythia-6.9b", &m), 0); /* without embed_in and embed_out */
    assert_true(npu_model_params(&m, false) - 2.0 * m.vocab * m.hidden == 6444163072.0);
    static const struct { const char *dir; double nonemb; } g2[] = {
        {"gemma-2-2b-it", 2024517888.0}, {"gemma-2-9b", 8324201984.0}, {"gemma-2-27b", 26047480320.0}};
    for (int i = 0; i < 3; i++) {
        char dir[256];
        snprintf(dir, sizeof dir, HF "%s", g2[i].dir);
        assert_int_equal(npu_model_load(dir, &m), 0);
        assert_true(npu_model_params(&m, false) - (double)m.vocab * m.hidden == g2[i].nonemb);
    }
}

/* What each loader reads besides the counts: attention patterns, soft-capping,
 * norms, biases, parallel blocks, partial rotary, MoE layout. */
static void test_fields(void **st) {
    (void)st;
    npu_model m;
    /* Gemma 2: even layers local (window 4096), odd global; soft-capping 50 / 30 */
    assert_int_equal(npu_model_load(HF "gemma-2-9b", &m), 0);
    assert_int_equal(m.sliding_window, 4096);
    for (int i = 0; i < m.layers; i++) assert_true(npu_model_layer_local(&m, i) == (i % 2 == 0));
    assert_true(m.attn_softcap == 50 && m.final_softcap == 30);
    assert_int_equal(m.norm_position, NPU_NORMPOS_SANDWICH);
    assert_true(m.tied_embeddings);
    assert_int_equal(m.head_dim, 256);
    /* Gemma 3 27B (wrapper, text_config with defaults): layer i global iff (i + 1) % 6 == 0: 10 of 62 */
    assert_int_equal(npu_model_load(HF "gemma-3-27b-it", &m), 0);
    npu_layer_counts c = npu_model_layer_counts(&m, 0, m.layers);
    assert_int_equal(c.dense_local, 52);
    assert_true(!npu_model_layer_local(&m, 5) && npu_model_layer_local(&m, 4) && !npu_model_layer_local(&m, 59));
    assert_true(m.sliding_window == 1024 && m.attn_softcap == 0 && m.final_softcap == 0);
    assert_int_equal(m.qk_norm, NPU_QKNORM_HEAD_SHARED);
    assert_int_equal(m.max_seq, 131072);
    /* the 4B wrapper names no heads, KV heads, head_dim or vocab: Gemma3TextConfig's */
    assert_int_equal(npu_model_load(HF "gemma-3-4b-it", &m), 0);
    assert_true(m.heads == 8 && m.kv_heads == 4 && m.head_dim == 256 && m.vocab == 262208 && m.layers == 34);
    assert_int_equal(npu_model_layer_counts(&m, 0, m.layers).dense_local, 34 - 5);
    /* Phi-3-mini-4k: window 2047 on every layer */
    assert_int_equal(npu_model_load(HF "phi-3-mini-4k-instruct", &m), 0);
    assert_true(m.sliding_window == 2047 && npu_model_kv_window(&m) == 2047);
    /* Qwen2-MoE: one gated shared expert of 5632, q/k/v biases, not o */
    assert_int_equal(npu_model_load(HF "qwen1.5-moe-a2.7b-chat", &m), 0);
    assert_true(m.moe.shared_experts == 1 && m.moe.shared_ffn == 5632 && m.moe.shared_gate);
    assert_true(m.attn_bias && !m.attn_out_bias && m.sliding_window == 0);
    /* DeepSeek-V2-Lite: q_lora_rank null, 1 dense layer then MoE */
    assert_int_equal(npu_model_load(HF "deepseek-v2-lite", &m), 0);
    assert_true(m.mla.q_lora_rank == 0 && m.mla.kv_lora_rank == 512 && m.moe.dense_layers == 1);
    assert_true(npu_model_kv_bytes_per_token(&m, 2) == 27.0 * 576 * 2);
    /* Falcon, both key sets: the same model */
    npu_model a, b;
    assert_int_equal(npu_model_load(HF "falcon-7b", &a), 0);
    assert_int_equal(npu_model_load(HF "falcon-7b-refinedweb", &b), 0);
    assert_true(a.kv_heads == 1 && b.kv_heads == 1 && a.heads == 71 && b.layers == 32);
    assert_true(a.parallel_block && !a.parallel_norm_each && b.parallel_block && !b.parallel_norm_each);
    assert_int_equal(npu_model_load(HF "falcon-40b", &a), 0);
    assert_int_equal(npu_model_load(HF "falcon-40b-refinedweb", &b), 0);
    assert_true(a.kv_heads == 8 && b.kv_heads == 8 && a.parallel_norm_each && b.parallel_norm_each);
    assert_true(npu_model_params(&a, false) == npu_model_params(&b, false));
    /* GPT-NeoX: parallel residual with two LayerNorms, a quarter of each head rotated */
    assert_int_equal(npu_model_load(HF "gpt-neox-20b", &m), 0);
    assert_true(m.parallel_block && m.parallel_norm_each && m.rotary_frac == 0.25 && m.attn_out_bias);
    /* Cohere: one LayerNorm without bias feeding both branches; logits x 0.0625 */
    assert_int_equal(npu_model_load(HF "c4ai-command-r-v01", &m), 0);
    assert_true(m.parallel_block && !m.parallel_norm_each && m.norm == NPU_NORM_LAYER &&
                m.norm_params == NPU_NORMP_WEIGHT && m.logit_scale == 0.0625 && m.tied_embeddings);
    /* OLMo: parameter-free LayerNorm; OLMo 2: post-norms and full-width q/k norms */
    assert_int_equal(npu_model_load(HF "olmo-7b-hf", &m), 0);
    assert_int_equal(m.norm_params, NPU_NORMP_NONE);
    assert_int_equal(npu_model_load(HF "olmo-2-1124-7b", &m), 0);
    assert_true(m.norm_position == NPU_NORMPOS_POST && m.qk_norm == NPU_QKNORM_WIDTH);
    /* PhiMoE: LayerNorm with bias, attention and lm_head biases */
    assert_int_equal(npu_model_load(HF "phi-3.5-moe-instruct", &m), 0);
    assert_true(m.norm_params == NPU_NORMP_WEIGHT_BIAS && m.attn_bias && m.attn_out_bias && m.lm_head_bias);
    /* the flat Qwen3-30B-A3B fixture and its directory form are one model */
    assert_int_equal(npu_model_load(HF "qwen3-30b-a3b", &a), 0);
    assert_int_equal(npu_model_load(HF "qwen3-30b-a3b.json", &b), 0);
    assert_true(npu_model_params(&a, true) == npu_model_params(&b, true));
    assert_int_equal(a.qk_norm, NPU_QKNORM_HEAD_SHARED);
}

/* Unsupported architectures and model types: the error lists the supported
 * ones; a directory without config.json says so. */
static void test_errors(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load(HF "bad-arch.json", &m), -1);
    const char *e = npu_errmsg();
    assert_non_null(strstr(e, "unsupported architecture 'MambaForCausalLM'"));
    assert_non_null(strstr(e, "supported: "));
    for (int i = 0; i < npu_model_hf_arch_count(); i++) assert_non_null(strstr(e, npu_model_hf_arch(i)));
    assert_true(npu_model_hf_arch_count() >= 25);
    cJSON *r = cJSON_Parse("{\"model_type\":\"rwkv\",\"hidden_size\":64}");
    assert_int_equal(npu_model_from_json(r, "rwkv.json", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "unsupported model_type 'rwkv'"));
    assert_non_null(strstr(npu_errmsg(), "gemma2"));
    cJSON_Delete(r);
    assert_int_equal(npu_model_load("tests/data", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "is a directory with no config.json"));
    /* strict as ever: a wrong type in a new field, a layer_types of the wrong length */
    r = cJSON_Parse("{\"model_type\":\"gemma2\",\"num_hidden_layers\":2,\"hidden_size\":64,\"num_attention_heads\":4,"
                    "\"intermediate_size\":128,\"vocab_size\":100,\"attn_logit_softcapping\":\"50\"}");
    assert_int_equal(npu_model_from_json(r, "g2.json", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "attn_logit_softcapping"));
    cJSON_Delete(r);
    r = cJSON_Parse("{\"model_type\":\"gemma2\",\"num_hidden_layers\":2,\"hidden_size\":64,\"num_attention_heads\":4,"
                    "\"intermediate_size\":128,\"vocab_size\":100,\"layer_types\":[\"full_attention\"]}");
    assert_int_equal(npu_model_from_json(r, "g2.json", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "layer_types"));
    cJSON_Delete(r);
    /* an explicit layer_types list decides; an every-N pattern reads back as global_every */
    static const char *const lists[] = {"\"sliding_attention\",\"full_attention\",\"full_attention\",\"sliding_attention\"",
                                        "\"sliding_attention\",\"sliding_attention\",\"full_attention\",\"sliding_attention\""};
    for (int i = 0; i < 2; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"model_type\":\"gemma2\",\"num_hidden_layers\":4,\"hidden_size\":64,\"num_attention_heads\":4,"
                 "\"intermediate_size\":128,\"vocab_size\":100,\"layer_types\":[%s]}", lists[i]);
        r = cJSON_Parse(text);
        assert_int_equal(npu_model_from_json(r, "g2.json", &m), 0);
        assert_true(npu_model_layer_local(&m, 0) && npu_model_layer_local(&m, 1) == (i == 1) &&
                    !npu_model_layer_local(&m, 2) && npu_model_layer_local(&m, 3));
        assert_int_equal(m.global_every, i == 0 ? 0 : 3);
        cJSON_Delete(r);
    }
    /* Gemma 3's 1-in-6 pattern on a 4-layer model: no global layer (transformers' rule) */
    r = cJSON_Parse("{\"model_type\":\"gemma3_text\",\"num_hidden_layers\":4,\"sliding_window\":16}");
    assert_int_equal(npu_model_from_json(r, "g3.json", &m), 0);
    assert_true(npu_model_kv_window(&m) == 16 && m.hidden == 2304 && m.vocab == 262208);
    cJSON_Delete(r);
    /* the npusim schema: global_every and global_layers are exclusive, need a window */
    r = cJSON_Parse("{\"name\":\"x\",\"layers\":4,\"hidden\":64,\"heads\":4,\"ffn\":128,\"vocab\":100,"
                    "\"global_every\":2}");
    assert_int_equal(npu_model_from_json(r, "x.json", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "sliding_window"));
    cJSON_Delete(r);
    r = cJSON_Parse("{\"name\":\"x\",\"layers\":4,\"hidden\":64,\"heads\":4,\"ffn\":128,\"vocab\":100,"
                    "\"sliding_window\":8,\"global_layers\":[1,9]}");
    assert_int_equal(npu_model_from_json(r, "x.json", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "layer 9"));
    cJSON_Delete(r);
}

/* Every fixture through `show model`'s JSON and back: the same counts, KV
 * bytes, layer pattern and step graph. */
static void test_round_trip(void **st) {
    (void)st;
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        char dir[256];
        snprintf(dir, sizeof dir, HF "%s", fixtures[i].dir);
        npu_model a, b;
        assert_int_equal(npu_model_load(dir, &a), 0);
        cJSON *j = npu_model_to_json(&a);
        const cJSON *pc = cJSON_GetObjectItemCaseSensitive(j, "params");
        assert_true(cJSON_GetObjectItemCaseSensitive(pc, "total")->valuedouble == npu_model_params(&a, false));
        assert_true(cJSON_GetObjectItemCaseSensitive(pc, "active")->valuedouble == npu_model_params(&a, true));
        char *text = cJSON_Print(j);
        cJSON_Delete(j);
        cJSON *back = cJSON_Parse(text);
        free(text);
        assert_int_equal(npu_model_from_json(back, "round trip", &b), 0);
        cJSON_Delete(back);
        assert_true(npu_model_params(&a, false) == npu_model_params(&b, false));
        assert_true(npu_model_params(&a, true) == npu_model_params(&b, true));
        assert_true(npu_model_kv_tokens(&a, 100000) == npu_model_kv_tokens(&b, 100000));
        assert_true(npu_model_kv_bytes_per_token(&a, 2) == npu_model_kv_bytes_per_token(&b, 2));
        for (int l = 0; l < a.layers; l++) {
            assert_true(npu_model_layer_local(&a, l) == npu_model_layer_local(&b, l));
            assert_true(npu_model_layer_moe(&a, l) == npu_model_layer_moe(&b, l));
        }
        npu_graph ga, gb;
        a.max_seq = b.max_seq = 0;
        npu_step_cfg c = step(NPU_PHASE_PREFILL, 1, 3000, 0, (npu_plan){0});
        assert_int_equal(npu_graph_build(&a, &c, &ga), 0);
        assert_int_equal(npu_graph_build(&b, &c, &gb), 0);
        assert_int_equal(ga.n, gb.n);
        assert_true(npu_graph_flops(&ga) == npu_graph_flops(&gb) && npu_graph_bytes(&ga) == npu_graph_bytes(&gb));
    }
}

/* ---- sliding-window attention, costed ---- */

/* The attention entries of a graph: count, window, FLOPs, bytes; and the
 * soft-capping passes after them. */
typedef struct attn_entry {
    int count;
    long window, kv_len;
    double flops, bytes, softcap_flops;
} attn_entry;

static int attn_entries(const npu_graph *g, attn_entry *out, int cap) {
    int n = 0;
    for (int i = 0; i < g->n && n < cap; i++) {
        const npu_kernel *k = &g->k[i];
        if (k->kind != NPU_KK_ATTN) continue;
        out[n] = (attn_entry){k->count, k->window, k->kv_len, k->flops, k->bytes, 0};
        if (i + 1 < g->n && npu_kernel_is_softcap(&g->k[i + 1])) {
            assert_int_equal(g->k[i + 1].count, k->count);
            out[n].softcap_flops = g->k[i + 1].flops;
        }
        n++;
    }
    return n;
}

/* Gemma 2 9B (42 layers: 21 local with a 4096 window, 21 global; 16 heads,
 * 8 KV heads, head_dim 256), by hand:
 * prefill of 8192 tokens, batch 1: a global layer sees 8192 x 8193 / 2 =
 * 33,558,528 (query, key) pairs per head; a local one 4096 x 4097 / 2 + 4096 x
 * 4096 = 25,167,872. FLOPs = 2 x (256 + 256) x pairs x 16 heads. Both read all
 * 8192 keys once: bytes = K/V 8 x 8192 x 512 x 2 + q/o 16 x 8192 x 512 x 2 +
 * the fused RoPE / KV write (2 x 8192 x 8 x 256 x 2 + 8192 x 32 x 256 x 2).
 * Decode at 8000 cached tokens, batch 4: the global layers read 8001 keys per
 * sequence, the local ones 4096. Soft-capping: 3 operations per score. */
static void test_gemma2_window_costs(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load(HF "gemma-2-9b", &m), 0);
    npu_graph g;
    attn_entry e[4];
    assert_int_equal(build(&m, step(NPU_PHASE_PREFILL, 1, 8192, 0, (npu_plan){0}), &g), 0);
    assert_int_equal(attn_entries(&g, e, 4), 2);
    double pairs_global = 33558528.0, pairs_local = 25167872.0;
    assert_true(pairs_global == 8192.0 * 8193 / 2 && pairs_local == 4096.0 * 4097 / 2 + 4096.0 * 4096);
    double prefill_bytes = 8.0 * 8192 * 512 * 2 + 16.0 * 8192 * 512 * 2 + 2.0 * 8192 * 8 * 256 * 2 + 8192.0 * 32 * 256 * 2;
    for (int i = 0; i < 2; i++) {
        bool local = e[i].window > 0;
        assert_int_equal(e[i].count, 21);
        assert_int_equal(e[i].window, local ? 4096 : 0);
        double pairs = local ? pairs_local : pairs_global;
        assert_true(close_rel(e[i].flops, 2.0 * 512 * pairs * 16, 1e-12));
        assert_true(close_rel(e[i].bytes, prefill_bytes, 1e-12));
        assert_true(close_rel(e[i].softcap_flops, 3.0 * pairs * 16, 1e-12));
    }
    assert_true(e[0].window != e[1].window);
    /* decode */
    assert_int_equal(build(&m, step(NPU_PHASE_DECODE, 4, 1, 8000, (npu_plan){0}), &g), 0);
    assert_int_equal(attn_entries(&g, e, 4), 2);
    for (int i = 0; i < 2; i++) {
        double keys = e[i].window > 0 ? 4096 : 8001;
        assert_int_equal(e[i].kv_len, (long)keys);
        assert_true(close_rel(e[i].flops, 2.0 * 512 * keys * 4 * 16, 1e-12));
        double bytes = 4.0 * 8 * keys * 512 * 2 + 4.0 * 16 * 512 * 2 + 2.0 * 4 * 8 * 256 * 2 + 4.0 * 32 * 256 * 2;
        assert_true(close_rel(e[i].bytes, bytes, 1e-12));
        assert_true(close_rel(e[i].softcap_flops, 3.0 * keys * 4 * 16, 1e-12));
    }
    /* below the window nothing changes: the two groups cost the same */
    assert_int_equal(build(&m, step(NPU_PHASE_DECODE, 4, 1, 3000, (npu_plan){0}), &g), 0);
    assert_int_equal(attn_entries(&g, e, 4), 2);
    assert_true(e[0].flops == e[1].flops && e[0].bytes == e[1].bytes);
    /* the same model without its window attends to everything: one group of 42 */
    npu_model full = m;
    full.sliding_window = 0, full.global_every = 0;
    assert_int_equal(build(&full, step(NPU_PHASE_DECODE, 4, 1, 8000, (npu_plan){0}), &g), 0);
    assert_int_equal(attn_entries(&g, e, 4), 1);
    assert_int_equal(e[0].count, 42);
    /* and a step on a chip is faster with the window past it */
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 4, .ctx = 8000, .wdt = NPU_BF16, .adt = NPU_BF16,
                      .kvdt = NPU_BF16};
    npu_run_result *r = malloc(2 * sizeof *r);
    assert_int_equal(npu_run(&m, &hw, &rc, &r[0]), 0);
    assert_int_equal(npu_run(&full, &hw, &rc, &r[1]), 0);
    assert_true(r[0].latency_s < r[1].latency_s);
    /* KV memory: 4 sequences x (21 x 8001 + 21 x 4096) layer-tokens x 8 KV heads x 256 x 2 x 2 bytes */
    assert_true(close_rel(r[0].mem.kv_B, 4.0 * (21 * 8001.0 + 21 * 4096.0) * 8 * 256 * 2 * 2, 1e-12));
    assert_true(close_rel(r[1].mem.kv_B, 4.0 * 42 * 8001.0 * 8 * 256 * 2 * 2, 1e-12));
    free(r);
}

/* A prompt chunk of few tiles under a window: a tile sweeps at most window +
 * 128 keys, not the whole context (256 queries after 65,280 cached tokens, one
 * head: 2 tiles; window 1024 -> 1152 keys each instead of 65,536: 57x less). */
static void test_windowed_tile(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_kernel full = npu_kernel_attention(1, 1, 1, 128, 256, 65536, true, NPU_BF16, NPU_BF16);
    npu_kernel win = full;
    win.window = 1024;
    win = npu_kernel_attention_reshape(&win, 1, 256, 65536, true);
    assert_true(close_rel(win.flops, 2.0 * 256 * 256 * 1024, 1e-12));
    double tf = npu_cost_kernel(&hw, &full, NPU_IN_STEP).compute_s, tw = npu_cost_kernel(&hw, &win, NPU_IN_STEP).compute_s;
    assert_true(tw < tf / 20);
}

/* Gemma 3 KV cache per token, by hand. 27B: 62 layers, 16 KV heads x 128 x 2
 * (K and V) x 2 bytes = 8192 bytes per layer-token; at 128K (131072) tokens the
 * 10 global layers hold all of them, the 52 local ones 1024: 8192 x (10 x
 * 131072 + 52 x 1024) = 11,173,625,856 bytes, against 8192 x 62 x 131072 =
 * 66,571,993,088 without windows. 1B: 26 layers, 1 KV head x 256: 1024 bytes
 * per layer-token; 4 global (layers 5, 11, 17, 23), 22 local with 512. */
static void test_gemma3_kv_bytes(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load(HF "gemma-3-27b-it", &m), 0);
    npu_plan one = {0};
    assert_true(npu_model_kv_bytes_per_token(&m, 2) == 8192.0 * 62);
    assert_true(npu_plan_stage_kv_bytes(&m, one, 1, NPU_BF16, 131072) == 11173625856.0);
    assert_true(8192.0 * (10 * 131072.0 + 52 * 1024.0) == 11173625856.0);
    assert_true(npu_model_kv_tokens(&m, 131072) * npu_model_kv_bytes_per_token(&m, 2) == 11173625856.0);
    assert_true(npu_plan_stage_kv_bytes(&m, one, 1, NPU_BF16, 1000) == 8192.0 * 62 * 1000); /* below the window */
    /* summed over pipeline stages and divided by tp, the same */
    for (int pp = 2; pp <= 5; pp++) {
        double sum = 0;
        for (int s = 1; s <= pp; s++) sum += npu_plan_stage_kv_bytes(&m, (npu_plan){.pp = pp, .tp = 4}, s, NPU_BF16, 131072);
        assert_true(close_rel(sum * 4, 11173625856.0, 1e-12));
    }
    /* the memory plan of a 128K decode */
    npu_hw hw;
    assert_int_equal(npu_hw_load("h200-sxm", &hw), 0);
    npu_mem_need q = {.wdt = NPU_BF16, .kvdt = NPU_BF16, .batch = 1, .kv_tokens = 131072, .step_tokens = 1};
    npu_mem_plan mp;
    assert_int_equal(npu_mem_plan_make(&m, &hw, one, &q, &mp), 0);
    assert_true(mp.kv_B == 11173625856.0);
    assert_int_equal(npu_model_load(HF "gemma-3-1b-it", &m), 0);
    for (int l = 0; l < 26; l++) assert_true(npu_model_layer_local(&m, l) == !(l == 5 || l == 11 || l == 17 || l == 23));
    assert_true(npu_plan_stage_kv_bytes(&m, one, 1, NPU_BF16, 32768) == 1024.0 * (4 * 32768.0 + 22 * 512.0));
}

/* FLOPs, bytes and weights conserved across parallel plans with mixed window
 * groups (gemma-2-9b, gemma-3-27b): tensor parallel splits GEMMs, attention and
 * soft-capping; pipeline stages (whose local/global mixes differ) sum to the
 * one-chip graph. */
static void test_window_models_conserve_work(void **st) {
    (void)st;
    const char *dirs[] = {HF "gemma-2-9b", HF "gemma-3-27b-it"};
    for (int mi = 0; mi < 2; mi++) {
        npu_model m;
        assert_int_equal(npu_model_load(dirs[mi], &m), 0);
        for (int ph = 0; ph < 2; ph++) {
            long seq = ph == 0 ? 6000 : 1, ctx = ph == 0 ? 0 : 6000;
            npu_graph g;
            npu_step_cfg c1 = step((npu_phase)ph, 2, seq, ctx, (npu_plan){0});
            assert_int_equal(npu_graph_build(&m, &c1, &g), 0);
            double gemm1 = 0, attn1 = 0, cap1 = 0;
            for (int i = 0; i < g.n; i++) {
                double f = g.k[i].flops * g.k[i].count;
                if (g.k[i].kind == NPU_KK_GEMM) gemm1 += f;
                else if (g.k[i].kind == NPU_KK_ATTN) attn1 += f;
                else if (npu_kernel_is_softcap(&g.k[i])) cap1 += f;
            }
            double flops1 = npu_graph_flops(&g), bytes1 = npu_graph_bytes(&g);
            double w1 = npu_plan_weight_bytes(&m, (npu_plan){0}, NPU_BF16);
            for (int tp = 2; tp <= 8; tp *= 2) {
                npu_step_cfg ct = step((npu_phase)ph, 2, seq, ctx, (npu_plan){.tp = tp});
                assert_int_equal(npu_graph_build(&m, &ct, &g), 0);
                double gemm = 0, attn = 0, cap = 0;
                for (int i = 0; i < g.n; i++) {
                    double f = g.k[i].flops * g.k[i].count;
                    if (g.k[i].kind == NPU_KK_GEMM) gemm += f;
                    else if (g.k[i].kind == NPU_KK_ATTN) attn += f;
                    else if (npu_kernel_is_softcap(&g.k[i])) cap += f;
                }
                assert_true(close_rel(gemm * tp, gemm1, 1e-9));
                assert_true(close_rel(attn * tp, attn1, 1e-9));
                assert_true(close_rel(cap * tp, cap1, 1e-9));
            }
            for (int pp = 2; pp <= 7; pp++) {
                npu_plan p = {.pp = pp};
                double flops = 0, bytes = 0, w = 0;
                for (int s = 1; s <= pp; s++) {
                    npu_step_cfg c = step((npu_phase)ph, 2, seq, ctx, p);
                    c.stage = s;
                    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
                    flops += npu_graph_flops(&g);
                    bytes += npu_graph_bytes(&g);
                    w += npu_plan_stage_weight_bytes(&m, p, s, NPU_BF16);
                }
                assert_true(close_rel(flops, flops1, 1e-9));
                assert_true(close_rel(bytes, bytes1, 1e-9));
                /* a tied table is held by the first stage (embedding) and again by the last (lm_head) */
                double again = m.tied_embeddings ? (double)m.vocab * m.hidden * 2.0 : 0;
                assert_true(close_rel(w, w1 + again, 1e-9));
            }
        }
        /* one chip holds every weight of the model */
        assert_true(close_rel(npu_plan_weight_bytes(&m, (npu_plan){0}, NPU_BF16),
                              2.0 * npu_model_params(&m, false), 1e-12));
    }
}

/* Reference for an e2e run's decode: the first decode step as costed, then
 * each step's attention entries (and soft-capping passes) re-costed one by one
 * at its context, each within its own window. */
static double decode_total_ref(const npu_model *m, const npu_hw *hw, const npu_run_cfg *rc) {
    npu_graph g;
    npu_step_result base;
    double f;
    assert_int_equal(build(m, step(NPU_PHASE_DECODE, rc->batch, 1, rc->input, (npu_plan){0}), &g), 0);
    npu_step_eval(hw, &g, &base);
    npu_power_step(hw, &g, &base, &f);
    double total = base.time_s;
    for (long kv = rc->input + 2; kv <= rc->input + rc->output - 1; kv++) {
        double t = base.time_s;
        for (int i = 0; i < g.n; i++) {
            const npu_kernel *k = &g.k[i];
            if (k->kind != NPU_KK_ATTN) continue;
            long keys = k->window > 0 && kv > k->window ? k->window : kv;
            npu_kernel moved = npu_kernel_attention_at(k, keys);
            t += (npu_cost_kernel(hw, &moved, NPU_IN_STEP).time_s - base.kc[i].time_s) * k->count;
            if (npu_kernel_is_softcap(&g.k[i + 1])) {
                npu_kernel sc = g.k[i + 1];
                sc.flops *= moved.flops / k->flops, sc.bytes *= moved.flops / k->flops;
                t += (npu_cost_kernel(hw, &sc, NPU_IN_STEP).time_s - base.kc[i + 1].time_s) * sc.count;
            }
        }
        total += t;
    }
    return total;
}

/* An e2e run of a local/global model across its window: summed exactly up to
 * 4096 steps, beyond by linear pieces split at the window (gemma-2-2b, window
 * 4096: input 700, outputs 3000 and 7000; with its window moved to 9000, past
 * the exact steps: the kink between the pieces falls in the summed span). */
static void test_e2e_across_window(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_model m;
    assert_int_equal(npu_model_load(HF "gemma-2-2b-it", &m), 0);
    npu_run_result *r = malloc(sizeof *r);
    long outputs[] = {3000, 7000, 20000};
    for (int i = 0; i < 3; i++) {
        if (i == 2) m.sliding_window = 9000, m.max_seq = 0;
        npu_run_cfg rc = {.phase = NPU_RUN_E2E, .batch = 4, .input = 700, .output = outputs[i], .wdt = NPU_BF16,
                          .adt = NPU_BF16, .kvdt = NPU_BF16};
        assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
        double ref = decode_total_ref(&m, &hw, &rc);
        /* linear pieces summed by the trapezoid rule: exact up to rounding (one
         * trapezoid across the kink is off by ~1e-7) */
        assert_true(close_rel(r->latency_s - r->ttft_s, ref, 1e-12));
    }
    free(r);
}

/* The serving step table composes the same steps as the graph: a Gemma 2
 * prompt past the window, and a decode batch past it (attention entries per
 * window group, soft-capping re-costed with them). */
static void test_steptab_windows(void **st) {
    (void)st;
    npu_model m;
    npu_hw hw;
    assert_int_equal(npu_model_load(HF "gemma-2-9b", &m), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_steptab *t;
    npu_step_cfg base = step(NPU_PHASE_DECODE, 1, 1, 0, (npu_plan){0});
    assert_int_equal(npu_steptab_create(&m, &hw, &base, &t), 0);
    struct { npu_step_cfg c; npu_step_shape sh; } cases[] = {
        {step(NPU_PHASE_PREFILL, 1, 8000, 0, (npu_plan){0}), {.pf_n = 1, .pf_tokens = 8000, .emit = 1}},
        {step(NPU_PHASE_DECODE, 8, 1, 7000, (npu_plan){0}), {.dec_batch = 8, .dec_ctx_sum = 8 * 7000.0, .emit = 8}},
    };
    for (int i = 0; i < 2; i++) {
        npu_graph g;
        npu_step_result sr;
        double f;
        assert_int_equal(npu_graph_build(&m, &cases[i].c, &g), 0);
        npu_step_eval(&hw, &g, &sr);
        npu_power_step(&hw, &g, &sr, &f);
        npu_step_cost sc = npu_steptab_cost(t, &cases[i].sh);
        assert_true(close_rel(sc.time_s, sr.time_s, 1e-9));
        assert_true(close_rel(sc.flops, npu_graph_flops(&g), 1e-9));
    }
    npu_steptab_free(t);
}

/* Soft-capped logits, q/k norms, sandwich norms and parallel blocks add (or
 * drop) their kernels; Llama's graph is what it was. */
static void test_kernels(void **st) {
    (void)st;
    static const struct { const char *model; const char *has[4]; const char *lacks[2]; } cases[] = {
        {HF "gemma-2-9b", {"attn_softcap", "logit_softcap", "attn_post_norm", "mlp_post_norm"}, {"qk_norm", NULL}},
        {HF "gemma-3-1b-it", {"qk_norm", "attn_post_norm", "attention_local", NULL}, {"attn_softcap", "logit_softcap"}},
        {HF "qwen3-8b", {"qk_norm", "mlp_norm", NULL, NULL}, {"attention_local", "attn_post_norm"}},
        {HF "c4ai-command-r-v01", {"attn_norm", NULL, NULL, NULL}, {"mlp_norm", "qk_norm"}},
        {HF "gpt-neox-20b", {"attn_norm", "mlp_norm", NULL, NULL}, {"qk_norm", NULL}},
        {"llama3-8b", {"attn_norm", "mlp_norm", "attention", NULL}, {"qk_norm", "attention_local"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        npu_model m;
        assert_int_equal(npu_model_load(cases[i].model, &m), 0);
        npu_graph g;
        assert_int_equal(build(&m, step(NPU_PHASE_DECODE, 2, 1, 100, (npu_plan){0}), &g), 0);
        for (int h = 0; h < 4 && cases[i].has[h]; h++) {
            bool found = false;
            for (int k = 0; k < g.n; k++) found |= strcmp(g.k[k].name, cases[i].has[h]) == 0;
            if (!found) fprintf(stderr, "%s lacks %s\n", cases[i].model, cases[i].has[h]);
            assert_true(found);
        }
        for (int h = 0; h < 2 && cases[i].lacks[h]; h++)
            for (int k = 0; k < g.n; k++) assert_true(strcmp(g.k[k].name, cases[i].lacks[h]) != 0);
    }
    /* the Llama decode graph keeps its 11 kernels */
    npu_model m;
    assert_int_equal(npu_model_load("llama3-70b", &m), 0);
    npu_graph g;
    assert_int_equal(build(&m, step(NPU_PHASE_DECODE, 8, 1, 1000, (npu_plan){0}), &g), 0);
    static const char *const llama[] = {"embedding", "attn_norm", "qkv_proj", "attention", "o_proj", "mlp_norm",
                                        "mlp_up", "mlp_act", "mlp_down", "final_norm", "lm_head"};
    assert_int_equal(g.n, 11);
    for (int k = 0; k < g.n; k++) assert_string_equal(g.k[k].name, llama[k]);
    /* a Qwen2-MoE router carries the shared-expert gate as one more column */
    assert_int_equal(npu_model_load(HF "qwen1.5-moe-a2.7b-chat", &m), 0);
    assert_int_equal(build(&m, step(NPU_PHASE_DECODE, 8, 1, 1000, (npu_plan){0}), &g), 0);
    for (int k = 0; k < g.n; k++) {
        if (strcmp(g.k[k].name, "router") == 0) assert_int_equal(g.k[k].n, 61);
        if (strcmp(g.k[k].name, "shared_up") == 0) assert_int_equal(g.k[k].n, 2 * 5632);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),          cmocka_unit_test(test_counts_other_conventions),
        cmocka_unit_test(test_fields),          cmocka_unit_test(test_errors),
        cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_gemma2_window_costs),
        cmocka_unit_test(test_gemma3_kv_bytes), cmocka_unit_test(test_window_models_conserve_work),
        cmocka_unit_test(test_e2e_across_window), cmocka_unit_test(test_steptab_windows),
        cmocka_unit_test(test_kernels),         cmocka_unit_test(test_windowed_tile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
