/* bench_serve — `make bench`: one million requests through one continuous-
 * batching replica (llama3-8b, bf16, one H100, Poisson at 30 req/s, lognormal
 * lengths: near the replica's capacity), timed as a whole `npusim serve`
 * process (target < 10 s on one core) and in-process through the library. */
#include "npu_all.h"
#include "npu_serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define ARGS "--model llama3-8b --hw h100-sxm --scheduler continuous --rate 30 " \
             "--input lognormal:512,256,4096 --output lognormal:128,96,2048 --requests 1000000 --seed 1"

int main(void) {
    double t0 = now_s();
    int rc = system("./build/npusim serve " ARGS " --json > /dev/null");
    double whole_s = now_s() - t0;
    if (rc != 0) {
        fprintf(stderr, "bench_serve: ./build/npusim serve failed (run from the repository root after make)\n");
        return 1;
    }
    printf("serve, 1M requests, one continuous-batching replica, whole process: %.2f s  [target < 10 s]\n", whole_s);

    npu_model m;
    npu_hw hw;
    if (npu_model_load("llama3-8b", &m) || npu_hw_load("h100-sxm", &hw)) {
        fprintf(stderr, "bench_serve: %s\n", npu_errmsg());
        return 1;
    }
    npu_serve_cfg c;
    npu_serve_defaults(&c);
    c.sched = NPU_SCHED_CONTINUOUS; /* as the whole-process run */
    c.pool = (npu_pool){.model = &m, .hw = &hw, .replicas = 1,
                        .step = {.stack = NPU_STACK_FUSED, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16}};
    c.wl.arrival = NPU_ARRIVE_POISSON;
    c.wl.rate_rps = 30;
    if (npu_dist_parse("lognormal:512,256,4096", 1, "input", &c.wl.input) ||
        npu_dist_parse("lognormal:128,96,2048", 0, "output", &c.wl.output))
        return 1;
    c.requests = 1000000;
    npu_serve_result r;
    t0 = now_s();
    if (npu_serve_run(&c, &r)) {
        fprintf(stderr, "bench_serve: %s\n", npu_errmsg());
        return 1;
    }
    double lib_s = now_s() - t0;
    printf("serve, same run in-process: %.2f s = %.2f us per request, %.0f ns per step (%ld steps; "
           "%.0f simulated s, %.0f tok/s, p99 TTFT %.0f ms)\n", lib_s, lib_s / c.requests * 1e6,
           lib_s / r.steps * 1e9, r.steps, r.duration_s, r.throughput_tok_s, r.ttft.p99 * 1e3);
    npu_serve_result_free(&r);
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
    return 0;
}
