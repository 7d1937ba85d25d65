/* npu_memtech — memory-technology library parsed once from the embedded JSON. */
#include "npu_memtech.h"
#include "npu_json.h"
#include "npu_preset.h"
#include "npu_util.h"

#include <assert.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define MAX_TECH 64
#define MAX_TYPES 32
static npu_memtech techs[MAX_TECH];
static int n_techs = -1;
static npu_memtype types[MAX_TYPES];
static int n_types;

const char *const npu_mem_family_names[NPU_MEM_FAMILY_COUNT] = {"hbm", "gddr", "lpddr"};

static int parse_type(const cJSON *o, npu_memtype *t, int idx) {
    static const char *const keys[] = {"type", "family", "pin_gbps_min", "pin_gbps_max", "pj_per_bit",
                                       "usd_per_gb", "source", NULL};
    char where[96], fam[16] = "";
    snprintf(where, sizeof where, "memory.json: types[%d]", idx);
    memset(t, 0, sizeof *t);
    if (npu_json_check_keys(o, keys, where) || npu_json_str(o, "type", t->type, sizeof t->type, true, where) ||
        npu_json_str(o, "family", fam, sizeof fam, true, where) ||
        npu_json_num(o, "pin_gbps_min", &t->pin_gbps_min, true, 0.001, where) ||
        npu_json_num(o, "pin_gbps_max", &t->pin_gbps_max, true, 0.001, where) ||
        npu_json_num(o, "pj_per_bit", &t->pj_per_bit, true, 0.001, where) ||
        npu_json_num(o, "usd_per_gb", &t->usd_per_gb, true, 0.001, where) ||
        npu_json_str(o, "source", t->source, sizeof t->source, true, where))
        return -1;
    int f = -1;
    for (int i = 0; i < NPU_MEM_FAMILY_COUNT; i++)
        if (strcmp(fam, npu_mem_family_names[i]) == 0) f = i;
    if (f < 0 || t->pin_gbps_min >= t->pin_gbps_max) return -1;
    t->family = (npu_mem_family)f;
    return 0;
}

static int parse_tech(const cJSON *o, npu_memtech *t, int idx) {
    static const char *const keys[] = {"name", "type", "vendor", "pin_gbps", "bus_bits", "die_gbit",
                                       "heights", "pj_per_bit", "source", NULL};
    char where[96];
    snprintf(where, sizeof where, "memory.json: technologies[%d]", idx);
    memset(t, 0, sizeof *t);
    if (npu_json_check_keys(o, keys, where) || npu_json_str(o, "name", t->name, sizeof t->name, true, where) ||
        npu_json_str(o, "type", t->type, sizeof t->type, true, where) ||
        npu_json_str(o, "vendor", t->vendor, sizeof t->vendor, false, where) ||
        npu_json_num(o, "pin_gbps", &t->pin_gbps, true, 0.001, where) ||
        npu_json_int(o, "bus_bits", &t->bus_bits, true, 1, where) ||
        npu_json_num(o, "die_gbit", &t->die_gbit, true, 0.001, where) ||
        npu_json_num(o, "pj_per_bit", &t->pj_per_bit, false, 0, where) ||
        npu_json_str(o, "source", t->source, sizeof t->source, true, where))
        return -1;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "heights");
    if (cJSON_IsArray(h)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, h) {
            if (t->n_heights < 8 && cJSON_IsNumber(it)) t->heights[t->n_heights++] = it->valueint;
        }
    }
    if (t->n_heights == 0) t->heights[t->n_heights++] = 1;
    for (int i = 0; i < n_types; i++)
        if (strcmp(types[i].type, t->type) == 0) t->kind = &types[i];
    /* every technology has a type row, and its nominal rate lies in the type's range */
    if (!t->kind || t->pin_gbps < t->kind->pin_gbps_min || t->pin_gbps > t->kind->pin_gbps_max) return -1;
    return 0;
}

static void load_once(void) {
    if (n_techs >= 0) return;
    n_techs = 0;
    cJSON *root = npu_json_parse(npu_preset_memory_json, "memory.json");
    assert(root && "embedded memory.json must parse");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "types"), *it;
    int i = 0;
    cJSON_ArrayForEach(it, arr) {
        int rc = parse_type(it, &types[n_types], i++);
        assert(rc == 0 && "embedded memory.json types must be valid");
        (void)rc;
        if (n_types < MAX_TYPES) n_types++;
    }
    arr = cJSON_GetObjectItemCaseSensitive(root, "technologies");
    i = 0;
    cJSON_ArrayForEach(it, arr) {
        int rc = parse_tech(it, &techs[n_techs], i++);
        assert(rc == 0 && "embedded memory.json must be valid");
        (void)rc;
        if (n_techs < MAX_TECH) n_techs++;
    }
    cJSON_Delete(root);
}

int npu_memtech_count(void) {
    load_once();
    return n_techs;
}

const npu_memtech *npu_memtech_at(int i) {
    load_once();
    return i >= 0 && i < n_techs ? &techs[i] : NULL;
}

const npu_memtech *npu_memtech_find(const char *name) {
    load_once();
    const char *names[MAX_TECH];
    for (int i = 0; i < n_techs; i++) {
        if (strcmp(techs[i].name, name) == 0) return &techs[i];
        names[i] = techs[i].name;
    }
    const char *c = npu_closest(name, names, (size_t)n_techs);
    npu_err("unknown memory technology '%s'%s%s%s (see 'npusim list memory')", name,
            c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
    return NULL;
}

const npu_memtype *npu_memtech_type(const npu_memtech *t) { return t->kind; }

int npu_memtype_count(void) {
    load_once();
    return n_types;
}

const npu_memtype *npu_memtype_at(int i) {
    load_once();
    return i >= 0 && i < n_types ? &types[i] : NULL;
}

double npu_memtech_device_pj(const npu_memtech *t) { return t->pj_per_bit > 0 ? t->pj_per_bit : t->kind->pj_per_bit; }

int npu_memtech_height_ok(const npu_memtech *t, int height) {
    for (int i = 0; i < t->n_heights; i++)
        if (t->heights[i] == height) return 1;
    return 0;
}

double npu_memtech_bandwidth_Bps(const npu_memtech *t, int stacks, double pin_gbps) {
    double pin = pin_gbps > 0 ? pin_gbps : t->pin_gbps;
    return stacks * t->bus_bits * pin * 1e9 / 8.0;
}

double npu_memtech_capacity_B(const npu_memtech *t, int stacks, int height) {
    return stacks * height * t->die_gbit * 1073741824.0 / 8.0; /* a "16 Gbit" die holds 2^34 bits */
}
