/* npu_quant — the datatype table: layouts, recipes, dequantization work.
 *
 * Bits per weight are the block layout's (bytes of a block over its weights),
 * never a rounded figure: block_q4_0 is 2 bytes of fp16 scale and 16 bytes of
 * nibbles for 32 weights = 4.5 bits. A per-tensor scale (fp8, nvfp4's second
 * level) or a per-output-channel one (int8) adds 32 bits per tensor or per row
 * of K >= 2048 weights, under 0.2 %: left out. Sources: docs/quantization.md,
 * with confidence tags [V] vendor/spec, [P] paper, [D] derived, [E] estimate.
 *
 * Dequantization work [E] (docs/quantization.md "Dequantization"): converting a
 * packed element into a 16-bit lane takes one op (the magic-number / lookup
 * trick of Marlin, TensorRT-LLM and llama.cpp, which also absorbs a fixed
 * offset); applying the scale one multiply, or scale and zero point one FMA
 * (2 ops); q6_K first assembles 6 bits from two arrays (shift, mask, or: 3 ops);
 * a block's scales are decoded once per block. fp8, int8 and int4 keep the
 * 3 ops per weight the cost model used before the formats (convert + FMA). */
#include "npu_quant.h"


#define SRC_GGML "ggml (ggml-org/ggml, llama.cpp) ggml-common.h block struct [V]"
#define SRC_LLAMA_RECIPE \
    "llama.cpp src/llama-quant.cpp llama_tensor_get_type_impl: output.weight -> q6_K unless q8_0; " \
    "token_embd keeps the file type (tied embeddings: the output's) [V]"

/* A row's layout, its dequantization work and its recipe; the derived bits and ops per
 * weight are computed here, from the same numbers, as constant expressions. */
#define LAYOUT(blk, bytes) .block = (blk), .block_bytes = (bytes), .bits = 8.0 * (bytes) / (blk)
#define DEQ(ops, block_ops, blk) .dq_ops = (ops), .dq_block_ops = (block_ops), .dq = (ops) + (double)(block_ops) / (blk)
#define RECIPE(a, k, h, e) .act = NPU_##a, .kv = NPU_##k, .head = NPU_##h, .emb = NPU_##e
/* the k-quant blocks, which Q4_K_M mixes */
#define Q4K_BYTES 144.0 /* 2 + 2 + 12 + 128 per 256 */
#define Q6K_BYTES 210.0 /* 128 + 64 + 16 + 2 per 256 */
#define Q4K_OPS 3.0
#define Q4K_BLOCK_OPS 50.0
#define Q6K_OPS 5.0
#define Q6K_BLOCK_OPS 17.0
#define Q4KM_MIX 0.15
#define MIXED(x4, x6) ((1 - Q4KM_MIX) * (x4) + Q4KM_MIX * (x6))

const npu_fmt npu_fmt_table[NPU_FMT_COUNT] = {
    [NPU_BF16] = {.name = "bf16", .aliases = "", .elem = NPU_BF16, .elem_bits = 16,
                  .elem_desc = "bfloat16 (8-bit exponent, 7-bit mantissa)", LAYOUT(1, 2), .scale_desc = "none",
                  DEQ(0, 0, 1), RECIPE(BF16, BF16, BF16, BF16), .storable = true,
                  .source = "bfloat16 as TensorFlow/PyTorch store it [V]"},
    [NPU_FP16] = {.name = "fp16", .aliases = "f16 half", .elem = NPU_FP16, .elem_bits = 16,
                  .elem_desc = "IEEE 754 binary16", LAYOUT(1, 2), .scale_desc = "none", DEQ(0, 0, 1),
                  RECIPE(FP16, FP16, FP16, FP16), .storable = true, .source = "IEEE 754-2008 binary16 [V]"},
    [NPU_FP8] = {.name = "fp8", .aliases = "e4m3 fp8_e4m3", .elem = NPU_FP8, .elem_bits = 8, .elem_desc = "e4m3",
                 LAYOUT(1, 1), .scale_desc = "fp32 per tensor", DEQ(3, 0, 1), RECIPE(FP8, BF16, BF16, BF16),
                 .storable = true,
                 .source = "OCP 8-bit Floating Point (OFP8) v1.0, 2023: E4M3 [V]; recipe W8A8 with per-tensor scales "
                           "and a 16-bit lm_head: NVIDIA TensorRT Model Optimizer FP8_DEFAULT_CFG ('*lm_head*' "
                           "disabled) [V]"},
    [NPU_INT8] = {.name = "int8", .aliases = "w8a8", .elem = NPU_INT8, .elem_bits = 8, .elem_desc = "int8, symmetric",
                  LAYOUT(1, 1), .scale_desc = "fp16/fp32 per output channel", DEQ(3, 0, 1),
                  RECIPE(INT8, BF16, BF16, BF16), .storable = true,
                  .source = "SmoothQuant (Xiao et al., ICML 2023, arXiv:2211.10438): W8A8, per-channel weight "
                            "scales, lm_head and embeddings in 16 bits [P]"},
    [NPU_INT4] = {.name = "int4", .aliases = "awq gptq w4a16", .elem = NPU_INT4, .elem_bits = 4,
                  .elem_desc = "uint4 with zero point", LAYOUT(128, 64 + 2 + 0.5), .scale_desc = "fp16 per 128",
                  .zero_point = true, DEQ(3, 2, 128), RECIPE(BF16, BF16, BF16, BF16), .storable = true,
                  .source = "AWQ (Lin et al., MLSys 2024, arXiv:2306.00978) and GPTQ (Frantar et al., ICLR 2023, "
                            "arXiv:2210.17323) as AutoAWQ/AutoGPTQ pack them: 4-bit weights, per group of 128 input "
                            "channels an fp16 scale and a 4-bit zero point (qzeros) = 64 + 2 + 0.5 bytes [V]; "
                            "weight-only (W4A16), lm_head and embeddings left in 16 bits [V]; GPTQ act-order's g_idx "
                            "(32 bits per input channel, 32/N bits per weight) left out"},
    [NPU_FP32] = {.name = "fp32", .aliases = "f32 float32", .elem = NPU_FP32, .elem_bits = 32,
                  .elem_desc = "IEEE 754 binary32", LAYOUT(1, 4), .scale_desc = "none", DEQ(0, 0, 1),
                  RECIPE(FP32, BF16, FP32, FP32), .storable = true, .source = "IEEE 754-2008 binary32 [V]"},
    [NPU_FP4] = {.name = "fp4", .aliases = "e2m1", .elem = NPU_FP4, .elem_bits = 4, .elem_desc = "e2m1",
                 LAYOUT(1, 0.5), .scale_desc = "none (the element of mxfp4, nvfp4)", DEQ(2, 0, 1),
                 RECIPE(BF16, BF16, BF16, BF16), .storable = false,
                 .source = "OCP Microscaling Formats (MX) v1.0, 2023: FP4 E2M1 element [V]"},
    [NPU_Q8_0] = {.name = "q8_0", .aliases = "", .elem = NPU_INT8, .elem_bits = 8, .elem_desc = "int8",
                  LAYOUT(32, 34), .scale_desc = "fp16 per 32", DEQ(2, 1, 32), RECIPE(FP16, FP16, Q8_0, Q8_0),
                  .storable = true,
                  .source = SRC_GGML ": block_q8_0 {ggml_half d; int8_t qs[32]} = 34 bytes per 32; " SRC_LLAMA_RECIPE
                            "; llama.cpp's default KV cache is f16"},
    [NPU_Q4_0] = {.name = "q4_0", .aliases = "", .elem = NPU_INT4, .elem_bits = 4, .elem_desc = "int4, offset 8",
                  LAYOUT(32, 18), .scale_desc = "fp16 per 32", DEQ(2, 1, 32), RECIPE(FP16, FP16, Q6_K, Q4_0),
                  .storable = true,
                  .source = SRC_GGML ": block_q4_0 {ggml_half d; uint8_t qs[16]} = 18 bytes per 32; " SRC_LLAMA_RECIPE},
    [NPU_Q4_K] = {.name = "q4_k", .aliases = "q4_K", .elem = NPU_INT4, .elem_bits = 4, .elem_desc = "uint4 with min",
                  LAYOUT(256, Q4K_BYTES), .scale_desc = "6-bit scale and min per 32, fp16 d and dmin per 256",
                  .zero_point = true, DEQ(Q4K_OPS, Q4K_BLOCK_OPS, 256), RECIPE(FP16, FP16, Q6_K, Q4_K),
                  .storable = true,
                  .source = SRC_GGML ": block_q4_K {ggml_half d, dmin; uint8_t scales[12]; uint8_t qs[128]} = 144 "
                            "bytes per 256; per weight convert + FMA (3), per 32 unpack the 6-bit scale and min and "
                            "scale them (6), per 256 d and dmin (2) [E]"},
    [NPU_Q6_K] = {.name = "q6_k", .aliases = "q6_K", .elem = NPU_INT8, .elem_bits = 6, .elem_desc = "int6, offset 32",
                  LAYOUT(256, Q6K_BYTES), .scale_desc = "int8 per 16, fp16 d per 256",
                  DEQ(Q6K_OPS, Q6K_BLOCK_OPS, 256), RECIPE(FP16, FP16, Q6_K, Q6_K), .storable = true,
                  .source = SRC_GGML ": block_q6_K {uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; ggml_half "
                            "d} = 210 bytes per 256; per weight assemble 6 bits (3), convert (1), scale (1); per 16 "
                            "one scale (16 + 1 per 256) [E]"},
    [NPU_Q4_K_M] = {.name = "q4_k_m", .aliases = "q4_K_M", .elem = NPU_INT4, .elem_bits = 4,
                    .elem_desc = "uint4 with min (q4_K), int6 (q6_K)", .block = 256, .block_bytes = Q4K_BYTES,
                    .scale_desc = "as q4_K and q6_K", .zero_point = true, .mix_with = NPU_Q6_K, .mix = Q4KM_MIX,
                    .bits = MIXED(8 * Q4K_BYTES / 256, 8 * Q6K_BYTES / 256), .dq_ops = Q4K_OPS,
                    .dq_block_ops = Q4K_BLOCK_OPS, .dq = MIXED(Q4K_OPS + Q4K_BLOCK_OPS / 256, Q6K_OPS + Q6K_BLOCK_OPS / 256),
                    RECIPE(FP16, FP16, Q6_K, Q4_K), .storable = true,
                    .source = "llama.cpp LLAMA_FTYPE_MOSTLY_Q4_K_M (src/llama-quant.cpp llama_tensor_get_type_impl) "
                              "[V]: q4_K, except attn_v and ffn_down in q6_K in the layers use_more_bits picks (i < "
                              "n/8, i >= 7n/8, every third between: half of them); output.weight q6_K, token_embd "
                              "q4_K. Share in q6_K = 1/2 x 0.30 (attn_v + ffn_down of a layer's weights: Llama-3-8B "
                              "0.288, Llama-2-7B 0.306, Qwen2.5-7B 0.299, MoE experts 1/3) = 0.15 [D]; not modelled: "
                              "70B's attn_v in q5_K, 8-expert models' attn_v/attn_k in q8_0"},
    [NPU_MXFP4] = {.name = "mxfp4", .aliases = "mx4", .elem = NPU_FP4, .elem_bits = 4, .elem_desc = "e2m1",
                   LAYOUT(32, 17), .scale_desc = "e8m0 per 32", DEQ(2, 1, 32), RECIPE(MXFP4, BF16, BF16, BF16),
                   .storable = true, .block_mma = true,
                   .source = "OCP Microscaling Formats (MX) v1.0, 2023: 32 FP4 E2M1 elements + one E8M0 scale = 17 "
                             "bytes [V]; recipe W4A4 with lm_head excluded: AMD Quark MXFP4 [V]; dequantized: LUT "
                             "convert (1) + power-of-two scale (1) per weight, the e8m0 decode per block (1) [E]"},
    [NPU_NVFP4] = {.name = "nvfp4", .aliases = "nv4", .elem = NPU_FP4, .elem_bits = 4, .elem_desc = "e2m1",
                   LAYOUT(16, 9), .scale_desc = "e4m3 per 16, fp32 per tensor", DEQ(2, 2, 16),
                   RECIPE(NVFP4, BF16, BF16, BF16), .storable = true, .block_mma = true,
                   .source = "NVIDIA NVFP4 (Blackwell; PTX ISA tcgen05.mma .kind::mxf4nvf4 .scale_vec::4X with ue4m3 "
                             "scales): 16 E2M1 elements + one E4M3 scale = 9 bytes, + an fp32 scale per tensor [V]; "
                             "recipe W4A4 with lm_head excluded: TensorRT Model Optimizer NVFP4_DEFAULT_CFG [V]; "
                             "dequantized: convert (1) + scale (1) per weight, per block the e4m3 scale times the "
                             "tensor's (2) [E]"},
};

const char *const npu_dtype_names[NPU_FMT_COUNT] = {
    [NPU_BF16] = "bf16", [NPU_FP16] = "fp16", [NPU_FP8] = "fp8",   [NPU_INT8] = "int8",     [NPU_INT4] = "int4",
    [NPU_FP32] = "fp32", [NPU_FP4] = "fp4",   [NPU_Q8_0] = "q8_0", [NPU_Q4_0] = "q4_0",     [NPU_Q4_K] = "q4_k",
    [NPU_Q6_K] = "q6_k", [NPU_Q4_K_M] = "q4_k_m", [NPU_MXFP4] = "mxfp4", [NPU_NVFP4] = "nvfp4",
};

npu_dtype npu_dtype_head(npu_dtype w, npu_dtype_opt o) { return o.set ? o.t : npu_dtype_fmt(w)->head; }
npu_dtype npu_dtype_emb(npu_dtype w, npu_dtype_opt o) { return o.set ? o.t : npu_dtype_fmt(w)->emb; }
