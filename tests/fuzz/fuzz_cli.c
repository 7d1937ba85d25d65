/* fuzz_cli — the command line: the input, split at NUL bytes (or newlines when
 * it has none), is argv of `npusim run|op|show|list|cost|plan ...`, run through
 * the real main (cli/, compiled with main renamed). Each must return 0 or 2
 * (one error line) and trip no sanitizer. Commands that write files or
 * simulate long (serve, calibrate, validate -o) are left out: they are the same
 * parser with slower bodies. Run with -close_fd_mask=3 (output is not checked
 * here; the figures are checked by the other harnesses). */
#include "fuzz.h"

int npusim_cli_main(int argc, char **argv);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const cmds[] = {"run", "op", "show", "list", "cost", "plan"};
    if (size < 1 || size > 4096) return 0;
    char *text = fz_text(data, size);
    char sep = memchr(data, '\0', size) ? '\0' : '\n';
    char *argv[34] = {"npusim", (char *)cmds[data[0] % NPU_ARRAY_LEN(cmds)]};
    int argc = 2;
    for (size_t i = 1; i < size && argc < 33;) { /* byte 0 picked the command */
        char *a = text + i;
        size_t l = 0;
        while (i + l < size && text[i + l] != sep) l++;
        text[i + l] = '\0';
        argv[argc++] = a;
        i += l + 1;
    }
    argv[argc] = NULL;
    int rc = npusim_cli_main(argc, argv);
    if (rc != 0 && rc != 2) {
        fprintf(stderr, "FUZZ FINDING: exit status %d\n", rc);
        abort();
    }
    if (rc == 2) fz_error_line();
    free(text);
    return 0;
}
