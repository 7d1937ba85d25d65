/* npusim — command-line front end. The commands and their options live in
 * cmds.c and opts.c; this file is only main(), so that tests and fuzzing
 * harnesses can link the rest of cli/ and call cli_main or cli_args_parse. */
#include "args.h"

int main(int argc, char **argv) { return cli_main(argc, argv); }
