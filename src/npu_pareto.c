/* npu_pareto — non-dominated front by a lexicographic sweep. */
#include "npu_pareto.h"
#include "npu_util.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const double *vals;
    const int *group;
    int k;
} sort_ctx;

static _Thread_local sort_ctx cmp_ctx;

/* group, then objectives lexicographically, then index (a total order) */
static int cmp_idx(const void *a, const void *b) {
    long i = *(const long *)a, j = *(const long *)b;
    const sort_ctx *c = &cmp_ctx;
    if (c->group && c->group[i] != c->group[j]) return c->group[i] < c->group[j] ? -1 : 1;
    const double *x = c->vals + (size_t)i * c->k, *y = c->vals + (size_t)j * c->k;
    for (int t = 0; t < c->k; t++)
        if (x[t] != y[t]) return x[t] < y[t] ? -1 : 1;
    return i < j ? -1 : i > j;
}

static int dominates(const double *a, const double *b, int k) {
    int strict = 0;
    for (int t = 0; t < k; t++) {
        if (a[t] > b[t]) return 0;
        if (a[t] < b[t]) strict = 1;
    }
    return strict;
}

int npu_pareto_front(const double *vals, int k, const int *group, const unsigned char *ok, long n,
                     unsigned char *front) {
    if (k < 1) {
        npu_err("pareto: at least one objective");
        return -1;
    }
    memset(front, 0, (size_t)n);
    long m = 0;
    long *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    long *fr = malloc((size_t)(n > 0 ? n : 1) * sizeof *fr);
    if (!idx || !fr) {
        free(idx), free(fr);
        npu_err("pareto: out of memory for %ld points", n);
        return -1;
    }
    for (long i = 0; i < n; i++)
        if (!ok || ok[i]) idx[m++] = i;
    cmp_ctx = (sort_ctx){vals, group, k};
    qsort(idx, (size_t)m, sizeof *idx, cmp_idx);
    /* Sorted lexicographically, only an earlier point can dominate a later
     * one; a dominated point's dominator dominates whatever it dominates, so
     * comparing against the front found so far is enough. */
    for (long a = 0; a < m;) {
        long b = a;
        while (b < m && (!group || group[idx[b]] == group[idx[a]])) b++;
        if (k == 1) {
            double best = vals[idx[a]];
            for (long i = a; i < b && vals[idx[i]] == best; i++) front[idx[i]] = 1;
        } else if (k == 2) {
            /* min second objective among points with a strictly smaller first one,
             * and the first point of each run of equal first objectives */
            double min_before = 0;
            int have = 0;
            for (long i = a; i < b;) {
                long j = i;
                const double *v0 = vals + (size_t)idx[i] * 2;
                while (j < b && vals[(size_t)idx[j] * 2] == v0[0]) j++;
                for (long q = i; q < j; q++) {
                    const double *v = vals + (size_t)idx[q] * 2;
                    int dom = (have && min_before <= v[1]) || v0[1] < v[1];
                    if (!dom) front[idx[q]] = 1;
                }
                if (!have || v0[1] < min_before) min_before = v0[1], have = 1;
                i = j;
            }
        } else {
            long nf = 0;
            for (long i = a; i < b; i++) {
                const double *v = vals + (size_t)idx[i] * k;
                int dom = 0;
                for (long f = 0; f < nf && !dom; f++) dom = dominates(vals + (size_t)fr[f] * k, v, k);
                if (!dom) front[idx[i]] = 1, fr[nf++] = idx[i];
            }
        }
        a = b;
    }
    free(idx), free(fr);
    return 0;
}
