/* npu_workload — random streams, arrival processes, length distributions, traces. */
#include "npu_workload.h"
#include "npu_json.h"
#include "npu_util.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const npu_arrival_names[NPU_ARRIVE_COUNT] = {"poisson", "gamma", "offline", "closed", "trace"};

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void npu_rng_seed(npu_rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t npu_rng_next(npu_rng *r) {
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double npu_rng_uniform(npu_rng *r) {
    return ((npu_rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0); /* 53 bits, never 0 or 1 */
}

double npu_rng_normal(npu_rng *r) {
    /* Box-Muller; the second value is dropped to keep the stream stateless */
    double u1 = npu_rng_uniform(r), u2 = npu_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Marsaglia-Tsang; shape < 1 boosted by U^(1/shape). */
double npu_rng_gamma(npu_rng *r, double shape, double scale) {
    if (shape < 1.0) {
        double u = npu_rng_uniform(r);
        return npu_rng_gamma(r, shape + 1.0, scale) * pow(u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = npu_rng_normal(r), v = 1.0 + c * x;
        if (v <= 0) continue;
        v = v * v * v;
        double u = npu_rng_uniform(r);
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v)) return d * v * scale;
    }
}

/* ---- length distributions ---- */

static int parse_nums(const char *s, double *v, int max, const char *what, const char *spec) {
    int n = 0;
    while (*s) {
        char *end;
        errno = 0;
        double d = strtod(s, &end);
        if (end == s || errno || !isfinite(d) || n >= max) {
            npu_err("%s: bad distribution '%s' (e.g. lognormal:512,256 or uniform:64,1024)", what, spec);
            return -1;
        }
        v[n++] = d;
        s = end;
        if (*s == ',') s++;
        else if (*s) {
            npu_err("%s: bad distribution '%s' (numbers separated by commas)", what, spec);
            return -1;
        }
    }
    return n;
}

static int load_samples(const char *path, const char *what, npu_dist *d) {
    size_t len;
    char *text = npu_read_file(path, &len);
    if (!text) return -1;
    size_t cap = 1024, n = 0;
    long *v = npu_xmalloc(cap * sizeof *v);
    int line = 0;
    for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        line++;
        while (isspace((unsigned char)*p)) p++;
        if (*p == '\0' || *p == '#') continue;
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end == p || errno || x < d->min_len || x > NPU_MAX_REQUEST_TOKENS ||
            (*end && *end != ',' && !isspace((unsigned char)*end))) {
            if (n == 0 && line == 1 && !isdigit((unsigned char)*p)) continue; /* a CSV header */
            char q[48];
            npu_err("%s: %s line %d: '%s' is not a token count in [%ld, %ld]", what, path, line,
                    npu_abbrev(q, sizeof q, p, 40), d->min_len, NPU_MAX_REQUEST_TOKENS);
            free(v), free(text);
            return -1;
        }
        if (n == cap) v = npu_xreallocarray(v, cap *= 2, sizeof *v);
        v[n++] = x;
    }
    free(text);
    if (n == 0) {
        npu_err("%s: %s holds no token counts", what, path);
        free(v);
        return -1;
    }
    d->samples = v, d->n_samples = n;
    return 0;
}

int npu_dist_parse(const char *spec, long min_len, const char *what, npu_dist *d) {
    memset(d, 0, sizeof *d);
    d->min_len = min_len;
    d->max_len = NPU_MAX_REQUEST_TOKENS;
    const char *colon = strchr(spec, ':');
    if (!colon) {
        double v[1];
        if (parse_nums(spec, v, 1, what, spec) != 1 || v[0] != floor(v[0]) || v[0] < min_len ||
            v[0] > NPU_MAX_REQUEST_TOKENS) {
            npu_err("%s: '%s' must be an integer in [%ld, %ld] or a distribution (uniform:LO,HI, normal:MEAN,SD, "
                    "lognormal:MEAN,SD, file:PATH)", what, spec, min_len, NPU_MAX_REQUEST_TOKENS);
            return -1;
        }
        d->kind = NPU_DIST_FIXED, d->a = v[0];
        return 0;
    }
    static const char *const kinds[] = {"fixed", "uniform", "normal", "lognormal", "file"};
    char name[16];
    size_t nl = (size_t)(colon - spec);
    if (nl >= sizeof name) nl = sizeof name - 1;
    memcpy(name, spec, nl);
    name[nl] = '\0';
    int k = -1;
    for (int i = 1; i < 5; i++)
        if (strcmp(name, kinds[i]) == 0) k = i;
    if (k < 0) {
        const char *c = npu_closest(name, kinds + 1, 4);
        npu_err("%s: unknown distribution '%s'%s%s%s", what, name, c ? " (did you mean '" : "", c ? c : "",
                c ? "'?)" : "");
        return -1;
    }
    d->kind = (npu_dist_kind)k;
    if (d->kind == NPU_DIST_FILE) return load_samples(colon + 1, what, d);
    double v[3];
    int n = parse_nums(colon + 1, v, 3, what, spec);
    if (n < 0) return -1;
    if (d->kind == NPU_DIST_UNIFORM) {
        if (n != 2 || v[0] < min_len || v[1] < v[0] || v[1] > NPU_MAX_REQUEST_TOKENS) {
            npu_err("%s: uniform needs LO,HI with %ld <= LO <= HI <= %ld", what, min_len, NPU_MAX_REQUEST_TOKENS);
            return -1;
        }
        d->a = floor(v[0]), d->b = floor(v[1]);
        return 0;
    }
    if (n < 2 || v[0] <= 0 || v[1] < 0 || v[0] > NPU_MAX_REQUEST_TOKENS || v[1] > NPU_MAX_REQUEST_TOKENS ||
        (n == 3 && (v[2] < min_len || v[2] > NPU_MAX_REQUEST_TOKENS))) {
        npu_err("%s: %s needs MEAN,SD[,MAX] with 0 < MEAN <= %ld, 0 <= SD <= %ld, %ld <= MAX <= %ld", what, name,
                NPU_MAX_REQUEST_TOKENS, NPU_MAX_REQUEST_TOKENS, min_len, NPU_MAX_REQUEST_TOKENS);
        return -1;
    }
    if (n == 3) d->max_len = (long)v[2];
    if (d->kind == NPU_DIST_NORMAL) {
        d->a = v[0], d->b = v[1];
    } else { /* moments of the length -> parameters of its log */
        double s2 = log(1.0 + (v[1] * v[1]) / (v[0] * v[0]));
        d->a = log(v[0]) - 0.5 * s2, d->b = sqrt(s2);
    }
    return 0;
}

long npu_dist_sample(const npu_dist *d, npu_rng *r) {
    assert(d->min_len <= d->max_len && d->max_len <= NPU_MAX_REQUEST_TOKENS);
    assert(d->kind != NPU_DIST_FILE || d->n_samples > 0);
    double x;
    switch (d->kind) {
    case NPU_DIST_FIXED: return (long)d->a;
    case NPU_DIST_UNIFORM: return (long)d->a + (long)(npu_rng_next(r) % (uint64_t)(d->b - d->a + 1));
    case NPU_DIST_FILE: return d->samples[npu_rng_next(r) % d->n_samples];
    case NPU_DIST_NORMAL: x = d->a + d->b * npu_rng_normal(r); break;
    default: x = exp(d->a + d->b * npu_rng_normal(r)); break;
    }
    /* clip in double first: a far tail (or NaN) must not reach the conversion */
    if (!(x >= (double)d->min_len)) return d->min_len;
    if (x > (double)d->max_len) return d->max_len;
    long v = lround(x);
    return v > d->max_len ? d->max_len : v;
}

void npu_dist_free(npu_dist *d) {
    free(d->samples);
    d->samples = NULL;
    d->n_samples = 0;
}

/* ---- traces ---- */

static const char *const col_t[] = {"arrival_s", "timestamp", "time", "arrival", NULL};
static const char *const col_in[] = {"input_tokens", "input", "prompt_tokens", "input_len", NULL};
static const char *const col_out[] = {"output_tokens", "output", "completion_tokens", "output_len", NULL};

static int in_list(const char *s, const char *const *l) {
    for (int i = 0; l[i]; i++)
        if (strcmp(s, l[i]) == 0) return 1;
    return 0;
}

static int cmp_row(const void *a, const void *b) {
    double x = ((const npu_trace_row *)a)->arrival_s, y = ((const npu_trace_row *)b)->arrival_s;
    return x < y ? -1 : x > y;
}

/* Bounds of one row, checked in double before any conversion. */
static int row_make(const char *origin, double t, double in, double out, npu_trace_row *r) {
    if (!(t >= 0 && t <= NPU_MAX_ARRIVAL_S)) {
        npu_err("%s: arrival time %g s must be in [0, %g]", origin, t, NPU_MAX_ARRIVAL_S);
        return -1;
    }
    if (!(in >= 1 && in <= (double)NPU_MAX_REQUEST_TOKENS) || in != floor(in)) {
        npu_err("%s: input tokens %g must be an integer in [1, %ld]", origin, in, NPU_MAX_REQUEST_TOKENS);
        return -1;
    }
    if (!(out >= 0 && out <= (double)NPU_MAX_REQUEST_TOKENS) || out != floor(out)) {
        npu_err("%s: output tokens %g must be an integer in [0, %ld]", origin, out, NPU_MAX_REQUEST_TOKENS);
        return -1;
    }
    r->arrival_s = t, r->input = (long)in, r->output = (long)out;
    return 0;
}

static int parse_jsonl_line(const char *origin, const char *p, npu_trace_row *r) {
    cJSON *j = npu_json_parse(p, origin);
    if (!j) return -1;
    if (!cJSON_IsObject(j)) {
        npu_err("%s: expected a JSON object per line", origin);
        cJSON_Delete(j);
        return -1;
    }
    double v[3] = {0};
    const char *const *cols[3] = {col_t, col_in, col_out};
    const char *seen[3] = {NULL, NULL, NULL};
    for (cJSON *it = j->child; it; it = it->next) {
        int c = -1;
        for (int k = 0; k < 3; k++)
            if (in_list(it->string, cols[k])) c = k;
        if (c < 0) continue; /* other keys (ids, text) are allowed */
        if (seen[c]) {
            npu_err("%s: '%s' and '%s' give the same column", origin, seen[c], it->string);
            cJSON_Delete(j);
            return -1;
        }
        if (!cJSON_IsNumber(it)) {
            npu_err("%s: '%s' must be a number", origin, it->string);
            cJSON_Delete(j);
            return -1;
        }
        seen[c] = it->string, v[c] = it->valuedouble;
    }
    int missing = !seen[0] ? 0 : !seen[1] ? 1 : !seen[2] ? 2 : -1;
    cJSON_Delete(j);
    if (missing >= 0) {
        npu_err("%s: needs key %s (or %s)", origin, cols[missing][0], cols[missing][1]);
        return -1;
    }
    return row_make(origin, v[0], v[1], v[2], r);
}

/* The header of a CSV trace: which column holds what. */
static int parse_header(const char *origin, char *p, int ci[3], int *ncols) {
    const char *const *cols[3] = {col_t, col_in, col_out};
    char *save, *tok = strtok_r(p, ",", &save);
    for (int c = 0; tok; c++, tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok)) tok++;
        size_t l = strlen(tok);
        while (l && isspace((unsigned char)tok[l - 1])) tok[--l] = '\0';
        for (int k = 0; k < 3; k++) {
            if (!in_list(tok, cols[k])) continue;
            if (ci[k] >= 0) {
                npu_err("%s: two columns give %s (columns %d and %d)", origin, cols[k][0], ci[k] + 1, c + 1);
                return -1;
            }
            ci[k] = c;
        }
        *ncols = c + 1;
    }
    if (ci[0] < 0 || ci[1] < 0 || ci[2] < 0) {
        npu_err("%s: header must name columns arrival_s, input_tokens and output_tokens", origin);
        return -1;
    }
    return 0;
}

static int parse_csv_row(const char *origin, const char *p, const int ci[3], int ncols, npu_trace_row *r) {
    double v[3] = {0};
    const char *q = p;
    for (int c = 0; c < ncols; c++) {
        char *end;
        errno = 0;
        double x = strtod(q, &end);
        if (end == q || !isfinite(x)) {
            char a[32];
            npu_err("%s: field %d ('%s') is not a number", origin, c + 1, npu_abbrev(a, sizeof a, q, 20));
            return -1;
        }
        for (int k = 0; k < 3; k++)
            if (ci[k] == c) v[k] = x;
        q = end;
        while (isspace((unsigned char)*q)) q++;
        if (c + 1 < ncols) {
            if (*q != ',') {
                npu_err("%s: expected %d comma-separated fields", origin, ncols);
                return -1;
            }
            q++;
        } else if (*q) {
            char a[32];
            npu_err("%s: extra text '%s'", origin, npu_abbrev(a, sizeof a, q, 20));
            return -1;
        }
    }
    return row_make(origin, v[0], v[1], v[2], r);
}

int npu_trace_parse(const char *src, const char *origin, npu_trace *t) {
    memset(t, 0, sizeof *t);
    char *text = npu_xstrdup(src);
    const char *first = text;
    while (isspace((unsigned char)*first)) first++;
    size_t pl = strlen(origin);
    int jsonl = *first == '{' || (pl > 6 && strcmp(origin + pl - 6, ".jsonl") == 0) ||
                (pl > 5 && strcmp(origin + pl - 5, ".json") == 0);
    size_t cap = 1024;
    t->rows = npu_xmalloc(cap * sizeof *t->rows);
    int ci[3] = {-1, -1, -1}, ncols = 0, header = 0;
    long line = 0;
    char where[600];
    for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        line++;
        size_t l = strlen(p);
        while (l && isspace((unsigned char)p[l - 1])) p[--l] = '\0';
        while (isspace((unsigned char)*p)) p++;
        if (*p == '\0' || *p == '#') continue;
        snprintf(where, sizeof where, "%s line %ld", origin, line);
        npu_trace_row r;
        if (jsonl) {
            if (parse_jsonl_line(where, p, &r)) goto fail;
        } else if (!header) {
            header = 1;
            if (parse_header(where, p, ci, &ncols)) goto fail;
            continue;
        } else if (parse_csv_row(where, p, ci, ncols, &r)) {
            goto fail;
        }
        if (t->n == cap) t->rows = npu_xreallocarray(t->rows, cap *= 2, sizeof *t->rows);
        t->rows[t->n++] = r;
    }
    free(text);
    if (t->n == 0) {
        npu_err("%s: the trace holds no requests", origin);
        npu_trace_free(t);
        return -1;
    }
    qsort(t->rows, t->n, sizeof *t->rows, cmp_row); /* stable enough: equal times keep no order guarantee */
    return 0;
fail:
    free(text);
    npu_trace_free(t);
    return -1;
}

int npu_trace_load(const char *path, npu_trace *t) {
    memset(t, 0, sizeof *t);
    char *text = npu_read_file(path, NULL);
    if (!text) return -1;
    int rc = npu_trace_parse(text, path, t);
    free(text);
    return rc;
}

void npu_trace_free(npu_trace *t) {
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}

int npu_workload_check(const npu_workload *w) {
    switch (w->arrival) {
    case NPU_ARRIVE_POISSON:
    case NPU_ARRIVE_GAMMA:
        if (!(w->rate_rps > 0 && w->rate_rps <= 1e9)) {
            npu_err("arrival rate %g must be in (0, 1e9] requests/s", w->rate_rps);
            return -1;
        }
        if (w->arrival == NPU_ARRIVE_GAMMA && w->burstiness_cv != 0 &&
            !(w->burstiness_cv >= 1e-3 && w->burstiness_cv <= 1e3)) {
            npu_err("burstiness CV %g must be in [0.001, 1000]", w->burstiness_cv);
            return -1;
        }
        return 0;
    case NPU_ARRIVE_CLOSED:
        if (w->concurrency < 1) {
            npu_err("concurrency %d must be at least 1", w->concurrency);
            return -1;
        }
        return 0;
    case NPU_ARRIVE_TRACE:
        if (!w->trace || !w->trace->n) {
            npu_err("trace arrivals need a trace with requests");
            return -1;
        }
        return 0;
    case NPU_ARRIVE_OFFLINE: return 0;
    default: npu_err("unknown arrival process %d", (int)w->arrival); return -1;
    }
}

double npu_workload_gap_s(const npu_workload *w, npu_rng *r) {
    assert(w->arrival != NPU_ARRIVE_POISSON || w->rate_rps > 0);
    switch (w->arrival) {
    case NPU_ARRIVE_POISSON: return -log(npu_rng_uniform(r)) / w->rate_rps;
    case NPU_ARRIVE_GAMMA: {
        /* gaps ~ Gamma(k, theta) with CV = 1/sqrt(k) and mean k*theta = 1/rate */
        double cv = w->burstiness_cv > 0 ? w->burstiness_cv : 1.0;
        double k = 1.0 / (cv * cv);
        return npu_rng_gamma(r, k, 1.0 / (k * w->rate_rps));
    }
    default: return 0;
    }
}
