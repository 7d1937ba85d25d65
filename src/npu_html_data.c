/* npu_html_data — the data a report draws that a plain result lacks: a serving
 * run's latency histograms and latency-throughput curve, and a sweep's rows
 * read back from its CSV or SQLite file. See npu_html.h. */
#include "npu_html.h"
#include "npu_util.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#define HIST_BINS 30

cJSON *npu_html_histogram(const double *v, long n, int bins) {
    double lo = INFINITY, hi = -INFINITY;
    for (long i = 0; i < n; i++)
        if (isfinite(v[i])) lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
    if (!(lo <= hi)) lo = 0, hi = 1;
    if (hi - lo < 1e-9 * fmax(1, fabs(hi))) { /* one value: a bin around it */
        double w = fmax(fabs(hi) * 0.01, 1e-6);
        lo -= w, hi += w;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddArrayToObject(o, "edges"), *c = cJSON_AddArrayToObject(o, "counts");
    long *cnt = npu_xcalloc((size_t)bins, sizeof *cnt);
    if (!o || !cnt) {
        free(cnt);
        cJSON_Delete(o);
        return NULL;
    }
    double w = (hi - lo) / bins;
    long in = 0;
    for (long i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        int b = (int)((v[i] - lo) / w);
        cnt[b < 0 ? 0 : b >= bins ? bins - 1 : b]++;
        in++;
    }
    for (int i = 0; i <= bins; i++) cJSON_AddItemToArray(e, cJSON_CreateNumber(lo + w * i));
    for (int i = 0; i < bins; i++) cJSON_AddItemToArray(c, cJSON_CreateNumber((double)cnt[i]));
    cJSON_AddNumberToObject(o, "n", (double)in);
    free(cnt);
    return o;
}

/* TTFT and TPOT of each completed request, ms, the way --requests-out writes them. */
static cJSON *serve_histograms(const npu_serve_result *r) {
    double *ttft = npu_xmalloc((size_t)(r->n_req + 1) * sizeof *ttft), *tpot = npu_xmalloc((size_t)(r->n_req + 1) * sizeof *tpot);
    if (!ttft || !tpot) {
        free(ttft), free(tpot);
        return NULL;
    }
    long nt = 0, np = 0;
    for (long i = 0; i < r->n_req; i++) {
        const npu_req_rec *q = &r->req[i];
        if (q->status != NPU_REQ_DONE) continue;
        ttft[nt++] = (q->first_s - q->arrival_s) * 1e3;
        if (q->output >= 2) tpot[np++] = (q->finish_s - q->first_s) / (q->output - 1) * 1e3;
    }
    cJSON *h = cJSON_CreateObject();
    cJSON_AddItemToObject(h, "ttft_ms", npu_html_histogram(ttft, nt, HIST_BINS));
    cJSON_AddItemToObject(h, "tpot_ms", npu_html_histogram(tpot, np, HIST_BINS));
    free(ttft), free(tpot);
    return h;
}

static cJSON *pcts_json(const npu_lat *l) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "p50", l->p50 * 1e3);
    cJSON_AddNumberToObject(o, "p90", l->p90 * 1e3);
    cJSON_AddNumberToObject(o, "p99", l->p99 * 1e3);
    return o;
}

static cJSON *curve_point(const npu_serve_cfg *c, const npu_serve_result *r, double rate) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rate_rps", rate);
    cJSON_AddNumberToObject(o, "throughput_tok_s", r->throughput_tok_s);
    cJSON_AddNumberToObject(o, "throughput_req_s", r->throughput_req_s);
    cJSON_AddItemToObject(o, "ttft_ms", pcts_json(&r->ttft));
    cJSON_AddItemToObject(o, "tpot_ms", pcts_json(&r->tpot));
    if (c->slo_ttft_s > 0 || c->slo_tpot_s > 0) cJSON_AddBoolToObject(o, "meets_slo", npu_serve_meets_slo(c, r));
    return o;
}

/* Rates of the curve around a maximum rate: below it, at it, and past it. */
static const double curve_fracs[] = {0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25};

/* The curve into arr; when `r` has no per-request records, *recs receives the
 * run at the maximum rate with them (the same run as `r`: same seed and rate). */
static int serve_curve(cJSON *arr, const npu_serve_cfg *c, const npu_serve_result *r, double max_rate_rps,
                       npu_serve_result *recs) {
    if (!(max_rate_rps > 0)) {
        bool open = c->wl.arrival == NPU_ARRIVE_POISSON || c->wl.arrival == NPU_ARRIVE_GAMMA;
        cJSON_AddItemToArray(arr, curve_point(c, r, open ? c->wl.rate_rps : r->arrival_rate_rps));
        return 0;
    }
    for (size_t i = 0; i < NPU_ARRAY_LEN(curve_fracs); i++) {
        npu_serve_cfg k = *c;
        k.wl.arrival = NPU_ARRIVE_POISSON, k.wl.rate_rps = max_rate_rps * curve_fracs[i];
        k.keep_requests = curve_fracs[i] == 1.0 && !r->req, k.progress = NULL;
        npu_serve_result q = {0};
        if (npu_serve_run(&k, &q)) {
            npu_serve_result_free(&q);
            return -1;
        }
        cJSON_AddItemToArray(arr, curve_point(&k, &q, k.wl.rate_rps));
        if (k.keep_requests) *recs = q;
        else npu_serve_result_free(&q);
    }
    return 0;
}

static cJSON *dist_json(const npu_dist *d) {
    static const char *const kinds[] = {"fixed", "uniform", "normal", "lognormal", "file"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", kinds[d->kind]);
    if (d->kind == NPU_DIST_FILE) cJSON_AddNumberToObject(o, "samples", (double)d->n_samples);
    else {
        cJSON_AddNumberToObject(o, "a", d->a);
        if (d->kind != NPU_DIST_FIXED) cJSON_AddNumberToObject(o, "b", d->b);
    }
    return o;
}

static void pool_json(cJSON *o, const npu_pool *p) {
    cJSON_AddStringToObject(o, "hw", p->hw->name);
    cJSON_AddNumberToObject(o, "tp", p->step.plan.tp > 0 ? p->step.plan.tp : 1);
    cJSON_AddNumberToObject(o, "pp", p->step.plan.pp > 0 ? p->step.plan.pp : 1);
    cJSON_AddNumberToObject(o, "ep", p->step.plan.ep > 0 ? p->step.plan.ep : 1);
    cJSON_AddStringToObject(o, "dtype", npu_dtype_names[p->step.wdt]);
    cJSON_AddStringToObject(o, "act_dtype", npu_dtype_names[p->step.adt]);
    cJSON_AddStringToObject(o, "kv_dtype", npu_dtype_names[p->step.kvdt]);
    cJSON_AddStringToObject(o, "stack", npu_stack_names[p->step.stack]);
    cJSON_AddNumberToObject(o, "replicas", p->replicas);
}

static cJSON *config_json(const npu_serve_cfg *c) {
    cJSON *o = cJSON_CreateObject();
    pool_json(o, &c->pool);
    if (c->sched == NPU_SCHED_DISAGG) pool_json(cJSON_AddObjectToObject(o, "prefill_pool"), &c->prefill);
    cJSON_AddNumberToObject(o, "max_seqs", c->max_seqs);
    cJSON_AddNumberToObject(o, "max_batched_tokens", (double)c->max_batched_tokens);
    if (c->sched == NPU_SCHED_CHUNKED) cJSON_AddNumberToObject(o, "chunk", (double)c->chunk);
    cJSON_AddNumberToObject(o, "block_size", c->block_size);
    cJSON_AddNumberToObject(o, "kv_mem_frac", c->kv_mem_frac);
    if (c->prefix_share > 0) cJSON_AddNumberToObject(o, "prefix_share", c->prefix_share);
    cJSON *e = cJSON_AddObjectToObject(o, "engine");
    cJSON_AddStringToObject(e, "name", c->engine.name);
    cJSON_AddNumberToObject(e, "step_us", c->engine.step_us + c->step_overhead_s * 1e6);
    cJSON_AddNumberToObject(e, "seq_us", c->engine.seq_us);
    cJSON *w = cJSON_AddObjectToObject(o, "workload");
    cJSON_AddStringToObject(w, "arrival", npu_arrival_names[c->wl.arrival]);
    if (c->wl.arrival == NPU_ARRIVE_POISSON || c->wl.arrival == NPU_ARRIVE_GAMMA)
        cJSON_AddNumberToObject(w, "rate_rps", c->wl.rate_rps);
    if (c->wl.arrival == NPU_ARRIVE_GAMMA) cJSON_AddNumberToObject(w, "burstiness_cv", c->wl.burstiness_cv);
    if (c->wl.arrival == NPU_ARRIVE_CLOSED) cJSON_AddNumberToObject(w, "concurrency", c->wl.concurrency);
    if (c->wl.arrival != NPU_ARRIVE_TRACE) {
        cJSON_AddItemToObject(w, "input_tokens", dist_json(&c->wl.input));
        cJSON_AddItemToObject(w, "output_tokens", dist_json(&c->wl.output));
    }
    cJSON_AddNumberToObject(w, "requests", (double)c->requests);
    cJSON_AddNumberToObject(w, "seed", (double)c->seed);
    return o;
}

int npu_html_serve_json(cJSON *j, const npu_serve_cfg *c, const npu_serve_result *r, double max_rate_rps) {
    npu_serve_result recs = {0};
    cJSON_AddItemToObject(j, "config", config_json(c));
    if (serve_curve(cJSON_AddArrayToObject(j, "rate_curve"), c, r, max_rate_rps, &recs)) return -1;
    const npu_serve_result *from = r->req ? r : recs.req ? &recs : NULL;
    int rc = 0;
    if (from && from->n_req > 0) {
        cJSON *h = serve_histograms(from);
        if (h) cJSON_AddItemToObject(j, "histograms", h);
        else npu_err("out of memory"), rc = -1;
    }
    npu_serve_result_free(&recs);
    return rc;
}

/* ---- sweep files ---- */

/* A cell's text as a JSON value: a finite number, null when empty, else text. */
static cJSON *cell_value(const char *s) {
    if (!*s) return cJSON_CreateNull();
    char *end;
    double d = strtod(s, &end);
    if (end != s && *end == 0 && isfinite(d)) return cJSON_CreateNumber(d);
    if (end != s && *end == 0) return cJSON_CreateNull(); /* nan, inf */
    return cJSON_CreateString(s);
}

/* One CSV field from *p (RFC 4180 quoting) into buf (as long as the file);
 * *p moves past it and its separator. Returns the separator: ',', '\n' or 0
 * at the end; -1 on a quote that does not end. */
static int csv_field(const char **p, char *buf) {
    const char *s = *p;
    size_t n = 0;
    if (*s == '"') {
        for (s++;; s++) {
            if (!*s) return -1;
            if (*s == '"' && s[1] != '"') break;
            if (*s == '"') s++; /* "" is one quote */
            buf[n++] = *s;
        }
        s++;
    }
    while (*s && *s != ',' && *s != '\n' && *s != '\r') buf[n++] = *s++;
    buf[n] = 0;
    int sep = *s;
    if (*s == '\r') {
        sep = '\n';
        if (*++s == '\n') s++;
    } else if (*s) s++;
    *p = s;
    return sep;
}

static cJSON *sweep_csv(const char *path) {
    size_t len;
    char *text = npu_read_file(path, &len);
    if (!text) return NULL;
    cJSON *o = cJSON_CreateObject(), *cols = cJSON_AddArrayToObject(o, "columns"), *rows = cJSON_AddArrayToObject(o, "rows");
    cJSON_AddStringToObject(o, "kind", "sweep");
    char *buf = npu_xmalloc(len + 1);
    const char *p = text;
    int ncol = 0, line = 1;
    cJSON *cur = NULL;
    int in_row = 0;
    while (buf && *p) {
        int sep = csv_field(&p, buf);
        if (sep < 0) {
            npu_err("%s: line %d: a quoted field does not end", path, line);
            goto fail;
        }
        if (line == 1) {
            if (!*buf) {
                npu_err("%s: column %d of the header has no name", path, ncol + 1);
                goto fail;
            }
            cJSON_AddItemToArray(cols, cJSON_CreateString(buf));
            ncol++;
        } else {
            if (!cur) cur = cJSON_CreateArray(), in_row = 0;
            cJSON_AddItemToArray(cur, cell_value(buf));
            in_row++;
        }
        if (sep == '\n' || sep == 0) {
            if (cur) {
                bool blank = in_row == 1 && cJSON_IsNull(cJSON_GetArrayItem(cur, 0));
                if (blank) cJSON_Delete(cur);
                else if (in_row != ncol) {
                    npu_err("%s: line %d has %d fields for %d columns", path, line, in_row, ncol);
                    cJSON_Delete(cur);
                    goto fail;
                } else cJSON_AddItemToArray(rows, cur);
                cur = NULL;
            }
            line++;
        }
    }
    if (!buf) npu_err("out of memory");
    else if (ncol == 0) npu_err("%s: no header row", path);
    if (!buf || ncol == 0) goto fail;
    free(buf), free(text);
    return o;
fail:
    free(buf), free(text);
    cJSON_Delete(o);
    return NULL;
}

static cJSON *sqlite_value(sqlite3_stmt *st, int i) {
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: {
        double d = sqlite3_column_double(st, i);
        return isfinite(d) ? cJSON_CreateNumber(d) : cJSON_CreateNull();
    }
    case SQLITE_TEXT: return cJSON_CreateString((const char *)sqlite3_column_text(st, i));
    default: return cJSON_CreateNull();
    }
}

/* The spec: the first text cell of a table other than `points` that parses as
 * a JSON object with "axes" or "objectives". */
static cJSON *sqlite_spec(sqlite3 *db) {
    sqlite3_stmt *t;
    cJSON *spec = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' AND name<>'points'", -1, &t, NULL))
        return NULL;
    while (!spec && sqlite3_step(t) == SQLITE_ROW) {
        char sql[300];
        sqlite3_stmt *q;
        char *name = sqlite3_mprintf("%w", (const char *)sqlite3_column_text(t, 0));
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" LIMIT 16", name ? name : "");
        sqlite3_free(name);
        if (sqlite3_prepare_v2(db, sql, -1, &q, NULL)) continue;
        while (!spec && sqlite3_step(q) == SQLITE_ROW)
            for (int i = 0; i < sqlite3_column_count(q) && !spec; i++) {
                if (sqlite3_column_type(q, i) != SQLITE_TEXT) continue;
                cJSON *j = cJSON_Parse((const char *)sqlite3_column_text(q, i));
                if (cJSON_IsObject(j) && (cJSON_GetObjectItem(j, "axes") || cJSON_GetObjectItem(j, "objectives"))) spec = j;
                else cJSON_Delete(j);
            }
        sqlite3_finalize(q);
    }
    sqlite3_finalize(t);
    return spec;
}

static cJSON *sweep_sqlite(const char *path) {
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL)) {
        npu_err("%s: cannot open as SQLite: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    if (sqlite3_prepare_v2(db, "SELECT * FROM points", -1, &st, NULL)) {
        npu_err("%s: no table 'points' (an npusim sweep database has one): %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    cJSON *o = cJSON_CreateObject(), *cols = cJSON_AddArrayToObject(o, "columns"), *rows = cJSON_AddArrayToObject(o, "rows");
    cJSON_AddStringToObject(o, "kind", "sweep");
    int n = sqlite3_column_count(st), rc;
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(cols, cJSON_CreateString(sqlite3_column_name(st, i)));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *r = cJSON_CreateArray();
        for (int i = 0; i < n; i++) cJSON_AddItemToArray(r, sqlite_value(st, i));
        cJSON_AddItemToArray(rows, r);
    }
    if (rc != SQLITE_DONE) {
        npu_err("%s: reading 'points': %s", path, sqlite3_errmsg(db));
        cJSON_Delete(o);
        o = NULL;
    }
    sqlite3_finalize(st);
    cJSON *spec = o ? sqlite_spec(db) : NULL;
    if (spec) cJSON_AddItemToObject(o, "spec", spec);
    sqlite3_close(db);
    return o;
}

cJSON *npu_html_sweep_load(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        npu_err("cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    char magic[16] = {0};
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    if (n == sizeof magic && memcmp(magic, "SQLite format 3", 16) == 0) return sweep_sqlite(path);
    const char *dot = strrchr(path, '.');
    if (dot && (strcmp(dot, ".sqlite") == 0 || strcmp(dot, ".sqlite3") == 0 || strcmp(dot, ".db") == 0)) {
        npu_err("%s: not a SQLite database (give a sweep's --out FILE.sqlite or FILE.csv)", path);
        return NULL;
    }
    return sweep_csv(path);
}
