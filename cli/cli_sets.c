/* cli_sets — --set for the single-point commands. */
#include "cli_sets.h"

#include <string.h>

int cli_sets_apply(const cli_args *a, npu_hw *hw, npu_model *m, npu_engine *eng) {
    const char *v[CLI_MAX_REP];
    int n = cli_rep(a, O_SET, v, CLI_MAX_REP);
    if (!n) return 0;
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
    }
    npu_ov_target t = {hw, m, eng, NULL, NULL};
    return npu_ov_apply(ov, n, &t);
}
