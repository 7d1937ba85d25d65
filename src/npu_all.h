/* npu_all — internal umbrella of the library's modules, for the command layer,
 * tests, benches and tools (the public API is include/npusim.h).
 * Each module's header is its contract. */
#ifndef NPU_ALL_H
#define NPU_ALL_H

#include "npu_util.h"
#include "npu_memtech.h"
#include "npu_hw.h"
#include "npu_model.h"
#include "npu_graph.h"
#include "npu_cost.h"
#include "npu_comm.h"
#include "npu_step.h"
#include "npu_planner.h"
#include "npu_workload.h"
#include "npu_steptab.h"
#include "npu_serve.h"
#include "npu_report.h"
#include "npu_validate.h"
#include "npu_calib.h"
#include "npu_power.h"
#include "npu_process.h"
#include "npu_area.h"
#include "npu_econ.h"
#include "npu_quantcmp.h"

#endif
