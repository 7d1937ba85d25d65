/* npu_hw — hardware descriptions: strict JSON reading and writing, presets,
 * derived peaks. */
#include "npu_hw.h"
#include "npu_json.h"
#include "npu_preset.h"
#include "npu_process.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const npu_eff_names[NPU_EFF_NPARAM] = {
    "launch_us", "kernel_us", "mem_eff", "mem_lat_us", "unit_bw_share",
    "matrix_eff", "tile_pen", "wave_us", "attn_eff", "vec_eff", "gemm_mem_eff",
};

double *npu_eff_param(npu_eff *e, int i) {
    double *p[NPU_EFF_NPARAM] = {&e->launch_us, &e->kernel_us,  &e->mem_eff,  &e->mem_lat_us,
                                 &e->unit_bw_share, &e->matrix_eff, &e->tile_pen, &e->wave_us,
                                 &e->attn_eff, &e->vec_eff, &e->gemm_mem_eff};
    return i >= 0 && i < NPU_EFF_NPARAM ? p[i] : NULL;
}

/* Fitted on ../shared/validation/h100-sxm with `npusim calibrate` (docs/calibration.md). */
const npu_eff npu_eff_default = {
    .launch_us = 5.1166,
    .kernel_us = 1.4399,
    .mem_eff = 0.9053,
    .mem_lat_us = 0.13,
    .unit_bw_share = 1.9593,
    .matrix_eff = 0.8182,
    .tile_pen = 0.0,
    .wave_us = 2.1311,
    .attn_eff = 0.7812,
    .vec_eff = 0.6842,
    .gemm_mem_eff = 0.8601,
};

npu_eff npu_eff_physical(int units, bool sram_main) {
    npu_eff e = npu_eff_default; /* launch_us, mem_eff, mem_lat_us: universal */
    e.matrix_eff = 1.0;
    e.tile_pen = 0.0;
    e.attn_eff = 1.0;
    e.vec_eff = 1.0;
    e.gemm_mem_eff = 1.0;
    e.unit_bw_share = units > 0 ? units : 1;
    e.wave_us = e.mem_lat_us;         /* a wave's first loads: one memory latency */
    e.kernel_us = 2.0 * e.mem_lat_us; /* an op waits for the previous op's stores, then loads */
    if (sram_main) e.mem_eff = 1.0;   /* no refresh, page misses or bus turnarounds */
    return e;
}

int npu_hw_preset_count(void) { return npu_presets_hw_count; }
const char *npu_hw_preset_name(int i) {
    return i >= 0 && i < npu_presets_hw_count ? npu_presets_hw[i].name : NULL;
}

const char *const npu_engine_type_names[NPU_ENGINE_COUNT] = {"mma", "systolic", "none"};
const char *const npu_dataflow_names[NPU_FLOW_COUNT] = {"output-stationary", "weight-stationary", "simd"};
const char *const npu_sram_role_names[NPU_SRAM_ROLE_COUNT] = {"scratchpad", "cache", "kernel"};
const char *const npu_gemv_names[NPU_GEMV_COUNT] = {"matrix", "vector", "dedicated"};
const char *const npu_accum_names[NPU_ACC_COUNT] = {"registers", "engine"};
const char *const npu_power_scope_names[NPU_SCOPE_COUNT] = {"chip", "board", "module", "system"};
const char *const npu_hw_xdt_names[NPU_HW_NXDT] = {"fp6", "fp64", "int16", "int2"};

const char *const npu_hw_kinds[NPU_HW_KINDS] = {"gpu", "npu", "tpu", "mobile", "cpu", "fpga", "soc-gpu", "soc-npu", "lpu", "wafer"};

double npu_hw_peak_flops(const npu_hw *hw, npu_dtype t) { return hw->peak_flops[npu_dtype_elem(t)]; }
npu_dtype npu_hw_matrix_dtype(const npu_hw *hw, npu_dtype want) { return hw->compute_dtype[npu_dtype_elem(want)]; }
double npu_hw_vec_flops(const npu_hw *hw) { return hw->vec_flops; }

bool npu_hw_runs_block(const npu_hw *hw, npu_dtype t) {
    return t >= NPU_DTYPE_COUNT && npu_dtype_fmt(t)->block_mma && (hw->native_blocks >> (t - NPU_DTYPE_COUNT) & 1u);
}

/* The kernel-path rule (npu_hw.h, docs/quantization.md "Kernel paths"), applied to every
 * pair of datatypes when a description is finished; npu_hw_gemm_path reads the result. */
double npu_hw_dequant_ops(const npu_hw *hw, npu_dtype from, npu_dtype to) {
    const npu_fmt *f = npu_dtype_fmt(from);
    if (f->elem == to && (f->block_mma ? npu_hw_runs_block(hw, from) : f->block <= 1)) return 0; /* as stored */
    if (f->block <= 1 && f->elem_bits >= npu_dtype_elem_bits(to)) return 0; /* as wide: nothing to do */
    return f->dq;
}

static npu_gemm_path choose_path(const npu_hw *hw, npu_dtype w, npu_dtype a) {
    const npu_fmt *fw = npu_dtype_fmt(w), *fa = npu_dtype_fmt(a);
    bool w_ok = !fw->block_mma || npu_hw_runs_block(hw, w);
    npu_gemm_path p = {.act = fa->block_mma && !npu_hw_runs_block(hw, a) ? NPU_BF16 : a};
    npu_dtype ew = fw->elem, ea = npu_dtype_elem(p.act);
    npu_dtype want = fw->elem_bits >= npu_dtype_elem_bits(ea) ? ew : ea;
    if (!w_ok && want == NPU_FP4) want = NPU_BF16; /* scales the engine cannot apply: dequantize */
    p.cdt = hw->compute_dtype[want];
    p.native = p.cdt == ew && (fw->block_mma ? w_ok : !npu_dtype_blocked(w));
    p.dq_ops = npu_hw_dequant_ops(hw, w, p.cdt);
    return p;
}

npu_gemm_path npu_hw_gemm_path(const npu_hw *hw, npu_dtype w, npu_dtype a) {
    assert((unsigned)w < NPU_FMT_COUNT && (unsigned)a < NPU_FMT_COUNT);
    return (npu_gemm_path){(npu_dtype)hw->path_cdt[w][a], (npu_dtype)hw->path_act[w][a], hw->path_native[w][a],
                           hw->path_dq[w][a]};
}

npu_dtype npu_hw_gemm_dtype(const npu_hw *hw, npu_dtype w, npu_dtype a) { return (npu_dtype)hw->path_cdt[w][a]; }

npu_dtype npu_hw_attn_dtype(const npu_hw *hw) { return hw->compute_dtype[NPU_BF16]; }

bool npu_hw_dtype_converted(const npu_hw *hw, npu_dtype want) {
    return npu_dtype_elem_bits(npu_hw_matrix_dtype(hw, want)) < npu_dtype_elem_bits(npu_dtype_elem(want));
}

/* The one place a compute datatype is chosen (npu_hw_matrix_dtype documents the rule). */
static npu_dtype choose_dtype(const npu_hw *hw, npu_dtype want) {
    if (want == NPU_FP32) return NPU_FP32; /* fp32 matrix MACs or the vector units */
    static const npu_dtype wider[NPU_DTYPE_COUNT] = {
        [NPU_INT4] = NPU_INT8, [NPU_INT8] = NPU_BF16, [NPU_FP8] = NPU_BF16,
        [NPU_FP16] = NPU_BF16, [NPU_BF16] = NPU_FP16, [NPU_FP32] = NPU_FP32, [NPU_FP4] = NPU_FP8,
    };
    npu_dtype t = want;
    for (int i = 0; i < 4; i++) {
        if (hw->macs_per_cycle[t] > 0) return t;
        t = wider[t];
    }
    /* no wider type: an integer-only NPU runs everything quantized to what it has */
    static const npu_dtype any[] = {NPU_BF16, NPU_FP16, NPU_FP8, NPU_INT8, NPU_INT4};
    for (size_t i = 0; i < NPU_ARRAY_LEN(any); i++)
        if (hw->macs_per_cycle[any[i]] > 0) return any[i];
    return NPU_BF16;
}

/* ---- validation: every number a description can state, with its legal range ---- */

/* Bounds that keep every derived figure finite and physical. Clock: no shipping CMOS
 * logic runs above ~6 GHz (desktop CPU boost 6.2 GHz), and accelerator engines run
 * 0.2-3 GHz; below 10 MHz nothing is an accelerator. Units: Cerebras WSE-3 has
 * 900,000 cores. MACs: the largest engines state 131,072 int8 MAC/cycle/unit (TPU v6e). */
#define CLOCK_MHZ_MIN 10.0
#define CLOCK_MHZ_MAX 6500.0
#define UNITS_MAX 1000000
#define MACS_MAX 1e7
#define TILE_MAX 65536
#define STACKS_MAX 1024
#define BIG 1e9 /* any other size or rate: finite and far beyond any product */

static int bad(const char *origin, const char *field, double v, const char *why) {
    npu_err("%s: %s: %g %s", origin, field, v, why);
    return -1;
}

static int check_range(const char *origin, const char *field, double v, double lo, double hi, bool lo_open) {
    if (!(lo_open ? v > lo : v >= lo) || !(v <= hi)) {
        char why[96];
        snprintf(why, sizeof why, "is outside %s%g, %g]", lo_open ? "(" : "[", lo, hi);
        return bad(origin, field, v, why);
    }
    return 0;
}

/* Efficiency parameters: fractions in (0, 1], times and counts >= 0 (a 0 fraction
 * divides a time by zero). attn_eff is relative to matrix_eff: their product is a
 * fraction of the peak. */
static int check_eff(const npu_eff *e, const char *origin) {
    static const char kind[NPU_EFF_NPARAM] = {'t', 't', 'f', 't', 's', 'f', 'p', 't', 'a', 'f', 'f'};
    npu_eff c = *e;
    for (int i = 0; i < NPU_EFF_NPARAM; i++) {
        double v = *npu_eff_param(&c, i);
        char field[48];
        snprintf(field, sizeof field, "efficiency.%s", npu_eff_names[i]);
        int rc = kind[i] == 't'   ? check_range(origin, field, v, 0, 1e6, false)      /* us */
                 : kind[i] == 'f' ? check_range(origin, field, v, 0, 1, true)         /* fraction */
                 : kind[i] == 's' ? check_range(origin, field, v, 0, UNITS_MAX, true) /* fair shares */
                 : kind[i] == 'p' ? check_range(origin, field, v, 0, 1, false)        /* loss per halving */
                                  : check_range(origin, field, v, 0, 1.0 / e->matrix_eff, true);
        if (rc) {
            if (kind[i] == 'a') {
                char msg[400];
                npu_strlcpy(msg, npu_errmsg(), sizeof msg);
                npu_err("%s (attn_eff x matrix_eff must be a fraction of the peak)", msg);
            }
            return -1;
        }
    }
    return 0;
}

static int check_memory(const npu_hw *hw, const char *origin) {
    const npu_memtech *t = hw->memtech;
    const npu_memtype *ty = npu_memtech_type(t);
    if (check_range(origin, "memory.stacks", hw->mem_stacks, 1, STACKS_MAX, false)) return -1;
    if (!npu_memtech_height_ok(t, hw->mem_height)) {
        char hs[64] = "";
        for (int i = 0; i < t->n_heights; i++)
            snprintf(hs + strlen(hs), sizeof hs - strlen(hs), "%s%d", i ? ", " : "", t->heights[i]);
        npu_err("%s: memory.height: %d is not a height %s is made in (%s)", origin, hw->mem_height, t->name, hs);
        return -1;
    }
    if (hw->mem_pin_gbps > 0 && (hw->mem_pin_gbps < ty->pin_gbps_min || hw->mem_pin_gbps > ty->pin_gbps_max)) {
        npu_err("%s: memory.pin_gbps: %g Gb/s is outside what %s runs (%g to %g Gb/s; presets/memory.json)", origin,
                hw->mem_pin_gbps, ty->type, ty->pin_gbps_min, ty->pin_gbps_max);
        return -1;
    }
    double phys = npu_memtech_capacity_B(t, hw->mem_stacks, hw->mem_height);
    if (hw->mem_capacity_gb * 1073741824.0 > phys * (1 + 1e-9)) {
        npu_err("%s: memory.capacity_gb: %g GiB exceeds what %d x %d-high %s holds (%g GiB of %g Gbit dies)", origin,
                hw->mem_capacity_gb, hw->mem_stacks, hw->mem_height, t->name, phys / 1073741824.0, t->die_gbit);
        return -1;
    }
    return 0;
}

static int check_fields(const npu_hw *hw, const char *origin) {
    if (hw->kind[0]) {
        int k = -1;
        for (int i = 0; i < NPU_HW_KINDS; i++)
            if (strcmp(hw->kind, npu_hw_kinds[i]) == 0) k = i;
        if (k < 0) {
            const char *c = npu_closest(hw->kind, npu_hw_kinds, NPU_HW_KINDS);
            npu_err("%s: kind: unknown kind '%s'%s%s%s (gpu, npu, tpu, mobile, cpu, fpga)", origin, hw->kind,
                    c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
            return -1;
        }
    }
    if (check_range(origin, "matrix.units", hw->units, 1, UNITS_MAX, false) ||
        check_range(origin, "matrix.clock_mhz", hw->clock_mhz, CLOCK_MHZ_MIN, CLOCK_MHZ_MAX, false) ||
        check_range(origin, "matrix.tile_m", hw->tile_m, 1, TILE_MAX, false) ||
        check_range(origin, "matrix.tile_n", hw->tile_n, 1, TILE_MAX, false) ||
        check_range(origin, "matrix.tile_k", hw->tile_k, 1, TILE_MAX, false) ||
        check_range(origin, "matrix.macs_per_cycle.tf32", hw->tf32_macs_per_cycle, 0, MACS_MAX, false) ||
        check_range(origin, "vector.flops_per_cycle", hw->vec_flops_per_cycle, 0, MACS_MAX, true))
        return -1;
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) {
        char field[48];
        snprintf(field, sizeof field, "matrix.macs_per_cycle.%s", npu_dtype_names[t]);
        if (check_range(origin, field, hw->macs_per_cycle[t], 0, MACS_MAX, false)) return -1;
    }
    if (hw->macs_per_cycle[NPU_BF16] <= 0 && hw->macs_per_cycle[NPU_FP16] <= 0 && hw->macs_per_cycle[NPU_INT8] <= 0) {
        npu_err("%s: matrix.macs_per_cycle needs at least one of bf16, fp16, int8", origin);
        return -1;
    }
    for (int i = 0; i < hw->n_sram; i++) {
        char field[48];
        const npu_sram *m = &hw->sram[i];
        snprintf(field, sizeof field, "sram[%d].kb_per_unit", i);
        if (check_range(origin, field, m->kb_per_unit, 0, BIG, false)) return -1;
        snprintf(field, sizeof field, "sram[%d].mb", i);
        if (check_range(origin, field, m->mb, 0, BIG, false)) return -1;
    }
    if (hw->tdp_w > 1e6) return bad(origin, "power.tdp_w", hw->tdp_w, "W: above any chip (a wafer-scale engine draws ~25 kW)");
    if (hw->tdp_w > 0 && hw->idle_w >= hw->tdp_w) {
        npu_err("%s: power.idle_w: %g W must be below power.tdp_w (%g W)", origin, hw->idle_w, hw->tdp_w);
        return -1;
    }
    if (hw->units_total > 0 && hw->units_total < hw->units) {
        npu_err("%s: process.units_total: %d physical units cannot be fewer than matrix.units (%d)", origin,
                hw->units_total, hw->units);
        return -1;
    }
    if (check_range(origin, "process.units_total", hw->units_total, 0, UNITS_MAX, false) ||
        check_range(origin, "process.dies", hw->dies, 1, 1024, false) ||
        check_range(origin, "process.die_mm2", hw->die_mm2, 0, 1e5, false) ||
        check_range(origin, "process.transistors_b", hw->transistors_b, 0, 1e5, false) ||
        check_range(origin, "links.bandwidth_gbps", hw->link_gbps, 0, BIG, false) ||
        check_range(origin, "links.link_gbps", hw->link_each_gbps, 0, BIG, false) ||
        check_range(origin, "links.shared_gbps", hw->link_shared_gbps, 0, BIG, false) ||
        check_range(origin, "links.latency_us", hw->link_latency_us, 0, 1e6, false) ||
        check_range(origin, "links.overlap", hw->comm_overlap, 0, 1, false) ||
        check_range(origin, "links.domain_chips", hw->link_domain, 0, UNITS_MAX, false) ||
        check_range(origin, "links.links_per_chip", hw->link_count, 0, UNITS_MAX, false) ||
        check_range(origin, "links.scaleout.bandwidth_gbps", hw->nic_gbps, 0, BIG, false) ||
        check_range(origin, "links.scaleout.latency_us", hw->nic_latency_us, 0, 1e6, false) ||
        check_range(origin, "price_usd", hw->price_usd, 0, BIG, false))
        return -1;
    /* stated three ways, the scale-up bandwidth must be one figure: the collectives of a
     * switch read the aggregate, those of a mesh or torus the per-link rate */
    if (hw->link_gbps > 0 && hw->link_each_gbps > 0 && hw->link_count > 0 &&
        fabs(hw->link_count * hw->link_each_gbps - hw->link_gbps) > 0.05 * hw->link_gbps) {
        npu_err("%s: links: bandwidth_gbps (%g) must equal links_per_chip x link_gbps (%d x %g = %g) within 5 %%; "
                "give one of them",
                origin, hw->link_gbps, hw->link_count, hw->link_each_gbps, hw->link_count * hw->link_each_gbps);
        return -1;
    }
    return check_eff(&hw->eff, origin);
}

/* The links section with its defaults (docs/schema.md, docs/collectives.md). */
static void resolve_fabric(npu_hw *hw, npu_topo topo) {
    npu_fabric *f = &hw->fabric;
    memset(f, 0, sizeof *f);
    f->topo = hw->link_gbps <= 0 && hw->link_each_gbps <= 0 ? NPU_TOPO_NONE : topo;
    int nd = npu_topo_ndims(f->topo);
    f->nd = nd;
    if (nd && hw->link_ndims == nd) {
        long prod = 1;
        for (int i = 0; i < nd; i++) f->dims[i] = hw->link_dims[i], prod *= hw->link_dims[i];
        f->domain = (int)prod;
    } else if (nd) {
        static const int dflt[] = {0, 8, 16, 64}; /* ring 8, torus 4x4, 4x4x4 */
        f->domain = hw->link_domain > 0 ? hw->link_domain : dflt[nd];
        npu_fabric_split_dims(f->domain, nd, NULL, f->dims);
    } else {
        /* no scale-up links: each chip is its own domain, whatever domain_chips says */
        f->domain = f->topo == NPU_TOPO_NONE ? 1 : hw->link_domain > 0 ? hw->link_domain : 8;
    }
    f->links = hw->link_count > 0 ? hw->link_count
               : f->topo == NPU_TOPO_MESH ? (f->domain > 1 ? f->domain - 1 : 1)
               : nd                       ? 2 * nd
                                          : 1;
    f->bw_Bps = hw->link_gbps > 0 ? hw->link_gbps * 1e9 : hw->link_each_gbps * 1e9 * f->links;
    f->each_Bps = hw->link_each_gbps > 0 ? hw->link_each_gbps * 1e9 : f->bw_Bps / f->links;
    f->hop_us = hw->link_latency_us;
    f->wrap_every = hw->link_wrap_every;
    f->in_switch = hw->link_in_switch && f->topo == NPU_TOPO_SWITCH;
    f->shared_Bps = f->topo == NPU_TOPO_PCIE ? hw->link_shared_gbps * 1e9 : 0;
    f->has_nic = hw->nic_gbps > 0;
    f->nic_Bps = hw->nic_gbps * 1e9;
    f->nic_hop_us = hw->nic_latency_us;
    f->overlap = hw->comm_overlap;
}

/* ---- the engine, operand path, vector units and power scope as built ---- */

/* A name from a fixed list; "" keeps *out. -1 + npu_err naming the field and the closest name. */
static int parse_name(const char *s, const char *const *names, int n, int *out, const char *origin,
                      const char *field) {
    if (!s[0]) return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 0;
        }
    char list[160] = "";
    for (int i = 0; i < n; i++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    const char *c = npu_closest(s, names, (size_t)n);
    npu_err("%s: %s: unknown value '%s'%s%s%s (%s)", origin, field, s, c ? " (did you mean '" : "", c ? c : "",
            c ? "'?)" : "", list);
    return -1;
}

/* Defaults by `kind` (docs/schema.md "Matrix engine"): what a chip of that kind is
 * built as when its file does not say. */
typedef struct kind_default {
    const char *kind;
    npu_engine_type eng;
    npu_dataflow flow;
    npu_gemv_path gemv;
    int gemv_rows; /* dedicated/vector: the rows (M) the path takes */
    int granule;   /* rows M pads to on the engine (0 = from the geometry) */
    bool gpu_like;
} kind_default;
static const kind_default kind_defaults[] = {
    /* GPUs: warp-level MMA (mma.sync m16n8k16, MFMA 16x16x16) fed from shared memory and registers;
     * decode GEMVs run a dedicated GEMV kernel up to 4 rows (TensorRT-LLM SMALL_M_FAST_PATH 5,
     * vLLM-ROCm skinny GEMM M <= 4; docs/research/chips-gpu.md section 3) */
    /* (Hopper's wgmma m64nNk16 is the default instruction tile: N = 8..256, so with swap-AB a
     * few rows pad to 8) */
    {"", NPU_ENGINE_MMA, NPU_FLOW_OUTPUT, NPU_GEMV_DEDICATED, 4, 8, true},
    {"gpu", NPU_ENGINE_MMA, NPU_FLOW_OUTPUT, NPU_GEMV_DEDICATED, 4, 8, true},
    /* Apple GPUs before M5: simdgroup_matrix runs on the FP32/FP16 ALUs; llama.cpp's mul_mv up to 8 rows */
    {"soc-gpu", NPU_ENGINE_NONE, NPU_FLOW_SIMD, NPU_GEMV_VECTOR, 8, 1, true},
    /* TPU MXU: weight-stationary systolic array, activations stream in 8-row sublane chunks */
    {"tpu", NPU_ENGINE_SYSTOLIC, NPU_FLOW_WEIGHT, NPU_GEMV_MATRIX, 0, 8, false},
    /* server NPUs (MME, TCP, ATOM, DX-M1 ...): a systolic array; weight-stationary unless stated */
    {"npu", NPU_ENGINE_SYSTOLIC, NPU_FLOW_WEIGHT, NPU_GEMV_MATRIX, 0, 1, false},
    {"fpga", NPU_ENGINE_SYSTOLIC, NPU_FLOW_WEIGHT, NPU_GEMV_MATRIX, 0, 1, false},
    {"lpu", NPU_ENGINE_SYSTOLIC, NPU_FLOW_WEIGHT, NPU_GEMV_MATRIX, 0, 1, false},
    /* phone NPUs (Hexagon HMX): output-stationary tiles, M padded to the tile's rows */
    {"mobile", NPU_ENGINE_SYSTOLIC, NPU_FLOW_OUTPUT, NPU_GEMV_MATRIX, 0, 0, false},
    {"soc-npu", NPU_ENGINE_SYSTOLIC, NPU_FLOW_OUTPUT, NPU_GEMV_MATRIX, 0, 0, false},
    /* CPUs with AMX: 16x16 output tiles; GEMV on AVX-512 (memory-bound either way) */
    {"cpu", NPU_ENGINE_MMA, NPU_FLOW_OUTPUT, NPU_GEMV_VECTOR, 4, 16, false},
    /* wafer-scale SIMD cores (Cerebras) */
    {"wafer", NPU_ENGINE_NONE, NPU_FLOW_SIMD, NPU_GEMV_VECTOR, 1 << 30, 1, false},
};

static const kind_default *kind_default_of(const char *kind) {
    for (size_t i = 0; i < NPU_ARRAY_LEN(kind_defaults); i++)
        if (strcmp(kind, kind_defaults[i].kind) == 0) return &kind_defaults[i];
    return &kind_defaults[0];
}

/* The MAC rate an engine's geometry is sized for: the 16-bit rate, else the widest native one. */
static double geometry_macs(const npu_hw *hw) {
    double m = hw->macs_per_cycle[NPU_BF16] > hw->macs_per_cycle[NPU_FP16] ? hw->macs_per_cycle[NPU_BF16]
                                                                            : hw->macs_per_cycle[NPU_FP16];
    if (m > 0) return m;
    static const npu_dtype order[] = {NPU_FP8, NPU_INT8, NPU_INT4, NPU_FP32};
    for (size_t i = 0; i < NPU_ARRAY_LEN(order); i++)
        if (hw->macs_per_cycle[order[i]] > 0) return hw->macs_per_cycle[order[i]];
    return 1;
}

static int derive_engine(npu_hw *hw, const char *origin) {
    const npu_engine_desc *d = &hw->engine;
    const kind_default *kd = kind_default_of(hw->kind);
    int v;
    hw->gpu_like = kd->gpu_like;
    v = kd->eng;
    if (parse_name(d->type, npu_engine_type_names, NPU_ENGINE_COUNT, &v, origin, "matrix.engine.type")) return -1;
    hw->eng = (npu_engine_type)v;
    /* the default dataflow follows the engine type when the type is stated */
    v = d->type[0] ? (hw->eng == NPU_ENGINE_SYSTOLIC ? (kd->eng == NPU_ENGINE_SYSTOLIC ? kd->flow : NPU_FLOW_WEIGHT)
                      : hw->eng == NPU_ENGINE_MMA ? NPU_FLOW_OUTPUT : NPU_FLOW_SIMD)
                   : kd->flow;
    if (parse_name(d->dataflow, npu_dataflow_names, NPU_FLOW_COUNT, &v, origin, "matrix.engine.dataflow")) return -1;
    hw->flow = (npu_dataflow)v;
    if ((hw->eng == NPU_ENGINE_NONE) != (hw->flow == NPU_FLOW_SIMD)) {
        npu_err("%s: matrix.engine.dataflow: '%s' does not go with engine type '%s' (simd is the dataflow of "
                "type none, and only of it)", origin, npu_dataflow_names[hw->flow], npu_engine_type_names[hw->eng]);
        return -1;
    }
    v = hw->eng == NPU_ENGINE_MMA && (hw->gpu_like || strcmp(hw->kind, "cpu") == 0) ? NPU_ACC_REGISTERS
        : hw->eng == NPU_ENGINE_NONE                                               ? NPU_ACC_REGISTERS
                                                                                   : NPU_ACC_ENGINE;
    if (parse_name(d->accumulators, npu_accum_names, NPU_ACC_COUNT, &v, origin, "matrix.engine.accumulators"))
        return -1;
    hw->accum = (npu_accum)v;
    if (check_range(origin, "matrix.engine.per_unit", d->per_unit, 0, 4096, false) ||
        check_range(origin, "matrix.engine.m", d->m, 0, TILE_MAX, false) ||
        check_range(origin, "matrix.engine.n", d->n, 0, TILE_MAX, false) ||
        check_range(origin, "matrix.engine.k", d->k, 0, TILE_MAX, false) ||
        check_range(origin, "matrix.engine.rows", d->rows, 0, TILE_MAX, false) ||
        check_range(origin, "matrix.engine.cols", d->cols, 0, TILE_MAX, false))
        return -1;
    bool mnk = d->m || d->n || d->k, rc = d->rows || d->cols;
    if ((hw->eng != NPU_ENGINE_MMA && mnk) || (hw->eng != NPU_ENGINE_SYSTOLIC && rc)) {
        npu_err("%s: matrix.engine: %s given for engine type '%s' (m, n, k describe an mma instruction tile; "
                "rows, cols a systolic array; type none has neither)", origin, mnk ? "m/n/k" : "rows/cols",
                npu_engine_type_names[hw->eng]);
        return -1;
    }
    hw->eng_per_unit = d->per_unit > 0 ? d->per_unit : 1;
    hw->eng_depth = 1;
    double macs = geometry_macs(hw) / hw->eng_per_unit;
    switch (hw->eng) {
    case NPU_ENGINE_MMA:
        if (strcmp(hw->kind, "cpu") == 0) hw->eng_m = 16, hw->eng_n = 16, hw->eng_k = 32; /* AMX TDPBF16PS */
        else hw->eng_m = 64, hw->eng_n = 256, hw->eng_k = 16;                          /* wgmma m64n256k16 */
        if (d->m) hw->eng_m = d->m;
        if (d->n) hw->eng_n = d->n;
        if (d->k) hw->eng_k = d->k;
        break;
    case NPU_ENGINE_SYSTOLIC: {
        int rows = d->rows, cols = d->cols;
        if (!rows && !cols) { /* square-ish array of the stated MAC rate: rows a power of two <= sqrt */
            rows = 1;
            while ((double)rows * 2 * rows * 2 <= macs) rows *= 2;
        }
        if (!rows) rows = (int)fmax(1, floor(macs / cols));
        if (!cols) cols = (int)fmax(1, floor(macs / rows));
        double base = (double)rows * cols;
        if (d->rows && d->cols && (macs > 4 * base || macs < base / 4)) {
            npu_err("%s: matrix.engine: a %d x %d array x %d per unit = %g MACs per cycle, but macs_per_cycle "
                    "states %g per unit (geometry and rate must agree within 4x: check per_unit and units)",
                    origin, rows, cols, hw->eng_per_unit, base * hw->eng_per_unit, geometry_macs(hw));
            return -1;
        }
        if (hw->flow == NPU_FLOW_WEIGHT) hw->eng_m = 1, hw->eng_n = cols, hw->eng_k = rows;
        else hw->eng_m = rows, hw->eng_n = cols, hw->eng_k = 1;
        hw->eng_depth = fmax(1.0, macs / base);
        break;
    }
    default: hw->eng_m = hw->eng_n = hw->eng_k = 1; break;
    }
    /* matrix-vector path */
    const npu_gemv_desc *g = &hw->gemv_desc;
    v = hw->eng == NPU_ENGINE_NONE ? NPU_GEMV_VECTOR : kd->eng == hw->eng ? kd->gemv : NPU_GEMV_MATRIX;
    if (parse_name(g->path, npu_gemv_names, NPU_GEMV_COUNT, &v, origin, "matrix.gemv.path")) return -1;
    hw->gemv = (npu_gemv_path)v;
    if (check_range(origin, "matrix.gemv.granule", g->granule, 0, TILE_MAX, false) ||
        check_range(origin, "matrix.gemv.max_rows", g->max_rows, 0, 1 << 30, false))
        return -1;
    if ((g->granule && hw->gemv != NPU_GEMV_MATRIX) || (g->max_rows && hw->gemv == NPU_GEMV_MATRIX)) {
        npu_err("%s: matrix.gemv: %s does not apply to path '%s' (granule: matrix; max_rows: vector, dedicated)",
                origin, g->granule ? "granule" : "max_rows", npu_gemv_names[hw->gemv]);
        return -1;
    }
    /* granule: stated; else the kind's when the engine is the kind's; else from the geometry
     * (mma: min(m, n) with swap-AB; weight-stationary: 1, rows stream; output-stationary: rows) */
    int granule = hw->eng == NPU_ENGINE_MMA                                        ? (hw->eng_m < hw->eng_n ? hw->eng_m : hw->eng_n)
                  : hw->eng == NPU_ENGINE_SYSTOLIC && hw->flow == NPU_FLOW_OUTPUT ? hw->eng_m
                                                                                  : 1;
    if (kd->eng == hw->eng && kd->granule > 0 && !(d->dataflow[0] && (int)kd->flow != (int)hw->flow)) granule = kd->granule;
    hw->gemv_granule = g->granule ? g->granule : granule;
    hw->gemv_max_rows = hw->gemv == NPU_GEMV_MATRIX ? 0
                        : g->max_rows                ? g->max_rows
                        : kd->gemv != NPU_GEMV_MATRIX ? kd->gemv_rows
                                                      : 4;
    /* software-tile granules and the operand traffic of one instruction, per FLOP (16-bit inputs) */
    double em, en;
    switch (hw->eng) {
    case NPU_ENGINE_MMA: {
        /* operands reach the engines from the feeding SRAM once per register-blocked tile: the
         * unit's tile split over its engines, never smaller than one instruction (wgmma reads
         * its 64 x 256 operands straight from shared memory; mma.sync's 16 x 8 fragments come
         * from registers that a 64 x 64 warp tile reuses) */
        double split = sqrt((double)hw->eng_per_unit);
        hw->tile_gm = hw->tile_gn = hw->gemv_granule, hw->tile_gk = hw->eng_k;
        em = fmax(hw->eng_m, hw->tile_m / split), en = fmax(hw->eng_n, hw->tile_n / split);
        break;
    }
    case NPU_ENGINE_SYSTOLIC:
        if (hw->flow == NPU_FLOW_WEIGHT) hw->tile_gm = hw->gemv_granule, hw->tile_gn = hw->eng_n, hw->tile_gk = hw->eng_k;
        else hw->tile_gm = hw->gemv_granule, hw->tile_gn = hw->eng_n, hw->tile_gk = 1;
        /* weight-stationary: a weight block serves the software tile's rows */
        em = hw->flow == NPU_FLOW_WEIGHT ? hw->tile_m : hw->eng_m, en = hw->eng_n;
        break;
    default: /* vector ALUs: register blocking of the software tile */
        hw->tile_gm = hw->tile_gn = hw->tile_gk = 1;
        em = hw->tile_m, en = hw->tile_n;
        break;
    }
    if (hw->tile_gm > TILE_MAX || hw->tile_gn > TILE_MAX || hw->tile_gk > TILE_MAX) return -1;
    hw->op_bits_per_flop = 16.0 * (1.0 / en + 1.0 / em) / 2.0;
    /* registers: the fp32 accumulator tile is read and written once per instruction of depth K;
     * vector ALUs (none) step an 8 x 8 x 8 fragment (simdgroup_matrix, AMX-less CPUs' register
     * blocking) [E]; accumulators kept in the engine cost nothing here */
    int acc_k = hw->eng == NPU_ENGINE_NONE ? 8 : hw->eng_k;
    hw->acc_bits_per_flop = hw->accum == NPU_ACC_REGISTERS ? 2.0 * 32.0 / (2.0 * acc_k) : 0;
    return 0;
}

/* Operand path: the SRAM level that feeds the engines and its per-unit capacity and bandwidth. */
static int derive_sram(npu_hw *hw, const char *origin) {
    hw->feed_level = -1;
    for (int i = 0; i < hw->n_sram; i++) {
        npu_sram *m = &hw->sram[i];
        char field[48];
        snprintf(field, sizeof field, "sram[%d].bytes_per_cycle", i);
        if (check_range(origin, field, m->bytes_per_cycle, 0, BIG, false)) return -1;
        snprintf(field, sizeof field, "sram[%d].bandwidth_gbps", i);
        if (check_range(origin, field, m->bandwidth_gbps, 0, BIG, false)) return -1;
        if (m->kb_per_unit > 0 && m->mb > 0) {
            npu_err("%s: sram[%d]: give kb_per_unit (per unit) or mb (shared), not both", origin, i);
            return -1;
        }
        if (m->bytes_per_cycle > 0 && m->bandwidth_gbps > 0) {
            double from_clk = m->bytes_per_cycle * hw->clock_mhz * 1e6 * (m->kb_per_unit > 0 ? hw->units : 1) / 1e9;
            if (fabs(from_clk / m->bandwidth_gbps - 1) > 0.05) {
                npu_err("%s: sram[%d]: bytes_per_cycle %g at %g MHz%s gives %g GB/s, but bandwidth_gbps is %g "
                        "(they must agree within 5%%; give one)", origin, i, m->bytes_per_cycle, hw->clock_mhz,
                        m->kb_per_unit > 0 ? " x units" : "", from_clk, m->bandwidth_gbps);
                return -1;
            }
        }
        if (m->feeds_matrix) {
            if (hw->feed_level >= 0) {
                npu_err("%s: sram[%d].feeds_matrix: sram[%d] already feeds the matrix engines (one level does)",
                        origin, i, hw->feed_level);
                return -1;
            }
            hw->feed_level = i;
        }
    }
    if (hw->feed_level < 0) /* default: the first per-unit level, else the first level */
        for (int i = hw->n_sram - 1; i >= 0; i--)
            if (hw->sram[i].kb_per_unit > 0 || hw->feed_level < 0) hw->feed_level = i;
    hw->sram_total_bytes = hw->sram_unit_bytes = 0;
    for (int i = 0; i < hw->n_sram; i++) {
        hw->sram_unit_bytes += hw->sram[i].kb_per_unit * 1e3;
        hw->sram_total_bytes += hw->sram[i].kb_per_unit * 1e3 * hw->units + hw->sram[i].mb * 1e6;
    }
    if (hw->sram_unit_bytes <= 0) hw->sram_unit_bytes = hw->sram_total_bytes / hw->units;
    hw->feed_bytes_per_unit = hw->feed_Bps_per_unit = 0;
    if (hw->feed_level >= 0) {
        const npu_sram *m = &hw->sram[hw->feed_level];
        bool per_unit = m->kb_per_unit > 0;
        hw->feed_bytes_per_unit = per_unit ? m->kb_per_unit * 1e3 : m->mb * 1e6 / hw->units;
        hw->feed_Bps_per_unit = m->bandwidth_gbps > 0 ? m->bandwidth_gbps * 1e9 / hw->units
                                : m->bytes_per_cycle > 0
                                    ? m->bytes_per_cycle * hw->clock_mhz * 1e6 / (per_unit ? 1 : hw->units)
                                    : 0;
    }
    return 0;
}

/* Vector units: count, clock, rate per datatype. */
static int derive_vector(npu_hw *hw, const char *origin) {
    if (check_range(origin, "vector.units", hw->vec_units, 0, UNITS_MAX, false) ||
        check_range(origin, "vector.clock_mhz", hw->vec_clock_mhz, 0, CLOCK_MHZ_MAX, false) ||
        check_range(origin, "vector.width_bits", hw->vec_width_bits, 0, 65536, false))
        return -1;
    if (hw->vec_clock_mhz > 0 && hw->vec_clock_mhz < CLOCK_MHZ_MIN)
        return bad(origin, "vector.clock_mhz", hw->vec_clock_mhz, "MHz is below any accelerator (10 MHz)");
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) {
        char field[48];
        snprintf(field, sizeof field, "vector.ops_per_cycle.%s", npu_dtype_names[t]);
        if (check_range(origin, field, hw->vec_ops_per_cycle[t], 0, 2 * MACS_MAX, false)) return -1;
    }
    double per_cycle = (hw->vec_units > 0 ? hw->vec_units : hw->units) *
                       (hw->vec_clock_mhz > 0 ? hw->vec_clock_mhz : hw->clock_mhz) * 1e6;
    hw->vec_flops = per_cycle * hw->vec_flops_per_cycle;
    /* unstated rates: a SIMD lane of 32 bits packs two 16-bit or four 8-bit values (AVX-512
     * FP16, HVX, NEON, CUDA half2, CDNA packed math, Gaudi TPC 64 fp32 / 128 int16 / 256 int8
     * per cycle); Apple's GPU ALUs run fp16 at the fp32 rate (docs/research/chips-gpu.md) */
    const double *o = hw->vec_ops_per_cycle;
    double pack = kind_default_of(hw->kind)->eng == NPU_ENGINE_NONE && kind_default_of(hw->kind)->gpu_like ? 1 : 2;
    double r[NPU_DTYPE_COUNT];
    r[NPU_FP32] = hw->vec_flops_per_cycle;
    double half = o[NPU_BF16] > 0 ? o[NPU_BF16] : o[NPU_FP16] > 0 ? o[NPU_FP16] : pack * r[NPU_FP32];
    r[NPU_BF16] = o[NPU_BF16] > 0 ? o[NPU_BF16] : half;
    r[NPU_FP16] = o[NPU_FP16] > 0 ? o[NPU_FP16] : half;
    r[NPU_INT8] = o[NPU_INT8] > 0 ? o[NPU_INT8] : pack * half;
    r[NPU_FP8] = o[NPU_FP8] > 0 ? o[NPU_FP8] : half; /* fp8 converts to 16 bits to compute */
    r[NPU_INT4] = o[NPU_INT4] > 0 ? o[NPU_INT4] : r[NPU_INT8];
    r[NPU_FP4] = half; /* fp4 converts to 16 bits to compute, as fp8 */
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) hw->vec_ops[t] = per_cycle * r[t];
    return 0;
}

/* Vendor-stated peaks against units x clock x MACs x 2 (2 %: vendors round). */
static int check_peak(const char *origin, const char *name, double stated_tflops, double derived_flops,
                      double macs, const npu_hw *hw) {
    if (stated_tflops <= 0) return 0;
    if (derived_flops <= 0) {
        npu_err("%s: matrix.peak_tflops.%s: %g stated, but macs_per_cycle.%s is 0", origin, name, stated_tflops, name);
        return -1;
    }
    double r = derived_flops / (stated_tflops * 1e12);
    if (fabs(r - 1) > 0.02) {
        npu_err("%s: matrix.peak_tflops.%s: %g stated, but units x clock x macs_per_cycle x 2 = %d x %g MHz x %g x 2 "
                "= %.4g TFLOP/s (%+.1f%%; a clock of %.1f MHz would give the stated peak)", origin, name,
                stated_tflops, hw->units, hw->clock_mhz, macs, derived_flops / 1e12, 100 * (r - 1),
                hw->clock_mhz / r);
        return -1;
    }
    return 0;
}

/* Stated peaks are facts about the chip as published (docs/schema.md "Stated
 * peaks"): a description read from a file or preset must agree with them
 * (check_peaks, from npu_hw_from_json); after an edit of the units, clock or
 * MACs the description is another chip, and npu_hw_finish drops the peaks it no
 * longer gives (drop_stale_peaks). Their range is checked in both. */
static int check_peak_ranges(const npu_hw *hw, const char *origin) {
    char f[48];
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) {
        snprintf(f, sizeof f, "matrix.peak_tflops.%s", npu_dtype_names[t]);
        if (check_range(origin, f, hw->peak_tflops[t], 0, BIG, false)) return -1;
    }
    for (int i = 0; i < NPU_HW_NXDT; i++) {
        snprintf(f, sizeof f, "matrix.macs_per_cycle.%s", npu_hw_xdt_names[i]);
        if (check_range(origin, f, hw->xmacs_per_cycle[i], 0, MACS_MAX, false)) return -1;
        snprintf(f, sizeof f, "matrix.peak_tflops.%s", npu_hw_xdt_names[i]);
        if (check_range(origin, f, hw->xpeak_tflops[i], 0, BIG, false)) return -1;
    }
    return check_range(origin, "matrix.peak_tflops.tf32", hw->tf32_peak_tflops, 0, BIG, false);
}

static int check_peaks(const npu_hw *hw, const char *origin) {
    double per_mac = hw->units * hw->clock_mhz * 1e6 * 2.0;
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) {
        /* fp32 without fp32 MACs: the stated figure is the vector units' */
        if (t == NPU_FP32 && hw->macs_per_cycle[t] <= 0) {
            if (hw->peak_tflops[t] > 0 && fabs(hw->vec_flops / (hw->peak_tflops[t] * 1e12) - 1) > 0.02) {
                npu_err("%s: matrix.peak_tflops.fp32: %g stated, but the vector units give %.4g TFLOP/s (no fp32 "
                        "matrix MACs; set vector.clock_mhz if they run at another clock)", origin,
                        hw->peak_tflops[t], hw->vec_flops / 1e12);
                return -1;
            }
            continue;
        }
        if (check_peak(origin, npu_dtype_names[t], hw->peak_tflops[t], per_mac * hw->macs_per_cycle[t],
                       hw->macs_per_cycle[t], hw))
            return -1;
    }
    for (int i = 0; i < NPU_HW_NXDT; i++)
        if (check_peak(origin, npu_hw_xdt_names[i], hw->xpeak_tflops[i], per_mac * hw->xmacs_per_cycle[i],
                       hw->xmacs_per_cycle[i], hw))
            return -1;
    return check_peak(origin, "tf32", hw->tf32_peak_tflops, per_mac * hw->tf32_macs_per_cycle,
                      hw->tf32_macs_per_cycle, hw);
}

/* A stated peak that units x clock x MACs x 2 (fp32 without fp32 MACs: the
 * vector units) no longer gives within 2 %: the edited chip is not the one the
 * vendor stated it for. */
static bool peak_stale(double stated_tflops, double derived_flops) {
    return stated_tflops > 0 && !(fabs(derived_flops / (stated_tflops * 1e12) - 1) <= 0.02);
}

static void drop_stale_peaks(npu_hw *hw) {
    double per_mac = hw->units * hw->clock_mhz * 1e6 * 2.0;
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) {
        double derived = t == NPU_FP32 && hw->macs_per_cycle[t] <= 0 ? hw->vec_flops : per_mac * hw->macs_per_cycle[t];
        if (peak_stale(hw->peak_tflops[t], derived)) hw->peak_tflops[t] = 0;
    }
    for (int i = 0; i < NPU_HW_NXDT; i++)
        if (peak_stale(hw->xpeak_tflops[i], per_mac * hw->xmacs_per_cycle[i])) hw->xpeak_tflops[i] = 0;
    if (peak_stale(hw->tf32_peak_tflops, per_mac * hw->tf32_macs_per_cycle)) hw->tf32_peak_tflops = 0;
}

static int derive_power(npu_hw *hw, const char *origin) {
    int v = NPU_SCOPE_BOARD;
    if (parse_name(hw->power_scope, npu_power_scope_names, NPU_SCOPE_COUNT, &v, origin, "power.scope")) return -1;
    hw->scope = (npu_power_scope)v;
    if (check_range(origin, "power.accelerator_share", hw->power_share, 0, 1, false)) return -1;
    if (hw->power_share > 0 && hw->scope != NPU_SCOPE_SYSTEM && hw->scope != NPU_SCOPE_MODULE) {
        npu_err("%s: power.accelerator_share: applies to scope system or module (the power figure covers more "
                "than the accelerator), not '%s'", origin, npu_power_scope_names[hw->scope]);
        return -1;
    }
    hw->tdp_accel_w = hw->tdp_w * (hw->power_share > 0 ? hw->power_share : 1.0);
    return 0;
}

/* memory.technology "none": an SRAM-only chip (Groq LPU, Cerebras WSE). Weights, KV cache and
 * activations live in the largest shared SRAM level, at its bandwidth. */
static int derive_sram_main(npu_hw *hw, const char *origin) {
    if (hw->mem_stacks || hw->mem_height || hw->mem_pin_gbps > 0 || hw->mem_capacity_gb > 0) {
        npu_err("%s: memory: technology none has no DRAM: stacks, height, pin_gbps and capacity_gb must be absent "
                "(capacity and bandwidth come from the sram level that holds the weights)", origin);
        return -1;
    }
    int best = -1;
    for (int i = 0; i < hw->n_sram; i++)
        if (hw->sram[i].mb > 0 && (best < 0 || hw->sram[i].mb > hw->sram[best].mb)) best = i;
    if (best < 0) {
        npu_err("%s: memory.technology: none (SRAM only) needs a shared sram level with mb > 0 to hold the weights",
                origin);
        return -1;
    }
    const npu_sram *m = &hw->sram[best];
    double bw = m->bandwidth_gbps > 0 ? m->bandwidth_gbps * 1e9 : m->bytes_per_cycle * hw->clock_mhz * 1e6;
    if (!(bw > 0)) {
        npu_err("%s: sram[%d].bandwidth_gbps: memory.technology none streams weights from this level; state its "
                "bandwidth", origin, best);
        return -1;
    }
    hw->sram_main = true;
    hw->memtech = NULL;
    hw->mem_bw_Bps = bw;
    hw->mem_bytes = m->mb * 1e6;
    return 0;
}

/* Read bandwidth of SRAM level i, bytes/s: as stated (bandwidth_gbps, bytes_per_cycle), else,
 * for a scratchpad (`estimate`), [E] the rate the matrix engines take in one operand row: each
 * engine one row of eng_n x eng_depth 16-bit values per cycle (what a weight-stationary array's
 * shift-in consumes; the cost model's load_cycles default), over all units: RNGD 8 x 64 x 8 x
 * 2 B x 0.98 GHz = 8.0 TB/s (5.3x its HBM). A cache whose bandwidth is not stated gets 0: no
 * residency is credited to it (the GPUs' L2s). */
static double sram_level_Bps(const npu_hw *hw, int i, bool estimate) {
    const npu_sram *m = &hw->sram[i];
    double clk = hw->clock_mhz * 1e6;
    if (m->bandwidth_gbps > 0) return m->bandwidth_gbps * 1e9;
    if (m->bytes_per_cycle > 0) return m->bytes_per_cycle * clk * (m->kb_per_unit > 0 ? hw->units : 1);
    return estimate ? (double)hw->units * hw->eng_per_unit * hw->eng_n * hw->eng_depth * 2.0 * clk : 0;
}

/* Cross-step residency (docs/accuracy-architectures.md "On-chip residency"): each level's
 * role (as written, else the kind's default), the scratchpad bytes a compiler can pin
 * weights in and their bandwidth, the largest hardware cache and its bandwidth. With
 * sram_main everything already lives in SRAM: nothing more to pin. */
static int derive_residency(npu_hw *hw, const char *origin) {
    bool gpu_kind = hw->gpu_like, cpu = strcmp(hw->kind, "cpu") == 0;
    double pin = 0, pin_t = 0; /* bytes, and bytes x seconds per byte (capacity-weighted read time) */
    hw->pin_bytes = hw->pin_Bps = hw->cache_bytes = hw->cache_Bps = 0;
    bool feed_pinned = false;
    for (int i = 0; i < hw->n_sram; i++) {
        const npu_sram *m = &hw->sram[i];
        int v = cpu ? NPU_SRAM_CACHE : gpu_kind ? (m->kb_per_unit > 0 ? NPU_SRAM_KERNEL : NPU_SRAM_CACHE)
                                                : NPU_SRAM_SCRATCHPAD;
        char field[32];
        snprintf(field, sizeof field, "sram[%d].role", i);
        if (parse_name(m->role, npu_sram_role_names, NPU_SRAM_ROLE_COUNT, &v, origin, field)) return -1;
        hw->sram_role[i] = (npu_sram_role)v;
        double bytes = m->kb_per_unit * 1e3 * hw->units + m->mb * 1e6;
        double Bps = sram_level_Bps(hw, i, v == NPU_SRAM_SCRATCHPAD);
        if (v == NPU_SRAM_SCRATCHPAD) {
            pin += bytes, pin_t += bytes / Bps;
            feed_pinned |= i == hw->feed_level;
        } else if (v == NPU_SRAM_CACHE && Bps > 0 && bytes > hw->cache_bytes) {
            hw->cache_bytes = bytes, hw->cache_Bps = Bps;
        }
    }
    if (hw->sram_main) return 0;
    if (pin > 0) {
        hw->pin_Bps = pin / pin_t;
        /* the kernels' own working set stays: each unit's double-buffered 16-bit operand tiles
         * and its fp32 accumulators, when the scratchpad is what feeds the engines */
        double tile = 2.0 * (hw->tile_m + hw->tile_n) * 2.0 * hw->tile_k + 4.0 * hw->tile_m * hw->tile_n;
        hw->pin_bytes = pin - (feed_pinned ? tile * hw->units : 0);
        if (hw->pin_bytes < 0) hw->pin_bytes = 0;
    }
    return 0;
}

/* Validate and derive; `stated`: check the stated peaks (a description as read)
 * rather than drop the stale ones (a description after an edit). */
static int finish(npu_hw *hw, const char *origin, bool stated) {
    hw->sram_main = strcmp(hw->mem_technology, "none") == 0;
    hw->memtech = hw->sram_main ? NULL : npu_memtech_find(hw->mem_technology);
    if (!hw->memtech && !hw->sram_main) {
        char msg[512];
        npu_strlcpy(msg, npu_errmsg(), sizeof msg);
        npu_err("%s: memory.technology: %s", origin, msg);
        return -1;
    }
    npu_topo topo;
    if (npu_topo_parse(hw->link_topology, &topo)) {
        char msg[512];
        npu_strlcpy(msg, npu_errmsg(), sizeof msg);
        npu_err("%s: links.topology: %s", origin, msg);
        return -1;
    }
    if (hw->mem_height <= 0 && !hw->sram_main) { /* the lowest height the technology makes that holds the stated capacity */
        const npu_memtech *t = hw->memtech;
        hw->mem_height = t->heights[t->n_heights - 1];
        for (int i = t->n_heights - 1; i >= 0; i--)
            if (npu_memtech_capacity_B(t, hw->mem_stacks, t->heights[i]) >= hw->mem_capacity_gb * 1073741824.0)
                hw->mem_height = t->heights[i];
    }
    if (check_fields(hw, origin) || derive_power(hw, origin) || derive_sram(hw, origin) ||
        derive_engine(hw, origin) || derive_vector(hw, origin) || check_peak_ranges(hw, origin) ||
        (stated && check_peaks(hw, origin)))
        return -1;
    if (!stated) drop_stale_peaks(hw);
    if (hw->sram_main) {
        if (derive_sram_main(hw, origin)) return -1;
    } else {
        if (check_memory(hw, origin)) return -1;
        hw->mem_bw_Bps = npu_memtech_bandwidth_Bps(hw->memtech, hw->mem_stacks, hw->mem_pin_gbps);
        /* device-memory "GB" are binary: DRAM dies hold 2^n bits, and an "80 GB" H100
         * reports 81,559 MiB in nvidia-smi (85.5e9 bytes) */
        hw->mem_bytes = hw->mem_capacity_gb > 0
                            ? hw->mem_capacity_gb * 1073741824.0
                            : npu_memtech_capacity_B(hw->memtech, hw->mem_stacks, hw->mem_height);
    }
    if (derive_residency(hw, origin)) return -1;
    const npu_process *proc = npu_process_lookup(hw->process_node);
    hw->energy_rel = proc ? proc->energy_rel : 0.95; /* unknown node: the H100's N4-class, where energy was fitted */
    hw->l2_bytes = 0;
    hw->smem_bytes_per_unit = 0;
    for (int i = 0; i < hw->n_sram; i++) {
        if (hw->sram[i].mb > 0) hw->l2_bytes = hw->sram[i].mb * 1e6;
        if (hw->sram[i].kb_per_unit > 0 && hw->smem_bytes_per_unit == 0)
            hw->smem_bytes_per_unit = hw->sram[i].kb_per_unit * 1e3;
    }
    double per_mac = hw->units * hw->clock_mhz * 1e6 * 2.0; /* FLOP/s per MAC/cycle/unit */
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) {
        hw->peak_flops[t] = per_mac * hw->macs_per_cycle[t];
        hw->compute_dtype[t] = choose_dtype(hw, (npu_dtype)t);
    }
    if (hw->peak_flops[NPU_FP32] <= 0) hw->peak_flops[NPU_FP32] = hw->vec_flops; /* fp32 GEMMs on the vector units */
    /* block formats the fp4 path applies: as listed, else OCP MX, the scaling every fp4 engine
     * implements (Blackwell, CDNA4); NVFP4's e4m3 scales only where listed */
    hw->native_blocks = 0;
    if (hw->macs_per_cycle[NPU_FP4] > 0)
        hw->native_blocks = hw->fp4_formats ? hw->fp4_formats : 1u << (NPU_MXFP4 - NPU_DTYPE_COUNT);
    else if (hw->fp4_formats) {
        npu_err("%s: matrix.fp4_formats lists block formats, but macs_per_cycle.fp4 is 0", origin);
        return -1;
    }
    for (int w = 0; w < NPU_FMT_COUNT; w++)
        for (int a = 0; a < NPU_FMT_COUNT; a++) {
            npu_gemm_path p = choose_path(hw, (npu_dtype)w, (npu_dtype)a);
            hw->path_cdt[w][a] = (unsigned char)p.cdt, hw->path_act[w][a] = (unsigned char)p.act;
            hw->path_native[w][a] = p.native, hw->path_dq[w][a] = p.dq_ops;
        }
    resolve_fabric(hw, topo);
    /* idle_w has the scope of tdp_w: the accelerator's share of both */
    npu_energy_derive(&hw->energy, hw->energy_rel, hw->memtech, hw->tdp_accel_w,
                      hw->idle_w * (hw->power_share > 0 ? hw->power_share : 1.0), hw->op_bits_per_flop,
                      hw->acc_bits_per_flop, hw->sram_main);
    return 0;
}

int npu_hw_finish(npu_hw *hw, const char *origin) { return finish(hw, origin, false); }

/* ---- reading ---- */

static int read_engine(const cJSON *o, npu_hw *hw, const char *origin) {
    static const char *const keys[] = {"type", "per_unit", "m", "n", "k", "rows", "cols", "dataflow",
                                       "accumulators", "source", NULL};
    char where[160];
    snprintf(where, sizeof where, "%s: matrix.engine", origin);
    npu_engine_desc *d = &hw->engine;
    if (!cJSON_IsObject(o)) {
        npu_err("%s: must be an object", where);
        return -1;
    }
    return npu_json_check_keys(o, keys, where) || npu_json_str(o, "type", d->type, sizeof d->type, true, where) ||
                   npu_json_int(o, "per_unit", &d->per_unit, false, 1, where) ||
                   npu_json_int(o, "m", &d->m, false, 1, where) || npu_json_int(o, "n", &d->n, false, 1, where) ||
                   npu_json_int(o, "k", &d->k, false, 1, where) ||
                   npu_json_int(o, "rows", &d->rows, false, 1, where) ||
                   npu_json_int(o, "cols", &d->cols, false, 1, where) ||
                   npu_json_str(o, "dataflow", d->dataflow, sizeof d->dataflow, false, where) ||
                   npu_json_str(o, "accumulators", d->accumulators, sizeof d->accumulators, false, where) ||
                   npu_json_str(o, "source", d->source, sizeof d->source, false, where)
               ? -1
               : 0;
}

static int read_gemv(const cJSON *o, npu_hw *hw, const char *origin) {
    static const char *const keys[] = {"path", "granule", "max_rows", "source", NULL};
    char where[160];
    snprintf(where, sizeof where, "%s: matrix.gemv", origin);
    npu_gemv_desc *g = &hw->gemv_desc;
    if (!cJSON_IsObject(o)) {
        npu_err("%s: must be an object", where);
        return -1;
    }
    return npu_json_check_keys(o, keys, where) || npu_json_str(o, "path", g->path, sizeof g->path, true, where) ||
                   npu_json_int(o, "granule", &g->granule, false, 1, where) ||
                   npu_json_int(o, "max_rows", &g->max_rows, false, 1, where) ||
                   npu_json_str(o, "source", g->source, sizeof g->source, false, where)
               ? -1
               : 0;
}

static int read_peaks(const cJSON *o, npu_hw *hw, const char *origin) {
    static const char *const keys[] = {"bf16", "fp16", "fp8", "int8", "int4", "fp32", "tf32",
                                       "fp4",  "fp6",  "fp64", "int16", "int2", NULL};
    char where[160];
    snprintf(where, sizeof where, "%s: matrix.peak_tflops", origin);
    if (!cJSON_IsObject(o)) {
        npu_err("%s: must be an object of datatype: TFLOP/s", where);
        return -1;
    }
    if (npu_json_check_keys(o, keys, where)) return -1;
    for (int t = 0; t < NPU_DTYPE_COUNT; t++)
        if (npu_json_num(o, npu_dtype_names[t], &hw->peak_tflops[t], false, 0, where)) return -1;
    for (int i = 0; i < NPU_HW_NXDT; i++)
        if (npu_json_num(o, npu_hw_xdt_names[i], &hw->xpeak_tflops[i], false, 0, where)) return -1;
    return npu_json_num(o, "tf32", &hw->tf32_peak_tflops, false, 0, where);
}

/* matrix.fp4_formats: the block formats whose scales the fp4 matrix instruction applies
 * (docs/quantization.md "Kernel paths"). */
static int read_fp4_formats(const cJSON *a, npu_hw *hw, const char *origin) {
    if (!cJSON_IsArray(a)) {
        npu_err("%s: matrix.fp4_formats must be a list of block formats (mxfp4, nvfp4)", origin);
        return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, a) {
        npu_dtype t;
        if (!cJSON_IsString(it) || npu_dtype_parse(it->valuestring, &t) || !npu_dtype_fmt(t)->block_mma) {
            npu_err("%s: matrix.fp4_formats: %s is not a block format a matrix instruction applies (mxfp4, nvfp4)",
                    origin, cJSON_IsString(it) ? it->valuestring : "a non-string");
            return -1;
        }
        hw->fp4_formats |= 1u << (t - NPU_DTYPE_COUNT);
    }
    if (!hw->fp4_formats) {
        npu_err("%s: matrix.fp4_formats is empty (leave it out when the chip has no fp4 path)", origin);
        return -1;
    }
    return 0;
}

static int read_matrix(const cJSON *o, npu_hw *hw, const char *origin) {
    static const char *const keys[] = {"units", "clock_mhz", "macs_per_cycle", "tile_m", "tile_n",
                                       "tile_k", "engine", "gemv", "peak_tflops", "fp4_formats", "source", NULL};
    char where[160];
    snprintf(where, sizeof where, "%s: matrix", origin);
    hw->tile_m = 128, hw->tile_n = 128, hw->tile_k = 64;
    if (npu_json_check_keys(o, keys, where) || npu_json_int(o, "units", &hw->units, true, 1, where) ||
        npu_json_num(o, "clock_mhz", &hw->clock_mhz, true, 1, where) ||
        npu_json_int(o, "tile_m", &hw->tile_m, false, 1, where) ||
        npu_json_int(o, "tile_n", &hw->tile_n, false, 1, where) ||
        npu_json_int(o, "tile_k", &hw->tile_k, false, 1, where) ||
        npu_json_str(o, "source", hw->matrix_source, sizeof hw->matrix_source, true, where))
        return -1;
    const cJSON *sub;
    if (((sub = cJSON_GetObjectItemCaseSensitive(o, "engine")) && read_engine(sub, hw, origin)) ||
        ((sub = cJSON_GetObjectItemCaseSensitive(o, "gemv")) && read_gemv(sub, hw, origin)) ||
        ((sub = cJSON_GetObjectItemCaseSensitive(o, "peak_tflops")) && read_peaks(sub, hw, origin)) ||
        ((sub = cJSON_GetObjectItemCaseSensitive(o, "fp4_formats")) && read_fp4_formats(sub, hw, origin)))
        return -1;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "macs_per_cycle");
    static const char *const dts[] = {"bf16", "fp16", "fp8", "int8", "int4", "fp32", "tf32",
                                      "fp4",  "fp6",  "fp64", "int16", "int2", NULL};
    snprintf(where, sizeof where, "%s: matrix.macs_per_cycle", origin);
    if (!m) {
        npu_err("%s: missing field 'macs_per_cycle'", where);
        return -1;
    }
    if (npu_json_check_keys(m, dts, where)) return -1;
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) /* bf16 .. int4, fp32: npu_dtype order */
        if (npu_json_num(m, npu_dtype_names[t], &hw->macs_per_cycle[t], false, 0, where)) return -1;
    for (int i = 0; i < NPU_HW_NXDT; i++)
        if (npu_json_num(m, npu_hw_xdt_names[i], &hw->xmacs_per_cycle[i], false, 0, where)) return -1;
    return npu_json_num(m, "tf32", &hw->tf32_macs_per_cycle, false, 0, where);
}

static int read_sram(const cJSON *arr, npu_hw *hw, const char *origin) {
    static const char *const keys[] = {"level", "kb_per_unit", "mb", "bandwidth_gbps", "bytes_per_cycle",
                                       "feeds_matrix", "shared_with_cpu", "role", "source", NULL};
    if (!cJSON_IsArray(arr)) {
        npu_err("%s: sram must be a list", origin);
        return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        char where[160];
        snprintf(where, sizeof where, "%s: sram[%d]", origin, hw->n_sram);
        if (hw->n_sram >= NPU_MAX_SRAM) {
            npu_err("%s: at most %d SRAM levels", where, NPU_MAX_SRAM);
            return -1;
        }
        npu_sram *s = &hw->sram[hw->n_sram++];
        if (npu_json_check_keys(it, keys, where) ||
            npu_json_str(it, "level", s->level, sizeof s->level, true, where) ||
            npu_json_num(it, "kb_per_unit", &s->kb_per_unit, false, 0, where) ||
            npu_json_num(it, "mb", &s->mb, false, 0, where) ||
            npu_json_num(it, "bandwidth_gbps", &s->bandwidth_gbps, false, 0, where) ||
            npu_json_num(it, "bytes_per_cycle", &s->bytes_per_cycle, false, 0, where) ||
            npu_json_bool(it, "feeds_matrix", &s->feeds_matrix, false, where) ||
            npu_json_bool(it, "shared_with_cpu", &s->shared_with_cpu, false, where) ||
            npu_json_str(it, "role", s->role, sizeof s->role, false, where) ||
            npu_json_str(it, "source", s->source, sizeof s->source, true, where))
            return -1;
    }
    return 0;
}

static int read_memory(const cJSON *o, npu_hw *hw, const char *origin) {
    static const char *const keys[] = {"technology", "stacks", "height", "pin_gbps",
                                       "capacity_gb", "source", NULL};
    char where[160];
    snprintf(where, sizeof where, "%s: memory", origin);
    hw->mem_height = 0; /* absent: npu_hw_finish picks the lowest height that holds capacity_gb */
    return npu_json_check_keys(o, keys, where) ||
                   npu_json_str(o, "technology", hw->mem_technology, sizeof hw->mem_technology, true,
                                where) ||
                   npu_json_int(o, "stacks", &hw->mem_stacks, strcmp(hw->mem_technology, "none") != 0, 1,
                                where) ||
                   npu_json_int(o, "height", &hw->mem_height, false, 1, where) ||
                   npu_json_num(o, "pin_gbps", &hw->mem_pin_gbps, false, 0, where) ||
                   npu_json_num(o, "capacity_gb", &hw->mem_capacity_gb, false, 0, where) ||
                   npu_json_str(o, "source", hw->memory_source, sizeof hw->memory_source, true, where)
               ? -1
               : 0;
}

static int read_section(const cJSON *root, const char *name, const char *origin, bool required,
                        const cJSON **out) {
    *out = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!*out && required) {
        npu_err("%s: missing section '%s'", origin, name);
        return -1;
    }
    return 0;
}

static int read_eff(const cJSON *o, npu_hw *hw, const char *origin) {
    const char *keys[NPU_EFF_NPARAM + 2];
    for (int i = 0; i < NPU_EFF_NPARAM; i++) keys[i] = npu_eff_names[i];
    keys[NPU_EFF_NPARAM] = "source";
    keys[NPU_EFF_NPARAM + 1] = NULL;
    char where[160];
    snprintf(where, sizeof where, "%s: efficiency", origin);
    if (npu_json_check_keys(o, keys, where)) return -1;
    if (npu_json_str(o, "source", hw->eff_source, sizeof hw->eff_source, false, where)) return -1;
    for (int i = 0; i < NPU_EFF_NPARAM; i++)
        if (npu_json_num(o, npu_eff_names[i], npu_eff_param(&hw->eff, i), false, 0, where)) return -1;
    hw->eff_from_file = true;
    return 0;
}

static int read_links(const cJSON *o, npu_hw *hw, const char *origin) {
    static const char *const lk[] = {"name", "bandwidth_gbps", "latency_us", "topology", "domain_chips",
                                     "dims", "wrap_every", "links_per_chip", "link_gbps",
                                     "in_switch_reduction", "shared_gbps", "overlap", "scaleout",
                                     "source", NULL};
    char where[160];
    snprintf(where, sizeof where, "%s: links", origin);
    if (npu_json_check_keys(o, lk, where) ||
        npu_json_str(o, "name", hw->link_name, sizeof hw->link_name, false, where) ||
        npu_json_num(o, "bandwidth_gbps", &hw->link_gbps, false, 0, where) ||
        npu_json_num(o, "latency_us", &hw->link_latency_us, false, 0, where) ||
        npu_json_str(o, "topology", hw->link_topology, sizeof hw->link_topology, false, where) ||
        npu_json_int(o, "domain_chips", &hw->link_domain, false, 1, where) ||
        npu_json_int(o, "wrap_every", &hw->link_wrap_every, false, 1, where) ||
        npu_json_int(o, "links_per_chip", &hw->link_count, false, 1, where) ||
        npu_json_num(o, "link_gbps", &hw->link_each_gbps, false, 0, where) ||
        npu_json_bool(o, "in_switch_reduction", &hw->link_in_switch, false, where) ||
        npu_json_num(o, "shared_gbps", &hw->link_shared_gbps, false, 0, where) ||
        npu_json_num(o, "overlap", &hw->comm_overlap, false, 0, where) ||
        npu_json_str(o, "source", hw->links_source, sizeof hw->links_source, true, where))
        return -1;
    npu_topo t;
    if (npu_topo_parse(hw->link_topology, &t)) {
        char msg[400];
        npu_strlcpy(msg, npu_errmsg(), sizeof msg);
        npu_err("%s.topology: %s", where, msg);
        return -1;
    }
    if (hw->comm_overlap > 1) {
        npu_err("%s.overlap: %g must be a fraction between 0 and 1", where, hw->comm_overlap);
        return -1;
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "dims");
    if (d) {
        int n = cJSON_IsArray(d) ? cJSON_GetArraySize(d) : 0;
        int want = npu_topo_ndims(t);
        if (!want || n != want) {
            npu_err("%s.dims: a list of %d extents for topology '%s' (only ring, torus2d, torus3d take dims)",
                    where, want ? want : 0, hw->link_topology[0] ? hw->link_topology : "(none)");
            return -1;
        }
        long prod = 1;
        for (int i = 0; i < n; i++) {
            const cJSON *e = cJSON_GetArrayItem(d, i);
            if (!cJSON_IsNumber(e) || e->valuedouble < 1 || e->valuedouble != (int)e->valuedouble ||
                e->valuedouble > 1e6) {
                npu_err("%s.dims[%d]: must be a positive integer", where, i);
                return -1;
            }
            hw->link_dims[i] = (int)e->valuedouble;
            prod *= hw->link_dims[i];
            if (prod > 1000000) {
                npu_err("%s.dims: more than 1,000,000 chips in one domain", where);
                return -1;
            }
        }
        hw->link_ndims = n;
        if (hw->link_domain && prod != hw->link_domain) {
            npu_err("%s: dims multiply to %ld chips but domain_chips is %d", where, prod, hw->link_domain);
            return -1;
        }
    }
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(o, "scaleout");
    if (so) {
        static const char *const sk[] = {"name", "bandwidth_gbps", "latency_us", "chips_per_node", "source", NULL};
        snprintf(where, sizeof where, "%s: links.scaleout", origin);
        if (!cJSON_IsObject(so)) {
            npu_err("%s: must be an object", where);
            return -1;
        }
        if (npu_json_check_keys(so, sk, where) ||
            npu_json_str(so, "name", hw->nic_name, sizeof hw->nic_name, false, where) ||
            npu_json_num(so, "bandwidth_gbps", &hw->nic_gbps, true, 0, where) ||
            npu_json_num(so, "latency_us", &hw->nic_latency_us, false, 0, where) ||
            npu_json_int(so, "chips_per_node", &hw->node_chips, false, 1, where) ||
            npu_json_str(so, "source", hw->nic_source, sizeof hw->nic_source, true, where))
            return -1;
    }
    return 0;
}

int npu_hw_from_json(const cJSON *root, const char *origin, npu_hw *hw) {
    static const char *const keys[] = {"name", "description", "vendor", "kind", "year", "matrix",
                                       "vector", "sram", "memory", "links", "power", "process",
                                       "price_usd", "price_source", "efficiency", NULL};
    memset(hw, 0, sizeof *hw);
    hw->eff = npu_eff_default;
    hw->dies = 1;
    const cJSON *s;
    char where[160];
    if (npu_json_check_keys(root, keys, origin) ||
        npu_json_str(root, "name", hw->name, sizeof hw->name, true, origin) ||
        npu_json_str(root, "description", hw->description, sizeof hw->description, false, origin) ||
        npu_json_str(root, "vendor", hw->vendor, sizeof hw->vendor, false, origin) ||
        npu_json_str(root, "kind", hw->kind, sizeof hw->kind, false, origin) ||
        npu_json_int(root, "year", &hw->year, false, 0, origin) ||
        npu_json_num(root, "price_usd", &hw->price_usd, false, 0, origin) ||
        npu_json_str(root, "price_source", hw->price_source, sizeof hw->price_source, false, origin))
        return -1;
    if (read_section(root, "matrix", origin, true, &s) || read_matrix(s, hw, origin)) return -1;
    if (read_section(root, "vector", origin, false, &s)) return -1;
    if (s) {
        static const char *const vk[] = {"flops_per_cycle", "units", "clock_mhz", "width_bits", "ops_per_cycle",
                                         "source", NULL};
        snprintf(where, sizeof where, "%s: vector", origin);
        if (npu_json_check_keys(s, vk, where) ||
            npu_json_num(s, "flops_per_cycle", &hw->vec_flops_per_cycle, true, 0, where) ||
            npu_json_int(s, "units", &hw->vec_units, false, 1, where) ||
            npu_json_num(s, "clock_mhz", &hw->vec_clock_mhz, false, 1, where) ||
            npu_json_int(s, "width_bits", &hw->vec_width_bits, false, 1, where) ||
            npu_json_str(s, "source", hw->vector_source, sizeof hw->vector_source, true, where))
            return -1;
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(s, "ops_per_cycle");
        if (op) {
            static const char *const ok[] = {"bf16", "fp16", "fp8", "int8", "int4", NULL};
            snprintf(where, sizeof where, "%s: vector.ops_per_cycle", origin);
            if (!cJSON_IsObject(op)) {
                npu_err("%s: must be an object of datatype: ops per cycle (fp32 is flops_per_cycle)", where);
                return -1;
            }
            if (npu_json_check_keys(op, ok, where)) return -1;
            for (int t = 0; t < NPU_FP32; t++)
                if (npu_json_num(op, npu_dtype_names[t], &hw->vec_ops_per_cycle[t], false, 0, where)) return -1;
        }
    }
    if (hw->vec_flops_per_cycle <= 0) hw->vec_flops_per_cycle = 256;
    if (read_section(root, "sram", origin, false, &s) || (s && read_sram(s, hw, origin))) return -1;
    if (read_section(root, "memory", origin, true, &s) || read_memory(s, hw, origin)) return -1;
    if (read_section(root, "links", origin, false, &s) || (s && read_links(s, hw, origin))) return -1;
    if (read_section(root, "power", origin, false, &s)) return -1;
    if (s) {
        static const char *const pk[] = {"tdp_w", "idle_w", "scope", "accelerator_share", "source", NULL};
        snprintf(where, sizeof where, "%s: power", origin);
        if (npu_json_check_keys(s, pk, where) || npu_json_num(s, "tdp_w", &hw->tdp_w, false, 0, where) ||
            npu_json_num(s, "idle_w", &hw->idle_w, false, 0, where) ||
            npu_json_str(s, "scope", hw->power_scope, sizeof hw->power_scope, false, where) ||
            npu_json_num(s, "accelerator_share", &hw->power_share, false, 0, where) ||
            npu_json_str(s, "source", hw->power_source, sizeof hw->power_source, true, where))
            return -1;
    }
    if (read_section(root, "process", origin, false, &s)) return -1;
    if (s) {
        static const char *const ck[] = {"node", "foundry", "die_mm2", "dies", "transistors_b", "units_total",
                                          "source", NULL};
        snprintf(where, sizeof where, "%s: process", origin);
        if (npu_json_check_keys(s, ck, where) ||
            npu_json_str(s, "node", hw->process_node, sizeof hw->process_node, false, where) ||
            npu_json_str(s, "foundry", hw->foundry, sizeof hw->foundry, false, where) ||
            npu_json_num(s, "die_mm2", &hw->die_mm2, false, 0, where) ||
            npu_json_int(s, "dies", &hw->dies, false, 1, where) ||
            npu_json_num(s, "transistors_b", &hw->transistors_b, false, 0, where) ||
            npu_json_int(s, "units_total", &hw->units_total, false, 0, where) ||
            npu_json_str(s, "source", hw->process_source, sizeof hw->process_source, true, where))
            return -1;
    }
    if (!kind_default_of(hw->kind)->gpu_like) hw->eff = npu_eff_physical(hw->units, strcmp(hw->mem_technology, "none") == 0);
    if (read_section(root, "efficiency", origin, false, &s) || (s && read_eff(s, hw, origin))) return -1;
    return finish(hw, origin, true); /* as read: the stated peaks must hold */
}

int npu_hw_load(const char *name_or_path, npu_hw *out) {
    const char *text = NULL;
    char *owned = NULL;
    char origin[300];
    for (int i = 0; i < npu_presets_hw_count; i++) {
        if (strcmp(npu_presets_hw[i].name, name_or_path) == 0) {
            text = npu_presets_hw[i].json;
            snprintf(origin, sizeof origin, "preset %s", name_or_path);
        }
    }
    if (!text) {
        bool looks_like_file = strchr(name_or_path, '/') || strstr(name_or_path, ".json");
        if (!looks_like_file) {
            const char *names[128];
            int n = npu_presets_hw_count < 128 ? npu_presets_hw_count : 128;
            for (int i = 0; i < n; i++) names[i] = npu_presets_hw[i].name;
            const char *c = npu_closest(name_or_path, names, (size_t)n);
            npu_err("unknown hardware '%s'%s%s%s (see 'npusim list hw', or give a .json file)",
                    name_or_path, c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
            return -1;
        }
        owned = npu_read_file(name_or_path, NULL);
        if (!owned) return -1;
        text = owned;
        snprintf(origin, sizeof origin, "%s", name_or_path);
    }
    cJSON *root = npu_json_parse(text, origin);
    int rc = root ? npu_hw_from_json(root, origin, out) : -1;
    cJSON_Delete(root);
    free(owned);
    return rc;
}

/* ---- writing ---- */

static void add_num_if(cJSON *o, const char *k, double v) {
    if (v != 0) cJSON_AddNumberToObject(o, k, v);
}

cJSON *npu_hw_to_json(const npu_hw *hw) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "name", hw->name);
    if (hw->description[0]) cJSON_AddStringToObject(r, "description", hw->description);
    if (hw->vendor[0]) cJSON_AddStringToObject(r, "vendor", hw->vendor);
    if (hw->kind[0]) cJSON_AddStringToObject(r, "kind", hw->kind);
    add_num_if(r, "year", hw->year);
    cJSON *m = cJSON_AddObjectToObject(r, "matrix");
    cJSON_AddNumberToObject(m, "units", hw->units);
    cJSON_AddNumberToObject(m, "clock_mhz", hw->clock_mhz);
    cJSON *mp = cJSON_AddObjectToObject(m, "macs_per_cycle");
    for (int t = 0; t < NPU_FP32; t++) cJSON_AddNumberToObject(mp, npu_dtype_names[t], hw->macs_per_cycle[t]);
    add_num_if(mp, "fp32", hw->macs_per_cycle[NPU_FP32]);
    add_num_if(mp, "tf32", hw->tf32_macs_per_cycle);
    add_num_if(mp, "fp4", hw->macs_per_cycle[NPU_FP4]);
    for (int i = 0; i < NPU_HW_NXDT; i++) add_num_if(mp, npu_hw_xdt_names[i], hw->xmacs_per_cycle[i]);
    bool peaks = hw->tf32_peak_tflops > 0;
    for (int t = 0; t < NPU_DTYPE_COUNT; t++) peaks |= hw->peak_tflops[t] > 0;
    for (int i = 0; i < NPU_HW_NXDT; i++) peaks |= hw->xpeak_tflops[i] > 0;
    if (peaks) {
        cJSON *pk = cJSON_AddObjectToObject(m, "peak_tflops");
        for (int t = 0; t <= NPU_FP32; t++) add_num_if(pk, npu_dtype_names[t], hw->peak_tflops[t]);
        add_num_if(pk, "tf32", hw->tf32_peak_tflops);
        add_num_if(pk, "fp4", hw->peak_tflops[NPU_FP4]);
        for (int i = 0; i < NPU_HW_NXDT; i++) add_num_if(pk, npu_hw_xdt_names[i], hw->xpeak_tflops[i]);
    }
    if (hw->fp4_formats) {
        cJSON *ff = cJSON_AddArrayToObject(m, "fp4_formats");
        for (int t = NPU_DTYPE_COUNT; t < NPU_FMT_COUNT; t++)
            if (hw->fp4_formats >> (t - NPU_DTYPE_COUNT) & 1u) cJSON_AddItemToArray(ff, cJSON_CreateString(npu_dtype_names[t]));
    }
    cJSON_AddNumberToObject(m, "tile_m", hw->tile_m);
    cJSON_AddNumberToObject(m, "tile_n", hw->tile_n);
    cJSON_AddNumberToObject(m, "tile_k", hw->tile_k);
    const npu_engine_desc *ed = &hw->engine;
    if (ed->type[0]) { /* only what the file stated: defaults are re-derived on reading */
        cJSON *eo = cJSON_AddObjectToObject(m, "engine");
        cJSON_AddStringToObject(eo, "type", ed->type);
        add_num_if(eo, "per_unit", ed->per_unit);
        add_num_if(eo, "m", ed->m);
        add_num_if(eo, "n", ed->n);
        add_num_if(eo, "k", ed->k);
        add_num_if(eo, "rows", ed->rows);
        add_num_if(eo, "cols", ed->cols);
        if (ed->dataflow[0]) cJSON_AddStringToObject(eo, "dataflow", ed->dataflow);
        if (ed->accumulators[0]) cJSON_AddStringToObject(eo, "accumulators", ed->accumulators);
        if (ed->source[0]) cJSON_AddStringToObject(eo, "source", ed->source);
    }
    const npu_gemv_desc *gd = &hw->gemv_desc;
    if (gd->path[0]) {
        cJSON *go = cJSON_AddObjectToObject(m, "gemv");
        cJSON_AddStringToObject(go, "path", gd->path);
        add_num_if(go, "granule", gd->granule);
        add_num_if(go, "max_rows", gd->max_rows);
        if (gd->source[0]) cJSON_AddStringToObject(go, "source", gd->source);
    }
    cJSON_AddStringToObject(m, "source", hw->matrix_source);
    cJSON *v = cJSON_AddObjectToObject(r, "vector");
    cJSON_AddNumberToObject(v, "flops_per_cycle", hw->vec_flops_per_cycle);
    add_num_if(v, "units", hw->vec_units);
    add_num_if(v, "clock_mhz", hw->vec_clock_mhz);
    add_num_if(v, "width_bits", hw->vec_width_bits);
    bool ops = false;
    for (int t = 0; t < NPU_FP32; t++) ops |= hw->vec_ops_per_cycle[t] > 0;
    if (ops) {
        cJSON *oo = cJSON_AddObjectToObject(v, "ops_per_cycle");
        for (int t = 0; t < NPU_FP32; t++) add_num_if(oo, npu_dtype_names[t], hw->vec_ops_per_cycle[t]);
    }
    cJSON_AddStringToObject(v, "source", hw->vector_source[0] ? hw->vector_source : "default 256 FLOP/cycle/unit");
    if (hw->n_sram) {
        cJSON *a = cJSON_AddArrayToObject(r, "sram");
        for (int i = 0; i < hw->n_sram; i++) {
            const npu_sram *s = &hw->sram[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "level", s->level);
            add_num_if(o, "kb_per_unit", s->kb_per_unit);
            add_num_if(o, "mb", s->mb);
            add_num_if(o, "bandwidth_gbps", s->bandwidth_gbps);
            add_num_if(o, "bytes_per_cycle", s->bytes_per_cycle);
            if (s->feeds_matrix) cJSON_AddBoolToObject(o, "feeds_matrix", true);
            if (s->shared_with_cpu) cJSON_AddBoolToObject(o, "shared_with_cpu", true);
            if (s->role[0]) cJSON_AddStringToObject(o, "role", s->role);
            cJSON_AddStringToObject(o, "source", s->source);
            cJSON_AddItemToArray(a, o);
        }
    }
    cJSON *mem = cJSON_AddObjectToObject(r, "memory");
    cJSON_AddStringToObject(mem, "technology", hw->mem_technology);
    if (!hw->sram_main) {
        cJSON_AddNumberToObject(mem, "stacks", hw->mem_stacks);
        cJSON_AddNumberToObject(mem, "height", hw->mem_height);
    }
    add_num_if(mem, "pin_gbps", hw->mem_pin_gbps);
    add_num_if(mem, "capacity_gb", hw->mem_capacity_gb);
    cJSON_AddStringToObject(mem, "source", hw->memory_source);
    if (hw->links_source[0]) {
        cJSON *l = cJSON_AddObjectToObject(r, "links");
        if (hw->link_name[0]) cJSON_AddStringToObject(l, "name", hw->link_name);
        add_num_if(l, "bandwidth_gbps", hw->link_gbps);
        add_num_if(l, "latency_us", hw->link_latency_us);
        if (hw->link_topology[0]) cJSON_AddStringToObject(l, "topology", hw->link_topology);
        add_num_if(l, "domain_chips", hw->link_domain);
        if (hw->link_ndims) cJSON_AddItemToObject(l, "dims", cJSON_CreateIntArray(hw->link_dims, hw->link_ndims));
        add_num_if(l, "wrap_every", hw->link_wrap_every);
        add_num_if(l, "links_per_chip", hw->link_count);
        add_num_if(l, "link_gbps", hw->link_each_gbps);
        if (hw->link_in_switch) cJSON_AddBoolToObject(l, "in_switch_reduction", true);
        add_num_if(l, "shared_gbps", hw->link_shared_gbps);
        add_num_if(l, "overlap", hw->comm_overlap);
        if (hw->nic_source[0]) {
            cJSON *so = cJSON_AddObjectToObject(l, "scaleout");
            if (hw->nic_name[0]) cJSON_AddStringToObject(so, "name", hw->nic_name);
            cJSON_AddNumberToObject(so, "bandwidth_gbps", hw->nic_gbps);
            add_num_if(so, "latency_us", hw->nic_latency_us);
            add_num_if(so, "chips_per_node", hw->node_chips);
            cJSON_AddStringToObject(so, "source", hw->nic_source);
        }
        cJSON_AddStringToObject(l, "source", hw->links_source);
    }
    if (hw->power_source[0]) {
        cJSON *p = cJSON_AddObjectToObject(r, "power");
        add_num_if(p, "tdp_w", hw->tdp_w);
        add_num_if(p, "idle_w", hw->idle_w);
        if (hw->power_scope[0]) cJSON_AddStringToObject(p, "scope", hw->power_scope);
        add_num_if(p, "accelerator_share", hw->power_share);
        cJSON_AddStringToObject(p, "source", hw->power_source);
    }
    if (hw->process_source[0]) {
        cJSON *p = cJSON_AddObjectToObject(r, "process");
        if (hw->process_node[0]) cJSON_AddStringToObject(p, "node", hw->process_node);
        if (hw->foundry[0]) cJSON_AddStringToObject(p, "foundry", hw->foundry);
        add_num_if(p, "die_mm2", hw->die_mm2);
        cJSON_AddNumberToObject(p, "dies", hw->dies);
        add_num_if(p, "transistors_b", hw->transistors_b);
        add_num_if(p, "units_total", hw->units_total);
        cJSON_AddStringToObject(p, "source", hw->process_source);
    }
    add_num_if(r, "price_usd", hw->price_usd);
    if (hw->price_source[0]) cJSON_AddStringToObject(r, "price_source", hw->price_source);
    if (hw->eff_from_file) {
        cJSON *e = cJSON_AddObjectToObject(r, "efficiency");
        npu_eff eff = hw->eff;
        for (int i = 0; i < NPU_EFF_NPARAM; i++)
            cJSON_AddNumberToObject(e, npu_eff_names[i], *npu_eff_param(&eff, i));
        if (hw->eff_source[0]) cJSON_AddStringToObject(e, "source", hw->eff_source);
    }
    return r;
}

/* ---- comparing descriptions ---- */

int npu_hw_preset_load(const char *name, npu_hw *out) {
    /* presets never change: each thread keeps the last one it finished (npu_econ
     * looks the preset of every edited chip up: a sweep costs thousands a second) */
    static _Thread_local int last = -1;
    static _Thread_local npu_hw cached;
    for (int i = 0; i < npu_presets_hw_count; i++)
        if (strcmp(npu_presets_hw[i].name, name) == 0) {
            if (i != last) {
                last = -1;
                if (npu_hw_load(name, &cached)) return -1;
                last = i;
            }
            *out = cached;
            return 0;
        }
    return -1;
}

bool npu_hw_same_silicon(const npu_hw *a, const npu_hw *b) {
    if (a->units != b->units || a->units_total != b->units_total || a->dies != b->dies ||
        a->vec_flops_per_cycle != b->vec_flops_per_cycle || a->tf32_macs_per_cycle != b->tf32_macs_per_cycle ||
        a->n_sram != b->n_sram || a->mem_stacks != b->mem_stacks || a->link_gbps != b->link_gbps ||
        a->vec_units != b->vec_units || a->eng != b->eng || a->eng_per_unit != b->eng_per_unit ||
        a->eng_m != b->eng_m || a->eng_n != b->eng_n || a->eng_k != b->eng_k ||
        strcmp(a->mem_technology, b->mem_technology) != 0 || strcmp(a->process_node, b->process_node) != 0)
        return false;
    for (int t = 0; t < NPU_DTYPE_COUNT; t++)
        if (a->macs_per_cycle[t] != b->macs_per_cycle[t]) return false;
    for (int i = 0; i < a->n_sram; i++)
        if (a->sram[i].kb_per_unit != b->sram[i].kb_per_unit || a->sram[i].mb != b->sram[i].mb) return false;
    return true;
}
