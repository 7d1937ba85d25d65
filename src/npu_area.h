/* npu_area — die area of a chip description on a process, block by block:
 * matrix engines by datatype, vector lanes, per-unit control, SRAM, memory PHYs
 * (per HBM stack or GDDR/LPDDR channel bit), link SerDes, fixed I/O, die-to-die
 * PHYs of chiplets and the uncore (on-chip network, global control, power and
 * clock distribution, whitespace). Never reads the published die_mm2: that is
 * what it is validated against (docs/accuracy-econ.md). */
#ifndef NPU_AREA_H
#define NPU_AREA_H

#include "npu_hw.h"
#include "npu_process.h"

#include <stdbool.h>

typedef struct npu_area {
    /* blocks, mm2, summed over all dies */
    double mac_mm2;         /* matrix engines */
    double vector_mm2;      /* vector lanes incl. their register files */
    double unit_ctrl_mm2;   /* per-unit sequencing, load/store, DMA */
    double unit_sram_mm2;   /* per-unit SRAM (smem, scratchpad) */
    double shared_sram_mm2; /* shared SRAM levels (L2, LLC) */
    double mem_phy_mm2;     /* DRAM PHYs and controllers */
    double link_phy_mm2;    /* chip-to-chip SerDes */
    double io_mm2;          /* host interface, management, clocks (fixed) */
    double d2d_mm2;         /* die-to-die PHYs of a chiplet design */
    double uncore_mm2;      /* on-chip network, global control, whitespace */
    double total_mm2;       /* all dies */
    int dies;
    double die_mm2;         /* one die (total / dies) */
    int units_total;        /* physical units incl. spares for yield */
    double unit_mm2;        /* one physical unit, uncore share included */
} npu_area;

/* The uncore fraction, fitted on the H100 SXM's published 814 mm2 (the only
 * die the area model is calibrated on). */
extern const double npu_area_uncore_frac;

void npu_area_estimate(const npu_hw *hw, const npu_process *p, npu_area *a);
/* true for a wafer-scale chip (`kind` wafer: Cerebras WSE): one die per wafer,
 * stitched across reticle fields, a tile array of small cores (each with its own
 * SRAM and mesh router, no uncore beside them) whose spare tiles repair defects
 * (docs/economics.md "Chips without DRAM"). */
bool npu_area_wafer_scale(const npu_hw *hw);
/* -1 + npu_err when one die exceeds the process's reticle limit (never for a
 * wafer-scale chip: npu_econ checks that it fits its wafer). */
int npu_area_check_reticle(const npu_hw *hw, const npu_process *p, double die_mm2);

#endif
