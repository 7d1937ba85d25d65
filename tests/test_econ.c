/* test_econ — process library, area, yield, dies per wafer, unit cost, power
 * accounting, TDP throttle, TCO. Expected values are hand-computed in comments. */
#include "npu_econ.h"
#include "npu_power.h"
#include "npu_all.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

static void test_dies_per_wafer(void **st) {
    (void)st;
    /* 100 mm2, 300 mm wafer, no edge, no scribe: pi*150^2/100 - pi*300/sqrt(200)
     * = 706.858 - 66.643 = 640.2 -> 640 */
    assert_int_equal((int)npu_dies_per_wafer(100, 300, 0, 0), 640);
    /* 5 mm edge, 0.2 mm scribe: side 10.2, A 104.04; d 290, r 145:
     * pi*145^2/104.04 - pi*290/sqrt(208.08) = 634.87 - 63.16 = 571.7 -> 571 */
    assert_int_equal((int)npu_dies_per_wafer(100, 300, 5, 0.2), 571);
    /* monotone: a bigger die gives fewer dies */
    double prev = 1e9;
    for (double a = 50; a <= 850; a += 50) {
        double n = npu_dies_per_wafer(a, 300, 5, 0.2);
        assert_true(n < prev);
        prev = n;
    }
    assert_true(npu_dies_per_wafer(0, 300, 5, 0.2) == 0);
}

static void test_yield_models(void **st) {
    (void)st;
    /* 1 cm2 at D0 0.1: Poisson e^-0.1 = 0.904837; negative binomial alpha 2:
     * 1.05^-2 = 0.907029; Murphy ((1 - e^-0.1)/0.1)^2 = 0.905592; Seeds 1/1.1 = 0.909091 */
    assert_float_equal(npu_yield(NPU_YIELD_POISSON, 100, 0.1, 0), 0.904837, 1e-6);
    assert_float_equal(npu_yield(NPU_YIELD_NEGBIN, 100, 0.1, 2), 0.907029, 1e-6);
    assert_float_equal(npu_yield(NPU_YIELD_MURPHY, 100, 0.1, 0), 0.905592, 1e-6);
    assert_float_equal(npu_yield(NPU_YIELD_SEEDS, 100, 0.1, 0), 0.909091, 1e-6);
    /* harvest: 10 units of 10 mm2, 1 spare, D0 0.1: lambda 0.1, P(<=1) = e^-0.1 x 1.1 = 0.995321 */
    assert_float_equal(npu_yield_harvest(NPU_YIELD_POISSON, 0, 10, 10, 1, 0.1, 0), 0.995321, 1e-6);
    /* monotone: more defects or more area -> lower yield, for every model */
    for (int m = 0; m < NPU_YIELD_COUNT; m++) {
        double prev = 1.0 + 1e-12;
        for (double d0 = 0.02; d0 <= 0.5; d0 += 0.02) {
            double y = npu_yield((npu_yield_model)m, 600, d0, 10);
            assert_true(y < prev && y > 0);
            prev = y;
        }
        assert_true(npu_yield((npu_yield_model)m, 800, 0.1, 10) < npu_yield((npu_yield_model)m, 400, 0.1, 10));
    }
    /* spares help */
    assert_true(npu_yield_harvest(NPU_YIELD_NEGBIN, 100, 5, 144, 12, 0.1, 10) >
                npu_yield_harvest(NPU_YIELD_NEGBIN, 100, 5, 144, 0, 0.1, 10));
}

static void test_process_library(void **st) {
    (void)st;
    static const char *const want[] = {"tsmc-n7", "tsmc-n5", "tsmc-n4", "tsmc-n3", "tsmc-n2", "samsung-sf5",
                                       "samsung-sf4", "samsung-sf3", "gf-12lp"};
    for (size_t i = 0; i < NPU_ARRAY_LEN(want); i++) {
        const npu_process *p = npu_process_find(want[i]);
        assert_non_null(p);
        assert_true(p->wafer_usd > 0 && p->d0_per_cm2 > 0 && p->logic_mtr_mm2 > 0 && p->reticle_mm2 == 858);
        assert_true(strlen(p->source) > 20 && strchr(p->confidence, '['));
    }
    assert_string_equal(npu_process_find("tsmc-4n")->name, "tsmc-n4"); /* alias */
    assert_null(npu_process_find("tsmc-n44"));
    assert_non_null(strstr(npu_errmsg(), "tsmc-n4"));
    /* newer TSMC nodes: denser, dearer wafers, less energy */
    const char *seq[] = {"tsmc-n7", "tsmc-n5", "tsmc-n3", "tsmc-n2"};
    for (int i = 1; i < 4; i++) {
        const npu_process *a = npu_process_find(seq[i - 1]), *b = npu_process_find(seq[i]);
        assert_true(b->logic_mtr_mm2 > a->logic_mtr_mm2 && b->wafer_usd > a->wafer_usd && b->energy_rel < a->energy_rel);
    }
}

static void load(const char *name, npu_hw *h, npu_process *p) {
    assert_int_equal(npu_hw_load(name, h), 0);
    assert_int_equal(npu_process_of_hw(h->process_node, p), 0);
}

static void test_area_and_cost(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_area a;
    npu_area_estimate(&h, &p, &a);
    /* the uncore fraction is fitted on the H100's published 814 mm2 */
    assert_float_equal(a.die_mm2, 814, 8);
    /* the estimate ignores die_mm2 */
    npu_hw h2 = h;
    h2.die_mm2 = 1;
    npu_area b;
    npu_area_estimate(&h2, &p, &b);
    assert_float_equal(a.total_mm2, b.total_mm2, 1e-9);
    /* a denser node gives a smaller die */
    npu_area_estimate(&h, npu_process_find("tsmc-n3"), &b);
    assert_true(b.die_mm2 < a.die_mm2);
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    npu_unit_cost u, v;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), 0);
    assert_true(u.die_yield > 0 && u.die_yield < 1 && u.dies_per_wafer > 0);
    /* KGD = wafer / (dies per wafer x yield) */
    assert_float_equal(u.die_cost_usd, p.wafer_usd / (u.dies_per_wafer * u.die_yield), 1e-6);
    assert_float_equal(u.unit_cost_usd,
                       u.dies_cost_usd + u.hbm_cost_usd + u.package_cost_usd + u.test_cost_usd + u.nre_per_unit_usd, 1e-6);
    /* H100: 80 GB HBM3 at 17.5 $/GB = 1400 */
    assert_float_equal(u.hbm_cost_usd, 1400, 1e-6);
    /* more HBM stacks -> more cost */
    h2 = h;
    h2.mem_stacks = 6;
    h2.mem_capacity_gb = 0;
    assert_int_equal(npu_hw_finish(&h2, "t"), 0);
    assert_int_equal(npu_econ_unit_cost(&h2, &p, &c, &v), 0);
    assert_true(v.hbm_cost_usd > u.hbm_cost_usd && v.package_cost_usd > u.package_cost_usd &&
                v.unit_cost_usd > u.unit_cost_usd);
    /* more defects -> costlier die; more volume -> smaller NRE share */
    npu_process worse = p;
    worse.d0_per_cm2 *= 2;
    assert_int_equal(npu_econ_unit_cost(&h, &worse, &c, &v), 0);
    assert_true(v.die_yield < u.die_yield && v.die_cost_usd > u.die_cost_usd);
    c.volume *= 10;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &v), 0);
    assert_float_equal(v.nre_per_unit_usd, u.nre_per_unit_usd / 10, 1e-9);
}

/* Stated peaks (docs/schema.md "Stated peaks"): checked when a description is
 * read, dropped when an edit makes the chip another one. */
static void test_stated_peaks_vs_edits(void **st) {
    (void)st;
    npu_hw h, e, back;
    npu_process p;
    load("h100-sxm", &h, &p);
    assert_true(h.peak_tflops[NPU_BF16] == 989.4); /* the preset states its peaks */
    /* an edited preset: 160 SMs instead of 132, finished again (a sweep's or --set's edit) */
    e = h;
    e.units = 160;
    if (e.units_total < e.units) e.units_total = 0;
    assert_int_equal(npu_hw_finish(&e, "edit"), 0);
    assert_true(e.peak_flops[NPU_BF16] == 160 * 1830e6 * 2048 * 2.0);
    assert_true(e.peak_tflops[NPU_BF16] == 0 && e.peak_tflops[NPU_FP8] == 0 && e.tf32_peak_tflops == 0);
    /* a stated fp32 figure of the vector units is not the matrix units': 66.9 at 1980 MHz stays */
    assert_true(e.peak_tflops[NPU_FP32] == h.peak_tflops[NPU_FP32]);
    /* it costs with the new units: a compute-bound GEMM is faster; 160 physical SMs on the
     * published 814 mm2 scaled by the area model (144 -> 160 SMs) pass the 858 mm2 reticle */
    npu_kernel k = npu_kernel_gemm("g", 8192, 8192, 8192, NPU_BF16, NPU_BF16);
    assert_true(npu_cost_kernel(&e, &k, NPU_STANDALONE).time_s < npu_cost_kernel(&h, &k, NPU_STANDALONE).time_s);
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    npu_unit_cost uh, ue;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &uh), 0);
    assert_int_equal(npu_econ_unit_cost(&e, &p, &c, &ue), -1);
    assert_non_null(strstr(npu_errmsg(), "reticle"));
    e.units = 152; /* 152 physical SMs (8 more than the published 144) still fit */
    assert_int_equal(npu_hw_finish(&e, "edit"), 0);
    assert_int_equal(npu_econ_unit_cost(&e, &p, &c, &ue), 0);
    assert_true(ue.die_area_mm2 > uh.die_area_mm2 && ue.die_area_mm2 < 858 && ue.die_cost_usd > uh.die_cost_usd);
    /* the edited chip is written without the peaks it no longer has, and reads back */
    cJSON *j = npu_hw_to_json(&e);
    assert_int_equal(npu_hw_from_json(j, "edited.json", &back), 0);
    assert_true(back.peak_flops[NPU_BF16] == e.peak_flops[NPU_BF16]);
    /* a FILE stating a peak its units x clock x MACs do not give is an error naming the field */
    cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "matrix");
    cJSON_DeleteItemFromObjectCaseSensitive(m, "peak_tflops");
    cJSON_AddItemToObject(m, "peak_tflops", cJSON_Parse("{\"bf16\": 989.4}")); /* the 132-SM figure */
    assert_int_equal(npu_hw_from_json(j, "wrong.json", &back), -1);
    assert_non_null(strstr(npu_errmsg(), "wrong.json"));
    assert_non_null(strstr(npu_errmsg(), "matrix.peak_tflops.bf16"));
    cJSON_Delete(j);
    /* an edit that keeps the peaks (power, links) keeps them */
    e = h;
    e.tdp_w = 600;
    assert_int_equal(npu_hw_finish(&e, "edit"), 0);
    assert_true(e.peak_tflops[NPU_BF16] == 989.4 && e.tf32_peak_tflops == h.tf32_peak_tflops);
}

/* Chips without DRAM (docs/economics.md "Chips without DRAM"): no memory, no
 * interposer, the SRAM costed as a scratchpad in the die area. */
static void test_sram_only_cost(void **st) {
    (void)st;
    npu_hw h, big;
    npu_process p;
    load("groq-lpu", &h, &p);
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    npu_unit_cost u, v;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), 0);
    assert_false(u.wafer_scale);
    assert_true(u.hbm_cost_usd == 0 && u.mem_gb == 0 && u.area.mem_phy_mm2 == 0);
    assert_int_equal(u.package, NPU_PKG_ORGANIC);
    assert_true(u.interposer_mm2 == 0);
    assert_string_equal(u.area_basis, "published");
    assert_float_equal(u.die_area_mm2, 725, 1e-9);
    /* 230 MB x 8 bits x 0.064 um2 (GF 12LP/14LPP bit cell) / 0.67 array efficiency x 1.25
     * (ECC, banking; no tags) = 219.7 mm2 */
    assert_float_equal(u.area.shared_sram_mm2, 230e6 * 8 * 0.064e-6 / 0.67 * 1.25, 1e-6);
    assert_float_equal(u.die_cost_usd, p.wafer_usd / (u.dies_per_wafer * u.die_yield), 1e-6);
    assert_float_equal(u.unit_cost_usd, u.dies_cost_usd + u.package_cost_usd + u.test_cost_usd + u.nre_per_unit_usd,
                       1e-6);
    /* an interposer package is refused for nothing, but gains nothing: no HBM to carry */
    assert_true(u.package_cost_usd > 0 && u.test_cost_usd > 0);
    /* 20 % more SRAM: a larger die (published, scaled by the area model), dearer (twice the
     * SRAM would pass the reticle) */
    big = h;
    big.sram[0].mb *= 1.2;
    assert_int_equal(npu_hw_finish(&big, "big"), 0);
    assert_int_equal(npu_econ_unit_cost(&big, &p, &c, &v), 0);
    assert_string_equal(v.area_basis, "published, scaled");
    assert_true(v.die_area_mm2 > u.die_area_mm2 && v.die_cost_usd > u.die_cost_usd);
    /* TCO: no preset price, so unit cost x margin */
    npu_tco_cfg tc;
    npu_tco_cfg_default(&tc);
    npu_tco t;
    assert_int_equal(npu_tco_usd_per_hour(&h, &tc, 200, &t), 0);
    assert_float_equal(t.chip_price_usd, u.unit_cost_usd * tc.margin, 1e-6);
}

/* A wafer-scale chip (cerebras-wse3): one die per wafer, no reticle limit, its
 * spare cores repair its defects. */
static void test_wafer_scale_cost(void **st) {
    (void)st;
    npu_hw h, e;
    npu_process p;
    load("cerebras-wse3", &h, &p);
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    npu_unit_cost u;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), 0);
    assert_true(u.wafer_scale && u.dies_per_wafer == 1 && u.package == NPU_PKG_WAFER);
    assert_true(u.die_area_mm2 == 46225 && u.die_area_mm2 > p.reticle_mm2);
    assert_true(u.hbm_cost_usd == 0 && u.interposer_mm2 == 0);
    /* the per-core 48.9 kB and the 44 GB "wafer" level are one memory: counted once */
    assert_true(u.area.shared_sram_mm2 == 0 && u.area.unit_sram_mm2 > 0);
    assert_float_equal(u.area.unit_sram_mm2, 970000 * 48.9e3 * 8 * p.sram_bitcell_um2 * 1e-6 / 0.67 * 1.25, 1e-6);
    assert_true(u.area.uncore_mm2 == 0);
    /* yield: 70,000 spares against ~46225 mm2 x 0.07 /cm2 = 32 expected defects, so only
     * the non-tile area (I/O, links: tens of mm2) must be clean; below 1 all the same */
    double fixed = u.die_area_mm2 - u.area.unit_mm2 * (u.die_area_mm2 / u.area.die_mm2) * 970000;
    assert_true(fixed > 0 && fixed < 100);
    assert_float_equal(u.die_yield, npu_yield(NPU_YIELD_NEGBIN, fixed, p.d0_per_cm2, c.alpha), 1e-9);
    assert_true(u.die_yield > 0.9 && u.die_yield < 1);
    assert_float_equal(u.die_cost_usd, p.wafer_usd / u.die_yield, 1e-6);
    /* no spares: a whole-wafer die without repair does not yield */
    e = h;
    e.units_total = 0;
    assert_int_equal(npu_hw_finish(&e, "nospare"), 0);
    assert_int_equal(npu_econ_unit_cost(&e, &p, &c, &u), -1);
    assert_non_null(strstr(npu_errmsg(), "units_total"));
    /* the wafer carrier is for wafer-scale chips only, and they take no other package */
    c.package = NPU_PKG_ORGANIC;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), -1);
    assert_non_null(strstr(npu_errmsg(), "package wafer"));
    npu_hw g;
    npu_process gp;
    load("h100-sxm", &g, &gp);
    c.package = NPU_PKG_WAFER;
    assert_int_equal(npu_econ_unit_cost(&g, &gp, &c, &u), -1);
    assert_non_null(strstr(npu_errmsg(), "wafer carrier"));
    /* larger than its wafer: an error, not a number */
    npu_econ_cfg_default(&c);
    c.wafer_mm = 200;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), -1);
    assert_non_null(strstr(npu_errmsg(), "exceeds its 200 mm wafer"));
}

static void test_reticle_limit(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    h.units_total = 300; /* ~2x the H100's 144 units on one die: ~1,600 mm2 */
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    c.estimate_area = true;
    npu_unit_cost u;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), -1);
    assert_non_null(strstr(npu_errmsg(), "reticle"));
    h.dies = 2; /* as two chiplets it fits */
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), 0);
    assert_true(u.die_area_mm2 < 858);
}

static void test_throttle_math(void **st) {
    (void)st;
    /* idle 0, compute energy 100 J at full clock over 1 s of compute-bound time:
     * P(f) = 100 f^2 / (1/f) = 100 f^3 -> a 100 W cap does not bind */
    assert_float_equal(npu_power_throttle_frac(100, 0, 100, 0, 0, 1), 1.0, 1e-12);
    /* 200 J: 200 f^3 = 100 -> f = 0.5^(1/3) = 0.793701 */
    assert_float_equal(npu_power_throttle_frac(100, 0, 200, 0, 0, 1), 0.793701, 1e-5);
    assert_float_equal(npu_power_throttle_frac(0, 0, 200, 0, 0, 1), 1.0, 1e-12); /* no TDP: no cap */
}

static void test_energy_adds_up(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_model m;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    npu_run_cfg c = {.phase = NPU_RUN_E2E, .batch = 8, .input = 1024, .output = 64, .wdt = NPU_BF16, .adt = NPU_BF16,
                     .kvdt = NPU_BF16};
    static npu_run_result r;
    assert_int_equal(npu_run(&m, &h, &c, &r), 0);
    assert_float_equal(r.energy_j, r.prefill_energy_j + r.decode_energy_j, 1e-9 * r.energy_j);
    assert_float_equal(r.power_w * r.latency_s, r.energy_j, 1e-9 * r.energy_j);
    assert_float_equal(r.energy_j_per_token * 8 * 64, r.energy_j, 1e-9 * r.energy_j);
    assert_true(r.power_w > npu_power_idle_w(&h) && r.power_w <= h.tdp_w + 1e-9);
    /* the prefill step's energy is the sum of its kernels' energies */
    double sum = 0;
    for (int i = 0; i < r.graph.n; i++) sum += r.step.kc[i].energy_j * r.graph.k[i].count;
    assert_float_equal(sum, r.prefill_energy_j, 1e-6 * sum);
    /* each kernel: static over its time + arithmetic + DRAM; DRAM part = bytes x 8 x pJ/bit */
    const npu_energy e = h.energy;
    npu_kernel k = npu_kernel_memory("copy", NPU_KK_MEMORY, 1e9, 0);
    npu_kcost kc = npu_cost_kernel(&h, &k, NPU_IN_STEP);
    assert_true(kc.energy_j == 0); /* cost gives time only */
    npu_power_kernel(&h, &k, &kc);
    assert_float_equal(kc.energy_j, e.idle_w * kc.time_s + 1e9 * 8 * e.pj_per_dram_bit * 1e-12, 1e-12);
    /* H100: 15.16 pJ/bit board level (power.csv fit: (497.7 - 131.3) W / 3.02 TB/s / 8) */
    assert_float_equal(e.pj_per_dram_bit, 15.16, 0.01);
    /* a 16k^3 bf16 GEMM is throttled: the clock drops and it gets slower */
    npu_kernel g = npu_kernel_gemm("g", 16384, 16384, 16384, NPU_BF16, NPU_BF16);
    npu_kcost gs = npu_power_op(&h, &g), gi = npu_cost_kernel(&h, &g, NPU_IN_STEP);
    assert_true(gs.clock_frac < 1 && gs.time_s > gi.time_s);
    double t;
    double w = npu_power_sustained_w(&h, &g, &t);
    assert_float_equal(w, h.tdp_w, 1e-6 * h.tdp_w);
}

static void test_tco(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_tco_cfg c;
    npu_tco_cfg_default(&c);
    c.chip_price_usd = 10000, c.server_overhead = 0.5, c.lifetime_years = 1, c.pue = 1.0, c.usd_per_kwh = 0.1;
    c.host_power_frac = 0.25;
    npu_tco t;
    assert_int_equal(npu_tco_usd_per_hour(&h, &c, 1000, &t), 0);
    /* capex 15000 / 8766 h = 1.711157; power 1.25 kW x 0.1 = 0.125 */
    assert_float_equal(t.capex_usd_per_hour, 1.711157, 1e-6);
    assert_float_equal(t.usd_per_hour, 1.836157, 1e-6);
    /* 1.836157 $/h over 1000 tokens/s = 3.6 M tokens/h -> 0.510044 $/M tokens */
    assert_float_equal(npu_tco_usd_per_mtok(t.usd_per_hour, 1, 1000), 0.510044, 1e-6);
    /* no price anywhere and an unknown process -> error */
    npu_hw v;
    assert_int_equal(npu_hw_load("tpu-v5e", &v), 0);
    npu_tco_cfg_default(&c);
    assert_int_equal(npu_tco_usd_per_hour(&v, &c, 100, &t), -1);
    assert_non_null(strstr(npu_errmsg(), "--chip-price"));
}

/* ---- issue 10 ---- */

static double area_on(const npu_hw *h, const char *proc, const npu_econ_cfg *c, const char **basis) {
    npu_unit_cost u;
    const npu_process *p = npu_process_find(proc);
    assert_non_null(p);
    assert_int_equal(npu_econ_unit_cost(h, p, c, &u), 0);
    if (basis) *basis = u.area_basis;
    return u.die_area_mm2 * u.dies;
}

/* Which die area is costed. Before issue 10 the L40S came out at 554 mm2 and
 * cheaper on TSMC N5 than its published 609 mm2 on its own, denser N4 (one path
 * published, the other the estimate), and an H100 with a sixth HBM stack kept
 * the published 814 mm2. */
static void test_costed_area_rule(void **st) {
    (void)st;
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    const char *basis;
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        npu_hw h;
        assert_int_equal(npu_hw_load(npu_hw_preset_name(i), &h), 0);
        const npu_process *own = npu_process_lookup(h.process_node);
        if (h.die_mm2 <= 0 || !own || h.sram_main) continue; /* SRAM-only chips: no unit-cost rule (npusim cost says so) */
        /* as published, on its own process: the published area */
        assert_float_equal(area_on(&h, own->name, &c, &basis), h.die_mm2, 1e-9 * h.die_mm2);
        assert_string_equal(basis, "published");
        /* on another process: the published area x the model's ratio of the two estimates */
        npu_area e_own, e_n3;
        npu_area_estimate(&h, own, &e_own);
        npu_area_estimate(&h, npu_process_find("tsmc-n3"), &e_n3);
        double n3 = area_on(&h, "tsmc-n3", &c, &basis);
        assert_float_equal(n3, h.die_mm2 * e_n3.total_mm2 / e_own.total_mm2, 1e-9 * n3);
        assert_string_equal(basis, "published, scaled");
        /* a less dense process never gives a smaller die than the chip's own */
        const npu_process *n5 = npu_process_find("tsmc-n5");
        if (n5->logic_mtr_mm2 < own->logic_mtr_mm2 && n5->sram_bitcell_um2 >= own->sram_bitcell_um2)
            assert_true(area_on(&h, "tsmc-n5", &c, NULL) >= h.die_mm2 * (1 - 1e-12));
    }
    /* an edited die under the preset's name: scaled from the published area */
    npu_hw h, e;
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    e = h;
    e.mem_stacks = 6, e.mem_capacity_gb = 0;
    assert_int_equal(npu_hw_finish(&e, "edit"), 0);
    npu_area a_h, a_e;
    npu_area_estimate(&h, npu_process_find("tsmc-n4"), &a_h);
    npu_area_estimate(&e, npu_process_find("tsmc-n4"), &a_e);
    double ea = area_on(&e, "tsmc-n4", &c, &basis);
    assert_true(ea > 814);
    assert_float_equal(ea, 814 * a_e.total_mm2 / a_h.total_mm2, 1e-9 * ea);
    assert_string_equal(basis, "published, scaled");
    /* a user's chip of its own name keeps its stated die_mm2 on its own process */
    npu_hw u = e;
    strcpy(u.name, "my-h100-6stack");
    u.die_mm2 = 850;
    assert_float_equal(area_on(&u, "tsmc-n4", &c, &basis), 850, 1e-9);
    assert_string_equal(basis, "published");
    /* --estimate-area: the model alone */
    c.estimate_area = true;
    assert_float_equal(area_on(&h, "tsmc-n4", &c, &basis), a_h.total_mm2, 1e-9);
    assert_string_equal(basis, "estimate");
}

/* HBM on an organic substrate cost $278 before; it cannot be built. */
static void test_package_rules(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    npu_unit_cost u;
    c.package = NPU_PKG_ORGANIC;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), -1);
    assert_non_null(strstr(npu_errmsg(), "interposer"));
    c.package = NPU_PKG_COWOS_L;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), 0);
    assert_int_equal(u.package, NPU_PKG_COWOS_L);
    /* a GDDR chip may go organic */
    load("l40s", &h, &p);
    c.package = NPU_PKG_ORGANIC;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), 0);
    /* MI300X's interposer (12 dies, 8 stacks) is beyond CoWoS-S */
    load("mi300x", &h, &p);
    c.package = NPU_PKG_COWOS_S;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), -1);
    assert_non_null(strstr(npu_errmsg(), "cowos-l"));
}

/* --nre-usd 0 was read as "the process's $54.2M". */
static void test_nre_zero(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    npu_unit_cost u, z;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), 0);
    assert_float_equal(u.nre_usd, 54.2e6, 1);
    c.nre_usd = 0;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &z), 0);
    assert_true(z.nre_usd == 0 && z.nre_per_unit_usd == 0);
    assert_float_equal(u.unit_cost_usd - z.unit_cost_usd, 54.2e6 / 1e5, 1e-6);
}

/* Absurd yield inputs printed null or 1e283 USD; now they are errors, and every
 * legal combination gives a finite, positive cost. */
static void test_cost_inputs(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    npu_unit_cost u;
    npu_process q = p;
    q.d0_per_cm2 = 100;
    assert_int_equal(npu_econ_unit_cost(&h, &q, &c, &u), -1);
    assert_non_null(strstr(npu_errmsg(), "d0"));
    q.d0_per_cm2 = 8; /* legal, but an 814 mm2 die yields ~1e-9: never built */
    assert_int_equal(npu_econ_unit_cost(&h, &q, &c, &u), -1);
    assert_non_null(strstr(npu_errmsg(), "yield"));
    c.alpha = 0;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), -1);
    npu_econ_cfg_default(&c);
    c.volume = 0;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), -1);
    npu_econ_cfg_default(&c);
    c.yield_model = NPU_YIELD_COUNT;
    assert_int_equal(npu_econ_unit_cost(&h, &p, &c, &u), -1);
    for (int m = 0; m < NPU_YIELD_COUNT; m++)
        for (double d0 = 0; d0 <= 1.0; d0 += 0.05) {
            npu_econ_cfg_default(&c);
            c.yield_model = (npu_yield_model)m;
            q = p;
            q.d0_per_cm2 = d0;
            int rc = npu_econ_unit_cost(&h, &q, &c, &u);
            if (rc == 0) assert_true(isfinite(u.unit_cost_usd) && u.unit_cost_usd > 0 && u.die_yield >= 1e-3);
            else assert_non_null(strstr(npu_errmsg(), "yield"));
        }
}

/* "858 mm2 exceeds the 858 mm2 limit": the message shows the difference. */
static void test_reticle_message(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    assert_int_equal(npu_area_check_reticle(&h, &p, 858.3), -1);
    assert_non_null(strstr(npu_errmsg(), "858.3 mm2"));
    assert_non_null(strstr(npu_errmsg(), "858.0 mm2"));
    assert_int_equal(npu_area_check_reticle(&h, &p, 858.0), 0);
}

/* A TP 8 step's collectives got 0 J. Each kernel carries idle power x time plus
 * the bytes it sends x pJ/bit; the step's energy is the sum of its kernels'. */
static void test_collective_energy(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_model m;
    assert_int_equal(npu_model_load("llama3-70b", &m), 0);
    npu_step_cfg s = {.phase = NPU_PHASE_DECODE, .batch = 8, .seq = 1, .ctx = 1000, .wdt = NPU_BF16, .adt = NPU_BF16,
                      .kvdt = NPU_BF16, .plan = {.tp = 8}};
    npu_graph g;
    npu_step_result r;
    assert_int_equal(npu_graph_build(&m, &s, &g), 0);
    npu_step_eval(&h, &g, &r);
    int comm = 0;
    double sum = 0;
    for (int i = 0; i < g.n; i++) {
        const npu_kcost *c = &r.kc[i];
        assert_true(c->energy_j > 0);
        sum += c->energy_j * g.k[i].count;
        if (g.k[i].kind != NPU_KK_COMM) continue;
        comm++;
        npu_comm_cost cc = npu_comm_op(&h, g.k[i].coll, g.k[i].chips, g.k[i].comm_bytes);
        assert_true(c->link_bytes == cc.sent_B && cc.sent_B >= g.k[i].comm_bytes * 7 / 8);
        assert_float_equal(c->energy_j, h.energy.idle_w * c->time_s + npu_power_link_j(&h, c->link_bytes),
                           1e-12 * c->energy_j);
    }
    assert_true(comm >= 2);
    double f;
    double e = npu_power_step(&h, &g, &r, &f);
    assert_float_equal(e, sum, 1e-9 * e); /* not throttled: decode is memory-bound */
}

/* The step throttle has one home: npu_power_step (kernel by kernel) and
 * npu_power_step_totals (what the serving step table calls) agree. */
static void test_step_throttle_one_rule(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_model m;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    npu_step_cfg s = {.phase = NPU_PHASE_PREFILL, .batch = 16, .seq = 4096, .wdt = NPU_BF16, .adt = NPU_BF16,
                      .kvdt = NPU_BF16};
    npu_graph g;
    npu_step_result r;
    assert_int_equal(npu_graph_build(&m, &s, &g), 0);
    npu_step_eval(&h, &g, &r);
    double ec = 0, em = 0, cb = 0, t = r.time_s;
    for (int i = 0; i < g.n; i++) {
        const npu_kcost *c = &r.kc[i];
        ec += c->compute_j * g.k[i].count;
        em += (c->energy_j - c->compute_j - h.energy.idle_w * c->time_s) * g.k[i].count;
        if (c->bound == NPU_BOUND_COMPUTE) cb += c->time_s * g.k[i].count;
    }
    npu_power_sum sum = npu_power_step_totals(&h, t, cb, ec, em);
    double f;
    double e = npu_power_step(&h, &g, &r, &f);
    assert_true(f < 1); /* a long bf16 prefill binds the 700 W TDP */
    assert_float_equal(f, sum.clock_frac, 1e-15);
    assert_float_equal(r.time_s, sum.time_s, 1e-9 * r.time_s);
    assert_float_equal(e, sum.energy_j, 1e-9 * e);
}

/* cost gives time only; power turns it into energy; a standalone op's throttle
 * is npu_power_standalone (what `op` and validation call). */
static void test_cost_then_power(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_kernel g = npu_kernel_gemm("g", 16384, 16384, 16384, NPU_BF16, NPU_BF16);
    npu_kcost c = npu_cost_kernel(&h, &g, NPU_STANDALONE);
    assert_true(c.energy_j == 0 && c.compute_j == 0);
    double t_full = c.time_s;
    npu_power_standalone(&h, &g, &c);
    assert_true(c.clock_frac < 1 && c.time_s > t_full && c.energy_j > 0);
    npu_kcost d = npu_power_op(&h, &g);
    assert_true(d.time_s == c.time_s && d.energy_j == c.energy_j);
    /* inside a step the same kernel keeps full clock until the step is throttled */
    npu_kcost k = npu_cost_kernel(&h, &g, NPU_IN_STEP);
    npu_power_kernel(&h, &g, &k);
    assert_true(k.clock_frac == 1 && k.energy_j > 0);
}

static void test_tco_inputs(void **st) {
    (void)st;
    npu_hw h;
    npu_process p;
    load("h100-sxm", &h, &p);
    npu_tco_cfg c;
    npu_tco t;
    npu_tco_cfg_default(&c);
    c.pue = 0.5;
    assert_int_equal(npu_tco_usd_per_hour(&h, &c, 500, &t), -1);
    npu_tco_cfg_default(&c);
    c.lifetime_years = 0;
    assert_int_equal(npu_tco_usd_per_hour(&h, &c, 500, &t), -1);
    npu_tco_cfg_default(&c);
    assert_int_equal(npu_tco_usd_per_hour(&h, &c, -5, &t), -1);
    assert_int_equal(npu_tco_usd_per_hour(&h, &c, 500, &t), 0);
    assert_true(isfinite(t.usd_per_hour) && t.usd_per_hour > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dies_per_wafer), cmocka_unit_test(test_yield_models),
        cmocka_unit_test(test_process_library), cmocka_unit_test(test_area_and_cost),
        cmocka_unit_test(test_reticle_limit), cmocka_unit_test(test_throttle_math),
        cmocka_unit_test(test_energy_adds_up), cmocka_unit_test(test_tco),
        cmocka_unit_test(test_costed_area_rule), cmocka_unit_test(test_package_rules),
        cmocka_unit_test(test_nre_zero), cmocka_unit_test(test_cost_inputs),
        cmocka_unit_test(test_reticle_message), cmocka_unit_test(test_collective_energy),
        cmocka_unit_test(test_step_throttle_one_rule), cmocka_unit_test(test_cost_then_power),
        cmocka_unit_test(test_tco_inputs), cmocka_unit_test(test_stated_peaks_vs_edits),
        cmocka_unit_test(test_sram_only_cost), cmocka_unit_test(test_wafer_scale_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
