/* npu_serve — discrete-event simulation of an LLM inference service: requests
 * arrive (npu_workload), a router sends them to replicas, each replica's front
 * end (HTTP, tokenization) hands them one at a time to its engine, whose
 * scheduler forms steps over a paged KV cache, and step times come from the
 * core model (npu_steptab). Reports TTFT (and its parts), TPOT, inter-token
 * latency, end-to-end latency, throughput (output and total tokens, per system
 * and per chip), goodput under SLOs, KV-cache use and queue length over time,
 * with percentiles read the way the benchmark tools read them (docs/metrics.md).
 *
 * Schedulers (what one engine step contains; sources in docs/serving.md):
 *   static      a batch of up to max_seqs prompts (padded to the longest) runs to
 *               its longest output before the next batch is admitted
 *               (TensorRT-LLM <= 0.12 gptSessionBenchmark, optimum-habana)
 *   continuous  prefill-first (vLLM V0): a step is either a prefill of newly
 *               admitted prompts (up to max_seqs and max_batched_tokens) or a
 *               decode of every running sequence; prefill has priority
 *   chunked     decode-first with chunked prefill (vLLM V1, TensorRT-LLM >= 0.16
 *               chunked context, Sarathi): every step decodes all running
 *               sequences and fills the rest of a token budget (chunk) with
 *               prompt chunks
 *   disagg      prefill pool and decode pool (possibly different chips); the KV
 *               cache of each prompt moves over the link between them
 *   mixed       TensorRT-LLM in-flight batching without chunking: every step
 *               decodes all running sequences and adds whole prompts while the
 *               token budget (max_batched_tokens = max_num_tokens) lasts
 *   prefill-chunked  SGLang: separate prefill steps (decodes wait) of at most
 *               max_batched_tokens (chunked_prefill_size) tokens, the prompt that
 *               does not fit chunked; decode steps otherwise
 * Orthogonal engine mechanisms: multi-step decoding (multi_step decode steps per
 * scheduling round, vLLM 0.6 --num-scheduler-steps), the overlap scheduler
 * (sched_ahead: step n+1 is formed while step n runs, so a request arriving
 * during step n waits for step n+2: SGLang >= 0.4, TensorRT-LLM PyTorch >= 0.20),
 * the KV admission policy (reserve the whole sequence, or grow on demand and
 * preempt), speculative decoding (npu_spec).
 * KV cache: blocks of block_size tokens; a prompt is admitted only when blocks
 * for it are free; when a decode step lacks blocks, the most recently admitted
 * sequence is preempted (its blocks freed, it is recomputed later). */
#ifndef NPU_SERVE_H
#define NPU_SERVE_H

#include "npu_engine.h"
#include "npu_graph.h"
#include "npu_hw.h"
#include "npu_kvcache.h"
#include "npu_model.h"
#include "npu_plan.h"
#include "npu_spec.h"
#include "npu_stats.h"
#include "npu_workload.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum { NPU_SCHED_STATIC = 0, NPU_SCHED_CONTINUOUS, NPU_SCHED_CHUNKED, NPU_SCHED_DISAGG,
               NPU_SCHED_MIXED, NPU_SCHED_PREFILL_CHUNKED, NPU_SCHED_COUNT } npu_sched;
extern const char *const npu_sched_names[NPU_SCHED_COUNT];
typedef enum { NPU_ROUTE_RR = 0, NPU_ROUTE_LEAST_REQ, NPU_ROUTE_LEAST_KV, NPU_ROUTE_COUNT } npu_route;
extern const char *const npu_route_names[NPU_ROUTE_COUNT];

/* A pool of identical replicas: a model on a chip type under a plan. */
typedef struct npu_pool {
    const npu_model *model;
    const npu_hw *hw;
    npu_step_cfg step; /* stack, datatypes and plan; plan.tp (x pp) chips per replica */
    int replicas;
} npu_pool;

/* KV admission (the engine's capacity policy): ON_DEMAND admits a prompt when its
 * prompt fits and grows it block by block, preempting the newest sequence when a
 * decode lacks blocks (vLLM, SGLang, TensorRT-LLM MAX_UTILIZATION); RESERVE_FULL
 * admits only when blocks for prompt + output are free and never preempts
 * (TensorRT-LLM's default GUARANTEED_NO_EVICT). */
typedef enum { NPU_KV_ON_DEMAND = 0, NPU_KV_RESERVE_FULL, NPU_KV_ADMIT_COUNT } npu_kv_admit;
extern const char *const npu_kv_admit_names[NPU_KV_ADMIT_COUNT];

typedef struct npu_serve_cfg {
    npu_sched sched;
    npu_route route;
    npu_pool pool;          /* all replicas; with disagg, the decode pool */
    npu_pool prefill;       /* disagg: the prefill pool */
    int max_seqs;           /* sequences per batch (running set) per replica */
    long max_batched_tokens;/* continuous/disagg prefill: new tokens per step */
    long chunk;             /* chunked: token budget per step */
    /* engine scheduling mechanisms (an engine profile fills these: docs/serving.md) */
    int multi_step;         /* decode steps per scheduling round (1 = none; vLLM 0.6 num_scheduler_steps) */
    bool sched_ahead;       /* overlap scheduler: step n+1 formed from the queue as of step n's start */
    int delivery_lag;       /* steps (0 or 1) by which a step's tokens reach the client late: with 1
                             * they arrive when the replica's next step ends (npu_engine_delivery_lag_steps) */
    npu_kv_admit kv_admit;  /* KV admission policy */
    double frontend_s;      /* front end per request (HTTP parse, validation), seconds; one at a time per replica */
    double frontend_s_per_token; /* front end per prompt token (tokenization), seconds */
    double client_think_s;  /* closed loop: mean of a client's exponential delay before each send, seconds */
    npu_spec spec;          /* speculative decoding (kind NPU_SPEC_NONE = off) */
    npu_pct pct;            /* how percentiles are read (npu_stats) */
    int block_size;         /* KV-cache block, tokens */
    double kv_mem_frac;     /* fraction of each chip's memory left by the weights that the KV cache and activations get */
    double prefix_share;    /* fraction of each prompt that hits a shared, cached prefix [0, 1) */
    double step_overhead_s; /* extra engine time added to every step, on top of `engine` */
    npu_engine engine;      /* engine runtime around the kernels (npu_engine_default(); *npu_engine_ideal() = kernels only) */
    npu_workload wl;
    long requests;          /* requests to simulate */
    long warmup;            /* the first `warmup` issued run but are left out of every statistic */
    uint64_t seed;
    double slo_ttft_s, slo_tpot_s; /* goodput SLOs; 0 = none */
    bool keep_requests;     /* fill result.req (per-request records) */
    void (*progress)(void *ctx, double frac_done); /* optional, called ~every 1% */
    void *progress_ctx;
} npu_serve_cfg;

/* Defaults for every field but pool, wl and requests. */
void npu_serve_defaults(npu_serve_cfg *c);
/* Serve under engine `e`: c->engine = *e, and the scheduler and its limits the
 * engine's profile states (policy, max sequences, token budget, chunk,
 * multi-step rounds, KV admission, block size); options given afterwards
 * override them. */
void npu_serve_use_engine(npu_serve_cfg *c, const npu_engine *e);

typedef enum { NPU_REQ_DONE = 0, NPU_REQ_REJECTED_CONTEXT, NPU_REQ_REJECTED_KV } npu_req_status;

/* Per-request record. Times in seconds from the start. TTFT = first_s - arrival_s
 * = frontend_s + wait_s + prefill_s exactly (docs/metrics.md). */
typedef struct npu_req_rec {
    double arrival_s; /* sent by the client */
    double first_s;   /* first token delivered (or, with 0 output tokens, the end of the prefill) */
    double finish_s;  /* last token delivered */
    int64_t input, output; /* tokens as offered (a rejected request's may exceed 2^31) */
    float queue_s;    /* time spent waiting for admission (all waits after preemptions too) */
    float frontend_s; /* TTFT part: front end (queue and service) */
    float wait_s;     /* TTFT part: from reaching the engine to its first admission into a step */
    float prefill_s;  /* TTFT part: from the first admission to the first token */
    int32_t chunks;   /* deliveries (streamed chunks) after the first token */
    int16_t replica;  /* replica of the prefill (decode replica with disagg: see docs) */
    uint8_t status;   /* npu_req_status */
    uint8_t preemptions;
} npu_req_rec;

typedef struct npu_replica_use { /* energy / cost hook (issue 6) */
    double busy_s;   /* time spent in steps */
    long steps;
    double dec_seqs;  /* over all steps: sequences decoding (a multi-step round counts once) */
    double pf_tokens; /* over all steps: prompt tokens computed (chunks, recomputes after preemption) */
    long pf_steps;    /* steps that computed prompt tokens */
    double flops, bytes; /* over all steps, per replica (all its chips) */
    double energy_j;     /* all its chips during its steps (kernels, throttle, engine host time at idle) */
    double idle_w;       /* one chip's idle power (between steps) */
    int chips;
    bool prefill_pool;
} npu_replica_use;

/* One pool of replicas over a run: all replicas, or with disagg the decode
 * pool ([NPU_POOL_DECODE]) and the prefill pool ([NPU_POOL_PREFILL]). */
enum { NPU_POOL_DECODE = 0, NPU_POOL_PREFILL = 1 };
typedef struct npu_serve_pool_result {
    bool present;         /* false: no such pool (no disagg) */
    char hw[64], model[64];
    npu_plan plan;        /* of each replica (normalized) */
    int replicas, chips;  /* chips of all its replicas */
    long kv_tokens_per_replica;
    double kv_use_mean;   /* share of the pool's KV blocks in use, time-averaged */
    double kv_use_max;    /* the fullest replica's peak share (sampled at every allocation) */
    long preemptions, steps;
    double busy_s;        /* summed over its replicas */
    double energy_j;      /* its chips over the run: steps plus idle time between them */
} npu_serve_pool_result;

#define NPU_SERVE_TIMELINE 128
typedef struct npu_serve_result {
    long requests;        /* completed */
    long rejected;        /* longer than the context window or the KV cache */
    char reject_reason[160]; /* the first rejection's reason */
    double duration_s;    /* first arrival to last completion of the measured requests (all but --warmup) */
    long tokens_in, tokens_out; /* of completed requests */
    double energy_j;      /* every chip over the run: steps plus idle time between them */
    double power_w;       /* average power of one chip */
    double throughput_tok_s, throughput_req_s, goodput_req_s; /* tok: output tokens / duration */
    double throughput_total_tok_s;   /* (input + output tokens) / duration (vLLM total_token_throughput) */
    double throughput_tok_s_per_chip, throughput_total_tok_s_per_chip; /* the two above / chips */
    double user_tok_s;    /* mean over requests with >= 2 tokens of (output - 1) / (finish - first): 1 / TPOT */
    double user_e2e_tok_s;/* mean over requests of output / (finish - arrival) (genai-perf per-request throughput) */
    npu_lat ttft, tpot, e2e, queue;
    npu_lat itl;          /* gaps between consecutive deliveries, pooled over all requests (vLLM ITL) */
    long itl_n;           /* those gaps */
    double tokens_per_chunk; /* output tokens after the first / gaps (1 without multi-step or spec decoding) */
    double ttft_frontend_s, ttft_wait_s, ttft_prefill_s; /* TTFT parts, means (sum = ttft.mean) */
    double spec_accepted_mean; /* speculative decoding: accepted draft tokens per verify step, realized */
    long tpot_n;          /* requests with >= 2 output tokens (TPOT defined) */
    double queue_len_mean, queue_len_max;  /* waiting requests, time-averaged / peak */
    double kv_use_mean, kv_use_max;        /* the decode pool's (= pool[NPU_POOL_DECODE]) */
    long preemptions;
    long tokens_emitted;  /* tokens produced by steps (invariant: = tokens_out) */
    long kv_violations;   /* KV blocks handed out beyond capacity (invariant: 0) */
    double arrival_rate_rps;    /* offered: (requests - 1) / (last arrival - first); 0 when all arrive at once */
    double completion_rate_rps; /* requests ended (completed or rejected) / duration: Little's law lambda */
    long kv_tokens_per_replica; /* KV-cache capacity, tokens (decode pool with disagg) */
    npu_serve_pool_result pool[2];
    int n_timeline;
    double tl_t_s[NPU_SERVE_TIMELINE], tl_queue[NPU_SERVE_TIMELINE];
    double tl_kv[NPU_SERVE_TIMELINE];         /* decode pool's KV use */
    double tl_kv_prefill[NPU_SERVE_TIMELINE]; /* disagg prefill pool's KV use */
    long steps;
    /* Step composition over every step of every replica (warm-up and drain included):
     * what a step looks like at this load (docs/serving.md "Step composition"). */
    double step_ms_mean;        /* busy time / steps */
    double step_dec_seqs_mean;  /* sequences decoding per step */
    double step_pf_tokens_mean; /* prompt tokens computed per step */
    double step_pf_share;       /* share of steps that compute prompt tokens */
    int n_replicas, chips;
    npu_replica_use *use;  /* n_replicas entries (prefill pool first with disagg) */
    npu_req_rec *req;      /* cfg.requests entries when keep_requests */
    long n_req;
} npu_serve_result;

/* Run the simulation. -1 + npu_err on a bad configuration (model too large for
 * the replica's memory, zero rate...). Free the result with npu_serve_result_free. */
int npu_serve_run(const npu_serve_cfg *c, npu_serve_result *r);
void npu_serve_result_free(npu_serve_result *r);

/* KV-cache capacity of one replica, tokens (npu_plan_kv_capacity): per chip
 * ((memory - weights) x kv_mem_frac - activations of one step of step_tokens new
 * tokens over step_seqs sequences) / KV bytes per token on that chip, times the
 * attention data-parallel groups when ep > tp. -1 + npu_err when fewer than 1024
 * tokens fit. The simulator reserves one max-size step (its token budget, one sequence). */
int npu_serve_kv_capacity(const npu_pool *p, double kv_mem_frac, double step_tokens, double step_seqs,
                          long *tokens);

/* Time to move `bytes` of KV cache from a prefill chip to a decode chip: the
 * slower of the two links (GB/s per direction) plus the larger latency. */
double npu_serve_kv_transfer_s(const npu_hw *src, const npu_hw *dst, double bytes);

/* One step of a replica, formed by the configured scheduler from a hand-made
 * state (tests, docs): reqs[0..n) are the replica's sequences, those running first
 * (in admission order) then those waiting (in queue order). Returns the step's
 * shape and, per request, the tokens it computes (prompt tokens for a prompt,
 * tokens decoded for a decode, 0 if not in the step). -1 + npu_err on a bad state. */
typedef struct npu_sched_req {
    long input, output; /* tokens */
    long done;          /* running: prompt tokens already computed (= input once decoding) */
    long gen;           /* running: tokens generated */
    bool running;       /* admitted (else waiting) */
} npu_sched_req;
int npu_serve_form_step(const npu_serve_cfg *c, const npu_sched_req *reqs, int n, npu_step_shape *sh, long *tokens);

/* Whether a result meets the SLOs: p99 TTFT <= slo_ttft_s and p99 TPOT <= slo_tpot_s
 * (a zero SLO is not checked). */
bool npu_serve_meets_slo(const npu_serve_cfg *c, const npu_serve_result *r);

/* Highest Poisson rate (requests/s) whose run meets the SLOs, to 1%, and no higher
 * than the deployment's saturation throughput (the same requests offered at once).
 * `c` gives everything but the arrival process. -1 + npu_err when no SLO is set
 * or even a tiny rate fails. `at` (optional) receives the run at that rate. */
int npu_serve_find_max_rate(const npu_serve_cfg *c, double *rate_rps, npu_serve_result *at);

/* Fleet sizing: the fewest copies of the configured deployment (all its pools)
 * that serve `target_rps` within the SLOs (verified by simulation). */
typedef struct npu_fleet {
    double max_rate_per_copy_rps;
    int copies;
    int chips;            /* copies x chips of one deployment */
    npu_serve_result run; /* the verifying run at the target rate */
} npu_fleet;
int npu_serve_fleet(const npu_serve_cfg *c, double target_rps, npu_fleet *f);

#endif
