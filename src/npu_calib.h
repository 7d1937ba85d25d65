/* npu_calib — fit a chip's efficiency parameters (npu_eff) to measurements.
 *
 * Minimises the mean absolute percentage error of every timed row (gemm,
 * attention, bandwidth, model) by Nelder-Mead in log-parameter space, each
 * parameter kept inside physical bounds. The parameters are few and each has a
 * physical meaning (docs/calibration.md): the result is a mechanism, not a table
 * of measured shapes. */
#ifndef NPU_CALIB_H
#define NPU_CALIB_H

#include "npu_hw.h"
#include "npu_validate.h"

typedef struct npu_calib_result {
    double mape_before_pct, mape_after_pct;
    int evaluations;
} npu_calib_result;

/* Fit hw->eff in place on the timed rows of `s` (rows' hw column ignored). */
int npu_calib_fit(npu_hw *hw, npu_vset *s, int max_evals, npu_calib_result *out);
/* Bounds of parameter i (npu_eff_names order). */
void npu_calib_bounds(int i, double *lo, double *hi);

#endif
