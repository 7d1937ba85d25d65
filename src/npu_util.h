/* npu_util — shared helpers: error reporting, datatypes, names, files.
 *
 * Library functions never print or exit: on a user error they store one line
 * with npu_err() and return -1. The CLI prints that line and exits 2.
 * Programming errors are asserts. */
#ifndef NPU_UTIL_H
#define NPU_UTIL_H

#include <stddef.h>
#include <stdbool.h>

/* Datatypes of weights, activations and the KV cache. */
typedef enum {
    NPU_BF16 = 0,
    NPU_FP16,
    NPU_FP8,
    NPU_INT8,
    NPU_INT4,
    NPU_FP32,
    NPU_DTYPE_COUNT
} npu_dtype;

extern const char *const npu_dtype_names[NPU_DTYPE_COUNT];
double npu_dtype_bytes(npu_dtype t);            /* bytes per element (int4 = 0.5) */
int npu_dtype_parse(const char *s, npu_dtype *out); /* -1 + npu_err on unknown */

/* Error line of the last failed call (thread-local). */
void npu_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *npu_errmsg(void);

/* Closest of `n` candidate names to `s` (edit distance), or NULL if none is close. */
const char *npu_closest(const char *s, const char *const *cands, size_t n);

/* Read a whole file; NULL + npu_err on failure. Caller frees. */
char *npu_read_file(const char *path, size_t *len_out);

/* Copy with truncation, always NUL-terminated. */
void npu_strlcpy(char *dst, const char *src, size_t cap);

#define NPU_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
