/* Unit tests: the HTML report's data (issue 14) — histograms, the serving
 * curve and its rerun, sweep files (CSV, SQLite), the page model the charts
 * draw from (one roofline point per kernel with work, a Pareto front computed
 * when the sweep has none), escaping, and errors naming the missing field.
 * Rendering in a browser is tested by tests/browser/run.sh. */
#include "testutil.h"
#include "npusim.h"
#include "npu_html.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];

static int setup(void **st) {
    (void)st;
    strcpy(tmpdir, "/tmp/npusim-html-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **st) {
    (void)st;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

static const char *tmp_path(const char *name) {
    static char p[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The page's data model (the JSON the page script draws from). */
static cJSON *page_model(const char *html) {
    const char *a = strstr(html, "id=\"npusim-model\">");
    assert_non_null(a);
    a = strchr(a, '>') + 1;
    const char *b = strstr(a, "</script>");
    assert_non_null(b);
    cJSON *m = cJSON_ParseWithLength(a, (size_t)(b - a));
    assert_non_null(m);
    return m;
}

static const cJSON *dataset(const cJSON *model, const char *name) {
    const cJSON *d = cJSON_GetObjectItem(cJSON_GetObjectItem(model, "data"), name);
    assert_true(cJSON_IsArray(d));
    return d;
}

/* ---- histograms ---- */

static void test_histogram(void **st) {
    (void)st;
    double v[101];
    for (int i = 0; i < 100; i++) v[i] = i + 1; /* 1..100 */
    v[100] = NAN;                               /* ignored */
    cJSON *h = npu_html_histogram(v, 101, 10);
    const cJSON *e = cJSON_GetObjectItem(h, "edges"), *c = cJSON_GetObjectItem(h, "counts");
    assert_int_equal(cJSON_GetArraySize(e), 11);
    assert_int_equal(cJSON_GetArraySize(c), 10);
    assert_float_equal(cJSON_GetArrayItem(e, 0)->valuedouble, 1, 1e-12);
    assert_float_equal(cJSON_GetArrayItem(e, 10)->valuedouble, 100, 1e-9);
    /* bins of 9.9: [1,10.9) holds 1..10, ..., the last holds the maximum too */
    int want[10] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10};
    for (int i = 0; i < 10; i++) assert_int_equal((int)cJSON_GetArrayItem(c, i)->valuedouble, want[i]);
    assert_int_equal((int)cJSON_GetObjectItem(h, "n")->valuedouble, 100);
    cJSON_Delete(h);
    double one[3] = {5, 5, 5}; /* one value: a bin around it, all counted */
    h = npu_html_histogram(one, 3, 4);
    e = cJSON_GetObjectItem(h, "edges"), c = cJSON_GetObjectItem(h, "counts");
    double sum = 0;
    for (int i = 0; i < 4; i++) sum += cJSON_GetArrayItem(c, i)->valuedouble;
    assert_float_equal(sum, 3, 0);
    assert_true(cJSON_GetArrayItem(e, 0)->valuedouble < 5 && cJSON_GetArrayItem(e, 4)->valuedouble > 5);
    cJSON_Delete(h);
}

/* ---- serving: histograms of every request, the curve, the rerun at the max rate ---- */

static npu_model M8;
static npu_hw H100;

static npu_serve_cfg serve_cfg(double rate) {
    npu_serve_cfg c;
    npu_serve_defaults(&c);
    c.pool = (npu_pool){.model = &M8, .hw = &H100,
                        .step = {.stack = NPU_STACK_FUSED, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16},
                        .replicas = 1};
    c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = rate;
    assert_int_equal(npu_dist_parse("512", 1, "--input", &c.wl.input), 0);
    assert_int_equal(npu_dist_parse("uniform:16,256", 0, "--output", &c.wl.output), 0);
    c.requests = 300, c.seed = 5;
    return c;
}

static double counts_sum(const cJSON *h) {
    double s = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(h, "counts")) s += x->valuedouble;
    return s;
}

static void test_serve_json_one_rate(void **st) {
    (void)st;
    assert_int_equal(npu_model_load("llama3-8b", &M8) || npu_hw_load("h100-sxm", &H100), 0);
    npu_serve_cfg c = serve_cfg(3);
    c.keep_requests = true;
    npu_serve_result r = {0};
    assert_int_equal(npu_serve_run(&c, &r), 0);
    cJSON *j = cJSON_CreateObject();
    assert_int_equal(npu_html_serve_json(j, &c, &r, 0), 0);
    const cJSON *h = cJSON_GetObjectItem(j, "histograms");
    assert_float_equal(counts_sum(cJSON_GetObjectItem(h, "ttft_ms")), (double)r.requests, 0);
    long tpot_n = 0; /* requests with two or more output tokens */
    for (long i = 0; i < r.n_req; i++) tpot_n += r.req[i].status == NPU_REQ_DONE && r.req[i].output >= 2;
    assert_true(tpot_n > 250);
    assert_float_equal(counts_sum(cJSON_GetObjectItem(h, "tpot_ms")), (double)tpot_n, 0);
    /* the TTFT bins span the slowest request */
    const cJSON *e = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "ttft_ms"), "edges");
    assert_float_equal(cJSON_GetArrayItem(e, cJSON_GetArraySize(e) - 1)->valuedouble, r.ttft.max * 1e3, 1e-6);
    const cJSON *rc = cJSON_GetObjectItem(j, "rate_curve");
    assert_int_equal(cJSON_GetArraySize(rc), 1);
    assert_float_equal(cJSON_GetObjectItem(rc->child, "rate_rps")->valuedouble, 3, 0);
    assert_null(cJSON_GetObjectItem(rc->child, "meets_slo")); /* no SLO given */
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "config"), "workload"), "arrival")->valuestring,
                        "poisson");
    cJSON_Delete(j);
    npu_serve_result_free(&r);
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
}

static void test_serve_json_curve(void **st) {
    (void)st;
    npu_serve_cfg c = serve_cfg(0);
    c.slo_ttft_s = 0.3, c.slo_tpot_s = 0.03;
    double best;
    npu_serve_result at = {0};
    assert_int_equal(npu_serve_find_max_rate(&c, &best, &at), 0);
    assert_null(at.req); /* the search keeps no per-request records */
    cJSON *j = cJSON_CreateObject();
    assert_int_equal(npu_html_serve_json(j, &c, &at, best), 0);
    const cJSON *rc = cJSON_GetObjectItem(j, "rate_curve"), *p;
    static const double fr[] = {0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25};
    assert_int_equal(cJSON_GetArraySize(rc), 7);
    int i = 0;
    cJSON_ArrayForEach(p, rc) {
        assert_float_equal(cJSON_GetObjectItem(p, "rate_rps")->valuedouble, best * fr[i], 1e-9 * best);
        assert_true(cJSON_IsBool(cJSON_GetObjectItem(p, "meets_slo")));
        if (fr[i] <= 1.0) assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "meets_slo"))); /* below the max rate */
        if (fr[i] == 1.0) { /* the same run as the search's: same seed, same rate */
            assert_float_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "ttft_ms"), "p99")->valuedouble, at.ttft.p99 * 1e3,
                               1e-9);
            assert_float_equal(cJSON_GetObjectItem(p, "throughput_tok_s")->valuedouble, at.throughput_tok_s, 1e-9);
        }
        i++;
    }
    /* histograms from the rerun at the max rate: all of `at`'s requests, up to its slowest */
    const cJSON *h = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "histograms"), "ttft_ms");
    assert_float_equal(counts_sum(h), (double)at.requests, 0);
    const cJSON *e = cJSON_GetObjectItem(h, "edges");
    assert_float_equal(cJSON_GetArrayItem(e, cJSON_GetArraySize(e) - 1)->valuedouble, at.ttft.max * 1e3, 1e-6);
    cJSON_Delete(j);
    npu_serve_result_free(&at);
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
}

/* ---- sweep files ---- */

static const char *const CSV =
    "hw.name,hw.memory.stacks,workload.batch,tokens_per_s_per_chip,usd_per_mtok,reason\r\n"
    "a,4,8,100,1,\r\n"
    "\"b, \"\"quoted\"\"\",8,8,200,2,\r\n"
    "c,4,8,150,3,\r\n"
    "d,8,8,90,1.5,\r\n"
    "e,4,8,nan,,\"failed, badly\"\r\n";

static void test_sweep_csv(void **st) {
    (void)st;
    write_text(tmp_path("s.csv"), CSV);
    cJSON *s = npu_html_sweep_load(tmp_path("s.csv"));
    assert_non_null(s);
    const cJSON *cols = cJSON_GetObjectItem(s, "columns"), *rows = cJSON_GetObjectItem(s, "rows");
    assert_int_equal(cJSON_GetArraySize(cols), 6);
    assert_string_equal(cJSON_GetArrayItem(cols, 5)->valuestring, "reason");
    assert_int_equal(cJSON_GetArraySize(rows), 5);
    const cJSON *r1 = cJSON_GetArrayItem(rows, 1), *r4 = cJSON_GetArrayItem(rows, 4);
    assert_string_equal(cJSON_GetArrayItem(r1, 0)->valuestring, "b, \"quoted\"");
    assert_true(cJSON_IsNumber(cJSON_GetArrayItem(r1, 1)) && cJSON_GetArrayItem(r1, 1)->valuedouble == 8);
    assert_true(cJSON_IsNull(cJSON_GetArrayItem(r4, 3))); /* nan */
    assert_true(cJSON_IsNull(cJSON_GetArrayItem(r4, 4))); /* empty */
    assert_string_equal(cJSON_GetArrayItem(r4, 5)->valuestring, "failed, badly");
    cJSON_Delete(s);
    write_text(tmp_path("bad.csv"), "a,b\n1,2\n3\n");
    assert_null(npu_html_sweep_load(tmp_path("bad.csv")));
    assert_non_null(strstr(npu_errmsg(), "line 3 has 1 fields for 2 columns"));
}

static void exec_sql(sqlite3 *db, const char *sql) {
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc) fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, SQLITE_OK);
}

static void test_sweep_sqlite(void **st) {
    (void)st;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(tmp_path("s.sqlite"), &db), SQLITE_OK);
    exec_sql(db, "CREATE TABLE points (\"hw.name\" TEXT, \"hw.memory.stacks\" INTEGER, \"workload.batch\" INTEGER,"
                 " tokens_per_s_per_chip REAL, usd_per_mtok REAL, reason TEXT);"
                 "INSERT INTO points VALUES ('a',4,8,100,1,NULL),('b, \"quoted\"',8,8,200,2,NULL),"
                 "('c',4,8,150,3,NULL),('d',8,8,90,1.5,NULL),('e',4,8,NULL,NULL,'failed, badly');"
                 "CREATE TABLE meta (key TEXT, value TEXT);"
                 "INSERT INTO meta VALUES ('version','1'),"
                 "('spec','{\"axes\":{\"hw.memory.stacks\":[4,8]},\"objectives\":[{\"maximize\":\"tokens_per_s_per_chip\"}]}');");
    sqlite3_close(db);
    cJSON *q = npu_html_sweep_load(tmp_path("s.sqlite"));
    assert_non_null(q);
    write_text(tmp_path("s.csv"), CSV);
    cJSON *c = npu_html_sweep_load(tmp_path("s.csv"));
    /* the same table whichever file holds it (the CSV's empty reason is null) */
    assert_true(cJSON_Compare(cJSON_GetObjectItem(q, "columns"), cJSON_GetObjectItem(c, "columns"), 1));
    const cJSON *rq = cJSON_GetObjectItem(q, "rows")->child, *rc = cJSON_GetObjectItem(c, "rows")->child;
    for (; rq && rc; rq = rq->next, rc = rc->next) assert_true(cJSON_Compare(rq, rc, 1));
    assert_true(!rq && !rc);
    const cJSON *spec = cJSON_GetObjectItem(q, "spec");
    assert_non_null(cJSON_GetObjectItem(spec, "objectives"));
    cJSON_Delete(q), cJSON_Delete(c);
    assert_int_equal(sqlite3_open(tmp_path("empty.sqlite"), &db), SQLITE_OK);
    exec_sql(db, "CREATE TABLE other (x INTEGER);");
    sqlite3_close(db);
    assert_null(npu_html_sweep_load(tmp_path("empty.sqlite")));
    assert_non_null(strstr(npu_errmsg(), "no table 'points'"));
}

/* ---- the page model ---- */

static const cJSON *find_row(const cJSON *set, const char *key, double v) {
    const cJSON *r;
    cJSON_ArrayForEach(r, set) if (cJSON_GetObjectItem(r, key)->valuedouble == v) return r;
    return NULL;
}

/* Without a "pareto" column the front is computed on the two objectives
 * drawn: min usd_per_mtok, max tokens_per_s_per_chip (the defaults). By hand:
 * a (1, 100) and b (2, 200) are not dominated; c (3, 150) is dominated by b,
 * d (1.5, 90) by a; e has no figures. */
static void test_sweep_front(void **st) {
    (void)st;
    write_text(tmp_path("s.csv"), CSV);
    cJSON *s = npu_html_sweep_load(tmp_path("s.csv"));
    char *html = npu_html_render(s, NULL);
    assert_non_null(html);
    cJSON *m = page_model(html);
    const cJSON *pts = dataset(m, "points");
    assert_int_equal(cJSON_GetArraySize(pts), 4);
    static const double xs[] = {1, 2, 3, 1.5};
    static const bool front[] = {true, true, false, false};
    for (int i = 0; i < 4; i++) {
        const cJSON *p = find_row(pts, "x", xs[i]);
        assert_non_null(p);
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(p, "front")), front[i]);
        /* the tooltip holds every column of the row */
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "tip")), 6);
    }
    /* heatmap: hw.name x hw.memory.stacks (the axes: dotted columns), one cell per pair present */
    assert_int_equal(cJSON_GetArraySize(dataset(m, "cells")), 5);
    cJSON_Delete(m);
    free(html);
    cJSON_Delete(s);
}

static cJSON *run_json(const char *model, const char *hw, npu_run_phase ph, npu_run_result *r) {
    npu_model mm;
    npu_hw hh;
    assert_int_equal(npu_model_load(model, &mm) || npu_hw_load(hw, &hh), 0);
    npu_run_cfg c = {.phase = ph, .batch = 4, .seq = 512, .ctx = 512, .input = 512, .output = 64,
                     .stack = NPU_STACK_FUSED, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
    assert_int_equal(npu_run(&mm, &hh, &c, r), 0);
    return npu_report_run_json(&mm, &hh, &c, r);
}

/* One roofline point per kernel of each step that has FLOPs, DRAM bytes and
 * time, counted from the graphs; its place = the kernel's FLOP/byte and FLOP/s. */
static void test_run_model(void **st) {
    (void)st;
    npu_run_result *r = malloc(sizeof *r);
    cJSON *j = run_json("llama3-8b", "h100-sxm", NPU_RUN_E2E, r);
    npu_html_meta meta = {.version = "9.9-test", .command = "npusim run <x>"};
    char *html = npu_html_render(j, &meta);
    assert_non_null(html);
    int want = 0, kernels = r->graph.n + r->dgraph.n;
    for (int pass = 0; pass < 2; pass++) {
        const npu_graph *g = pass ? &r->dgraph : &r->graph;
        const npu_step_result *s = pass ? &r->dstep : &r->step;
        for (int i = 0; i < g->n; i++) want += g->k[i].flops > 0 && g->k[i].bytes > 0 && s->kc[i].time_s > 0;
    }
    cJSON *m = page_model(html);
    const cJSON *ks = dataset(m, "kernels"), *k;
    assert_int_equal(cJSON_GetArraySize(ks), kernels);
    int on_roof = 0;
    cJSON_ArrayForEach(k, ks) {
        const cJSON *ai = cJSON_GetObjectItem(k, "ai");
        if (!cJSON_IsNumber(ai)) continue;
        on_roof++;
        const npu_graph *g = strcmp(cJSON_GetObjectItem(k, "step")->valuestring, "prefill") ? &r->dgraph : &r->graph;
        const npu_step_result *s = g == &r->graph ? &r->step : &r->dstep;
        for (int i = 0; i < g->n; i++)
            if (!strcmp(g->k[i].name, cJSON_GetObjectItem(k, "name")->valuestring)) {
                assert_float_equal(ai->valuedouble, g->k[i].flops / g->k[i].bytes, 1e-9 * ai->valuedouble);
                assert_float_equal(cJSON_GetObjectItem(k, "tflops")->valuedouble, g->k[i].flops / s->kc[i].time_s / 1e12,
                                   1e-6);
            }
    }
    assert_int_equal(on_roof, want);
    /* the roof: bandwidth-bound to the ridge, flat at the peak after it */
    const cJSON *roof = dataset(m, "roof");
    assert_int_equal(cJSON_GetArraySize(roof), 3);
    double peak = 989.4, bw = 3347.2;
    const cJSON *ridge = cJSON_GetArrayItem(roof, 1), *lo = cJSON_GetArrayItem(roof, 0);
    assert_float_equal(cJSON_GetObjectItem(ridge, "tflops")->valuedouble, peak, 0.1);
    assert_float_equal(cJSON_GetObjectItem(ridge, "ai")->valuedouble, peak * 1e3 / bw, 0.1);
    assert_float_equal(cJSON_GetObjectItem(lo, "tflops")->valuedouble, cJSON_GetObjectItem(lo, "ai")->valuedouble * bw / 1e3,
                       1e-3);
    /* memory (GiB): weights + KV + activations + free = capacity */
    double sum = 0;
    cJSON_ArrayForEach(k, dataset(m, "memory")) sum += cJSON_GetObjectItem(k, "gb")->valuedouble;
    assert_float_equal(sum, r->mem.capacity_B / 1073741824.0, 1e-6);
    /* meta: version and command, escaped */
    assert_non_null(strstr(html, "9.9-test"));
    assert_non_null(strstr(html, "npusim run &lt;x&gt;"));
    cJSON_Delete(m);
    free(html);
    cJSON_Delete(j);
    free(r);
}

/* Text from the result cannot end the page's scripts or add markup. */
static void test_escaping(void **st) {
    (void)st;
    npu_run_result *r = malloc(sizeof *r);
    cJSON *j = run_json("llama3-8b", "h100-sxm", NPU_RUN_DECODE, r);
    cJSON_ReplaceItemInObject(j, "model", cJSON_CreateString("</script><b id=x>&"));
    char *html = npu_html_render(j, NULL);
    assert_non_null(html);
    assert_null(strstr(html, "<b id=x>"));
    assert_non_null(strstr(html, "&lt;/script&gt;&lt;b id=x&gt;&amp;"));
    cJSON *m = page_model(html); /* still parses: the data block was not cut */
    assert_int_equal(cJSON_GetArraySize(dataset(m, "kernels")), r->graph.n);
    cJSON_Delete(m);
    free(html);
    cJSON_Delete(j);
    free(r);
}

static void test_errors(void **st) {
    (void)st;
    npu_html_kind k;
    cJSON *o = cJSON_Parse("{\"a\": 1}");
    assert_int_equal(npu_html_kind_of(o, &k), -1);
    assert_null(npu_html_render(o, NULL));
    assert_non_null(strstr(npu_errmsg(), "not a run, serve or sweep result"));
    cJSON_Delete(o);
    npu_run_result *r = malloc(sizeof *r);
    cJSON *j = run_json("llama3-8b", "h100-sxm", NPU_RUN_PREFILL, r);
    assert_int_equal(npu_html_kind_of(j, &k), 0);
    assert_int_equal(k, NPU_HTML_RUN);
    cJSON_DeleteItemFromObject(j, "hw_peaks");
    assert_null(npu_html_render(j, NULL));
    assert_non_null(strstr(npu_errmsg(), "'hw_peaks.tflops'"));
    cJSON_Delete(j);
    free(r);
    o = cJSON_Parse("{\"columns\": [\"x\", \"usd_per_mtok\"], \"rows\": [[1, 2], [3]]}");
    assert_int_equal(npu_html_kind_of(o, &k), 0);
    assert_int_equal(k, NPU_HTML_SWEEP);
    assert_null(npu_html_render(o, NULL));
    assert_non_null(strstr(npu_errmsg(), "row 2 has 1 values for 2 columns"));
    cJSON_Delete(o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram),      cmocka_unit_test(test_serve_json_one_rate),
        cmocka_unit_test(test_serve_json_curve), cmocka_unit_test(test_sweep_csv),
        cmocka_unit_test(test_sweep_sqlite),   cmocka_unit_test(test_sweep_front),
        cmocka_unit_test(test_run_model),      cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
