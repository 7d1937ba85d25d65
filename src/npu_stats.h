/* npu_stats — the statistics of a simulated run: latency percentiles over
 * per-request samples, time-weighted levels (a queue length, a cache use) with
 * their run averages and a binned timeline, and the run's event counters. Used
 * by npu_serve; knows nothing of requests or replicas. */
#ifndef NPU_STATS_H
#define NPU_STATS_H

typedef struct npu_lat {
    double mean, p50, p90, p99, max; /* seconds */
} npu_lat;

/* Mean, max and nearest-rank percentiles (the value at rank ceil(p n)) of
 * v[0..n); reorders v. All zero when n <= 0. */
npu_lat npu_stats_lat(double *v, long n);
/* k-th smallest of v[0..n) (0-based; reorders v). */
double npu_stats_kth(double *v, long n, long k);

/* Signals a timeline follows. */
#define NPU_TL_SERIES 3
/* Bins kept while running; they double in width when the run outgrows them. */
#define NPU_TL_BINS 256

/* Levels of NPU_TL_SERIES signals, each constant between updates: their
 * integrals over the run and, per bin of bin_s seconds, over the bin. */
typedef struct npu_timeline {
    double t0, last_t, bin_s;
    double integral[NPU_TL_SERIES];          /* level x seconds, from t0 */
    double bins[NPU_TL_SERIES][NPU_TL_BINS]; /* level x seconds, per bin */
} npu_timeline;

void npu_timeline_init(npu_timeline *tl, double t0, double bin_s);
/* The signals held `level` from the last update until `t`: integrate them.
 * Called before each change of state, with the levels of the state that ends. */
void npu_timeline_advance(npu_timeline *tl, double t, const double level[NPU_TL_SERIES]);
/* Time average of series `i` over `duration_s` from t0 (0 when duration_s <= 0). */
double npu_timeline_mean(const npu_timeline *tl, int i, double duration_s);
/* At most `max` (<= NPU_TL_BINS / 2) time-averaged bins covering `duration_s`:
 * bin start times into t_s[], each series' averages into out[i][]. Returns the
 * bin count. Merges bins (doubling their width) as needed. */
int npu_timeline_bins(npu_timeline *tl, double duration_s, int max, double *t_s, double *const out[NPU_TL_SERIES]);

/* Counters of a serving run (the invariant checks compare them). */
typedef struct npu_stats_counts {
    long steps;          /* engine steps */
    long preemptions;    /* sequences preempted for recompute */
    long tokens_emitted; /* tokens produced by steps (invariant: = the outputs asked) */
    long kv_violations;  /* KV blocks handed out beyond capacity (invariant: 0) */
} npu_stats_counts;

#endif
