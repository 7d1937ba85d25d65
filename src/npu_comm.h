/* npu_comm — time of a collective (all-reduce, all-gather, reduce-scatter,
 * all-to-all, send/receive) among `chips` chips over the links described in the
 * hardware JSON: latency + size/bandwidth per algorithm step, with the algorithm
 * chosen per size the way NCCL-like libraries do.
 *
 * Size convention (as nccl-tests reports "size"): all-reduce — the buffer each
 * rank holds; all-gather — the gathered output per rank; reduce-scatter — the
 * input per rank; all-to-all — the whole send buffer per rank; send/receive —
 * the message. Bus bandwidth = size/time x the collective's bus factor
 * (2(n-1)/n all-reduce, (n-1)/n all-gather, reduce-scatter and all-to-all, 1 p2p). */
#ifndef NPU_COMM_H
#define NPU_COMM_H

#include "npu_hw.h"

typedef enum {
    NPU_COLL_ALLREDUCE = 0,
    NPU_COLL_ALLGATHER,
    NPU_COLL_REDUCESCATTER,
    NPU_COLL_ALLTOALL,
    NPU_COLL_SENDRECV,
    NPU_COLL_COUNT
} npu_coll;
extern const char *const npu_coll_names[NPU_COLL_COUNT];

typedef struct npu_comm_cost {
    double time_s;     /* wall time of the collective */
    double latency_s;  /* fixed part: per-step link/launch latencies */
    double transfer_s; /* size-dependent part */
    double sent_B;     /* bytes one chip sends over its links (scale-up or NICs), incl. forwarded ones */
    double algbw_Bps;  /* size / time */
    double busbw_Bps;  /* algbw x bus factor */
    const char *algo;  /* static name of the algorithm chosen: "ring", "tree", "one-shot", ... */
} npu_comm_cost;

/* Hot path (called per step): never fails, never allocates; chips <= 1 or bytes <= 0
 * costs 0. A chip without chip-to-chip links (topology none / bandwidth 0) gives
 * time_s = HUGE_VAL and algo "none" (npu_comm_check says why). */
npu_comm_cost npu_comm_op(const npu_hw *hw, npu_coll op, int chips, double bytes);
/* The bus factor of `op` among `chips` (nccl-tests convention). */
double npu_comm_bus_factor(npu_coll op, int chips);

/* ---- additions (docs/collectives.md) ---- */

/* 0 if `chips` chips of `hw` can run collectives, else -1 + npu_err naming why
 * (no chip-to-chip links, or more chips than one domain and no scale-out level). */
int npu_comm_check(const npu_hw *hw, int chips);
/* Chips in one scale-up domain (links.domain_chips or its default by topology):
 * a planner keeps TP inside it; beyond it collectives go hierarchical over NICs. */
int npu_comm_domain_chips(const npu_hw *hw);
/* Fraction [0, 1] of collective time the serving engine overlaps with compute
 * (links.overlap as parsed and validated by npu_hw; default 0: TensorRT-LLM does
 * not overlap its TP all-reduce). The engine (npu_step) applies it.
 * Exposed time in a step = time_s x (1 - overlap). */
double npu_comm_overlap(const npu_hw *hw);
/* Parse a collective name ("allreduce", ... as npu_coll_names); -1 + npu_err. */
int npu_coll_parse(const char *s, npu_coll *out);

/* The parameters learned on the H100 (NCCL busbw points; docs/collectives.md). */
typedef struct npu_comm_params {
    double base_us;      /* launch + sync of one collective, us */
    double hop_us;       /* per-step latency of a scale-up hop when links.latency_us is absent */
    double pcie_hop_us;  /* same over PCIe */
    double nic_hop_us;   /* same over the scale-out NICs when scaleout.latency_us is absent */
    double link_eff;     /* achievable fraction of scale-up line rate (ring/direct) */
    double switch_eff;   /* achievable fraction of line rate with in-switch reduction */
    double nic_eff;      /* achievable fraction of NIC line rate */
} npu_comm_params;
extern const npu_comm_params npu_comm_default;

#endif
