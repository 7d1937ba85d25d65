/* npu_power — board power of a kernel or step: static power plus the energy of
 * the arithmetic and the DRAM traffic over the time, capped at the TDP.
 * Energy constants were fitted on the H100's power measurements; see
 * docs/calibration.md. */
#ifndef NPU_POWER_H
#define NPU_POWER_H

#include "npu_hw.h"

/* Idle board power, W: the preset's idle_w, else a fraction of TDP learned on the H100. */
double npu_power_idle_w(const npu_hw *hw);
/* Average power of work doing `flops` (matrix, at dtype) and moving `dram_bytes` in `time_s`. */
double npu_power_w(const npu_hw *hw, double flops, npu_dtype dt, double dram_bytes, double time_s);

#endif
