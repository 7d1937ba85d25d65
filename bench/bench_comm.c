/* bench_comm — `make bench`: cost of one npu_comm_op call (the planner calls it
 * for every collective of every candidate plan; budget ~0.2 us per call). */
#include "npu_all.h"

#include <stdio.h>
#include <time.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    static const char *const hws[] = {"h100-sxm", "tpu-v5p", "mi300x", "l40s"};
    static const int chips[] = {2, 4, 8, 16, 64};
    for (int h = 0; h < 4; h++) {
        npu_hw hw;
        if (npu_hw_load(hws[h], &hw)) {
            fprintf(stderr, "bench_comm: %s\n", npu_errmsg());
            return 1;
        }
        volatile double sink = 0;
        int n = 2000000;
        double t0 = now_s();
        for (int i = 0; i < n; i++)
            sink += npu_comm_op(&hw, (npu_coll)(i % 4), chips[i % 5], 1024.0 * (1 + i % 4096)).time_s;
        double dt = now_s() - t0;
        printf("npu_comm_op on %-10s %8.1f ns/call (mixed ops, 2..64 chips)\n", hws[h], dt / n * 1e9);
        (void)sink;
    }
    return 0;
}
