/* cmd_plan — `npusim plan`: the deployment planner (issue 4). */
#include "cmds.h"
#include "npusim.h"

int cmd_plan(int argc, char **argv) {
    (void)argc, (void)argv;
    npu_err("plan is not implemented yet");
    return cli_fail();
}
