/* cmds — subcommands implemented outside main.c. */
#ifndef NPUSIM_CMDS_H
#define NPUSIM_CMDS_H

#include "args.h"
#include "npusim.h"

int cli_fail(void); /* print npu_errmsg() on stderr, return exit status 2 */
/* Index of `s` in names[0..n); -1 + npu_err naming the closest ("unknown <what> ..."). */
int cli_pick(const char *s, const char *const *names, int n, const char *what);
/* --dtype, --act-dtype, --kv-dtype with run's defaults: fp8/int8 run W8A8, int4 is
 * weight-only (W4A16), the KV cache is 16-bit unless given. */
int cli_dtypes(const cli_opt *o, int n, npu_dtype *w, npu_dtype *a, npu_dtype *kv);
/* --tp --pp --ep --dp --cp into a plan (absent = 1); -1 + npu_err on bad values. */
int cli_plan(const cli_opt *o, int n, npu_plan *p);
int cmd_validate(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_plan(int argc, char **argv);     /* cmd_plan.c: deployment planner (issue 4) */
int cmd_serve(int argc, char **argv);    /* cmd_serve.c: serving simulation (issue 5) */
int cmd_cost(int argc, char **argv);     /* cmd_cost.c: die area, yield, unit cost (issue 6) */
int cmd_list_process(void);              /* cmd_cost.c: `npusim list process` */
/* cmd_cost.c: the --tco figures of `run` ($/hour per chip, $ per million output
 * tokens) as a JSON object in *out (NULL when no TCO option is given); -1 +
 * npu_err on a bad option or an unknown price. */
struct cli_opt;
struct npu_hw;
struct npu_run_cfg;
struct npu_run_result;
struct cJSON;
int cli_run_tco(const struct cli_opt *o, int n, const struct npu_hw *hw, const struct npu_run_cfg *c,
                const struct npu_run_result *r, struct cJSON **out);
/* The same object for `chips` chips drawing power_w each and producing tps tokens/s. */
int cli_tco(const struct cli_opt *o, int n, const struct npu_hw *hw, double power_w, int chips, double tps,
            const char *tokens, struct cJSON **out);
void cli_print_tco(const struct cJSON *t); /* human lines of that object */
#define CLI_TCO_OPTS {"tco", 0, 0}, {"chip-price", 1, 0}, {"pue", 1, 0}, {"usd-per-kwh", 1, 0}, \
                     {"lifetime-years", 1, 0}, {"server-overhead", 1, 0}
/* cmd_comm.c: `npusim op allreduce|allgather|reducescatter|alltoall` (issue 4);
 * argv[2] is the collective's name. */
int cmd_op_comm(int argc, char **argv);
/* cmd_report.c (issue 14): `npusim report RESULT -o FILE.html`; the version
 * string pages show; --html FILE of run and serve: the page of `result` with
 * the command line argv; -1 + npu_err on a render or write error. */
int cmd_report(int argc, char **argv);
const char *cli_version(void);
int cli_write_html(const char *path, const struct cJSON *result, int argc, char **argv);

#endif
