/* cmd_comm — `npusim op allreduce|allgather|reducescatter|alltoall|sendrecv
 * --hw H --chips N --bytes X [--json]`: one collective, or a sweep
 * (`--bytes 1K..8G`, doubling, like nccl-tests), through npu_comm_op. */
#include "args.h"
#include "cmds.h"
#include "npusim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A byte count: a plain number (1e9, 4096) or one with a binary suffix
 * K/M/G/T (x 1024^k, as nccl-tests reads -b/-e). */
static int parse_bytes(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s) goto bad;
    static const char suf[] = "KMGT";
    if (*end) {
        const char *p = strchr(suf, *end >= 'a' ? *end - 32 : *end);
        if (!p || !*p || end[1] != '\0') goto bad;
        v *= pow(1024.0, (double)(p - suf + 1));
    }
    if (!isfinite(v) || v <= 0) {
        npu_err("option '--bytes': '%s' must be a positive size", s);
        return -1;
    }
    *out = v;
    return 0;
bad:
    npu_err("option '--bytes': '%s' is not a size (a number, optionally with K, M, G or T, or FROM..TO)", s);
    return -1;
}

static cJSON *row_json(npu_coll op, const npu_hw *hw, int chips, double bytes, const npu_comm_cost *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "op", npu_coll_names[op]);
    cJSON_AddStringToObject(o, "hw", hw->name);
    cJSON_AddNumberToObject(o, "chips", chips);
    cJSON_AddNumberToObject(o, "bytes", bytes);
    cJSON_AddNumberToObject(o, "latency_ms", c->time_s * 1e3);
    cJSON_AddNumberToObject(o, "algbw_gbps", c->algbw_Bps / 1e9);
    cJSON_AddNumberToObject(o, "busbw_gbps", c->busbw_Bps / 1e9);
    cJSON_AddNumberToObject(o, "bus_factor", npu_comm_bus_factor(op, chips));
    cJSON_AddStringToObject(o, "algorithm", c->algo);
    cJSON_AddNumberToObject(o, "alpha_us", c->latency_s * 1e6);
    cJSON_AddNumberToObject(o, "beta_us", c->transfer_s * 1e6);
    cJSON_AddNumberToObject(o, "domain_chips", npu_comm_domain_chips(hw));
    cJSON_AddNumberToObject(o, "overlap", npu_comm_overlap(hw));
    return o;
}

int cmd_op_comm(int argc, char **argv) {
    npu_coll op;
    if (argc < 3 || npu_coll_parse(argv[2], &op)) return cli_fail();
    cli_opt o[] = {{"hw", 1, 0}, {"chips", 1, 0}, {"bytes", 1, 0}, {"json", 0, 0}};
    int n = (int)NPU_ARRAY_LEN(o), npos;
    const char *pos[1];
    if (cli_parse(argc, argv, 3, o, n, pos, 0, &npos)) return cli_fail();
    const char *hs = cli_get(o, n, "hw");
    if (!hs) {
        npu_err("op %s needs --hw", npu_coll_names[op]);
        return cli_fail();
    }
    long chips;
    if (cli_long(o, n, "chips", &chips, true, 2)) return cli_fail();
    if (chips > 1000000) {
        npu_err("option '--chips': %ld is more than 1000000", chips);
        return cli_fail();
    }
    const char *bs = cli_get(o, n, "bytes");
    if (!bs) {
        npu_err("missing required option '--bytes'");
        return cli_fail();
    }
    double lo, hi;
    const char *dots = strstr(bs, "..");
    if (dots) {
        char a[64];
        size_t len = (size_t)(dots - bs);
        if (len >= sizeof a) len = sizeof a - 1;
        memcpy(a, bs, len);
        a[len] = '\0';
        if (parse_bytes(a, &lo) || parse_bytes(dots + 2, &hi)) return cli_fail();
        if (hi < lo) {
            npu_err("option '--bytes': range '%s' ends below its start", bs);
            return cli_fail();
        }
    } else {
        if (parse_bytes(bs, &lo)) return cli_fail();
        hi = lo;
    }
    npu_hw hw;
    if (npu_hw_load(hs, &hw) || npu_comm_check(&hw, (int)chips)) return cli_fail();
    bool json = cli_get(o, n, "json") != NULL;
    if (!dots) {
        npu_comm_cost c = npu_comm_op(&hw, op, (int)chips, lo);
        if (json) {
            npu_report_print_json(stdout, row_json(op, &hw, (int)chips, lo, &c));
            return 0;
        }
        printf("npusim op %s on %d x %s (scale-up domain %d chips)\n\n", npu_coll_names[op], (int)chips, hw.name,
               npu_comm_domain_chips(&hw));
        printf("  size         %14.0f bytes\n", lo);
        printf("  latency      %14.4f ms  (%s)\n", c.time_s * 1e3, c.algo);
        printf("  alpha        %14.2f us  (launch + per-step latency)\n", c.latency_s * 1e6);
        printf("  beta         %14.2f us  (bytes / achievable bandwidth)\n", c.transfer_s * 1e6);
        printf("  algbw        %14.2f GB/s\n", c.algbw_Bps / 1e9);
        printf("  busbw        %14.2f GB/s  (bus factor %.4g)\n", c.busbw_Bps / 1e9,
               npu_comm_bus_factor(op, (int)chips));
        return 0;
    }
    cJSON *rows = json ? cJSON_CreateArray() : NULL;
    if (!json) {
        printf("npusim op %s on %d x %s (scale-up domain %d chips)\n\n", npu_coll_names[op], (int)chips, hw.name,
               npu_comm_domain_chips(&hw));
        printf("%14s %12s %10s %10s  %s\n", "size(B)", "time(us)", "algbw", "busbw", "algorithm");
    }
    for (double b = lo; b <= hi * (1 + 1e-12); b *= 2) {
        npu_comm_cost c = npu_comm_op(&hw, op, (int)chips, b);
        if (json) cJSON_AddItemToArray(rows, row_json(op, &hw, (int)chips, b, &c));
        else
            printf("%14.0f %12.2f %10.2f %10.2f  %s\n", b, c.time_s * 1e6, c.algbw_Bps / 1e9, c.busbw_Bps / 1e9,
                   c.algo);
    }
    if (json) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "op", npu_coll_names[op]);
        cJSON_AddStringToObject(r, "hw", hw.name);
        cJSON_AddNumberToObject(r, "chips", (double)chips);
        cJSON_AddItemToObject(r, "rows", rows);
        npu_report_print_json(stdout, r);
    }
    return 0;
}
