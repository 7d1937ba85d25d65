/* fuzz_validate — the measurement CSV reader (npu_validate_load_text); a file
 * that loads must predict (or say which row the chip cannot run, e.g. a model
 * that does not fit): every row's prediction finite and > 0, and the summary's
 * errors finite (npu_validate.h's contract). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static npu_hw hw;
    static int ready;
    if (!ready) {
        if (npu_hw_load("h100-sxm", &hw)) abort();
        ready = 1;
    }
    char *text = fz_text(data, size);
    npu_vset s = {0};
    if (npu_validate_load_text(&s, text, "fuzz.csv")) {
        fz_error_line();
    } else if (npu_validate_predict(&s, &hw)) {
        /* a row the chip cannot run (a model that does not fit) is the user's error;
         * a figure that is not positive is a bug */
        fz_error_line();
        if (strstr(npu_errmsg(), "a bug") || strncmp(npu_errmsg(), "fuzz.csv:", 9) != 0) {
            fprintf(stderr, "FUZZ FINDING: rows that loaded predict badly: %s\n", npu_errmsg());
            abort();
        }
    } else {
        for (int i = 0; i < s.n; i++) fz_figure(s.rows[i].predicted, "predicted", "validate row");
        fz_figure(s.mape_pct, "mape_pct", "validate");
        fz_figure(s.max_err_pct, "max_err_pct", "validate");
    }
    npu_validate_free(&s);
    free(text);
    return 0;
}
