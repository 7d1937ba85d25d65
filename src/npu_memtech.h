/* npu_memtech — the memory-technology library (HBM, GDDR, LPDDR by generation
 * and vendor), read from the embedded presets/memory.json.
 *
 * A chip's main memory is "N stacks (or devices) of technology T, H dies high":
 * bandwidth = N x bus_bits x pin_gbps / 8, capacity = N x H x die_gbit / 8. */
#ifndef NPU_MEMTECH_H
#define NPU_MEMTECH_H

typedef struct npu_memtech {
    char name[48];    /* e.g. "hbm3e-skhynix" */
    char type[16];    /* hbm2e | hbm3 | hbm3e | hbm4 | gddr6 | lpddr5x ... */
    char vendor[32];
    double pin_gbps;  /* nominal data rate per pin, Gbit/s */
    int bus_bits;     /* data bits per stack (HBM) or per device */
    double die_gbit;  /* DRAM die density, Gbit */
    int heights[8];   /* allowed dies per stack */
    int n_heights;
    double pj_per_bit; /* access energy, pJ/bit; 0 = unknown */
    char source[768];
} npu_memtech;

int npu_memtech_count(void);
const npu_memtech *npu_memtech_at(int i);
/* NULL + npu_err (with the closest name) when unknown. */
const npu_memtech *npu_memtech_find(const char *name);

/* Bytes/s and bytes of `stacks` stacks `height` high at `pin_gbps` (0 = nominal). */
double npu_memtech_bandwidth_Bps(const npu_memtech *t, int stacks, double pin_gbps);
double npu_memtech_capacity_B(const npu_memtech *t, int stacks, int height);

#endif
