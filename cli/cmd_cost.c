/* cmd_cost — `npusim cost` (die area, yield, unit cost) and `npusim list process` (issue 6). */
#include "args.h"
#include "cmds.h"
#include "cli_sets.h" /* --set (issue 13) */
#include "npu_econ.h"
#include "npu_all.h"

#include <stdio.h>
#include <string.h>

static cJSON *cost_json(const npu_hw *hw, const npu_process *p, const npu_econ_cfg *c, const npu_unit_cost *u) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "hw", hw->name);
    cJSON_AddStringToObject(o, "process", p->name);
    cJSON_AddStringToObject(o, "foundry", p->foundry);
    cJSON_AddNumberToObject(o, "dies", u->dies);
    cJSON_AddNumberToObject(o, "estimated_die_area_mm2", u->estimated_die_area_mm2);
    if (hw->die_mm2 > 0) cJSON_AddNumberToObject(o, "published_die_area_mm2", hw->die_mm2 / u->dies);
    cJSON_AddNumberToObject(o, "die_area_mm2", u->die_area_mm2);
    cJSON_AddStringToObject(o, "area_basis", u->area_basis);
    cJSON_AddNumberToObject(o, "reticle_mm2", p->reticle_mm2);
    cJSON *a = cJSON_AddObjectToObject(o, "area_mm2_by_block");
    const npu_area *ar = &u->area;
    cJSON_AddNumberToObject(a, "matrix", ar->mac_mm2);
    cJSON_AddNumberToObject(a, "vector", ar->vector_mm2);
    cJSON_AddNumberToObject(a, "unit_control", ar->unit_ctrl_mm2);
    cJSON_AddNumberToObject(a, "unit_sram", ar->unit_sram_mm2);
    cJSON_AddNumberToObject(a, "shared_sram", ar->shared_sram_mm2);
    cJSON_AddNumberToObject(a, "memory_phy", ar->mem_phy_mm2);
    cJSON_AddNumberToObject(a, "link_phy", ar->link_phy_mm2);
    cJSON_AddNumberToObject(a, "io", ar->io_mm2);
    cJSON_AddNumberToObject(a, "die_to_die", ar->d2d_mm2);
    cJSON_AddNumberToObject(a, "uncore", ar->uncore_mm2);
    cJSON_AddNumberToObject(a, "total", ar->total_mm2);
    cJSON_AddStringToObject(o, "yield_model", npu_yield_model_names[c->yield_model]);
    cJSON_AddNumberToObject(o, "d0_per_cm2", p->d0_per_cm2);
    cJSON_AddNumberToObject(o, "units_total", ar->units_total);
    cJSON_AddNumberToObject(o, "units_enabled", hw->units);
    cJSON_AddNumberToObject(o, "wafer_usd", p->wafer_usd);
    cJSON_AddNumberToObject(o, "dies_per_wafer", u->dies_per_wafer);
    cJSON_AddBoolToObject(o, "wafer_scale", u->wafer_scale);
    cJSON_AddNumberToObject(o, "die_yield", u->die_yield);
    cJSON_AddNumberToObject(o, "die_cost_usd", u->die_cost_usd);
    cJSON_AddNumberToObject(o, "dies_cost_usd", u->dies_cost_usd);
    cJSON_AddNumberToObject(o, "memory_gb", u->mem_gb);
    cJSON_AddNumberToObject(o, "memory_usd_per_gb", u->mem_usd_per_gb);
    cJSON_AddNumberToObject(o, "hbm_cost_usd", u->hbm_cost_usd);
    cJSON_AddStringToObject(o, "package", npu_pkg_names[u->package]);
    if (u->interposer_mm2 > 0) cJSON_AddNumberToObject(o, "interposer_mm2", u->interposer_mm2);
    cJSON_AddNumberToObject(o, "assembly_yield", u->assembly_yield);
    cJSON_AddNumberToObject(o, "package_cost_usd", u->package_cost_usd);
    cJSON_AddNumberToObject(o, "test_cost_usd", u->test_cost_usd);
    cJSON_AddNumberToObject(o, "nre_usd", u->nre_usd);
    cJSON_AddNumberToObject(o, "volume", c->volume);
    cJSON_AddNumberToObject(o, "nre_per_unit_usd", u->nre_per_unit_usd);
    cJSON_AddNumberToObject(o, "unit_cost_usd", u->unit_cost_usd);
    cJSON_AddNumberToObject(o, "board_cost_usd", u->board_cost_usd);
    cJSON_AddStringToObject(o, "process_confidence", p->confidence);
    return o;
}

static void cost_table(FILE *out, const npu_hw *hw, const npu_process *p, const npu_econ_cfg *c, const npu_unit_cost *u) {
    const npu_area *a = &u->area;
    fprintf(out, "npusim cost: %s on %s (%s), %d die%s\n\n", hw->name, p->name, p->foundry, u->dies, u->dies > 1 ? "s" : "");
    fprintf(out, "area model (mm2, all dies): matrix %.0f, vector %.0f, unit control %.0f, SRAM %.0f + %.0f,\n"
           "  memory PHY %.0f, links %.0f, I/O %.0f, die-to-die %.0f, uncore %.0f = %.0f\n",
           a->mac_mm2, a->vector_mm2, a->unit_ctrl_mm2, a->unit_sram_mm2, a->shared_sram_mm2, a->mem_phy_mm2,
           a->link_phy_mm2, a->io_mm2, a->d2d_mm2, a->uncore_mm2, a->total_mm2);
    fprintf(out, "  estimated die    %10.1f mm2", u->estimated_die_area_mm2);
    if (hw->die_mm2 > 0) fprintf(out, "   (published %.1f mm2, %+.1f%%)", hw->die_mm2 / u->dies,
                                100 * (u->estimated_die_area_mm2 - hw->die_mm2 / u->dies) / (hw->die_mm2 / u->dies));
    /* one decimal: a die just under the reticle must not read as equal to it */
    if (u->wafer_scale)
        fprintf(out, "\n  costed die       %10.1f mm2 (%s; wafer-scale: one die per wafer)\n\n", u->die_area_mm2,
                u->area_basis);
    else
        fprintf(out, "\n  costed die       %10.1f mm2 (%s; reticle limit %.1f mm2)\n\n", u->die_area_mm2, u->area_basis,
                p->reticle_mm2);
    fprintf(out, "  wafer            %10.0f USD, D0 %.3f /cm2, %s yield\n", p->wafer_usd, p->d0_per_cm2,
           npu_yield_model_names[c->yield_model]);
    fprintf(out, "  dies per wafer   %10.0f\n  die yield        %10.1f %% (%d of %d units enabled)\n", u->dies_per_wafer,
           100 * u->die_yield, hw->units, a->units_total);
    fprintf(out, "  good die         %10.0f USD   x %d = %.0f USD\n", u->die_cost_usd, u->dies, u->dies_cost_usd);
    if (hw->memtech)
        fprintf(out, "  memory           %10.0f USD   (%.0f GiB %s at %.2f USD/GiB)\n", u->hbm_cost_usd, u->mem_gb,
                hw->memtech->name, u->mem_usd_per_gb);
    else
        fprintf(out, "  memory           %10.0f USD   (none: SRAM only, in the die area)\n", u->hbm_cost_usd);
    fprintf(out, "  package          %10.0f USD   (%s", u->package_cost_usd, npu_pkg_names[u->package]);
    if (u->interposer_mm2 > 0) fprintf(out, ", interposer %.0f mm2", u->interposer_mm2);
    fprintf(out, ", assembly yield %.1f %%)\n", 100 * u->assembly_yield);
    fprintf(out, "  test             %10.0f USD\n  NRE share        %10.0f USD   (%.1f M USD over %.0f units)\n",
           u->test_cost_usd, u->nre_per_unit_usd, u->nre_usd / 1e6, c->volume);
    fprintf(out, "  unit cost        %10.0f USD\n  board            %10.0f USD (not in unit cost)\n", u->unit_cost_usd,
           u->board_cost_usd);
    fprintf(out, "\nconfidence: %s. Sources: docs/economics.md\n", p->confidence);
}

static int cmd_cost(const cli_args *a, cli_out *o) {
    npu_econ_cfg c;
    npu_econ_cfg_default(&c);
    if (cli_has(a, O_YIELD_MODEL)) c.yield_model = (npu_yield_model)cli_int(a, O_YIELD_MODEL);
    if (cli_has(a, O_PACKAGE)) c.package = (npu_pkg)cli_int(a, O_PACKAGE);
    if (cli_has(a, O_VOLUME)) c.volume = cli_num(a, O_VOLUME);
    if (cli_has(a, O_ALPHA)) c.alpha = cli_num(a, O_ALPHA);
    if (cli_has(a, O_NRE_USD)) c.nre_usd = cli_num(a, O_NRE_USD); /* a given 0 means no NRE */
    c.estimate_area = cli_has(a, O_ESTIMATE_AREA);
    npu_hw hw;
    npu_process p;
    if (cli_load_hw(a, O_HW, &hw) || cli_sets_apply(a, &hw, NULL, false)) return -1;
    const char *ps = cli_str(a, O_PROCESS);
    if (ps ? npu_process_load(ps, &p) : npu_process_of_hw(hw.process_node, &p)) return -1;
    if (cli_has(a, O_D0)) p.d0_per_cm2 = cli_num(a, O_D0);
    if (cli_has(a, O_WAFER_USD)) p.wafer_usd = cli_num(a, O_WAFER_USD);
    npu_unit_cost u;
    if (npu_econ_unit_cost(&hw, &p, &c, &u)) return -1;
    if (cli_has(a, O_JSON)) npu_report_print_json(o->f, cost_json(&hw, &p, &c, &u));
    else cost_table(o->f, &hw, &p, &c, &u);
    return 0;
}

static const cli_use cost_opts[] = {
    {O_HW, CLI_REQ}, {O_PROCESS}, {O_VOLUME}, {O_YIELD_MODEL}, {O_ALPHA}, {O_D0}, {O_WAFER_USD}, {O_PACKAGE},
    {O_NRE_USD}, {O_ESTIMATE_AREA}, {O_JSON}, {O_SET, .note = "hw.* paths"},
};
const cli_cmd cli_cmd_cost = {
    "cost", NULL, 0, 0, "die area, yield and unit cost of a chip on a process",
    "Areas in mm2, money in USD, memory in GiB. Sources and confidence tags: docs/economics.md.", cost_opts,
    (int)NPU_ARRAY_LEN(cost_opts), cmd_cost};

int cmd_list_process(FILE *out) {
    fprintf(out, "%-14s %-15s %4s %9s %8s %8s %6s %8s %7s %6s  %s\n", "process", "foundry", "year", "MTr/mm2", "bitcell",
           "wafer $", "D0/cm2", "reticle", "NRE $M", "energy", "confidence");
    for (int i = 0; i < npu_process_count(); i++) {
        const npu_process *p = npu_process_at(i);
        fprintf(out, "%-14s %-15s %4d %9.1f %8.4f %8.0f %6.3f %8.0f %7.1f %6.3f  %s\n", p->name, p->foundry, p->year,
               p->logic_mtr_mm2, p->sram_bitcell_um2, p->wafer_usd, p->d0_per_cm2, p->reticle_mm2, p->mask_nre_usd / 1e6,
               p->energy_rel, p->confidence);
    }
    fprintf(out, "\nbitcell: HD SRAM um2; energy: switching energy per op vs TSMC N5. Aliases and sources: docs/economics.md\n");
    return 0;
}

/* ---- --tco on run and serve ---- */

int cli_tco(const cli_args *a, const npu_hw *hw, double power_w, int chips, double tps, const char *tokens,
            cJSON **out) {
    *out = NULL;
    static const cli_id ids[] = {O_TCO, O_CHIP_PRICE, O_PUE, O_USD_PER_KWH, O_LIFETIME_YEARS, O_SERVER_OVERHEAD};
    bool any = false;
    for (size_t i = 0; i < NPU_ARRAY_LEN(ids); i++) any |= cli_has(a, ids[i]);
    if (!any) return 0;
    npu_tco_cfg t;
    npu_tco_cfg_default(&t);
    if (cli_has(a, O_CHIP_PRICE)) t.chip_price_usd = cli_num(a, O_CHIP_PRICE);
    if (cli_has(a, O_PUE)) t.pue = cli_num(a, O_PUE);
    if (cli_has(a, O_USD_PER_KWH)) t.usd_per_kwh = cli_num(a, O_USD_PER_KWH);
    if (cli_has(a, O_LIFETIME_YEARS)) t.lifetime_years = cli_num(a, O_LIFETIME_YEARS);
    if (cli_has(a, O_SERVER_OVERHEAD)) t.server_overhead = cli_num(a, O_SERVER_OVERHEAD);
    npu_tco tc;
    if (npu_tco_usd_per_hour(hw, &t, power_w, &tc)) return -1;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "chip_price_usd", tc.chip_price_usd);
    cJSON_AddStringToObject(j, "price_basis", tc.price_basis);
    cJSON_AddNumberToObject(j, "server_overhead", t.server_overhead);
    cJSON_AddNumberToObject(j, "host_power_frac", t.host_power_frac);
    cJSON_AddNumberToObject(j, "pue", t.pue);
    cJSON_AddNumberToObject(j, "usd_per_kwh", t.usd_per_kwh);
    cJSON_AddNumberToObject(j, "lifetime_years", t.lifetime_years);
    cJSON_AddNumberToObject(j, "power_w", power_w);
    cJSON_AddNumberToObject(j, "chips", chips);
    cJSON_AddNumberToObject(j, "capex_usd_per_hour", tc.capex_usd_per_hour);
    cJSON_AddNumberToObject(j, "power_usd_per_hour", tc.power_usd_per_hour);
    cJSON_AddNumberToObject(j, "usd_per_hour_per_chip", tc.usd_per_hour);
    cJSON_AddNumberToObject(j, "usd_per_million_tokens", npu_tco_usd_per_mtok(tc.usd_per_hour, chips, tps));
    cJSON_AddStringToObject(j, "tokens", tokens);
    *out = j;
    return 0;
}

static double jnum(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k)->valuedouble; }

void cli_print_tco(FILE *out, const cJSON *t) {
    double chips = jnum(t, "chips");
    fprintf(out, "\ntotal cost of ownership (%s price %.0f USD, server +%.0f%%, PUE %.2f, %.3f USD/kWh, %.1f years):\n",
            cJSON_GetObjectItemCaseSensitive(t, "price_basis")->valuestring, jnum(t, "chip_price_usd"),
            100 * jnum(t, "server_overhead"), jnum(t, "pue"), jnum(t, "usd_per_kwh"), jnum(t, "lifetime_years"));
    fprintf(out, "  per chip       %12.3f USD/hour (capex %.3f + power %.3f)\n", jnum(t, "usd_per_hour_per_chip"),
            jnum(t, "capex_usd_per_hour"), jnum(t, "power_usd_per_hour"));
    fprintf(out, "  per token      %12.4f USD per million %s tokens (%.0f chip%s)\n", jnum(t, "usd_per_million_tokens"),
            cJSON_GetObjectItemCaseSensitive(t, "tokens")->valuestring, chips, cli_s((long)chips));
}
