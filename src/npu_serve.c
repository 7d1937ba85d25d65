/* npu_serve — the serving simulator: events, router, schedulers, paged KV cache,
 * statistics. One simulation is single-threaded and allocation-free in its loop. */
#include "npu_serve.h"
#include "npu_power.h"
#include "npu_step.h"
#include "npu_steptab.h"
#include "npu_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const npu_sched_names[NPU_SCHED_COUNT] = {"static", "continuous", "chunked", "disagg", "mixed",
                                                      "prefill-chunked"};
const char *const npu_kv_admit_names[NPU_KV_ADMIT_COUNT] = {"on-demand", "reserve"};
const char *const npu_route_names[NPU_ROUTE_COUNT] = {"rr", "least-requests", "least-kv"};

void npu_serve_defaults(npu_serve_cfg *c) {
    memset(c, 0, sizeof *c);
    c->sched = NPU_SCHED_MIXED; /* the default engine's (TensorRT-LLM in-flight batching) */
    c->route = NPU_ROUTE_RR;
    c->max_seqs = 256;
    c->max_batched_tokens = 8192;
    c->chunk = 2048;
    c->block_size = 16;
    c->multi_step = 1;
    c->kv_admit = NPU_KV_ON_DEMAND;
    c->pct = NPU_PCT_NEAREST_RANK;
    c->kv_mem_frac = NPU_KV_MEM_FRACTION;
    c->requests = 1000;
    c->seed = 1;
    npu_serve_use_engine(c, npu_engine_default());
}

void npu_serve_use_engine(npu_serve_cfg *c, const npu_engine *e) {
    static const npu_sched by_policy[NPU_POLICY_COUNT] = {
        [NPU_POLICY_STATIC] = NPU_SCHED_STATIC,
        [NPU_POLICY_PREFILL_FIRST] = NPU_SCHED_CONTINUOUS,
        [NPU_POLICY_PREFILL_FIRST_CHUNKED] = NPU_SCHED_PREFILL_CHUNKED,
        [NPU_POLICY_DECODE_FIRST_MIXED] = NPU_SCHED_MIXED,
        [NPU_POLICY_DECODE_FIRST_CHUNKED] = NPU_SCHED_CHUNKED,
        [NPU_POLICY_SINGLE_STREAM] = NPU_SCHED_CONTINUOUS, /* with one sequence at a time */
    };
    const npu_engine_sched *s = &e->sched;
    c->engine = *e;
    c->sched = by_policy[s->policy];
    if (s->policy == NPU_POLICY_SINGLE_STREAM) c->max_seqs = 1;
    else if (s->max_seqs > 0) c->max_seqs = s->max_seqs; /* 0: the engine sizes it; keep the default */
    /* a budget past any step's size (static batching states none) keeps the default, which
     * sizes the step's activation workspace beside the KV cache */
    if (s->token_budget > 0 && s->token_budget <= NPU_MAX_REQUEST_TOKENS) c->max_batched_tokens = s->token_budget;
    c->chunk = s->chunk > 0 ? s->chunk : c->max_batched_tokens;
    c->multi_step = s->multi_step > 0 ? s->multi_step : 1;
    c->kv_admit = s->admission == NPU_ADMIT_RESERVE_FULL ? NPU_KV_RESERVE_FULL : NPU_KV_ON_DEMAND;
    if (s->block_tokens > 0) c->block_size = s->block_tokens;
}

/* ---------------------------------------------------------------- helpers */


double npu_serve_kv_transfer_s(const npu_hw *src, const npu_hw *dst, double bytes) {
    double gbps = src->link_gbps < dst->link_gbps ? src->link_gbps : dst->link_gbps;
    double lat_us = src->link_latency_us > dst->link_latency_us ? src->link_latency_us : dst->link_latency_us;
    if (gbps <= 0) gbps = 25.0; /* no link described: assume a 200 Gb/s NIC, 25 GB/s */
    return lat_us * 1e-6 + bytes / (gbps * 1e9);
}

static int pool_chips(const npu_pool *p) { return npu_plan_replica_chips(p->step.plan); }

int npu_serve_kv_capacity(const npu_pool *p, double kv_mem_frac, double step_tokens, double step_seqs,
                          long *tokens) {
    /* npu_plan_kv_capacity: what the weights leave, times the KV fraction, less
     * the activations of one step (npu_run's offline phase sizes its batch with
     * the same function); every chip of the replica holds its share of every
     * sequence, except under attention data parallelism (ep > tp), where each
     * group of tp chips holds its own sequences */
    npu_plan pl = npu_plan_norm(p->step.plan);
    double act_B = npu_plan_act_bytes(p->model, pl, step_tokens / pl.cp, step_seqs);
    *tokens = npu_plan_kv_capacity_dt(p->model, p->hw, pl, p->step.wdt, p->step.hdt, p->step.edt, p->step.kvdt,
                                      kv_mem_frac, act_B);
    if (*tokens / npu_plan_attn_dp(pl) < 1024) {
        npu_err("%s (weights %.1f GiB per chip) leaves no room for a KV cache on %d x %s (%.1f GiB each, %.2f usable)",
                p->model->name, npu_plan_weight_bytes(p->model, pl, p->step.wdt) / 1073741824.0, pool_chips(p),
                p->hw->name, p->hw->mem_bytes / 1073741824.0, kv_mem_frac);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- state */

enum { PH_WAIT = 0, PH_PREFILL, PH_DECODE, PH_XFER, PH_DONE };

/* A request. Lengths are 64-bit as offered; an admitted request's counts fit 32
 * bits (arrive() rejects a sequence longer than the context window or 2^31 - 1). */
typedef struct sreq {
    double arrival_s, first_s, finish_s, enq_s, wait_s;
    double enter_s;  /* reached the engine (after the front end) */
    double admit_s;  /* first admission into a step (-1: not yet) */
    double last_s;   /* latest delivery */
    float fe_s;      /* front end: its queue and service */
    int32_t chunks;  /* deliveries after the first token */
    int64_t input, output;
    int32_t plen;    /* prompt tokens to compute (input, or input + generated after a preemption) */
    int32_t prefix;  /* leading tokens served from the shared prefix cache */
    int32_t done;    /* prompt tokens whose KV exists */
    int32_t ctx;     /* tokens in the KV cache (decode phase) */
    int32_t gen;     /* tokens generated */
    int32_t blocks;  /* own KV blocks held */
    int32_t chunk;   /* tokens scheduled in the running step */
    int16_t replica;
    uint8_t phase, status, preempt;
    uint8_t warm;    /* a warm-up request: left out of the statistics */
} sreq;

typedef struct deque {
    int32_t *v;
    long cap, head, n;
} deque;

static void dq_push_back(deque *d, int32_t x) {
    if (d->n == d->cap) {
        long nc = d->cap ? d->cap * 2 : 64;
        int32_t *nv = npu_xmalloc(nc * sizeof *nv);
        for (long i = 0; i < d->n; i++) nv[i] = d->v[(d->head + i) % d->cap];
        free(d->v);
        d->v = nv, d->cap = nc, d->head = 0;
    }
    d->v[(d->head + d->n++) % d->cap] = x;
}
static void dq_push_front(deque *d, int32_t x) {
    dq_push_back(d, x); /* grow if needed, then rotate the new element to the front */
    d->n--;
    d->head = (d->head + d->cap - 1) % d->cap;
    d->v[d->head] = x;
    d->n++;
}
static int32_t dq_front(const deque *d) { return d->v[d->head]; }
static void dq_pop_front(deque *d) {
    d->head = (d->head + 1) % d->cap;
    d->n--;
}

typedef struct replica {
    npu_steptab *tab;
    const npu_pool *pool;
    int pool_ix;          /* NPU_POOL_DECODE or NPU_POOL_PREFILL */
    bool prefill_only;    /* disagg prefill pool */
    deque waiting;
    int32_t *run;         /* running sequences in admission order */
    int n_run;
    npu_kvcache kv;
    bool busy, kick_pending;
    int static_on;        /* static: a batch is running */
    long static_pad, static_step;
    double link_free_s;   /* disagg prefill: outgoing link busy until */
    double fe_free_s;     /* front end busy until */
    double last_start_s;  /* start of the step running or just ended */
    int round_n;          /* decode tokens per sequence of the step: multi-step round (1 = one step) */
    double busy_until_s;  /* end of the step running */
    struct outev *pend;   /* delivery lag: the last step's outputs, not yet at the client */
    int n_pend;
    double deliver_s;     /* its running step's tokens reach the clients this long after it ends (npu_engine) */
    npu_replica_use use;
} replica;

enum { EV_ARRIVAL = 0, EV_FRONTEND, EV_XFER, EV_STEP, EV_KICK };

/* What a step's end shows a client: its first token, a chunk of `tok` tokens,
 * its end (flags OUT_*). Applied at once, or with a delivery lag at the end of
 * the replica's next step. */
enum { OUT_FIRST = 1, OUT_CHUNK = 2, OUT_FIN = 4 };
typedef struct outev {
    int32_t id;
    int32_t tok;
    int flags;
} outev;
typedef struct event {
    double t;
    int kind;
    int32_t id;    /* request (arrival, xfer) or replica (step, kick) */
    uint64_t seq;  /* FIFO among equal (t, kind) */
} event;

/* Series of the run's timeline. */
enum { TL_QUEUE = 0, TL_KV_DECODE, TL_KV_PREFILL };

typedef struct sched_ops sched_ops;

typedef struct sim {
    const npu_serve_cfg *c;
    const sched_ops *ops;
    npu_rng rng;
    sreq *rq;
    long n, issued, finished;
    replica *rep;
    int n_rep, n_pf;           /* replicas; the first n_pf are the disagg prefill pool */
    event *heap;
    long heap_n, heap_cap;
    uint64_t ev_seq;
    double now, t0;
    double last_arrival_s;     /* of the latest arrival (offered rate) */
    long waiting;              /* all replicas */
    double q_max;
    long pool_used[2], pool_total[2]; /* KV blocks, by pool */
    npu_timeline tl;
    long rr_next[2];
    double kv_B_per_tok;       /* KV bytes per token of context, every layer (the decode pool's model) */
    int kv_layers, kv_local;   /* its layers, and of them those the engine's KV keeps to the window */
    long kv_window;            /* that window, tokens */
    long next_progress;
    npu_stats_counts cnt;
    char reject_reason[160];
    double cutoff_s;           /* admission: only requests that reached the engine by then (sched_ahead) */
    npu_rng rng_spec;          /* speculative acceptance (its own stream: arrivals stay the same) */
    npu_rng rng_client;        /* closed-loop think times (their own stream) */
    npu_spec_tabs *spec_tab[2];/* by pool */
    double spec_acc, spec_n;   /* accepted drafts, verifications */
    npu_hist itl;              /* gaps between deliveries */
    double itl_tokens;         /* tokens delivered after the first ones */
    double itl_run_x, itl_run_n; /* gaps not yet in the histogram: itl_run_n of itl_run_x */
    double deliver_s;          /* while a step ends: its tokens' delivery after now (npu_engine) */
} sim;

/* A scheduler's operations (the table is with the schedulers below). */
struct sched_ops {
    bool two_pools;                                      /* a prefill pool feeds the decode pool */
    long (*budget)(const npu_serve_cfg *c);              /* new tokens of its largest step */
    bool (*form)(sim *s, replica *r, npu_step_shape *sh); /* next step of r; false: nothing to do */
    void (*end)(sim *s, replica *r);                     /* r's step has ended */
};

static bool ev_less(const event *a, const event *b) {
    if (a->t != b->t) return a->t < b->t;
    if (a->kind != b->kind) return a->kind < b->kind;
    return a->seq < b->seq;
}

static void ev_push(sim *s, double t, int kind, int32_t id) {
    if (s->heap_n == s->heap_cap) {
        s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 256;
        s->heap = npu_xrealloc(s->heap, s->heap_cap * sizeof *s->heap);
    }
    event e = {t, kind, id, s->ev_seq++};
    long i = s->heap_n++;
    while (i > 0) {
        long p = (i - 1) / 2;
        if (!ev_less(&e, &s->heap[p])) break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = e;
}

static event ev_pop(sim *s) {
    event top = s->heap[0], last = s->heap[--s->heap_n];
    long i = 0, n = s->heap_n;
    for (;;) {
        long l = 2 * i + 1, m = i;
        const event *best = &last;
        if (l < n && ev_less(&s->heap[l], best)) m = l, best = &s->heap[l];
        if (l + 1 < n && ev_less(&s->heap[l + 1], best)) m = l + 1;
        if (m == i) break;
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (n > 0) s->heap[i] = last;
    return top;
}

/* ---------------------------------------------------------------- levels */

/* Integrate the queue length and each pool's KV use up to `t` (the state since the last event). */
static void advance(sim *s, double t) {
    double level[NPU_TL_SERIES] = {[TL_QUEUE] = (double)s->waiting};
    for (int p = 0; p < 2; p++)
        level[TL_KV_DECODE + p] = s->pool_total[p] ? (double)s->pool_used[p] / s->pool_total[p] : 0;
    npu_timeline_advance(&s->tl, t, level);
}

/* ---------------------------------------------------------------- KV blocks (npu_kvcache) */

/* Each wraps the replica's cache and keeps its pool's block count. */
static void kv_admit(sim *s, replica *r, sreq *q, long tokens) {
    long f = r->kv.free_blocks;
    npu_kvcache_admit(&r->kv, &q->blocks, tokens, q->prefix);
    s->pool_used[r->pool_ix] += f - r->kv.free_blocks;
}
static void kv_grow(sim *s, replica *r, sreq *q, long tokens) {
    long f = r->kv.free_blocks;
    npu_kvcache_grow(&r->kv, &q->blocks, tokens, q->prefix);
    s->pool_used[r->pool_ix] += f - r->kv.free_blocks;
}
static void kv_release(sim *s, replica *r, sreq *q) {
    s->pool_used[r->pool_ix] -= q->blocks;
    npu_kvcache_release(&r->kv, &q->blocks);
}
static bool kv_admits(const replica *r, const sreq *q, long tokens) {
    return npu_kvcache_admits(&r->kv, tokens, q->prefix);
}
/* Tokens of every layer a sequence of `ctx` tokens holds (a disagg transfer
 * ships them): its local layers stop at the window (npu_model_kv_tokens). */
static double kv_ship_tokens(const sim *s, long ctx) {
    if (!s->kv_local) return (double)ctx;
    double capped = ctx > s->kv_window ? (double)s->kv_window : (double)ctx;
    return ((double)(s->kv_layers - s->kv_local) * ctx + (double)s->kv_local * capped) / s->kv_layers;
}
/* Blocks a sequence of `tokens` tokens needs (its own and its prefix's). */
static long kv_need(const replica *r, const sreq *q, long tokens) {
    return npu_kvcache_blocks_for(&r->kv, tokens, q->prefix) + npu_kvcache_charge(&r->kv, q->prefix);
}

/* ---------------------------------------------------------------- queues */

static void enqueue(sim *s, replica *r, int32_t id, bool front) {
    sreq *q = &s->rq[id];
    q->phase = q->done >= q->plen && q->ctx > 0 ? PH_DECODE : PH_WAIT;
    q->enq_s = s->now;
    q->replica = (int16_t)(r - s->rep);
    if (front) dq_push_front(&r->waiting, id);
    else dq_push_back(&r->waiting, id);
    s->waiting++;
    if (s->waiting > s->q_max) s->q_max = (double)s->waiting;
    if (!r->busy && !r->kick_pending) {
        r->kick_pending = true;
        ev_push(s, s->now, EV_KICK, (int32_t)(r - s->rep));
    }
}

static int32_t dequeue(sim *s, replica *r) {
    int32_t id = dq_front(&r->waiting);
    dq_pop_front(&r->waiting);
    s->waiting--;
    sreq *q = &s->rq[id];
    q->wait_s += s->now - q->enq_s;
    if (q->admit_s < 0) q->admit_s = s->now;
    return id;
}

/* Whether the waiting head may enter the step being formed: with the overlap
 * scheduler, only if it reached the engine before the step was prepared. */
static bool head_visible(const sim *s, const replica *r) {
    return r->waiting.n && s->rq[dq_front(&r->waiting)].enq_s <= s->cutoff_s;
}

static replica *route(sim *s, bool to_prefill_pool) {
    int lo = to_prefill_pool ? 0 : s->n_pf, hi = to_prefill_pool ? s->n_pf : s->n_rep, n = hi - lo;
    if (s->c->route == NPU_ROUTE_RR || n == 1) {
        long *k = &s->rr_next[to_prefill_pool];
        replica *r = &s->rep[lo + *k % n];
        (*k)++;
        return r;
    }
    replica *best = NULL;
    double best_v = INFINITY, best_o = INFINITY;
    for (int i = lo; i < hi; i++) {
        replica *r = &s->rep[i];
        double outstanding = (double)r->waiting.n + r->n_run;
        double v = s->c->route == NPU_ROUTE_LEAST_REQ ? outstanding : 1.0 - (double)r->kv.free_blocks / r->kv.total_blocks;
        if (v < best_v || (v == best_v && outstanding < best_o)) best = r, best_v = v, best_o = outstanding;
    }
    return best;
}

/* ---------------------------------------------------------------- requests */

static void progress(sim *s) {
    if (s->c->progress && s->finished >= s->next_progress) {
        s->c->progress(s->c->progress_ctx, (double)s->finished / s->n);
        s->next_progress = s->finished + (s->n / 100 > 0 ? s->n / 100 : 1);
    }
}

/* A closed-loop client's delay before it sends: its think time, exponential with
 * the configured mean (0: none). */
static double think_s(sim *s) {
    double m = s->c->client_think_s;
    return m > 0 ? -m * log(npu_rng_uniform(&s->rng_client)) : 0;
}

static void next_closed_arrival(sim *s, double t) {
    if (s->c->wl.arrival == NPU_ARRIVE_CLOSED && s->issued < s->n)
        ev_push(s, t + think_s(s), EV_ARRIVAL, (int32_t)s->issued++);
}

/* The client sees the request end at `t` (its closed-loop client sends again). */
static void finish_at(sim *s, sreq *q, double t) {
    q->phase = PH_DONE;
    q->finish_s = t;
    s->finished++;
    next_closed_arrival(s, t);
    progress(s);
}

static void finish(sim *s, sreq *q) { finish_at(s, q, s->now); }

static void reject(sim *s, sreq *q, npu_req_status why, const char *reason) {
    q->status = (uint8_t)why;
    q->first_s = q->finish_s = s->now;
    if (!s->reject_reason[0]) npu_strlcpy(s->reject_reason, reason, sizeof s->reject_reason);
    finish(s, q);
}

static void arrive(sim *s, int32_t id) {
    const npu_serve_cfg *c = s->c;
    sreq *q = &s->rq[id];
    memset(q, 0, sizeof *q);
    q->arrival_s = s->last_arrival_s = s->now;
    q->admit_s = -1;
    q->warm = id < c->warmup;
    if (c->wl.arrival == NPU_ARRIVE_TRACE) {
        q->input = c->wl.trace->rows[id].input, q->output = c->wl.trace->rows[id].output;
    } else {
        q->input = npu_dist_sample(&c->wl.input, &s->rng);
        q->output = npu_dist_sample(&c->wl.output, &s->rng);
    }
    if (q->input < 1) q->input = 1;
    if (q->output < 0) q->output = 0;
    /* schedule the next open-loop arrival */
    if (c->wl.arrival != NPU_ARRIVE_CLOSED && s->issued < s->n) {
        double t = c->wl.arrival == NPU_ARRIVE_TRACE ? c->wl.trace->rows[s->issued].arrival_s
                                                     : s->now + npu_workload_gap_s(&c->wl, &s->rng);
        ev_push(s, t, EV_ARRIVAL, (int32_t)s->issued++);
    }
    /* the whole sequence must fit the context window (and 32-bit counts) */
    const npu_model *m = c->pool.model;
    long limit = m->max_seq > 0 ? m->max_seq : INT32_MAX;
    if (q->input > limit || q->output > limit - q->input) {
        char why[160];
        snprintf(why, sizeof why, "%lld prompt + %lld output tokens exceed %s %ld", (long long)q->input,
                 (long long)q->output, m->max_seq > 0 ? "the context window of" : "the simulator's limit of", limit);
        reject(s, q, NPU_REQ_REJECTED_CONTEXT, why);
        return;
    }
    long total = (long)(q->input + q->output);
    q->plen = (int32_t)q->input;
    q->prefix = (int32_t)floor(c->prefix_share * (double)q->input);
    if (q->prefix >= q->input) q->prefix = (int32_t)q->input - 1;
    q->done = q->prefix;
    bool two = s->ops->two_pools;
    replica *r = route(s, two);
    /* the whole sequence must fit one replica's cache (and the prompt the prefill replica's) */
    long need = kv_need(r, q, total);
    long have = two ? s->rep[s->n_pf].kv.total_blocks : r->kv.total_blocks;
    if (two && kv_need(r, q, (long)q->input) > r->kv.total_blocks)
        have = r->kv.total_blocks, need = kv_need(r, q, (long)q->input);
    if (need > have) {
        char why[160];
        snprintf(why, sizeof why, "a request needs %ld KV %s, a replica holds %ld", need,
                 r->kv.local ? "layer-blocks" : "blocks", have);
        reject(s, q, NPU_REQ_REJECTED_KV, why);
        return;
    }
    /* the replica's front end (HTTP, validation, tokenization) takes one request
     * at a time; the engine sees the request when it is done */
    double fe = c->frontend_s + c->frontend_s_per_token * (double)q->input;
    q->replica = (int16_t)(r - s->rep);
    if (fe > 0) {
        double t0 = s->now > r->fe_free_s ? s->now : r->fe_free_s;
        r->fe_free_s = t0 + fe;
        q->fe_s = (float)(r->fe_free_s - s->now);
        ev_push(s, r->fe_free_s, EV_FRONTEND, id);
        return;
    }
    q->enter_s = s->now;
    enqueue(s, r, id, false);
}

static void frontend_end(sim *s, int32_t id) {
    sreq *q = &s->rq[id];
    q->enter_s = s->now;
    enqueue(s, &s->rep[q->replica], id, false);
}

/* Recompute later: free the newest sequence's blocks and put it first in line. */
static void preempt(sim *s, replica *r) {
    int32_t id = r->run[--r->n_run];
    sreq *q = &s->rq[id];
    s->pool_used[r->pool_ix] -= q->blocks;
    npu_kvcache_preempt(&r->kv, &q->blocks);
    q->plen = (int32_t)q->input + q->gen;
    q->done = q->prefix;
    q->ctx = 0;
    q->chunk = 0;
    if (q->preempt < 255) q->preempt++;
    s->cnt.preemptions++;
    enqueue(s, r, id, true);
}

/* A step's output reaches the client at `t`: the first token (TTFT), a chunk
 * (the gap since the last delivery is one inter-token latency sample; the
 * decodes of a step mostly share their gap: runs of one value are counted
 * before they go into the histogram), the end. */
static void apply_out(sim *s, const outev *o, double t) {
    sreq *q = &s->rq[o->id];
    if (o->flags & OUT_FIRST) q->first_s = q->last_s = t;
    if (o->flags & OUT_CHUNK) {
        double gap = t - q->last_s;
        q->last_s = t;
        q->chunks++;
        if (!q->warm) {
            if (gap != s->itl_run_x) {
                if (s->itl_run_n > 0) npu_hist_add_n(&s->itl, s->itl_run_x, s->itl_run_n);
                s->itl_run_x = gap, s->itl_run_n = 0;
            }
            s->itl_run_n++, s->itl_tokens += o->tok;
        }
    }
    if (o->flags & OUT_FIN) finish_at(s, q, t);
}

/* Output of the step ending now: at once, or held for the next step's end
 * (delivery lag: an engine that overlaps its host work with the next step). */
static inline void out(sim *s, replica *r, sreq *q, int flags, int tok) {
    outev o = {(int32_t)(q - s->rq), tok, flags};
    if (!s->c->delivery_lag || r->prefill_only) { /* a disagg prefill replica's first token leaves with its KV */
        apply_out(s, &o, s->now + s->deliver_s); /* an engine overlapping its host work delivers later */
        return;
    }
    if (flags & OUT_FIN) q->phase = PH_DONE; /* the engine is done with it now */
    if (r->n_pend > 0 && r->pend[r->n_pend - 1].id == o.id) {
        r->pend[r->n_pend - 1].flags |= flags, r->pend[r->n_pend - 1].tok += tok;
        return;
    }
    r->pend[r->n_pend++] = o;
}

/* Held outputs reach the clients at `t`. */
static void flush_out(sim *s, replica *r, double t) {
    for (int i = 0; i < r->n_pend; i++) apply_out(s, &r->pend[i], t);
    r->n_pend = 0;
}

/* The prompt is done: its first token. */
static void emit_first(sim *s, replica *r, sreq *q) {
    bool first = q->gen == 0;
    if (q->gen < q->output) q->gen++, s->cnt.tokens_emitted++;
    if (first) out(s, r, q, OUT_FIRST, 0);
}

/* A decode step (or multi-step round) ends: `t` more tokens, one chunk. */
static inline void deliver(sim *s, replica *r, sreq *q, int t) {
    int64_t left = q->output - q->gen;
    if (t > left) t = (int)left;
    if (t <= 0) return;
    q->ctx += t, q->gen += t, s->cnt.tokens_emitted += t;
    out(s, r, q, OUT_CHUNK, t);
}

/* Tokens a decode keeps from its step: the round's (multi-step: round_n, else
 * 1), or with speculation one plus the accepted drafts. */
static inline int decode_tokens(sim *s, const replica *r) {
    if (s->c->spec.kind == NPU_SPEC_NONE) return r->round_n;
    int a = npu_spec_sample(&s->c->spec, &s->rng_spec);
    s->spec_acc += a, s->spec_n += 1;
    return 1 + a;
}

/* ---------------------------------------------------------------- schedulers
 *
 * One table of operations per scheduler (sched_table below): how large its
 * steps get (the KV capacity leaves room for their activations), how it forms a
 * replica's next step, and what happens when the step ends (struct sched_ops,
 * at the top of the file). A sequence's `chunk` is what it computes in the
 * step being formed: prompt tokens for a prompt, token slots for a decode (1, a
 * multi-step round's n, or a speculative verification's n + 1). */

static long budget_batched(const npu_serve_cfg *c) { return c->max_batched_tokens; }
static long budget_chunk(const npu_serve_cfg *c) { return c->chunk; }

/* Token slots a decode computes per step: 1, or n drafts + 1 when speculating. */
static int dec_slots(const sim *s) { return s->c->spec.kind == NPU_SPEC_NONE ? 1 : s->c->spec.n + 1; }

/* KV tokens a sequence reserves when admitted: `now` tokens (on demand), or its
 * whole sequence and a verification's slots beyond it (reserve). */
static long admit_tokens(const sim *s, const sreq *q, long now) {
    if (s->c->kv_admit != NPU_KV_RESERVE_FULL) return now;
    long held = q->phase == PH_DECODE ? (long)q->ctx : (long)q->plen;
    return held + (long)(q->output - q->gen) + dec_slots(s) - 1;
}

/* static: a batch of prompts whose whole sequences fit is prefilled padded to the
 * longest, then decodes until its longest output is done. */
static bool static_form(sim *s, replica *r, npu_step_shape *sh) {
    const npu_serve_cfg *c = s->c;
    if (!r->static_on) {
        long pad = 0, pad_ctx = 0, any = 0; /* longest new prompt part; longest prompt */
        while (head_visible(s, r) && r->n_run < c->max_seqs) {
            sreq *q = &s->rq[dq_front(&r->waiting)];
            long whole = (long)q->plen + (long)q->output;
            if (!kv_admits(r, q, whole)) break;
            int32_t id = dequeue(s, r);
            kv_admit(s, r, q, whole);
            q->phase = PH_PREFILL;
            r->run[r->n_run++] = id;
            if (q->plen - q->done > pad) pad = q->plen - q->done;
            if (q->plen > pad_ctx) pad_ctx = q->plen;
            any++;
        }
        if (!any) return false;
        r->static_on = 1, r->static_step = 0, r->static_pad = pad_ctx;
        sh->pf_n = r->n_run, sh->pf_tokens = (long)r->n_run * pad, sh->emit = r->n_run;
        for (int i = 0; i < r->n_run; i++) {
            sreq *q = &s->rq[r->run[i]];
            q->chunk = q->plen - q->done;
            sh->pf_ctx_sum += q->done;
        }
        return true;
    }
    /* the whole (padded) batch decodes until its longest output is done */
    sh->dec_batch = sh->emit = r->n_run;
    sh->dec_ctx_sum = (double)r->n_run * (r->static_pad + r->static_step);
    for (int i = 0; i < r->n_run; i++) s->rq[r->run[i]].chunk = 1;
    return true;
}

static void static_end(sim *s, replica *r) {
    bool all_done = true, was_prefill = false;
    for (int i = 0; i < r->n_run; i++) {
        sreq *q = &s->rq[r->run[i]];
        if (q->phase == PH_DONE) continue;
        if (q->phase == PH_PREFILL) {
            was_prefill = true;
            q->done = q->plen, q->ctx = q->plen, q->phase = PH_DECODE, q->chunk = 0;
            emit_first(s, r, q);
        } else {
            deliver(s, r, q, 1);
        }
        if (q->gen >= q->output) out(s, r, q, OUT_FIN, 0);
        else all_done = false;
    }
    if (!was_prefill) r->static_step++;
    if (all_done) {
        for (int i = 0; i < r->n_run; i++) kv_release(s, r, &s->rq[r->run[i]]);
        r->n_run = 0, r->static_on = 0;
    }
}

/* Preempt the newest sequences until the running decodes have blocks for
 * `slots` more tokens each (never the last one). */
static void make_room_for_decodes(sim *s, replica *r, int slots) {
    for (;;) {
        long need = 0;
        for (int i = 0; i < r->n_run; i++) {
            sreq *q = &s->rq[r->run[i]];
            if (q->phase == PH_DECODE) need += npu_kvcache_shortfall(&r->kv, q->blocks, q->ctx + slots, q->prefix);
        }
        if (need <= r->kv.free_blocks || r->n_run <= 1) return;
        preempt(s, r);
    }
}

/* Every running decode computes its slots this step. Returns the token slots. */
static long add_decodes(sim *s, replica *r, npu_step_shape *sh) {
    int slots = dec_slots(s);
    make_room_for_decodes(s, r, slots);
    long n = 0;
    for (int i = 0; i < r->n_run; i++) {
        sreq *q = &s->rq[r->run[i]];
        if (q->phase != PH_DECODE) continue;
        kv_grow(s, r, q, q->ctx + slots);
        q->chunk = slots;
        sh->dec_batch++, sh->dec_ctx_sum += q->ctx;
        n += slots;
    }
    return n;
}

/* Admit the waiting head if it is visible, and slots, token budget and blocks
 * allow; chunk is the prompt tokens it computes this step (0 for a transferred,
 * prefilled sequence). A prompt larger than the budget is chunked (`chunked`),
 * else waits unless it is the step's first work (`any_yet` false): it runs alone. */
static bool try_admit(sim *s, replica *r, long *budget, bool chunked, bool any_yet) {
    if (!head_visible(s, r) || r->n_run >= s->c->max_seqs) return false;
    sreq *q = &s->rq[dq_front(&r->waiting)];
    bool prefilled = q->phase == PH_DECODE;
    long tokens = admit_tokens(s, q, prefilled ? q->ctx + 1 : q->plen);
    if (!kv_admits(r, q, tokens)) return false;
    long todo = prefilled ? 0 : q->plen - q->done;
    if (!prefilled) {
        if (*budget <= 0) return false;
        if (!chunked && todo > *budget && any_yet) return false;
    }
    int32_t id = dequeue(s, r);
    kv_admit(s, r, q, tokens);
    r->run[r->n_run++] = id;
    if (prefilled) {
        q->phase = PH_DECODE, q->chunk = 0;
    } else {
        q->phase = PH_PREFILL;
        q->chunk = (int32_t)(chunked && todo > *budget ? *budget : todo);
        *budget -= q->chunk;
    }
    return true;
}

/* The prompt chunks scheduled this step, and who emits a token. */
static void add_chunks(sim *s, const replica *r, npu_step_shape *sh) {
    for (int i = 0; i < r->n_run; i++) {
        sreq *q = &s->rq[r->run[i]];
        if (q->phase != PH_PREFILL || q->chunk <= 0) continue;
        sh->pf_n++, sh->pf_tokens += q->chunk, sh->pf_ctx_sum += q->done;
        if (q->done + q->chunk >= q->plen) sh->emit++;
    }
    sh->emit += sh->dec_batch;
}

/* Running prompts already partly computed get the next chunk of the budget. */
static int continue_prompts(sim *s, replica *r, long *budget) {
    int k = 0;
    for (int i = 0; i < r->n_run && *budget > 0; i++) {
        sreq *q = &s->rq[r->run[i]];
        if (q->phase != PH_PREFILL) continue;
        long todo = q->plen - q->done;
        q->chunk = (int32_t)(todo < *budget ? todo : *budget);
        *budget -= q->chunk;
        k++;
    }
    return k;
}

/* continuous — vLLM V0 (prefill-first): a step prefills newly admitted prompts
 * if any can be admitted (whole, up to max_batched_tokens; a longer one alone),
 * else decodes every running sequence. Both disagg pools use it too. */
static bool continuous_form(sim *s, replica *r, npu_step_shape *sh) {
    long budget = s->c->max_batched_tokens;
    int k = 0;
    while (try_admit(s, r, &budget, false, k > 0))
        if (s->rq[r->run[r->n_run - 1]].chunk > 0) k++;
    if (k == 0 && !r->prefill_only) add_decodes(s, r, sh);
    add_chunks(s, r, sh);
    return sh->dec_batch + sh->pf_n > 0;
}

/* chunked — vLLM V1, TensorRT-LLM chunked context, Sarathi: every step decodes
 * all running sequences, then fills the rest of the `chunk` budget with the
 * running prompts' next chunks, then new admissions (chunked to fit). */
static bool chunked_form(sim *s, replica *r, npu_step_shape *sh) {
    long budget = s->c->chunk - add_decodes(s, r, sh);
    continue_prompts(s, r, &budget);
    while (try_admit(s, r, &budget, true, true)) {}
    add_chunks(s, r, sh);
    return sh->dec_batch + sh->pf_n > 0;
}

/* mixed — TensorRT-LLM in-flight batching without chunked context: all running
 * decodes, then whole prompts while max_batched_tokens (max_num_tokens) lasts;
 * a prompt that does not fit waits for a later step (alone if it exceeds the
 * whole budget). */
static bool mixed_form(sim *s, replica *r, npu_step_shape *sh) {
    long budget = s->c->max_batched_tokens - add_decodes(s, r, sh);
    bool any = sh->dec_batch > 0;
    while (try_admit(s, r, &budget, false, any)) any = true;
    add_chunks(s, r, sh);
    return sh->dec_batch + sh->pf_n > 0;
}

/* prefill-chunked — SGLang: a prefill step whenever prompt work is waiting
 * (decodes wait), of at most max_batched_tokens (chunked_prefill_size) tokens:
 * the running chunked prompt first, then new prompts, the last one chunked to
 * fit; a decode step of every running sequence otherwise. */
static bool prefill_chunked_form(sim *s, replica *r, npu_step_shape *sh) {
    long budget = s->c->max_batched_tokens;
    int k = continue_prompts(s, r, &budget);
    while (try_admit(s, r, &budget, true, true))
        if (s->rq[r->run[r->n_run - 1]].chunk > 0) k++;
    if (k == 0) add_decodes(s, r, sh);
    add_chunks(s, r, sh);
    return sh->dec_batch + sh->pf_n > 0;
}

/* In-flight schedulers: prompts advance by their chunk, decodes by the tokens
 * they keep; finished sequences leave; a disagg prefill replica ships finished
 * prompts' KV caches to the decode pool. */
static void inflight_end(sim *s, replica *r) {
    const npu_serve_cfg *c = s->c;
    int keep = 0;
    for (int i = 0; i < r->n_run; i++) {
        int32_t id = r->run[i];
        sreq *q = &s->rq[id];
        bool stays = true;
        if (q->chunk > 0) {
            if (q->phase == PH_PREFILL) {
                q->done += q->chunk;
                if (q->done >= q->plen) {
                    q->ctx = q->plen, q->phase = PH_DECODE;
                    emit_first(s, r, q);
                    if (q->gen >= q->output) {
                        kv_release(s, r, q), out(s, r, q, OUT_FIN, 0), stays = false;
                    } else if (r->prefill_only) { /* disagg: ship the KV cache to a decode replica */
                        double t0 = s->now > r->link_free_s ? s->now : r->link_free_s;
                        double bytes = kv_ship_tokens(s, q->ctx) * s->kv_B_per_tok;
                        r->link_free_s = t0 + npu_serve_kv_transfer_s(r->pool->hw, c->pool.hw, bytes);
                        q->phase = PH_XFER;
                        ev_push(s, r->link_free_s, EV_XFER, id);
                        stays = false;
                    }
                }
            } else {
                deliver(s, r, q, decode_tokens(s, r));
                if (q->gen >= q->output) kv_release(s, r, q), out(s, r, q, OUT_FIN, 0), stays = false;
            }
            q->chunk = 0;
        }
        if (stays) r->run[keep++] = id;
    }
    r->n_run = keep;
}

static const sched_ops sched_table[NPU_SCHED_COUNT] = {
    [NPU_SCHED_STATIC] = {false, budget_batched, static_form, static_end},
    [NPU_SCHED_CONTINUOUS] = {false, budget_batched, continuous_form, inflight_end},
    [NPU_SCHED_CHUNKED] = {false, budget_chunk, chunked_form, inflight_end},
    [NPU_SCHED_DISAGG] = {true, budget_batched, continuous_form, inflight_end},
    [NPU_SCHED_MIXED] = {false, budget_batched, mixed_form, inflight_end},
    [NPU_SCHED_PREFILL_CHUNKED] = {false, budget_batched, prefill_chunked_form, inflight_end},
};
_Static_assert(NPU_SCHED_COUNT == 6, "a scheduler needs its row in sched_table");

/* ---------------------------------------------------------------- steps */

/* Wall time of an engine step around its kernels: the engine's step rule
 * (npu_engine_step, applied by the step table: host time, launches, the
 * collectives it hides), plus any extra time per step. The ONE place serving
 * turns a step's kernels into wall time. */
static double engine_step_s(const npu_serve_cfg *c, const npu_step_cost *sc) { return sc->wall_s + c->step_overhead_s; }
/* The engine's host time of that step (paid once per multi-step round). */
static double engine_host_s(const npu_serve_cfg *c, const npu_step_cost *sc) { return sc->host_s + c->step_overhead_s; }

/* Multi-step decoding (vLLM 0.6 --num-scheduler-steps): a decode-only step
 * becomes a round of n steps scheduled once, when the blocks for n more tokens
 * of every decode are free; no admission until the round ends, whose tokens
 * reach the clients together. */
static void make_round(sim *s, replica *r, const npu_step_shape *sh) {
    int n = s->c->multi_step;
    if (n <= 1 || sh->pf_n > 0 || sh->dec_batch == 0 || s->c->sched == NPU_SCHED_STATIC ||
        s->c->spec.kind != NPU_SPEC_NONE)
        return;
    long need = 0;
    for (int i = 0; i < r->n_run; i++) {
        sreq *q = &s->rq[r->run[i]];
        if (q->chunk > 0) need += npu_kvcache_shortfall(&r->kv, q->blocks, q->ctx + n, q->prefix);
    }
    if (need > r->kv.free_blocks) return;
    for (int i = 0; i < r->n_run; i++) {
        sreq *q = &s->rq[r->run[i]];
        if (q->chunk > 0) kv_grow(s, r, q, q->ctx + n), q->chunk = n;
    }
    r->round_n = n;
}

/* Kernel cost (one chip) and wall time of the step formed. */
static npu_step_cost step_cost(sim *s, replica *r, const npu_step_shape *sh, double *dt) {
    const npu_serve_cfg *c = s->c;
    if (r->round_n > 1) { /* n decode steps, contexts one longer each time; host time once */
        npu_step_cost sum = {0};
        *dt = 0;
        for (int j = 0; j < r->round_n; j++) {
            npu_step_shape x = *sh;
            x.dec_ctx_sum += (double)j * sh->dec_batch;
            npu_step_cost k = npu_steptab_cost(r->tab, &x);
            *dt += engine_step_s(c, &k) - (j > 0 ? engine_host_s(c, &k) : 0);
            sum.time_s += k.time_s, sum.flops += k.flops, sum.bytes += k.bytes, sum.energy_j += k.energy_j;
        }
        return sum;
    }
    npu_step_cost sc = c->spec.kind != NPU_SPEC_NONE ? npu_spec_step_cost(s->spec_tab[r->pool_ix], r->tab, sh)
                                                     : npu_steptab_cost(r->tab, sh);
    *dt = engine_step_s(c, &sc);
    return sc;
}

/* Form and start the replica's next step. `cont`: the previous step just ended
 * (with the overlap scheduler this step was prepared while it ran, from the
 * requests that had reached the engine by its start). */
static void try_start(sim *s, replica *r, bool cont) {
    if (r->busy) return;
    s->cutoff_s = s->c->sched_ahead && cont ? r->last_start_s : s->now;
    npu_step_shape sh = {0};
    r->round_n = 1;
    if (!s->ops->form(s, r, &sh)) {
        /* nothing was prepared: the engine's loop turns again and takes what has arrived */
        if (s->cutoff_s >= s->now || !r->waiting.n) return;
        s->cutoff_s = s->now;
        if (!s->ops->form(s, r, &sh)) return;
    }
    make_round(s, r, &sh);
    double dt;
    npu_step_cost sc = step_cost(s, r, &sh, &dt);
    r->deliver_s = sc.deliver_s;
    r->busy = true;
    r->last_start_s = s->now, r->busy_until_s = s->now + dt;
    r->use.busy_s += dt, r->use.steps++, r->use.flops += sc.flops, r->use.bytes += sc.bytes;
    r->use.dec_seqs += sh.dec_batch, r->use.pf_tokens += (double)sh.pf_tokens, r->use.pf_steps += sh.pf_tokens > 0;
    /* sc is one chip; engine time beyond the kernels is spent at idle power */
    r->use.energy_j += r->use.chips * (sc.energy_j + r->use.idle_w * (dt > sc.time_s ? dt - sc.time_s : 0));
    ev_push(s, s->now + dt, EV_STEP, (int32_t)(r - s->rep));
}

static void step_end(sim *s, replica *r) {
    r->busy = false;
    s->deliver_s = r->deliver_s; /* the step's tokens reach their clients after the engine's delivery time */
    s->ops->end(s, r);
    s->deliver_s = 0;
    try_start(s, r, true);
    /* delivery lag: this step's outputs reach the clients when the next step ends
     * (at once if the replica has nothing more to run) */
    if (r->n_pend) flush_out(s, r, r->busy ? r->busy_until_s : s->now);
}

static void xfer_end(sim *s, int32_t id) {
    sreq *q = &s->rq[id];
    replica *src = &s->rep[q->replica];
    kv_release(s, src, q);
    if (!src->busy) try_start(s, src, false);
    enqueue(s, route(s, false), id, false); /* phase becomes PH_DECODE: already prefilled */
}

/* ---------------------------------------------------------------- summary */

static void summarize_pool(const sim *s, int p, double duration_s, npu_serve_pool_result *o) {
    const npu_pool *pool = p == NPU_POOL_PREFILL ? &s->c->prefill : &s->c->pool;
    for (int i = 0; i < s->n_rep; i++) {
        const replica *r = &s->rep[i];
        if (r->pool_ix != p) continue;
        if (!o->present) {
            o->present = true;
            npu_strlcpy(o->hw, pool->hw->name, sizeof o->hw);
            npu_strlcpy(o->model, pool->model->name, sizeof o->model);
            o->plan = npu_plan_norm(pool->step.plan);
            o->kv_tokens_per_replica = npu_kvcache_full_blocks(&r->kv) * r->kv.block_tokens;
        }
        o->replicas++;
        o->chips += r->use.chips;
        o->steps += r->use.steps;
        o->busy_s += r->use.busy_s;
        o->preemptions += r->kv.preemptions;
        double idle_s = duration_s - r->use.busy_s;
        o->energy_j += r->use.energy_j + r->use.chips * r->use.idle_w * (idle_s > 0 ? idle_s : 0);
        double peak = npu_kvcache_peak_use(&r->kv);
        if (peak > o->kv_use_max) o->kv_use_max = peak;
    }
    if (o->present) o->kv_use_mean = npu_timeline_mean(&s->tl, TL_KV_DECODE + p, duration_s);
}

static void summarize(sim *s, npu_serve_result *r) {
    const npu_serve_cfg *c = s->c;
    double *v = npu_xmalloc((s->n > 0 ? s->n : 1) * sizeof *v);
    /* the measured requests: all but the first `warmup` issued, over the span from
     * the first one's arrival (the run's start without warm-up) to the last end */
    long w0 = c->warmup;
    double t_start = s->t0, t_end = s->t0;
    if (w0 > 0) {
        t_start = t_end = s->rq[w0].arrival_s;
        for (long i = w0; i < s->n; i++) t_start = s->rq[i].arrival_s < t_start ? s->rq[i].arrival_s : t_start;
    }
    long ok = 0, good = 0;
    for (long i = w0; i < s->n; i++) {
        sreq *q = &s->rq[i];
        if (q->finish_s > t_end) t_end = q->finish_s;
        if (q->status != NPU_REQ_DONE) {
            r->rejected++;
            continue;
        }
        ok++;
        r->tokens_in += q->input, r->tokens_out += q->output;
        double ttft = q->first_s - q->arrival_s;
        double tpot = q->output >= 2 ? (q->finish_s - q->first_s) / (q->output - 1) : 0;
        if ((c->slo_ttft_s <= 0 || ttft <= c->slo_ttft_s) && (c->slo_tpot_s <= 0 || q->output < 2 || tpot <= c->slo_tpot_s))
            good++;
    }
    r->requests = ok;
    r->duration_s = t_end - t_start;
    double d = r->duration_s > 0 ? r->duration_s : 1e-12;
    r->throughput_tok_s = r->tokens_out / d;
    r->throughput_req_s = ok / d;
    r->goodput_req_s = good / d;
    r->completion_rate_rps = (s->n - w0) / d;
    /* the offered rate: n - 1 gaps between the first and the last arrival */
    double span = s->last_arrival_s - s->t0;
    r->arrival_rate_rps = s->n > 1 && span > 0 ? (s->n - 1) / span : 0;
    r->throughput_total_tok_s = (double)(r->tokens_in + r->tokens_out) / d;
    npu_pct pm = c->pct;
    long k = 0;
    double fe = 0, wt = 0, pf = 0, ue = 0;
    for (long i = w0; i < s->n; i++) {
        sreq *q = &s->rq[i];
        if (q->status != NPU_REQ_DONE) continue;
        v[k++] = q->first_s - q->arrival_s;
        fe += q->fe_s, wt += q->admit_s - q->enter_s, pf += q->first_s - q->admit_s;
        if (q->finish_s > q->arrival_s) ue += (double)q->output / (q->finish_s - q->arrival_s);
    }
    r->ttft = npu_stats_lat_pct(v, k, pm);
    if (k > 0) r->ttft_frontend_s = fe / k, r->ttft_wait_s = wt / k, r->ttft_prefill_s = pf / k, r->user_e2e_tok_s = ue / k;
    k = 0;
    for (long i = w0; i < s->n; i++)
        if (s->rq[i].status == NPU_REQ_DONE) v[k++] = s->rq[i].finish_s - s->rq[i].arrival_s;
    r->e2e = npu_stats_lat_pct(v, k, pm);
    k = 0;
    for (long i = w0; i < s->n; i++) v[k++] = s->rq[i].wait_s;
    r->queue = npu_stats_lat_pct(v, k, pm);
    k = 0;
    double ut = 0;
    for (long i = w0; i < s->n; i++) {
        sreq *q = &s->rq[i];
        if (q->status == NPU_REQ_DONE && q->output >= 2) {
            v[k++] = (q->finish_s - q->first_s) / (q->output - 1);
            if (q->finish_s > q->first_s) ut += (q->output - 1) / (q->finish_s - q->first_s);
        }
    }
    r->tpot_n = k;
    r->tpot = npu_stats_lat_pct(v, k, pm);
    r->user_tok_s = k > 0 ? ut / k : 0;
    free(v);
    if (s->itl_run_n > 0) npu_hist_add_n(&s->itl, s->itl_run_x, s->itl_run_n), s->itl_run_n = 0;
    r->itl = npu_hist_lat(&s->itl, pm);
    r->itl_n = (long)s->itl.n;
    r->tokens_per_chunk = s->itl.n > 0 ? s->itl_tokens / s->itl.n : 0;
    r->spec_accepted_mean = s->spec_n > 0 ? s->spec_acc / s->spec_n : 0;
    advance(s, t_end);
    r->queue_len_mean = npu_timeline_mean(&s->tl, TL_QUEUE, r->duration_s), r->queue_len_max = s->q_max;
    for (int p = 0; p < 2; p++) summarize_pool(s, p, r->duration_s, &r->pool[p]);
    r->kv_use_mean = r->pool[NPU_POOL_DECODE].kv_use_mean, r->kv_use_max = r->pool[NPU_POOL_DECODE].kv_use_max;
    r->kv_tokens_per_replica = r->pool[NPU_POOL_DECODE].kv_tokens_per_replica;
    r->preemptions = s->cnt.preemptions;
    r->tokens_emitted = s->cnt.tokens_emitted;
    for (int i = 0; i < s->n_rep; i++) r->kv_violations += s->rep[i].kv.violations;
    npu_strlcpy(r->reject_reason, s->reject_reason, sizeof r->reject_reason);
    double *series[NPU_TL_SERIES] = {r->tl_queue, r->tl_kv, r->tl_kv_prefill};
    r->n_timeline = npu_timeline_bins(&s->tl, r->duration_s, NPU_SERVE_TIMELINE, r->tl_t_s, series);
    r->n_replicas = s->n_rep;
    r->use = npu_xmalloc(s->n_rep * sizeof *r->use);
    double busy = 0, dec = 0, pft = 0, pf_steps = 0;
    for (int i = 0; i < s->n_rep; i++) {
        const npu_replica_use *u = &s->rep[i].use;
        r->use[i] = *u;
        r->steps += u->steps;
        r->chips += u->chips;
        busy += u->busy_s, dec += u->dec_seqs, pft += u->pf_tokens, pf_steps += (double)u->pf_steps;
    }
    if (r->steps > 0)
        r->step_ms_mean = 1e3 * busy / (double)r->steps, r->step_dec_seqs_mean = dec / (double)r->steps,
        r->step_pf_tokens_mean = pft / (double)r->steps, r->step_pf_share = pf_steps / (double)r->steps;
    /* energy: every chip's steps, and idle power between them over the run */
    r->energy_j = r->pool[0].energy_j + r->pool[1].energy_j;
    r->power_w = r->duration_s > 0 && r->chips ? r->energy_j / (r->chips * r->duration_s) : 0;
    if (r->chips > 0)
        r->throughput_tok_s_per_chip = r->throughput_tok_s / r->chips,
        r->throughput_total_tok_s_per_chip = r->throughput_total_tok_s / r->chips;
    if (c->keep_requests) {
        r->req = npu_xmalloc(s->n * sizeof *r->req);
        r->n_req = s->n;
        for (long i = 0; i < s->n; i++) {
            sreq *q = &s->rq[i];
            bool done = q->status == NPU_REQ_DONE;
            r->req[i] = (npu_req_rec){.arrival_s = q->arrival_s, .first_s = q->first_s, .finish_s = q->finish_s,
                                      .queue_s = (float)q->wait_s, .input = q->input, .output = q->output,
                                      .frontend_s = q->fe_s, .wait_s = done ? (float)(q->admit_s - q->enter_s) : 0,
                                      .prefill_s = done ? (float)(q->first_s - q->admit_s) : 0, .chunks = q->chunks,
                                      .replica = q->replica, .status = q->status, .preemptions = q->preempt};
        }
    }
}

/* ---------------------------------------------------------------- driver */

static int check_cfg(const npu_serve_cfg *c) {
    if ((unsigned)c->sched >= NPU_SCHED_COUNT) return npu_err("unknown scheduler %d", (int)c->sched), -1;
    if ((unsigned)c->route >= NPU_ROUTE_COUNT) return npu_err("unknown router %d", (int)c->route), -1;
    bool two = sched_table[c->sched].two_pools;
    if (c->requests < 1) return npu_err("--requests must be at least 1"), -1;
    if (c->requests > 2000000000L) return npu_err("--requests: at most 2e9"), -1;
    if (c->max_seqs < 1 || c->max_batched_tokens < 1 || c->chunk < 1 || c->block_size < 1)
        return npu_err("--max-seqs, --max-batched-tokens, --chunk and --block-size must be positive"), -1;
    if (c->max_seqs > 1 << 24 || c->max_batched_tokens > 1L << 30 || c->chunk > 1L << 30 || c->block_size > 1 << 30)
        return npu_err("--max-seqs (at most 2^24), --max-batched-tokens, --chunk and --block-size (2^30) are too large"), -1;
    if (!(c->kv_mem_frac > 0 && c->kv_mem_frac <= 1)) return npu_err("--kv-mem-frac must be in (0, 1]"), -1;
    if (!(c->prefix_share >= 0 && c->prefix_share < 1)) return npu_err("--prefix-share must be in [0, 1)"), -1;
    if (c->pool.replicas < 1 || (two && c->prefill.replicas < 1))
        return npu_err("replica counts must be at least 1"), -1;
    if (c->pool.replicas + (two ? c->prefill.replicas : 0) > 30000)
        return npu_err("at most 30000 replicas"), -1;
    const npu_workload *w = &c->wl;
    if (npu_workload_check(w)) return -1; /* rates, burstiness, concurrency: the workload module's bounds */
    if (w->arrival == NPU_ARRIVE_GAMMA && !(w->burstiness_cv > 0)) return npu_err("--burstiness must be positive"), -1;
    if (w->arrival == NPU_ARRIVE_TRACE && (!w->trace || w->trace->n < (size_t)c->requests))
        return npu_err("the trace holds fewer requests than --requests"), -1;
    if (c->warmup < 0 || c->warmup >= c->requests) return npu_err("--warmup must be below --requests"), -1;
    if (c->delivery_lag < 0 || c->delivery_lag > 1) return npu_err("--delivery-lag: 0 or 1 steps"), -1;
    if (c->multi_step < 1 || c->multi_step > 1024) return npu_err("--multi-step must be in 1..1024"), -1;
    if ((unsigned)c->kv_admit >= NPU_KV_ADMIT_COUNT) return npu_err("unknown KV admission policy %d", (int)c->kv_admit), -1;
    if ((unsigned)c->pct >= NPU_PCT_COUNT) return npu_err("unknown percentile method %d", (int)c->pct), -1;
    if (!(c->client_think_s >= 0 && c->client_think_s < 1e6)) return npu_err("--client-think-ms must be finite and >= 0"), -1;
    if (!(c->frontend_s >= 0 && c->frontend_s < 1e6 && c->frontend_s_per_token >= 0 && c->frontend_s_per_token < 1e3))
        return npu_err("--frontend-us and --frontend-us-per-token must be finite and >= 0"), -1;
    if (npu_spec_check(&c->spec)) return -1;
    if (c->spec.kind != NPU_SPEC_NONE && c->multi_step > 1)
        return npu_err("--spec and --multi-step do not combine (engines run one or the other)"), -1;
    if (c->spec.kind != NPU_SPEC_NONE && c->sched == NPU_SCHED_STATIC)
        return npu_err("--spec needs an in-flight scheduler, not static"), -1;
    return 0;
}

/* KV capacity of a pool's replica, tokens, with the drafter's weights and KV
 * cache when speculating (its weights leave less memory, and every token keeps
 * the drafter's KV beside the target's). */
static int pool_kv_tokens(const npu_serve_cfg *c, const npu_pool *p, long budget, long *tokens) {
    if (npu_plan_check_hw(p->hw, p->step.plan)) return -1; /* the replica's chips must reach each other */
    if (c->spec.kind == NPU_SPEC_NONE) return npu_serve_kv_capacity(p, c->kv_mem_frac, (double)budget, 1, tokens);
    npu_plan pl = npu_plan_norm(p->step.plan);
    double w = npu_spec_weight_bytes(&c->spec, p->model, pl, p->step.wdt);
    double act = npu_plan_act_bytes(p->model, pl, (double)budget / pl.cp, 1) + w * c->kv_mem_frac;
    long t = npu_plan_kv_capacity_dt(p->model, p->hw, pl, p->step.wdt, p->step.hdt, p->step.edt, p->step.kvdt,
                                     c->kv_mem_frac, act);
    t = (long)(t / (1 + npu_spec_kv_ratio(&c->spec, p->model)));
    if (t / npu_plan_attn_dp(pl) < 1024) {
        npu_err("%s with the --spec drafter leaves no room for a KV cache on %s", p->model->name, p->hw->name);
        return -1;
    }
    *tokens = t;
    return 0;
}

/* A replica's cache charges each layer group by the engine's KV rule: the model
 * as its KV allocator holds it (npu_engine_kv_model) has local layers only when
 * the engine keeps them to the window; the capacity (npu_plan_kv_capacity, tokens
 * of every layer) is the same bytes either way. */
static void pool_kv_window(const sim *s, const npu_pool *p, int *layers, int *local, long *window) {
    npu_model km = npu_engine_kv_model(&s->c->engine, p->model);
    npu_layer_counts lc = npu_model_layer_counts(&km, 0, km.layers);
    *layers = km.layers, *local = lc.dense_local + lc.moe_local, *window = km.sliding_window;
}

static int add_pool(sim *s, const npu_pool *p, int pool_ix, npu_steptab *tab) {
    long tokens;
    if (pool_kv_tokens(s->c, p, s->ops->budget(s->c), &tokens)) return -1;
    long blocks = tokens / s->c->block_size;
    int layers, local;
    long window;
    pool_kv_window(s, p, &layers, &local, &window);
    for (int i = 0; i < p->replicas; i++) {
        replica *r = &s->rep[s->n_rep++];
        memset(r, 0, sizeof *r);
        r->tab = tab, r->pool = p, r->pool_ix = pool_ix, r->prefill_only = pool_ix == NPU_POOL_PREFILL;
        r->run = npu_xmalloc(s->c->max_seqs * sizeof *r->run);
        r->pend = s->c->delivery_lag ? npu_xmalloc(s->c->max_seqs * sizeof *r->pend) : NULL;
        npu_kvcache_init_window(&r->kv, blocks, s->c->block_size, layers - local, local, window);
        r->use.chips = pool_chips(p), r->use.prefill_pool = r->prefill_only;
        r->use.idle_w = npu_power_idle_w(p->hw);
        s->pool_total[pool_ix] += r->kv.total_blocks;
    }
    return 0;
}

/* The step tables of a run, by pool (NPU_POOL_DECODE, NPU_POOL_PREFILL). */
typedef struct tabs {
    npu_steptab *t[2];
    npu_spec_tabs *spec[2];
} tabs;

static int simulate(const npu_serve_cfg *c, const tabs *tb, npu_serve_result *r) {
    memset(r, 0, sizeof *r);
    if (check_cfg(c)) return -1;
    sim *s = npu_xcalloc(1, sizeof *s);
    if (!s) return npu_err("out of memory for the simulation"), -1;
    s->c = c;
    s->ops = &sched_table[c->sched];
    s->n = c->requests;
    npu_rng_seed(&s->rng, c->seed);
    npu_rng_seed(&s->rng_spec, c->seed ^ 0x5bd1e9955bd1e995ULL);
    npu_rng_seed(&s->rng_client, c->seed ^ 0x9e3779b97f4a7c15ULL);
    s->spec_tab[0] = tb->spec[0], s->spec_tab[1] = tb->spec[1];
    s->rq = npu_xcalloc(s->n, sizeof *s->rq);
    int nrep = c->pool.replicas + (s->ops->two_pools ? c->prefill.replicas : 0);
    s->rep = npu_xcalloc(nrep, sizeof *s->rep);
    int rc = -1;
    if (!s->rq || !s->rep) {
        npu_err("out of memory for %ld requests", s->n);
        goto out;
    }
    if (npu_hist_init(&s->itl)) goto out;
    if (s->ops->two_pools && add_pool(s, &c->prefill, NPU_POOL_PREFILL, tb->t[NPU_POOL_PREFILL])) goto out;
    s->n_pf = s->n_rep;
    if (add_pool(s, &c->pool, NPU_POOL_DECODE, tb->t[NPU_POOL_DECODE])) goto out;
    s->kv_B_per_tok = npu_model_kv_bytes_per_token(c->pool.model, npu_dtype_bytes(c->pool.step.kvdt));
    pool_kv_window(s, &c->pool, &s->kv_layers, &s->kv_local, &s->kv_window);
    /* first arrivals */
    double t_first = 0;
    if (c->wl.arrival == NPU_ARRIVE_CLOSED) {
        long k = c->wl.concurrency < s->n ? c->wl.concurrency : s->n;
        for (long i = 0; i < k; i++) ev_push(s, think_s(s), EV_ARRIVAL, (int32_t)s->issued++);
    } else {
        t_first = c->wl.arrival == NPU_ARRIVE_TRACE ? c->wl.trace->rows[0].arrival_s
                  : c->wl.arrival == NPU_ARRIVE_OFFLINE ? 0 : npu_workload_gap_s(&c->wl, &s->rng);
        ev_push(s, t_first, EV_ARRIVAL, (int32_t)s->issued++);
    }
    s->t0 = s->now = s->last_arrival_s = t_first;
    npu_timeline_init(&s->tl, t_first, 1e-3);
    while (s->heap_n > 0) {
        event e = ev_pop(s);
        advance(s, e.t);
        s->now = e.t;
        switch (e.kind) {
        case EV_ARRIVAL: arrive(s, e.id); break;
        case EV_FRONTEND: frontend_end(s, e.id); break;
        case EV_XFER: xfer_end(s, e.id); break;
        case EV_STEP: step_end(s, &s->rep[e.id]); break;
        default:
            s->rep[e.id].kick_pending = false;
            try_start(s, &s->rep[e.id], false);
            break;
        }
    }
    if (s->finished != s->n) {
        npu_err("internal: %ld of %ld requests finished", s->finished, s->n);
        goto out;
    }
    summarize(s, r);
    rc = 0;
out:
    for (int i = 0; i < s->n_rep; i++) free(s->rep[i].run), free(s->rep[i].pend), free(s->rep[i].waiting.v);
    npu_hist_free(&s->itl);
    free(s->rep), free(s->rq), free(s->heap), free(s);
    return rc;
}

static void free_tabs(tabs *tb) {
    for (int p = 0; p < 2; p++) npu_steptab_free(tb->t[p]), npu_spec_tabs_free(tb->spec[p]);
    memset(tb, 0, sizeof *tb);
}

static int make_tabs(const npu_serve_cfg *c, tabs *tb) {
    memset(tb, 0, sizeof *tb);
    const npu_pool *pools[2] = {&c->pool, sched_table[c->sched].two_pools ? &c->prefill : NULL};
    for (int p = 0; p < 2; p++) {
        if (!pools[p]) continue;
        if (npu_steptab_create_engine(pools[p]->model, pools[p]->hw, &pools[p]->step, &c->engine, &tb->t[p]) ||
            (c->spec.kind != NPU_SPEC_NONE &&
             npu_spec_tabs_create(&c->spec, pools[p]->model, pools[p]->hw, &pools[p]->step, &tb->spec[p]))) {
            free_tabs(tb);
            return -1;
        }
    }
    return 0;
}

int npu_serve_run(const npu_serve_cfg *c, npu_serve_result *r) {
    memset(r, 0, sizeof *r);
    tabs tb;
    if (check_cfg(c) || make_tabs(c, &tb)) return -1;
    int rc = simulate(c, &tb, r);
    free_tabs(&tb);
    return rc;
}

void npu_serve_result_free(npu_serve_result *r) {
    free(r->use), free(r->req);
    r->use = NULL, r->req = NULL;
}

int npu_serve_form_step(const npu_serve_cfg *c, const npu_sched_req *reqs, int n, npu_step_shape *sh, long *tokens) {
    memset(sh, 0, sizeof *sh);
    npu_serve_cfg cc = *c;
    cc.wl.arrival = NPU_ARRIVE_OFFLINE, cc.requests = n > 0 ? n : 1, cc.warmup = 0, cc.pool.replicas = 1;
    if (check_cfg(&cc)) return -1;
    if (sched_table[cc.sched].two_pools) return npu_err("npu_serve_form_step: one pool's scheduler, not disagg"), -1;
    sim *s = npu_xcalloc(1, sizeof *s);
    int rc = -1;
    if (!s) return npu_err("out of memory"), -1;
    s->c = &cc, s->ops = &sched_table[cc.sched], s->n = n;
    s->rq = npu_xcalloc(n > 0 ? n : 1, sizeof *s->rq);
    s->rep = npu_xcalloc(1, sizeof *s->rep);
    if (!s->rq || !s->rep) {
        npu_err("out of memory");
        goto out;
    }
    if (add_pool(s, &cc.pool, NPU_POOL_DECODE, NULL)) goto out;
    replica *r = &s->rep[0];
    for (int i = 0; i < n; i++) {
        const npu_sched_req *x = &reqs[i];
        sreq *q = &s->rq[i];
        q->admit_s = -1, q->input = x->input, q->output = x->output, q->plen = (int32_t)x->input;
        if (x->input < 1 || x->output < 0 || x->input > INT32_MAX || x->done < 0 || x->done > x->input ||
            x->gen < 0 || x->gen > x->output || (x->running && x->done == x->input && x->gen < 1)) {
            npu_err("npu_serve_form_step: request %d has an impossible state", i);
            goto out;
        }
        if (!x->running) {
            dq_push_back(&r->waiting, i);
            s->waiting++;
            continue;
        }
        if (r->n_run >= cc.max_seqs) {
            npu_err("npu_serve_form_step: more running requests than --max-seqs");
            goto out;
        }
        q->done = (int32_t)x->done, q->gen = (int32_t)x->gen, q->admit_s = 0;
        if (q->done >= q->plen) q->phase = PH_DECODE, q->ctx = (int32_t)(x->input + x->gen - 1);
        else q->phase = PH_PREFILL;
        long held = admit_tokens(s, q, q->phase == PH_DECODE ? (long)q->ctx : (long)q->plen);
        if (!kv_admits(r, q, held)) {
            npu_err("npu_serve_form_step: the running requests exceed the KV cache");
            goto out;
        }
        kv_admit(s, r, q, held);
        r->run[r->n_run++] = i;
        if (cc.sched == NPU_SCHED_STATIC) {
            r->static_on = 1;
            if (q->plen > r->static_pad) r->static_pad = q->plen;
            if (x->gen - 1 > r->static_step) r->static_step = x->gen - 1;
        }
    }
    s->cutoff_s = 0;
    s->ops->form(s, r, sh);
    for (int i = 0; i < n; i++) tokens[i] = s->rq[i].chunk;
    rc = 0;
out:
    if (s->rep) free(s->rep[0].run), free(s->rep[0].pend), free(s->rep[0].waiting.v);
    free(s->rep), free(s->rq), free(s->heap), free(s);
    return rc;
}

bool npu_serve_meets_slo(const npu_serve_cfg *c, const npu_serve_result *r) {
    if (r->requests == 0) return false;
    if (c->slo_ttft_s > 0 && r->ttft.p99 > c->slo_ttft_s) return false;
    if (c->slo_tpot_s > 0 && r->tpot_n > 0 && r->tpot.p99 > c->slo_tpot_s) return false;
    return true;
}

/* The deployment's saturation throughput, requests/s: the same requests all offered at
 * once (the scheduler keeps every slot busy). No Poisson rate above it is sustainable:
 * its queue grows without bound, however the SLOs read on a finite run (a TPOT SLO alone
 * never binds past saturation, and a short burst can meet a TTFT SLO). */
static int saturation_rps(const npu_serve_cfg *base, const tabs *tb, double *cap_rps) {
    npu_serve_cfg c = *base;
    c.wl.arrival = NPU_ARRIVE_OFFLINE;
    c.keep_requests = false, c.progress = NULL;
    npu_serve_result r;
    if (simulate(&c, tb, &r)) return -1;
    *cap_rps = r.throughput_req_s > 0 ? r.throughput_req_s : INFINITY;
    npu_serve_result_free(&r);
    return 0;
}

static int trial(const npu_serve_cfg *base, const tabs *tb, double rate, double cap_rps, bool *ok,
                 npu_serve_result *keep) {
    npu_serve_cfg c = *base;
    c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = rate;
    c.keep_requests = false, c.progress = NULL;
    npu_serve_result r;
    if (simulate(&c, tb, &r)) return -1;
    *ok = rate <= cap_rps && npu_serve_meets_slo(&c, &r);
    if (keep && *ok) {
        npu_serve_result_free(keep);
        *keep = r;
    } else {
        npu_serve_result_free(&r);
    }
    return 0;
}

int npu_serve_find_max_rate(const npu_serve_cfg *c, double *rate_rps, npu_serve_result *at) {
    if (at) memset(at, 0, sizeof *at);
    if (c->slo_ttft_s <= 0 && c->slo_tpot_s <= 0) {
        npu_err("--find-max-rate needs --slo-ttft and/or --slo-tpot");
        return -1;
    }
    npu_serve_cfg probe = *c;
    probe.wl.arrival = NPU_ARRIVE_POISSON, probe.wl.rate_rps = 1;
    tabs tb;
    if (check_cfg(&probe) || make_tabs(c, &tb)) return -1;
    int rc = -1;
    bool ok;
    double lo = 0, hi = 0, r = 1.0, cap = INFINITY;
    if (saturation_rps(c, &tb, &cap)) goto out;
    /* bracket: double while it passes, halve while it fails */
    if (trial(c, &tb, r, cap, &ok, at)) goto out;
    if (ok) {
        lo = r;
        for (int i = 0; i < 40 && ok; i++) {
            r *= 2;
            if (trial(c, &tb, r, cap, &ok, at)) goto out;
            if (ok) lo = r;
        }
        hi = r;
    } else {
        hi = r;
        for (int i = 0; i < 20 && !ok; i++) {
            r /= 2;
            if (trial(c, &tb, r, cap, &ok, at)) goto out;
            if (!ok) hi = r;
        }
        if (!ok) {
            npu_err("no rate down to %.2g req/s meets the SLOs", r);
            goto out;
        }
        lo = r;
    }
    while (hi / lo > 1.01) {
        double mid = sqrt(lo * hi);
        if (trial(c, &tb, mid, cap, &ok, at)) goto out;
        if (ok) lo = mid;
        else hi = mid;
    }
    *rate_rps = lo;
    rc = 0;
out:
    free_tabs(&tb);
    return rc;
}

int npu_serve_fleet(const npu_serve_cfg *c, double target_rps, npu_fleet *f) {
    memset(f, 0, sizeof *f);
    if (!(target_rps > 0)) {
        npu_err("--target-rate must be positive");
        return -1;
    }
    if (npu_serve_find_max_rate(c, &f->max_rate_per_copy_rps, NULL)) return -1;
    int copies = (int)ceil(target_rps / f->max_rate_per_copy_rps - 1e-9);
    if (copies < 1) copies = 1;
    for (int tries = 0; tries < 20; tries++, copies++) {
        npu_serve_cfg k = *c;
        k.pool.replicas = c->pool.replicas * copies;
        k.prefill.replicas = c->prefill.replicas * copies;
        k.wl.arrival = NPU_ARRIVE_POISSON, k.wl.rate_rps = target_rps;
        k.requests = c->requests * copies; /* the same number of requests per copy */
        k.keep_requests = false, k.progress = NULL;
        npu_serve_result_free(&f->run);
        if (npu_serve_run(&k, &f->run)) return -1;
        if (npu_serve_meets_slo(&k, &f->run)) {
            f->copies = copies;
            f->chips = f->run.chips;
            return 0;
        }
    }
    npu_err("fleet sizing: %d copies still miss the SLOs at %.3g req/s", copies, target_rps);
    return -1;
}
