/* npu_quantcmp — each format timed as npusim run times it, side by side. */
#include "npu_quantcmp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const npu_dtype npu_qcmp_default_formats[] = {NPU_BF16, NPU_FP16, NPU_FP8,    NPU_INT8,  NPU_Q8_0,
                                              NPU_INT4, NPU_Q4_K_M, NPU_Q4_0, NPU_MXFP4, NPU_NVFP4};
const int npu_qcmp_n_default_formats = (int)NPU_ARRAY_LEN(npu_qcmp_default_formats);

const char *npu_qcmp_path_text(const npu_qcmp_row *r, char *buf, int cap) {
    const char *c = npu_dtype_names[r->path.cdt];
    int cb = npu_dtype_elem_bits(r->path.cdt);
    if (r->path.native && npu_dtype_elem(r->w) != r->w) snprintf(buf, (size_t)cap, "native %s", c);
    else if (r->dequant_ops > 0) snprintf(buf, (size_t)cap, "dequant -> %s", c);
    else if (cb < npu_dtype_elem_bits(r->w) && cb < npu_dtype_elem_bits(r->path.act))
        snprintf(buf, (size_t)cap, "as %s (converted)", c); /* an integer-only NPU's compiler quantizes */
    else snprintf(buf, (size_t)cap, "%s", c);
    return buf;
}

/* Seconds of a step's GEMM compute that dequantize weights (npu_cost_dequant_s, once per
 * row of tiles as the tiled kernel does it). */
static double step_dequant_s(const npu_hw *hw, const npu_graph *g, const npu_step_result *s) {
    double t = 0;
    for (int i = 0; i < g->n; i++) {
        const npu_kernel *k = &g->k[i];
        if (k->kind != NPU_KK_GEMM) continue;
        npu_dtype cdt = npu_hw_gemm_dtype(hw, k->wdt, k->adt);
        double rows = s->kc[i].tile_m > 0 ? ceil((double)k->m / s->kc[i].tile_m) : 1;
        t += npu_cost_dequant_s(hw, k->wdt, cdt, (double)k->n * k->k * (k->groups > 0 ? k->groups : 1)) * rows *
             k->count;
    }
    return t;
}

static void fill_step(const npu_hw *hw, const npu_qcmp_row *row, const npu_run_result *r, npu_qcmp_step *o) {
    o->time_s = r->latency_s;
    o->tokens_per_s = r->tokens_per_s;
    o->energy_j_per_token = r->energy_j_per_token;
    o->dram_bytes = r->step.bytes;
    o->flops = r->step.flops;
    int b = 0;
    for (int i = 1; i < NPU_BOUND_COUNT; i++)
        if (r->step.bound_time_s[i] > r->step.bound_time_s[b]) b = i;
    o->bound = (npu_bound)b;
    o->dequant_s = step_dequant_s(hw, &r->graph, &r->step);
    double compute_s = r->step.bound_time_s[NPU_BOUND_COMPUTE];
    npu_dtype cdt = row->path.cdt;
    switch (o->bound) {
    case NPU_BOUND_MEMORY:
        snprintf(o->why, sizeof o->why, "memory: %.3g GB per step at %.0f GB/s", o->dram_bytes / 1e9,
                 hw->mem_bw_Bps / 1e9);
        break;
    case NPU_BOUND_COMPUTE:
        if (o->dequant_s >= 0.5 * compute_s)
            snprintf(o->why, sizeof o->why, "dequantization: %.2f vector ops per weight at %.3g Tops (%s)",
                     row->dequant_ops, hw->vec_ops[cdt] * hw->eff.vec_eff / 1e12, npu_dtype_names[cdt]);
        else
            snprintf(o->why, sizeof o->why, "compute: %s%s matrix at %.0f TFLOP/s peak%s",
                     row->path.native && npu_dtype_elem(row->w) != row->w ? "native " : "", npu_dtype_names[cdt],
                     hw->peak_flops[cdt] / 1e12, o->dequant_s > 0 ? ", dequantization overlapped" : "");
        break;
    case NPU_BOUND_COMM: snprintf(o->why, sizeof o->why, "communication between the plan's chips"); break;
    default: snprintf(o->why, sizeof o->why, "overhead: kernel launches and memory latencies"); break;
    }
}

/* Time one format: its decode step and its prefill on `big` (the chip with room for any
 * weights), its memory plan on the real chip. */
static int time_format(const npu_model *m, const npu_hw *hw, const npu_hw *big, const npu_qcmp_cfg *c, npu_dtype w,
                       npu_run_result *r, npu_qcmp_row *row) {
    const npu_fmt *f = npu_dtype_fmt(w);
    memset(row, 0, sizeof *row);
    row->w = w;
    row->act = c->act_set ? c->act : f->act;
    row->kv = c->kv_set ? c->kv : f->kv;
    row->head = npu_dtype_head(w, c->hdt);
    row->emb = m->tied_embeddings ? row->head : npu_dtype_emb(w, c->edt);
    row->path = npu_hw_gemm_path(hw, w, row->act);
    npu_kernel probe = npu_kernel_gemm("probe", 1, 1, 1, w, row->act);
    row->dequant_ops = npu_cost_dequant_ops(hw, &probe, 1);
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = c->batch, .ctx = c->ctx, .stack = c->stack, .wdt = w,
                      .adt = row->act, .kvdt = row->kv, .hdt = c->hdt, .edt = c->edt, .plan = c->plan,
                      .moe_skew = c->moe_skew};
    npu_mem_need need = npu_run_mem_need(&rc);
    npu_mem_plan mp;
    row->fits = npu_mem_plan_make(m, hw, npu_plan_norm(c->plan), &need, &mp) == 0;
    row->weights_B = mp.weights_B, row->need_B = mp.total_B, row->capacity_B = hw->mem_bytes;
    if (npu_run(m, big, &rc, r)) return -1;
    fill_step(hw, row, r, &row->decode);
    rc.phase = NPU_RUN_PREFILL, rc.seq = c->seq;
    if (npu_run(m, big, &rc, r)) return -1;
    fill_step(hw, row, r, &row->prefill);
    return 0;
}

int npu_qcmp_run(const npu_model *m, const npu_hw *hw, const npu_qcmp_cfg *c, npu_qcmp_row *rows, int cap, int *n) {
    *n = 0;
    const npu_dtype *fs = c->formats ? c->formats : npu_qcmp_default_formats;
    int nf = c->formats ? c->n_formats : npu_qcmp_n_default_formats;
    if (nf > cap) nf = cap;
    /* the same chip with memory for any weights: times of formats that do not fit */
    npu_hw *big = npu_xmalloc(sizeof *big);
    *big = *hw;
    big->mem_bytes = 1e30;
    npu_run_result *r = npu_xmalloc(sizeof *r);
    npu_qcmp_row ref;
    int rc = time_format(m, hw, big, c, NPU_BF16, r, &ref);
    for (int i = 0; i < nf && rc == 0; i++) {
        rc = time_format(m, hw, big, c, fs[i], r, &rows[i]);
        if (rc) break;
        rows[i].decode.speedup = ref.decode.time_s / rows[i].decode.time_s;
        rows[i].prefill.speedup = ref.prefill.time_s / rows[i].prefill.time_s;
        *n = i + 1;
    }
    free(r);
    free(big);
    return rc;
}
