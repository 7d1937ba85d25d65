/* npu_power — energy and power of kernels, steps and runs, and the TDP throttle.
 *
 * Energy of a kernel = static power x time + matrix/vector FLOPs x pJ per FLOP
 * (by datatype, scaled by the process) + on-chip SRAM operand traffic x pJ/bit
 * + DRAM traffic x pJ/bit (by memory technology; board level: device, PHY,
 * controller and on-chip network) [+ link traffic x pJ/bit]. Power = energy /
 * time. When that exceeds the TDP the clock drops (DVFS: arithmetic energy per
 * operation ~ V^2 ~ f^2, compute-bound time ~ 1/f, memory time unchanged) until
 * the power equals the TDP. Constants were fitted on the H100's power.csv
 * (idle, an 8192^3 bf16 GEMM, a 2 GiB copy) and a single burst window on its
 * long-GEMM timings; docs/economics.md. */
#ifndef NPU_POWER_H
#define NPU_POWER_H

#include "npu_step.h"

/* Energy coefficients of a chip at full clock. */
typedef struct npu_energy {
    double pj_per_flop[NPU_DTYPE_COUNT]; /* matrix FLOP by compute datatype */
    double pj_per_vec_flop;              /* fp32 vector FLOP */
    double pj_per_sram_bit;              /* on-chip SRAM (L2/scratchpad) operand traffic */
    double pj_per_dram_bit;              /* board level, per bit moved to or from DRAM */
    double pj_per_link_bit;              /* chip-to-chip SerDes, per bit sent */
    double idle_w;                       /* static/idle board power */
} npu_energy;

/* A standalone op longer than this runs its first NPU_POWER_BURST_S at full clock
 * before the limiter throttles it: the power limiter averages over a window and
 * a benchmark's gaps (L2 flush, sync) leave it headroom. Fitted on gemm.csv. */
#define NPU_POWER_BURST_S 1.0e-3
/* Lowest clock fraction the DVFS range reaches. When even that leaves a step
 * above the TDP, DRAM power alone exceeds it: designers size the TDP for full
 * memory streaming and the DRAM energy constants are H100-fitted, so the model
 * trusts the TDP there: no slowdown, power = TDP (energy = TDP x time). */
#define NPU_POWER_MIN_CLOCK 0.6 /* [E] sustained DVFS floor */

void npu_power_energy(const npu_hw *hw, npu_energy *e);
/* Idle board power, W: the preset's idle_w, else a fraction of TDP learned on the H100. */
double npu_power_idle_w(const npu_hw *hw);
/* Average power of work doing `flops` (matrix, at dtype) and moving `dram_bytes` in `time_s`
 * (full clock, capped at the TDP). */
double npu_power_w(const npu_hw *hw, double flops, npu_dtype dt, double dram_bytes, double time_s);
/* Energy of sending `bytes` over the chip's links, J. */
double npu_power_link_j(const npu_hw *hw, double bytes);

/* Clock fraction f in (0, 1] at which idle + (ec_j f^2 + em_j) / t(f) = cap_w, with
 * t(f) = t_fixed_s + t_scaled_s / f; 1 when the cap does not bind (or cap_w <= 0). */
double npu_power_throttle_frac(double cap_w, double idle_w, double ec_j, double em_j, double t_fixed_s,
                               double t_scaled_s);
/* A step's totals at full clock, and what the TDP makes of them
 * (npu_power_step_totals). */
typedef struct npu_power_totals {
    double time_s;     /* in: step time at full clock; out: after the throttle */
    double cb_s;       /* in: time of its compute-bound kernels at full clock */
    double compute_j;  /* in: arithmetic + SRAM energy at full clock; out: at the step's clock */
    double other_j;    /* in: the rest of its dynamic energy (DRAM, ...), idle power excluded */
    double energy_j;   /* out: energy over the step, idle power included */
    double clock_frac; /* out: clock fraction the TDP forced (1 = none) */
} npu_power_totals;
/* The TDP throttle of a whole step from its totals, the rule npu_power_step
 * applies kernel by kernel: above the TDP the clock drops to f
 * (npu_power_throttle_frac), compute-bound time stretches by 1/f and arithmetic
 * energy scales by f^2; when even NPU_POWER_MIN_CLOCK leaves it above, the step
 * is memory-bound and its power is the TDP (no slowdown). For callers that keep
 * totals rather than kernels (the serving step tables). */
void npu_power_step_totals(const npu_hw *hw, npu_power_totals *t);
/* Called at the end of npu_cost_kernel: sets c->energy_j, c->compute_j and
 * c->clock_frac; with `throttle` (standalone ops) stretches c->time_s when the
 * TDP binds beyond the burst window. */
void npu_power_kernel(const npu_hw *hw, const npu_kernel *k, npu_kcost *c, bool throttle);
/* Power of `k` repeated back to back for seconds (no burst allowance), W; its
 * time per run in *time_s. For comparing with sustained power measurements. */
double npu_power_sustained_w(const npu_hw *hw, const npu_kernel *k, double *time_s);

/* A step under the TDP: if its average power at full clock exceeds the TDP,
 * its compute-bound kernels slow down by 1/f. Updates s->time_s, the per-kind
 * and per-bound times and the kernels' times; returns the step's energy, J,
 * and the clock fraction in *clock_frac. */
double npu_power_step(const npu_hw *hw, const npu_graph *g, npu_step_result *s, double *clock_frac);

#endif
