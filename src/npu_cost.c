/* npu_cost — kernel cost model. This file is where the time goes in sweeps:
 * keep it free of allocation and I/O. */
#include "npu_cost.h"

#include <math.h>

const char *const npu_bound_names[NPU_BOUND_COUNT] = {"compute", "memory", "overhead", "comm"};

static double dmax(double a, double b) { return a > b ? a : b; }
static double dmin(double a, double b) { return a < b ? a : b; }

/* DRAM bandwidth reachable by `ctas` concurrent tiles: each unit can pull only
 * unit_bw_share fair shares, so a kernel with few tiles cannot saturate DRAM.
 * `full` = the streaming bandwidth at this kernel's efficiency, bytes/s. */
static double reachable_bw(const npu_hw *hw, double ctas, double full) {
    double busy = dmin(ctas, hw->units);
    return dmin(full, busy * full / hw->units * hw->eff.unit_bw_share);
}

/* The hot loop of sweeps: 6 tile shapes x 6 split-K choices per GEMM. Loop
 * invariants are hoisted with exact arithmetic only (products and quotients by
 * the power-of-two split factor are exact), so the result is bit-for-bit what
 * the plain formulas give. */
static npu_kcost cost_gemm(const npu_hw *hw, const npu_kernel *k) {
    const npu_eff *e = &hw->eff;
    npu_dtype cdt = npu_hw_gemm_dtype(hw, k->wdt, k->adt);
    double unit_rate = hw->peak_flops[cdt] / hw->units; /* FLOP/s per unit */
    /* weight-only quantization: weights narrower than the compute type are
     * dequantized on the vector units, once per row of output tiles */
    bool dequant = npu_dtype_bytes(k->wdt) < npu_dtype_bytes(cdt);
    double vec_rate = hw->vec_flops * e->vec_eff;
    long M = k->m, N = k->n, K = k->k;
    int G = k->groups > 0 ? k->groups : 1;
    npu_kcost best = {.time_s = INFINITY};
    int TM = hw->tile_m, TN = hw->tile_n;
    double full_bw = hw->mem_bw_Bps * e->mem_eff * e->gemm_mem_eff;
    double fill_s = (e->mem_lat_us + e->wave_us) * 1e-6; /* a tile pipeline fills (prologue) before its loads stream */
    /* split factors s = 1, 2, 4, 8, 16 and stream-K (s = 1): K steps per tile */
    double k_steps[6];
    for (int sk = 0; sk <= 5; sk++) {
        int s = sk == 5 ? 1 : 1 << sk;
        k_steps[sk] = ceil((double)K / s / hw->tile_k) * hw->tile_k;
    }
    static const int shrink[][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {2, 4}, {4, 4}};
    for (size_t t = 0; t < sizeof shrink / sizeof shrink[0]; t++) {
        int tm = TM / shrink[t][0], tn = TN / shrink[t][1];
        /* smaller tiles down to 16 (or the native tile if that is smaller): the
         * native tile is always a candidate, so the search always finds one */
        if (t > 0 && (tm < 16 || tn < 16)) continue;
        double halvings = e->tile_pen != 0 ? log2((double)TM * TN / ((double)tm * tn)) : 0;
        double eff = e->matrix_eff * dmax(0.05, 1.0 - e->tile_pen * halvings);
        double tiles = ceil((double)M / tm) * ceil((double)N / tn) * G;
        double tiles_per_unit = tiles / hw->units;
        double dq = dequant ? ceil((double)M / tm) * (double)N * K * G * 4.0 / vec_rate : 0;
        for (int sk = 0; sk <= 5; sk++) {
            bool stream_k = sk == 5;
            int s = stream_k ? 1 : 1 << sk;
            if (s > 1 && K / s < 2L * hw->tile_k) continue;
            double ctas = tiles * s;
            /* stream-K: the tile work is spread evenly over the units (no wave
             * quantization) at the price of a fix-up pass */
            double waves = ctas > hw->units && stream_k ? tiles_per_unit * s : ceil(tiles_per_unit * s);
            double cta_s = 2.0 * tm * tn * k_steps[sk] / (unit_rate * eff);
            double compute = waves * (cta_s + e->wave_us * 1e-6);
            if (dequant) compute += dq;
            double bytes = k->bytes + (s > 1 ? 2.0 * s * M * N * G * 4.0 : 0);
            double memory = fill_s + bytes / reachable_bw(hw, ctas, full_bw);
            double body = dmax(compute, memory);
            double extra = s > 1 || stream_k ? e->kernel_us * 1e-6 : 0; /* reduction / fix-up */
            if (body + extra < best.time_s) {
                best.time_s = body + extra;
                best.compute_s = compute;
                best.memory_s = memory;
                best.overhead_s = extra;
                best.tile_m = tm, best.tile_n = tn, best.split_k = s;
            }
        }
    }
    return best;
}

/* Flash attention. Prefill: one tile per (sequence, head, 128 queries), each
 * sweeping its keys; causal tiles are uneven, so the longest bounds a wave.
 * Decode: KV-cache streaming, split along the keys until the units are busy. */
static npu_kcost cost_attention(const npu_hw *hw, const npu_kernel *k) {
    const npu_eff *e = &hw->eff;
    npu_kcost c = {0};
    double unit_rate = hw->peak_flops[npu_hw_attn_dtype(hw)] / hw->units * e->matrix_eff * e->attn_eff;
    if (k->q_len > 1) {
        const double bq = 128; /* query rows per tile */
        double qblocks = ceil(k->q_len / bq);
        double ctas = (double)k->batch * k->heads * qblocks;
        /* a tile sweeps its keys: all of them, or under a sliding window its
         * queries' windows (at most window + bq keys) */
        double keys = k->causal && k->window > 0 && k->window + bq < k->kv_len ? k->window + bq : k->kv_len;
        double longest = 2.0 * bq * keys * (k->head_dim + (k->v_dim > 0 ? k->v_dim : k->head_dim));
        double busy = dmin(ctas, hw->units);
        double waves = ceil(ctas / hw->units);
        c.compute_s = dmax(k->flops / (busy * unit_rate), longest / unit_rate) +
                      waves * e->wave_us * 1e-6;
        c.memory_s = e->mem_lat_us * 1e-6 + k->bytes / reachable_bw(hw, ctas, hw->mem_bw_Bps * e->mem_eff);
    } else {
        double heads_kv = (double)k->batch * k->kv_heads;
        double splits = dmax(1, dmin(ceil(k->kv_len / 256.0), ceil(hw->units / heads_kv)));
        double ctas = heads_kv * splits;
        c.compute_s = k->flops / (dmin(ctas, hw->units) * unit_rate) + e->wave_us * 1e-6;
        c.memory_s = e->mem_lat_us * 1e-6 + k->bytes / reachable_bw(hw, ctas, hw->mem_bw_Bps * e->mem_eff);
        if (splits > 1) c.overhead_s = e->kernel_us * 1e-6; /* combine partial softmaxes */
    }
    c.time_s = dmax(c.compute_s, c.memory_s) + c.overhead_s;
    return c;
}

static npu_kcost cost_streaming(const npu_hw *hw, const npu_kernel *k) {
    const npu_eff *e = &hw->eff;
    npu_kcost c = {0};
    c.memory_s = e->mem_lat_us * 1e-6 + k->bytes / (hw->mem_bw_Bps * e->mem_eff);
    c.compute_s = k->flops / (hw->vec_flops * e->vec_eff);
    /* an op of several launches pays the pipeline fill once per launch */
    c.memory_s += (k->launches - 1) * e->mem_lat_us * 1e-6;
    c.time_s = dmax(c.compute_s, c.memory_s);
    return c;
}

npu_kcost npu_cost_kernel(const npu_hw *hw, const npu_kernel *k, npu_cost_ctx ctx) {
    npu_kcost c;
    if (k->kind == NPU_KK_COMM) { /* the collective model carries its own launch/sync latency */
        npu_comm_cost cc = npu_comm_op(hw, k->coll, k->chips, k->comm_bytes);
        c = (npu_kcost){.time_s = cc.time_s, .overhead_s = cc.latency_s, .bound = NPU_BOUND_COMM,
                        .link_bytes = cc.sent_B};
        return c;
    }
    switch (k->kind) {
    case NPU_KK_GEMM: c = cost_gemm(hw, k); break;
    case NPU_KK_ATTN: c = cost_attention(hw, k); break;
    default: c = cost_streaming(hw, k); break;
    }
    const npu_eff *e = &hw->eff;
    double launch = ctx == NPU_STANDALONE ? e->launch_us + (k->launches - 1) * e->kernel_us
                                          : k->launches * e->kernel_us;
    c.overhead_s += launch * 1e-6;
    c.time_s += launch * 1e-6;
    double body = dmax(c.compute_s, c.memory_s);
    if (c.overhead_s > body) c.bound = NPU_BOUND_OVERHEAD;
    else c.bound = c.compute_s >= c.memory_s ? NPU_BOUND_COMPUTE : NPU_BOUND_MEMORY;
    return c;
}
