/* npu_json — strict cJSON accessors with file-and-field error messages. */
#include "npu_json.h"
#include "npu_util.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Line and column of `at` in text (1-based). */
static void line_col(const char *text, const char *at, int *line, int *col) {
    *line = 1, *col = 1;
    for (const char *p = text; at && p < at && *p; p++) {
        if (*p == '\n') ++*line, *col = 1;
        else ++*col;
    }
}

/* The first \u0000 escape of text (a backslash that is itself escaped does not
 * count), or NULL. cJSON decodes it into a NUL byte that ends the C string there:
 * "llama3-8b\u0000x" would read as llama3-8b. */
static const char *nul_escape(const char *text) {
    for (const char *p = text; (p = strstr(p, "\\u0000")) != NULL; p++) {
        size_t bs = 1;
        while ((size_t)(p - text) >= bs && p[-(ptrdiff_t)bs] == '\\') bs++;
        if (bs % 2) return p; /* an odd run of backslashes ending at p: p escapes */
    }
    return NULL;
}

cJSON *npu_json_parse(const char *text, const char *origin) {
    static cJSON_Hooks hooks = {npu_xmalloc_hook, free};
    cJSON_InitHooks(&hooks);
    const char *end = NULL;
    int line, col;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (root) {
        const char *nul = nul_escape(text);
        if (!nul) return root;
        cJSON_Delete(root);
        line_col(text, nul, &line, &col);
        npu_err("%s: a NUL character (\\u0000) in a string at line %d, column %d", origin, line, col);
        return NULL;
    }
    line_col(text, end ? end : cJSON_GetErrorPtr(), &line, &col);
    npu_err("%s: malformed JSON at line %d, column %d", origin, line, col);
    return NULL;
}

int npu_json_check_keys(const cJSON *obj, const char *const *allowed, const char *where) {
    if (!cJSON_IsObject(obj)) {
        npu_err("%s: expected a JSON object", where);
        return -1;
    }
    for (const cJSON *it = obj->child; it; it = it->next) {
        bool ok = false;
        size_t n = 0;
        for (const char *const *a = allowed; *a; a++, n++)
            if (strcmp(*a, it->string) == 0) ok = true;
        for (const cJSON *b = obj->child; ok && b != it; b = b->next)
            if (strcmp(b->string, it->string) == 0) {
                npu_err("%s: field '%s' appears twice", where, it->string);
                return -1;
            }
        if (!ok) {
            const char *c = npu_closest(it->string, allowed, n);
            npu_err("%s: unknown field '%s'%s%s%s", where, it->string, c ? " (did you mean '" : "",
                    c ? c : "", c ? "'?)" : "");
            return -1;
        }
    }
    return 0;
}

int npu_json_check_unique(const cJSON *obj, const char *where) {
    for (const cJSON *it = obj->child; it; it = it->next)
        for (const cJSON *b = obj->child; b != it; b = b->next)
            if (it->string && b->string && strcmp(b->string, it->string) == 0) {
                npu_err("%s: field '%s' appears twice", where, it->string);
                return -1;
            }
    return 0;
}

static const cJSON *get(const cJSON *obj, const char *key, bool required, const char *where) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if ((!v || cJSON_IsNull(v)) && required) npu_err("%s: missing field '%s'", where, key);
    return cJSON_IsNull(v) ? NULL : v;
}

int npu_json_num_range(const cJSON *obj, const char *key, double *out, bool required, double min,
                       double max, const char *where) {
    const cJSON *v = get(obj, key, required, where);
    if (!v) return required ? -1 : 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
        npu_err("%s: field '%s' must be a number", where, key);
        return -1;
    }
    if (v->valuedouble < min) {
        npu_err("%s: field '%s' is %g, must be at least %g", where, key, v->valuedouble, min);
        return -1;
    }
    if (v->valuedouble > max) {
        npu_err("%s: field '%s' is %g, must be at most %g", where, key, v->valuedouble, max);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

int npu_json_num(const cJSON *obj, const char *key, double *out, bool required, double min,
                 const char *where) {
    return npu_json_num_range(obj, key, out, required, min, HUGE_VAL, where);
}

int npu_json_int_range(const cJSON *obj, const char *key, int *out, bool required, int min, int max,
                       const char *where) {
    double d = *out;
    if (npu_json_num(obj, key, &d, required, min, where)) return -1;
    if (d != floor(d)) {
        npu_err("%s: field '%s' is %g, must be an integer", where, key, d);
        return -1;
    }
    if (d > max) { /* checked in double: no cast of an out-of-range value */
        npu_err("%s: field '%s' is %.17g, must be at most %d", where, key, d, max);
        return -1;
    }
    *out = (int)d;
    return 0;
}

int npu_json_int(const cJSON *obj, const char *key, int *out, bool required, int min,
                 const char *where) {
    return npu_json_int_range(obj, key, out, required, min, INT_MAX, where);
}

int npu_json_str(const cJSON *obj, const char *key, char *out, size_t cap, bool required,
                 const char *where) {
    const cJSON *v = get(obj, key, required, where);
    if (!v) return required ? -1 : 0;
    if (!cJSON_IsString(v)) {
        npu_err("%s: field '%s' must be a string", where, key);
        return -1;
    }
    npu_strlcpy(out, v->valuestring, cap);
    return 0;
}

int npu_json_bool(const cJSON *obj, const char *key, bool *out, bool required, const char *where) {
    const cJSON *v = get(obj, key, required, where);
    if (!v) return required ? -1 : 0;
    if (!cJSON_IsBool(v)) {
        npu_err("%s: field '%s' must be true or false", where, key);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}
