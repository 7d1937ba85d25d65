/* bench_sweep — `make bench`: design points per minute of npusim sweep (issue 13),
 * through the SQLite writer as `npusim sweep --out x.sqlite` runs them.
 *
 *   decode: every point a different chip (4 HBM technologies x stacks x units x
 *           clock x SRAM x process on an RNGD-class NPU), one decode step of
 *           Llama-3-8B each                          [target >= 1e6 per minute, 1 core]
 *   e2e:    the same kind of grid, one whole run each (1024-token prompt, 1024
 *           generated tokens = 1 prefill + 1023 decode steps)
 *                                                    [target >= 1e5 per minute, 1 core]
 *   shared: 10 chips x 1000 workloads (points that differ only in the workload
 *           share the finished chip, unit cost and price)
 * Each is timed on 1 thread and on every core. */
#include "npu_sweep.h"
#include "npu_sweepio.h"
#include "npu_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process (all threads): on a machine other jobs share,
 * a one-thread run's CPU time is the time of one core; wall time is not */
static double cpu_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static npu_sweep *spec(const char *json) {
    cJSON *j = cJSON_Parse(json);
    npu_sweep *s = NULL;
    if (!j || npu_sweep_from_json(j, "bench", &s)) {
        fprintf(stderr, "bench_sweep: %s\n", npu_errmsg());
        exit(1);
    }
    cJSON_Delete(j);
    return s;
}

/* points per minute of wall time through the SQLite writer (and with no writer);
 * *cpu_rate: points per minute of CPU time */
static double run(const npu_sweep *s, int jobs, bool write, double *secs, double *cpu_rate) {
    char path[] = "/tmp/bench_sweep.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    close(fd);
    unlink(path);
    char db[64];
    snprintf(db, sizeof db, "%s.sqlite", path);
    npu_sweep_out *o = NULL;
    if (write && npu_sweep_out_open(s, db, false, NULL, &o)) {
        fprintf(stderr, "bench_sweep: %s\n", npu_errmsg());
        exit(1);
    }
    npu_sweep_opts so = {.jobs = jobs};
    npu_sweep_sink sink = {o, npu_sweep_out_sink};
    double t0 = now_s(), c0 = cpu_s();
    if (npu_sweep_run(s, &so, write ? &sink : NULL) || (o && npu_sweep_out_finish(o))) {
        fprintf(stderr, "bench_sweep: %s\n", npu_errmsg());
        exit(1);
    }
    double t = now_s() - t0;
    if (cpu_rate) *cpu_rate = npu_sweep_points(s) / (cpu_s() - c0) * 60;
    npu_sweep_out_free(o);
    char f[96];
    snprintf(f, sizeof f, "%s-wal", db), unlink(f);
    snprintf(f, sizeof f, "%s-shm", db), unlink(f);
    unlink(db);
    if (secs) *secs = t;
    return npu_sweep_points(s) / t * 60;
}

int main(void) {
    int cores = npu_sweep_default_jobs();
    /* 4 x 7 x 7 x 13 x 7 x 5 = 89,180 different chips */
    npu_sweep *dec = spec("{\"base\":{\"hw\":\"rngd\",\"model\":\"llama3-8b\",\"dtype\":\"fp8\",\"kv_dtype\":\"fp8\"},"
                          "\"axes\":{\"hw.memory.technology\":[\"hbm3e-skhynix\",\"hbm3e-samsung-shinebolt\",\"hbm3e-micron\",\"hbm3\"],"
                          "\"hw.memory.stacks\":{\"from\":2,\"to\":8,\"step\":1},"
                          "\"hw.matrix.units\":{\"from\":4,\"to\":16,\"step\":2},"
                          "\"hw.matrix.clock_mhz\":{\"from\":800,\"to\":1400,\"step\":50},"
                          "\"hw.sram[0].kb_per_unit\":{\"from\":8000,\"to\":56000,\"step\":8000},"
                          "\"hw.process.node\":[\"tsmc-n5\",\"tsmc-n4\",\"tsmc-n3\",\"samsung-sf4\",\"samsung-sf3\"]},"
                          "\"workloads\":[{\"phase\":\"decode\",\"batch\":64,\"ctx\":4096}],"
                          "\"constraints\":{\"die_mm2\":{\"max\":858},\"fits\":true}}");
    double t, c1, c0, cn;
    printf("points per minute: wall time (CPU time; on a shared machine one thread's CPU time is one core's)\n");
    double r1 = run(dec, 1, true, &t, &c1);
    printf("sweep decode step, 1 thread, SQLite out: %9.0f (%9.0f) points/min  (%ld chips in %.2f s)  [target >= 1e6/min]\n",
           r1, c1, npu_sweep_points(dec), t);
    double r0 = run(dec, 1, false, &t, &c0);
    printf("sweep decode step, 1 thread, no writer:  %9.0f (%9.0f) points/min  (%.1f us CPU per point)\n", r0, c0,
           60e6 / c0);
    double rn = run(dec, cores, true, &t, &cn);
    printf("sweep decode step, %d threads, SQLite:    %9.0f (%9.0f) points/min  (wall x%.2f of 1 thread)\n", cores, rn, cn,
           rn / r1);
    npu_sweep_free(dec);
    /* 4 x 7 x 7 x 7 x 5 = 6,860 chips, each a 1024-in / 1024-out run */
    npu_sweep *e2e = spec("{\"base\":{\"hw\":\"rngd\",\"model\":\"llama3-8b\",\"dtype\":\"fp8\",\"kv_dtype\":\"fp8\"},"
                          "\"axes\":{\"hw.memory.technology\":[\"hbm3e-skhynix\",\"hbm3e-samsung-shinebolt\",\"hbm3e-micron\",\"hbm3\"],"
                          "\"hw.memory.stacks\":{\"from\":2,\"to\":8,\"step\":1},"
                          "\"hw.matrix.units\":{\"from\":4,\"to\":16,\"step\":2},"
                          "\"hw.matrix.clock_mhz\":{\"from\":800,\"to\":1400,\"step\":100},"
                          "\"hw.process.node\":[\"tsmc-n5\",\"tsmc-n4\",\"tsmc-n3\",\"samsung-sf4\",\"samsung-sf3\"]},"
                          "\"workloads\":[{\"phase\":\"e2e\",\"batch\":16,\"input\":1024,\"output\":1024}]}");
    r1 = run(e2e, 1, true, &t, &c1);
    printf("sweep e2e 1024+1024, 1 thread, SQLite:   %9.0f (%9.0f) points/min  (%ld chips in %.2f s)  [target >= 1e5/min]\n",
           r1, c1, npu_sweep_points(e2e), t);
    rn = run(e2e, cores, true, &t, &cn);
    printf("sweep e2e 1024+1024, %d threads, SQLite:  %9.0f (%9.0f) points/min  (wall x%.2f of 1 thread)\n", cores, rn, cn,
           rn / r1);
    npu_sweep_free(e2e);
    /* 10 chips x 1000 decode workloads (batch x context): the chip is finished once per 1000 rows */
    npu_sweep *sh = spec("{\"base\":{\"hw\":\"rngd\",\"model\":\"llama3-8b\",\"dtype\":\"fp8\",\"kv_dtype\":\"fp8\"},"
                         "\"axes\":{\"hw.memory.stacks\":{\"from\":1,\"to\":10,\"step\":1},"
                         "\"workload.batch\":{\"from\":1,\"to\":100,\"step\":1},"
                         "\"workload.ctx\":{\"from\":512,\"to\":5120,\"step\":512}},"
                         "\"workloads\":[{\"phase\":\"decode\"}]}");
    r1 = run(sh, 1, true, &t, &c1);
    printf("sweep decode, 10 chips x 1000 workloads, 1 thread: %9.0f (%9.0f) points/min (%.1f us CPU per point)\n", r1,
           c1, 60e6 / c1);
    npu_sweep_free(sh);
    return 0;
}
