/* npu_util — errors, datatypes, closest-name suggestions, file reading. */
#include "npu_util.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static _Thread_local char err_line[1024];

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *p) {
    size_t n = p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
             : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return n;
}

void npu_err(const char *fmt, ...) {
    char raw[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* escape what is not printable text; cut with "..." when the line is full */
    size_t o = 0, cap = sizeof err_line - 4; /* room for "..." and the NUL */
    const unsigned char *p = (const unsigned char *)raw;
    while (*p) {
        size_t u = *p >= 0x80 ? utf8_len(p) : 0;
        if (u) {
            if (o + u > cap) break;
            memcpy(err_line + o, p, u), o += u, p += u;
        } else if (*p < 0x20 || *p >= 0x7F) {
            if (o + 4 > cap) break;
            snprintf(err_line + o, 5, "\\x%02x", *p), o += 4, p++;
        } else {
            if (o + 1 > cap) break;
            err_line[o++] = (char)*p++;
        }
    }
    if (*p) memcpy(err_line + o, "...", 3), o += 3;
    err_line[o] = '\0';
}

char *npu_abbrev(char *dst, size_t cap, const char *s, size_t max_chars) {
    assert(cap > 4);
    size_t n = strlen(s);
    if (max_chars > cap - 4) max_chars = cap - 4;
    if (n <= max_chars) {
        memcpy(dst, s, n + 1);
        return dst;
    }
    memcpy(dst, s, max_chars);
    memcpy(dst + max_chars, "...", 4);
    return dst;
}

/* ---- memory ---- */

static long fault_left[NPU_FAULT_KINDS] = {-1, -1};
static long fault_ops[NPU_FAULT_KINDS];

void npu_fault_after(npu_fault f, long n) { fault_left[f] = n < 0 ? -1 : n; }
long npu_fault_count(npu_fault f) { return fault_ops[f]; }

/* true when the operation of kind f must fail (injection) */
static bool fault_hit(npu_fault f) {
    fault_ops[f]++;
    if (fault_left[f] < 0) return false;
    if (fault_left[f] == 0) return fault_left[f] = -1, true;
    fault_left[f]--;
    return false;
}

static void out_of_memory(size_t bytes) {
    char line[96];
    int n = snprintf(line, sizeof line, "npusim: out of memory allocating %zu bytes\n", bytes);
    if (n > 0 && write(2, line, (size_t)n) < 0) { /* nothing more to do */ }
    abort();
}

void *npu_xmalloc(size_t bytes) {
    void *p = fault_hit(NPU_FAULT_ALLOC) ? NULL : malloc(bytes ? bytes : 1);
    if (!p) out_of_memory(bytes);
    return p;
}

void *npu_xmalloc_hook(size_t bytes) { return npu_xmalloc(bytes); }

void *npu_xcalloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) out_of_memory(SIZE_MAX);
    void *p = fault_hit(NPU_FAULT_ALLOC) ? NULL : calloc(n ? n : 1, size ? size : 1);
    if (!p) out_of_memory(n * size);
    return p;
}

void *npu_xrealloc(void *p, size_t bytes) {
    void *q = fault_hit(NPU_FAULT_ALLOC) ? NULL : realloc(p, bytes ? bytes : 1);
    if (!q) out_of_memory(bytes);
    return q;
}

void *npu_xreallocarray(void *p, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) out_of_memory(SIZE_MAX);
    return npu_xrealloc(p, n * size);
}

char *npu_xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(npu_xmalloc(n), s, n);
}

const char *npu_errmsg(void) { return err_line[0] ? err_line : "unknown error"; }

/* One alias of `list` (space-separated) equal to s, case-insensitive. */
static bool alias_of(const char *list, const char *s) {
    size_t n = strlen(s);
    for (const char *p = list; *p;) {
        size_t w = strcspn(p, " ");
        if (w == n && strncasecmp(p, s, n) == 0) return true;
        p += w;
        while (*p == ' ') p++;
    }
    return false;
}

int npu_dtype_parse(const char *s, npu_dtype *out) {
    const char *valid[NPU_FMT_COUNT];
    size_t n = 0;
    for (int i = 0; i < NPU_FMT_COUNT; i++) {
        const npu_fmt *f = npu_dtype_fmt((npu_dtype)i);
        if (strcasecmp(s, f->name) == 0 || alias_of(f->aliases, s)) {
            if (!f->storable) {
                npu_err("datatype '%s' is an element type, not a storage format (its block formats: mxfp4, nvfp4)",
                        s);
                return -1;
            }
            *out = (npu_dtype)i;
            return 0;
        }
        if (f->storable) valid[n++] = f->name;
    }
    char list[256];
    size_t o = 0;
    for (size_t i = 0; i < n && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", valid[i]);
    const char *c = npu_closest(s, valid, n);
    npu_err("unknown datatype '%s'%s%s%s (valid: %s)", s, c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "",
            list);
    return -1;
}

/* Edit distance (optimal string alignment: insertions, deletions, substitutions
 * and transpositions of two adjacent characters, each 1), case-insensitive; a
 * swapped pair ("stakcs", "hots") is one slip, not two. Names are short, so
 * O(n*m) is fine. */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    size_t prev2[64] = {0}, prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20;
            size_t sub = prev[j - 1] + (ca != cb);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t d = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (i > 1 && j > 1 && ca == (b[j - 2] | 0x20) && (a[i - 2] | 0x20) == cb && ca != cb &&
                prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
        }
        memcpy(prev2, prev, (lb + 1) * sizeof *prev);
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

/* s's characters appear in c in order (q4km in q4_k_m), case-insensitive */
static bool is_subsequence(const char *s, const char *c) {
    for (; *s && *c; c++)
        if ((*s | 0x20) == (*c | 0x20)) s++;
    return !*s;
}

/* Within a third of the query's length (plus one) of edits: a slip or two in a
 * name, not another word ("nosuch" is not "cost"). Ties go to the name that holds
 * the query's characters in order. */
const char *npu_closest(const char *s, const char *const *cands, size_t n) {
    if (!s[0]) return NULL; /* nothing typed is close to nothing */
    const char *best = NULL;
    size_t best_d = (size_t)-1, best_key = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(s, cands[i]);
        /* a name that contains the query (or the reverse) counts as close, when the
         * shorter of the two is a word (3 or more characters), not a letter or two */
        size_t ls = strlen(s), lc = strlen(cands[i]);
        if ((ls <= lc ? ls : lc) >= 3 && (strstr(cands[i], s) || strstr(s, cands[i]))) d = d < 2 ? d : 2;
        size_t key = 2 * d + !is_subsequence(s, cands[i]);
        if (key < best_key) best_key = key, best_d = d, best = cands[i];
    }
    size_t limit = strlen(s) / 3 + 1;
    return best_d <= limit ? best : NULL;
}

char *npu_read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        npu_err("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        npu_err("%s: is a directory, not a file", path);
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = npu_xmalloc(cap);
    int err = 0;
    bool big = false;
    for (;;) {
        if (len > NPU_READ_MAX_BYTES) {
            big = true;
            break;
        }
        if (len + 1 >= cap) { /* grow, at most to one byte past the limit */
            cap = cap * 2 < NPU_READ_MAX_BYTES + 2 ? cap * 2 : NPU_READ_MAX_BYTES + 2;
            buf = npu_xrealloc(buf, cap);
        }
        errno = 0;
        if (fault_hit(NPU_FAULT_READ)) {
            err = EIO;
            break;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (memchr(buf + len - got, '\0', got)) break; /* binary: reported below */
        if (got == 0) {
            if (ferror(f)) err = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    const char *nul = memchr(buf, '\0', len);
    if (!nul && (err || big)) {
        free(buf);
        if (big)
            npu_err("%s: larger than %lu MiB; not a description or trace file", path, NPU_READ_MAX_BYTES >> 20);
        else npu_err("%s: read error: %s", path, strerror(err));
        return NULL;
    }
    if (nul) {
        npu_err("%s: binary file (a NUL byte at offset %zu); expected text", path, (size_t)(nul - buf));
        free(buf);
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
