/* npu_json — strict reading of description files on top of cJSON.
 *
 * Every reader names its place ("h100.json: memory.stacks") in errors, and
 * unknown keys are errors: a typo must never become a silent default. */
#ifndef NPU_JSON_H
#define NPU_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>

/* Parse text; on a syntax error names `origin`, line and column. cJSON's
 * allocations go through npu_xmalloc (abort on out of memory). */
cJSON *npu_json_parse(const char *text, const char *origin);

/* Fail (return -1, npu_err) if `obj` has a key not in the NULL-terminated list,
 * or a key twice (the second would be silently ignored). */
int npu_json_check_keys(const cJSON *obj, const char *const *allowed, const char *where);
/* Fail if `obj` has a key twice (files whose unknown keys are allowed: HF configs). */
int npu_json_check_unique(const cJSON *obj, const char *where);

/* Getters: `required` decides whether a missing key is an error; a present key of
 * the wrong type or range is always an error. Return 0 ok, -1 error. */
int npu_json_num(const cJSON *obj, const char *key, double *out, bool required, double min,
                 const char *where);
int npu_json_num_range(const cJSON *obj, const char *key, double *out, bool required, double min,
                       double max, const char *where);
/* An integer: a JSON number with no fraction in [min, INT_MAX] (npu_json_int) or
 * [min, max]; 3.7, 1e300 or 2^63 are errors naming the field, never a cast. */
int npu_json_int(const cJSON *obj, const char *key, int *out, bool required, int min,
                 const char *where);
int npu_json_int_range(const cJSON *obj, const char *key, int *out, bool required, int min, int max,
                       const char *where);
int npu_json_str(const cJSON *obj, const char *key, char *out, size_t cap, bool required,
                 const char *where);
int npu_json_bool(const cJSON *obj, const char *key, bool *out, bool required, const char *where);

#endif
