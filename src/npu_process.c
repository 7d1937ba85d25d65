/* npu_process — built-in process/foundry table and JSON loading.
 *
 * Figures and tags are from ../shared/data/hw_specs.md (sections C2-C5) unless
 * said otherwise. Wafer prices are foundry sale prices of a 300 mm wafer; D0 is
 * the mature killer-defect density; energy_rel is the switching energy per
 * operation relative to TSMC N5, from the foundries' iso-speed power claims:
 * N5 = 0.70 x N7 [V] (tsmc.com 5nm page: "about 30% reduction in power
 * consumption" vs N7), N3E = 0.675 x N5 [P] (30-35% less power, WikiChip IEDM
 * 2022 via vuink.com), N2 = 0.725 x N3E [P] (25-30%, TSMC symposium 2023 via
 * Maximum PC / pocketmags.com), N7 = 0.40 x N16 [R]. */
#include "npu_process.h"
#include "npu_json.h"
#include "npu_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RETICLE 858.0 /* 26 x 33 mm exposure field [P] mooreslawisdead.com "The economics of chiplets" */

static const npu_process builtin[] = {
    {"tsmc-n16", "tsmc-n12 tsmc-16ff tsmc-12ffc", "TSMC", 2015, 28.9, 0.074, 3984, 0.08, RETICLE, 12e6, 3.57,
     "density [R], bitcell [R], wafer [P], D0 [V], NRE [E], energy [R]",
     "wafer $3,984 (16/12 nm) CSET 2020 'AI Chips' model [P]; D0 0.08 chiplet-actuary parameter.ini for 10/14 nm [V]; "
     "density 28.9 MTr/mm2 and 0.074 um2 bit cell recalled [R]; NRE $12M assumed [E]; energy 1/0.40 x N7 [R]"},
    {"tsmc-n7", "n7 tsmc-7nm tsmc-n7p", "TSMC", 2018, 91.2, 0.027, 9346, 0.09, RETICLE, 29.8e6, 1.43,
     "density [R], bitcell [R], wafer [P], D0 [P], NRE [V], energy [V]",
     "wafer $9,346 CSET 2020 [P] (~$10k at launch, DigiTimes); D0 0.09 three quarters after HVM, VLSI 2019 via "
     "anandtech.com/show/16028 [P]; density ~91 MTr/mm2 (Kirin 990 chip-level ~90, gizchina.com) [R]; bit cell 0.027 um2 [R]; "
     "mask+tape-out NRE $29.8M chiplet-actuary [V]; energy 1/0.70 of N5 (tsmc.com: N5 ~30% less power than N7) [V]"},
    {"tsmc-n6", "n6 tsmc-6nm", "TSMC", 2020, 107.6, 0.027, 10000, 0.09, RETICLE, 30e6, 1.35,
     "density [D], bitcell [R], wafer [E], D0 [E], NRE [E], energy [E]",
     "N7 derivative: density 1.18 x N7 (TSMC claim, recalled) [D]; same bit cell as N7 [R]; wafer ~$10k [E]; D0 as N7 [E]; "
     "NRE as N7 [E]; energy ~0.95 x N7 [E]"},
    {"tsmc-n5", "n5 tsmc-5nm tsmc-n5p", "TSMC", 2020, 138.2, 0.021, 16988, 0.07, RETICLE, 54.2e6, 1.00,
     "density [E], bitcell [P], wafer [P], D0 [E], NRE [V], energy [V]",
     "wafer $16,988 CSET 2020 [P] ('>$16,000' DigiTimes); D0 0.10-0.11 at HVM start (2020), ~0.06 projected a year later "
     "(anandtech.com/show/16028; semiwiki) -> 0.07 mature [E]; density: 171 MTr/mm2 'calculated' overstates real HD logic "
     "(angstronomics.com) -> 138 [E]; Apple A14 chip-level 134 [P]; bit cell 0.021 um2 (tomshardware) [P]; NRE $54.2M "
     "chiplet-actuary [V]; energy reference (1.0)"},
    {"tsmc-n4", "n4 tsmc-4n 4n tsmc-n4p n4p tsmc-4nm", "TSMC", 2022, 143.7, 0.021, 17000, 0.07, RETICLE, 54.2e6, 0.95,
     "density [D], bitcell [P], wafer [E], D0 [E], NRE [D], energy [E]",
     "N5 family (NVIDIA 4N, N4P): density 1.04 x N5 [D from a recalled TSMC +4% claim]; same 0.021 um2 bit cell [P]; "
     "no separate public wafer price: priced as the N5 family, $17,000 [E] (CSET N5 $16,988; one H200 post assumes $18-20k); "
     "D0 as N5 [E]; NRE as N5 [D]; energy ~5% below N5 [E]"},
    {"tsmc-n3", "n3 tsmc-n3e n3e tsmc-n3p n3p tsmc-3nm tsmc-n3b", "TSMC", 2023, 215, 0.021, 20000, 0.10, RETICLE, 100e6, 0.675,
     "density [E], bitcell [P], wafer [P], D0 [E], NRE [V], energy [P]",
     "N3E: density ~215 MTr/mm2 (nkv-blogs; pcgamer via hardforum) [E]; bit cell 0.021 um2, no shrink vs N5 (WikiChip IEDM 2022 "
     "via vuink.com) [P]; wafer ~$20,000 (DigiTimes 2022 via taiwannews) [P], N3E $25k after 2025 hikes [E]; D0 0.10 [E] "
     "(chiplet-actuary uses 0.20, flagged inaccurate); NRE $100M chiplet-actuary (assumed) [V]; energy 0.675 x N5 "
     "(30-35% less power) [P]"},
    {"tsmc-n2", "n2 tsmc-2nm tsmc-n2p", "TSMC", 2025, 247, 0.0175, 30000, 0.10, RETICLE, 150e6, 0.49,
     "density [D], bitcell [P], wafer [E], D0 [E], NRE [E], energy [P]",
     "density 1.15 x N3E (TSMC, Maximum PC 2023) [D]; bit cell ~0.0175 um2, 38 Mb/mm2 (TSMC IEDM 2024 via tomshardware) [P]; "
     "wafer ~$30,000 (2025 reports; duckittech, pepelac) [E]; D0 'lower than N3 at the same stage', no number -> 0.10 [E]; "
     "NRE $150M [E]; energy 0.725 x N3E (25-30% less power) [P]"},
    {"samsung-sf5", "sf5 samsung-5nm samsung-5lpe samsung-5lpp", "Samsung", 2020, 126.9, 0.026, 14000, 0.12, RETICLE, 45e6, 1.15,
     "density [R], bitcell [R], wafer [E], D0 [E], NRE [E], energy [E]",
     "no public Samsung wafer price (reports say Samsung undercuts TSMC, hmimcu.com) -> ~0.82 x TSMC N5 [E]; density 126.9 "
     "MTr/mm2 [R]; bit cell 0.026 um2 [R]; D0 0.12 [E] (Samsung 4 nm product yields reported below TSMC: 75% vs 80%, "
     "gizmochina/KMIB [E]); NRE [E]; energy between TSMC N7 and N5 [E]"},
    {"samsung-sf4", "sf4 samsung-4nm samsung-sf4x sf4x samsung-4lpp samsung-sf4p", "Samsung", 2022, 137, 0.024, 15000, 0.10,
     RETICLE, 50e6, 1.05,
     "density [R], bitcell [R], wafer [E], D0 [E], NRE [E], energy [E]",
     "no public wafer price (hw_specs.md C2) -> $15,000 [E]; density/bit cell not found in the corpus (hw_specs.md C5): "
     "recalled 137 MTr/mm2, 0.024 um2 [R]; D0 0.10 [E] from reported 75% (Samsung 4 nm) vs 80% (TSMC) product yields [E]; "
     "NRE [E]; energy [E]"},
    {"samsung-sf3", "sf3 samsung-3nm samsung-3gae samsung-sf3e samsung-3gap", "Samsung", 2022, 170, 0.023, 17000, 0.20, RETICLE,
     90e6, 0.80,
     "density [R], bitcell [R], wafer [E], D0 [E], NRE [E], energy [E]",
     "GAA; no public wafer price -> $17,000 [E] (SF2 ~$20,000 is 1/3 below TSMC N2, DigiTimes via smbom.com [P]); "
     "yield reports 60% (2023, disputed) [E] -> D0 0.20 [E]; density/bit cell recalled [R]; NRE [E]; energy [E]"},
    {"samsung-14lpp", "samsung-14nm samsung-14lpe", "Samsung", 2015, 32.5, 0.064, 3500, 0.08, RETICLE, 10e6, 3.7,
     "density [R], bitcell [R], wafer [E], D0 [V], NRE [E], energy [E]",
     "density 32.5 MTr/mm2 and 0.064 um2 bit cell recalled [R]; wafer ~$3,500 [E] (TSMC 16/12 $3,984 CSET [P]); D0 0.08 "
     "chiplet-actuary 14 nm [V]; NRE [E]; energy ~ TSMC N16 [E]"},
    {"intel-7", "intel7 intel-10nm-esf intel-10esf i7nm", "Intel", 2021, 100.8, 0.0312, 10000, 0.09, RETICLE, 30e6, 1.43,
     "density [P], bitcell [R], wafer [E], D0 [E], NRE [E], energy [E]",
     "Intel 7 = 10 nm Enhanced SuperFin: 100.8 MTr/mm2 by Intel's NAND+scan-flip-flop metric (Intel via arstechnica / "
     "soylentnews) [P]; HD 6T bit cell 0.0312 um2 (Intel IEDM 2017) [R]; Intel sells no wafers: priced as TSMC N7 (CSET "
     "$9,346) ~$10,000 [E]; D0 as N7 [E]; NRE as N7 [E]; energy as TSMC N7 (1/0.70 of N5) [E]. Sapphire/Emerald Rapids, "
     "Xeon 6 I/O tiles"},
    {"intel-3", "intel3 i3nm intel-4 intel4", "Intel", 2024, 201.6, 0.0254, 17000, 0.10, RETICLE, 55e6, 0.73,
     "density [D], bitcell [D], wafer [E], D0 [E], NRE [E], energy [D]",
     "Intel 4/3 (EUV): 'double the logic density of Intel 7' -> 2 x 100.8 = 201.6 MTr/mm2 [D]; SRAM density +23% over "
     "Intel 7 -> 0.0312 / 1.23 = 0.0254 um2 [D] (Intel at VLSI 2022 via hothardware [P]); Intel 4 ~40% lower power than "
     "Intel 7 at the same clock [P same] and Intel 3 ~18% better performance per watt than Intel 4 [R] -> 1.43 x 0.60 / "
     "1.18 = 0.73 [D]; wafer priced as TSMC N4 $17,000 [E]; D0 0.10 [E]; NRE $55M [E]. Xeon 6 compute tiles"},
    {"gf-12lp", "gf12lp globalfoundries-12lp gf-12lp+ gf-14lpp gf14 globalfoundries-14nm gf-14nm", "GlobalFoundries", 2018, 36.7,
     0.064, 4000, 0.08, RETICLE, 12e6, 3.3,
     "density [R], bitcell [R], wafer [E], D0 [V], NRE [E], energy [E]",
     "12LP (14LPP family, licensed from Samsung): density 36.7 MTr/mm2 recalled [R] (14LPP ~30); bit cell 0.064 um2 [R]; "
     "wafer ~$4,000 [E] as TSMC 16/12 (CSET $3,984 [P]); D0 0.08 chiplet-actuary 14 nm [V]; NRE $12M [E]; energy [E]"},
};

int npu_process_count(void) { return (int)NPU_ARRAY_LEN(builtin); }
const npu_process *npu_process_at(int i) {
    return i >= 0 && i < npu_process_count() ? &builtin[i] : NULL;
}

static bool has_alias(const npu_process *p, const char *name) {
    char buf[sizeof p->aliases];
    npu_strlcpy(buf, p->aliases, sizeof buf);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        if (strcasecmp(t, name) == 0) return true;
    return false;
}

const npu_process *npu_process_lookup(const char *name) {
    for (int i = 0; i < npu_process_count(); i++)
        if (strcasecmp(builtin[i].name, name) == 0 || has_alias(&builtin[i], name)) return &builtin[i];
    return NULL;
}

const npu_process *npu_process_find(const char *name) {
    const npu_process *p = npu_process_lookup(name);
    if (p) return p;
    const char *names[NPU_ARRAY_LEN(builtin)];
    for (int i = 0; i < npu_process_count(); i++) names[i] = builtin[i].name;
    const char *c = npu_closest(name, names, NPU_ARRAY_LEN(builtin));
    npu_err("unknown process '%s'%s%s%s (see 'npusim list process', or give a .json file)", name,
            c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
    return NULL;
}

static int from_json(const cJSON *o, const char *origin, npu_process *p) {
    static const char *const keys[] = {"name", "aliases", "foundry", "year", "logic_mtr_mm2", "sram_bitcell_um2",
                                       "wafer_usd", "d0_per_cm2", "reticle_mm2", "mask_nre_usd", "energy_rel",
                                       "confidence", "source", NULL};
    memset(p, 0, sizeof *p);
    p->reticle_mm2 = RETICLE;
    p->energy_rel = 1.0;
    if (npu_json_check_keys(o, keys, origin) || npu_json_str(o, "name", p->name, sizeof p->name, true, origin) ||
        npu_json_str(o, "aliases", p->aliases, sizeof p->aliases, false, origin) ||
        npu_json_str(o, "foundry", p->foundry, sizeof p->foundry, false, origin) ||
        npu_json_int(o, "year", &p->year, false, 0, origin) ||
        npu_json_num(o, "logic_mtr_mm2", &p->logic_mtr_mm2, true, 1e-3, origin) ||
        npu_json_num(o, "sram_bitcell_um2", &p->sram_bitcell_um2, true, 1e-6, origin) ||
        npu_json_num(o, "wafer_usd", &p->wafer_usd, true, 1, origin) ||
        npu_json_num(o, "d0_per_cm2", &p->d0_per_cm2, true, 0, origin) ||
        npu_json_num(o, "reticle_mm2", &p->reticle_mm2, false, 1, origin) ||
        npu_json_num(o, "mask_nre_usd", &p->mask_nre_usd, false, 0, origin) ||
        npu_json_num(o, "energy_rel", &p->energy_rel, false, 1e-3, origin) ||
        npu_json_str(o, "confidence", p->confidence, sizeof p->confidence, false, origin) ||
        npu_json_str(o, "source", p->source, sizeof p->source, true, origin))
        return -1;
    return 0;
}

int npu_process_load(const char *name_or_path, npu_process *out) {
    if (!strchr(name_or_path, '/') && !strstr(name_or_path, ".json")) {
        const npu_process *p = npu_process_find(name_or_path);
        if (!p) return -1;
        *out = *p;
        return 0;
    }
    char *text = npu_read_file(name_or_path, NULL);
    if (!text) return -1;
    cJSON *root = npu_json_parse(text, name_or_path);
    int rc = root ? from_json(root, name_or_path, out) : -1;
    cJSON_Delete(root);
    free(text);
    return rc;
}

int npu_process_of_hw(const char *node, npu_process *out) {
    if (!node[0] || strcmp(node, "unknown") == 0) {
        npu_err("the chip's process.node is unknown; give one with --process (see 'npusim list process')");
        return -1;
    }
    return npu_process_load(node, out);
}

cJSON *npu_process_to_json(const npu_process *p) {
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    cJSON_AddStringToObject(j, "name", p->name);
    if (p->aliases[0]) cJSON_AddStringToObject(j, "aliases", p->aliases);
    cJSON_AddStringToObject(j, "foundry", p->foundry);
    if (p->year > 0) cJSON_AddNumberToObject(j, "year", p->year);
    cJSON_AddNumberToObject(j, "logic_mtr_mm2", p->logic_mtr_mm2);
    cJSON_AddNumberToObject(j, "sram_bitcell_um2", p->sram_bitcell_um2);
    cJSON_AddNumberToObject(j, "wafer_usd", p->wafer_usd);
    cJSON_AddNumberToObject(j, "d0_per_cm2", p->d0_per_cm2);
    cJSON_AddNumberToObject(j, "reticle_mm2", p->reticle_mm2);
    cJSON_AddNumberToObject(j, "mask_nre_usd", p->mask_nre_usd);
    cJSON_AddNumberToObject(j, "energy_rel", p->energy_rel);
    if (p->confidence[0]) cJSON_AddStringToObject(j, "confidence", p->confidence);
    cJSON_AddStringToObject(j, "source", p->source);
    return j;
}
