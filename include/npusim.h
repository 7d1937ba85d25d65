/* npusim — predict LLM inference on AI chips from their datasheets.
 * Umbrella header of libnpusim; each module's header is its contract. */
#ifndef NPUSIM_H
#define NPUSIM_H

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

#endif
