/* fuzz_model — the model reader (npusim schema and HuggingFace config.json,
 * npu_model_from_json), then parameter counts and an e2e run (prefill + decode)
 * of the loaded model on the h100-sxm preset: every figure finite and >= 0. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static npu_hw hw;
    static int ready;
    if (!ready) {
        if (npu_hw_load("h100-sxm", &hw)) abort();
        ready = 1;
    }
    char *text = fz_text(data, size);
    cJSON *root = npu_json_parse(text, "config.json");
    static npu_model m;
    if (!root) {
        fz_error_line();
    } else if (npu_model_from_json(root, "config.json", &m)) {
        fz_error_line();
    } else {
        if (npu_model_check(&m, "loaded")) { /* a model that loads must pass its own check */
            fprintf(stderr, "FUZZ FINDING: a loaded model fails npu_model_check: %s\n", npu_errmsg());
            abort();
        }
        fz_figure(npu_model_params(&m, false), "params", "model");
        fz_figure(npu_model_params(&m, true), "active params", "model");
        fz_figure(npu_model_kv_bytes_per_token(&m, 2), "kv bytes/token", "model");
        fz_run(&m, &hw, NPU_RUN_E2E, 2, 256, "model on h100-sxm e2e");
        fz_run(&m, &hw, NPU_RUN_DECODE, 1, 1L << 20, "model on h100-sxm decode at 1M ctx");
        cJSON *back = npu_model_to_json(&m); /* the round trip reads back to the same model */
        static npu_model m2;
        if (npu_model_from_json(back, "round trip", &m2)) {
            fprintf(stderr, "FUZZ FINDING: to_json output does not load: %s\n", npu_errmsg());
            abort();
        }
        cJSON_Delete(back);
    }
    cJSON_Delete(root);
    free(text);
    return 0;
}
