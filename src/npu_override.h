/* npu_override — edit a loaded description by path: `--set PATH=VALUE`.
 *
 * Paths use the JSON schema names of docs/schema.md, so a path names the same
 * thing as in a file: `hw.memory.stacks`, `hw.matrix.macs_per_cycle.fp8`,
 * `hw.sram[1].mb` (or `hw.sram.l2.mb` by level name), `hw.process.node`,
 * `model.layers`, `model.moe.top_k`, `workload.batch`,
 * `plan.tp`; `engine.SECTION.KEY` names any field of an engine profile as its
 * file does (`engine.host.step_us`, `engine.memory.kv_fraction`; presets/engine);
 * `hw`, `model` and `engine` alone replace the whole description by a preset
 * name (or file). `npusim sweep --paths` lists them all.
 *
 * Speed: an edit writes the in-memory struct through a table (path -> type,
 * offset, bounds), then the same validation a file gets runs: the reader's
 * bounds with the reader's error text, then npu_hw_finish / npu_model_check.
 * tests/test_sweep.c checks, for every hardware and model path, that the table
 * and a round trip through the JSON reader accept and reject the same values
 * with the same message; a reader that gains a bound must gain it here too.
 *
 * Edited chips: an edit of a field that changes the silicon (matrix, vector,
 * SRAM sizes, memory stacks/technology, link bandwidth, process, dies) clears
 * the published die area and transistor count, and any hardware edit but
 * price/efficiency/overlap clears the published price, so the economics cost the
 * design from the area model and unit cost, never from the chip it started
 * from; the description gets " (edited)". A technology edit resets the pin rate
 * and capacity to the technology's; a stacks or height edit resets the
 * capacity; a units edit keeps the fraction of spare units; a dtype edit resets
 * the activation and KV datatypes to their defaults. Explicit edits of those
 * fields in the same batch win (side effects run first, then all values). */
#ifndef NPU_OVERRIDE_H
#define NPU_OVERRIDE_H

#include "npu_hw.h"
#include "npu_model.h"
#include "npu_step.h"
#include "npu_wl.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

typedef enum { NPU_OV_HW = 0, NPU_OV_MODEL, NPU_OV_ENGINE, NPU_OV_WORKLOAD, NPU_OV_PLAN,
               NPU_OV_DOMAINS } npu_ov_domain;
extern const char *const npu_ov_domain_names[NPU_OV_DOMAINS];

typedef struct npu_ov_field npu_ov_field; /* one row of the path table */

/* One resolved edit: a path and its value. */
typedef struct npu_ov {
    const npu_ov_field *f;
    int index;        /* hw.sram[i]; -1: by level name */
    char level[16];   /* hw.sram.LEVEL.key */
    char sub[96];     /* engine.SECTION.KEY: the profile's field (presets/engine) */
    bool is_str;      /* the value was given as a string */
    double num;       /* numeric (and boolean 0/1) value */
    char str[128];    /* string value (names, length distributions) */
    char text[200];   /* "path=value", for messages */
} npu_ov;

/* Resolve a path. -1 + npu_err "unknown path 'X' (did you mean 'Y'?)". */
int npu_ov_resolve(const char *path, npu_ov *out);
/* Resolve "PATH=VALUE" (the value parsed by the field's type). */
int npu_ov_parse(const char *assign, npu_ov *out);
/* Set the value of a resolved edit from text, a number or a JSON item; checks
 * its type (a number for a numeric field, a known name for an enum) but not
 * its bounds, which npu_ov_apply checks. -1 + npu_err. */
int npu_ov_set_text(npu_ov *o, const char *value);
int npu_ov_set_num(npu_ov *o, double v);
int npu_ov_set_json(npu_ov *o, const cJSON *v);
npu_ov_domain npu_ov_domain_of(const npu_ov *o);
bool npu_ov_is_whole(const npu_ov *o); /* `hw`, `model`, `engine`: a whole description */
bool npu_ov_is_integer(const npu_ov *o); /* int/long fields: axis values are rounded */
bool npu_ov_is_numeric(const npu_ov *o); /* a number column (else a string column) */
bool npu_ov_is_bool(const npu_ov *o);    /* true or false (a number column of 0 and 1) */
bool npu_ov_takes_number(const npu_ov *o); /* numbers are valid values (ranges allowed) */
const char *npu_ov_path(const npu_ov *o); /* canonical path (sram by index) */

/* The descriptions an edit may touch; NULL members are absent (an edit of an
 * absent one is an error naming the path). */
typedef struct npu_ov_target {
    npu_hw *hw;
    npu_model *model;
    npu_engine *engine;
    npu_wl *wl;
    npu_plan *plan;
} npu_ov_target;

/* Apply n edits: the hardware and model edits, then the engine edits (so
 * `engine=auto`, the chip's usual engine as --engine auto, sees the edited
 * chip). Each group: whole-description loads first, then every edit's side
 * effects, then the values; then the bounds of each edited field and the
 * validation of each edited description (npu_hw_finish, npu_model_check).
 * -1 + npu_err naming the edit. `t` may be partly modified on failure. */
int npu_ov_apply(const npu_ov *o, int n, npu_ov_target *t);

/* The same edits through the file path: side effects on the struct, then
 * npu_hw_to_json / npu_model_to_json, the keys set in the JSON, and the JSON
 * reader (npu_hw_from_json / npu_model_from_json) with the same origin. Slow;
 * the reference the table is tested against. Only hw and model edits. */
int npu_ov_apply_via_json(const npu_ov *o, int n, npu_ov_target *t);

/* Current value of the edit's field in `t` (for output columns): 1 = string in
 * *str (may point into t), 0 = number in *num, -1 = absent (NULL target). */
int npu_ov_get(const npu_ov *o, const npu_ov_target *t, double *num, const char **str, char *buf, size_t cap);

/* Every documented path, in table order (sram paths once, as hw.sram[N].key). */
int npu_ov_path_count(void);
const char *npu_ov_path_at(int i, const char **help);

#endif
