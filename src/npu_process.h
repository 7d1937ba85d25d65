/* npu_process — the process and foundry library: per node the wafer price,
 * defect density, logic and SRAM density, reticle limit, mask/tape-out NRE and
 * relative switching energy, each with its source and a confidence tag
 * ([V] vendor, [P] paper/press quoting the vendor, [E] estimate, [D] derived,
 * [R] recalled, unverified). Built in; `npu_process_load` also reads a user's
 * JSON file in the same fields (docs/economics.md). */
#ifndef NPU_PROCESS_H
#define NPU_PROCESS_H

#include <cjson/cJSON.h>

typedef struct npu_process {
    char name[32];          /* e.g. "tsmc-n5" */
    char aliases[96];       /* space-separated other names (e.g. "tsmc-4n tsmc-n4p") */
    char foundry[24];
    int year;               /* first high-volume production */
    double logic_mtr_mm2;   /* peak (high-density cell) logic density, million transistors/mm2 */
    double sram_bitcell_um2;/* high-density 6T SRAM bit cell, um2 */
    double wafer_usd;       /* 300 mm wafer, foundry sale price, USD */
    double d0_per_cm2;      /* killer defect density, defects/cm2 (mature) */
    double reticle_mm2;     /* largest die one exposure field allows, mm2 */
    double mask_nre_usd;    /* mask set + tape-out NRE of one die design, USD */
    double energy_rel;      /* switching energy per operation relative to TSMC N5 (= 1) */
    char confidence[96];    /* per field group, e.g. "density [E], wafer [P], D0 [P]" */
    char source[640];
} npu_process;

int npu_process_count(void);
const npu_process *npu_process_at(int i);
/* Find by name or alias (case-insensitive). NULL + npu_err naming the closest
 * built-in name when unknown. */
const npu_process *npu_process_find(const char *name);
/* Same, silent: NULL when unknown (no error set). */
const npu_process *npu_process_lookup(const char *name);
/* Built-in name or alias, or a JSON file (path with '/' or ending .json) with the
 * fields above. -1 + npu_err on failure. */
int npu_process_load(const char *name_or_path, npu_process *out);
/* The process of a chip description: its process.node, or -1 + npu_err. */
int npu_process_of_hw(const char *node, npu_process *out);
/* The fields above as npu_process_load reads them (`npusim show process`: edit
 * it, then cost --process FILE). NULL when out of memory. */
cJSON *npu_process_to_json(const npu_process *p);

#endif
