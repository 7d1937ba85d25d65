/* npu_workload — the traffic offered to a serving simulation: a seeded random
 * stream, request arrival processes (Poisson, gamma with a burstiness CV, all at
 * once, a closed loop, a trace file) and prompt/output length distributions
 * (fixed, uniform, normal, lognormal, sampled from a file).
 *
 * Everything is deterministic for a given seed. */
#ifndef NPU_WORKLOAD_H
#define NPU_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* xoshiro256** stream seeded through splitmix64. */
typedef struct npu_rng {
    uint64_t s[4];
} npu_rng;

void npu_rng_seed(npu_rng *r, uint64_t seed);
uint64_t npu_rng_next(npu_rng *r);
double npu_rng_uniform(npu_rng *r);                        /* in (0, 1) */
double npu_rng_normal(npu_rng *r);                         /* standard normal */
double npu_rng_gamma(npu_rng *r, double shape, double scale); /* mean shape*scale */

/* The longest prompt or output of one request the workload readers accept:
 * 10M tokens, the bound the command line puts on every sequence length
 * (--input, --seq, --ctx: one bound for the same quantity everywhere), about
 * the longest context of any published model (Llama 4 Scout, 10,485,760), and
 * far inside the serving simulator's 32-bit token counters (prompt + output
 * <= 2e7). Longer is an error naming the spec or the file and line, never a
 * wrapped or truncated length. */
#define NPU_MAX_REQUEST_TOKENS 10000000L
/* Latest arrival time a trace may hold, s: 1e9 s (32 years) keeps microsecond
 * resolution in a double (2^53 us = 285 years). */
#define NPU_MAX_ARRIVAL_S 1e9

/* A length distribution in tokens, from a spec string:
 *   "512"                     fixed
 *   "uniform:LO,HI"           integers LO..HI inclusive
 *   "normal:MEAN,SD[,MAX]"    rounded, clipped to [MIN_LEN, MAX]
 *   "lognormal:MEAN,SD[,MAX]" MEAN and SD of the lengths themselves (not of the log)
 *   "file:PATH"               uniform draws from the integers in PATH (one per line;
 *                             a CSV line contributes its first field; '#' comments)
 * MIN_LEN is the smallest allowed value (1 for prompts, 0 for outputs). */
typedef enum { NPU_DIST_FIXED = 0, NPU_DIST_UNIFORM, NPU_DIST_NORMAL, NPU_DIST_LOGNORMAL,
               NPU_DIST_FILE } npu_dist_kind;

typedef struct npu_dist {
    npu_dist_kind kind;
    double a, b;      /* fixed: a; uniform: lo, hi; normal: mean, sd; lognormal: mu, sigma of log */
    long min_len, max_len; /* clip range, tokens */
    long *samples;    /* file: the values */
    size_t n_samples;
} npu_dist;

/* -1 + npu_err naming `what` (e.g. "--input-dist") on a bad spec. */
int npu_dist_parse(const char *spec, long min_len, const char *what, npu_dist *d);
long npu_dist_sample(const npu_dist *d, npu_rng *r);
void npu_dist_free(npu_dist *d);

/* One request of a trace: arrival time, prompt and output tokens. */
typedef struct npu_trace_row {
    double arrival_s;
    long input, output;
} npu_trace_row;

typedef struct npu_trace {
    npu_trace_row *rows; /* sorted by arrival time */
    size_t n;
} npu_trace;

/* CSV with a header row naming the columns arrival_s (or timestamp, time),
 * input_tokens (or input, prompt_tokens) and output_tokens (or output,
 * completion_tokens), or JSONL with those keys (".jsonl"/".json" suffix or a
 * first character '{'). -1 + npu_err naming the file and line. Arrival times
 * lie in [0, NPU_MAX_ARRIVAL_S], prompts in [1, NPU_MAX_REQUEST_TOKENS],
 * outputs in [0, NPU_MAX_REQUEST_TOKENS]. */
int npu_trace_load(const char *path, npu_trace *t);
/* The same from text in memory; `origin` names it in errors and, by its suffix,
 * picks JSONL like a path does. */
int npu_trace_parse(const char *text, const char *origin, npu_trace *t);
void npu_trace_free(npu_trace *t);

typedef enum { NPU_ARRIVE_POISSON = 0, NPU_ARRIVE_GAMMA, NPU_ARRIVE_OFFLINE, NPU_ARRIVE_CLOSED,
               NPU_ARRIVE_TRACE, NPU_ARRIVE_COUNT } npu_arrival;
extern const char *const npu_arrival_names[NPU_ARRIVE_COUNT];

typedef struct npu_workload {
    npu_arrival arrival;
    double rate_rps;      /* poisson, gamma: mean arrivals per second */
    double burstiness_cv; /* gamma: coefficient of variation of the gaps (1 = Poisson) */
    int concurrency;      /* closed: clients, each sending its next request when the last ends */
    npu_dist input, output;
    const npu_trace *trace; /* trace: the requests (lengths come from it) */
} npu_workload;

/* -1 + npu_err unless the arrival process is usable: rate in (0, 1e9] rps for
 * poisson and gamma, burstiness CV 0 (= 1) or in [1e-3, 1e3] for gamma,
 * concurrency >= 1 for closed, a trace for trace. */
int npu_workload_check(const npu_workload *w);
/* Gap to the next arrival of an open-loop process, seconds (0 for offline). */
double npu_workload_gap_s(const npu_workload *w, npu_rng *r);

#endif
