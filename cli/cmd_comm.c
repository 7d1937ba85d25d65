/* cmd_comm — `npusim op allreduce|allgather|reducescatter|alltoall` (issue 4). */
#include "cmds.h"
#include "npusim.h"

int cmd_op_comm(int argc, char **argv) {
    (void)argc, (void)argv;
    npu_err("collective ops are not implemented yet");
    return cli_fail();
}
