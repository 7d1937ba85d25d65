/* npu_econ — dies per wafer, yield, KGD, packaging, memory, NRE, unit cost, TCO.
 * Every constant carries its source tag; docs/economics.md explains them. */
#include "npu_econ.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const npu_yield_model_names[NPU_YIELD_COUNT] = {"negbin", "poisson", "murphy", "seeds"};
const char *const npu_pkg_names[NPU_PKG_COUNT] = {"auto", "organic", "cowos-s", "cowos-l", "wafer"};

/* Packaging [V] = chiplet-actuary parameter.ini (Feng & Ma, DAC'22), [E] = estimate. */
#define HBM_FOOTPRINT_MM2 110.0      /* one HBM stack, ~11 x 10 mm [R] */
#define INTERPOSER_SPACING 1.2       /* interposer area / (dies + stacks) [E] */
#define COWOS_S_MAX_MM2 (3.3 * 858)  /* CoWoS-S interposer up to ~3.3 reticles [R] */
#define SI_INTERPOSER_WAFER_USD 6000 /* passive 65 nm-class interposer with TSVs [E] */
#define SI_INTERPOSER_D0 0.06        /* [V] */
#define SI_INTERPOSER_ALPHA 6        /* [V] */
#define SI_BOND_YIELD 0.95           /* [V] bonding on a Si interposer */
#define RDL_WAFER_USD 4000           /* CoWoS-L RDL interposer wafer [E] */
#define RDL_D0 0.05                  /* [V] RDL fan-out */
#define RDL_ALPHA 3                  /* [V] */
#define RDL_BOND_YIELD 0.98          /* [V] fan-out */
#define LSI_BRIDGE_USD 25            /* one local silicon bridge [E] */
#define ORGANIC_BOND_YIELD 0.99      /* [V] organic substrate */
#define SUBSTRATE_USD 20             /* ABF substrate base [E] */
#define SUBSTRATE_USD_PER_MM2 0.03   /* [E] */
#define ASSEMBLY_USD 50              /* per package [E] */
#define ASSEMBLY_USD_PER_PART 15     /* per die or stack placed [E] */
#define TEST_FRAC 0.10               /* final test + burn-in, of the packaged parts [E] */
#define WAFER_CARRIER_FRAC 1.0       /* wafer-scale: the carrier (main board the wafer is pressed onto,
                                      * power and cooling plates) per mm2 of silicon, at the substrate's
                                      * $/mm2 [E]; an organic package spans 4x its die */
#define BOARD_USD 100                /* module PCB, connectors [E] */
#define BOARD_USD_PER_W 0.4          /* VRMs and cooling scale with TDP [E] */

void npu_econ_cfg_default(npu_econ_cfg *c) {
    memset(c, 0, sizeof *c);
    c->yield_model = NPU_YIELD_NEGBIN;
    c->alpha = 10;   /* [V] chiplet-actuary critical_level for logic dies */
    c->wafer_mm = 300;
    c->edge_mm = 5;  /* [V] chiplet-actuary edge loss */
    c->scribe_mm = 0.2; /* [V] chiplet-actuary scribe lane */
    c->package = NPU_PKG_AUTO;
    c->volume = 1e5;
    c->nre_usd = -1; /* the process's */
}

double npu_dies_per_wafer(double die_mm2, double wafer_mm, double edge_mm, double scribe_mm) {
    if (die_mm2 <= 0) return 0;
    double side = sqrt(die_mm2) + scribe_mm, a = side * side;
    double d = wafer_mm - 2 * edge_mm, r = d / 2;
    double n = M_PI * r * r / a - M_PI * d / sqrt(2 * a);
    return n > 0 ? floor(n) : 0;
}

double npu_yield(npu_yield_model m, double area_mm2, double d0_per_cm2, double alpha) {
    double ad = area_mm2 / 100.0 * d0_per_cm2; /* expected defects per die */
    if (ad <= 0) return 1.0;
    switch (m) {
    case NPU_YIELD_POISSON: return exp(-ad);
    case NPU_YIELD_MURPHY: {
        double y = (1 - exp(-ad)) / ad;
        return y * y;
    }
    case NPU_YIELD_SEEDS: return 1 / (1 + ad);
    default: return pow(1 + ad / (alpha > 0 ? alpha : 10), -(alpha > 0 ? alpha : 10));
    }
}

double npu_yield_harvest(npu_yield_model m, double fixed_mm2, double unit_mm2, int units, int spares,
                         double d0_per_cm2, double alpha) {
    if (spares <= 0) return npu_yield(m, fixed_mm2 + unit_mm2 * units, d0_per_cm2, alpha);
    double lambda = unit_mm2 * units / 100.0 * d0_per_cm2, p = exp(-lambda), sum = p;
    for (int k = 1; k <= spares; k++) {
        p *= lambda / k;
        sum += p;
    }
    return npu_yield(m, fixed_mm2, d0_per_cm2, alpha) * (sum < 1 ? sum : 1);
}

/* Main-memory price, $/GB: the type's (memory.json "types", [E]: no credible public
 * $/GB exists, hw_specs.md B1), with two stacking rules. */
static double mem_usd_per_gb(const npu_memtech *t, int height) {
    double usd = npu_memtech_type(t)->usd_per_gb;
    if (npu_memtech_type(t)->family == NPU_MEM_HBM) {
        if (height >= 12) usd *= 1.10; /* taller stacks: lower stacking yield [E] */
        if (strcmp(t->vendor, "Samsung") == 0) usd *= 0.95; /* reported to undercut SK hynix [E] */
    }
    return usd;
}

/* Limits of the cost inputs. D0: early risk production runs ~0.5-1 defects/cm2
 * (TSMC N5 at HVM start 0.10-0.11, anandtech.com/show/16028); 10 is an order of
 * magnitude beyond anything that ships. A die yielding under 0.1% is never built. */
#define D0_MAX NPU_ECON_D0_MAX
#define YIELD_MIN 1e-3

static int out_of(const char *what, double v, double lo, double hi) {
    if (v >= lo && v <= hi) return 0;
    npu_err("%s: %g is outside [%g, %g]", what, v, lo, hi);
    return -1;
}

static int check_inputs(const npu_process *p, const npu_econ_cfg *c) {
    if (c->yield_model < 0 || c->yield_model >= NPU_YIELD_COUNT) {
        npu_err("yield model %d: one of negbin, poisson, murphy, seeds", (int)c->yield_model);
        return -1;
    }
    if (c->package < 0 || c->package >= NPU_PKG_COUNT) {
        npu_err("package %d: one of auto, organic, cowos-s, cowos-l, wafer", (int)c->package);
        return -1;
    }
    char what[96];
    snprintf(what, sizeof what, "process %s: d0_per_cm2 (defect density, /cm2)", p->name);
    if (out_of(what, p->d0_per_cm2, 0, D0_MAX)) return -1;
    snprintf(what, sizeof what, "process %s: wafer_usd", p->name);
    if (out_of(what, p->wafer_usd, 1, 1e7)) return -1;
    snprintf(what, sizeof what, "process %s: logic_mtr_mm2", p->name);
    if (out_of(what, p->logic_mtr_mm2, 1e-3, 1e5)) return -1;
    snprintf(what, sizeof what, "process %s: sram_bitcell_um2", p->name);
    if (out_of(what, p->sram_bitcell_um2, 1e-6, 10)) return -1;
    snprintf(what, sizeof what, "process %s: reticle_mm2", p->name);
    if (out_of(what, p->reticle_mm2, 1, 1e5)) return -1;
    snprintf(what, sizeof what, "process %s: mask_nre_usd", p->name);
    if (out_of(what, p->mask_nre_usd, 0, 1e12)) return -1;
    return out_of("alpha (yield clustering)", c->alpha, 0.01, 1e4) ||
                   out_of("wafer diameter, mm", c->wafer_mm, 25, 1000) ||
                   out_of("wafer edge exclusion, mm", c->edge_mm, 0, c->wafer_mm / 4) ||
                   out_of("scribe lane, mm", c->scribe_mm, 0, 10) || out_of("volume", c->volume, 1, 1e12) ||
                   (c->nre_usd >= 0 && out_of("NRE, USD", c->nre_usd, 0, 1e12))
               ? -1
               : 0;
}

/* The die area to cost (npu_econ.h; docs/economics.md "Which die area"). */
static int costed_area(const npu_hw *hw, const npu_process *p, const npu_econ_cfg *c, npu_unit_cost *r) {
    r->die_area_mm2 = r->estimated_die_area_mm2;
    r->area_basis = "estimate";
    if (c->estimate_area) return 0;
    /* the chip as published: the built-in preset of this name, else this description */
    npu_hw ref;
    bool preset = npu_hw_preset_load(hw->name, &ref) == 0;
    if (!preset) ref = *hw;
    bool same = npu_hw_same_silicon(hw, &ref);
    double anchor = same ? hw->die_mm2 : ref.die_mm2; /* an edited copy's die_mm2 is the preset's, stale */
    const npu_process *own = npu_process_lookup(ref.process_node);
    if (anchor <= 0 || !own) return 0;
    if (same && strcmp(own->name, p->name) == 0) {
        r->die_area_mm2 = anchor / r->dies;
        r->area_basis = "published";
        return 0;
    }
    npu_area a_ref;
    npu_area_estimate(&ref, own, &a_ref);
    r->die_area_mm2 = anchor * (r->area.total_mm2 / a_ref.total_mm2) / r->dies;
    r->area_basis = "published, scaled";
    return 0;
}

/* A wafer-scale chip: one die, no larger than its wafer (the whole disc; the
 * edge exclusion of diced dies does not apply), repaired by spare units. */
static int check_wafer_scale(const npu_hw *hw, const npu_econ_cfg *c, const npu_unit_cost *r) {
    double disc = M_PI * c->wafer_mm * c->wafer_mm / 4;
    if (r->dies != 1) {
        npu_err("%s: a wafer-scale chip (kind wafer) is one die per wafer; process.dies is %d", hw->name, r->dies);
        return -1;
    }
    if (r->die_area_mm2 > disc) {
        npu_err("%s: a wafer-scale die of %.0f mm2 exceeds its %.0f mm wafer (%.0f mm2)", hw->name, r->die_area_mm2,
                c->wafer_mm, disc);
        return -1;
    }
    return 0;
}

int npu_econ_unit_cost(const npu_hw *hw, const npu_process *p, const npu_econ_cfg *c, npu_unit_cost *r) {
    memset(r, 0, sizeof *r);
    if (check_inputs(p, c)) return -1;
    npu_area_estimate(hw, p, &r->area);
    r->dies = r->area.dies;
    r->wafer_scale = npu_area_wafer_scale(hw);
    r->estimated_die_area_mm2 = r->area.die_mm2;
    if (costed_area(hw, p, c, r) || npu_area_check_reticle(hw, p, r->die_area_mm2) ||
        (r->wafer_scale && check_wafer_scale(hw, c, r)))
        return -1;
    /* yield: the units' share of the die may hold spare units */
    int spares = r->area.units_total - hw->units;
    double scale = r->die_area_mm2 / r->area.die_mm2; /* published/estimated */
    double unit_mm2 = r->area.unit_mm2 * scale;
    int units_per_die = r->area.units_total / r->dies;
    double fixed = r->die_area_mm2 - unit_mm2 * units_per_die;
    if (fixed < 0) fixed = 0;
    r->die_yield = npu_yield_harvest(c->yield_model, fixed, unit_mm2, units_per_die, spares / r->dies, p->d0_per_cm2,
                                     c->alpha);
    r->dies_per_wafer = r->wafer_scale ? 1 : npu_dies_per_wafer(r->die_area_mm2, c->wafer_mm, c->edge_mm, c->scribe_mm);
    if (r->dies_per_wafer < 1) {
        npu_err("%s: a %.0f mm2 die does not fit on a %.0f mm wafer", hw->name, r->die_area_mm2, c->wafer_mm);
        return -1;
    }
    if (!(r->die_yield >= YIELD_MIN) && r->wafer_scale) {
        npu_err("%s: wafer yield %.2g%% with %d spare units: a wafer-scale chip (%.0f mm2 at D0 %g/cm2) works "
                "only with spare units that route around its defects; state process.units_total (physical units)",
                hw->name, 100 * r->die_yield, spares, r->die_area_mm2, p->d0_per_cm2);
        return -1;
    }
    if (!(r->die_yield >= YIELD_MIN)) {
        npu_err("%s: die yield %.2g%% (a %.1f mm2 die at D0 %g/cm2, %s): below 0.1%%, no product is built so; "
                "check d0", hw->name, 100 * r->die_yield, r->die_area_mm2, p->d0_per_cm2,
                npu_yield_model_names[c->yield_model]);
        return -1;
    }
    r->die_cost_usd = p->wafer_usd / (r->dies_per_wafer * r->die_yield);
    r->dies_cost_usd = r->die_cost_usd * r->dies;
    /* memory: none on an SRAM-only chip (its SRAM is in the die area) */
    const npu_memtech *t = hw->memtech;
    bool hbm = false;
    if (t) {
        double phys = npu_memtech_capacity_B(t, hw->mem_stacks, hw->mem_height);
        r->mem_gb = (phys > hw->mem_bytes ? phys : hw->mem_bytes) / 1073741824.0; /* marketed GB are GiB */
        r->mem_usd_per_gb = mem_usd_per_gb(t, hw->mem_height);
        r->hbm_cost_usd = r->mem_gb * r->mem_usd_per_gb;
        hbm = npu_memtech_type(t)->family == NPU_MEM_HBM;
    }
    /* package: HBM stacks sit beside the die on a silicon interposer (CoWoS-S) or
     * bridges in an RDL interposer (CoWoS-L); an organic substrate cannot route
     * their 1024-2048-bit interfaces; a chip without HBM needs no interposer; a
     * wafer-scale chip sits on its own carrier */
    double silicon = r->die_area_mm2 * r->dies;
    double ip = INTERPOSER_SPACING * (silicon + (hbm ? hw->mem_stacks : 0) * HBM_FOOTPRINT_MM2);
    npu_pkg pk = c->package;
    if (pk == NPU_PKG_AUTO)
        pk = r->wafer_scale ? NPU_PKG_WAFER
             : !hbm         ? NPU_PKG_ORGANIC
             : ip <= COWOS_S_MAX_MM2 ? NPU_PKG_COWOS_S
                                     : NPU_PKG_COWOS_L;
    if ((pk == NPU_PKG_WAFER) != r->wafer_scale) {
        npu_err(r->wafer_scale ? "%s: a wafer-scale chip takes package wafer (its own carrier), not %s"
                               : "%s: package %s: only a wafer-scale chip (kind wafer) sits on a wafer carrier",
                hw->name, npu_pkg_names[pk]);
        return -1;
    }
    if (pk == NPU_PKG_ORGANIC && hbm) {
        npu_err("%s: package organic cannot carry HBM (%d %s stacks): their wide interfaces need a silicon "
                "interposer or bridge beside the die; use cowos-s or cowos-l",
                hw->name, hw->mem_stacks, t->name);
        return -1;
    }
    if (pk == NPU_PKG_COWOS_S && ip > COWOS_S_MAX_MM2) {
        npu_err("%s: package cowos-s: an interposer of %.0f mm2 exceeds CoWoS-S's %.0f mm2 (3.3 reticles); use cowos-l",
                hw->name, ip, (double)COWOS_S_MAX_MM2);
        return -1;
    }
    r->package = pk;
    int stacks_on_package = hbm ? hw->mem_stacks : 0;
    int parts = r->dies + stacks_on_package;
    double carrier = 0, y = ORGANIC_BOND_YIELD, substrate_mm2 = (pk == NPU_PKG_WAFER ? WAFER_CARRIER_FRAC : 4) * silicon;
    if (pk == NPU_PKG_COWOS_S || pk == NPU_PKG_COWOS_L) {
        r->interposer_mm2 = INTERPOSER_SPACING * (silicon + stacks_on_package * HBM_FOOTPRINT_MM2);
        bool s = pk == NPU_PKG_COWOS_S;
        double dpw = npu_dies_per_wafer(r->interposer_mm2, c->wafer_mm, c->edge_mm, c->scribe_mm);
        if (dpw < 1) dpw = 1;
        double iy = npu_yield(NPU_YIELD_NEGBIN, r->interposer_mm2, s ? SI_INTERPOSER_D0 : RDL_D0,
                              s ? SI_INTERPOSER_ALPHA : RDL_ALPHA);
        carrier = (s ? SI_INTERPOSER_WAFER_USD : RDL_WAFER_USD) / (dpw * iy);
        if (!s) carrier += LSI_BRIDGE_USD * (stacks_on_package + r->dies - 1);
        y = s ? SI_BOND_YIELD : RDL_BOND_YIELD;
        substrate_mm2 = 3 * r->interposer_mm2;
    }
    double direct = carrier + SUBSTRATE_USD + SUBSTRATE_USD_PER_MM2 * substrate_mm2 + ASSEMBLY_USD +
                    ASSEMBLY_USD_PER_PART * parts;
    r->assembly_yield = y;
    /* a failed assembly scraps its known-good dies and stacks too */
    r->package_cost_usd = direct / y + (r->dies_cost_usd + r->hbm_cost_usd) * (1 / y - 1);
    r->test_cost_usd = TEST_FRAC * (r->dies_cost_usd + r->hbm_cost_usd + r->package_cost_usd);
    r->nre_usd = c->nre_usd >= 0 ? c->nre_usd : p->mask_nre_usd;
    r->nre_per_unit_usd = c->volume > 0 ? r->nre_usd / c->volume : 0;
    r->unit_cost_usd = r->dies_cost_usd + r->hbm_cost_usd + r->package_cost_usd + r->test_cost_usd + r->nre_per_unit_usd;
    r->board_cost_usd = BOARD_USD + BOARD_USD_PER_W * hw->tdp_w;
    return 0;
}

/* ---- TCO ---- */

void npu_tco_cfg_default(npu_tco_cfg *c) {
    memset(c, 0, sizeof *c);
    c->margin = 4.0;          /* [E] ~75% gross margin (NVIDIA data-centre class) */
    c->server_overhead = 0.5; /* [E] HGX-class server + share of rack and network per GPU */
    c->host_power_frac = 0.25;/* [E] CPUs, NICs, fans per accelerator */
    c->pue = 1.3;             /* [E] typical modern data centre */
    c->usd_per_kwh = 0.10;    /* [E] US industrial electricity */
    c->lifetime_years = 4;    /* [E] accelerator depreciation period */
}

int npu_tco_usd_per_hour(const npu_hw *hw, const npu_tco_cfg *cfg, double avg_power_w, npu_tco *out) {
    memset(out, 0, sizeof *out);
    if (out_of("chip price, USD", cfg->chip_price_usd, 0, 1e9) || out_of("margin", cfg->margin, 0.01, 1e3) ||
        out_of("server overhead", cfg->server_overhead, 0, 1e3) ||
        out_of("host power fraction", cfg->host_power_frac, 0, 1e3) || out_of("PUE", cfg->pue, 1, 10) ||
        out_of("USD per kWh", cfg->usd_per_kwh, 0, 1e3) || out_of("lifetime, years", cfg->lifetime_years, 0.01, 100) ||
        out_of("average power, W", avg_power_w, 0, 1e7))
        return -1;
    if (cfg->chip_price_usd > 0) {
        out->chip_price_usd = cfg->chip_price_usd;
        out->price_basis = "option";
    } else if (hw->price_usd > 0) {
        out->chip_price_usd = hw->price_usd;
        out->price_basis = "preset";
    } else {
        npu_process p;
        npu_econ_cfg ec;
        npu_unit_cost uc;
        npu_econ_cfg_default(&ec);
        if (npu_process_of_hw(hw->process_node, &p) || npu_econ_unit_cost(hw, &p, &ec, &uc)) {
            char m[400];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("%s has no price: give --chip-price (%s)", hw->name, m);
            return -1;
        }
        out->chip_price_usd = uc.unit_cost_usd * cfg->margin;
        out->price_basis = "unit cost x margin";
    }
    double hours = cfg->lifetime_years * 365.25 * 24;
    out->capex_usd_per_hour = out->chip_price_usd * (1 + cfg->server_overhead) / hours;
    out->power_usd_per_hour = avg_power_w * (1 + cfg->host_power_frac) / 1e3 * cfg->pue * cfg->usd_per_kwh;
    out->usd_per_hour = out->capex_usd_per_hour + out->power_usd_per_hour;
    return 0;
}

double npu_tco_usd_per_mtok(double usd_per_hour_per_chip, int chips, double tokens_per_s) {
    if (tokens_per_s <= 0) return INFINITY;
    return usd_per_hour_per_chip * (chips > 0 ? chips : 1) / (tokens_per_s * 3600) * 1e6;
}
