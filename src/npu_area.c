/* npu_area — block-level die-area model.
 *
 * Block constants are areas at the reference process, TSMC N5 (138.2 MTr/mm2
 * HD logic, 0.021 um2 bit cell); logic scales with the process's logic density,
 * SRAM with its bit cell, analog PHYs only weakly (density ratio ^ 0.3: PHYs
 * are bump- and analog-limited). All constants are engineering estimates [E]
 * (docs/economics.md gives the reasoning); only the uncore fraction is fitted,
 * on the H100 SXM die. */
#include "npu_area.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define REF_LOGIC_MTR_MM2 138.2
#define MAC_BF16_UM2 250.0     /* one bf16 MAC with fp32 accumulate + operand staging [E] */
#define LANE_UM2 4000.0        /* one fp32 FMA vector lane incl. its register-file share [E] */
#define UNIT_CTRL_MM2 0.40     /* fixed per-unit sequencer/scheduler/load-store [E] */
#define UNIT_CTRL_FRAC 0.30    /* plus this fraction of the unit's datapath [E] */
#define SRAM_ARRAY_EFF 0.67    /* bit cells / macro area: N3E 31.8 Mib/mm2 macro vs 0.021 um2 cell [D] */
#define SRAM_CACHE_OVH 2.0     /* tags, ECC, banking, crossbar ports over bare macros [E] (Zen 4 L3 ~1 mm2/MB [R]) */
#define SRAM_SCRATCH_OVH 1.25  /* a software-managed scratchpad (no tags, no coherence ports): SECDED ECC
                                * (8 bits per 64) and banking periphery over bare macros [E] */
#define TILE_CTRL_MM2 0.01     /* one core of a wafer-scale tile array: in-order scalar control and a
                                * 5-port mesh router, at N5 [E] (a small in-order RISC core is ~0.05 mm2
                                * at 28 nm; / 9x logic density to N5 = 0.005, the router as much again) */
#define HBM_PHY_MM2_PER_BIT (12.0 / 1024) /* HBM PHY + controller, ~12 mm2 per 1024-bit stack [E] */
#define GDDR_PHY_MM2_PER_BIT (4.0 / 32)   /* GDDR6/7 PHY + controller, ~4 mm2 per x32 device [E] */
#define LPDDR_PHY_MM2_PER_BIT (3.0 / 64)  /* LPDDR PHY + controller, ~3 mm2 per 64 bits [E] */
#define LINK_MM2_PER_GBPS 0.045 /* 112G-class SerDes ~0.6 mm2 per lane, 14 GB/s per direction [E] */
#define IO_FIXED_MM2 15.0       /* PCIe host port, management, fuses, clocks [E] */
#define D2D_MM2_PER_DIE 10.0    /* UCIe/NV-HBI-class die-to-die PHY per chiplet [E] */

/* Fitted: (814 - blocks(H100)) / (logic + SRAM blocks of the H100); see the unit test. */
const double npu_area_uncore_frac = 0.785;

static double sram_mm2_ovh(double bytes, const npu_process *p, double ovh) {
    return bytes * 8.0 * p->sram_bitcell_um2 * 1e-6 / SRAM_ARRAY_EFF * ovh;
}

bool npu_area_wafer_scale(const npu_hw *hw) { return strcmp(hw->kind, "wafer") == 0; }

/* On an SRAM-only chip, a shared level that restates a per-unit level's total
 * (Cerebras: "wafer" 44 GB = 900,000 cores x 48.9 kB, the level memory.technology
 * none streams from) is the same silicon seen whole, not a second memory. (Chips
 * with DRAM may have equal but distinct levels: ATOM's 8 x 4 MB local and 32 MB
 * global SRAM.) */
static bool sram_aggregate(const npu_hw *hw, int i) {
    if (!hw->sram_main || hw->sram[i].mb <= 0) return false;
    for (int j = 0; j < hw->n_sram; j++) {
        double per_unit = hw->sram[j].kb_per_unit * 1e3 * hw->units;
        if (j != i && per_unit > 0 && fabs(hw->sram[i].mb * 1e6 / per_unit - 1) <= 0.02) return true;
    }
    return false;
}

/* The shared level an SRAM-only chip keeps its weights in (npu_hw derive_sram_main:
 * the largest), costed as a scratchpad; -1 for chips with DRAM. */
static int sram_main_level(const npu_hw *hw) {
    if (!hw->sram_main) return -1;
    int best = -1;
    for (int i = 0; i < hw->n_sram; i++)
        if (hw->sram[i].mb > 0 && (best < 0 || hw->sram[i].mb > hw->sram[best].mb)) best = i;
    return best;
}

/* Tensor datapath of one unit, mm2 at the reference process: each supported
 * format adds its own share of a bf16-class MAC (fp16 shares bf16's multiplier). */
static double unit_mac_ref_mm2(const npu_hw *hw) {
    const double *m = hw->macs_per_cycle;
    double um2 = m[NPU_BF16] * MAC_BF16_UM2;
    um2 += m[NPU_FP16] * MAC_BF16_UM2 * (m[NPU_BF16] > 0 ? 0.1 : 1.0);
    um2 += m[NPU_FP8] * MAC_BF16_UM2 * 0.35;
    um2 += m[NPU_INT8] * MAC_BF16_UM2 * 0.25;
    um2 += m[NPU_INT4] * MAC_BF16_UM2 * 0.10;
    return um2 * 1e-6;
}

void npu_area_estimate(const npu_hw *hw, const npu_process *p, npu_area *a) {
    memset(a, 0, sizeof *a);
    double logic = REF_LOGIC_MTR_MM2 / p->logic_mtr_mm2; /* area scale of logic vs N5 */
    double analog = pow(logic, 0.3);
    int U = hw->units_total > hw->units ? hw->units_total : hw->units;
    double spare_scale = (double)U / hw->units; /* disabled units come with their cache slices */
    a->units_total = U;
    a->dies = hw->dies > 0 ? hw->dies : 1;
    double mac = unit_mac_ref_mm2(hw);
    double vec = hw->vec_flops_per_cycle / 2.0 * LANE_UM2 * 1e-6;
    bool wafer = npu_area_wafer_scale(hw);
    double ctrl = (wafer ? TILE_CTRL_MM2 : UNIT_CTRL_MM2) + UNIT_CTRL_FRAC * (mac + vec);
    a->mac_mm2 = U * mac * logic;
    a->vector_mm2 = U * vec * logic;
    a->unit_ctrl_mm2 = U * ctrl * logic;
    int main_level = sram_main_level(hw);
    /* SRAM-only chips: their SRAM is software-managed scratchpad, no cache tags */
    double ovh = hw->sram_main ? SRAM_SCRATCH_OVH : SRAM_CACHE_OVH;
    double unit_sram = 0;
    for (int i = 0; i < hw->n_sram; i++) {
        unit_sram += sram_mm2_ovh(hw->sram[i].kb_per_unit * 1e3, p, ovh);
        if (sram_aggregate(hw, i)) continue;
        a->shared_sram_mm2 += sram_mm2_ovh(hw->sram[i].mb * 1e6 * spare_scale, p,
                                           i == main_level ? SRAM_SCRATCH_OVH : SRAM_CACHE_OVH);
    }
    a->unit_sram_mm2 = U * unit_sram;
    double bits = (double)hw->mem_stacks * (hw->memtech ? hw->memtech->bus_bits : 0);
    static const double phy_mm2_per_bit[NPU_MEM_FAMILY_COUNT] = {
        [NPU_MEM_HBM] = HBM_PHY_MM2_PER_BIT, [NPU_MEM_GDDR] = GDDR_PHY_MM2_PER_BIT,
        [NPU_MEM_LPDDR] = LPDDR_PHY_MM2_PER_BIT};
    double per_bit = hw->memtech ? phy_mm2_per_bit[npu_memtech_type(hw->memtech)->family] : LPDDR_PHY_MM2_PER_BIT;
    a->mem_phy_mm2 = bits * per_bit * analog;
    /* the scale-up bandwidth however it is stated (bandwidth_gbps, or links x link_gbps):
     * the resolved fabric's, else the stated figure */
    double link_gbps = hw->fabric.bw_Bps > 0 ? hw->fabric.bw_Bps / 1e9 : hw->link_gbps;
    a->link_phy_mm2 = link_gbps * LINK_MM2_PER_GBPS * analog;
    a->io_mm2 = IO_FIXED_MM2 * analog;
    a->d2d_mm2 = a->dies > 1 ? a->dies * D2D_MM2_PER_DIE * analog : 0;
    double core = a->mac_mm2 + a->vector_mm2 + a->unit_ctrl_mm2 + a->unit_sram_mm2 + a->shared_sram_mm2;
    /* a wafer-scale tile array has no uncore beside its tiles: each tile's router
     * (in TILE_CTRL_MM2) is the network, and there is no L2 or crossbar */
    double uncore = wafer ? 0 : npu_area_uncore_frac;
    a->uncore_mm2 = uncore * core;
    a->total_mm2 = core + a->uncore_mm2 + a->mem_phy_mm2 + a->link_phy_mm2 + a->io_mm2 + a->d2d_mm2;
    a->die_mm2 = a->total_mm2 / a->dies;
    a->unit_mm2 = (mac + vec + ctrl) * logic * (1 + uncore) + a->unit_sram_mm2 / U * (1 + uncore);
}

int npu_area_check_reticle(const npu_hw *hw, const npu_process *p, double die_mm2) {
    if (npu_area_wafer_scale(hw)) return 0; /* stitched across reticle fields: npu_econ checks the wafer */
    if (die_mm2 > p->reticle_mm2) {
        npu_err("%s: one die of %.1f mm2 exceeds the %.1f mm2 reticle limit of %s; split it into chiplets "
                "(process.dies, now %d)",
                hw->name, die_mm2, p->reticle_mm2, p->name, hw->dies > 0 ? hw->dies : 1);
        return -1;
    }
    return 0;
}
