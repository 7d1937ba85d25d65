/* test_sweep — issue 13: --set overrides (every path, validation, the file
 * path's equivalence, edited chips), axis expansion, sampling, the Pareto front
 * (fronts worked out by hand in the comments), constraints, rows against a
 * direct npu_run, thread-count independence, CSV and SQLite writers, resume. */
#include "npu_econ.h"
#include "npu_override.h"
#include "npu_pareto.h"
#include "npu_sweep.h"
#include "npu_sweepio.h"
#include "npu_all.h"
#include "testutil.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- helpers */

static npu_sweep *load_spec(const char *json) {
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    npu_sweep *s = NULL;
    int rc = npu_sweep_from_json(j, "test.json", &s);
    if (rc) fprintf(stderr, "spec error: %s\n", npu_errmsg());
    cJSON_Delete(j);
    assert_int_equal(rc, 0);
    return s;
}

static int spec_fails(const char *json, const char *want) {
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    npu_sweep *s = NULL;
    int rc = npu_sweep_from_json(j, "test.json", &s);
    cJSON_Delete(j);
    npu_sweep_free(s);
    if (rc == 0) return 0;
    if (want && !strstr(npu_errmsg(), want)) {
        fprintf(stderr, "error '%s' lacks '%s'\n", npu_errmsg(), want);
        return 0;
    }
    return 1;
}

static int col_of(const npu_sweep *s, const char *name) {
    for (int c = 0; c < npu_sweep_ncols(s); c++)
        if (strcmp(npu_sweep_col_name(s, c), name) == 0) return c;
    fail_msg("no column %s", name);
    return -1;
}

/* The value of a column for point p (axis and workload columns need no evaluation). */
static double cell_num(const npu_sweep *s, long p, int w, const char *name, const char **str) {
    int nc = npu_sweep_ncols(s);
    double *num = calloc((size_t)nc, sizeof *num);
    const char **sv = calloc((size_t)nc, sizeof *sv);
    npu_sweep_cells *cells = npu_sweep_cells_new(s);
    npu_sweep_row r;
    memset(&r, 0, sizeof r);
    r.point = p, r.workload = w;
    npu_sweep_row_cells(s, &r, cells, num, sv);
    int c = col_of(s, name);
    double v = num[c];
    if (str) *str = sv[c];
    npu_sweep_cells_free(cells), free(num), free(sv);
    return v;
}

static npu_sweep_row *eval_all(const npu_sweep *s, long *n_rows) {
    long np = npu_sweep_points(s);
    int rpp = npu_sweep_rows_per_point(s);
    npu_sweep_row *rows = calloc((size_t)(np * rpp), sizeof *rows);
    npu_sweep_ctx *c = npu_sweep_ctx_new(s);
    for (long p = 0; p < np; p++) npu_sweep_eval_point(s, c, p, rows + p * rpp);
    npu_sweep_ctx_free(c);
    *n_rows = np * rpp;
    return rows;
}

/* ---------------------------------------------------------------- axes */

static void test_axis_expansion(void **st) {
    (void)st;
    /* float step: values are from + k x step rounded to the written decimals, not an
     * accumulating sum: 1.0, 1.1, ..., 2.0 exactly as the literals read */
    npu_sweep *s = load_spec("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},"
                             "\"axes\":{\"workload.burstiness\":{\"from\":1,\"to\":2,\"step\":0.1}},"
                             "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":128}]}");
    static const double want[] = {1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0};
    assert_int_equal(npu_sweep_points(s), 11);
    for (int i = 0; i < 11; i++) assert_true(cell_num(s, i, 0, "workload.burstiness", NULL) == want[i]);
    npu_sweep_free(s);
    /* 0 to 0.3 by 0.1 (0.1 x 3 = 0.30000000000000004 in floating point): 4 values, the last 0.3 */
    s = load_spec("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},"
                  "\"axes\":{\"workload.moe_skew\":{\"from\":0,\"to\":0.3,\"step\":0.1}},"
                  "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":128}]}");
    assert_int_equal(npu_sweep_points(s), 4);
    assert_true(cell_num(s, 3, 0, "workload.moe_skew", NULL) == 0.3);
    assert_true(cell_num(s, 1, 0, "workload.moe_skew", NULL) == 0.1);
    npu_sweep_free(s);
    /* factor: 0.001 x 10^k up to 1: 0.001, 0.01, 0.1, 1 (as the literals) */
    s = load_spec("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},"
                  "\"axes\":{\"hw.links.overlap\":{\"from\":0.001,\"to\":1,\"factor\":10}},"
                  "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":128}]}");
    static const double fw[] = {0.001, 0.01, 0.1, 1};
    assert_int_equal(npu_sweep_points(s), 4);
    for (int i = 0; i < 4; i++) assert_true(cell_num(s, i, 0, "hw.links.overlap", NULL) == fw[i]);
    npu_sweep_free(s);
    /* integers: stacks 2..8 step 3 = 2, 5, 8; units 1..100 factor 2 = 1..64 (7);
     * units 1..4 factor 1.5 = 1, 1.5->2, 2.25->2 (repeat dropped), 3.375->3 = 1, 2, 3 */
    s = load_spec("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},"
                  "\"axes\":{\"hw.memory.stacks\":{\"from\":2,\"to\":8,\"step\":3},"
                  "\"hw.matrix.units\":{\"from\":1,\"to\":100,\"factor\":2},"
                  "\"hw.matrix.tile_k\":{\"from\":1,\"to\":4,\"factor\":1.5}},"
                  "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":128}]}");
    assert_int_equal(npu_sweep_points(s), 3 * 7 * 3);
    /* grid numbering: the first axis slowest, the last fastest */
    assert_true(cell_num(s, 0, 0, "hw.memory.stacks", NULL) == 2);
    assert_true(cell_num(s, 21, 0, "hw.memory.stacks", NULL) == 5);
    assert_true(cell_num(s, 62, 0, "hw.memory.stacks", NULL) == 8);
    assert_true(cell_num(s, 3, 0, "hw.matrix.units", NULL) == 2);
    assert_true(cell_num(s, 18, 0, "hw.matrix.units", NULL) == 64);
    assert_true(cell_num(s, 1, 0, "hw.matrix.tile_k", NULL) == 2);
    assert_true(cell_num(s, 2, 0, "hw.matrix.tile_k", NULL) == 3);
    npu_sweep_free(s);
    /* lists, strings; design axes are numbered outside workload axes whatever the spec order */
    s = load_spec("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},"
                  "\"axes\":{\"workload.batch\":[1,8],\"hw.memory.technology\":[\"hbm3\",\"hbm3e-micron\",\"hbm3e-skhynix\"]},"
                  "\"workloads\":[{\"phase\":\"decode\",\"ctx\":128}]}");
    assert_int_equal(npu_sweep_points(s), 6);
    const char *t;
    assert_true(cell_num(s, 1, 0, "workload.batch", NULL) == 8);
    cell_num(s, 1, 0, "hw.memory.technology", &t);
    assert_string_equal(t, "hbm3");
    cell_num(s, 2, 0, "hw.memory.technology", &t);
    assert_string_equal(t, "hbm3e-micron");
    npu_sweep_free(s);
    /* bad axes are spec errors */
    const char *base = "{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},"
                       "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":128}],\"axes\":";
    char b[600];
    snprintf(b, sizeof b, "%s{\"hw.memory.stack\":[1,2]}}", base);
    assert_true(spec_fails(b, "did you mean 'hw.memory.stacks'"));
    snprintf(b, sizeof b, "%s{\"hw.memory.stacks\":{\"from\":8,\"to\":2,\"step\":1}}}", base);
    assert_true(spec_fails(b, "below 'from'"));
    snprintf(b, sizeof b, "%s{\"hw.memory.stacks\":{\"from\":2,\"to\":8,\"step\":0}}}", base);
    assert_true(spec_fails(b, "'step' must be positive"));
    snprintf(b, sizeof b, "%s{\"hw.memory.stacks\":{\"from\":2,\"to\":8,\"factor\":1}}}", base);
    assert_true(spec_fails(b, "'factor' must be above 1"));
    snprintf(b, sizeof b, "%s{\"hw.memory.stacks\":[]}}", base);
    assert_true(spec_fails(b, "no values"));
    snprintf(b, sizeof b, "%s{\"hw.memory.stacks\":[2, 2.5]}}", base);
    assert_true(spec_fails(b, "not an integer"));
    snprintf(b, sizeof b, "%s{\"hw.memory.stacks\":{\"from\":2,\"to\":8}}}", base);
    assert_true(spec_fails(b, "needs \"sample\""));
    snprintf(b, sizeof b, "%s{\"hw.memory.technology\":{\"from\":2,\"to\":8,\"step\":1}}}", base);
    assert_true(spec_fails(b, "needs a numeric path"));
    assert_true(spec_fails("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},"
                           "\"workloads\":[{\"phase\":\"decode\",\"batch\":1}]}", "needs field 'ctx'"));
    assert_true(spec_fails("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},\"objectives\":{\"usd_per_mtoks\":\"min\"},"
                           "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":8}]}", "did you mean 'usd_per_mtok'"));
    assert_true(spec_fails("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},\"axess\":{},"
                           "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":8}]}", "did you mean 'axes'"));
}

static void test_sampling(void **st) {
    (void)st;
    /* random: reproducible per seed, in range; another seed differs */
    const char *fmt = "{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},"
                      "\"axes\":{\"workload.burstiness\":{\"from\":1,\"to\":2},\"hw.memory.stacks\":[3,4,5,6,7]},"
                      "\"sample\":{\"method\":\"%s\",\"n\":%d,\"seed\":%d},"
                      "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":128}]}";
    char b[800];
    snprintf(b, sizeof b, fmt, "random", 50, 7);
    npu_sweep *a = load_spec(b), *a2 = load_spec(b);
    snprintf(b, sizeof b, fmt, "random", 50, 8);
    npu_sweep *c = load_spec(b);
    assert_int_equal(npu_sweep_points(a), 50);
    int differ = 0;
    for (long p = 0; p < 50; p++) {
        double x = cell_num(a, p, 0, "workload.burstiness", NULL);
        assert_true(x == cell_num(a2, p, 0, "workload.burstiness", NULL));
        assert_true(cell_num(a, p, 0, "hw.memory.stacks", NULL) == cell_num(a2, p, 0, "hw.memory.stacks", NULL));
        assert_true(x >= 1 && x < 2);
        differ += x != cell_num(c, p, 0, "workload.burstiness", NULL);
    }
    assert_true(differ > 45);
    npu_sweep_free(a), npu_sweep_free(a2), npu_sweep_free(c);
    /* Latin hypercube: n = 100 samples of [1, 2) put exactly one value in each of the
     * 100 strata [1 + k/100, 1 + (k+1)/100); the 5-value axis gets each value 20 times */
    snprintf(b, sizeof b, fmt, "lhs", 100, 3);
    npu_sweep *l = load_spec(b), *l2 = load_spec(b);
    int strata[100] = {0}, counts[9] = {0};
    for (long p = 0; p < 100; p++) {
        double x = cell_num(l, p, 0, "workload.burstiness", NULL);
        assert_true(x == cell_num(l2, p, 0, "workload.burstiness", NULL));
        int k = (int)floor((x - 1) * 100);
        assert_true(k >= 0 && k < 100);
        strata[k]++;
        counts[(int)cell_num(l, p, 0, "hw.memory.stacks", NULL)]++;
    }
    for (int k = 0; k < 100; k++) assert_int_equal(strata[k], 1);
    for (int v = 3; v <= 7; v++) assert_int_equal(counts[v], 20);
    npu_sweep_free(l), npu_sweep_free(l2);
    /* 7 samples of 5 values: each value 1 or 2 times (floor/ceil of 7/5) */
    snprintf(b, sizeof b, fmt, "lhs", 7, 11);
    l = load_spec(b);
    memset(counts, 0, sizeof counts);
    for (long p = 0; p < 7; p++) counts[(int)cell_num(l, p, 0, "hw.memory.stacks", NULL)]++;
    for (int v = 3; v <= 7; v++) assert_true(counts[v] == 1 || counts[v] == 2);
    npu_sweep_free(l);
    /* a grid takes no n */
    assert_true(spec_fails("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},\"sample\":{\"method\":\"grid\",\"n\":5},"
                           "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":8}]}", "random or lhs"));
    assert_true(spec_fails("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},\"sample\":{\"method\":\"lhc\",\"n\":5},"
                           "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":8}]}", "did you mean 'lhs'"));
}

/* ---------------------------------------------------------------- overrides */

/* A valid value for a path that differs from the preset's (h100-sxm, and
 * mixtral-8x7b / deepseek-v3 for the moe / mla sections). */
static void valid_value(const char *path, double cur, const char *cur_s, char *out, size_t cap) {
    static const char *const special[][2] = {
        {"hw", "h200-sxm"}, {"model", "llama3-70b"}, {"engine", "mlperf"}, {"engine.host.step_us", "777"},
        {"hw.memory.technology", "hbm3e-skhynix"}, {"hw.memory.height", "12"}, {"hw.links.topology", "ring"},
        {"hw.links.overlap", "0.5"}, {"hw.process.node", "samsung-sf3"}, {"model.heads", "64"},
        {"model.kv_heads", "4"}, {"model.moe.top_k", "1"}, {"model.moe.dense_layers", "1"},
        {"model.norm", "layernorm"}, {"model.activation", "gelu"}, {"model.position", "alibi"},
        {"workload.phase", "serve"}, {"workload.stack", "eager"}, {"workload.dtype", "fp8"},
        {"workload.act_dtype", "fp8"}, {"workload.kv_dtype", "fp8"}, {"workload.scheduler", "disagg"},
        {"workload.router", "least-kv"}, {"workload.arrival", "gamma"}, {"workload.rate", "max"},
        {"workload.input", "lognormal:512,128,2048"}, {"workload.kv_mem_frac", "0.8"},
        {"workload.prefix_share", "0.5"}, {"workload.prefill_hw", "h100-sxm"}, {"workload.name", "chat"},
        {"hw.matrix.clock_mhz", "1500"}, {"hw.process.units_total", "150"}, {"hw.memory.capacity_gb", "64"},
        {"hw.memory.pin_gbps", "6"}, {"hw.vector.width_bits", "1024"}, {"hw.matrix.engine.m", "128"},
        {"hw.matrix.engine.n", "128"}, {"hw.matrix.engine.k", "32"}, {"hw.sram[0].role", "scratchpad"},
    };
    for (size_t i = 0; i < NPU_ARRAY_LEN(special); i++)
        if (strcmp(special[i][0], path) == 0) {
            snprintf(out, cap, "%s", special[i][1]);
            return;
        }
    if (cur_s) { /* a boolean shows as a number; strings are handled above */
        snprintf(out, cap, "x");
        return;
    }
    if (strstr(path, "in_switch") || strstr(path, "gated_mlp") || strstr(path, "tied_") || strstr(path, "_bias") ||
        strstr(path, "parallel_block"))
        snprintf(out, cap, "%s", cur != 0 ? "false" : "true");
    else if (strncmp(path, "hw.efficiency.", 14) == 0) snprintf(out, cap, "%.17g", cur > 0 ? cur * 0.9 : 0.1); /* fractions */
    else snprintf(out, cap, "%.17g", cur + 1);
}

typedef struct bases {
    npu_hw hw, systolic, gemv;
    npu_model dense, moe, mla;
} bases;

/* h100-sxm for most hardware paths; a systolic chip (tpu-v5e) for the array shape,
 * one with a matrix GEMV path (gaudi3) for its granule */
static void load_bases(bases *b) {
    assert_int_equal(npu_hw_load("h100-sxm", &b->hw), 0);
    assert_int_equal(npu_hw_load("tpu-v5e", &b->systolic), 0);
    assert_int_equal(npu_hw_load("gaudi3", &b->gemv), 0);
    assert_int_equal(npu_model_load("llama3-8b", &b->dense), 0);
    assert_int_equal(npu_model_load("mixtral-8x7b", &b->moe), 0);
    assert_int_equal(npu_model_load("deepseek-v3", &b->mla), 0);
}

static void targets_for(const char *path, bases *b, npu_hw *hw, npu_model *m, npu_engine *e, npu_wl *w, npu_plan *p,
                        npu_ov_target *t) {
    *hw = strcmp(path, "hw.matrix.engine.rows") == 0 || strcmp(path, "hw.matrix.engine.cols") == 0 ? b->systolic
          : strcmp(path, "hw.matrix.gemv.granule") == 0                                              ? b->gemv
                                                                                                   : b->hw;
    *m = strncmp(path, "model.moe.", 10) == 0 ? b->moe : strncmp(path, "model.mla.", 10) == 0 ? b->mla : b->dense;
    *e = *npu_engine_default();
    npu_wl_defaults(w);
    *p = (npu_plan){1, 1, 1, 1, 1};
    *t = (npu_ov_target){hw, m, e, w, p};
}

static void test_every_path_applies(void **st) {
    (void)st;
    bases *b = malloc(sizeof *b);
    load_bases(b);
    npu_hw *hw = malloc(sizeof *hw);
    npu_model m;
    npu_engine e;
    npu_wl w;
    npu_plan p;
    npu_ov_target t;
    int n = npu_ov_path_count(), done = 0;
    assert_true(n > 100);
    for (int i = 0; i < n; i++) {
        char path[96];
        snprintf(path, sizeof path, "%s", npu_ov_path_at(i, NULL));
        if (strncmp(path, "hw.sram[]", 9) == 0) /* smem (per unit) is level 0, l2 (shared, mb) level 1 */
            snprintf(path, sizeof path, "hw.sram[%d]%s", strcmp(path + 9, ".mb") == 0, npu_ov_path_at(i, NULL) + 9);
        if (strcmp(path, "engine.SECTION.KEY") == 0) snprintf(path, sizeof path, "engine.host.step_us");
        targets_for(path, b, hw, &m, &e, &w, &p, &t);
        npu_ov o;
        assert_int_equal(npu_ov_resolve(path, &o), 0);
        double cur = 0;
        const char *cs = NULL;
        char buf[64];
        int k = npu_ov_get(&o, &t, &cur, &cs, buf, sizeof buf);
        char v[96];
        valid_value(path, k == 0 ? cur : 0, k == 1 ? cs : NULL, v, sizeof v);
        char assign[200];
        snprintf(assign, sizeof assign, "%s=%s", path, v);
        assert_int_equal(npu_ov_parse(assign, &o), 0);
        if (npu_ov_apply(&o, 1, &t)) fail_msg("%s: %s", assign, npu_errmsg());
        /* read back: the value set */
        double now = 0;
        const char *ns = NULL;
        k = npu_ov_get(&o, &t, &now, &ns, buf, sizeof buf);
        if (k == 1) {
            if (strcmp(path, "hw") == 0) assert_string_equal(ns, "h200-sxm");
            else if (strcmp(path, "model") == 0) assert_string_equal(ns, "llama3-70b");
            else assert_string_equal(ns, v);
        } else if (k == 0) {
            double want = strcmp(v, "true") == 0 ? 1 : strcmp(v, "false") == 0 ? 0 : strtod(v, NULL);
            if (now != want) fail_msg("%s: reads back %g", assign, now);
        } else if (strcmp(path, "engine") == 0) { /* the profile loaded */
            assert_string_equal(e.asked, "mlperf");
        } else { /* a profile field, set in the profile's JSON and read back */
            assert_string_equal(path, "engine.host.step_us");
            assert_true(e.step_us == 777);
        }
        done++;
    }
    assert_int_equal(done, n);
    /* the level-name form reaches the same field */
    targets_for("hw.sram.smem.kb_per_unit", b, hw, &m, &e, &w, &p, &t);
    npu_ov o;
    assert_int_equal(npu_ov_parse("hw.sram.smem.kb_per_unit=256", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), 0);
    assert_true(hw->sram[0].kb_per_unit == 256);
    assert_int_equal(npu_ov_parse("hw.sram.l3.mb=256", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), -1);
    assert_non_null(strstr(npu_errmsg(), "no SRAM level 'l3'"));
    /* HF names are aliases */
    assert_int_equal(npu_ov_parse("model.num_hidden_layers=40", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), 0);
    assert_int_equal(m.layers, 40);
    free(hw), free(b);
}

/* hw and model paths: the table and the JSON reader accept the same values and
 * reject the same ones with the same message. */
static void test_table_matches_file_path(void **st) {
    (void)st;
    bases *b = malloc(sizeof *b);
    load_bases(b);
    npu_hw *h1 = malloc(sizeof *h1), *h2 = malloc(sizeof *h2);
    npu_model m1, m2;
    npu_engine e;
    npu_wl w;
    npu_plan p;
    int compared = 0, rejected = 0;
    for (int i = 0; i < npu_ov_path_count(); i++) {
        char path[96];
        snprintf(path, sizeof path, "%s", npu_ov_path_at(i, NULL));
        if (strncmp(path, "hw.sram[]", 9) == 0) snprintf(path, sizeof path, "hw.sram[0]%s", npu_ov_path_at(i, NULL) + 9);
        if (strncmp(path, "hw.", 3) && strncmp(path, "model.", 6)) continue;
        npu_ov_target t1, t2;
        targets_for(path, b, h1, &m1, &e, &w, &p, &t1);
        targets_for(path, b, h2, &m2, &e, &w, &p, &t2);
        npu_ov probe;
        assert_int_equal(npu_ov_resolve(path, &probe), 0);
        double cur = 0;
        const char *cs = NULL;
        char buf[64], v[96];
        int k = npu_ov_get(&probe, &t1, &cur, &cs, buf, sizeof buf);
        valid_value(path, k == 0 ? cur : 0, k == 1 ? cs : NULL, v, sizeof v);
        /* a valid value, a negative one, a fraction, a string, zero, an unknown name */
        const char *vals[] = {v, "-1", "2.5", "abc", "0", "nonesuch"};
        for (size_t j = 0; j < NPU_ARRAY_LEN(vals); j++) {
            targets_for(path, b, h1, &m1, &e, &w, &p, &t1);
            targets_for(path, b, h2, &m2, &e, &w, &p, &t2);
            char assign[200];
            snprintf(assign, sizeof assign, "%s=%s", path, vals[j]);
            npu_ov o;
            assert_int_equal(npu_ov_parse(assign, &o), 0);
            int r1 = npu_ov_apply(&o, 1, &t1);
            char e1[1024];
            snprintf(e1, sizeof e1, "%s", npu_errmsg());
            int r2 = npu_ov_apply_via_json(&o, 1, &t2);
            char e2[1024];
            snprintf(e2, sizeof e2, "%s", npu_errmsg());
            if (r1 != r2) fail_msg("%s: table %d (%s), file %d (%s)", assign, r1, r1 ? e1 : "", r2, r2 ? e2 : "");
            if (r1) {
                if (strcmp(e1, e2)) fail_msg("%s: table says '%s', file says '%s'", assign, e1, e2);
                rejected++;
                continue;
            }
            /* the same description: the schema written back, and the derived figures */
            cJSON *j1 = path[0] == 'h' ? npu_hw_to_json(h1) : npu_model_to_json(&m1);
            cJSON *j2 = path[0] == 'h' ? npu_hw_to_json(h2) : npu_model_to_json(&m2);
            char *s1 = cJSON_PrintUnformatted(j1), *s2 = cJSON_PrintUnformatted(j2);
            if (strcmp(s1, s2)) fail_msg("%s: table and file give different descriptions", assign);
            free(s1), free(s2), cJSON_Delete(j1), cJSON_Delete(j2);
            if (path[0] == 'h') {
                assert_true(h1->mem_bw_Bps == h2->mem_bw_Bps && h1->mem_bytes == h2->mem_bytes);
                assert_true(h1->l2_bytes == h2->l2_bytes && h1->energy_rel == h2->energy_rel);
                assert_true(h1->smem_bytes_per_unit == h2->smem_bytes_per_unit);
            }
            compared++;
        }
    }
    assert_true(compared > 80);
    assert_true(rejected > 150);
    free(h1), free(h2), free(b);
}

static void test_validation_after_edit(void **st) {
    (void)st;
    npu_hw *hw = malloc(sizeof *hw);
    npu_model m;
    assert_int_equal(npu_hw_load("h100-sxm", hw), 0);
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    npu_ov_target t = {.hw = hw, .model = &m};
    npu_ov o;
    /* the reader's bound, its message, naming the edit */
    assert_int_equal(npu_ov_parse("hw.memory.stacks=0", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), -1);
    assert_string_equal(npu_errmsg(), "--set hw.memory.stacks=0: memory: field 'stacks' is 0, must be at least 1");
    /* npu_hw_finish's check */
    assert_int_equal(npu_ov_parse("hw.memory.technology=hbm9", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), -1);
    assert_non_null(strstr(npu_errmsg(), "--set hw.memory.technology=hbm9: memory.technology: unknown memory technology 'hbm9'"));
    assert_int_equal(npu_hw_load("h100-sxm", hw), 0); /* a failed edit may leave the description half edited */
    assert_int_equal(npu_ov_parse("hw.matrix.macs_per_cycle.bf16=0", &o), 0);
    npu_ov two[3];
    two[0] = o;
    assert_int_equal(npu_ov_parse("hw.matrix.macs_per_cycle.fp16=0", &two[1]), 0);
    assert_int_equal(npu_ov_parse("hw.matrix.macs_per_cycle.int8=0", &two[2]), 0);
    assert_int_equal(npu_ov_apply(two, 3, &t), -1);
    assert_non_null(strstr(npu_errmsg(), "needs at least one of bf16, fp16, int8"));
    assert_non_null(strstr(npu_errmsg(), "hw.matrix.macs_per_cycle.bf16=0, hw.matrix.macs_per_cycle.fp16=0"));
    /* the model's check */
    assert_int_equal(npu_ov_parse("model.heads=33", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), -1);
    assert_string_equal(npu_errmsg(), "--set model.heads=33: heads (33) must be a multiple of kv_heads (8)");
    assert_int_equal(npu_ov_parse("model.norm=batchnorm", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), -1);
    assert_non_null(strstr(npu_errmsg(), "unknown norm 'batchnorm'"));
    assert_int_equal(npu_ov_parse("model.moe.top_k=2", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), -1);
    assert_non_null(strstr(npu_errmsg(), "dense model"));
    assert_int_equal(npu_ov_parse("hw.process.node=tsmc-n33", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), -1);
    assert_non_null(strstr(npu_errmsg(), "did you mean 'tsmc-n3'"));
    /* unknown paths name the closest one */
    assert_int_equal(npu_ov_parse("hw.memory.stack=4", &o), -1);
    assert_non_null(strstr(npu_errmsg(), "unknown path 'hw.memory.stack' (did you mean 'hw.memory.stacks'?)"));
    assert_int_equal(npu_ov_parse("model.layer=4", &o), -1);
    assert_non_null(strstr(npu_errmsg(), "did you mean 'model.layers'"));
    assert_int_equal(npu_ov_parse("hw.memory.stacks", &o), -1);
    assert_non_null(strstr(npu_errmsg(), "expected PATH=VALUE"));
    free(hw);
}

static void test_edited_chip(void **st) {
    (void)st;
    npu_hw *base = malloc(sizeof *base), *hw = malloc(sizeof *hw);
    assert_int_equal(npu_hw_load("rngd", base), 0);
    *hw = *base;
    npu_ov_target t = {.hw = hw};
    npu_ov o;
    /* an edit clears the published die and price and marks the description */
    assert_int_equal(npu_ov_parse("hw.memory.stacks=4", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), 0);
    assert_true(hw->die_mm2 == 0 && hw->price_usd == 0);
    assert_non_null(strstr(hw->description, "(edited)"));
    /* an edit to the value the chip has changes nothing: still the published chip */
    npu_hw *same = malloc(sizeof *same);
    *same = *base;
    npu_ov_target ts = {.hw = same};
    assert_int_equal(npu_ov_parse("hw.memory.stacks=2", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &ts), 0);
    assert_true(same->die_mm2 == 653 && same->price_usd == base->price_usd);
    assert_null(strstr(same->description, "(edited)"));
    free(same);
    /* so it is costed by the area model, never at the published die: as npu_econ's
     * rule for an edited preset, the published die scaled by estimate(edited) /
     * estimate(published); with estimate_area, the estimate itself */
    npu_process p;
    assert_int_equal(npu_process_of_hw(base->process_node, &p), 0);
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    npu_unit_cost pub, ed, ed_est, base_est;
    assert_int_equal(npu_econ_unit_cost(base, &p, &c, &pub), 0);
    assert_string_equal(pub.area_basis, "published");
    assert_true(pub.die_area_mm2 == 653);
    assert_int_equal(npu_econ_unit_cost(hw, &p, &c, &ed), 0);
    assert_string_equal(ed.area_basis, "published, scaled");
    assert_float_equal(ed.die_area_mm2, 653 * ed.estimated_die_area_mm2 / pub.estimated_die_area_mm2, 1e-9);
    assert_true(ed.die_area_mm2 > 653); /* two more HBM PHYs */
    c.estimate_area = true;
    assert_int_equal(npu_econ_unit_cost(hw, &p, &c, &ed_est), 0);
    assert_int_equal(npu_econ_unit_cost(base, &p, &c, &base_est), 0);
    assert_string_equal(ed_est.area_basis, "estimate");
    assert_true(ed_est.die_area_mm2 == ed.estimated_die_area_mm2);
    /* a chip from a file (no preset of its name to anchor to) is costed at its estimate once edited */
    npu_hw *f = malloc(sizeof *f);
    *f = *base;
    npu_strlcpy(f->name, "my-npu", sizeof f->name);
    c.estimate_area = false;
    npu_unit_cost fpub, fed;
    assert_int_equal(npu_econ_unit_cost(f, &p, &c, &fpub), 0);
    assert_string_equal(fpub.area_basis, "published"); /* as loaded: its own published die */
    npu_ov_target tf = {.hw = f};
    assert_int_equal(npu_ov_parse("hw.memory.stacks=4", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &tf), 0);
    assert_int_equal(npu_econ_unit_cost(f, &p, &c, &fed), 0);
    assert_string_equal(fed.area_basis, "estimate");
    assert_true(fed.die_area_mm2 == ed_est.die_area_mm2);
    free(f);
    /* an efficiency edit is not a new product: price and die stay */
    npu_hw *h = malloc(sizeof *h);
    assert_int_equal(npu_hw_load("h100-sxm", h), 0);
    double price = h->price_usd, die = h->die_mm2;
    t.hw = h;
    assert_int_equal(npu_ov_parse("hw.efficiency.mem_eff=0.8", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), 0);
    assert_true(h->price_usd == price && h->die_mm2 == die && h->eff_from_file);
    /* a clock edit changes the product (price) but not the silicon (die) */
    assert_int_equal(npu_ov_parse("hw.matrix.clock_mhz=1500", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), 0);
    assert_true(h->price_usd == 0 && h->die_mm2 == die);
    /* side effects: a technology edit drops the product's pin rate and capacity (H100:
     * 5.23 Gb/s, 80 GiB) for the technology's; an explicit pin rate in the same batch wins */
    assert_int_equal(npu_hw_load("h100-sxm", h), 0);
    npu_ov two[2];
    assert_int_equal(npu_ov_parse("hw.memory.pin_gbps=8", &two[0]), 0);
    assert_int_equal(npu_ov_parse("hw.memory.technology=hbm3e-skhynix", &two[1]), 0);
    assert_int_equal(npu_ov_apply(two, 2, &t), 0);
    assert_true(h->mem_pin_gbps == 8 && h->mem_capacity_gb == 0);
    /* 5 stacks x 8 high x 24 Gbit = 120 GiB; 5 x 1024 bit x 8 Gb/s / 8 = 5.12 TB/s */
    assert_float_equal(h->mem_bytes, 5 * 8 * 24 * 1073741824.0 / 8, 1);
    assert_float_equal(h->mem_bw_Bps, 5.12e12, 1e3);
    /* units: the spare fraction stays (132 of 144 -> 264 of 288) */
    assert_int_equal(npu_hw_load("h100-sxm", h), 0);
    assert_int_equal(npu_ov_parse("hw.matrix.units=264", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &t), 0);
    assert_int_equal(h->units_total, 288);
    /* the datatype default rule of the CLI: fp8 weights run fp8 GEMMs, int4 is weight-only */
    npu_wl w;
    npu_wl_defaults(&w);
    npu_ov_target tw = {.wl = &w};
    assert_int_equal(npu_ov_parse("workload.dtype=int4", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &tw), 0);
    assert_true(w.wdt == NPU_INT4 && w.adt == NPU_BF16 && w.kvdt == NPU_BF16);
    assert_int_equal(npu_ov_parse("workload.dtype=fp8", &o), 0);
    assert_int_equal(npu_ov_apply(&o, 1, &tw), 0);
    assert_true(w.wdt == NPU_FP8 && w.adt == NPU_FP8);
    free(base), free(hw), free(h);
}

/* ---------------------------------------------------------------- pareto */

static void test_pareto_hand(void **st) {
    (void)st;
    /* two objectives, both minimized:
     * A(1,5) B(2,3) C(3,4) D(4,1) E(2,3) F(5,5) G(1,6)
     * C is dominated by B (2<=3, 3<=4), F by everything left of it, G by A (1<=1, 5<6);
     * B and E are equal (neither dominates) -> front A, B, D, E */
    const double v2[] = {1, 5, 2, 3, 3, 4, 4, 1, 2, 3, 5, 5, 1, 6};
    unsigned char f[7];
    assert_int_equal(npu_pareto_front(v2, 2, NULL, NULL, 7, f), 0);
    const unsigned char w2[] = {1, 1, 0, 1, 1, 0, 0};
    assert_memory_equal(f, w2, 7);
    /* three objectives: P1(1,2,3) P2(2,1,3) P3(2,2,2) P4(2,2,3) P5(3,3,1) P6(3,3,3)
     * P4 is dominated by P3 (and P1), P6 by P3; P1, P2, P3, P5 each best somewhere */
    const double v3[] = {1, 2, 3, 2, 1, 3, 2, 2, 2, 2, 2, 3, 3, 3, 1, 3, 3, 3};
    unsigned char g[6];
    assert_int_equal(npu_pareto_front(v3, 3, NULL, NULL, 6, g), 0);
    const unsigned char w3[] = {1, 1, 1, 0, 1, 0};
    assert_memory_equal(g, w3, 6);
    /* groups are separate fronts; a non-candidate never dominates: points
     * 0:(1,1) g0 not ok, 1:(2,2) g0, 2:(3,1) g0, 3:(2,2) g1, 4:(1,3) g1, 5:(3,3) g1
     * group 0: (1,1) is out, so (2,2) and (3,1) stay; group 1: (3,3) is dominated */
    const double vg[] = {1, 1, 2, 2, 3, 1, 2, 2, 1, 3, 3, 3};
    const int grp[] = {0, 0, 0, 1, 1, 1};
    const unsigned char ok[] = {0, 1, 1, 1, 1, 1};
    unsigned char h[6];
    assert_int_equal(npu_pareto_front(vg, 2, grp, ok, 6, h), 0);
    const unsigned char wg[] = {0, 1, 1, 1, 1, 0};
    assert_memory_equal(h, wg, 6);
    /* one objective: the minimum, ties included: 3 1 2 1 -> points 1 and 3 */
    const double v1[] = {3, 1, 2, 1};
    unsigned char k[4];
    assert_int_equal(npu_pareto_front(v1, 1, NULL, NULL, 4, k), 0);
    const unsigned char w1[] = {0, 1, 0, 1};
    assert_memory_equal(k, w1, 4);
    /* random sets against the definition (O(n^2) dominance check), k = 2, 3, 4 */
    srand(5);
    for (int kk = 2; kk <= 4; kk++) {
        enum { N = 400 };
        double *v = malloc(N * kk * sizeof *v);
        for (int i = 0; i < N * kk; i++) v[i] = rand() % 20; /* many ties */
        unsigned char fr[N];
        assert_int_equal(npu_pareto_front(v, kk, NULL, NULL, N, fr), 0);
        for (int i = 0; i < N; i++) {
            int dominated = 0;
            for (int j = 0; j < N && !dominated; j++) {
                int le = 1, lt = 0;
                for (int t = 0; t < kk; t++) {
                    if (v[j * kk + t] > v[i * kk + t]) le = 0;
                    if (v[j * kk + t] < v[i * kk + t]) lt = 1;
                }
                dominated = le && lt;
            }
            assert_int_equal(fr[i], !dominated);
        }
        free(v);
    }
}

/* ---------------------------------------------------------------- evaluation */

static const char *const small_spec =
    "{\"base\":{\"hw\":\"rngd\",\"model\":\"llama3-8b\",\"dtype\":\"fp8\",\"kv_dtype\":\"fp8\"},"
    "\"axes\":{\"hw.memory.stacks\":[1,2,4,6],\"hw.process.node\":[\"tsmc-n5\",\"samsung-sf3\"],"
    "\"hw.matrix.units\":[8,64]},"
    "\"workloads\":[{\"phase\":\"decode\",\"batch\":32,\"ctx\":2048},"
    "{\"phase\":\"e2e\",\"batch\":4,\"input\":512,\"output\":64,\"name\":\"chat, short\"}],"
    "\"objectives\":{\"usd_per_mtok\":\"min\",\"tokens_per_s_per_chip\":\"max\"},"
    "\"constraints\":{\"die_mm2\":{\"max\":700},\"power_w\":{\"max\":165},\"fits\":true}}";

static void test_rows_match_run_and_constraints(void **st) {
    (void)st;
    npu_sweep *s = load_spec(small_spec);
    long n;
    npu_sweep_row *rows = eval_all(s, &n);
    assert_int_equal(n, 16 * 2);
    npu_hw *hw = malloc(sizeof *hw);
    npu_model m;
    npu_run_result *r = malloc(sizeof *r);
    int fits0 = 0, die_bad = 0, pow_bad = 0, feasible = 0, reticle = 0;
    for (long i = 0; i < n; i++) {
        const npu_sweep_row *x = &rows[i];
        assert_int_equal(x->id, i);
        /* the row equals the single-point path: load, --set the axis values, npu_run */
        char label[400];
        npu_sweep_point_label(s, x->point, label, sizeof label);
        assert_int_equal(npu_hw_load("rngd", hw), 0);
        assert_int_equal(npu_model_load("llama3-8b", &m), 0);
        npu_ov ov[3];
        char *save, *tok = strtok_r(label, ",", &save);
        int k = 0;
        for (; tok; tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ') tok++;
            assert_int_equal(npu_ov_parse(tok, &ov[k++]), 0);
        }
        npu_ov_target t = {.hw = hw, .model = &m};
        assert_int_equal(npu_ov_apply(ov, k, &t), 0);
        /* the engine a sweep (and the CLI, --engine auto) uses by default: the edited chip's usual one */
        npu_engine *eng = malloc(sizeof *eng);
        assert_int_equal(npu_engine_load(npu_engine_default_for(hw), eng), 0);
        npu_run_cfg c = {.phase = x->workload == 0 ? NPU_RUN_DECODE : NPU_RUN_E2E, .batch = x->workload == 0 ? 32 : 4,
                         .ctx = 2048, .input = 512, .output = 64, .wdt = NPU_FP8, .adt = NPU_FP8, .kvdt = NPU_FP8,
                         .engine = eng};
        int rc = npu_run(&m, hw, &c, r);
        free(eng);
        if (rc) {
            assert_true(x->m[NPU_SM_FITS] == 0 && !x->feasible);
            assert_non_null(strstr(x->reason, "does not fit"));
            fits0++;
            continue;
        }
        assert_true(x->m[NPU_SM_LATENCY_MS] == r->latency_s * 1e3);
        assert_true(x->m[NPU_SM_TOKENS_PER_S] == r->tokens_per_s);
        assert_true(x->m[NPU_SM_POWER_W] == r->power_w);
        /* constraints, evaluated by hand from the row */
        bool die_ok = !(x->m[NPU_SM_DIE_MM2] > 700), pow_ok = !(x->m[NPU_SM_POWER_W] > 165);
        assert_int_equal(x->feasible, die_ok && pow_ok);
        if (x->m[NPU_SM_DIE_MM2] > 858) { /* beyond the reticle: cannot be built, whatever the constraints */
            assert_non_null(strstr(x->reason, "mm2 reticle limit"));
            assert_true(isnan(x->m[NPU_SM_UNIT_COST_USD]));
            reticle++;
            continue;
        }
        if (!die_ok) assert_non_null(strstr(x->reason, "violates die_mm2 <= 700")), die_bad++;
        if (!pow_ok) assert_non_null(strstr(x->reason, "violates power_w <= 165")), pow_bad++;
        if (die_ok && pow_ok) assert_string_equal(x->reason, ""), feasible++;
    }
    /* 64 units of 32 MB SRAM are 4.6-4.9k mm2 dies; 8 units stay near 500-700 mm2;
     * with 2 and 4 stacks the chip draws 166-172 W (above the 165 W bound) */
    assert_true(reticle == 16 && pow_bad > 0 && feasible > 0);
    (void)die_bad;
    /* the front: only feasible rows, and the flags equal a direct computation */
    assert_int_equal(npu_sweep_pareto_rows(s, rows, n), 0);
    int on = 0;
    for (long i = 0; i < n; i++) {
        if (rows[i].pareto) assert_true(rows[i].feasible), on++;
        for (long j = 0; j < n && rows[i].pareto; j++) { /* nothing feasible of its workload dominates it */
            if (j == i || !rows[j].feasible || rows[j].workload != rows[i].workload) continue;
            bool better_cost = rows[j].m[NPU_SM_USD_PER_MTOK] <= rows[i].m[NPU_SM_USD_PER_MTOK];
            bool better_tps = rows[j].m[NPU_SM_TOKENS_PER_S_PER_CHIP] >= rows[i].m[NPU_SM_TOKENS_PER_S_PER_CHIP];
            bool strict = rows[j].m[NPU_SM_USD_PER_MTOK] < rows[i].m[NPU_SM_USD_PER_MTOK] ||
                          rows[j].m[NPU_SM_TOKENS_PER_S_PER_CHIP] > rows[i].m[NPU_SM_TOKENS_PER_S_PER_CHIP];
            assert_false(better_cost && better_tps && strict);
        }
    }
    assert_true(on >= 2);
    (void)fits0;
    /* the JSON form of a row: every column, by name */
    npu_sweep_cells *cells = npu_sweep_cells_new(s);
    cJSON *j = npu_sweep_row_json(s, &rows[1], cells);
    assert_int_equal(cJSON_GetArraySize(j), npu_sweep_ncols(s));
    assert_true(cJSON_GetObjectItem(j, "latency_ms")->valuedouble == rows[1].m[NPU_SM_LATENCY_MS]);
    assert_string_equal(cJSON_GetObjectItem(j, "workload.name")->valuestring, "chat, short");
    assert_string_equal(cJSON_GetObjectItem(j, "hw.process.node")->valuestring, "tsmc-n5");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "rate_rps")));
    cJSON_Delete(j);
    npu_sweep_cells_free(cells);
    free(rows), free(hw), free(r);
    npu_sweep_free(s);
}

static void test_failing_points_are_rows(void **st) {
    (void)st;
    /* an invalid edit (0 stacks), an invalid plan (tp 3 of 32 heads), a model that does not fit */
    npu_sweep *s = load_spec("{\"base\":{\"hw\":\"rngd\",\"model\":\"llama3-70b\"},"
                             "\"axes\":{\"hw.memory.stacks\":[0,2,8]},"
                             "\"plans\":[{\"tp\":1},{\"tp\":3}],"
                             "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":128}]}");
    long n;
    npu_sweep_row *rows = eval_all(s, &n);
    assert_int_equal(n, 6); /* point x plan: (0 stacks, 2 stacks, 8 stacks) x (tp 1, tp 3) */
    assert_non_null(strstr(rows[0].reason, "field 'stacks' is 0, must be at least 1"));
    assert_non_null(strstr(rows[1].reason, "field 'stacks' is 0, must be at least 1"));
    /* 2 x 12-high x 16 Gbit = 48 GiB < 141 GB of bf16 weights */
    assert_non_null(strstr(rows[2].reason, "does not fit"));
    assert_true(rows[2].m[NPU_SM_FITS] == 0 && !rows[2].feasible);
    assert_non_null(strstr(rows[3].reason, "not divisible by --tp 3"));
    assert_true(isnan(rows[3].m[NPU_SM_FITS]));
    assert_true(rows[4].m[NPU_SM_FITS] == 1 && rows[4].feasible); /* 8 stacks: 192 GiB */
    assert_string_equal(rows[4].reason, "");
    for (long i = 0; i < n; i++)
        for (int m = 0; m < NPU_SM_COUNT; m++) assert_false(isinf(rows[i].m[m]));
    free(rows);
    npu_sweep_free(s);
}

typedef struct mem_sink {
    npu_sweep_row *rows;
    long n, cap;
} mem_sink;

static int mem_rows(void *ctx, const npu_sweep_row *rows, long n) {
    mem_sink *m = ctx;
    if (m->n + n > m->cap) {
        m->cap = (m->n + n) * 2;
        m->rows = realloc(m->rows, (size_t)m->cap * sizeof *m->rows);
    }
    memcpy(m->rows + m->n, rows, (size_t)n * sizeof *rows);
    m->n += n;
    return 0;
}

static void test_threads_give_the_same_rows(void **st) {
    (void)st;
    npu_sweep *s = load_spec(small_spec);
    mem_sink a = {0}, b = {0}, c = {0};
    npu_sweep_opts o1 = {.jobs = 1, .block_points = 5}, o2 = {.jobs = 2, .block_points = 3}, o3 = {.jobs = 3};
    npu_sweep_sink s1 = {&a, mem_rows}, s2 = {&b, mem_rows}, s3 = {&c, mem_rows};
    assert_int_equal(npu_sweep_run(s, &o1, &s1), 0);
    assert_int_equal(npu_sweep_run(s, &o2, &s2), 0);
    assert_int_equal(npu_sweep_run(s, &o3, &s3), 0);
    assert_int_equal(a.n, 32);
    assert_int_equal(b.n, 32);
    assert_int_equal(c.n, 32);
    for (long i = 0; i < a.n; i++) {
        assert_int_equal(a.rows[i].id, i);
        assert_memory_equal(a.rows[i].m, b.rows[i].m, sizeof a.rows[i].m);
        assert_memory_equal(a.rows[i].m, c.rows[i].m, sizeof a.rows[i].m);
        assert_string_equal(a.rows[i].reason, b.rows[i].reason);
    }
    /* a point evaluated on a fresh context equals the memoized one */
    npu_sweep_ctx *ctx = npu_sweep_ctx_new(s);
    npu_sweep_row r[2];
    for (long p = 15; p >= 0; p -= 3) {
        npu_sweep_eval_point(s, ctx, p, r);
        assert_memory_equal(r[1].m, a.rows[p * 2 + 1].m, sizeof r[1].m);
    }
    npu_sweep_ctx_free(ctx);
    /* resume: points marked done are skipped */
    unsigned char done[2] = {0xff, 0x00};
    mem_sink d = {0};
    npu_sweep_opts o4 = {.jobs = 2, .done = done};
    npu_sweep_sink s4 = {&d, mem_rows};
    assert_int_equal(npu_sweep_run(s, &o4, &s4), 0);
    assert_int_equal(d.n, 16);
    assert_int_equal(d.rows[0].id, 16);
    free(a.rows), free(b.rows), free(c.rows), free(d.rows);
    npu_sweep_free(s);
}

/* ---------------------------------------------------------------- writers */

static char tmpdir[64];

static void test_csv_writer(void **st) {
    (void)st;
    npu_sweep *s = load_spec(small_spec);
    char path[128];
    snprintf(path, sizeof path, "%s/x.csv", tmpdir);
    npu_sweep_out *o;
    assert_int_equal(npu_sweep_out_open(s, path, true, NULL, &o), -1); /* no resume on CSV */
    assert_non_null(strstr(npu_errmsg(), "SQLite"));
    assert_int_equal(npu_sweep_out_open(s, path, false, NULL, &o), 0);
    npu_sweep_opts so = {.jobs = 2, .block_points = 4};
    npu_sweep_sink sink = {o, npu_sweep_out_sink};
    assert_int_equal(npu_sweep_run(s, &so, &sink), 0);
    assert_int_equal(npu_sweep_out_finish(o), 0);
    const int64_t *ids;
    long nf = npu_sweep_out_front(o, &ids);
    npu_sweep_out_free(o);
    long n;
    npu_sweep_row *rows = eval_all(s, &n);
    assert_int_equal(npu_sweep_pareto_rows(s, rows, n), 0);
    long want_front = 0;
    for (long i = 0; i < n; i++) want_front += rows[i].pareto;
    assert_int_equal(nf, want_front);
    /* read back: header, one line per row, the pareto flag last, the quoted name */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[8192];
    assert_non_null(fgets(line, sizeof line, f));
    int commas = 0;
    for (char *p = line; *p; p++) commas += *p == ',';
    assert_int_equal(commas + 1, npu_sweep_ncols(s));
    assert_non_null(strstr(line, "id,point,hw.memory.stacks,hw.process.node,hw.matrix.units,workload,workload.name"));
    assert_non_null(strstr(line, ",fits,feasible,reason,pareto\n"));
    long i = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        assert_true(len > 2 && line[len - 1] == '\n');
        assert_int_equal(line[len - 2] - '0', rows[i].pareto);
        assert_int_equal(strtol(line, NULL, 10), i);
        if (rows[i].workload == 1) assert_non_null(strstr(line, ",\"chat, short\","));
        i++;
    }
    fclose(f);
    assert_int_equal(i, n);
    char part[160];
    snprintf(part, sizeof part, "%s.part", path);
    assert_int_equal(access(part, F_OK), -1); /* the partial file is gone */
    free(rows);
    npu_sweep_free(s);
}

static long sql_long(const char *path, const char *q) {
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_sqlite_writer_and_resume(void **st) {
    (void)st;
    npu_sweep *s = load_spec(small_spec);
    char path[128];
    snprintf(path, sizeof path, "%s/x.sqlite", tmpdir);
    /* a first run that stops after 2 blocks (the sink fails as a kill would) */
    npu_sweep_out *o;
    assert_int_equal(npu_sweep_out_open(s, path, false, NULL, &o), 0);
    long dn;
    assert_null(npu_sweep_out_done(o, &dn));
    assert_int_equal(dn, 0);
    assert_int_equal(npu_sweep_out_rows(o, NULL, 0), 0);
    long n;
    npu_sweep_row *rows = eval_all(s, &n);
    assert_int_equal(npu_sweep_out_rows(o, rows, 6), 0);      /* points 0-2 */
    assert_int_equal(npu_sweep_out_rows(o, rows + 10, 4), 0); /* points 5-6 */
    npu_sweep_out_free(o); /* no finish: as if killed */
    assert_int_equal(sql_long(path, "SELECT count(*) FROM points"), 10);
    /* without --resume an existing database is refused */
    assert_int_equal(npu_sweep_out_open(s, path, false, NULL, &o), -1);
    assert_non_null(strstr(npu_errmsg(), "--resume"));
    /* another spec is refused */
    npu_sweep *other = load_spec("{\"base\":{\"hw\":\"rngd\",\"model\":\"llama3-8b\"},"
                                 "\"workloads\":[{\"phase\":\"decode\",\"batch\":1,\"ctx\":8}]}");
    assert_int_equal(npu_sweep_out_open(other, path, true, NULL, &o), -1);
    assert_non_null(strstr(npu_errmsg(), "different spec"));
    npu_sweep_free(other);
    /* resume: the stored points are skipped, the rest written, flags recomputed */
    assert_int_equal(npu_sweep_out_open(s, path, true, NULL, &o), 0);
    const unsigned char *done = npu_sweep_out_done(o, &dn);
    assert_int_equal(dn, 5);
    assert_true(npu_sweep_bit(done, 0) && npu_sweep_bit(done, 2) && !npu_sweep_bit(done, 3) && npu_sweep_bit(done, 6));
    npu_sweep_opts so = {.jobs = 2, .block_points = 3, .done = done};
    npu_sweep_sink sink = {o, npu_sweep_out_sink};
    assert_int_equal(npu_sweep_run(s, &so, &sink), 0);
    assert_int_equal(npu_sweep_out_finish(o), 0);
    npu_sweep_out_free(o);
    assert_int_equal(sql_long(path, "SELECT count(*) FROM points"), n);
    assert_int_equal(sql_long(path, "SELECT count(DISTINCT id) FROM points"), n);
    assert_int_equal(sql_long(path, "SELECT value FROM spec WHERE key = 'complete'"), 1);
    assert_int_equal(npu_sweep_pareto_rows(s, rows, n), 0);
    long front = 0, feas = 0;
    for (long i = 0; i < n; i++) front += rows[i].pareto, feas += rows[i].feasible;
    assert_int_equal(sql_long(path, "SELECT sum(pareto) FROM points"), front);
    assert_int_equal(sql_long(path, "SELECT sum(feasible) FROM points"), feas);
    /* every stored number equals the in-memory row */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, latency_ms, usd_per_mtok, pareto, reason FROM points ORDER BY id", -1, &q, NULL),
                     SQLITE_OK);
    long i = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        assert_int_equal(sqlite3_column_int64(q, 0), i);
        double lat = sqlite3_column_type(q, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 1);
        assert_true((isnan(lat) && isnan(rows[i].m[NPU_SM_LATENCY_MS])) || lat == rows[i].m[NPU_SM_LATENCY_MS]);
        assert_int_equal(sqlite3_column_int(q, 3), rows[i].pareto);
        assert_string_equal((const char *)sqlite3_column_text(q, 4), rows[i].reason);
        i++;
    }
    assert_int_equal(i, n);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM spec WHERE key = 'spec'", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), npu_sweep_spec_text(s));
    sqlite3_finalize(q);
    sqlite3_close(db);
    free(rows);
    npu_sweep_free(s);
}

static void test_auto_plan_and_max_rate(void **st) {
    (void)st;
    /* plans "auto": the planner's best feasible plan and batch on 8 chips, then the run with it */
    npu_sweep *s = load_spec("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-70b\",\"dtype\":\"fp8\"},"
                             "\"plans\":\"auto\","
                             "\"workloads\":[{\"phase\":\"e2e\",\"chips\":8,\"input\":1024,\"output\":128,\"slo_tpot_ms\":40}]}");
    long n;
    npu_sweep_row *rows = eval_all(s, &n);
    assert_int_equal(n, 1);
    npu_hw *hw = malloc(sizeof *hw);
    npu_model m;
    assert_int_equal(npu_hw_load("h100-sxm", hw), 0);
    assert_int_equal(npu_model_load("llama3-70b", &m), 0);
    npu_planner_cfg pc = {.chips = 8, .input = 1024, .output = 128, .max_tpot_s = 0.040, .wdt = NPU_FP8,
                          .adt = NPU_FP8, .kvdt = NPU_BF16, .engine = npu_engine_default()};
    npu_plan_eval *ev = calloc(512, sizeof *ev);
    npu_planner_result pr;
    assert_int_equal(npu_planner_run(&m, hw, &pc, ev, 512, &pr), 0);
    assert_true(pr.n_feasible > 0 && ev[0].feasible);
    npu_plan best = npu_plan_norm(ev[0].plan);
    assert_memory_equal(&rows[0].used, &best, sizeof best);
    assert_true(rows[0].m[NPU_SM_BATCH] == ev[0].batch);
    assert_true(rows[0].m[NPU_SM_CHIPS] == 8);
    /* the planner's figures are the same run: tokens/s of all replicas, per chip */
    assert_float_equal(rows[0].m[NPU_SM_TOKENS_PER_S_PER_CHIP], ev[0].tokens_per_s_per_chip, 1e-9 * ev[0].tokens_per_s_per_chip);
    assert_true(rows[0].m[NPU_SM_TPOT_MS] <= 40);
    free(rows), free(ev), free(hw);
    npu_sweep_free(s);
    /* "rate": "max": the serving simulation's highest rate within the SLOs */
    s = load_spec("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},"
                  "\"workloads\":[{\"phase\":\"serve\",\"rate\":\"max\",\"requests\":200,\"input\":512,\"output\":64,"
                  "\"slo_ttft_ms\":300}]}");
    rows = eval_all(s, &n);
    npu_serve_cfg c;
    npu_serve_defaults(&c);
    npu_hw h;
    npu_model mm;
    npu_hw_load("h100-sxm", &h), npu_model_load("llama3-8b", &mm);
    c.pool = (npu_pool){.model = &mm, .hw = &h, .step = {.wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16, .plan = {1, 1, 1, 1, 1}},
                        .replicas = 1};
    c.requests = 200, c.slo_ttft_s = 0.3;
    c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = 1, c.wl.burstiness_cv = 1;
    assert_int_equal(npu_dist_parse("512", 1, "in", &c.wl.input), 0);
    assert_int_equal(npu_dist_parse("64", 0, "out", &c.wl.output), 0);
    double rate;
    npu_serve_result r;
    assert_int_equal(npu_serve_find_max_rate(&c, &rate, &r), 0);
    assert_true(rows[0].m[NPU_SM_RATE_RPS] == rate);
    assert_true(rows[0].m[NPU_SM_TTFT_P99_MS] == r.ttft.p99 * 1e3 && r.ttft.p99 <= 0.3);
    npu_serve_result_free(&r);
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
    free(rows);
    npu_sweep_free(s);
    /* "auto" needs chips; plan axes need explicit plans */
    assert_true(spec_fails("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},\"plans\":\"auto\","
                           "\"workloads\":[{\"phase\":\"e2e\",\"input\":8,\"output\":8}]}", "needs 'chips'"));
    assert_true(spec_fails("{\"base\":{\"hw\":\"h100-sxm\",\"model\":\"llama3-8b\"},\"plans\":\"auto\",\"axes\":{\"plan.tp\":[1,2]},"
                           "\"workloads\":[{\"phase\":\"e2e\",\"chips\":2,\"input\":8,\"output\":8}]}", "explicit plans"));
}

static void test_csv_numbers(void **st) {
    (void)st;
    /* as printf's %.10g, written out by hand */
    static const struct { double v; const char *s; } want[] = {
        {0, "0"}, {-0.0, "-0"}, {1, "1"}, {-42, "-42"}, {9999999999, "9999999999"}, {1e10, "1e+10"},
        {123456.789, "123456.789"}, {0.000123, "0.000123"}, {0.0000123, "1.23e-05"}, {9.99999999996, "10"},
        {1.5e300, "1.5e+300"}, {2.5e-300, "2.5e-300"}, {0.3, "0.3"}, {1.0 / 3, "0.3333333333"}, {2.0 / 3, "0.6666666667"},
        {12644.212304734729, "12644.2123"}, {0.041553426939523698, "0.04155342694"}, {-1234567.890123, "-1234567.89"},
    };
    char b[40];
    for (size_t i = 0; i < NPU_ARRAY_LEN(want); i++) {
        npu_sweep_fmt_num(want[i].v, b);
        if (strcmp(b, want[i].s)) fail_msg("%.17g: '%s', want '%s'", want[i].v, b, want[i].s);
    }
    /* random magnitudes: the same string as %.10g, or (exact ties) one unit of the 10th digit off */
    srand(9);
    int same = 0, n = 200000;
    for (int i = 0; i < n; i++) {
        double v = ((double)rand() / RAND_MAX) * pow(10, rand() % 40 - 20) * (rand() % 2 ? 1 : -1);
        char p[40];
        npu_sweep_fmt_num(v, b);
        snprintf(p, sizeof p, "%.10g", v);
        if (strcmp(b, p) == 0) {
            same++;
            continue;
        }
        double x = strtod(b, NULL), y = strtod(p, NULL);
        if (fabs(x - y) > 1.01e-9 * fabs(y)) fail_msg("%.17g: '%s' vs printf '%s'", v, b, p);
    }
    assert_true(same > n - n / 1000);
}

static void test_serve_workload(void **st) {
    (void)st;
    /* a disaggregated service on two chips: prefill on h100-sxm, decode on the design */
    npu_sweep *s = load_spec("{\"base\":{\"hw\":\"h200-sxm\",\"model\":\"llama3-8b\",\"dtype\":\"fp8\"},"
                             "\"axes\":{\"workload.prefill_replicas\":[1,2],\"workload.replicas\":[1,2]},"
                             "\"workloads\":[{\"phase\":\"serve\",\"scheduler\":\"disagg\",\"prefill_hw\":\"h100-sxm\","
                             "\"rate\":20,\"requests\":300,\"input\":1024,\"output\":128,"
                             "\"slo_ttft_ms\":2000,\"slo_tpot_ms\":100}],"
                             "\"tco\":{\"price\":\"preset\"},"
                             "\"objectives\":{\"usd_per_mtok\":\"min\"},\"constraints\":{\"ttft_p99_ms\":{\"max\":2000}}}");
    long n;
    npu_sweep_row *rows = eval_all(s, &n);
    assert_int_equal(n, 4);
    for (long i = 0; i < n; i++) {
        const npu_sweep_row *r = &rows[i];
        double pre = cell_num(s, r->point, 0, "workload.prefill_replicas", NULL);
        double dec = cell_num(s, r->point, 0, "workload.replicas", NULL);
        assert_true(r->m[NPU_SM_CHIPS] == pre + dec);
        /* $/hour: each pool's chips at their preset price (h100 25,000, h200 more) over 4 years
         * x 1.5 for the server, plus power: bounded by the capex part from below */
        npu_hw h1;
        npu_hw_load("h100-sxm", &h1);
        double hours = 4 * 365.25 * 24;
        /* the h200 preset has no price: unit cost x 4; the h100 its preset 25,000 */
        assert_true(h1.price_usd == 25000);
        assert_float_equal(r->m[NPU_SM_CHIP_PRICE_USD], r->m[NPU_SM_UNIT_COST_USD] * 4, 1e-6);
        double capex = (pre * h1.price_usd + dec * r->m[NPU_SM_CHIP_PRICE_USD]) * 1.5 / hours;
        assert_true(r->m[NPU_SM_USD_PER_HOUR] > capex && r->m[NPU_SM_USD_PER_HOUR] < capex * 1.5);
        assert_float_equal(r->m[NPU_SM_USD_PER_MTOK], r->m[NPU_SM_USD_PER_HOUR] / (r->m[NPU_SM_TOKENS_PER_S] * 3600) * 1e6,
                           1e-9);
        assert_true(r->m[NPU_SM_TTFT_P99_MS] >= r->m[NPU_SM_TTFT_MS]);
        assert_int_equal(r->feasible, r->m[NPU_SM_TTFT_P99_MS] <= 2000);
    }
    free(rows);
    npu_sweep_free(s);
}

/* No engine in the spec: each design runs on its edited chip's usual engine
 * (--engine auto); engine=auto as an edit picks it from the chip edited first. */
static void test_engine_auto(void **st) {
    (void)st;
    npu_sweep *s = load_spec("{\"base\":{\"hw\":\"rngd\",\"model\":\"llama3-8b\",\"dtype\":\"fp8\"},"
                             "\"axes\":{\"hw\":[\"rngd\",\"h100-sxm\"]},"
                             "\"workloads\":[{\"phase\":\"decode\",\"batch\":16,\"ctx\":1024}]}");
    long n;
    npu_sweep_row *rows = eval_all(s, &n);
    assert_int_equal(n, 2);
    const char *chips[2] = {"rngd", "h100-sxm"}, *engines[2] = {"vllm", "trtllm"};
    npu_hw *hw = malloc(sizeof *hw);
    npu_engine *e = malloc(sizeof *e);
    npu_run_result *r = malloc(sizeof *r);
    npu_model m;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(npu_hw_load(chips[i], hw), 0);
        assert_string_equal(npu_engine_default_for(hw), engines[i]);
        assert_int_equal(npu_engine_load(engines[i], e), 0);
        npu_run_cfg c = {.phase = NPU_RUN_DECODE, .batch = 16, .ctx = 1024, .wdt = NPU_FP8, .adt = NPU_FP8,
                         .kvdt = NPU_BF16, .engine = e}; /* dtype fp8: weights and activations, as --dtype */
        assert_int_equal(npu_run(&m, hw, &c, r), 0);
        assert_true(rows[i].m[NPU_SM_LATENCY_MS] == r->latency_s * 1e3);
    }
    /* engine=auto after hw=h100-sxm, whatever their order: trtllm */
    npu_ov ov[2];
    assert_int_equal(npu_ov_parse("engine=auto", &ov[0]), 0);
    assert_int_equal(npu_ov_parse("hw=h100-sxm", &ov[1]), 0);
    assert_int_equal(npu_hw_load("rngd", hw), 0);
    assert_int_equal(npu_engine_load("ideal", e), 0);
    npu_ov_target t = {.hw = hw, .model = &m, .engine = e};
    assert_int_equal(npu_ov_apply(ov, 2, &t), 0);
    assert_string_equal(e->asked, "trtllm");
    free(hw), free(e), free(r), free(rows);
    npu_sweep_free(s);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_sweep.XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_axis_expansion),
        cmocka_unit_test(test_sampling),
        cmocka_unit_test(test_every_path_applies),
        cmocka_unit_test(test_table_matches_file_path),
        cmocka_unit_test(test_validation_after_edit),
        cmocka_unit_test(test_edited_chip),
        cmocka_unit_test(test_pareto_hand),
        cmocka_unit_test(test_rows_match_run_and_constraints),
        cmocka_unit_test(test_failing_points_are_rows),
        cmocka_unit_test(test_threads_give_the_same_rows),
        cmocka_unit_test(test_csv_writer),
        cmocka_unit_test(test_sqlite_writer_and_resume),
        cmocka_unit_test(test_csv_numbers),
        cmocka_unit_test(test_auto_plan_and_max_rate),
        cmocka_unit_test(test_serve_workload),
        cmocka_unit_test(test_engine_auto),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) rc = rc ? rc : 1;
    return rc;
}
