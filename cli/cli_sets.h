/* cli_sets — `--set PATH=VALUE` on run, plan, serve and cost (issue 13): the
 * repeatable O_SET row of the option table, resolved by npu_override and
 * applied to the descriptions a command loaded. */
#ifndef NPUSIM_CLI_SETS_H
#define NPUSIM_CLI_SETS_H

#include "args.h"
#include "npu_override.h"

#include <stdbool.h>

/* Apply the hardware and model --set edits of `a` to what the command loaded
 * (NULL = not part of this command: an edit of it is an error). Engine edits
 * wait for cli_sets_apply_engine when `engine_later` (the command picks its
 * engine from the edited chip, --engine auto); else they are an error.
 * Workload and plan paths are sweep axes: on the command line the command's
 * own options say them. A path given twice is an error. -1 + npu_err (an
 * unknown path names the closest). */
int cli_sets_apply(const cli_args *a, npu_hw *hw, npu_model *m, bool engine_later);
/* The engine --set edits (engine=NAME|auto, engine.SECTION.KEY) on the engine
 * the command picked; cli_engine calls it. `hw`: the chip engine=auto reads. */
int cli_sets_apply_engine(const cli_args *a, const npu_hw *hw, npu_engine *eng);

#endif
