/* npu_report — human tables and JSON for run and op results. */
#ifndef NPU_REPORT_H
#define NPU_REPORT_H

#include "npu_step.h"

#include <cjson/cJSON.h>
#include <stdio.h>

cJSON *npu_report_run_json(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c,
                           const npu_run_result *r);
void npu_report_run_table(FILE *out, const npu_model *m, const npu_hw *hw, const npu_run_cfg *c,
                          const npu_run_result *r);
/* One row per kernel: step,name,kind,count,launches,flops,dram_bytes,time_us,total_us,bound,energy_j
 * (energy_j: one run, J). */
void npu_report_run_csv(FILE *out, const npu_run_result *r);

cJSON *npu_report_op_json(const npu_hw *hw, const npu_kernel *k, const npu_kcost *c);
void npu_report_op_table(FILE *out, const npu_hw *hw, const npu_kernel *k, const npu_kcost *c);

/* Print and free. */
void npu_report_print_json(FILE *out, cJSON *j);

#endif
