/* args — the CLI's option parser: `--name value` and `--flag`, each subcommand
 * declaring its options in a table; unknown options are errors naming the
 * closest valid one. */
#ifndef NPUSIM_ARGS_H
#define NPUSIM_ARGS_H

#include <stdbool.h>

typedef struct cli_opt {
    const char *name;  /* without leading dashes */
    bool takes_value;
    const char *value; /* set by cli_parse: the value, or "1" for a given flag; NULL if absent */
} cli_opt;

/* Parses argv[first..argc); positional arguments go to pos (at most max_pos).
 * -1 + npu_err on a bad option. */
int cli_parse(int argc, char **argv, int first, cli_opt *opts, int n_opts, const char **pos,
              int max_pos, int *n_pos);
const char *cli_get(const cli_opt *opts, int n_opts, const char *name);
/* Strict positive integer / number parsing; -1 + npu_err naming the option. */
int cli_long(const cli_opt *opts, int n, const char *name, long *out, bool required, long min);
int cli_double(const cli_opt *opts, int n, const char *name, double *out, bool required, double min);

#endif
