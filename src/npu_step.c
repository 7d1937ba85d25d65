/* npu_step — step evaluation, and the runs built from steps: prefill, decode,
 * e2e (a static batch) and offline (the in-flight steady state), through the
 * pipeline stages of the plan. */
#include "npu_step.h"
#include "npu_power.h"

#include <limits.h>
#include <math.h>

#define GIB 1073741824.0 /* device memory is shown in GiB (2^30 bytes), as capacities are sold */
#include <stdlib.h>
#include <string.h>

const char *const npu_run_phase_names[NPU_RUN_PHASES] = {"prefill", "decode", "e2e", "offline"};

void npu_step_eval(const npu_hw *hw, const npu_graph *g, npu_step_result *r) {
    memset(r, 0, sizeof *r);
    for (int i = 0; i < g->n; i++) {
        const npu_kernel *k = &g->k[i];
        npu_kcost c = npu_cost_kernel(hw, k, NPU_IN_STEP);
        npu_power_kernel(hw, k, &c); /* its energy at full clock; eval_step applies the TDP */
        r->kc[i] = c;
        double t = c.time_s * k->count;
        r->time_s += t;
        r->kind_time_s[k->kind] += t;
        r->bound_time_s[c.bound] += t;
        r->flops += k->flops * k->count;
        r->bytes += (k->bytes - c.sram_bytes) * k->count; /* DRAM: less the weights resident on chip */
        r->sram_bytes += c.sram_bytes * k->count;
        r->launches += k->launches * k->count;
    }
}

/* Cost a step's kernels, then let the TDP throttle stretch it (npu_power_step);
 * returns the step's energy on one chip, J. */
static double eval_step(const npu_hw *hw, const npu_graph *g, npu_step_result *s, double *clock_frac) {
    npu_step_eval(hw, g, s);
    double f = 1.0;
    double e = npu_power_step(hw, g, s, &f);
    if (f < *clock_frac) *clock_frac = f;
    return e;
}

/* ---------------------------------------------------------------- pipeline stages */

/* Kinds of pipeline stage: first, last, middle stages with the base or one extra
 * layer, each all-dense or all-MoE, and the one stage where the dense layers end. */
#define STAGE_KINDS 8

/* One step of the replica on every kind of pipeline stage (stages with the same
 * layer counts and ends cost the same and are evaluated once). Kind 0 is the
 * last stage: the caller's graph and step result, which the run reports. */
typedef struct stages {
    int n;                            /* kinds */
    int mult[STAGE_KINDS];            /* stages of each kind */
    npu_graph *g[STAGE_KINDS];
    npu_step_result *r[STAGE_KINDS];
    double energy_j[STAGE_KINDS];     /* one chip over one step (after the TDP throttle) */
    void *heap;                       /* kinds 1.. (pp > 1 only) */
} stages;

static bool same_kind(const npu_stage *a, const npu_stage *b) {
    return a->layers == b->layers && a->dense == b->dense && a->embeds == b->embeds && a->head == b->head;
}

static void stages_free(stages *s) {
    free(s->heap);
    s->heap = NULL;
}

/* Build and cost the step `c` on each kind of stage; -1 + npu_err (free with stages_free either way). */
static int stages_eval(const npu_model *m, const npu_hw *hw, const npu_step_cfg *c, npu_graph *g0,
                       npu_step_result *r0, double *clock_frac, stages *out) {
    memset(out, 0, sizeof *out);
    npu_plan pl = npu_plan_norm(c->plan);
    npu_step_cfg s = *c;
    s.stage = pl.pp;
    if (npu_graph_build(m, &s, g0)) return -1;
    npu_stage key[STAGE_KINDS] = {npu_plan_stage(m, pl, pl.pp)};
    out->g[0] = g0, out->r[0] = r0, out->mult[0] = 1, out->n = 1;
    out->energy_j[0] = eval_step(hw, g0, r0, clock_frac);
    for (int st = 1; st < pl.pp; st++) {
        npu_stage k = npu_plan_stage(m, pl, st);
        int i = 0;
        while (i < out->n && !same_kind(&key[i], &k)) i++;
        if (i < out->n) {
            out->mult[i]++;
            continue;
        }
        if (i == STAGE_KINDS) {
            npu_err("internal: more than %d kinds of pipeline stage", STAGE_KINDS);
            return -1;
        }
        if (!out->heap) {
            out->heap = malloc((STAGE_KINDS - 1) * (sizeof(npu_graph) + sizeof(npu_step_result)));
            if (!out->heap) {
                npu_err("out of memory for the pipeline stages");
                return -1;
            }
        }
        out->g[i] = (npu_graph *)out->heap + (i - 1);
        out->r[i] = (npu_step_result *)((npu_graph *)out->heap + (STAGE_KINDS - 1)) + (i - 1);
        key[i] = k, out->mult[i] = 1, out->n++;
        s.stage = st;
        if (npu_graph_build(m, &s, out->g[i])) return -1;
        out->energy_j[i] = eval_step(hw, out->g[i], out->r[i], clock_frac);
    }
    return 0;
}

/* Mean over the stages of one chip's step time and energy. */
static void stages_mean(const stages *s, double *time_s, double *energy_j) {
    double t = 0, e = 0, n = 0;
    for (int i = 0; i < s->n; i++) t += s->mult[i] * s->r[i]->time_s, e += s->mult[i] * s->energy_j[i], n += s->mult[i];
    *time_s = t / n, *energy_j = e / n;
}

/* Kernel time of one replica step, and the collective time in it. */
typedef struct span {
    double t, comm;
} span;

/* The replica's step from each stage kind's time t[i] (collectives comm[i]):
 *   prefill: the micro-batches fill the pipeline: all stages + (mb - 1) x the slowest;
 *   decode: each micro-batch crosses every stage per token, and the slowest stage
 *   serves all mb micro-batches per token: max(all stages, mb x the slowest);
 * plus pp - 1 stage-to-stage transfers. Equal stages: mb + pp - 1 and max(mb, pp) slots. */
static span pipeline(bool prefill, int pp, int mb, const stages *S, const double *t, const double *comm,
                     double p2p_s) {
    if (pp <= 1) return (span){t[0], comm[0]};
    double sum = 0, csum = 0, mx = -1, cmx = 0;
    for (int i = 0; i < S->n; i++) {
        sum += S->mult[i] * t[i], csum += S->mult[i] * comm[i];
        if (t[i] > mx) mx = t[i], cmx = comm[i];
    }
    span s;
    if (prefill) s = (span){sum + (mb - 1) * mx, csum + (mb - 1) * cmx};
    else if (mb * mx >= sum) s = (span){mb * mx, mb * cmx};
    else s = (span){sum, csum};
    s.t += (pp - 1) * p2p_s, s.comm += (pp - 1) * p2p_s;
    return s;
}

/* The pipeline span of the stages' costed steps. */
static span stages_span(bool prefill, int pp, int mb, const stages *S, double p2p_s) {
    double t[STAGE_KINDS], comm[STAGE_KINDS];
    for (int i = 0; i < S->n; i++) t[i] = S->r[i]->time_s, comm[i] = S->r[i]->bound_time_s[NPU_BOUND_COMM];
    return pipeline(prefill, pp, mb, S, t, comm, p2p_s);
}

/* ---------------------------------------------------------------- the engine around the kernels */

/* Kernels the host enqueues for one step (the busiest stage's chip, all its
 * micro-batches): none when the step replays a captured graph, only the
 * attention kernels under piecewise graphs, all of them otherwise. */
static double host_launches(const npu_engine *e, const stages *S, bool graphed, int mb) {
    if (e->ideal || (graphed && e->graphs != NPU_GRAPHS_PIECEWISE)) return 0;
    double worst = 0;
    for (int i = 0; i < S->n; i++) {
        double l = 0;
        for (int j = 0; j < S->g[i]->n; j++) {
            const npu_kernel *k = &S->g[i]->k[j];
            if (!graphed || k->kind == NPU_KK_ATTN) l += (double)k->launches * k->count;
        }
        if (l > worst) worst = l;
    }
    return worst * mb;
}

/* Collective calls one chip makes in a step (the busiest stage, all its micro-batches). */
static double collectives(const stages *S, int mb) {
    double worst = 0;
    for (int i = 0; i < S->n; i++) {
        double l = 0;
        for (int j = 0; j < S->g[i]->n; j++)
            if (S->g[i]->k[j].kind == NPU_KK_COMM) l += S->g[i]->k[j].count;
        if (l > worst) worst = l;
    }
    return worst * mb;
}

/* The collectives' fixed latency in a step of one chip (busiest stage, all micro-batches). */
static double comm_latency(const stages *S, int mb) {
    double worst = 0;
    for (int i = 0; i < S->n; i++) {
        double l = 0;
        for (int j = 0; j < S->g[i]->n; j++)
            if (S->g[i]->k[j].kind == NPU_KK_COMM) l += S->r[i]->kc[j].overhead_s * S->g[i]->k[j].count;
        if (l > worst) worst = l;
    }
    return worst * mb;
}

/* The engine's step rule on a span of kernels (npu_engine_step) of the stages S. */
static npu_engine_step_out engine_span(const npu_engine *e, const npu_hw *hw, npu_plan pl, const stages *S, int mb,
                                       bool graphed, span s, double launches, double seqs, double prompts) {
    npu_engine_step_in in = {.kernels_s = s.t, .comm_s = s.comm, .launches = launches, .seqs = seqs, .graphed = graphed,
                             .prompts = prompts, .ranks = npu_plan_replica_chips(pl), .collectives = collectives(S, mb),
                             .comm_lat_s = comm_latency(S, mb)};
    return npu_engine_step(e, &in, npu_comm_overlap(hw));
}

/* Energy of `chips` chips over a step of wall time wall_s whose device part
 * (gpu_s) runs at the kernels' power pw_w and the rest at idle power. */
static double step_energy(const npu_hw *hw, int chips, double pw_w, double gpu_s, double wall_s) {
    double busy = gpu_s < wall_s ? gpu_s : wall_s;
    return chips * (pw_w * busy + npu_power_idle_w(hw) * (wall_s - busy));
}

/* Decode steps replay a captured graph at the next captured batch: the dense
 * kernels of one chip run that many rows (npu_graph_impl.rows_pad). */
static void pad_decode(const npu_engine *e, npu_plan pl, int mbatch, npu_step_cfg *s, bool *graphed) {
    *graphed = !e->ideal && npu_engine_graphed(e, true, mbatch, mbatch);
    s->impl.rows_pad = 0;
    if (*graphed) {
        long per_chip = npu_plan_seqs_per_chip(pl, mbatch);
        long p = npu_engine_padded(e, per_chip);
        if (p > per_chip) s->impl.rows_pad = p;
    }
}

/* ---------------------------------------------------------------- decode at growing context */

/* Re-cost only the attention entries of a decode graph at a new context length
 * (everything else in a decode step does not depend on the context). */
static double decode_time_at(const npu_hw *hw, const npu_graph *g, const npu_step_result *base,
                             const npu_model *m, npu_plan p, long kv_len) {
    (void)m;
    double t = base->time_s;
    for (int i = 0; i < g->n; i++) {
        const npu_kernel *k = &g->k[i];
        if (k->kind != NPU_KK_ATTN) continue;
        npu_kernel moved = npu_kernel_attention_at(k, npu_plan_decode_keys(p, k->window, kv_len)); /* its layers' window */
        npu_kcost c = npu_cost_kernel(hw, &moved, NPU_IN_STEP);
        t += (c.time_s - base->kc[i].time_s) * k->count;
        if (i + 1 < g->n && npu_kernel_is_softcap(&g->k[i + 1])) { /* soft-capping grows with the scores too */
            npu_kernel sc = npu_kernel_softcap_at(&g->k[i + 1], k, &moved);
            t += (npu_cost_kernel(hw, &sc, NPU_IN_STEP).time_s - base->kc[i + 1].time_s) * g->k[i + 1].count;
        }
    }
    return t;
}

/* The decode steps of an e2e run. */
typedef struct decode_run {
    const npu_model *m;
    const npu_hw *hw;
    npu_plan pl;
    int mb;
    double p2p_s;
    const stages *S; /* the first decode step on each kind of stage */
    const npu_engine *e;
    double launches, seqs; /* the engine's step rule: kernels the host enqueues, sequences */
    bool graphed;          /* the steps replay a captured graph */
} decode_run;

/* The engine's step of a decode whose sequences hold kv_len tokens after it. */
static npu_engine_step_out decode_step(const decode_run *d, long kv_len) {
    double t[STAGE_KINDS], comm[STAGE_KINDS];
    for (int i = 0; i < d->S->n; i++) {
        t[i] = decode_time_at(d->hw, d->S->g[i], d->S->r[i], d->m, d->pl, kv_len);
        comm[i] = d->S->r[i]->bound_time_s[NPU_BOUND_COMM];
    }
    return engine_span(d->e, d->hw, d->pl, d->S, d->mb, d->graphed, pipeline(false, d->pl.pp, d->mb, d->S, t, comm, d->p2p_s), d->launches, d->seqs, 0);
}

/* Replica wall time of that step. */
static double decode_step_s(const decode_run *d, long kv_len) { return decode_step(d, kv_len).step_s; }

/* Decode steps summed one by one; beyond that many, by segments. */
#define DECODE_EXACT 4096
#define DECODE_SEGMENTS 512

/* Sum of decode_step_s over kv_len = a..b where it is linear, in
 * DECODE_SEGMENTS equal spans by the trapezoid rule. */
static double decode_trapezoid_s(const decode_run *d, long a, long b) {
    double sum = 0;
    double span_tokens = (double)(b - a + 1) / DECODE_SEGMENTS;
    long lo = a;
    double f_lo = decode_step_s(d, lo);
    for (int k = 1; k <= DECODE_SEGMENTS && lo <= b; k++) {
        long hi = k == DECODE_SEGMENTS ? b : a + (long)(k * span_tokens) - 1;
        if (hi < lo) continue;
        double f_hi = hi == lo ? f_lo : decode_step_s(d, hi);
        sum += (double)(hi - lo + 1) * (f_lo + f_hi) / 2;
        lo = hi + 1;
        if (lo <= b) f_lo = decode_step_s(d, lo);
    }
    return sum;
}

/* Sum of decode_step_s over kv_len = a..b. A step differs from another only in
 * its attention, whose time is piecewise linear in the context and flat past the
 * sliding window when every layer has it (npu_model_kv_window); with local and
 * global layers (Gemma 2/3) the local ones stop growing at the window, a kink
 * between two linear pieces. The first DECODE_EXACT steps are summed exactly,
 * the rest of the growing part piece by piece in DECODE_SEGMENTS equal spans by
 * the trapezoid rule (exact where the time is linear; tested against the
 * step-by-step sum), the flat part as one product. Cost: O(kernels), not O(output). */
static double decode_sum_s(const decode_run *d, long a, long b) {
    double sum = 0;
    long exact_end = b - a < DECODE_EXACT ? b : a + DECODE_EXACT - 1;
    for (long kv = a; kv <= exact_end; kv++) sum += decode_step_s(d, kv);
    if (exact_end == b) return sum;
    a = exact_end + 1;
    long window = npu_model_kv_window(d->m);
    long flat = window > 0 ? window : LONG_MAX; /* first kv_len of the flat part */
    if (flat < a) flat = a;
    if (flat <= b) {
        sum += (double)(b - flat + 1) * decode_step_s(d, flat);
        if (flat == a) return sum;
        b = flat - 1;
    }
    long kink = d->m->sliding_window; /* the local layers' last growing step is kink - 1 */
    if (window == 0 && kink > a && kink <= b)
        return sum + decode_trapezoid_s(d, a, kink - 1) + decode_trapezoid_s(d, kink, b);
    return sum + decode_trapezoid_s(d, a, b);
}

/* ---------------------------------------------------------------- runs */

npu_mem_need npu_run_mem_need(const npu_run_cfg *c) {
    npu_mem_need q = {.wdt = c->wdt, .kvdt = c->kvdt, .hdt = c->hdt, .edt = c->edt, .batch = c->batch};
    switch (c->phase) {
    case NPU_RUN_PREFILL: q.kv_tokens = c->seq, q.step_tokens = (double)c->seq, q.prefill = true; break;
    case NPU_RUN_DECODE: q.kv_tokens = c->ctx + 1, q.step_tokens = 1; break;
    case NPU_RUN_E2E: q.kv_tokens = c->input + c->output, q.step_tokens = (double)c->input, q.prefill = true; break;
    default: /* offline: reserved per request; one step's tokens per sequence: its decode and its share of a prompt */
        q.kv_tokens = c->input + c->output, q.step_tokens = 1 + c->input / (double)c->output;
        break;
    }
    return q;
}

static int check_cfg(const npu_model *m, const npu_run_cfg *c) {
    if ((unsigned)c->phase >= NPU_RUN_PHASES) return npu_err("unknown run phase %d", (int)c->phase), -1;
    if (c->batch <= 0 && c->phase != NPU_RUN_OFFLINE) return npu_err("--batch must be a positive integer"), -1;
    if (c->phase == NPU_RUN_PREFILL && c->seq <= 0) return npu_err("--seq must be a positive integer"), -1;
    if (c->phase == NPU_RUN_DECODE && (c->ctx <= 0 || c->ctx == LONG_MAX))
        return npu_err("--ctx must be a positive integer below 2^63 - 1"), -1;
    if ((c->phase == NPU_RUN_E2E || c->phase == NPU_RUN_OFFLINE) && (c->input <= 0 || c->output <= 0))
        return npu_err("--input and --output must be positive integers"), -1;
    if (!(c->moe_skew >= 0 && isfinite(c->moe_skew))) return npu_err("--moe-skew must be a finite number >= 0"), -1;
    bool two = c->phase == NPU_RUN_E2E || c->phase == NPU_RUN_OFFLINE;
    if (two && c->input > LONG_MAX - c->output) { /* no model holds that: say which limit */
        if (m->max_seq > 0)
            npu_err("--input %ld + --output %ld tokens per sequence exceed %s's context window of %d", c->input,
                    c->output, m->name, m->max_seq);
        else
            npu_err("--input %ld + --output %ld tokens overflow a 64-bit count", c->input, c->output);
        return -1;
    }
    long need = npu_run_mem_need(c).kv_tokens;
    if (m->max_seq > 0 && need > m->max_seq) {
        if (two)
            npu_err("--input %ld + --output %ld = %ld tokens per sequence exceed %s's context window of %d", c->input,
                    c->output, need, m->name, m->max_seq);
        else
            npu_err("%ld tokens per sequence exceed %s's context window of %d", need, m->name, m->max_seq);
        return -1;
    }
    return npu_plan_check(m, c->plan);
}

/* The engine's memory besides weights, KV and the step's activations: its
 * workspace (beyond the step's own activations) and its reserve, bytes per chip;
 * a run that does not fit with them is refused. */
static int engine_memory(const npu_engine *e, const npu_model *m, const npu_hw *hw, npu_plan pl, npu_mem_plan *mp) {
    double ws = npu_engine_workspace_B(e, m, pl, mp->act_B);
    double extra = ws - mp->act_B + npu_engine_reserve_B(e, hw);
    if (extra <= 0) return 0;
    mp->act_B = ws;
    mp->reserve_B = npu_engine_reserve_B(e, hw);
    mp->total_B = mp->weights_B + mp->kv_B + mp->act_B + mp->reserve_B;
    if (mp->total_B <= mp->capacity_B) return 0;
    npu_err("%s does not fit in %s's %.1f GiB%s with engine %s: needs %.1f GiB (weights %.1f, KV cache %.1f, "
            "activations %.1f, engine reserve %.1f), over by %.1f GiB",
            m->name, hw->name, mp->capacity_B / GIB, npu_plan_replica_chips(pl) > 1 ? " per chip" : "", e->name,
            mp->total_B / GIB, mp->weights_B / GIB, mp->kv_B / GIB, mp->act_B / GIB, mp->reserve_B / GIB,
            (mp->total_B - mp->capacity_B) / GIB);
    return -1;
}

/* The trtllm-bench engine build (tensorrt_llm/bench/build/tuning.py [V]):
 * requests of input+output tokens in 0.95 of the memory the weights leave,
 * capped at 4096, per pipeline stage (its raw_bs, before rounding). */
static double bench_raw_batch(const npu_model *m, const npu_hw *hw, npu_plan pl, const npu_run_cfg *c, double tokens) {
    double w = npu_plan_weight_bytes(m, pl, c->wdt), kvt = npu_plan_kv_bytes_per_token(m, pl, c->kvdt);
    double raw = 0.95 * (hw->mem_bytes - w) / (kvt * tokens) * npu_plan_attn_dp(pl);
    if (raw > NPU_OFFLINE_MAX_BATCH) raw = NPU_OFFLINE_MAX_BATCH;
    return raw / pl.pp;
}

/* Its max batch: raw_bs rounded up: to 32 (at least 64) below 256, to 128
 * below 1024, to 256 above; all stages. */
static long bench_max_batch(const npu_model *m, const npu_hw *hw, npu_plan pl, const npu_run_cfg *c, double tokens) {
    double raw = bench_raw_batch(m, hw, pl, c, tokens);
    long b = raw < 256 ? 32 * (long)ceil(raw / 32) : raw < 1024 ? 128 * (long)ceil(raw / 128) : 256 * (long)ceil(raw / 256);
    if (b < 64) b = 64;
    return b * pl.pp;
}

/* Its max_num_tokens, the token budget of one step (of a micro-batch): raw_bs x
 * (1 + input/output), at most 32768, rounded up: to 256 (at least 2048) below
 * 4096, to 512 below 8192, to 1024 above. trtllm-bench runs with chunked
 * context on (bench/dataclasses/configuration.py: chunking True [V]), so a
 * prompt longer than what the budget leaves beside the decodes is chunked. */
static long bench_max_tokens(const npu_model *m, const npu_hw *hw, npu_plan pl, const npu_run_cfg *c) {
    double raw = bench_raw_batch(m, hw, pl, c, (double)(c->input + c->output)) * (1 + (double)c->input / c->output);
    if (raw > 32768) raw = 32768;
    if (raw < 4096) return raw <= 2048 ? 2048 : 256 * (long)ceil(raw / 256);
    return raw < 8192 ? 512 * (long)ceil(raw / 512) : 1024 * (long)ceil(raw / 1024);
}

/* The offline step's token budget (tokens of one micro-batch per step, per
 * attention group), 0 when prompts are prefilled whole whatever their length. */
static long offline_token_budget(const npu_model *m, const npu_hw *hw, npu_plan pl, const npu_run_cfg *c,
                                 const npu_engine *e) {
    if (e->ideal || !e->bench_batch) return 0;
    return bench_max_tokens(m, hw, pl, c);
}

/* In-flight requests of the offline steady state: the largest batch whose KV
 * fits the engine's capacity (npu_engine_kv_capacity) beside the activations of
 * its own steady-state step. Each request holds input + output tokens when the
 * engine reserves whole sequences (TensorRT-LLM's default), input + output/2 on
 * average when it admits on demand (its tokens grow while others finish); the
 * sliding window caps both. Then the engine's max_seqs (and the trtllm-bench
 * build rule) and NPU_OFFLINE_MAX_BATCH cap it. */
static int offline_batch(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, const npu_engine *e) {
    npu_plan pl = npu_plan_norm(c->plan);
    npu_mem_need q = npu_run_mem_need(c);
    double reserve = (double)q.kv_tokens; /* tokens each request holds */
    if (e->sched.admission == NPU_ADMIT_ON_DEMAND) reserve = c->input + c->output / 2.0;
    npu_model km = npu_engine_kv_model(e, m); /* the window as the engine's KV blocks hold it */
    reserve = npu_model_kv_tokens(&km, reserve); /* local layers stop at the sliding window */
    long adp = npu_plan_attn_dp(pl);
    /* largest b (sequences per attention group) with b requests in the capacity
     * left beside the activations of b sequences' step */
    long lo = 0, hi = NPU_OFFLINE_MAX_BATCH / adp + 1;
    while (hi - lo > 1) {
        long b = lo + (hi - lo) / 2;
        double act = npu_plan_act_bytes(m, pl, b * q.step_tokens, (double)b);
        long cap = npu_engine_kv_capacity(e, m, hw, pl, c->wdt, c->hdt, c->edt, c->kvdt, act) / adp;
        if ((double)b * reserve <= (double)cap) lo = b;
        else hi = b;
    }
    long b = lo * adp;
    if (!e->ideal && e->sched.max_seqs > 0 && b > e->sched.max_seqs) b = e->sched.max_seqs;
    if (!e->ideal && e->bench_batch) {
        long cap = bench_max_batch(m, hw, pl, c, (double)q.kv_tokens);
        if (b > cap) b = cap;
    }
    if (b > NPU_OFFLINE_MAX_BATCH / pl.pp * pl.pp) b = NPU_OFFLINE_MAX_BATCH;
    return b < 1 ? 1 : (int)b;
}

/* Offline steady state: each step decodes `batch` sequences at the mean context
 * input + output/2 and prefills batch/output prompts on average; the fractional
 * prompt count is interpolated between the steps with 0 and ceil(batch/output),
 * each under the engine's step rule.
 * Attention-DP groups (npu_plan_attn_dp) admit independently, each when its own
 * requests finish (TensorRT-LLM does not balance them by default [R]): with
 * fewer prompts per step than groups, a group has one in a share f of the
 * steps; a step is mixed when any group has one (1 - (1 - f)^G of the steps)
 * and waits for it; it carries the expected number of prompts given one.
 * With a token budget (offline_token_budget) a step carries at most that many
 * tokens per group: its decodes, then prompt work in the room left. A prompt
 * longer than the room is chunked (TensorRT-LLM's chunked context): a group's
 * mixed step carries one chunk of `room` tokens at the mean cached prefix
 * (input - room)/2 (so that the chunks' attention adds up to the prompt's),
 * a prompt takes ceil(input/room) such steps, and f is the group's prompt
 * tokens per step over room. Where the prompt tokens a step needs exceed what
 * the budget admits (npusim's batch above the build's estimate), prompts stay
 * whole, as without a budget. */
static int run_offline(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, const npu_engine *e,
                       npu_run_result *r) {
    npu_plan pl = npu_plan_norm(c->plan);
    npu_run_cfg cc = *c;
    if (cc.batch <= 0) cc.batch = offline_batch(m, hw, c, e);
    npu_mem_need need = npu_run_mem_need(&cc);
    if (e->sched.admission == NPU_ADMIT_ON_DEMAND) /* on average a request holds its prompt and half its output */
        need.kv_tokens = c->input + (c->output + 1) / 2;
    npu_model km = npu_engine_kv_model(e, m); /* the window as the engine's KV blocks hold it */
    if (npu_mem_plan_make(&km, hw, pl, &need, &r->mem) || engine_memory(e, m, hw, pl, &r->mem)) return -1;
    r->batch = cc.batch;
    r->chips = npu_plan_replica_chips(pl);
    int mb = cc.batch < pl.pp ? cc.batch : pl.pp;
    r->micro_batches = mb;
    int mbatch = (int)(((long)cc.batch + mb - 1) / mb);
    double per_step = (double)mbatch / c->output; /* prompts admitted per step, per micro-batch */
    int k = (int)ceil(per_step - 1e-12);
    long xlen = c->input, xpre = 0; /* the mixed step: k sequences prefilling xlen tokens after xpre cached */
    long budget = offline_token_budget(m, hw, pl, c, e), nchunks = 1;
    double frac = per_step / k; /* share of steps that are mixed */
    long adp = npu_plan_attn_dp(pl);
    double f = per_step / adp; /* share of steps in which a group admits a prompt (when <= 1) */
    if (budget > 0) {
        long room = budget - (mbatch + adp - 1) / adp; /* prompt tokens a group's step still takes */
        double pneed = per_step * c->input;            /* prompt tokens per step, all groups */
        if (room > 0 && room < c->input && pneed <= (double)adp * room) {
            xlen = room, xpre = (c->input - room) / 2, nchunks = (c->input + room - 1) / room;
            f = pneed / ((double)adp * room);
        }
    }
    if (f <= 1 && (adp > 1 || xlen < c->input)) {
        frac = 1 - pow(1 - f, (double)adp);
        k = (int)ceil(adp * f / frac - 1e-9);
        if (k > adp) k = (int)adp;
    }
    long ctx = c->input + c->output / 2;
    npu_step_cfg s = {.phase = NPU_PHASE_DECODE, .batch = mbatch, .seq = 1, .ctx = ctx, .stack = c->stack,
                      .wdt = c->wdt, .adt = c->adt, .kvdt = c->kvdt, .hdt = c->hdt, .edt = c->edt, .plan = pl,
                      .moe_skew = c->moe_skew, .impl = npu_engine_graph_impl(e, m)};
    bool graphed_d, graphed_x;
    pad_decode(e, pl, mbatch, &s, &graphed_d);
    r->graphed = graphed_d;
    r->padded_batch = s.impl.rows_pad > 0 ? (int)s.impl.rows_pad : mbatch;
    stages D, X;
    int rc = -1;
    memset(&X, 0, sizeof X);
    if (stages_eval(m, hw, &s, &r->dgraph, &r->dstep, &r->clock_frac, &D)) goto out;
    s.mix_seqs = k, s.mix_len = xlen, s.mix_ctx = xpre, s.impl.rows_pad = 0;
    graphed_x = !e->ideal && npu_engine_graphed(e, false, mbatch + k, mbatch + (long)k * xlen);
    if (stages_eval(m, hw, &s, &r->graph, &r->step, &r->clock_frac, &X)) goto out;
    double tokens = (double)mbatch + k * (double)xlen;
    if (pl.pp > 1) r->p2p_s = npu_comm_op(hw, NPU_COLL_SENDRECV, 2, tokens * m->hidden * 2.0).time_s;
    span dec = stages_span(false, pl.pp, mb, &D, r->p2p_s), mix = stages_span(false, pl.pp, mb, &X, r->p2p_s);
    npu_engine_step_out od = engine_span(e, hw, pl, &D, mb, graphed_d, dec, host_launches(e, &D, graphed_d, mb), cc.batch, 0);
    npu_engine_step_out ox = engine_span(e, hw, pl, &X, mb, graphed_x, mix, host_launches(e, &X, graphed_x, mb), cc.batch + k, k);
    double t_step = od.step_s + (ox.step_s - od.step_s) * frac;
    r->tpot_s = t_step;
    r->ttft_s = (double)nchunks * ox.step_s + ox.deliver_s; /* a chunked prompt: one mixed step per chunk */
    r->latency_s = r->ttft_s + (c->output - 1) * t_step; /* one request, once admitted */
    r->tokens_per_s = cc.batch / t_step;
    r->host_s = od.host_s;
    r->engine_s = od.step_s - dec.t;
    /* energy of an average step on one chip: its kernels' share between the two
     * steps, plus idle power while the engine's host time runs */
    double td, ed, tx, ex;
    stages_mean(&D, &td, &ed);
    stages_mean(&X, &tx, &ex);
    double e_kern = (ed + (ex - ed) * frac) * mb;
    double t_kern = (td + (tx - td) * frac) * mb;
    double e_step = e_kern + npu_power_idle_w(hw) * (t_step - t_kern > 0 ? t_step - t_kern : 0);
    r->power_w = e_step / t_step;
    r->energy_j = r->power_w * r->chips * t_step; /* the replica, per step */
    r->decode_energy_j = r->energy_j;
    r->energy_j_per_token = r->energy_j / cc.batch;
    rc = 0;
out:
    stages_free(&D), stages_free(&X);
    return rc;
}

/* Prefill, decode and e2e: a static batch. */
static int run_steps(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, const npu_engine *e,
                     npu_run_result *r) {
    r->batch = c->batch;
    npu_plan pl = npu_plan_norm(c->plan);
    npu_mem_need need = npu_run_mem_need(c);
    npu_model km = npu_engine_kv_model(e, m); /* the window as the engine's KV blocks hold it */
    if (npu_mem_plan_make(&km, hw, pl, &need, &r->mem) || engine_memory(e, m, hw, pl, &r->mem)) return -1;
    r->chips = npu_plan_replica_chips(pl);
    int mb = c->batch < pl.pp ? c->batch : pl.pp;
    r->micro_batches = mb;
    int mbatch = (int)(((long)c->batch + mb - 1) / mb);
    npu_step_cfg s = {.batch = mbatch, .stack = c->stack, .wdt = c->wdt, .adt = c->adt, .kvdt = c->kvdt,
                      .hdt = c->hdt, .edt = c->edt, .plan = pl, .moe_skew = c->moe_skew,
                      .impl = npu_engine_graph_impl(e, m)};
    /* stage-to-stage: the micro-batch's hidden states of this step */
    double act_tokens = c->phase == NPU_RUN_DECODE ? mbatch : (double)mbatch * (c->phase == NPU_RUN_PREFILL ? c->seq : c->input);
    if (pl.pp > 1) r->p2p_s = npu_comm_op(hw, NPU_COLL_SENDRECV, 2, act_tokens * m->hidden * 2.0).time_s;
    stages P, D;
    int rc = -1;
    memset(&D, 0, sizeof D);
    double t, en;
    bool graphed;
    if (c->phase == NPU_RUN_DECODE) {
        s.phase = NPU_PHASE_DECODE, s.seq = 1, s.ctx = c->ctx;
        pad_decode(e, pl, mbatch, &s, &graphed);
        r->graphed = graphed;
        r->padded_batch = s.impl.rows_pad > 0 ? (int)s.impl.rows_pad : mbatch;
        memset(&P, 0, sizeof P);
        if (stages_eval(m, hw, &s, &r->graph, &r->step, &r->clock_frac, &D)) goto out;
        span sp = stages_span(false, pl.pp, mb, &D, r->p2p_s);
        npu_engine_step_out o = engine_span(e, hw, pl, &D, mb, graphed, sp, host_launches(e, &D, graphed, mb), c->batch, 0);
        r->latency_s = r->tpot_s = o.step_s;
        r->host_s = o.host_s, r->engine_s = o.step_s - sp.t;
        r->tokens_per_s = c->batch / r->latency_s;
        stages_mean(&D, &t, &en);
        r->decode_energy_j = r->energy_j = step_energy(hw, r->chips, en / t, o.gpu_s, o.step_s);
        r->power_w = r->energy_j / (r->chips * r->latency_s);
        r->energy_j_per_token = r->energy_j / c->batch;
        rc = 0;
        goto out;
    }
    s.phase = NPU_PHASE_PREFILL, s.ctx = 0;
    s.seq = c->phase == NPU_RUN_PREFILL ? c->seq : c->input;
    /* a prefill short enough to replay a piecewise/full graph runs at its captured token count */
    bool graphed_p = !e->ideal && npu_engine_graphed(e, false, mbatch, (long)mbatch * s.seq);
    if (graphed_p && pl.cp == 1) {
        long tok = npu_plan_seqs_per_chip(pl, mbatch) * s.seq, p = npu_engine_padded(e, tok);
        if (p > tok) s.impl.rows_pad = p;
    }
    if (stages_eval(m, hw, &s, &r->graph, &r->step, &r->clock_frac, &P)) goto out;
    stages_mean(&P, &t, &en);
    double pw = en / t; /* W per chip */
    span sp = stages_span(true, pl.pp, mb, &P, r->p2p_s);
    npu_engine_step_out op = engine_span(e, hw, pl, &P, mb, graphed_p, sp, host_launches(e, &P, graphed_p, mb), c->batch, c->batch);
    r->ttft_s = op.step_s + op.deliver_s;
    r->prefill_energy_j = step_energy(hw, r->chips, pw, op.gpu_s, op.step_s);
    r->host_s = op.host_s, r->engine_s = op.step_s - sp.t;
    if (c->phase == NPU_RUN_PREFILL) { /* the step itself (a prompt's first token: ttft_s) */
        r->latency_s = op.step_s;
        r->tokens_per_s = (double)c->batch * c->seq / r->latency_s;
        r->power_w = r->prefill_energy_j / (r->chips * r->latency_s);
        r->energy_j = r->prefill_energy_j;
        r->energy_j_per_token = r->energy_j / ((double)c->batch * c->seq);
        rc = 0;
        goto out;
    }
    /* e2e: the prefill yields the first token; then output-1 decode steps, the
     * context growing by one each step; the last token is delivered after its step */
    r->latency_s = r->ttft_s;
    double wall = op.step_s; /* prefill + decode steps, without deliveries */
    if (c->output > 1) {
        s.phase = NPU_PHASE_DECODE, s.seq = 1, s.ctx = c->input;
        pad_decode(e, pl, mbatch, &s, &graphed);
        r->graphed = graphed;
        r->padded_batch = s.impl.rows_pad > 0 ? (int)s.impl.rows_pad : mbatch;
        if (stages_eval(m, hw, &s, &r->dgraph, &r->dstep, &r->clock_frac, &D)) goto out;
        stages_mean(&D, &t, &en);
        double pd = en / t;
        decode_run d = {.m = m, .hw = hw, .pl = pl, .mb = mb, .S = &D, .e = e,
                        .launches = host_launches(e, &D, graphed, mb), .seqs = c->batch, .graphed = graphed};
        if (pl.pp > 1) d.p2p_s = npu_comm_op(hw, NPU_COLL_SENDRECV, 2, (double)mbatch * m->hidden * 2.0).time_s;
        /* the first step as costed (TDP throttle included), then the growing contexts */
        span sd = stages_span(false, pl.pp, mb, &D, d.p2p_s);
        npu_engine_step_out od = engine_span(e, hw, pl, &D, mb, graphed, sd, d.launches, c->batch, 0);
        double decode_total = od.step_s;
        if (c->output > 2) decode_total += decode_sum_s(&d, c->input + 2, c->input + c->output - 1);
        double last_deliver = c->output > 2 ? decode_step(&d, c->input + c->output - 1).deliver_s : od.deliver_s;
        r->host_s = od.host_s, r->engine_s = od.step_s - sd.t;
        wall += decode_total;
        r->latency_s = op.step_s + decode_total + last_deliver;
        r->tpot_s = (r->latency_s - r->ttft_s) / (c->output - 1);
        /* decode steps differ only in attention length: power ~ the first step's */
        r->decode_energy_j = step_energy(hw, r->chips, pd, decode_total * od.gpu_s / od.step_s, decode_total);
    }
    r->tokens_per_s = (double)c->batch * c->output / r->latency_s;
    /* the chips idle while the host delivers the last token */
    r->energy_j = r->prefill_energy_j + r->decode_energy_j + r->chips * npu_power_idle_w(hw) * (r->latency_s - wall);
    r->power_w = r->energy_j / (r->chips * r->latency_s);
    r->energy_j_per_token = r->energy_j / ((double)c->batch * c->output);
    rc = 0;
out:
    stages_free(&P), stages_free(&D);
    return rc;
}

int npu_run(const npu_model *m0, const npu_hw *hw, const npu_run_cfg *c, npu_run_result *r) {
    memset(r, 0, sizeof *r);
    r->clock_frac = 1.0;
    const npu_engine *e = c->engine ? c->engine : npu_engine_ideal();
    npu_strlcpy(r->engine, e->name, sizeof r->engine);
    npu_model m = npu_engine_model(e, m0); /* the model as the engine runs it (its window) */
    if (check_cfg(&m, c)) return -1;
    return c->phase == NPU_RUN_OFFLINE ? run_offline(&m, hw, c, e, r) : run_steps(&m, hw, c, e, r);
}
