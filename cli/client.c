/* client — the npusim program on top of the public API (include/npusim.h):
 * dispatch, help and version; each command's argv is parsed against the
 * option table (args.c), turned into a JSON request (cli_args_to_json) and
 * run by npusim_call, whose result text is printed as it comes. The program
 * only parses and prints: what a command computes and how its tables look is
 * the library's, so the API and the command line give the same bytes.
 *
 * Printing rules: the result on stdout; one line "npusim: MESSAGE" on stderr
 * and exit 2 on an error; exit 1 when a check the options asked for failed
 * (validate --max-mape). A progress bar on stderr when it is a terminal. */
#include "args.h"
#include "cmds.h"
#include "npusim.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fail(void) {
    fprintf(stderr, "npusim: %s\n", npu_errmsg());
    return 2;
}

/* ---- progress (serve) and notes (calibrate) on stderr ---- */

typedef struct progress_bar {
    double t0_s;
    bool tty, shown;
} progress_bar;

static double wall_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void show_progress(void *ctx, const char *task, double frac) {
    progress_bar *p = ctx;
    if (frac < 0) { /* a note */
        fprintf(stderr, "npusim: %s\n", task);
        return;
    }
    if (!p->tty || (!p->shown && wall_s() - p->t0_s < 0.5)) return; /* short runs stay silent */
    p->shown = true;
    int w = 40, k = (int)(frac * w);
    fprintf(stderr, "\r%s [%.*s%*s] %3.0f%%", task, k, "########################################", w - k, "",
            frac * 100);
    fflush(stderr);
}

/* ---- one command through the API ---- */

/* Copy a file to stdout; 0 or -1 + npu_err. */
static int cat_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return npu_err("--requests-out: cannot read back '%s'", path), -1;
    char buf[1 << 14];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

static int call(const cli_cmd *c, const cli_args *a) {
    cJSON *req = cli_args_to_json(a);
    if (!req) return fail();
    /* serve --requests-out -: the library writes the CSV to a file, which goes to
     * stdout here; the summary then goes to stderr */
    char tmp[4096] = "";
    cJSON *ro = cJSON_GetObjectItemCaseSensitive(req, "requests_out");
    if (cJSON_IsString(ro) && strcmp(ro->valuestring, "-") == 0) {
        const char *dir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/npusim-requests-XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(tmp);
        if (fd < 0) {
            cJSON_Delete(req);
            npu_err("--requests-out -: cannot create a temporary file in %s", dir && *dir ? dir : "/tmp");
            return fail();
        }
        close(fd);
        cJSON_SetValuestring(ro, tmp);
    }
    char *text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    npusim_ctx *ctx = npusim_ctx_new();
    if (!text || !ctx) {
        free(text);
        npusim_ctx_free(ctx);
        if (tmp[0]) unlink(tmp);
        npu_err("out of memory");
        return fail();
    }
    progress_bar bar = {.t0_s = wall_s(), .tty = isatty(STDERR_FILENO)};
    npusim_ctx_set_progress(ctx, show_progress, &bar);
    char *out = NULL;
    npusim_status st = npusim_call(ctx, c->name, text, &out);
    free(text);
    if (bar.shown) fputs("\r\033[K", stderr);
    int rc = st == NPUSIM_OK ? 0 : st == NPUSIM_ERR_CHECK ? 1 : 2;
    if (rc < 2 && tmp[0] && cat_file(tmp)) rc = 2;
    if (rc < 2 && out) fputs(out, tmp[0] ? stderr : stdout);
    if (rc) {
        if (st != NPUSIM_OK) npu_err("%s", npusim_errmsg(ctx));
        fprintf(stderr, "npusim: %s\n", npu_errmsg());
    }
    npusim_free(out);
    npusim_ctx_free(ctx);
    if (tmp[0]) unlink(tmp);
    return rc;
}

/* sweep (issue 13) runs in this process: its CSV streams to stdout instead of
 * collecting in a result string (a million rows), and build/npusim-mpi links its
 * own cmd_sweep that drives the MPI ranks. npusim_sweep is its JSON API form. */
static int run_here(const cli_cmd *c, const cli_args *a) {
    progress_bar bar = {.t0_s = wall_s(), .tty = isatty(STDERR_FILENO)};
    cli_out o = {.f = stdout, .progress = show_progress, .progress_user = &bar};
    int rc = c->run(a, &o);
    if (bar.shown) fputs("\r\033[K", stderr);
    fflush(stdout);
    return rc < 0 ? fail() : rc;
}

/* ---- dispatch ---- */

/* The command named by argv[0] (and argv[1] after "op"); *used = words taken.
 * NULL + npu_err when there is none. */
static const cli_cmd *find_command(int argc, char **argv, int *used) {
    static const char *const names[] = {"run",       "plan",   "serve", "cost",  "op",   "list",   "show",
                                        "validate",  "calibrate", "report", "quant", "sweep", "help", "version"};
    *used = 1;
    if (strcmp(argv[0], "op") != 0) {
        const cli_cmd *c = cli_cmd_find(argv[0]);
        if (!c) cli_pick(argv[0], names, (int)NPU_ARRAY_LEN(names), "command");
        return c;
    }
    static const char *const ops[] = {"gemm", "attention", "copy", "allreduce", "allgather", "reducescatter", "alltoall"};
    if (argc < 2 || argv[1][0] == '-') {
        npu_err("op needs a kind: gemm, attention, copy, allreduce, allgather, reducescatter or alltoall");
        return NULL;
    }
    int k = cli_pick(argv[1], ops, (int)NPU_ARRAY_LEN(ops), "op");
    if (k < 0) return NULL;
    char name[32];
    snprintf(name, sizeof name, "op %s", ops[k]);
    *used = 2;
    return cli_cmd_find(name);
}

static void help_op(FILE *out) {
    fputs("usage: npusim op KIND [options]     (npusim help op KIND)\n\nkinds:\n", out);
    for (int i = 0; i < cli_n_cmds; i++)
        if (strncmp(cli_cmds[i]->name, "op ", 3) == 0) fprintf(out, "  %-14s %s\n", cli_cmds[i]->name + 3, cli_cmds[i]->summary);
}

static int help(int argc, char **argv) {
    if (argc == 0) {
        cli_help_commands(stdout);
        return 0;
    }
    if (strcmp(argv[0], "op") == 0 && argc == 1) {
        help_op(stdout);
        return 0;
    }
    if ((strcmp(argv[0], "help") == 0 || strcmp(argv[0], "version") == 0) && argc == 1) {
        cli_help_commands(stdout); /* the commands, help and --version among them */
        return 0;
    }
    int used;
    const cli_cmd *c = find_command(argc, argv, &used);
    if (!c) return fail();
    if (argc > used) {
        npu_err("help takes a command: npusim help %s", c->name);
        return fail();
    }
    cli_help(stdout, c);
    return 0;
}

int cli_main(int argc, char **argv) {
    if (argc < 2) {
        cli_help_commands(stderr);
        return 2;
    }
    const char *a1 = argv[1];
    if (strcmp(a1, "--help") == 0 || strcmp(a1, "-h") == 0 || strcmp(a1, "help") == 0) return help(argc - 2, argv + 2);
    if (strcmp(a1, "--version") == 0 || strcmp(a1, "version") == 0) {
        if (argc > 2) {
            npu_err("%s takes no arguments", a1);
            return fail();
        }
        printf("npusim %s\n", npusim_version()); /* the library's: the program and the API agree */
        return 0;
    }
    if (strcmp(a1, "op") == 0 && argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        help_op(stdout);
        return 0;
    }
    int used;
    const cli_cmd *c = find_command(argc - 1, argv + 1, &used);
    if (!c) return fail();
    cli_args *a = malloc(sizeof *a);
    if (!a) {
        npu_err("out of memory");
        return fail();
    }
    int rc = cli_args_parse(c, argc - 1 - used, argv + 1 + used, a);
    if (rc == 1) cli_help(stdout, c);
    rc = rc == 1 ? 0 : rc < 0 ? fail() : c == &cli_cmd_sweep ? run_here(c, a) : call(c, a);
    free(a);
    return rc;
}
