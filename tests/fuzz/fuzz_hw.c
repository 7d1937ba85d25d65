/* fuzz_hw — the hardware JSON reader (npu_hw_from_json), then a decode and a
 * prefill step of a small model (llama3.2-1b) and a few standalone kernels on
 * the loaded chip: every figure finite and >= 0. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static npu_model m;
    static int ready;
    if (!ready) {
        if (npu_model_load("llama3.2-1b", &m)) abort();
        ready = 1;
    }
    char *text = fz_text(data, size);
    cJSON *root = npu_json_parse(text, "fuzz.json");
    static npu_hw hw;
    if (!root) {
        fz_error_line();
    } else if (npu_hw_from_json(root, "fuzz.json", &hw)) {
        fz_error_line();
    } else {
        npu_kernel ks[3] = {npu_kernel_gemm("gemm", 64, 4096, 4096, NPU_BF16, NPU_BF16),
                            npu_kernel_attention(4, 32, 8, 128, 1, 4096, false, NPU_BF16, NPU_BF16),
                            npu_kernel_memory("copy", NPU_KK_MEMORY, 1 << 30, 0)};
        for (int i = 0; i < 3; i++) {
            npu_kcost c = npu_cost_kernel(&hw, &ks[i], NPU_STANDALONE);
            fz_figure(c.time_s, ks[i].name, "hw standalone kernel");
        }
        fz_run(&m, &hw, NPU_RUN_DECODE, 4, 512, "hw: llama3.2-1b decode");
        fz_run(&m, &hw, NPU_RUN_PREFILL, 1, 512, "hw: llama3.2-1b prefill");
    }
    cJSON_Delete(root);
    free(text);
    return 0;
}
