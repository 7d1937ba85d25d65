/* args — the options of npusim's commands, driven by one option table: the
 * command line (argv) and the library's JSON requests (npusim_call) both read
 * against it, so a flag and a request field have the same type, bounds and
 * default.
 *
 * Every option of every command is one row of cli_opts[] (args.c): its name,
 * type, bounds, default and help. A command declares which rows it accepts in
 * a cli_use list (per command: required or not, a default or help note of its
 * own, enum values it narrows to); bounds never change per command, so a flag
 * means the same everywhere. One parser (cli_args_parse) reads argv against a
 * command into typed values, checking types and bounds; one printer
 * (cli_help) writes the help from the same rows. Library-level rules (a batch
 * that fits, a plan that divides the model) stay in the library.
 *
 * Like Redis's config table, but for argv (README.md "Use" states the conventions).
 *
 * Layers: the table, the parsers and the commands' code (cmds.c, cmd_*.c)
 * are compiled into libnpusim (the command layer under include/npusim.h: a
 * command reads a cli_args and writes its table/CSV/JSON into a cli_out).
 * The npusim program (client.c, main.c) parses argv into a cli_args, turns
 * it into a JSON request (cli_args_to_json) and calls the public API.
 *
 * Growing it: a new flag is one row here (id) and in opts.c, plus one entry in
 * each command's use list. A repeatable flag (`--set PATH=VALUE`) is a row
 * with CLI_REPEAT: the parser appends its values to cli_args.rep instead of
 * rejecting the repeat (a request gives them as an array). Parsed values are typed and keyed by the
 * row's name, so turning a cli_args into the JSON request of a library call
 * (name -> number, string or bool) is one loop over the declared rows. */
#ifndef NPUSIM_ARGS_H
#define NPUSIM_ARGS_H

#include <stdbool.h>
#include <stdio.h>

/* Row ids of cli_opts[]. Options shared by several commands are one row. */
typedef enum cli_id {
    /* descriptions and what to run */
    O_MODEL, O_HW, O_PHASE, O_STACK, O_ENGINE,
    /* datatypes */
    O_DTYPE, O_ACT_DTYPE, O_KV_DTYPE, O_LM_HEAD_DTYPE, O_EMB_DTYPE, O_FORMATS,
    /* batch and lengths (tokens) */
    O_BATCH, O_SEQ, O_CTX, O_INPUT, O_OUTPUT, O_MAX_SEQ,
    /* parallel plan */
    O_TP, O_PP, O_EP, O_DP, O_CP, O_MOE_SKEW, O_CHIPS,
    /* output format */
    O_JSON, O_CSV,
    /* total cost of ownership */
    O_TCO, O_CHIP_PRICE, O_PUE, O_USD_PER_KWH, O_LIFETIME_YEARS, O_SERVER_OVERHEAD,
    /* plan */
    O_MAX_TTFT, O_MAX_TPOT, O_MAX_BATCH, O_TOP,
    /* cost */
    O_PROCESS, O_VOLUME, O_YIELD_MODEL, O_ALPHA, O_D0, O_WAFER_USD, O_PACKAGE, O_NRE_USD, O_ESTIMATE_AREA,
    /* op */
    O_M, O_N, O_K, O_HEADS, O_KV_HEADS, O_HEAD_DIM, O_BYTES,
    /* validate, calibrate */
    O_VERBOSE, O_MAX_MAPE, O_DATA, O_OUTPUT_FILE, O_EVALS,
    /* serve */
    O_REPLICAS, O_ROUTER, O_SCHEDULER, O_MAX_SEQS, O_MAX_BATCHED_TOKENS, O_CHUNK, O_BLOCK_SIZE,
    O_KV_MEM_FRAC, O_PREFIX_SHARE, O_STEP_OVERHEAD_US, O_PREFILL_HW, O_PREFILL_TP, O_PREFILL_REPLICAS,
    O_DECODE_REPLICAS, O_RATE, O_ARRIVAL, O_BURSTINESS, O_CONCURRENCY, O_TRACE, O_REQUESTS, O_SEED,
    O_SLO_TTFT, O_SLO_TPOT, O_FIND_MAX_RATE, O_TARGET_RATE, O_REQUESTS_OUT,
    /* reports */
    O_HTML,
    /* serve: engine scheduling mechanisms, metrics; run and serve: speculative decoding */
    O_MULTI_STEP, O_SCHED_AHEAD, O_DELIVERY_LAG, O_KV_ADMIT, O_FRONTEND_US, O_FRONTEND_US_PER_TOKEN, O_CLIENT_THINK_MS, O_PERCENTILES, O_WARMUP,
    O_SPEC, O_SPEC_ACCEPT,
    /* --set (run, plan, serve, cost) and sweep (issue 13) */
    O_SET, O_OUT, O_JOBS, O_RESUME, O_COMMIT_EVERY, O_COUNT, O_PATHS, O_QUIET,
    CLI_O_COUNT
} cli_id;

typedef enum cli_type {
    CLI_FLAG,  /* no value */
    CLI_INT,   /* decimal integer in [imin, imax] */
    CLI_NUM,   /* finite decimal number in [dmin, dmax] (ends open with CLI_OPEN_MIN/MAX) */
    CLI_SIZE,  /* a byte count: a number with an optional binary suffix K M G T P
                * (x 2^10 .. 2^50, as nccl-tests reads -b/-e), whole bytes, in [dmin, dmax] */
    CLI_ENUM,  /* one of names[0..n_names) */
    CLI_DTYPE, /* a datatype (npu_dtype_parse) */
    CLI_STR,   /* a name or a path (non-empty) */
    CLI_TYPE_COUNT
} cli_type;

/* cli_opt.flags */
#define CLI_OPEN_MIN 1u /* dmin itself is out of range */
#define CLI_OPEN_MAX 2u /* dmax itself is out of range */
#define CLI_REPEAT 4u   /* may be given many times (a JSON array in a request): the values go to
                         * cli_args.rep, read with cli_rep */

typedef struct cli_opt {
    const char *name;  /* without the leading dashes */
    char short_name;   /* -x alias, or 0 */
    cli_type type;
    unsigned flags;
    long long imin, imax;            /* CLI_INT */
    double dmin, dmax;               /* CLI_NUM, CLI_SIZE */
    const char *const *names;        /* CLI_ENUM */
    int n_names;
    const char *meta;                /* placeholder of the value in help ("N", "MS", "FILE") */
    const char *def;                 /* default as text, parsed like a given value; NULL = none */
    double (*lib_def)(void);         /* default the library applies (index for an enum), shown in help */
    const char *help;
} cli_opt;

extern const cli_opt cli_opts[CLI_O_COUNT];

/* cli_use.flags */
#define CLI_REQ 1u    /* the command fails without it */
#define CLI_RANGE 2u  /* CLI_SIZE: also FROM..TO (both ends inclusive) */
#define CLI_DIST 4u   /* CLI_INT: also a distribution spec containing ':' (library-parsed) */

/* One option of one command. */
typedef struct cli_use {
    cli_id id;
    unsigned flags;
    const char *def;   /* overrides the row's default (parsed) */
    const char *note;  /* extra help for this command (when it is needed, derived defaults) */
    unsigned mask;     /* CLI_ENUM: the values this command takes (bit i = names[i]); 0 = all */
    const char *alias; /* another long name for it in this command, or NULL */
} cli_use;

typedef struct cli_args cli_args;

/* Where a command writes its result text: a memory stream in the library
 * (never stdout); progress and notes go through the callback (may be NULL). */
typedef struct cli_out {
    FILE *f;
    void (*progress)(void *user, const char *task, double frac); /* frac < 0: a one-line note */
    void *progress_user;
} cli_out;

typedef struct cli_cmd {
    const char *name;     /* "run", "op gemm" */
    const char *args;     /* positional synopsis ("PATH...", "models|hw|memory|process"), or NULL */
    int min_pos, max_pos; /* positional arguments */
    const char *summary;  /* one line for `npusim help` */
    const char *details;  /* paragraph after the usage line of `npusim help CMD`, or NULL */
    const cli_use *opts;
    int n_opts;
    /* 0: done; -1 + npu_err: failed (nothing useful in o); 1: done, but a check the
     * options asked for failed (npu_err says which; validate --max-mape) */
    int (*run)(const cli_args *a, cli_out *o);
    bool json_only;       /* prints JSON without --json (show) */
} cli_cmd;

#define CLI_MAX_POS 64
#define CLI_MAX_REP 64 /* values of repeatable options, all of them */

typedef struct cli_val {
    bool set;        /* given on the command line */
    const char *s;   /* its text (given or the default), NULL if neither */
    long long i;     /* CLI_INT (0 for a distribution), CLI_ENUM / CLI_DTYPE: the index, CLI_FLAG: 1 if set */
    double d, d2;    /* CLI_NUM, CLI_SIZE; d2 = end of a FROM..TO range (= d without one) */
} cli_val;

struct npu_hw;
struct npu_model;
struct npu_engine;
struct cJSON;

struct cli_args {
    const cli_cmd *cmd;
    bool from_json;                 /* read from a JSON request: errors name fields, not flags */
    bool declared[CLI_O_COUNT];     /* the command accepts it */
    unsigned use_flags[CLI_O_COUNT];
    cli_val v[CLI_O_COUNT];         /* by cli_id */
    const char *pos[CLI_MAX_POS];   /* positional arguments */
    int n_pos;
    /* descriptions given as API handles instead of --model / --hw / --engine
     * (cli_load_model, cli_load_hw, cli_engine use them); set before
     * cli_args_from_json, which keeps them */
    const struct npu_model *model_obj;
    const struct npu_hw *hw_obj;
    const struct npu_engine *engine_obj;
    char text[CLI_O_COUNT][48];     /* numbers of a JSON request, as the text the parser reads */
    const char *rep[CLI_MAX_REP];   /* values of repeatable options (CLI_REPEAT), in order */
    cli_id rep_id[CLI_MAX_REP];
    int n_rep;
};

/* Parses the words after the command name, argv[0..argc), against cmd's
 * options into *a: types, bounds, enum values, repeats, required options and
 * defaults. 0 on success, 1 when -h/--help is among them, -1 + npu_err (one
 * line naming the flag) on bad input. Never prints or exits; the fuzzing
 * harness calls it. */
int cli_args_parse(const cli_cmd *cmd, int argc, char *const *argv, cli_args *a);

/* The same from a JSON request object (include/npusim.h states its form):
 * fields named like the options with '_' for '-', "format" (json, table,
 * csv; json by default where the command has --json) and "args" (the
 * positional arguments). Every value goes through the parser of its row (same
 * types, bounds, enum values, defaults and required options); errors name the
 * field ("field 'batch': 0 is out of range ..."). A "model", "hw" or
 * "prefill_hw" given as an object is replaced in `req` by its text (so a->v
 * points into req: keep it alive while using a). The handle members of *a
 * are kept and count as given. 0, or -1 + npu_err. */
int cli_args_from_json(const cli_cmd *cmd, struct cJSON *req, cli_args *a);

/* The request of a parsed command line: the options given (not the defaults,
 * which the library applies from the same table), "format" from --json/--csv
 * ("table" without them), positional arguments in "args". NULL + npu_err when
 * --json and --csv are both given. Caller deletes. */
struct cJSON *cli_args_to_json(const cli_args *a);

/* The command line of the options given in `a` (from argv or a request), in
 * the command's option order, quoted for a POSIX shell: "npusim run --model
 * llama3-8b ...". For reports that say how they were made. malloc'd; NULL
 * when out of memory. */
char *cli_args_command(const cli_args *a);

/* Values of a parsed command; asserts that the command declares the option. */
bool cli_has(const cli_args *a, cli_id id);        /* given on the command line */
long long cli_int(const cli_args *a, cli_id id);   /* INT value, ENUM / DTYPE index, FLAG 0/1 */
double cli_num(const cli_args *a, cli_id id);      /* NUM / SIZE value */
const char *cli_str(const cli_args *a, cli_id id); /* text, NULL if absent without default */
const cli_val *cli_val_of(const cli_args *a, cli_id id);
/* Values of a repeatable option, in order: up to cap into out; the count. */
int cli_rep(const cli_args *a, cli_id id, const char **out, int cap);

/* Help of one command (usage, details, every option with type, bounds and
 * default); the list of commands. */
void cli_help(FILE *out, const cli_cmd *c);
void cli_help_commands(FILE *out);

/* The command table (cmds.c): `name` is "run" or "op gemm". NULL if none. */
extern const cli_cmd *const cli_cmds[];
extern const int cli_n_cmds;
const cli_cmd *cli_cmd_find(const char *name);

/* main() of the CLI (client.c): help, version and dispatch; the exit status. */
int cli_main(int argc, char **argv);

/* Copy of s for an error line: printable ASCII kept, other bytes as \xNN,
 * cut at 60 characters with "...". */
const char *cli_quote(const char *s, char *buf, size_t cap);

#endif
