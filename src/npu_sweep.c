/* npu_sweep — spec reading, point numbering and sampling, evaluation of a
 * point's rows, constraints, columns. */
#include "npu_sweep.h"
#include "npu_spec.h"
#include "npu_econ.h"
#include "npu_json.h"
#include "npu_override.h"
#include "npu_pareto.h"
#include "npu_planner.h"
#include "npu_power.h"
#include "npu_serve.h"
#include "npu_wl.h"
#include "npu_workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

const char *const npu_sweep_metric_names[NPU_SM_COUNT] = {
    "batch", "chips", "latency_ms", "ttft_ms", "tpot_ms", "ttft_p99_ms", "tpot_p99_ms", "tokens_per_s",
    "tokens_per_s_per_chip", "power_w", "energy_j_per_token", "mem_gb", "capacity_gb", "peak_tflops",
    "mem_bw_gbps", "die_mm2", "unit_cost_usd", "chip_price_usd", "usd_per_hour", "usd_per_mtok", "rate_rps",
    "goodput_rps", "rejected", "fits",
};

#define MAX_AXES 24
#define MAX_WL 64
#define MAX_PLANS 64
#define MAX_BASE_SETS 64
#define MAX_OBJ 8
#define MAX_CONS 16
#define PLAN_MAX 512
#define MAX_COLS (4 + MAX_AXES + 64 + 5 + NPU_SM_COUNT + 4)

typedef struct axis {
    npu_ov tmpl;      /* resolved path */
    bool design;      /* hw, model or engine domain */
    int n;            /* discrete values; 0 = continuous range (sampling only) */
    npu_ov *ovs;      /* one prepared edit per value */
    double *num;      /* numeric value per index (NAN for strings) */
    double lo, hi;    /* continuous */
    bool log;
    int *perm;        /* Latin hypercube: stratum of each sample */
} axis;

typedef enum { SAMPLE_GRID = 0, SAMPLE_RANDOM, SAMPLE_LHS } sample_kind;
typedef enum { PRICE_UNIT_COST = 0, PRICE_PRESET, PRICE_FIXED } price_mode;

typedef enum { CK_ID, CK_POINT, CK_AXIS, CK_WORKLOAD, CK_WLFIELD, CK_PLAN, CK_METRIC, CK_FEASIBLE, CK_REASON,
               CK_PARETO } col_kind;

typedef struct column {
    char name[128];
    col_kind kind;
    int idx;          /* axis, plan field (0..4) or metric */
    npu_ov ov;        /* workload field */
    npu_sweep_ctype type;
} column;

typedef struct constraint {
    int metric;
    double min, max;  /* NAN = no bound */
} constraint;

struct npu_sweep {
    char origin[256];
    char *spec_text;
    npu_hw hw0;
    npu_model model0;
    npu_engine engine0;     /* the base engine (auto: the base chip's usual one) */
    bool engine_auto;       /* no base engine or "auto": each design runs on its chip's usual engine */
    npu_ov base_design[MAX_BASE_SETS]; /* base "set" edits of hw, model, engine */
    int n_base_design;
    npu_wl wl[MAX_WL];
    int n_wl;
    npu_plan plans[MAX_PLANS];
    int n_plans;
    bool auto_plan;
    axis ax[MAX_AXES];
    int n_ax;
    int order[MAX_AXES];   /* numbering order: design axes first */
    int n_design;          /* leading entries of order that are design axes */
    long stride[MAX_AXES]; /* grid */
    sample_kind sample;
    long n_points;
    uint64_t seed;
    int obj_metric[MAX_OBJ];
    bool obj_max[MAX_OBJ];
    int n_obj;
    constraint cons[MAX_CONS];
    int n_cons;
    int fits_req;          /* constraint "fits": -1 none, 0/1 */
    bool cost_needed;      /* an objective or constraint uses a cost metric */
    price_mode price;
    double fixed_price;
    npu_tco_cfg tco;
    npu_econ_cfg econ;
    column cols[MAX_COLS];
    int n_cols;
    bool wl_key_used[256]; /* workload paths some workload gives (columns) */
};

long npu_sweep_points(const npu_sweep *s) { return s->n_points; }
int npu_sweep_rows_per_point(const npu_sweep *s) { return s->n_wl * s->n_plans; }
int npu_sweep_workloads(const npu_sweep *s) { return s->n_wl; }
const char *npu_sweep_spec_text(const npu_sweep *s) { return s->spec_text; }
int npu_sweep_ncols(const npu_sweep *s) { return s->n_cols; }
const char *npu_sweep_col_name(const npu_sweep *s, int c) { return s->cols[c].name; }
npu_sweep_ctype npu_sweep_col_type(const npu_sweep *s, int c) { return s->cols[c].type; }
int npu_sweep_nobjectives(const npu_sweep *s) { return s->n_obj; }
const char *npu_sweep_objective(const npu_sweep *s, int k, bool *maximize) {
    if (maximize) *maximize = s->obj_max[k];
    return npu_sweep_metric_names[s->obj_metric[k]];
}

void npu_sweep_free(npu_sweep *s) {
    if (!s) return;
    for (int j = 0; j < s->n_ax; j++) free(s->ax[j].ovs), free(s->ax[j].num), free(s->ax[j].perm);
    free(s->spec_text);
    free(s);
}

/* ---------------------------------------------------------------- reading */

static bool is_cost_metric(int m) {
    return m == NPU_SM_UNIT_COST_USD || m == NPU_SM_CHIP_PRICE_USD || m == NPU_SM_USD_PER_HOUR ||
           m == NPU_SM_USD_PER_MTOK;
}

static int metric_find(const char *name, const char *where) {
    for (int i = 0; i < NPU_SM_COUNT; i++)
        if (strcmp(name, npu_sweep_metric_names[i]) == 0) return i;
    const char *c = npu_closest(name, npu_sweep_metric_names, NPU_SM_COUNT);
    npu_err("%s: unknown metric '%s'%s%s%s (see docs/sweep.md)", where, name, c ? " (did you mean '" : "", c ? c : "",
            c ? "'?)" : "");
    return -1;
}

/* Round v to the decimals a range was written with, so 0.1 steps give 0.3, not 0.30000000000000004. */
static int decimals_of(double v) {
    char b[64];
    snprintf(b, sizeof b, "%.15g", v);
    if (strchr(b, 'e')) return -1;
    const char *dot = strchr(b, '.');
    return dot ? (int)strlen(dot + 1) : 0;
}

static double round_to(double v, int dec) {
    if (dec < 0 || dec > 15) return v;
    double p = pow(10, dec);
    double r = round(v * p) / p;
    return fabs(r - v) <= 1e-9 * fmax(1, fabs(v)) ? r : v;
}

/* Expand a range object into values. */
static int expand_range(const cJSON *o, bool integer, bool sampled, axis *a, double **vals, int *n, const char *where) {
    static const char *const keys[] = {"from", "to", "step", "factor", "log", NULL};
    double from = 0, to = 0, step = 0, factor = 0;
    bool lg = false;
    if (npu_json_check_keys(o, keys, where) || npu_json_num(o, "from", &from, true, -1e300, where) ||
        npu_json_num(o, "to", &to, true, -1e300, where) || npu_json_num(o, "step", &step, false, 0, where) ||
        npu_json_num(o, "factor", &factor, false, 0, where) || npu_json_bool(o, "log", &lg, false, where))
        return -1;
    if (to < from) {
        npu_err("%s: 'to' (%g) is below 'from' (%g)", where, to, from);
        return -1;
    }
    bool has_step = cJSON_GetObjectItemCaseSensitive(o, "step"), has_factor = cJSON_GetObjectItemCaseSensitive(o, "factor");
    if (has_step && has_factor) {
        npu_err("%s: give 'step' or 'factor', not both", where);
        return -1;
    }
    if (!has_step && !has_factor) {
        if (!sampled) {
            npu_err("%s: a range needs 'step' or 'factor' (a continuous range needs \"sample\": random or lhs)", where);
            return -1;
        }
        if (lg && !(from > 0)) {
            npu_err("%s: a log range needs 'from' > 0", where);
            return -1;
        }
        a->n = 0, a->lo = from, a->hi = to, a->log = lg;
        return 0;
    }
    double count;
    if (has_step) {
        if (!(step > 0)) {
            npu_err("%s: 'step' must be positive", where);
            return -1;
        }
        count = floor((to - from) / step + 1e-9) + 1;
    } else {
        if (!(factor > 1) || !(from > 0)) {
            npu_err("%s: 'factor' must be above 1 and 'from' positive", where);
            return -1;
        }
        count = floor(log(to / from) / log(factor) + 1e-9) + 1;
    }
    if (count > 1e7) {
        npu_err("%s: %.0f values; at most 10 million per axis", where, count);
        return -1;
    }
    int dec = has_step ? decimals_of(from) : -1;
    if (has_step && decimals_of(step) > dec) dec = decimals_of(step);
    double *v = malloc((size_t)count * sizeof *v);
    if (!v) {
        npu_err("%s: out of memory", where);
        return -1;
    }
    int m = 0;
    for (long k = 0; k < (long)count; k++) {
        double x;
        if (has_step) x = round_to(from + (double)k * step, dec);
        else {
            x = from * pow(factor, (double)k);
            char b[64];
            snprintf(b, sizeof b, "%.14g", x); /* drop pow's last-bit noise */
            x = strtod(b, NULL);
        }
        if (integer) x = round(x);
        if (m > 0 && v[m - 1] == x) continue; /* integer rounding can repeat a value */
        v[m++] = x;
    }
    *vals = v, *n = m;
    return 0;
}

static int read_axis(npu_sweep *s, const cJSON *item, bool sampled) {
    axis *a = &s->ax[s->n_ax];
    char where[400];
    snprintf(where, sizeof where, "%s: axes.%s", s->origin, item->string);
    if (s->n_ax >= MAX_AXES) {
        npu_err("%s: at most %d axes", where, MAX_AXES);
        return -1;
    }
    if (npu_ov_resolve(item->string, &a->tmpl)) {
        char m[400];
        npu_strlcpy(m, npu_errmsg(), sizeof m);
        npu_err("%s: axes: %s", s->origin, m);
        return -1;
    }
    for (int j = 0; j < s->n_ax; j++)
        if (strcmp(npu_ov_path(&s->ax[j].tmpl), npu_ov_path(&a->tmpl)) == 0) {
            npu_err("%s: the path is given twice", where);
            return -1;
        }
    npu_ov_domain d = npu_ov_domain_of(&a->tmpl);
    a->design = d == NPU_OV_HW || d == NPU_OV_MODEL || d == NPU_OV_ENGINE;
    s->n_ax++;
    double *vals = NULL;
    int n = 0;
    bool integer = npu_ov_is_integer(&a->tmpl);
    if (cJSON_IsObject(item)) {
        if (!npu_ov_takes_number(&a->tmpl)) {
            npu_err("%s: a range needs a numeric path; give a list of values", where);
            return -1;
        }
        if (expand_range(item, integer, sampled, a, &vals, &n, where)) return -1;
        if (a->n == 0 && !vals) return 0; /* continuous */
    } else if (cJSON_IsArray(item)) {
        n = cJSON_GetArraySize(item);
    } else {
        npu_err("%s: an axis is a list of values or a {\"from\", \"to\", \"step\"|\"factor\"} range", where);
        return -1;
    }
    if (n < 1) {
        free(vals);
        npu_err("%s: no values", where);
        return -1;
    }
    a->n = n;
    a->ovs = calloc((size_t)n, sizeof *a->ovs);
    a->num = calloc((size_t)n, sizeof *a->num);
    if (!a->ovs || !a->num) {
        free(vals);
        npu_err("%s: out of memory", where);
        return -1;
    }
    for (int k = 0; k < n; k++) {
        a->ovs[k] = a->tmpl;
        int rc;
        if (vals) rc = npu_ov_set_num(&a->ovs[k], vals[k]);
        else {
            const cJSON *v = cJSON_GetArrayItem(item, k);
            if (integer && cJSON_IsNumber(v) && v->valuedouble != floor(v->valuedouble)) {
                npu_err("%s[%d]: %g is not an integer", where, k, v->valuedouble);
                return -1;
            }
            rc = npu_ov_set_json(&a->ovs[k], v);
        }
        if (rc) {
            char m[400];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            free(vals);
            npu_err("%s[%d]: %s", where, k, m);
            return -1;
        }
        /* a value of the wrong type is an error of the spec, not a failing design point */
        if (npu_ov_is_numeric(&a->tmpl) && a->ovs[k].is_str) {
            bool quoted = !vals && cJSON_IsString(cJSON_GetArrayItem(item, k));
            npu_err("%s[%d]: %s%.40s%s is not %s%s", where, k, quoted ? "the string \"" : "'", a->ovs[k].str,
                    quoted ? "\"" : "'", npu_ov_is_bool(&a->tmpl) ? "true or false" : "a number",
                    quoted ? " (write it unquoted)" : "");
            free(vals);
            return -1;
        }
        a->num[k] = a->ovs[k].is_str ? NAN : a->ovs[k].num;
    }
    free(vals);
    return 0;
}

/* Apply one JSON object of path -> value edits (prefix prepended to its keys) to t. */
static int apply_obj(const cJSON *o, const char *prefix, npu_ov_target *t, const char *where, npu_ov *keep, int *n_keep,
                     int cap) {
    if (!cJSON_IsObject(o)) {
        npu_err("%s: expected a JSON object", where);
        return -1;
    }
    const cJSON *it;
    npu_ov list[128];
    int n = 0;
    cJSON_ArrayForEach(it, o) {
        char path[200];
        snprintf(path, sizeof path, "%s%s", prefix, it->string);
        if (n >= (int)NPU_ARRAY_LEN(list)) {
            npu_err("%s: too many fields", where);
            return -1;
        }
        if (npu_ov_resolve(path, &list[n]) || npu_ov_set_json(&list[n], it)) {
            char m[400];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("%s: %s", where, m);
            return -1;
        }
        n++;
    }
    if (keep) {
        for (int i = 0; i < n; i++) {
            if (*n_keep >= cap) {
                npu_err("%s: too many edits", where);
                return -1;
            }
            keep[(*n_keep)++] = list[i];
        }
    }
    if (t && npu_ov_apply(list, n, t)) {
        char m[600];
        npu_strlcpy(m, npu_errmsg(), sizeof m);
        npu_err("%s: %s", where, m);
        return -1;
    }
    return 0;
}


static int design_apply(const npu_sweep *s, npu_sweep_ctx *c, const npu_ov *o, int n, npu_ov_target *t);

static int read_base(npu_sweep *s, const cJSON *b, npu_ov *wl_sets, int *n_wl_sets) {
    char where[300];
    snprintf(where, sizeof where, "%s: base", s->origin);
    if (!cJSON_IsObject(b)) {
        npu_err("%s: expected an object with hw and model", where);
        return -1;
    }
    const cJSON *hw = cJSON_GetObjectItemCaseSensitive(b, "hw"), *m = cJSON_GetObjectItemCaseSensitive(b, "model");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(b, "engine"), *set = cJSON_GetObjectItemCaseSensitive(b, "set");
    if (!hw || !m) {
        npu_err("%s: needs 'hw' and 'model'", where);
        return -1;
    }
    int rc = cJSON_IsString(hw) ? npu_hw_load(hw->valuestring, &s->hw0)
             : cJSON_IsObject(hw) ? npu_hw_from_json(hw, "base.hw", &s->hw0)
                                  : (npu_err("%s.hw: a preset name, a file or an object", where), -1);
    if (rc == 0)
        rc = cJSON_IsString(m) ? npu_model_load(m->valuestring, &s->model0)
             : cJSON_IsObject(m) ? npu_model_from_json(m, "base.model", &s->model0)
                                 : (npu_err("%s.model: a preset name, a file or an object", where), -1);
    /* no engine, or "auto": each design on its chip's usual engine, as --engine auto */
    s->engine_auto = !e || (cJSON_IsString(e) && strcmp(e->valuestring, NPU_ENGINE_AUTO) == 0);
    if (rc == 0 && e && !cJSON_IsString(e)) rc = (npu_err("%s.engine: a profile name or file", where), -1);
    if (rc == 0)
        rc = npu_engine_load(s->engine_auto ? npu_engine_default_for(&s->hw0) : e->valuestring, &s->engine0);
    if (rc) {
        char msg[600];
        npu_strlcpy(msg, npu_errmsg(), sizeof msg);
        npu_err("%s: %s", where, msg);
        return -1;
    }
    /* other keys are workload defaults (dtype, kv_dtype, stack, ...) */
    const cJSON *it;
    cJSON_ArrayForEach(it, b) {
        if (!strcmp(it->string, "hw") || !strcmp(it->string, "model") || !strcmp(it->string, "engine") ||
            !strcmp(it->string, "set"))
            continue;
        char path[160];
        snprintf(path, sizeof path, "workload.%s", it->string);
        npu_ov o;
        if (npu_ov_resolve(path, &o)) {
            npu_err("%s: unknown field '%s' (hw, model, engine, set, or a workload field such as dtype)", where,
                    it->string);
            return -1;
        }
        if (npu_ov_set_json(&o, it)) return -1;
        wl_sets[(*n_wl_sets)++] = o;
    }
    if (set) {
        npu_ov list[MAX_BASE_SETS];
        int n = 0;
        char w2[320];
        snprintf(w2, sizeof w2, "%s.set", where);
        if (apply_obj(set, "", NULL, w2, list, &n, MAX_BASE_SETS)) return -1;
        for (int i = 0; i < n; i++) {
            npu_ov_domain d = npu_ov_domain_of(&list[i]);
            if (d == NPU_OV_WORKLOAD) wl_sets[(*n_wl_sets)++] = list[i];
            else if (d == NPU_OV_PLAN) {
                npu_err("%s: plan fields go in \"plans\"", w2);
                return -1;
            } else s->base_design[s->n_base_design++] = list[i];
        }
        /* dry run, so a bad base edit is a spec error */
        npu_hw h = s->hw0;
        npu_model mm = s->model0;
        npu_engine en = s->engine0;
        npu_ov_target t = {&h, &mm, &en, NULL, NULL};
        if (design_apply(s, NULL, s->base_design, s->n_base_design, &t)) {
            char msg[600];
            npu_strlcpy(msg, npu_errmsg(), sizeof msg);
            npu_err("%s: %s", w2, msg);
            return -1;
        }
    }
    return 0;
}

static int read_plans(npu_sweep *s, const cJSON *p) {
    char where[300];
    snprintf(where, sizeof where, "%s: plans", s->origin);
    s->n_plans = 0;
    if (!p) {
        s->plans[s->n_plans++] = (npu_plan){1, 1, 1, 1, 1};
        return 0;
    }
    if (cJSON_IsString(p) && strcmp(p->valuestring, "auto") == 0) {
        s->auto_plan = true;
        s->plans[s->n_plans++] = (npu_plan){0};
        return 0;
    }
    if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) < 1) {
        npu_err("%s: \"auto\" or a list of plans ({\"tp\": 2, \"pp\": 1, ...})", where);
        return -1;
    }
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, p) {
        char w[320];
        snprintf(w, sizeof w, "%s[%d]", where, i++);
        if (s->n_plans >= MAX_PLANS) {
            npu_err("%s: at most %d plans", where, MAX_PLANS);
            return -1;
        }
        if (cJSON_IsString(it) && strcmp(it->valuestring, "auto") == 0) {
            if (cJSON_GetArraySize(p) > 1) {
                npu_err("%s: \"auto\" is the only plan when given", w);
                return -1;
            }
            s->auto_plan = true;
            s->plans[s->n_plans++] = (npu_plan){0};
            continue;
        }
        npu_plan pl = {1, 1, 1, 1, 1};
        npu_ov_target t = {.plan = &pl};
        if (apply_obj(it, "plan.", &t, w, NULL, NULL, 0)) return -1;
        s->plans[s->n_plans++] = pl;
    }
    return 0;
}

static int read_workloads(npu_sweep *s, const cJSON *w, const npu_ov *wl_sets, int n_wl_sets) {
    char where[300];
    snprintf(where, sizeof where, "%s: workloads", s->origin);
    if (!cJSON_IsArray(w) || cJSON_GetArraySize(w) < 1) {
        npu_err("%s: a list of workloads ({\"phase\": \"decode\", \"batch\": 64, \"ctx\": 4096}, ...)", where);
        return -1;
    }
    const cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, w) {
        char wh[320];
        snprintf(wh, sizeof wh, "%s[%d]", where, i++);
        if (s->n_wl >= MAX_WL) {
            npu_err("%s: at most %d workloads", where, MAX_WL);
            return -1;
        }
        npu_wl *wl = &s->wl[s->n_wl++];
        npu_wl_defaults(wl);
        npu_ov_target t = {.wl = wl};
        if (n_wl_sets && npu_ov_apply(wl_sets, n_wl_sets, &t)) {
            char m[600];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("%s: base: %s", s->origin, m);
            return -1;
        }
        if (apply_obj(it, "workload.", &t, wh, NULL, NULL, 0)) return -1;
        /* columns: every key a workload gives */
        const cJSON *k;
        cJSON_ArrayForEach(k, it) {
            char path[160];
            snprintf(path, sizeof path, "workload.%s", k->string);
            for (int f = 0; f < npu_ov_path_count() && f < 256; f++) {
                npu_ov o;
                if (npu_ov_resolve(path, &o) == 0 && strcmp(npu_ov_path_at(f, NULL), npu_ov_path(&o)) == 0)
                    s->wl_key_used[f] = true;
            }
        }
    }
    return 0;
}

static int read_objectives(npu_sweep *s, const cJSON *o) {
    char where[300];
    snprintf(where, sizeof where, "%s: objectives", s->origin);
    if (!o) { /* the three */
        s->obj_metric[0] = NPU_SM_TOKENS_PER_S_PER_CHIP, s->obj_max[0] = true;
        s->obj_metric[1] = NPU_SM_USD_PER_MTOK, s->obj_max[1] = false;
        s->obj_metric[2] = NPU_SM_ENERGY_J_PER_TOKEN, s->obj_max[2] = false;
        s->n_obj = 3;
        return 0;
    }
    if (!cJSON_IsObject(o) || !o->child) {
        npu_err("%s: an object of metric -> \"min\"|\"max\" (e.g. {\"usd_per_mtok\": \"min\"})", where);
        return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, o) {
        if (s->n_obj >= MAX_OBJ) {
            npu_err("%s: at most %d objectives", where, MAX_OBJ);
            return -1;
        }
        int m = metric_find(it->string, where);
        if (m < 0) return -1;
        for (int j = 0; j < s->n_obj; j++)
            if (s->obj_metric[j] == m) {
                npu_err("%s.%s: the objective is given twice", where, it->string);
                return -1;
            }
        if (!cJSON_IsString(it) || (strcmp(it->valuestring, "min") && strcmp(it->valuestring, "max"))) {
            npu_err("%s.%s: \"min\" or \"max\"", where, it->string);
            return -1;
        }
        s->obj_metric[s->n_obj] = m;
        s->obj_max[s->n_obj++] = strcmp(it->valuestring, "max") == 0;
    }
    return 0;
}

static int read_constraints(npu_sweep *s, const cJSON *o) {
    char where[300];
    snprintf(where, sizeof where, "%s: constraints", s->origin);
    s->fits_req = -1;
    if (!o) return 0;
    if (!cJSON_IsObject(o)) {
        npu_err("%s: an object of metric -> {\"min\": X, \"max\": Y} (or \"fits\": true)", where);
        return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, o) {
        int m = metric_find(it->string, where);
        if (m < 0) return -1;
        char w[400];
        snprintf(w, sizeof w, "%s.%s", where, it->string);
        if (m == NPU_SM_FITS) {
            if (!cJSON_IsBool(it)) {
                npu_err("%s: true or false", w);
                return -1;
            }
            s->fits_req = cJSON_IsTrue(it);
            continue;
        }
        if (s->n_cons >= MAX_CONS) {
            npu_err("%s: at most %d constraints", where, MAX_CONS);
            return -1;
        }
        static const char *const keys[] = {"min", "max", NULL};
        constraint *c = &s->cons[s->n_cons++];
        c->metric = m, c->min = NAN, c->max = NAN;
        if (npu_json_check_keys(it, keys, w) || npu_json_num(it, "min", &c->min, false, -1e300, w) ||
            npu_json_num(it, "max", &c->max, false, -1e300, w))
            return -1;
        if (isnan(c->min) && isnan(c->max)) {
            npu_err("%s: give \"min\" and/or \"max\"", w);
            return -1;
        }
        if (c->min > c->max) { /* no point could meet it */
            npu_err("%s: \"min\" (%g) is above \"max\" (%g)", w, c->min, c->max);
            return -1;
        }
    }
    return 0;
}

static int read_sample(npu_sweep *s, const cJSON *o, long *n_req) {
    char where[300];
    snprintf(where, sizeof where, "%s: sample", s->origin);
    *n_req = 0;
    s->sample = SAMPLE_GRID;
    if (!o) return 0;
    static const char *const keys[] = {"method", "n", "seed", NULL};
    char method[16] = "grid";
    double n = 0, seed = 1;
    if (npu_json_check_keys(o, keys, where) || npu_json_str(o, "method", method, sizeof method, true, where) ||
        npu_json_num(o, "n", &n, false, 1, where) || npu_json_num(o, "seed", &seed, false, 0, where))
        return -1;
    static const char *const methods[] = {"grid", "random", "lhs"};
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(method, methods[i]) == 0) k = i;
    if (k < 0) {
        const char *c = npu_closest(method, methods, 3);
        npu_err("%s.method: unknown method '%s'%s%s%s (grid, random, lhs)", where, method, c ? " (did you mean '" : "",
                c ? c : "", c ? "'?)" : "");
        return -1;
    }
    s->sample = (sample_kind)k;
    if (k != SAMPLE_GRID && !(n >= 1)) {
        npu_err("%s: method %s needs \"n\", the number of points", where, method);
        return -1;
    }
    if (n != floor(n) || n > 1e12 || seed != floor(seed) || seed > 9e15) {
        npu_err("%s: \"n\" and \"seed\" must be whole numbers (n at most 1e12)", where);
        return -1;
    }
    if (k == SAMPLE_GRID && n > 0) {
        npu_err("%s: \"n\" goes with method random or lhs (a grid has every point)", where);
        return -1;
    }
    *n_req = (long)n;
    s->seed = (uint64_t)seed;
    return 0;
}

static int read_tco(npu_sweep *s, const cJSON *t, const cJSON *e) {
    char where[300];
    snprintf(where, sizeof where, "%s: tco", s->origin);
    npu_tco_cfg_default(&s->tco);
    npu_econ_cfg_default(&s->econ);
    s->price = PRICE_UNIT_COST;
    if (t) {
        static const char *const keys[] = {"price", "margin", "server_overhead", "host_power_frac", "pue",
                                           "usd_per_kwh", "lifetime_years", NULL};
        if (npu_json_check_keys(t, keys, where) || npu_json_num(t, "margin", &s->tco.margin, false, 0.01, where) ||
            npu_json_num(t, "server_overhead", &s->tco.server_overhead, false, 0, where) ||
            npu_json_num(t, "host_power_frac", &s->tco.host_power_frac, false, 0, where) ||
            npu_json_num(t, "pue", &s->tco.pue, false, 1, where) ||
            npu_json_num(t, "usd_per_kwh", &s->tco.usd_per_kwh, false, 0, where) ||
            npu_json_num(t, "lifetime_years", &s->tco.lifetime_years, false, 0.01, where))
            return -1;
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(t, "price");
        if (cJSON_IsNumber(p) && p->valuedouble > 0) s->price = PRICE_FIXED, s->fixed_price = p->valuedouble;
        else if (cJSON_IsString(p) && strcmp(p->valuestring, "unit_cost") == 0) s->price = PRICE_UNIT_COST;
        else if (cJSON_IsString(p) && strcmp(p->valuestring, "preset") == 0) s->price = PRICE_PRESET;
        else if (p) {
            npu_err("%s.price: \"unit_cost\" (unit cost x margin), \"preset\" (the chip's price when unedited) or a "
                    "positive number of USD", where);
            return -1;
        }
    }
    if (e) {
        snprintf(where, sizeof where, "%s: econ", s->origin);
        static const char *const keys[] = {"volume", "nre_usd", "estimate_area", NULL};
        if (npu_json_check_keys(e, keys, where) || npu_json_num(e, "volume", &s->econ.volume, false, 1, where) ||
            npu_json_num(e, "nre_usd", &s->econ.nre_usd, false, 0, where) ||
            npu_json_bool(e, "estimate_area", &s->econ.estimate_area, false, where))
            return -1;
    }
    return 0;
}

static void add_col(npu_sweep *s, const char *name, col_kind k, int idx, npu_sweep_ctype t) {
    for (int i = 0; i < s->n_cols; i++)
        if (strcmp(s->cols[i].name, name) == 0) return; /* first one wins (axis over workload/plan column) */
    column *c = &s->cols[s->n_cols++];
    memset(c, 0, sizeof *c);
    npu_strlcpy(c->name, name, sizeof c->name);
    c->kind = k, c->idx = idx, c->type = t;
}

static void build_columns(npu_sweep *s) {
    add_col(s, "id", CK_ID, 0, NPU_SC_INT);
    add_col(s, "point", CK_POINT, 0, NPU_SC_INT);
    for (int j = 0; j < s->n_ax; j++) {
        const npu_ov *o = &s->ax[j].tmpl;
        npu_sweep_ctype t = npu_ov_is_numeric(o) ? (npu_ov_is_integer(o) ? NPU_SC_INT : NPU_SC_REAL)
                            : npu_ov_is_integer(o) ? NPU_SC_ANY : NPU_SC_TEXT;
        char name[128];
        npu_strlcpy(name, npu_ov_path(o), sizeof name);
        char *eq = strchr(name, '=');
        if (eq) *eq = '\0';
        add_col(s, name, CK_AXIS, j, t);
    }
    add_col(s, "workload", CK_WORKLOAD, 0, NPU_SC_INT);
    for (int f = 0; f < npu_ov_path_count() && f < 256; f++) {
        const char *p = npu_ov_path_at(f, NULL);
        if (!s->wl_key_used[f] && strcmp(p, "workload.phase") != 0) continue;
        npu_ov o;
        if (npu_ov_resolve(p, &o)) continue;
        int before = s->n_cols;
        add_col(s, p, CK_WLFIELD, 0, npu_ov_is_numeric(&o) ? (npu_ov_is_integer(&o) ? NPU_SC_INT : NPU_SC_REAL)
                                     : npu_ov_is_integer(&o) ? NPU_SC_ANY : NPU_SC_TEXT);
        if (s->n_cols > before) s->cols[s->n_cols - 1].ov = o;
        if (strcmp(p, "workload.rate") == 0 && s->n_cols > before) s->cols[s->n_cols - 1].type = NPU_SC_ANY;
    }
    static const char *const pn[5] = {"plan.tp", "plan.pp", "plan.ep", "plan.dp", "plan.cp"};
    for (int i = 0; i < 5; i++) add_col(s, pn[i], CK_PLAN, i, NPU_SC_INT);
    for (int m = 0; m < NPU_SM_COUNT; m++)
        if (m != NPU_SM_FITS)
            add_col(s, npu_sweep_metric_names[m], CK_METRIC, m,
                    m == NPU_SM_BATCH || m == NPU_SM_CHIPS || m == NPU_SM_REJECTED ? NPU_SC_INT : NPU_SC_REAL);
    add_col(s, "fits", CK_METRIC, NPU_SM_FITS, NPU_SC_INT);
    add_col(s, "feasible", CK_FEASIBLE, 0, NPU_SC_INT);
    add_col(s, "reason", CK_REASON, 0, NPU_SC_TEXT);
    add_col(s, "pareto", CK_PARETO, 0, NPU_SC_INT);
}

static void lhs_perms(npu_sweep *s) {
    for (int j = 0; j < s->n_ax; j++) {
        axis *a = &s->ax[j];
        a->perm = malloc((size_t)s->n_points * sizeof *a->perm);
        if (!a->perm) continue;
        for (long i = 0; i < s->n_points; i++) a->perm[i] = (int)i;
        npu_rng r;
        npu_rng_seed(&r, s->seed * 1000003u + (uint64_t)j + 1);
        for (long i = s->n_points - 1; i > 0; i--) {
            long k = (long)(npu_rng_next(&r) % (uint64_t)(i + 1));
            int t = a->perm[i];
            a->perm[i] = a->perm[k], a->perm[k] = t;
        }
    }
}

int npu_sweep_from_json(const cJSON *spec, const char *origin, npu_sweep **out) {
    *out = NULL;
    npu_memtech_count(); /* the library table loads once, before any thread */
    static const char *const keys[] = {"name", "description", "base", "axes", "workloads", "plans", "objectives",
                                       "constraints", "sample", "tco", "econ", NULL};
    if (npu_json_check_keys(spec, keys, origin)) return -1;
    npu_sweep *s = calloc(1, sizeof *s);
    if (!s) {
        npu_err("%s: out of memory", origin);
        return -1;
    }
    npu_strlcpy(s->origin, origin, sizeof s->origin);
    npu_ov wl_sets[128];
    int n_wl_sets = 0;
    long n_req = 0;
    const cJSON *axes = cJSON_GetObjectItemCaseSensitive(spec, "axes");
    if (read_sample(s, cJSON_GetObjectItemCaseSensitive(spec, "sample"), &n_req) ||
        read_base(s, cJSON_GetObjectItemCaseSensitive(spec, "base"), wl_sets, &n_wl_sets) ||
        read_plans(s, cJSON_GetObjectItemCaseSensitive(spec, "plans")) ||
        read_workloads(s, cJSON_GetObjectItemCaseSensitive(spec, "workloads"), wl_sets, n_wl_sets) ||
        read_objectives(s, cJSON_GetObjectItemCaseSensitive(spec, "objectives")) ||
        read_constraints(s, cJSON_GetObjectItemCaseSensitive(spec, "constraints")) ||
        read_tco(s, cJSON_GetObjectItemCaseSensitive(spec, "tco"), cJSON_GetObjectItemCaseSensitive(spec, "econ")))
        goto fail;
    if (axes && !cJSON_IsObject(axes)) {
        npu_err("%s: axes: an object of path -> values", origin);
        goto fail;
    }
    const cJSON *it;
    if (axes) {
        cJSON_ArrayForEach(it, axes) if (read_axis(s, it, s->sample != SAMPLE_GRID)) goto fail;
    }
    for (int j = 0; j < s->n_ax; j++) {
        npu_ov_domain d = npu_ov_domain_of(&s->ax[j].tmpl);
        if (d == NPU_OV_PLAN && s->auto_plan) {
            npu_err("%s: axes.%s: plan axes need explicit plans, not \"auto\"", origin, s->ax[j].tmpl.f ? npu_ov_path(&s->ax[j].tmpl) : "");
            goto fail;
        }
    }
    /* each workload, with the first value of each workload axis, must be complete */
    for (int w = 0; w < s->n_wl; w++) {
        npu_wl wl = s->wl[w];
        npu_ov first[MAX_AXES];
        int nf = 0;
        for (int j = 0; j < s->n_ax; j++)
            if (npu_ov_domain_of(&s->ax[j].tmpl) == NPU_OV_WORKLOAD && s->ax[j].n > 0) first[nf++] = s->ax[j].ovs[0];
        npu_ov_target t = {.wl = &wl};
        char wh[320];
        snprintf(wh, sizeof wh, "%s: workloads[%d]", origin, w);
        if ((nf && npu_ov_apply(first, nf, &t)) || npu_wl_check(&wl, s->auto_plan, wh)) {
            if (nf) {
                char m[600];
                npu_strlcpy(m, npu_errmsg(), sizeof m);
                if (!strstr(m, wh)) npu_err("%s: %s", wh, m);
            }
            goto fail;
        }
        if (s->auto_plan && wl.chips <= 0) {
            npu_err("%s: plans \"auto\" needs 'chips' (the chips the planner deploys on)", wh);
            goto fail;
        }
    }
    /* numbering: design axes outermost */
    for (int j = 0; j < s->n_ax; j++)
        if (s->ax[j].design) s->order[s->n_design++] = j;
    int k = s->n_design;
    for (int j = 0; j < s->n_ax; j++)
        if (!s->ax[j].design) s->order[k++] = j;
    if (s->sample == SAMPLE_GRID) {
        double total = 1;
        for (int i = s->n_ax - 1; i >= 0; i--) {
            s->stride[s->order[i]] = (long)total;
            total *= s->ax[s->order[i]].n;
        }
        if (total * npu_sweep_rows_per_point(s) > 1e10) {
            npu_err("%s: %.3g points x %d rows: at most 1e10 rows; sample the space (\"sample\": {\"method\": \"lhs\", "
                    "\"n\": N})", origin, total, npu_sweep_rows_per_point(s));
            goto fail;
        }
        s->n_points = (long)total;
    } else {
        s->n_points = n_req;
        if ((double)n_req * npu_sweep_rows_per_point(s) > 1e10) {
            npu_err("%s: sample: %ld points x %d rows: at most 1e10 rows", origin, n_req, npu_sweep_rows_per_point(s));
            goto fail;
        }
        if (s->sample == SAMPLE_LHS) {
            if (s->n_points > 100000000) {
                npu_err("%s: sample: at most 1e8 Latin-hypercube points", origin);
                goto fail;
            }
            lhs_perms(s);
        }
    }
    for (int i = 0; i < s->n_obj; i++) s->cost_needed |= is_cost_metric(s->obj_metric[i]);
    for (int i = 0; i < s->n_cons; i++) s->cost_needed |= is_cost_metric(s->cons[i].metric);
    build_columns(s);
    s->spec_text = cJSON_PrintUnformatted(spec);
    if (!s->spec_text) {
        npu_err("%s: out of memory", origin);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    npu_sweep_free(s);
    return -1;
}

int npu_sweep_load(const char *path, npu_sweep **out) {
    *out = NULL;
    char *text = npu_read_file(path, NULL);
    if (!text) return -1;
    cJSON *root = npu_json_parse(text, path);
    free(text);
    if (!root) return -1;
    int rc = npu_sweep_from_json(root, path, out);
    cJSON_Delete(root);
    return rc;
}

/* ---------------------------------------------------------------- points */

static uint64_t mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* uniform in [0, 1), a pure function of (seed, point, axis) */
static double hash01(uint64_t seed, long p, int j) {
    uint64_t z = mix64(seed ^ mix64((uint64_t)p * 0x100000001b3ull + (uint64_t)j));
    return (double)(z >> 11) * 0x1.0p-53;
}

/* vals[j]: value index for discrete axes, the value for continuous ones */
static void decode_point(const npu_sweep *s, long p, double *vals) {
    for (int j = 0; j < s->n_ax; j++) {
        const axis *a = &s->ax[j];
        if (s->sample == SAMPLE_GRID) {
            vals[j] = (double)((p / s->stride[j]) % a->n);
            continue;
        }
        double u = hash01(s->seed, p, j);
        if (s->sample == SAMPLE_LHS && a->perm) u = (a->perm[p] + u) / (double)s->n_points;
        if (a->n > 0) {
            long k = (long)(u * a->n);
            vals[j] = (double)(k < a->n ? k : a->n - 1);
        } else {
            double v = a->log ? a->lo * pow(a->hi / a->lo, u) : a->lo + u * (a->hi - a->lo);
            if (npu_ov_is_integer(&a->tmpl)) v = round(v);
            vals[j] = v;
        }
    }
}

/* The edit of axis j at a decoded value (tmp: scratch for continuous axes). */
static const npu_ov *axis_edit(const npu_sweep *s, int j, double v, npu_ov *tmp) {
    const axis *a = &s->ax[j];
    if (a->n > 0) return &a->ovs[(long)v];
    *tmp = a->tmpl;
    npu_ov_set_num(tmp, v);
    return tmp;
}

void npu_sweep_point_label(const npu_sweep *s, long point, char *buf, size_t cap) {
    double vals[MAX_AXES];
    decode_point(s, point, vals);
    size_t k = 0;
    buf[0] = '\0';
    for (int j = 0; j < s->n_ax && k < cap; j++) {
        npu_ov tmp;
        const npu_ov *o = axis_edit(s, j, vals[j], &tmp);
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", j ? ", " : "", o->text);
    }
}

/* ---------------------------------------------------------------- evaluation */

struct npu_sweep_ctx {
    bool have;
    double key[MAX_AXES];
    npu_hw hw;
    npu_model model;
    npu_engine engine;
    char err[238];      /* the design's edits failed */
    char cost_err[238]; /* the design cannot be costed */
    bool reticle_bad;
    double die_mm2, unit_cost, price;
    /* disagg prefill chip, cached by name */
    char phw_name[128];
    npu_hw phw;
    double pprice;
    char perr[238];
    npu_run_result *rr;
    npu_plan_eval *pe;
    char proc_node[32];        /* the last process looked up, by name */
    const npu_process *proc;
    npu_ov edits[MAX_AXES + MAX_BASE_SETS];
    npu_ov tmp[MAX_AXES];
    /* engine "auto": the profiles loaded, by name (a sweep over chips meets a few) */
    int n_eng;
    char eng_name[4][48];
    npu_engine eng[4];
};

npu_sweep_ctx *npu_sweep_ctx_new(const npu_sweep *s) {
    (void)s;
    npu_sweep_ctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->rr = malloc(sizeof *c->rr);
    c->pe = s && s->auto_plan ? malloc(PLAN_MAX * sizeof *c->pe) : NULL;
    if (!c->rr || (s && s->auto_plan && !c->pe)) {
        npu_sweep_ctx_free(c);
        return NULL;
    }
    return c;
}

void npu_sweep_ctx_free(npu_sweep_ctx *c) {
    if (!c) return;
    free(c->rr), free(c->pe), free(c);
}

static void set_reason(char *dst, size_t cap, const char *msg) {
    npu_strlcpy(dst, msg, cap);
    /* one line: no newlines inside a CSV cell */
    for (char *p = dst; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
}

/* Unit cost and price of a finished chip. price NAN when none. */
static void cost_chip(const npu_sweep *s, npu_sweep_ctx *c, const npu_hw *hw, double *die_mm2, double *unit_cost,
                      double *price, char *err, size_t cap, bool *reticle_bad) {
    *die_mm2 = *unit_cost = *price = NAN;
    err[0] = '\0';
    if (reticle_bad) *reticle_bad = false;
    if (!c->proc || strcmp(c->proc_node, hw->process_node) != 0) { /* the name lookup is not cheap */
        c->proc = npu_process_lookup(hw->process_node);
        npu_strlcpy(c->proc_node, hw->process_node, sizeof c->proc_node);
    }
    const npu_process *p = c->proc;
    npu_unit_cost u;
    if (!p) {
        npu_process tmp;
        npu_process_of_hw(hw->process_node, &tmp); /* the error naming the closest process */
        set_reason(err, cap, npu_errmsg());
    } else if (npu_econ_unit_cost(hw, p, &s->econ, &u) == 0) {
        *die_mm2 = u.die_area_mm2;
        *unit_cost = u.unit_cost_usd;
    } else {
        set_reason(err, cap, npu_errmsg());
        /* the die it would have (the same rule), to report it and tell a reticle breach */
        npu_process big = *p;
        big.reticle_mm2 = 1e5;
        if (npu_econ_unit_cost(hw, &big, &s->econ, &u) == 0) {
            *die_mm2 = u.die_area_mm2;
            if (reticle_bad && *die_mm2 > p->reticle_mm2) *reticle_bad = true;
        }
    }
    if (s->price == PRICE_FIXED) *price = s->fixed_price;
    else if (s->price == PRICE_PRESET && hw->price_usd > 0) *price = hw->price_usd;
    else if (isfinite(*unit_cost)) *price = *unit_cost * s->tco.margin;
}

/* The engine profile `name`, loaded once per context. */
static int engine_cached(npu_sweep_ctx *c, const char *name, npu_engine *out) {
    for (int i = 0; c && i < c->n_eng; i++)
        if (strcmp(c->eng_name[i], name) == 0) {
            *out = c->eng[i];
            return 0;
        }
    if (npu_engine_load(name, out)) return -1;
    if (c) {
        int i = c->n_eng < 4 ? c->n_eng++ : 3;
        npu_strlcpy(c->eng_name[i], name, sizeof c->eng_name[i]);
        c->eng[i] = *out;
    }
    return 0;
}

/* A design's edits. With engine "auto" and no whole-engine edit, the engine is
 * the edited chip's usual one (npu_engine_default_for), then the engine edits:
 * the hardware and model edits first, as npu_ov_apply orders them. */
static int design_apply(const npu_sweep *s, npu_sweep_ctx *c, const npu_ov *o, int n, npu_ov_target *t) {
    bool whole = false;
    for (int i = 0; i < n; i++) whole |= npu_ov_domain_of(&o[i]) == NPU_OV_ENGINE && npu_ov_is_whole(&o[i]);
    if (!s->engine_auto || whole) return n ? npu_ov_apply(o, n, t) : 0;
    npu_ov hm[MAX_AXES + MAX_BASE_SETS], en[MAX_AXES + MAX_BASE_SETS];
    int a = 0, b = 0;
    for (int i = 0; i < n; i++) {
        if (npu_ov_domain_of(&o[i]) == NPU_OV_ENGINE) en[b++] = o[i];
        else hm[a++] = o[i];
    }
    if (a && npu_ov_apply(hm, a, t)) return -1;
    const char *name = npu_engine_default_for(t->hw);
    if (strcmp(name, s->engine0.asked) != 0 && engine_cached(c, name, t->engine)) return -1;
    return b ? npu_ov_apply(en, b, t) : 0;
}

static void build_design(const npu_sweep *s, npu_sweep_ctx *c, const double *vals) {
    c->have = true;
    for (int i = 0; i < s->n_design; i++) c->key[i] = vals[s->order[i]];
    c->hw = s->hw0;
    c->model = s->model0;
    c->engine = s->engine0;
    c->err[0] = c->cost_err[0] = '\0';
    c->reticle_bad = false;
    c->die_mm2 = c->unit_cost = c->price = NAN;
    int n = 0;
    for (int i = 0; i < s->n_base_design; i++) c->edits[n++] = s->base_design[i];
    for (int i = 0; i < s->n_design; i++) {
        int j = s->order[i];
        c->edits[n++] = *axis_edit(s, j, vals[j], &c->tmp[i]);
    }
    npu_ov_target t = {&c->hw, &c->model, &c->engine, NULL, NULL};
    if (design_apply(s, c, c->edits, n, &t)) {
        set_reason(c->err, sizeof c->err, npu_errmsg());
        return;
    }
    cost_chip(s, c, &c->hw, &c->die_mm2, &c->unit_cost, &c->price, c->cost_err, sizeof c->cost_err, &c->reticle_bad);
}

static double usd_per_hour_chip(const npu_sweep *s, const npu_hw *hw, double price, double power_w) {
    if (!isfinite(price) || !isfinite(power_w)) return NAN;
    npu_tco_cfg t = s->tco;
    t.chip_price_usd = price;
    npu_tco out;
    if (npu_tco_usd_per_hour(hw, &t, power_w, &out)) return NAN;
    return out.usd_per_hour;
}

static int prefill_chip(const npu_sweep *s, npu_sweep_ctx *c, const char *name, const npu_hw **hw, double *price) {
    if (strcmp(c->phw_name, name) != 0) {
        npu_strlcpy(c->phw_name, name, sizeof c->phw_name);
        c->perr[0] = '\0';
        if (npu_hw_load(name, &c->phw)) {
            snprintf(c->perr, sizeof c->perr, "workload.prefill_hw: %s", npu_errmsg());
        } else {
            double die, uc;
            char err[238];
            cost_chip(s, c, &c->phw, &die, &uc, &c->pprice, err, sizeof err, NULL);
        }
    }
    if (c->perr[0]) {
        npu_err("%s", c->perr);
        return -1;
    }
    *hw = &c->phw, *price = c->pprice;
    return 0;
}

/* mean of a length distribution (for the planner's fixed lengths) */
static long dist_mean(const char *spec, long fixed) {
    if (fixed > 0) return fixed;
    npu_dist d;
    if (npu_dist_parse(spec, 1, "length", &d)) return 0;
    double m = 0;
    switch (d.kind) {
    case NPU_DIST_FIXED: m = d.a; break;
    case NPU_DIST_UNIFORM: m = (d.a + d.b) / 2; break;
    case NPU_DIST_NORMAL: m = d.a; break;
    case NPU_DIST_LOGNORMAL: m = exp(d.a + d.b * d.b / 2); break;
    case NPU_DIST_FILE:
        for (size_t i = 0; i < d.n_samples; i++) m += (double)d.samples[i];
        m = d.n_samples ? m / (double)d.n_samples : 0;
        break;
    }
    npu_dist_free(&d);
    return (long)llround(m);
}

/* plans "auto": the planner's best feasible plan; batch in *batch */
static int auto_plan(const npu_sweep *s, npu_sweep_ctx *c, const npu_wl *w, npu_plan *plan, int *batch) {
    (void)s;
    npu_planner_cfg pc = {.chips = w->chips, .stack = w->stack, .wdt = w->wdt, .adt = w->adt, .kvdt = w->kvdt,
                          .moe_skew = w->moe_skew, .max_ttft_s = w->slo_ttft_ms * 1e-3,
                          .max_tpot_s = w->slo_tpot_ms * 1e-3, .engine = &c->engine};
    switch (w->phase) {
    case NPU_RUN_PREFILL: pc.input = w->seq, pc.output = w->output > 0 ? w->output : 128; break;
    case NPU_RUN_DECODE: pc.input = w->ctx, pc.output = w->output > 0 ? w->output : 128; break;
    default: pc.input = dist_mean(w->input_spec, w->input), pc.output = dist_mean(w->output_spec, w->output);
    }
    if (pc.output < 1) pc.output = 1;
    npu_planner_result pr;
    if (npu_planner_run(&c->model, &c->hw, &pc, c->pe, PLAN_MAX, &pr)) return -1;
    int n = pr.n;
    if (n == 0 || !c->pe[0].feasible) {
        npu_err("no feasible plan on %d chips%s%s", w->chips, n ? ": " : "", n ? c->pe[0].why : "");
        return -1;
    }
    *plan = c->pe[0].plan;
    *batch = c->pe[0].batch;
    return 0;
}

/* The workload's LM head / embedding datatypes and speculative decoding, from
 * their text (the same syntax as --lm-head-dtype, --emb-dtype, --spec and
 * --spec-accept). -1 + npu_err. */
static int wl_extras(const npu_wl *w, npu_dtype_opt *hdt, npu_dtype_opt *edt, npu_spec *spec) {
    *hdt = (npu_dtype_opt){0}, *edt = (npu_dtype_opt){0};
    memset(spec, 0, sizeof *spec);
    if (w->lm_head_dtype[0]) {
        if (npu_dtype_parse(w->lm_head_dtype, &hdt->t)) return -1;
        hdt->set = true;
    }
    if (w->emb_dtype[0]) {
        if (npu_dtype_parse(w->emb_dtype, &edt->t)) return -1;
        edt->set = true;
    }
    if (w->spec[0] && npu_spec_parse(w->spec, spec)) return -1;
    /* an acceptance without a speculation method is ignored: a sweep's "spec" axis may
     * hold "" (none) beside methods that share one workload's acceptance */
    if (w->spec[0] && w->spec_accept[0] && npu_spec_accept(spec, w->spec_accept)) return -1;
    return spec->kind != NPU_SPEC_NONE ? npu_spec_check(spec) : 0;
}

static void eval_run(const npu_sweep *s, npu_sweep_ctx *c, const npu_wl *w, npu_plan plan, npu_sweep_row *r) {
    npu_run_cfg rc = {.phase = (npu_run_phase)w->phase, .batch = w->batch, .seq = w->seq, .ctx = w->ctx,
                      .input = w->input, .output = w->output, .stack = w->stack, .wdt = w->wdt, .adt = w->adt,
                      .kvdt = w->kvdt, .moe_skew = w->moe_skew, .engine = &c->engine};
    npu_spec spec;
    if (wl_extras(w, &rc.hdt, &rc.edt, &spec)) {
        set_reason(r->reason, sizeof r->reason, npu_errmsg());
        return;
    }
    if (s->auto_plan) {
        int b = 0;
        if (auto_plan(s, c, w, &plan, &b)) {
            set_reason(r->reason, sizeof r->reason, npu_errmsg());
            return;
        }
        if (rc.batch <= 0 && rc.phase != NPU_RUN_OFFLINE) rc.batch = b;
    }
    plan = npu_plan_norm(plan);
    r->used = plan;
    rc.plan = plan;
    if (npu_plan_check(&c->model, plan)) {
        set_reason(r->reason, sizeof r->reason, npu_errmsg());
        return;
    }
    npu_run_result *x = c->rr;
    if (npu_spec_run(&c->model, &c->hw, &rc, &spec, x)) {
        set_reason(r->reason, sizeof r->reason, npu_errmsg());
        npu_run_cfg one = rc;
        if (one.batch <= 0) one.batch = 1;
        npu_mem_need need = npu_run_mem_need(&one);
        npu_mem_plan mp;
        /* KV as the engine's allocator holds a windowed model (npu_step does the same) */
        npu_model km = rc.engine ? npu_engine_kv_model(rc.engine, &c->model) : c->model;
        r->m[NPU_SM_FITS] = npu_mem_plan_make(&km, &c->hw, plan, &need, &mp) == 0;
        r->m[NPU_SM_MEM_GB] = mp.total_B / 1e9;
        return;
    }
    int dp = plan.dp;
    r->m[NPU_SM_FITS] = 1;
    r->m[NPU_SM_BATCH] = x->batch;
    r->m[NPU_SM_CHIPS] = (double)x->chips * dp;
    r->m[NPU_SM_LATENCY_MS] = x->latency_s * 1e3;
    if (rc.phase != NPU_RUN_DECODE) r->m[NPU_SM_TTFT_MS] = r->m[NPU_SM_TTFT_P99_MS] = x->ttft_s * 1e3;
    if (rc.phase != NPU_RUN_PREFILL && x->tpot_s > 0) r->m[NPU_SM_TPOT_MS] = r->m[NPU_SM_TPOT_P99_MS] = x->tpot_s * 1e3;
    r->m[NPU_SM_TOKENS_PER_S] = x->tokens_per_s * dp;
    r->m[NPU_SM_TOKENS_PER_S_PER_CHIP] = x->tokens_per_s / x->chips;
    r->m[NPU_SM_POWER_W] = x->power_w;
    r->m[NPU_SM_ENERGY_J_PER_TOKEN] = x->energy_j_per_token;
    r->m[NPU_SM_MEM_GB] = x->mem.total_B / 1e9;
    double per_chip = usd_per_hour_chip(s, &c->hw, c->price, x->power_w);
    r->m[NPU_SM_USD_PER_HOUR] = per_chip * r->m[NPU_SM_CHIPS];
    if (isfinite(per_chip)) r->m[NPU_SM_USD_PER_MTOK] = npu_tco_usd_per_mtok(per_chip, x->chips * dp, x->tokens_per_s * dp);
}

static void eval_serve(const npu_sweep *s, npu_sweep_ctx *c, const npu_wl *w, npu_plan plan, npu_sweep_row *r) {
    npu_serve_cfg sc;
    npu_serve_defaults(&sc);
    npu_serve_use_engine(&sc, &c->engine); /* its scheduler and limits; the workload's fields override */
    if (s->auto_plan) {
        int b;
        if (auto_plan(s, c, w, &plan, &b)) {
            set_reason(r->reason, sizeof r->reason, npu_errmsg());
            return;
        }
    }
    plan = npu_plan_norm(plan);
    r->used = plan;
    if (npu_plan_check(&c->model, plan)) {
        set_reason(r->reason, sizeof r->reason, npu_errmsg());
        return;
    }
    if ((int)w->sched >= 0) sc.sched = w->sched;
    if (w->max_seqs > 0) sc.max_seqs = w->max_seqs;
    if (w->max_batched_tokens > 0) sc.max_batched_tokens = w->max_batched_tokens;
    if (w->chunk > 0) sc.chunk = w->chunk;
    if (w->block_size > 0) sc.block_size = w->block_size;
    sc.route = w->route, sc.kv_mem_frac = w->kv_mem_frac;
    sc.prefix_share = w->prefix_share, sc.step_overhead_s = w->step_overhead_us * 1e-6;
    sc.requests = w->requests, sc.seed = (uint64_t)w->seed;
    sc.slo_ttft_s = w->slo_ttft_ms * 1e-3, sc.slo_tpot_s = w->slo_tpot_ms * 1e-3;
    npu_step_cfg step = {.stack = w->stack, .wdt = w->wdt, .adt = w->adt, .kvdt = w->kvdt, .moe_skew = w->moe_skew,
                         .plan = {plan.tp, plan.pp, plan.ep, 1, plan.cp}};
    if (wl_extras(w, &step.hdt, &step.edt, &sc.spec)) {
        set_reason(r->reason, sizeof r->reason, npu_errmsg());
        return;
    }
    sc.pool = (npu_pool){.model = &c->model, .hw = &c->hw, .step = step, .replicas = w->replicas * plan.dp};
    const npu_hw *phw = &c->hw;
    double pprice = c->price;
    bool disagg = sc.sched == NPU_SCHED_DISAGG;
    if (disagg) {
        if (w->prefill_hw[0] && prefill_chip(s, c, w->prefill_hw, &phw, &pprice)) {
            set_reason(r->reason, sizeof r->reason, npu_errmsg());
            return;
        }
        npu_step_cfg ps = step;
        if (w->prefill_tp > 0) ps.plan.tp = w->prefill_tp;
        sc.prefill = (npu_pool){.model = &c->model, .hw = phw, .step = ps, .replicas = w->prefill_replicas};
    }
    sc.wl.arrival = w->concurrency > 0 ? NPU_ARRIVE_CLOSED : w->arrival;
    sc.wl.rate_rps = w->rate_rps, sc.wl.burstiness_cv = w->burstiness_cv, sc.wl.concurrency = w->concurrency;
    if (w->max_rate) sc.wl.arrival = NPU_ARRIVE_POISSON, sc.wl.rate_rps = 1;
    char in[32], out[32];
    snprintf(in, sizeof in, "%ld", w->input), snprintf(out, sizeof out, "%ld", w->output);
    if (npu_dist_parse(w->input > 0 ? in : w->input_spec, 1, "workload.input", &sc.wl.input)) {
        set_reason(r->reason, sizeof r->reason, npu_errmsg());
        return;
    }
    if (npu_dist_parse(w->output > 0 ? out : w->output_spec, 0, "workload.output", &sc.wl.output)) {
        set_reason(r->reason, sizeof r->reason, npu_errmsg());
        npu_dist_free(&sc.wl.input);
        return;
    }
    /* as the simulator sizes its caches: room for one step of its token budget */
    long budget = sc.sched == NPU_SCHED_CHUNKED ? sc.chunk : sc.max_batched_tokens, tok;
    bool fits = npu_serve_kv_capacity(&sc.pool, sc.kv_mem_frac, (double)budget, 1, &tok) == 0 &&
                (!disagg || npu_serve_kv_capacity(&sc.prefill, sc.kv_mem_frac, (double)budget, 1, &tok) == 0);
    r->m[NPU_SM_FITS] = fits;
    npu_serve_result x = {0};
    double rate = w->rate_rps;
    int rc = !fits ? -1 : w->max_rate ? npu_serve_find_max_rate(&sc, &rate, &x) : npu_serve_run(&sc, &x);
    npu_dist_free(&sc.wl.input), npu_dist_free(&sc.wl.output);
    if (rc) {
        set_reason(r->reason, sizeof r->reason, npu_errmsg());
        npu_serve_result_free(&x);
        return;
    }
    r->m[NPU_SM_REJECTED] = (double)x.rejected; /* a property of the traffic as much as of the design: a column */
    if (x.requests == 0) { /* nothing measured: no latency of 0 ms, no feasible point */
        char why[300];
        snprintf(why, sizeof why, "no request completed (%ld rejected%s%s)", x.rejected, x.rejected ? ": " : "",
                 x.rejected ? x.reject_reason : "");
        set_reason(r->reason, sizeof r->reason, why);
        npu_serve_result_free(&x);
        return;
    }
    r->m[NPU_SM_CHIPS] = x.chips;
    r->m[NPU_SM_LATENCY_MS] = x.e2e.mean * 1e3;
    r->m[NPU_SM_TTFT_MS] = x.ttft.mean * 1e3;
    r->m[NPU_SM_TTFT_P99_MS] = x.ttft.p99 * 1e3;
    if (x.tpot_n > 0) r->m[NPU_SM_TPOT_MS] = x.tpot.mean * 1e3, r->m[NPU_SM_TPOT_P99_MS] = x.tpot.p99 * 1e3;
    r->m[NPU_SM_TOKENS_PER_S] = x.throughput_tok_s;
    r->m[NPU_SM_TOKENS_PER_S_PER_CHIP] = x.chips ? x.throughput_tok_s / x.chips : NAN;
    r->m[NPU_SM_POWER_W] = x.power_w;
    r->m[NPU_SM_ENERGY_J_PER_TOKEN] = x.tokens_out ? x.energy_j / (double)x.tokens_out : NAN;
    r->m[NPU_SM_RATE_RPS] = sc.wl.arrival == NPU_ARRIVE_POISSON || sc.wl.arrival == NPU_ARRIVE_GAMMA || w->max_rate ? rate : NAN;
    r->m[NPU_SM_GOODPUT_RPS] = x.goodput_req_s;
    /* $/hour: each pool's chips at their price and their own average power */
    double usd = 0;
    for (int pool = 0; pool < (disagg ? 2 : 1); pool++) {
        bool pf = disagg && pool == 0;
        double e = 0;
        int chips = 0;
        for (int i = 0; i < x.n_replicas; i++) {
            const npu_replica_use *u = &x.use[i];
            if (u->prefill_pool != pf) continue;
            double idle_s = x.duration_s - u->busy_s;
            e += u->energy_j + u->chips * u->idle_w * (idle_s > 0 ? idle_s : 0);
            chips += u->chips;
        }
        double pw = chips && x.duration_s > 0 ? e / (chips * x.duration_s) : 0;
        usd += chips * usd_per_hour_chip(s, pf ? phw : &c->hw, pf ? pprice : c->price, pw);
    }
    r->m[NPU_SM_USD_PER_HOUR] = usd;
    if (isfinite(usd) && x.throughput_tok_s > 0) r->m[NPU_SM_USD_PER_MTOK] = usd / (x.throughput_tok_s * 3600) * 1e6;
    npu_serve_result_free(&x);
}

static void judge(const npu_sweep *s, npu_sweep_row *r) {
    if (r->reason[0]) return;
    size_t k = 0;
    char *b = r->reason;
    size_t cap = sizeof r->reason;
    if (s->fits_req >= 0 && !(r->m[NPU_SM_FITS] == s->fits_req))
        k += (size_t)snprintf(b + k, cap - k, "violates fits = %s", s->fits_req ? "true" : "false");
    for (int i = 0; i < s->n_cons && k < cap; i++) {
        const constraint *c = &s->cons[i];
        double v = r->m[c->metric];
        if (isnan(v)) continue; /* not defined for this row: not applicable */
        const char *nm = npu_sweep_metric_names[c->metric];
        if (!isnan(c->max) && v > c->max)
            k += (size_t)snprintf(b + k, cap - k, "%sviolates %s <= %g (%.6g)", k ? "; " : "", nm, c->max, v);
        else if (!isnan(c->min) && v < c->min)
            k += (size_t)snprintf(b + k, cap - k, "%sviolates %s >= %g (%.6g)", k ? "; " : "", nm, c->min, v);
    }
    r->feasible = b[0] == '\0';
}

void npu_sweep_eval_point(const npu_sweep *s, npu_sweep_ctx *c, long p, npu_sweep_row *rows) {
    double vals[MAX_AXES];
    decode_point(s, p, vals);
    bool same = c->have;
    for (int i = 0; i < s->n_design && same; i++) same = c->key[i] == vals[s->order[i]];
    if (!same) build_design(s, c, vals);
    npu_ov wedits[MAX_AXES], wtmp[MAX_AXES];
    int nw = 0;
    for (int i = s->n_design; i < s->n_ax; i++) {
        int j = s->order[i];
        wedits[nw] = *axis_edit(s, j, vals[j], &wtmp[nw]);
        nw++;
    }
    int rpp = npu_sweep_rows_per_point(s);
    for (int w = 0; w < s->n_wl; w++) {
        for (int q = 0; q < s->n_plans; q++) {
            npu_sweep_row *r = &rows[w * s->n_plans + q];
            r->id = (int64_t)p * rpp + w * s->n_plans + q;
            r->point = p, r->workload = w, r->plan = q;
            r->used = s->plans[q];
            for (int m = 0; m < NPU_SM_COUNT; m++) r->m[m] = NAN;
            r->feasible = r->pareto = 0;
            r->reason[0] = '\0';
            if (c->err[0]) {
                set_reason(r->reason, sizeof r->reason, c->err);
                continue;
            }
            npu_wl wl = s->wl[w];
            npu_plan plan = s->plans[q];
            if (nw) {
                npu_ov_target t = {.wl = &wl, .plan = &plan};
                if (npu_ov_apply(wedits, nw, &t)) {
                    set_reason(r->reason, sizeof r->reason, npu_errmsg());
                    continue;
                }
            }
            r->used = npu_plan_norm(plan);
            r->m[NPU_SM_CAPACITY_GB] = c->hw.mem_bytes / 1e9;
            r->m[NPU_SM_MEM_BW_GBPS] = c->hw.mem_bw_Bps / 1e9;
            r->m[NPU_SM_PEAK_TFLOPS] = npu_hw_peak_flops(&c->hw, npu_hw_matrix_dtype(&c->hw, wl.adt)) / 1e12;
            r->m[NPU_SM_DIE_MM2] = c->die_mm2;
            r->m[NPU_SM_UNIT_COST_USD] = c->unit_cost;
            r->m[NPU_SM_CHIP_PRICE_USD] = c->price;
            if (npu_wl_kind_of(&wl) == NPU_WL_SERVE) eval_serve(s, c, &wl, plan, r);
            else eval_run(s, c, &wl, plan, r);
            if (!r->reason[0] && c->reticle_bad) set_reason(r->reason, sizeof r->reason, c->cost_err);
            if (!r->reason[0] && c->cost_err[0] && s->cost_needed)
                snprintf(r->reason, sizeof r->reason, "cannot cost the chip: %.200s", c->cost_err);
            for (int m = 0; m < NPU_SM_COUNT; m++)
                if (isinf(r->m[m])) r->m[m] = NAN; /* never print Inf */
            judge(s, r);
        }
    }
}

int npu_sweep_default_jobs(void) {
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
#endif
}

long npu_sweep_eval_block(const npu_sweep *s, npu_sweep_ctx **ctxs, int jobs, long first, long n,
                          const unsigned char *done, npu_sweep_row *rows) {
    int rpp = npu_sweep_rows_per_point(s);
    /* compact list of the points to do, so rows come out dense and in order */
    long *todo = malloc((size_t)(n > 0 ? n : 1) * sizeof *todo), m = 0;
    if (!todo) return -1;
    for (long i = 0; i < n; i++)
        if (!npu_sweep_bit(done, first + i)) todo[m++] = first + i;
    if (jobs < 1) jobs = 1;
#ifdef _OPENMP
    long chunk = m / ((long)jobs * 8);
    if (chunk < 1) chunk = 1;
#pragma omp parallel for num_threads(jobs) schedule(dynamic, chunk) if (jobs > 1)
    for (long i = 0; i < m; i++) npu_sweep_eval_point(s, ctxs[omp_get_thread_num()], todo[i], rows + i * rpp);
#else
    for (long i = 0; i < m; i++) npu_sweep_eval_point(s, ctxs[0], todo[i], rows + i * rpp);
#endif
    free(todo);
    return m * rpp;
}

/* Blocks are double-buffered: while the threads evaluate block b, one of them
 * hands block b-1 to the sink, so writing overlaps evaluation. */
int npu_sweep_run(const npu_sweep *s, const npu_sweep_opts *o, const npu_sweep_sink *sink) {
    int jobs = o && o->jobs > 0 ? o->jobs : npu_sweep_default_jobs();
    long block = o && o->block_points > 0 ? o->block_points : 0;
    int rpp = npu_sweep_rows_per_point(s);
    if (!block) {
        block = 16384 / rpp;
        if (block < 64) block = 64;
    }
    if (block > s->n_points) block = s->n_points > 0 ? s->n_points : 1;
    npu_sweep_ctx **ctx = calloc((size_t)jobs, sizeof *ctx);
    npu_sweep_row *buf[2] = {malloc((size_t)block * rpp * sizeof **buf), malloc((size_t)block * rpp * sizeof **buf)};
    long *todo = malloc((size_t)block * sizeof *todo);
    int rc = -1;
    if (!ctx || !buf[0] || !buf[1] || !todo) {
        npu_err("sweep: out of memory");
        goto out;
    }
    for (int i = 0; i < jobs; i++)
        if (!(ctx[i] = npu_sweep_ctx_new(s))) {
            npu_err("sweep: out of memory");
            goto out;
        }
    long total = s->n_points, done = 0, prev = 0; /* prev: rows of the previous block, in buf[1] */
    const unsigned char *skip = o ? o->done : NULL;
    for (long i = 0; i < total; i++) done += npu_sweep_bit(skip, i);
    int werr = 0;
    char wmsg[1024] = "";
    long nblocks = (total + block - 1) / block;
    for (long b = 0; b <= nblocks && !werr; b++) { /* the extra last pass writes the last block */
        long first = b * block, n = b == nblocks ? 0 : first + block <= total ? block : total - first, m = 0;
        for (long i = 0; i < n; i++)
            if (!npu_sweep_bit(skip, first + i)) todo[m++] = first + i;
        npu_sweep_row *cur = buf[0], *old = buf[1];
#ifdef _OPENMP
        long chunk = m / ((long)jobs * 8);
        if (chunk < 1) chunk = 1;
#pragma omp parallel num_threads(jobs) if (jobs > 1)
        {
#pragma omp single nowait
            if (prev && sink && sink->rows(sink->ctx, old, prev)) werr = 1, npu_strlcpy(wmsg, npu_errmsg(), sizeof wmsg);
#pragma omp for schedule(dynamic, chunk) nowait
            for (long i = 0; i < m; i++) npu_sweep_eval_point(s, ctx[omp_get_thread_num()], todo[i], cur + i * rpp);
        }
#else
        if (prev && sink && sink->rows(sink->ctx, old, prev)) werr = 1, npu_strlcpy(wmsg, npu_errmsg(), sizeof wmsg);
        for (long i = 0; i < m; i++) npu_sweep_eval_point(s, ctx[0], todo[i], cur + i * rpp);
#endif
        if (prev) {
            done += prev / rpp;
            if (o && o->progress && !werr) o->progress(o->progress_ctx, done, total);
        }
        buf[0] = old, buf[1] = cur, prev = m * rpp;
    }
    if (werr) {
        npu_err("%s", wmsg);
        goto out;
    }
    rc = 0;
out:
    if (ctx)
        for (int i = 0; i < jobs; i++) npu_sweep_ctx_free(ctx[i]);
    free(ctx), free(buf[0]), free(buf[1]), free(todo);
    return rc;
}

/* ---------------------------------------------------------------- rows out */

void npu_sweep_objective_vals(const npu_sweep *s, const npu_sweep_row *r, double *vals) {
    for (int k = 0; k < s->n_obj; k++) {
        double v = r->m[s->obj_metric[k]];
        vals[k] = s->obj_max[k] ? -v : v;
    }
}

bool npu_sweep_row_candidate(const npu_sweep *s, const npu_sweep_row *r) {
    if (!r->feasible) return false;
    for (int k = 0; k < s->n_obj; k++)
        if (!isfinite(r->m[s->obj_metric[k]])) return false;
    return true;
}

int npu_sweep_pareto_rows(const npu_sweep *s, npu_sweep_row *rows, long n) {
    int k = s->n_obj;
    size_t nn = (size_t)(n > 0 ? n : 1);
    double *v = calloc(nn * (size_t)k, sizeof *v);
    int *g = calloc(nn, sizeof *g);
    unsigned char *ok = calloc(nn, 1), *fr = calloc(nn, 1);
    int rc = -1;
    if (v && g && ok && fr) {
        for (long i = 0; i < n; i++) {
            npu_sweep_objective_vals(s, &rows[i], v + i * k);
            g[i] = rows[i].workload;
            ok[i] = npu_sweep_row_candidate(s, &rows[i]);
        }
        rc = npu_pareto_front(v, k, g, ok, n, fr);
        for (long i = 0; rc == 0 && i < n; i++) rows[i].pareto = fr[i];
    } else {
        npu_err("pareto: out of memory");
    }
    free(v), free(g), free(ok), free(fr);
    return rc;
}

struct npu_sweep_cells {
    npu_wl wl;
    npu_plan plan;
    char num_text[MAX_AXES][8];
    npu_ov tmp[MAX_AXES];
    long last_point;
    int last_wl, last_plan;
    double vals[MAX_AXES];
};

npu_sweep_cells *npu_sweep_cells_new(const npu_sweep *s) {
    (void)s;
    npu_sweep_cells *c = calloc(1, sizeof *c);
    if (c) c->last_point = -1;
    return c;
}
void npu_sweep_cells_free(npu_sweep_cells *c) { free(c); }

void npu_sweep_row_cells(const npu_sweep *s, const npu_sweep_row *r, npu_sweep_cells *sc, double *num,
                         const char **str) {
    if (sc->last_point != r->point || sc->last_wl != r->workload || sc->last_plan != r->plan) {
        if (sc->last_point != r->point) decode_point(s, r->point, sc->vals);
        sc->last_point = r->point, sc->last_wl = r->workload, sc->last_plan = r->plan;
        sc->wl = s->wl[r->workload];
        sc->plan = s->plans[r->plan];
        npu_ov e[MAX_AXES];
        int n = 0;
        for (int i = s->n_design; i < s->n_ax; i++) {
            int j = s->order[i];
            e[n++] = *axis_edit(s, j, sc->vals[j], &sc->tmp[j]);
        }
        npu_ov_target t = {.wl = &sc->wl, .plan = &sc->plan};
        if (n) npu_ov_apply(e, n, &t); /* a failing edit leaves what it could set; its row carries the reason */
    }
    for (int c = 0; c < s->n_cols; c++) {
        const column *col = &s->cols[c];
        num[c] = NAN, str[c] = NULL;
        switch (col->kind) {
        case CK_ID: num[c] = (double)r->id; break;
        case CK_POINT: num[c] = (double)r->point; break;
        case CK_AXIS: {
            const axis *a = &s->ax[col->idx];
            double v = sc->vals[col->idx];
            if (a->n > 0) {
                const npu_ov *o = &a->ovs[(long)v];
                if (o->is_str) str[c] = o->str;
                else num[c] = o->num;
            } else {
                num[c] = v;
            }
            break;
        }
        case CK_WORKLOAD: num[c] = r->workload; break;
        case CK_WLFIELD: {
            npu_ov_target t = {.wl = &sc->wl, .plan = &sc->plan};
            const char *sv = NULL;
            double nv;
            int k = npu_ov_get(&col->ov, &t, &nv, &sv, NULL, 0);
            if (k == 1) str[c] = sv;
            else if (k == 0) num[c] = nv;
            break;
        }
        case CK_PLAN: {
            const npu_plan *p = &r->used;
            int v[5] = {p->tp, p->pp, p->ep, p->dp, p->cp};
            num[c] = v[col->idx];
            break;
        }
        case CK_METRIC: num[c] = r->m[col->idx]; break;
        case CK_FEASIBLE: num[c] = r->feasible; break;
        case CK_REASON: str[c] = r->reason; break;
        case CK_PARETO: num[c] = r->pareto; break;
        }
    }
}

cJSON *npu_sweep_row_json(const npu_sweep *s, const npu_sweep_row *r, npu_sweep_cells *sc) {
    double num[MAX_COLS];
    const char *str[MAX_COLS];
    npu_sweep_row_cells(s, r, sc, num, str);
    cJSON *o = cJSON_CreateObject();
    for (int c = 0; o && c < s->n_cols; c++) {
        if (str[c]) cJSON_AddStringToObject(o, s->cols[c].name, str[c]);
        else if (isnan(num[c])) cJSON_AddNullToObject(o, s->cols[c].name);
        else cJSON_AddNumberToObject(o, s->cols[c].name, num[c]);
    }
    return o;
}
