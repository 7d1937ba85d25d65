/* npu_stats — percentiles, time-weighted levels, timelines. */
#include "npu_stats.h"

#include <math.h>
#include <string.h>

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

npu_lat npu_stats_lat(double *v, long n) {
    npu_lat l = {0};
    if (n <= 0) return l;
    double sum = 0, mx = v[0];
    for (long i = 0; i < n; i++) sum += v[i], mx = v[i] > mx ? v[i] : mx;
    l.mean = sum / n, l.max = mx;
    const double p[3] = {0.50, 0.90, 0.99};
    double *out[3] = {&l.p50, &l.p90, &l.p99};
    for (int i = 0; i < 3; i++) {
        long k = (long)ceil(p[i] * n) - 1;
        *out[i] = npu_stats_kth(v, n, k < 0 ? 0 : k);
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
