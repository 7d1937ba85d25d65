/* npu_validate — read measurement CSVs (formats of data/validation/README.md:
 * gemm, attention, bandwidth, model, power), predict every row, and summarise
 * the error per file and overall. Also the data source for npu_calib. */
#ifndef NPU_VALIDATE_H
#define NPU_VALIDATE_H

#include "npu_hw.h"

#include <stdbool.h>

typedef enum { NPU_VF_GEMM = 0, NPU_VF_ATTN, NPU_VF_BW, NPU_VF_MODEL, NPU_VF_POWER, NPU_VF_COUNT } npu_vkind;
extern const char *const npu_vkind_names[NPU_VF_COUNT];

typedef struct npu_vrow {
    npu_vkind kind;
    int file;            /* index into npu_vset.files */
    int line;            /* 1-based line in the file */
    char hw[48];         /* the row's hw column */
    char tag[48];        /* dtype / phase / kind / workload / model */
    char stack[16];
    long v[12];          /* numeric columns, per kind (see npu_validate.c) */
    double measured;     /* ms, or W for power */
    double predicted;
} npu_vrow;

typedef struct npu_vfile {
    char path[512];
    npu_vkind kind;
    int rows;
    double mape_pct, max_err_pct;
} npu_vfile;

typedef struct npu_vset {
    npu_vrow *rows;
    int n, cap;
    npu_vfile files[64];
    int n_files;
    double mape_pct, max_err_pct;
} npu_vset;

/* Add a CSV file, or every recognised CSV in a directory. -1 + npu_err naming the
 * file and line of anything it cannot read. Every row is checked when read:
 * counts are integers inside the model's bounds (npu_model.h), heads divide by
 * kv_heads, a prefill has seq >= 1 and a decode ctx >= 1, times are positive,
 * power workloads are known; a row that loads can be predicted. */
int npu_validate_load(npu_vset *s, const char *path);
/* The same from one file's text in memory; `origin` names it in errors. */
int npu_validate_load_text(npu_vset *s, const char *text, const char *origin);
/* Predict every row. hw_override (may be NULL) replaces the rows' hw column. */
int npu_validate_predict(npu_vset *s, const npu_hw *hw_override);
/* Predict one row with a given hardware description (used by the fitter). */
double npu_validate_predict_row(const npu_vrow *r, const npu_hw *hw);
void npu_validate_summarise(npu_vset *s);
void npu_validate_free(npu_vset *s);
double npu_validate_err_pct(const npu_vrow *r);

#endif
