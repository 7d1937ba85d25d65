/* cmds — subcommands implemented outside main.c. */
#ifndef NPUSIM_CMDS_H
#define NPUSIM_CMDS_H

int cli_fail(void); /* print npu_errmsg() on stderr, return exit status 2 */
int cmd_validate(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);

#endif
