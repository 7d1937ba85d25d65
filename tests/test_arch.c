/* Unit tests: the hardware schema as built (matrix engine, operand path, vector
 * units, GEMV path, power scope, SRAM-only memory) -- issue 11. */
#include "testutil.h"
#include "npu_all.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
    /* unstated rates: 16-bit packs two per 32-bit lane, int8 four; Apple's GPU ALUs run fp16 at the fp32 rate */
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_true(fabs(h.vec_ops[NPU_BF16] - 2 * h.vec_flops) < 1 && fabs(h.vec_ops[NPU_INT8] - 4 * h.vec_flops) < 1);
    assert_int_equal(npu_hw_load("apple-m2-ultra-gpu76", &h), 0);
    assert_true(h.vec_ops[NPU_FP16] == h.vec_flops && h.vec_ops[NPU_INT8] == h.vec_flops);
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
    /* fp4 (an npu_dtype since the quantization formats, issue 11 part 3): kept, written back, checked */
    assert_int_equal(h100_patched("matrix",
                                  "{\"macs_per_cycle\":{\"bf16\":2048,\"fp16\":2048,\"fp8\":4096,\"int8\":4096,"
                                  "\"fp4\":8192},\"peak_tflops\":{\"fp4\":3957.8}}",
                                  &h),
                     0);
    assert_true(h.macs_per_cycle[NPU_FP4] == 8192);
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
    /* the throttle holds the accelerator's share, not the wall figure */
    npu_kernel k = npu_kernel_gemm("g", 8192, 8192, 8192, NPU_BF16, NPU_BF16);
    double t, w = npu_power_sustained_w(&h, &k, &t);
    assert_true(w <= 350.0 + 1e-6 && w > 300);
    expect_patch_error("power", "{\"scope\":\"board\",\"accelerator_share\":0.5}", "accelerator_share");
    expect_patch_error("power", "{\"scope\":\"wall\"}", "power.scope");
    expect_patch_error("power", "{\"scope\":\"system\",\"accelerator_share\":1.5}", "accelerator_share");
}

/* ---- kernel costs from the geometry (issue 11, part 2) ---- */

/* Dequantization: 3 vector ops per weight at the compute datatype's vector rate, and int4's group of 128
 * decodes its fp16 scale and 4-bit zero point once (2 ops: docs/quantization.md); none when not narrower. */
static void test_dequant_cost(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    double n = 1e9;
    assert_true(fabs(npu_cost_dequant_s(&h, NPU_INT4, NPU_BF16, n) - n * (3 + 2 / 128.0) / (h.vec_ops[NPU_BF16] * h.eff.vec_eff)) < 1e-12);
    assert_true(npu_cost_dequant_s(&h, NPU_BF16, NPU_BF16, n) == 0);
    assert_true(npu_cost_dequant_s(&h, NPU_FP32, NPU_BF16, n) == 0);
    /* at the 16-bit rate, not the fp32 FLOP rate: twice as fast as the old 4 FLOP at fp32 */
    assert_true(npu_cost_dequant_s(&h, NPU_INT4, NPU_BF16, n) < n * 4 / (h.vec_flops * h.eff.vec_eff) / 2);
}

/* Gaudi 3: one 256x256 tile at K = 4096 takes ~3 us; the H100's fixed 3.46 us per wave
 * doubled it (645 TFLOP/s of 1835 at 4096^3). Its own wave cost leaves it compute-bound
 * near its peak at full clock. */
static void test_wave_cost_from_geometry(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("gaudi3", &h), 0);
    npu_kernel k = npu_kernel_gemm("g", 4096, 4096, 4096, NPU_BF16, NPU_BF16);
    npu_kcost c = npu_cost_kernel(&h, &k, NPU_IN_STEP);
    assert_true(k.flops / c.time_s > 0.6 * h.peak_flops[NPU_BF16]);
    assert_true(k.flops / c.time_s <= h.peak_flops[NPU_BF16]);
    /* the H100 keeps its fitted wave: its 8192^3 GEMM stays below 85 % of peak */
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    k = npu_kernel_gemm("g", 8192, 8192, 8192, NPU_BF16, NPU_BF16);
    c = npu_cost_kernel(&h, &k, NPU_IN_STEP);
    assert_true(k.flops / c.time_s < 0.85 * h.peak_flops[NPU_BF16]);
}

/* A weight-stationary array loads a rows x cols weight block one row per cycle: a GEMV
 * takes at least N*K / (cols weights per cycle per array) cycles; stating a faster
 * feeding SRAM lifts that bound. */
static void test_systolic_weight_load(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("tpu-v5e", &h), 0);
    assert_int_equal(h.eng_k, 128);
    npu_kernel k = npu_kernel_gemm("g", 1, 16384, 16384, NPU_BF16, NPU_BF16);
    npu_kcost c = npu_cost_kernel(&h, &k, NPU_IN_STEP);
    double engines = (double)h.units * h.eng_per_unit;
    double load_s = 16384.0 * 16384.0 / (engines * h.eng_n * h.clock_mhz * 1e6);
    assert_true(c.compute_s >= load_s);
    /* a 256x256 weight-stationary array fills and drains rows + cols cycles per tile: a 256-row
     * tile (a whole pass) costs more than its FLOPs at peak */
    assert_int_equal(npu_hw_load("gaudi3", &h), 0);
    k = npu_kernel_gemm("g", 256, 256, 256, NPU_BF16, NPU_BF16);
    c = npu_cost_kernel(&h, &k, NPU_IN_STEP);
    assert_true(c.compute_s > k.flops / (h.peak_flops[NPU_BF16] / h.units) + 511.0 / (h.clock_mhz * 1e6));
}

/* Output-stationary arrays pad few rows to their rows, or to a stated reshape granule. */
static void test_output_stationary_reshape(void **st) {
    (void)st;
    npu_hw a, b;
    assert_int_equal(npu_hw_load("gaudi3", &a), 0);
    cJSON *j = npu_hw_to_json(&a);
    cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "matrix");
    cJSON_DeleteItemFromObjectCaseSensitive(m, "engine");
    cJSON_DeleteItemFromObjectCaseSensitive(m, "gemv");
    cJSON_AddItemToObject(m, "engine", cJSON_Parse("{\"type\":\"systolic\",\"rows\":256,\"cols\":256,"
                                                   "\"dataflow\":\"output-stationary\"}"));
    assert_int_equal(npu_hw_from_json(j, "os.json", &a), 0);
    cJSON_AddItemToObject(m, "gemv", cJSON_Parse("{\"path\":\"matrix\",\"granule\":64}"));
    assert_int_equal(npu_hw_from_json(j, "os64.json", &b), 0);
    cJSON_Delete(j);
    assert_int_equal(a.gemv_granule, 256);
    a.mem_stacks = b.mem_stacks = 64; /* 29 TB/s: the GEMV's engine time shows, not its bytes */
    assert_int_equal(npu_hw_finish(&a, "os.json"), 0);
    assert_int_equal(npu_hw_finish(&b, "os64.json"), 0);
    npu_kernel k = npu_kernel_gemm("g", 1, 65536, 8192, NPU_BF16, NPU_BF16);
    npu_kcost ca = npu_cost_kernel(&a, &k, NPU_IN_STEP), cb = npu_cost_kernel(&b, &k, NPU_IN_STEP);
    /* 256 padded rows vs 64: the engine time drops ~4x */
    assert_true(ca.time_s > 3 * cb.time_s);
}

/* The SRAM that feeds the engines limits them when it is stated slower than the tile needs. */
static void test_operand_starvation(void **st) {
    (void)st;
    npu_hw a, b;
    assert_int_equal(npu_hw_load("gaudi3", &a), 0);
    b = a;
    b.sram[0].bandwidth_gbps = 1000; /* 1 TB/s instead of 12.8 for 1835 TFLOP/s */
    assert_int_equal(npu_hw_finish(&b, "slow.json"), 0);
    npu_kernel k = npu_kernel_gemm("g", 8192, 8192, 8192, NPU_BF16, NPU_BF16);
    npu_kcost ca = npu_cost_kernel(&a, &k, NPU_IN_STEP), cb = npu_cost_kernel(&b, &k, NPU_IN_STEP);
    /* no faster than the slow SRAM delivers the operands: 2 x (1/256 + 1/256) / 2 bytes per FLOP
     * of a 256-row tile on 256 columns */
    assert_true(cb.compute_s >= k.flops * (2.0 / 256 + 2.0 / 256) / 2.0 / 1000e9);
    assert_true(cb.compute_s > 5 * ca.compute_s);
}

/* A GEMM whose operands do not fit on chip re-reads them from DRAM: more bytes than compulsory. */
static void test_dram_rereads(void **st) {
    (void)st;
    npu_hw a, b;
    assert_int_equal(npu_hw_load("dx-m1", &a), 0);
    b = a;
    b.sram[0].kb_per_unit = 1e6; /* 1 GB per core: everything fits */
    assert_int_equal(npu_hw_finish(&b, "big.json"), 0);
    npu_kernel k = npu_kernel_gemm("g", 8192, 14336, 4096, NPU_INT8, NPU_INT8);
    npu_kcost ca = npu_cost_kernel(&a, &k, NPU_IN_STEP), cb = npu_cost_kernel(&b, &k, NPU_IN_STEP);
    assert_true(ca.memory_s > 1.5 * cb.memory_s);
    assert_true(cb.memory_s >= k.bytes / a.mem_bw_Bps);
}

/* Operand delivery energy: accumulators through the registers every 8-deep step (MFMA
 * 32x32x8) cost more per FLOP than Hopper's wgmma; accumulators kept in the engine less. */
static void test_operand_energy(void **st) {
    (void)st;
    npu_hw h, mfma, tmem;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_int_equal(h100_patched("matrix", "{\"engine\":{\"type\":\"mma\",\"m\":32,\"n\":32,\"k\":8}}", &mfma), 0);
    assert_int_equal(h100_patched("matrix",
                                  "{\"engine\":{\"type\":\"mma\",\"m\":128,\"n\":256,\"k\":16,"
                                  "\"accumulators\":\"engine\"}}",
                                  &tmem),
                     0);
    assert_true(fabs(mfma.acc_bits_per_flop - 4.0) < 1e-12 && fabs(h.acc_bits_per_flop - 2.0) < 1e-12);
    assert_true(tmem.acc_bits_per_flop == 0);
    double e = h.energy.pj_per_flop[NPU_BF16];
    assert_true(mfma.energy.pj_per_flop[NPU_BF16] > e + 0.25); /* 2 more bits x 0.148 pJ + inputs */
    assert_true(tmem.energy.pj_per_flop[NPU_BF16] < e - 0.25);
}

/* Non-GPU kinds get the physical efficiency defaults; GPU-like ones the H100 fit. */
static void test_physical_defaults(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("tpu-v5e", &h), 0);
    assert_true(h.eff.matrix_eff == 1 && h.eff.gemm_mem_eff == 1 && h.eff.unit_bw_share == h.units);
    assert_true(h.eff.mem_eff == npu_eff_default.mem_eff && h.eff.launch_us == npu_eff_default.launch_us);
    assert_int_equal(npu_hw_load("apple-m1-gpu7", &h), 0);
    assert_memory_equal(&h.eff, &npu_eff_default, sizeof h.eff);
    npu_eff e = npu_eff_physical(8, true);
    assert_true(e.mem_eff == 1 && e.kernel_us == 2 * e.mem_lat_us);
}

/* An SRAM-only chip streams its weights from SRAM: a decode GEMV is bound by that bandwidth. */
static void test_sram_only_decode(void **st) {
    (void)st;
    npu_hw h;
    cJSON *j = cJSON_Parse("{\"name\":\"lpu\",\"kind\":\"lpu\",\"matrix\":{\"units\":4,\"clock_mhz\":915.5,"
                           "\"macs_per_cycle\":{\"fp16\":25600,\"int8\":102400},\"source\":\"s\"},"
                           "\"sram\":[{\"level\":\"mem\",\"mb\":230,\"bandwidth_gbps\":80000,\"source\":\"s\"}],"
                           "\"memory\":{\"technology\":\"none\",\"source\":\"s\"}}");
    assert_int_equal(npu_hw_from_json(j, "lpu.json", &h), 0);
    cJSON_Delete(j);
    assert_true(h.eff.mem_eff == 1); /* SRAM streams at its peak */
    npu_kernel k = npu_kernel_gemm("g", 1, 8192, 8192, NPU_BF16, NPU_BF16);
    npu_kcost c = npu_cost_kernel(&h, &k, NPU_IN_STEP);
    assert_true(c.time_s >= k.bytes / 80000e9);
    assert_true(c.memory_s < k.bytes / 80000e9 * 1.2 + 1e-6);
}

/* Snapdragon llama3-8b int4 decode: 225 ms and compute-bound before (GEMVs as padded tiles,
 * dequantization serial at the fp32 rate); now near its 61 ms streaming floor. */
static void test_phone_npu_int4_decode(void **st) {
    (void)st;
    npu_hw h;
    npu_model m;
    assert_int_equal(npu_hw_load("snapdragon-8g3-npu", &h), 0);
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    npu_run_cfg c = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 1024, .wdt = NPU_INT4, .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_run_result *r = malloc(sizeof *r);
    assert_non_null(r);
    assert_int_equal(npu_run(&m, &h, &c, r), 0);
    double floor_s = r->step.bytes / h.mem_bw_Bps;
    assert_true(r->latency_s >= floor_s && r->latency_s < 1.5 * floor_s);
    free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_roundtrip_new_fields), cmocka_unit_test(test_vector_units_and_clock),
        cmocka_unit_test(test_peak_checked),                cmocka_unit_test(test_engine_validation),
        cmocka_unit_test(test_kind_defaults),               cmocka_unit_test(test_operand_path),
        cmocka_unit_test(test_sram_only_memory),            cmocka_unit_test(test_power_scope),
        cmocka_unit_test(test_dequant_cost),                cmocka_unit_test(test_wave_cost_from_geometry),
        cmocka_unit_test(test_systolic_weight_load),        cmocka_unit_test(test_output_stationary_reshape),
        cmocka_unit_test(test_operand_starvation),          cmocka_unit_test(test_dram_rereads),
        cmocka_unit_test(test_operand_energy),              cmocka_unit_test(test_physical_defaults),
        cmocka_unit_test(test_sram_only_decode),            cmocka_unit_test(test_phone_npu_int4_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
