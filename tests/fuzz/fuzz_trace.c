/* fuzz_trace — the serving trace reader (npu_trace_parse: CSV, or JSONL when
 * the text starts with '{') and the length-distribution specs (npu_dist_parse,
 * fed the input's first line). Accepted rows and samples must lie inside the
 * documented bounds (npu_workload.h), rows sorted by arrival. */
#include "fuzz.h"

static void finding(const char *what) {
    fprintf(stderr, "FUZZ FINDING: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_text(data, size);
    npu_trace t;
    if (npu_trace_parse(text, "fuzz.csv", &t)) {
        fz_error_line();
    } else {
        for (size_t i = 0; i < t.n; i++) {
            const npu_trace_row *r = &t.rows[i];
            if (!(r->arrival_s >= 0 && r->arrival_s <= NPU_MAX_ARRIVAL_S)) finding("arrival out of bounds");
            if (r->input < 1 || r->input > NPU_MAX_REQUEST_TOKENS) finding("input out of bounds");
            if (r->output < 0 || r->output > NPU_MAX_REQUEST_TOKENS) finding("output out of bounds");
            if (i && r->arrival_s < t.rows[i - 1].arrival_s) finding("rows not sorted");
        }
        npu_trace_free(&t);
    }
    /* the first line as a distribution spec (not file:, which would read a path) */
    char *nl = strchr(text, '\n');
    if (nl) *nl = '\0';
    if (strncmp(text, "file:", 5) != 0) {
        npu_dist d;
        long min_len = size & 1;
        if (npu_dist_parse(text, min_len, "--input", &d)) {
            fz_error_line();
        } else {
            npu_rng rng;
            npu_rng_seed(&rng, size);
            for (int i = 0; i < 64; i++) {
                long v = npu_dist_sample(&d, &rng);
                if (v < min_len || v > NPU_MAX_REQUEST_TOKENS || v > d.max_len) finding("sample out of bounds");
            }
            npu_dist_free(&d);
        }
    }
    free(text);
    return 0;
}
