/* npu_sweep — design-space exploration: a spec (base chip, model, engine and
 * datatypes; axes over any override path; workloads; parallel plans;
 * objectives; constraints; grid or sampled points) evaluated point by point
 * into rows, with the Pareto front of the feasible rows of each workload.
 * The spec format is in docs/sweep.md.
 *
 * Points are numbered 0..npu_sweep_points()-1: on a grid, a mixed-radix number
 * over the axes (design axes — hw, model, engine paths — outermost, then
 * workload and plan axes, each group in spec order, the first axis slowest);
 * sampled (random, Latin hypercube), the sample's index. Each point gives
 * rows_per_point rows (workloads x plans), row id = point x rows_per_point +
 * workload x plans + plan. A row is a pure function of (spec, point): any
 * order, thread count or rank split gives the same rows.
 *
 * Memoized per thread: the finished design (chip, model, engine, unit cost,
 * price) is reused while consecutive points share their design axes, so the
 * workloads and plans of a design cost one design build. */
#ifndef NPU_SWEEP_H
#define NPU_SWEEP_H

#include "npu_graph.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* Metric columns of a row (NAN = not defined for the row). */
typedef enum {
    NPU_SM_BATCH = 0,     /* sequences per replica (run phases) */
    NPU_SM_CHIPS,         /* all chips of the deployment */
    NPU_SM_LATENCY_MS,    /* run: the phase's latency; serve: mean end-to-end latency */
    NPU_SM_TTFT_MS,       /* run: TTFT (prefill, e2e, offline); serve: mean */
    NPU_SM_TPOT_MS,       /* run: TPOT (decode, e2e, offline); serve: mean */
    NPU_SM_TTFT_P99_MS,   /* serve: p99; run: = ttft_ms */
    NPU_SM_TPOT_P99_MS,   /* serve: p99; run: = tpot_ms */
    NPU_SM_TOKENS_PER_S,  /* all replicas; prefill: prompt tokens, else output tokens */
    NPU_SM_TOKENS_PER_S_PER_CHIP,
    NPU_SM_POWER_W,       /* average power of one chip */
    NPU_SM_ENERGY_J_PER_TOKEN,
    NPU_SM_MEM_GB,        /* run: memory the fullest chip needs (weights + KV + activations) */
    NPU_SM_CAPACITY_GB,   /* the design's usable DRAM per chip */
    NPU_SM_PEAK_TFLOPS,   /* the design's dense peak at the workload's compute datatype */
    NPU_SM_MEM_BW_GBPS,   /* the design's peak DRAM bandwidth, GB/s */
    NPU_SM_DIE_MM2,       /* one die as costed (area model for edited chips) */
    NPU_SM_UNIT_COST_USD, /* packaged, tested chip incl. NRE share */
    NPU_SM_CHIP_PRICE_USD,/* price used for the TCO */
    NPU_SM_USD_PER_HOUR,  /* all chips of the deployment (capex + power) */
    NPU_SM_USD_PER_MTOK,  /* $ per million tokens (the tokens of tokens_per_s) */
    NPU_SM_RATE_RPS,      /* serve: offered Poisson rate (the max rate with "rate": "max") */
    NPU_SM_GOODPUT_RPS,   /* serve: requests/s meeting the SLOs */
    NPU_SM_REJECTED,      /* serve: requests rejected (longer than the context window or the KV cache) */
    NPU_SM_FITS,          /* 1 = the model and its KV cache fit in memory, 0 = not, NAN = unknown */
    NPU_SM_COUNT
} npu_sweep_metric;
extern const char *const npu_sweep_metric_names[NPU_SM_COUNT];

typedef struct npu_sweep_row {
    int64_t id, point;
    int32_t workload, plan;   /* indexes into the spec's workloads and plans */
    npu_plan used;            /* the plan evaluated (the planner's for "auto") */
    double m[NPU_SM_COUNT];
    uint8_t feasible;         /* evaluated, and every constraint met */
    uint8_t pareto;           /* on the front of the feasible rows of its workload */
    char reason[238];         /* why not feasible ("" when feasible) */
} npu_sweep_row;

typedef struct npu_sweep npu_sweep;

/* Load a spec file / JSON value. `origin` names it in errors. -1 + npu_err on a
 * bad spec (unknown key, path, value of the wrong type, empty axis...). */
int npu_sweep_load(const char *path, npu_sweep **out);
int npu_sweep_from_json(const cJSON *spec, const char *origin, npu_sweep **out);
void npu_sweep_free(npu_sweep *s);

long npu_sweep_points(const npu_sweep *s);
int npu_sweep_rows_per_point(const npu_sweep *s);
int npu_sweep_workloads(const npu_sweep *s);
const char *npu_sweep_spec_text(const npu_sweep *s); /* canonical JSON of the spec */

/* Output columns. */
typedef enum { NPU_SC_INT = 0, NPU_SC_REAL, NPU_SC_TEXT, NPU_SC_ANY } npu_sweep_ctype;
int npu_sweep_ncols(const npu_sweep *s);
const char *npu_sweep_col_name(const npu_sweep *s, int c);
npu_sweep_ctype npu_sweep_col_type(const npu_sweep *s, int c);
/* Cells of one row: fills num[c] (NAN = null) or str[c] (non-NULL = text) for
 * every column; str may point into `scratch` (valid until the next call with it)
 * or into the spec. */
typedef struct npu_sweep_cells npu_sweep_cells;
npu_sweep_cells *npu_sweep_cells_new(const npu_sweep *s);
void npu_sweep_cells_free(npu_sweep_cells *c);
void npu_sweep_row_cells(const npu_sweep *s, const npu_sweep_row *r, npu_sweep_cells *scratch, double *num,
                         const char **str);

/* One row as a JSON object, column name -> number, string or null (for a
 * JSON-in/JSON-out API and Python: a list of these is a DataFrame). */
cJSON *npu_sweep_row_json(const npu_sweep *s, const npu_sweep_row *r, npu_sweep_cells *scratch);

/* Objectives, minimization-oriented: vals[k] = +-metric (NAN when undefined). */
int npu_sweep_nobjectives(const npu_sweep *s);
const char *npu_sweep_objective(const npu_sweep *s, int k, bool *maximize);
void npu_sweep_objective_vals(const npu_sweep *s, const npu_sweep_row *r, double *vals);
/* A row takes part in the front: feasible and every objective defined. */
bool npu_sweep_row_candidate(const npu_sweep *s, const npu_sweep_row *r);
/* Set r[i].pareto over an in-memory set of rows (rows of one sweep, any subset). */
int npu_sweep_pareto_rows(const npu_sweep *s, npu_sweep_row *rows, long n);

/* Evaluation. A context holds per-thread memo and scratch. */
typedef struct npu_sweep_ctx npu_sweep_ctx;
npu_sweep_ctx *npu_sweep_ctx_new(const npu_sweep *s);
void npu_sweep_ctx_free(npu_sweep_ctx *c);
/* rows[0..rows_per_point) of one point. Never fails: a point that cannot be
 * evaluated (invalid edit, plan, does not fit) is rows with a reason. */
void npu_sweep_eval_point(const npu_sweep *s, npu_sweep_ctx *c, long point, npu_sweep_row *rows);

/* Points [first, first+n) except those marked in `done` (bit per point, may be
 * NULL), evaluated on `jobs` threads (OpenMP; 0 = all cores) with one context
 * per thread from ctxs (jobs of them), in point order into rows. Returns rows. */
long npu_sweep_eval_block(const npu_sweep *s, npu_sweep_ctx **ctxs, int jobs, long first, long n,
                          const unsigned char *done, npu_sweep_row *rows);
int npu_sweep_default_jobs(void);

typedef struct npu_sweep_sink {
    void *ctx;
    int (*rows)(void *ctx, const npu_sweep_row *rows, long n); /* -1 + npu_err stops the sweep */
} npu_sweep_sink;

typedef struct npu_sweep_opts {
    int jobs;                   /* threads, 0 = all cores */
    long block_points;          /* points per block handed to the sink (0 = automatic) */
    const unsigned char *done;  /* resume: points already written (bit per point) */
    void (*progress)(void *ctx, long done, long total);
    void *progress_ctx;
} npu_sweep_opts;

/* Every point not done, in point order, block by block to the sink. */
int npu_sweep_run(const npu_sweep *s, const npu_sweep_opts *o, const npu_sweep_sink *sink);

/* Bitmap helpers (bit per point). */
static inline bool npu_sweep_bit(const unsigned char *b, long i) { return b && (b[i >> 3] >> (i & 7)) & 1; }
static inline void npu_sweep_bit_set(unsigned char *b, long i) { b[i >> 3] |= (unsigned char)(1u << (i & 7)); }

/* A short human description of a point's axis values ("hw.memory.stacks=8, ..."). */
void npu_sweep_point_label(const npu_sweep *s, long point, char *buf, size_t cap);

#endif
