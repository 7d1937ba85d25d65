/* cmds — the command table of npusim, the helpers commands share, and the
 * small commands: run, op gemm|attention|copy, list, show. Each command reads
 * its parsed options, calls the model and writes a table (default), JSON
 * (--json) or CSV (--csv) into o->f; errors are -1 + npu_err. The dispatch,
 * help and printing of the npusim program are client.c. */
#include "args.h"
#include "cmds.h"
#include "cli_sets.h" /* --set (issue 13) */
#include "npu_all.h"
#include "npu_json.h"
#include "version.h" /* build/gen: NPUSIM_VERSION, NPUSIM_GIT (Makefile) */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cli_cmd *const cli_cmds[] = {
    &cli_cmd_run,          &cli_cmd_plan,          &cli_cmd_serve,         &cli_cmd_cost,
    &cli_cmd_op_gemm,      &cli_cmd_op_attention,  &cli_cmd_op_copy,       &cli_cmd_op_allreduce,
    &cli_cmd_op_allgather, &cli_cmd_op_reducescatter, &cli_cmd_op_alltoall, &cli_cmd_list,
    &cli_cmd_show,         &cli_cmd_validate,      &cli_cmd_calibrate,     &cli_cmd_report,
    &cli_cmd_quant,        &cli_cmd_sweep,
};
const int cli_n_cmds = (int)NPU_ARRAY_LEN(cli_cmds);

const cli_cmd *cli_cmd_find(const char *name) {
    for (int i = 0; i < cli_n_cmds; i++)
        if (strcmp(cli_cmds[i]->name, name) == 0) return cli_cmds[i];
    return NULL;
}

const char *cli_version(void) {
    return NPUSIM_GIT[0] ? NPUSIM_VERSION " (git " NPUSIM_GIT ")" : NPUSIM_VERSION;
}

const char *cli_s(long n) { return n == 1 ? "" : "s"; }

int cli_pick(const char *s, const char *const *names, int n, const char *what) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    char q[80], list[400];
    const char *c = npu_closest(s, names, (size_t)n);
    if (c) {
        npu_err("unknown %s '%s' (did you mean '%s'?)", what, cli_quote(s, q, sizeof q), c);
        return -1;
    }
    size_t o = 0; /* nothing close: name them all */
    for (int i = 0; i < n && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", names[i]);
    npu_err("unknown %s '%s' (one of: %s)", what, cli_quote(s, q, sizeof q), list);
    return -1;
}

/* --act-dtype: as given, else the recipe of the weights' format (npu_fmt.act: fp8 and
 * int8 run W8A8, int4 weight-only W4A16, mxfp4/nvfp4 W4A4, GGUF fp16) */
static npu_dtype act_dtype(const cli_args *a, npu_dtype w) {
    return cli_has(a, O_ACT_DTYPE) ? (npu_dtype)cli_int(a, O_ACT_DTYPE) : npu_dtype_fmt(w)->act;
}

void cli_dtypes(const cli_args *a, npu_dtype *w, npu_dtype *act, npu_dtype *kv) {
    *w = (npu_dtype)cli_int(a, O_DTYPE);
    *act = act_dtype(a, *w);
    *kv = cli_has(a, O_KV_DTYPE) ? (npu_dtype)cli_int(a, O_KV_DTYPE) : npu_dtype_fmt(*w)->kv;
}

void cli_head_emb(const cli_args *a, npu_dtype_opt *head, npu_dtype_opt *emb) {
    *head = (npu_dtype_opt){cli_has(a, O_LM_HEAD_DTYPE), (npu_dtype)cli_int(a, O_LM_HEAD_DTYPE)};
    *emb = (npu_dtype_opt){cli_has(a, O_EMB_DTYPE), (npu_dtype)cli_int(a, O_EMB_DTYPE)};
}

void cli_plan(const cli_args *a, npu_plan *p) {
    *p = (npu_plan){(int)cli_int(a, O_TP), (int)cli_int(a, O_PP), (int)cli_int(a, O_EP), (int)cli_int(a, O_DP),
                    (int)cli_int(a, O_CP)};
}

int cli_engine(const cli_args *a, const npu_hw *hw, npu_engine *e) {
    if (a->engine_obj) {
        *e = *a->engine_obj;
        return cli_sets_apply_engine(a, hw, e); /* --set engine... (issue 13) */
    }
    const char *name = cli_str(a, O_ENGINE);
    if (strcmp(name, NPU_ENGINE_AUTO) == 0) name = npu_engine_default_for(hw);
    if (npu_engine_load(name, e)) {
        char m[300];
        npu_strlcpy(m, npu_errmsg(), sizeof m);
        npu_err("option '--engine': %s", m);
        return -1;
    }
    return cli_sets_apply_engine(a, hw, e); /* --set engine... (issue 13) */
}

/* JSON text of a request's inline description ({...}); *json = NULL when `s` is a name or path. */
static int inline_json(const char *s, const char *what, cJSON **json) {
    *json = NULL;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    if (*s != '{') return 0;
    *json = npu_json_parse(s, what);
    return *json ? 0 : -1;
}

/* --max-seq: the engine built for that many tokens per sequence, beyond the
 * model's trained context window (the model's max_seq is what check_cfg holds
 * a run to). */
static int max_seq_override(const cli_args *a, npu_model *m) {
    if (!a->declared[O_MAX_SEQ] || !cli_has(a, O_MAX_SEQ)) return 0; /* the commands that take it */
    long n = (long)cli_int(a, O_MAX_SEQ);
    if (m->pos == NPU_POS_LEARNED && n > m->max_seq) { /* a table of max_seq position rows: nothing to extrapolate */
        npu_err("--max-seq %ld: %s has learned position embeddings for %d positions only", n, m->name, m->max_seq);
        return -1;
    }
    m->max_seq = (int)n;
    return 0;
}

int cli_load_model(const cli_args *a, npu_model *m) {
    if (a->model_obj) {
        *m = *a->model_obj;
        return max_seq_override(a, m);
    }
    cJSON *j;
    const char *s = cli_str(a, O_MODEL);
    if (inline_json(s, "model (JSON text)", &j)) return -1;
    if (!j) return npu_model_load(s, m) ? -1 : max_seq_override(a, m);
    int rc = npu_model_from_json(j, "model (JSON text)", m);
    cJSON_Delete(j);
    return rc ? rc : max_seq_override(a, m);
}

int cli_load_hw(const cli_args *a, cli_id id, npu_hw *hw) {
    if (id == O_HW && a->hw_obj) {
        *hw = *a->hw_obj;
        return 0;
    }
    cJSON *j;
    const char *s = cli_str(a, id), *what = id == O_HW ? "hw (JSON text)" : "prefill_hw (JSON text)";
    if (inline_json(s, what, &j)) return -1;
    if (!j) return npu_hw_load(s, hw);
    int rc = npu_hw_from_json(j, what, hw);
    cJSON_Delete(j);
    return rc;
}

/* ---- run ---- */

static int cmd_run(const cli_args *a, cli_out *o) {
    npu_run_cfg c = {0};
    c.phase = (npu_run_phase)cli_int(a, O_PHASE);
    c.stack = (npu_stack)cli_int(a, O_STACK);
    c.batch = (int)cli_int(a, O_BATCH); /* absent: 0, which the library reads as "what fits" for offline */
    c.seq = (long)cli_int(a, O_SEQ), c.ctx = (long)cli_int(a, O_CTX);
    c.input = (long)cli_int(a, O_INPUT), c.output = (long)cli_int(a, O_OUTPUT);
    c.moe_skew = cli_num(a, O_MOE_SKEW);
    cli_dtypes(a, &c.wdt, &c.adt, &c.kvdt);
    cli_head_emb(a, &c.hdt, &c.edt);
    cli_plan(a, &c.plan);
    npu_spec spec;
    if (cli_spec(a, &spec)) return -1;
    bool json = cli_has(a, O_JSON), csv = cli_has(a, O_CSV);
    npu_model m;
    npu_hw hw;
    if (cli_load_model(a, &m) || cli_load_hw(a, O_HW, &hw) || cli_sets_apply(a, &hw, &m, true)) return -1;
    npu_engine eng;
    if (cli_engine(a, &hw, &eng)) return -1;
    c.engine = &eng;
    npu_run_result *r = malloc(sizeof *r);
    if (!r || npu_spec_run(&m, &hw, &c, &spec, r)) {
        if (!r) npu_err("out of memory");
        free(r);
        return -1;
    }
    /* tokens the run produces: generated (decode, e2e, offline) or prompt tokens (prefill), by one replica */
    cJSON *tco = NULL;
    if (cli_tco(a, &hw, r->power_w, r->chips, r->tokens_per_s, c.phase == NPU_RUN_PREFILL ? "prompt" : "output",
                &tco)) {
        free(r);
        return -1;
    }
    if (cli_has(a, O_HTML)) { /* the HTML report of the --json object (npu_html) */
        cJSON *j = npu_report_run_json(&m, &hw, &c, r);
        int bad = cli_write_html(cli_str(a, O_HTML), j, a);
        cJSON_Delete(j);
        if (bad) {
            cJSON_Delete(tco);
            free(r);
            return -1;
        }
    }
    if (json) {
        cJSON *j = npu_report_run_json(&m, &hw, &c, r);
        if (spec.kind != NPU_SPEC_NONE) { /* speculative decoding (npu_spec_run): what the figures assume */
            cJSON *sp = cJSON_AddObjectToObject(j, "spec");
            cJSON_AddStringToObject(sp, "kind", npu_spec_kind_names[spec.kind]);
            cJSON_AddNumberToObject(sp, "draft_tokens", spec.n);
            cJSON_AddNumberToObject(sp, "tokens_per_step", npu_spec_tokens_per_step(&spec));
        }
        if (tco) cJSON_AddItemToObject(j, "tco", tco);
        npu_report_print_json(o->f, j);
    } else {
        if (csv) npu_report_run_csv(o->f, r);
        else npu_report_run_table(o->f, &m, &hw, &c, r);
        if (spec.kind != NPU_SPEC_NONE && !csv)
            fprintf(o->f, "speculative decoding: %s, %d draft tokens, %.3f tokens per step per sequence\n",
                    npu_spec_kind_names[spec.kind], spec.n, npu_spec_tokens_per_step(&spec));
        if (tco && !csv) cli_print_tco(o->f, tco);
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
    {O_MAX_SEQ, .note = "default: the model's context window"},
    {O_STACK}, CLI_USE_DTYPES, CLI_USE_PLAN, {O_MOE_SKEW},
    {O_ENGINE, .note = "every phase"}, {O_SPEC}, {O_SPEC_ACCEPT, .note = "with --spec"}, {O_JSON}, {O_CSV},
    CLI_USE_TCO, {O_HTML}, {O_SET},
};
const cli_cmd cli_cmd_run = {
    "run", NULL, 0, 0, "time a prefill, a decode step, a batch end to end, or the offline steady state",
    "Prints the latency, throughput, power and memory plan, with a per-kernel breakdown of what bounds\n"
    "each kernel (compute, memory or overhead); --json for scripts (always with latency_ms and\n"
    "tokens_per_s), --csv for the per-kernel list. Parallel plans: docs/scale-out.md.",
    run_opts, (int)NPU_ARRAY_LEN(run_opts), cmd_run};

/* ---- op gemm | attention | copy ---- */

static int print_op(const cli_args *a, cli_out *o, const npu_hw *hw, const npu_kernel *k) {
    npu_kcost c = npu_power_op(hw, k);
    if (cli_has(a, O_JSON)) npu_report_print_json(o->f, npu_report_op_json(hw, k, &c));
    else npu_report_op_table(o->f, hw, k, &c);
    return 0;
}

static int cmd_op_gemm(const cli_args *a, cli_out *o) {
    npu_dtype w = (npu_dtype)cli_int(a, O_DTYPE);
    npu_dtype act = act_dtype(a, w);
    npu_hw hw;
    if (cli_load_hw(a, O_HW, &hw)) return -1;
    npu_kernel k = npu_kernel_gemm("gemm", (long)cli_int(a, O_M), (long)cli_int(a, O_N), (long)cli_int(a, O_K), w, act);
    return print_op(a, o, &hw, &k);
}

static int cmd_op_attention(const cli_args *a, cli_out *o) {
    int B = (int)cli_int(a, O_BATCH), H = (int)cli_int(a, O_HEADS), D = (int)cli_int(a, O_HEAD_DIM);
    int KV = cli_has(a, O_KV_HEADS) ? (int)cli_int(a, O_KV_HEADS) : H;
    long S = (long)cli_int(a, O_SEQ), L = (long)cli_int(a, O_CTX);
    bool prefill = cli_int(a, O_PHASE) == NPU_RUN_PREFILL;
    if (prefill ? !cli_has(a, O_SEQ) : !cli_has(a, O_CTX)) {
        npu_err("op attention --phase %s needs %s", prefill ? "prefill" : "decode", prefill ? "--seq" : "--ctx");
        return -1;
    }
    if (H % KV) {
        npu_err("--heads (%d) must be a multiple of --kv-heads (%d)", H, KV);
        return -1;
    }
    npu_dtype kv = cli_has(a, O_KV_DTYPE) ? (npu_dtype)cli_int(a, O_KV_DTYPE) : NPU_BF16;
    npu_hw hw;
    if (cli_load_hw(a, O_HW, &hw)) return -1;
    npu_kernel k = prefill ? npu_kernel_attention(B, H, KV, D, S, S, true, NPU_BF16, kv)
                           : npu_kernel_attention(B, H, KV, D, 1, L, false, NPU_BF16, kv);
    return print_op(a, o, &hw, &k);
}

static int cmd_op_copy(const cli_args *a, cli_out *o) {
    npu_hw hw;
    if (cli_load_hw(a, O_HW, &hw)) return -1;
    double moved = cli_num(a, O_BYTES); /* read + written: the source and the destination are each half */
    if (moved > hw.mem_bytes) {
        npu_err("op copy: --bytes %.4g GiB (a %.4g GiB buffer and its copy) exceed %s's %.4g GiB",
                moved / 1073741824.0, moved / 2147483648.0, hw.name, hw.mem_bytes / 1073741824.0);
        return -1;
    }
    npu_kernel k = npu_kernel_memory("copy", NPU_KK_MEMORY, moved, 0);
    return print_op(a, o, &hw, &k);
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

static const cli_use copy_opts[] = {{O_HW, CLI_REQ}, {O_BYTES, CLI_REQ, .note = "bytes moved, read + written (a B-byte buffer copied moves 2B; nvbandwidth's bytes_moved)"}, {O_JSON}};
const cli_cmd cli_cmd_op_copy = {
    "op copy", NULL, 0, 0, "time one device-memory copy", NULL, copy_opts, (int)NPU_ARRAY_LEN(copy_opts),
    cmd_op_copy};

/* ---- list, show ---- */

static void list_models(FILE *out) {
    fprintf(out, "%-18s %6s %7s %6s %4s %7s %8s %10s %10s\n", "model", "layers", "hidden", "heads", "kv", "ffn",
            "vocab", "params", "active");
    for (int i = 0; i < npu_model_preset_count(); i++) {
        npu_model m;
        if (npu_model_load(npu_model_preset_name(i), &m)) continue; /* presets load (tests/golden.sh) */
        fprintf(out, "%-18s %6d %7d %6d %4d %7d %8d %9.2fB %9.2fB%s\n", m.name, m.layers, m.hidden, m.heads,
                m.kv_heads, m.moe.experts ? m.moe.expert_ffn : m.ffn, m.vocab, npu_model_params(&m, false) / 1e9,
                npu_model_params(&m, true) / 1e9, m.moe.experts ? " (MoE)" : "");
    }
}

static void list_hw(FILE *out) {
    fprintf(out, "%-20s %10s %10s %10s %9s %8s %6s  %s\n", "hw", "bf16 TF", "fp8 TF", "int8 TOPS", "mem GB/s",
            "mem GiB", "TDP W", "description");
    for (int i = 0; i < npu_hw_preset_count(); i++) {
        npu_hw h;
        if (npu_hw_load(npu_hw_preset_name(i), &h)) continue;
        fprintf(out, "%-20s %10.1f %10.1f %10.1f %9.0f %8.1f %6.0f  %s\n", h.name,
                npu_hw_peak_flops(&h, NPU_BF16) / 1e12, npu_hw_peak_flops(&h, NPU_FP8) / 1e12,
                npu_hw_peak_flops(&h, NPU_INT8) / 1e12, h.mem_bw_Bps / 1e9, h.mem_bytes / CLI_GIB, h.tdp_w,
                h.description);
    }
}

static void list_memory(FILE *out) {
    fprintf(out, "%-28s %-7s %-10s %8s %8s %9s %10s %8s\n", "memory", "type", "vendor", "Gb/s/pin", "bus bits",
            "die Gbit", "GB/s/stack", "pJ/bit");
    for (int i = 0; i < npu_memtech_count(); i++) {
        const npu_memtech *t = npu_memtech_at(i);
        fprintf(out, "%-28s %-7s %-10s %8.2f %8d %9.0f %10.1f %8.2f  heights", t->name, t->type, t->vendor,
                t->pin_gbps, t->bus_bits, t->die_gbit, npu_memtech_bandwidth_Bps(t, 1, 0) / 1e9, t->pj_per_bit);
        for (int j = 0; j < t->n_heights; j++) fprintf(out, "%s%d", j ? "/" : " ", t->heights[j]);
        fputc('\n', out);
    }
}

/* Names in version order: "trtllm-0.5" before "trtllm-0.13" (digit runs compare as numbers). */
static int version_cmp(const void *pa, const void *pb) {
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            char *ea, *eb;
            unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
            if (x != y) return x < y ? -1 : 1;
            a = ea, b = eb;
        } else {
            if (*a != *b) return (unsigned char)*a - (unsigned char)*b;
            a++, b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* Engine profiles: releases with their key mechanisms, then the aliases. */
static int list_engines(FILE *out) {
    fprintf(out, "%-22s %-34s %-14s %-15s %-10s %-15s %8s %8s  %s\n", "engine", "product", "releases", "decode GQA",
           "graphs", "host overlap", "step us", "seq us", "scheduler");
    int n_names = npu_engine_preset_count();
    const char **names = malloc((size_t)(n_names > 0 ? n_names : 1) * sizeof *names);
    if (!names) {
        npu_err("out of memory");
        return -1;
    }
    for (int i = 0; i < n_names; i++) names[i] = npu_engine_preset_name(i);
    qsort(names, (size_t)n_names, sizeof *names, version_cmp);
    for (int i = 0; i < n_names; i++) {
        const char *n = names[i];
        if (npu_engine_alias_target(n)) continue;
        npu_engine e;
        if (npu_engine_load(n, &e)) { /* presets load (tests/golden_engine.sh) */
            free(names);
            return -1;
        }
        fprintf(out, "%-22s %-34.34s %-14.14s %-15s %-10s %-15s %8.0f %8.1f  %s\n", e.name, e.product, e.releases,
               npu_engine_gqa_names[e.gqa], npu_engine_graphs_names[e.graphs], npu_engine_overlap_names[e.overlap],
               e.step_us, e.seq_us, npu_engine_policy_names[e.sched.policy]);
    }
    fprintf(out, "\naliases (the newest modelled release):");
    for (int i = 0; i < n_names; i++) {
        const char *t = npu_engine_alias_target(names[i]);
        if (t) fprintf(out, " %s=%s", names[i], t);
    }
    free(names);
    fprintf(out, "\ndefault: auto, the chip's usual engine (%s on NVIDIA; npusim help run); npusim show engine NAME "
                 "prints a profile with every source\n", NPU_ENGINE_DEFAULT);
    return 0;
}

static int cmd_list(const cli_args *a, cli_out *o) {
    static const char *const what[] = {"models", "hw", "memory", "process", "engines"};
    int w = cli_pick(a->pos[0], what, 5, "list");
    if (w < 0) return -1;
    if (w == 0) list_models(o->f);
    else if (w == 1) list_hw(o->f);
    else if (w == 2) list_memory(o->f);
    else if (w == 4) return list_engines(o->f);
    else return cmd_list_process(o->f);
    return 0;
}

const cli_cmd cli_cmd_list = {
    "list", "models|hw|memory|process|engines", 1, 1,
    "list the presets: models, chips, memory technologies, processes, serving engines",
    "Memory capacities are in GiB (2^30 bytes), bandwidths in GB/s (1e9 bytes/s).", NULL, 0, cmd_list};

/* A memory technology as the table holds it, with its type's row (informational:
 * hw.memory.technology names one; there is no file form). */
static cJSON *memtech_json(const npu_memtech *t) {
    cJSON *j = cJSON_CreateObject(), *h = cJSON_CreateArray();
    const npu_memtype *k = npu_memtech_type(t);
    cJSON_AddStringToObject(j, "name", t->name);
    cJSON_AddStringToObject(j, "type", t->type);
    cJSON_AddStringToObject(j, "vendor", t->vendor);
    cJSON_AddNumberToObject(j, "pin_gbps", t->pin_gbps);
    cJSON_AddNumberToObject(j, "bus_bits", t->bus_bits);
    cJSON_AddNumberToObject(j, "die_gbit", t->die_gbit);
    for (int i = 0; i < t->n_heights; i++) cJSON_AddItemToArray(h, cJSON_CreateNumber(t->heights[i]));
    cJSON_AddItemToObject(j, "heights", h);
    cJSON_AddNumberToObject(j, "gb_per_s_per_stack", npu_memtech_bandwidth_Bps(t, 1, 0) / 1e9);
    cJSON_AddNumberToObject(j, "pj_per_bit", npu_memtech_device_pj(t));
    if (k) {
        cJSON *ty = cJSON_AddObjectToObject(j, "type_row");
        cJSON_AddNumberToObject(ty, "pin_gbps_min", k->pin_gbps_min);
        cJSON_AddNumberToObject(ty, "pin_gbps_max", k->pin_gbps_max);
        cJSON_AddNumberToObject(ty, "usd_per_gb", k->usd_per_gb);
        cJSON_AddStringToObject(ty, "source", k->source);
    }
    cJSON_AddStringToObject(j, "source", t->source);
    return j;
}

static int cmd_show(const cli_args *a, cli_out *o) {
    static const char *const what[] = {"model", "hw", "engine", "memory", "process"};
    int w = cli_pick(a->pos[0], what, 5, "show");
    if (w < 0) return -1;
    cJSON *j;
    if (w == 3) {
        const npu_memtech *t = npu_memtech_find(a->pos[1]); /* sets the error with the closest name */
        if (!t) return -1;
        j = memtech_json(t);
    } else if (w == 4) {
        npu_process p;
        if (npu_process_load(a->pos[1], &p) || !(j = npu_process_to_json(&p))) return -1;
    } else if (w == 2) {
        npu_engine e; /* validates the whole profile */
        if (npu_engine_load(a->pos[1], &e) || !(j = npu_engine_profile_json(a->pos[1]))) return -1;
    } else if (w == 0) {
        npu_model m;
        if (npu_model_load(a->pos[1], &m)) return -1;
        j = npu_model_to_json(&m);
    } else {
        npu_hw h;
        if (npu_hw_load(a->pos[1], &h)) return -1;
        j = npu_hw_to_json(&h);
    }
    npu_report_print_json(o->f, j);
    return 0;
}

const cli_cmd cli_cmd_show = {
    "show", "model|hw|engine|memory|process NAME|FILE", 2, 2,
    "print a model, chip, engine, memory technology or process as JSON (edit it, then --hw FILE, --engine FILE, --process FILE)",
    "An engine profile is printed resolved through its base, every field with its source and tag\n"
    "and the profile that set it (\"from\"). A memory technology is printed as the table holds it\n"
    "(hw.memory.technology takes its name); a process in the form cost --process FILE reads.",
    NULL, 0, cmd_show, .json_only = true};
