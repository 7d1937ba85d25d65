/* npu_comm — PLACEHOLDER: plain ring over the per-chip link bandwidth.
 * To be replaced by the topology-aware model (issue 4). */
#include "npu_comm.h"

const char *const npu_coll_names[NPU_COLL_COUNT] = {"allreduce", "allgather", "reducescatter", "alltoall", "sendrecv"};

double npu_comm_bus_factor(npu_coll op, int chips) {
    if (chips <= 1) return 0;
    double n = chips;
    return op == NPU_COLL_ALLREDUCE ? 2.0 * (n - 1) / n : op == NPU_COLL_SENDRECV ? 1.0 : (n - 1) / n;
}

npu_comm_cost npu_comm_op(const npu_hw *hw, npu_coll op, int chips, double bytes) {
    npu_comm_cost c = {.algo = "ring"};
    if (chips <= 1 || bytes <= 0) return c;
    double bw = hw->link_gbps > 0 ? hw->link_gbps * 1e9 : 32e9;
    double lat = (hw->link_latency_us > 0 ? hw->link_latency_us : 2.0) * 1e-6;
    int steps = op == NPU_COLL_ALLREDUCE ? 2 * (chips - 1) : op == NPU_COLL_SENDRECV ? 1 : chips - 1;
    c.latency_s = steps * lat;
    c.transfer_s = bytes * npu_comm_bus_factor(op, chips) / bw;
    c.time_s = c.latency_s + c.transfer_s;
    c.algbw_Bps = bytes / c.time_s;
    c.busbw_Bps = c.algbw_Bps * npu_comm_bus_factor(op, chips);
    return c;
}
