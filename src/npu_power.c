/* npu_power — first-order power model (static + energy/time, TDP cap). */
#include "npu_power.h"

/* Learned on ../shared/validation/h100-sxm/power.csv (H100 SXM, TSMC 4N, HBM3):
 *   idle 131.3 W of 700 W TDP                       -> idle fraction 0.1876
 *   copy_2GiB 497.7 W at 3.02 TB/s                  -> 15.2 pJ per DRAM bit moved
 *     (device + PHY + controller + L2 + on-chip network, not the DRAM die alone)
 *   gemm_bf16_8192 690.6 W at 681.7 TFLOP/s, 0.25 TB/s DRAM -> 0.776 pJ per bf16 FLOP
 * fp8/int8 FLOPs cost half a bf16 FLOP (half the operand bits per MAC). */
#define IDLE_FRACTION_OF_TDP 0.1876
#define PJ_PER_DRAM_BIT 15.16
#define PJ_PER_BF16_FLOP 0.776

double npu_power_idle_w(const npu_hw *hw) {
    return hw->idle_w > 0 ? hw->idle_w : IDLE_FRACTION_OF_TDP * hw->tdp_w;
}

double npu_power_w(const npu_hw *hw, double flops, npu_dtype dt, double dram_bytes, double time_s) {
    double pj_flop = PJ_PER_BF16_FLOP * npu_dtype_bytes(dt) / 2.0;
    double joules = (flops * pj_flop + dram_bytes * 8.0 * PJ_PER_DRAM_BIT) * 1e-12;
    double p = npu_power_idle_w(hw) + (time_s > 0 ? joules / time_s : 0);
    return hw->tdp_w > 0 && p > hw->tdp_w ? hw->tdp_w : p;
}
