/* npu_quant — datatypes and quantization formats as they are stored and run.
 *
 * A datatype is one row of a table (npu_quant.c, sources per row): the element
 * types a chip states MAC and vector rates for (bf16 ... fp4: the first
 * NPU_DTYPE_COUNT values, which index npu_hw's per-datatype arrays), and the
 * block formats built on them (llama.cpp's GGUF blocks, OCP MX, NVFP4), each
 * with its bits per weight including scales and zero points, its block, the
 * vector work to dequantize it, and the datatypes its recipe leaves the
 * activations, the KV cache, the LM head and the embedding table in.
 * How a chip runs a format (native block-scaled matrix path, or dequantize to
 * the matrix engines' type) is npu_hw_gemm_path; what dequantization costs is
 * npu_cost_dequant_s. docs/quantization.md has the table with its sources.
 *
 * The bottom of the module graph: it includes no other npu module. */
#ifndef NPU_QUANT_H
#define NPU_QUANT_H

#include <assert.h>
#include <stdbool.h>

typedef enum {
    /* element types: the matrix and vector rates of a chip are stated per element type */
    NPU_BF16 = 0,
    NPU_FP16,
    NPU_FP8,     /* e4m3, one fp32 scale per tensor */
    NPU_INT8,    /* symmetric, one scale per output channel (W8A8 SmoothQuant) */
    NPU_INT4,    /* AWQ / GPTQ: groups of 128 along K, fp16 scale + 4-bit zero point each */
    NPU_FP32,
    NPU_FP4,     /* e2m1: an element type only (the rate of the MX / NV block formats) */
    NPU_DTYPE_COUNT,
    /* block formats: stored as blocks of an element type with shared scales */
    NPU_Q8_0 = NPU_DTYPE_COUNT, /* GGUF: 32 int8 + fp16 scale */
    NPU_Q4_0,    /* GGUF: 32 int4 + fp16 scale */
    NPU_Q4_K,    /* GGUF k-quant: 256-weight super-block, 8 x 32 with 6-bit scales and mins */
    NPU_Q6_K,    /* GGUF k-quant: 256-weight super-block, 16 x 16 with 8-bit scales */
    NPU_Q4_K_M,  /* GGUF recipe Q4_K_M: q4_K with attn_v and ffn_down of half the layers in q6_K */
    NPU_MXFP4,   /* OCP MX: 32 e2m1 + one e8m0 scale */
    NPU_NVFP4,   /* NVIDIA: 16 e2m1 + one e4m3 scale, and an fp32 scale per tensor */
    NPU_FMT_COUNT
} npu_dtype;

/* One row of the table. Bits per weight come from the block layout (block_bytes
 * per `block` weights), or for a recipe mixing two block types from both. */
typedef struct npu_fmt {
    const char *name;       /* the --dtype value, and npu_dtype_names[] */
    const char *aliases;    /* other names --dtype accepts, space-separated ("" = none) */
    npu_dtype elem;         /* element type: the rate a native path runs at (< NPU_DTYPE_COUNT) */
    int elem_bits;          /* bits of one element value */
    const char *elem_desc;  /* its encoding, e.g. "e2m1", "int4, offset 8" */
    int block;              /* weights per block sharing scales (1: none, or per tensor / channel) */
    double block_bytes;     /* bytes of one block: elements, scales, zero points */
    const char *scale_desc; /* e.g. "fp16 per 32", "e8m0 per 32", "none" */
    bool zero_point;        /* asymmetric: a zero point (or min) per group */
    npu_dtype mix_with;     /* a recipe's second block type (mix > 0) */
    double mix;             /* share of the decoder layers' weights stored as mix_with */
    bool storable;          /* a --dtype value (fp4 is an element type only) */
    bool block_mma;         /* block scales a block-scaled matrix instruction applies (MX, NVFP4):
                             * native on a chip whose matrix.fp4_formats lists the format */
    npu_dtype act, kv, head, emb; /* the recipe's activations, KV cache, LM head, embedding table */
    double dq_ops;          /* vector ops per weight to dequantize (convert + scale, FMA = 2) */
    double dq_block_ops;    /* vector ops per block (decode its scales) */
    const char *source;     /* where the layout and the recipe come from */
    /* derived in the table's initializer (the hot paths read them; tests/test_quant.c checks them
     * against the definitions): */
    double bits;            /* bits per weight: 8 x block_bytes / block, or the recipe's mix */
    double dq;              /* dq_ops + dq_block_ops / block, or the recipe's mix */
} npu_fmt;

extern const char *const npu_dtype_names[NPU_FMT_COUNT];
extern const npu_fmt npu_fmt_table[NPU_FMT_COUNT];

/* The row of datatype t (asserts t is one). Inline: the cost model asks per kernel. */
static inline const npu_fmt *npu_dtype_fmt(npu_dtype t) {
    assert((unsigned)t < NPU_FMT_COUNT);
    return &npu_fmt_table[t];
}
/* Bits per weight as stored, scales and zero points included (int4 = 4.156, q4_0 = 4.5). */
static inline double npu_dtype_bits(npu_dtype t) { return npu_dtype_fmt(t)->bits; }
/* Bytes per element as stored: npu_dtype_bits / 8 (int4 = 0.519, q4_0 = 0.5625). */
static inline double npu_dtype_bytes(npu_dtype t) { return npu_dtype_fmt(t)->bits / 8.0; }
/* The element type of t: what a native matrix path runs (q4_0 -> int4, nvfp4 -> fp4). */
static inline npu_dtype npu_dtype_elem(npu_dtype t) { return npu_dtype_fmt(t)->elem; }
/* Bits of one element value (int4, q4_0, mxfp4: 4). */
static inline int npu_dtype_elem_bits(npu_dtype t) { return npu_dtype_fmt(t)->elem_bits; }
/* true for a format whose scales come in blocks (q4_0 ... nvfp4; int4's groups of 128). */
static inline bool npu_dtype_blocked(npu_dtype t) { return npu_dtype_fmt(t)->block > 1; }
/* Vector ops per weight to dequantize t into a wider type: the element conversion and
 * scale, plus each block's scale decode spread over its weights (recipes: the mix). */
static inline double npu_dtype_dequant_ops(npu_dtype t) { return npu_dtype_fmt(t)->dq; }

/* Vector ops per element to quantize 16-bit activations into block-scaled t (W4A4): |x| and
 * the block's running max (2), the scaled value (1), convert-and-pack (1); per block the
 * scale: amax / element max x the per-tensor scale, rounded to the scale type, and its
 * reciprocal (4) [E]. 0 for a format whose scales no matrix instruction applies. */
static inline double npu_dtype_quant_ops(npu_dtype t) {
    const npu_fmt *f = npu_dtype_fmt(t);
    return f->block_mma ? 4.0 + 4.0 / f->block : 0;
}

/* A datatype that may be left to the weight format's recipe: `set` false (the zero
 * of a struct) = the recipe's choice (npu_fmt.head / .emb of the weights' format). */
typedef struct npu_dtype_opt {
    bool set;
    npu_dtype t;
} npu_dtype_opt;

/* The LM head's and the embedding table's datatypes for weights in `w`: `o` when
 * set, else w's recipe (npu_fmt.head, .emb). */
npu_dtype npu_dtype_head(npu_dtype w, npu_dtype_opt o);
npu_dtype npu_dtype_emb(npu_dtype w, npu_dtype_opt o);

#endif
