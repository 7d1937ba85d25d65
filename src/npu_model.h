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
/* Learned parameters of each norm: a weight (RMSNorm, Cohere's LayerNorm), a
 * weight and a bias (LayerNorm), or none (OLMo 1's non-parametric LayerNorm). */
typedef enum { NPU_NORMP_WEIGHT = 0, NPU_NORMP_WEIGHT_BIAS, NPU_NORMP_NONE } npu_norm_params;
/* Where a layer's norms sit: before each sub-layer (pre, most models), after it
 * (post: OLMo 2, x + norm(f(x))), or both (sandwich: Gemma 2/3, four per layer). */
typedef enum { NPU_NORMPOS_PRE = 0, NPU_NORMPOS_POST, NPU_NORMPOS_SANDWICH } npu_norm_pos;
/* Norms on the projected queries and keys, of the model's norm kind:
 * HEAD_SHARED: each head normalized, one head_dim weight shared by the heads
 * (Qwen3, Gemma 3: 2 x head_dim parameters); HEAD: each head with its own
 * weights (Cohere Command R+); WIDTH: the whole projected width (OLMo 2). HEAD
 * and WIDTH hold (heads + kv_heads) x head_dim parameters. */
typedef enum { NPU_QKNORM_NONE = 0, NPU_QKNORM_HEAD_SHARED, NPU_QKNORM_HEAD, NPU_QKNORM_WIDTH } npu_qk_norm;

#define NPU_MODEL_MAX_LAYERS 4096 /* [126: Llama-3.1-405B]; see the bounds below */
#define NPU_MODEL_MAX_MTP 16      /* [1: DeepSeek-V3] multi-token-prediction modules */

typedef struct npu_moe {
    int experts;        /* routed experts per MoE layer; 0 = dense model */
    int top_k;          /* experts each token is routed to */
    int shared_experts; /* always-active experts */
    int expert_ffn;     /* intermediate size of one expert */
    int dense_layers;   /* leading layers with a dense MLP of size `ffn` */
    /* Which layers past the leading dense ones run experts: layer i (0-based) is
     * MoE iff i >= dense_layers, i % every == offset and i is not in dense_mask.
     * Qwen2-MoE/Qwen3-MoE decoder_sparse_step N: every N, offset N-1 (plus
     * mlp_only_layers in dense_mask); DeepSeek moe_layer_freq N: every N, offset 0. */
    int every;          /* 0 or 1 = every layer */
    int offset;         /* 0 .. every-1 */
    int shared_ffn;     /* intermediate size of one shared expert (Qwen2-MoE: its own width); 0 = expert_ffn */
    bool shared_gate;   /* sigmoid(h x 1 gate) scales the shared experts' output (Qwen2-MoE) */
    unsigned char dense_mask[NPU_MODEL_MAX_LAYERS / 8]; /* bit i: layer i dense anyway */
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
    bool attn_bias;     /* biases on the q, k and v projections */
    bool attn_out_bias; /* ... and on the attention output projection */
    bool mlp_bias;      /* biases on the MLP (and expert) projections */
    bool lm_head_bias;
    npu_norm_params norm_params;
    npu_norm_pos norm_position;
    bool parallel_block; /* GPT-J/NeoX/Falcon/Cohere: attention and MLP read the same input */
    bool parallel_norm_each; /* parallel block: a norm per branch (NeoX, Falcon-40B); else one feeds both */
    npu_qk_norm qk_norm;
    double rotary_frac;  /* share of head_dim that RoPE rotates (NeoX 0.25); 0 or 1 = all */
    double attn_softcap; /* attention scores -> cap x tanh(score / cap) before softmax; 0 = none */
    double final_softcap; /* the same on the output logits (Gemma 2); 0 = none */
    double logit_scale;  /* output logits multiplied by it (Cohere); 0 or 1 = none */
    /* Attention pattern. sliding_window W > 0: the local layers attend to (and
     * cache) the last W tokens, the global ones to the whole context. Layer i
     * (0-based) is global iff global_every > 0 and (i + 1) % global_every == 0
     * (Gemma 2: 2, odd layers; Gemma 3: 6), or bit i of global_mask is set (an
     * explicit list: transformers' layer_types, Qwen's max_window_layers); with
     * neither, every layer is local (Mistral). W = 0: every layer is global. */
    int sliding_window;
    int global_every;
    unsigned char global_mask[NPU_MODEL_MAX_LAYERS / 8];
    npu_moe moe;
    npu_mla mla;
    /* multi-token-prediction modules shipped with the model (HF num_nextn_predict_layers:
     * DeepSeek-V3/R1 1); not counted in the parameters. `--spec mtp:N` uses its drafts,
     * and a model without one needs its acceptance stated (npu_spec_check_model). */
    int mtp_layers;
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
#define NPU_MODEL_MAX_HIDDEN (1 << 18)  /* [20480: MT-NLG 530B] */
#define NPU_MODEL_MAX_HEADS 4096        /* [128: DeepSeek-V3, Llama-3.1-405B] */
#define NPU_MODEL_MAX_HEAD_DIM 4096     /* [256: Gemma; 192 MLA q/k] */
#define NPU_MODEL_MAX_FFN (1 << 20)     /* [73728: PaLM 540B] */
#define NPU_MODEL_MAX_VOCAB (1 << 22)   /* [262144: Gemma 3] */
#define NPU_MODEL_MAX_SEQ (1 << 30)     /* [10485760: Llama 4 Scout] */
#define NPU_MODEL_MAX_EXPERTS 16384     /* [384: Kimi K2] */
#define NPU_MODEL_MAX_SHARED 256        /* [2: DeepSeek-V2] */
#define NPU_MODEL_MAX_LORA (1 << 16)    /* [1536: DeepSeek-V3 q_lora_rank] */

/* A preset name, a JSON file (either schema), or a directory holding a
 * HuggingFace config.json. */
int npu_model_load(const char *name_or_path, npu_model *out);
/* Either schema: the npusim one, or a HuggingFace config (has "architectures"
 * or "model_type"). */
int npu_model_from_json(const cJSON *root, const char *origin, npu_model *out);
cJSON *npu_model_to_json(const npu_model *m);
/* Every field inside its bounds and consistent with the others (kv_heads divides
 * heads, top_k <= experts, ...); -1 + npu_err naming origin and field. */
int npu_model_check(const npu_model *m, const char *origin);

/* Parameter counts (elements) of the language model: embeddings, layers, final
 * norm and output head with their biases and norm weights (a multimodal model's
 * vision tower and projector are not counted). `active` = the parameters one
 * token runs through: every non-expert weight, both embedding matrices (the
 * input one included, as Mistral and Qwen count it; DeepSeek's "activated"
 * leaves it out) and top_k routed + the shared experts of each MoE layer. */
double npu_model_params(const npu_model *m, bool active);
/* KV-cache bytes per token with every layer caching it: the rate below the
 * sliding window. */
double npu_model_kv_bytes_per_token(const npu_model *m, double kv_dtype_bytes);

/* ---- layer patterns ---- */

/* Layer i (0-based) attends within the sliding window / runs routed experts. */
bool npu_model_layer_local(const npu_model *m, int i);
bool npu_model_layer_moe(const npu_model *m, int i);
/* Layers [first, first + n) by kind: dense or MoE MLP, and of each how many are
 * local (sliding-window) layers. */
typedef struct npu_layer_counts {
    int dense, dense_local, moe, moe_local;
} npu_layer_counts;
npu_layer_counts npu_model_layer_counts(const npu_model *m, int first, int n);
/* The window bounding every layer's keys and cache: sliding_window when every
 * layer is local, else 0 (some layer sees the whole context). */
long npu_model_kv_window(const npu_model *m);
/* Tokens a sequence of `tokens` tokens keeps in its KV cache, counted in
 * all-layer tokens: (global layers x tokens + local layers x min(tokens, W)) /
 * layers. KV bytes = this x npu_model_kv_bytes_per_token. */
double npu_model_kv_tokens(const npu_model *m, double tokens);
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
/* Norms of one decoder layer (2; 4 sandwiched; a parallel block's 1 or 2) and
 * the parameters of one norm over the hidden width (0, h or 2h). */
int npu_model_layer_norms(const npu_model *m);
double npu_model_norm_params(const npu_model *m);
/* One MLP of intermediate size `ffn` (gated: gate, up, down) with its biases. */
double npu_model_mlp_params(const npu_model *m, double ffn);
/* The MLP part of one MoE layer: routed experts (all, or top_k when `active`),
 * shared experts, router and shared-expert gate; 0 for a dense model. */
double npu_model_moe_layer_params(const npu_model *m, bool active);
/* Intermediate size of one shared expert (moe.shared_ffn, else expert_ffn). */
int npu_model_shared_ffn(const npu_model *m);

/* HuggingFace architectures (config.json `architectures[0]`) the reader takes. */
int npu_model_hf_arch_count(void);
const char *npu_model_hf_arch(int i);

int npu_model_preset_count(void);
const char *npu_model_preset_name(int i);

#endif
