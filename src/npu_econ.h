/* npu_econ — silicon economics: dies per wafer, yield, known-good-die cost,
 * 2.5D packaging, DRAM (HBM) cost, NRE amortisation -> unit cost; and total
 * cost of ownership -> $/hour per chip and $ per million tokens.
 * Models, equations, parameters and sources: docs/economics.md. */
#ifndef NPU_ECON_H
#define NPU_ECON_H

#include "npu_area.h"
#include "npu_hw.h"
#include "npu_process.h"

typedef enum { NPU_YIELD_NEGBIN = 0, NPU_YIELD_POISSON, NPU_YIELD_MURPHY, NPU_YIELD_SEEDS,
               NPU_YIELD_COUNT } npu_yield_model;
extern const char *const npu_yield_model_names[NPU_YIELD_COUNT];

/* wafer: the carrier of a wafer-scale chip (npu_area_wafer_scale), the only package it takes */
typedef enum { NPU_PKG_AUTO = 0, NPU_PKG_ORGANIC, NPU_PKG_COWOS_S, NPU_PKG_COWOS_L, NPU_PKG_WAFER,
               NPU_PKG_COUNT } npu_pkg;
extern const char *const npu_pkg_names[NPU_PKG_COUNT];

/* Gross dies per wafer of a die_mm2 die (square), wafer diameter and edge
 * exclusion in mm, scribe lane in mm: pi r^2 / A - pi d / sqrt(2 A), r = d/2 - edge,
 * A = (sqrt(die) + scribe)^2. 0 if none fits. */
double npu_dies_per_wafer(double die_mm2, double wafer_mm, double edge_mm, double scribe_mm);
/* Fraction of dies of area_mm2 without a killer defect at d0 defects/cm2;
 * alpha = negative-binomial clustering parameter (ignored by the others). */
double npu_yield(npu_yield_model m, double area_mm2, double d0_per_cm2, double alpha);
/* Yield of a die whose `units` repairable units of unit_mm2 tolerate `spares`
 * defective ones (fused off), the rest (fixed_mm2) none: Y(fixed) x P(<= spares
 * defects in the units), the unit defects Poisson. */
double npu_yield_harvest(npu_yield_model m, double fixed_mm2, double unit_mm2, int units, int spares,
                         double d0_per_cm2, double alpha);

/* Largest defect density the cost model accepts, defects/cm2: early risk production
 * runs ~0.5-1; beyond 10 nothing ships (npu_econ.c). */
#define NPU_ECON_D0_MAX 10.0

typedef struct npu_econ_cfg {
    npu_yield_model yield_model; /* default negative binomial */
    double alpha;                /* clustering, default 10 (logic, chiplet-actuary) */
    double wafer_mm, edge_mm, scribe_mm; /* 300, 5, 0.2 */
    npu_pkg package;             /* default auto: HBM -> CoWoS-S (CoWoS-L above 3.3 reticles), wafer-scale ->
                                  * wafer, else organic */
    double volume;               /* units the NRE is spread over, default 100,000 */
    double nre_usd;              /* USD; negative (the default) = the process's mask + tape-out NRE; 0 is legal */
    bool estimate_area;          /* true: the area model alone, even when a die area is published */
} npu_econ_cfg;
void npu_econ_cfg_default(npu_econ_cfg *c);

typedef struct npu_unit_cost {
    npu_area area;
    double estimated_die_area_mm2; /* one die, from the area model on the costed process */
    double die_area_mm2;           /* one die, as costed (area_basis says how) */
    const char *area_basis;        /* "published" | "published, scaled" | "estimate" (docs/economics.md) */
    int dies;
    double dies_per_wafer, die_yield;
    double die_cost_usd;           /* one known-good die (wafer / good dies per wafer) */
    double dies_cost_usd;          /* all dies of the chip */
    bool wafer_scale;              /* one chip per wafer (npu_area_wafer_scale): dies_per_wafer 1, no reticle */
    double mem_gb, mem_usd_per_gb; /* 0 for an SRAM-only chip (its SRAM is in the die area) */
    double hbm_cost_usd;           /* main memory (HBM stacks, or GDDR/LPDDR devices); 0 without DRAM */
    npu_pkg package;
    double interposer_mm2;
    double package_cost_usd;       /* interposer/substrate + assembly + scrap at assembly yield */
    double assembly_yield;
    double test_cost_usd;          /* final test and burn-in */
    double nre_usd, nre_per_unit_usd;
    double unit_cost_usd;          /* packaged, tested accelerator incl. NRE share */
    double board_cost_usd;         /* board/module: VRMs, PCB, connectors */
} npu_unit_cost;

/* Unit cost of `hw` built on process `p`. A chip without DRAM (memory.technology
 * none) pays for no memory and needs no interposer: its SRAM is in its die area;
 * a wafer-scale chip is one die per wafer, yielded by its spare units
 * (process.units_total), on a wafer carrier (docs/economics.md "Chips without
 * DRAM"). The die area costed (docs/economics.md
 * "Which die area"): the published area when the chip is exactly as published
 * (the built-in preset of its name, or a user file of another name: its own
 * die_mm2) on its own process; after an edit or on another process, the
 * published area scaled by the area model's ratio estimate(this chip, p) /
 * estimate(as published, own process); the area model alone when no area is
 * published or estimate_area is set. -1 + npu_err: an input outside its range
 * (d0, alpha, wafer, volume, NRE, yield model), a package that cannot carry the
 * memory (HBM on organic), a die over the reticle, a yield below 0.1%, a
 * wafer-scale chip larger than its wafer or on another package (or a wafer
 * package for another chip). */
int npu_econ_unit_cost(const npu_hw *hw, const npu_process *p, const npu_econ_cfg *c, npu_unit_cost *out);

/* ---- total cost of ownership ---- */
typedef struct npu_tco_cfg {
    double chip_price_usd;   /* 0: the preset's price_usd, else unit cost x margin */
    double margin;           /* price / unit cost when no price is known, default 4 */
    double server_overhead;  /* server, rack, network capex as a fraction of chip price, default 0.5 */
    double host_power_frac;  /* host/network power as a fraction of chip power, default 0.25 */
    double pue;              /* data-centre power usage effectiveness, default 1.3 */
    double usd_per_kwh;      /* electricity, default 0.10 */
    double lifetime_years;   /* straight-line depreciation, default 4 */
} npu_tco_cfg;
void npu_tco_cfg_default(npu_tco_cfg *c);

typedef struct npu_tco {
    double chip_price_usd;
    const char *price_basis;   /* "option" | "preset" | "unit cost x margin" */
    double capex_usd_per_hour; /* (chip + server overhead) / lifetime hours */
    double power_usd_per_hour; /* chip power x (1 + host) x PUE x $/kWh */
    double usd_per_hour;       /* per chip */
} npu_tco;

/* $/hour of one chip drawing avg_power_w on average. -1 + npu_err when no price
 * can be found (no --chip-price, no preset price, unknown process) or a parameter
 * is outside its range (negative, non-finite, zero lifetime or margin, PUE < 1). */
int npu_tco_usd_per_hour(const npu_hw *hw, const npu_tco_cfg *cfg, double avg_power_w, npu_tco *out);
/* $ per million tokens for `chips` chips at usd_per_hour_per_chip producing tokens_per_s. */
double npu_tco_usd_per_mtok(double usd_per_hour_per_chip, int chips, double tokens_per_s);

#endif
