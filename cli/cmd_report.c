/* cmd_report — `npusim report RESULT.json|SWEEP.csv|SWEEP.sqlite -o FILE.html`
 * (issue 14): the HTML report of a saved result (npu_html), and the helper
 * behind `--html FILE` of run and serve. */
#include "args.h"
#include "cmds.h"
#include "npu_html.h"
#include "npu_all.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_write_html(const char *path, const cJSON *result, const cli_args *a) {
    char *cmd = cli_args_command(a);
    npu_html_meta m = {.version = cli_version(), .command = cmd};
    int rc = npu_html_write_file(path, result, &m);
    free(cmd);
    return rc;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmd_report(const cli_args *a, cli_out *o) {
    (void)o; /* writes the page; no text result */
    const char *out = cli_str(a, O_OUTPUT_FILE);
    const char *in = a->pos[0];
    cJSON *j = NULL;
    if (ends_with(in, ".json")) {
        size_t len;
        char *text = npu_read_file(in, &len);
        if (!text) return -1;
        j = cJSON_ParseWithLength(text, len);
        if (!j) {
            const char *at = cJSON_GetErrorPtr();
            npu_err("%s: not valid JSON (near byte %ld); give the output of run --json or serve --json", in,
                    at && at >= text && at <= text + len ? (long)(at - text) : -1L);
        }
        free(text);
    } else j = npu_html_sweep_load(in);
    if (!j) return -1;
    npu_html_meta m = {.version = cli_version(), .source = in};
    int rc = npu_html_write_file(out, j, &m);
    cJSON_Delete(j);
    return rc ? -1 : 0;
}

static const cli_use report_opts[] = {{O_OUTPUT_FILE, CLI_REQ, .note = "the HTML page to write"}};
const cli_cmd cli_cmd_report = {
    "report", "RESULT.json|SWEEP.csv|SWEEP.sqlite", 1, 1, "the HTML report of a saved result",
    "One self-contained page (Vega inlined, opens offline) of a run --json or serve --json\n"
    "result, or of a sweep's CSV or SQLite output (docs/report.md). run and serve also take\n"
    "--html FILE.",
    report_opts, (int)NPU_ARRAY_LEN(report_opts), cmd_report};
