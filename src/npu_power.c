/* npu_power — energy accounting, power and the TDP throttle. The coefficients
 * and their fit are in npu_energy.c; this file only applies them. */
#include "npu_power.h"

#include <math.h>

static double dmax(double a, double b) { return a > b ? a : b; }

double npu_power_idle_w(const npu_hw *hw) { return hw->energy.idle_w; }

double npu_power_w(const npu_hw *hw, double flops, npu_dtype dt, double dram_bytes, double time_s) {
    const npu_energy *e = &hw->energy;
    double joules = (flops * e->pj_per_flop[npu_hw_matrix_dtype(hw, dt)] + dram_bytes * 8.0 * e->pj_per_dram_bit) * 1e-12;
    double p = e->idle_w + (time_s > 0 ? joules / time_s : 0);
    return hw->tdp_accel_w > 0 && p > hw->tdp_accel_w ? hw->tdp_accel_w : p;
}

double npu_power_link_j(const npu_hw *hw, double bytes) { return bytes * 8.0 * hw->energy.pj_per_link_bit * 1e-12; }

double npu_power_throttle_frac(double cap_w, double idle_w, double ec_j, double em_j, double t_fixed_s,
                               double t_scaled_s) {
    if (cap_w <= 0 || t_fixed_s + t_scaled_s <= 0) return 1.0;
#define P_AT(f) (idle_w + (ec_j * (f) * (f) + em_j) / (t_fixed_s + t_scaled_s / (f)))
    if (P_AT(1.0) <= cap_w) return 1.0;
    double lo = NPU_POWER_MIN_CLOCK, hi = 1.0; /* P rises with f: bisect for P(f) = cap */
    if (P_AT(lo) >= cap_w) return lo;
    for (int i = 0; i < 40; i++) {
        double mid = 0.5 * (lo + hi);
        if (P_AT(mid) > cap_w) hi = mid;
        else lo = mid;
    }
#undef P_AT
    return lo;
}

/* Dynamic energy of one run at full clock: arithmetic + SRAM (compute_j), and
 * DRAM + links (other_j). */
static void kernel_energy(const npu_hw *hw, const npu_kernel *k, const npu_kcost *c, double *compute_j,
                          double *other_j) {
    const npu_energy *e = &hw->energy;
    double pj = 0;
    *compute_j = *other_j = 0;
    if (k->act_quant && !npu_hw_runs_block(hw, k->adt)) return; /* not run on this chip (npu_cost_kernel) */
    if (k->kind == NPU_KK_GEMM || k->kind == NPU_KK_ATTN) {
        npu_dtype cdt = k->kind == NPU_KK_GEMM ? npu_hw_gemm_dtype(hw, k->wdt, k->adt) : npu_hw_attn_dtype(hw);
        double tm = c->tile_m > 0 ? c->tile_m : 128, tn = c->tile_n > 0 ? c->tile_n : 128;
        double sram_bits = k->flops * (tm + tn) * npu_dtype_bytes(cdt) / (2.0 * tm * tn) * 8.0;
        pj = k->flops * e->pj_per_flop[cdt] + sram_bits * e->pj_per_sram_bit;
        /* weights dequantized on the vector units (npu_cost_dequant_ops) */
        if (k->kind == NPU_KK_GEMM) pj += npu_cost_dequant_ops(hw, k, c->tile_m) * e->pj_per_vec_flop;
    } else {
        pj = k->flops * e->pj_per_vec_flop;
    }
    *compute_j = pj * 1e-12;
    /* weights resident on chip (c->sram_bytes) cost no DRAM energy: their one SRAM read is the
     * operand feed already in sram_bits */
    *other_j = ((k->bytes - c->sram_bytes) * 8.0 * e->pj_per_dram_bit + c->link_bytes * 8.0 * e->pj_per_link_bit) * 1e-12;
}

/* Throttled time of one kernel run at clock fraction f (compute stretches, memory does not). */
static double time_at(const npu_kcost *c, double f) {
    double body = dmax(c->compute_s, c->memory_s);
    return c->time_s - body + dmax(c->compute_s / f, c->memory_s);
}

/* Clock fraction for a kernel under the cap (t(f) is max(), so bisect on it directly). */
static double kernel_frac(const npu_kcost *c, double cap, double idle, double ec, double em) {
    if (cap <= 0 || c->time_s <= 0 || idle + (ec + em) / c->time_s <= cap) return 1.0;
    double lo = NPU_POWER_MIN_CLOCK, hi = 1.0;
    for (int i = 0; i < 40; i++) {
        double mid = 0.5 * (lo + hi);
        double p = idle + (ec * mid * mid + em) / time_at(c, mid);
        if (p > cap) hi = mid;
        else lo = mid;
    }
    return lo;
}

/* Energy of one run from its parts; a memory-bound kernel above the TDP (the
 * compute clock cannot fix it: even at NPU_POWER_MIN_CLOCK its power exceeds the
 * cap, which is when kernel_frac would return the floor) is trusted to the TDP. */
static void set_energy(const npu_hw *hw, npu_kcost *c, double ec, double em) {
    double idle = hw->energy.idle_w, f = NPU_POWER_MIN_CLOCK;
    c->compute_j = ec;
    c->energy_j = idle * c->time_s + ec + em;
    if (hw->tdp_accel_w > 0 && c->energy_j > hw->tdp_accel_w * c->time_s &&
        idle + (ec * f * f + em) / time_at(c, f) >= hw->tdp_accel_w)
        c->energy_j = hw->tdp_accel_w * c->time_s;
}

void npu_power_kernel(const npu_hw *hw, const npu_kernel *k, npu_kcost *c) {
    double ec, em;
    kernel_energy(hw, k, c, &ec, &em);
    c->clock_frac = 1.0;
    set_energy(hw, c, ec, em);
}

void npu_power_standalone(const npu_hw *hw, const npu_kernel *k, npu_kcost *c) {
    double ec, em;
    kernel_energy(hw, k, c, &ec, &em);
    c->clock_frac = 1.0;
    if (c->time_s > NPU_POWER_BURST_S) {
        double f = kernel_frac(c, hw->tdp_accel_w, hw->energy.idle_w, ec, em);
        if (f < 1.0 && f > NPU_POWER_MIN_CLOCK) {
            /* the first BURST_S at full clock, the rest at f */
            double full = NPU_POWER_BURST_S / c->time_s;
            c->time_s = NPU_POWER_BURST_S + time_at(c, f) * (1.0 - full);
            ec *= full + (1.0 - full) * f * f;
            c->compute_s = c->compute_s * full + c->compute_s / f * (1.0 - full);
            c->clock_frac = f;
        }
    }
    set_energy(hw, c, ec, em);
}

npu_kcost npu_power_op(const npu_hw *hw, const npu_kernel *k) {
    npu_kcost c = npu_cost_kernel(hw, k, NPU_STANDALONE);
    npu_power_standalone(hw, k, &c);
    return c;
}

double npu_power_sustained_w(const npu_hw *hw, const npu_kernel *k, double *time_s) {
    npu_kcost c = npu_cost_kernel(hw, k, NPU_IN_STEP);
    double ec, em;
    kernel_energy(hw, k, &c, &ec, &em);
    double f = kernel_frac(&c, hw->tdp_accel_w, hw->energy.idle_w, ec, em);
    double t = time_at(&c, f);
    if (f <= NPU_POWER_MIN_CLOCK) return hw->tdp_accel_w; /* memory-bound above the TDP: trust the TDP */
    if (time_s) *time_s = t;
    return hw->energy.idle_w + (ec * f * f + em) / t;
}

npu_power_sum npu_power_step_totals(const npu_hw *hw, double time_s, double cb_s, double compute_j, double other_j) {
    double idle = hw->energy.idle_w;
    double f = npu_power_throttle_frac(hw->tdp_accel_w, idle, compute_j, other_j, time_s - cb_s, cb_s);
    npu_power_sum p = {.time_s = time_s, .compute_j = compute_j, .clock_frac = 1.0};
    if (f < 1.0 && f > NPU_POWER_MIN_CLOCK) {
        p.time_s += cb_s * (1.0 / f - 1.0);
        p.compute_j *= f * f;
        p.clock_frac = f;
    }
    p.energy_j = idle * p.time_s + p.compute_j + other_j;
    if (f <= NPU_POWER_MIN_CLOCK && hw->tdp_accel_w > 0 && p.energy_j > hw->tdp_accel_w * p.time_s) {
        p.energy_j = hw->tdp_accel_w * p.time_s; /* memory-bound above the TDP: trust the TDP */
        p.capped = true;
    }
    return p;
}

double npu_power_step(const npu_hw *hw, const npu_graph *g, npu_step_result *s, double *clock_frac) {
    double idle = hw->energy.idle_w, ec = 0, em = 0, t_cb = 0;
    for (int i = 0; i < g->n; i++) {
        const npu_kcost *c = &s->kc[i];
        double n = g->k[i].count;
        ec += c->compute_j * n;
        em += (c->energy_j - c->compute_j - idle * c->time_s) * n;
        if (c->bound == NPU_BOUND_COMPUTE) t_cb += c->time_s * n;
    }
    npu_power_sum p = npu_power_step_totals(hw, s->time_s, t_cb, ec, em);
    *clock_frac = p.clock_frac;
    if (p.capped) { /* every kernel's energy cut in proportion */
        double scale = p.energy_j / (idle * s->time_s + ec + em);
        for (int i = 0; i < g->n; i++) s->kc[i].energy_j *= scale;
        return p.energy_j;
    }
    double f = p.clock_frac, total = 0;
    for (int i = 0; i < g->n; i++) {
        npu_kcost *c = &s->kc[i];
        double n = g->k[i].count;
        /* the clock drops for the whole step: all arithmetic costs f^2; only
         * compute-bound kernels take longer */
        double scale = c->bound == NPU_BOUND_COMPUTE ? 1.0 / f : 1.0;
        double extra = c->time_s * (scale - 1.0);
        s->time_s += extra * n;
        s->kind_time_s[g->k[i].kind] += extra * n;
        s->bound_time_s[c->bound] += extra * n;
        double em_i = c->energy_j - c->compute_j - idle * c->time_s;
        c->time_s += extra;
        c->compute_s *= scale;
        c->compute_j *= f * f;
        c->energy_j = idle * c->time_s + c->compute_j + em_i;
        c->clock_frac = f;
        total += c->energy_j * n;
    }
    return total;
}
