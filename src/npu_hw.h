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
/* The mechanism learned on the H100 SXM: the built-in default for GPU-like chips
 * (kind gpu, soc-gpu, or none given). */
extern const npu_eff npu_eff_default;
/* The default for every other kind (docs/calibration.md "Per-architecture constants"):
 * the universal constants (host launch, DRAM streaming efficiency and latency) from
 * the H100 fit, the GPU-specific ones replaced by what a statically scheduled engine
 * does: its losses (fill/drain, padding, operand starvation, waves, power) are costed
 * from its geometry, so matrix_eff = attn_eff = vec_eff = gemm_mem_eff = 1, any unit can
 * pull the whole DRAM bandwidth (unit_bw_share = units), a wave's fixed cost and an
 * op's synchronisation are memory round trips. sram_main: SRAM streams at its peak. */
npu_eff npu_eff_physical(int units, bool sram_main);

#define NPU_MAX_SRAM 4
/* What a level's contents outlive, which decides whether data can stay on chip
 * from one step to the next (docs/accuracy-architectures.md "On-chip residency"):
 * - scratchpad: software-managed, persists across kernels and steps (NPU SRAM, TPU VMEM,
 *   Hexagon VTCM): a compiler may pin part of the weights in it;
 * - cache: hardware-managed (GPU L2, Infinity Cache, SoC SLC, CPU caches, Gaudi's SRAM as
 *   L2/L3): a step streams its weights through it in the same order every time, so LRU
 *   evicts each line before its next use unless the step's whole working set fits;
 * - kernel: software-managed within one kernel only (GPU shared memory, LDS, threadgroup
 *   memory, tensor memory): emptied at kernel exit, no cross-step reuse. */
typedef enum { NPU_SRAM_SCRATCHPAD = 0, NPU_SRAM_CACHE, NPU_SRAM_KERNEL, NPU_SRAM_ROLE_COUNT } npu_sram_role;
extern const char *const npu_sram_role_names[NPU_SRAM_ROLE_COUNT]; /* scratchpad, cache, kernel */

typedef struct npu_sram {
    char level[16];        /* smem | l1 | l2 | llc | scratchpad ... */
    char role[16];         /* as written: scratchpad | cache | kernel ("" = the kind's default, npu_hw_finish) */
    double kb_per_unit;    /* KB per matrix unit (0 if shared) */
    double mb;             /* MB shared by the chip (0 if per-unit) */
    double bandwidth_gbps; /* GB/s, whole chip; 0 = unknown (or from bytes_per_cycle) */
    double bytes_per_cycle; /* bytes per cycle per unit (per-unit levels) or per chip (shared), 0 = unknown */
    bool feeds_matrix;     /* this level feeds the matrix engines their operands */
    bool shared_with_cpu;  /* a system-level cache the accelerator shares with CPU cores */
    char source[512];
} npu_sram;

/* ---- the matrix engine as built (docs/schema.md "Matrix engine") ---- */
typedef enum { NPU_ENGINE_MMA = 0, NPU_ENGINE_SYSTOLIC, NPU_ENGINE_NONE, NPU_ENGINE_COUNT } npu_engine_type;
extern const char *const npu_engine_type_names[NPU_ENGINE_COUNT]; /* mma, systolic, none */
/* What stays in place while the other operands move: the accumulators (output-
 * stationary: GPU MMA, AMX, HMX, MME), the weights (weight-stationary: TPU MXU,
 * Groq MXM, RNGD), or nothing (simd: matrix work on vector ALUs). */
typedef enum { NPU_FLOW_OUTPUT = 0, NPU_FLOW_WEIGHT, NPU_FLOW_SIMD, NPU_FLOW_COUNT } npu_dataflow;
extern const char *const npu_dataflow_names[NPU_FLOW_COUNT]; /* output-stationary, weight-stationary, simd */
/* How a matrix-vector product (few rows of activations) runs: on the matrix
 * engine with M padded to a granule, on the vector units, or on a dedicated
 * path (a GEMV kernel streaming the weights past vector/dot units). */
typedef enum { NPU_GEMV_MATRIX = 0, NPU_GEMV_VECTOR, NPU_GEMV_DEDICATED, NPU_GEMV_COUNT } npu_gemv_path;
extern const char *const npu_gemv_names[NPU_GEMV_COUNT]; /* matrix, vector, dedicated */
/* Where the accumulators of a matrix instruction live: read and written through
 * the register file on every instruction, or kept inside the engine (systolic
 * arrays, MME, Blackwell's tensor memory). */
typedef enum { NPU_ACC_REGISTERS = 0, NPU_ACC_ENGINE, NPU_ACC_COUNT } npu_accum;
extern const char *const npu_accum_names[NPU_ACC_COUNT]; /* registers, engine */
/* Which hardware the power figure covers. */
typedef enum { NPU_SCOPE_CHIP = 0, NPU_SCOPE_BOARD, NPU_SCOPE_MODULE, NPU_SCOPE_SYSTEM, NPU_SCOPE_COUNT } npu_power_scope;
extern const char *const npu_power_scope_names[NPU_SCOPE_COUNT]; /* chip, board, module, system */

/* MAC rates recorded for datatypes npu_quant has no npu_dtype for yet (fp6 includes
 * the block-scaled MX formats, which run at their element type's rate). Stored,
 * written back and checked against peak_tflops; no kernel selects them. (fp4 is an
 * npu_dtype: the rate of the mxfp4 and nvfp4 formats, matrix.fp4_formats.) */
#define NPU_HW_NXDT 4
extern const char *const npu_hw_xdt_names[NPU_HW_NXDT]; /* fp6, fp64, int16, int2 */

/* As written (0 / "" = absent; npu_hw_finish derives the default, docs/schema.md). */
typedef struct npu_engine_desc {
    char type[16];         /* mma | systolic | none */
    int per_unit;          /* engines per unit (4 tensor cores per SM, 4 MXUs ...) */
    int m, n, k;           /* mma: instruction tile M x N x K (K in 16-bit elements) */
    int rows, cols;        /* systolic: array rows x columns */
    char dataflow[24];     /* output-stationary | weight-stationary | simd */
    char accumulators[16]; /* registers | engine */
    char source[512];
} npu_engine_desc;

typedef struct npu_gemv_desc {
    char path[16];  /* matrix | vector | dedicated */
    int granule;    /* matrix: rows M pads to on the engine */
    int max_rows;   /* vector/dedicated: the path runs GEMMs of at most this many rows (M) */
    char source[512];
} npu_gemv_desc;

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
    int tile_m, tile_n, tile_k;             /* software output tile (CTA) per unit, elements */
    char matrix_source[1024];
    double xmacs_per_cycle[NPU_HW_NXDT];    /* recorded dense MAC/cycle/unit, npu_hw_xdt_names order */
    unsigned fp4_formats;                   /* matrix.fp4_formats as written: bit (t - NPU_DTYPE_COUNT) for each
                                             * block format t whose scales the fp4 matrix path applies
                                             * (0 = absent: mxfp4 when macs_per_cycle.fp4 > 0) */
    double peak_tflops[NPU_DTYPE_COUNT];    /* vendor-stated dense peak, TFLOP/s (0 = not stated) */
    double xpeak_tflops[NPU_HW_NXDT];       /* the same for the recorded datatypes */
    double tf32_peak_tflops;
    npu_engine_desc engine;                 /* matrix.engine */
    npu_gemv_desc gemv_desc;                /* matrix.gemv */
    /* vector units */
    double vec_flops_per_cycle; /* fp32 FLOP/cycle per vector unit */
    int vec_units;              /* vector units on the chip (0 = matrix.units: one per unit) */
    double vec_clock_mhz;       /* their clock (0 = matrix.clock_mhz) */
    int vec_width_bits;         /* SIMD width per vector unit, bits (0 = not stated) */
    double vec_ops_per_cycle[NPU_DTYPE_COUNT]; /* ops/cycle per vector unit by datatype (0 = derived) */
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
    char power_scope[16];      /* chip | board | module | system ("" = board) */
    double power_share;        /* system/module scope: fraction of tdp_w the accelerator draws (0 = 1) */
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
    npu_dtype compute_dtype[NPU_DTYPE_COUNT]; /* datatype the matrix engines run for each input element type */
    unsigned native_blocks;     /* block formats the matrix engines take as stored (fp4_formats with its
                                 * default; bit t - NPU_DTYPE_COUNT): npu_hw_runs_block */
    unsigned char path_cdt[NPU_FMT_COUNT][NPU_FMT_COUNT]; /* npu_hw_gemm_path for weights w, activations a: */
    unsigned char path_act[NPU_FMT_COUNT][NPU_FMT_COUNT]; /*   [w][a], decided once here (the cost model asks */
    bool path_native[NPU_FMT_COUNT][NPU_FMT_COUNT];      /*   per GEMM) */
    double path_dq[NPU_FMT_COUNT][NPU_FMT_COUNT];        /* npu_hw_dequant_ops(w, that path's cdt) */
    double peak_flops[NPU_DTYPE_COUNT];       /* dense FLOP/s of a GEMM in compute datatype t: the matrix
                                               * engines' (0 if not native); fp32 without fp32 MACs: the
                                               * vector units' */
    double vec_flops;           /* fp32 vector FLOP/s */
    double vec_ops[NPU_DTYPE_COUNT]; /* vector-unit ops/s by datatype at the vector clock (fp32 = vec_flops;
                                      * stated, else 16-bit = fp32 rate, 8/4-bit integer = 16-bit rate) */
    bool sram_main;             /* memory.technology none: weights, KV and activations live in SRAM;
                                 * mem_bw_Bps / mem_bytes are that SRAM's (memtech is NULL) */
    bool gpu_like;              /* kind gpu (or absent) or soc-gpu: H100-fitted kernel constants apply */
    /* the engine as built, with the defaults of docs/schema.md applied */
    npu_engine_type eng;
    npu_dataflow flow;
    npu_accum accum;
    int eng_per_unit;
    double eng_depth;           /* systolic: MACs per PE per cycle at the 16-bit (else widest) rate:
                                 * rate / (rows x cols x per_unit), >= 1 (SAPEON's PEs: 4); else 1 */
    int eng_m, eng_n, eng_k;    /* instruction tile: mma as stated; systolic weight-stationary 1 x cols x rows,
                                 * output-stationary rows x cols x 1; none 1 x 1 x 1 */
    int tile_gm, tile_gn, tile_gk; /* granules a software tile's M, N, K are multiples of (cost_gemm):
                                    * mma: the GEMV granule in M and N (swap-AB), eng_k in K;
                                    * weight-stationary: granule, cols, rows; output-stationary: rows,
                                    * cols, 1; none: 1, 1, 1 */
    double op_bits_per_flop;    /* operand bits the engines read per 16-bit FLOP from the level that feeds
                                 * them (inputs; instruction tile, or the software tile's rows for a
                                 * weight-stationary array) */
    double acc_bits_per_flop;   /* accumulator bits read + written through the register file per FLOP
                                 * (registers: 2 x 32 / eng_k; engine: 0) */
    npu_gemv_path gemv;
    int gemv_granule;           /* rows M pads to on the engine (1 = no padding) */
    int gemv_max_rows;          /* vector/dedicated path for M <= this */
    int feed_level;             /* sram[] index of the level feeding the engines, -1 = none stated */
    double feed_bytes_per_unit; /* its capacity per unit, bytes (shared levels: divided over the units) */
    double feed_Bps_per_unit;   /* its bandwidth per unit, bytes/s (0 = unknown) */
    double sram_total_bytes;    /* all on-chip SRAM levels, bytes (per-unit levels x units + shared) */
    double sram_unit_bytes;     /* the per-unit levels of one unit, bytes (0 = none: shared / units) */
    npu_sram_role sram_role[NPU_MAX_SRAM]; /* each level's role: as written, else the kind's default (gpu,
                                            * soc-gpu: per-unit kernel, shared cache; cpu: cache; others:
                                            * scratchpad) */
    /* cross-step residency (npu_plan_resident_share, the one rule; 0 with sram_main: everything is in SRAM) */
    double pin_bytes;           /* scratchpad bytes a compiler can pin weights in: the scratchpad levels less
                                 * each unit's double-buffered operand tiles (when a scratchpad feeds the engines) */
    double pin_Bps;             /* read bandwidth of those levels, bytes/s (stated, else estimated [E]) */
    double cache_bytes;         /* the largest hardware-managed cache level with a stated bandwidth, bytes (0 = none) */
    double cache_Bps;           /* its read bandwidth, bytes/s */
    npu_power_scope scope;
    double tdp_accel_w;         /* the accelerator's share of tdp_w (= tdp_w for chip/board scope) */
    npu_fabric fabric;          /* the links section resolved: topology enum, domain, rates (npu_fabric) */
    npu_energy energy;          /* energy coefficients at full clock (incl. operand delivery) and idle power */
} npu_hw;

/* Preset name or path to a JSON file. -1 + npu_err on failure. */
int npu_hw_load(const char *name_or_path, npu_hw *out);
int npu_hw_from_json(const cJSON *root, const char *origin, npu_hw *out);
cJSON *npu_hw_to_json(const npu_hw *hw); /* the schema, round-trips */

/* Valid `kind` values. */
#define NPU_HW_KINDS 10
extern const char *const npu_hw_kinds[NPU_HW_KINDS];

/* Readers of the derived block. */
double npu_hw_peak_flops(const npu_hw *hw, npu_dtype t); /* = hw->peak_flops[t's element type] */
/* The datatype the matrix engines run for input datatype `want` (= hw->compute_dtype[want's
 * element type]): `want` itself if native; else the next wider type (fp4 -> fp8, int4 -> int8 -> bf16, fp8 -> bf16,
 * fp16 <-> bf16); fp32 stays fp32 (fp32 matrix MACs, else the vector units: never
 * silently TF32 or bf16); an integer-only NPU runs floating-point work quantized to its
 * widest integer type, as its compiler does (docs/schema.md "Datatypes"). */
npu_dtype npu_hw_matrix_dtype(const npu_hw *hw, npu_dtype want);
/* How a GEMM with weights stored as `w` and activations as `a` runs (docs/quantization.md
 * "Kernel paths", the one place this is decided):
 * - a block format whose scales the matrix instruction applies (mxfp4, nvfp4) runs natively
 *   where the chip lists it in matrix.fp4_formats; elsewhere such weights dequantize and
 *   such activations stay 16-bit (the W4A16 kernels of vLLM's Marlin);
 * - otherwise the wider of the two element types (int4 and q4_0 hold int4, q8_0 int8),
 *   mapped to what the engines run (npu_hw_matrix_dtype): weights narrower than that,
 *   or stored in scaled groups the instruction cannot apply (int4 g128, GGUF blocks),
 *   are dequantized on the vector units (npu_cost_dequant_s). */
typedef struct npu_gemm_path {
    npu_dtype cdt;   /* element type the matrix engines run */
    npu_dtype act;   /* the activations as they enter: `a`, or bf16 for a block format not run natively */
    bool native;     /* the weights enter as stored: no dequantization */
    double dq_ops;   /* vector ops per weight that dequantize them (npu_hw_dequant_ops(w, cdt)) */
} npu_gemm_path;
npu_gemm_path npu_hw_gemm_path(const npu_hw *hw, npu_dtype w, npu_dtype a);
/* Vector ops per weight to turn weights stored as `from` into `to` (an element type the engines
 * run): 0 when the engines take `from` as stored (its element type, unscaled or with block scales
 * the chip applies) or when it is an unblocked type at least as wide (fp16 <-> bf16, fp32); else
 * the format's npu_dtype_dequant_ops. npu_cost_dequant_s turns it into time. */
double npu_hw_dequant_ops(const npu_hw *hw, npu_dtype from, npu_dtype to);
/* Compute datatype of a GEMM with weights `w` and activations `a` (= npu_hw_gemm_path's cdt). */
npu_dtype npu_hw_gemm_dtype(const npu_hw *hw, npu_dtype w, npu_dtype a);
/* true when the matrix engines take block format t as stored, scales and all (mxfp4, nvfp4
 * on a chip whose fp4 path lists it). */
bool npu_hw_runs_block(const npu_hw *hw, npu_dtype t);
/* Compute datatype of flash attention's matmuls: 16-bit (bf16, mapped), whatever the KV datatype. */
npu_dtype npu_hw_attn_dtype(const npu_hw *hw);
/* true when `want` runs as a narrower type (integer-only NPU quantizing floating-point work). */
bool npu_hw_dtype_converted(const npu_hw *hw, npu_dtype want);
double npu_hw_vec_flops(const npu_hw *hw);               /* = hw->vec_flops, fp32 FLOP/s */
/* Validate a description and set its derived block. -1 + npu_err naming `origin`
 * and the field on an impossible or non-physical description (docs/schema.md
 * "Validation"). Call again after editing fields. Stated peaks
 * (matrix.peak_tflops) are facts about the chip as published: npu_hw_from_json
 * checks them (a file whose units x clock x MACs miss them by > 2 % is an
 * error); npu_hw_finish after an edit drops the ones the edited fields no
 * longer give (docs/schema.md "Stated peaks"). */
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
