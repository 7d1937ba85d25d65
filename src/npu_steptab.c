/* npu_steptab — composed, memoized step costs for the serving simulator. */
#include "npu_steptab.h"
#include "npu_cost.h"
#include "npu_power.h"
#include "npu_step.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ATTN 4        /* attention entries of one graph (dense and MoE layers) */
#define GRID_PER_OCT 64   /* log-grid points per doubling above NPU_STEPTAB_EXACT */
#define GRID_OCTAVES 24   /* up to EXACT * 2^24 tokens */
#define GRID_N (GRID_PER_OCT * GRID_OCTAVES + 2)

typedef npu_step_cost memo; /* time_s < 0: not yet evaluated */

struct npu_steptab {
    npu_model m;        /* max_seq lifted: a step's token count is not one sequence */
    npu_hw hw;
    npu_step_cfg base;
    int n_attn;
    npu_kernel attn[MAX_ATTN];        /* the graph's attention entries (heads per chip, kv dtype) */
    double attn_extra_B_per_tok[MAX_ATTN]; /* fused RoPE / KV-write bytes per new token */
    memo dense[NPU_STEPTAB_EXACT + 1], head[NPU_STEPTAB_EXACT + 1];
    memo dense_grid[GRID_N], head_grid[GRID_N];
};

typedef enum { PART_DENSE = 0, PART_HEAD, PART_ATTN } part_kind;

static int is_head(const npu_kernel *k) {
    return strcmp(k->name, "final_norm") == 0 || strcmp(k->name, "lm_head") == 0;
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
        if (q <= 1) kv = npu_plan_decode_kv_len(&t->m, pl, kv);
        if (kv < q) kv = q;
        npu_kernel k = npu_kernel_attention_reshape(tk, (int)npu_plan_seqs_per_chip(pl, n), q, kv, q > 1);
        k.bytes += t->attn_extra_B_per_tok[a] * (double)k.batch * q;
        npu_kcost kc = npu_cost_kernel(&t->hw, &k, NPU_IN_STEP);
        npu_power_kernel(&t->hw, &k, &kc);
        double idle = npu_power_idle_w(&t->hw);
        c.time_s = kc.time_s * tk->count;
        c.flops = k.flops * tk->count;
        c.bytes = k.bytes * tk->count;
        c.compute_j = kc.compute_j * tk->count;
        c.other_j = (kc.energy_j - kc.compute_j - idle * kc.time_s) * tk->count;
        if (kc.bound == NPU_BOUND_COMPUTE) c.cb_s = c.time_s;
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
        if (k->kind == NPU_KK_ATTN || is_head(k) != (part == PART_HEAD)) continue;
        c.time_s += kc->time_s * k->count;
        c.flops += k->flops * k->count;
        c.bytes += k->bytes * k->count;
        c.compute_j += kc->compute_j * k->count;
        c.other_j += (kc->energy_j - kc->compute_j - idle * kc->time_s) * k->count;
        if (kc->bound == NPU_BOUND_COMPUTE) c.cb_s += kc->time_s * k->count;
        if (k->kind == NPU_KK_COMM) c.comm_s += kc->time_s * k->count;
    }
    return c;
}

int npu_steptab_create(const npu_model *m, const npu_hw *hw, const npu_step_cfg *base, npu_steptab **out) {
    *out = NULL;
    npu_steptab *t = malloc(sizeof *t);
    if (!t) {
        npu_err("out of memory for the step-time table");
        return -1;
    }
    t->m = *m;
    t->m.max_seq = 0;
    t->hw = *hw;
    t->base = *base;
    t->base.plan = npu_plan_norm(base->plan);
    t->n_attn = 0;
    /* learn the attention entries from a one-sequence decode graph: the form a
     * serving step runs (for MLA the absorbed one, over the cached latent) */
    npu_step_cfg s = *base;
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
        t->attn[t->n_attn] = *k;
        t->attn[t->n_attn].window = m->sliding_window; /* prompt chunks attend within it */
        t->attn_extra_B_per_tok[t->n_attn] = (k->bytes - plain.bytes) / ((double)k->batch * k->q_len);
        t->n_attn++;
    }
    for (int i = 0; i <= NPU_STEPTAB_EXACT; i++) t->dense[i].time_s = t->head[i].time_s = -1;
    for (int i = 0; i < GRID_N; i++) t->dense_grid[i].time_s = t->head_grid[i].time_s = -1;
    *out = t;
    return 0;
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
    return c;
}

static void add(npu_step_cost *a, npu_step_cost b) {
    a->time_s += b.time_s, a->flops += b.flops, a->bytes += b.bytes;
    a->compute_j += b.compute_j, a->other_j += b.other_j, a->cb_s += b.cb_s, a->comm_s += b.comm_s;
}

/* The TDP throttle of the whole step: the power module's rule on its totals
 * (npu_power_step_totals, the one npu_power_step applies to npu_run's steps). */
static npu_step_cost finish(const npu_steptab *t, npu_step_cost c) {
    npu_power_sum p = npu_power_step_totals(&t->hw, c.time_s, c.cb_s, c.compute_j, c.other_j);
    c.time_s = p.time_s, c.compute_j = p.compute_j, c.energy_j = p.energy_j, c.clock_frac = p.clock_frac;
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

npu_step_cost npu_steptab_cost(npu_steptab *t, const npu_step_shape *s) {
    npu_step_cost c = lookup(t, PART_DENSE, s->dec_batch + s->pf_tokens);
    add(&c, lookup(t, PART_HEAD, s->emit));
    add_attention(t, s, &c);
    return finish(t, c);
}

npu_step_cost npu_steptab_cost_direct(const npu_steptab *t, const npu_step_shape *s) {
    npu_step_cost c = core_part(t, PART_DENSE, s->dec_batch + s->pf_tokens, 0, 0, 0);
    add(&c, core_part(t, PART_HEAD, s->emit, 0, 0, 0));
    add_attention(t, s, &c);
    return finish(t, c);
}
