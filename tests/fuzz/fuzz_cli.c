/* fuzz_cli — the command line: the input, split at NUL bytes (or newlines when
 * it has none), is argv of `npusim run|op|show|list|cost|plan ...` (the first
 * byte picks the command), run through the real main (cli/, compiled with main
 * renamed). Each run must return 0 or 2, with one error line for 2, trip no
 * sanitizer, and print no figure that is NaN, Inf or negative: stdout is
 * captured and scanned. Commands that write files or simulate long (serve,
 * calibrate, validate) are left out: the same parser with slower bodies. */
#include "fuzz.h"

#include <ctype.h>
#include <unistd.h>

int npusim_cli_main(int argc, char **argv);

static int out_fd = -1;

/* A printed figure that is NaN, Inf or negative: "nan"/"inf" as a word, or a
 * '-' after a separator and before a digit ("-3.2", ": -1e9"). */
static const char *bad_figure(const char *s) {
    for (const char *p = s; *p; p++) {
        bool word = p == s || !isalnum((unsigned char)p[-1]);
        if (word && (strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0) &&
            !isalnum((unsigned char)p[3]))
            return p;
        if (*p == '-' && isdigit((unsigned char)p[1]) && (p == s || strchr(" \t:,([=", p[-1])))
            return p;
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const cmds[] = {"run", "op", "show", "list", "cost", "plan"};
    if (size < 1 || size > 4096) return 0;
    if (out_fd < 0) { /* stdout goes to a scratch file (stderr: run with -close_fd_mask=2) */
        FILE *t = tmpfile();
        if (!t) abort();
        out_fd = fileno(t);
        if (dup2(out_fd, 1) < 0) abort();
    }
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
    fflush(stdout);
    if (ftruncate(1, 0) || lseek(1, 0, SEEK_SET) < 0) abort();
    int rc = npusim_cli_main(argc, argv);
    fflush(stdout);
    if (rc != 0 && rc != 2) {
        fprintf(stderr, "FUZZ FINDING: exit status %d\n", rc);
        abort();
    }
    if (rc == 2) fz_error_line();
    static char out[1 << 16];
    ssize_t n = pread(1, out, sizeof out - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    const char *bad = bad_figure(out);
    if (bad && strcmp(argv[1], "show") != 0) { /* show prints descriptions, sources with ranges */
        const char *line = bad;
        while (line > out && line[-1] != '\n') line--;
        const char *end = strchr(bad, '\n');
        fprintf(stderr, "FUZZ FINDING: printed figure: %.*s\n", (int)(end ? end - line : 120), line);
        abort();
    }
    free(text);
    return 0;
}
