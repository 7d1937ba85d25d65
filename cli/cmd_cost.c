/* cmd_cost — `npusim cost` and `npusim list process` (issue 6). */
#include "cmds.h"
#include "npusim.h"

int cmd_cost(int argc, char **argv) {
    (void)argc, (void)argv;
    npu_err("cost is not implemented yet");
    return cli_fail();
}

int cmd_list_process(void) {
    npu_err("list process is not implemented yet");
    return cli_fail();
}
