/* npu_hw — a chip described by its datasheet: matrix engines, vector units,
 * on-chip SRAM, main memory (from the memory-technology library), links, power,
 * process; plus the few efficiency parameters of the cost model.
 *
 * Loaded from a built-in preset name or a JSON file in the same schema
 * (docs/schema.md); `npu_hw_to_json` writes that schema back. */
#ifndef NPU_HW_H
#define NPU_HW_H

#include "npu_energy.h"
#include "npu_fabric.h"
#include "npu_memtech.h"
#include "npu_util.h"

#include <cjson/cJSON.h>
#include <stdbool.h>

/* Efficiency parameters: how far real kernels fall short of the datasheet, and
 * how that depends on size. Fitted on the H100 (docs/calibration.md); other chips
 * inherit the H100-learned mechanism unless their file says otherwise. */
typedef struct npu_eff {
    double launch_us;     /* host launch + sync around one standalone, timed op, us */
    double kernel_us;     /* fixed device cost of each kernel inside a captured step, us */
    double mem_eff;       /* achievable fraction of peak DRAM bandwidth when streaming */
    double mem_lat_us;    /* pipeline-fill latency of a memory-bound kernel, us */
    double unit_bw_share; /* DRAM bandwidth one unit can pull, in fair shares (BW/units) */
    double matrix_eff;    /* achievable fraction of peak matrix FLOP/s with full-size tiles */
    double tile_pen;      /* fraction of matrix efficiency lost per halving of the tile area */
    double wave_us;       /* per-wave tile prologue + epilogue cost of a tiled kernel, us */
    double attn_eff;      /* flash-attention matmul efficiency relative to matrix_eff */
    double vec_eff;       /* achievable fraction of peak vector FLOP/s */
    double gemm_mem_eff;  /* fraction of the streaming bandwidth a GEMM's tiled operand loads reach */
} npu_eff;

#define NPU_EFF_NPARAM 11
extern const char *const npu_eff_names[NPU_EFF_NPARAM];
double *npu_eff_param(npu_eff *e, int i); /* i-th field, in npu_eff_names order */
/* The mechanism learned on the H100 SXM (the built-in default for every chip). */
extern const npu_eff npu_eff_default;

#define NPU_MAX_SRAM 4
typedef struct npu_sram {
    char level[16];        /* smem | l1 | l2 | llc | scratchpad ... */
    double kb_per_unit;    /* KB per matrix unit (0 if shared) */
    double mb;             /* MB shared by the chip (0 if per-unit) */
    double bandwidth_gbps; /* GB/s, 0 = unknown */
    char source[512];
} npu_sram;

typedef struct npu_hw {
    char name[64];
    char description[160];
    char vendor[48];
    char kind[16];                          /* one of npu_hw_kinds */
    int year;
    /* matrix engines */
    int units;                              /* units owning an output tile each */
    double clock_mhz;                       /* clock of the dense peaks, MHz */
    double macs_per_cycle[NPU_DTYPE_COUNT]; /* dense MAC/cycle/unit per input dtype (fp32: fp32 matrix MACs) */
    double tf32_macs_per_cycle;             /* dense TF32 MAC/cycle/unit (recorded; no datatype selects it yet) */
    int tile_m, tile_n, tile_k;             /* output tile per unit, elements */
    char matrix_source[1024];
    /* vector units */
    double vec_flops_per_cycle; /* fp32 FLOP/cycle/unit */
    char vector_source[512];
    npu_sram sram[NPU_MAX_SRAM];
    int n_sram;
    /* main memory */
    char mem_technology[48];
    int mem_stacks, mem_height;
    double mem_pin_gbps;   /* 0 = technology nominal */
    double mem_capacity_gb; /* 0 = stacks x height x die */
    char memory_source[1024];
    /* links */
    char link_name[32];
    double link_gbps;       /* GB/s per direction, aggregate per chip */
    double link_latency_us;
    char link_topology[16];  /* as written: one of npu_topo_names ("" = switch); resolved into fabric.topo */
    char links_source[512];
    /* scale-up domain and scale-out level (docs/schema.md, docs/collectives.md);
     * 0 = absent, npu_comm derives the default */
    int link_domain;          /* chips in one scale-up domain (node, rack, torus) */
    int link_dims[3];         /* ring/torus extents, link_ndims of them */
    int link_ndims;
    int link_wrap_every;      /* a torus slice dimension wraps when its extent is a multiple of this */
    int link_count;           /* links per chip */
    double link_each_gbps;    /* GB/s per link per direction */
    bool link_in_switch;      /* the switch reduces (NVLink SHARP / NVLS) */
    double link_shared_gbps;  /* pcie: host-bridge GB/s per direction shared by all chips */
    double comm_overlap;      /* fraction of collective time the engine hides behind compute */
    char nic_name[32];
    double nic_gbps;          /* scale-out GB/s per direction per chip */
    double nic_latency_us;
    int node_chips;           /* chips per node (host) */
    char nic_source[512];
    /* power, process, price */
    double tdp_w, idle_w;
    char power_source[512];
    char process_node[32], foundry[32];
    double die_mm2, transistors_b;
    int dies;
    int units_total; /* physical units on the silicon incl. spares fused off for yield (0 = units) */
    char process_source[512];
    double price_usd;
    char price_source[256];
    /* efficiency */
    npu_eff eff;
    bool eff_from_file; /* false: npu_eff_default */
    char eff_source[256];
    /* ---- the derived block: set by npu_hw_finish(), never stored ----
     * Everything later code needs from a description, derived once and validated
     * when it is loaded (after editing any field above, call npu_hw_finish again).
     * The hot paths -- npu_cost_kernel, npu_comm_op, npu_power_* -- read only this
     * block and `eff`; nothing re-parses a name or recomputes a coefficient per kernel. */
    const npu_memtech *memtech; /* main-memory technology; its type row (pin range, pJ/bit, $/GB): memtech->kind */
    double mem_bw_Bps;          /* peak DRAM bandwidth, bytes/s */
    double mem_bytes;           /* usable DRAM capacity, bytes: the chip's one input to every KV-cache capacity */
    double l2_bytes;            /* last shared SRAM level, bytes */
    double smem_bytes_per_unit; /* first per-unit SRAM level, bytes */
    double energy_rel;          /* switching energy of process.node vs TSMC N5 (npu_process; N4's 0.95 if unknown) */
    npu_dtype compute_dtype[NPU_DTYPE_COUNT]; /* datatype the matrix engines run for each input datatype */
    double peak_flops[NPU_DTYPE_COUNT];       /* dense FLOP/s of a GEMM in compute datatype t: the matrix
                                               * engines' (0 if not native); fp32 without fp32 MACs: the
                                               * vector units' */
    double vec_flops;           /* fp32 vector FLOP/s */
    npu_fabric fabric;          /* the links section resolved: topology enum, domain, rates (npu_fabric) */
    npu_energy energy;          /* energy coefficients at full clock, incl. idle power and the TDP-headroom cap */
} npu_hw;

/* Preset name or path to a JSON file. -1 + npu_err on failure. */
int npu_hw_load(const char *name_or_path, npu_hw *out);
int npu_hw_from_json(const cJSON *root, const char *origin, npu_hw *out);
cJSON *npu_hw_to_json(const npu_hw *hw); /* the schema, round-trips */

/* Valid `kind` values. */
#define NPU_HW_KINDS 10
extern const char *const npu_hw_kinds[NPU_HW_KINDS];

/* Readers of the derived block. */
double npu_hw_peak_flops(const npu_hw *hw, npu_dtype t); /* = hw->peak_flops[t] */
/* The datatype the matrix engines run for input datatype `want` (= hw->compute_dtype[want]):
 * `want` itself if native; else the next wider type (int4 -> int8 -> bf16, fp8 -> bf16,
 * fp16 <-> bf16); fp32 stays fp32 (fp32 matrix MACs, else the vector units: never
 * silently TF32 or bf16); an integer-only NPU runs floating-point work quantized to its
 * widest integer type, as its compiler does (docs/schema.md "Datatypes"). */
npu_dtype npu_hw_matrix_dtype(const npu_hw *hw, npu_dtype want);
/* Compute datatype of a GEMM with weights `w` and activations `a`: the wider of the two, mapped. */
npu_dtype npu_hw_gemm_dtype(const npu_hw *hw, npu_dtype w, npu_dtype a);
/* Compute datatype of flash attention's matmuls: 16-bit (bf16, mapped), whatever the KV datatype. */
npu_dtype npu_hw_attn_dtype(const npu_hw *hw);
/* true when `want` runs as a narrower type (integer-only NPU quantizing floating-point work). */
bool npu_hw_dtype_converted(const npu_hw *hw, npu_dtype want);
double npu_hw_vec_flops(const npu_hw *hw);               /* = hw->vec_flops, fp32 FLOP/s */
/* Validate a description and set its derived block. -1 + npu_err naming `origin`
 * and the field on an impossible or non-physical description (docs/schema.md
 * "Validation"). Call again after editing fields. */
int npu_hw_finish(npu_hw *hw, const char *origin);
/* true if the two descriptions have the same area-relevant fields (engines, SRAM,
 * memory interface, links, dies, process): what decides whether a published die
 * area still applies (npu_econ). */
bool npu_hw_same_silicon(const npu_hw *a, const npu_hw *b);
/* The built-in preset of this name, or -1 (no error set) when there is none. */
int npu_hw_preset_load(const char *name, npu_hw *out);

int npu_hw_preset_count(void);
const char *npu_hw_preset_name(int i);

#endif
