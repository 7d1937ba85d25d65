/* fuzz.h — shared by the libFuzzer harnesses (docs/reliability.md).
 *
 * A harness feeds one input to one reader. A reader may refuse it (-1 and an
 * error line; checked to be one printable line) or accept it; an accepted
 * description is then evaluated, and every figure that comes out must be
 * finite and non-negative: a NaN, an Inf or a negative figure is a finding
 * exactly like a crash, so fz_figure() abort()s on one. */
#ifndef NPUSIM_FUZZ_H
#define NPUSIM_FUZZ_H

#include "npu_json.h"
#include "npusim.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Open findings: bugs the harnesses found in modules being fixed elsewhere,
 * listed in docs/reliability.md with a reproducer in tests/fuzz/open/. While
 * one is open its harness steers around it (so the campaign can look for new
 * ones); FUZZ_STRICT=1 in the environment turns every steer off. Delete the
 * steer when the fix lands and move the reproducer to tests/fuzz/regress/. */
static inline int fz_open(const char *id) {
    (void)id;
    static int strict = -1;
    if (strict < 0) strict = getenv("FUZZ_STRICT") && strcmp(getenv("FUZZ_STRICT"), "1") == 0;
    return !strict;
}

/* The input as a NUL-terminated string (inputs with a NUL byte are cut there,
 * as a file reader would refuse them: npu_read_file). Caller frees. */
static inline char *fz_text(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static inline void fz_figure(double x, const char *what, const char *where) {
    if (isfinite(x) && x >= 0) return;
    fprintf(stderr, "FUZZ FINDING: %s: %s = %g (must be finite and >= 0)\n", where, what, x);
    abort();
}

/* An error line must be one line of printable text (npu_err escapes). */
static inline void fz_error_line(void) {
    for (const unsigned char *p = (const unsigned char *)npu_errmsg(); *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            fprintf(stderr, "FUZZ FINDING: error message holds byte 0x%02x: %s\n", *p, npu_errmsg());
            abort();
        }
}

static inline void fz_step(const npu_step_result *s, const char *where) {
    fz_figure(s->time_s, "step.time_s", where);
    fz_figure(s->flops, "step.flops", where);
    fz_figure(s->bytes, "step.bytes", where);
    for (int i = 0; i < NPU_KK_COUNT; i++) fz_figure(s->kind_time_s[i], "step.kind_time_s[]", where);
    for (int i = 0; i < NPU_BOUND_COUNT; i++) fz_figure(s->bound_time_s[i], "step.bound_time_s[]", where);
}

static inline void fz_graph(const npu_graph *g, const npu_hw *hw, const char *where) {
    for (int i = 0; i < g->n; i++) {
        const npu_kernel *k = &g->k[i];
        npu_kcost c = npu_cost_kernel(hw, k, NPU_IN_STEP);
        fz_figure(k->flops, k->name, where);
        fz_figure(k->bytes, k->name, where);
        fz_figure(c.time_s, k->name, where);
    }
}

/* Cost one run of model m on chip hw and check every figure. A run the library
 * refuses (does not fit, plan invalid) is fine: it said why. */
static inline void fz_run(const npu_model *m, const npu_hw *hw, npu_run_phase phase, int batch, long len,
                          const char *where) {
    npu_run_cfg c = {.phase = phase, .batch = batch, .stack = NPU_STACK_FUSED, .wdt = NPU_BF16,
                     .adt = NPU_BF16, .kvdt = NPU_BF16, .plan = {1, 1, 1, 1, 1}};
    c.seq = len, c.ctx = len, c.input = len, c.output = 4;
    static npu_run_result r; /* large: keep it off the stack */
    if (npu_run(m, hw, &c, &r)) {
        fz_error_line();
        return;
    }
    fz_figure(r.latency_s, "latency_s", where);
    fz_figure(r.tokens_per_s, "tokens_per_s", where);
    fz_figure(r.ttft_s, "ttft_s", where);
    fz_figure(r.tpot_s, "tpot_s", where);
    fz_figure(r.p2p_s, "p2p_s", where);
    fz_figure(r.energy_j, "energy_j", where);
    fz_figure(r.power_w, "power_w", where);
    fz_figure(r.energy_j_per_token, "energy_j_per_token", where);
    fz_figure(r.prefill_energy_j, "prefill_energy_j", where);
    fz_figure(r.decode_energy_j, "decode_energy_j", where);
    fz_figure(r.clock_frac, "clock_frac", where);
    fz_figure(r.mem.weights_B, "mem.weights_B", where);
    fz_figure(r.mem.kv_B, "mem.kv_B", where);
    fz_figure(r.mem.act_B, "mem.act_B", where);
    fz_figure(r.mem.total_B, "mem.total_B", where);
    fz_step(&r.step, where);
    fz_graph(&r.graph, hw, where);
    if (phase == NPU_RUN_E2E) {
        fz_step(&r.dstep, where);
        fz_graph(&r.dgraph, hw, where);
    }
    if (!(r.latency_s > 0)) {
        fprintf(stderr, "FUZZ FINDING: %s: latency %g s is not positive\n", where, r.latency_s);
        abort();
    }
}

#endif
