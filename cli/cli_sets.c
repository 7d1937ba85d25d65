/* cli_sets — --set parsing and application for the single-point commands. */
#include "cli_sets.h"

#include <string.h>

int cli_sets_take(int *argc, char **argv, cli_sets *s) {
    s->n = 0;
    int w = 0;
    for (int i = 0; i < *argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--set") == 0) {
            if (i + 1 >= *argc) {
                npu_err("option '--set' needs PATH=VALUE (e.g. --set hw.memory.stacks=8)");
                return -1;
            }
            v = argv[++i];
        } else if (strncmp(argv[i], "--set=", 6) == 0) {
            v = argv[i] + 6;
        }
        if (!v) {
            argv[w++] = argv[i];
            continue;
        }
        if (s->n >= CLI_SETS_MAX) {
            npu_err("at most %d --set options", CLI_SETS_MAX);
            return -1;
        }
        if (npu_ov_parse(v, &s->ov[s->n])) return -1;
        for (int j = 0; j < s->n; j++) { /* the same path twice is a repeated option */
            const char *a = s->ov[j].text, *b = s->ov[s->n].text;
            size_t la = strcspn(a, "="), lb = strcspn(b, "=");
            if (la == lb && strncmp(a, b, la) == 0) {
                npu_err("--set %.*s is given twice", (int)la, a);
                return -1;
            }
        }
        s->n++;
    }
    argv[w] = NULL;
    *argc = w;
    return 0;
}

bool cli_sets_touch(const cli_sets *s, npu_ov_domain d) {
    for (int i = 0; i < s->n; i++)
        if (npu_ov_domain_of(&s->ov[i]) == d) return true;
    return false;
}

int cli_sets_apply(const cli_sets *s, npu_hw *hw, npu_model *m, npu_engine *eng) {
    if (!s->n) return 0;
    for (int i = 0; i < s->n; i++) {
        npu_ov_domain d = npu_ov_domain_of(&s->ov[i]);
        if (d == NPU_OV_WORKLOAD || d == NPU_OV_PLAN) {
            npu_err("--set %s: workload and plan paths are sweep axes; here give the command's option "
                    "(--batch, --tp, ...)", s->ov[i].text);
            return -1;
        }
    }
    npu_ov_target t = {hw, m, eng, NULL, NULL};
    return npu_ov_apply(s->ov, s->n, &t);
}
