/* cli_sets — `--set PATH=VALUE` on run, plan, serve and cost (issue 13): the
 * repeatable O_SET row of the option table, resolved by npu_override and
 * applied to the descriptions a command loaded. */
#ifndef NPUSIM_CLI_SETS_H
#define NPUSIM_CLI_SETS_H

#include "args.h"
#include "npu_override.h"

/* Apply every --set of `a` to what the command loaded; NULL = not part of this
 * command (an edit of it is an error). Workload and plan paths are sweep axes:
 * on the command line the command's own options say them. A path given twice
 * is an error. -1 + npu_err (an unknown path names the closest). */
int cli_sets_apply(const cli_args *a, npu_hw *hw, npu_model *m, npu_engine *eng);

#endif
