/* npu_engine — engine profiles (strict JSON, base chains, aliases) and the
 * mechanisms they switch on: kernel implementation, launches, host time and its
 * overlap, collective overlap, memory. */
#include "npu_engine.h"
#include "npu_json.h"
#include "npu_preset.h"
#include "npu_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const npu_engine_policy_names[NPU_POLICY_COUNT] = {
    "static", "prefill_first", "prefill_first_chunked", "decode_first_mixed", "decode_first_chunked", "single_stream"};
const char *const npu_engine_admission_names[NPU_ADMIT_COUNT] = {"reserve_full", "on_demand"};
const char *const npu_engine_preempt_names[NPU_PREEMPT_COUNT] = {"none", "recompute", "swap", "pause"};
const char *const npu_engine_kv_basis_names[NPU_KV_BASIS_COUNT] = {"free_after_load", "total", "static_total"};
const char *const npu_engine_kv_window_names[NPU_KV_WINDOW_COUNT] = {"per_layer", "uniform_only", "full"};
const char *const npu_engine_gqa_names[NPU_GQA_COUNT] = {"grouped", "per_query_head"};
const char *const npu_engine_graphs_names[NPU_GRAPHS_COUNT] = {"none", "decode", "piecewise", "full"};
const char *const npu_engine_overlap_names[NPU_OVERLAP_COUNT] = {"none", "async_output", "one_step_ahead"};
static const char *const window_names[] = {"honored", "ignored"};
static const char *const moe_kernel_names[] = {"fused_grouped", "per_expert"};
static const char *const moe_dispatch_names[] = {"alltoall", "allgather"};
static const char *const fallback_names[] = {"sliding_window", "alibi"};
static const char *const max_seqs_rule_names[] = {"fixed", "trtllm_bench"};
static const char *const tag_names[] = {"[V]", "[P]", "[E]", "[D]", "[R]"};

/* ---------------------------------------------------------------- the schema */

typedef enum { F_NUM, F_INT, F_LONG, F_ENUM, F_ENUMBOOL, F_BOOL, F_FLAGS, F_OVERLAP, F_SIZES, F_INFO } ftype;

typedef struct field {
    const char *group, *key;
    ftype type;
    size_t off;          /* into npu_engine (not for F_INFO) */
    double min, max;     /* F_NUM, F_INT, F_LONG, F_OVERLAP; min_open: min itself is out */
    bool min_open;
    const char *const *names; /* F_ENUM, F_ENUMBOOL, F_FLAGS */
    int n_names;
    const char *unit;    /* what a value means (list/show engine) */
} field;

#define OFF(m) offsetof(npu_engine, m)
#define NAMES(a) .names = (a), .n_names = (int)NPU_ARRAY_LEN(a)

/* Every field a profile may hold. A profile without a base states all but the F_INFO ones. */
static const field fields[] = {
    {"decode_attention", "gqa_kv_sharing", F_ENUM, OFF(gqa), NAMES(npu_engine_gqa_names)},
    {"decode_attention", "grouped_unless", F_FLAGS, OFF(gqa_fallback), NAMES(fallback_names)},
    {"decode_attention", "kv_reread_l2_hit", F_NUM, OFF(gqa_l2_hit), 0, 1, .unit = "fraction"},
    {"decode_attention", "kernel", F_INFO},
    {"kv_cache", "block_tokens", F_INT, OFF(sched.block_tokens), 1, 65536, .unit = "tokens"},
    {"kv_cache", "sliding_window", F_ENUMBOOL, OFF(window_ignored), NAMES(window_names)},
    {"kv_cache", "window_memory", F_ENUM, OFF(kv_window), NAMES(npu_engine_kv_window_names)},
    {"memory", "kv_fraction", F_NUM, OFF(sched.kv_fraction), 0, 1, true, .unit = "fraction"},
    {"memory", "kv_fraction_basis", F_ENUM, OFF(sched.kv_basis), NAMES(npu_engine_kv_basis_names)},
    {"memory", "reserve_gb", F_NUM, OFF(reserve_GB), 0, 10000, .unit = "GB per chip"},
    {"memory", "reserve_frac", F_NUM, OFF(reserve_frac), 0, 0.9, .unit = "fraction of the chip's memory"},
    {"memory", "workspace_tokens", F_LONG, OFF(workspace_tokens), 0, 1e9, .unit = "tokens"},
    {"launch", "graphs", F_ENUM, OFF(graphs), NAMES(npu_engine_graphs_names)},
    {"launch", "graph_max_batch", F_INT, OFF(graph_max_batch), 0, 1e7, .unit = "sequences or tokens"},
    {"launch", "graph_batch_step", F_INT, OFF(graph_batch_step), 1, 65536, .unit = "sequences"},
    {"launch", "graph_batch_sizes", F_SIZES, OFF(graph_sizes), 1, 1e7, .unit = "captured sizes, ascending ([] = the step rule)"},
    {"launch", "pad_to_graph", F_BOOL, OFF(pad_to_graph)},
    {"launch", "host_enqueue_us", F_NUM, OFF(enqueue_us), 0, 1e5, .unit = "us per kernel"},
    {"host", "step_us", F_NUM, OFF(step_us), 0, 1e8, .unit = "us per step"},
    {"host", "rank_us", F_NUM, OFF(rank_us), 0, 1e7, .unit = "us per step per parallel rank beyond the first"},
    {"host", "seq_us", F_NUM, OFF(seq_us), 0, 1e6, .unit = "us per sequence per step"},
    {"host", "prefill_us", F_NUM, OFF(prefill_us), 0, 1e8, .unit = "us per prompt"},
    {"host", "overlap", F_ENUM, OFF(overlap), NAMES(npu_engine_overlap_names)},
    {"sampling", "bytes_per_vocab", F_NUM, OFF(sample_B_per_vocab), 0, 1e4,
     .unit = "bytes per sequence per vocabulary entry"},
    {"scheduler", "policy", F_ENUM, OFF(sched.policy), NAMES(npu_engine_policy_names)},
    {"scheduler", "max_seqs", F_INT, OFF(sched.max_seqs), 0, 1e7, .unit = "sequences (0 = sized from KV)"},
    {"scheduler", "max_seqs_rule", F_ENUMBOOL, OFF(bench_batch), NAMES(max_seqs_rule_names)},
    {"scheduler", "token_budget", F_LONG, OFF(sched.token_budget), 1, 1e9, .unit = "tokens per step"},
    {"scheduler", "chunk", F_LONG, OFF(sched.chunk), 0, 1e9, .unit = "tokens (0 = token_budget)"},
    {"scheduler", "multi_step", F_INT, OFF(sched.multi_step), 1, 4096, .unit = "steps per scheduling round"},
    {"scheduler", "admission", F_ENUM, OFF(sched.admission), NAMES(npu_engine_admission_names)},
    {"scheduler", "preemption", F_ENUM, OFF(sched.preemption), NAMES(npu_engine_preempt_names)},
    {"scheduler", "prefix_cache", F_BOOL, OFF(sched.prefix_cache)},
    {"comm", "overlap", F_OVERLAP, OFF(comm_overlap), 0, 1, .unit = "fraction of collective time hidden, or \"chip\""},
    {"comm", "collective_us", F_NUM, OFF(collective_us), 0, 1e5, .unit = "us per collective call"},
    {"comm", "bandwidth_eff", F_NUM, OFF(comm_bw_eff), 0, 1, true, .unit = "share of the collective model's bandwidth"},
    {"comm", "fused_allreduce_norm", F_BOOL, OFF(fused_ar_norm)},
    {"moe", "kernel", F_ENUMBOOL, OFF(moe_per_expert), NAMES(moe_kernel_names)},
    {"moe", "dispatch", F_ENUMBOOL, OFF(moe_gather), NAMES(moe_dispatch_names)},
    {"speculative", "methods", F_INFO},
    {"speculative", "default", F_INFO},
    {"benchmark", "tool", F_INFO},
    {"benchmark", "throughput_basis", F_INFO},
    {"benchmark", "per", F_INFO},
    {"benchmark", "percentiles", F_INFO},
    {"benchmark", "ttft_includes", F_INFO},
    {"benchmark", "itl_definition", F_INFO},
};
#define N_FIELDS ((int)NPU_ARRAY_LEN(fields))

static const char *const top_keys[] = {"name", "engine", "releases", "base", "notes", "alias", NULL};
static const char *const leaf_keys[] = {"value", "unit", "source", "tag", "note", "why", "fitted", "from", NULL};
static const char *const fitted_keys[] = {"value", "quantity", "rows", "held_out", "residual", "method", NULL};
#define MAX_GROUPS 16

/* The distinct groups, in table order. */
static int group_names(const char **out) {
    int n = 0;
    for (int i = 0; i < N_FIELDS; i++) {
        int j = 0;
        while (j < n && strcmp(out[j], fields[i].group) != 0) j++;
        if (j == n) out[n++] = fields[i].group;
    }
    out[n] = NULL;
    return n;
}

static const field *find_field(const char *group, const char *key) {
    for (int i = 0; i < N_FIELDS; i++)
        if (strcmp(fields[i].group, group) == 0 && strcmp(fields[i].key, key) == 0) return &fields[i];
    return NULL;
}

/* ---------------------------------------------------------------- checking one file */

static int bad(const char *origin, const field *f, const char *msg) {
    npu_err("%s: %s.%s: %s", origin, f->group, f->key, msg);
    return -1;
}

static int enum_index(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

static int bad_enum(const char *origin, const field *f, const char *s) {
    char list[300] = "";
    for (int i = 0; i < f->n_names; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", f->names[i]);
    }
    const char *c = npu_closest(s, f->names, (size_t)f->n_names);
    npu_err("%s: %s.%s: unknown value '%s'%s%s%s (one of: %s)", origin, f->group, f->key, s,
            c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "", list);
    return -1;
}

/* The value of a leaf against its field's type and range. */
static int check_value(const char *origin, const field *f, const cJSON *v) {
    char msg[200];
    switch (f->type) {
    case F_INFO:
        if (cJSON_IsObject(v)) return bad(origin, f, "must be text, a number, true/false or a list");
        return 0;
    case F_BOOL:
        return cJSON_IsBool(v) ? 0 : bad(origin, f, "must be true or false");
    case F_ENUM:
    case F_ENUMBOOL:
        if (!cJSON_IsString(v)) return bad(origin, f, "must be a string");
        return enum_index(v->valuestring, f->names, f->n_names) < 0 ? bad_enum(origin, f, v->valuestring) : 0;
    case F_FLAGS:
        if (!cJSON_IsArray(v)) return bad(origin, f, "must be a list of strings");
        for (const cJSON *it = v->child; it; it = it->next) {
            if (!cJSON_IsString(it)) return bad(origin, f, "must be a list of strings");
            if (enum_index(it->valuestring, f->names, f->n_names) < 0) return bad_enum(origin, f, it->valuestring);
        }
        return 0;
    case F_SIZES: {
        if (!cJSON_IsArray(v)) return bad(origin, f, "must be a list of captured sizes");
        double prev = 0;
        int n = 0;
        for (const cJSON *it = v->child; it; it = it->next, n++) {
            if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) || it->valuedouble < f->min ||
                it->valuedouble > f->max || it->valuedouble <= prev)
                return bad(origin, f, "must list positive integers in ascending order");
            prev = it->valuedouble;
        }
        if (n > 32) return bad(origin, f, "lists at most 32 sizes");
        return 0;
    }
    case F_OVERLAP:
        if (cJSON_IsString(v) && strcmp(v->valuestring, "chip") == 0) return 0;
        if (!cJSON_IsNumber(v)) return bad(origin, f, "must be a number in [0, 1] or \"chip\"");
        break;
    default:
        if (!cJSON_IsNumber(v)) return bad(origin, f, "must be a number");
        break;
    }
    double d = v->valuedouble;
    if (!isfinite(d) || d < f->min || d > f->max || (f->min_open && d <= f->min)) {
        snprintf(msg, sizeof msg, "%g is outside %s%g, %g]%s%s", d, f->min_open ? "(" : "[", f->min, f->max,
                 f->unit ? " " : "", f->unit ? f->unit : "");
        return bad(origin, f, msg);
    }
    if ((f->type == F_INT || f->type == F_LONG) && d != floor(d)) return bad(origin, f, "must be an integer");
    return 0;
}

/* One leaf: {"value": V, "source": ..., "tag": ...} (presets must state source
 * and tag), or a bare value in a user's file. */
static int check_leaf(const char *origin, const field *f, const cJSON *leaf, bool preset) {
    char where[400];
    snprintf(where, sizeof where, "%s: %s.%s", origin, f->group, f->key);
    if (!cJSON_IsObject(leaf)) {
        if (preset) return bad(origin, f, "a preset states {\"value\", \"source\", \"tag\"}");
        return check_value(origin, f, leaf);
    }
    if (npu_json_check_keys(leaf, leaf_keys, where)) return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(leaf, "value");
    if (!v || cJSON_IsNull(v)) return bad(origin, f, "missing \"value\"");
    if (check_value(origin, f, v)) return -1;
    const char *text_keys[] = {"unit", "source", "tag", "note", "why", "from"};
    for (size_t i = 0; i < NPU_ARRAY_LEN(text_keys); i++) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(leaf, text_keys[i]);
        if (t && !cJSON_IsString(t)) {
            npu_err("%s: field '%s' must be a string", where, text_keys[i]);
            return -1;
        }
    }
    const cJSON *tag = cJSON_GetObjectItemCaseSensitive(leaf, "tag");
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(leaf, "source");
    if (preset && (!src || !src->valuestring[0])) return bad(origin, f, "missing \"source\" (every preset value has one)");
    if (preset && !tag) return bad(origin, f, "missing \"tag\" ([V], [P], [E], [D] or [R])");
    if (tag && enum_index(tag->valuestring, tag_names, (int)NPU_ARRAY_LEN(tag_names)) < 0) {
        npu_err("%s: tag '%s' is not one of [V], [P], [E], [D], [R]", where, tag->valuestring);
        return -1;
    }
    const cJSON *fit = cJSON_GetObjectItemCaseSensitive(leaf, "fitted");
    if (fit) {
        char w2[440];
        snprintf(w2, sizeof w2, "%s.fitted", where);
        if (npu_json_check_keys(fit, fitted_keys, w2)) return -1;
        const cJSON *fv = cJSON_GetObjectItemCaseSensitive(fit, "value");
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(fit, "rows");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(fit, "residual");
        if (!fv || !rows || !res || !cJSON_IsString(rows) || !cJSON_IsString(res)) {
            npu_err("%s: a fitted value states \"value\", the \"rows\" it saw and its \"residual\"", w2);
            return -1;
        }
        if (cJSON_IsNumber(fv) && cJSON_IsNumber(v) && fabs(fv->valuedouble - v->valuedouble) > 1e-9 * fabs(v->valuedouble) + 1e-12) {
            npu_err("%s: value %g differs from the fitted value %g", where, v->valuedouble, fv->valuedouble);
            return -1;
        }
    }
    return 0;
}

/* The form of one file (before its base is merged in). */
static int check_file(const cJSON *root, const char *origin, bool preset) {
    if (!cJSON_IsObject(root)) {
        npu_err("%s: expected a JSON object", origin);
        return -1;
    }
    const char *groups[MAX_GROUPS + 1];
    group_names(groups);
    for (const cJSON *it = root->child; it; it = it->next) {
        if (enum_index(it->string, top_keys, (int)NPU_ARRAY_LEN(top_keys) - 1) >= 0) {
            if (!cJSON_IsString(it)) {
                npu_err("%s: field '%s' must be a string", origin, it->string);
                return -1;
            }
        }
    }
    const cJSON *alias = cJSON_GetObjectItemCaseSensitive(root, "alias");
    /* groups: every other top-level key */
    cJSON *copy = cJSON_Duplicate(root, 1);
    for (int i = 0; top_keys[i]; i++) cJSON_DeleteItemFromObjectCaseSensitive(copy, top_keys[i]);
    if (alias && copy->child) {
        npu_err("%s: an alias names its release and nothing else (found '%s')", origin, copy->child->string);
        cJSON_Delete(copy);
        return -1;
    }
    const char *allowed[MAX_GROUPS + 8];
    int n = 0;
    for (int i = 0; top_keys[i]; i++) allowed[n++] = top_keys[i];
    for (int i = 0; groups[i]; i++) allowed[n++] = groups[i];
    allowed[n] = NULL;
    int rc = npu_json_check_keys(root, allowed, origin);
    for (const cJSON *g = copy->child; g && !rc; g = g->next) {
        char where[400];
        snprintf(where, sizeof where, "%s: %s", origin, g->string);
        if (!cJSON_IsObject(g)) {
            npu_err("%s: must be an object of fields", where);
            rc = -1;
            break;
        }
        const char *keys[64];
        int k = 0;
        for (int i = 0; i < N_FIELDS; i++)
            if (strcmp(fields[i].group, g->string) == 0) keys[k++] = fields[i].key;
        keys[k] = NULL;
        if (npu_json_check_keys(g, keys, where)) {
            rc = -1;
            break;
        }
        for (const cJSON *leaf = g->child; leaf && !rc; leaf = leaf->next)
            rc = check_leaf(origin, find_field(g->string, leaf->string), leaf, preset);
    }
    cJSON_Delete(copy);
    return rc;
}

/* ---------------------------------------------------------------- presets and resolution */

int npu_engine_preset_count(void) { return npu_presets_engine_count; }
const char *npu_engine_preset_name(int i) {
    return i >= 0 && i < npu_presets_engine_count ? npu_presets_engine[i].name : NULL;
}

static const char *preset_text(const char *name) {
    for (int i = 0; i < npu_presets_engine_count; i++)
        if (strcmp(npu_presets_engine[i].name, name) == 0) return npu_presets_engine[i].json;
    return NULL;
}

const char *npu_engine_alias_target(const char *name) {
    static char target[48];
    const char *text = preset_text(name);
    if (!text) return NULL;
    cJSON *root = cJSON_Parse(text);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "alias");
    const char *r = NULL;
    if (cJSON_IsString(a)) {
        npu_strlcpy(target, a->valuestring, sizeof target);
        r = target;
    }
    cJSON_Delete(root);
    return r;
}

static bool looks_like_file(const char *s) {
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 5 && strcmp(s + n - 5, ".json") == 0);
}

/* Parse the file or preset `name`, check its form, follow its alias or base and
 * return the merged tree: every leaf object carries "from" (the profile that set
 * it). *release gets the profile name the chain starts from (an alias's target). */
static cJSON *resolve(const char *name, int depth, char *release, size_t cap);

/* The rest of resolve() on a parsed profile `root` (taken over: deleted or
 * returned merged). `name`: the preset it must be named after, or NULL. */
static cJSON *resolve_root(cJSON *root, const char *origin, bool preset, const char *name, int depth, char *release,
                           size_t cap) {
    if (!root || check_file(root, origin, preset)) {
        cJSON_Delete(root);
        return NULL;
    }
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (preset && name && (!nm || strcmp(nm->valuestring, name) != 0)) {
        npu_err("%s: field 'name' must be '%s' (the file's name)", origin, name);
        cJSON_Delete(root);
        return NULL;
    }
    if (!nm) {
        npu_err("%s: missing field 'name'", origin);
        cJSON_Delete(root);
        return NULL;
    }
    const cJSON *alias = cJSON_GetObjectItemCaseSensitive(root, "alias");
    if (alias) {
        if (!preset_text(alias->valuestring)) {
            npu_err("%s: alias '%s' is not a preset engine", origin, alias->valuestring);
            cJSON_Delete(root);
            return NULL;
        }
        char a[64];
        npu_strlcpy(a, alias->valuestring, sizeof a);
        cJSON_Delete(root);
        return resolve(a, depth + 1, release, cap);
    }
    npu_strlcpy(release, nm->valuestring, cap);
    /* mark every leaf with the profile that set it */
    for (cJSON *g = root->child; g; g = g->next) {
        if (!cJSON_IsObject(g)) continue;
        for (cJSON *leaf = g->child; leaf; leaf = leaf->next) {
            if (!cJSON_IsObject(leaf)) { /* a bare value: make it a leaf {"value": ...} in place */
                cJSON *v = cJSON_Duplicate(leaf, 1);
                if (leaf->valuestring) cJSON_free(leaf->valuestring);
                leaf->valuestring = NULL;
                cJSON_Delete(leaf->child); /* an array's items (the list) */
                leaf->type = cJSON_Object;
                leaf->child = NULL;
                cJSON_AddItemToObject(leaf, "value", v);
            }
            cJSON_DeleteItemFromObjectCaseSensitive(leaf, "from");
            cJSON_AddStringToObject(leaf, "from", nm->valuestring);
        }
    }
    const cJSON *base = cJSON_GetObjectItemCaseSensitive(root, "base");
    if (!base) return root;
    char base_release[48];
    cJSON *merged = resolve(base->valuestring, depth + 1, base_release, sizeof base_release);
    if (!merged) { /* the outermost file names the base it could not resolve */
        if (depth == 0) {
            char m[300];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("%s: base '%s': %s", origin, base->valuestring, m);
        }
        cJSON_Delete(root);
        return NULL;
    }
    /* this file's identity and groups over the base's */
    for (cJSON *it = root->child; it; it = it->next) {
        if (!cJSON_IsObject(it)) {
            cJSON_DeleteItemFromObjectCaseSensitive(merged, it->string);
            cJSON_AddItemToObject(merged, it->string, cJSON_Duplicate(it, 1));
            continue;
        }
        cJSON *mg = cJSON_GetObjectItemCaseSensitive(merged, it->string);
        if (!mg) mg = cJSON_AddObjectToObject(merged, it->string);
        for (cJSON *leaf = it->child; leaf; leaf = leaf->next) {
            cJSON_DeleteItemFromObjectCaseSensitive(mg, leaf->string);
            cJSON_AddItemToObject(mg, leaf->string, cJSON_Duplicate(leaf, 1));
        }
    }
    cJSON_DeleteItemFromObjectCaseSensitive(merged, "base");
    cJSON_AddStringToObject(merged, "base", base->valuestring);
    cJSON_Delete(root);
    return merged;
}


static cJSON *resolve(const char *name, int depth, char *release, size_t cap) {
    if (depth > 8) {
        npu_err("engine profile '%s': base chain deeper than 8 (a cycle?)", name);
        return NULL;
    }
    const char *text = preset_text(name);
    char *owned = NULL;
    char origin[300];
    bool preset = text != NULL;
    if (preset) {
        snprintf(origin, sizeof origin, "preset engine %s", name);
    } else {
        if (!looks_like_file(name)) {
            const char *names[256];
            int n = npu_presets_engine_count < 256 ? npu_presets_engine_count : 256;
            for (int i = 0; i < n; i++) names[i] = npu_presets_engine[i].name;
            const char *c = npu_closest(name, names, (size_t)n);
            npu_err("unknown engine '%s'%s%s%s (see 'npusim list engines', or give a .json file)", name,
                    c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
            return NULL;
        }
        owned = npu_read_file(name, NULL);
        if (!owned) return NULL;
        text = owned;
        snprintf(origin, sizeof origin, "%s", name);
    }
    cJSON *root = npu_json_parse(text, origin);
    free(owned);
    return resolve_root(root, origin, preset, name, depth, release, cap);
}

/* Fill `e` from a resolved tree; every non-informative field must be present. */
static int from_tree(const cJSON *t, const char *origin, npu_engine *e) {
    memset(e, 0, sizeof *e);
    const cJSON *s;
    if ((s = cJSON_GetObjectItemCaseSensitive(t, "name"))) npu_strlcpy(e->name, s->valuestring, sizeof e->name);
    if ((s = cJSON_GetObjectItemCaseSensitive(t, "engine"))) npu_strlcpy(e->product, s->valuestring, sizeof e->product);
    if ((s = cJSON_GetObjectItemCaseSensitive(t, "releases")))
        npu_strlcpy(e->releases, s->valuestring, sizeof e->releases);
    for (int i = 0; i < N_FIELDS; i++) {
        const field *f = &fields[i];
        if (f->type == F_INFO) continue;
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(t, f->group);
        const cJSON *leaf = g ? cJSON_GetObjectItemCaseSensitive(g, f->key) : NULL;
        if (!leaf) {
            npu_err("%s: missing field '%s.%s' (a profile without a base states every field)", origin, f->group,
                    f->key);
            return -1;
        }
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(leaf, "value");
        char *p = (char *)e + f->off;
        switch (f->type) {
        case F_NUM: *(double *)p = v->valuedouble; break;
        case F_INT: *(int *)p = (int)v->valuedouble; break;
        case F_LONG: *(long *)p = (long)v->valuedouble; break;
        case F_BOOL: *(bool *)p = cJSON_IsTrue(v); break;
        case F_ENUM: *(int *)p = enum_index(v->valuestring, f->names, f->n_names); break;
        case F_ENUMBOOL: *(bool *)p = enum_index(v->valuestring, f->names, f->n_names) == 1; break;
        case F_OVERLAP: *(double *)p = cJSON_IsString(v) ? -1 : v->valuedouble; break;
        case F_SIZES: {
            int n = 0;
            for (const cJSON *it = v->child; it; it = it->next) ((int *)p)[n++] = (int)it->valuedouble;
            e->n_graph_sizes = n;
            break;
        }
        case F_FLAGS: {
            unsigned bits = 0;
            for (const cJSON *it = v->child; it; it = it->next)
                bits |= 1u << enum_index(it->valuestring, f->names, f->n_names);
            *(unsigned *)p = bits;
            break;
        }
        default: break;
        }
    }
    _Static_assert(sizeof(npu_engine_gqa) == sizeof(int) && sizeof(npu_engine_policy) == sizeof(int),
                   "enum fields are stored as int");
    if (e->n_graph_sizes > 0 && e->graph_max_batch != e->graph_sizes[e->n_graph_sizes - 1]) {
        npu_err("%s: launch.graph_max_batch %d must be the largest of launch.graph_batch_sizes (%d)", origin,
                e->graph_max_batch, e->graph_sizes[e->n_graph_sizes - 1]);
        return -1;
    }
    e->ideal = strcmp(e->name, "ideal") == 0;
    return 0;
}

cJSON *npu_engine_profile_json(const char *name_or_path) {
    char release[48];
    return resolve(name_or_path, 0, release, sizeof release);
}

int npu_engine_from_json(const cJSON *root, const char *origin, npu_engine *out) {
    char release[48];
    cJSON *t = resolve_root(cJSON_Duplicate(root, 1), origin, false, NULL, 0, release, sizeof release);
    if (!t) return -1;
    int rc = from_tree(t, origin, out);
    cJSON_Delete(t);
    if (!rc) npu_strlcpy(out->asked, out->name, sizeof out->asked);
    return rc ? -1 : 0;
}

cJSON *npu_engine_resolve_json(const cJSON *root, const char *origin) {
    char release[48];
    return resolve_root(cJSON_Duplicate(root, 1), origin, false, NULL, 0, release, sizeof release);
}

int npu_engine_load(const char *name_or_path, npu_engine *out) {
    char release[48];
    cJSON *t = resolve(name_or_path, 0, release, sizeof release);
    if (!t) return -1;
    char origin[300];
    snprintf(origin, sizeof origin, "%s%s", preset_text(name_or_path) ? "preset engine " : "", name_or_path);
    int rc = from_tree(t, origin, out);
    cJSON_Delete(t);
    if (rc) return -1;
    npu_strlcpy(out->asked, name_or_path, sizeof out->asked);
    return 0;
}

const char *npu_engine_default_for(const npu_hw *hw) {
    if (!hw) return NPU_ENGINE_DEFAULT;
    if (strcmp(hw->kind, "cpu") == 0) return "llamacpp-cpu";
    if (strcmp(hw->vendor, "NVIDIA") == 0) return "trtllm";
    if (strcmp(hw->vendor, "AMD") == 0) return "vllm-rocm";
    if (strcmp(hw->vendor, "Apple") == 0) return "llamacpp";
    if (strcmp(hw->vendor, "Intel") == 0 && strstr(hw->name, "gaudi")) return "optimum-habana";
    /* phones, edge modules and dataflow machines run a compiled graph in the vendor's
     * runtime (QNN, DXRT, GroqWare, Cerebras's): no serving engine's host loop or
     * memory reserve around the kernels */
    if (strcmp(hw->kind, "mobile") == 0 || strcmp(hw->kind, "soc-npu") == 0 || strcmp(hw->kind, "lpu") == 0 ||
        strcmp(hw->kind, "wafer") == 0 || hw->mem_bytes < 16.0 * 1073741824.0)
        return "ideal";
    return "vllm";
}

const npu_engine *npu_engine_default(void) {
    static npu_engine e;
    static int loaded; /* 1 ok, -1 failed */
    if (!loaded) loaded = npu_engine_load(NPU_ENGINE_DEFAULT, &e) ? -1 : 1;
    return loaded > 0 ? &e : npu_engine_ideal();
}

const npu_engine *npu_engine_ideal(void) {
    static npu_engine e;
    static bool loaded;
    if (!loaded) {
        if (npu_engine_load("ideal", &e)) { /* the preset is embedded: tests/golden check it loads */
            memset(&e, 0, sizeof e);
            npu_strlcpy(e.name, "ideal", sizeof e.name);
            e.comm_overlap = -1, e.graph_batch_step = 1, e.sched.kv_fraction = 0.9, e.sched.block_tokens = 16;
            e.sched.token_budget = 8192, e.sched.multi_step = 1;
        }
        e.ideal = true;
        loaded = true;
    }
    return &e;
}

/* ---------------------------------------------------------------- mechanisms */

npu_model npu_engine_model(const npu_engine *e, const npu_model *m) {
    npu_model r = *m;
    if (e->window_ignored) r.sliding_window = 0;
    return r;
}

npu_model npu_engine_kv_model(const npu_engine *e, const npu_model *m) {
    npu_model r = npu_engine_model(e, m);
    if (e->kv_window == NPU_KV_WINDOW_FULL || (e->kv_window == NPU_KV_WINDOW_UNIFORM_ONLY && npu_model_kv_window(&r) == 0))
        r.sliding_window = 0;
    return r;
}

npu_graph_impl npu_engine_graph_impl(const npu_engine *e, const npu_model *m) {
    npu_graph_impl im = {0};
    if (e->ideal) return im;
    bool window = m->sliding_window > 0 && !e->window_ignored;
    im.gqa_per_head = e->gqa == NPU_GQA_PER_QUERY_HEAD ||
                      (window && (e->gqa_fallback & NPU_GQA_FALLBACK_WINDOW)) ||
                      (m->pos == NPU_POS_ALIBI && (e->gqa_fallback & NPU_GQA_FALLBACK_ALIBI));
    im.gqa_l2_hit = e->gqa_l2_hit;
    im.kv_block = e->sched.block_tokens;
    im.sample_B_per_vocab = e->sample_B_per_vocab;
    im.fused_ar_norm = e->fused_ar_norm;
    im.moe_per_expert = e->moe_per_expert;
    im.moe_gather = e->moe_gather;
    return im;
}

double npu_engine_comm_overlap(const npu_engine *e, const npu_hw *hw) {
    return e->comm_overlap >= 0 ? e->comm_overlap : npu_comm_overlap(hw);
}

long npu_engine_padded(const npu_engine *e, long n) {
    if (e->ideal || !e->pad_to_graph || n <= 0) return n;
    if (e->n_graph_sizes > 0) {
        for (int i = 0; i < e->n_graph_sizes; i++)
            if (e->graph_sizes[i] >= n) return e->graph_sizes[i];
        return n;
    }
    if (n <= 4) return n <= 1 ? 1 : n <= 2 ? 2 : 4;
    long s = e->graph_batch_step > 0 ? e->graph_batch_step : 1;
    long p = (n + s - 1) / s * s;
    return e->graph_max_batch > 0 && p > e->graph_max_batch ? n : p;
}

bool npu_engine_graphed(const npu_engine *e, bool decode_only, long seqs, long tokens) {
    switch (e->graphs) {
    case NPU_GRAPHS_DECODE: return decode_only && seqs <= e->graph_max_batch;
    case NPU_GRAPHS_PIECEWISE:
    case NPU_GRAPHS_FULL: return tokens <= e->graph_max_batch;
    default: return false;
    }
}

npu_engine_step_out npu_engine_step(const npu_engine *e, const npu_engine_step_in *in, double overlap_hw) {
    npu_engine_step_out o;
    double ov = e->comm_overlap >= 0 ? e->comm_overlap : overlap_hw;
    double other = in->kernels_s - in->comm_s;
    double hidden = in->comm_s * ov; /* collective time run under the other kernels */
    if (hidden > other) hidden = other > 0 ? other : 0;
    o.gpu_s = in->kernels_s - hidden;
    if (e->ideal) {
        o.host_s = 0, o.step_s = o.gpu_s, o.deliver_s = 0;
        return o;
    }
    if (!in->graphed) o.gpu_s += in->collectives * e->collective_us * 1e-6;
    if (e->comm_bw_eff > 0 && e->comm_bw_eff < 1 && in->comm_s > in->comm_lat_s)
        o.gpu_s += (in->comm_s - in->comm_lat_s) * (1 / e->comm_bw_eff - 1);
    double enqueue = in->launches * e->enqueue_us * 1e-6; /* the GPU cannot run ahead of the host's launches */
    if (enqueue > o.gpu_s) o.gpu_s = enqueue;
    int ms = e->sched.multi_step > 0 ? e->sched.multi_step : 1;
    double sched = (e->step_us + e->rank_us * (in->ranks > 1 ? in->ranks - 1 : 0)) * 1e-6 / ms;
    double per = (e->seq_us * in->seqs + e->prefill_us * in->prompts) * 1e-6;
    o.host_s = sched + per;
    switch (e->overlap) {
    case NPU_OVERLAP_ONE_STEP_AHEAD: o.step_s = o.gpu_s > o.host_s ? o.gpu_s : o.host_s; break;
    case NPU_OVERLAP_ASYNC_OUTPUT: o.step_s = sched + (o.gpu_s > per ? o.gpu_s : per); break;
    default: o.step_s = o.gpu_s + o.host_s; break;
    }
    o.deliver_s = o.gpu_s + o.host_s - o.step_s;
    if (o.deliver_s < 0) o.deliver_s = 0;
    return o;
}

int npu_engine_delivery_lag_steps(const npu_engine *e) { return !e->ideal && e->overlap != NPU_OVERLAP_NONE; }

double npu_engine_reserve_B(const npu_engine *e, const npu_hw *hw) {
    return e->ideal ? 0 : e->reserve_GB * 1e9 + e->reserve_frac * hw->mem_bytes;
}

double npu_engine_workspace_B(const npu_engine *e, const npu_model *m, npu_plan p, double act_B) {
    if (e->ideal || e->workspace_tokens <= 0) return act_B;
    p = npu_plan_norm(p);
    double ws = npu_plan_act_bytes(m, p, (double)e->workspace_tokens / p.cp, 0);
    return ws > act_B ? ws : act_B;
}

long npu_engine_kv_capacity(const npu_engine *e, const npu_model *m, const npu_hw *hw, npu_plan p,
                            npu_dtype wdt, npu_dtype_opt hdt, npu_dtype_opt edt, npu_dtype kvdt, double act_B) {
    /* npu_plan_kv_capacity gives (mem - weights) x frac - act per chip; each basis
     * is that form with its own frac and act:
     *   free_after_load: (mem - w - act - reserve) x f    -> frac f, act (act + reserve) x f
     *   total:           mem x f - w - act - reserve       -> frac 1, act act + reserve + mem (1 - f)
     *   static_total:    mem x f - w (act and reserve from the rest) -> frac 1, act mem (1 - f) */
    double f = e->sched.kv_fraction > 0 ? e->sched.kv_fraction : 0.9;
    if (e->ideal) /* npusim's own rule: the fraction of what the weights leave, less one step's activations */
        return npu_plan_kv_capacity_dt(m, hw, p, wdt, hdt, edt, kvdt, f, act_B);
    double ws = npu_engine_workspace_B(e, m, p, act_B);
    double res = npu_engine_reserve_B(e, hw);
    switch (e->sched.kv_basis) {
    case NPU_KV_BASIS_TOTAL:
        return npu_plan_kv_capacity_dt(m, hw, p, wdt, hdt, edt, kvdt, 1.0, ws + res + hw->mem_bytes * (1 - f));
    case NPU_KV_BASIS_STATIC_TOTAL:
        return npu_plan_kv_capacity_dt(m, hw, p, wdt, hdt, edt, kvdt, 1.0, hw->mem_bytes * (1 - f));
    default: return npu_plan_kv_capacity_dt(m, hw, p, wdt, hdt, edt, kvdt, f, (ws + res) * f);
    }
}
