/* npu_quantcmp — what each quantization format buys a model on a chip (issue 11,
 * "lightweighting"; `npusim quant`): for every format, its weight bytes, whether
 * the model fits, the decode step and a prefill timed as `npusim run` times them,
 * energy per token, the speedup over bf16, the kernel path (native or dequantized)
 * and what bounds the steps, with the reason in words.
 *
 * A format that does not fit is still timed (as if the chip's memory held it),
 * flagged `fits` false, so the table says what it would buy and why it cannot. */
#ifndef NPU_QUANTCMP_H
#define NPU_QUANTCMP_H

#include "npu_step.h"

typedef struct npu_qcmp_cfg {
    int batch;          /* decoding sequences, and sequences of the prefill */
    long ctx;           /* tokens in each sequence's KV cache at the decode step */
    long seq;           /* prompt tokens of the prefill */
    npu_stack stack;
    npu_plan plan;
    double moe_skew;
    bool act_set, kv_set; /* activations / KV cache as given, else each format's recipe */
    npu_dtype act, kv;
    npu_dtype_opt hdt, edt; /* LM head, embedding table (unset: each format's recipe) */
    const npu_dtype *formats; /* the formats to compare; NULL = npu_qcmp_default_formats */
    int n_formats;
} npu_qcmp_cfg;

/* The formats compared when none are named: the storable ones a deployment picks from,
 * widest first (bf16, fp16, fp8, int8, q8_0, int4, q4_k_m, q4_0, mxfp4, nvfp4). */
extern const npu_dtype npu_qcmp_default_formats[];
extern const int npu_qcmp_n_default_formats;

typedef struct npu_qcmp_step {
    double time_s;
    double tokens_per_s;
    double energy_j_per_token;
    double dram_bytes;  /* one chip's step */
    double flops;
    npu_bound bound;    /* what bounds most of the step's time */
    double dequant_s;   /* of the step's time, dequantization on the vector units (GEMM compute that is
                         * dequantization: overlapped in tiled kernels, so a lower bound of its share) */
    double speedup;     /* bf16's time / this time */
    char why[160];      /* the bound in words: bytes and bandwidth, or the compute path and its rate */
} npu_qcmp_step;

typedef struct npu_qcmp_row {
    npu_dtype w, act, kv, head, emb;
    npu_gemm_path path;   /* the decoder layers' GEMMs */
    double dequant_ops;   /* vector ops per weight they dequantize with (0 = as stored) */
    double weights_B;     /* fullest chip */
    double need_B;        /* weights + KV cache + activations of the decode step, fullest chip */
    double capacity_B;
    bool fits;
    npu_qcmp_step decode, prefill;
} npu_qcmp_row;

/* Fill rows[0 .. n) (n = the formats compared, at most `cap`); the speedups are over
 * bf16 (timed as well when it is not one of the formats). -1 + npu_err on a
 * configuration no format can run (a plan that does not divide the model, lengths
 * beyond its context window). */
int npu_qcmp_run(const npu_model *m, const npu_hw *hw, const npu_qcmp_cfg *c, npu_qcmp_row *rows, int cap, int *n);

/* The path of a row in words: "native fp4", "fp8", "dequant -> bf16", "as int8 (converted)". */
const char *npu_qcmp_path_text(const npu_qcmp_row *r, char *buf, int cap);

#endif
