/* npu_hw — a chip described by its datasheet: matrix engines, vector units,
 * on-chip SRAM, main memory (from the memory-technology library), links, power,
 * process; plus the few efficiency parameters of the cost model.
 *
 * Loaded from a built-in preset name or a JSON file in the same schema
 * (docs/schema.md); `npu_hw_to_json` writes that schema back. */
#ifndef NPU_HW_H
#define NPU_HW_H

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
    char kind[16];
    int year;
    /* matrix engines */
    int units;                              /* units owning an output tile each */
    double clock_mhz;                       /* clock of the dense peaks, MHz */
    double macs_per_cycle[NPU_DTYPE_COUNT]; /* dense MAC/cycle/unit per input dtype */
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
    char link_topology[16];  /* switch | mesh | ring | torus2d | torus3d | pcie | none */
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
    /* derived by npu_hw_finish(), never stored */
    const npu_memtech *memtech;
    double mem_bw_Bps;    /* peak DRAM bandwidth, bytes/s */
    double mem_bytes;     /* usable DRAM capacity, bytes */
    double l2_bytes;      /* last shared SRAM level, bytes */
    double smem_bytes_per_unit;
    double energy_rel;    /* switching energy of process.node vs TSMC N5 (npu_process; N4's 0.95 if unknown) */
} npu_hw;

/* Preset name or path to a JSON file. -1 + npu_err on failure. */
int npu_hw_load(const char *name_or_path, npu_hw *out);
int npu_hw_from_json(const cJSON *root, const char *origin, npu_hw *out);
cJSON *npu_hw_to_json(const npu_hw *hw); /* the schema, round-trips */

/* Derived quantities. */
double npu_hw_peak_flops(const npu_hw *hw, npu_dtype t); /* dense FLOP/s; 0 if unsupported */
npu_dtype npu_hw_matrix_dtype(const npu_hw *hw, npu_dtype want); /* native dtype used */
double npu_hw_vec_flops(const npu_hw *hw);               /* fp32 FLOP/s */
/* Recompute derived fields after editing a description (memory, sizes). */
int npu_hw_finish(npu_hw *hw, const char *origin);

int npu_hw_preset_count(void);
const char *npu_hw_preset_name(int i);

#endif
