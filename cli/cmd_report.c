/* cmd_report — `npusim report RESULT.json|SWEEP.csv|SWEEP.sqlite -o FILE.html`
 * (issue 14): the HTML report of a saved result (npu_html), and the helper
 * behind `--html FILE` of run and serve. */
#include "args.h"
#include "cmds.h"
#include "npu_html.h"
#include "npusim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* argv as a shell command line ("npusim run --model ..."), malloc'd. */
static char *command_line(int argc, char **argv) {
    size_t cap = 16;
    for (int i = 1; i < argc; i++) cap += 3 + 4 * strlen(argv[i]);
    char *s = malloc(cap), *p = s;
    if (!s) return NULL;
    p += sprintf(p, "npusim");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool plain = *a != 0;
        for (const char *c = a; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,/=:+@%", *c)) plain = false;
        *p++ = ' ';
        if (plain) p += sprintf(p, "%s", a);
        else {
            *p++ = '\'';
            for (const char *c = a; *c; c++)
                if (*c == '\'') p += sprintf(p, "'\\''");
                else *p++ = *c;
            *p++ = '\'';
        }
    }
    *p = 0;
    return s;
}

int cli_write_html(const char *path, const cJSON *result) {
    char *cmd = command_line(cli_argc, cli_argv);
    npu_html_meta m = {.version = cli_version(), .command = cmd};
    int rc = npu_html_write_file(path, result, &m);
    free(cmd);
    return rc;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmd_report(const cli_args *a) {
    const char *out = cli_str(a, O_OUTPUT_FILE);
    const char *in = a->pos[0];
    cJSON *j = NULL;
    if (ends_with(in, ".json")) {
        size_t len;
        char *text = npu_read_file(in, &len);
        if (!text) return cli_fail();
        j = cJSON_ParseWithLength(text, len);
        if (!j) {
            const char *at = cJSON_GetErrorPtr();
            npu_err("%s: not valid JSON (near byte %ld); give the output of run --json or serve --json", in,
                    at && at >= text && at <= text + len ? (long)(at - text) : -1L);
        }
        free(text);
    } else j = npu_html_sweep_load(in);
    if (!j) return cli_fail();
    npu_html_meta m = {.version = cli_version(), .source = in};
    int rc = npu_html_write_file(out, j, &m);
    cJSON_Delete(j);
    return rc ? cli_fail() : 0;
}

static const cli_use report_opts[] = {{O_OUTPUT_FILE, CLI_REQ, .note = "the HTML page to write"}};
const cli_cmd cli_cmd_report = {
    "report", "RESULT.json|SWEEP.csv|SWEEP.sqlite", 1, 1, "the HTML report of a saved result",
    "One self-contained page (Vega inlined, opens offline) of a run --json or serve --json\n"
    "result, or of a sweep's CSV or SQLite output (docs/report.md). run and serve also take\n"
    "--html FILE.",
    report_opts, (int)NPU_ARRAY_LEN(report_opts), cmd_report};
