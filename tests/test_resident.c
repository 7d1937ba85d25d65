/* On-chip residency (docs/accuracy-architectures.md "On-chip residency"): a chip whose
 * SRAM is a software-managed scratchpad keeps part of the weights on chip across decode
 * steps; a hardware cache (GPU L2) does not unless the whole step fits. Expectations are
 * computed here from the description (SRAM capacity, DRAM and SRAM bandwidths), never
 * from the code under test's own output. */
#include "testutil.h"
#include "npu_all.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void load_hw(const char *name, npu_hw *h) { assert_int_equal(npu_hw_load(name, h), 0); }

/* One chip's decode step (batch sequences, ctx cached tokens), throttled as a run is. */
static void decode(const npu_hw *h, const npu_model *m, int batch, long ctx, npu_dtype wdt, npu_step_result *r,
                   double *energy_j) {
    npu_step_cfg c = {.phase = NPU_PHASE_DECODE, .batch = batch, .seq = 1, .ctx = ctx, .stack = NPU_STACK_FUSED,
                      .wdt = wdt, .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_graph g;
    assert_int_equal(npu_graph_build(m, &c, &g), 0);
    npu_step_eval(h, &g, r);
    double f;
    double e = npu_power_step(h, &g, r, &f);
    if (energy_j) *energy_j = e;
}

/* RNGD with `kb` KB of scratchpad per PE and, if bw_gbps > 0, that read bandwidth stated. */
static void rngd_with(npu_hw *h, double kb, double bw_gbps) {
    load_hw("rngd", h);
    h->sram[0].kb_per_unit = kb;
    h->sram[0].bandwidth_gbps = bw_gbps;
    assert_int_equal(npu_hw_finish(h, "test"), 0);
}

/* A scratchpad NPU whose SRAM holds a fifth of a small model decodes faster than the same
 * chip with a tiny SRAM, and streams fewer DRAM bytes: by nearly its whole SRAM (less the
 * kernels' tiles and the step's activations), at most all of it. The time saved is at least
 * those bytes at the DRAM peak less the same bytes at the stated SRAM bandwidth. */
static void test_scratchpad_decode_faster(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3.2-1b", &m), 0);
    npu_hw big, tiny;
    const double sram_gbps = 8000;
    rngd_with(&big, 32000, sram_gbps);
    rngd_with(&tiny, 64, sram_gbps);
    npu_step_result rb, rt;
    double eb, et;
    decode(&big, &m, 1, 1024, NPU_INT4, &rb, &eb);
    decode(&tiny, &m, 1, 1024, NPU_INT4, &rt, &et);
    double sram_B = 32000e3 * big.units; /* 256 MB */
    printf("  rngd llama3.2-1b int4 decode: %.4f ms (256 MB SRAM) vs %.4f ms (0.5 MB), DRAM %.4g vs %.4g B, "
           "resident %.4g B\n", rb.time_s * 1e3, rt.time_s * 1e3, rb.bytes, rt.bytes, rb.sram_bytes);
    assert_true(rb.sram_bytes > 0.97 * sram_B && rb.sram_bytes <= sram_B);
    assert_true(rt.sram_bytes == 0); /* 0.5 MB holds the tiles, nothing more */
    /* the resident bytes are exactly the DRAM bytes saved: the step reads the same weights */
    assert_true(fabs((rt.bytes - rb.bytes) - rb.sram_bytes) <= 1e-9 * rt.bytes);
    double saved_floor = rb.sram_bytes / big.mem_bw_Bps - rb.sram_bytes / (sram_gbps * 1e9);
    assert_true(rt.time_s - rb.time_s >= 0.9 * saved_floor);
    assert_true(eb < et); /* DRAM energy saved: the resident weights' one read is the operand feed */
}

/* GPU-like chips: the L2 is a hardware cache and shared memory lives for one kernel, so a
 * model far larger than the L2 (8B bf16 vs 50-256 MB) decodes exactly as on the same chip
 * with every SRAM level declared kernel-local (no cross-step role at all): nothing is read
 * from SRAM across steps. */
static void test_gpu_decode_unchanged(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    static const char *const gpus[] = {"h100-sxm", "b200", "mi300x", "l40s", "apple-m2-ultra-gpu76"};
    for (size_t i = 0; i < NPU_ARRAY_LEN(gpus); i++) {
        npu_hw h, none;
        load_hw(gpus[i], &h);
        load_hw(gpus[i], &none);
        for (int l = 0; l < none.n_sram; l++) npu_strlcpy(none.sram[l].role, "kernel", sizeof none.sram[l].role);
        assert_int_equal(npu_hw_finish(&none, "test"), 0);
        for (int batch = 1; batch <= 64; batch *= 8) {
            npu_step_result a, b;
            decode(&h, &m, batch, 2048, NPU_BF16, &a, NULL);
            decode(&none, &m, batch, 2048, NPU_BF16, &b, NULL);
            assert_true(a.sram_bytes == 0 && b.sram_bytes == 0);
            assert_true(a.time_s == b.time_s && a.bytes == b.bytes);
        }
    }
}

/* The role field acts: RNGD's SRAM declared a hardware cache keeps nothing of a model that
 * does not fit it; declared a scratchpad (its default) it pins. An unknown role is an error
 * naming the field and the closest role. */
static void test_role_field(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3.2-1b", &m), 0);
    npu_hw h;
    load_hw("rngd", &h);
    npu_step_result pad, cache;
    decode(&h, &m, 1, 1024, NPU_INT4, &pad, NULL);
    npu_strlcpy(h.sram[0].role, "cache", sizeof h.sram[0].role);
    assert_int_equal(npu_hw_finish(&h, "test"), 0);
    decode(&h, &m, 1, 1024, NPU_INT4, &cache, NULL);
    assert_true(pad.sram_bytes > 0 && cache.sram_bytes == 0);
    assert_true(cache.time_s > pad.time_s);
    npu_strlcpy(h.sram[0].role, "cahce", sizeof h.sram[0].role);
    assert_int_equal(npu_hw_finish(&h, "test"), -1);
    assert_non_null(strstr(npu_errmsg(), "sram[0].role"));
    assert_non_null(strstr(npu_errmsg(), "'cache'"));
}

/* More SRAM is never slower and never streams more DRAM bytes in decode, from no room for
 * residency to more than the whole model: the kernels' time at full clock at every batch,
 * and the step under the TDP where it is memory-bound (batch 1 and 16). (At batch 128 the
 * larger tiles more SRAM allows make RNGD's GEMMs compute-bound and the 180 W throttle then
 * slows the whole step: tiles are chosen at full clock, before the TDP, as before residency.) */
static void test_more_sram_never_slower(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3.2-3b", &m), 0);
    static const int batches[] = {1, 16, 128};
    for (size_t b = 0; b < NPU_ARRAY_LEN(batches); b++) {
        double last_t = INFINITY, last_full = INFINITY, last_B = INFINITY;
        for (double kb = 500; kb <= 512000; kb *= 2) {
            npu_hw h;
            rngd_with(&h, kb, 0);
            npu_step_cfg c = {.phase = NPU_PHASE_DECODE, .batch = batches[b], .seq = 1, .ctx = 2048,
                              .stack = NPU_STACK_FUSED, .wdt = NPU_FP8, .adt = NPU_BF16, .kvdt = NPU_BF16};
            npu_graph g;
            npu_step_result r;
            assert_int_equal(npu_graph_build(&m, &c, &g), 0);
            npu_step_eval(&h, &g, &r);
            assert_true(r.time_s <= last_full * (1 + 1e-12));
            assert_true(r.bytes <= last_B * (1 + 1e-12));
            last_full = r.time_s, last_B = r.bytes;
            double f;
            npu_power_step(&h, &g, &r, &f);
            if (batches[b] <= 16) assert_true(r.time_s <= last_t * (1 + 1e-12));
            last_t = r.time_s;
        }
    }
}

/* A model that fits the scratchpad entirely decodes at the SRAM's bandwidth: never faster
 * than its weights over the stated SRAM bandwidth; doubling the SRAM bandwidth speeds the
 * step up far more than doubling the DRAM (HBM stacks), which then carries only the KV
 * cache and activations. */
static void test_fits_entirely_sram_bound(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3.2-1b", &m), 0);
    const double gbps = 4000;
    npu_hw h, fast_sram, fast_dram;
    rngd_with(&h, 250000, gbps); /* 2 GB of SRAM: the whole int8 model (1.5 GB with its 16-bit head) */
    rngd_with(&fast_sram, 250000, 2 * gbps);
    rngd_with(&fast_dram, 250000, gbps);
    fast_dram.mem_stacks *= 2;
    fast_dram.mem_capacity_gb *= 2;
    assert_int_equal(npu_hw_finish(&fast_dram, "test"), 0);
    npu_step_result r, rs, rd;
    decode(&h, &m, 1, 512, NPU_INT8, &r, NULL);
    decode(&fast_sram, &m, 1, 512, NPU_INT8, &rs, NULL);
    decode(&fast_dram, &m, 1, 512, NPU_INT8, &rd, NULL);
    /* every weight is streamed (tied embeddings: the table is the lm_head's) */
    double weights = npu_plan_stage_weight_bytes(&m, (npu_plan){0}, 0, NPU_INT8);
    printf("  fits: %.4f ms; 2x SRAM bw %.4f ms; 2x DRAM %.4f ms; resident %.4g of %.4g B\n", r.time_s * 1e3,
           rs.time_s * 1e3, rd.time_s * 1e3, r.sram_bytes, weights);
    assert_true(r.sram_bytes >= 0.99 * weights);
    assert_true(r.time_s >= r.sram_bytes / (gbps * 1e9));
    assert_true(rs.time_s < 0.7 * r.time_s);
    assert_true(rd.time_s > 0.9 * r.time_s);
}

/* A hardware cache holds the weights across steps only when the step's whole set fits it:
 * MI300X's Infinity Cache (17 TB/s stated) grown to 4 GB holds Llama-3.2-1B int4 (1.05 GB
 * streamed) and decodes it faster, from fewer DRAM bytes; at its real 256 MB (a quarter
 * of the weights) an LRU cache scanned cyclically hits nothing: no resident bytes at all. */
static void test_cache_only_when_all_fits(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3.2-1b", &m), 0);
    npu_hw h, big;
    load_hw("mi300x", &h);
    load_hw("mi300x", &big);
    int ic = big.n_sram - 1;
    assert_string_equal(big.sram[ic].level, "infinity_cache");
    big.sram[ic].mb = 4000;
    assert_int_equal(npu_hw_finish(&big, "test"), 0);
    npu_step_result r, rb;
    decode(&h, &m, 1, 1024, NPU_INT4, &r, NULL);
    decode(&big, &m, 1, 1024, NPU_INT4, &rb, NULL);
    assert_true(r.sram_bytes == 0);
    assert_true(rb.sram_bytes > 0.9e9 && rb.bytes < 0.2 * r.bytes);
    assert_true(rb.time_s < r.time_s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scratchpad_decode_faster),
        cmocka_unit_test(test_gpu_decode_unchanged),
        cmocka_unit_test(test_role_field),
        cmocka_unit_test(test_cache_only_when_all_fits),
        cmocka_unit_test(test_more_sram_never_slower),
        cmocka_unit_test(test_fits_entirely_sram_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
