/* npu_power — energy accounting, power and the TDP throttle.
 *
 * Fitted on ../shared/validation/h100-sxm/power.csv (H100 SXM, TSMC 4N, HBM3,
 * 700 W TDP), with the cost model's full-clock times:
 *   idle 131.3 W of 700 W                                  -> idle fraction 0.1876
 *   copy_2GiB 497.7 W at 3.02 TB/s (memory-bound, no throttle)
 *                                                          -> 15.16 pJ per DRAM bit, board level;
 *     of which 3.9 pJ/bit is the HBM device (Samsung HBM3E figure, hw_specs.md D2 [P])
 *     and 11.26 pJ/bit the on-die PHY, controller, L2 and network (scales with the process)
 *   gemm_bf16_8192 690.6 W, 1.6129 ms per run sustained (681.7 TFLOP/s), while the cost
 *     model gives 1.494 ms of compute at full clock (0.0065 ms launch): the chip runs at
 *     f = 1.494 / (1.6129 - 0.0065) = 0.930 of its clock, at the 700 W cap. With
 *     DRAM 0.403 GB (30.3 W at that time) and idle 131.3 W, the arithmetic draws
 *     700 - 131.3 - 30.3 = 538.4 W -> 0.868 J per run at f -> 1.004 J at full clock
 *     (energy ~ f^2) -> 0.913 pJ per bf16 FLOP at full clock, of which 0.027 is the
 *     128x256-tile operand traffic from L2 (0.0117 B/FLOP x 8 x 0.285 pJ/bit) ->
 *     0.886 pJ per bf16 matrix FLOP at full clock on N4.
 * fp8/int8 FLOPs cost half a bf16 FLOP and int4 a quarter (operand width) [E];
 * an fp32 vector FLOP costs two bf16 matrix FLOPs [E] (no operand reuse).
 *
 * Other chips: the H100's FLOP energy scaled by the process (energy_rel), but never
 * more than the chip's TDP allows for its dense peak as generously as the H100's
 * does: vendors size the TDP for the matrix engines' peak, and a chip whose TDP
 * per peak FLOP/s is tighter than the H100's (B200: 0.36 W per TFLOP/s of headroom
 * above idle vs 0.57) must spend less per FLOP (architecture, voltage), or it could
 * never run its datasheet peak. Checked against the published maximum achievable
 * matmul throughput (docs/accuracy-econ.md). */
#include "npu_power.h"

#include <math.h>

#define IDLE_FRACTION_OF_TDP 0.1876
#define N4_ENERGY_REL 0.95          /* npu_process: tsmc-n4, where the constants were fitted */
#define PJ_PER_BF16_FLOP_N4 0.886   /* full clock, matrix engines */
#define PJ_PER_SRAM_BIT_N5 0.30     /* large on-chip SRAM read incl. wires [E]; 0.285 on N4 */
#define PJ_DRAM_ONDIE_N4 11.26      /* PHY + controller + L2 + network per DRAM bit, H100 fit */
#define PJ_PER_LINK_BIT 5.0         /* long-reach 100G-class SerDes [E]; NVLink pJ/bit is unpublished */

static double dmax(double a, double b) { return a > b ? a : b; }

/* DRAM device energy, pJ/bit, by technology: the library's value if known, else by type. */
static double dram_device_pj(const npu_hw *hw) {
    const npu_memtech *t = hw->memtech;
    if (t && t->pj_per_bit > 0) return t->pj_per_bit;
    static const struct { const char *type; double pj; } by_type[] = {
        {"hbm4", 2.3},   /* [D] ~40% better than HBM3E's 3.9 (SK hynix via core-ics.com [E]) */
        {"hbm3", 3.9},   /* [P] Samsung HBM3E 3.9 pJ/bit (chinaflashmarket.com); HBM3 assumed equal */
        {"hbm2", 3.9},   /* [R] commonly quoted for HBM2/2E */
        {"gddr7", 6.0},  /* [D] GDDR6's 7.5 less Samsung's +20% efficiency claim */
        {"gddr6", 7.5},  /* [R] GDDR6/6X device + I/O */
        {"lpddr", 4.5},  /* [R] LPDDR4X/5/5X */
    };
    const char *type = t ? t->type : "";
    for (size_t i = 0; i < sizeof by_type / sizeof by_type[0]; i++) {
        size_t n = 0;
        while (by_type[i].type[n]) n++;
        size_t j = 0;
        while (j < n && type[j] == by_type[i].type[j]) j++;
        if (j == n) return by_type[i].pj;
    }
    return 3.9;
}

double npu_power_idle_w(const npu_hw *hw) {
    return hw->idle_w > 0 ? hw->idle_w : IDLE_FRACTION_OF_TDP * hw->tdp_w;
}

void npu_power_energy(const npu_hw *hw, npu_energy *e) {
    double rel = (hw->energy_rel > 0 ? hw->energy_rel : N4_ENERGY_REL) / N4_ENERGY_REL;
    double bf16 = PJ_PER_BF16_FLOP_N4 * rel;
    npu_dtype dt = npu_hw_matrix_dtype(hw, NPU_BF16);
    double peak = npu_hw_peak_flops(hw, dt);
    if (peak > 0 && hw->tdp_w > 0) {
        /* J per FLOP/s of headroom above idle at the TDP: H100 SXM (700 W, 131.3 W idle,
         * 989.4 TFLOP/s dense bf16), then this chip, in bf16-equivalent FLOPs */
        const double h100_w_per_flops = (700.0 - 131.3) / 989.4e12;
        double chip_w_per_flops = (hw->tdp_w - npu_power_idle_w(hw)) / peak * npu_dtype_bytes(dt) / 2.0;
        double cap = PJ_PER_BF16_FLOP_N4 * chip_w_per_flops / h100_w_per_flops;
        if (cap < bf16) bf16 = cap;
    }
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) e->pj_per_flop[t] = bf16 * npu_dtype_bytes((npu_dtype)t) / 2.0;
    e->pj_per_vec_flop = 2.0 * bf16;
    e->pj_per_sram_bit = PJ_PER_SRAM_BIT_N5 * rel * N4_ENERGY_REL;
    e->pj_per_dram_bit = dram_device_pj(hw) + PJ_DRAM_ONDIE_N4 * rel;
    e->pj_per_link_bit = PJ_PER_LINK_BIT;
    e->idle_w = npu_power_idle_w(hw);
}

double npu_power_w(const npu_hw *hw, double flops, npu_dtype dt, double dram_bytes, double time_s) {
    npu_energy e;
    npu_power_energy(hw, &e);
    double joules = (flops * e.pj_per_flop[npu_hw_matrix_dtype(hw, dt)] + dram_bytes * 8.0 * e.pj_per_dram_bit) * 1e-12;
    double p = e.idle_w + (time_s > 0 ? joules / time_s : 0);
    return hw->tdp_w > 0 && p > hw->tdp_w ? hw->tdp_w : p;
}

double npu_power_link_j(const npu_hw *hw, double bytes) {
    (void)hw;
    return bytes * 8.0 * PJ_PER_LINK_BIT * 1e-12;
}

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

void npu_power_step_totals(const npu_hw *hw, npu_power_totals *t) {
    double idle = npu_power_idle_w(hw);
    double f = npu_power_throttle_frac(hw->tdp_w, idle, t->compute_j, t->other_j, t->time_s - t->cb_s, t->cb_s);
    t->clock_frac = 1.0;
    if (f < 1.0 && f > NPU_POWER_MIN_CLOCK) {
        t->time_s += t->cb_s * (1.0 / f - 1.0);
        t->compute_j *= f * f;
        t->clock_frac = f;
    }
    t->energy_j = idle * t->time_s + t->compute_j + t->other_j;
    if (f <= NPU_POWER_MIN_CLOCK && hw->tdp_w > 0 && t->energy_j > hw->tdp_w * t->time_s)
        t->energy_j = hw->tdp_w * t->time_s; /* memory-bound above the TDP: trust the TDP */
}

/* Dynamic energy of one run at full clock: arithmetic + SRAM (compute) and DRAM. */
static void kernel_energy(const npu_hw *hw, const npu_energy *e, const npu_kernel *k, const npu_kcost *c,
                          double *compute_j, double *memory_j) {
    double pj = 0;
    if (k->kind == NPU_KK_GEMM || k->kind == NPU_KK_ATTN) {
        npu_dtype cdt = npu_hw_matrix_dtype(hw, k->kind == NPU_KK_GEMM ? (npu_dtype_bytes(k->wdt) >= npu_dtype_bytes(k->adt) ? k->wdt : k->adt)
                                                                       : NPU_BF16);
        double tm = c->tile_m > 0 ? c->tile_m : 128, tn = c->tile_n > 0 ? c->tile_n : 128;
        double sram_bits = k->flops * (tm + tn) * npu_dtype_bytes(cdt) / (2.0 * tm * tn) * 8.0;
        pj = k->flops * e->pj_per_flop[cdt] + sram_bits * e->pj_per_sram_bit;
    } else {
        pj = k->flops * e->pj_per_vec_flop;
    }
    *compute_j = pj * 1e-12;
    *memory_j = k->bytes * 8.0 * e->pj_per_dram_bit * 1e-12;
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

void npu_power_kernel(const npu_hw *hw, const npu_kernel *k, npu_kcost *c, bool throttle) {
    npu_energy e;
    npu_power_energy(hw, &e);
    double ec, em;
    kernel_energy(hw, &e, k, c, &ec, &em);
    c->clock_frac = 1.0;
    if (throttle && c->time_s > NPU_POWER_BURST_S) {
        double f = kernel_frac(c, hw->tdp_w, e.idle_w, ec, em);
        if (f < 1.0) {
            /* the first BURST_S at full clock, the rest at f */
            double t0 = c->time_s, full = NPU_POWER_BURST_S / t0;
            if (f > NPU_POWER_MIN_CLOCK) {
                c->time_s = NPU_POWER_BURST_S + time_at(c, f) * (1.0 - full);
                ec *= full + (1.0 - full) * f * f;
                c->compute_s = c->compute_s * full + c->compute_s / f * (1.0 - full);
                c->clock_frac = f;
            }
        }
    }
    c->compute_j = ec;
    c->energy_j = e.idle_w * c->time_s + ec + em;
    /* memory-bound above the TDP (compute clock cannot fix it): trust the TDP */
    if (hw->tdp_w > 0 && c->energy_j > hw->tdp_w * c->time_s && kernel_frac(c, hw->tdp_w, e.idle_w, ec, em) <= NPU_POWER_MIN_CLOCK)
        c->energy_j = hw->tdp_w * c->time_s;
}

double npu_power_sustained_w(const npu_hw *hw, const npu_kernel *k, double *time_s) {
    npu_kcost c = npu_cost_kernel(hw, k, NPU_IN_STEP);
    npu_energy e;
    npu_power_energy(hw, &e);
    double ec, em;
    kernel_energy(hw, &e, k, &c, &ec, &em);
    double f = kernel_frac(&c, hw->tdp_w, e.idle_w, ec, em);
    double t = time_at(&c, f);
    if (f <= NPU_POWER_MIN_CLOCK) return hw->tdp_w; /* memory-bound above the TDP: trust the TDP */
    if (time_s) *time_s = t;
    return e.idle_w + (ec * f * f + em) / t;
}

double npu_power_step(const npu_hw *hw, const npu_graph *g, npu_step_result *s, double *clock_frac) {
    double idle = npu_power_idle_w(hw), ec = 0, em = 0, t_cb = 0;
    for (int i = 0; i < g->n; i++) {
        const npu_kcost *c = &s->kc[i];
        double n = g->k[i].count;
        ec += c->compute_j * n;
        em += (c->energy_j - c->compute_j - idle * c->time_s) * n;
        if (c->bound == NPU_BOUND_COMPUTE) t_cb += c->time_s * n;
    }
    double f = npu_power_throttle_frac(hw->tdp_w, idle, ec, em, s->time_s - t_cb, t_cb);
    if (f <= NPU_POWER_MIN_CLOCK) { /* memory-bound above the TDP: trust the TDP, see npu_power.h */
        *clock_frac = 1.0;
        double e = idle * s->time_s + ec + em, cap = hw->tdp_w * s->time_s;
        if (e > cap)
            for (int i = 0; i < g->n; i++) s->kc[i].energy_j *= cap / e;
        return e < cap ? e : cap;
    }
    *clock_frac = f;
    double total = 0;
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

