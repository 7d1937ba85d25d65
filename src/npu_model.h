/* npu_model — a transformer LLM's shape: layers, widths, attention layout, MLP,
 * norms, positions, mixture of experts. Loaded from a built-in preset, a JSON file
 * in the npusim schema (docs/schema.md), or a HuggingFace config.json. */
#ifndef NPU_MODEL_H
#define NPU_MODEL_H

#include <cjson/cJSON.h>
#include <stdbool.h>

typedef enum { NPU_NORM_RMS = 0, NPU_NORM_LAYER } npu_norm;
typedef enum { NPU_ACT_SILU = 0, NPU_ACT_GELU, NPU_ACT_RELU } npu_act;
typedef enum { NPU_POS_ROPE = 0, NPU_POS_LEARNED, NPU_POS_ALIBI, NPU_POS_NONE } npu_pos;

typedef struct npu_moe {
    int experts;        /* routed experts per MoE layer; 0 = dense model */
    int top_k;          /* experts each token is routed to */
    int shared_experts; /* always-active experts */
    int expert_ffn;     /* intermediate size of one expert */
    int dense_layers;   /* leading layers with a dense MLP of size `ffn` */
} npu_moe;

/* Multi-head latent attention (DeepSeek-V2/V3): K and V are rebuilt from a shared
 * compressed latent of kv_lora_rank values plus one rotary key of qk_rope_dim per
 * token, and only those (kv_lora_rank + qk_rope_dim values per token per layer)
 * are cached. kv_lora_rank == 0 means ordinary multi-/grouped-query attention. */
typedef struct npu_mla {
    int q_lora_rank;  /* query low-rank width; 0 = queries projected directly */
    int kv_lora_rank; /* cached latent width */
    int qk_nope_dim;  /* per-head query/key width without rotary position */
    int qk_rope_dim;  /* per-head rotary width (the key part is shared by all heads) */
    int v_head_dim;   /* per-head value width */
} npu_mla;

typedef struct npu_model {
    char name[64];
    char family[16];
    int layers;
    int hidden;
    int heads;
    int kv_heads;
    int head_dim;
    int ffn; /* dense MLP intermediate size */
    int vocab;
    int max_seq;
    npu_norm norm;
    npu_act act;
    bool gated_mlp;
    npu_pos pos;
    bool tied_embeddings;
    bool attn_bias;
    bool mlp_bias;
    bool parallel_block;
    int sliding_window; /* 0 = full attention */
    npu_moe moe;
    npu_mla mla;
    char source[1024];
} npu_model;

/* Bounds of the integer fields, enforced by both readers and npu_model_check.
 * Each is a power of two at least ~16x above the largest published model
 * (in brackets), so no real or plausible config is refused, while a value that
 * can only be a mistake or an attack (a vocabulary of 3e9 tokens: a 12-trillion-
 * parameter embedding table at hidden 4096, more token ids than a 32-bit
 * tokenizer has) is an error naming the field instead of a figure that
 * overflows an int or swamps every other term. With all fields inside, every
 * element count the graph forms (a product of a few fields with batch and
 * sequence length) stays far below 2^53, where doubles stop counting exactly. */
#define NPU_MODEL_MAX_LAYERS 4096       /* [126: Llama-3.1-405B] */
#define NPU_MODEL_MAX_HIDDEN (1 << 18)  /* [20480: MT-NLG 530B] */
#define NPU_MODEL_MAX_HEADS 4096        /* [128: DeepSeek-V3, Llama-3.1-405B] */
#define NPU_MODEL_MAX_HEAD_DIM 4096     /* [256: Gemma; 192 MLA q/k] */
#define NPU_MODEL_MAX_FFN (1 << 20)     /* [73728: PaLM 540B] */
#define NPU_MODEL_MAX_VOCAB (1 << 22)   /* [262144: Gemma 3] */
#define NPU_MODEL_MAX_SEQ (1 << 30)     /* [10485760: Llama 4 Scout] */
#define NPU_MODEL_MAX_EXPERTS 16384     /* [384: Kimi K2] */
#define NPU_MODEL_MAX_SHARED 256        /* [2: DeepSeek-V2] */
#define NPU_MODEL_MAX_LORA (1 << 16)    /* [1536: DeepSeek-V3 q_lora_rank] */

int npu_model_load(const char *name_or_path, npu_model *out);
/* Either schema: the npusim one, or a HuggingFace config (has "architectures"
 * or "model_type"). */
int npu_model_from_json(const cJSON *root, const char *origin, npu_model *out);
cJSON *npu_model_to_json(const npu_model *m);
/* Every field inside its bounds and consistent with the others (kv_heads divides
 * heads, top_k <= experts, ...); -1 + npu_err naming origin and field. */
int npu_model_check(const npu_model *m, const char *origin);

/* Parameter counts (elements). `active` counts top_k + shared experts only. */
double npu_model_params(const npu_model *m, bool active);
double npu_model_kv_bytes_per_token(const npu_model *m, double kv_dtype_bytes);
/* Attention weights of one layer (elements): q, k, v (or the MLA projections) and o. */
double npu_model_attn_params(const npu_model *m);
/* The same weights by how a tensor-parallel split treats them (elements): those
 * of each query head (q and o slices; MLA's per-head up-projections), of each K/V
 * head, and those every chip keeps whole (MLA's down-projections and their norms).
 * npu_model_attn_params = heads x per_head + kv_heads x per_kv_head + shared;
 * npu_plan_attn_weights splits the same parts over a plan's chips. */
typedef struct npu_attn_weights {
    double per_head, per_kv_head, shared;
} npu_attn_weights;
npu_attn_weights npu_model_attn_weights(const npu_model *m);

int npu_model_preset_count(void);
const char *npu_model_preset_name(int i);

#endif
