/* npu_energy — a chip's energy coefficients at full clock, derived once when a
 * description is finished (npu_hw_finish) from its process (switching energy),
 * its memory technology and its power envelope. npu_power turns costed kernels
 * into joules with them; nothing recomputes them per kernel.
 *
 * Fitted on ../shared/validation/h100-sxm/power.csv (H100 SXM, TSMC 4N, HBM3,
 * 700 W TDP), with the cost model's full-clock times (derivation in npu_energy.c
 * and docs/economics.md). */
#ifndef NPU_ENERGY_H
#define NPU_ENERGY_H

#include "npu_memtech.h"
#include "npu_util.h"

#include <stdbool.h>

typedef struct npu_energy {
    double pj_per_flop[NPU_DTYPE_COUNT]; /* matrix FLOP by compute datatype, pJ */
    double pj_per_vec_flop;              /* fp32 vector FLOP, pJ */
    double pj_per_sram_bit;              /* on-chip SRAM (L2/scratchpad) operand traffic, pJ/bit */
    double pj_per_dram_bit;              /* board level, per bit moved to or from DRAM, pJ/bit */
    double pj_per_link_bit;              /* chip-to-chip SerDes, per bit sent, pJ/bit */
    double idle_w;                       /* static/idle board power, W */
} npu_energy;

/* Idle board power when a description gives none: this fraction of the TDP
 * (H100 power.csv: 131.3 W of 700 W). */
#define NPU_ENERGY_IDLE_FRACTION 0.1876

/* Idle board power, W: idle_w if given (> 0), else the fraction of tdp_w. */
double npu_energy_idle_w(double tdp_w, double idle_w);

/* Coefficients of a chip: energy_rel = the process's switching energy vs TSMC N5
 * (<= 0: unknown, taken as N4 where the constants were fitted); mt = its memory
 * technology (NULL with sram_main: the weights stream from on-chip SRAM); tdp_w and
 * idle_w (0 = unknown); op_bits and acc_bits = the operand and register-file
 * accumulator bits its matrix engines move per 16-bit FLOP (npu_hw's derived block:
 * op_bits_per_flop, acc_bits_per_flop). */
void npu_energy_derive(npu_energy *e, double energy_rel, const npu_memtech *mt, double tdp_w, double idle_w,
                       double op_bits, double acc_bits, bool sram_main);

#endif
