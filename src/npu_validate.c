/* npu_validate — measurement CSV readers and predicted-vs-measured errors. */
#include "npu_validate.h"
#include "npu_cost.h"
#include "npu_graph.h"
#include "npu_power.h"
#include "npu_step.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const npu_vkind_names[NPU_VF_COUNT] = {"gemm", "attention", "bandwidth", "model", "power"};

static const char *const headers[NPU_VF_COUNT] = {
    "hw,dtype,m,n,k,ms,shape_name",
    "hw,phase,batch,heads,kv_heads,head_dim,seq,ctx,causal,ms",
    "hw,kind,bytes_moved,ms",
    "hw,stack,model,layers,hidden,ffn,heads,kv_heads,vocab,phase,batch,seq,ctx,ms",
    "hw,workload,watts,ms",
};

static int split(char *line, char **f, int max) {
    int n = 0;
    for (char *p = line;; p++) {
        if (n < max) f[n] = p;
        n++;
        p = strchr(p, ',');
        if (!p) break;
        *p = '\0';
    }
    return n;
}

static void chomp(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = '\0';
}

static int num(const char *s, double *out) {
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

static int push(npu_vset *s, const npu_vrow *r) {
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 256;
        s->rows = npu_xreallocarray(s->rows, (size_t)cap, sizeof *s->rows);
        s->cap = cap;
    }
    s->rows[s->n++] = *r;
    return 0;
}

/* Power workloads: idle, gemm_bf16_N (N^3 GEMMs back to back), copy_XGiB. */
typedef enum { PW_UNKNOWN = 0, PW_IDLE, PW_GEMM, PW_COPY } pw_kind;
static pw_kind power_tag(const char *tag, long *n, double *gib) {
    char *end;
    if (strcmp(tag, "idle") == 0) return PW_IDLE;
    if (strncmp(tag, "gemm_bf16_", 10) == 0 && tag[10] >= '1' && tag[10] <= '9') {
        errno = 0;
        long v = strtol(tag + 10, &end, 10);
        if (!errno && *end == '\0' && v <= (1L << 20)) return *n = v, PW_GEMM;
    }
    if (strncmp(tag, "copy_", 5) == 0 && (tag[5] >= '0' && tag[5] <= '9')) {
        errno = 0;
        double g = strtod(tag + 5, &end);
        if (!errno && strcmp(end, "GiB") == 0 && g > 0 && g <= 1e6) return *gib = g, PW_COPY;
    }
    return PW_UNKNOWN;
}

/* Column names and bounds of the numeric columns of each kind, in v[] order.
 * Dimensions share the model's bounds (npu_model.h); lengths go to 2^30. */
typedef struct col { const char *name; long lo, hi; } col;
static const col gemm_cols[] = {{"m", 1, 1L << 30}, {"n", 1, 1L << 30}, {"k", 1, 1L << 30}};
static const col attn_cols[] = {{"batch", 1, 1L << 20}, {"heads", 1, NPU_MODEL_MAX_HEADS},
                                {"kv_heads", 1, NPU_MODEL_MAX_HEADS}, {"head_dim", 1, NPU_MODEL_MAX_HEAD_DIM},
                                {"seq", 0, NPU_MODEL_MAX_SEQ}, {"ctx", 0, NPU_MODEL_MAX_SEQ}, {"causal", 0, 1}};
static const col bw_cols[] = {{"bytes_moved", 1, 1L << 50}};
static const col model_cols[] = {{"layers", 1, NPU_MODEL_MAX_LAYERS}, {"hidden", 1, NPU_MODEL_MAX_HIDDEN},
                                 {"ffn", 1, NPU_MODEL_MAX_FFN}, {"heads", 1, NPU_MODEL_MAX_HEADS},
                                 {"kv_heads", 1, NPU_MODEL_MAX_HEADS}, {"vocab", 1, NPU_MODEL_MAX_VOCAB},
                                 {"phase", 0, 1}, {"batch", 1, 1L << 20}, {"seq", 0, NPU_MODEL_MAX_SEQ},
                                 {"ctx", 0, NPU_MODEL_MAX_SEQ}};

static void row_model(const npu_vrow *r, npu_model *m);

/* Columns after hw, by kind: which are text (tag / stack), which numeric. */
static int parse_row(npu_vkind kind, char **f, int nf, npu_vrow *r, const char *path, int line) {
    int want = kind == NPU_VF_GEMM ? 7 : kind == NPU_VF_ATTN ? 10 : kind == NPU_VF_BW ? 4 : kind == NPU_VF_MODEL ? 14 : 4;
    if (nf != want) {
        npu_err("%s:%d: expected %d columns, found %d", path, line, want, nf);
        return -1;
    }
    const char *texts[3] = {f[0], f[1], kind == NPU_VF_MODEL ? f[2] : ""};
    const size_t caps[3] = {sizeof r->hw, kind == NPU_VF_MODEL ? sizeof r->stack : sizeof r->tag, sizeof r->tag};
    for (int i = 0; i < 3; i++)
        if (strlen(texts[i]) >= caps[i]) {
            char q[40];
            npu_err("%s:%d: column %d ('%s') is longer than %zu characters", path, line, i + 1,
                    npu_abbrev(q, sizeof q, texts[i], 30), caps[i] - 1);
            return -1;
        }
    if (!f[0][0]) {
        npu_err("%s:%d: column 'hw' is empty", path, line);
        return -1;
    }
    npu_strlcpy(r->hw, f[0], sizeof r->hw);
    double d;
    int ms_col = kind == NPU_VF_GEMM ? 5 : want - 1;
    int first_num = kind == NPU_VF_MODEL ? 3 : 2, last_num = ms_col - 1;
    if (kind == NPU_VF_MODEL) {
        npu_strlcpy(r->stack, f[1], sizeof r->stack);
        npu_strlcpy(r->tag, f[2], sizeof r->tag);
        if (strcmp(r->stack, "eager") && strcmp(r->stack, "fused")) {
            npu_err("%s:%d: column 'stack' must be eager or fused, not '%s'", path, line, r->stack);
            return -1;
        }
    } else {
        npu_strlcpy(r->tag, f[1], sizeof r->tag);
    }
    const col *cols = kind == NPU_VF_GEMM ? gemm_cols : kind == NPU_VF_ATTN ? attn_cols : kind == NPU_VF_BW ? bw_cols
                      : model_cols;
    int nv = 0;
    for (int c = first_num; c <= last_num && kind != NPU_VF_POWER; c++) {
        const col *cd = &cols[nv];
        if (kind == NPU_VF_MODEL && c == 9) { /* phase column */
            if (strcmp(f[c], "prefill") && strcmp(f[c], "decode")) {
                npu_err("%s:%d: column 'phase' must be prefill or decode, not '%s'", path, line, f[c]);
                return -1;
            }
            r->v[nv++] = strcmp(f[c], "decode") == 0;
            continue;
        }
        /* checked in double before the cast: 1e300 or 2^63 never reach a long */
        if (num(f[c], &d) || d != floor(d) || d < (double)cd->lo || d > (double)cd->hi) {
            char q[40];
            npu_err("%s:%d: column '%s' ('%s') must be an integer in [%ld, %ld]", path, line, cd->name,
                    npu_abbrev(q, sizeof q, f[c], 30), cd->lo, cd->hi);
            return -1;
        }
        r->v[nv++] = (long)d;
    }
    if (kind == NPU_VF_POWER) { /* watts column is the measurement; ms is kept in v */
        long n;
        double gib;
        if (num(f[2], &r->measured) || !(r->measured > 0 && r->measured <= 1e5) || num(f[3], &d) ||
            !(d >= 0 && d <= 1e9)) {
            npu_err("%s:%d: watts must be in (0, 1e5] and ms in [0, 1e9]", path, line);
            return -1;
        }
        if (power_tag(r->tag, &n, &gib) == PW_UNKNOWN) {
            npu_err("%s:%d: unknown power workload '%s' (known: idle, gemm_bf16_N, copy_XGiB)", path, line, r->tag);
            return -1;
        }
        r->v[0] = (long)(d * 1e6);
        return 0;
    }
    /* 1 ns to 11 days: anything outside is not a timing of one kernel or step */
    if (num(f[ms_col], &r->measured) || !(r->measured >= 1e-6 && r->measured <= 1e9)) {
        char q[40];
        npu_err("%s:%d: column 'ms' ('%s') must be a number in [1e-6, 1e9]", path, line,
                npu_abbrev(q, sizeof q, f[ms_col], 30));
        return -1;
    }
    if (kind == NPU_VF_ATTN && strcmp(r->tag, "prefill") && strcmp(r->tag, "decode")) {
        npu_err("%s:%d: column 'phase' must be prefill or decode, not '%s'", path, line, r->tag);
        return -1;
    }
    if (kind == NPU_VF_BW && strcmp(r->tag, "copy") && strcmp(r->tag, "read_sum")) {
        npu_err("%s:%d: column 'kind' must be copy or read_sum, not '%s'", path, line, r->tag);
        return -1;
    }
    if (kind == NPU_VF_GEMM) {
        npu_dtype t;
        if (npu_dtype_parse(r->tag, &t)) {
            char m[300];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("%s:%d: %s", path, line, m);
            return -1;
        }
    }
    if (kind == NPU_VF_ATTN) {
        bool prefill = strcmp(r->tag, "prefill") == 0;
        if (r->v[1] % r->v[2]) {
            npu_err("%s:%d: heads (%ld) must be a multiple of kv_heads (%ld)", path, line, r->v[1], r->v[2]);
            return -1;
        }
        if (prefill ? r->v[4] < 1 : r->v[5] < 1) {
            npu_err("%s:%d: a %s row needs %s >= 1", path, line, r->tag, prefill ? "seq" : "ctx");
            return -1;
        }
    }
    if (kind == NPU_VF_MODEL) {
        npu_model m;
        char where[600];
        snprintf(where, sizeof where, "%s:%d", path, line);
        if (r->v[1] % r->v[3]) {
            npu_err("%s: hidden (%ld) must be a multiple of heads (%ld): head_dim = hidden / heads", where, r->v[1],
                    r->v[3]);
            return -1;
        }
        row_model(r, &m);
        if (npu_model_check(&m, where)) return -1;
        if (r->v[6] ? r->v[9] < 1 : r->v[8] < 1) {
            npu_err("%s: a %s row needs %s >= 1", where, r->v[6] ? "decode" : "prefill", r->v[6] ? "ctx" : "seq");
            return -1;
        }
    }
    return 0;
}

static int header_kind(const char *h) {
    for (int k = 0; k < NPU_VF_COUNT; k++)
        if (strcmp(h, headers[k]) == 0) return k;
    return -1;
}

int npu_validate_load_text(npu_vset *s, const char *src, const char *path) {
    char *text = npu_xstrdup(src);
    char *p = text, *nl;
    if (strncmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* a UTF-8 byte-order mark (spreadsheets write one) */
    nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    chomp(p);
    int kind = header_kind(p);
    if (!text[0] && !nl) {
        free(text);
        return npu_err("%s: empty file", path), -1;
    }
    if (kind < 0) {
        char q[80];
        npu_err("%s:1: unrecognised header '%s' (expected one of the formats in data/validation/README.md, e.g. '%s')",
                path, npu_abbrev(q, sizeof q, p, 60), headers[0]);
        free(text);
        return -1;
    }
    if (s->n_files >= (int)NPU_ARRAY_LEN(s->files)) {
        free(text);
        return npu_err("%s: too many files (at most %d)", path, (int)NPU_ARRAY_LEN(s->files)), -1;
    }
    int fi = s->n_files++, line = 1;
    npu_strlcpy(s->files[fi].path, path, sizeof s->files[fi].path);
    s->files[fi].kind = (npu_vkind)kind;
    s->files[fi].rows = 0;
    for (p = nl ? nl + 1 : NULL; p && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        line++;
        chomp(p);
        if (!p[0]) continue;
        char *fields[20];
        int nf = split(p, fields, 20);
        npu_vrow r = {.kind = (npu_vkind)kind, .file = fi, .line = line};
        if (parse_row((npu_vkind)kind, fields, nf, &r, path, line) || push(s, &r)) {
            free(text);
            return -1;
        }
        s->files[fi].rows++;
    }
    free(text);
    if (s->files[fi].rows == 0) /* a header alone measures nothing: "MAPE 0.00%" would pass any --max-mape */
        return npu_err("%s: no measurement rows below the header", path), -1;
    return 0;
}

static int load_file(npu_vset *s, const char *path) {
    char *text = npu_read_file(path, NULL);
    if (!text) return -1;
    int rc = npu_validate_load_text(s, text, path);
    free(text);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int npu_validate_load(npu_vset *s, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return npu_err("%s: %s", path, strerror(errno)), -1;
    if (!S_ISDIR(st.st_mode)) return load_file(s, path);
    DIR *d = opendir(path);
    if (!d) return npu_err("%s: cannot open directory: %s", path, strerror(errno)), -1;
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".csv") == 0) names[n++] = npu_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char full[1024];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        /* a directory holds other CSVs too: take only the recognised formats */
        FILE *f = fopen(full, "r");
        char head[512] = "";
        if (f) {
            if (!fgets(head, sizeof head, f)) head[0] = '\0';
            fclose(f);
        }
        chomp(head);
        if (header_kind(head) >= 0 && rc == 0) rc = load_file(s, full);
        free(names[i]);
    }
    if (rc == 0 && s->n_files == 0) return npu_err("%s: no measurement CSVs found", path), -1;
    return rc;
}

/* Set when a model row's npu_run refused the row (does not fit ...): its
 * message is the user's error, not a bug of the prediction. */
static _Thread_local bool run_refused;

/* The Llama-style model of a model.csv row (validation/README.md). */
static void row_model(const npu_vrow *r, npu_model *m) {
    memset(m, 0, sizeof *m);
    npu_strlcpy(m->name, r->tag, sizeof m->name);
    m->layers = (int)r->v[0], m->hidden = (int)r->v[1], m->ffn = (int)r->v[2];
    m->heads = (int)r->v[3], m->kv_heads = (int)r->v[4], m->vocab = (int)r->v[5];
    m->head_dim = m->hidden / (m->heads ? m->heads : 1);
    m->max_seq = 1 << 30;
    m->norm = NPU_NORM_RMS, m->act = NPU_ACT_SILU, m->gated_mlp = true, m->pos = NPU_POS_ROPE;
}

double npu_validate_predict_row(const npu_vrow *r, const npu_hw *hw) {
    switch (r->kind) {
    case NPU_VF_GEMM: {
        npu_dtype t = NPU_BF16;
        npu_dtype_parse(r->tag, &t);
        npu_kernel k = npu_kernel_gemm("gemm", r->v[0], r->v[1], r->v[2], t, t);
        return npu_power_op(hw, &k).time_s * 1e3;
    }
    case NPU_VF_ATTN: {
        bool prefill = strcmp(r->tag, "prefill") == 0;
        npu_kernel k = prefill ? npu_kernel_attention((int)r->v[0], (int)r->v[1], (int)r->v[2], (int)r->v[3], r->v[4],
                                                      r->v[4], r->v[6] != 0, NPU_BF16, NPU_BF16)
                               : npu_kernel_attention((int)r->v[0], (int)r->v[1], (int)r->v[2], (int)r->v[3], 1,
                                                      r->v[5], false, NPU_BF16, NPU_BF16);
        return npu_power_op(hw, &k).time_s * 1e3;
    }
    case NPU_VF_BW: {
        double bytes = (double)r->v[0];
        npu_kernel k = npu_kernel_memory(r->tag, NPU_KK_MEMORY, bytes, strcmp(r->tag, "read_sum") ? 0 : bytes / 2);
        return npu_power_op(hw, &k).time_s * 1e3;
    }
    case NPU_VF_MODEL: {
        npu_model m;
        row_model(r, &m);
        npu_run_cfg c = {.batch = (int)r->v[7], .stack = strcmp(r->stack, "fused") ? NPU_STACK_EAGER : NPU_STACK_FUSED,
                         .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
        c.phase = r->v[6] ? NPU_RUN_DECODE : NPU_RUN_PREFILL;
        c.seq = r->v[8], c.ctx = r->v[9];
        npu_run_result *res = npu_xmalloc(sizeof *res);
        double ms = NAN;
        if (npu_run(&m, hw, &c, res) == 0) ms = res->latency_s * 1e3;
        else run_refused = true;
        free(res);
        return ms;
    }
    case NPU_VF_POWER: {
        long n = 0;
        double gib = 0;
        pw_kind pk = power_tag(r->tag, &n, &gib);
        if (pk == PW_IDLE) return npu_power_idle_w(hw);
        if (pk == PW_GEMM) {
            npu_kernel k = npu_kernel_gemm("gemm", n, n, n, NPU_BF16, NPU_BF16);
            return npu_power_sustained_w(hw, &k, NULL); /* 3 s back to back: TDP-throttled */
        }
        if (pk == PW_COPY) {
            npu_kernel k = npu_kernel_memory("copy", NPU_KK_MEMORY, 2.0 * gib * 1073741824.0, 0);
            return npu_power_sustained_w(hw, &k, NULL);
        }
        return NAN;
    }
    default: return NAN;
    }
}

double npu_validate_err_pct(const npu_vrow *r) {
    assert(r->measured > 0); /* the reader refuses rows without a positive measurement */
    return 100.0 * fabs(r->predicted - r->measured) / r->measured;
}

int npu_validate_predict(npu_vset *s, const npu_hw *hw_override) {
    npu_hw cached;
    cached.name[0] = '\0';
    for (int i = 0; i < s->n; i++) {
        npu_vrow *r = &s->rows[i];
        const npu_hw *hw = hw_override;
        if (!hw) {
            if (strcmp(cached.name, r->hw) != 0 && npu_hw_load(r->hw, &cached)) {
                char m[400];
                npu_strlcpy(m, npu_errmsg(), sizeof m);
                npu_err("%s:%d: %s", s->files[r->file].path, r->line, m);
                return -1;
            }
            hw = &cached;
        }
        run_refused = false;
        r->predicted = npu_validate_predict_row(r, hw);
        if (!isfinite(r->predicted) || r->predicted <= 0) {
            char m[400];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            if (run_refused) npu_err("%s:%d: cannot predict this row: %s", s->files[r->file].path, r->line, m);
            else npu_err("%s:%d: predicted %g, not a positive figure (a bug: please report it)", s->files[r->file].path,
                         r->line, r->predicted);
            return -1;
        }
    }
    npu_validate_summarise(s);
    return 0;
}

void npu_validate_summarise(npu_vset *s) {
    double sum = 0;
    s->max_err_pct = 0;
    for (int f = 0; f < s->n_files; f++) s->files[f].mape_pct = s->files[f].max_err_pct = 0;
    for (int i = 0; i < s->n; i++) {
        assert(s->rows[i].file >= 0 && s->rows[i].file < s->n_files);
        double e = npu_validate_err_pct(&s->rows[i]);
        npu_vfile *f = &s->files[s->rows[i].file];
        f->mape_pct += e;
        if (e > f->max_err_pct) f->max_err_pct = e;
        if (e > s->max_err_pct) s->max_err_pct = e;
        sum += e;
    }
    for (int f = 0; f < s->n_files; f++)
        if (s->files[f].rows) s->files[f].mape_pct /= s->files[f].rows;
    s->mape_pct = s->n ? sum / s->n : 0;
}

void npu_validate_free(npu_vset *s) {
    free(s->rows);
    memset(s, 0, sizeof *s);
}
