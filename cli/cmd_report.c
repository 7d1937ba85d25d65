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

/* The version the page shows: build/gen/version.h when the build makes one. */
#if defined(__has_include)
#if __has_include("version.h")
#include "version.h"
#endif
#endif
#ifndef NPUSIM_VERSION
#define NPUSIM_VERSION "0.0-dev"
#endif
#ifndef NPUSIM_GIT
#define NPUSIM_GIT ""
#endif

const char *cli_version(void) {
    static char v[128];
    if (!v[0]) snprintf(v, sizeof v, "%s%s%s%s", NPUSIM_VERSION, NPUSIM_GIT[0] ? " (git " : "", NPUSIM_GIT,
                        NPUSIM_GIT[0] ? ")" : "");
    return v;
}

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

int cli_write_html(const char *path, const struct cJSON *result, int argc, char **argv) {
    char *cmd = command_line(argc, argv);
    npu_html_meta m = {.version = cli_version(), .command = cmd};
    int rc = npu_html_write_file(path, result, &m);
    free(cmd);
    return rc;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int cmd_report(int argc, char **argv) {
    cli_opt o[] = {{"output-file", 1, 0}};
    int n = (int)NPU_ARRAY_LEN(o), npos;
    const char *pos[1];
    if (cli_parse(argc, argv, 2, o, n, pos, 1, &npos)) return cli_fail();
    const char *out = cli_get(o, n, "output-file");
    if (npos != 1 || !out) {
        npu_err("report needs a result and an output: npusim report RESULT.json|SWEEP.csv|SWEEP.sqlite -o FILE.html");
        return cli_fail();
    }
    const char *in = pos[0];
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
