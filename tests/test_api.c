/* Unit tests of the public C API (include/npusim.h): the ways of giving a
 * description agree, errors come back as codes and messages on the context,
 * edits by path, formats, threads, progress, and that the library writes
 * nothing to stdout. The API against the command line (same bytes) and the
 * installed library are tests/api_install.sh and python/tests. Under
 * `make asan` LeakSanitizer checks every call here for leaks. */
#include "testutil.h"
#include "npusim.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DECODE "{\"phase\": \"decode\", \"batch\": 16, \"ctx\": 2048}"

/* latency_ms of a pretty-printed run result */
static double latency_ms(const char *json) {
    const char *p = strstr(json, "\"latency_ms\":");
    assert_non_null(p);
    return strtod(p + strlen("\"latency_ms\":"), NULL);
}

/* run `req` through npusim_call and return the result (caller frees) */
static char *call_ok(npusim_ctx *c, const char *cmd, const char *req) {
    char *out = NULL;
    npusim_status st = npusim_call(c, cmd, req, &out);
    if (st != NPUSIM_OK) fprintf(stderr, "unexpected error: %s\n", npusim_errmsg(c));
    assert_int_equal(st, NPUSIM_OK);
    assert_non_null(out);
    assert_string_equal(npusim_errmsg(c), "");
    return out;
}

/* `cmd` with `req` fails with `code` and a message containing `want` */
static void call_fails(npusim_ctx *c, const char *cmd, const char *req, npusim_status code, const char *want) {
    char *out = (char *)1;
    npusim_status st = npusim_call(c, cmd, req, &out);
    if (st != code || !strstr(npusim_errmsg(c), want))
        fprintf(stderr, "%s %s: status %d, message '%s', wanted %d '%s'\n", cmd, req, st, npusim_errmsg(c), code, want);
    assert_int_equal(st, code);
    assert_int_equal(npusim_errcode(c), code);
    assert_null(out);
    assert_non_null(strstr(npusim_errmsg(c), want));
}

static void test_version(void **st) {
    (void)st;
    assert_int_equal(npusim_api_version(), NPUSIM_API_VERSION);
    assert_int_equal(NPUSIM_API_VERSION, NPUSIM_API_VERSION_MAJOR * 1000 + NPUSIM_API_VERSION_MINOR);
    const char *v = npusim_version();
    assert_non_null(v);
    /* the release of VERSION leads it: digits and dots */
    assert_true(v[0] >= '0' && v[0] <= '9' && strchr(v, '.'));
}

/* A description by name, by handle and inline as JSON gives the same bytes. */
static void test_three_ways_agree(void **st) {
    (void)st;
    npusim_ctx *c = npusim_ctx_new();
    npusim_hw *hw;
    npusim_model *m;
    assert_int_equal(npusim_hw_load(c, "h100-sxm", &hw), NPUSIM_OK);
    assert_int_equal(npusim_model_load(c, "llama3-8b", &m), NPUSIM_OK);
    assert_string_equal(npusim_hw_name(hw), "h100-sxm");
    assert_string_equal(npusim_model_name(m), "llama3-8b");
    char *by_name = call_ok(c, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"decode\", "
                                      "\"batch\": 16, \"ctx\": 2048}");
    char *by_handle = NULL;
    assert_int_equal(npusim_run(c, m, hw, NULL, DECODE, &by_handle), NPUSIM_OK);
    assert_string_equal(by_name, by_handle);
    /* inline: the handle's JSON as the request's "hw" object */
    char *hj = NULL;
    assert_int_equal(npusim_hw_json(c, hw, &hj), NPUSIM_OK);
    size_t n = strlen(hj) + 200;
    char *req = malloc(n);
    snprintf(req, n, "{\"model\": \"llama3-8b\", \"hw\": %s, \"phase\": \"decode\", \"batch\": 16, \"ctx\": 2048}", hj);
    char *inl = call_ok(c, "run", req);
    assert_string_equal(by_name, inl);
    /* and as JSON text loaded into a handle */
    npusim_hw *hw2;
    assert_int_equal(npusim_hw_load(c, hj, &hw2), NPUSIM_OK);
    char *by_text = NULL;
    assert_int_equal(npusim_run(c, m, hw2, NULL, DECODE, &by_text), NPUSIM_OK);
    assert_string_equal(by_name, by_text);
    assert_true(by_name[strlen(by_name) - 1] == '\n'); /* the text `npusim run --json` prints */
    npusim_free(by_name), npusim_free(by_handle), npusim_free(hj), npusim_free(inl), npusim_free(by_text), free(req);
    npusim_hw_free(hw), npusim_hw_free(hw2), npusim_model_free(m);
    npusim_ctx_free(c);
}

static void test_errors(void **st) {
    (void)st;
    npusim_ctx *c = npusim_ctx_new();
    call_fails(c, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"decode\", \"batchh\": 8}",
               NPUSIM_ERR_INPUT, "unknown field 'batchh' (did you mean 'batch'?)");
    call_fails(c, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"decode\", \"batch\": 0}",
               NPUSIM_ERR_INPUT, "field 'batch': 0 is out of range (an integer in 1..1000000)");
    call_fails(c, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"decode\", \"batch\": \"8\"}",
               NPUSIM_ERR_INPUT, "field 'batch' must be an integer");
    call_fails(c, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"decode\", \"batch\": 2.5}",
               NPUSIM_ERR_INPUT, "field 'batch' must be an integer");
    call_fails(c, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"decod\"}", NPUSIM_ERR_INPUT,
               "field 'phase': unknown value 'decod' (did you mean 'decode'?)");
    call_fails(c, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"decode\", \"batch\": 8, "
                         "\"ctx\": 64, \"act_dtype\": \"fp9\"}",
               NPUSIM_ERR_INPUT, "field 'act_dtype': unknown datatype 'fp9'");
    call_fails(c, "run", "{\"model\": \"llama3-8b\", \"phase\": \"decode\"}", NPUSIM_ERR_INPUT, "run needs field 'hw'");
    call_fails(c, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-smx\", \"phase\": \"decode\", \"batch\": 8, \"ctx\": 9}",
               NPUSIM_ERR_INPUT, "unknown hardware 'h100-smx'");
    call_fails(c, "run", "{\"model\": 1}", NPUSIM_ERR_INPUT, "field 'model' must be a string");
    call_fails(c, "run", "{\"tco\": 1}", NPUSIM_ERR_INPUT, "field 'tco' must be true or false");
    call_fails(c, "run", "{\"json\": true}", NPUSIM_ERR_INPUT, "give \"format\": \"json\"");
    call_fails(c, "cost", "{\"hw\": \"h100-sxm\", \"format\": \"csv\"}", NPUSIM_ERR_INPUT, "format 'csv' is not one it has");
    call_fails(c, "run", "{\"phase\": ", NPUSIM_ERR_INPUT, "request: ");
    call_fails(c, "run", "[1, 2]", NPUSIM_ERR_INPUT, "must be a JSON object");
    call_fails(c, "rnu", "{}", NPUSIM_ERR_INPUT, "unknown command 'rnu' (did you mean 'run'?)");
    call_fails(c, "list", "{\"args\": [\"hw\", \"x\"]}", NPUSIM_ERR_INPUT, "unexpected argument 'x'");
    call_fails(c, "sweep", "{}", NPUSIM_ERR_UNAVAILABLE, "not available in this build");
    /* a library check on valid fields: the model does not fit */
    call_fails(c, "run", "{\"model\": \"llama3-70b\", \"hw\": \"l40s\", \"phase\": \"decode\", \"batch\": 1, \"ctx\": 64}",
               NPUSIM_ERR_INPUT, "fit");
    /* a success clears the error */
    char *out = call_ok(c, "cost", "{\"hw\": \"h100-sxm\"}");
    assert_int_equal(npusim_errcode(c), NPUSIM_OK);
    npusim_free(out);
    /* misuse */
    assert_int_equal(npusim_call(NULL, "run", "{}", &out), NPUSIM_ERR_USAGE);
    assert_int_equal(npusim_call(c, "run", "{}", NULL), NPUSIM_ERR_USAGE);
    assert_int_equal(npusim_hw_load(c, NULL, NULL), NPUSIM_ERR_USAGE);
    assert_int_equal(npusim_errcode(c), NPUSIM_ERR_USAGE);
    assert_int_equal(npusim_errcode(NULL), NPUSIM_ERR_USAGE);
    /* a handle and the request naming the same description */
    npusim_hw *hw;
    assert_int_equal(npusim_hw_load(c, "h100-sxm", &hw), NPUSIM_OK);
    assert_int_equal(npusim_cost(c, hw, "{\"hw\": \"b200\"}", &out), NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "give one of them"));
    npusim_hw_free(hw);
    /* loading */
    npusim_model *m = (npusim_model *)1;
    assert_int_equal(npusim_model_load(c, "/nonexistent/config.json", &m), NPUSIM_ERR_INPUT);
    assert_null(m);
    assert_non_null(strstr(npusim_errmsg(c), "/nonexistent/config.json"));
    assert_int_equal(npusim_model_load(c, "{\"name\": \"x\"}", &m), NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "model (JSON text)"));
    npusim_engine *e;
    assert_int_equal(npusim_engine_load(c, "trtlm", &e), NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "did you mean 'trtllm'"));
    /* a profile as JSON text is validated as a file is: an unknown group is named */
    assert_int_equal(npusim_engine_load(c, "{\"name\": \"mine\", \"base\": \"trtllm-0.13\", \"hots\": {}}", &e),
                     NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "hots"));
    /* ... and a valid one loads, its edits acting on a leaf's value */
    assert_int_equal(npusim_engine_load(c, "{\"name\": \"mine\", \"base\": \"trtllm-0.13\"}", &e), NPUSIM_OK);
    assert_int_equal(npusim_engine_set(c, e, "host.step_us", "1234"), NPUSIM_OK);
    char *ej = NULL;
    assert_int_equal(npusim_engine_json(c, e, &ej), NPUSIM_OK);
    assert_non_null(strstr(ej, "1234"));
    npusim_free(ej);
    npusim_engine_free(e);
    npusim_ctx_free(c);
}

/* Edits by path: the value lands, validation runs, a failed edit changes nothing. */
static void test_set(void **st) {
    (void)st;
    npusim_ctx *c = npusim_ctx_new();
    npusim_hw *hw, *stock;
    npusim_model *m;
    assert_int_equal(npusim_hw_load(c, "h100-sxm", &hw), NPUSIM_OK);
    assert_int_equal(npusim_hw_copy(c, hw, &stock), NPUSIM_OK);
    assert_int_equal(npusim_model_load(c, "llama3-8b", &m), NPUSIM_OK);
    char *before = NULL, *after = NULL;
    assert_int_equal(npusim_hw_json(c, hw, &before), NPUSIM_OK);
    /* rejected edits name the path and leave the handle as it was */
    assert_int_equal(npusim_hw_set(c, hw, "memory.stackz", "6"), NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "unknown field 'stackz' (did you mean 'stacks'?)"));
    assert_int_equal(npusim_hw_set(c, hw, "memory.stacks", "six"), NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "hw.memory.stacks: 'six' is not a number"));
    assert_int_equal(npusim_hw_set(c, hw, "memory.stacks", "0"), NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "stacks"));
    assert_int_equal(npusim_hw_set(c, hw, "sram[7].mb", "1"), NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "no element 7"));
    assert_int_equal(npusim_hw_set(c, hw, "memry.stacks", "6"), NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "did you mean 'memory'"));
    assert_int_equal(npusim_hw_json(c, hw, &after), NPUSIM_OK);
    assert_string_equal(before, after);
    npusim_free(after);
    /* six stacks and 96 GB: more bandwidth, a faster memory-bound decode step */
    assert_int_equal(npusim_hw_set(c, hw, "hw.memory.stacks", "6"), NPUSIM_OK);
    assert_int_equal(npusim_hw_set(c, hw, "memory.capacity_gb", "96"), NPUSIM_OK);
    assert_int_equal(npusim_hw_set(c, hw, "sram[1].mb", "60"), NPUSIM_OK);
    assert_int_equal(npusim_hw_json(c, hw, &after), NPUSIM_OK);
    assert_non_null(strstr(after, "\"stacks\":\t6,"));
    assert_non_null(strstr(after, "\"capacity_gb\":\t96,"));
    assert_non_null(strstr(after, "\"mb\":\t60,"));
    char *r0 = NULL, *r1 = NULL;
    assert_int_equal(npusim_run(c, m, stock, NULL, DECODE, &r0), NPUSIM_OK);
    assert_int_equal(npusim_run(c, m, hw, NULL, DECODE, &r1), NPUSIM_OK);
    assert_true(latency_ms(r1) < latency_ms(r0)); /* the copy kept the stock chip */
    npusim_free(r1);
    /* the edited handle = the edited JSON loaded as text */
    npusim_hw *h2;
    assert_int_equal(npusim_hw_load(c, after, &h2), NPUSIM_OK);
    char *r2 = NULL;
    assert_int_equal(npusim_run(c, m, hw, NULL, DECODE, &r1), NPUSIM_OK);
    assert_int_equal(npusim_run(c, m, h2, NULL, DECODE, &r2), NPUSIM_OK);
    assert_string_equal(r1, r2);
    /* models and engines edit the same way */
    assert_int_equal(npusim_model_set(c, m, "model.layers", "16"), NPUSIM_OK);
    char *r3 = NULL;
    assert_int_equal(npusim_run(c, m, stock, NULL, DECODE, &r3), NPUSIM_OK);
    assert_true(latency_ms(r3) < latency_ms(r0));
    npusim_engine *e;
    assert_int_equal(npusim_engine_load(c, "ideal", &e), NPUSIM_OK);
    assert_string_equal(npusim_engine_name(e), "ideal");
    assert_int_equal(npusim_engine_set(c, e, "host.step_us", "-1"), NPUSIM_ERR_INPUT);
    assert_non_null(strstr(npusim_errmsg(c), "step_us"));
    assert_int_equal(npusim_engine_set(c, e, "engine.host.step_us", "25"), NPUSIM_OK);
    char *ej = NULL;
    assert_int_equal(npusim_engine_json(c, e, &ej), NPUSIM_OK);
    assert_non_null(strstr(ej, "\"value\":\t25"));
    npusim_free(before), npusim_free(after), npusim_free(r0), npusim_free(r1), npusim_free(r2), npusim_free(r3);
    npusim_free(ej);
    npusim_hw_free(hw), npusim_hw_free(stock), npusim_hw_free(h2), npusim_model_free(m), npusim_engine_free(e);
    npusim_ctx_free(c);
}

/* The engine handle acts as the request's "engine" name does (offline phase). */
static void test_engine(void **st) {
    (void)st;
    npusim_ctx *c = npusim_ctx_new();
    npusim_engine *e;
    assert_int_equal(npusim_engine_load(c, "mlperf", &e), NPUSIM_OK);
    const char *off = "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"offline\", \"input\": 512, "
                      "\"output\": 256%s}";
    char req[256];
    snprintf(req, sizeof req, off, ", \"engine\": \"mlperf\"");
    char *by_name = call_ok(c, "run", req), *by_handle = NULL, *dflt;
    snprintf(req, sizeof req, off, "");
    assert_int_equal(npusim_run(c, NULL, NULL, e, req, &by_handle), NPUSIM_OK);
    assert_string_equal(by_name, by_handle);
    dflt = call_ok(c, "run", req); /* trtllm */
    assert_string_not_equal(by_name, dflt);
    npusim_free(by_name), npusim_free(by_handle), npusim_free(dflt);
    npusim_engine_free(e);
    npusim_ctx_free(c);
}

static void test_formats(void **st) {
    (void)st;
    npusim_ctx *c = npusim_ctx_new();
    const char *base = "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"prefill\", \"batch\": 2, "
                       "\"seq\": 512, \"format\": \"%s\"}";
    char req[256];
    snprintf(req, sizeof req, base, "table");
    char *t = call_ok(c, "run", req);
    assert_true(strncmp(t, "npusim: llama3-8b on h100-sxm, prefill", 38) == 0);
    snprintf(req, sizeof req, base, "csv");
    char *v = call_ok(c, "run", req);
    assert_true(strncmp(v, "step,name,kind,count,", 21) == 0);
    snprintf(req, sizeof req, base, "json");
    char *j = call_ok(c, "run", req);
    assert_true(j[0] == '{');
    char *l = call_ok(c, "list", "{\"args\": [\"hw\"]}");
    assert_non_null(strstr(l, "h100-sxm"));
    char *s = call_ok(c, "show", "{\"args\": [\"model\", \"llama3-8b\"]}");
    assert_non_null(strstr(s, "\"name\":\t\"llama3-8b\""));
    char *g = call_ok(c, "op gemm", "{\"hw\": \"h100-sxm\", \"m\": 4096, \"n\": 4096, \"k\": 4096}");
    assert_non_null(strstr(g, "\"op\":\t\"gemm\""));
    char *ar = call_ok(c, "op allreduce", "{\"hw\": \"h100-sxm\", \"chips\": 8, \"bytes\": \"1K..4K\"}");
    assert_non_null(strstr(ar, "\"rows\""));
    npusim_free(t), npusim_free(v), npusim_free(j), npusim_free(l), npusim_free(s), npusim_free(g), npusim_free(ar);
    npusim_ctx_free(c);
}

/* validate with a MAPE bound it misses: NPUSIM_ERR_CHECK with the result set */
static void test_check_status(void **st) {
    (void)st;
    /* a one-row measurement file whose "measurement" no model hits exactly */
    char dir[] = "/tmp/npusim-api-val-XXXXXX", path[64], req[160];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/gemm.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("hw,dtype,m,n,k,ms,shape_name\nh100-sxm,bf16,4096,4096,4096,123.456,square\n", f);
    fclose(f);
    snprintf(req, sizeof req, "{\"args\": [\"%s\"], \"max_mape\": 0}", path);
    npusim_ctx *c = npusim_ctx_new();
    char *out = NULL;
    npusim_status s = npusim_call(c, "validate", req, &out);
    unlink(path), rmdir(dir);
    if (s == NPUSIM_ERR_INPUT) fprintf(stderr, "validate: %s\n", npusim_errmsg(c));
    assert_int_equal(s, NPUSIM_ERR_CHECK);
    assert_non_null(out);
    assert_non_null(strstr(out, "\"mape_pct\""));
    assert_non_null(strstr(npusim_errmsg(c), "is above --max-mape 0%"));
    npusim_free(out);
    npusim_ctx_free(c);
}

typedef struct progress_log {
    int calls, notes;
    double last;
    bool monotone;
} progress_log;

static void on_progress(void *user, const char *task, double frac) {
    progress_log *p = user;
    if (frac < 0) {
        p->notes++;
        return;
    }
    assert_string_equal(task, "serve");
    assert_true(frac >= 0 && frac <= 1);
    if (frac < p->last) p->monotone = false;
    p->last = frac, p->calls++;
}

static void test_progress(void **st) {
    (void)st;
    npusim_ctx *c = npusim_ctx_new();
    progress_log log = {.monotone = true};
    npusim_ctx_set_progress(c, on_progress, &log);
    char *out = call_ok(c, "serve", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"rate\": 20, \"input\": 512, "
                                    "\"output\": 64, \"requests\": 2000}");
    assert_true(log.calls > 0);
    assert_true(log.monotone);
    assert_int_equal(log.notes, 0);
    npusim_free(out);
    npusim_ctx_set_progress(c, NULL, NULL);
    log.calls = 0;
    out = call_ok(c, "serve", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"rate\": 20, \"input\": 512, "
                              "\"output\": 64, \"requests\": 2000}");
    assert_int_equal(log.calls, 0);
    npusim_free(out);
    npusim_ctx_free(c);
}

/* ---- threads: one context each, shared read-only handles ---- */

typedef struct worker {
    const npusim_model *m;
    const npusim_hw *hw;
    const char *want;
    int runs, bad, wrong_error;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    npusim_ctx *c = npusim_ctx_new();
    for (int i = 0; i < w->runs; i++) {
        char *out = NULL;
        if (npusim_run(c, w->m, w->hw, NULL, DECODE, &out) != NPUSIM_OK || strcmp(out, w->want) != 0) w->bad++;
        npusim_free(out);
        /* an error of this thread's own, between the others' successes */
        if (npusim_run(c, w->m, w->hw, NULL, "{\"phase\": \"decode\", \"batch\": 7, \"ctx\": 0}", &out) !=
                NPUSIM_ERR_INPUT ||
            !strstr(npusim_errmsg(c), "field 'ctx': 0 is out of range"))
            w->wrong_error++;
    }
    npusim_ctx_free(c);
    return NULL;
}

static void test_threads(void **st) {
    (void)st;
    npusim_ctx *c = npusim_ctx_new();
    npusim_hw *hw;
    npusim_model *m;
    assert_int_equal(npusim_hw_load(c, "h100-sxm", &hw), NPUSIM_OK);
    assert_int_equal(npusim_model_load(c, "llama3-8b", &m), NPUSIM_OK);
    char *want = NULL;
    assert_int_equal(npusim_run(c, m, hw, NULL, DECODE, &want), NPUSIM_OK);
    enum { N = 4 };
    pthread_t t[N];
    worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){m, hw, want, 50, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].bad, 0);
        assert_int_equal(w[i].wrong_error, 0);
    }
    npusim_free(want);
    npusim_hw_free(hw), npusim_model_free(m);
    npusim_ctx_free(c);
}

/* The library never prints: stdout stays empty through successes and errors. */
static void test_no_output(void **st) {
    (void)st;
    char path[] = "/tmp/npusim-api-stdout-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    npusim_ctx *c = npusim_ctx_new();
    char *out = NULL;
    npusim_call(c, "run", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"phase\": \"e2e\", \"batch\": 4, "
                          "\"input\": 128, \"output\": 16, \"format\": \"table\", \"tco\": true}", &out);
    npusim_free(out);
    npusim_call(c, "serve", "{\"model\": \"llama3-8b\", \"hw\": \"h100-sxm\", \"rate\": 5, \"input\": 64, "
                            "\"output\": 8, \"requests\": 50, \"format\": \"table\"}", &out);
    npusim_free(out);
    npusim_call(c, "list", "{\"args\": [\"process\"]}", &out);
    npusim_free(out);
    npusim_call(c, "run", "{\"model\": \"nope\"}", &out);
    npusim_ctx_free(c);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    assert_int_equal(size, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),      cmocka_unit_test(test_three_ways_agree), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_set),          cmocka_unit_test(test_engine),           cmocka_unit_test(test_formats),
        cmocka_unit_test(test_check_status), cmocka_unit_test(test_progress),         cmocka_unit_test(test_threads),
        cmocka_unit_test(test_no_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
