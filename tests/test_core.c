/* Unit tests: util, memory technologies, hardware and model descriptions. */
#include "testutil.h"
#include "npu_all.h"

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
    /* int4 as AWQ/GPTQ store it (issue 11): 4 bits + a 16-bit scale and a 4-bit zero point per 128 */
    assert_true(npu_dtype_bytes(NPU_INT4) == (4 + 20 / 128.0) / 8);
    assert_true(npu_dtype_elem_bits(NPU_INT4) == 4);
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

/* ---- issue 10: one finished chip, and descriptions that cannot produce a wrong number ---- */

/* The h100-sxm preset with one number changed (section NULL = top level), read
 * back through the same parser as a user's file named "edit.json". */
static int h100_with(const char *section, const char *key, double v, npu_hw *out) {
    npu_hw h;
    if (npu_hw_load("h100-sxm", &h)) return -2;
    cJSON *j = npu_hw_to_json(&h);
    cJSON *o = section ? cJSON_GetObjectItemCaseSensitive(j, section) : j;
    if (!o) o = cJSON_AddObjectToObject(j, section);
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    cJSON_AddNumberToObject(o, key, v);
    /* another clock or unit count is another chip: the vendor's stated peaks no longer apply */
    if (section && strcmp(section, "matrix") == 0) cJSON_DeleteItemFromObjectCaseSensitive(o, "peak_tflops");
    int rc = npu_hw_from_json(j, "edit.json", out);
    cJSON_Delete(j);
    return rc;
}

static void expect_rejected(const char *section, const char *key, double v, const char *field) {
    npu_hw h;
    int rc = h100_with(section, key, v, &h);
    if (rc != -1 || !strstr(npu_errmsg(), "edit.json") || !strstr(npu_errmsg(), field))
        printf("%s.%s = %g: rc %d, '%s'\n", section ? section : "", key, v, rc, npu_errmsg());
    assert_int_equal(rc, -1);
    assert_non_null(strstr(npu_errmsg(), "edit.json")); /* names the file */
    assert_non_null(strstr(npu_errmsg(), field));       /* and the field */
}

/* Every kernel costed on a finished chip takes a finite, positive time. */
static void assert_costs_finite(const npu_hw *h) {
    npu_kernel ks[] = {npu_kernel_gemm("g", 4096, 4096, 4096, NPU_BF16, NPU_BF16),
                       npu_kernel_gemm("g", 1, 8192, 8192, NPU_FP8, NPU_FP8),
                       npu_kernel_attention(4, 32, 8, 128, 2048, 2048, true, NPU_BF16, NPU_BF16),
                       npu_kernel_attention(8, 32, 8, 128, 1, 4096, false, NPU_BF16, NPU_BF16),
                       npu_kernel_memory("copy", NPU_KK_MEMORY, 1e9, 0)};
    for (size_t i = 0; i < NPU_ARRAY_LEN(ks); i++) {
        npu_kcost c = npu_power_op(h, &ks[i]);
        assert_true(isfinite(c.time_s) && c.time_s > 0);
        assert_true(isfinite(c.energy_j) && c.energy_j >= 0);
    }
}

/* Efficiency fractions of 0 divided a time by zero (NaN/Inf before issue 10). */
static void test_efficiency_ranges(void **st) {
    (void)st;
    const char *fractions[] = {"mem_eff", "matrix_eff", "vec_eff", "gemm_mem_eff"};
    for (size_t i = 0; i < NPU_ARRAY_LEN(fractions); i++) {
        expect_rejected("efficiency", fractions[i], 0, fractions[i]);
        expect_rejected("efficiency", fractions[i], 1.5, fractions[i]);
    }
    expect_rejected("efficiency", "unit_bw_share", 0, "unit_bw_share");
    expect_rejected("efficiency", "attn_eff", 0, "attn_eff");
    expect_rejected("efficiency", "attn_eff", 2.0, "attn_eff"); /* 2.0 x 0.77 > 1: above the peak */
    expect_rejected("efficiency", "tile_pen", 1.5, "tile_pen");
    expect_rejected("efficiency", "launch_us", 1e9, "launch_us");
    /* legal extremes give finite, positive figures */
    const char *zero_ok[] = {"launch_us", "kernel_us", "mem_lat_us", "wave_us", "tile_pen"};
    for (size_t i = 0; i < NPU_ARRAY_LEN(zero_ok); i++) {
        npu_hw h;
        assert_int_equal(h100_with("efficiency", zero_ok[i], 0, &h), 0);
        assert_costs_finite(&h);
    }
    npu_hw h;
    assert_int_equal(h100_with("efficiency", "matrix_eff", 1e-6, &h), 0);
    assert_costs_finite(&h);
}

/* idle_w >= tdp_w gave negative power headroom and negative FLOP energy. */
static void test_power_ranges(void **st) {
    (void)st;
    expect_rejected("power", "idle_w", 1e6, "idle_w");
    expect_rejected("power", "idle_w", 700, "idle_w");
    expect_rejected("power", "tdp_w", 1e9, "tdp_w");
    npu_hw h;
    assert_int_equal(h100_with("power", "idle_w", 699, &h), 0);
    assert_costs_finite(&h);
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) assert_true(h.energy.pj_per_flop[t] >= 0);
    assert_true(h.energy.idle_w == 699);
}

/* Tiles below 16 made every GEMM cost Inf: the native tile is always a candidate now. */
static void test_small_tiles(void **st) {
    (void)st;
    int sizes[] = {1, 4, 8, 15};
    for (size_t i = 0; i < NPU_ARRAY_LEN(sizes); i++) {
        npu_hw h;
        assert_int_equal(h100_with("matrix", "tile_m", sizes[i], &h), 0);
        h.tile_n = sizes[i];
        assert_int_equal(npu_hw_finish(&h, "edit.json"), 0);
        assert_costs_finite(&h);
        npu_kernel g = npu_kernel_gemm("g", 1000, 1000, 1000, NPU_BF16, NPU_BF16);
        npu_kcost c = npu_cost_kernel(&h, &g, NPU_IN_STEP);
        /* a software tile is a multiple of the engine's granule (issue 11: H100 8 rows) */
        assert_int_equal(c.tile_m, (sizes[i] + h.tile_gm - 1) / h.tile_gm * h.tile_gm);
    }
    expect_rejected("matrix", "tile_k", 1e6, "tile_k");
}

/* Clocks and engine sizes outside what any chip can be. */
static void test_clock_and_unit_bounds(void **st) {
    (void)st;
    expect_rejected("matrix", "clock_mhz", 1e6, "clock_mhz"); /* 1 THz */
    expect_rejected("matrix", "clock_mhz", 5, "clock_mhz");   /* 5 MHz */
    expect_rejected("matrix", "units", 1e8, "units");
    npu_hw h;
    assert_int_equal(h100_with("matrix", "clock_mhz", 6000, &h), 0);
    assert_costs_finite(&h);
    assert_int_equal(h100_with("process", "units_total", 100, &h), -1); /* fewer physical than enabled units */
    assert_non_null(strstr(npu_errmsg(), "units_total"));
}

/* Memory that its technology cannot be: pin rate, stack height, capacity. */
static void test_memory_physics(void **st) {
    (void)st;
    expect_rejected("memory", "pin_gbps", 50, "pin_gbps"); /* HBM3 at GDDR7 rates */
    assert_non_null(strstr(npu_errmsg(), "hbm3"));
    expect_rejected("memory", "pin_gbps", 0.5, "pin_gbps");
    expect_rejected("memory", "height", 5, "height"); /* HBM3 is 4, 8 or 12 high */
    assert_non_null(strstr(npu_errmsg(), "4, 8, 12"));
    expect_rejected("memory", "capacity_gb", 200, "capacity_gb"); /* 5 x 8 x 16 Gbit = 80 GiB */
    expect_rejected("memory", "stacks", 1e5, "stacks");
    /* every preset is inside its technology's range, and every technology's
     * nominal rate inside its type's */
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        npu_hw h;
        assert_int_equal(npu_hw_load(npu_hw_preset_name(i), &h), 0);
        if (h.sram_main) { /* technology none (Groq, Cerebras): no DRAM, SRAM is the memory */
            assert_true(h.memtech == NULL && h.mem_bytes > 0 && h.mem_bw_Bps > 0);
            continue;
        }
        const npu_memtype *t = npu_memtech_type(h.memtech);
        double pin = h.mem_pin_gbps > 0 ? h.mem_pin_gbps : h.memtech->pin_gbps;
        assert_true(pin >= t->pin_gbps_min && pin <= t->pin_gbps_max);
        assert_true(npu_memtech_height_ok(h.memtech, h.mem_height));
        assert_true(h.mem_bytes <= npu_memtech_capacity_B(h.memtech, h.mem_stacks, h.mem_height) + 1);
    }
    for (int i = 0; i < npu_memtech_count(); i++) {
        const npu_memtech *m = npu_memtech_at(i);
        const npu_memtype *t = npu_memtech_type(m);
        assert_non_null(t);
        assert_true(m->pin_gbps >= t->pin_gbps_min && m->pin_gbps <= t->pin_gbps_max);
        assert_true(npu_memtech_device_pj(m) > 0 && t->usd_per_gb > 0);
    }
    /* height absent: the lowest height the technology makes that holds the capacity */
    cJSON *j = cJSON_Parse("{\"name\":\"x\",\"matrix\":{\"units\":1,\"clock_mhz\":1000,\"macs_per_cycle\":{\"bf16\":1},"
                           "\"source\":\"s\"},\"memory\":{\"technology\":\"hbm3\",\"stacks\":2,\"capacity_gb\":48,"
                           "\"source\":\"s\"}}");
    npu_hw h;
    assert_int_equal(npu_hw_from_json(j, "x.json", &h), 0);
    assert_int_equal(h.mem_height, 12); /* 2 x 8 x 2 GiB = 32 < 48 <= 2 x 12 x 2 GiB */
    cJSON_Delete(j);
}

static void test_kind_names(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    cJSON *j = npu_hw_to_json(&h);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "kind", cJSON_CreateString("gpuu"));
    assert_int_equal(npu_hw_from_json(j, "edit.json", &h), -1);
    assert_non_null(strstr(npu_errmsg(), "kind"));
    assert_non_null(strstr(npu_errmsg(), "did you mean 'gpu'"));
    assert_non_null(strstr(npu_errmsg(), "gpu, npu, tpu, mobile, cpu, fpga"));
    cJSON_Delete(j);
}

/* The derived block: what npu_hw_finish sets is what the formulas give, once. */
static void test_derived_block(void **st) {
    (void)st;
    npu_hw h;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_true(h.peak_flops[NPU_BF16] == 132 * 1830e6 * 2048 * 2.0);
    assert_true(h.peak_flops[NPU_FP8] == 132 * 1830e6 * 4096 * 2.0);
    assert_true(h.vec_flops == 132 * 1980e6 * 256); /* CUDA cores at their own 1980 MHz (vector.clock_mhz) */
    assert_true(h.fabric.topo == NPU_TOPO_SWITCH && h.fabric.domain == 8 && h.fabric.in_switch);
    assert_true(h.energy.idle_w > 131 && h.energy.idle_w < 132); /* 18.76% of 700 W */
    /* an edit takes effect when the description is finished again */
    h.clock_mhz = 915;
    assert_int_equal(npu_hw_finish(&h, "edit"), 0);
    assert_true(h.peak_flops[NPU_BF16] == 132 * 915e6 * 2048 * 2.0);
    assert_int_equal(npu_hw_load("tpu-v5p", &h), 0);
    assert_true(h.fabric.topo == NPU_TOPO_TORUS3D && h.fabric.nd == 3);
    assert_int_equal(npu_hw_load("snapdragon-8g3-npu", &h), 0);
    assert_true(h.fabric.topo == NPU_TOPO_NONE);
    /* the one table of topology names round-trips */
    for (int t = 0; t < NPU_TOPO_COUNT; t++) {
        npu_topo x;
        assert_int_equal(npu_topo_parse(npu_topo_names[t], &x), 0);
        assert_int_equal(x, t);
    }
    npu_topo x;
    assert_int_equal(npu_topo_parse("torus", &x), -1);
    assert_non_null(strstr(npu_errmsg(), "did you mean"));
}

/* fp32 GEMMs ran at the bf16 rate (0.20 ms for a 4096^3 GEMM on an H100). They
 * run at full fp32 precision: fp32 matrix MACs where the chip has them (MI300X
 * 163.4 TFLOP/s), else the vector units (H100: 61.8 TFLOP/s at 1.83 GHz). */
static void test_fp32_rates(void **st) {
    (void)st;
    npu_hw h, m;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_int_equal(npu_hw_load("mi300x", &m), 0);
    assert_int_equal(npu_hw_matrix_dtype(&h, NPU_FP32), NPU_FP32);
    assert_true(h.peak_flops[NPU_FP32] == h.vec_flops);
    assert_true(fabs(h.tf32_macs_per_cycle * 132 * 1830e6 * 2 - 494.7e12) < 0.5e12); /* datasheet TF32 dense */
    assert_true(fabs(m.peak_flops[NPU_FP32] - 163.4e12) < 0.1e12);
    npu_kernel f = npu_kernel_gemm("g", 4096, 4096, 4096, NPU_FP32, NPU_FP32);
    npu_kernel b = npu_kernel_gemm("g", 4096, 4096, 4096, NPU_BF16, NPU_BF16);
    /* compute-bound: the achieved rate is a fraction (matrix_eff, less wave overheads) of the fp32 peak */
    double rate = f.flops / npu_cost_kernel(&h, &f, NPU_IN_STEP).compute_s;
    assert_true(rate <= h.vec_flops * h.eff.matrix_eff && rate > 0.9 * h.vec_flops * h.eff.matrix_eff);
    assert_true(npu_cost_kernel(&h, &f, NPU_IN_STEP).time_s > 10 * npu_cost_kernel(&h, &b, NPU_IN_STEP).time_s);
    rate = f.flops / npu_cost_kernel(&m, &f, NPU_IN_STEP).compute_s;
    assert_true(rate <= 163.4e12 * m.eff.matrix_eff && rate > 0.8 * 163.4e12 * m.eff.matrix_eff);
}

/* An integer-only NPU asked for bf16 runs it quantized to int8, and says so;
 * a chip with the type never converts. */
static void test_int_only_conversion(void **st) {
    (void)st;
    npu_hw d, h;
    assert_int_equal(npu_hw_load("dx-m1", &d), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_int_equal(npu_hw_matrix_dtype(&d, NPU_BF16), NPU_INT8);
    assert_true(npu_hw_dtype_converted(&d, NPU_BF16) && npu_hw_dtype_converted(&d, NPU_FP16));
    assert_false(npu_hw_dtype_converted(&d, NPU_INT8) || npu_hw_dtype_converted(&d, NPU_INT4));
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) assert_false(npu_hw_dtype_converted(&h, (npu_dtype)t));
    assert_int_equal(npu_hw_matrix_dtype(&h, NPU_INT4), NPU_INT8); /* widening is not a conversion */
    assert_int_equal(npu_hw_gemm_dtype(&h, NPU_INT4, NPU_FP8), NPU_FP8);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dtype_parse),      cmocka_unit_test(test_closest),
        cmocka_unit_test(test_memtech_math),     cmocka_unit_test(test_hw_preset_peaks),
        cmocka_unit_test(test_hw_roundtrip),     cmocka_unit_test(test_default_eff_is_h100_fit),
        cmocka_unit_test(test_hw_errors),        cmocka_unit_test(test_model_presets),
        cmocka_unit_test(test_model_hf),         cmocka_unit_test(test_model_hf_errors),
        cmocka_unit_test(test_efficiency_ranges), cmocka_unit_test(test_power_ranges),
        cmocka_unit_test(test_small_tiles),      cmocka_unit_test(test_clock_and_unit_bounds),
        cmocka_unit_test(test_memory_physics),   cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_derived_block),    cmocka_unit_test(test_fp32_rates),
        cmocka_unit_test(test_int_only_conversion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
