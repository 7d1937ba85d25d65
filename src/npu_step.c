/* npu_step — step evaluation, memory plan, prefill/decode/e2e runs. */
#include "npu_step.h"
#include "npu_power.h"

#include <math.h>
#include <string.h>

const char *const npu_run_phase_names[3] = {"prefill", "decode", "e2e"};

void npu_step_eval(const npu_hw *hw, const npu_graph *g, npu_step_result *r) {
    memset(r, 0, sizeof *r);
    for (int i = 0; i < g->n; i++) {
        const npu_kernel *k = &g->k[i];
        npu_kcost c = npu_cost_kernel(hw, k, NPU_IN_STEP);
        r->kc[i] = c;
        double t = c.time_s * k->count;
        r->time_s += t;
        r->kind_time_s[k->kind] += t;
        r->bound_time_s[c.bound] += t;
        r->flops += k->flops * k->count;
        r->bytes += k->bytes * k->count;
        r->launches += k->launches * k->count;
    }
}

/* Re-cost only the attention entries of a decode graph at a new context length
 * (everything else in a decode step does not depend on the context). */
static double decode_time_at(const npu_hw *hw, npu_graph *g, const npu_step_result *base,
                             const npu_model *m, long kv_len) {
    double t = base->time_s;
    long eff_len = m->sliding_window > 0 && kv_len > m->sliding_window ? m->sliding_window : kv_len;
    for (int i = 0; i < g->n; i++) {
        npu_kernel *k = &g->k[i];
        if (k->kind != NPU_KK_ATTN) continue;
        npu_kernel moved = npu_kernel_attention(k->batch, k->heads, k->kv_heads, k->head_dim, k->q_len,
                                                eff_len, k->causal, k->adt, k->kvdt);
        moved.bytes += k->bytes - npu_kernel_attention(k->batch, k->heads, k->kv_heads, k->head_dim,
                                                       k->q_len, k->kv_len, k->causal, k->adt,
                                                       k->kvdt).bytes;
        moved.count = k->count;
        npu_kcost c = npu_cost_kernel(hw, &moved, NPU_IN_STEP);
        t += (c.time_s - base->kc[i].time_s) * k->count;
    }
    return t;
}

int npu_mem_plan_make(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, npu_mem_plan *p) {
    memset(p, 0, sizeof *p);
    double wb = npu_dtype_bytes(c->wdt);
    double emb = (double)m->vocab * m->hidden;
    /* embedding table stays 16-bit; every other weight at the weight datatype */
    p->weights_B = (npu_model_params(m, false) - emb) * wb + emb * 2.0;
    long tokens = c->phase == NPU_RUN_PREFILL ? c->seq
                  : c->phase == NPU_RUN_DECODE ? c->ctx + 1
                                               : c->input + c->output;
    if (m->sliding_window > 0 && tokens > m->sliding_window) tokens = m->sliding_window;
    p->kv_B = (double)c->batch * tokens * npu_model_kv_bytes_per_token(m, npu_dtype_bytes(c->kvdt));
    double T = c->phase == NPU_RUN_DECODE ? c->batch : (double)c->batch * (c->phase == NPU_RUN_PREFILL ? c->seq : c->input);
    int widest = m->moe.experts > 0 ? m->moe.expert_ffn * (m->moe.top_k + m->moe.shared_experts) : m->ffn;
    if (widest < m->ffn) widest = m->ffn;
    double per_tok = (3.0 * m->hidden + 2.0 * widest + (m->heads + 2.0 * m->kv_heads) * m->head_dim) * 2.0;
    p->act_B = T * per_tok + (double)c->batch * m->vocab * 4.0;
    p->total_B = p->weights_B + p->kv_B + p->act_B;
    p->capacity_B = hw->mem_bytes;
    if (p->total_B > p->capacity_B) {
        npu_err("%s does not fit in %s's %.1f GB: needs %.1f GB (weights %.1f, KV cache %.1f, "
                "activations %.1f), over by %.1f GB",
                m->name, hw->name, p->capacity_B / 1e9, p->total_B / 1e9, p->weights_B / 1e9,
                p->kv_B / 1e9, p->act_B / 1e9, (p->total_B - p->capacity_B) / 1e9);
        return -1;
    }
    return 0;
}

static int check_cfg(const npu_model *m, const npu_run_cfg *c) {
    if (c->batch <= 0) return npu_err("--batch must be a positive integer"), -1;
    if (c->phase == NPU_RUN_PREFILL && c->seq <= 0) return npu_err("--seq must be a positive integer"), -1;
    if (c->phase == NPU_RUN_DECODE && c->ctx <= 0) return npu_err("--ctx must be a positive integer"), -1;
    if (c->phase == NPU_RUN_E2E && (c->input <= 0 || c->output <= 0))
        return npu_err("--input and --output must be positive integers"), -1;
    long need = c->phase == NPU_RUN_PREFILL ? c->seq : c->phase == NPU_RUN_DECODE ? c->ctx + 1 : c->input + c->output;
    if (m->max_seq > 0 && need > m->max_seq) {
        npu_err("%ld tokens per sequence exceed %s's context window of %d", need, m->name, m->max_seq);
        return -1;
    }
    return 0;
}

static int run_steps(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, npu_run_result *r) {
    memset(r, 0, sizeof *r);
    if (check_cfg(m, c) || npu_mem_plan_make(m, hw, c, &r->mem)) return -1;
    npu_step_cfg s = {.batch = c->batch, .stack = c->stack, .wdt = c->wdt, .adt = c->adt, .kvdt = c->kvdt};
    if (c->phase == NPU_RUN_DECODE) {
        s.phase = NPU_PHASE_DECODE, s.seq = 1, s.ctx = c->ctx;
        if (npu_graph_build(m, &s, &r->graph)) return -1;
        npu_step_eval(hw, &r->graph, &r->step);
        r->latency_s = r->step.time_s;
        r->tokens_per_s = c->batch / r->latency_s;
        r->tpot_s = r->latency_s;
        return 0;
    }
    s.phase = NPU_PHASE_PREFILL, s.ctx = 0;
    s.seq = c->phase == NPU_RUN_PREFILL ? c->seq : c->input;
    if (npu_graph_build(m, &s, &r->graph)) return -1;
    npu_step_eval(hw, &r->graph, &r->step);
    r->ttft_s = r->step.time_s;
    if (c->phase == NPU_RUN_PREFILL) {
        r->latency_s = r->step.time_s;
        r->tokens_per_s = (double)c->batch * c->seq / r->latency_s;
        return 0;
    }
    /* e2e: the prefill yields the first token; then output-1 decode steps, the
     * context growing by one each step */
    r->latency_s = r->ttft_s;
    if (c->output > 1) {
        s.phase = NPU_PHASE_DECODE, s.seq = 1, s.ctx = c->input;
        if (npu_graph_build(m, &s, &r->dgraph)) return -1;
        npu_step_eval(hw, &r->dgraph, &r->dstep);
        double decode_total = 0;
        for (long j = 0; j < c->output - 1; j++)
            decode_total += j == 0 ? r->dstep.time_s
                                   : decode_time_at(hw, &r->dgraph, &r->dstep, m, c->input + j + 1);
        r->tpot_s = decode_total / (c->output - 1);
        r->latency_s += decode_total;
    }
    r->tokens_per_s = (double)c->batch * c->output / r->latency_s;
    return 0;
}

int npu_run(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, npu_run_result *r) {
    if (run_steps(m, hw, c, r)) return -1;
    npu_power_run(hw, c, r); /* energy, and the TDP throttle of each step */
    return 0;
}
