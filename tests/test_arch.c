/* Unit tests: the hardware schema as built (matrix engine, operand path, vector
 * units, GEMV path, power scope, SRAM-only memory) -- issue 11. */
#include "testutil.h"
#include "npusim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* h100-sxm with `patch` (a JSON object) merged into section `sec` ("" = top level). */
static int h100_patched(const char *sec, const char *patch, npu_hw *out) {
    npu_hw h;
    if (npu_hw_load("h100-sxm", &h)) return -2;
    cJSON *j = npu_hw_to_json(&h);
    cJSON *o = sec[0] ? cJSON_GetObjectItemCaseSensitive(j, sec) : j;
    cJSON *p = cJSON_Parse(patch);
    if (!p) {
        cJSON_Delete(j);
        return -3;
    }
    cJSON *it = p->child;
    while (it) {
        cJSON *next = it->next;
        cJSON_DeleteItemFromObjectCaseSensitive(o, it->string);
        cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, true));
        it = next;
    }
    cJSON_Delete(p);
    int rc = npu_hw_from_json(j, "edit.json", out);
    cJSON_Delete(j);
    return rc;
}

static void expect_patch_error(const char *sec, const char *patch, const char *needle) {
    npu_hw h;
    int rc = h100_patched(sec, patch, &h);
    if (rc != -1 || !strstr(npu_errmsg(), needle)) printf("patch %s: rc %d '%s'\n", patch, rc, npu_errmsg());
    assert_int_equal(rc, -1);
    assert_non_null(strstr(npu_errmsg(), "edit.json"));
    assert_non_null(strstr(npu_errmsg(), needle));
}

/* Every new field is read, validated and written back: a file with all of them
 * round-trips to the same derived block. */
static void test_schema_roundtrip_new_fields(void **st) {
    (void)st;
    npu_hw a, b;
    assert_int_equal(h100_patched("matrix",
                                  "{\"engine\":{\"type\":\"mma\",\"per_unit\":4,\"m\":64,\"n\":256,\"k\":16,"
                                  "\"dataflow\":\"output-stationary\",\"accumulators\":\"registers\",\"source\":\"s\"},"
                                  "\"gemv\":{\"path\":\"dedicated\",\"max_rows\":4,\"source\":\"s\"},"
                                  "\"peak_tflops\":{\"bf16\":989.4,\"fp8\":1978.9,\"tf32\":494.7}}",
                                  &a),
                     0);
    assert_int_equal(a.eng, NPU_ENGINE_MMA);
    assert_int_equal(a.eng_per_unit, 4);
    assert_int_equal(a.eng_m, 64);
    assert_int_equal(a.gemv, NPU_GEMV_DEDICATED);
    assert_int_equal(a.gemv_max_rows, 4);
    cJSON *j = npu_hw_to_json(&a);
    assert_int_equal(npu_hw_from_json(j, "rt", &b), 0);
    cJSON_Delete(j);
    assert_int_equal(b.eng, a.eng);
    assert_int_equal(b.eng_m * b.eng_n * b.eng_k, 64 * 256 * 16);
    assert_true(b.peak_tflops[NPU_BF16] == 989.4 && b.tf32_peak_tflops == 494.7);
    assert_string_equal(b.gemv_desc.path, "dedicated");
}

/* Vector units with their own count, clock and per-datatype rates (Gaudi: 64 TPCs
 * beside 8 MMEs; H100: CUDA cores at 1980 MHz while the tensor peaks hold at 1830). */
static void test_vector_units_and_clock(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(h100_patched("vector",
                                  "{\"clock_mhz\":1980,\"units\":132,\"width_bits\":4096,"
                                  "\"ops_per_cycle\":{\"bf16\":512,\"int8\":1024}}",
                                  &h),
                     0);
    /* 132 x 256 x 1.98 GHz = 66.9 TFLOP/s: the datasheet's FP32 figure */
    assert_true(fabs(h.vec_flops - 66.9e12) / 66.9e12 < 0.002);
    assert_true(fabs(h.vec_ops[NPU_BF16] - 2 * h.vec_flops) < 1);
    assert_true(fabs(h.vec_ops[NPU_INT8] - 4 * h.vec_flops) < 1);
    assert_true(h.vec_ops[NPU_INT4] == h.vec_ops[NPU_INT8]); /* unstated: the int8 rate */
    assert_true(h.vec_ops[NPU_FP16] == h.vec_ops[NPU_BF16]); /* unstated: the other 16-bit rate */
    /* stated peak checked against the vector rate when there are no fp32 matrix MACs (the
     * preset's CUDA cores give 66.9 at 1980 MHz; 50 is no clock's figure) */
    assert_int_equal(h100_patched("matrix", "{\"peak_tflops\":{\"fp32\":50}}", &h), -1);
    assert_non_null(strstr(npu_errmsg(), "vector.clock_mhz"));
    expect_patch_error("vector", "{\"clock_mhz\":99999}", "vector.clock_mhz");
    expect_patch_error("vector", "{\"ops_per_cycle\":{\"fp32\":3}}", "fp32");
}

/* A stated peak that units x clock x MACs cannot give is an error naming the clock that would. */
static void test_peak_checked(void **st) {
    (void)st;
    expect_patch_error("matrix", "{\"peak_tflops\":{\"bf16\":1979}}", "peak_tflops.bf16");
    assert_non_null(strstr(npu_errmsg(), "MHz would give"));
    expect_patch_error("matrix", "{\"peak_tflops\":{\"int4\":100}}", "macs_per_cycle.int4 is 0");
    npu_hw h;
    /* recorded datatypes (no npu_dtype yet): kept, written back, checked */
    assert_int_equal(h100_patched("matrix",
                                  "{\"macs_per_cycle\":{\"bf16\":2048,\"fp16\":2048,\"fp8\":4096,\"int8\":4096,"
                                  "\"fp4\":8192},\"peak_tflops\":{\"fp4\":3957.8}}",
                                  &h),
                     0);
    assert_true(h.xmacs_per_cycle[0] == 8192);
    expect_patch_error("matrix",
                       "{\"macs_per_cycle\":{\"bf16\":2048,\"fp4\":8192},\"peak_tflops\":{\"fp4\":9000}}",
                       "peak_tflops.fp4");
}

/* Engine geometry: names and shapes checked; defaults follow the kind. */
static void test_engine_validation(void **st) {
    (void)st;
    expect_patch_error("matrix", "{\"engine\":{\"type\":\"systolik\"}}", "did you mean 'systolic'");
    expect_patch_error("matrix", "{\"engine\":{\"type\":\"mma\",\"rows\":128}}", "rows/cols");
    expect_patch_error("matrix", "{\"engine\":{\"type\":\"systolic\",\"m\":128}}", "m/n/k");
    expect_patch_error("matrix", "{\"engine\":{\"type\":\"none\",\"dataflow\":\"weight-stationary\"}}", "dataflow");
    /* 2048 MAC/cycle/unit cannot be a 256 x 256 array */
    expect_patch_error("matrix", "{\"engine\":{\"type\":\"systolic\",\"rows\":256,\"cols\":256}}", "within 4x");
    expect_patch_error("matrix", "{\"gemv\":{\"path\":\"vector\",\"granule\":8}}", "granule");
    expect_patch_error("matrix", "{\"gemv\":{\"path\":\"matrix\",\"max_rows\":8}}", "max_rows");
    expect_patch_error("matrix", "{\"gemv\":{\"path\":\"gemv\"}}", "matrix.gemv.path");
    npu_hw h;
    /* a stated systolic array on a GPU-kind chip: weight-stationary, M streams (granule 1);
     * the preset states a dedicated GEMV path, so the patch names the matrix path */
    assert_int_equal(h100_patched("matrix",
                                  "{\"engine\":{\"type\":\"systolic\",\"rows\":32,\"cols\":64},"
                                  "\"gemv\":{\"path\":\"matrix\"}}",
                                  &h),
                     0);
    assert_int_equal(h.flow, NPU_FLOW_WEIGHT);
    assert_int_equal(h.eng_k, 32);
    assert_int_equal(h.eng_n, 64);
    assert_int_equal(h.gemv, NPU_GEMV_MATRIX);
    assert_int_equal(h.gemv_granule, 1);
}

/* Defaults derived from kind and the existing fields (every current preset loads unchanged). */
static void test_kind_defaults(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_true(h.gpu_like);
    assert_int_equal(h.eng, NPU_ENGINE_MMA);
    assert_int_equal(h.gemv, NPU_GEMV_DEDICATED);
    assert_int_equal(h.accum, NPU_ACC_REGISTERS);
    assert_int_equal(npu_hw_load("tpu-v5e", &h), 0);
    assert_false(h.gpu_like);
    assert_int_equal(h.eng, NPU_ENGINE_SYSTOLIC);
    assert_int_equal(h.flow, NPU_FLOW_WEIGHT);
    assert_int_equal(h.eng_k * h.eng_n, 128 * 128); /* 16384 bf16 MAC/cycle per MXU */
    assert_int_equal(h.gemv_granule, 8);            /* 8-row sublanes */
    assert_int_equal(npu_hw_load("gaudi3", &h), 0);
    assert_int_equal(h.eng_m * h.eng_k * h.eng_n, 256 * 256); /* one 256 x 256 MME, output-stationary */
    assert_int_equal(npu_hw_load("apple-m2-ultra-gpu76", &h), 0);
    assert_int_equal(h.eng, NPU_ENGINE_NONE);
    assert_int_equal(h.gemv, NPU_GEMV_VECTOR);
    assert_true(h.gpu_like);
    /* the feeding level defaults to the first per-unit level (H100 smem 228 KB) */
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_true(h.feed_level == 0 && h.feed_bytes_per_unit == 228e3);
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        assert_int_equal(npu_hw_load(npu_hw_preset_name(i), &h), 0);
        assert_true(h.eng_m >= 1 && h.eng_n >= 1 && h.eng_k >= 1 && h.gemv_granule >= 1);
        for (int t = 0; t < NPU_DTYPE_COUNT; t++) assert_true(h.vec_ops[t] > 0 && isfinite(h.vec_ops[t]));
    }
}

/* Operand path: one feeding level, bandwidth from bytes per cycle, consistency. */
static void test_operand_path(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(h100_patched("",
                                  "{\"sram\":[{\"level\":\"smem\",\"kb_per_unit\":228,\"bytes_per_cycle\":128,"
                                  "\"source\":\"s\"},{\"level\":\"l2\",\"mb\":50,\"feeds_matrix\":true,"
                                  "\"bandwidth_gbps\":12000,\"source\":\"s\"}]}",
                                  &h),
                     0);
    assert_int_equal(h.feed_level, 1);
    assert_true(fabs(h.feed_Bps_per_unit - 12000e9 / 132) < 1);
    assert_true(fabs(h.feed_bytes_per_unit - 50e6 / 132) < 1);
    expect_patch_error("",
                       "{\"sram\":[{\"level\":\"a\",\"kb_per_unit\":1,\"feeds_matrix\":true,\"source\":\"s\"},"
                       "{\"level\":\"b\",\"mb\":1,\"feeds_matrix\":true,\"source\":\"s\"}]}",
                       "feeds_matrix");
    /* 128 B/clk x 132 x 1.83 GHz = 30.9 TB/s, not 1 TB/s */
    expect_patch_error("",
                       "{\"sram\":[{\"level\":\"smem\",\"kb_per_unit\":228,\"bytes_per_cycle\":128,"
                       "\"bandwidth_gbps\":1000,\"source\":\"s\"}]}",
                       "within 5%");
    expect_patch_error("", "{\"sram\":[{\"level\":\"x\",\"kb_per_unit\":1,\"mb\":2,\"source\":\"s\"}]}", "not both");
}

/* A chip without DRAM: capacity and bandwidth from its SRAM. */
static void test_sram_only_memory(void **st) {
    (void)st;
    npu_hw h;
    const char *sram = "{\"sram\":[{\"level\":\"mem\",\"mb\":230,\"bandwidth_gbps\":80000,\"source\":\"s\"}],"
                       "\"memory\":{\"technology\":\"none\",\"source\":\"s\"}}";
    assert_int_equal(h100_patched("", sram, &h), 0);
    assert_true(h.sram_main && h.memtech == NULL);
    assert_true(h.mem_bytes == 230e6 && h.mem_bw_Bps == 80000e9);
    cJSON *j = npu_hw_to_json(&h);
    npu_hw b;
    assert_int_equal(npu_hw_from_json(j, "rt", &b), 0);
    cJSON_Delete(j);
    assert_true(b.sram_main && b.mem_bytes == h.mem_bytes);
    expect_patch_error("", "{\"memory\":{\"technology\":\"none\",\"stacks\":2,\"source\":\"s\"}}", "no DRAM");
    expect_patch_error("",
                       "{\"sram\":[{\"level\":\"mem\",\"mb\":230,\"source\":\"s\"}],"
                       "\"memory\":{\"technology\":\"none\",\"source\":\"s\"}}",
                       "bandwidth");
    expect_patch_error("", "{\"sram\":[],\"memory\":{\"technology\":\"none\",\"source\":\"s\"}}", "mb > 0");
}

/* Power scope: a system figure's accelerator share is what the throttle sees. */
static void test_power_scope(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(h100_patched("power", "{\"scope\":\"system\",\"accelerator_share\":0.5,\"tdp_w\":700}", &h), 0);
    assert_true(h.scope == NPU_SCOPE_SYSTEM && h.tdp_accel_w == 350);
    expect_patch_error("power", "{\"scope\":\"board\",\"accelerator_share\":0.5}", "accelerator_share");
    expect_patch_error("power", "{\"scope\":\"wall\"}", "power.scope");
    expect_patch_error("power", "{\"scope\":\"system\",\"accelerator_share\":1.5}", "accelerator_share");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_roundtrip_new_fields), cmocka_unit_test(test_vector_units_and_clock),
        cmocka_unit_test(test_peak_checked),                cmocka_unit_test(test_engine_validation),
        cmocka_unit_test(test_kind_defaults),               cmocka_unit_test(test_operand_path),
        cmocka_unit_test(test_sram_only_memory),            cmocka_unit_test(test_power_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
