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
#define HBM_PHY_MM2_PER_BIT (12.0 / 1024) /* HBM PHY + controller, ~12 mm2 per 1024-bit stack [E] */
#define GDDR_PHY_MM2_PER_BIT (4.0 / 32)   /* GDDR6/7 PHY + controller, ~4 mm2 per x32 device [E] */
#define LPDDR_PHY_MM2_PER_BIT (3.0 / 64)  /* LPDDR PHY + controller, ~3 mm2 per 64 bits [E] */
#define LINK_MM2_PER_GBPS 0.045 /* 112G-class SerDes ~0.6 mm2 per lane, 14 GB/s per direction [E] */
#define IO_FIXED_MM2 15.0       /* PCIe host port, management, fuses, clocks [E] */
#define D2D_MM2_PER_DIE 10.0    /* UCIe/NV-HBI-class die-to-die PHY per chiplet [E] */

/* Fitted: (814 - blocks(H100)) / (logic + SRAM blocks of the H100); see the unit test. */
const double npu_area_uncore_frac = 0.785;

static double sram_mm2(double bytes, const npu_process *p) {
    return bytes * 8.0 * p->sram_bitcell_um2 * 1e-6 / SRAM_ARRAY_EFF * SRAM_CACHE_OVH;
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
    double ctrl = UNIT_CTRL_MM2 + UNIT_CTRL_FRAC * (mac + vec);
    a->mac_mm2 = U * mac * logic;
    a->vector_mm2 = U * vec * logic;
    a->unit_ctrl_mm2 = U * ctrl * logic;
    for (int i = 0; i < hw->n_sram; i++) {
        a->unit_sram_mm2 += U * sram_mm2(hw->sram[i].kb_per_unit * 1e3, p);
        a->shared_sram_mm2 += sram_mm2(hw->sram[i].mb * 1e6 * spare_scale, p);
    }
    double bits = (double)hw->mem_stacks * (hw->memtech ? hw->memtech->bus_bits : 0);
    static const double phy_mm2_per_bit[NPU_MEM_FAMILY_COUNT] = {
        [NPU_MEM_HBM] = HBM_PHY_MM2_PER_BIT, [NPU_MEM_GDDR] = GDDR_PHY_MM2_PER_BIT,
        [NPU_MEM_LPDDR] = LPDDR_PHY_MM2_PER_BIT};
    double per_bit = hw->memtech ? phy_mm2_per_bit[npu_memtech_type(hw->memtech)->family] : LPDDR_PHY_MM2_PER_BIT;
    a->mem_phy_mm2 = bits * per_bit * analog;
    a->link_phy_mm2 = hw->link_gbps * LINK_MM2_PER_GBPS * analog;
    a->io_mm2 = IO_FIXED_MM2 * analog;
    a->d2d_mm2 = a->dies > 1 ? a->dies * D2D_MM2_PER_DIE * analog : 0;
    double core = a->mac_mm2 + a->vector_mm2 + a->unit_ctrl_mm2 + a->unit_sram_mm2 + a->shared_sram_mm2;
    a->uncore_mm2 = npu_area_uncore_frac * core;
    a->total_mm2 = core + a->uncore_mm2 + a->mem_phy_mm2 + a->link_phy_mm2 + a->io_mm2 + a->d2d_mm2;
    a->die_mm2 = a->total_mm2 / a->dies;
    a->unit_mm2 = (mac + vec + ctrl) * logic * (1 + npu_area_uncore_frac) +
                  a->unit_sram_mm2 / U * (1 + npu_area_uncore_frac);
}

int npu_area_check_reticle(const npu_hw *hw, const npu_process *p, double die_mm2) {
    if (die_mm2 > p->reticle_mm2) {
        npu_err("%s: one die of %.1f mm2 exceeds the %.1f mm2 reticle limit of %s; split it into chiplets "
                "(process.dies, now %d)",
                hw->name, die_mm2, p->reticle_mm2, p->name, hw->dies > 0 ? hw->dies : 1);
        return -1;
    }
    return 0;
}
