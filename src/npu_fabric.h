/* npu_fabric — the chip-to-chip fabric of a hardware description, resolved:
 * the one table of topology names, and the `links` section with every default
 * filled in (scale-up domain, torus extents, link count and per-link rate, the
 * scale-out level). npu_hw_finish() resolves it once into npu_hw.fabric; the
 * collective model (npu_comm) only reads it (docs/collectives.md). */
#ifndef NPU_FABRIC_H
#define NPU_FABRIC_H

#include <stdbool.h>

typedef enum {
    NPU_TOPO_SWITCH = 0, /* every chip one hop from every other through a switch (NVSwitch) */
    NPU_TOPO_MESH,       /* full mesh of point-to-point links (Infinity Fabric, Gaudi RoCE) */
    NPU_TOPO_RING,       /* 1-D ring */
    NPU_TOPO_TORUS2D,    /* 2-D torus (TPU v5e/v6e) */
    NPU_TOPO_TORUS3D,    /* 3-D torus (TPU v4/v5p) */
    NPU_TOPO_PCIE,       /* PCIe tree, optionally through a shared host bridge */
    NPU_TOPO_NONE,       /* no chip-to-chip links */
    NPU_TOPO_COUNT
} npu_topo;
extern const char *const npu_topo_names[NPU_TOPO_COUNT];

/* "" (absent) is switch. -1 + npu_err naming the closest name when unknown. */
int npu_topo_parse(const char *s, npu_topo *out);
/* Ring/torus dimensions of a topology: 1, 2, 3; 0 for the others. */
int npu_topo_ndims(npu_topo t);

typedef struct npu_fabric {
    npu_topo topo;      /* NPU_TOPO_NONE also when no link bandwidth is given */
    int domain;         /* chips per scale-up domain */
    int dims[3], nd;    /* ring/torus extents (nd of them) */
    int wrap_every;     /* torus: a slice dimension wraps when its extent is a multiple of this (0: full only) */
    int links;          /* links per chip */
    double bw_Bps;      /* line rate per chip per direction, all links, bytes/s */
    double each_Bps;    /* line rate per link per direction, bytes/s */
    double hop_us;      /* links.latency_us; 0 = the collective model's learned default */
    bool in_switch;     /* the switch reduces (NVLS); switch topology only */
    double shared_Bps;  /* pcie: host-bridge bytes/s per direction shared by all chips (0 = not shared) */
    bool has_nic;       /* a scale-out level exists */
    double nic_Bps;     /* scale-out bytes/s per direction per chip */
    double nic_hop_us;  /* scaleout.latency_us; 0 = learned default */
    double overlap;     /* fraction of collective time an engine hides behind compute, [0, 1] */
} npu_fabric;

/* Spread the prime factors of n over nd extents, each at most cap[i] (or
 * unbounded when cap is NULL), smallest extent first. 0 if n does not fit. */
int npu_fabric_split_dims(int n, int nd, const int *cap, int *e);

#endif
