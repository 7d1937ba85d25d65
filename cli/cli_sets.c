/* cli_sets — --set for the single-point commands. */
#include "cli_sets.h"

#include <string.h>

/* Parse and check every --set (unknown paths, workload/plan paths, repeats);
 * keep the edits of the wanted domains (engine or not). Returns the count kept. */
static int collect(const cli_args *a, bool engine, npu_ov *out) {
    const char *v[CLI_MAX_REP];
    int n = cli_rep(a, O_SET, v, CLI_MAX_REP), k = 0;
    npu_ov ov[CLI_MAX_REP];
    for (int i = 0; i < n; i++) {
        if (npu_ov_parse(v[i], &ov[i])) return -1;
        npu_ov_domain d = npu_ov_domain_of(&ov[i]);
        if (d == NPU_OV_WORKLOAD || d == NPU_OV_PLAN) {
            npu_err("--set %s: workload and plan paths are sweep axes; here give the command's option "
                    "(--batch, --tp, ...)", ov[i].text);
            return -1;
        }
        for (int j = 0; j < i; j++) { /* the same path twice is a repeated option */
            size_t la = strcspn(ov[j].text, "="), lb = strcspn(ov[i].text, "=");
            if (la == lb && strncmp(ov[j].text, ov[i].text, la) == 0) {
                npu_err("--set %.*s is given twice", (int)la, ov[i].text);
                return -1;
            }
        }
        if ((d == NPU_OV_ENGINE) == engine) out[k++] = ov[i];
    }
    return k;
}

int cli_sets_apply(const cli_args *a, npu_hw *hw, npu_model *m, bool engine_later) {
    npu_ov ov[CLI_MAX_REP];
    int n = collect(a, false, ov);
    if (n < 0) return -1;
    if (!engine_later) { /* an engine edit where no engine runs: the error npu_ov_apply gives */
        npu_ov e[CLI_MAX_REP];
        int k = collect(a, true, e);
        if (k > 0) {
            npu_ov_target t = {hw, m, NULL, NULL, NULL};
            return npu_ov_apply(e, k, &t);
        }
    }
    npu_ov_target t = {hw, m, NULL, NULL, NULL};
    return n ? npu_ov_apply(ov, n, &t) : 0;
}

int cli_sets_apply_engine(const cli_args *a, const npu_hw *hw, npu_engine *eng) {
    npu_ov ov[CLI_MAX_REP];
    int n = collect(a, true, ov);
    if (n <= 0) return n;
    npu_ov_target t = {(npu_hw *)hw, NULL, eng, NULL, NULL}; /* hw: read by engine=auto only */
    return npu_ov_apply(ov, n, &t);
}
