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
    double algbw_Bps;  /* size / time */
    double busbw_Bps;  /* algbw x bus factor */
    const char *algo;  /* static name of the algorithm chosen: "ring", "tree", "one-shot", ... */
} npu_comm_cost;

/* Hot path (called per step): never fails; chips <= 1 or bytes <= 0 costs 0. */
npu_comm_cost npu_comm_op(const npu_hw *hw, npu_coll op, int chips, double bytes);
/* The bus factor of `op` among `chips` (nccl-tests convention). */
double npu_comm_bus_factor(npu_coll op, int chips);

#endif
