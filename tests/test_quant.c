/* Quantization formats as they are stored and run (issue 11, part 3): bits per
 * weight from each format's definition (never from the table under test), a
 * model's weight bytes under each format and recipe, the LM head and embedding
 * datatypes, dequantization time from a chip's stated vector rate, the kernel-path
 * rule (native block-scaled fp4 where the chip applies the scales, dequantized
 * elsewhere), the hardware field that states it, `npusim quant` and the API
 * request fields. The plausibility rule over every preset (fewer bytes per
 * weight, faster in proportion in memory-bound decode) is tests/test_plausible.c. */
#include "testutil.h"
#include "npu_all.h"
#include "npusim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool close_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fabs(b); }

/* ---- bits per weight from the definitions ---- */

/* Each format's bits per weight from its definition: element bits, scales and zero points
 * per block, as the sources lay them out (ggml's block structs, OCP MX v1.0, NVFP4, AutoAWQ). */
static void test_bits_from_definitions(void **st) {
    (void)st;
    const double fp16 = 16, e8m0 = 8, e4m3 = 8;
    struct { npu_dtype t; double bits; } want[] = {
        {NPU_BF16, 16}, {NPU_FP16, 16}, {NPU_FP32, 32},
        {NPU_FP8, 8},   /* e4m3; one fp32 scale per tensor */
        {NPU_INT8, 8},  /* per-channel scale: one per row of K weights */
        {NPU_INT4, 4 + (fp16 + 4) / 128},                       /* AWQ/GPTQ: fp16 scale + int4 zero per 128 */
        {NPU_Q4_0, (fp16 + 32 * 4) / 32},                       /* block_q4_0: d, 16 bytes of nibbles */
        {NPU_Q8_0, (fp16 + 32 * 8) / 32},                       /* block_q8_0: d, 32 int8 */
        {NPU_Q4_K, (2 * fp16 + 12 * 8 + 256 * 4) / 256},        /* block_q4_K: d, dmin, scales[12], qs[128] */
        {NPU_Q6_K, (256 * 4 + 256 * 2 + 16 * 8 + fp16) / 256},  /* block_q6_K: ql, qh, scales[16], d */
        {NPU_MXFP4, (32 * 4 + e8m0) / 32},                      /* OCP MX: 32 e2m1 + e8m0 */
        {NPU_NVFP4, (16 * 4 + e4m3) / 16},                      /* 16 e2m1 + e4m3 (+ fp32 per tensor) */
    };
    for (size_t i = 0; i < NPU_ARRAY_LEN(want); i++) {
        if (fabs(npu_dtype_bits(want[i].t) - want[i].bits) > 1e-12)
            printf("  %s: %.6f bits, definition %.6f\n", npu_dtype_names[want[i].t], npu_dtype_bits(want[i].t),
                   want[i].bits);
        assert_true(fabs(npu_dtype_bits(want[i].t) - want[i].bits) < 1e-12);
        assert_true(fabs(npu_dtype_bytes(want[i].t) * 8 - want[i].bits) < 1e-12);
    }
    assert_true(npu_dtype_bits(NPU_Q4_0) == 4.5 && npu_dtype_bits(NPU_Q8_0) == 8.5 && npu_dtype_bits(NPU_MXFP4) == 4.25);
    /* element types: what a native path runs */
    assert_int_equal(npu_dtype_elem(NPU_NVFP4), NPU_FP4);
    assert_int_equal(npu_dtype_elem(NPU_MXFP4), NPU_FP4);
    assert_int_equal(npu_dtype_elem(NPU_Q4_0), NPU_INT4);
    assert_int_equal(npu_dtype_elem(NPU_Q8_0), NPU_INT8);
    assert_int_equal(npu_dtype_elem_bits(NPU_Q6_K), 6);
}

/* llama.cpp's use_more_bits(i, n): the first and last eighth of the layers and every third between. */
static bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

/* Q4_K_M: q4_K, with attn_v and ffn_down of the layers use_more_bits picks in q6_K. The share in
 * q6_K of a Llama-style model's layer weights, computed from the rule and the model's shapes,
 * is within 6 % of the table's 0.15, and the bits follow from q4_K and q6_K. */
static void test_q4_k_m_recipe(void **st) {
    (void)st;
    const char *models[] = {"llama3-8b", "llama2-7b", "llama3-70b"};
    for (size_t i = 0; i < NPU_ARRAY_LEN(models); i++) {
        npu_model m;
        assert_int_equal(npu_model_load(models[i], &m), 0);
        int more = 0;
        for (int l = 0; l < m.layers; l++) more += use_more_bits(l, m.layers);
        double h = m.hidden, q = (double)m.heads * m.head_dim, kv = (double)m.kv_heads * m.head_dim;
        double v = h * kv, down = h * m.ffn, layer = h * q * 2 + h * kv * 2 + 3.0 * h * m.ffn;
        double share = (double)more / m.layers * (v + down) / layer;
        printf("  %s: %d of %d layers, q6_K share %.4f\n", models[i], more, m.layers, share);
        assert_true(fabs(npu_dtype_fmt(NPU_Q4_K_M)->mix - share) < 0.06 * share);
    }
    double q4k = 144 * 8 / 256.0, q6k = 210 * 8 / 256.0;
    assert_true(fabs(npu_dtype_bits(NPU_Q4_K_M) - (0.85 * q4k + 0.15 * q6k)) < 1e-12);
    /* the recipe's LM head and embeddings (llama-quant.cpp): output.weight q6_K, token_embd q4_K */
    npu_dtype_opt none = {0};
    assert_int_equal(npu_dtype_head(NPU_Q4_K_M, none), NPU_Q6_K);
    assert_int_equal(npu_dtype_emb(NPU_Q4_K_M, none), NPU_Q4_K);
    assert_int_equal(npu_dtype_head(NPU_Q4_0, none), NPU_Q6_K);
    assert_int_equal(npu_dtype_head(NPU_Q8_0, none), NPU_Q8_0);
    /* AWQ/GPTQ, FP8, SmoothQuant, MX and NVFP4 recipes leave the head and the table in 16 bits */
    static const npu_dtype sixteen[] = {NPU_FP8, NPU_INT8, NPU_INT4, NPU_MXFP4, NPU_NVFP4};
    for (size_t i = 0; i < NPU_ARRAY_LEN(sixteen); i++) {
        assert_int_equal(npu_dtype_head(sixteen[i], none), NPU_BF16);
        assert_int_equal(npu_dtype_emb(sixteen[i], none), NPU_BF16);
    }
    npu_dtype_opt fp8 = {true, NPU_FP8};
    assert_int_equal(npu_dtype_head(NPU_Q4_K_M, fp8), NPU_FP8);
}

/* ---- a model's weight bytes ---- */

/* Llama-3-8B's parameters by hand from its shapes (GQA attention, gated MLP, RMSNorms). */
typedef struct { double layers, head, emb, final_norm; } llama_params;
static llama_params llama_by_hand(const npu_model *m) {
    double h = m->hidden, q = (double)m->heads * m->head_dim, kv = (double)m->kv_heads * m->head_dim;
    double layer = h * q + 2 * h * kv + q * h + 3 * h * m->ffn + 2 * h;
    return (llama_params){layer * m->layers, (double)m->vocab * h, (double)m->vocab * h, h};
}

/* Every format with its recipe's LM head and table: layers x bits + head x bits + table x bits. */
static void test_model_weight_bytes(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    assert_false(m.tied_embeddings);
    llama_params p = llama_by_hand(&m);
    /* per format: layer bits, head bits, table bits (the recipes of docs/quantization.md) */
    struct { npu_dtype t; double lb, hb, eb; } f[] = {
        {NPU_BF16, 16, 16, 16},         {NPU_FP16, 16, 16, 16},     {NPU_FP32, 32, 32, 32},
        {NPU_FP8, 8, 16, 16},           {NPU_INT8, 8, 16, 16},      {NPU_INT4, 4.15625, 16, 16},
        {NPU_Q8_0, 8.5, 8.5, 8.5},      {NPU_Q4_0, 4.5, 6.5625, 4.5}, {NPU_Q4_K_M, 4.809375, 6.5625, 4.5},
        {NPU_MXFP4, 4.25, 16, 16},      {NPU_NVFP4, 4.5, 16, 16},
    };
    for (size_t i = 0; i < NPU_ARRAY_LEN(f); i++) {
        double want = (p.layers * f[i].lb + p.head * f[i].hb + p.emb * f[i].eb) / 8 + p.final_norm * 2;
        double got = npu_plan_weight_bytes(&m, (npu_plan){0}, f[i].t);
        if (!close_rel(got, want, 1e-12)) printf("  %s: %.6g B, by hand %.6g\n", npu_dtype_names[f[i].t], got, want);
        assert_true(close_rel(got, want, 1e-12));
    }
    /* tensor parallel: the layers, the head and the table (vocab-parallel) split over the chips */
    npu_weight_parts w = npu_plan_stage_weight_parts(&m, (npu_plan){.tp = 4}, 1, NPU_Q4_K_M, (npu_dtype_opt){0},
                                                     (npu_dtype_opt){0});
    assert_true(close_rel(w.head_B, p.head / 4 * 6.5625 / 8 + p.final_norm * 2, 1e-12));
    assert_true(close_rel(w.emb_B, p.emb / 4 * 4.5 / 8, 1e-12)); /* 128256 rows divide by 4 */
}

/* --lm-head-dtype and --emb-dtype: the head's and the table's bytes, in memory and in the
 * decode step (the head streams every step; the table is gathered, T rows). */
static void test_head_and_embedding_dtypes(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    llama_params p = llama_by_hand(&m);
    npu_dtype_opt none = {0}, h4 = {true, NPU_INT4}, e8 = {true, NPU_FP8};
    npu_weight_parts a = npu_plan_stage_weight_parts(&m, (npu_plan){0}, 1, NPU_INT4, none, none);
    npu_weight_parts b = npu_plan_stage_weight_parts(&m, (npu_plan){0}, 1, NPU_INT4, h4, e8);
    assert_int_equal(a.head_dt, NPU_BF16);
    assert_int_equal(b.head_dt, NPU_INT4);
    assert_int_equal(b.emb_dt, NPU_FP8);
    assert_true(close_rel(a.head_B - b.head_B, p.head * (2 - 4.15625 / 8), 1e-12));
    assert_true(close_rel(a.emb_B - b.emb_B, p.emb * (2 - 1), 1e-12));
    assert_true(a.layers_B == b.layers_B);
    /* the decode step: the lm_head GEMM reads its weights at the head's datatype */
    npu_step_cfg c = {.phase = NPU_PHASE_DECODE, .batch = 1, .seq = 1, .ctx = 512, .wdt = NPU_INT4, .adt = NPU_BF16,
                      .kvdt = NPU_BF16};
    npu_graph g1, g2;
    assert_int_equal(npu_graph_build(&m, &c, &g1), 0);
    c.hdt = h4, c.edt = e8;
    assert_int_equal(npu_graph_build(&m, &c, &g2), 0);
    double d = npu_graph_bytes(&g1) - npu_graph_bytes(&g2);
    /* the head's weights, and the one embedding row gathered (2 -> 1 byte per element) */
    assert_true(close_rel(d, p.head * (2 - 4.15625 / 8) + m.hidden * 1.0, 1e-9));
    /* a run's memory plan takes them too */
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 512, .wdt = NPU_INT4, .adt = NPU_BF16,
                      .kvdt = NPU_BF16};
    npu_run_result *r1 = malloc(sizeof *r1), *r2 = malloc(sizeof *r2);
    assert_int_equal(npu_run(&m, &hw, &rc, r1), 0);
    rc.hdt = h4, rc.edt = e8;
    assert_int_equal(npu_run(&m, &hw, &rc, r2), 0);
    assert_true(close_rel(r1->mem.weights_B - r2->mem.weights_B, p.head * (2 - 4.15625 / 8) + p.emb, 1e-9));
    assert_true(r2->latency_s < r1->latency_s);
    free(r1), free(r2);
    /* tied embeddings (Llama-3.2-1B): one table, at the head's datatype, whatever --emb-dtype says */
    npu_model t;
    assert_int_equal(npu_model_load("llama3.2-1b", &t), 0);
    assert_true(t.tied_embeddings);
    npu_weight_parts tw = npu_plan_stage_weight_parts(&t, (npu_plan){0}, 1, NPU_Q4_K_M, none, e8);
    assert_int_equal(tw.emb_dt, NPU_Q6_K);
    assert_true(close_rel(tw.emb_B, (double)t.vocab * t.hidden * 6.5625 / 8, 1e-12));
    assert_true(tw.head == t.hidden); /* only the final norm: the table serves as the head */
}

/* dx-m1 with Llama-3.2-1B int4 (issue 11): the 16-bit head of the AWQ recipe is a large share
 * of the step; an int4 head cuts the step in proportion to the bytes it no longer streams. */
static void test_int4_head_on_dx_m1(void **st) {
    (void)st;
    npu_model m;
    npu_hw hw;
    assert_int_equal(npu_model_load("llama3.2-1b", &m), 0);
    assert_int_equal(npu_hw_load("dx-m1", &hw), 0);
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 1024, .wdt = NPU_INT4, .adt = NPU_BF16,
                      .kvdt = NPU_BF16};
    npu_run_result *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_int_equal(npu_run(&m, &hw, &rc, a), 0);
    rc.hdt = (npu_dtype_opt){true, NPU_INT4};
    assert_int_equal(npu_run(&m, &hw, &rc, b), 0);
    double rt = b->latency_s / a->latency_s, rb = b->step.bytes / a->step.bytes;
    printf("  dx-m1 llama3.2-1b int4: %.2f ms (16-bit head) -> %.2f ms (int4 head): time x%.3f, bytes x%.3f\n",
           a->latency_s * 1e3, b->latency_s * 1e3, rt, rb);
    assert_true(rb < 0.8);                /* the head was more than a fifth of the bytes */
    assert_true(fabs(rt / rb - 1) < 0.15); /* memory-bound: time in proportion */
    free(a), free(b);
}

/* ---- dequantization by hand ---- */

/* The 16-bit vector rate from what the description states: units x clock x ops per cycle
 * (stated, else two 16-bit lanes per fp32 lane: docs/schema.md "Vector units"). */
static double vec16_by_hand(const npu_hw *h) {
    double units = h->vec_units > 0 ? h->vec_units : h->units;
    double clock = (h->vec_clock_mhz > 0 ? h->vec_clock_mhz : h->clock_mhz) * 1e6;
    double per = h->vec_ops_per_cycle[NPU_BF16] > 0 ? h->vec_ops_per_cycle[NPU_BF16] : 2 * h->vec_flops_per_cycle;
    return units * clock * per;
}

static void test_dequant_by_hand(void **st) {
    (void)st;
    const double n = 4096.0 * 14336;
    /* ops per weight from each layout: convert 1 + scale 1 (symmetric) or convert 1 + FMA 2 (zero point);
     * per block the scale's decode: q4_0/q8_0/mxfp4 1, nvfp4 2 (e4m3 x fp32), int4 2 (scale and zero) */
    struct { npu_dtype t; double ops; } f[] = {
        {NPU_Q4_0, 2 + 1 / 32.0}, {NPU_Q8_0, 2 + 1 / 32.0}, {NPU_INT4, 3 + 2 / 128.0},
        {NPU_MXFP4, 2 + 1 / 32.0}, {NPU_NVFP4, 2 + 2 / 16.0}, {NPU_INT8, 3}, {NPU_FP8, 3},
    };
    const char *chips[] = {"h100-sxm", "snapdragon-8g3-npu"};
    for (size_t c = 0; c < NPU_ARRAY_LEN(chips); c++) {
        npu_hw h;
        assert_int_equal(npu_hw_load(chips[c], &h), 0);
        double rate = vec16_by_hand(&h) * h.eff.vec_eff;
        for (size_t i = 0; i < NPU_ARRAY_LEN(f); i++) {
            double got = npu_cost_dequant_s(&h, f[i].t, NPU_BF16, n), want = n * f[i].ops / rate;
            if (!close_rel(got, want, 1e-12)) printf("  %s %s: %.4g s, by hand %.4g\n", chips[c], npu_dtype_names[f[i].t], got, want);
            assert_true(close_rel(got, want, 1e-12));
        }
        /* nothing to do for types as wide, or as stored */
        assert_true(npu_cost_dequant_s(&h, NPU_FP16, NPU_BF16, n) == 0);
        assert_true(npu_cost_dequant_s(&h, NPU_FP8, NPU_FP8, n) == 0);
    }
    /* the Snapdragon's single vector unit: 1 x 1373.3 MHz x 512 16-bit ops = 0.70 Tops; one Llama-3-8B
     * MLP matrix in q4_0 takes 2.72 ms, in nvfp4 3.4 ms */
    npu_hw s;
    assert_int_equal(npu_hw_load("snapdragon-8g3-npu", &s), 0);
    assert_true(close_rel(npu_cost_dequant_s(&s, NPU_Q4_0, NPU_FP16, n), n * (2 + 1 / 32.0) / (1373.291e6 * 512), 1e-9));
    /* B200 runs nvfp4 as stored (its fp4 path applies the e4m3 block scales): no dequantization */
    npu_hw b;
    assert_int_equal(npu_hw_load("b200", &b), 0);
    assert_true(npu_cost_dequant_s(&b, NPU_NVFP4, NPU_FP4, n) == 0);
    assert_true(npu_cost_dequant_s(&b, NPU_NVFP4, NPU_BF16, n) > 0);
}

/* ---- kernel paths ---- */

static void test_native_paths(void **st) {
    (void)st;
    npu_hw b200, h100, mi355, a100, dx;
    assert_int_equal(npu_hw_load("b200", &b200), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &h100), 0);
    assert_int_equal(npu_hw_load("mi355x", &mi355), 0);
    assert_int_equal(npu_hw_load("a100-sxm-80gb", &a100), 0);
    assert_int_equal(npu_hw_load("dx-m1", &dx), 0);
    /* B200: nvfp4 and mxfp4 native on the fp4 path */
    npu_gemm_path p = npu_hw_gemm_path(&b200, NPU_NVFP4, NPU_NVFP4);
    assert_int_equal(p.cdt, NPU_FP4);
    assert_true(p.native);
    assert_true(npu_hw_gemm_path(&b200, NPU_MXFP4, NPU_MXFP4).native);
    /* H100 (no fp4): weights dequantized, activations stay 16-bit (W4A16) */
    p = npu_hw_gemm_path(&h100, NPU_NVFP4, NPU_NVFP4);
    assert_int_equal(p.cdt, NPU_BF16);
    assert_int_equal(p.act, NPU_BF16);
    assert_false(p.native);
    /* ... or W4A8 when fp8 activations are asked for */
    assert_int_equal(npu_hw_gemm_path(&h100, NPU_NVFP4, NPU_FP8).cdt, NPU_FP8);
    /* MI355X: fp4 MACs with OCP MX scales only */
    assert_true(npu_hw_gemm_path(&mi355, NPU_MXFP4, NPU_MXFP4).native);
    p = npu_hw_gemm_path(&mi355, NPU_NVFP4, NPU_NVFP4);
    assert_false(p.native);
    assert_int_equal(p.cdt, NPU_BF16);
    /* fp8 native on Hopper; int8 W8A8 native */
    assert_true(npu_hw_gemm_path(&h100, NPU_FP8, NPU_FP8).native);
    assert_true(npu_hw_gemm_path(&h100, NPU_INT8, NPU_INT8).native);
    /* AWQ int4 (W4A16) dequantizes everywhere; with int4 activations on the A100's int4 MACs its
     * groups' scales still need the vector units */
    assert_false(npu_hw_gemm_path(&b200, NPU_INT4, NPU_BF16).native);
    p = npu_hw_gemm_path(&a100, NPU_INT4, NPU_INT4);
    assert_int_equal(p.cdt, NPU_INT4);
    assert_false(p.native);
    /* GGUF blocks dequantize to the activations' type; an int8-only NPU runs them as int8 */
    assert_int_equal(npu_hw_gemm_path(&h100, NPU_Q4_0, NPU_FP16).cdt, NPU_FP16);
    assert_int_equal(npu_hw_gemm_path(&dx, NPU_Q4_0, NPU_FP16).cdt, NPU_INT8);
    assert_int_equal(npu_hw_gemm_path(&dx, NPU_NVFP4, NPU_NVFP4).cdt, NPU_INT8);
}

/* The path decides compute-bound GEMMs: a prefill-sized nvfp4 GEMM on the B200 runs on its
 * fp4 engines (4x bf16's peak), on the H100 it is a bf16 GEMM plus overlapped dequantization. */
static void test_native_fp4_gemm_speed(void **st) {
    (void)st;
    npu_hw b200, h100;
    assert_int_equal(npu_hw_load("b200", &b200), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &h100), 0);
    npu_kernel bf = npu_kernel_gemm("g", 8192, 8192, 8192, NPU_BF16, NPU_BF16);
    npu_kernel nv = npu_kernel_gemm("g", 8192, 8192, 8192, NPU_NVFP4, NPU_NVFP4);
    double b_bf = npu_cost_kernel(&b200, &bf, NPU_STANDALONE).time_s, b_nv = npu_cost_kernel(&b200, &nv, NPU_STANDALONE).time_s;
    double h_bf = npu_cost_kernel(&h100, &bf, NPU_STANDALONE).time_s, h_nv = npu_cost_kernel(&h100, &nv, NPU_STANDALONE).time_s;
    printf("  8192^3: B200 bf16 %.3f ms, nvfp4 %.3f ms; H100 bf16 %.3f ms, nvfp4 %.3f ms\n", b_bf * 1e3, b_nv * 1e3,
           h_bf * 1e3, h_nv * 1e3);
    assert_true(b_nv < b_bf / 2.5);
    assert_true(b_nv >= 2.0 * 8192.0 * 8192 * 8192 / b200.peak_flops[NPU_FP4]); /* never above the fp4 peak */
    assert_true(h_nv > 0.9 * h_bf && h_nv < 1.1 * h_bf);
}

/* With no matrix engine (Apple GPUs before M5: simdgroup_matrix on the ALUs) the same ALUs
 * dequantize and multiply: a compute-bound q4_K GEMM costs the fp16 GEMM plus its dequantization,
 * once per row of output tiles (ggml's kernel_mul_mm: 32 tokens per tile), where the H100's
 * vector units dequantize beside its tensor cores and the dequantization hides. By hand, for
 * M = 512 tokens: ceil(512 / 32) = 16 passes of N x K weights at the format's ops per weight. */
static void test_dequant_shares_the_alus(void **st) {
    (void)st;
    npu_hw a, h;
    assert_int_equal(npu_hw_load("apple-m2-ultra-gpu76", &a), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_int_equal(a.eng, NPU_ENGINE_NONE);
    assert_int_equal(a.tile_m, 32); /* BLOCK_SIZE_N: tokens per threadgroup */
    const long M = 512, N = 14336, K = 4096;
    npu_kernel f16 = npu_kernel_gemm("g", M, N, K, NPU_FP16, NPU_FP16);
    npu_kernel q4 = npu_kernel_gemm("g", M, N, K, NPU_Q4_K, NPU_FP16);
    npu_kcost cf = npu_cost_kernel(&a, &f16, NPU_IN_STEP), cq = npu_cost_kernel(&a, &q4, NPU_IN_STEP);
    assert_int_equal(cf.bound, NPU_BOUND_COMPUTE);
    assert_int_equal(cq.bound, NPU_BOUND_COMPUTE);
    double passes = ceil((double)M / cq.tile_m);
    double dq = passes * npu_cost_dequant_s(&a, NPU_Q4_K, NPU_FP16, (double)N * K);
    printf("  M2 Ultra 512x14336x4096: fp16 %.3f ms, q4_K %.3f ms (tile %d rows, dequant %.3f ms)\n", cf.time_s * 1e3,
           cq.time_s * 1e3, cq.tile_m, dq * 1e3);
    assert_true(dq > 0.03 * cf.time_s); /* not negligible: the test sees the sum */
    /* the same tile, give or take its weight block's first load (0.5625 vs 2 bytes a weight) */
    assert_true(cq.time_s >= cf.time_s + dq - 0.01 * cf.time_s);
    assert_true(cq.time_s <= cf.time_s + dq + 0.01 * cf.time_s);
    /* the H100: int4 weights under bf16 activations, dequantized beside the tensor cores */
    npu_kernel hb = npu_kernel_gemm("g", 4096, N, K, NPU_BF16, NPU_BF16);
    npu_kernel h4 = npu_kernel_gemm("g", 4096, N, K, NPU_INT4, NPU_BF16);
    double tb = npu_cost_kernel(&h, &hb, NPU_IN_STEP).time_s, t4 = npu_cost_kernel(&h, &h4, NPU_IN_STEP).time_s;
    assert_true(t4 < 1.02 * tb);
}

/* ---- W4A4: activation quantization ---- */

static const npu_kernel *kfind(const npu_graph *g, const char *name) {
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->k[i].name, name) == 0) return &g->k[i];
    return NULL;
}

/* W4A4 (nvfp4 activations) quantizes every GEMM input its producer writes in 16 bits: one
 * kernel reads the bf16 rows (2 bytes an element) and writes 16 e2m1 elements (8 bytes) and an
 * e4m3 scale (1 byte) per block of 16 (TensorRT-LLM's fp4_quantize in the NVFP4 Linear). By hand
 * for Llama-3.1-70B (hidden 8192, ffn 28672) decoding 512 sequences on one chip: qkv's and
 * mlp_up's inputs 512 x 8192, mlp_down's 512 x 28672; the fused attention writes o_proj's input
 * already quantized; a tp all-reduce fused with the norm (RESIDUAL_RMS_NORM_QUANT_NVFP4)
 * quantizes qkv's and mlp_up's. bf16 and fp8 (per-tensor scale) runs have no such kernel. */
static void test_act_quant_kernels(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3.1-70b", &m), 0);
    const double B = 512, per_elem = 2.0 + (16 * 0.5 + 1.0) / 16; /* bf16 in; e2m1 + e4m3 per 16 out */
    npu_step_cfg c = {.phase = NPU_PHASE_DECODE, .batch = 512, .seq = 1, .ctx = 1000, .wdt = NPU_NVFP4,
                      .adt = NPU_NVFP4, .kvdt = NPU_FP8};
    npu_graph g;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    const npu_kernel *q = kfind(&g, "qkv_act_quant"), *u = kfind(&g, "up_act_quant"), *d = kfind(&g, "down_act_quant");
    assert_non_null(q);
    assert_non_null(u);
    assert_non_null(d);
    assert_true(q->act_quant && q->adt == NPU_NVFP4 && q->count == 80);
    assert_true(close_rel(q->bytes, B * 8192 * 2.5625, 1e-12));
    assert_true(close_rel(per_elem, 2.5625, 1e-12));
    assert_true(close_rel(u->bytes, B * 8192 * per_elem, 1e-12));
    assert_true(close_rel(d->bytes, B * 28672 * per_elem, 1e-12));
    assert_null(kfind(&g, "o_act_quant")); /* fused attention writes fp4 */
    c.stack = NPU_STACK_EAGER;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    assert_non_null(kfind(&g, "o_act_quant"));
    assert_true(close_rel(kfind(&g, "o_act_quant")->bytes, B * 64 * 128 * per_elem, 1e-12));
    /* tp 2 with the fused all-reduce + norm: only mlp_down's input (half the ffn) is quantized alone */
    c.stack = NPU_STACK_FUSED, c.plan = (npu_plan){.tp = 2}, c.impl.fused_ar_norm = true;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    assert_null(kfind(&g, "qkv_act_quant"));
    assert_null(kfind(&g, "up_act_quant"));
    assert_true(close_rel(kfind(&g, "down_act_quant")->bytes, B * 14336 * per_elem, 1e-12));
    npu_dtype other[] = {NPU_BF16, NPU_FP8};
    for (size_t i = 0; i < NPU_ARRAY_LEN(other); i++) {
        npu_step_cfg o = {.phase = NPU_PHASE_DECODE, .batch = 8, .seq = 1, .ctx = 10, .wdt = other[i], .adt = other[i],
                          .kvdt = NPU_BF16};
        assert_int_equal(npu_graph_build(&m, &o, &g), 0);
        for (int k = 0; k < g.n; k++) assert_false(g.k[k].act_quant);
    }
}

/* The quantization runs where the GEMMs take the block format (B200: nvfp4 on its fp4 engines),
 * as a memory-bound pass no faster than its bytes at the DRAM bandwidth; on the H100 the same
 * nvfp4 checkpoint runs W4A16 (the activations stay bf16) and the kernel costs nothing. */
static void test_act_quant_cost(void **st) {
    (void)st;
    npu_model m;
    npu_hw b200, h100;
    assert_int_equal(npu_model_load("llama3.1-70b", &m), 0);
    assert_int_equal(npu_hw_load("b200", &b200), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &h100), 0);
    npu_step_cfg c = {.phase = NPU_PHASE_DECODE, .batch = 512, .seq = 1, .ctx = 1000, .wdt = NPU_NVFP4,
                      .adt = NPU_NVFP4, .kvdt = NPU_FP8};
    npu_graph g;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    const npu_kernel *d = kfind(&g, "down_act_quant");
    assert_non_null(d);
    npu_kcost cb = npu_cost_kernel(&b200, d, NPU_IN_STEP), ch = npu_cost_kernel(&h100, d, NPU_IN_STEP);
    double floor_s = 512.0 * 28672 * 2.5625 / b200.mem_bw_Bps;
    printf("  B200 down_act_quant 512 x 28672: %.2f us (bytes at the DRAM peak %.2f us)\n", cb.time_s * 1e6,
           floor_s * 1e6);
    assert_true(cb.time_s >= floor_s);
    assert_true(cb.time_s < 4.0 * floor_s + 20e-6); /* a streaming pass, not a GEMM */
    assert_int_equal(cb.bound, NPU_BOUND_MEMORY);
    assert_true(ch.time_s == 0 && ch.overhead_s == 0);
    /* the energy follows: nothing on the H100 */
    npu_kcost e = ch;
    npu_power_kernel(&h100, d, &e);
    assert_true(e.energy_j == 0);
    e = cb;
    npu_power_kernel(&b200, d, &e);
    assert_true(e.energy_j > 0);
}

/* Plausibility: no nvfp4 or mxfp4 GEMM, of any shape, runs above the chip's dense fp4 peak
 * (the datasheet's sparse figure is twice it: B200 9 of 18 PF, GB200 10 of 20), standalone or
 * in a step, on every chip that runs the block formats natively. */
static void test_fp4_gemm_under_dense_peak(void **st) {
    (void)st;
    const char *chips[] = {"b200", "gb200", "gb300"};
    const double dense_pf[] = {9.0, 10.0, 15.0}; /* [V/P] hw_specs.md A1: dense FP4, PFLOP/s */
    const long Ms[] = {1, 4, 16, 64, 128, 256, 512, 1000, 2048, 4096, 8192, 16384, 65536};
    const long NKs[][2] = {{10240, 8192}, {8192, 8192}, {57344, 8192}, {8192, 28672}, {128256, 8192}, {4096, 4096},
                           {256, 7168}, {2048, 2048}};
    npu_dtype fmts[] = {NPU_NVFP4, NPU_MXFP4};
    for (size_t h = 0; h < NPU_ARRAY_LEN(chips); h++) {
        npu_hw hw;
        assert_int_equal(npu_hw_load(chips[h], &hw), 0);
        assert_true(hw.peak_flops[NPU_FP4] <= dense_pf[h] * 1e15 * 1.001);
        for (size_t f = 0; f < NPU_ARRAY_LEN(fmts); f++)
            for (size_t i = 0; i < NPU_ARRAY_LEN(Ms); i++)
                for (size_t j = 0; j < NPU_ARRAY_LEN(NKs); j++) {
                    npu_kernel k = npu_kernel_gemm("g", Ms[i], NKs[j][0], NKs[j][1], fmts[f], fmts[f]);
                    assert_int_equal(npu_hw_gemm_path(&hw, fmts[f], fmts[f]).cdt, NPU_FP4);
                    double t1 = npu_cost_kernel(&hw, &k, NPU_STANDALONE).time_s;
                    double t2 = npu_cost_kernel(&hw, &k, NPU_IN_STEP).time_s;
                    if (!(k.flops / t1 <= dense_pf[h] * 1e15 && k.flops / t2 <= dense_pf[h] * 1e15))
                        fail_msg("%s %s %ldx%ldx%ld: %.3g FLOP/s above the dense fp4 peak", chips[h],
                                 npu_dtype_names[fmts[f]], Ms[i], NKs[j][0], NKs[j][1], k.flops / fmin(t1, t2));
                }
    }
}

/* ---- names ---- */

static void test_parse_formats(void **st) {
    (void)st;
    npu_dtype t;
    assert_int_equal(npu_dtype_parse("Q4_K_M", &t), 0);
    assert_int_equal(t, NPU_Q4_K_M);
    assert_int_equal(npu_dtype_parse("awq", &t), 0);
    assert_int_equal(t, NPU_INT4);
    assert_int_equal(npu_dtype_parse("e4m3", &t), 0);
    assert_int_equal(t, NPU_FP8);
    assert_int_equal(npu_dtype_parse("nvfp4", &t), 0);
    assert_int_equal(t, NPU_NVFP4);
    assert_int_equal(npu_dtype_parse("fp4", &t), -1);
    assert_non_null(strstr(npu_errmsg(), "mxfp4, nvfp4"));
    assert_int_equal(npu_dtype_parse("q4_k_s", &t), -1);
    assert_non_null(strstr(npu_errmsg(), "did you mean 'q4_k_m'"));
    /* every storable row parses back to itself, by name and by each alias */
    for (int i = 0; i < NPU_FMT_COUNT; i++) {
        const npu_fmt *f = npu_dtype_fmt((npu_dtype)i);
        assert_string_equal(f->name, npu_dtype_names[i]);
        assert_non_null(f->source);
        assert_true(strlen(f->source) > 10);
        if (!f->storable) continue;
        assert_int_equal(npu_dtype_parse(f->name, &t), 0);
        assert_int_equal(t, i);
    }
}

/* matrix.fp4_formats: read, checked, written back. */
static void test_fp4_formats_field(void **st) {
    (void)st;
    npu_hw b, c;
    assert_int_equal(npu_hw_load("b200", &b), 0);
    assert_true(npu_hw_runs_block(&b, NPU_NVFP4) && npu_hw_runs_block(&b, NPU_MXFP4));
    cJSON *j = npu_hw_to_json(&b);
    assert_int_equal(npu_hw_from_json(j, "rt", &c), 0);
    assert_true(c.native_blocks == b.native_blocks && c.fp4_formats == b.fp4_formats);
    cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "matrix");
    cJSON_ReplaceItemInObjectCaseSensitive(m, "fp4_formats", cJSON_Parse("[\"q4_0\"]"));
    assert_int_equal(npu_hw_from_json(j, "edit.json", &c), -1);
    assert_non_null(strstr(npu_errmsg(), "matrix.fp4_formats"));
    cJSON_ReplaceItemInObjectCaseSensitive(m, "fp4_formats", cJSON_Parse("[]"));
    assert_int_equal(npu_hw_from_json(j, "edit.json", &c), -1);
    /* absent: the OCP MX scales only */
    cJSON_DeleteItemFromObjectCaseSensitive(m, "fp4_formats");
    assert_int_equal(npu_hw_from_json(j, "edit.json", &c), 0);
    assert_true(npu_hw_runs_block(&c, NPU_MXFP4) && !npu_hw_runs_block(&c, NPU_NVFP4));
    cJSON_Delete(j);
    /* a chip without fp4 MACs cannot list block formats */
    npu_hw h;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    j = npu_hw_to_json(&h);
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(j, "matrix"), "fp4_formats", cJSON_Parse("[\"nvfp4\"]"));
    assert_int_equal(npu_hw_from_json(j, "edit.json", &c), -1);
    assert_non_null(strstr(npu_errmsg(), "macs_per_cycle.fp4 is 0"));
    cJSON_Delete(j);
    assert_false(npu_hw_runs_block(&h, NPU_MXFP4));
}

/* ---- npusim quant ---- */

static void test_quantcmp(void **st) {
    (void)st;
    npu_model m;
    npu_hw h100, b200, phone;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &h100), 0);
    assert_int_equal(npu_hw_load("b200", &b200), 0);
    assert_int_equal(npu_hw_load("snapdragon-8g3-npu", &phone), 0);
    npu_qcmp_cfg c = {.batch = 1, .ctx = 1024, .seq = 1024};
    npu_qcmp_row rows[NPU_FMT_COUNT];
    int n;
    assert_int_equal(npu_qcmp_run(&m, &h100, &c, rows, NPU_FMT_COUNT, &n), 0);
    assert_int_equal(n, npu_qcmp_n_default_formats);
    for (int i = 0; i < n; i++) {
        const npu_qcmp_row *r = &rows[i];
        assert_true(r->fits);
        assert_true(r->decode.time_s > 0 && r->prefill.time_s > 0 && r->decode.energy_j_per_token > 0);
        /* memory-bound batch-1 decode: faster with fewer bytes, never by more than the bytes, and
         * by at least 3/4 of them (an 8B step on an H100 keeps ~0.5 ms of launches and latencies;
         * the proportionality rule on a large model is tests/test_plausible.c) */
        assert_int_equal(r->decode.bound, NPU_BOUND_MEMORY);
        assert_non_null(strstr(r->decode.why, "memory"));
        double rb = rows[0].decode.dram_bytes / r->decode.dram_bytes;
        assert_true(r->decode.speedup <= rb * 1.001 && r->decode.speedup > 0.75 * rb);
        if (i > 0 && r->decode.dram_bytes < rows[i - 1].decode.dram_bytes)
            assert_true(r->decode.time_s < rows[i - 1].decode.time_s);
        if (r->w == NPU_BF16) assert_true(r->decode.speedup == 1 && r->prefill.speedup == 1);
        if (r->w == NPU_NVFP4) assert_false(r->path.native);
    }
    /* B200: the fp4 formats run natively; prefill gains the fp4 peak's share */
    c.formats = (const npu_dtype[]){NPU_FP8, NPU_NVFP4, NPU_INT4}, c.n_formats = 3;
    assert_int_equal(npu_qcmp_run(&m, &b200, &c, rows, NPU_FMT_COUNT, &n), 0);
    assert_int_equal(n, 3);
    assert_true(rows[1].path.native && rows[1].path.cdt == NPU_FP4);
    assert_true(rows[1].prefill.speedup > 1.5 * rows[2].prefill.speedup); /* int4 is W4A16: bf16 GEMMs */
    assert_non_null(strstr(rows[1].prefill.why, "native fp4"));
    /* a model that does not fit is timed and flagged */
    npu_model big;
    assert_int_equal(npu_model_load("llama3-70b", &big), 0);
    c.formats = (const npu_dtype[]){NPU_BF16, NPU_Q4_0}, c.n_formats = 2;
    assert_int_equal(npu_qcmp_run(&big, &phone, &c, rows, NPU_FMT_COUNT, &n), 0);
    assert_false(rows[0].fits);
    assert_true(rows[0].need_B > rows[0].capacity_B);
    assert_true(rows[1].decode.time_s < rows[0].decode.time_s);
}

/* ---- the API: the same option names as request fields ---- */

static void test_api_fields(void **st) {
    (void)st;
    npusim_ctx *ctx = npusim_ctx_new();
    char *out = NULL;
    assert_int_equal(npusim_call(ctx, "run",
                                 "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"decode\", \"batch\": 1, "
                                 "\"ctx\": 512, \"dtype\": \"q4_k_m\", \"lm_head_dtype\": \"bf16\", \"emb_dtype\": \"q8_0\"}",
                                 &out),
                     NPUSIM_OK);
    cJSON *j = cJSON_Parse(out);
    cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "formats");
    assert_non_null(f);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f, "lm_head"), "dtype")->valuestring,
                        "bf16");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f, "embedding"), "dtype")->valuestring,
                        "q8_0");
    cJSON *layers = cJSON_GetObjectItemCaseSensitive(f, "layers");
    assert_true(close_rel(cJSON_GetObjectItemCaseSensitive(layers, "bits_per_element")->valuedouble,
                          npu_dtype_bits(NPU_Q4_K_M), 1e-12));
    cJSON_Delete(j);
    npusim_free(out);
    assert_int_equal(npusim_call(ctx, "quant", "{\"model\": \"llama3-8b\", \"hw\": \"b200\", \"formats\": \"nvfp4,bf16\"}",
                                 &out),
                     NPUSIM_OK);
    j = cJSON_Parse(out);
    cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "formats");
    assert_int_equal(cJSON_GetArraySize(a), 2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(a, 0), "native")));
    cJSON_Delete(j);
    npusim_free(out);
    out = NULL;
    assert_int_equal(npusim_call(ctx, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"decode\", "
                                             "\"batch\": 1, \"ctx\": 512, \"lm_head_dtype\": \"q4_k_s\"}", &out),
                     NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(ctx), "lm_head_dtype"));
    assert_non_null(strstr(npusim_errmsg(ctx), "q4_k_m"));
    npusim_ctx_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bits_from_definitions), cmocka_unit_test(test_q4_k_m_recipe),
        cmocka_unit_test(test_model_weight_bytes),    cmocka_unit_test(test_head_and_embedding_dtypes),
        cmocka_unit_test(test_int4_head_on_dx_m1),    cmocka_unit_test(test_dequant_by_hand),
        cmocka_unit_test(test_native_paths),          cmocka_unit_test(test_native_fp4_gemm_speed), cmocka_unit_test(test_dequant_shares_the_alus),
        cmocka_unit_test(test_act_quant_kernels), cmocka_unit_test(test_act_quant_cost),
        cmocka_unit_test(test_fp4_gemm_under_dense_peak),
        cmocka_unit_test(test_parse_formats),         cmocka_unit_test(test_fp4_formats_field),
        cmocka_unit_test(test_quantcmp),              cmocka_unit_test(test_api_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
