/* npu_comm — collectives cost model (docs/collectives.md).
 *
 * Alpha-beta per algorithm: time = base + steps x hop latency + bytes moved per
 * chip / achievable bandwidth, evaluated for every algorithm the fabric offers
 * and the fastest kept, as NCCL's tuner does. Fabrics come from the `links`
 * section of the hardware description: a scale-up domain (switch, full mesh,
 * ring/torus, PCIe tree) and an optional scale-out level (NICs) beyond it. The
 * efficiencies and latencies are learned on the H100 only; every other chip
 * uses them with its own datasheet link numbers. */
#include "npu_comm.h"

#include <math.h>
#include <string.h>

const char *const npu_coll_names[NPU_COLL_COUNT] = {"allreduce", "allgather", "reducescatter", "alltoall", "sendrecv"};

/* Learned on 8x H100 SXM (NVLink4 450 GB/s per direction, NVSwitch, ConnectX-7):
 * see docs/collectives.md "Parameters" for the data behind each number. */
const npu_comm_params npu_comm_default = {
    .base_us = 4.6,      /* 2-GPU NVLS all-reduce ~6 us with CUDA graphs (NCCL #1259) = base + 2 hops */
    .hop_us = 0.7,       /* [E] per NVLink step; the split of those 6 us is not observable */
    .pcie_hop_us = 1.5,  /* [E] P2P through a PCIe switch / root complex */
    .nic_hop_us = 5.0,   /* [E] RDMA write + completion over one InfiniBand/RoCE hop */
    .link_eff = 0.8222,  /* ring busbw 370 / 450 GB/s line rate (nccl-tests #212, NCCL #1455) */
    .switch_eff = 0.686, /* NVLS algbw 258..273 GB/s at 5..8 GPUs = 450 x eff x n/(n+1) (NCCL #1455) */
    .nic_eff = 0.94,     /* 46-48 GB/s per 400 Gb/s NDR NIC (nccl-tests #290) */
};

/* The chip's resolved fabric (npu_hw.fabric) plus the learned latencies that fill
 * its gaps; comm_op adjusts its copy for the single-chip-domain case. */
typedef struct fabric {
    npu_topo topo;
    int domain;        /* chips per scale-up domain */
    int dims[3], nd;   /* torus extents */
    int wrap_every;
    double bw_Bps;     /* line rate per chip per direction, all links */
    double each_Bps;   /* line rate per link per direction */
    double hop_s;
    bool in_switch;
    double shared_Bps; /* pcie host bridge, 0 = not shared */
    bool has_nic;
    double nic_Bps, nic_hop_s;
    double copy_Bps;   /* DRAM streaming bandwidth for a staging copy */
} fabric;

static void resolve(const npu_hw *hw, const npu_comm_params *p, fabric *f) {
    const npu_fabric *x = &hw->fabric;
    f->topo = x->topo;
    f->domain = x->domain;
    f->nd = x->nd;
    for (int i = 0; i < 3; i++) f->dims[i] = x->dims[i];
    f->wrap_every = x->wrap_every;
    f->bw_Bps = x->bw_Bps;
    f->each_Bps = x->each_Bps;
    f->hop_s = (x->hop_us > 0 ? x->hop_us : x->topo == NPU_TOPO_PCIE ? p->pcie_hop_us : p->hop_us) * 1e-6;
    f->in_switch = x->in_switch;
    f->shared_Bps = x->shared_Bps;
    f->has_nic = x->has_nic;
    f->nic_Bps = x->nic_Bps;
    f->nic_hop_s = (x->nic_hop_us > 0 ? x->nic_hop_us : p->nic_hop_us) * 1e-6;
    f->copy_Bps = hw->mem_bw_Bps * (hw->eff.mem_eff > 0 ? hw->eff.mem_eff : 1);
    if (f->copy_Bps <= 0) f->copy_Bps = 1e12;
}

/* Best-so-far accumulator: latency (alpha) and transfer (beta) parts, and the
 * bytes one chip sends over links (incl. what it forwards) under that algorithm. */
static void consider(npu_comm_cost *best, const char *algo, double lat_s, double xfer_s, double sent_B) {
    double t = lat_s + xfer_s;
    if (!best->algo || t < best->time_s) {
        best->time_s = t;
        best->latency_s = lat_s;
        best->transfer_s = xfer_s;
        best->sent_B = sent_B;
        best->algo = algo;
    }
}

static double log2_ceil(int n) {
    int s = 0;
    while ((1L << s) < n) s++;
    return s;
}

/* Slice of n chips on a torus/ring: extents, wrap, per-chip usable bandwidth of
 * a bidirectional ring per dimension, sum of (extent - 1) steps, and the mean hop
 * distance of all-to-all traffic. */
typedef struct slice {
    double ring_Bps; /* line rate the dimension-ordered rings use per chip */
    double a2a_Bps;  /* line rate of every link of the chip */
    double steps;    /* sum over dimensions of (extent - 1) */
    double mean_hops;
} slice;

static slice torus_slice(const fabric *f, int n) {
    slice s = {0};
    int e[3] = {1, 1, 1}, nd = f->nd;
    if (!npu_fabric_split_dims(n, nd, f->dims, e)) { /* does not tile: a snake path through the slice */
        nd = 1;
        e[0] = n;
    }
    for (int i = 0; i < nd; i++) {
        if (e[i] <= 1) continue;
        int full = nd == f->nd ? f->dims[i] : 0;
        bool wrap = e[i] == full || (f->wrap_every > 0 && e[i] % f->wrap_every == 0);
        double x = e[i];
        s.ring_Bps += f->each_Bps * (wrap ? 2 : 1); /* a line carries one ring, a torus dimension two */
        s.a2a_Bps += f->each_Bps * 2;
        s.steps += x - 1;
        s.mean_hops += wrap ? (e[i] % 2 ? (x * x - 1) / (4 * x) : x / 4) : (x * x - 1) / (3 * x);
    }
    return s;
}

/* Per-chip achievable rate of a ring of n chips inside one domain. */
static double ring_rate(const fabric *f, const npu_comm_params *p, int n) {
    switch (f->topo) {
    case NPU_TOPO_MESH: return fmin(f->bw_Bps, f->each_Bps * (n - 1)) * p->link_eff;
    case NPU_TOPO_RING:
    case NPU_TOPO_TORUS2D:
    case NPU_TOPO_TORUS3D: return torus_slice(f, n).ring_Bps * p->link_eff;
    case NPU_TOPO_PCIE: return (f->shared_Bps > 0 ? fmin(f->bw_Bps, f->shared_Bps) : f->bw_Bps) * p->link_eff;
    default: return f->bw_Bps * p->link_eff;
    }
}

/* Per-chip rate when every chip sends to every other at once (direct
 * all-gather/reduce-scatter/all-to-all): on PCIe about half of all the traffic
 * crosses the host bridge, so n chips share it. */
static double direct_rate(const fabric *f, const npu_comm_params *p, int n) {
    if (f->topo == NPU_TOPO_PCIE && f->shared_Bps > 0) return fmin(f->bw_Bps, f->shared_Bps / n) * p->link_eff;
    return ring_rate(f, p, n);
}

/* Fastest algorithm among n chips of one domain (no base latency). */
static npu_comm_cost flat(const fabric *f, const npu_comm_params *p, npu_coll op, int n, double B) {
    npu_comm_cost c = {0};
    double h = f->hop_s, nn = n;
    if (n <= 1 || B <= 0) {
        c.algo = "none";
        return c;
    }
    if (f->topo == NPU_TOPO_RING || f->topo == NPU_TOPO_TORUS2D || f->topo == NPU_TOPO_TORUS3D) {
        slice s = torus_slice(f, n);
        double r = s.ring_Bps * p->link_eff;
        const char *dor = f->topo == NPU_TOPO_RING ? "ring" : "torus-rings";
        switch (op) {
        case NPU_COLL_ALLREDUCE: consider(&c, dor, 2 * s.steps * h, 2 * (nn - 1) / nn * B / r, 2 * (nn - 1) / nn * B); break;
        case NPU_COLL_ALLGATHER:
        case NPU_COLL_REDUCESCATTER: consider(&c, dor, s.steps * h, (nn - 1) / nn * B / r, (nn - 1) / nn * B); break;
        case NPU_COLL_ALLTOALL:
            consider(&c, "torus-direct", s.steps * h, B * s.mean_hops / (s.a2a_Bps * p->link_eff), B * s.mean_hops);
            break;
        default: consider(&c, "p2p", h, B / (f->each_Bps * p->link_eff), B); break;
        }
        return c;
    }
    double r = ring_rate(f, p, n);
    bool direct = f->topo == NPU_TOPO_SWITCH || f->topo == NPU_TOPO_MESH; /* every chip reaches every other in one hop */
    double copy = 2 * B / f->copy_Bps; /* one-/two-shot stage the input into a registered buffer */
    switch (op) {
    case NPU_COLL_ALLREDUCE:
        consider(&c, "ring", 2 * (nn - 1) * h, 2 * (nn - 1) / nn * B / r, 2 * (nn - 1) / nn * B);
        consider(&c, "tree", 2 * log2_ceil(n) * h, 2 * B / r, 2 * B);
        if (direct) {
            consider(&c, "one-shot", 2 * h, (nn - 1) * B / r + copy, (nn - 1) * B);
            consider(&c, "two-shot", 3 * h, 2 * (nn - 1) / nn * B / r + copy, 2 * (nn - 1) / nn * B);
        }
        if (f->in_switch)
            consider(&c, "nvls", 2 * h, (nn + 1) / nn * B / (f->bw_Bps * p->switch_eff), (nn + 1) / nn * B);
        break;
    case NPU_COLL_ALLGATHER:
    case NPU_COLL_REDUCESCATTER:
        consider(&c, "ring", (nn - 1) * h, (nn - 1) / nn * B / r, (nn - 1) / nn * B);
        if (direct) consider(&c, "direct", 2 * h, (nn - 1) / nn * B / r + copy / nn, (nn - 1) / nn * B);
        break;
    case NPU_COLL_ALLTOALL: consider(&c, "direct", 2 * h, (nn - 1) / nn * B / direct_rate(f, p, n), (nn - 1) / nn * B); break;
    default: {
        double pair = f->topo == NPU_TOPO_MESH ? f->each_Bps : f->topo == NPU_TOPO_PCIE && f->shared_Bps > 0
                                                            ? fmin(f->bw_Bps, f->shared_Bps)
                                                            : f->bw_Bps;
        consider(&c, "p2p", h, B / (pair * p->link_eff), B);
    }
    }
    return c;
}

/* More chips than one domain: rail-connected NICs, one per chip. */
static npu_comm_cost multi(const fabric *f, const npu_comm_params *p, npu_coll op, int n, double B) {
    npu_comm_cost c = {0};
    int g = f->domain;
    int m = (n + g - 1) / g;
    double nn = n, mm = m, gg = g;
    double nic = f->nic_Bps * p->nic_eff, node_out = gg * nic;
    double hmax = fmax(f->hop_s, f->nic_hop_s);
    double rr = fmin(ring_rate(f, p, g), node_out); /* a ring crosses each node boundary once per direction */
    double Bg = B / gg;
    switch (op) {
    case NPU_COLL_ALLREDUCE: {
        consider(&c, "ring", 2 * (nn - 1) * hmax, 2 * (nn - 1) / nn * B / rr, 2 * (nn - 1) / nn * B);
        consider(&c, "tree", 2 * log2_ceil(m) * f->nic_hop_s + 2 * log2_ceil(g) * f->hop_s, 2 * B / rr, 2 * B);
        npu_comm_cost rs = flat(f, p, NPU_COLL_REDUCESCATTER, g, B), ag = flat(f, p, NPU_COLL_ALLGATHER, g, B);
        double ring_l = 2 * (mm - 1) * f->nic_hop_s, ring_x = 2 * (mm - 1) / mm * Bg / nic;
        double tree_l = 2 * log2_ceil(m) * f->nic_hop_s, tree_x = 2 * Bg / nic;
        bool use_ring = ring_l + ring_x <= tree_l + tree_x;
        consider(&c, "hierarchical", rs.latency_s + ag.latency_s + (use_ring ? ring_l : tree_l),
                 rs.transfer_s + ag.transfer_s + (use_ring ? ring_x : tree_x),
                 rs.sent_B + ag.sent_B + (use_ring ? 2 * (mm - 1) / mm : 2.0) * Bg);
        break;
    }
    case NPU_COLL_ALLGATHER:
    case NPU_COLL_REDUCESCATTER: {
        consider(&c, "ring", (nn - 1) * hmax, (nn - 1) / nn * B / rr, (nn - 1) / nn * B);
        npu_comm_cost in = flat(f, p, op, g, B);
        consider(&c, "hierarchical", in.latency_s + (mm - 1) * f->nic_hop_s,
                 in.transfer_s + (mm - 1) / mm * Bg / nic, in.sent_B + (mm - 1) / mm * Bg);
        break;
    }
    case NPU_COLL_ALLTOALL: {
        double intra = (gg - 1) / nn * B / ring_rate(f, p, g), inter = (nn - gg) / nn * B / nic;
        consider(&c, "direct", 2 * hmax, fmax(intra, inter), (nn - 1) / nn * B);
        break;
    }
    default: consider(&c, "p2p", f->nic_hop_s, B / nic, B); break;
    }
    return c;
}

static npu_comm_cost comm_op(const npu_hw *hw, const npu_comm_params *p, npu_coll op, int chips, double bytes) {
    npu_comm_cost c = {.algo = "none"};
    if (chips <= 1 || !(bytes > 0) || op < 0 || op >= NPU_COLL_COUNT) return c;
    fabric f;
    resolve(hw, p, &f);
    if (f.topo == NPU_TOPO_NONE && !(f.has_nic && chips > f.domain)) {
        c.time_s = c.latency_s = HUGE_VAL;
        return c;
    }
    if (chips > f.domain && f.has_nic && f.topo != NPU_TOPO_NONE) c = multi(&f, p, op, chips, bytes);
    else if (f.topo == NPU_TOPO_NONE) { /* single-chip domains joined only by NICs */
        f.topo = NPU_TOPO_SWITCH, f.bw_Bps = f.each_Bps = f.nic_Bps * p->nic_eff / p->link_eff;
        f.hop_s = f.nic_hop_s, f.domain = chips;
        c = flat(&f, p, op, chips, bytes);
    } else {
        if (chips > f.domain) f.domain = chips; /* no scale-out level: the domain is taken to stretch */
        c = flat(&f, p, op, chips, bytes);
    }
    c.latency_s += p->base_us * 1e-6;
    c.time_s = c.latency_s + c.transfer_s;
    c.algbw_Bps = bytes / c.time_s;
    c.busbw_Bps = c.algbw_Bps * npu_comm_bus_factor(op, chips);
    return c;
}

npu_comm_cost npu_comm_op(const npu_hw *hw, npu_coll op, int chips, double bytes) {
    return comm_op(hw, &npu_comm_default, op, chips, bytes);
}

double npu_comm_bus_factor(npu_coll op, int chips) {
    if (chips <= 1) return 0;
    double n = chips;
    return op == NPU_COLL_ALLREDUCE ? 2.0 * (n - 1) / n : op == NPU_COLL_SENDRECV ? 1.0 : (n - 1) / n;
}

int npu_comm_domain_chips(const npu_hw *hw) { return hw->fabric.domain; }

double npu_comm_overlap(const npu_hw *hw) { return hw->fabric.overlap; }

int npu_comm_check(const npu_hw *hw, int chips) {
    fabric f;
    resolve(hw, &npu_comm_default, &f);
    if (chips < 2) {
        npu_err("a collective needs at least 2 chips (got %d)", chips);
        return -1;
    }
    if (f.topo == NPU_TOPO_NONE && !f.has_nic) {
        npu_err("hardware '%s' has no chip-to-chip links (links.topology none, no scaleout)", hw->name);
        return -1;
    }
    if (chips > f.domain && !f.has_nic && f.topo != NPU_TOPO_NONE) {
        npu_err("hardware '%s': %d chips exceed its scale-up domain of %d and it has no links.scaleout", hw->name,
                chips, f.domain);
        return -1;
    }
    return 0;
}

int npu_coll_parse(const char *s, npu_coll *out) {
    for (int i = 0; i < NPU_COLL_COUNT; i++)
        if (strcmp(s, npu_coll_names[i]) == 0) {
            *out = (npu_coll)i;
            return 0;
        }
    const char *c = npu_closest(s, npu_coll_names, NPU_COLL_COUNT);
    npu_err("unknown collective '%s'%s%s%s", s, c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
    return -1;
}
