/* args — option parsing for the npusim CLI. */
#include "args.h"
#include "npu_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int cli_parse(int argc, char **argv, int first, cli_opt *opts, int n_opts, const char **pos,
              int max_pos, int *n_pos) {
    *n_pos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (a[0] == '-' && a[1] != '\0' && strcmp(a, "-") != 0 && strcmp(a, "-o") != 0) {
                npu_err("unknown option '%s' (options are --name)", a);
                return -1;
            }
            if (strcmp(a, "-o") == 0) a = "--output-file";
            else {
                if (*n_pos >= max_pos) {
                    npu_err("unexpected argument '%s'", a);
                    return -1;
                }
                pos[(*n_pos)++] = a;
                continue;
            }
        }
        const char *name = a + 2;
        char key[64];
        const char *eq = strchr(name, '=');
        const char *inline_val = NULL;
        if (eq) {
            size_t n = (size_t)(eq - name) < sizeof key - 1 ? (size_t)(eq - name) : sizeof key - 1;
            memcpy(key, name, n);
            key[n] = '\0';
            name = key;
            inline_val = eq + 1;
        }
        cli_opt *o = NULL;
        for (int j = 0; j < n_opts; j++)
            if (strcmp(opts[j].name, name) == 0) o = &opts[j];
        if (!o) {
            const char *names[64];
            int n = n_opts < 64 ? n_opts : 64;
            for (int j = 0; j < n; j++) names[j] = opts[j].name;
            const char *c = npu_closest(name, names, (size_t)n);
            npu_err("unknown option '--%s'%s%s%s", name, c ? " (did you mean '--" : "", c ? c : "",
                    c ? "'?)" : "");
            return -1;
        }
        if (o->takes_value) {
            if (inline_val) o->value = inline_val;
            else if (i + 1 < argc) o->value = argv[++i];
            else {
                npu_err("option '--%s' needs a value", o->name);
                return -1;
            }
        } else {
            o->value = "1";
        }
    }
    return 0;
}

const char *cli_get(const cli_opt *opts, int n_opts, const char *name) {
    for (int i = 0; i < n_opts; i++)
        if (strcmp(opts[i].name, name) == 0) return opts[i].value;
    return NULL;
}

int cli_double(const cli_opt *opts, int n, const char *name, double *out, bool required, double min) {
    const char *v = cli_get(opts, n, name);
    if (!v) {
        if (required) npu_err("missing required option '--%s'", name);
        return required ? -1 : 0;
    }
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end != '\0' || !isfinite(d)) {
        npu_err("option '--%s': '%s' is not a number", name, v);
        return -1;
    }
    if (d < min) {
        npu_err("option '--%s': %s must be at least %g", name, v, min);
        return -1;
    }
    *out = d;
    return 0;
}

int cli_long(const cli_opt *opts, int n, const char *name, long *out, bool required, long min) {
    const char *v = cli_get(opts, n, name);
    if (!v) {
        if (required) npu_err("missing required option '--%s'", name);
        return required ? -1 : 0;
    }
    char *end;
    errno = 0;
    long l = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0') {
        npu_err("option '--%s': '%s' is not an integer", name, v);
        return -1;
    }
    if (l < min) {
        npu_err("option '--%s': %s must be at least %ld", name, v, min);
        return -1;
    }
    *out = l;
    return 0;
}
