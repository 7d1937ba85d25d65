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

const char *const npu_sched_names[NPU_SCHED_COUNT] = {"static", "continuous", "chunked", "disagg"};
const char *const npu_route_names[NPU_ROUTE_COUNT] = {"rr", "least-requests", "least-kv"};

void npu_serve_defaults(npu_serve_cfg *c) {
    memset(c, 0, sizeof *c);
    c->sched = NPU_SCHED_CONTINUOUS;
    c->route = NPU_ROUTE_RR;
    c->max_seqs = 256;
    c->max_batched_tokens = 8192;
    c->chunk = 2048;
    c->block_size = 16;
    c->kv_mem_frac = NPU_KV_MEM_FRACTION;
    c->engine = npu_engine_default;
    c->requests = 1000;
    c->seed = 1;
}

/* ---------------------------------------------------------------- helpers */

static long ceil_div(long a, long b) { return a <= 0 ? 0 : (a + b - 1) / b; }

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
    *tokens = npu_plan_kv_capacity(p->model, p->hw, pl, p->step.wdt, p->step.kvdt, kv_mem_frac, act_B);
    if (*tokens / npu_plan_attn_dp(pl) < 1024) {
        npu_err("%s (weights %.1f GB per chip) leaves no room for a KV cache on %d x %s (%.1f GB each, %.2f usable)",
                p->model->name, npu_plan_weight_bytes(p->model, pl, p->step.wdt) / 1e9, pool_chips(p), p->hw->name,
                p->hw->mem_bytes / 1e9, kv_mem_frac);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- state */

enum { PH_WAIT = 0, PH_PREFILL, PH_DECODE, PH_XFER, PH_DONE };

typedef struct sreq {
    double arrival_s, first_s, finish_s, enq_s, wait_s;
    int32_t input, output;
    int32_t plen;    /* prompt tokens to compute (input, or input + generated after a preemption) */
    int32_t prefix;  /* leading tokens served from the shared prefix cache */
    int32_t done;    /* prompt tokens whose KV exists */
    int32_t ctx;     /* tokens in the KV cache (decode phase) */
    int32_t gen;     /* tokens generated */
    int32_t blocks;  /* own KV blocks held */
    int32_t chunk;   /* tokens scheduled in the running step */
    int16_t replica;
    uint8_t phase, status, preempt;
} sreq;

typedef struct deque {
    int32_t *v;
    long cap, head, n;
} deque;

static void dq_push_back(deque *d, int32_t x) {
    if (d->n == d->cap) {
        long nc = d->cap ? d->cap * 2 : 64;
        int32_t *nv = malloc(nc * sizeof *nv);
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
    bool prefill_only;    /* disagg prefill pool */
    deque waiting;
    int32_t *run;         /* running sequences in admission order */
    int n_run;
    long total_blocks, free_blocks;
    long prefix_tokens;   /* longest shared prefix pinned in the cache */
    bool busy, kick_pending;
    int static_on;        /* static: a batch is running */
    long static_pad, static_step;
    double link_free_s;   /* disagg prefill: outgoing link busy until */
    npu_replica_use use;
} replica;

enum { EV_ARRIVAL = 0, EV_XFER, EV_STEP, EV_KICK };
typedef struct event {
    double t;
    int kind;
    int32_t id;    /* request (arrival, xfer) or replica (step, kick) */
    uint64_t seq;  /* FIFO among equal (t, kind) */
} event;

#define TL_CAP (2 * NPU_SERVE_TIMELINE)

typedef struct sim {
    const npu_serve_cfg *c;
    npu_rng rng;
    sreq *rq;
    long n, issued, finished;
    replica *rep;
    int n_rep, n_pf;           /* replicas; the first n_pf are the disagg prefill pool */
    event *heap;
    long heap_n, heap_cap;
    uint64_t ev_seq;
    double now, t0, last_t;
    long waiting;              /* all replicas */
    long used_blocks, total_blocks;
    double q_int, kv_int, q_max, kv_max;
    double tl_w, tl_q[TL_CAP], tl_kv[TL_CAP];
    long rr_next[2];
    double kv_B_per_tok;
    long next_progress;
    long preemptions;
    long tokens_emitted;  /* counted where tokens are produced, for the invariant tests */
    long kv_violations;   /* times a replica's free blocks went negative (must stay 0) */
    char reject_reason[160];
} sim;

static bool ev_less(const event *a, const event *b) {
    if (a->t != b->t) return a->t < b->t;
    if (a->kind != b->kind) return a->kind < b->kind;
    return a->seq < b->seq;
}

static void ev_push(sim *s, double t, int kind, int32_t id) {
    if (s->heap_n == s->heap_cap) {
        s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 256;
        s->heap = realloc(s->heap, s->heap_cap * sizeof *s->heap);
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

/* ---------------------------------------------------------------- time series */

static void tl_merge(sim *s) {
    for (int i = 0; i < TL_CAP / 2; i++) {
        s->tl_q[i] = s->tl_q[2 * i] + s->tl_q[2 * i + 1];
        s->tl_kv[i] = s->tl_kv[2 * i] + s->tl_kv[2 * i + 1];
    }
    for (int i = TL_CAP / 2; i < TL_CAP; i++) s->tl_q[i] = s->tl_kv[i] = 0;
    s->tl_w *= 2;
}

/* Integrate queue length and KV use up to `t`. */
static void advance(sim *s, double t) {
    if (t <= s->last_t) return;
    double q = (double)s->waiting, kv = s->total_blocks ? (double)s->used_blocks / s->total_blocks : 0;
    double a = s->last_t - s->t0, b = t - s->t0;
    s->q_int += q * (b - a), s->kv_int += kv * (b - a);
    while (b > s->tl_w * TL_CAP) tl_merge(s);
    for (long i = (long)(a / s->tl_w); a < b && i < TL_CAP; i++) {
        double e = (i + 1) * s->tl_w < b ? (i + 1) * s->tl_w : b;
        if (e > a) s->tl_q[i] += q * (e - a), s->tl_kv[i] += kv * (e - a), a = e;
    }
    s->last_t = t;
}

static void note_levels(sim *s) {
    if (s->waiting > s->q_max) s->q_max = (double)s->waiting;
    double kv = s->total_blocks ? (double)s->used_blocks / s->total_blocks : 0;
    if (kv > s->kv_max) s->kv_max = kv;
}

/* ---------------------------------------------------------------- KV blocks */

static long blocks_for(const sim *s, const sreq *q, long tokens) {
    return ceil_div(tokens - q->prefix, s->c->block_size);
}

static void take_blocks(sim *s, replica *r, sreq *q, long want) {
    long d = want - q->blocks;
    if (d <= 0) return;
    r->free_blocks -= d, s->used_blocks += d, q->blocks += (int32_t)d;
    if (r->free_blocks < 0) s->kv_violations++;
}

static void free_blocks(sim *s, replica *r, sreq *q) {
    r->free_blocks += q->blocks, s->used_blocks -= q->blocks, q->blocks = 0;
}

/* Pin the shared prefix's blocks once per replica (grows to the longest seen). */
static long prefix_extra(const sim *s, const replica *r, const sreq *q) {
    if (q->prefix <= r->prefix_tokens) return 0;
    return ceil_div(q->prefix, s->c->block_size) - ceil_div(r->prefix_tokens, s->c->block_size);
}
static void pin_prefix(sim *s, replica *r, const sreq *q) {
    long d = prefix_extra(s, r, q);
    r->free_blocks -= d, s->used_blocks += d;
    if (r->free_blocks < 0) s->kv_violations++;
    if (q->prefix > r->prefix_tokens) r->prefix_tokens = q->prefix;
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
    note_levels(s);
    if (!r->busy && !r->kick_pending) {
        r->kick_pending = true;
        ev_push(s, s->now, EV_KICK, (int32_t)(r - s->rep));
    }
}

static int32_t dequeue(sim *s, replica *r) {
    int32_t id = dq_front(&r->waiting);
    dq_pop_front(&r->waiting);
    s->waiting--;
    s->rq[id].wait_s += s->now - s->rq[id].enq_s;
    return id;
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
        double v = s->c->route == NPU_ROUTE_LEAST_REQ ? outstanding
                                                      : 1.0 - (double)r->free_blocks / r->total_blocks;
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

static void next_closed_arrival(sim *s) {
    if (s->c->wl.arrival == NPU_ARRIVE_CLOSED && s->issued < s->n) ev_push(s, s->now, EV_ARRIVAL, (int32_t)s->issued++);
}

static void finish(sim *s, sreq *q) {
    q->phase = PH_DONE;
    q->finish_s = s->now;
    s->finished++;
    next_closed_arrival(s);
    progress(s);
}

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
    q->arrival_s = s->now;
    if (c->wl.arrival == NPU_ARRIVE_TRACE) {
        q->input = (int32_t)c->wl.trace->rows[id].input, q->output = (int32_t)c->wl.trace->rows[id].output;
    } else {
        q->input = (int32_t)npu_dist_sample(&c->wl.input, &s->rng);
        q->output = (int32_t)npu_dist_sample(&c->wl.output, &s->rng);
    }
    if (q->input < 1) q->input = 1;
    q->plen = q->input;
    q->prefix = (int32_t)floor(c->prefix_share * q->input);
    if (q->prefix >= q->input) q->prefix = q->input - 1;
    q->done = q->prefix;
    /* schedule the next open-loop arrival */
    if (c->wl.arrival != NPU_ARRIVE_CLOSED && s->issued < s->n) {
        double t = c->wl.arrival == NPU_ARRIVE_TRACE ? c->wl.trace->rows[s->issued].arrival_s
                                                     : s->now + npu_workload_gap_s(&c->wl, &s->rng);
        ev_push(s, t, EV_ARRIVAL, (int32_t)s->issued++);
    }
    const npu_model *m = c->pool.model;
    long total = (long)q->input + q->output;
    if (m->max_seq > 0 && total > m->max_seq) {
        char why[160];
        snprintf(why, sizeof why, "%ld prompt + output tokens exceed the context window of %d", total, m->max_seq);
        reject(s, q, NPU_REQ_REJECTED_CONTEXT, why);
        return;
    }
    bool disagg = c->sched == NPU_SCHED_DISAGG;
    replica *r = route(s, disagg);
    /* the whole sequence must fit one replica's cache (and the prompt the prefill replica's) */
    long need = blocks_for(s, q, total) + ceil_div(q->prefix, c->block_size);
    long have = disagg ? s->rep[s->n_pf].total_blocks : r->total_blocks;
    if (disagg && blocks_for(s, q, q->input) + ceil_div(q->prefix, c->block_size) > r->total_blocks)
        have = r->total_blocks, need = blocks_for(s, q, q->input) + ceil_div(q->prefix, c->block_size);
    if (need > have) {
        char why[160];
        snprintf(why, sizeof why, "a request needs %ld KV blocks, a replica holds %ld", need, have);
        reject(s, q, NPU_REQ_REJECTED_KV, why);
        return;
    }
    enqueue(s, r, id, false);
}

/* Recompute later: free the sequence's blocks and put it first in line. */
static void preempt(sim *s, replica *r) {
    int32_t id = r->run[--r->n_run];
    sreq *q = &s->rq[id];
    free_blocks(s, r, q);
    q->plen = q->input + q->gen;
    q->done = q->prefix;
    q->ctx = 0;
    q->chunk = 0;
    if (q->preempt < 255) q->preempt++;
    s->preemptions++;
    enqueue(s, r, id, true);
}

/* ---------------------------------------------------------------- schedulers */

/* Blocks the running decodes need for one more token; preempts the newest
 * sequences until they fit. Returns false if nothing is left to decode. */
static void make_room_for_decodes(sim *s, replica *r) {
    for (;;) {
        long need = 0;
        for (int i = 0; i < r->n_run; i++) {
            sreq *q = &s->rq[r->run[i]];
            if (q->phase == PH_DECODE) {
                long want = blocks_for(s, q, q->ctx + 1);
                if (want > q->blocks) need += want - q->blocks;
            }
        }
        if (need <= r->free_blocks || r->n_run <= 1) return;
        preempt(s, r);
    }
}

/* Admit the waiting head if slots, token budget and blocks allow; chunk is the
 * prompt tokens it computes this step (0 for a transferred, prefilled sequence). */
static bool try_admit(sim *s, replica *r, long *budget, bool chunked, bool any_yet) {
    if (!r->waiting.n || r->n_run >= s->c->max_seqs) return false;
    sreq *q = &s->rq[dq_front(&r->waiting)];
    bool prefilled = q->phase == PH_DECODE;
    long tokens = prefilled ? q->ctx + 1 : q->plen;
    long need = blocks_for(s, q, tokens) + prefix_extra(s, r, q);
    if (need > r->free_blocks) return false;
    long todo = prefilled ? 0 : q->plen - q->done;
    if (!prefilled) {
        if (*budget <= 0) return false;
        if (!chunked && todo > *budget && any_yet) return false;
    }
    int32_t id = dequeue(s, r);
    pin_prefix(s, r, q);
    take_blocks(s, r, q, blocks_for(s, q, tokens));
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

/* Build the next step of replica r; false if it has nothing to do. */
static bool form_step(sim *s, replica *r, npu_step_shape *sh) {
    const npu_serve_cfg *c = s->c;
    memset(sh, 0, sizeof *sh);
    if (c->sched == NPU_SCHED_STATIC) {
        if (!r->static_on) {
            long pad = 0, pad_ctx = 0, any = 0; /* longest new prompt part; longest prompt */
            while (r->waiting.n && r->n_run < c->max_seqs) {
                sreq *q = &s->rq[dq_front(&r->waiting)];
                long need = blocks_for(s, q, (long)q->plen + q->output) + prefix_extra(s, r, q);
                if (need > r->free_blocks) break;
                int32_t id = dequeue(s, r);
                pin_prefix(s, r, q);
                take_blocks(s, r, q, blocks_for(s, q, (long)q->plen + q->output));
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
        return true;
    }
    long budget = c->sched == NPU_SCHED_CHUNKED ? c->chunk : c->max_batched_tokens;
    if (c->sched == NPU_SCHED_CHUNKED) {
        make_room_for_decodes(s, r);
        for (int i = 0; i < r->n_run; i++) {
            sreq *q = &s->rq[r->run[i]];
            if (q->phase == PH_DECODE) {
                long want = blocks_for(s, q, q->ctx + 1);
                take_blocks(s, r, q, want);
                q->chunk = 1, budget--;
                sh->dec_batch++, sh->dec_ctx_sum += q->ctx;
            }
        }
        for (int i = 0; i < r->n_run && budget > 0; i++) {
            sreq *q = &s->rq[r->run[i]];
            if (q->phase == PH_PREFILL) {
                long todo = q->plen - q->done;
                q->chunk = (int32_t)(todo < budget ? todo : budget);
                budget -= q->chunk;
            }
        }
        while (try_admit(s, r, &budget, true, true)) {}
    } else { /* continuous; disagg pools */
        int k = 0;
        while (try_admit(s, r, &budget, false, k > 0))
            if (s->rq[r->run[r->n_run - 1]].chunk > 0) k++;
        if (k == 0 && !r->prefill_only) {
            make_room_for_decodes(s, r);
            for (int i = 0; i < r->n_run; i++) {
                sreq *q = &s->rq[r->run[i]];
                take_blocks(s, r, q, blocks_for(s, q, q->ctx + 1));
                q->chunk = 1;
                sh->dec_batch++, sh->dec_ctx_sum += q->ctx;
            }
        }
    }
    for (int i = 0; i < r->n_run; i++) {
        sreq *q = &s->rq[r->run[i]];
        if (q->phase != PH_PREFILL || q->chunk <= 0) continue;
        sh->pf_n++, sh->pf_tokens += q->chunk, sh->pf_ctx_sum += q->done;
        if (q->done + q->chunk >= q->plen) sh->emit++;
    }
    sh->emit += sh->dec_batch;
    note_levels(s);
    return sh->dec_batch + sh->pf_n > 0;
}

/* Wall time of an engine step around its kernels: the ONE place to apply an
 * engine runtime model (per-step and per-sequence host time, kernel slowdown). */
static double engine_step_s(const npu_serve_cfg *c, const replica *r, const npu_step_cost *sc, int seqs) {
    return npu_engine_step_s(&c->engine, sc->time_s, sc->comm_s, npu_comm_overlap(r->pool->hw), seqs) +
           c->step_overhead_s;
}

static void try_start(sim *s, replica *r) {
    if (r->busy) return;
    npu_step_shape sh;
    if (!form_step(s, r, &sh)) return;
    npu_step_cost sc = npu_steptab_cost(r->tab, &sh);
    double dt = engine_step_s(s->c, r, &sc, sh.dec_batch + sh.pf_n);
    r->busy = true;
    r->use.busy_s += dt, r->use.steps++, r->use.flops += sc.flops, r->use.bytes += sc.bytes;
    /* sc is one chip; engine time beyond the kernels is spent at idle power */
    r->use.energy_j += r->use.chips * (sc.energy_j + r->use.idle_w * (dt > sc.time_s ? dt - sc.time_s : 0));
    ev_push(s, s->now + dt, EV_STEP, (int32_t)(r - s->rep));
}

static void emit_first(sim *s, sreq *q) {
    if (q->gen == 0) q->first_s = s->now;
    if (q->gen < q->output) q->gen++, s->tokens_emitted++;
}

static void step_end(sim *s, replica *r) {
    const npu_serve_cfg *c = s->c;
    r->busy = false;
    if (c->sched == NPU_SCHED_STATIC) {
        bool all_done = true, was_prefill = false;
        for (int i = 0; i < r->n_run; i++) {
            sreq *q = &s->rq[r->run[i]];
            if (q->phase == PH_DONE) continue;
            if (q->phase == PH_PREFILL) {
                was_prefill = true;
                q->done = q->plen, q->ctx = q->plen, q->phase = PH_DECODE, q->chunk = 0;
                emit_first(s, q);
            } else {
                q->ctx++, q->gen++, s->tokens_emitted++;
            }
            if (q->gen >= q->output) finish(s, q);
            else all_done = false;
        }
        if (!was_prefill) r->static_step++;
        if (all_done) {
            for (int i = 0; i < r->n_run; i++) free_blocks(s, r, &s->rq[r->run[i]]);
            r->n_run = 0, r->static_on = 0;
        }
        try_start(s, r);
        return;
    }
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
                    emit_first(s, q);
                    if (q->gen >= q->output) {
                        free_blocks(s, r, q), finish(s, q), stays = false;
                    } else if (r->prefill_only) { /* disagg: ship the KV cache to a decode replica */
                        double t0 = s->now > r->link_free_s ? s->now : r->link_free_s;
                        double bytes = (double)q->ctx * s->kv_B_per_tok;
                        r->link_free_s = t0 + npu_serve_kv_transfer_s(r->pool->hw, c->pool.hw, bytes);
                        q->phase = PH_XFER;
                        ev_push(s, r->link_free_s, EV_XFER, id);
                        stays = false;
                    }
                }
            } else {
                q->ctx++, q->gen++, s->tokens_emitted++;
                if (q->gen >= q->output) free_blocks(s, r, q), finish(s, q), stays = false;
            }
            q->chunk = 0;
        }
        if (stays) r->run[keep++] = id;
    }
    r->n_run = keep;
    try_start(s, r);
}

static void xfer_end(sim *s, int32_t id) {
    sreq *q = &s->rq[id];
    replica *src = &s->rep[q->replica];
    free_blocks(s, src, q);
    if (!src->busy) try_start(s, src);
    enqueue(s, route(s, false), id, false); /* phase becomes PH_DECODE: already prefilled */
}

/* ---------------------------------------------------------------- statistics */

static void swap_d(double *a, double *b) { double t = *a; *a = *b; *b = t; }

/* k-th smallest of v[0..n) (reorders v). */
static double select_kth(double *v, long n, long k) {
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

/* Nearest-rank percentiles: the value at rank ceil(p n). */
static npu_lat lat_stats(double *v, long n) {
    npu_lat l = {0};
    if (n <= 0) return l;
    double sum = 0, mx = v[0];
    for (long i = 0; i < n; i++) sum += v[i], mx = v[i] > mx ? v[i] : mx;
    l.mean = sum / n, l.max = mx;
    const double p[3] = {0.50, 0.90, 0.99};
    double *out[3] = {&l.p50, &l.p90, &l.p99};
    for (int i = 0; i < 3; i++) {
        long k = (long)ceil(p[i] * n) - 1;
        *out[i] = select_kth(v, n, k < 0 ? 0 : k);
    }
    return l;
}

static void summarize(sim *s, npu_serve_result *r) {
    const npu_serve_cfg *c = s->c;
    double *v = malloc((s->n > 0 ? s->n : 1) * sizeof *v);
    double t_end = s->t0;
    long ok = 0, good = 0;
    for (long i = 0; i < s->n; i++) {
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
    r->duration_s = t_end - s->t0;
    double d = r->duration_s > 0 ? r->duration_s : 1e-12;
    r->throughput_tok_s = r->tokens_out / d;
    r->throughput_req_s = ok / d;
    r->goodput_req_s = good / d;
    r->arrival_rate_rps = s->n / d;
    long k = 0;
    for (long i = 0; i < s->n; i++)
        if (s->rq[i].status == NPU_REQ_DONE) v[k++] = s->rq[i].first_s - s->rq[i].arrival_s;
    r->ttft = lat_stats(v, k);
    k = 0;
    for (long i = 0; i < s->n; i++)
        if (s->rq[i].status == NPU_REQ_DONE) v[k++] = s->rq[i].finish_s - s->rq[i].arrival_s;
    r->e2e = lat_stats(v, k);
    k = 0;
    for (long i = 0; i < s->n; i++) v[k++] = s->rq[i].wait_s;
    r->queue = lat_stats(v, k);
    k = 0;
    for (long i = 0; i < s->n; i++) {
        sreq *q = &s->rq[i];
        if (q->status == NPU_REQ_DONE && q->output >= 2) v[k++] = (q->finish_s - q->first_s) / (q->output - 1);
    }
    r->tpot_n = k;
    r->tpot = lat_stats(v, k);
    free(v);
    advance(s, t_end);
    r->queue_len_mean = s->q_int / d, r->queue_len_max = s->q_max;
    r->kv_use_mean = s->kv_int / d, r->kv_use_max = s->kv_max;
    r->preemptions = s->preemptions;
    r->tokens_emitted = s->tokens_emitted;
    r->kv_violations = s->kv_violations;
    npu_strlcpy(r->reject_reason, s->reject_reason, sizeof r->reject_reason);
    /* the timeline: bins of width tl_w, merged to at most NPU_SERVE_TIMELINE */
    while (r->duration_s > s->tl_w * NPU_SERVE_TIMELINE) tl_merge(s);
    int nb = (int)ceil(r->duration_s / s->tl_w - 1e-9);
    if (nb > NPU_SERVE_TIMELINE) nb = NPU_SERVE_TIMELINE;
    r->n_timeline = nb;
    for (int i = 0; i < nb; i++) {
        double w = (i + 1) * s->tl_w <= r->duration_s ? s->tl_w : r->duration_s - i * s->tl_w;
        r->tl_t_s[i] = s->t0 + i * s->tl_w;
        r->tl_queue[i] = w > 0 ? s->tl_q[i] / w : 0;
        r->tl_kv[i] = w > 0 ? s->tl_kv[i] / w : 0;
    }
    r->n_replicas = s->n_rep;
    r->use = malloc(s->n_rep * sizeof *r->use);
    for (int i = 0; i < s->n_rep; i++) {
        r->use[i] = s->rep[i].use;
        r->steps += s->rep[i].use.steps;
        r->chips += s->rep[i].use.chips;
    }
    /* energy: every chip's steps, and idle power between them over the run */
    r->energy_j = 0;
    for (int i = 0; i < s->n_rep; i++) {
        const npu_replica_use *u = &r->use[i];
        double idle_s = r->duration_s - u->busy_s;
        r->energy_j += u->energy_j + u->chips * u->idle_w * (idle_s > 0 ? idle_s : 0);
    }
    r->power_w = r->duration_s > 0 && r->chips ? r->energy_j / (r->chips * r->duration_s) : 0;
    if (c->keep_requests) {
        r->req = malloc(s->n * sizeof *r->req);
        r->n_req = s->n;
        for (long i = 0; i < s->n; i++) {
            sreq *q = &s->rq[i];
            r->req[i] = (npu_req_rec){.arrival_s = q->arrival_s, .first_s = q->first_s, .finish_s = q->finish_s,
                                      .queue_s = (float)q->wait_s, .input = q->input, .output = q->output,
                                      .replica = q->replica, .status = q->status, .preemptions = q->preempt};
        }
    }
}

/* ---------------------------------------------------------------- driver */

static int check_cfg(const npu_serve_cfg *c) {
    if (c->requests < 1) return npu_err("--requests must be at least 1"), -1;
    if (c->requests > 2000000000L) return npu_err("--requests: at most 2e9"), -1;
    if (c->max_seqs < 1 || c->max_batched_tokens < 1 || c->chunk < 1 || c->block_size < 1)
        return npu_err("--max-seqs, --max-batched-tokens, --chunk and --block-size must be positive"), -1;
    if (!(c->kv_mem_frac > 0 && c->kv_mem_frac <= 1)) return npu_err("--kv-mem-frac must be in (0, 1]"), -1;
    if (!(c->prefix_share >= 0 && c->prefix_share < 1)) return npu_err("--prefix-share must be in [0, 1)"), -1;
    if (c->pool.replicas < 1 || (c->sched == NPU_SCHED_DISAGG && c->prefill.replicas < 1))
        return npu_err("replica counts must be at least 1"), -1;
    if (c->pool.replicas + (c->sched == NPU_SCHED_DISAGG ? c->prefill.replicas : 0) > 30000)
        return npu_err("at most 30000 replicas"), -1;
    const npu_workload *w = &c->wl;
    if ((w->arrival == NPU_ARRIVE_POISSON || w->arrival == NPU_ARRIVE_GAMMA) && !(w->rate_rps > 0))
        return npu_err("--rate must be positive"), -1;
    if (w->arrival == NPU_ARRIVE_GAMMA && !(w->burstiness_cv > 0)) return npu_err("--burstiness must be positive"), -1;
    if (w->arrival == NPU_ARRIVE_CLOSED && w->concurrency < 1) return npu_err("--concurrency must be at least 1"), -1;
    if (w->arrival == NPU_ARRIVE_TRACE && (!w->trace || w->trace->n < (size_t)c->requests))
        return npu_err("the trace holds fewer requests than --requests"), -1;
    return 0;
}

static int add_pool(sim *s, const npu_pool *p, bool prefill_only, npu_steptab *tab, long budget) {
    long tokens;
    if (npu_serve_kv_capacity(p, s->c->kv_mem_frac, (double)budget, 1, &tokens)) return -1;
    long blocks = tokens / s->c->block_size;
    for (int i = 0; i < p->replicas; i++) {
        replica *r = &s->rep[s->n_rep++];
        memset(r, 0, sizeof *r);
        r->tab = tab, r->pool = p, r->prefill_only = prefill_only;
        r->run = malloc(s->c->max_seqs * sizeof *r->run);
        r->total_blocks = r->free_blocks = blocks;
        r->use.chips = pool_chips(p), r->use.prefill_pool = prefill_only;
        r->use.idle_w = npu_power_idle_w(p->hw);
        s->total_blocks += blocks;
    }
    return 0;
}

static int simulate(const npu_serve_cfg *c, npu_steptab *tab_main, npu_steptab *tab_pf, npu_serve_result *r) {
    memset(r, 0, sizeof *r);
    if (check_cfg(c)) return -1;
    sim *s = calloc(1, sizeof *s);
    s->c = c;
    s->n = c->requests;
    npu_rng_seed(&s->rng, c->seed);
    s->rq = calloc(s->n, sizeof *s->rq);
    bool disagg = c->sched == NPU_SCHED_DISAGG;
    int nrep = c->pool.replicas + (disagg ? c->prefill.replicas : 0);
    s->rep = calloc(nrep, sizeof *s->rep);
    long budget = c->sched == NPU_SCHED_CHUNKED ? c->chunk : c->max_batched_tokens;
    int rc = -1;
    if (!s->rq || !s->rep) {
        npu_err("out of memory for %ld requests", s->n);
        goto out;
    }
    if (disagg && add_pool(s, &c->prefill, true, tab_pf, budget)) goto out;
    s->n_pf = s->n_rep;
    if (add_pool(s, &c->pool, false, tab_main, budget)) goto out;
    r->kv_tokens_per_replica = s->rep[s->n_pf].total_blocks * c->block_size;
    s->kv_B_per_tok = npu_model_kv_bytes_per_token(c->pool.model, npu_dtype_bytes(c->pool.step.kvdt));
    s->tl_w = 1e-3;
    /* first arrivals */
    double t_first = 0;
    if (c->wl.arrival == NPU_ARRIVE_CLOSED) {
        long k = c->wl.concurrency < s->n ? c->wl.concurrency : s->n;
        for (long i = 0; i < k; i++) ev_push(s, 0, EV_ARRIVAL, (int32_t)s->issued++);
    } else {
        t_first = c->wl.arrival == NPU_ARRIVE_TRACE ? c->wl.trace->rows[0].arrival_s
                  : c->wl.arrival == NPU_ARRIVE_OFFLINE ? 0 : npu_workload_gap_s(&c->wl, &s->rng);
        ev_push(s, t_first, EV_ARRIVAL, (int32_t)s->issued++);
    }
    s->t0 = s->last_t = s->now = t_first;
    while (s->heap_n > 0) {
        event e = ev_pop(s);
        advance(s, e.t);
        s->now = e.t;
        switch (e.kind) {
        case EV_ARRIVAL: arrive(s, e.id); break;
        case EV_XFER: xfer_end(s, e.id); break;
        case EV_STEP: step_end(s, &s->rep[e.id]); break;
        default:
            s->rep[e.id].kick_pending = false;
            try_start(s, &s->rep[e.id]);
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
    for (int i = 0; i < s->n_rep; i++) free(s->rep[i].run), free(s->rep[i].waiting.v);
    free(s->rep), free(s->rq), free(s->heap), free(s);
    return rc;
}

static int make_tabs(const npu_serve_cfg *c, npu_steptab **main_tab, npu_steptab **pf_tab) {
    *main_tab = *pf_tab = NULL;
    if (npu_steptab_create(c->pool.model, c->pool.hw, &c->pool.step, main_tab)) return -1;
    if (c->sched == NPU_SCHED_DISAGG &&
        npu_steptab_create(c->prefill.model, c->prefill.hw, &c->prefill.step, pf_tab)) {
        npu_steptab_free(*main_tab);
        return -1;
    }
    return 0;
}

int npu_serve_run(const npu_serve_cfg *c, npu_serve_result *r) {
    memset(r, 0, sizeof *r);
    npu_steptab *a, *b;
    if (check_cfg(c) || make_tabs(c, &a, &b)) return -1;
    int rc = simulate(c, a, b, r);
    npu_steptab_free(a), npu_steptab_free(b);
    return rc;
}

void npu_serve_result_free(npu_serve_result *r) {
    free(r->use), free(r->req);
    r->use = NULL, r->req = NULL;
}

bool npu_serve_meets_slo(const npu_serve_cfg *c, const npu_serve_result *r) {
    if (r->requests == 0) return false;
    if (c->slo_ttft_s > 0 && r->ttft.p99 > c->slo_ttft_s) return false;
    if (c->slo_tpot_s > 0 && r->tpot_n > 0 && r->tpot.p99 > c->slo_tpot_s) return false;
    return true;
}

static int trial(const npu_serve_cfg *base, npu_steptab *a, npu_steptab *b, double rate, bool *ok,
                 npu_serve_result *keep) {
    npu_serve_cfg c = *base;
    c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = rate;
    c.keep_requests = false, c.progress = NULL;
    npu_serve_result r;
    if (simulate(&c, a, b, &r)) return -1;
    *ok = npu_serve_meets_slo(&c, &r);
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
    npu_steptab *a, *b;
    if (check_cfg(&probe) || make_tabs(c, &a, &b)) return -1;
    int rc = -1;
    bool ok;
    double lo = 0, hi = 0, r = 1.0;
    /* bracket: double while it passes, halve while it fails */
    if (trial(c, a, b, r, &ok, at)) goto out;
    if (ok) {
        lo = r;
        for (int i = 0; i < 40 && ok; i++) {
            r *= 2;
            if (trial(c, a, b, r, &ok, at)) goto out;
            if (ok) lo = r;
        }
        hi = r;
    } else {
        hi = r;
        for (int i = 0; i < 20 && !ok; i++) {
            r /= 2;
            if (trial(c, a, b, r, &ok, at)) goto out;
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
        if (trial(c, a, b, mid, &ok, at)) goto out;
        if (ok) lo = mid;
        else hi = mid;
    }
    *rate_rps = lo;
    rc = 0;
out:
    npu_steptab_free(a), npu_steptab_free(b);
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
