/* npu_report — presentation only: no model logic here.
 *
 * Units: memory capacities and plans in GiB (2^30 bytes: what vendors call the
 * "80 GB" of an H100, and what DRAM dies hold), labelled GiB in text and `_gib`
 * in JSON; traffic stays in bytes (`dram_bytes`) and bandwidth in GB/s (1e9). */
#include "npu_report.h"

#include <stdlib.h>
#include <string.h>

#define GIB 1073741824.0

void npu_report_print_json(FILE *out, cJSON *j) {
    char *s = cJSON_Print(j);
    fprintf(out, "%s\n", s);
    free(s);
    cJSON_Delete(j);
}

static cJSON *step_json(const npu_hw *hw, const npu_graph *g, const npu_step_result *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "time_ms", s->time_s * 1e3);
    cJSON_AddNumberToObject(o, "flops", s->flops);
    cJSON_AddNumberToObject(o, "dram_bytes", s->bytes);
    if (s->sram_bytes > 0) cJSON_AddNumberToObject(o, "sram_bytes", s->sram_bytes); /* weights resident on chip */
    cJSON_AddNumberToObject(o, "kernel_launches", s->launches);
    cJSON *kinds = cJSON_AddObjectToObject(o, "time_ms_by_kind");
    for (int i = 0; i < NPU_KK_COUNT; i++) cJSON_AddNumberToObject(kinds, npu_kkind_names[i], s->kind_time_s[i] * 1e3);
    cJSON *bounds = cJSON_AddObjectToObject(o, "time_ms_by_bound");
    for (int i = 0; i < NPU_BOUND_COUNT; i++) cJSON_AddNumberToObject(bounds, npu_bound_names[i], s->bound_time_s[i] * 1e3);
    cJSON *ks = cJSON_AddArrayToObject(o, "kernels");
    for (int i = 0; i < g->n; i++) {
        const npu_kernel *k = &g->k[i];
        const npu_kcost *c = &s->kc[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", k->name);
        cJSON_AddStringToObject(e, "kind", npu_kkind_names[k->kind]);
        cJSON_AddNumberToObject(e, "count", k->count);
        cJSON_AddNumberToObject(e, "launches", k->launches);
        if (k->kind == NPU_KK_GEMM) {
            cJSON_AddNumberToObject(e, "m", (double)k->m);
            cJSON_AddNumberToObject(e, "n", (double)k->n);
            cJSON_AddNumberToObject(e, "k", (double)k->k);
            if (k->groups > 1) cJSON_AddNumberToObject(e, "groups", k->groups);
            cJSON_AddStringToObject(e, "compute_dtype", npu_dtype_names[npu_hw_gemm_dtype(hw, k->wdt, k->adt)]);
        }
        if (k->kind == NPU_KK_COMM) cJSON_AddNumberToObject(e, "link_bytes", c->link_bytes);
        cJSON_AddNumberToObject(e, "flops", k->flops);
        cJSON_AddNumberToObject(e, "dram_bytes", k->bytes - c->sram_bytes);
        if (c->sram_bytes > 0) cJSON_AddNumberToObject(e, "sram_bytes", c->sram_bytes);
        cJSON_AddNumberToObject(e, "time_us", c->time_s * 1e6);
        cJSON_AddNumberToObject(e, "total_time_us", c->time_s * 1e6 * k->count);
        cJSON_AddNumberToObject(e, "energy_j", c->energy_j);
        cJSON_AddNumberToObject(e, "total_energy_j", c->energy_j * k->count);
        cJSON_AddStringToObject(e, "bound", npu_bound_names[c->bound]);
        cJSON_AddItemToArray(ks, e);
    }
    return o;
}

/* The datatype of each part as stored (issue 11, docs/quantization.md): bits and bytes per
 * element, and for the weights their parameters and GiB on the fullest chip. */
static cJSON *part_json(npu_dtype t, double params, double bytes) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "dtype", npu_dtype_names[t]);
    cJSON_AddNumberToObject(o, "bits_per_element", npu_dtype_bits(t));
    cJSON_AddNumberToObject(o, "bytes_per_element", npu_dtype_bytes(t));
    if (params >= 0) {
        cJSON_AddNumberToObject(o, "params", params);
        cJSON_AddNumberToObject(o, "gib", bytes / GIB);
    }
    return o;
}

static cJSON *formats_json(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, const npu_mem_plan *mp) {
    npu_weight_parts w = npu_plan_stage_weight_parts(m, c->plan, mp->stage > 0 ? mp->stage : 1, c->wdt, c->hdt, c->edt);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "layers", part_json(w.layers_dt, w.layers, w.layers_B));
    cJSON_AddItemToObject(o, "lm_head", part_json(w.head_dt, w.head, w.head_B));
    cJSON_AddItemToObject(o, "embedding", part_json(w.emb_dt, w.emb, w.emb_B));
    cJSON_AddItemToObject(o, "activations", part_json(c->adt, -1, 0));
    cJSON_AddItemToObject(o, "kv_cache", part_json(c->kvdt, -1, 0));
    npu_gemm_path p = npu_hw_gemm_path(hw, c->wdt, c->adt);
    cJSON *g = cJSON_AddObjectToObject(o, "gemm_path"); /* the decoder layers' GEMMs on this chip */
    cJSON_AddStringToObject(g, "compute_dtype", npu_dtype_names[p.cdt]);
    cJSON_AddBoolToObject(g, "native", p.native);
    npu_kernel probe = npu_kernel_gemm("probe", 1, 1, 1, c->wdt, c->adt);
    cJSON_AddNumberToObject(g, "dequant_ops_per_weight", npu_cost_dequant_ops(hw, &probe, 1));
    return o;
}

cJSON *npu_report_run_json(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c,
                           const npu_run_result *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", m->name);
    cJSON_AddStringToObject(o, "hw", hw->name);
    cJSON_AddStringToObject(o, "phase", npu_run_phase_names[c->phase]);
    cJSON_AddStringToObject(o, "engine", r->engine);
    cJSON_AddStringToObject(o, "stack", npu_stack_names[c->stack]);
    cJSON_AddStringToObject(o, "dtype", npu_dtype_names[c->wdt]);
    cJSON_AddStringToObject(o, "act_dtype", npu_dtype_names[c->adt]);
    cJSON_AddStringToObject(o, "kv_dtype", npu_dtype_names[c->kvdt]);
    cJSON_AddItemToObject(o, "formats", formats_json(m, hw, c, &r->mem));
    cJSON_AddNumberToObject(o, "batch", r->batch);
    if (c->phase == NPU_RUN_PREFILL) cJSON_AddNumberToObject(o, "seq", (double)c->seq);
    if (c->phase == NPU_RUN_DECODE) cJSON_AddNumberToObject(o, "ctx", (double)c->ctx);
    if (c->phase == NPU_RUN_E2E || c->phase == NPU_RUN_OFFLINE) {
        cJSON_AddNumberToObject(o, "input", (double)c->input);
        cJSON_AddNumberToObject(o, "output", (double)c->output);
    }
    npu_plan pl = npu_plan_norm(c->plan);
    cJSON *pj = cJSON_AddObjectToObject(o, "plan");
    cJSON_AddNumberToObject(pj, "tp", pl.tp);
    cJSON_AddNumberToObject(pj, "pp", pl.pp);
    cJSON_AddNumberToObject(pj, "ep", pl.ep);
    cJSON_AddNumberToObject(pj, "dp", pl.dp);
    cJSON_AddNumberToObject(pj, "cp", pl.cp);
    cJSON_AddNumberToObject(pj, "chips_per_replica", r->chips);
    cJSON_AddNumberToObject(pj, "chips_total", r->chips * pl.dp);
    cJSON_AddNumberToObject(pj, "micro_batches", r->micro_batches);
    if (c->moe_skew > 0) cJSON_AddNumberToObject(o, "moe_skew", c->moe_skew);
    cJSON_AddNumberToObject(o, "latency_ms", r->latency_s * 1e3);
    cJSON_AddNumberToObject(o, "tokens_per_s", r->tokens_per_s);
    cJSON_AddNumberToObject(o, "tokens_per_s_all_replicas", r->tokens_per_s * pl.dp);
    cJSON_AddNumberToObject(o, "tokens_per_s_per_chip", r->tokens_per_s / r->chips);
    /* what bounds the time: kernels of one chip's stage, by bound, summed over the steps shown */
    cJSON *bd = cJSON_AddObjectToObject(o, "breakdown_ms");
    for (int i = 0; i < NPU_BOUND_COUNT; i++) {
        double t = r->step.bound_time_s[i] + (c->phase == NPU_RUN_E2E ? r->dstep.bound_time_s[i] : 0);
        if (c->phase == NPU_RUN_OFFLINE) t = r->dstep.bound_time_s[i]; /* the decode-only step */
        cJSON_AddNumberToObject(bd, npu_bound_names[i], t * 1e3);
    }
    if (pl.pp > 1) cJSON_AddNumberToObject(bd, "pipeline_p2p", r->p2p_s * 1e3);
    if (c->phase == NPU_RUN_E2E || c->phase == NPU_RUN_OFFLINE) {
        cJSON_AddNumberToObject(o, "ttft_ms", r->ttft_s * 1e3);
        cJSON_AddNumberToObject(o, "tpot_ms", r->tpot_s * 1e3);
    }
    /* the engine around the kernels (npu_engine) */
    cJSON *ej = cJSON_AddObjectToObject(o, "engine_step");
    cJSON_AddNumberToObject(ej, "host_ms", r->host_s * 1e3);
    cJSON_AddNumberToObject(ej, "beyond_kernels_ms", r->engine_s * 1e3);
    cJSON_AddBoolToObject(ej, "decode_graphed", r->graphed);
    if (r->graphed) cJSON_AddNumberToObject(ej, "padded_batch", r->padded_batch);
    cJSON *mem = cJSON_AddObjectToObject(o, "memory");
    cJSON_AddNumberToObject(mem, "weights_gib", r->mem.weights_B / GIB);
    cJSON_AddNumberToObject(mem, "kv_cache_gib", r->mem.kv_B / GIB);
    cJSON_AddNumberToObject(mem, "activations_gib", r->mem.act_B / GIB);
    cJSON_AddNumberToObject(mem, "engine_reserve_gib", r->mem.reserve_B / GIB);
    cJSON_AddNumberToObject(mem, "total_gib", r->mem.total_B / GIB);
    cJSON_AddNumberToObject(mem, "capacity_gib", r->mem.capacity_B / GIB);
    /* explicit datatype conversion: an integer-only NPU quantizes floating-point work */
    npu_dtype want = npu_dtype_bytes(c->wdt) >= npu_dtype_bytes(c->adt) ? c->wdt : c->adt;
    cJSON_AddStringToObject(o, "compute_dtype", npu_dtype_names[npu_hw_gemm_dtype(hw, c->wdt, c->adt)]);
    cJSON_AddBoolToObject(o, "dtype_converted", npu_hw_dtype_converted(hw, want));
    /* the chip's roof, for the HTML report's roofline (npu_html): dense peak of
     * the GEMMs' datatype (bf16 when the chip quotes none for it), DRAM bandwidth */
    npu_dtype pdt = npu_hw_peak_flops(hw, c->adt) > 0 ? c->adt : NPU_BF16;
    cJSON *pk = cJSON_AddObjectToObject(o, "hw_peaks");
    cJSON_AddStringToObject(pk, "dtype", npu_dtype_names[pdt]);
    cJSON_AddNumberToObject(pk, "tflops", npu_hw_peak_flops(hw, pdt) / 1e12);
    cJSON_AddNumberToObject(pk, "dram_gbps", hw->mem_bw_Bps / 1e9);
    cJSON_AddItemToObject(o, c->phase == NPU_RUN_DECODE ? "decode_step" : c->phase == NPU_RUN_OFFLINE ? "mixed_step" : "prefill_step",
                          step_json(hw, &r->graph, &r->step));
    if ((c->phase == NPU_RUN_E2E && c->output > 1) || c->phase == NPU_RUN_OFFLINE)
        cJSON_AddItemToObject(o, "decode_step", step_json(hw, &r->dgraph, &r->dstep));
    /* power (npu_power; docs/economics.md) */
    cJSON_AddNumberToObject(o, "power_w", r->power_w);
    cJSON_AddNumberToObject(o, "energy_j", r->energy_j);
    cJSON_AddNumberToObject(o, "energy_j_per_token", r->energy_j_per_token);
    if (c->phase == NPU_RUN_E2E) {
        cJSON_AddNumberToObject(o, "prefill_energy_j", r->prefill_energy_j);
        cJSON_AddNumberToObject(o, "decode_energy_j", r->decode_energy_j);
    }
    cJSON_AddNumberToObject(o, "clock_frac", r->clock_frac);
    return o;
}

static void step_table(FILE *out, const char *title, const npu_graph *g, const npu_step_result *s) {
    fprintf(out, "\n%s: %.3f ms, %.3g FLOP, %.3g DRAM bytes, %d kernel launches\n", title,
            s->time_s * 1e3, s->flops, s->bytes, s->launches);
    fprintf(out, "  %-12s %10s %7s   bound (share of kind's time)\n", "kind", "time ms", "share");
    for (int i = 0; i < NPU_KK_COUNT; i++) {
        if (s->kind_time_s[i] <= 0) continue;
        double by[NPU_BOUND_COUNT] = {0};
        for (int j = 0; j < g->n; j++)
            if (g->k[j].kind == (npu_kkind)i) by[s->kc[j].bound] += s->kc[j].time_s * g->k[j].count;
        fprintf(out, "  %-12s %10.3f %6.1f%%  ", npu_kkind_names[i], s->kind_time_s[i] * 1e3,
                100 * s->kind_time_s[i] / s->time_s);
        for (int b = 0; b < NPU_BOUND_COUNT; b++)
            if (by[b] > 0) fprintf(out, " %s %.0f%%", npu_bound_names[b], 100 * by[b] / s->kind_time_s[i]);
        fputc('\n', out);
    }
    fprintf(out, "  %-16s %6s %8s %10s %9s  %s\n", "kernel", "count", "us/run", "total ms", "share", "bound");
    for (int j = 0; j < g->n; j++) {
        const npu_kernel *k = &g->k[j];
        double tot = s->kc[j].time_s * k->count;
        fprintf(out, "  %-16s %6d %8.2f %10.3f %8.1f%%  %s\n", k->name, k->count, s->kc[j].time_s * 1e6,
                tot * 1e3, 100 * tot / s->time_s, npu_bound_names[s->kc[j].bound]);
    }
}

void npu_report_run_table(FILE *out, const npu_model *m, const npu_hw *hw, const npu_run_cfg *c,
                          const npu_run_result *r) {
    fprintf(out, "npusim: %s on %s, %s, engine %s, stack %s, weights %s (LM head %s, embedding %s), activations %s, "
                 "KV %s, batch %d",
            m->name, hw->name, npu_run_phase_names[c->phase], r->engine, npu_stack_names[c->stack],
            npu_dtype_names[c->wdt], npu_dtype_names[npu_dtype_head(c->wdt, c->hdt)],
            npu_dtype_names[m->tied_embeddings ? npu_dtype_head(c->wdt, c->hdt) : npu_dtype_emb(c->wdt, c->edt)],
            npu_dtype_names[c->adt], npu_dtype_names[c->kvdt], r->batch);
    if (c->phase == NPU_RUN_PREFILL) fprintf(out, ", seq %ld\n", c->seq);
    else if (c->phase == NPU_RUN_DECODE) fprintf(out, ", ctx %ld\n", c->ctx);
    else fprintf(out, ", input %ld, output %ld%s\n", c->input, c->output,
                 c->phase == NPU_RUN_OFFLINE ? " (in flight; steady state)" : "");
    npu_plan pl = npu_plan_norm(c->plan);
    if (r->chips > 1 || pl.dp > 1)
        fprintf(out, "plan: tp %d, pp %d, ep %d, cp %d = %d chips per replica, dp %d = %d chips%s\n", pl.tp, pl.pp,
                pl.ep, pl.cp, r->chips, pl.dp, r->chips * pl.dp,
                pl.pp > 1 ? "; pipeline micro-batches shown per chip" : "");
    fprintf(out, "\n  latency        %12.3f ms\n  throughput     %12.1f tokens/s (replica), %.1f per chip\n",
            r->latency_s * 1e3, r->tokens_per_s, r->tokens_per_s / r->chips);
    if (c->phase == NPU_RUN_E2E || c->phase == NPU_RUN_OFFLINE)
        fprintf(out, "  first token    %12.3f ms\n  per token      %12.3f ms (mean decode step)\n",
                r->ttft_s * 1e3, r->tpot_s * 1e3);
    fprintf(out, "  power          %12.1f W per chip (%.4g J per token%s)\n", r->power_w, r->energy_j_per_token,
            r->clock_frac < 1 ? ", TDP-throttled" : "");
    npu_dtype want = npu_dtype_bytes(c->wdt) >= npu_dtype_bytes(c->adt) ? c->wdt : c->adt;
    if (npu_hw_dtype_converted(hw, want))
        fprintf(out, "  note           %s has no %s matrix datatype: GEMMs run as %s (quantized, as its compiler does)\n",
                hw->name, npu_dtype_names[want], npu_dtype_names[npu_hw_matrix_dtype(hw, want)]);
    if (r->host_s > 0 || r->engine_s > 0)
        fprintf(out, "  engine         %12.3f ms host per step, step %.3f ms beyond its kernels%s\n", r->host_s * 1e3,
                r->engine_s * 1e3, r->graphed ? ", decode graph replayed" : "");
    fprintf(out, "\nmemory plan (fullest chip): weights %.2f GiB + KV cache %.2f GiB + activations %.2f GiB",
            r->mem.weights_B / GIB, r->mem.kv_B / GIB, r->mem.act_B / GIB);
    if (r->mem.reserve_B > 0) fprintf(out, " + engine reserve %.2f GiB", r->mem.reserve_B / GIB);
    fprintf(out, " = %.2f GiB of %.1f GiB (%.0f%%)\n", r->mem.total_B / GIB, r->mem.capacity_B / GIB,
            100 * r->mem.total_B / r->mem.capacity_B);
    step_table(out, c->phase == NPU_RUN_DECODE ? "decode step" : c->phase == NPU_RUN_OFFLINE ? "step with prompts admitted" : "prefill step",
               &r->graph, &r->step);
    if (c->phase == NPU_RUN_E2E && c->output > 1)
        step_table(out, "first decode step", &r->dgraph, &r->dstep);
    if (c->phase == NPU_RUN_OFFLINE) step_table(out, "decode-only step", &r->dgraph, &r->dstep);
}

void npu_report_run_csv(FILE *out, const npu_run_result *r) {
    fprintf(out, "step,name,kind,count,launches,flops,dram_bytes,time_us,total_us,bound,energy_j\n");
    for (int pass = 0; pass < 2; pass++) {
        const npu_graph *g = pass ? &r->dgraph : &r->graph;
        const npu_step_result *s = pass ? &r->dstep : &r->step;
        for (int j = 0; j < g->n; j++) {
            const npu_kernel *k = &g->k[j];
            fprintf(out, "%s,%s,%s,%d,%d,%.6g,%.6g,%.4f,%.4f,%s,%.6g\n", pass ? "decode" : "first",
                    k->name, npu_kkind_names[k->kind], k->count, k->launches, k->flops, k->bytes - s->kc[j].sram_bytes,
                    s->kc[j].time_s * 1e6, s->kc[j].time_s * 1e6 * k->count,
                    npu_bound_names[s->kc[j].bound], s->kc[j].energy_j);
        }
    }
}

cJSON *npu_report_op_json(const npu_hw *hw, const npu_kernel *k, const npu_kcost *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "op", k->name);
    cJSON_AddStringToObject(o, "hw", hw->name);
    cJSON_AddNumberToObject(o, "latency_ms", c->time_s * 1e3);
    cJSON_AddNumberToObject(o, "compute_ms", c->compute_s * 1e3);
    cJSON_AddNumberToObject(o, "memory_ms", c->memory_s * 1e3);
    cJSON_AddNumberToObject(o, "overhead_ms", c->overhead_s * 1e3);
    cJSON_AddStringToObject(o, "bound", npu_bound_names[c->bound]);
    cJSON_AddNumberToObject(o, "flops", k->flops);
    cJSON_AddNumberToObject(o, "dram_bytes", k->bytes);
    cJSON_AddNumberToObject(o, "achieved_tflops", k->flops / c->time_s / 1e12);
    cJSON_AddNumberToObject(o, "achieved_gbps", k->bytes / c->time_s / 1e9);
    /* average board power, capped at the TDP (a throttled op's 1 ms burst may exceed it) */
    cJSON_AddNumberToObject(o, "power_w", hw->tdp_w > 0 && c->energy_j / c->time_s > hw->tdp_w ? hw->tdp_w : c->energy_j / c->time_s);
    cJSON_AddNumberToObject(o, "energy_j", c->energy_j);
    cJSON_AddNumberToObject(o, "clock_frac", c->clock_frac);
    if (k->kind == NPU_KK_GEMM) {
        cJSON_AddNumberToObject(o, "tile_m", c->tile_m);
        cJSON_AddNumberToObject(o, "tile_n", c->tile_n);
        cJSON_AddNumberToObject(o, "split_k", c->split_k);
    }
    return o;
}

void npu_report_op_table(FILE *out, const npu_hw *hw, const npu_kernel *k, const npu_kcost *c) {
    fprintf(out, "npusim op %s on %s\n\n", k->name, hw->name);
    fprintf(out, "  latency      %10.4f ms  (%s-bound)\n", c->time_s * 1e3, npu_bound_names[c->bound]);
    fprintf(out, "  compute      %10.4f ms\n  memory       %10.4f ms\n  overhead     %10.4f ms\n",
            c->compute_s * 1e3, c->memory_s * 1e3, c->overhead_s * 1e3);
    fprintf(out, "  work         %10.4g FLOP, %.4g DRAM bytes\n", k->flops, k->bytes);
    fprintf(out, "  achieved     %10.1f TFLOP/s, %.1f GB/s\n", k->flops / c->time_s / 1e12,
            k->bytes / c->time_s / 1e9);
    if (k->kind == NPU_KK_GEMM)
        fprintf(out, "  tiling       %d x %d tiles, split-K %d\n", c->tile_m, c->tile_n, c->split_k);
    double w = c->energy_j / c->time_s;
    fprintf(out, "  power        %10.1f W%s\n", hw->tdp_w > 0 && w > hw->tdp_w ? hw->tdp_w : w,
            c->clock_frac < 1 ? " (TDP-throttled)" : "");
}
