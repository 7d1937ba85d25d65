/* npu_energy — energy coefficients of a chip.
 *
 * Fitted on ../shared/validation/h100-sxm/power.csv (H100 SXM, TSMC 4N, HBM3,
 * 700 W TDP), with the cost model's full-clock times:
 *   idle 131.3 W of 700 W                                  -> idle fraction 0.1876
 *   copy_2GiB 497.7 W at 3.02 TB/s (memory-bound, no throttle)
 *                                                          -> 15.16 pJ per DRAM bit, board level;
 *     of which 3.9 pJ/bit is the HBM device (Samsung HBM3E figure, hw_specs.md D2 [P])
 *     and 11.26 pJ/bit the on-die PHY, controller, L2 and network (scales with the process)
 *   gemm_bf16_8192 690.6 W, 1.6129 ms per run sustained (681.7 TFLOP/s): at the 700 W cap
 *     the arithmetic draws 700 - 131.3 - 30.3 (DRAM, 0.403 GB per run) = 538.4 W. How much
 *     energy per FLOP that is depends on the clock fraction f the chip runs at there,
 *     f = (full-clock compute time) / (1.6129 - 0.0065 ms launch), which the timing
 *     parameters fix. The issue-11 fit (docs/calibration.md "Energy and the fit") makes
 *     the H100's engines 0.91 pJ per bf16 FLOP at full clock (L2 tile traffic
 *     excluded): f = 0.89 and 1.583 ms per sustained run (-1.8 %); the value that
 *     makes that time exact, 0.95 pJ, costs the model rows 0.3 points of MAPE
 *     (their b = 1 prefills are throttled at step level), and 0.89-0.95 all give
 *     the same timing fit (4.19 %). `npusim calibrate` reports the exact value.
 * fp8/int8 FLOPs cost half a bf16 FLOP and int4 a quarter (operand width) [E];
 * an fp32 FLOP (vector, or fp32 matrix) costs two bf16 matrix FLOPs [E].
 *
 * Operand delivery (issue 11): a matrix FLOP's energy is its MAC plus the operand
 * bits the engine moves per FLOP, which the engine's geometry fixes:
 *   inputs       = 16 x (1/n + 1/m) / 2 bits per FLOP from the level that feeds the
 *                  engines (instruction tile m x n; a weight-stationary array: the
 *                  software tile's rows x the array's columns), at the SRAM pJ/bit;
 *   accumulators = 2 x 32 / (2 k) bits per FLOP when the fp32 accumulator tile is read
 *                  and written through the register file once per instruction of
 *                  depth k (0 when the engine keeps it: systolic arrays, MME, TMEM),
 *                  at the register-file pJ/bit.
 * The H100 (wgmma m64n256k16, accumulators in registers: 0.156 + 2.0 bits per FLOP)
 * fixes the MAC part: 0.91 - 0.156 x 0.285 - 2.0 x 0.148 = 0.569 pJ on N4. Every other
 * chip: MAC part scaled by its process + its own operand bits. This replaces the
 * TDP-headroom cap, which assumed every vendor sizes its TDP for its peak as NVIDIA
 * does (it made MI300X faster than measured and explained B200 only by fiat);
 * docs/accuracy-architectures.md compares both with the published matmul rates. */
#include "npu_energy.h"

#define N4_ENERGY_REL 0.95          /* npu_process: tsmc-n4, where the constants were fitted */
#define PJ_PER_BF16_FLOP_H100 0.91 /* full clock, N4, the H100's engines incl. their operand delivery */
#define H100_OP_BITS 0.15625        /* wgmma m64n256k16 inputs: 16 x (1/256 + 1/64) / 2 */
#define H100_ACC_BITS 2.0           /* its fp32 accumulators through the registers: 64 / (2 x 16) */
#define PJ_PER_SRAM_BIT_N5 0.30     /* large on-chip SRAM read incl. wires [E]; 0.285 on N4 */
/* [P] W. Dally, MICRO 2019 keynote (elegantc.blogspot.com notes): 5 pJ per word from L1,
 * "most of the power is driving the wires"; a 32-bit word -> 0.156 pJ/bit for a local
 * SRAM such as a register file or accumulator buffer, taken at N5 [E] */
#define PJ_PER_RF_BIT_N5 0.156
#define PJ_DRAM_ONDIE_N4 11.26      /* PHY + controller + L2 + network per DRAM bit, H100 fit */
#define PJ_PER_LINK_BIT 5.0         /* long-reach 100G-class SerDes [E]; NVLink pJ/bit is unpublished */
#define PJ_DRAM_DEVICE_UNKNOWN 3.9  /* no technology: the HBM3 figure the fit used */
#define PJ_SRAM_MAIN_BIT_N5 0.30    /* SRAM-only chips: weights stream from on-chip SRAM [E] */

double npu_energy_idle_w(double tdp_w, double idle_w) {
    return idle_w > 0 ? idle_w : NPU_ENERGY_IDLE_FRACTION * tdp_w;
}

void npu_energy_derive(npu_energy *e, double energy_rel, const npu_memtech *mt, double tdp_w, double idle_w,
                       double op_bits, double acc_bits, bool sram_main) {
    double er = energy_rel > 0 ? energy_rel : N4_ENERGY_REL;
    double rel = er / N4_ENERGY_REL;
    double mac_n4 = PJ_PER_BF16_FLOP_H100 - H100_OP_BITS * PJ_PER_SRAM_BIT_N5 * N4_ENERGY_REL -
                    H100_ACC_BITS * PJ_PER_RF_BIT_N5 * N4_ENERGY_REL;
    e->pj_per_sram_bit = PJ_PER_SRAM_BIT_N5 * er;
    double bf16 = mac_n4 * rel + op_bits * e->pj_per_sram_bit + acc_bits * PJ_PER_RF_BIT_N5 * er;
    e->idle_w = npu_energy_idle_w(tdp_w, idle_w);
    /* by element width: a MAC's multiplier energy scales with its operand bits (int4 elements: 4 bits,
     * whatever the scales of a stored int4 format) */
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) e->pj_per_flop[t] = bf16 * npu_dtype_elem_bits((npu_dtype)t) / 16.0;
    e->pj_per_vec_flop = 2.0 * bf16;
    e->pj_per_dram_bit = sram_main ? PJ_SRAM_MAIN_BIT_N5 * er
                         : (mt ? npu_memtech_device_pj(mt) : PJ_DRAM_DEVICE_UNKNOWN) + PJ_DRAM_ONDIE_N4 * rel;
    e->pj_per_link_bit = PJ_PER_LINK_BIT;
}
