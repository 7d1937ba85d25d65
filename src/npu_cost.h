/* npu_cost — time of one kernel on one chip, from the hardware description.
 *
 * Mechanistic: GEMMs are tiled onto the matrix units (tile counts, wave
 * quantization, split-K, smaller tiles for skinny problems, as a kernel
 * autotuner would choose); attention is flash-style tiling in prefill and
 * KV-cache streaming in decode; everything else streams DRAM. The few
 * efficiency parameters in npu_eff say how far real kernels fall short of the
 * datasheet; they were fitted on the H100 and transfer to other chips. */
#ifndef NPU_COST_H
#define NPU_COST_H

#include "npu_graph.h"
#include "npu_hw.h"

typedef enum { NPU_BOUND_COMPUTE = 0, NPU_BOUND_MEMORY, NPU_BOUND_OVERHEAD, NPU_BOUND_COMM,
               NPU_BOUND_COUNT } npu_bound;
extern const char *const npu_bound_names[NPU_BOUND_COUNT];

/* Where a kernel runs: inside a captured step (graph replay: each launch costs
 * kernel_us) or as a standalone timed op (one launch_us, as a benchmark sees it). */
typedef enum { NPU_IN_STEP = 0, NPU_STANDALONE } npu_cost_ctx;

/* The cost of one kernel run. npu_cost_kernel fills the time fields; npu_power
 * (npu_power_kernel, npu_power_standalone) fills the energy ones. */
typedef struct npu_kcost {
    double time_s;     /* wall time of one run */
    double compute_s;  /* matrix/vector engine time alone */
    double memory_s;   /* DRAM time alone */
    double overhead_s; /* launch and fixed costs */
    npu_bound bound;
    int tile_m, tile_n, split_k; /* GEMM tiling chosen (0 for other kinds) */
    double link_bytes; /* collectives: bytes this chip sends over its links per run (npu_comm_cost.sent_B) */
    double sram_bytes; /* of the kernel's bytes, those read from weights resident in on-chip SRAM (not DRAM) */
    double energy_j;   /* energy of one run: static + dynamic (npu_power) */
    double compute_j;  /* its arithmetic + SRAM part (scales with clock^2 under DVFS) */
    double clock_frac; /* clock the TDP allows, fraction of full (1 = not throttled) */
} npu_kcost;

/* Hot path: called for every kernel of every step evaluated. Time only: the
 * energy fields stay 0 (npu_power turns costed kernels into energy, and a
 * standalone op's TDP throttle is npu_power_standalone). Never fails; always
 * finite for a finished description (npu_hw_finish). */
npu_kcost npu_cost_kernel(const npu_hw *hw, const npu_kernel *k, npu_cost_ctx ctx);

/* Seconds the vector units take to dequantize `elements` weights stored as `from`
 * (any format of npu_quant) into `to` (the element type the matrix engines run):
 * npu_dtype_dequant_ops per weight (element conversion, scale and zero point, each
 * block's scale decode) at the vector rate of `to`. 0 when the engines take `from`
 * as stored (its element type, unscaled or with block scales the chip applies:
 * npu_hw_runs_block) or when it is an unblocked type at least as wide (fp16 <-> bf16,
 * fp32). The one home of dequantization cost (docs/quantization.md). */
double npu_cost_dequant_s(const npu_hw *hw, npu_dtype from, npu_dtype to, double elements);
/* Vector ops a GEMM kernel spends dequantizing its weights when it runs as `tile_m`-row
 * tiles (each row of tiles converts the weights once; a GEMV: once), for npu_power. */
double npu_cost_dequant_ops(const npu_hw *hw, const npu_kernel *k, int tile_m);

/* The costs of one step's kernels: per graph entry (one run each) and the
 * count-weighted sums. Filled by npu_step_eval; npu_power_step applies the TDP. */
typedef struct npu_step_result {
    double time_s;                           /* whole step */
    double flops, bytes;                     /* count-weighted totals; bytes: DRAM traffic */
    double sram_bytes;                       /* count-weighted reads of weights resident on chip */
    double kind_time_s[NPU_KK_COUNT];        /* by kernel kind */
    double bound_time_s[NPU_BOUND_COUNT];    /* by what bounds each kernel */
    int launches;                            /* device kernels per step */
    npu_kcost kc[NPU_GRAPH_MAX];             /* per graph entry, one run */
} npu_step_result;

#endif
