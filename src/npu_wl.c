/* npu_wl — workload defaults and completeness checks. */
#include "npu_wl.h"
#include "npu_util.h"

#include <string.h>

void npu_wl_defaults(npu_wl *w) {
    memset(w, 0, sizeof *w);
    w->phase = -1;
    w->stack = NPU_STACK_FUSED;
    w->wdt = NPU_BF16, w->adt = NPU_BF16, w->kvdt = NPU_BF16;
    npu_serve_cfg c;
    npu_serve_defaults(&c);
    /* the scheduler and its limits: the engine profile's (npu_serve_use_engine) unless given */
    w->sched = (npu_sched)-1, w->route = c.route;
    w->arrival = NPU_ARRIVE_POISSON;
    w->burstiness_cv = 1;
    w->requests = c.requests, w->seed = (long)c.seed;
    w->kv_mem_frac = c.kv_mem_frac, w->prefix_share = c.prefix_share;
    w->replicas = 1, w->prefill_replicas = 1;
}

int npu_wl_check(const npu_wl *w, bool auto_plan, const char *where) {
    if (w->phase < 0) {
        npu_err("%s: missing field 'phase' (prefill, decode, e2e, offline or serve)", where);
        return -1;
    }
    const char *need = NULL;
    switch (w->phase) {
    case NPU_RUN_PREFILL: need = w->seq <= 0 ? "seq" : NULL; break;
    case NPU_RUN_DECODE: need = w->ctx <= 0 ? "ctx" : NULL; break;
    default: need = w->input <= 0 && !w->input_spec[0] ? "input" : w->output <= 0 && !w->output_spec[0] ? "output" : NULL;
    }
    if (!need && w->phase != NPU_RUN_OFFLINE && w->phase != NPU_WL_PHASE_SERVE && w->batch <= 0 && !auto_plan)
        need = "batch";
    if (need) {
        npu_err("%s: phase %s needs field '%s'", where, npu_wl_phase_names[w->phase], need);
        return -1;
    }
    if (w->phase != NPU_WL_PHASE_SERVE && ((w->input_spec[0] && w->input <= 0) || (w->output_spec[0] && w->output <= 0))) {
        npu_err("%s: a length distribution needs phase serve; phase %s takes fixed lengths", where,
                npu_wl_phase_names[w->phase]);
        return -1;
    }
    if (w->phase == NPU_WL_PHASE_SERVE) {
        bool open = w->arrival == NPU_ARRIVE_POISSON || w->arrival == NPU_ARRIVE_GAMMA;
        if (w->concurrency > 0 && w->arrival != NPU_ARRIVE_CLOSED) {
            npu_err("%s: concurrency needs arrival closed", where);
            return -1;
        }
        if (open && !(w->rate_rps > 0) && !w->max_rate) {
            npu_err("%s: serve needs a 'rate' (requests/s or \"max\"), or arrival offline or closed", where);
            return -1;
        }
        if (w->arrival == NPU_ARRIVE_CLOSED && w->concurrency <= 0) {
            npu_err("%s: arrival closed needs 'concurrency'", where);
            return -1;
        }
        if (w->max_rate && w->slo_ttft_ms <= 0 && w->slo_tpot_ms <= 0) {
            npu_err("%s: \"rate\": \"max\" needs slo_ttft_ms and/or slo_tpot_ms", where);
            return -1;
        }
        if (!open && (w->rate_rps > 0 || w->max_rate)) {
            npu_err("%s: 'rate' goes with poisson or gamma arrivals", where);
            return -1;
        }
    }
    return 0;
}
