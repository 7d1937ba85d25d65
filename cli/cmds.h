/* cmds — the commands of npusim. Each is a cli_cmd (args.h) defined beside
 * its code: a use list of rows of the option table, a summary and a function
 * that gets the parsed values and writes its result into a cli_out. They are
 * part of libnpusim (npusim_call runs them); the npusim program reaches them
 * through that API (client.c). They never print: text goes to o->f. */
#ifndef NPUSIM_CMDS_H
#define NPUSIM_CMDS_H

#include "args.h"
#include "npu_all.h"

/* Option groups several commands take; put them in a cli_use list. */
#define CLI_USE_DTYPES {O_DTYPE}, {O_ACT_DTYPE}, {O_KV_DTYPE}, {O_LM_HEAD_DTYPE}, {O_EMB_DTYPE}
#define CLI_USE_PLAN {O_TP}, {O_PP}, {O_EP}, {O_DP}, {O_CP}
#define CLI_USE_TCO {O_TCO}, {O_CHIP_PRICE}, {O_PUE}, {O_USD_PER_KWH}, {O_LIFETIME_YEARS}, {O_SERVER_OVERHEAD}

/* Index of `s` in names[0..n); -1 + npu_err naming the closest ("unknown <what> ..."). */
int cli_pick(const char *s, const char *const *names, int n, const char *what);
/* --dtype, --act-dtype, --kv-dtype with the defaults of --dtype's recipe (npu_fmt.act,
 * .kv: fp8/int8 run W8A8, int4 is weight-only (W4A16), the KV cache 16-bit). */
void cli_dtypes(const cli_args *a, npu_dtype *w, npu_dtype *act, npu_dtype *kv);
/* --lm-head-dtype and --emb-dtype: set when given, else left to the library, which takes
 * the weight format's recipe (npu_dtype_head/_emb), so a sweep over --dtype follows it. */
void cli_head_emb(const cli_args *a, npu_dtype_opt *head, npu_dtype_opt *emb);
void cli_plan(const cli_args *a, npu_plan *p); /* --tp --pp --ep --dp --cp */
/* --engine into *e (the API's engine handle when one is given); 0, or -1 + npu_err */
/* --engine into *e; "auto" (the default) is the usual engine of chip `hw`
 * (npu_engine_default_for; NULL: NPU_ENGINE_DEFAULT). 0, or -1 + npu_err. */
int cli_engine(const cli_args *a, const npu_hw *hw, npu_engine *e);
/* --model, and --hw or --prefill-hw (id): the API's handle when one is given,
 * else a preset name, a file, or JSON text (a request's inline description).
 * 0, or -1 + npu_err. */
int cli_load_model(const cli_args *a, npu_model *m);
int cli_load_hw(const cli_args *a, cli_id id, npu_hw *hw);
const char *cli_s(long n); /* "s" unless n is 1: "%d chip%s" */
/* cmd_serve.c: --spec and --spec-accept into *s (kind none without --spec); 0, or -1 + npu_err */
int cli_spec(const cli_args *a, npu_spec *s);
/* Memory sizes in tables are GiB (2^30 bytes, as capacities are sold);
 * traffic and bandwidth are GB (1e9). */
#define CLI_GIB 1073741824.0

extern const cli_cmd cli_cmd_run, cli_cmd_plan, cli_cmd_cost, cli_cmd_serve, cli_cmd_validate,
    cli_cmd_calibrate, cli_cmd_list, cli_cmd_show, cli_cmd_op_gemm, cli_cmd_op_attention, cli_cmd_op_copy,
    cli_cmd_op_allreduce, cli_cmd_op_allgather, cli_cmd_op_reducescatter, cli_cmd_op_alltoall, cli_cmd_quant,
    cli_cmd_sweep; /* cmd_sweep.c: design-space sweeps (issue 13) */

int cmd_list_process(FILE *out); /* cmd_cost.c: `npusim list process` */

/* cmd_report.c (issue 14): `npusim report`, and --html FILE of run and serve: the
 * page of `result` (a --json object) with the command line of the options `a`
 * holds (cli_args_command); -1 + npu_err on a render or write error. */
extern const cli_cmd cli_cmd_report;
int cli_write_html(const char *path, const cJSON *result, const cli_args *a);

/* cmd_cost.c: the TCO figures ($/hour per chip, $ per million tokens) of
 * `chips` chips drawing power_w each and producing tps tokens/s, as a JSON
 * object in *out (NULL when no TCO option is given); -1 + npu_err. */
int cli_tco(const cli_args *a, const npu_hw *hw, double power_w, int chips, double tps, const char *tokens,
            cJSON **out);
void cli_print_tco(FILE *out, const cJSON *t); /* human lines of that object */

/* The version text, "0.6.0" or "0.6.0 (git 1a2b3c4)" (npusim_version). */
const char *cli_version(void);

#endif
