/* npu_html — the page: header (what produced the result), key figures, one
 * section per chart, and the data model the page script (src/html/page.js)
 * draws from. Each page_* function turns one kind of result into
 *   figures  the headline numbers, as HTML
 *   meta     the options that produced it, as HTML
 *   model    {"data": {name: [rows]}, "charts": [{id, spec, data, signals}]}
 * and reports a missing field by name. See npu_html.h. */
#include "npu_html.h"
#include "npu_html_assets.h"
#include "npu_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

const char *const npu_html_kind_names[NPU_HTML_KINDS] = {"run", "serve", "sweep"};

bool npu_html_have_vega(void) { return npu_html_vega_js[0] != 0; }

/* ---- a growing string ---- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (b->n + n + 1 > cap) cap *= 2;
        char *t = npu_xrealloc(b->s, cap);
        if (!t) {
            b->oom = true;
            return;
        }
        b->s = t, b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    if ((size_t)k < sizeof tmp) {
        sb_put(b, tmp, (size_t)k);
        return;
    }
    char *big = npu_xmalloc((size_t)k + 1);
    if (!big) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)k + 1, fmt, ap);
    va_end(ap);
    sb_put(b, big, (size_t)k);
    free(big);
}

/* Text as HTML (element content or a quoted attribute). */
static void sb_esc(sbuf *b, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '&': sb_puts(b, "&amp;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        default: sb_put(b, s, 1);
        }
    }
}

/* JSON inside <script type="application/json">: '<' only occurs in strings,
 * where \u003c means the same, so no "</script" or "<!--" can form. */
static void sb_json(sbuf *b, const cJSON *j) {
    char *s = cJSON_PrintUnformatted(j);
    if (!s) {
        b->oom = true;
        return;
    }
    for (char *p = s; *p; p++)
        if (*p == '<') sb_puts(b, "\\u003c");
        else sb_put(b, p, 1);
    free(s);
}

/* ---- reading the result ---- */

/* The field at a dotted path ("memory.weights_gb"), or NULL. */
static const cJSON *at(const cJSON *o, const char *path) {
    char key[128];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key) return NULL;
        memcpy(key, path, n);
        key[n] = 0;
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        path += n + (dot ? 1 : 0);
    }
    return o;
}

static const char *what_g; /* "run result", ... for the error lines */

/* A finite number at `path`; -1 + npu_err naming it when absent or not a number. */
static int need_num(const cJSON *o, const char *path, double *v) {
    const cJSON *j = at(o, path);
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble)) {
        npu_err("report: the %s has no number '%s'", what_g, path);
        return -1;
    }
    *v = j->valuedouble;
    return 0;
}

static const char *need_str(const cJSON *o, const char *path) {
    const cJSON *j = at(o, path);
    if (!cJSON_IsString(j)) {
        npu_err("report: the %s has no text field '%s'", what_g, path);
        return NULL;
    }
    return j->valuestring;
}

static double num_or(const cJSON *o, const char *path, double dflt) {
    const cJSON *j = at(o, path);
    return cJSON_IsNumber(j) && isfinite(j->valuedouble) ? j->valuedouble : dflt;
}

static const char *str_or(const cJSON *o, const char *path, const char *dflt) {
    const cJSON *j = at(o, path);
    return cJSON_IsString(j) ? j->valuestring : dflt;
}

int npu_html_kind_of(const cJSON *r, npu_html_kind *kind) {
    if (!cJSON_IsObject(r)) {
        npu_err("report: the result is not a JSON object");
        return -1;
    }
    if (cJSON_IsArray(at(r, "columns")) && cJSON_IsArray(at(r, "rows"))) *kind = NPU_HTML_SWEEP;
    else if (at(r, "timeline")) *kind = NPU_HTML_SERVE;
    else if (at(r, "memory") && (at(r, "prefill_step") || at(r, "decode_step") || at(r, "mixed_step"))) *kind = NPU_HTML_RUN;
    else {
        npu_err("report: not a run, serve or sweep result (no 'prefill_step'/'decode_step', 'timeline' or "
                "'columns'+'rows' field)");
        return -1;
    }
    return 0;
}

/* ---- the page model ---- */

typedef struct page {
    sbuf figures, meta, sections;
    cJSON *data;   /* name -> rows */
    cJSON *charts; /* [{id, spec, data, signals, height}] */
    char title[256];
} page;

static void figure(page *p, const char *label, double v, const char *fmt, const char *unit) {
    char num[64];
    snprintf(num, sizeof num, fmt, v);
    sb_puts(&p->figures, "<div class=\"figure\"><b>");
    sb_esc(&p->figures, num);
    sb_puts(&p->figures, "</b><span>");
    sb_esc(&p->figures, label);
    if (unit && *unit) {
        sb_puts(&p->figures, " (");
        sb_esc(&p->figures, unit);
        sb_puts(&p->figures, ")");
    }
    sb_puts(&p->figures, "</span></div>");
}

static void meta_row(page *p, const char *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void meta_row(page *p, const char *k, const char *fmt, ...) {
    char v[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    sb_puts(&p->meta, "<div><span>");
    sb_esc(&p->meta, k);
    sb_puts(&p->meta, "</span>");
    sb_esc(&p->meta, v);
    sb_puts(&p->meta, "</div>");
}

/* Every scalar of an object as meta rows ("config.tp" ...), nested objects flattened. */
static void meta_object(page *p, const char *prefix, const cJSON *o) {
    const cJSON *e;
    cJSON_ArrayForEach(e, o) {
        char k[160];
        snprintf(k, sizeof k, "%s%s%s", prefix, *prefix ? "." : "", e->string);
        if (cJSON_IsObject(e)) meta_object(p, k, e);
        else if (cJSON_IsString(e)) meta_row(p, k, "%s", e->valuestring);
        else if (cJSON_IsNumber(e)) meta_row(p, k, "%.6g", e->valuedouble);
        else if (cJSON_IsBool(e)) meta_row(p, k, "%s", cJSON_IsTrue(e) ? "yes" : "no");
    }
}

/* A chart: a section in the page and an entry the script draws (returned;
 * sig() = its signal values). `data` pairs spec data names with dataset names
 * ("kernels=kernels,roof=roof"). */
static cJSON *chart(page *p, const char *id, const char *spec, const char *data, const char *title, const char *caption) {
    sb_printf(&p->sections, "<section class=\"chart\" id=\"%s\" data-status=\"pending\"><h2>", id);
    sb_esc(&p->sections, title);
    sb_puts(&p->sections, "</h2><div class=\"plot\"></div>");
    if (caption) {
        sb_puts(&p->sections, "<p>");
        sb_esc(&p->sections, caption);
        sb_puts(&p->sections, "</p>");
    }
    sb_puts(&p->sections, "</section>\n");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "id", id);
    cJSON_AddStringToObject(c, "spec", spec);
    cJSON *d = cJSON_AddObjectToObject(c, "data");
    char buf[256];
    npu_strlcpy(buf, data, sizeof buf);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = 0;
        cJSON_AddStringToObject(d, tok, eq + 1);
    }
    cJSON_AddObjectToObject(c, "signals");
    cJSON_AddItemToArray(p->charts, c);
    return c;
}

static cJSON *sig(cJSON *chart_obj) { return cJSON_GetObjectItem(chart_obj, "signals"); }

static void note(page *p, const char *title, const char *text) {
    sb_puts(&p->sections, "<section class=\"chart\"><h2>");
    sb_esc(&p->sections, title);
    sb_puts(&p->sections, "</h2><p class=\"note\">");
    sb_esc(&p->sections, text);
    sb_puts(&p->sections, "</p></section>\n");
}

static cJSON *dataset(page *p, const char *name) { return cJSON_AddArrayToObject(p->data, name); }

static cJSON *row(cJSON *set) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToArray(set, r);
    return r;
}

/* A number or null (non-finite: NaN/Inf never reach the page). */
static void add_num(cJSON *o, const char *k, double v) {
    if (isfinite(v)) cJSON_AddNumberToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

/* ---- run ---- */

static const char *const step_keys[] = {"prefill_step", "mixed_step", "decode_step"};
static const char *const step_names[] = {"prefill", "mixed", "decode"};
static const char *const step_titles[] = {"Prefill step", "Step with prompts admitted", "Decode step"};

static int run_kernels(page *p, const cJSON *r, int *n_steps) {
    cJSON *ks = dataset(p, "kernels"), *kinds = dataset(p, "kinds");
    *n_steps = 0;
    for (int s = 0; s < 3; s++) {
        const cJSON *st = at(r, step_keys[s]);
        if (!st) continue;
        char path[96];
        double step_ms;
        snprintf(path, sizeof path, "%s.time_ms", step_keys[s]);
        if (need_num(r, path, &step_ms)) return -1;
        snprintf(path, sizeof path, "%s.kernels", step_keys[s]);
        const cJSON *arr = at(r, path), *k;
        if (!cJSON_IsArray(arr)) {
            npu_err("report: the %s has no array '%s'", what_g, path);
            return -1;
        }
        (*n_steps)++;
        int i = 0;
        cJSON_ArrayForEach(k, arr) {
            double flops, bytes, t_us, tot_us, count;
            const char *name = need_str(k, "name"), *kind = need_str(k, "kind"), *bound = need_str(k, "bound");
            if (!name || !kind || !bound || need_num(k, "flops", &flops) || need_num(k, "dram_bytes", &bytes) ||
                need_num(k, "time_us", &t_us) || need_num(k, "total_time_us", &tot_us) || need_num(k, "count", &count)) {
                char why[256];
                npu_strlcpy(why, npu_errmsg() + strlen("report: "), sizeof why);
                npu_err("report: %s, kernel %d: %s", path, i, why);
                return -1;
            }
            cJSON *o = row(ks);
            cJSON_AddStringToObject(o, "step", step_names[s]);
            cJSON_AddStringToObject(o, "name", name);
            cJSON_AddStringToObject(o, "kind", kind);
            cJSON_AddStringToObject(o, "bound", bound);
            cJSON_AddNumberToObject(o, "count", count);
            cJSON_AddNumberToObject(o, "time_us", t_us);
            cJSON_AddNumberToObject(o, "total_ms", tot_us / 1e3);
            add_num(o, "share_pct", step_ms > 0 ? 100 * tot_us / 1e3 / step_ms : NAN);
            cJSON_AddNumberToObject(o, "flops", flops);
            cJSON_AddNumberToObject(o, "dram_bytes", bytes);
            bool on_roof = flops > 0 && bytes > 0 && t_us > 0;
            add_num(o, "ai", on_roof ? flops / bytes : NAN);
            add_num(o, "tflops", on_roof ? flops / (t_us * 1e-6) / 1e12 : NAN);
            i++;
        }
        snprintf(path, sizeof path, "%s.time_ms_by_kind", step_keys[s]);
        const cJSON *by = at(r, path), *e;
        cJSON_ArrayForEach(e, by) {
            if (!cJSON_IsNumber(e) || !(e->valuedouble > 0)) continue;
            cJSON *o = row(kinds);
            cJSON_AddStringToObject(o, "step", step_names[s]);
            cJSON_AddStringToObject(o, "kind", e->string);
            cJSON_AddNumberToObject(o, "ms", e->valuedouble);
            add_num(o, "share_pct", step_ms > 0 ? 100 * e->valuedouble / step_ms : NAN);
        }
    }
    return 0;
}

/* The roof: min(peak, intensity x bandwidth) over the kernels' intensities
 * (and the ridge), widened by 4x each side. */
static void run_roof(page *p, double peak_tflops, double gbps, const char *dtype) {
    double ridge = peak_tflops * 1e3 / gbps, lo = ridge, hi = ridge;
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(p->data, "kernels")) {
        double ai = num_or(k, "ai", NAN);
        if (ai > 0) lo = fmin(lo, ai), hi = fmax(hi, ai);
    }
    lo /= 4, hi *= 4;
    cJSON *roof = dataset(p, "roof");
    double xs[3] = {lo, ridge, hi};
    for (int i = 0; i < 3; i++) {
        cJSON *o = row(roof);
        cJSON_AddNumberToObject(o, "ai", xs[i]);
        cJSON_AddNumberToObject(o, "tflops", fmin(peak_tflops, xs[i] * gbps / 1e3));
        char label[128] = "";
        if (i == 2) snprintf(label, sizeof label, "peak %.4g TFLOP/s %s; DRAM %.4g GB/s", peak_tflops, dtype, gbps);
        cJSON_AddStringToObject(o, "label", label);
    }
}

static void run_memory(page *p, const cJSON *r, double cap) {
    static const char *const parts[] = {"weights", "KV cache", "activations"};
    static const char *const keys[] = {"memory.weights_gib", "memory.kv_cache_gib", "memory.activations_gib"};
    cJSON *m = dataset(p, "memory");
    double used = 0;
    for (int i = 0; i < 4; i++) {
        double gb = i < 3 ? num_or(r, keys[i], 0) : cap - used;
        if (i < 3) used += gb;
        if (!(gb > 0)) continue;
        cJSON *o = row(m);
        cJSON_AddStringToObject(o, "part", i < 3 ? parts[i] : "free");
        cJSON_AddNumberToObject(o, "gb", gb);
        cJSON_AddNumberToObject(o, "order", i);
    }
}

static int page_run(page *p, const cJSON *r) {
    what_g = "run result";
    const char *model = need_str(r, "model"), *hw = need_str(r, "hw"), *phase = need_str(r, "phase");
    double peak, gbps, cap, lat, tps;
    if (!model || !hw || !phase || need_num(r, "hw_peaks.tflops", &peak) || need_num(r, "hw_peaks.dram_gbps", &gbps) ||
        need_num(r, "memory.capacity_gib", &cap) || need_num(r, "latency_ms", &lat) || need_num(r, "tokens_per_s", &tps))
        return -1;
    if (!(peak > 0 && gbps > 0 && cap > 0)) {
        npu_err("report: the run result's hw_peaks.tflops, hw_peaks.dram_gbps and memory.capacity_gib must be positive");
        return -1;
    }
    const char *dtype = str_or(r, "hw_peaks.dtype", "?");
    snprintf(p->title, sizeof p->title, "npusim run: %s on %s, %s", model, hw, phase);
    figure(p, "latency", lat, "%.4g", "ms");
    figure(p, "throughput per replica", tps, "%.5g", "tokens/s");
    figure(p, "throughput per chip", num_or(r, "tokens_per_s_per_chip", NAN), "%.5g", "tokens/s");
    if (at(r, "ttft_ms")) figure(p, "first token", num_or(r, "ttft_ms", NAN), "%.4g", "ms");
    if (at(r, "tpot_ms")) figure(p, "per output token", num_or(r, "tpot_ms", NAN), "%.4g", "ms");
    figure(p, "power per chip", num_or(r, "power_w", NAN), "%.4g", "W");
    figure(p, "energy per token", num_or(r, "energy_j_per_token", NAN), "%.4g", "J");
    figure(p, "memory used", num_or(r, "memory.total_gib", NAN), "%.4g", "GiB");
    const cJSON *e;
    cJSON_ArrayForEach(e, r) {
        if (cJSON_IsString(e)) meta_row(p, e->string, "%s", e->valuestring);
        else if (cJSON_IsNumber(e) && (!strcmp(e->string, "batch") || !strcmp(e->string, "seq") || !strcmp(e->string, "ctx") ||
                                       !strcmp(e->string, "input") || !strcmp(e->string, "output") ||
                                       !strcmp(e->string, "moe_skew") || !strcmp(e->string, "clock_frac")))
            meta_row(p, e->string, "%.6g", e->valuedouble);
    }
    meta_object(p, "plan", at(r, "plan"));
    meta_object(p, "hw_peaks", at(r, "hw_peaks"));

    int n_steps;
    if (run_kernels(p, r, &n_steps)) return -1;
    run_roof(p, peak, gbps, dtype);
    run_memory(p, r, cap);
    char title[256], cap_txt[512];
    snprintf(title, sizeof title, "Roofline of %s (%s)", hw, dtype);
    cJSON *c = chart(p, "roofline", "roofline", "kernels=kernels,roof=roof", title,
                     "One point per kernel and step that does arithmetic and reads DRAM: arithmetic intensity "
                     "(FLOP per DRAM byte of one instance) and achieved FLOP/s (its FLOP / its modelled time). "
                     "Line: min(peak FLOP/s, intensity x peak DRAM bandwidth) of the chip's datasheet.");
    cJSON_AddNumberToObject(sig(c), "peak_tflops", peak);
    cJSON_AddNumberToObject(sig(c), "dram_gbps", gbps);
    cJSON_AddStringToObject(sig(c), "dtype", dtype);
    c = chart(p, "kinds", "kinds", "kinds=kinds", "Where the time goes, by kernel kind",
              "Share of each step's kernel time by kind of kernel (hover for milliseconds).");
    cJSON_AddNumberToObject(c, "height", 40.0 * n_steps + 10);
    for (int s = 0; s < 3; s++) {
        const cJSON *st = at(r, step_keys[s]);
        if (!st) continue;
        char id[64];
        snprintf(id, sizeof id, "kernels-%s", step_names[s]);
        snprintf(title, sizeof title, "%s: time by kernel (%.4g ms)", step_titles[s], num_or(st, "time_ms", NAN));
        c = chart(p, id, "kernels", "kernels=kernels", title,
                  "Every instance of each kernel in the step (e.g. all layers), coloured by what bounds it in the "
                  "model: compute, DRAM (memory), launch overhead or communication.");
        cJSON_AddStringToObject(sig(c), "step", step_names[s]);
        cJSON_AddNumberToObject(c, "height", cJSON_GetArraySize(cJSON_GetObjectItem(st, "kernels")) * 17.0 + 10);
    }
    snprintf(cap_txt, sizeof cap_txt,
             "Fullest chip: weights, KV cache and activations of the largest step against its %.4g GiB of memory "
             "(red line).", cap);
    c = chart(p, "memory", "memory", "memory=memory", "Memory plan", cap_txt);
    cJSON_AddNumberToObject(sig(c), "capacity_gb", cap);
    return 0;
}

/* ---- serve ---- */

static const char *const pcts[] = {"p50", "p90", "p99"};

static void curve_point(cJSON *curve, const cJSON *pt, double rate, double tput, const cJSON *meets) {
    for (int m = 0; m < 2; m++)
        for (int q = 0; q < 3; q++) {
            char path[32];
            snprintf(path, sizeof path, "%s_ms.%s", m ? "tpot" : "ttft", pcts[q]);
            cJSON *o = row(curve);
            cJSON_AddStringToObject(o, "metric", m ? "tpot" : "ttft");
            cJSON_AddStringToObject(o, "pct", pcts[q]);
            add_num(o, "rate_rps", rate);
            add_num(o, "throughput_tok_s", tput);
            add_num(o, "ms", num_or(pt, path, NAN));
            if (cJSON_IsBool(meets)) cJSON_AddBoolToObject(o, "meets_slo", cJSON_IsTrue(meets));
            else cJSON_AddNullToObject(o, "meets_slo");
        }
}

static int serve_curve(page *p, const cJSON *r) {
    cJSON *curve = dataset(p, "curve");
    const cJSON *rc = at(r, "rate_curve"), *pt;
    if (cJSON_IsArray(rc) && cJSON_GetArraySize(rc) > 0) {
        int i = 0;
        cJSON_ArrayForEach(pt, rc) {
            double rate, tput, v;
            if (need_num(pt, "rate_rps", &rate) || need_num(pt, "throughput_tok_s", &tput) ||
                need_num(pt, "ttft_ms.p99", &v) || need_num(pt, "tpot_ms.p99", &v)) {
                char why[256];
                npu_strlcpy(why, npu_errmsg() + strlen("report: "), sizeof why);
                npu_err("report: rate_curve point %d: %s", i, why);
                return -1;
            }
            curve_point(curve, pt, rate, tput, at(pt, "meets_slo"));
            i++;
        }
        return i;
    }
    double rate, tput, v;
    if (need_num(r, "arrival_rate_rps", &rate) || need_num(r, "throughput_tok_s", &tput) ||
        need_num(r, "ttft_ms.p99", &v) || need_num(r, "tpot_ms.p99", &v))
        return -1;
    curve_point(curve, r, rate, tput, NULL);
    return 1;
}

static int serve_hist(page *p, const cJSON *r) {
    const cJSON *h = at(r, "histograms");
    if (!h) return 0;
    cJSON *bins = dataset(p, "bins"), *pc = dataset(p, "pctl");
    for (int m = 0; m < 2; m++) {
        const char *name = m ? "tpot_ms" : "ttft_ms";
        const cJSON *edges = at(cJSON_GetObjectItem(h, name), "edges"), *counts = at(cJSON_GetObjectItem(h, name), "counts");
        int n = cJSON_GetArraySize(counts);
        if (!cJSON_IsArray(edges) || !cJSON_IsArray(counts) || cJSON_GetArraySize(edges) != n + 1) {
            npu_err("report: the serve result's histograms.%s needs 'edges' (one more than) and 'counts'", name);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            const cJSON *lo = cJSON_GetArrayItem(edges, i), *hi = cJSON_GetArrayItem(edges, i + 1),
                        *c = cJSON_GetArrayItem(counts, i);
            if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(hi) || !cJSON_IsNumber(c)) {
                npu_err("report: the serve result's histograms.%s has a non-number at bin %d", name, i);
                return -1;
            }
            cJSON *o = row(bins);
            cJSON_AddStringToObject(o, "metric", m ? "tpot" : "ttft");
            cJSON_AddNumberToObject(o, "lo", lo->valuedouble);
            cJSON_AddNumberToObject(o, "hi", hi->valuedouble);
            cJSON_AddNumberToObject(o, "count", c->valuedouble);
        }
        for (int q = 0; q < 3 && n > 0; q++) {
            char path[32];
            snprintf(path, sizeof path, "%s.%s", name, pcts[q]);
            cJSON *o = row(pc);
            cJSON_AddStringToObject(o, "metric", m ? "tpot" : "ttft");
            cJSON_AddStringToObject(o, "pct", pcts[q]);
            add_num(o, "ms", num_or(r, path, NAN));
        }
    }
    return 1;
}

static int serve_timeline(page *p, const cJSON *r) {
    const cJSON *t = at(r, "timeline.t_s"), *q = at(r, "timeline.queue_len"), *kv = at(r, "timeline.kv_use");
    int n = cJSON_GetArraySize(t);
    if (!cJSON_IsArray(t) || !cJSON_IsArray(q) || !cJSON_IsArray(kv) || cJSON_GetArraySize(q) != n ||
        cJSON_GetArraySize(kv) != n) {
        npu_err("report: the serve result's timeline needs arrays 't_s', 'queue_len' and 'kv_use' of one length");
        return -1;
    }
    cJSON *tl = dataset(p, "timeline");
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < n; i++) {
            cJSON *o = row(tl);
            cJSON_AddStringToObject(o, "series", s ? "kv" : "queue");
            add_num(o, "t_s", cJSON_GetArrayItem(t, i)->valuedouble);
            add_num(o, "value", s ? 100 * cJSON_GetArrayItem(kv, i)->valuedouble : cJSON_GetArrayItem(q, i)->valuedouble);
        }
    return n;
}

static int page_serve(page *p, const cJSON *r) {
    what_g = "serve result";
    const char *model = need_str(r, "model"), *hw = need_str(r, "hw");
    if (!model || !hw) return -1;
    snprintf(p->title, sizeof p->title, "npusim serve: %s on %s", model, hw);
    figure(p, "output throughput", num_or(r, "throughput_tok_s", NAN), "%.5g", "tokens/s");
    figure(p, "requests", num_or(r, "throughput_req_s", NAN), "%.4g", "req/s");
    if (num_or(r, "slo_ttft_ms", 0) > 0 || num_or(r, "slo_tpot_ms", 0) > 0)
        figure(p, "goodput", num_or(r, "goodput_req_s", NAN), "%.4g", "req/s");
    if (at(r, "max_rate_rps")) figure(p, "max rate within the SLOs", num_or(r, "max_rate_rps", NAN), "%.4g", "req/s");
    figure(p, "TTFT p50", num_or(r, "ttft_ms.p50", NAN), "%.4g", "ms");
    figure(p, "TTFT p99", num_or(r, "ttft_ms.p99", NAN), "%.4g", "ms");
    figure(p, "TPOT p50", num_or(r, "tpot_ms.p50", NAN), "%.4g", "ms");
    figure(p, "TPOT p99", num_or(r, "tpot_ms.p99", NAN), "%.4g", "ms");
    figure(p, "power per chip", num_or(r, "power_w", NAN), "%.4g", "W");
    figure(p, "energy per output token", num_or(r, "energy_j_per_token", NAN), "%.4g", "J");
    const cJSON *e;
    cJSON_ArrayForEach(e, r) {
        if (cJSON_IsString(e)) meta_row(p, e->string, "%s", e->valuestring);
        else if (cJSON_IsNumber(e) && (!strcmp(e->string, "replicas") || !strcmp(e->string, "chips") ||
                                       !strcmp(e->string, "requests") || !strcmp(e->string, "rejected") ||
                                       !strcmp(e->string, "duration_s") || !strcmp(e->string, "preemptions") ||
                                       !strcmp(e->string, "slo_ttft_ms") || !strcmp(e->string, "slo_tpot_ms") ||
                                       !strcmp(e->string, "kv_tokens_per_replica")))
            meta_row(p, e->string, "%.6g", e->valuedouble);
    }
    meta_object(p, "config", at(r, "config"));
    meta_object(p, "fleet", at(r, "fleet"));

    int npts = serve_curve(p, r);
    if (npts < 0) return -1;
    cJSON *slo = dataset(p, "slo");
    for (int m = 0; m < 2; m++) {
        double v = num_or(r, m ? "slo_tpot_ms" : "slo_ttft_ms", 0);
        if (!(v > 0)) continue;
        cJSON *o = row(slo);
        cJSON_AddStringToObject(o, "metric", m ? "tpot" : "ttft");
        cJSON_AddNumberToObject(o, "ms", v);
    }
    int hist = serve_hist(p, r);
    int ntl = hist < 0 ? -1 : serve_timeline(p, r);
    if (ntl < 0) return -1;
    const char *curve_cap = npts > 1
        ? "One point per simulated Poisson arrival rate (hover for the rate); crosses miss the SLOs (dashed red line)."
        : "The one arrival rate of this run (hover for it): a result with a \"rate_curve\" (e.g. serve "
          "--find-max-rate) draws a curve.";
    static const char *const metric[] = {"ttft", "tpot"};
    static const char *const names[] = {"Time to first token (ms)", "Time per output token (ms)"};
    for (int m = 0; m < 2; m++) {
        char id[32], title[96];
        snprintf(id, sizeof id, "curve-%s", metric[m]);
        snprintf(title, sizeof title, "%s against throughput", m ? "TPOT" : "TTFT");
        cJSON *sg = sig(chart(p, id, "curve", "curve=curve,slo=slo", title, curve_cap));
        cJSON_AddStringToObject(sg, "metric", metric[m]);
        cJSON_AddStringToObject(sg, "ytitle", names[m]);
    }
    for (int m = 0; m < 2 && hist; m++) {
        char id[32], title[96];
        snprintf(id, sizeof id, "hist-%s", metric[m]);
        snprintf(title, sizeof title, "%s distribution", m ? "TPOT" : "TTFT");
        cJSON *sg = sig(chart(p, id, "hist", "bins=bins,pctl=pctl", title,
                              m ? "Completed requests with at least two output tokens, by mean time per output "
                                  "token; dashed: percentiles."
                                : "Completed requests by time to first token (queueing + prefill); dashed: "
                                  "percentiles."));
        cJSON_AddStringToObject(sg, "metric", metric[m]);
        cJSON_AddStringToObject(sg, "xtitle", names[m]);
    }
    if (!hist)
        note(p, "TTFT and TPOT distributions",
             "This result has no per-request histograms (\"histograms\"): serve --json and --html add them; a "
             "fleet sizing (--target-rate) run keeps no per-request data.");
    cJSON *sg = sig(chart(p, "timeline-queue", "timeline", "timeline=timeline", "Queue over time",
                          "Requests waiting for admission (all replicas), time-averaged over each of the sampling windows that span the simulated time."));
    cJSON_AddStringToObject(sg, "series", "queue");
    cJSON_AddStringToObject(sg, "ytitle", "Waiting requests (time-average, count)");
    cJSON_AddStringToObject(sg, "color", "#4c78a8");
    sg = sig(chart(p, "timeline-kv", "timeline", "timeline=timeline", "KV-cache use over time",
                   "Share of the KV-cache blocks in use, time-averaged over each sampling window."));
    cJSON_AddStringToObject(sg, "series", "kv");
    cJSON_AddStringToObject(sg, "ytitle", "KV-cache blocks in use (%)");
    cJSON_AddStringToObject(sg, "color", "#f58518");
    return 0;
}

/* ---- sweep ---- */

/* Output columns of `npusim sweep` (issue 13) with their axis titles. */
static const char *const out_cols[][2] = {
    {"latency_ms", "Latency (ms)"},
    {"tokens_per_s", "Throughput (tokens/s)"},
    {"tokens_per_s_per_chip", "Throughput per chip (tokens/s)"},
    {"power_w", "Power per chip (W)"},
    {"energy_j_per_token", "Energy (J per token)"},
    {"die_mm2", "Die area (mm^2)"},
    {"unit_cost_usd", "Unit cost (USD)"},
    {"usd_per_mtok", "Cost (USD per million tokens)"},
    {"ttft_ms", "TTFT (ms)"},
    {"tpot_ms", "TPOT (ms)"},
    {"fits", "Fits in memory (1 = yes)"},
    {"feasible", "Feasible (1 = yes)"},
    {"pareto", "On the Pareto front (1 = yes)"},
};
/* Objectives tried, in order, when the spec names fewer than two (false = minimize). */
static const struct { const char *col; bool maximize; } default_obj[] = {
    {"usd_per_mtok", false}, {"tokens_per_s_per_chip", true}, {"energy_j_per_token", false},
    {"latency_ms", false},   {"tokens_per_s", true},
};
static const char *const unit_suffix[][2] = {
    {"_ms", "ms"}, {"_us", "us"}, {"_s", "s"}, {"_w", "W"}, {"_usd", "USD"}, {"_mm2", "mm^2"}, {"_gib", "GiB"}, {"_gb", "GB"},
    {"_gbps", "GB/s"}, {"_tbps", "TB/s"}, {"_tflops", "TFLOP/s"}, {"_bytes", "bytes"}, {"_j", "J"},
    {"_ghz", "GHz"}, {"_mhz", "MHz"}, {"_hz", "Hz"}, {"_mb", "MB"}, {"_kb", "KB"}, {"_pct", "%"},
};

static bool is_out_col(const char *c) {
    for (size_t i = 0; i < NPU_ARRAY_LEN(out_cols); i++)
        if (!strcmp(c, out_cols[i][0])) return true;
    return false;
}

/* An axis title with its unit: known outputs by name, others by suffix; a
 * column of names (numeric = false) has no unit. */
static void col_title(const char *c, bool numeric, char *buf, size_t cap) {
    for (size_t i = 0; i < NPU_ARRAY_LEN(out_cols); i++)
        if (!strcmp(c, out_cols[i][0])) {
            npu_strlcpy(buf, out_cols[i][1], cap);
            return;
        }
    size_t n = strlen(c);
    for (size_t i = 0; i < NPU_ARRAY_LEN(unit_suffix); i++) {
        size_t k = strlen(unit_suffix[i][0]);
        if (n > k && !strcmp(c + n - k, unit_suffix[i][0])) {
            snprintf(buf, cap, "%s (%s)", c, unit_suffix[i][1]);
            return;
        }
    }
    if (numeric) snprintf(buf, cap, "%s (value as set)", c);
    else npu_strlcpy(buf, c, cap);
}

typedef struct sweep {
    const cJSON *cols, *rows;
    int ncol;
    long nrow;
    const char **name;           /* ncol column names */
    const cJSON **cellp;         /* nrow x ncol cells (cJSON arrays are lists) */
    int pareto, feasible, fits;  /* column indices or -1 */
    int wl[16], nwl;             /* workload.* columns */
    int axis[32], naxis;
    int obj[8], nobj;
    bool obj_max[8];
} sweep;

static int col_index(const sweep *s, const char *name) {
    for (int i = 0; i < s->ncol; i++)
        if (!strcmp(s->name[i], name)) return i;
    return -1;
}

typedef const cJSON *const *srow; /* one row of sweep.cellp */

static srow row_at(const sweep *s, long i) { return s->cellp + (size_t)i * (size_t)s->ncol; }

static const cJSON *cell(const sweep *s, srow rv, int c) {
    (void)s;
    return c < 0 ? NULL : rv[c];
}

static bool cell_num(const cJSON *v, double *d) {
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
        *d = v->valuedouble;
        return true;
    }
    if (cJSON_IsBool(v)) {
        *d = cJSON_IsTrue(v);
        return true;
    }
    return false;
}

static bool truthy(const cJSON *v) {
    double d;
    if (cell_num(v, &d)) return d != 0;
    return cJSON_IsString(v) && (!strcmp(v->valuestring, "1") || !strcasecmp(v->valuestring, "true") ||
                                 !strcasecmp(v->valuestring, "yes"));
}

static void cell_label(const cJSON *v, char *buf, size_t cap) {
    double d;
    if (cell_num(v, &d)) snprintf(buf, cap, "%.6g", d);
    else if (cJSON_IsString(v)) npu_strlcpy(buf, v->valuestring, cap);
    else npu_strlcpy(buf, "(none)", cap);
}

static bool has_obj(const sweep *s, int c) {
    for (int i = 0; i < s->nobj; i++)
        if (s->obj[i] == c) return true;
    return false;
}

static void add_obj(sweep *s, int c, bool maximize) {
    if (c < 0 || has_obj(s, c) || s->nobj >= (int)NPU_ARRAY_LEN(s->obj)) return;
    s->obj_max[s->nobj] = maximize;
    s->obj[s->nobj++] = c;
}

/* Objectives from the spec: each element names a column (the longest column
 * name quoted in it) and a direction ("min..." or "max..."; by default the
 * direction of the known column, else maximize). */
static void spec_objectives(sweep *s, const cJSON *spec) {
    const cJSON *e;
    cJSON_ArrayForEach(e, at(spec, "objectives")) {
        char *t = cJSON_PrintUnformatted(e);
        if (!t) continue;
        int best = -1;
        size_t best_len = 0;
        for (int c = 0; c < s->ncol; c++) {
            size_t n = strlen(s->name[c]);
            char *hit = strstr(t, s->name[c]);
            bool bounded = hit && (hit == t || strchr("\":, ", hit[-1])) && strchr("\":, ", hit[n] ? hit[n] : ' ');
            if (bounded && n > best_len) best = c, best_len = n;
        }
        bool maximize = true;
        for (size_t i = 0; i < NPU_ARRAY_LEN(default_obj); i++)
            if (best >= 0 && !strcmp(s->name[best], default_obj[i].col)) maximize = default_obj[i].maximize;
        if (best >= 0) { /* the direction words, outside the column's own name */
            char *hit = strstr(t, s->name[best]);
            memset(hit, ' ', best_len);
        }
        if (strstr(t, "min")) maximize = false;
        if (strstr(t, "max")) maximize = true;
        free(t);
        add_obj(s, best, maximize);
    }
}

/* Axes from the spec (object keys, or elements that are a path or hold one as
 * "path"/"set"/"name"), else every dotted column that is not a workload's. */
static void sweep_axes(sweep *s, const cJSON *spec) {
    const cJSON *ax = at(spec, "axes"), *e;
    cJSON_ArrayForEach(e, ax) {
        const char *path = cJSON_IsObject(ax) ? e->string : cJSON_IsString(e) ? e->valuestring : NULL;
        if (!path) path = str_or(e, "path", str_or(e, "set", str_or(e, "name", NULL)));
        int c = path ? col_index(s, path) : -1;
        if (c >= 0 && s->naxis < (int)NPU_ARRAY_LEN(s->axis)) s->axis[s->naxis++] = c;
    }
    if (s->naxis) return;
    for (int c = 0; c < s->ncol && s->naxis < (int)NPU_ARRAY_LEN(s->axis); c++)
        if (strchr(s->name[c], '.') && strncmp(s->name[c], "workload.", 9) && !is_out_col(s->name[c]))
            s->axis[s->naxis++] = c;
}

static int sweep_open(sweep *s, const cJSON *r) {
    s->cols = at(r, "columns"), s->rows = at(r, "rows");
    s->ncol = cJSON_GetArraySize(s->cols);
    s->nrow = cJSON_GetArraySize(s->rows);
    if (s->ncol == 0) {
        npu_err("report: the sweep result has no columns");
        return -1;
    }
    s->name = npu_xcalloc((size_t)s->ncol, sizeof *s->name);
    if (!s->name) {
        npu_err("report: out of memory");
        return -1;
    }
    for (int i = 0; i < s->ncol; i++) {
        const cJSON *c = cJSON_GetArrayItem(s->cols, i);
        if (!cJSON_IsString(c)) {
            npu_err("report: sweep column %d has no name", i + 1);
            return -1;
        }
        s->name[i] = c->valuestring;
    }
    s->cellp = npu_xmalloc(((size_t)s->nrow * (size_t)s->ncol + 1) * sizeof *s->cellp);
    if (!s->cellp) {
        npu_err("report: out of memory");
        return -1;
    }
    long i = 0;
    const cJSON *rv;
    cJSON_ArrayForEach(rv, s->rows) {
        if (!cJSON_IsArray(rv) || cJSON_GetArraySize(rv) != s->ncol) {
            npu_err("report: sweep row %ld has %d values for %d columns", i + 1, cJSON_GetArraySize(rv), s->ncol);
            return -1;
        }
        const cJSON *v;
        int c = 0;
        cJSON_ArrayForEach(v, rv) s->cellp[(size_t)i * (size_t)s->ncol + (size_t)c++] = v;
        i++;
    }
    s->pareto = col_index(s, "pareto"), s->feasible = col_index(s, "feasible"), s->fits = col_index(s, "fits");
    for (int c = 0; c < s->ncol && s->nwl < (int)NPU_ARRAY_LEN(s->wl); c++)
        if (!strncmp(s->name[c], "workload.", 9)) s->wl[s->nwl++] = c;
    const cJSON *spec = at(r, "spec");
    sweep_axes(s, spec);
    spec_objectives(s, spec);
    for (size_t k = 0; k < NPU_ARRAY_LEN(default_obj) && s->nobj < 2; k++)
        add_obj(s, col_index(s, default_obj[k].col), default_obj[k].maximize);
    if (s->nobj < 2) {
        npu_err("report: the sweep has fewer than two objective columns (usd_per_mtok, tokens_per_s_per_chip, "
                "energy_j_per_token, latency_ms, tokens_per_s)");
        return -1;
    }
    return 0;
}

static void workload_label(const sweep *s, srow rv, char *buf, size_t cap) {
    buf[0] = 0;
    for (int i = 0; i < s->nwl; i++) {
        char v[96];
        size_t n = strlen(buf);
        cell_label(cell(s, rv, s->wl[i]), v, sizeof v);
        snprintf(buf + n, cap - n, "%s%s=%s", i ? " " : "", s->name[s->wl[i]] + 9, v);
    }
    if (!buf[0]) npu_strlcpy(buf, "all", cap);
}

static bool row_feasible(const sweep *s, srow rv) {
    if (s->feasible >= 0) return truthy(cell(s, rv, s->feasible));
    if (s->fits >= 0) return truthy(cell(s, rv, s->fits));
    return true;
}

typedef struct spoint {
    long row;
    double x, y;
    bool ok, feasible, front;
    char wl[160];
} spoint;

/* Without a "pareto" column: the non-dominated feasible points of each
 * workload on the two objectives drawn (O(n^2); small sweeps only). */
static void front_2d(const sweep *s, spoint *pt, long n) {
    double sx = s->obj_max[0] ? 1 : -1, sy = s->obj_max[1] ? 1 : -1;
    for (long i = 0; i < n; i++) {
        if (!pt[i].ok || !pt[i].feasible) continue;
        pt[i].front = true;
        for (long j = 0; j < n && pt[i].front; j++) {
            if (j == i || !pt[j].ok || !pt[j].feasible || strcmp(pt[i].wl, pt[j].wl)) continue;
            bool ge = sx * pt[j].x >= sx * pt[i].x && sy * pt[j].y >= sy * pt[i].y;
            bool gt = sx * pt[j].x > sx * pt[i].x || sy * pt[j].y > sy * pt[i].y;
            if (ge && gt) pt[i].front = false;
        }
    }
}

/* Keep every front point and an even sample of the others, `cap` in all. */
static void sample(spoint *pt, long n, long cap, bool *keep, long *kept) {
    long front = 0, other = 0;
    for (long i = 0; i < n; i++) front += pt[i].ok && pt[i].front, other += pt[i].ok && !pt[i].front;
    double stride = other > cap - front && cap > front ? (double)other / (double)(cap - front) : 1;
    double next = 0;
    long k = 0, seen = 0;
    *kept = 0;
    for (long i = 0; i < n; i++) {
        keep[i] = false;
        if (!pt[i].ok) continue;
        if (pt[i].front) keep[i] = true;
        else if (cap > front && seen++ >= next) keep[i] = true, next += stride, k++;
        *kept += keep[i];
    }
}

static void sweep_points(page *p, const sweep *s, spoint *pt, const bool *keep) {
    cJSON *set = dataset(p, "points");
    for (long i = 0; i < s->nrow; i++) {
        if (!keep[i]) continue;
        srow rv = row_at(s, i);
        cJSON *o = row(set);
        cJSON_AddNumberToObject(o, "x", pt[i].x);
        cJSON_AddNumberToObject(o, "y", pt[i].y);
        cJSON_AddStringToObject(o, "workload", pt[i].wl);
        cJSON_AddBoolToObject(o, "feasible", pt[i].feasible);
        cJSON_AddBoolToObject(o, "front", pt[i].front);
        cJSON *tip = cJSON_AddObjectToObject(o, "tip");
        for (int c = 0; c < s->ncol; c++) {
            const cJSON *v = cell(s, rv, c);
            double d;
            if (cell_num(v, &d)) cJSON_AddNumberToObject(tip, s->name[c], d);
            else if (cJSON_IsString(v)) cJSON_AddStringToObject(tip, s->name[c], v->valuestring);
            else cJSON_AddNullToObject(tip, s->name[c]);
        }
    }
}

/* Distinct values of a column, in numeric order when all are numbers, else
 * in order of first appearance. */
typedef struct distinct {
    char (*label)[64];
    double *num;
    int n, cap;
    bool numeric;
} distinct;

static int distinct_find(const distinct *d, const char *label) {
    for (int i = 0; i < d->n; i++)
        if (!strcmp(d->label[i], label)) return i;
    return -1;
}

static int distinct_collect(const sweep *s, int col, const char *wl, distinct *d) {
    *d = (distinct){.numeric = true};
    for (long i = 0; i < s->nrow; i++) {
        srow rv = row_at(s, i);
        char lab[64], w[160];
        if (wl) {
            workload_label(s, rv, w, sizeof w);
            if (strcmp(w, wl)) continue;
        }
        const cJSON *v = cell(s, rv, col);
        cell_label(v, lab, sizeof lab);
        if (distinct_find(d, lab) >= 0) continue;
        if (d->n == 4096) return -1; /* too many for a heatmap axis */
        if (d->n == d->cap) {
            d->cap = d->cap ? 2 * d->cap : 16;
            void *a = npu_xrealloc(d->label, (size_t)d->cap * sizeof *d->label), *b = npu_xrealloc(d->num, (size_t)d->cap * sizeof *d->num);
            if (a) d->label = a;
            if (b) d->num = b;
            if (!a || !b) return -1;
        }
        npu_strlcpy(d->label[d->n], lab, sizeof d->label[0]);
        double x;
        if (cell_num(v, &x)) d->num[d->n] = x;
        else d->numeric = false, d->num[d->n] = d->n;
        d->n++;
    }
    return 0;
}

static void distinct_free(distinct *d) { free(d->label), free(d->num); }

/* Rank of label i among the distinct values (the order the axis shows). */
static int distinct_rank(const distinct *d, int i) {
    if (!d->numeric) return i;
    int r = 0;
    for (int j = 0; j < d->n; j++) r += d->num[j] < d->num[i];
    return r;
}

static int sweep_heatmap(page *p, const sweep *s, const char *wl) {
    int a = -1, b = -1;
    distinct da = {0}, db = {0};
    for (int i = 0; i < s->naxis && b < 0; i++) {
        distinct d;
        if (distinct_collect(s, s->axis[i], wl, &d) || d.n < 2) {
            distinct_free(&d);
            continue;
        }
        if (a < 0) a = s->axis[i], da = d;
        else b = s->axis[i], db = d;
    }
    if (b < 0) {
        distinct_free(&da);
        return 0;
    }
    int na = da.n, nb = db.n, o = s->obj[0];
    double *best = npu_xmalloc((size_t)na * nb * sizeof *best);
    long *cnt = npu_xcalloc((size_t)na * nb * 2, sizeof *cnt);
    if (!best || !cnt) {
        free(best), free(cnt), distinct_free(&da), distinct_free(&db);
        npu_err("report: out of memory");
        return -1;
    }
    for (int i = 0; i < na * nb; i++) best[i] = NAN;
    for (long i = 0; i < s->nrow; i++) {
        srow rv = row_at(s, i);
        char la[64], lb[64], w[160];
        workload_label(s, rv, w, sizeof w);
        if (strcmp(w, wl)) continue;
        cell_label(cell(s, rv, a), la, sizeof la);
        cell_label(cell(s, rv, b), lb, sizeof lb);
        int k = distinct_find(&da, la) * nb + distinct_find(&db, lb);
        cnt[2 * k]++;
        double v;
        if (!row_feasible(s, rv) || !cell_num(cell(s, rv, o), &v)) continue;
        cnt[2 * k + 1]++;
        if (isnan(best[k]) || (s->obj_max[0] ? v > best[k] : v < best[k])) best[k] = v;
    }
    int valued = 0;
    for (int k = 0; k < na * nb; k++) valued += !isnan(best[k]);
    if (!valued) { /* nothing feasible to colour by */
        free(best), free(cnt), distinct_free(&da), distinct_free(&db);
        return 0;
    }
    cJSON *cells = dataset(p, "cells");
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++) {
            int k = i * nb + j;
            if (!cnt[2 * k]) continue;
            cJSON *c = row(cells);
            cJSON_AddStringToObject(c, "a", da.label[i]);
            cJSON_AddStringToObject(c, "b", db.label[j]);
            cJSON_AddNumberToObject(c, "ai", distinct_rank(&da, i));
            cJSON_AddNumberToObject(c, "bi", distinct_rank(&db, j));
            add_num(c, "v", best[k]);
            cJSON_AddNumberToObject(c, "n", (double)cnt[2 * k]);
            cJSON_AddNumberToObject(c, "nf", (double)cnt[2 * k + 1]);
        }
    char xt[160], yt[160], vt[160], title[400], cap[600];
    col_title(s->name[a], da.numeric, xt, sizeof xt);
    col_title(s->name[b], db.numeric, yt, sizeof yt);
    col_title(s->name[o], true, vt, sizeof vt);
    snprintf(title, sizeof title, "Best %s over %s and %s", s->name[o], s->name[a], s->name[b]);
    snprintf(cap, sizeof cap,
             "Each cell: the %s value of %s over the feasible designs with these two axis values (workload %s); "
             "grey: none feasible.", s->obj_max[0] ? "highest" : "lowest", s->name[o], wl);
    cJSON *c = chart(p, "heatmap", "heatmap", "cells=cells", title, cap);
    cJSON_AddStringToObject(sig(c), "xtitle", xt);
    cJSON_AddStringToObject(sig(c), "ytitle", yt);
    cJSON_AddStringToObject(sig(c), "vtitle", vt);
    cJSON_AddBoolToObject(sig(c), "lower_is_better", !s->obj_max[0]);
    cJSON_AddNumberToObject(c, "height", nb * 26.0 < 120 ? 120 : nb * 26.0 > 420 ? 420 : nb * 26.0);
    free(best), free(cnt), distinct_free(&da), distinct_free(&db);
    return 1;
}

/* Parallel coordinates over the axes that vary and the objectives. */
static int sweep_parallel(page *p, const sweep *s, spoint *pt, const bool *keep, long kept) {
    int dims[40], nd = 0;
    distinct dd[40];
    double lo[40], hi[40];
    for (int i = 0; i < s->naxis + s->nobj && nd < 40; i++) {
        int c = i < s->naxis ? s->axis[i] : s->obj[i - s->naxis];
        distinct d;
        if (i < s->naxis) {
            if (distinct_collect(s, c, NULL, &d) || d.n < 2) {
                distinct_free(&d);
                continue;
            }
        } else d = (distinct){.numeric = true};
        lo[nd] = INFINITY, hi[nd] = -INFINITY;
        for (long r = 0; r < s->nrow; r++) {
            double v;
            if (keep[r] && cell_num(cell(s, row_at(s, r), c), &v)) lo[nd] = fmin(lo[nd], v), hi[nd] = fmax(hi[nd], v);
        }
        dd[nd] = d;
        dims[nd++] = c;
    }
    if (nd < 2) {
        for (int i = 0; i < nd; i++) distinct_free(&dd[i]);
        return 0;
    }
    cJSON *dset = dataset(p, "dims"), *lines = dataset(p, "lines");
    for (int i = 0; i < nd; i++) {
        cJSON *o = row(dset);
        char l[64], h[64];
        if (dd[i].numeric) snprintf(l, sizeof l, "%.4g", lo[i]), snprintf(h, sizeof h, "%.4g", hi[i]);
        else {
            int first = 0, last = 0;
            for (int k = 0; k < dd[i].n; k++) {
                if (distinct_rank(&dd[i], k) == 0) first = k;
                if (distinct_rank(&dd[i], k) == dd[i].n - 1) last = k;
            }
            npu_strlcpy(l, dd[i].label[first], sizeof l), npu_strlcpy(h, dd[i].label[last], sizeof h);
        }
        cJSON_AddStringToObject(o, "dim", s->name[dims[i]]);
        cJSON_AddNumberToObject(o, "idx", i);
        cJSON_AddStringToObject(o, "lo", l);
        cJSON_AddStringToObject(o, "hi", h);
    }
    for (long r = 0; r < s->nrow; r++) {
        if (!keep[r]) continue;
        srow rv = row_at(s, r);
        const char *grp = !pt[r].feasible ? "infeasible" : pt[r].front ? "Pareto front" : "other design";
        for (int i = 0; i < nd; i++) {
            const cJSON *v = cell(s, rv, dims[i]);
            double x, norm;
            if (!dd[i].numeric) {
                char lab[64];
                cell_label(v, lab, sizeof lab);
                int k = distinct_find(&dd[i], lab);
                if (k < 0) continue;
                norm = (double)distinct_rank(&dd[i], k) / (dd[i].n - 1);
            } else if (cell_num(v, &x)) norm = hi[i] > lo[i] ? (x - lo[i]) / (hi[i] - lo[i]) : 0.5;
            else continue;
            cJSON *o = row(lines);
            cJSON_AddNumberToObject(o, "row", (double)r);
            cJSON_AddNumberToObject(o, "layer", !pt[r].feasible ? 0 : pt[r].front ? 2 : 1);
            cJSON_AddStringToObject(o, "group", grp);
            cJSON_AddStringToObject(o, "dim", s->name[dims[i]]);
            cJSON_AddNumberToObject(o, "idx", i);
            cJSON_AddNumberToObject(o, "norm", norm);
        }
    }
    for (int i = 0; i < nd; i++) distinct_free(&dd[i]);
    char cap[300];
    snprintf(cap, sizeof cap,
             "One line per design (%ld drawn): its value on each sweep axis and objective, each scaled from the "
             "lowest (bottom label) to the highest (top label) value drawn.", kept);
    chart(p, "parallel", "parallel", "dims=dims,lines=lines", "Parallel coordinates", cap);
    return 1;
}

#define SWEEP_MAX_POINTS 5000  /* scatter points kept in a page (all of the front) */
#define SWEEP_MAX_FRONT 20000  /* rows up to which a missing front is computed (O(n^2)) */
#define SWEEP_MAX_LINES 1500   /* parallel-coordinate lines */

static int page_sweep(page *p, const cJSON *r) {
    what_g = "sweep result";
    sweep s = {0};
    spoint *pt = NULL;
    bool *keep = NULL;
    int rc = -1;
    if (sweep_open(&s, r)) goto out;
    pt = npu_xcalloc((size_t)s.nrow + 1, sizeof *pt);
    keep = npu_xcalloc((size_t)s.nrow + 1, sizeof *keep);
    if (!pt || !keep) {
        npu_err("report: out of memory");
        goto out;
    }
    long failed = 0, nfront = 0, nfeas = 0;
    for (long i = 0; i < s.nrow; i++) {
        srow rv = row_at(&s, i);
        pt[i].row = i;
        pt[i].ok = cell_num(cell(&s, rv, s.obj[0]), &pt[i].x) && cell_num(cell(&s, rv, s.obj[1]), &pt[i].y);
        pt[i].feasible = pt[i].ok && row_feasible(&s, rv);
        pt[i].front = pt[i].feasible && s.pareto >= 0 && truthy(cell(&s, rv, s.pareto));
        workload_label(&s, rv, pt[i].wl, sizeof pt[i].wl);
        failed += !pt[i].ok;
    }
    bool own_front = s.pareto < 0 && s.nrow <= SWEEP_MAX_FRONT;
    if (own_front) front_2d(&s, pt, s.nrow);
    for (long i = 0; i < s.nrow; i++) nfront += pt[i].front, nfeas += pt[i].feasible;
    if (failed == s.nrow) {
        npu_err("report: no sweep row has numbers for both %s and %s", s.name[s.obj[0]], s.name[s.obj[1]]);
        goto out;
    }
    const char *spec_name = str_or(r, "spec.name", NULL);
    snprintf(p->title, sizeof p->title, "npusim sweep%s%s", spec_name ? ": " : "", spec_name ? spec_name : "");
    figure(p, "design points (rows)", (double)s.nrow, "%.0f", "");
    figure(p, "feasible", (double)nfeas, "%.0f", "");
    figure(p, "on the Pareto front", (double)nfront, "%.0f", "");
    if (failed) figure(p, "failed (no figures)", (double)failed, "%.0f", "");
    char buf[512] = "";
    for (int i = 0; i < s.nobj; i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s%s %s", i ? ", " : "", s.obj_max[i] ? "maximize" : "minimize", s.name[s.obj[i]]);
    }
    meta_row(p, "objectives", "%s", buf);
    buf[0] = 0;
    for (int i = 0; i < s.naxis; i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", s.name[s.axis[i]]);
    }
    meta_row(p, "axes", "%s", s.naxis ? buf : "(none found)");
    meta_row(p, "pareto", "%s", s.pareto >= 0 ? "the sweep's 'pareto' column (all its objectives)"
                                : own_front  ? "computed here on the two objectives drawn"
                                             : "none: no 'pareto' column, and too many rows to compute it here");
    const cJSON *spec = at(r, "spec");
    if (spec) meta_object(p, "spec", spec);

    long kept;
    sample(pt, s.nrow, SWEEP_MAX_POINTS, keep, &kept);
    sweep_points(p, &s, pt, keep);
    char xt[160], yt[160], title[400], cap[700];
    col_title(s.name[s.obj[0]], true, xt, sizeof xt);
    col_title(s.name[s.obj[1]], true, yt, sizeof yt);
    snprintf(title, sizeof title, "Pareto front: %s against %s", s.name[s.obj[1]], s.name[s.obj[0]]);
    snprintf(cap, sizeof cap,
             "Every design point with figures (%ld drawn of %ld rows; all front points kept): large outlined "
             "points are the Pareto front of their workload, crosses are infeasible (a constraint missed). "
             "Hover a point for every column of its row.", kept, s.nrow);
    cJSON *c = chart(p, "pareto", "pareto", "points=points", title, cap);
    cJSON_AddStringToObject(sig(c), "xtitle", xt);
    cJSON_AddStringToObject(sig(c), "ytitle", yt);
    char wl[160];
    npu_strlcpy(wl, "all", sizeof wl);
    for (long i = 0; i < s.nrow; i++)
        if (pt[i].ok) {
            npu_strlcpy(wl, pt[i].wl, sizeof wl);
            break;
        }
    int hm = sweep_heatmap(p, &s, wl);
    if (hm < 0) goto out;
    if (!hm) note(p, "Heatmap", "Needs two sweep axes with at least two values each and a feasible design.");
    sample(pt, s.nrow, SWEEP_MAX_LINES, keep, &kept);
    if (!sweep_parallel(p, &s, pt, keep, kept))
        note(p, "Parallel coordinates", "Needs at least two dimensions (axes that vary, objectives).");
    rc = 0;
out:
    free(s.name), free(s.cellp), free(pt), free(keep);
    return rc;
}

/* ---- assembly ---- */

static const char *asset(const char *name) {
    for (int i = 0; i < npu_html_assets_count; i++)
        if (strcmp(npu_html_assets[i].name, name) == 0) return npu_html_assets[i].text;
    return NULL;
}

static void page_free(page *p) {
    free(p->figures.s), free(p->meta.s), free(p->sections.s);
    cJSON_Delete(p->data);
    cJSON_Delete(p->charts);
}

/* The spec of every chart the page uses, as one JSON object {name: spec}. */
static int specs_json(sbuf *b, const cJSON *charts) {
    sb_puts(b, "{");
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, charts) {
        const char *name = cJSON_GetObjectItem(c, "spec")->valuestring;
        bool seen = false;
        for (const cJSON *d = charts->child; d != c; d = d->next)
            if (strcmp(cJSON_GetObjectItem(d, "spec")->valuestring, name) == 0) seen = true;
        if (seen) continue;
        char file[64];
        snprintf(file, sizeof file, "%s.vg.json", name);
        const char *text = asset(file);
        if (!text) {
            npu_err("report: no chart spec %s built in", file);
            return -1;
        }
        sb_printf(b, "%s\"%s\":", n++ ? ",\n" : "", name);
        sb_puts(b, text);
    }
    sb_puts(b, "}");
    return 0;
}

char *npu_html_render(const cJSON *result, const npu_html_meta *meta) {
    npu_html_kind kind;
    if (npu_html_kind_of(result, &kind)) return NULL;
    if (!npu_html_have_vega()) {
        npu_err("report: this npusim was built without Vega (install Debian's libjs-vega, then rebuild)");
        return NULL;
    }
    const char *css = asset("page.css"), *errjs = asset("errors.js"), *pagejs = asset("page.js");
    if (!css || !errjs || !pagejs) {
        npu_err("report: the page's script or style was not built in");
        return NULL;
    }
    page p = {.data = cJSON_CreateObject(), .charts = cJSON_CreateArray()};
    int rc = kind == NPU_HTML_RUN ? page_run(&p, result)
           : kind == NPU_HTML_SERVE ? page_serve(&p, result)
                                   : page_sweep(&p, result);
    if (rc) {
        page_free(&p);
        return NULL;
    }
    npu_html_meta m = meta ? *meta : (npu_html_meta){0};
    sbuf b = {0};
    sb_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
    sb_esc(&b, p.title);
    sb_puts(&b, "</title>\n<meta name=\"generator\" content=\"npusim ");
    sb_esc(&b, m.version ? m.version : "");
    sb_puts(&b, "\">\n<style>\n");
    sb_puts(&b, css);
    sb_puts(&b, "</style>\n<script>\n");
    sb_puts(&b, errjs);
    sb_puts(&b, "</script>\n<script>\n");
    sb_puts(&b, npu_html_vega_js);
    sb_puts(&b, "</script>\n</head>\n<body>\n<h1>");
    sb_esc(&b, p.title);
    sb_puts(&b, "</h1>\n<p class=\"sub\">");
    sb_printf(&b, "%s report drawn by npusim %s", npu_html_kind_names[kind], m.version ? "" : "");
    sb_esc(&b, m.version ? m.version : "(unknown version)");
    if (m.source) {
        sb_puts(&b, " from ");
        sb_esc(&b, m.source);
    }
    sb_puts(&b, ". Hover a mark for its values.</p>\n<pre id=\"npusim-errors\" hidden></pre>\n<div class=\"figures\">");
    sb_put(&b, p.figures.s ? p.figures.s : "", p.figures.n);
    sb_puts(&b, "</div>\n");
    if (m.command) {
        sb_puts(&b, "<p class=\"cmd\">Command: <code>");
        sb_esc(&b, m.command);
        sb_puts(&b, "</code></p>\n");
    }
    sb_puts(&b, "<div class=\"meta\">");
    sb_put(&b, p.meta.s ? p.meta.s : "", p.meta.n);
    sb_puts(&b, "</div>\n<div class=\"grid\">\n");
    sb_put(&b, p.sections.s ? p.sections.s : "", p.sections.n);
    sb_puts(&b, "</div>\n<footer>npusim ");
    sb_esc(&b, m.version ? m.version : "(unknown version)");
    sb_puts(&b, " &mdash; predictions of a performance model, not measurements. Charts: Vega (BSD-3-Clause), "
                "embedded; the page needs no network.</footer>\n<script type=\"application/json\" id=\"npusim-model\">");
    cJSON *model = cJSON_CreateObject();
    cJSON_AddStringToObject(model, "kind", npu_html_kind_names[kind]);
    cJSON_AddItemReferenceToObject(model, "data", p.data);
    cJSON_AddItemReferenceToObject(model, "charts", p.charts);
    sb_json(&b, model);
    cJSON_Delete(model);
    sb_puts(&b, "</script>\n<script type=\"application/json\" id=\"npusim-specs\">\n");
    rc = specs_json(&b, p.charts);
    sb_puts(&b, "\n</script>\n<script>\n");
    sb_puts(&b, pagejs);
    sb_puts(&b, "</script>\n</body></html>\n");
    bool oom = b.oom || p.figures.oom || p.meta.oom || p.sections.oom;
    page_free(&p);
    if (rc || oom) {
        if (oom) npu_err("report: out of memory");
        free(b.s);
        return NULL;
    }
    return b.s;
}

int npu_html_write_file(const char *path, const cJSON *result, const npu_html_meta *meta) {
    char *s = npu_html_render(result, meta);
    if (!s) return -1;
    FILE *f = fopen(path, "w");
    if (!f) {
        npu_err("cannot write '%s': %s", path, strerror(errno));
        free(s);
        return -1;
    }
    size_t n = strlen(s);
    bool ok = fwrite(s, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    free(s);
    if (!ok) {
        npu_err("error writing '%s'", path);
        return -1;
    }
    return 0;
}
