/* npu_engine — engine runtime profiles and the step-time rule. */
#include "npu_engine.h"
#include "npu_util.h"

#include <string.h>

/* Fitted on the H100 rows of tools/published_compare.py (TensorRT-LLM v0.13
 * trtllm-bench): kernels x 1.34 + 1 ms + 3 us per sequence. A separate
 * collective factor (best fit 2.25 with kernels x 1.28) left the held-out GPUs'
 * error unchanged (12.95 vs 12.96 % over 233 points) while putting dense TP 8 rows
 * 17-33 % low, so collectives scale like the other kernels. */
const npu_engine npu_engine_default = {.kernel_scale = 1.34, .comm_scale = 1.34, .step_us = 1000, .seq_us = 3.0};

const npu_engine npu_engine_ideal = {.kernel_scale = 1.0, .comm_scale = 1.0};

/* Fitted on the six H100 rows of tools/mlperf_compare.sh (NVIDIA's MLPerf
 * v4.0/v4.1 Llama-2-70B harness, continuous scheduler): kernel_scale scanned
 * 1.00-1.25 with the trtllm host costs; 1.15 fits throughput and TPOT best. */
static const npu_engine engine_mlperf = {.kernel_scale = 1.15, .comm_scale = 1.15, .step_us = 1000, .seq_us = 3.0};

static const struct {
    const char *name;
    const npu_engine *e;
} profiles[] = {{"trtllm", &npu_engine_default}, {"mlperf", &engine_mlperf}, {"ideal", &npu_engine_ideal}};

int npu_engine_find(const char *name, npu_engine *out) {
    const char *names[NPU_ARRAY_LEN(profiles)];
    for (size_t i = 0; i < NPU_ARRAY_LEN(profiles); i++) {
        if (strcmp(name, profiles[i].name) == 0) {
            *out = *profiles[i].e;
            return 0;
        }
        names[i] = profiles[i].name;
    }
    const char *c = npu_closest(name, names, NPU_ARRAY_LEN(profiles));
    npu_err("unknown engine '%s'%s%s%s (trtllm, mlperf or ideal)", name, c ? " (did you mean '" : "", c ? c : "",
            c ? "'?)" : "");
    return -1;
}

double npu_engine_step_s(const npu_engine *e, double kernels_s, double comm_s, double overlap, double seqs) {
    double other_s = kernels_s - comm_s;
    double hidden_s = comm_s * overlap; /* collective time run under the other kernels */
    if (hidden_s > other_s) hidden_s = other_s > 0 ? other_s : 0;
    return other_s * e->kernel_scale + (comm_s - hidden_s) * e->comm_scale + (e->step_us + e->seq_us * seqs) * 1e-6;
}
