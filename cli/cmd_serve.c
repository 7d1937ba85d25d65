/* cmd_serve — `npusim serve`: the serving simulation (issue 5). */
#include "cmds.h"
#include "npusim.h"

int cmd_serve(int argc, char **argv) {
    (void)argc, (void)argv;
    npu_err("serve is not implemented yet");
    return cli_fail();
}
