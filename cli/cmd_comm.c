/* cmd_comm — `npusim op allreduce|allgather|reducescatter|alltoall
 * --hw H --chips N --bytes X [--json]`: one collective, or a sweep
 * (`--bytes 1K..8G`, doubling, like nccl-tests), through npu_comm_op. */
#include "args.h"
#include "cmds.h"
#include "npu_all.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_head(FILE *out, npu_coll op, int chips, const npu_hw *hw) {
    int d = npu_comm_domain_chips(hw);
    fprintf(out, "npusim op %s on %d x %s (scale-up domain %d chip%s)\n\n", npu_coll_names[op], chips, hw->name, d, cli_s(d));
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

static int cmd_op_comm(const cli_args *a, cli_out *o) {
    FILE *out = o->f;
    npu_coll op;
    if (npu_coll_parse(a->cmd->name + 3, &op)) return -1; /* "op allreduce" */
    int chips = (int)cli_int(a, O_CHIPS);
    double lo = cli_num(a, O_BYTES), hi = cli_val_of(a, O_BYTES)->d2;
    bool range = strstr(cli_str(a, O_BYTES), "..") != NULL;
    npu_hw hw;
    if (cli_load_hw(a, O_HW, &hw) || npu_comm_check(&hw, chips)) return -1;
    bool json = cli_has(a, O_JSON);
    if (!range) {
        npu_comm_cost c = npu_comm_op(&hw, op, chips, lo);
        if (json) {
            npu_report_print_json(out, row_json(op, &hw, chips, lo, &c));
            return 0;
        }
        print_head(out, op, chips, &hw);
        fprintf(out, "  size         %14.0f bytes\n", lo);
        fprintf(out, "  latency      %14.4f ms  (%s)\n", c.time_s * 1e3, c.algo);
        fprintf(out, "  alpha        %14.2f us  (launch + per-step latency)\n", c.latency_s * 1e6);
        fprintf(out, "  beta         %14.2f us  (bytes / achievable bandwidth)\n", c.transfer_s * 1e6);
        fprintf(out, "  algbw        %14.2f GB/s\n", c.algbw_Bps / 1e9);
        fprintf(out, "  busbw        %14.2f GB/s  (bus factor %.4g)\n", c.busbw_Bps / 1e9,
               npu_comm_bus_factor(op, chips));
        return 0;
    }
    cJSON *rows = json ? cJSON_CreateArray() : NULL;
    if (!json) {
        print_head(out, op, chips, &hw);
        fprintf(out, "%14s %12s %12s %12s  %s\n", "size(B)", "time(us)", "algbw(GB/s)", "busbw(GB/s)", "algorithm");
    }
    for (double b = lo; b <= hi * (1 + 1e-12); b *= 2) {
        npu_comm_cost c = npu_comm_op(&hw, op, chips, b);
        if (json) cJSON_AddItemToArray(rows, row_json(op, &hw, chips, b, &c));
        else
            fprintf(out, "%14.0f %12.2f %12.2f %12.2f  %s\n", b, c.time_s * 1e6, c.algbw_Bps / 1e9, c.busbw_Bps / 1e9,
                   c.algo);
    }
    if (json) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "op", npu_coll_names[op]);
        cJSON_AddStringToObject(r, "hw", hw.name);
        cJSON_AddNumberToObject(r, "chips", (double)chips);
        cJSON_AddItemToObject(r, "rows", rows);
        npu_report_print_json(out, r);
    }
    return 0;
}

static const cli_use comm_opts[] = {
    {O_HW, CLI_REQ}, {O_CHIPS, CLI_REQ, .note = "at least 2"},
    {O_BYTES, CLI_REQ | CLI_RANGE, .note = "buffer size per chip, as nccl-tests counts it"}, {O_JSON},
};
#define COMM_CMD(var, op, what)                                                                               \
    const cli_cmd var = {"op " op, NULL, 0, 0, what " over the chip's links (docs/collectives.md)",           \
                         "A size range FROM..TO prints one row per doubling, like nccl-tests.", comm_opts,    \
                         (int)NPU_ARRAY_LEN(comm_opts), cmd_op_comm}
COMM_CMD(cli_cmd_op_allreduce, "allreduce", "time one all-reduce");
COMM_CMD(cli_cmd_op_allgather, "allgather", "time one all-gather");
COMM_CMD(cli_cmd_op_reducescatter, "reducescatter", "time one reduce-scatter");
COMM_CMD(cli_cmd_op_alltoall, "alltoall", "time one all-to-all");
