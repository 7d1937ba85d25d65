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

#include <assert.h>

#define SRC_GGML "ggml (ggml-org/ggml, llama.cpp) ggml-common.h block struct [V]"
#define SRC_LLAMA_RECIPE \
    "llama.cpp src/llama-quant.cpp llama_tensor_get_type_impl: output.weight -> q6_K unless q8_0; " \
    "token_embd keeps the file type (tied embeddings: the output's) [V]"

static const npu_fmt fmts[NPU_FMT_COUNT] = {
    [NPU_BF16] = {"bf16", "", NPU_BF16, 16, "bfloat16 (8-bit exponent, 7-bit mantissa)", 1, 2, "none", false,
                  NPU_BF16, 0, true, false, NPU_BF16, NPU_BF16, NPU_BF16, NPU_BF16, 0, 0,
                  "bfloat16 as TensorFlow/PyTorch store it [V]"},
    [NPU_FP16] = {"fp16", "f16 half", NPU_FP16, 16, "IEEE 754 binary16", 1, 2, "none", false, NPU_FP16, 0, true,
                  false, NPU_FP16, NPU_FP16, NPU_FP16, NPU_FP16, 0, 0, "IEEE 754-2008 binary16 [V]"},
    [NPU_FP8] = {"fp8", "e4m3 fp8_e4m3", NPU_FP8, 8, "e4m3", 1, 1, "fp32 per tensor", false, NPU_FP8, 0, true, false,
                 NPU_FP8, NPU_BF16, NPU_BF16, NPU_BF16, 3, 0,
                 "OCP 8-bit Floating Point (OFP8) v1.0, 2023: E4M3 [V]; recipe W8A8 with per-tensor scales and a "
                 "16-bit lm_head: NVIDIA TensorRT Model Optimizer FP8_DEFAULT_CFG ('*lm_head*' disabled) [V]"},
    [NPU_INT8] = {"int8", "w8a8", NPU_INT8, 8, "int8, symmetric", 1, 1, "fp16/fp32 per output channel", false,
                  NPU_INT8, 0, true, false, NPU_INT8, NPU_BF16, NPU_BF16, NPU_BF16, 3, 0,
                  "SmoothQuant (Xiao et al., ICML 2023, arXiv:2211.10438): W8A8, per-channel weight scales, "
                  "lm_head and embeddings in 16 bits [P]"},
    [NPU_INT4] = {"int4", "awq gptq w4a16", NPU_INT4, 4, "uint4 with zero point", 128, 66.5, "fp16 per 128",
                  true, NPU_INT4, 0, true, false, NPU_BF16, NPU_BF16, NPU_BF16, NPU_BF16, 3, 2,
                  "AWQ (Lin et al., MLSys 2024, arXiv:2306.00978) and GPTQ (Frantar et al., ICLR 2023, "
                  "arXiv:2210.17323) as AutoAWQ/AutoGPTQ pack them: 4-bit weights, per group of 128 input "
                  "channels an fp16 scale and a 4-bit zero point (qzeros) = 64 + 2 + 0.5 bytes [V]; weight-only "
                  "(W4A16), lm_head and embeddings left in 16 bits [V]; GPTQ act-order's g_idx (32 bits per "
                  "input channel, 32/N bits per weight) left out"},
    [NPU_FP32] = {"fp32", "f32 float32", NPU_FP32, 32, "IEEE 754 binary32", 1, 4, "none", false, NPU_FP32, 0, true,
                  false, NPU_FP32, NPU_BF16, NPU_FP32, NPU_FP32, 0, 0, "IEEE 754-2008 binary32 [V]"},
    [NPU_FP4] = {"fp4", "e2m1", NPU_FP4, 4, "e2m1", 1, 0.5, "none (the element of mxfp4, nvfp4)", false, NPU_FP4, 0,
                 false, false, NPU_BF16, NPU_BF16, NPU_BF16, NPU_BF16, 2, 0,
                 "OCP Microscaling Formats (MX) v1.0, 2023: FP4 E2M1 element [V]"},
    [NPU_Q8_0] = {"q8_0", "", NPU_INT8, 8, "int8", 32, 34, "fp16 per 32", false, NPU_Q8_0, 0, true, false, NPU_FP16,
                  NPU_FP16, NPU_Q8_0, NPU_Q8_0, 2, 1,
                  SRC_GGML ": block_q8_0 {ggml_half d; int8_t qs[32]} = 34 bytes per 32; " SRC_LLAMA_RECIPE
                  "; llama.cpp's default KV cache is f16"},
    [NPU_Q4_0] = {"q4_0", "", NPU_INT4, 4, "int4, offset 8", 32, 18, "fp16 per 32", false, NPU_Q4_0, 0, true, false,
                  NPU_FP16, NPU_FP16, NPU_Q6_K, NPU_Q4_0, 2, 1,
                  SRC_GGML ": block_q4_0 {ggml_half d; uint8_t qs[16]} = 18 bytes per 32; " SRC_LLAMA_RECIPE},
    [NPU_Q4_K] = {"q4_k", "q4_K", NPU_INT4, 4, "uint4 with min", 256, 144,
                  "6-bit scale and min per 32, fp16 d and dmin per 256", true, NPU_Q4_K, 0, true, false, NPU_FP16,
                  NPU_FP16, NPU_Q6_K, NPU_Q4_K, 3, 50,
                  SRC_GGML ": block_q4_K {ggml_half d, dmin; uint8_t scales[12]; uint8_t qs[128]} = 144 bytes per "
                  "256; per weight convert + FMA (3), per 32 unpack the 6-bit scale and min and scale them (6), "
                  "per 256 d and dmin (2) [E]"},
    [NPU_Q6_K] = {"q6_k", "q6_K", NPU_INT8, 6, "int6, offset 32", 256, 210, "int8 per 16, fp16 d per 256", false,
                  NPU_Q6_K, 0, true, false, NPU_FP16, NPU_FP16, NPU_Q6_K, NPU_Q6_K, 5, 17,
                  SRC_GGML ": block_q6_K {uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; ggml_half d} = 210 "
                  "bytes per 256; per weight assemble 6 bits (3), convert (1), scale (1); per 16 one scale (16 + 1 "
                  "per 256) [E]"},
    [NPU_Q4_K_M] = {"q4_k_m", "q4_K_M", NPU_INT4, 4, "uint4 with min (q4_K), int6 (q6_K)", 256, 144,
                    "as q4_K and q6_K", true, NPU_Q6_K, 0.15, true, false, NPU_FP16, NPU_FP16, NPU_Q6_K, NPU_Q4_K,
                    3, 50,
                    "llama.cpp LLAMA_FTYPE_MOSTLY_Q4_K_M (src/llama-quant.cpp llama_tensor_get_type_impl) [V]: q4_K, "
                    "except attn_v and ffn_down in q6_K in the layers use_more_bits picks (i < n/8, i >= 7n/8, "
                    "every third between: half of them); output.weight q6_K, token_embd q4_K. Share in q6_K = 1/2 "
                    "x 0.30 (attn_v + ffn_down of a layer's weights: Llama-3-8B 0.288, Llama-2-7B 0.306, "
                    "Qwen2.5-7B 0.299, MoE experts 1/3) = 0.15 [D]; not modelled: 70B's attn_v in q5_K, "
                    "8-expert models' attn_v/attn_k in q8_0"},
    [NPU_MXFP4] = {"mxfp4", "mx4", NPU_FP4, 4, "e2m1", 32, 17, "e8m0 per 32", false, NPU_MXFP4, 0, true, true,
                   NPU_MXFP4, NPU_BF16, NPU_BF16, NPU_BF16, 2, 1,
                   "OCP Microscaling Formats (MX) v1.0, 2023: 32 FP4 E2M1 elements + one E8M0 scale = 17 bytes [V]; "
                   "recipe W4A4 with lm_head excluded: AMD Quark MXFP4 [V]; dequantized: LUT convert (1) + "
                   "power-of-two scale (1) per weight, the e8m0 decode per block (1) [E]"},
    [NPU_NVFP4] = {"nvfp4", "nv4", NPU_FP4, 4, "e2m1", 16, 9, "e4m3 per 16, fp32 per tensor", false, NPU_NVFP4, 0,
                   true, true, NPU_NVFP4, NPU_BF16, NPU_BF16, NPU_BF16, 2, 2,
                   "NVIDIA NVFP4 (Blackwell; PTX ISA tcgen05.mma .kind::mxf4nvf4 .scale_vec::4X with ue4m3 "
                   "scales): 16 E2M1 elements + one E4M3 scale = 9 bytes, + an fp32 scale per tensor [V]; recipe "
                   "W4A4 with lm_head excluded: TensorRT Model Optimizer NVFP4_DEFAULT_CFG [V]; dequantized: "
                   "convert (1) + scale (1) per weight, per block the e4m3 scale times the tensor's (2) [E]"},
};

const char *const npu_dtype_names[NPU_FMT_COUNT] = {
    [NPU_BF16] = "bf16", [NPU_FP16] = "fp16", [NPU_FP8] = "fp8",   [NPU_INT8] = "int8",     [NPU_INT4] = "int4",
    [NPU_FP32] = "fp32", [NPU_FP4] = "fp4",   [NPU_Q8_0] = "q8_0", [NPU_Q4_0] = "q4_0",     [NPU_Q4_K] = "q4_k",
    [NPU_Q6_K] = "q6_k", [NPU_Q4_K_M] = "q4_k_m", [NPU_MXFP4] = "mxfp4", [NPU_NVFP4] = "nvfp4",
};

const npu_fmt *npu_dtype_fmt(npu_dtype t) {
    assert((unsigned)t < NPU_FMT_COUNT);
    return &fmts[t];
}

/* bits of one block layout, per weight */
static double layout_bits(const npu_fmt *f) { return 8.0 * f->block_bytes / f->block; }

double npu_dtype_bits(npu_dtype t) {
    const npu_fmt *f = npu_dtype_fmt(t);
    double b = layout_bits(f);
    return f->mix > 0 ? (1 - f->mix) * b + f->mix * layout_bits(npu_dtype_fmt(f->mix_with)) : b;
}

double npu_dtype_bytes(npu_dtype t) { return npu_dtype_bits(t) / 8.0; }

npu_dtype npu_dtype_elem(npu_dtype t) { return npu_dtype_fmt(t)->elem; }
int npu_dtype_elem_bits(npu_dtype t) { return npu_dtype_fmt(t)->elem_bits; }
bool npu_dtype_blocked(npu_dtype t) { return npu_dtype_fmt(t)->block > 1; }

static double layout_ops(const npu_fmt *f) { return f->dq_ops + f->dq_block_ops / f->block; }

double npu_dtype_dequant_ops(npu_dtype t) {
    const npu_fmt *f = npu_dtype_fmt(t);
    double o = layout_ops(f);
    return f->mix > 0 ? (1 - f->mix) * o + f->mix * layout_ops(npu_dtype_fmt(f->mix_with)) : o;
}

npu_dtype npu_dtype_head(npu_dtype w, npu_dtype_opt o) { return o.set ? o.t : npu_dtype_fmt(w)->head; }
npu_dtype npu_dtype_emb(npu_dtype w, npu_dtype_opt o) { return o.set ? o.t : npu_dtype_fmt(w)->emb; }
