/* npu_api — the public C API (include/npusim.h) over the command layer.
 *
 * A call is: parse the request JSON, read it against the command's rows of
 * the option table (cli_args_from_json: the command line's types, bounds and
 * defaults), run the command's code (cmds.c, cmd_*.c) into a memory stream,
 * and hand the text back. Handles hold a loaded description that the
 * command's loaders (cli_load_model, cli_load_hw, cli_engine) use instead of
 * a name. Errors: the thread-local npu_err line of the failing internal call
 * is copied into the context with a status code.
 *
 * Only the functions of include/npusim.h are exported from libnpusim.so
 * (NPUSIM_API; everything else is built with -fvisibility=hidden). */
#define NPUSIM_BUILDING_LIBRARY 1
#include "npusim.h"

#include "args.h"
#include "cmds.h"
#include "npu_all.h"
#include "npu_json.h"
#include "npu_sweep.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct npusim_ctx {
    npusim_status code;
    char msg[1024];
    npusim_progress_fn progress;
    void *progress_user;
};

struct npusim_hw {
    npu_hw hw;
};
struct npusim_model {
    npu_model m;
};
struct npusim_engine {
    npu_engine e;
    char name[64];
    cJSON *tree; /* the resolved profile (owned) */
};

/* ---- versions, contexts, errors ---- */

const char *npusim_version(void) { return cli_version(); }
int npusim_api_version(void) { return NPUSIM_API_VERSION; }

/* Lazily built shared tables (the memory technologies) are built once, here,
 * before any call can reach them from two threads. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init_tables(void) { (void)npu_memtech_count(); }

npusim_ctx *npusim_ctx_new(void) {
    pthread_once(&init_once, init_tables);
    return calloc(1, sizeof(npusim_ctx));
}

void npusim_ctx_free(npusim_ctx *ctx) { free(ctx); }
npusim_status npusim_errcode(const npusim_ctx *ctx) { return ctx ? ctx->code : NPUSIM_ERR_USAGE; }
const char *npusim_errmsg(const npusim_ctx *ctx) { return ctx ? ctx->msg : "npusim: NULL context"; }

void npusim_ctx_set_progress(npusim_ctx *ctx, npusim_progress_fn fn, void *user) {
    if (!ctx) return;
    ctx->progress = fn, ctx->progress_user = user;
}

void npusim_free(void *p) { free(p); }

static npusim_status ok(npusim_ctx *ctx) {
    ctx->code = NPUSIM_OK, ctx->msg[0] = '\0';
    return NPUSIM_OK;
}

static npusim_status fail(npusim_ctx *ctx, npusim_status code, const char *msg) {
    ctx->code = code;
    npu_strlcpy(ctx->msg, msg, sizeof ctx->msg);
    return code;
}

/* the internal error line (npu_err) of the call that just failed */
static npusim_status fail_err(npusim_ctx *ctx, npusim_status code) { return fail(ctx, code, npu_errmsg()); }

#define NEED(ctx, cond, what)                                                                                  \
    do {                                                                                                       \
        if (!(ctx)) return NPUSIM_ERR_USAGE;                                                                   \
        if (!(cond)) return fail((ctx), NPUSIM_ERR_USAGE, what);                                               \
    } while (0)

/* ---- engines: profiles (presets/engine, a file, or JSON text) ---- */

/* The handle keeps the profile resolved through its base (npu_engine_profile_json's
 * form: every field a leaf {"value", "source", ...}); edits change a leaf's value
 * and re-read the tree, validated as a file is. */
static cJSON *engine_to_json(const struct npusim_engine *h) { return cJSON_Duplicate(h->tree, 1); }

static int engine_from_json(const cJSON *j, const char *origin, struct npusim_engine *out) {
    struct npusim_engine e = {0};
    if (!cJSON_IsObject(j)) return npu_err("%s: an engine is a JSON object", origin), -1;
    if (npu_engine_from_json(j, origin, &e.e)) return -1;
    e.tree = npu_engine_resolve_json(j, origin);
    if (!e.tree) return -1;
    npu_strlcpy(e.name, e.e.name, sizeof e.name);
    cJSON_Delete(out->tree);
    *out = e;
    return 0;
}

/* ---- loading ---- */

/* JSON text: the first non-blank character is '{' */
static const char *json_text(const char *s) {
    while (isspace((unsigned char)*s)) s++;
    return *s == '{' ? s : NULL;
}

typedef enum { D_HW = 0, D_MODEL, D_ENGINE } domain;
static const char *const domain_names[] = {"hw", "model", "engine"};

/* Read a description from its JSON into obj (npusim_hw / _model / _engine). */
static int from_json(domain d, const cJSON *j, const char *origin, void *obj) {
    switch (d) {
    case D_HW: return npu_hw_from_json(j, origin, &((struct npusim_hw *)obj)->hw);
    case D_MODEL: return npu_model_from_json(j, origin, &((struct npusim_model *)obj)->m);
    default: return engine_from_json(j, origin, obj);
    }
}

static cJSON *to_json(domain d, const void *obj) {
    switch (d) {
    case D_HW: return npu_hw_to_json(&((const struct npusim_hw *)obj)->hw);
    case D_MODEL: return npu_model_to_json(&((const struct npusim_model *)obj)->m);
    default: return engine_to_json(obj);
    }
}

static size_t obj_size(domain d) {
    return d == D_HW ? sizeof(struct npusim_hw) : d == D_MODEL ? sizeof(struct npusim_model) : sizeof(struct npusim_engine);
}

static npusim_status load(npusim_ctx *ctx, domain d, const char *spec, void **out) {
    NEED(ctx, spec && out, "npusim_*_load: NULL spec or output pointer");
    *out = NULL;
    void *obj = calloc(1, obj_size(d));
    if (!obj) return fail(ctx, NPUSIM_ERR_MEMORY, "out of memory");
    int rc;
    const char *txt = json_text(spec);
    char origin[64];
    snprintf(origin, sizeof origin, "%s (JSON text)", domain_names[d]);
    if (txt) {
        cJSON *j = npu_json_parse(txt, origin);
        rc = j ? from_json(d, j, origin, obj) : -1;
        cJSON_Delete(j);
    } else if (d == D_HW) {
        rc = npu_hw_load(spec, &((struct npusim_hw *)obj)->hw);
    } else if (d == D_MODEL) {
        rc = npu_model_load(spec, &((struct npusim_model *)obj)->m);
    } else {
        struct npusim_engine *e = obj; /* a preset or alias name, or a file */
        rc = npu_engine_load(spec, &e->e);
        if (!rc && !(e->tree = npu_engine_profile_json(spec))) rc = -1;
        if (!rc) npu_strlcpy(e->name, spec, sizeof e->name);
    }
    if (rc) {
        free(obj);
        return fail_err(ctx, NPUSIM_ERR_INPUT);
    }
    *out = obj;
    return ok(ctx);
}

npusim_status npusim_hw_load(npusim_ctx *ctx, const char *spec, npusim_hw **out) {
    return load(ctx, D_HW, spec, (void **)out);
}
npusim_status npusim_model_load(npusim_ctx *ctx, const char *spec, npusim_model **out) {
    return load(ctx, D_MODEL, spec, (void **)out);
}
npusim_status npusim_engine_load(npusim_ctx *ctx, const char *spec, npusim_engine **out) {
    return load(ctx, D_ENGINE, spec, (void **)out);
}

static npusim_status copy(npusim_ctx *ctx, domain d, const void *h, void **out) {
    NEED(ctx, h && out, "npusim_*_copy: NULL handle or output pointer");
    *out = malloc(obj_size(d));
    if (!*out) return fail(ctx, NPUSIM_ERR_MEMORY, "out of memory");
    memcpy(*out, h, obj_size(d));
    if (d == D_ENGINE) { /* the profile tree is owned: copy it too */
        struct npusim_engine *e = *out;
        if (!(e->tree = cJSON_Duplicate(((const struct npusim_engine *)h)->tree, 1))) {
            free(*out), *out = NULL;
            return fail(ctx, NPUSIM_ERR_MEMORY, "out of memory");
        }
    }
    return ok(ctx);
}

npusim_status npusim_hw_copy(npusim_ctx *ctx, const npusim_hw *h, npusim_hw **out) {
    return copy(ctx, D_HW, h, (void **)out);
}
npusim_status npusim_model_copy(npusim_ctx *ctx, const npusim_model *h, npusim_model **out) {
    return copy(ctx, D_MODEL, h, (void **)out);
}
npusim_status npusim_engine_copy(npusim_ctx *ctx, const npusim_engine *h, npusim_engine **out) {
    return copy(ctx, D_ENGINE, h, (void **)out);
}

static npusim_status json_of(npusim_ctx *ctx, domain d, const void *h, char **json) {
    NEED(ctx, h && json, "npusim_*_json: NULL handle or output pointer");
    cJSON *j = to_json(d, h);
    *json = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    return *json ? ok(ctx) : fail(ctx, NPUSIM_ERR_MEMORY, "out of memory");
}

npusim_status npusim_hw_json(npusim_ctx *ctx, const npusim_hw *h, char **json) { return json_of(ctx, D_HW, h, json); }
npusim_status npusim_model_json(npusim_ctx *ctx, const npusim_model *h, char **json) {
    return json_of(ctx, D_MODEL, h, json);
}
npusim_status npusim_engine_json(npusim_ctx *ctx, const npusim_engine *h, char **json) {
    return json_of(ctx, D_ENGINE, h, json);
}

const char *npusim_hw_name(const npusim_hw *h) { return h ? h->hw.name : NULL; }
const char *npusim_model_name(const npusim_model *h) { return h ? h->m.name : NULL; }
const char *npusim_engine_name(const npusim_engine *h) { return h ? h->name : NULL; }
void npusim_hw_free(npusim_hw *h) { free(h); }
void npusim_model_free(npusim_model *h) { free(h); }
void npusim_engine_free(npusim_engine *h) {
    if (h) cJSON_Delete(h->tree);
    free(h);
}

/* ---- edits by path ----
 * THE ONE PLACE where a handle is edited. Until npu_override (issue 13,
 * `--set PATH=VALUE`) is merged, an edit goes through the description's JSON:
 * write it (npu_*_to_json), set the value at the path, and read it back
 * (npu_*_from_json), so the edited description is validated exactly as a file
 * is and the reader's messages name the field. With npu_override this
 * function becomes npu_ov_parse("hw.PATH=VALUE") + npu_ov_apply on an
 * npu_ov_target holding the handle's struct (same paths, same semantics for
 * every field a file has, plus its rules for edited silicon). */

/* The JSON value of `value` for a field whose current value is `old` (NULL:
 * the field is absent); NULL + npu_err when the text does not fit the type. */
static cJSON *edit_value(const char *where, const cJSON *old, const char *value) {
    char *end;
    double num = strtod(value, &end);
    bool is_num = *value && !isspace((unsigned char)*value) && *end == '\0' && isfinite(num);
    bool is_bool = strcmp(value, "true") == 0 || strcmp(value, "false") == 0;
    char q[80];
    if (old && cJSON_IsNumber(old)) {
        if (!is_num) return npu_err("%s: '%s' is not a number", where, cli_quote(value, q, sizeof q)), NULL;
        return cJSON_CreateNumber(num);
    }
    if (old && cJSON_IsBool(old)) {
        if (!is_bool) return npu_err("%s: '%s' is not true or false", where, cli_quote(value, q, sizeof q)), NULL;
        return cJSON_CreateBool(value[0] == 't');
    }
    if (old && cJSON_IsString(old)) return cJSON_CreateString(value);
    if (old || json_text(value) || value[0] == '[') { /* an object or array: JSON text of the same kind */
        cJSON *j = cJSON_Parse(value);
        if (!j || (old && ((cJSON_IsObject(old) && !cJSON_IsObject(j)) || (cJSON_IsArray(old) && !cJSON_IsArray(j))))) {
            cJSON_Delete(j);
            return npu_err("%s: '%s' is not JSON of the field's kind (%s)", where, cli_quote(value, q, sizeof q),
                           old && cJSON_IsArray(old) ? "an array" : "an object"),
                   NULL;
        }
        return j;
    }
    if (is_num) return cJSON_CreateNumber(num);
    if (is_bool) return cJSON_CreateBool(value[0] == 't');
    return cJSON_CreateString(value);
}

/* Set root[path] = value, "memory.stacks", "sram[1].mb". A missing last key is
 * added (the reader then rejects a key the schema lacks); a missing inner key
 * or index is an error naming the closest key. */
static int edit_json(cJSON *root, const char *dname, const char *path, const char *value) {
    char buf[256], where[300], q[80];
    npu_strlcpy(buf, path, sizeof buf);
    snprintf(where, sizeof where, "%s.%s", dname, cli_quote(path, q, sizeof q));
    if (strlen(path) >= sizeof buf - 1 || !*path) return npu_err("%s: not a path (KEY.KEY[INDEX]...)", where), -1;
    cJSON *node = root;
    char *save = NULL;
    for (char *seg = strtok_r(buf, ".", &save); seg; seg = strtok_r(NULL, ".", &save)) {
        bool last = save == NULL || *save == '\0';
        long index = -1;
        char *br = strchr(seg, '[');
        if (br) {
            char *e;
            index = strtol(br + 1, &e, 10);
            if (e == br + 1 || *e != ']' || e[1] != '\0' || index < 0)
                return npu_err("%s: bad index in '%s'", where, seg), -1;
            *br = '\0';
        }
        if (!cJSON_IsObject(node) || !*seg) return npu_err("%s: '%s' is not a field of an object", where, seg), -1;
        cJSON *child = cJSON_GetObjectItemCaseSensitive(node, seg);
        if (!child && !(last && index < 0)) {
            const char *keys[128];
            size_t n = 0;
            for (cJSON *c = node->child; c && n < NPU_ARRAY_LEN(keys); c = c->next) keys[n++] = c->string;
            const char *best = npu_closest(seg, keys, n);
            return npu_err("%s: no field '%s'%s%s%s", where, seg, best ? " (did you mean '" : "", best ? best : "",
                           best ? "'?)" : ""),
                   -1;
        }
        if (index >= 0) {
            if (!cJSON_IsArray(child) || index >= cJSON_GetArraySize(child))
                return npu_err("%s: '%s' has no element %ld", where, seg, index), -1;
            cJSON *el = cJSON_GetArrayItem(child, (int)index);
            if (last) {
                cJSON *v = edit_value(where, el, value);
                if (!v) return -1;
                cJSON_ReplaceItemInArray(child, (int)index, v);
                return 0;
            }
            node = el;
            continue;
        }
        if (last) {
            cJSON *v = edit_value(where, child, value);
            if (!v) return -1;
            if (child) cJSON_ReplaceItemInObjectCaseSensitive(node, seg, v);
            else cJSON_AddItemToObject(node, seg, v);
            return 0;
        }
        node = child;
    }
    return npu_err("%s: not a path (KEY.KEY[INDEX]...)", where), -1;
}

static npusim_status set(npusim_ctx *ctx, domain d, void *h, const char *path, const char *value) {
    NEED(ctx, h && path && value, "npusim_*_set: NULL handle, path or value");
    const char *dn = domain_names[d];
    size_t dl = strlen(dn);
    if (strncmp(path, dn, dl) == 0 && path[dl] == '.') path += dl + 1; /* "hw.memory.stacks" */
    const char *given = path; /* as the caller wrote it, for the message */
    char leaf[300];
    if (d == D_ENGINE) { /* a profile field is a leaf {"value", "source", ...}: GROUP.KEY edits its value */
        size_t n = strlen(path);
        if (n < 6 || strcmp(path + n - 6, ".value") != 0) {
            snprintf(leaf, sizeof leaf, "%s.value", path);
            path = leaf;
        }
    }
    cJSON *j = to_json(d, h);
    void *edited = calloc(1, obj_size(d));
    char origin[300], q[80], qv[80];
    snprintf(origin, sizeof origin, "%s set %s=%s", domain_names[d], cli_quote(given, q, sizeof q),
             cli_quote(value, qv, sizeof qv));
    int rc = !j || !edited ? (npu_err("out of memory"), -1) : edit_json(j, dn, path, value);
    if (!rc && d == D_ENGINE) { /* an edited value is the user's, no longer a fit's: drop the fit's record */
        char grp[128], key[128];
        if (sscanf(path, "%127[^.].%127[^.]", grp, key) == 2) {
            cJSON *lf = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, grp), key);
            cJSON_DeleteItemFromObjectCaseSensitive(lf, "fitted");
            cJSON_DeleteItemFromObjectCaseSensitive(lf, "from");
            cJSON_AddStringToObject(lf, "from", "edit");
        }
    }
    if (!rc) rc = from_json(d, j, origin, edited);
    cJSON_Delete(j);
    if (!rc) {
        if (d == D_ENGINE) cJSON_Delete(((struct npusim_engine *)h)->tree);
        memcpy(h, edited, obj_size(d));
    }
    free(edited);
    return rc ? fail_err(ctx, NPUSIM_ERR_INPUT) : ok(ctx);
}

npusim_status npusim_hw_set(npusim_ctx *ctx, npusim_hw *h, const char *path, const char *value) {
    return set(ctx, D_HW, h, path, value);
}
npusim_status npusim_model_set(npusim_ctx *ctx, npusim_model *h, const char *path, const char *value) {
    return set(ctx, D_MODEL, h, path, value);
}
npusim_status npusim_engine_set(npusim_ctx *ctx, npusim_engine *h, const char *path, const char *value) {
    return set(ctx, D_ENGINE, h, path, value);
}

/* ---- calls ---- */

static npusim_status call(npusim_ctx *ctx, const char *command, const npusim_model *m, const npusim_hw *hw,
                          const npusim_engine *e, const char *request, char **result) {
    NEED(ctx, command && result, "npusim_call: NULL command or result pointer");
    *result = NULL;
    const cli_cmd *cmd = cli_cmd_find(command);
    if (!cmd) {
        const char *names[64];
        int n = 0;
        for (int i = 0; i < cli_n_cmds && n < 63; i++) names[n++] = cli_cmds[i]->name;
        names[n++] = "sweep";
        char q[80];
        const char *best = npu_closest(command, names, (size_t)n);
        npu_err("unknown command '%s'%s%s%s", cli_quote(command, q, sizeof q), best ? " (did you mean '" : "",
                best ? best : "", best ? "'?)" : "");
        return fail_err(ctx, NPUSIM_ERR_INPUT);
    }
    cJSON *req = request && json_text(request) ? npu_json_parse(request, "request") : NULL;
    if (!req && request && request[strspn(request, " \t\r\n")]) { /* not blank and not an object */
        if (!json_text(request)) npu_err("%s: the request must be a JSON object", cmd->name);
        return fail_err(ctx, NPUSIM_ERR_INPUT);
    }
    if (!req) req = cJSON_CreateObject();
    cli_args *a = calloc(1, sizeof *a);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = NULL;
    npusim_status st = NPUSIM_ERR_MEMORY;
    if (!req || !a) {
        npu_err("out of memory");
        goto done;
    }
    a->model_obj = m ? &m->m : NULL, a->hw_obj = hw ? &hw->hw : NULL, a->engine_obj = e ? &e->e : NULL;
    st = NPUSIM_ERR_INPUT;
    if (cli_args_from_json(cmd, req, a)) goto done;
    if (!(f = open_memstream(&buf, &len))) {
        st = NPUSIM_ERR_MEMORY;
        npu_err("out of memory");
        goto done;
    }
    cli_out o = {f, ctx->progress, ctx->progress_user};
    int rc = cmd->run(a, &o);
    if (fclose(f) && rc >= 0) {
        rc = -1;
        npu_err("out of memory");
    }
    f = NULL;
    if (rc >= 0) {
        *result = buf, buf = NULL;
        st = rc == 0 ? NPUSIM_OK : NPUSIM_ERR_CHECK;
    }
done:
    if (f) fclose(f);
    free(buf);
    free(a);
    cJSON_Delete(req);
    if (st == NPUSIM_OK) return ok(ctx);
    return fail_err(ctx, st);
}

npusim_status npusim_run(npusim_ctx *ctx, const npusim_model *model, const npusim_hw *hw, const npusim_engine *engine,
                         const char *request, char **result) {
    return call(ctx, "run", model, hw, engine, request, result);
}
npusim_status npusim_serve(npusim_ctx *ctx, const npusim_model *model, const npusim_hw *hw,
                           const npusim_engine *engine, const char *request, char **result) {
    return call(ctx, "serve", model, hw, engine, request, result);
}
npusim_status npusim_plan(npusim_ctx *ctx, const npusim_model *model, const npusim_hw *hw, const char *request,
                          char **result) {
    return call(ctx, "plan", model, hw, NULL, request, result);
}
npusim_status npusim_cost(npusim_ctx *ctx, const npusim_hw *hw, const char *request, char **result) {
    return call(ctx, "cost", NULL, hw, NULL, request, result);
}

/* The sweep (npu_sweep, issue 13): the spec's optional "jobs" (default 1; the
 * rows are the same for any count) taken out, the rows kept in memory, their
 * Pareto flags set, and {"columns": [...], "rows": [[...], ...]} returned
 * pretty-printed with a trailing newline (NAN cells are null, text cells
 * strings); the Python binding builds its DataFrame from it. */
typedef struct sweep_rows {
    npu_sweep_row *rows;
    long n, cap;
} sweep_rows;

static int sweep_keep(void *ctx, const npu_sweep_row *rows, long n) {
    sweep_rows *k = ctx;
    if (k->n + n > k->cap) {
        long cap = (k->n + n) * 2;
        npu_sweep_row *r = realloc(k->rows, (size_t)cap * sizeof *r);
        if (!r) return npu_err("out of memory keeping %ld sweep rows", k->n + n), -1;
        k->rows = r, k->cap = cap;
    }
    memcpy(k->rows + k->n, rows, (size_t)n * sizeof *rows);
    k->n += n;
    return 0;
}

/* A number that reads back as the same double (cJSON prints 15 digits when they
 * come within an epsilon): the rows equal the CLI's SQLite bit for bit. */
static cJSON *exact_number(double v) {
    char b[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if (strtod(b, NULL) == v) break;
    }
    return cJSON_CreateRaw(b);
}

typedef struct sweep_progress {
    npusim_ctx *ctx;
} sweep_progress;

static void sweep_tick(void *user, long done, long total) {
    npusim_ctx *ctx = ((sweep_progress *)user)->ctx;
    if (ctx->progress) ctx->progress(ctx->progress_user, "sweep", total ? (double)done / total : 1.0);
}

npusim_status npusim_sweep(npusim_ctx *ctx, const char *spec, char **result) {
    NEED(ctx, result, "npusim_sweep: NULL result pointer");
    *result = NULL;
    NEED(ctx, spec, "npusim_sweep: NULL spec");
    cJSON *j = npu_json_parse(spec, "sweep spec");
    if (!j) return fail_err(ctx, NPUSIM_ERR_INPUT);
    int jobs = 1;
    cJSON *jj = cJSON_DetachItemFromObjectCaseSensitive(j, "jobs");
    if (jj && (!cJSON_IsNumber(jj) || jj->valuedouble != floor(jj->valuedouble) || jj->valuedouble < 1 ||
               jj->valuedouble > 1024)) {
        cJSON_Delete(jj), cJSON_Delete(j);
        return fail(ctx, NPUSIM_ERR_INPUT, "sweep spec: field 'jobs' must be an integer 1..1024");
    }
    if (jj) jobs = (int)jj->valuedouble;
    cJSON_Delete(jj);
    npu_sweep *s = NULL;
    int rc = npu_sweep_from_json(j, "sweep spec", &s);
    cJSON_Delete(j);
    if (rc) return fail_err(ctx, NPUSIM_ERR_INPUT);
    sweep_rows k = {0};
    sweep_progress sp = {ctx};
    npu_sweep_opts o = {.jobs = jobs, .progress = sweep_tick, .progress_ctx = &sp};
    npu_sweep_sink sink = {&k, sweep_keep};
    npusim_status st = NPUSIM_ERR_MEMORY;
    cJSON *out = NULL;
    double *num = NULL;
    const char **str = NULL;
    npu_sweep_cells *cells = NULL;
    if (npu_sweep_run(s, &o, &sink) || npu_sweep_pareto_rows(s, k.rows, k.n)) goto done;
    int nc = npu_sweep_ncols(s);
    num = calloc((size_t)nc, sizeof *num), str = calloc((size_t)nc, sizeof *str);
    cells = npu_sweep_cells_new(s);
    out = cJSON_CreateObject();
    cJSON *cols = out ? cJSON_AddArrayToObject(out, "columns") : NULL, *rows = out ? cJSON_AddArrayToObject(out, "rows") : NULL;
    if (!num || !str || !cells || !cols || !rows) {
        npu_err("out of memory");
        goto done;
    }
    for (int c = 0; c < nc; c++) cJSON_AddItemToArray(cols, cJSON_CreateString(npu_sweep_col_name(s, c)));
    for (long i = 0; i < k.n; i++) {
        npu_sweep_row_cells(s, &k.rows[i], cells, num, str);
        cJSON *r = cJSON_CreateArray();
        if (!r) {
            npu_err("out of memory");
            goto done;
        }
        for (int c = 0; c < nc; c++)
            cJSON_AddItemToArray(r, str[c] ? cJSON_CreateString(str[c]) : isnan(num[c]) ? cJSON_CreateNull()
                                                                                         : exact_number(num[c]));
        cJSON_AddItemToArray(rows, r);
    }
    char *text = cJSON_Print(out);
    size_t len = text ? strlen(text) : 0;
    char *res = text ? realloc(text, len + 2) : NULL;
    if (!res) {
        free(text);
        npu_err("out of memory");
        goto done;
    }
    res[len] = '\n', res[len + 1] = '\0';
    *result = res;
    st = NPUSIM_OK;
done:
    if (st != NPUSIM_OK) fail_err(ctx, strstr(npu_errmsg(), "out of memory") ? NPUSIM_ERR_MEMORY : NPUSIM_ERR_INPUT);
    else ok(ctx);
    cJSON_Delete(out);
    free(num), free(str), free(k.rows);
    npu_sweep_cells_free(cells);
    npu_sweep_free(s);
    return st;
}

npusim_status npusim_call(npusim_ctx *ctx, const char *command, const char *request, char **result) {
    if (ctx && command && strcmp(command, "sweep") == 0) return npusim_sweep(ctx, request, result);
    return call(ctx, command, NULL, NULL, NULL, request, result);
}
