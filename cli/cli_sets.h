/* cli_sets — `--set PATH=VALUE` on run, serve, cost and plan (issue 13).
 *
 * GLUE FOR THE OPTION PARSER: the --set occurrences are taken out of argv
 * before the command's own parser runs (--set is the one repeatable option),
 * and applied to the descriptions the command loaded. When the table-driven
 * parser lands, re-wire these two calls onto its repeatable-option support. */
#ifndef NPUSIM_CLI_SETS_H
#define NPUSIM_CLI_SETS_H

#include "npu_override.h"

#define CLI_SETS_MAX 64
typedef struct cli_sets {
    npu_ov ov[CLI_SETS_MAX];
    int n;
} cli_sets;

/* Remove every "--set PATH=VALUE" / "--set=PATH=VALUE" from argv (argc
 * updated), resolving each path. -1 + npu_err (unknown path: the closest). */
int cli_sets_take(int *argc, char **argv, cli_sets *s);
/* Apply to what the command loaded; NULL = not part of this command (an edit
 * of it is an error). Workload and plan paths are sweep axes: on the command
 * line the command's own options say them. -1 + npu_err. */
int cli_sets_apply(const cli_sets *s, npu_hw *hw, npu_model *m, npu_engine *eng);
/* Whether an edit touches that description. */
bool cli_sets_touch(const cli_sets *s, npu_ov_domain d);

#endif
