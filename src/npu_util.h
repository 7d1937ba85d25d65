/* npu_util — shared helpers: error reporting, datatypes, names, files.
 *
 * Library functions never print or exit: on a user error they store one line
 * with npu_err() and return -1. The CLI prints that line and exits 2.
 * Programming errors are asserts. */
#ifndef NPU_UTIL_H
#define NPU_UTIL_H

#include <stddef.h>
#include <stdbool.h>

/* Datatypes and quantization formats: npu_quant (the table, bytes, elements). */
#include "npu_quant.h"

/* A --dtype value (a storable row of npu_quant's table, or one of its aliases,
 * case-insensitive); -1 + npu_err naming the closest one on an unknown name. */
int npu_dtype_parse(const char *s, npu_dtype *out);

/* Error line of the last failed call (thread-local). The stored line is always
 * one printable line: control bytes and bytes that are not UTF-8 are written as
 * \xNN, so a message quoting a binary file cannot put raw bytes on a terminal;
 * lines longer than the buffer end in "...". */
void npu_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *npu_errmsg(void);

/* Copy at most `max_chars` bytes of `s` into dst (cap bytes), ending in "..."
 * when cut: for error messages that quote file content. Returns dst. */
char *npu_abbrev(char *dst, size_t cap, const char *s, size_t max_chars);

/* Memory. Out of memory is not a user error the library can report and go on
 * from: these never return NULL. On failure they write one line
 * ("npusim: out of memory allocating N bytes") to stderr and abort(), so the
 * process ends at once with SIGABRT and a core, never with a half-built
 * result (docs/reliability.md). A size whose computation overflows counts as
 * out of memory. Free with free(). */
void *npu_xmalloc(size_t bytes);
void *npu_xcalloc(size_t n, size_t size);
void *npu_xrealloc(void *p, size_t bytes);
void *npu_xreallocarray(void *p, size_t n, size_t size); /* n * size, overflow-checked */
char *npu_xstrdup(const char *s);
/* cJSON's allocator (npu_json installs it): npu_xmalloc that matches free(). */
void *npu_xmalloc_hook(size_t bytes);

/* Fault injection for tests (tests/test_readers.c): after npu_fault_after(F, n)
 * the next n operations of kind F succeed and the (n+1)-th fails as if the
 * system had failed it (an allocation returns NULL, so the allocator aborts; a
 * read fails with EIO). n < 0 turns injection off (the default).
 * npu_fault_count(F) counts operations of kind F since the process started. */
typedef enum { NPU_FAULT_ALLOC = 0, NPU_FAULT_READ, NPU_FAULT_KINDS } npu_fault;
void npu_fault_after(npu_fault f, long n);
long npu_fault_count(npu_fault f);

/* Closest of `n` candidate names to `s` (edit distance), or NULL if none is close. */
const char *npu_closest(const char *s, const char *const *cands, size_t n);

/* Read a whole text file; NULL + npu_err naming the path on failure: cannot
 * open (with the system's reason: no such file, permission denied ...), is a
 * directory, read error (with the reason), larger than NPU_READ_MAX_BYTES (so
 * /dev/zero cannot eat the memory), or holds a NUL byte (a binary file).
 * The result is NUL-terminated. Caller frees. */
#define NPU_READ_MAX_BYTES (256UL << 20)
char *npu_read_file(const char *path, size_t *len_out);

/* Copy with truncation, always NUL-terminated. */
void npu_strlcpy(char *dst, const char *src, size_t cap);

#define NPU_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
