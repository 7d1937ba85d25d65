/* arch_table — every hardware preset's batch-1 decode and long-prefill figures next
 * to their floors and peaks (docs/accuracy-architectures.md). Run by
 * tools/arch_table.sh; prints a Markdown table. One chip's whole step of the model,
 * whether or not the model fits its memory (a statement about the chip's engines
 * and bandwidth, not a deployment): decode llama3-8b bf16 (the chip's own 16-bit
 * type) at batch 1, 1024 cached tokens; prefill llama3-8b, 8192 tokens, batch 1, in
 * the datatype the chip runs 16-bit work in. Floors: decode = its DRAM bytes at the
 * peak bandwidth plus the weights resident on chip (scratchpads) at the SRAM's; prefill = its FLOPs at the dense peak of that datatype. Both with
 * the TDP throttle, as `npusim run` reports them. */
#include "npu_all.h"

#include <stdio.h>
#include <string.h>

static void step(const npu_hw *h, const npu_model *m, npu_phase ph, long seq, long ctx, npu_dtype dt,
                 npu_step_result *r, double *f) {
    npu_step_cfg c = {.phase = ph, .batch = 1, .seq = seq, .ctx = ctx, .stack = NPU_STACK_FUSED,
                      .wdt = dt, .adt = dt, .kvdt = NPU_BF16};
    npu_graph g;
    if (npu_graph_build(m, &c, &g)) {
        fprintf(stderr, "arch_table: %s\n", npu_errmsg());
        r->time_s = 0;
        return;
    }
    npu_step_eval(h, &g, r);
    npu_power_step(h, &g, r, f);
}

static const char *bound_of(const npu_step_result *r) {
    int b = 0;
    for (int i = 1; i < NPU_BOUND_COUNT; i++)
        if (r->bound_time_s[i] > r->bound_time_s[b]) b = i;
    return npu_bound_names[b];
}

int main(int argc, char **argv) {
    const char *model = argc > 1 ? argv[1] : "llama3-8b";
    npu_model m;
    if (npu_model_load(model, &m)) {
        fprintf(stderr, "arch_table: %s\n", npu_errmsg());
        return 2;
    }
    printf("| chip | kind | engine | GEMV | 16-bit peak TFLOP/s | DRAM GB/s | decode ms | floor ms | x floor | "
           "decode bound | prefill s | compute floor s | x floor | compute-bound share | clock |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        npu_hw h;
        if (npu_hw_load(npu_hw_preset_name(i), &h)) continue;
        npu_dtype dt = npu_hw_matrix_dtype(&h, NPU_BF16);
        npu_step_result d, p;
        double fd = 1, fp = 1;
        step(&h, &m, NPU_PHASE_DECODE, 1, 1024, NPU_BF16, &d, &fd);
        step(&h, &m, NPU_PHASE_PREFILL, 8192, 0, dt, &p, &fp);
        double sram_Bps = h.pin_Bps > h.cache_Bps ? h.pin_Bps : h.cache_Bps;
        double dfloor = d.bytes / h.mem_bw_Bps + (d.sram_bytes > 0 ? d.sram_bytes / sram_Bps : 0), pfloor = p.flops / h.peak_flops[dt];
        char eng[48];
        if (h.eng == NPU_ENGINE_MMA) snprintf(eng, sizeof eng, "mma %dx%dx%d", h.eng_m, h.eng_n, h.eng_k);
        else if (h.eng == NPU_ENGINE_SYSTOLIC)
            snprintf(eng, sizeof eng, "systolic %dx%d %s", h.flow == NPU_FLOW_WEIGHT ? h.eng_k : h.eng_m, h.eng_n,
                     h.flow == NPU_FLOW_WEIGHT ? "WS" : "OS");
        else snprintf(eng, sizeof eng, "none (vector)");
        char gemv[32];
        if (h.gemv == NPU_GEMV_MATRIX) snprintf(gemv, sizeof gemv, "matrix /%d", h.gemv_granule);
        else snprintf(gemv, sizeof gemv, "%s <=%d", npu_gemv_names[h.gemv], h.gemv_max_rows);
        printf("| %s | %s | %s | %s | %.1f%s | %.0f | %.2f | %.2f | %.2f | %s | %.3f | %.3f | %.2f | %.0f%% | %.2f |\n",
               h.name, h.kind[0] ? h.kind : "gpu", eng, gemv, h.peak_flops[dt] / 1e12,
               dt != NPU_BF16 ? (dt == NPU_INT8 ? " (int8)" : dt == NPU_FP16 ? " (fp16)" : "") : "",
               h.mem_bw_Bps / 1e9, d.time_s * 1e3, dfloor * 1e3, d.time_s / dfloor, bound_of(&d), p.time_s, pfloor,
               p.time_s / pfloor, 100 * p.bound_time_s[NPU_BOUND_COMPUTE] / p.time_s, fp);
    }
    return 0;
}
