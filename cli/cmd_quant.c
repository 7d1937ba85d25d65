/* cmd_quant — `npusim quant`: what each quantization format buys a model on a chip
 * (npu_quantcmp; docs/quantization.md "Lightweighting"). */
#include "args.h"
#include "cmds.h"

#include <stdio.h>
#include <string.h>

#define FMT_MAX NPU_FMT_COUNT

/* --formats a,b,c into fs[]; -1 + npu_err naming the bad one. */
static int read_formats(const char *s, npu_dtype *fs, int *n) {
    *n = 0;
    char buf[512];
    if (strlen(s) >= sizeof buf) {
        npu_err("option '--formats': list longer than %zu characters", sizeof buf - 1);
        return -1;
    }
    npu_strlcpy(buf, s, sizeof buf);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        npu_dtype d;
        if (npu_dtype_parse(t, &d)) {
            char m[300];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("option '--formats': %s", m);
            return -1;
        }
        for (int i = 0; i < *n; i++)
            if (fs[i] == d) {
                npu_err("option '--formats': %s is listed twice", npu_dtype_names[d]);
                return -1;
            }
        if (*n >= FMT_MAX) return npu_err("option '--formats': more than %d formats", FMT_MAX), -1;
        fs[(*n)++] = d;
    }
    if (*n == 0) return npu_err("option '--formats': no format given"), -1;
    return 0;
}

static cJSON *step_obj(const npu_qcmp_step *s, bool prefill) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "time_ms", s->time_s * 1e3);
    cJSON_AddNumberToObject(o, "tokens_per_s", s->tokens_per_s);
    cJSON_AddNumberToObject(o, prefill ? "energy_j_per_prompt_token" : "energy_j_per_token", s->energy_j_per_token);
    cJSON_AddNumberToObject(o, "dram_bytes", s->dram_bytes);
    cJSON_AddNumberToObject(o, "dequant_ms", s->dequant_s * 1e3);
    cJSON_AddNumberToObject(o, "speedup_vs_bf16", s->speedup);
    cJSON_AddStringToObject(o, "bound", npu_bound_names[s->bound]);
    cJSON_AddStringToObject(o, "why", s->why);
    return o;
}

static cJSON *rows_json(const npu_model *m, const npu_hw *hw, const npu_qcmp_cfg *c, const npu_qcmp_row *rows,
                        int n) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", m->name);
    cJSON_AddStringToObject(o, "hw", hw->name);
    cJSON_AddNumberToObject(o, "batch", c->batch);
    cJSON_AddNumberToObject(o, "ctx", (double)c->ctx);
    cJSON_AddNumberToObject(o, "seq", (double)c->seq);
    cJSON_AddNumberToObject(o, "capacity_gib", hw->mem_bytes / CLI_GIB);
    cJSON *a = cJSON_AddArrayToObject(o, "formats");
    char p[48];
    for (int i = 0; i < n; i++) {
        const npu_qcmp_row *r = &rows[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "dtype", npu_dtype_names[r->w]);
        cJSON_AddNumberToObject(e, "bits_per_weight", npu_dtype_bits(r->w));
        cJSON_AddStringToObject(e, "act_dtype", npu_dtype_names[r->act]);
        cJSON_AddStringToObject(e, "kv_dtype", npu_dtype_names[r->kv]);
        cJSON_AddStringToObject(e, "lm_head_dtype", npu_dtype_names[r->head]);
        cJSON_AddStringToObject(e, "emb_dtype", npu_dtype_names[r->emb]);
        cJSON_AddStringToObject(e, "compute_dtype", npu_dtype_names[r->path.cdt]);
        cJSON_AddBoolToObject(e, "native", r->path.native);
        cJSON_AddNumberToObject(e, "dequant_ops_per_weight", r->dequant_ops);
        cJSON_AddStringToObject(e, "path", npu_qcmp_path_text(r, p, sizeof p));
        cJSON_AddNumberToObject(e, "weights_gib", r->weights_B / CLI_GIB);
        cJSON_AddNumberToObject(e, "memory_gib", r->need_B / CLI_GIB);
        cJSON_AddBoolToObject(e, "fits", r->fits);
        cJSON_AddItemToObject(e, "decode", step_obj(&r->decode, false));
        cJSON_AddItemToObject(e, "prefill", step_obj(&r->prefill, true));
        cJSON_AddItemToArray(a, e);
    }
    return o;
}

static void print_table(FILE *out, const npu_model *m, const npu_hw *hw, const npu_qcmp_cfg *c,
                        const npu_qcmp_row *rows, int n) {
    npu_plan pl = npu_plan_norm(c->plan);
    int chips = npu_plan_replica_chips(pl);
    fprintf(out, "npusim quant: %s on %s (%.1f GiB%s); decode: batch %d at ctx %ld; prefill: %d x %ld tokens\n",
            m->name, hw->name, hw->mem_bytes / CLI_GIB, chips > 1 ? " per chip" : "", c->batch, c->ctx, c->batch,
            c->seq);
    if (chips > 1) fprintf(out, "plan: tp %d, pp %d, ep %d, cp %d = %d chips; memory of the fullest chip\n", pl.tp,
                           pl.pp, pl.ep, pl.cp, chips);
    fprintf(out, "\n  %-7s %6s %-19s %8s %-4s %10s %9s %6s %11s %6s %9s  %s\n", "format", "bits", "path",
            "weights", "fits", "decode ms", "tok/s", "x bf16", "prefill ms", "x bf16", "J/token", "why (decode; prefill)");
    fprintf(out, "  %-7s %6s %-19s %8s %-4s\n", "", "/weight", "", "GiB", "");
    char p[48];
    for (int i = 0; i < n; i++) {
        const npu_qcmp_row *r = &rows[i];
        fprintf(out, "  %-7s %6.3f %-19s %8.2f %-4s %10.3f %9.1f %6.2f %11.2f %6.2f %9.4g  %s; %s\n",
                npu_dtype_names[r->w], npu_dtype_bits(r->w), npu_qcmp_path_text(r, p, sizeof p), r->weights_B / CLI_GIB,
                r->fits ? "yes" : "no", r->decode.time_s * 1e3, r->decode.tokens_per_s, r->decode.speedup,
                r->prefill.time_s * 1e3, r->prefill.speedup, r->decode.energy_j_per_token, r->decode.why,
                r->prefill.why);
    }
    fprintf(out, "\nbits/weight: the layers' format with its scales and zero points; LM head and embedding in each "
                 "format's recipe\n(--lm-head-dtype, --emb-dtype); formats that do not fit are timed as if they did. "
                 "Details: --json, docs/quantization.md.\n");
}

static int cmd_quant(const cli_args *a, cli_out *o) {
    npu_qcmp_cfg c = {0};
    c.batch = (int)cli_int(a, O_BATCH);
    c.ctx = (long)cli_int(a, O_CTX), c.seq = (long)cli_int(a, O_SEQ);
    c.stack = (npu_stack)cli_int(a, O_STACK);
    c.moe_skew = cli_num(a, O_MOE_SKEW);
    c.act_set = cli_has(a, O_ACT_DTYPE), c.act = (npu_dtype)cli_int(a, O_ACT_DTYPE);
    c.kv_set = cli_has(a, O_KV_DTYPE), c.kv = (npu_dtype)cli_int(a, O_KV_DTYPE);
    cli_head_emb(a, &c.hdt, &c.edt);
    c.plan = (npu_plan){.tp = (int)cli_int(a, O_TP), .pp = (int)cli_int(a, O_PP), .ep = (int)cli_int(a, O_EP),
                        .cp = (int)cli_int(a, O_CP)};
    npu_dtype fs[FMT_MAX];
    if (cli_has(a, O_FORMATS)) {
        if (read_formats(cli_str(a, O_FORMATS), fs, &c.n_formats)) return -1;
        c.formats = fs;
    }
    npu_model m;
    npu_hw hw;
    if (cli_load_model(a, &m) || cli_load_hw(a, O_HW, &hw)) return -1;
    npu_qcmp_row rows[FMT_MAX];
    int n;
    if (npu_qcmp_run(&m, &hw, &c, rows, FMT_MAX, &n)) return -1;
    if (cli_has(a, O_JSON)) npu_report_print_json(o->f, rows_json(&m, &hw, &c, rows, n));
    else print_table(o->f, &m, &hw, &c, rows, n);
    return 0;
}

static const cli_use quant_opts[] = {
    {O_MODEL, CLI_REQ}, {O_HW, CLI_REQ},
    {O_FORMATS, .note = "default bf16,fp16,fp8,int8,q8_0,int4,q4_k_m,q4_0,mxfp4,nvfp4"},
    {O_BATCH, .def = "1", .note = "sequences of the decode step and of the prefill"},
    {O_CTX, .def = "1024", .note = "tokens cached per sequence at the decode step"},
    {O_SEQ, .def = "1024", .note = "prompt tokens of the prefill"},
    {O_STACK}, {O_ACT_DTYPE, .note = "default: each format's recipe"}, {O_KV_DTYPE, .note = "default: each format's recipe"},
    {O_LM_HEAD_DTYPE}, {O_EMB_DTYPE}, {O_TP}, {O_PP}, {O_EP}, {O_CP}, {O_MOE_SKEW}, {O_JSON},
};
const cli_cmd cli_cmd_quant = {
    "quant", NULL, 0, 0, "what each quantization format buys a model on a chip (lightweighting)",
    "For each format: bits per weight, the GEMM path on this chip (native, or dequantized on the vector\n"
    "units), weight memory and whether the model fits, the decode step and a prefill as `npusim run`\n"
    "times them, energy per generated token, the speedup over bf16 and what bounds each step (memory:\n"
    "bytes per step at the DRAM bandwidth; compute: the matrix datatype and its peak, or the vector\n"
    "units' dequantization). Formats and recipes: docs/quantization.md.",
    quant_opts, (int)NPU_ARRAY_LEN(quant_opts), cmd_quant};
