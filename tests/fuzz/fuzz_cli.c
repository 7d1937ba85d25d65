/* fuzz_cli — the command line, run through the real main (cli/, compiled with
 * main renamed), in one of two modes picked by the first byte:
 * - raw (bit 7 clear): the rest, split at NUL bytes (or newlines when it has
 *   none), is argv of `npusim run|op|show|list|cost|plan ...`;
 * - structured (bit 7 set): a valid base command, then each following byte
 *   pair adds one known option with one value from a list of boundary values
 *   (0, -1, 2^31, 2^63-1, 1e300, nan, sizes, preset names ...), so values far
 *   outside the useful range reach every option quickly. Each run must return 0 or 2, with one error line for 2, trip no
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

static const char *const flags[] = {
    "--model", "--hw", "--phase", "--batch", "--seq", "--ctx", "--input", "--output", "--stack", "--dtype",
    "--act-dtype", "--kv-dtype", "--tp", "--pp", "--ep", "--dp", "--cp", "--moe-skew", "--engine", "--chip-price",
    "--pue", "--usd-per-kwh", "--lifetime-years", "--server-overhead", "--chips", "--max-ttft", "--max-tpot",
    "--max-batch", "--top", "--m", "--n", "--k", "--heads", "--kv-heads", "--head-dim", "--bytes", "--process",
    "--volume", "--yield-model", "--alpha", "--d0", "--wafer-usd", "--package", "--nre-usd",
    "--json", "--csv", "--tco", "--estimate-area", /* the last four take no value */
};
static const char *const values[] = {
    "0", "1", "2", "3", "7", "8", "16", "61", "64", "128", "1000", "4096", "65536", "1000000", "10000000",
    "10000001", "2147483647", "2147483648", "4294967297", "9223372036854775807", "9223372036854775808",
    "1e300", "-1", "-0", "nan", "inf", "0.5", "1e-300", "1G", "1T", "8M", "1E", "1..1G", "bf16", "fp16", "fp8",
    "int8", "int4", "fp32", "prefill", "decode", "e2e", "offline", "llama3.2-1b", "llama3-8b", "deepseek-v3",
    "mixtral-8x7b", "mistral-7b", "gpt3-175b", "h100-sxm", "tpu-v5e", "rngd", "dx-m1", "snapdragon-8g3-npu",
    "gaudi3", "b200", "eager", "fused", "mlperf", "ideal", "trtllm", "organic", "cowos-l", "negbin", "murphy",
    "tsmc-n4p", "tsmc-n7",
};

/* Structured mode: argv from byte pairs (see the top). */
static int structured(const uint8_t *d, size_t n, char **argv) {
    static const char *const ops[] = {"gemm", "attention", "copy", "allreduce", "allgather", "reducescatter", "alltoall"};
    static const char *const base[][8] = {
        {"run", "--model", "llama3.2-1b", "--hw", "h100-sxm", "--phase", "decode", NULL},
        {"op", NULL}, /* + a kind */
        {"cost", "--hw", "h100-sxm", NULL},
        {"plan", "--model", "llama3.2-1b", "--hw", "h100-sxm", "--chips", "8", NULL},
    };
    int argc = 1, b = d[0] % 4;
    for (int i = 0; base[b][i]; i++) argv[argc++] = (char *)base[b][i];
    if (b == 1) {
        argv[argc++] = (char *)ops[d[0] / 4 % NPU_ARRAY_LEN(ops)];
        argv[argc++] = "--hw", argv[argc++] = "h100-sxm";
    }
    size_t nf = NPU_ARRAY_LEN(flags);
    for (size_t i = 1; i + 1 < n && argc < 32; i += 2) {
        size_t f = d[i] % nf;
        argv[argc++] = (char *)flags[f];
        if (f < nf - 4) argv[argc++] = (char *)values[d[i + 1] % NPU_ARRAY_LEN(values)];
    }
    argv[argc] = NULL;
    return argc;
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
    if (data[0] & 0x80) {
        if (size < 2) {
            free(text);
            return 0;
        }
        argc = structured(data + 1, size - 1, argv), size = 0;
    }
    for (size_t i = 1; i < size && argc < 33;) { /* byte 0 picked the command */
        char *a = text + i;
        size_t l = 0;
        while (i + l < size && text[i + l] != sep) l++;
        text[i + l] = '\0';
        argv[argc++] = a;
        i += l + 1;
    }
    argv[argc] = NULL;
    if (argc < 2) {
        free(text);
        return 0;
    }
    static int show = -1; /* FUZZ_SHOW_ARGV=1: print the command line (run.sh names findings by it) */
    if (show < 0) show = getenv("FUZZ_SHOW_ARGV") != NULL;
    if (show) {
        fprintf(stderr, "FUZZ ARGV:");
        for (int i = 1; i < argc; i++) fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, "\n");
    }
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
