/* npu_stats — percentiles, time-weighted levels, timelines. */
#include "npu_stats.h"
#include "npu_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const npu_pct_names[NPU_PCT_COUNT] = {"nearest-rank", "index", "linear"};

static void swap_d(double *a, double *b) {
    double t = *a;
    *a = *b;
    *b = t;
}

double npu_stats_kth(double *v, long n, long k) {
    long lo = 0, hi = n - 1;
    while (hi > lo) {
        long mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap_d(&v[mid], &v[lo]);
        if (v[hi] < v[lo]) swap_d(&v[hi], &v[lo]);
        if (v[hi] < v[mid]) swap_d(&v[hi], &v[mid]);
        double pivot = v[mid];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) swap_d(&v[i], &v[j]), i++, j--;
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return v[k];
    }
    return v[k];
}

/* Rank of the p-quantile of n sorted values by method m: the 0-based index k and
 * the weight w of x[k+1] (LINEAR only; 0 otherwise). */
static long pct_rank(long n, double p, npu_pct m, double *w) {
    *w = 0;
    long k;
    if (m == NPU_PCT_INDEX) {
        k = (long)floor(p * (double)n);
    } else if (m == NPU_PCT_LINEAR) {
        double h = (double)(n - 1) * p;
        k = (long)floor(h);
        *w = h - (double)k;
    } else {
        k = (long)ceil(p * (double)n - 1e-9) - 1;
    }
    if (k < 0) k = 0;
    if (k > n - 1) k = n - 1, *w = 0;
    return k;
}

double npu_stats_percentile(double *v, long n, double p, npu_pct m) {
    if (n <= 0) return 0;
    double w;
    long k = pct_rank(n, p, m, &w);
    double x = npu_stats_kth(v, n, k);
    if (w > 0 && k + 1 < n) { /* the next value up: the least of those above k */
        double nx = v[k + 1];
        for (long i = k + 2; i < n; i++) nx = v[i] < nx ? v[i] : nx;
        x += w * (nx - x);
    }
    return x;
}

npu_lat npu_stats_lat_pct(double *v, long n, npu_pct m) {
    npu_lat l = {0};
    if (n <= 0) return l;
    double sum = 0, mx = v[0], mn = v[0];
    for (long i = 0; i < n; i++) sum += v[i], mx = v[i] > mx ? v[i] : mx, mn = v[i] < mn ? v[i] : mn;
    l.mean = sum / n, l.max = mx, l.min = mn;
    double ss = 0;
    for (long i = 0; i < n; i++) ss += (v[i] - l.mean) * (v[i] - l.mean);
    l.std = sqrt(ss / n);
    const double p[6] = {0.25, 0.50, 0.75, 0.90, 0.95, 0.99};
    double *out[6] = {&l.p25, &l.p50, &l.p75, &l.p90, &l.p95, &l.p99};
    for (int i = 0; i < 6; i++) *out[i] = npu_stats_percentile(v, n, p[i], m);
    return l;
}

npu_lat npu_stats_lat(double *v, long n) { return npu_stats_lat_pct(v, n, NPU_PCT_NEAREST_RANK); }

/* ---------------------------------------------------------------- histogram */

int npu_hist_init(npu_hist *h) {
    memset(h, 0, sizeof *h);
    h->count = calloc(NPU_HIST_BINS, sizeof *h->count);
    h->sum = calloc(NPU_HIST_BINS, sizeof *h->sum);
    if (!h->count || !h->sum) {
        npu_hist_free(h);
        npu_err("out of memory for a histogram");
        return -1;
    }
    return 0;
}

void npu_hist_free(npu_hist *h) {
    free(h->count), free(h->sum);
    h->count = h->sum = NULL;
}

void npu_hist_add_n(npu_hist *h, double x, double n) {
    if (n <= 0) return;
    long b = x > NPU_HIST_LO_S ? (long)(log(x / NPU_HIST_LO_S) / log(NPU_HIST_RATIO)) : 0;
    if (b >= NPU_HIST_BINS) b = NPU_HIST_BINS - 1;
    h->count[b] += n, h->sum[b] += n * x;
    if (h->n == 0 || x < h->min) h->min = x;
    if (h->n == 0 || x > h->max) h->max = x;
    h->n += n, h->total += n * x, h->total_sq += n * x * x;
}

void npu_hist_add(npu_hist *h, double x) { npu_hist_add_n(h, x, 1); }

/* The value of rank k (0-based): the mean of its bin. */
static double hist_at(const npu_hist *h, double k) {
    double seen = 0;
    for (long b = 0; b < NPU_HIST_BINS; b++) {
        if (h->count[b] <= 0) continue;
        seen += h->count[b];
        if (seen > k) return h->sum[b] / h->count[b];
    }
    return h->max;
}

npu_lat npu_hist_lat(const npu_hist *h, npu_pct m) {
    npu_lat l = {0};
    if (!h->count || h->n <= 0) return l;
    long n = (long)h->n;
    l.mean = h->total / h->n, l.min = h->min, l.max = h->max;
    double var = h->total_sq / h->n - l.mean * l.mean;
    l.std = var > 0 ? sqrt(var) : 0;
    const double p[6] = {0.25, 0.50, 0.75, 0.90, 0.95, 0.99};
    double *out[6] = {&l.p25, &l.p50, &l.p75, &l.p90, &l.p95, &l.p99};
    for (int i = 0; i < 6; i++) {
        double w;
        long k = pct_rank(n, p[i], m, &w);
        double x = hist_at(h, (double)k);
        if (w > 0) x += w * (hist_at(h, (double)k + 1) - x);
        *out[i] = x;
    }
    return l;
}

void npu_timeline_init(npu_timeline *tl, double t0, double bin_s) {
    memset(tl, 0, sizeof *tl);
    tl->t0 = tl->last_t = t0;
    tl->bin_s = bin_s;
}

/* Halve the bin count: each new bin is two old ones. */
static void merge(npu_timeline *tl) {
    for (int s = 0; s < NPU_TL_SERIES; s++) {
        double *b = tl->bins[s];
        for (int i = 0; i < NPU_TL_BINS / 2; i++) b[i] = b[2 * i] + b[2 * i + 1];
        for (int i = NPU_TL_BINS / 2; i < NPU_TL_BINS; i++) b[i] = 0;
    }
    tl->bin_s *= 2;
}

void npu_timeline_advance(npu_timeline *tl, double t, const double level[NPU_TL_SERIES]) {
    if (t <= tl->last_t) return;
    double a = tl->last_t - tl->t0, b = t - tl->t0;
    for (int s = 0; s < NPU_TL_SERIES; s++) tl->integral[s] += level[s] * (b - a);
    while (b > tl->bin_s * NPU_TL_BINS) merge(tl);
    for (long i = (long)(a / tl->bin_s); a < b && i < NPU_TL_BINS; i++) {
        double e = (i + 1) * tl->bin_s < b ? (i + 1) * tl->bin_s : b;
        if (e > a) {
            for (int s = 0; s < NPU_TL_SERIES; s++) tl->bins[s][i] += level[s] * (e - a);
            a = e;
        }
    }
    tl->last_t = t;
}

double npu_timeline_mean(const npu_timeline *tl, int i, double duration_s) {
    return duration_s > 0 ? tl->integral[i] / duration_s : 0;
}

int npu_timeline_bins(npu_timeline *tl, double duration_s, int max, double *t_s, double *const out[NPU_TL_SERIES]) {
    if (max > NPU_TL_BINS / 2) max = NPU_TL_BINS / 2;
    if (max < 1 || !(duration_s > 0)) return 0;
    while (duration_s > tl->bin_s * max) merge(tl);
    int nb = (int)ceil(duration_s / tl->bin_s - 1e-9);
    if (nb > max) nb = max;
    for (int i = 0; i < nb; i++) {
        double w = (i + 1) * tl->bin_s <= duration_s ? tl->bin_s : duration_s - i * tl->bin_s;
        t_s[i] = tl->t0 + i * tl->bin_s;
        for (int s = 0; s < NPU_TL_SERIES; s++) out[s][i] = w > 0 ? tl->bins[s][i] / w : 0;
    }
    return nb;
}
