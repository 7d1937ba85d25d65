/* cmd_validate — `npusim validate` and `npusim calibrate`. */
#include "args.h"
#include "cmds.h"
#include "npu_all.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void row_label(const npu_vrow *r, char *buf, size_t cap) {
    switch (r->kind) {
    case NPU_VF_GEMM: snprintf(buf, cap, "gemm %s m=%ld n=%ld k=%ld", r->tag, r->v[0], r->v[1], r->v[2]); break;
    case NPU_VF_ATTN:
        snprintf(buf, cap, "attn %s b=%ld h=%ld kv=%ld d=%ld %s=%ld", r->tag, r->v[0], r->v[1], r->v[2], r->v[3],
                 strcmp(r->tag, "prefill") ? "ctx" : "seq", strcmp(r->tag, "prefill") ? r->v[5] : r->v[4]);
        break;
    case NPU_VF_BW: snprintf(buf, cap, "%s %ld bytes", r->tag, r->v[0]); break;
    case NPU_VF_MODEL:
        snprintf(buf, cap, "%s %s %s b=%ld %s=%ld", r->stack, r->tag, r->v[6] ? "decode" : "prefill", r->v[7],
                 r->v[6] ? "ctx" : "seq", r->v[6] ? r->v[9] : r->v[8]);
        break;
    default: snprintf(buf, cap, "power %s", r->tag); break;
    }
}

static int cmd_validate(const cli_args *a, cli_out *o) {
    FILE *out = o->f;
    double max_mape = cli_has(a, O_MAX_MAPE) ? cli_num(a, O_MAX_MAPE) : -1;
    npu_hw hw, *over = NULL;
    if (cli_str(a, O_HW) || a->hw_obj) {
        if (cli_load_hw(a, O_HW, &hw)) return -1;
        over = &hw;
    }
    npu_vset s = {0};
    for (int i = 0; i < a->n_pos; i++)
        if (npu_validate_load(&s, a->pos[i])) return npu_validate_free(&s), -1;
    if (npu_validate_predict(&s, over)) return npu_validate_free(&s), -1;
    bool json = cli_has(a, O_JSON), verbose = cli_has(a, O_VERBOSE);
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "mape_pct", s.mape_pct);
        cJSON_AddNumberToObject(j, "max_err_pct", s.max_err_pct);
        cJSON_AddNumberToObject(j, "rows", s.n);
        cJSON *fs = cJSON_AddArrayToObject(j, "files");
        for (int f = 0; f < s.n_files; f++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "file", s.files[f].path);
            cJSON_AddStringToObject(e, "kind", npu_vkind_names[s.files[f].kind]);
            cJSON_AddNumberToObject(e, "rows", s.files[f].rows);
            cJSON_AddNumberToObject(e, "mape_pct", s.files[f].mape_pct);
            cJSON_AddNumberToObject(e, "max_err_pct", s.files[f].max_err_pct);
            cJSON_AddItemToArray(fs, e);
        }
        if (verbose) {
            cJSON *rs = cJSON_AddArrayToObject(j, "rows_detail");
            for (int i = 0; i < s.n; i++) {
                char lab[160];
                row_label(&s.rows[i], lab, sizeof lab);
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "file", s.files[s.rows[i].file].path);
                cJSON_AddNumberToObject(e, "line", s.rows[i].line);
                cJSON_AddStringToObject(e, "row", lab);
                cJSON_AddNumberToObject(e, "measured", s.rows[i].measured);
                cJSON_AddNumberToObject(e, "predicted", s.rows[i].predicted);
                cJSON_AddNumberToObject(e, "err_pct", 100 * (s.rows[i].predicted - s.rows[i].measured) / s.rows[i].measured);
                cJSON_AddItemToArray(rs, e);
            }
        }
        npu_report_print_json(out, j);
    } else {
        if (verbose) {
            fprintf(out, "%-58s %12s %12s %8s\n", "row", "measured", "predicted", "error");
            for (int i = 0; i < s.n; i++) {
                char lab[160];
                row_label(&s.rows[i], lab, sizeof lab);
                const char *unit = s.rows[i].kind == NPU_VF_POWER ? "W" : "ms";
                fprintf(out, "%-58s %10.4f%-2s %10.4f%-2s %+7.1f%%\n", lab, s.rows[i].measured, unit, s.rows[i].predicted, unit,
                       100 * (s.rows[i].predicted - s.rows[i].measured) / s.rows[i].measured);
            }
            fputc('\n', out);
        }
        fprintf(out, "%-50s %-10s %5s %8s %8s\n", "file", "kind", "rows", "MAPE", "max err");
        for (int f = 0; f < s.n_files; f++)
            fprintf(out, "%-50s %-10s %5d %7.2f%% %7.1f%%\n", s.files[f].path, npu_vkind_names[s.files[f].kind], s.files[f].rows,
                   s.files[f].mape_pct, s.files[f].max_err_pct);
        fprintf(out, "%-50s %-10s %5d %7.2f%% %7.1f%%\n", "overall", "", s.n, s.mape_pct, s.max_err_pct);
    }
    int rc = max_mape >= 0 && s.mape_pct > max_mape ? 1 : 0;
    if (rc) npu_err("overall MAPE %.2f%% is above --max-mape %g%%", s.mape_pct, max_mape);
    npu_validate_free(&s);
    return rc;
}

static int cmd_calibrate(const cli_args *a, cli_out *o) {
    const char *ds = cli_str(a, O_DATA), *out = cli_str(a, O_OUTPUT_FILE);
    int evals = (int)cli_int(a, O_EVALS);
    npu_hw hw;
    if (cli_load_hw(a, O_HW, &hw)) return -1;
    npu_vset s = {0};
    if (npu_validate_load(&s, ds)) return npu_validate_free(&s), -1;
    /* the file first: a fit that cannot be written is not run */
    FILE *f = fopen(out, "w");
    if (!f) {
        npu_err("%s: cannot write: %s", out, strerror(errno));
        npu_validate_free(&s);
        return -1;
    }
    npu_calib_result cr;
    if (o->progress) {
        char note[120];
        snprintf(note, sizeof note, "fitting %d efficiency parameters to %d rows...", NPU_EFF_NPARAM, s.n);
        o->progress(o->progress_user, note, -1);
    }
    npu_calib_fit(&hw, &s, evals, &cr);
    npu_report_print_json(f, npu_hw_to_json(&hw));
    if (fclose(f) != 0) {
        npu_err("%s: cannot write: %s", out, strerror(errno));
        npu_validate_free(&s);
        return -1;
    }
    if (cli_has(a, O_JSON)) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "mape_before_pct", cr.mape_before_pct);
        cJSON_AddNumberToObject(j, "mape_after_pct", cr.mape_after_pct);
        cJSON_AddNumberToObject(j, "evaluations", cr.evaluations);
        cJSON *p = cJSON_AddObjectToObject(j, "efficiency");
        for (int i = 0; i < NPU_EFF_NPARAM; i++) cJSON_AddNumberToObject(p, npu_eff_names[i], *npu_eff_param(&hw.eff, i));
        npu_report_print_json(o->f, j);
    } else {
        fprintf(o->f, "fit error (MAPE of timed rows): %.2f%% -> %.2f%% after %d evaluations\n", cr.mape_before_pct,
               cr.mape_after_pct, cr.evaluations);
        for (int i = 0; i < NPU_EFF_NPARAM; i++) fprintf(o->f, "  %-14s %10.4f\n", npu_eff_names[i], *npu_eff_param(&hw.eff, i));
        fprintf(o->f, "wrote %s\n", out);
    }
    npu_validate_free(&s);
    return 0;
}

static const cli_use validate_opts[] = {
    {O_HW, .note = "predict every row on this chip instead of the rows' own"}, {O_VERBOSE}, {O_JSON}, {O_MAX_MAPE},
};
const cli_cmd cli_cmd_validate = {
    "validate", "PATH...", 1, CLI_MAX_POS, "predict measurement CSVs (files or directories) and print the errors",
    "Exit status 1 when --max-mape is given and the overall MAPE is above it. CSV formats: docs/calibration.md.",
    validate_opts, (int)NPU_ARRAY_LEN(validate_opts), cmd_validate};

static const cli_use calibrate_opts[] = {
    {O_HW, CLI_REQ, .note = "the description to start from"}, {O_DATA, CLI_REQ},
    {O_OUTPUT_FILE, CLI_REQ, .note = "the calibrated description"}, {O_EVALS}, {O_JSON},
};
const cli_cmd cli_cmd_calibrate = {
    "calibrate", NULL, 0, 0, "fit a chip's efficiency parameters to measurements",
    "Writes the description with the fitted efficiency block; docs/calibration.md.", calibrate_opts,
    (int)NPU_ARRAY_LEN(calibrate_opts), cmd_calibrate};
