/* npu_workload — random streams, arrival processes, length distributions, traces. */
#include "npu_workload.h"
#include "npu_json.h"
#include "npu_util.h"

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
    long *v = malloc(cap * sizeof *v);
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
        if (end == p || errno || x < d->min_len || (*end && *end != ',' && !isspace((unsigned char)*end))) {
            if (n == 0 && line == 1 && !isdigit((unsigned char)*p)) continue; /* a CSV header */
            npu_err("%s: %s line %d: '%.40s' is not a token count >= %ld", what, path, line, p, d->min_len);
            free(v), free(text);
            return -1;
        }
        if (n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
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
    d->max_len = 1L << 40;
    const char *colon = strchr(spec, ':');
    if (!colon) {
        double v[1];
        if (parse_nums(spec, v, 1, what, spec) != 1 || v[0] != floor(v[0]) || v[0] < min_len) {
            npu_err("%s: '%s' must be an integer >= %ld or a distribution (uniform:LO,HI, normal:MEAN,SD, "
                    "lognormal:MEAN,SD, file:PATH)", what, spec, min_len);
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
        if (n != 2 || v[0] < min_len || v[1] < v[0]) {
            npu_err("%s: uniform needs LO,HI with %ld <= LO <= HI", what, min_len);
            return -1;
        }
        d->a = floor(v[0]), d->b = floor(v[1]);
        return 0;
    }
    if (n < 2 || v[0] <= 0 || v[1] < 0 || (n == 3 && v[2] < min_len)) {
        npu_err("%s: %s needs MEAN,SD[,MAX] with MEAN > 0, SD >= 0", what, name);
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
    double x;
    switch (d->kind) {
    case NPU_DIST_FIXED: return (long)d->a;
    case NPU_DIST_UNIFORM: return (long)d->a + (long)(npu_rng_next(r) % (uint64_t)(d->b - d->a + 1));
    case NPU_DIST_FILE: return d->samples[npu_rng_next(r) % d->n_samples];
    case NPU_DIST_NORMAL: x = d->a + d->b * npu_rng_normal(r); break;
    default: x = exp(d->a + d->b * npu_rng_normal(r)); break;
    }
    long v = lround(x);
    if (v < d->min_len) v = d->min_len;
    if (v > d->max_len) v = d->max_len;
    return v;
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

static int row_check(const char *path, int line, npu_trace_row *r) {
    if (!(r->arrival_s >= 0) || !isfinite(r->arrival_s) || r->input < 1 || r->output < 0) {
        npu_err("%s line %d: need arrival time >= 0, input tokens >= 1, output tokens >= 0", path, line);
        return -1;
    }
    return 0;
}

static int parse_jsonl_line(const char *path, int line, char *p, npu_trace_row *r) {
    char origin[600];
    snprintf(origin, sizeof origin, "%s line %d", path, line);
    cJSON *j = npu_json_parse(p, origin);
    if (!j) return -1;
    double t = -1, in = -1, out = -1;
    int found = 0;
    for (cJSON *it = j->child; it; it = it->next) {
        double *dst = in_list(it->string, col_t) ? &t : in_list(it->string, col_in) ? &in
                      : in_list(it->string, col_out) ? &out : NULL;
        if (!dst) continue;
        if (!cJSON_IsNumber(it)) {
            npu_err("%s: '%s' must be a number", origin, it->string);
            cJSON_Delete(j);
            return -1;
        }
        *dst = it->valuedouble, found++;
    }
    cJSON_Delete(j);
    if (t < 0 && in < 0 && out < 0) found = 0;
    if (found < 3) {
        npu_err("%s: needs keys arrival_s, input_tokens and output_tokens", origin);
        return -1;
    }
    r->arrival_s = t, r->input = (long)in, r->output = (long)out;
    if (in != floor(in) || out != floor(out)) {
        npu_err("%s: token counts must be integers", origin);
        return -1;
    }
    return row_check(path, line, r);
}

int npu_trace_load(const char *path, npu_trace *t) {
    memset(t, 0, sizeof *t);
    size_t len;
    char *text = npu_read_file(path, &len);
    if (!text) return -1;
    const char *first = text;
    while (isspace((unsigned char)*first)) first++;
    size_t pl = strlen(path);
    int jsonl = *first == '{' || (pl > 6 && strcmp(path + pl - 6, ".jsonl") == 0) ||
                (pl > 5 && strcmp(path + pl - 5, ".json") == 0);
    size_t cap = 1024;
    t->rows = malloc(cap * sizeof *t->rows);
    int line = 0, ci[3] = {-1, -1, -1}, ncols = 0, header = 0;
    for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        line++;
        size_t l = strlen(p);
        while (l && (p[l - 1] == '\r' || isspace((unsigned char)p[l - 1]))) p[--l] = '\0';
        while (isspace((unsigned char)*p)) p++;
        if (*p == '\0' || *p == '#') continue;
        npu_trace_row r;
        if (jsonl) {
            if (parse_jsonl_line(path, line, p, &r)) goto fail;
        } else if (!header) {
            header = 1;
            char *save, *tok = strtok_r(p, ",", &save);
            for (int c = 0; tok; c++, tok = strtok_r(NULL, ",", &save)) {
                while (isspace((unsigned char)*tok)) tok++;
                if (in_list(tok, col_t)) ci[0] = c;
                else if (in_list(tok, col_in)) ci[1] = c;
                else if (in_list(tok, col_out)) ci[2] = c;
                ncols = c + 1;
            }
            if (ci[0] < 0 || ci[1] < 0 || ci[2] < 0) {
                npu_err("%s line %d: header must name columns arrival_s, input_tokens and output_tokens", path, line);
                goto fail;
            }
            continue;
        } else {
            double v[3] = {0};
            char *q = p;
            for (int c = 0; c < ncols; c++) {
                char *end;
                errno = 0;
                double x = strtod(q, &end);
                if (end == q || errno) {
                    npu_err("%s line %d: field %d is not a number", path, line, c + 1);
                    goto fail;
                }
                for (int k = 0; k < 3; k++)
                    if (ci[k] == c) v[k] = x;
                q = end;
                while (isspace((unsigned char)*q)) q++;
                if (c + 1 < ncols) {
                    if (*q != ',') {
                        npu_err("%s line %d: expected %d comma-separated fields", path, line, ncols);
                        goto fail;
                    }
                    q++;
                } else if (*q) {
                    npu_err("%s line %d: extra text '%.20s'", path, line, q);
                    goto fail;
                }
            }
            if (v[1] != floor(v[1]) || v[2] != floor(v[2])) {
                npu_err("%s line %d: token counts must be integers", path, line);
                goto fail;
            }
            r.arrival_s = v[0], r.input = (long)v[1], r.output = (long)v[2];
            if (row_check(path, line, &r)) goto fail;
        }
        if (t->n == cap) t->rows = realloc(t->rows, (cap *= 2) * sizeof *t->rows);
        t->rows[t->n++] = r;
    }
    free(text);
    if (t->n == 0) {
        npu_err("%s: the trace holds no requests", path);
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

void npu_trace_free(npu_trace *t) {
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}

double npu_workload_gap_s(const npu_workload *w, npu_rng *r) {
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
