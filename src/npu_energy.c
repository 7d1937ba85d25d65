/* npu_energy — energy coefficients of a chip.
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
 * an fp32 FLOP (vector, or fp32 matrix) costs two bf16 matrix FLOPs [E].
 *
 * Other chips: the H100's FLOP energy scaled by the process (energy_rel), but never
 * more than the chip's TDP allows for its dense peak as generously as the H100's
 * does: vendors size the TDP for the matrix engines' peak, and a chip whose TDP
 * per peak FLOP/s is tighter than the H100's (B200: 0.36 W per TFLOP/s of headroom
 * above idle vs 0.57) must spend less per FLOP (architecture, voltage), or it could
 * never run its datasheet peak. Checked against the published maximum achievable
 * matmul throughput (docs/accuracy-econ.md). */
#include "npu_energy.h"

#define N4_ENERGY_REL 0.95          /* npu_process: tsmc-n4, where the constants were fitted */
#define PJ_PER_BF16_FLOP_N4 0.886   /* full clock, matrix engines */
#define PJ_PER_SRAM_BIT_N5 0.30     /* large on-chip SRAM read incl. wires [E]; 0.285 on N4 */
#define PJ_DRAM_ONDIE_N4 11.26      /* PHY + controller + L2 + network per DRAM bit, H100 fit */
#define PJ_PER_LINK_BIT 5.0         /* long-reach 100G-class SerDes [E]; NVLink pJ/bit is unpublished */
#define PJ_DRAM_DEVICE_UNKNOWN 3.9  /* no technology: the HBM3 figure the fit used */

double npu_energy_idle_w(double tdp_w, double idle_w) {
    return idle_w > 0 ? idle_w : NPU_ENERGY_IDLE_FRACTION * tdp_w;
}

void npu_energy_derive(npu_energy *e, double energy_rel, const npu_memtech *mt, double tdp_w, double idle_w,
                       double peak_flops, npu_dtype peak_dt) {
    double rel = (energy_rel > 0 ? energy_rel : N4_ENERGY_REL) / N4_ENERGY_REL;
    double bf16 = PJ_PER_BF16_FLOP_N4 * rel;
    e->idle_w = npu_energy_idle_w(tdp_w, idle_w);
    if (peak_flops > 0 && tdp_w > 0) {
        /* J per FLOP/s of headroom above idle at the TDP: H100 SXM (700 W, 131.3 W idle,
         * 989.4 TFLOP/s dense bf16), then this chip, in bf16-equivalent FLOPs */
        const double h100_w_per_flops = (700.0 - 131.3) / 989.4e12;
        double chip_w_per_flops = (tdp_w - e->idle_w) / peak_flops * npu_dtype_bytes(peak_dt) / 2.0;
        double cap = PJ_PER_BF16_FLOP_N4 * chip_w_per_flops / h100_w_per_flops;
        if (cap < bf16) bf16 = cap;
    }
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) e->pj_per_flop[t] = bf16 * npu_dtype_bytes((npu_dtype)t) / 2.0;
    e->pj_per_vec_flop = 2.0 * bf16;
    e->pj_per_sram_bit = PJ_PER_SRAM_BIT_N5 * rel * N4_ENERGY_REL;
    e->pj_per_dram_bit = (mt ? npu_memtech_device_pj(mt) : PJ_DRAM_DEVICE_UNKNOWN) + PJ_DRAM_ONDIE_N4 * rel;
    e->pj_per_link_bit = PJ_PER_LINK_BIT;
}
