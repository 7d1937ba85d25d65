/* npu_stats — the statistics of a simulated run: latency percentiles over
 * per-request samples, time-weighted levels (a queue length, a cache use) with
 * their run averages and a binned timeline, and the run's event counters. Used
 * by npu_serve; knows nothing of requests or replicas. */
#ifndef NPU_STATS_H
#define NPU_STATS_H

typedef struct npu_lat {
    double mean, p50, p90, p99, max; /* seconds */
    double min, std, p25, p75, p95;  /* std: population (numpy's np.std, genai-perf, vLLM) */
} npu_lat;

/* How a percentile is read from n samples sorted ascending, x[0..n), as the
 * benchmark tools do it (docs/metrics.md):
 *   NEAREST_RANK  x[ceil(p n) - 1]           the textbook nearest rank (npusim's default)
 *   INDEX         x[floor(p n)] (x[n-1] at most)  MLPerf LoadGen (loadgen/results.cc
 *                 `sorted[sample_count * percentile]`) and trtllm-bench
 *                 (`sorted[int(n * p)]`)
 *   LINEAR        x[k] + (h - k)(x[k+1] - x[k]), h = (n - 1) p, k = floor(h): numpy's
 *                 default np.percentile, used by vLLM benchmark_serving, SGLang
 *                 bench_serving and genai-perf */
typedef enum { NPU_PCT_NEAREST_RANK = 0, NPU_PCT_INDEX, NPU_PCT_LINEAR, NPU_PCT_COUNT } npu_pct;
extern const char *const npu_pct_names[NPU_PCT_COUNT]; /* "nearest-rank", "index", "linear" */

/* Mean, min, max, population SD and percentiles of v[0..n) (nearest rank);
 * reorders v. All zero when n <= 0. */
npu_lat npu_stats_lat(double *v, long n);
/* The same with percentiles read by `m`. */
npu_lat npu_stats_lat_pct(double *v, long n, npu_pct m);
/* The p-th quantile (p in [0, 1]) of v[0..n) read by `m`; reorders v. 0 when n <= 0. */
double npu_stats_percentile(double *v, long n, double p, npu_pct m);
/* k-th smallest of v[0..n) (0-based; reorders v). */
double npu_stats_kth(double *v, long n, long k);

/* A histogram of positive values (a distribution too large to keep, such as every
 * inter-token gap of a run): logarithmic bins NPU_HIST_RATIO wide from
 * NPU_HIST_LO_S (smaller values go to the first bin), each keeping its count and
 * the sum of its values, so a quantile is the mean of the values in the bin
 * holding its rank (exact when a bin holds one distinct value, within 0.1%
 * otherwise); the mean and SD are exact. */
#define NPU_HIST_LO_S 1e-7
#define NPU_HIST_RATIO 1.001
#define NPU_HIST_BINS 27700 /* up to 1e-7 x 1.001^27700 ~ 1.1e5 (s) */
typedef struct npu_hist {
    double *count, *sum; /* NPU_HIST_BINS each (NULL until npu_hist_init) */
    double n, total, total_sq, min, max;
} npu_hist;

int npu_hist_init(npu_hist *h); /* -1 + npu_err when out of memory */
void npu_hist_add(npu_hist *h, double x);
void npu_hist_add_n(npu_hist *h, double x, double n); /* n samples of the value x */
/* Mean, min, max, SD and percentiles read by `m` (ranks as npu_stats_percentile). */
npu_lat npu_hist_lat(const npu_hist *h, npu_pct m);
void npu_hist_free(npu_hist *h);

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
