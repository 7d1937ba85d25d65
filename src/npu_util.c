/* npu_util — errors, datatypes, closest-name suggestions, file reading. */
#include "npu_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static _Thread_local char err_line[1024];

void npu_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_line, sizeof err_line, fmt, ap);
    va_end(ap);
}

const char *npu_errmsg(void) { return err_line[0] ? err_line : "unknown error"; }

const char *const npu_dtype_names[NPU_DTYPE_COUNT] = {
    [NPU_BF16] = "bf16", [NPU_FP16] = "fp16", [NPU_FP8] = "fp8",
    [NPU_INT8] = "int8", [NPU_INT4] = "int4", [NPU_FP32] = "fp32",
};

double npu_dtype_bytes(npu_dtype t) {
    static const double bytes[NPU_DTYPE_COUNT] = {2, 2, 1, 1, 0.5, 4};
    return bytes[t];
}

int npu_dtype_parse(const char *s, npu_dtype *out) {
    for (int i = 0; i < NPU_DTYPE_COUNT; i++) {
        if (strcasecmp(s, npu_dtype_names[i]) == 0) {
            *out = (npu_dtype)i;
            return 0;
        }
    }
    const char *c = npu_closest(s, npu_dtype_names, NPU_DTYPE_COUNT);
    npu_err("unknown datatype '%s'%s%s%s (valid: bf16, fp16, fp8, int8, int4, fp32)", s,
            c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
    return -1;
}

/* Levenshtein distance, case-insensitive; names are short so O(n*m) is fine. */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    size_t prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20;
            size_t sub = prev[j - 1] + (ca != cb);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *npu_closest(const char *s, const char *const *cands, size_t n) {
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(s, cands[i]);
        /* a name that contains the query (or the reverse) counts as close */
        if (strstr(cands[i], s) || strstr(s, cands[i])) d = d < 2 ? d : 2;
        if (d < best_d) best_d = d, best = cands[i];
    }
    size_t limit = strlen(s) / 2 + 1;
    return best_d <= limit ? best : NULL;
}

char *npu_read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        npu_err("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) break;
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        npu_err("%s: read error", path);
        return NULL;
    }
    buf[len] = '\0';
    if (len_out) *len_out = len;
    return buf;
}

void npu_strlcpy(char *dst, const char *src, size_t cap) {
    if (!cap) return;
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}
