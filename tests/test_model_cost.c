/* Unit tests: kernel graph accounting, cost-model invariants, step and memory plan. */
#include "testutil.h"
#include "npu_all.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Load a hardware and a model preset; both must exist. */
static void load_pair(const char *hw, const char *model, npu_hw *h, npu_model *m) {
    assert_int_equal(npu_hw_load(hw, h), 0);
    assert_int_equal(npu_model_load(model, m), 0);
}

static npu_step_cfg cfg(npu_phase ph, int b, long seq, long ctx, npu_stack st) {
    npu_step_cfg c = {.phase = ph, .batch = b, .seq = seq, .ctx = ctx, .stack = st,
                      .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
    return c;
}

/* Matmul parameters computed here from the model's fields, independently of the
 * graph: per layer q,k,v,o plus the MLP matrices; lm_head separately. */
static double layer_matmul_params(const npu_model *m) {
    double h = m->hidden, d = m->head_dim;
    double attn = h * (m->heads + 2.0 * m->kv_heads) * d + m->heads * d * h;
    return attn + (m->gated_mlp ? 3.0 : 2.0) * h * m->ffn;
}

/* A step's GEMM FLOPs are 2 x matmul parameters x tokens, with the lm_head on one
 * position per sequence; attention adds 4 x head_dim per (query, key) pair per head. */
static void test_flops_analytic(void **st) {
    (void)st;
    const char *models[] = {"llama2-7b", "llama3-8b", "qwen2.5-7b", "gpt-j-6b", "llama3.2-1b"};
    for (size_t i = 0; i < NPU_ARRAY_LEN(models); i++) {
        npu_model m;
        assert_int_equal(npu_model_load(models[i], &m), 0);
        for (int stack = 0; stack < 2; stack++) {
            long B = 3, S = 100;
            npu_step_cfg c = cfg(NPU_PHASE_PREFILL, (int)B, S, 0, (npu_stack)stack);
            npu_graph g;
            assert_int_equal(npu_graph_build(&m, &c, &g), 0);
            double T = (double)B * S;
            double want = 2.0 * layer_matmul_params(&m) * m.layers * T + 2.0 * m.vocab * m.hidden * B;
            assert_true(fabs(npu_graph_gemm_flops(&g) - want) / want < 1e-9);
            double attn = 0;
            for (int k = 0; k < g.n; k++)
                if (g.k[k].kind == NPU_KK_ATTN) attn += g.k[k].flops * g.k[k].count;
            double pairs = S * (S + 1) / 2.0;
            assert_true(fabs(attn - 4.0 * m.head_dim * pairs * m.heads * B * m.layers) < 1);
        }
    }
}

/* Decode reads every weight once: DRAM bytes of the GEMMs >= matmul weight bytes. */
static void test_decode_reads_weights(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama2-13b", &m), 0);
    npu_step_cfg c = cfg(NPU_PHASE_DECODE, 1, 1, 1000, NPU_STACK_FUSED);
    npu_graph g;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    double w = 0;
    for (int k = 0; k < g.n; k++)
        if (g.k[k].kind == NPU_KK_GEMM) w += (double)g.k[k].n * g.k[k].k * 2.0 * g.k[k].count;
    double want = (layer_matmul_params(&m) * m.layers + (double)m.vocab * m.hidden) * 2.0;
    assert_true(fabs(w - want) / want < 1e-9);
}

static const npu_kernel *sample_kernels(int *n) {
    static npu_kernel ks[8];
    ks[0] = npu_kernel_gemm("g", 1, 4096, 4096, NPU_BF16, NPU_BF16);
    ks[1] = npu_kernel_gemm("g", 512, 28672, 4096, NPU_BF16, NPU_BF16);
    ks[2] = npu_kernel_gemm("g", 8192, 8192, 8192, NPU_FP8, NPU_FP8);
    ks[3] = npu_kernel_gemm("g", 16, 8192, 8192, NPU_INT4, NPU_BF16);
    ks[4] = npu_kernel_attention(4, 32, 8, 128, 2048, 2048, true, NPU_BF16, NPU_BF16);
    ks[5] = npu_kernel_attention(64, 32, 8, 128, 1, 4096, false, NPU_BF16, NPU_BF16);
    ks[6] = npu_kernel_memory("copy", NPU_KK_MEMORY, 1e9, 0);
    ks[7] = npu_kernel_memory("norm", NPU_KK_NORM, 1e7, 1e6);
    *n = 8;
    return ks;
}

/* More bandwidth, more compute, more units are never slower, on every preset. */
static void test_more_resources_never_slower(void **st) {
    (void)st;
    int n;
    const npu_kernel *ks = sample_kernels(&n);
    for (int p = 0; p < npu_hw_preset_count(); p++) {
        npu_hw base, fast;
        assert_int_equal(npu_hw_load(npu_hw_preset_name(p), &base), 0);
        for (int which = 0; which < 2; which++) {
            fast = base;
            if (which == 0) fast.mem_bw_Bps *= 1.7; /* a derived field, read as is */
            else {
                fast.clock_mhz *= 1.5; /* a described field: derive the peaks again */
                assert_int_equal(npu_hw_finish(&fast, "fast"), 0);
                assert_true(fast.peak_flops[NPU_BF16] > base.peak_flops[NPU_BF16] || base.peak_flops[NPU_BF16] == 0);
            }
            for (int i = 0; i < n; i++) {
                double t0 = npu_cost_kernel(&base, &ks[i], NPU_STANDALONE).time_s;
                double t1 = npu_cost_kernel(&fast, &ks[i], NPU_STANDALONE).time_s;
                assert_true(t1 <= t0 * (1 + 1e-12));
                assert_true(t0 > 0 && isfinite(t0));
            }
        }
    }
}

/* A bigger batch never takes less time per step; a bigger GEMM never less time. */
static void test_monotonic_sizes(void **st) {
    (void)st;
    npu_hw h;
    npu_model m;
    load_pair("h100-sxm", "llama3-8b", &h, &m);
    for (int ph = 0; ph < 2; ph++) {
        double prev = 0;
        for (int b = 1; b <= 256; b *= 2) {
            npu_step_cfg c = ph ? cfg(NPU_PHASE_DECODE, b, 1, 2048, NPU_STACK_FUSED)
                                : cfg(NPU_PHASE_PREFILL, b, 256, 0, NPU_STACK_FUSED);
            npu_graph g;
            npu_step_result r;
            assert_int_equal(npu_graph_build(&m, &c, &g), 0);
            npu_step_eval(&h, &g, &r);
            assert_true(r.time_s >= prev);
            prev = r.time_s;
        }
    }
    double prev = 0;
    for (long M = 1; M <= 16384; M += M / 3 + 1) {
        npu_kernel k = npu_kernel_gemm("g", M, 6144, 4096, NPU_BF16, NPU_BF16);
        double t = npu_cost_kernel(&h, &k, NPU_STANDALONE).time_s;
        assert_true(t >= prev);
        prev = t;
    }
}

/* fp8 weights halve the bytes a decode step reads, so the step is faster on H100. */
static void test_fp8_faster(void **st) {
    (void)st;
    npu_hw h;
    npu_model m;
    load_pair("h100-sxm", "llama2-7b", &h, &m);
    npu_run_cfg c = {.phase = NPU_RUN_DECODE, .batch = 8, .ctx = 1024, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_run_result *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_int_equal(npu_run(&m, &h, &c, a), 0);
    c.wdt = c.adt = NPU_FP8;
    assert_int_equal(npu_run(&m, &h, &c, b), 0);
    assert_true(b->latency_s < a->latency_s);
    assert_true(b->mem.weights_B < a->mem.weights_B);
    free(a);
    free(b);
}

static void test_memory_plan_does_not_fit(void **st) {
    (void)st;
    npu_hw h;
    npu_model m;
    load_pair("h100-sxm", "llama2-70b", &h, &m);
    npu_run_cfg c = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 100, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_run_result *r = malloc(sizeof *r);
    assert_int_equal(npu_run(&m, &h, &c, r), -1);
    assert_non_null(strstr(npu_errmsg(), "does not fit"));
    assert_non_null(strstr(npu_errmsg(), "over by"));
    /* int4 weights: 70 B x 0.5 byte fits in 80 GB */
    c.wdt = NPU_INT4;
    assert_int_equal(npu_run(&m, &h, &c, r), 0);
    free(r);
}

/* e2e = prefill + (output-1) decode steps, each at least the first decode step. */
static void test_e2e_composition(void **st) {
    (void)st;
    npu_hw h;
    npu_model m;
    load_pair("a100-sxm-80gb", "mistral-7b", &h, &m);
    npu_run_cfg c = {.phase = NPU_RUN_E2E, .batch = 4, .input = 512, .output = 64, .wdt = NPU_FP16, .adt = NPU_FP16, .kvdt = NPU_FP16};
    npu_run_result *r = malloc(sizeof *r);
    assert_int_equal(npu_run(&m, &h, &c, r), 0);
    assert_true(r->latency_s >= r->ttft_s + 63 * r->dstep.time_s * (1 - 1e-12));
    assert_true(fabs(r->tokens_per_s - 4.0 * 64 / r->latency_s) < 1e-6);
    free(r);
}

/* Every preset, every datatype pair, every kernel kind: finite, positive time and
 * finite, non-negative energy (an fp32 GEMM used to fall to the bf16 rate, an
 * integer-only NPU to whatever type it had, silently). */
static void test_every_dtype_finite(void **st) {
    (void)st;
    for (int p = 0; p < npu_hw_preset_count(); p++) {
        npu_hw h;
        assert_int_equal(npu_hw_load(npu_hw_preset_name(p), &h), 0);
        for (int w = 0; w < NPU_DTYPE_COUNT; w++)
            for (int a = 0; a < NPU_DTYPE_COUNT; a++) {
                npu_kernel ks[] = {npu_kernel_gemm("g", 512, 4096, 4096, (npu_dtype)w, (npu_dtype)a),
                                   npu_kernel_gemm("g", 1, 4096, 4096, (npu_dtype)w, (npu_dtype)a)};
                for (int i = 0; i < 2; i++) {
                    npu_kcost c = npu_power_op(&h, &ks[i]);
                    assert_true(isfinite(c.time_s) && c.time_s > 0);
                    assert_true(isfinite(c.energy_j) && c.energy_j >= 0 && c.compute_j >= 0);
                }
                npu_dtype cdt = npu_hw_gemm_dtype(&h, (npu_dtype)w, (npu_dtype)a);
                assert_true(h.peak_flops[cdt] > 0);
            }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flops_analytic),       cmocka_unit_test(test_decode_reads_weights),
        cmocka_unit_test(test_more_resources_never_slower), cmocka_unit_test(test_monotonic_sizes),
        cmocka_unit_test(test_fp8_faster),           cmocka_unit_test(test_memory_plan_does_not_fit),
        cmocka_unit_test(test_e2e_composition), cmocka_unit_test(test_every_dtype_finite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
