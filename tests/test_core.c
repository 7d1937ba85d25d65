/* Unit tests: util, memory technologies, hardware and model descriptions. */
#include "testutil.h"
#include "npusim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DATA "tests/data/hf/"

static void test_dtype_parse(void **st) {
    (void)st;
    npu_dtype t;
    assert_int_equal(npu_dtype_parse("fp8", &t), 0);
    assert_int_equal(t, NPU_FP8);
    assert_int_equal(npu_dtype_parse("bf61", &t), -1);
    assert_non_null(strstr(npu_errmsg(), "bf16"));
    assert_true(npu_dtype_bytes(NPU_INT4) == 0.5);
}

static void test_closest(void **st) {
    (void)st;
    const char *names[] = {"h100-sxm", "h200-sxm", "a100-sxm-80gb"};
    assert_string_equal(npu_closest("h100-smx", names, 3), "h100-sxm");
    assert_null(npu_closest("zzzzzzzzzzzzzz", names, 3));
}

/* 6 stacks of 12-high SK hynix HBM3E: 6 x 1024 bit x 9.6 Gb/s / 8 = 7372.8 GB/s,
 * 6 x 12 x 24 Gbit / 8 = 216 GB (hand-computed). */
static void test_memtech_math(void **st) {
    (void)st;
    const npu_memtech *t = npu_memtech_find("hbm3e-skhynix");
    assert_non_null(t);
    assert_true(fabs(npu_memtech_bandwidth_Bps(t, 6, 0) - 7372.8e9) < 1e6);
    /* 6 stacks x 12 dies x 24 Gbit = 216 GiB: DRAM dies hold 2^n bits */
    assert_true(fabs(npu_memtech_capacity_B(t, 6, 12) - 216.0 * 1073741824.0) < 1e6);
    assert_null(npu_memtech_find("hbm3e-skhinix2"));
    assert_non_null(strstr(npu_errmsg(), "did you mean"));
}

static void test_hw_preset_peaks(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    /* 132 SMs x 1830 MHz x 2048 MAC x 2 = 989.4 TFLOP/s (datasheet) */
    assert_true(fabs(npu_hw_peak_flops(&h, NPU_BF16) - 989.4e12) / 989.4e12 < 0.001);
    assert_true(fabs(h.mem_bw_Bps - 3.35e12) / 3.35e12 < 0.01);
    assert_true(fabs(h.mem_bytes - 80.0 * 1073741824.0) < 1e6); /* "80 GB" = 80 GiB */
    /* every required preset loads */
    const char *req[] = {"a100-sxm-80gb", "h100-sxm", "h100-pcie", "h200-sxm", "b200", "mi300x", "mi325x",
                         "tpu-v5e", "tpu-v5p", "tpu-v6e", "gaudi3", "l40s", "rngd", "atom", "rebel-quad", "dx-m1"};
    for (size_t i = 0; i < NPU_ARRAY_LEN(req); i++) {
        assert_int_equal(npu_hw_load(req[i], &h), 0);
        assert_true(h.mem_bw_Bps > 0 && h.mem_bytes > 0);
    }
}

static void test_hw_roundtrip(void **st) {
    (void)st;
    npu_hw a, b;
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        assert_int_equal(npu_hw_load(npu_hw_preset_name(i), &a), 0);
        cJSON *j = npu_hw_to_json(&a);
        assert_int_equal(npu_hw_from_json(j, "roundtrip", &b), 0);
        cJSON_Delete(j);
        assert_true(npu_hw_peak_flops(&a, NPU_BF16) == npu_hw_peak_flops(&b, NPU_BF16));
        assert_true(a.mem_bw_Bps == b.mem_bw_Bps && a.mem_bytes == b.mem_bytes);
        assert_memory_equal(&a.eff, &b.eff, sizeof a.eff);
    }
}

/* The built-in default mechanism is the H100 calibration, not a second copy that drifts. */
static void test_default_eff_is_h100_fit(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_true(h.eff_from_file);
    for (int i = 0; i < NPU_EFF_NPARAM; i++) {
        npu_eff d = npu_eff_default;
        assert_true(fabs(*npu_eff_param(&h.eff, i) - *npu_eff_param(&d, i)) < 1e-9);
    }
}

static void test_hw_errors(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("h100-smx", &h), -1);
    assert_non_null(strstr(npu_errmsg(), "h100-sxm"));
    cJSON *j = cJSON_Parse("{\"name\":\"x\",\"matrix\":{\"units\":1,\"clock_mhz\":1,\"macs_per_cycle\":{\"bf16\":1},"
                           "\"source\":\"s\"},\"memory\":{\"technology\":\"hbm3\",\"stacks\":1,\"source\":\"s\"},\"memroy\":1}");
    assert_int_equal(npu_hw_from_json(j, "f.json", &h), -1);
    assert_non_null(strstr(npu_errmsg(), "memroy"));
    cJSON_Delete(j);
    assert_int_equal(npu_hw_load("/nonexistent/x.json", &h), -1);
}

static void test_model_presets(void **st) {
    (void)st;
    const char *req[] = {"llama2-7b", "llama2-13b", "llama2-70b", "llama3-8b", "llama3-70b", "llama3.1-405b",
                         "llama3.2-1b", "llama3.2-3b", "mistral-7b", "qwen2.5-7b", "qwen2.5-72b", "gpt3-175b",
                         "gpt-j-6b", "mixtral-8x7b"};
    npu_model m;
    for (size_t i = 0; i < NPU_ARRAY_LEN(req); i++) assert_int_equal(npu_model_load(req[i], &m), 0);
    /* published parameter counts (model cards): Llama-2-7B 6,738,415,616; Llama-3-8B 8,030,261,248 */
    assert_int_equal(npu_model_load("llama2-7b", &m), 0);
    assert_true(fabs(npu_model_params(&m, false) - 6738415616.0) < 1);
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    assert_true(fabs(npu_model_params(&m, false) - 8030261248.0) < 1);
    /* Mixtral 8x7B: 46.7 B total, 12.9 B active (Mistral AI) */
    assert_int_equal(npu_model_load("mixtral-8x7b", &m), 0);
    assert_true(fabs(npu_model_params(&m, false) / 46.7e9 - 1) < 0.01);
    assert_true(fabs(npu_model_params(&m, true) / 12.9e9 - 1) < 0.02);
}

static void test_model_hf(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load(DATA "llama3-8b.json", &m), 0);
    assert_int_equal(m.layers, 32);
    assert_int_equal(m.kv_heads, 8);
    assert_int_equal(m.ffn, 14336);
    assert_int_equal(m.vocab, 128256);
    assert_int_equal(npu_model_load(DATA "gpt2.json", &m), 0);
    assert_int_equal(m.ffn, 4 * m.hidden); /* n_inner absent -> 4 x n_embd */
    assert_int_equal(m.norm, NPU_NORM_LAYER);
    assert_int_equal(m.pos, NPU_POS_LEARNED);
    assert_int_equal(npu_model_load(DATA "qwen2.5-7b.json", &m), 0);
    assert_true(m.attn_bias);
    assert_int_equal(npu_model_load(DATA "gpt-j-6b.json", &m), 0);
    assert_true(m.parallel_block);
    assert_int_equal(npu_model_load(DATA "mixtral-8x7b.json", &m), 0);
    assert_int_equal(m.moe.experts, 8);
    assert_int_equal(m.moe.top_k, 2);
    assert_int_equal(npu_model_load(DATA "opt-1.3b.json", &m), 0);
    assert_int_equal(m.act, NPU_ACT_RELU);
}

static void test_model_hf_errors(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load(DATA "bad-arch.json", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "Mamba"));
    assert_int_equal(npu_model_load(DATA "bad-heads.json", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "divisible"));
    assert_int_equal(npu_model_load(DATA "bad-syntax.json", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "line"));
    assert_int_equal(npu_model_load("lama3-8b", &m), -1);
    assert_non_null(strstr(npu_errmsg(), "llama3-8b"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dtype_parse),      cmocka_unit_test(test_closest),
        cmocka_unit_test(test_memtech_math),     cmocka_unit_test(test_hw_preset_peaks),
        cmocka_unit_test(test_hw_roundtrip),     cmocka_unit_test(test_default_eff_is_h100_fit),
        cmocka_unit_test(test_hw_errors),        cmocka_unit_test(test_model_presets),
        cmocka_unit_test(test_model_hf),         cmocka_unit_test(test_model_hf_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
