/* Unit tests: the presets as data (issue 11, part 2) -- model parameter counts
 * against the model cards, every chip's TDP and sources, every memory
 * technology's energy per bit. The expected numbers come from the papers and
 * model cards named beside them, never from the code under test. */
#include "testutil.h"
#include "npu_all.h"
#include "npu_json.h"
#include "npu_memtech.h"
#include "npu_preset.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double params(const char *name, bool active) {
    npu_model m;
    assert_int_equal(npu_model_load(name, &m), 0);
    return npu_model_params(&m, active);
}

/* LLaMA-1 (Touvron et al. 2023, Table 2): 6.7B, 13.0B, 32.5B, 65.2B -- the paper
 * truncates to 0.1B. The exact totals of the HF conversions (huggyllama/llama-*,
 * safetensors metadata [R]) are the hand sums of the paper's dimensions:
 * 2 x V x H + L x (4 H^2 + 3 H F + 2 H) + H. */
static void test_llama1_counts(void **st) {
    (void)st;
    static const struct {
        const char *name;
        double paper_b, exact;
        int layers, hidden, ffn;
    } c[] = {{"llama1-7b", 6.7, 6738415616.0, 32, 4096, 11008},
             {"llama1-13b", 13.0, 13015864320.0, 40, 5120, 13824},
             {"llama1-30b", 32.5, 32528943616.0, 60, 6656, 17920},
             {"llama1-65b", 65.2, 65285660672.0, 80, 8192, 22016}};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double h = c[i].hidden, f = c[i].ffn;
        double by_hand = 2.0 * 32000 * h + c[i].layers * (4 * h * h + 3 * h * f + 2 * h) + h;
        assert_true(by_hand == c[i].exact); /* the table above is self-consistent */
        double p = params(c[i].name, false);
        if (p != c[i].exact) printf("%s: %.0f, want %.0f\n", c[i].name, p, c[i].exact);
        assert_true(p == c[i].exact);
        assert_true(fabs(floor(p / 1e8) / 10 - c[i].paper_b) < 1e-9);
        assert_true(params(c[i].name, true) == p); /* dense */
    }
}

/* Llama 3.1 (HF model cards / safetensors totals [R]): 8,030,261,248 and
 * 70,553,706,496 -- the same architecture as Llama 3, 128K context. */
static void test_llama31_counts(void **st) {
    (void)st;
    assert_true(params("llama3.1-8b", false) == 8030261248.0);
    assert_true(params("llama3.1-70b", false) == 70553706496.0);
    npu_model m;
    assert_int_equal(npu_model_load("llama3.1-8b", &m), 0);
    assert_int_equal(m.max_seq, 131072);
}

/* MoE model cards: DeepSeek-R1 671B total / 37B activated (MTP module excluded);
 * Kimi K2 "1T" total / 32B activated (1.04T per its technical report [R]);
 * Qwen3-235B-A22B 235B / 22B. The cards round; the tolerances are their rounding. */
static void test_moe_counts(void **st) {
    (void)st;
    double r1 = params("deepseek-r1", false), r1a = params("deepseek-r1", true);
    assert_true(fabs(r1 / 671e9 - 1) < 0.005);
    assert_true(fabs(r1a / 37e9 - 1) < 0.02);
    assert_true(r1 == params("deepseek-v3", false)); /* R1 is V3's architecture */
    double k2 = params("kimi-k2", false), k2a = params("kimi-k2", true);
    assert_true(k2 > 1.0e12 && k2 < 1.05e12);
    assert_true(fabs(k2a / 32e9 - 1) < 0.03);
    double q = params("qwen3-235b-a22b", false), qa = params("qwen3-235b-a22b", true);
    assert_true(fabs(q / 235e9 - 1) < 0.005);
    assert_true(fabs(qa / 22e9 - 1) < 0.015);
    /* MoE active counts are a small part of the total */
    assert_true(k2a < 0.04 * k2 && r1a < 0.06 * r1 && qa < 0.1 * q);
}

/* Every preset states its TDP (issue 11: "every preset states its TDP"). */
static void test_every_preset_states_tdp(void **st) {
    (void)st;
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        npu_hw h;
        assert_int_equal(npu_hw_load(npu_hw_preset_name(i), &h), 0);
        if (!(h.tdp_w > 0)) printf("%s: no TDP\n", h.name);
        assert_true(h.tdp_w > 0);
        assert_true(strlen(h.power_source) > 10);
    }
}

/* A source string the reader cut to its buffer would hide part of a figure's origin:
 * every preset's sources come through whole. */
static void check_src(const char *preset, const cJSON *obj, const char *loaded) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, "source");
    if (!cJSON_IsString(s)) return;
    if (strcmp(s->valuestring, loaded) != 0) printf("%s: source cut to %zu chars\n", preset, strlen(loaded));
    assert_string_equal(s->valuestring, loaded);
}

static void test_sources_not_truncated(void **st) {
    (void)st;
    for (int i = 0; i < npu_presets_hw_count; i++) {
        npu_hw h;
        assert_int_equal(npu_hw_load(npu_presets_hw[i].name, &h), 0);
        cJSON *j = cJSON_Parse(npu_presets_hw[i].json);
        assert_non_null(j);
        const char *n = npu_presets_hw[i].name;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "matrix");
        check_src(n, m, h.matrix_source);
        if (cJSON_GetObjectItemCaseSensitive(m, "engine"))
            check_src(n, cJSON_GetObjectItemCaseSensitive(m, "engine"), h.engine.source);
        if (cJSON_GetObjectItemCaseSensitive(m, "gemv"))
            check_src(n, cJSON_GetObjectItemCaseSensitive(m, "gemv"), h.gemv_desc.source);
        check_src(n, cJSON_GetObjectItemCaseSensitive(j, "vector"), h.vector_source);
        check_src(n, cJSON_GetObjectItemCaseSensitive(j, "memory"), h.memory_source);
        check_src(n, cJSON_GetObjectItemCaseSensitive(j, "links"), h.links_source);
        check_src(n, cJSON_GetObjectItemCaseSensitive(j, "power"), h.power_source);
        check_src(n, cJSON_GetObjectItemCaseSensitive(j, "process"), h.process_source);
        const cJSON *sr = cJSON_GetObjectItemCaseSensitive(j, "sram");
        for (int k = 0; k < h.n_sram; k++) check_src(n, cJSON_GetArrayItem(sr, k), h.sram[k].source);
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(j, "price_source");
        if (cJSON_IsString(ps)) assert_string_equal(ps->valuestring, h.price_source);
        cJSON_Delete(j);
    }
}

/* Every memory technology states its own energy per bit (issue 11: pJ/bit was 0.00
 * for most), and the figures keep the order the sources give. */
static void test_memory_energy_per_bit(void **st) {
    (void)st;
    for (int i = 0; i < npu_memtech_count(); i++) {
        const npu_memtech *t = npu_memtech_at(i);
        if (!(t->pj_per_bit > 0)) printf("%s: pj_per_bit 0\n", t->name);
        assert_true(t->pj_per_bit > 0 && t->pj_per_bit < 30);
        assert_true(npu_memtech_type(t)->pj_per_bit > 0);
    }
    /* Micron's device figures [V]: GDDR6 7.5, GDDR6X 7.25, HBM2E 6.0 */
    assert_true(npu_memtech_find("gddr6")->pj_per_bit == 7.5);
    assert_true(npu_memtech_find("gddr6x")->pj_per_bit == 7.25);
    assert_true(npu_memtech_find("hbm2e")->pj_per_bit == 6.0);
    /* "40% better power efficiency than HBM3E": 1.4x the bits per joule -> 3.9 / 1.4 */
    assert_true(fabs(npu_memtech_find("hbm4")->pj_per_bit - 3.9 / 1.4) < 0.05); /* 2.8, to 0.1 pJ */
    /* newer generations of a family never cost more per bit */
    assert_true(npu_memtech_find("hbm4")->pj_per_bit < npu_memtech_find("hbm3e-skhynix")->pj_per_bit);
    assert_true(npu_memtech_find("hbm3")->pj_per_bit < npu_memtech_find("hbm2e")->pj_per_bit);
    assert_true(npu_memtech_find("gddr7")->pj_per_bit < npu_memtech_find("gddr6")->pj_per_bit);
    assert_true(npu_memtech_find("lpddr5x")->pj_per_bit < npu_memtech_find("lpddr4x")->pj_per_bit);
    /* DDR5 for the Xeon presets: one 64-bit channel per "stack" */
    const npu_memtech *d = npu_memtech_find("ddr5-6400");
    assert_non_null(d);
    assert_true(fabs(npu_memtech_bandwidth_Bps(d, 12, 0) - 614.4e9) < 1e6); /* 12 x 64 x 6.4 / 8 */
}

/* The new chips of issue 11 load with the figures their sources state. */
static void test_new_chips(void **st) {
    (void)st;
    npu_hw h;
    /* Xeon 6980P: 128 cores x AMX 512 bf16 MAC/clk at the 2.0 GHz base = 262.1 TF;
     * 12 x DDR5-6400 = 614.4 GB/s; 500 W */
    assert_int_equal(npu_hw_load("xeon-6980p", &h), 0);
    assert_true(fabs(h.peak_flops[NPU_BF16] - 128 * 2.0e9 * 512 * 2) < 1);
    assert_true(fabs(h.mem_bw_Bps - 614.4e9) < 1e6);
    assert_int_equal(h.eng_m * h.eng_n * h.eng_k, 16 * 16 * 32); /* TDPBF16PS */
    assert_int_equal(h.gemv, NPU_GEMV_VECTOR);
    /* Groq: no DRAM, 230 MB SRAM at 80 TB/s; 750 TOPS int8 */
    assert_int_equal(npu_hw_load("groq-lpu", &h), 0);
    assert_true(h.sram_main && h.memtech == NULL);
    assert_true(h.mem_bytes == 230e6 && h.mem_bw_Bps == 80e12);
    assert_true(fabs(h.peak_flops[NPU_INT8] / 750e12 - 1) < 0.002);
    /* Cerebras WSE-3: 44 GB SRAM, 21 PB/s, matrix work on the cores' SIMD */
    assert_int_equal(npu_hw_load("cerebras-wse3", &h), 0);
    assert_true(h.sram_main && h.mem_bytes == 44e9 && h.mem_bw_Bps == 21e15);
    assert_int_equal(h.eng, NPU_ENGINE_NONE);
    /* SAPEON X330 (IANUS, ASPLOS'24): 4 cores x 128 x 64 PEs x 4 MACs at 700 MHz = 183.5 TF */
    assert_int_equal(npu_hw_load("sapeon-x330", &h), 0);
    assert_true(fabs(h.peak_flops[NPU_BF16] - 4 * 128 * 64 * 4 * 0.7e9 * 2) < 1);
    assert_true(fabs(h.mem_bw_Bps - 256e9) < 1e6);
}

/* Llama-4-Maverick-17B-128E (text_config: hidden 5120, 48 layers, 40/8 heads of 128,
 * vocab 202048 untied, MoE every second layer with 128 experts of 8192 + one shared
 * expert of 8192, top-1; the other 24 layers dense with 16384): by hand,
 *   embeddings 2 x 202048 x 5120                    =   2,068,971,520
 *   attention 48 x (2 x 5120^2 + 2 x 5120 x 1024)    =   3,019,898,880
 *   norms 48 x 2 x 5120 + 5120                       =         496,640
 *   dense MLP 24 x 3 x 5120 x 16384                  =   6,039,797,760
 *   MoE 24 x (5120 x 128 + 129 x 3 x 5120 x 8192)    = 389,582,684,160
 * total 400,711,848,960 ("400B"); active: the MoE layers' router, one routed and the
 * shared expert, 24 x (655,360 + 2 x 125,829,120) = 6,055,526,400 -> 17,184,691,200 ("17B"). */
static void test_llama4_maverick_counts(void **st) {
    (void)st;
    double emb = 2.0 * 202048 * 5120, attn = 48.0 * (2 * 5120.0 * 5120 + 2 * 5120.0 * 1024);
    double norms = 48.0 * 2 * 5120 + 5120, dense = 24.0 * 3 * 5120 * 16384, expert = 3.0 * 5120 * 8192;
    double moe = 24 * (5120.0 * 128 + 129 * expert), moe_active = 24 * (5120.0 * 128 + 2 * expert);
    assert_true(emb + attn + norms + dense + moe == 400711848960.0);
    assert_true(params("llama4-maverick", false) == 400711848960.0);
    assert_true(params("llama4-maverick", true) == emb + attn + norms + dense + moe_active);
    assert_true(fabs(params("llama4-maverick", true) / 1e9 - 17.18) < 0.01);
    npu_model m;
    assert_int_equal(npu_model_load("llama4-maverick", &m), 0);
    assert_int_equal(m.sliding_window, 8192); /* attention_chunk_size, as a window */
    assert_int_equal(m.global_every, 4);      /* every 4th layer NoPE, global */
    assert_false(npu_model_layer_local(&m, 3));
    assert_true(npu_model_layer_local(&m, 0));
}

/* GH200 (its Hopper GPU): the H100's GH100 with 132 SMs at 1.83 GHz (989.4 TF bf16
 * dense), 96 GB of HBM3 in 6 stacks at 5.2 Gb/s = 6 x 1024 x 5.2 / 8 = 3993.6 GB/s
 * ("4 TB/s"); the module's 1000 W. */
static void test_gh200(void **st) {
    (void)st;
    npu_hw g, h;
    assert_int_equal(npu_hw_load("gh200", &g), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &h), 0);
    assert_true(fabs(g.peak_flops[NPU_BF16] - h.peak_flops[NPU_BF16]) < 1e6);
    assert_true(fabs(g.peak_flops[NPU_BF16] - 132 * 2048 * 2 * 1.83e9) < 1e9);
    assert_true(fabs(g.mem_bw_Bps - 6 * 1024 * 5.2e9 / 8) < 1e6);
    assert_true(g.mem_bytes == 96.0 * 1073741824.0);
    assert_string_equal(npu_engine_default_for(&g), "trtllm");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama1_counts),           cmocka_unit_test(test_llama31_counts),
        cmocka_unit_test(test_moe_counts),              cmocka_unit_test(test_every_preset_states_tdp),
        cmocka_unit_test(test_sources_not_truncated),   cmocka_unit_test(test_memory_energy_per_bit),
        cmocka_unit_test(test_new_chips),               cmocka_unit_test(test_llama4_maverick_counts),
        cmocka_unit_test(test_gh200),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
