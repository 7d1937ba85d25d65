/* npu_memtech — the memory-technology library (HBM, GDDR, LPDDR by generation
 * and vendor), read from the embedded presets/memory.json.
 *
 * A chip's main memory is "N stacks (or devices) of technology T, H dies high":
 * bandwidth = N x bus_bits x pin_gbps / 8, capacity = N x H x die_gbit / 8.
 *
 * Everything that depends on the memory *type* (hbm3e, gddr6, lpddr5x ...) lives
 * in one table here (memory.json "types"): the family, the pin-rate range a
 * description may state, the device access energy and the price per GB. Other
 * modules read it through npu_memtech_type(); none compares type strings. */
#ifndef NPU_MEMTECH_H
#define NPU_MEMTECH_H

/* Packaging-relevant family: HBM stacks sit beside the die on an interposer or
 * bridge; GDDR and LPDDR are board/package devices behind a PHY. */
typedef enum { NPU_MEM_HBM = 0, NPU_MEM_GDDR, NPU_MEM_LPDDR, NPU_MEM_FAMILY_COUNT } npu_mem_family;
extern const char *const npu_mem_family_names[NPU_MEM_FAMILY_COUNT];

typedef struct npu_memtype {
    char type[16];          /* hbm3e, gddr6, lpddr5x ... */
    npu_mem_family family;
    double pin_gbps_min;    /* data rate per pin a product of this type may run, Gbit/s */
    double pin_gbps_max;
    double pj_per_bit;      /* device access energy when the technology states none, pJ/bit */
    double usd_per_gb;      /* price, USD per GiB ("GB" as sold) [E] */
    char source[400];
} npu_memtype;

typedef struct npu_memtech {
    char name[48];    /* e.g. "hbm3e-skhynix" */
    char type[16];    /* hbm2e | hbm3 | hbm3e | hbm4 | gddr6 | lpddr5x ... */
    char vendor[32];
    double pin_gbps;  /* nominal data rate per pin, Gbit/s */
    int bus_bits;     /* data bits per stack (HBM) or per device */
    double die_gbit;  /* DRAM die density, Gbit */
    int heights[8];   /* allowed dies per stack (HBM), devices per channel position (GDDR), dies per channel (LPDDR) */
    int n_heights;
    double pj_per_bit; /* access energy, pJ/bit; 0 = unknown (the type's value applies) */
    char source[768];
    const npu_memtype *kind; /* its row of the type table */
} npu_memtech;

int npu_memtech_count(void);
const npu_memtech *npu_memtech_at(int i);
/* NULL + npu_err (with the closest name) when unknown. */
const npu_memtech *npu_memtech_find(const char *name);
/* The type row of a technology (never NULL for a library entry). */
const npu_memtype *npu_memtech_type(const npu_memtech *t);
int npu_memtype_count(void);
const npu_memtype *npu_memtype_at(int i);

/* Bytes/s and bytes of `stacks` stacks `height` high at `pin_gbps` (0 = nominal). */
double npu_memtech_bandwidth_Bps(const npu_memtech *t, int stacks, double pin_gbps);
double npu_memtech_capacity_B(const npu_memtech *t, int stacks, int height);
/* Device access energy, pJ/bit: the technology's own figure, else its type's. */
double npu_memtech_device_pj(const npu_memtech *t);
/* 1 if `height` is one the technology makes. */
int npu_memtech_height_ok(const npu_memtech *t, int height);

#endif
