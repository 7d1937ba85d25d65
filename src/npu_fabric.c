/* npu_fabric — topology names and torus-slice arithmetic. */
#include "npu_fabric.h"
#include "npu_util.h"

#include <string.h>

const char *const npu_topo_names[NPU_TOPO_COUNT] = {"switch", "mesh", "ring", "torus2d", "torus3d", "pcie", "none"};

int npu_topo_parse(const char *s, npu_topo *out) {
    if (!s[0]) {
        *out = NPU_TOPO_SWITCH;
        return 0;
    }
    for (int i = 0; i < NPU_TOPO_COUNT; i++)
        if (strcmp(s, npu_topo_names[i]) == 0) {
            *out = (npu_topo)i;
            return 0;
        }
    const char *c = npu_closest(s, npu_topo_names, NPU_TOPO_COUNT);
    npu_err("unknown topology '%s'%s%s%s (switch, mesh, ring, torus2d, torus3d, pcie, none)", s,
            c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
    return -1;
}

int npu_topo_ndims(npu_topo t) {
    return t == NPU_TOPO_RING ? 1 : t == NPU_TOPO_TORUS2D ? 2 : t == NPU_TOPO_TORUS3D ? 3 : 0;
}

int npu_fabric_split_dims(int n, int nd, const int *cap, int *e) {
    for (int i = 0; i < nd; i++) e[i] = 1;
    int primes[32], np = 0, r = n;
    for (int p = 2; (long)p * p <= r && np < 31; p++)
        while (r % p == 0 && np < 31) primes[np++] = p, r /= p;
    if (r > 1) primes[np++] = r;
    for (int k = np - 1; k >= 0; k--) { /* largest factor first */
        int best = -1;
        for (int i = 0; i < nd; i++)
            if ((!cap || (long)e[i] * primes[k] <= cap[i]) && (best < 0 || e[i] < e[best])) best = i;
        if (best < 0) return 0;
        e[best] *= primes[k];
    }
    return 1;
}
