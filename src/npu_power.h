/* npu_power — turns costed kernels into energy and power, and applies the TDP
 * throttle. npu_cost gives time; this module, above it, gives joules.
 *
 * Energy of a kernel = idle power x time + matrix/vector FLOPs x pJ per FLOP
 * (by compute datatype, scaled by the process) + on-chip SRAM operand traffic x
 * pJ/bit + DRAM traffic x pJ/bit (by memory technology; board level: device,
 * PHY, controller and on-chip network) + link traffic x pJ/bit (collectives:
 * the bytes each chip sends). The coefficients are derived once per chip
 * (npu_energy, in npu_hw.energy). Power = energy / time. When that exceeds the
 * TDP the clock drops (DVFS: arithmetic energy per operation ~ V^2 ~ f^2,
 * compute-bound time ~ 1/f, memory time unchanged) until the power equals the
 * TDP. docs/economics.md. */
#ifndef NPU_POWER_H
#define NPU_POWER_H

#include "npu_cost.h"

/* A standalone op longer than this runs its first NPU_POWER_BURST_S at full clock
 * before the limiter throttles it: the power limiter averages over a window and
 * a benchmark's gaps (L2 flush, sync) leave it headroom. Fitted on gemm.csv. */
#define NPU_POWER_BURST_S 1.0e-3
/* Lowest clock fraction the DVFS range reaches. When even that leaves a step
 * above the TDP, DRAM power alone exceeds it: designers size the TDP for full
 * memory streaming and the DRAM energy constants are H100-fitted, so the model
 * trusts the TDP there: no slowdown, power = TDP (energy = TDP x time). */
#define NPU_POWER_MIN_CLOCK 0.6 /* [E] sustained DVFS floor */

/* Idle board power, W: the preset's idle_w, else a fraction of TDP learned on the H100
 * (= hw->energy.idle_w). */
double npu_power_idle_w(const npu_hw *hw);
/* Average power of work doing `flops` (matrix, at dtype) and moving `dram_bytes` in `time_s`
 * (full clock, capped at the TDP). */
double npu_power_w(const npu_hw *hw, double flops, npu_dtype dt, double dram_bytes, double time_s);
/* Energy of sending `bytes` over the chip's links, J. */
double npu_power_link_j(const npu_hw *hw, double bytes);

/* Clock fraction f in [NPU_POWER_MIN_CLOCK, 1] at which idle + (ec_j f^2 + em_j) / t(f) = cap_w,
 * with t(f) = t_fixed_s + t_scaled_s / f; 1 when the cap does not bind (or cap_w <= 0). */
double npu_power_throttle_frac(double cap_w, double idle_w, double ec_j, double em_j, double t_fixed_s,
                               double t_scaled_s);

/* Energy of one run of a kernel costed by npu_cost_kernel, inside a step at full
 * clock: sets c->energy_j, c->compute_j (arithmetic + SRAM, the part that scales
 * with f^2) and c->clock_frac = 1. Collectives: idle power x time + the bytes the
 * chip sends (c->link_bytes) x pJ/bit. */
void npu_power_kernel(const npu_hw *hw, const npu_kernel *k, npu_kcost *c);
/* A standalone timed op (`npusim op`, validation): call after
 * npu_cost_kernel(hw, k, NPU_STANDALONE). Energy as npu_power_kernel; when the
 * op's power exceeds the TDP beyond the NPU_POWER_BURST_S window, the clock drops:
 * stretches c->time_s and c->compute_s and sets c->clock_frac. */
void npu_power_standalone(const npu_hw *hw, const npu_kernel *k, npu_kcost *c);
/* A standalone timed op in one call: npu_cost_kernel(hw, k, NPU_STANDALONE) then
 * npu_power_standalone. What `npusim op` and validation time. */
npu_kcost npu_power_op(const npu_hw *hw, const npu_kernel *k);
/* Power of `k` repeated back to back for seconds (no burst allowance), W; its
 * time per run in *time_s. For comparing with sustained power measurements. */
double npu_power_sustained_w(const npu_hw *hw, const npu_kernel *k, double *time_s);

/* The TDP throttle of one step from its totals at full clock: time_s (all of it),
 * cb_s (its compute-bound part, which stretches by 1/f), compute_j (arithmetic +
 * SRAM energy, scales by f^2) and other_j (DRAM and links; idle excluded). The
 * one home of the step throttle rule: npu_power_step applies it kernel by kernel,
 * the serving step table (npu_steptab) to its composed steps. */
typedef struct npu_power_sum {
    double time_s;     /* the step at clock_frac */
    double compute_j;  /* arithmetic + SRAM energy at clock_frac */
    double energy_j;   /* idle x time_s + compute_j + other_j; TDP x time_s when capped */
    double clock_frac; /* 1 = not throttled (also when capped) */
    bool capped;       /* memory-bound above the TDP: energy cut to TDP x time, no slowdown */
} npu_power_sum;
npu_power_sum npu_power_step_totals(const npu_hw *hw, double time_s, double cb_s, double compute_j, double other_j);

/* A step under the TDP (the kernel costs of npu_step_eval, with their energies):
 * if its average power at full clock exceeds the TDP, its compute-bound kernels
 * slow down by 1/f. Updates s->time_s, the per-kind and per-bound times and the
 * kernels' times and energies; returns the step's energy, J, and the clock
 * fraction in *clock_frac. */
double npu_power_step(const npu_hw *hw, const npu_graph *g, npu_step_result *s, double *clock_frac);

#endif
