/* api_example — the npusim C API in one page: load a chip and a model, time a
 * decode step, edit the chip (six HBM stacks instead of five) and time it
 * again. Build against an installed library:
 *
 *     cc api_example.c $(pkg-config --cflags --libs npusim) -o api_example
 *
 * Results are the JSON `npusim run --json` prints; this example reads two
 * numbers out of it with strstr to stay dependency-free (use a JSON parser). */
#include <npusim.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a top-level number of a pretty-printed result ("latency_ms") */
static double field(const char *json, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\n\t\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? strtod(p + strlen(pat), NULL) : -1;
}

static int fail(npusim_ctx *ctx) {
    fprintf(stderr, "api_example: %s\n", npusim_errmsg(ctx)); /* one line naming the problem */
    return 1;
}

int main(void) {
    npusim_ctx *ctx = npusim_ctx_new();
    npusim_hw *hw = NULL;
    npusim_model *model = NULL;
    char *before = NULL, *after = NULL;
    const char *step = "{\"phase\": \"decode\", \"batch\": 64, \"ctx\": 4096, \"dtype\": \"fp8\"}";
    int rc = 0;

    printf("libnpusim %s (API %d)\n", npusim_version(), npusim_api_version());
    if (npusim_hw_load(ctx, "h100-sxm", &hw) || npusim_model_load(ctx, "llama3-8b", &model) ||
        npusim_run(ctx, model, hw, NULL, step, &before) ||
        /* edit by path in the chip's schema (docs/schema.md); each edit is validated */
        npusim_hw_set(ctx, hw, "memory.stacks", "6") || npusim_hw_set(ctx, hw, "memory.capacity_gb", "96") ||
        npusim_run(ctx, model, hw, NULL, step, &after)) {
        rc = fail(ctx);
    } else {
        printf("%s, 5 stacks: %.6f ms per step, %.1f tokens/s\n", npusim_hw_name(hw), field(before, "latency_ms"),
               field(before, "tokens_per_s"));
        printf("%s, 6 stacks: %.6f ms per step, %.1f tokens/s\n", npusim_hw_name(hw), field(after, "latency_ms"),
               field(after, "tokens_per_s"));
    }
    /* errors are a status and a message on the context */
    if (npusim_hw_set(ctx, hw, "memory.stacks", "0") != NPUSIM_OK) printf("rejected: %s\n", npusim_errmsg(ctx));

    npusim_free(before);
    npusim_free(after);
    npusim_hw_free(hw);
    npusim_model_free(model);
    npusim_ctx_free(ctx);
    return rc;
}
