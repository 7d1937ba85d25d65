/* cmds — the command table of npusim, the dispatch (help, version, commands),
 * and the small commands: run, op gemm|attention|copy, list, show. Each
 * command parses through the option table, calls the library and prints a
 * table (default), JSON (--json) or CSV (--csv). User errors print one line on
 * stderr and exit 2. */
#include "args.h"
#include "cmds.h"
#include "npusim.h"
#include "version.h" /* build/gen: NPUSIM_VERSION, NPUSIM_GIT (Makefile) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cli_cmd *const cli_cmds[] = {
    &cli_cmd_run,          &cli_cmd_plan,          &cli_cmd_serve,         &cli_cmd_cost,
    &cli_cmd_op_gemm,      &cli_cmd_op_attention,  &cli_cmd_op_copy,       &cli_cmd_op_allreduce,
    &cli_cmd_op_allgather, &cli_cmd_op_reducescatter, &cli_cmd_op_alltoall, &cli_cmd_list,
    &cli_cmd_show,         &cli_cmd_validate,      &cli_cmd_calibrate,     &cli_cmd_report,
};
const int cli_n_cmds = (int)NPU_ARRAY_LEN(cli_cmds);

const cli_cmd *cli_cmd_find(const char *name) {
    for (int i = 0; i < cli_n_cmds; i++)
        if (strcmp(cli_cmds[i]->name, name) == 0) return cli_cmds[i];
    return NULL;
}

int cli_fail(void) {
    fprintf(stderr, "npusim: %s\n", npu_errmsg());
    return 2;
}

const char *cli_s(long n) { return n == 1 ? "" : "s"; }

int cli_pick(const char *s, const char *const *names, int n, const char *what) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    char q[80];
    const char *c = npu_closest(s, names, (size_t)n);
    npu_err("unknown %s '%s'%s%s%s", what, cli_quote(s, q, sizeof q), c ? " (did you mean '" : "", c ? c : "",
            c ? "'?)" : "");
    return -1;
}

/* --act-dtype: as given, else the weights' type (fp8 and int8 run W8A8), but
 * bf16 for int4 (weight-only, W4A16) */
static npu_dtype act_dtype(const cli_args *a, npu_dtype w) {
    return cli_has(a, O_ACT_DTYPE) ? (npu_dtype)cli_int(a, O_ACT_DTYPE) : w == NPU_INT4 ? NPU_BF16 : w;
}

void cli_dtypes(const cli_args *a, npu_dtype *w, npu_dtype *act, npu_dtype *kv) {
    *w = (npu_dtype)cli_int(a, O_DTYPE);
    *act = act_dtype(a, *w);
    *kv = cli_has(a, O_KV_DTYPE) ? (npu_dtype)cli_int(a, O_KV_DTYPE) : *w == NPU_FP16 ? NPU_FP16 : NPU_BF16;
}

void cli_plan(const cli_args *a, npu_plan *p) {
    *p = (npu_plan){(int)cli_int(a, O_TP), (int)cli_int(a, O_PP), (int)cli_int(a, O_EP), (int)cli_int(a, O_DP),
                    (int)cli_int(a, O_CP)};
}

int cli_engine(const cli_args *a, npu_engine *e) {
    if (npu_engine_find(cli_str(a, O_ENGINE), e)) {
        char m[300];
        npu_strlcpy(m, npu_errmsg(), sizeof m);
        npu_err("option '--engine': %s", m);
        return -1;
    }
    return 0;
}

/* ---- run ---- */

static int cmd_run(const cli_args *a) {
    npu_run_cfg c = {0};
    c.phase = (npu_run_phase)cli_int(a, O_PHASE);
    c.stack = (npu_stack)cli_int(a, O_STACK);
    c.batch = (int)cli_int(a, O_BATCH); /* absent: 0, which the library reads as "what fits" for offline */
    c.seq = (long)cli_int(a, O_SEQ), c.ctx = (long)cli_int(a, O_CTX);
    c.input = (long)cli_int(a, O_INPUT), c.output = (long)cli_int(a, O_OUTPUT);
    c.moe_skew = cli_num(a, O_MOE_SKEW);
    cli_dtypes(a, &c.wdt, &c.adt, &c.kvdt);
    cli_plan(a, &c.plan);
    npu_engine eng;
    if (cli_engine(a, &eng)) return cli_fail();
    c.engine = &eng;
    bool json = cli_has(a, O_JSON), csv = cli_has(a, O_CSV);
    if (json && csv) {
        npu_err("give one of --json and --csv");
        return cli_fail();
    }
    npu_model m;
    npu_hw hw;
    if (npu_model_load(cli_str(a, O_MODEL), &m) || npu_hw_load(cli_str(a, O_HW), &hw)) return cli_fail();
    npu_run_result *r = malloc(sizeof *r);
    if (!r || npu_run(&m, &hw, &c, r)) {
        free(r);
        return cli_fail();
    }
    /* tokens the run produces: generated (decode, e2e, offline) or prompt tokens (prefill), by one replica */
    cJSON *tco = NULL;
    if (cli_tco(a, &hw, r->power_w, r->chips, r->tokens_per_s, c.phase == NPU_RUN_PREFILL ? "prompt" : "output",
                &tco)) {
        free(r);
        return cli_fail();
    }
    if (cli_has(a, O_HTML)) { /* the HTML report of the --json object (npu_html) */
        cJSON *j = npu_report_run_json(&m, &hw, &c, r);
        int bad = cli_write_html(cli_str(a, O_HTML), j);
        cJSON_Delete(j);
        if (bad) {
            cJSON_Delete(tco);
            free(r);
            return cli_fail();
        }
    }
    if (json) {
        cJSON *j = npu_report_run_json(&m, &hw, &c, r);
        if (tco) cJSON_AddItemToObject(j, "tco", tco);
        npu_report_print_json(stdout, j);
    } else {
        if (csv) npu_report_run_csv(stdout, r);
        else npu_report_run_table(stdout, &m, &hw, &c, r);
        if (tco && !csv) cli_print_tco(stdout, tco);
        cJSON_Delete(tco);
    }
    free(r);
    return 0;
}

static const cli_use run_opts[] = {
    {O_MODEL, CLI_REQ}, {O_HW, CLI_REQ},
    {O_PHASE, CLI_REQ, .note = "one prompt pass, one decode step, a whole batch, or an in-flight engine's steady state"},
    {O_BATCH, .note = "required except with --phase offline, where the default is what fits"},
    {O_SEQ, .note = "--phase prefill"}, {O_CTX, .note = "--phase decode"},
    {O_INPUT, .note = "--phase e2e and offline"}, {O_OUTPUT, .note = "--phase e2e and offline"},
    {O_STACK}, CLI_USE_DTYPES, CLI_USE_PLAN, {O_MOE_SKEW},
    {O_ENGINE, .note = "--phase offline"}, {O_JSON}, {O_CSV}, CLI_USE_TCO, {O_HTML},
};
const cli_cmd cli_cmd_run = {
    "run", NULL, 0, 0, "time a prefill, a decode step, a batch end to end, or the offline steady state",
    "Prints the latency, throughput, power and memory plan, with a per-kernel breakdown of what bounds\n"
    "each kernel (compute, memory or overhead); --json for scripts (always with latency_ms and\n"
    "tokens_per_s), --csv for the per-kernel list. Parallel plans: docs/scale-out.md.",
    run_opts, (int)NPU_ARRAY_LEN(run_opts), cmd_run};

/* ---- op gemm | attention | copy ---- */

static int print_op(const cli_args *a, const npu_hw *hw, const npu_kernel *k) {
    npu_kcost c = npu_power_op(hw, k);
    if (cli_has(a, O_JSON)) npu_report_print_json(stdout, npu_report_op_json(hw, k, &c));
    else npu_report_op_table(stdout, hw, k, &c);
    return 0;
}

static int cmd_op_gemm(const cli_args *a) {
    npu_dtype w = (npu_dtype)cli_int(a, O_DTYPE);
    npu_dtype act = act_dtype(a, w);
    npu_hw hw;
    if (npu_hw_load(cli_str(a, O_HW), &hw)) return cli_fail();
    npu_kernel k = npu_kernel_gemm("gemm", (long)cli_int(a, O_M), (long)cli_int(a, O_N), (long)cli_int(a, O_K), w, act);
    return print_op(a, &hw, &k);
}

static int cmd_op_attention(const cli_args *a) {
    int B = (int)cli_int(a, O_BATCH), H = (int)cli_int(a, O_HEADS), D = (int)cli_int(a, O_HEAD_DIM);
    int KV = cli_has(a, O_KV_HEADS) ? (int)cli_int(a, O_KV_HEADS) : H;
    long S = (long)cli_int(a, O_SEQ), L = (long)cli_int(a, O_CTX);
    bool prefill = cli_int(a, O_PHASE) == NPU_RUN_PREFILL;
    if (prefill ? !cli_has(a, O_SEQ) : !cli_has(a, O_CTX)) {
        npu_err("op attention --phase %s needs %s", prefill ? "prefill" : "decode", prefill ? "--seq" : "--ctx");
        return cli_fail();
    }
    if (H % KV) {
        npu_err("--heads (%d) must be a multiple of --kv-heads (%d)", H, KV);
        return cli_fail();
    }
    npu_dtype kv = cli_has(a, O_KV_DTYPE) ? (npu_dtype)cli_int(a, O_KV_DTYPE) : NPU_BF16;
    npu_hw hw;
    if (npu_hw_load(cli_str(a, O_HW), &hw)) return cli_fail();
    npu_kernel k = prefill ? npu_kernel_attention(B, H, KV, D, S, S, true, NPU_BF16, kv)
                           : npu_kernel_attention(B, H, KV, D, 1, L, false, NPU_BF16, kv);
    return print_op(a, &hw, &k);
}

static int cmd_op_copy(const cli_args *a) {
    npu_hw hw;
    if (npu_hw_load(cli_str(a, O_HW), &hw)) return cli_fail();
    npu_kernel k = npu_kernel_memory("copy", NPU_KK_MEMORY, cli_num(a, O_BYTES), 0);
    return print_op(a, &hw, &k);
}

static const cli_use gemm_opts[] = {
    {O_HW, CLI_REQ}, {O_M, CLI_REQ}, {O_N, CLI_REQ}, {O_K, CLI_REQ}, {O_DTYPE}, {O_ACT_DTYPE}, {O_JSON},
};
const cli_cmd cli_cmd_op_gemm = {
    "op gemm", NULL, 0, 0, "time one GEMM (M x K times K x N)", NULL, gemm_opts, (int)NPU_ARRAY_LEN(gemm_opts),
    cmd_op_gemm};

static const cli_use attn_opts[] = {
    {O_HW, CLI_REQ}, {O_PHASE, CLI_REQ, .mask = 1u << NPU_RUN_PREFILL | 1u << NPU_RUN_DECODE},
    {O_BATCH, CLI_REQ}, {O_HEADS, CLI_REQ}, {O_KV_HEADS}, {O_HEAD_DIM},
    {O_SEQ, .note = "prefill: required"}, {O_CTX, .note = "decode: required"},
    {O_KV_DTYPE, .note = "default bf16"}, {O_JSON},
};
const cli_cmd cli_cmd_op_attention = {
    "op attention", NULL, 0, 0, "time one attention kernel (flash attention, causal prefill or decode)",
    "Queries and the softmax run in bf16; --kv-dtype is the type of the cached keys and values.",
    attn_opts, (int)NPU_ARRAY_LEN(attn_opts), cmd_op_attention};

static const cli_use copy_opts[] = {{O_HW, CLI_REQ}, {O_BYTES, CLI_REQ, .note = "bytes read (and as many written)"}, {O_JSON}};
const cli_cmd cli_cmd_op_copy = {
    "op copy", NULL, 0, 0, "time one device-memory copy", NULL, copy_opts, (int)NPU_ARRAY_LEN(copy_opts),
    cmd_op_copy};

/* ---- list, show ---- */

static void list_models(void) {
    printf("%-18s %6s %7s %6s %4s %7s %8s %10s\n", "model", "layers", "hidden", "heads", "kv", "ffn", "vocab", "params");
    for (int i = 0; i < npu_model_preset_count(); i++) {
        npu_model m;
        if (npu_model_load(npu_model_preset_name(i), &m)) continue; /* presets load (tests/golden.sh) */
        printf("%-18s %6d %7d %6d %4d %7d %8d %9.2fB%s\n", m.name, m.layers, m.hidden, m.heads, m.kv_heads,
               m.moe.experts ? m.moe.expert_ffn : m.ffn, m.vocab, npu_model_params(&m, false) / 1e9,
               m.moe.experts ? " (MoE)" : "");
    }
}

static void list_hw(void) {
    printf("%-20s %10s %10s %10s %9s %8s %6s  %s\n", "hw", "bf16 TF", "fp8 TF", "int8 TOPS", "mem GB/s", "mem GiB",
           "TDP W", "description");
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        npu_hw h;
        if (npu_hw_load(npu_hw_preset_name(i), &h)) continue;
        printf("%-20s %10.1f %10.1f %10.1f %9.0f %8.1f %6.0f  %s\n", h.name, npu_hw_peak_flops(&h, NPU_BF16) / 1e12,
               npu_hw_peak_flops(&h, NPU_FP8) / 1e12, npu_hw_peak_flops(&h, NPU_INT8) / 1e12, h.mem_bw_Bps / 1e9,
               h.mem_bytes / CLI_GIB, h.tdp_w, h.description);
    }
}

static void list_memory(void) {
    printf("%-28s %-7s %-10s %8s %8s %9s %10s %8s\n", "memory", "type", "vendor", "Gb/s/pin", "bus bits", "die Gbit",
           "GB/s/stack", "pJ/bit");
    for (int i = 0; i < npu_memtech_count(); i++) {
        const npu_memtech *t = npu_memtech_at(i);
        printf("%-28s %-7s %-10s %8.2f %8d %9.0f %10.1f %8.2f  heights", t->name, t->type, t->vendor, t->pin_gbps,
               t->bus_bits, t->die_gbit, npu_memtech_bandwidth_Bps(t, 1, 0) / 1e9, t->pj_per_bit);
        for (int j = 0; j < t->n_heights; j++) printf("%s%d", j ? "/" : " ", t->heights[j]);
        putchar('\n');
    }
}

static int cmd_list(const cli_args *a) {
    static const char *const what[] = {"models", "hw", "memory", "process"};
    int w = cli_pick(a->pos[0], what, 4, "list");
    if (w < 0) return cli_fail();
    if (w == 0) list_models();
    else if (w == 1) list_hw();
    else if (w == 2) list_memory();
    else return cmd_list_process();
    return 0;
}

const cli_cmd cli_cmd_list = {
    "list", "models|hw|memory|process", 1, 1, "list the presets: models, chips, memory technologies, processes",
    "Memory capacities are in GiB (2^30 bytes), bandwidths in GB/s (1e9 bytes/s).", NULL, 0, cmd_list};

static int cmd_show(const cli_args *a) {
    static const char *const what[] = {"model", "hw"};
    int w = cli_pick(a->pos[0], what, 2, "show");
    if (w < 0) return cli_fail();
    cJSON *j;
    if (w == 0) {
        npu_model m;
        if (npu_model_load(a->pos[1], &m)) return cli_fail();
        j = npu_model_to_json(&m);
    } else {
        npu_hw h;
        if (npu_hw_load(a->pos[1], &h)) return cli_fail();
        j = npu_hw_to_json(&h);
    }
    npu_report_print_json(stdout, j);
    return 0;
}

const cli_cmd cli_cmd_show = {
    "show", "model|hw NAME|FILE", 2, 2, "print a model or chip description as JSON (edit it, then --hw FILE)", NULL,
    NULL, 0, cmd_show};

/* ---- dispatch ---- */

const char *cli_version(void) {
    static char v[128];
    if (!v[0])
        snprintf(v, sizeof v, "%s%s%s%s", NPUSIM_VERSION, NPUSIM_GIT[0] ? " (git " : "", NPUSIM_GIT,
                 NPUSIM_GIT[0] ? ")" : "");
    return v;
}

static void print_version(void) { printf("npusim %s\n", cli_version()); }

int cli_argc;
char **cli_argv;

/* The command named by argv[0] (and argv[1] after "op"); *used = words taken.
 * NULL + npu_err when there is none. */
static const cli_cmd *find_command(int argc, char **argv, int *used) {
    static const char *const names[] = {"run", "plan", "serve", "cost", "op", "list", "show", "validate", "calibrate", "report"};
    *used = 1;
    if (strcmp(argv[0], "op") != 0) {
        const cli_cmd *c = cli_cmd_find(argv[0]);
        if (!c) cli_pick(argv[0], names, (int)NPU_ARRAY_LEN(names), "command");
        return c;
    }
    static const char *const ops[] = {"gemm", "attention", "copy", "allreduce", "allgather", "reducescatter", "alltoall"};
    if (argc < 2 || argv[1][0] == '-') {
        npu_err("op needs a kind: gemm, attention, copy, allreduce, allgather, reducescatter or alltoall");
        return NULL;
    }
    int k = cli_pick(argv[1], ops, (int)NPU_ARRAY_LEN(ops), "op");
    if (k < 0) return NULL;
    char name[32];
    snprintf(name, sizeof name, "op %s", ops[k]);
    *used = 2;
    return cli_cmd_find(name);
}

static void help_op(FILE *out) {
    fputs("usage: npusim op KIND [options]     (npusim help op KIND)\n\nkinds:\n", out);
    for (int i = 0; i < cli_n_cmds; i++)
        if (strncmp(cli_cmds[i]->name, "op ", 3) == 0) fprintf(out, "  %-14s %s\n", cli_cmds[i]->name + 3, cli_cmds[i]->summary);
}

static int help(int argc, char **argv) {
    if (argc == 0) {
        cli_help_commands(stdout);
        return 0;
    }
    if (strcmp(argv[0], "op") == 0 && argc == 1) {
        help_op(stdout);
        return 0;
    }
    int used;
    const cli_cmd *c = find_command(argc, argv, &used);
    if (!c) return cli_fail();
    if (argc > used) {
        npu_err("help takes a command: npusim help %s", c->name);
        return cli_fail();
    }
    cli_help(stdout, c);
    return 0;
}

int cli_main(int argc, char **argv) {
    cli_argc = argc, cli_argv = argv;
    if (argc < 2) {
        cli_help_commands(stderr);
        return 2;
    }
    const char *a1 = argv[1];
    if (strcmp(a1, "--help") == 0 || strcmp(a1, "-h") == 0 || strcmp(a1, "help") == 0) return help(argc - 2, argv + 2);
    if (strcmp(a1, "--version") == 0 || strcmp(a1, "version") == 0) {
        if (argc > 2) {
            npu_err("%s takes no arguments", a1);
            return cli_fail();
        }
        print_version();
        return 0;
    }
    if (strcmp(a1, "op") == 0 && argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        help_op(stdout);
        return 0;
    }
    int used;
    const cli_cmd *c = find_command(argc - 1, argv + 1, &used);
    if (!c) return cli_fail();
    cli_args *a = malloc(sizeof *a);
    if (!a) {
        npu_err("out of memory");
        return cli_fail();
    }
    int rc = cli_args_parse(c, argc - 1 - used, argv + 1 + used, a);
    if (rc == 1) cli_help(stdout, c);
    rc = rc == 1 ? 0 : rc < 0 ? cli_fail() : c->run(a);
    free(a);
    return rc;
}
