/* cmds — subcommands implemented outside main.c. */
#ifndef NPUSIM_CMDS_H
#define NPUSIM_CMDS_H

#include "args.h"
#include "npusim.h"

int cli_fail(void); /* print npu_errmsg() on stderr, return exit status 2 */
/* --tp --pp --ep --dp --cp into a plan (absent = 1); -1 + npu_err on bad values. */
int cli_plan(const cli_opt *o, int n, npu_plan *p);
int cmd_validate(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_plan(int argc, char **argv);     /* cmd_plan.c: deployment planner (issue 4) */
int cmd_serve(int argc, char **argv);    /* cmd_serve.c: serving simulation (issue 5) */
int cmd_cost(int argc, char **argv);     /* cmd_cost.c: die area, yield, unit cost (issue 6) */
int cmd_list_process(void);              /* cmd_cost.c: `npusim list process` */
/* cmd_comm.c: `npusim op allreduce|allgather|reducescatter|alltoall` (issue 4);
 * argv[2] is the collective's name. */
int cmd_op_comm(int argc, char **argv);

#endif
