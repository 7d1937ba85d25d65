/* npu_steptab — composed, memoized step costs for the serving simulator. */
#include "npu_steptab.h"
#include "npu_cost.h"
#include "npu_power.h"
#include "npu_step.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ATTN 4        /* attention entries of one graph (dense and MoE layers, each local and global) */
#define GRID_PER_OCT 64   /* log-grid points per doubling above NPU_STEPTAB_EXACT */
#define GRID_OCTAVES 24   /* up to EXACT * 2^24 tokens */
#define GRID_N (GRID_PER_OCT * GRID_OCTAVES + 2)

typedef npu_step_cost memo; /* time_s < 0: not yet evaluated */

struct npu_steptab {
    npu_model m;        /* max_seq lifted: a step's token count is not one sequence */
    npu_hw hw;
    npu_step_cfg base;
    npu_engine e;       /* the engine around the kernels */
    int n_attn;
    npu_kernel attn[MAX_ATTN];        /* the graph's attention entries (heads per chip, kv dtype) */
    double attn_extra_B_per_tok[MAX_ATTN]; /* fused RoPE / KV-write bytes per new token */
    bool has_softcap[MAX_ATTN];       /* a soft-capping pass follows the entry (Gemma 2) */
    npu_kernel softcap[MAX_ATTN];     /* ... as the learning graph had it */
    memo dense[NPU_STEPTAB_EXACT + 1], head[NPU_STEPTAB_EXACT + 1];
    memo dense_grid[GRID_N], head_grid[GRID_N];
};

typedef enum { PART_DENSE = 0, PART_HEAD, PART_ATTN } part_kind;

/* Kernels that run once per sequence emitting a token: the output head, what runs
 * on its logits, and the engine's sampling: the last-position part. */
static int is_head(const npu_kernel *k) {
    return strcmp(k->name, "final_norm") == 0 || strcmp(k->name, "lm_head") == 0 ||
           strcmp(k->name, "logit_softcap") == 0 || strcmp(k->name, "logit_scale") == 0 ||
           strcmp(k->name, "logits_allgather") == 0 || strcmp(k->name, "sampling") == 0;
}

/* THE one place where serving evaluates the core model. DENSE and HEAD build a
 * decode graph of n rows under the replica's plan and keep the kernels of their
 * part; ATTN re-costs attention entry `a` of that graph for n sequences (this
 * chip's share of them) at q_len q, kv_len kv. */
static npu_step_cost core_part(const npu_steptab *t, part_kind part, long n, int a, long q, long kv) {
    npu_step_cost c = {0};
    if (n <= 0) return c;
    if (part == PART_ATTN) {
        /* attention data parallelism (ep > tp): each chip attends to its share of
         * the sequences; a decode reads the keys of the window (npu_plan), a prompt
         * chunk attends causally within the window (the kernel's `window`) */
        const npu_kernel *tk = &t->attn[a];
        npu_plan pl = t->base.plan;
        if (q <= 1) kv = npu_plan_decode_keys(pl, tk->window, kv); /* the entry's layers' window */
        if (kv < q) kv = q;
        npu_kernel k = npu_kernel_attention_reshape(tk, (int)npu_plan_seqs_per_chip(pl, n), q, kv, q > 1);
        k.bytes += t->attn_extra_B_per_tok[a] * (double)k.batch * q;
        npu_kcost kc = npu_cost_kernel(&t->hw, &k, NPU_IN_STEP);
        npu_power_kernel(&t->hw, &k, &kc);
        double idle = npu_power_idle_w(&t->hw);
        c.time_s = kc.time_s * tk->count;
        c.launches = (double)k.launches * tk->count;
        c.flops = k.flops * tk->count;
        c.bytes = k.bytes * tk->count;
        c.compute_j = kc.compute_j * tk->count;
        c.other_j = (kc.energy_j - kc.compute_j - idle * kc.time_s) * tk->count;
        if (kc.bound == NPU_BOUND_COMPUTE) c.cb_s = c.time_s;
        if (t->has_softcap[a]) { /* its work grows with the scores, as attention's */
            npu_kernel sc = npu_kernel_softcap_at(&t->softcap[a], tk, &k);
            npu_kcost sk = npu_cost_kernel(&t->hw, &sc, NPU_IN_STEP);
            npu_power_kernel(&t->hw, &sc, &sk);
            c.time_s += sk.time_s * tk->count;
            c.flops += sc.flops * tk->count;
            c.bytes += sc.bytes * tk->count;
            c.compute_j += sk.compute_j * tk->count;
            c.other_j += (sk.energy_j - sk.compute_j - idle * sk.time_s) * tk->count;
            if (sk.bound == NPU_BOUND_COMPUTE) c.cb_s += sk.time_s * tk->count;
        }
        return c;
    }
    npu_step_cfg s = t->base;
    /* both parts from a decode-phase graph of n one-token rows: the GEMMs see n
     * rows either way, and MLA runs its absorbed (decode) projections for every
     * token of an in-flight step, as the mixed steps of npu_run do */
    s.phase = NPU_PHASE_DECODE, s.batch = (int)n, s.seq = 1, s.ctx = 0;
    npu_graph g;
    npu_step_result r;
    if (npu_graph_build(&t->m, &s, &g)) return c; /* checked at create: cannot fail for n >= 1 */
    npu_step_eval(&t->hw, &g, &r);
    double idle = npu_power_idle_w(&t->hw);
    for (int i = 0; i < g.n; i++) {
        const npu_kernel *k = &g.k[i];
        const npu_kcost *kc = &r.kc[i];
        if (k->kind == NPU_KK_ATTN || npu_kernel_is_softcap(k) || is_head(k) != (part == PART_HEAD)) continue;
        c.time_s += kc->time_s * k->count;
        c.launches += (double)k->launches * k->count;
        c.flops += k->flops * k->count;
        c.bytes += (k->bytes - kc->sram_bytes) * k->count;
        c.compute_j += kc->compute_j * k->count;
        c.other_j += (kc->energy_j - kc->compute_j - idle * kc->time_s) * k->count;
        if (kc->bound == NPU_BOUND_COMPUTE) c.cb_s += kc->time_s * k->count;
        if (k->kind == NPU_KK_COMM)
            c.comm_s += kc->time_s * k->count, c.collectives += k->count, c.comm_lat_s += kc->overhead_s * k->count;
    }
    return c;
}

int npu_steptab_create_engine(const npu_model *m, const npu_hw *hw, const npu_step_cfg *base, const npu_engine *e,
                              npu_steptab **out) {
    *out = NULL;
    npu_steptab *t = npu_xmalloc(sizeof *t);
    if (!t) {
        npu_err("out of memory for the step-time table");
        return -1;
    }
    t->e = e ? *e : *npu_engine_ideal();
    t->m = npu_engine_model(&t->e, m); /* the model as the engine runs it */
    t->m.max_seq = 0;
    t->hw = *hw;
    t->base = *base;
    t->base.plan = npu_plan_norm(base->plan);
    if (!t->e.ideal) t->base.impl = npu_engine_graph_impl(&t->e, &t->m);
    t->base.impl.rows_pad = 0;
    t->n_attn = 0;
    /* learn the attention entries from a one-sequence decode graph: the form a
     * serving step runs (for MLA the absorbed one, over the cached latent) */
    npu_step_cfg s = t->base; /* the engine's kernels (impl) */
    s.phase = NPU_PHASE_DECODE, s.batch = 1, s.seq = 1, s.ctx = 1;
    npu_graph g;
    if (npu_graph_build(&t->m, &s, &g)) {
        free(t);
        return -1;
    }
    for (int i = 0; i < g.n && t->n_attn < MAX_ATTN; i++) {
        const npu_kernel *k = &g.k[i];
        if (k->kind != NPU_KK_ATTN) continue;
        npu_kernel plain = npu_kernel_attention_reshape(k, k->batch, k->q_len, k->kv_len, k->causal);
        t->attn[t->n_attn] = *k; /* its window: its layers' (prompt chunks attend within it) */
        t->attn_extra_B_per_tok[t->n_attn] = (k->bytes - plain.bytes) / ((double)k->batch * k->q_len);
        t->has_softcap[t->n_attn] = i + 1 < g.n && npu_kernel_is_softcap(&g.k[i + 1]);
        if (t->has_softcap[t->n_attn]) t->softcap[t->n_attn] = g.k[i + 1];
        t->n_attn++;
    }
    for (int i = 0; i <= NPU_STEPTAB_EXACT; i++) t->dense[i].time_s = t->head[i].time_s = -1;
    for (int i = 0; i < GRID_N; i++) t->dense_grid[i].time_s = t->head_grid[i].time_s = -1;
    *out = t;
    return 0;
}

int npu_steptab_create(const npu_model *m, const npu_hw *hw, const npu_step_cfg *base, npu_steptab **out) {
    return npu_steptab_create_engine(m, hw, base, NULL, out);
}

void npu_steptab_free(npu_steptab *t) { free(t); }

static memo memo_get(npu_steptab *t, part_kind part, memo *slot, long n) {
    if (slot->time_s < 0) *slot = core_part(t, part, n, 0, 0, 0);
    return *slot;
}

/* Exact memo up to NPU_STEPTAB_EXACT, log-grid linear interpolation above. */
static npu_step_cost lookup(npu_steptab *t, part_kind part, long n) {
    npu_step_cost c = {0};
    if (n <= 0) return c;
    memo *exact = part == PART_DENSE ? t->dense : t->head;
    memo *grid = part == PART_DENSE ? t->dense_grid : t->head_grid;
    if (n <= NPU_STEPTAB_EXACT) return memo_get(t, part, &exact[n], n);
    double pos = GRID_PER_OCT * log2((double)n / NPU_STEPTAB_EXACT);
    int k = (int)pos;
    if (k >= GRID_N - 1) return core_part(t, part, n, 0, 0, 0);
    long x0 = lround(NPU_STEPTAB_EXACT * exp2((double)k / GRID_PER_OCT));
    long x1 = lround(NPU_STEPTAB_EXACT * exp2((double)(k + 1) / GRID_PER_OCT));
    memo a = memo_get(t, part, &grid[k], x0), b = memo_get(t, part, &grid[k + 1], x1);
    double w = x1 > x0 ? (double)(n - x0) / (x1 - x0) : 0;
    c.time_s = a.time_s + w * (b.time_s - a.time_s);
    c.flops = a.flops + w * (b.flops - a.flops);
    c.bytes = a.bytes + w * (b.bytes - a.bytes);
    c.compute_j = a.compute_j + w * (b.compute_j - a.compute_j);
    c.other_j = a.other_j + w * (b.other_j - a.other_j);
    c.cb_s = a.cb_s + w * (b.cb_s - a.cb_s);
    c.comm_s = a.comm_s + w * (b.comm_s - a.comm_s);
    c.launches = a.launches + w * (b.launches - a.launches);
    c.collectives = a.collectives; /* a step's collective calls do not depend on its tokens */
    c.comm_lat_s = a.comm_lat_s + w * (b.comm_lat_s - a.comm_lat_s);
    return c;
}

static void add(npu_step_cost *a, npu_step_cost b) {
    a->time_s += b.time_s, a->flops += b.flops, a->bytes += b.bytes;
    a->compute_j += b.compute_j, a->other_j += b.other_j, a->cb_s += b.cb_s, a->comm_s += b.comm_s;
    a->launches += b.launches, a->collectives += b.collectives, a->comm_lat_s += b.comm_lat_s;
}

/* The TDP throttle of the whole step (npu_power_step_totals, the rule
 * npu_power_step applies to npu_run's steps), then the engine's step rule:
 * `host_launches` kernels enqueued by the host, the step's sequences and prompts. */
static npu_step_cost finish(const npu_steptab *t, npu_step_cost c, double host_launches, bool graphed,
                            const npu_step_shape *s) {
    npu_power_sum p = npu_power_step_totals(&t->hw, c.time_s, c.cb_s, c.compute_j, c.other_j);
    c.time_s = p.time_s, c.compute_j = p.compute_j, c.energy_j = p.energy_j, c.clock_frac = p.clock_frac;
    npu_engine_step_in in = {.kernels_s = c.time_s, .comm_s = c.comm_s, .launches = host_launches, .graphed = graphed,
                             .seqs = (double)s->dec_batch + s->pf_n, .prompts = s->pf_n,
                             .ranks = npu_plan_replica_chips(t->base.plan), .collectives = c.collectives,
                             .comm_lat_s = c.comm_lat_s};
    npu_engine_step_out o = npu_engine_step(&t->e, &in, npu_comm_overlap(&t->hw));
    c.wall_s = o.step_s, c.host_s = o.host_s, c.deliver_s = o.deliver_s;
    return c;
}

static void add_attention(const npu_steptab *t, const npu_step_shape *s, npu_step_cost *c) {
    for (int a = 0; a < t->n_attn; a++) {
        if (s->dec_batch > 0) {
            long kv = lround(s->dec_ctx_sum / s->dec_batch) + 1;
            add(c, core_part(t, PART_ATTN, s->dec_batch, a, 1, kv));
        }
        if (s->pf_n > 0) {
            long q = lround((double)s->pf_tokens / s->pf_n);
            if (q < 1) q = 1;
            long kv = lround(s->pf_ctx_sum / s->pf_n) + q;
            add(c, core_part(t, PART_ATTN, s->pf_n, a, q, kv));
        }
    }
}

/* How the engine runs a step of this shape: the token rows of the dense part
 * (padded to the captured size when graphed and padded), the sequences of the
 * head, and whether it replays a graph. */
typedef struct step_plan {
    long dense_n, head_n;
    bool graphed;
} step_plan;

static step_plan plan_step(const npu_steptab *t, const npu_step_shape *s) {
    step_plan p = {.dense_n = s->dec_batch + s->pf_tokens, .head_n = s->emit};
    if (t->e.ideal) return p;
    bool decode_only = s->pf_n == 0;
    p.graphed = npu_engine_graphed(&t->e, decode_only, (long)s->dec_batch + s->pf_n, p.dense_n);
    if (p.graphed) {
        long pad = npu_engine_padded(&t->e, p.dense_n);
        if (pad > p.dense_n) p.dense_n = pad; /* logits and sampling stay per sequence */
    }
    return p;
}

/* Kernels the host enqueues: all of them, none for a replayed graph, the
 * attention kernels for piecewise graphs. */
static double host_launches(const npu_steptab *t, const step_plan *p, double all, double attn) {
    if (t->e.ideal || (p->graphed && t->e.graphs != NPU_GRAPHS_PIECEWISE)) return 0;
    return p->graphed ? attn : all;
}

npu_step_cost npu_steptab_cost(npu_steptab *t, const npu_step_shape *s) {
    step_plan p = plan_step(t, s);
    npu_step_cost c = lookup(t, PART_DENSE, p.dense_n);
    add(&c, lookup(t, PART_HEAD, p.head_n));
    double before = c.launches;
    add_attention(t, s, &c);
    return finish(t, c, host_launches(t, &p, c.launches, c.launches - before), p.graphed, s);
}

npu_step_cost npu_steptab_cost_direct(const npu_steptab *t, const npu_step_shape *s) {
    step_plan p = plan_step(t, s);
    npu_step_cost c = core_part(t, PART_DENSE, p.dense_n, 0, 0, 0);
    add(&c, core_part(t, PART_HEAD, p.head_n, 0, 0, 0));
    double before = c.launches;
    add_attention(t, s, &c);
    return finish(t, c, host_launches(t, &p, c.launches, c.launches - before), p.graphed, s);
}
