/* args — the table-driven parser and help of the npusim command line (the
 * table itself is opts.c, the commands cmds.c). */
#include "args.h"
#include "npu_util.h"

#include <cjson/cJSON.h>

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *cli_quote(const char *s, char *buf, size_t cap) {
    size_t n = 0;
    assert(cap >= 8);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (n + 8 >= cap || p - (const unsigned char *)s >= 60) {
            memcpy(buf + n, "...", 4);
            return buf;
        }
        if (*p >= 0x20 && *p < 0x7f) buf[n++] = (char)*p;
        else n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", *p);
    }
    buf[n] = '\0';
    return buf;
}

/* A number as help and errors print it: integers in full, others with %g. */
static const char *num_text(double v, char *buf, size_t cap) {
    if (v == floor(v) && fabs(v) < 1e15) snprintf(buf, cap, "%.0f", v);
    else snprintf(buf, cap, "%g", v);
    return buf;
}

/* Bounds of a row as text: "1..1000000", "(0, 1]". */
static const char *bounds_text(const cli_opt *o, char *buf, size_t cap) {
    char a[32], b[32];
    if (o->type == CLI_INT) snprintf(buf, cap, "%lld..%lld", o->imin, o->imax);
    else if (o->type == CLI_SIZE) snprintf(buf, cap, "%s..%s", num_text(o->dmin, a, sizeof a), "2^50");
    else
        snprintf(buf, cap, "%c%s, %s%c", o->flags & CLI_OPEN_MIN ? '(' : '[', num_text(o->dmin, a, sizeof a),
                 num_text(o->dmax, b, sizeof b), o->flags & CLI_OPEN_MAX ? ')' : ']');
    return buf;
}

static bool enum_ok(unsigned mask, int i) { return mask == 0 || (mask >> i & 1u); }

/* "a|b|c" of the values a command takes */
static void enum_list(const cli_opt *o, unsigned mask, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < o->n_names && n < cap; i++)
        if (enum_ok(mask, i)) n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "|" : "", o->names[i]);
}

/* How errors name an option: "option '--act-dtype'" on the command line,
 * "field 'act_dtype'" in a JSON request (fld). */
static const char *opt_label(const cli_opt *o, bool fld, char *buf, size_t cap) {
    if (!fld) {
        snprintf(buf, cap, "option '--%s'", o->name);
        return buf;
    }
    size_t n = (size_t)snprintf(buf, cap, "field '%s'", o->name);
    for (size_t i = 7; i < n && i < cap; i++)
        if (buf[i] == '-') buf[i] = '_';
    return buf;
}

static int bad_value(const cli_opt *o, bool fld, const char *s, const char *what) {
    char q[80], l[64];
    npu_err("%s: '%s' %s", opt_label(o, fld, l, sizeof l), cli_quote(s, q, sizeof q), what);
    return -1;
}

static int out_of_bounds(const cli_opt *o, bool fld, const char *s) {
    char q[80], b[80], l[64];
    npu_err("%s: %s is out of range (%s %s)", opt_label(o, fld, l, sizeof l), cli_quote(s, q, sizeof q),
            o->type == CLI_INT ? "an integer in" : "a number in", bounds_text(o, b, sizeof b));
    return -1;
}

static int parse_int(const cli_opt *o, bool fld, const char *s, long long *out) {
    const char *p = s + (*s == '-' || *s == '+');
    if (*p < '0' || *p > '9') return bad_value(o, fld, s, "is not an integer");
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9') return bad_value(o, fld, s, "is not an integer");
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE || v < o->imin || v > o->imax) return out_of_bounds(o, fld, s);
    *out = v;
    return 0;
}

/* A finite decimal number: sign, digits, one '.', an exponent; no nan, inf or
 * hex. 0 = read, 1 = not a number, 2 = overflow (underflow reads as ~0). */
static int parse_double(const char *s, double *out) {
    const char *p = s + (*s == '-' || *s == '+');
    if (!((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9'))) return 1;
    if (s[strspn(s, "0123456789.eE+-")] != '\0') return 1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0') return 1;
    if ((errno == ERANGE && fabs(v) > 1) || !isfinite(v)) return 2;
    *out = v == 0 ? 0.0 : v; /* -0 reads as 0 (it would print as "-0") */
    return 0;
}

static bool in_bounds(const cli_opt *o, double v) {
    if (o->flags & CLI_OPEN_MIN ? v <= o->dmin : v < o->dmin) return false;
    if (o->flags & CLI_OPEN_MAX ? v >= o->dmax : v > o->dmax) return false;
    return true;
}

static int parse_num(const cli_opt *o, bool fld, const char *s, double *out) {
    double v;
    int st = parse_double(s, &v);
    if (st == 1) return bad_value(o, fld, s, "is not a number");
    if (st == 2 || !in_bounds(o, v)) return out_of_bounds(o, fld, s);
    *out = v;
    return 0;
}

/* One size: "4096", "1.5e9", "64M" (binary suffixes). */
static int parse_size(const cli_opt *o, bool fld, const char *s, double *out) {
    static const char suf[] = "KMGTP";
    char num[64];
    size_t n = strlen(s);
    double scale = 1;
    const char *p = n ? strchr(suf, s[n - 1] >= 'a' && s[n - 1] <= 'z' ? s[n - 1] - 32 : s[n - 1]) : NULL;
    if (p && *p) {
        scale = pow(1024.0, (double)(p - suf + 1));
        n--;
    }
    if (n == 0 || n >= sizeof num)
        return bad_value(o, fld, s, "is not a size (a number of bytes, optionally with K, M, G, T or P = 2^10..2^50)");
    memcpy(num, s, n);
    num[n] = '\0';
    double v;
    int st = parse_double(num, &v);
    if (st == 1)
        return bad_value(o, fld, s, "is not a size (a number of bytes, optionally with K, M, G, T or P = 2^10..2^50)");
    v *= scale;
    if (st == 2 || !isfinite(v) || v < o->dmin || v > o->dmax) {
        char q[80], l[64];
        npu_err("%s: %s must be a positive size of at most 1P (2^50 bytes)", opt_label(o, fld, l, sizeof l),
                cli_quote(s, q, sizeof q));
        return -1;
    }
    if (v != floor(v)) return bad_value(o, fld, s, "is not a whole number of bytes");
    *out = v;
    return 0;
}

static int parse_enum(const cli_opt *o, bool fld, unsigned mask, const char *s, long long *out) {
    const char *ok[32];
    int idx[32], n = 0;
    assert(o->n_names <= 32 && "enum masks are 32 bits");
    for (int i = 0; i < o->n_names && n < 32; i++)
        if (enum_ok(mask, i)) ok[n] = o->names[i], idx[n++] = i;
    for (int i = 0; i < n; i++)
        if (strcmp(s, ok[i]) == 0) return *out = idx[i], 0;
    char q[80], list[200], l[64];
    enum_list(o, mask, list, sizeof list);
    const char *c = npu_closest(s, ok, (size_t)n);
    npu_err("%s: unknown value '%s'%s%s%s; one of %s", opt_label(o, fld, l, sizeof l), cli_quote(s, q, sizeof q),
            c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "", list);
    return -1;
}

/* Reads text s into v as row o (used with mask and flags `uf` of one command);
 * fld: errors name a request field instead of a flag. */
static int parse_value(const cli_opt *o, bool fld, unsigned mask, unsigned uf, const char *s, cli_val *v) {
    v->s = s;
    switch (o->type) {
    case CLI_FLAG: v->i = 1; return 0;
    case CLI_INT:
        if ((uf & CLI_DIST) && strchr(s, ':')) return v->i = 0, 0; /* the library parses distributions */
        return parse_int(o, fld, s, &v->i);
    case CLI_NUM: return parse_num(o, fld, s, &v->d);
    case CLI_SIZE: {
        const char *dots = (uf & CLI_RANGE) ? strstr(s, "..") : NULL;
        if (!dots) {
            if (parse_size(o, fld, s, &v->d)) return -1;
            v->d2 = v->d;
            return 0;
        }
        char lo[64];
        size_t n = (size_t)(dots - s);
        if (n >= sizeof lo) return bad_value(o, fld, s, "is not a size range FROM..TO");
        memcpy(lo, s, n);
        lo[n] = '\0';
        if (parse_size(o, fld, lo, &v->d) || parse_size(o, fld, dots + 2, &v->d2)) return -1;
        if (v->d2 < v->d) return bad_value(o, fld, s, "is a range that ends below its start");
        return 0;
    }
    case CLI_ENUM: return parse_enum(o, fld, mask, s, &v->i);
    case CLI_DTYPE: {
        npu_dtype t;
        char q[80], l[64];
        if (strcmp(cli_quote(s, q, sizeof q), s) != 0) return bad_value(o, fld, s, "is not a datatype");
        if (npu_dtype_parse(s, &t)) {
            char m[300];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("%s: %s", opt_label(o, fld, l, sizeof l), m);
            return -1;
        }
        v->i = t;
        return 0;
    }
    case CLI_STR:
        if (!*s) return bad_value(o, fld, s, "is empty");
        return 0;
    default: assert(!"bad option type"); return -1;
    }
}

static const cli_use *find_use(const cli_cmd *c, const char *name, size_t len, char short_name) {
    for (int i = 0; i < c->n_opts; i++) {
        const cli_use *u = &c->opts[i];
        const cli_opt *o = &cli_opts[u->id];
        if (short_name) {
            if (o->short_name == short_name) return u;
            continue;
        }
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return u;
        if (u->alias && strlen(u->alias) == len && strncmp(u->alias, name, len) == 0) return u;
    }
    return NULL;
}

static int unknown_option(const cli_cmd *c, const char *arg, size_t len) {
    char key[64], q[80];
    if (len >= sizeof key) len = sizeof key - 1;
    memcpy(key, arg, len);
    key[len] = '\0';
    const char *names[CLI_O_COUNT];
    int n = 0;
    for (int i = 0; i < c->n_opts && n < CLI_O_COUNT; i++) names[n++] = cli_opts[c->opts[i].id].name;
    for (int i = 0; i < CLI_O_COUNT; i++)
        if (strcmp(cli_opts[i].name, key) == 0) {
            npu_err("'%s' has no option '--%s' (npusim help %s)", c->name, cli_quote(key, q, sizeof q), c->name);
            return -1;
        }
    const char *best = npu_closest(key, names, (size_t)n);
    npu_err("unknown option '--%s'%s%s%s", cli_quote(key, q, sizeof q), best ? " (did you mean '--" : "",
            best ? best : "", best ? "'?)" : "");
    return -1;
}

/* The default of an option not given: the command's, else the row's. */
static int apply_default(const cli_use *u, cli_val *v) {
    const cli_opt *o = &cli_opts[u->id];
    const char *d = u->def ? u->def : o->def;
    if (!d) return 0;
    int rc = parse_value(o, false, u->mask, u->flags, d, v);
    assert(rc == 0 && "a default in the option table does not parse");
    v->set = false;
    return rc;
}

static int add_rep(cli_args *a, const cli_opt *o, cli_id id, const char *val);

int cli_args_parse(const cli_cmd *cmd, int argc, char *const *argv, cli_args *a) {
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    for (int i = 0; i < cmd->n_opts; i++) {
        assert(!a->declared[cmd->opts[i].id] && "an option declared twice by one command");
        a->declared[cmd->opts[i].id] = true;
        a->use_flags[cmd->opts[i].id] = cmd->opts[i].flags;
    }
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) /* help wins over any error */
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 1;
    bool only_pos = false;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        char q[80];
        if (only_pos || s[0] != '-' || s[1] == '\0') { /* positional ("-" is one too) */
            if (a->n_pos >= cmd->max_pos || a->n_pos >= CLI_MAX_POS) {
                npu_err("%s: unexpected argument '%s'%s", cmd->name, cli_quote(s, q, sizeof q),
                        cmd->max_pos ? "" : " (it takes only --options)");
                return -1;
            }
            a->pos[a->n_pos++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_pos = true;
            continue;
        }
        const cli_use *u;
        const char *inline_val = NULL;
        if (s[1] != '-') { /* -x */
            if (s[2] != '\0' || !(u = find_use(cmd, NULL, 0, s[1]))) {
                npu_err("unknown option '%s' (options are --name)", cli_quote(s, q, sizeof q));
                return -1;
            }
        } else {
            const char *name = s + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            if (eq) inline_val = eq + 1;
            if (!(u = find_use(cmd, name, len, 0))) return unknown_option(cmd, name, len);
        }
        const cli_opt *o = &cli_opts[u->id];
        cli_val *v = &a->v[u->id];
        if (v->set && !(o->flags & CLI_REPEAT)) {
            npu_err("option '--%s' is given twice", o->name);
            return -1;
        }
        const char *val = "1";
        if (o->type == CLI_FLAG) {
            if (inline_val) {
                npu_err("option '--%s' takes no value", o->name);
                return -1;
            }
        } else if (inline_val) val = inline_val;
        else if (i + 1 < argc && !(argv[i + 1][0] == '-' && argv[i + 1][1] == '-' && argv[i + 1][2])) val = argv[++i];
        else {
            npu_err("option '--%s' needs a value (%s)", o->name, o->meta ? o->meta : "");
            return -1;
        }
        if (parse_value(o, false, u->mask, u->flags, val, v) || add_rep(a, o, u->id, val)) return -1;
        v->set = true;
    }
    for (int i = 0; i < cmd->n_opts; i++) {
        const cli_use *u = &cmd->opts[i];
        if (a->v[u->id].set) continue;
        if (u->flags & CLI_REQ) {
            npu_err("%s needs --%s", cmd->name, cli_opts[u->id].name);
            return -1;
        }
        apply_default(u, &a->v[u->id]);
    }
    if (a->n_pos < cmd->min_pos) {
        npu_err("%s needs %s", cmd->name, cmd->args ? cmd->args : "arguments");
        return -1;
    }
    return 0;
}

/* ---- JSON requests (the library's calls) ---- */

/* Request fields are the option names with '_' for '-' ("act_dtype"); `to`
 * is the character written for `from` */
static void swap_char(const char *s, char from, char to, char *buf, size_t cap) {
    npu_strlcpy(buf, s, cap);
    for (char *p = buf; *p; p++)
        if (*p == from) *p = to;
}

static int field_type_error(const cli_cmd *cmd, const char *key, const char *want) {
    char q[80];
    npu_err("%s: field '%s' must be %s", cmd->name, cli_quote(key, q, sizeof q), want);
    return -1;
}

/* A value of a repeatable row, kept in order (cli_rep). */
static int add_rep(cli_args *a, const cli_opt *o, cli_id id, const char *val) {
    if (!(o->flags & CLI_REPEAT)) return 0;
    if (a->n_rep >= CLI_MAX_REP) {
        npu_err("option '--%s': at most %d times", o->name, CLI_MAX_REP);
        return -1;
    }
    a->rep_id[a->n_rep] = id;
    a->rep[a->n_rep++] = val;
    return 0;
}

int cli_rep(const cli_args *a, cli_id id, const char **out, int cap) {
    assert(id >= 0 && id < CLI_O_COUNT && a->declared[id] && "reading an option the command does not declare");
    int n = 0;
    for (int i = 0; i < a->n_rep; i++)
        if (a->rep_id[i] == id) {
            if (n < cap) out[n] = a->rep[i];
            n++;
        }
    return n;
}

/* The text the parser reads for JSON value j of row o; NULL + npu_err when the
 * JSON type is not the row's. */
static const char *json_value_text(const cli_cmd *cmd, const char *key, const cli_opt *o, unsigned uf, cJSON *j,
                                   char *buf, size_t cap) {
    switch (o->type) {
    case CLI_FLAG:
        if (!cJSON_IsBool(j)) return field_type_error(cmd, key, "true or false"), NULL;
        return "1";
    case CLI_INT:
    case CLI_SIZE:
        if (cJSON_IsNumber(j)) {
            double v = j->valuedouble;
            if (!isfinite(v) || v != floor(v)) return field_type_error(cmd, key, "an integer"), NULL;
            if (fabs(v) >= 9.2e18) { /* beyond long long: all digits, which the parser reports out of range */
                snprintf(buf, cap, "%.0f", v);
                return buf;
            }
            snprintf(buf, cap, "%lld", (long long)v);
            return buf;
        }
        if (cJSON_IsString(j) && (o->type == CLI_SIZE || (uf & CLI_DIST))) return j->valuestring;
        return field_type_error(cmd, key,
                                o->type == CLI_SIZE ? "a number of bytes or a size text (\"1G\")"
                                : (uf & CLI_DIST)   ? "an integer or a distribution text"
                                                    : "an integer"),
               NULL;
    case CLI_NUM:
        if (!cJSON_IsNumber(j)) return field_type_error(cmd, key, "a number"), NULL;
        snprintf(buf, cap, "%.17g", j->valuedouble);
        return buf;
    default:
        if (cJSON_IsString(j)) return j->valuestring;
        return field_type_error(cmd, key, "a string"), NULL;
    }
}

int cli_args_from_json(const cli_cmd *cmd, cJSON *req, cli_args *a) {
    const struct npu_model *mo = a->model_obj;
    const struct npu_hw *ho = a->hw_obj;
    const struct npu_engine *eo = a->engine_obj;
    memset(a, 0, sizeof *a);
    a->cmd = cmd, a->from_json = true;
    a->model_obj = mo, a->hw_obj = ho, a->engine_obj = eo;
    for (int i = 0; i < cmd->n_opts; i++) {
        a->declared[cmd->opts[i].id] = true;
        a->use_flags[cmd->opts[i].id] = cmd->opts[i].flags;
    }
    if (!cJSON_IsObject(req)) {
        npu_err("%s: the request must be a JSON object", cmd->name);
        return -1;
    }
    const char *format = NULL;
    char q[80];
    for (cJSON *j = req->child; j; j = j->next) {
        const char *key = j->string;
        if (strcmp(key, "format") == 0) {
            if (!cJSON_IsString(j)) return field_type_error(cmd, key, "\"json\", \"table\" or \"csv\"");
            format = j->valuestring;
            continue;
        }
        if (strcmp(key, "args") == 0) {
            if (!cJSON_IsArray(j)) return field_type_error(cmd, key, "an array of strings");
            for (cJSON *e = j->child; e; e = e->next) {
                if (!cJSON_IsString(e)) return field_type_error(cmd, key, "an array of strings");
                if (a->n_pos >= cmd->max_pos || a->n_pos >= CLI_MAX_POS) {
                    npu_err("%s: unexpected argument '%s'%s", cmd->name, cli_quote(e->valuestring, q, sizeof q),
                            cmd->max_pos ? "" : " (it takes no \"args\")");
                    return -1;
                }
                a->pos[a->n_pos++] = e->valuestring;
            }
            continue;
        }
        char name[64];
        swap_char(key, '_', '-', name, sizeof name);
        const cli_use *u = strlen(key) < sizeof name - 1 ? find_use(cmd, name, strlen(name), 0) : NULL;
        if (u && (u->id == O_JSON || u->id == O_CSV)) {
            npu_err("%s: give \"format\": \"%s\" instead of field '%s'", cmd->name, u->id == O_JSON ? "json" : "csv",
                    key);
            return -1;
        }
        if (!u) {
            const char *names[CLI_O_COUNT + 2];
            char fields[CLI_O_COUNT][40];
            int n = 0;
            for (int i = 0; i < cmd->n_opts && n < CLI_O_COUNT; i++) {
                swap_char(cli_opts[cmd->opts[i].id].name, '-', '_', fields[n], sizeof fields[n]);
                names[n] = fields[n], n++;
            }
            names[n++] = "format", names[n++] = "args";
            const char *best = npu_closest(key, names, (size_t)n);
            npu_err("%s: unknown field '%s'%s%s%s", cmd->name, cli_quote(key, q, sizeof q),
                    best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
            return -1;
        }
        const cli_opt *o = &cli_opts[u->id];
        cli_val *v = &a->v[u->id];
        if (v->set) {
            npu_err("%s: field '%s' is given twice", cmd->name, cli_quote(key, q, sizeof q));
            return -1;
        }
        if ((u->id == O_MODEL && mo) || (u->id == O_HW && ho) || (u->id == O_ENGINE && eo)) {
            npu_err("%s: field '%s' names a description that a handle already gives: give one of them", cmd->name, key);
            return -1;
        }
        /* an inline description: its text, kept in the request (the loaders read text starting with '{') */
        if (cJSON_IsObject(j) && (u->id == O_MODEL || u->id == O_HW || u->id == O_PREFILL_HW)) {
            char *txt = cJSON_PrintUnformatted(j);
            cJSON *str = txt ? cJSON_CreateString(txt) : NULL;
            free(txt);
            if (!str) {
                npu_err("out of memory");
                return -1;
            }
            str->string = j->string, j->string = NULL; /* the key moves with it (`key` stays valid) */
            cJSON_ReplaceItemViaPointer(req, j, str);
            j = str;
        }
        if (o->type == CLI_FLAG && cJSON_IsFalse(j)) continue; /* false = not given */
        if (o->flags & CLI_REPEAT) { /* a string, or an array of strings */
            for (cJSON *e = cJSON_IsArray(j) ? j->child : j; e; e = cJSON_IsArray(j) ? e->next : NULL) {
                if (!cJSON_IsString(e)) return field_type_error(cmd, key, "a string or an array of strings");
                if (parse_value(o, true, u->mask, u->flags, e->valuestring, v) || add_rep(a, o, u->id, e->valuestring)) {
                    char m[300];
                    npu_strlcpy(m, npu_errmsg(), sizeof m);
                    npu_err("%s: %s", cmd->name, m);
                    return -1;
                }
            }
            v->set = true;
            continue;
        }
        const char *txt = json_value_text(cmd, key, o, u->flags, j, a->text[u->id], sizeof a->text[u->id]);
        if (!txt) return -1;
        if (parse_value(o, true, u->mask, u->flags, txt, v)) {
            char m[300];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("%s: %s", cmd->name, m);
            return -1;
        }
        v->set = true;
    }
    bool has_json = a->declared[O_JSON], has_csv = a->declared[O_CSV];
    if (!format) format = has_json || cmd->json_only ? "json" : "table";
    if (strcmp(format, "json") == 0 && (has_json || cmd->json_only)) {
        if (has_json) a->v[O_JSON].set = true, a->v[O_JSON].i = 1;
    } else if (strcmp(format, "csv") == 0 && has_csv) {
        a->v[O_CSV].set = true, a->v[O_CSV].i = 1;
    } else if (strcmp(format, "table") != 0 || cmd->json_only) {
        npu_err("%s: format '%s' is not one it has (%s%s%s)", cmd->name, cli_quote(format, q, sizeof q),
                cmd->json_only ? "json" : "table", has_json ? ", json" : "", has_csv ? ", csv" : "");
        return -1;
    }
    for (int i = 0; i < cmd->n_opts; i++) {
        const cli_use *u = &cmd->opts[i];
        if (a->v[u->id].set) continue;
        if ((u->id == O_MODEL && mo) || (u->id == O_HW && ho) || (u->id == O_ENGINE && eo)) continue;
        if (u->flags & CLI_REQ) {
            char f[64];
            swap_char(cli_opts[u->id].name, '-', '_', f, sizeof f);
            npu_err("%s needs field '%s'", cmd->name, f);
            return -1;
        }
        apply_default(u, &a->v[u->id]);
    }
    if (a->n_pos < cmd->min_pos) {
        npu_err("%s needs \"args\": %s", cmd->name, cmd->args ? cmd->args : "arguments");
        return -1;
    }
    return 0;
}

cJSON *cli_args_to_json(const cli_args *a) {
    const cli_cmd *cmd = a->cmd;
    bool json = false, csv = false;
    cJSON *r = cJSON_CreateObject();
    for (int i = 0; r && i < cmd->n_opts; i++) {
        const cli_use *u = &cmd->opts[i];
        const cli_opt *o = &cli_opts[u->id];
        const cli_val *v = &a->v[u->id];
        if (!v->set) continue;
        if (u->id == O_JSON || u->id == O_CSV) {
            *(u->id == O_JSON ? &json : &csv) = true;
            continue;
        }
        char key[64];
        swap_char(o->name, '-', '_', key, sizeof key);
        cJSON *x;
        if (o->flags & CLI_REPEAT) { /* every value, in order */
            x = cJSON_CreateArray();
            for (int k = 0; x && k < a->n_rep; k++)
                if (a->rep_id[k] == u->id) cJSON_AddItemToArray(x, cJSON_CreateString(a->rep[k]));
            cJSON_AddItemToObject(r, key, x);
            continue;
        }
        switch (o->type) {
        case CLI_FLAG: x = cJSON_CreateTrue(); break;
        case CLI_INT: x = (u->flags & CLI_DIST) && strchr(v->s, ':') ? cJSON_CreateString(v->s)
                                                                      : cJSON_CreateNumber((double)v->i); break;
        case CLI_NUM: x = cJSON_CreateNumber(v->d); break;
        default: x = cJSON_CreateString(v->s); break; /* sizes keep their text: suffixes, FROM..TO */
        }
        cJSON_AddItemToObject(r, key, x);
    }
    if (json && csv) {
        cJSON_Delete(r);
        npu_err("give one of --json and --csv");
        return NULL;
    }
    if (!cmd->json_only && r) cJSON_AddStringToObject(r, "format", json ? "json" : csv ? "csv" : "table");
    if (a->n_pos && r) {
        cJSON *p = cJSON_AddArrayToObject(r, "args");
        for (int i = 0; i < a->n_pos; i++) cJSON_AddItemToArray(p, cJSON_CreateString(a->pos[i]));
    }
    return r;
}

/* Appends word w to buf (of cap bytes, n used), quoted for a shell unless plain. */
static size_t shell_word(char *buf, size_t cap, size_t n, const char *w) {
    bool plain = *w != 0;
    for (const char *c = w; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,/=:+@%", *c)) plain = false;
#define PUT(ch) (n + 1 < cap ? (void)(buf[n++] = (ch)) : (void)n++)
    PUT(' ');
    if (plain)
        for (const char *c = w; *c; c++) PUT(*c);
    else {
        PUT('\'');
        for (const char *c = w; *c; c++)
            if (*c == '\'') PUT('\''), PUT('\\'), PUT('\''), PUT('\'');
            else PUT(*c);
        PUT('\'');
    }
#undef PUT
    if (cap) buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

char *cli_args_command(const cli_args *a) {
    const cli_cmd *cmd = a->cmd;
    for (size_t cap = 256;; ) { /* twice at most: measure, then write */
        char *buf = malloc(cap);
        if (!buf) return NULL;
        size_t n = (size_t)snprintf(buf, cap, "npusim %s", cmd->name);
        for (int i = 0; i < cmd->n_opts; i++) {
            const cli_use *u = &cmd->opts[i];
            const cli_val *v = &a->v[u->id];
            if (!v->set) continue;
            char flag[72];
            snprintf(flag, sizeof flag, "--%s", cli_opts[u->id].name);
            n = shell_word(buf, cap, n, flag);
            if (cli_opts[u->id].type != CLI_FLAG) n = shell_word(buf, cap, n, v->s);
        }
        for (int i = 0; i < a->n_pos; i++) n = shell_word(buf, cap, n, a->pos[i]);
        if (n < cap) return buf;
        free(buf);
        cap = n + 1;
    }
}

const cli_val *cli_val_of(const cli_args *a, cli_id id) {
    assert(id >= 0 && id < CLI_O_COUNT && a->declared[id] && "reading an option the command does not declare");
    return &a->v[id];
}
bool cli_has(const cli_args *a, cli_id id) { return cli_val_of(a, id)->set; }
long long cli_int(const cli_args *a, cli_id id) { return cli_val_of(a, id)->i; }
double cli_num(const cli_args *a, cli_id id) { return cli_val_of(a, id)->d; }
const char *cli_str(const cli_args *a, cli_id id) { return cli_val_of(a, id)->s; }

/* ---- help ---- */

/* Two lines per option: the name and what it is; then its type and bounds,
 * whether it is required or its default, and the command's note. */
static void help_option(FILE *out, const cli_use *u) {
    const cli_opt *o = &cli_opts[u->id];
    char head[64], list[200], b[80], d[40], more[400] = "";
    size_t n = 0;
#define MORE(...) (n += (size_t)snprintf(more + n, n < sizeof more ? sizeof more - n : 0, __VA_ARGS__))
    snprintf(head, sizeof head, "--%s%s%s", o->name, o->type == CLI_FLAG ? "" : " ", o->type == CLI_FLAG ? "" : o->meta);
    if (o->short_name) snprintf(head + strlen(head), sizeof head - strlen(head), ", -%c", o->short_name);
    if (u->alias) snprintf(head + strlen(head), sizeof head - strlen(head), ", --%s", u->alias);
    switch (o->type) {
    case CLI_INT:
        MORE("integer %s", bounds_text(o, b, sizeof b));
        if (u->flags & CLI_DIST) MORE(" or a distribution");
        break;
    case CLI_NUM: MORE("number in %s", bounds_text(o, b, sizeof b)); break;
    case CLI_SIZE:
        MORE("bytes, 1..2^50; suffixes K M G T P = 2^10..2^50%s", u->flags & CLI_RANGE ? "; or FROM..TO" : "");
        break;
    case CLI_ENUM: enum_list(o, u->mask, list, sizeof list), MORE("%s", list); break;
    case CLI_DTYPE:
        for (int i = 0, k = 0; i < NPU_FMT_COUNT; i++)
            if (npu_dtype_fmt((npu_dtype)i)->storable) MORE("%s%s", k++ ? "|" : "", npu_dtype_names[i]);
        break;
    default: break;
    }
    const char *def = u->def ? u->def : o->def;
    if (u->flags & CLI_REQ) MORE("%srequired", n ? "; " : "");
    else if (def) MORE("%sdefault %s", n ? "; " : "", def);
    else if (o->lib_def) {
        double v = o->lib_def();
        MORE("%sdefault %s", n ? "; " : "", o->type == CLI_ENUM ? o->names[(int)v] : num_text(v, d, sizeof d));
    }
    if (u->note) MORE("%s%s", n ? "; " : "", u->note);
#undef MORE
    fprintf(out, "  %-26s %s\n", head, o->help);
    if (more[0]) fprintf(out, "  %-26s %s\n", "", more);
}

void cli_help(FILE *out, const cli_cmd *c) {
    fprintf(out, "usage: npusim %s%s%s%s\n\n%s\n", c->name, c->args ? " " : "", c->args ? c->args : "",
            c->n_opts ? " [options]" : "", c->summary);
    if (c->details) fprintf(out, "\n%s\n", c->details);
    if (c->n_opts) fputs("\noptions:\n", out);
    for (int i = 0; i < c->n_opts; i++) help_option(out, &c->opts[i]);
    fputs("  --help, -h                 this help\n", out);
}

void cli_help_commands(FILE *out) {
    fputs("usage: npusim COMMAND [options]     (npusim help COMMAND, npusim COMMAND --help)\n\ncommands:\n", out);
    for (int i = 0; i < cli_n_cmds; i++) fprintf(out, "  %-18s %s\n", cli_cmds[i]->name, cli_cmds[i]->summary);
    fputs("\nM and H are a preset name (npusim list) or a JSON file; models also load from a\n"
          "HuggingFace config.json. Sizes take binary suffixes (1K = 1024 bytes). Bad input prints\n"
          "one line on stderr and exits 2. npusim --version prints the version. Docs: README.md, docs/.\n",
          out);
}
