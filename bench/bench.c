/* bench — `make bench`: time of one step evaluation (80-layer model), a whole
 * e2e run, and kernel costing, measured with clock_gettime over many repeats. */
#include "npu_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    npu_model m;
    npu_hw hw;
    if (npu_model_load("llama3-70b", &m) || npu_hw_load("h200-sxm", &hw)) {
        fprintf(stderr, "bench: %s\n", npu_errmsg());
        return 1;
    }
    npu_step_cfg c = {.phase = NPU_PHASE_DECODE, .batch = 64, .seq = 1, .ctx = 4096, .stack = NPU_STACK_FUSED,
                      .wdt = NPU_FP8, .adt = NPU_FP8, .kvdt = NPU_FP8};
    npu_graph g;
    npu_step_result r;
    volatile double sink = 0;
    int n = 20000;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        c.batch = 1 + i % 128;
        npu_graph_build(&m, &c, &g);
        npu_step_eval(&hw, &g, &r);
        sink += r.time_s;
    }
    double step_us = (now_s() - t0) / n * 1e6;
    printf("step (llama3-70b, 80 layers, decode, graph build + cost): %.2f us per step  [target < 50 us]\n", step_us);

    c.phase = NPU_PHASE_PREFILL, c.seq = 2048, c.ctx = 0;
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        c.batch = 1 + i % 16;
        npu_graph_build(&m, &c, &g);
        npu_step_eval(&hw, &g, &r);
        sink += r.time_s;
    }
    printf("step (llama3-70b, prefill 2048 tokens):                    %.2f us per step\n", (now_s() - t0) / n * 1e6);

    npu_run_cfg rc = {.phase = NPU_RUN_E2E, .batch = 32, .input = 1024, .output = 1024, .wdt = NPU_FP8, .adt = NPU_FP8, .kvdt = NPU_FP8};
    npu_run_result *rr = malloc(sizeof *rr);
    int nr = 200;
    t0 = now_s();
    for (int i = 0; i < nr; i++) {
        npu_run(&m, &hw, &rc, rr);
        sink += rr->latency_s;
    }
    printf("e2e run (1024 in, 1024 out = 1 prefill + 1023 decode steps):  %.1f us per run\n", (now_s() - t0) / nr * 1e6);
    free(rr);

    npu_kernel k = npu_kernel_gemm("g", 4096, 8192, 8192, NPU_BF16, NPU_BF16);
    int nk = 200000;
    t0 = now_s();
    for (int i = 0; i < nk; i++) {
        k.m = 1 + i % 8192;
        sink += npu_cost_kernel(&hw, &k, NPU_IN_STEP).time_s;
    }
    printf("GEMM cost (tile/split-K search):                             %.3f us per kernel\n", (now_s() - t0) / nk * 1e6);
    return sink < 0;
}
