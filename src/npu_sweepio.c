/* npu_sweepio — CSV and SQLite writers of sweep rows, resume, Pareto flags. */
#include "npu_sweepio.h"
#include "npu_pareto.h"
#include "npu_util.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef enum { OUT_CSV = 0, OUT_SQLITE, OUT_NONE } out_kind;

struct npu_sweep_out {
    const npu_sweep *s;
    out_kind kind;
    char path[1024], part[1100];
    bool to_stdout;  /* "-": CSV to `stream` */
    FILE *stream;
    /* CSV */
    FILE *f;
    /* SQLite */
    sqlite3 *db;
    sqlite3_stmt *ins;
    /* objectives of every row (CSV), for the front */
    double *vals;
    int64_t *ids;
    int *group;
    unsigned char *ok;
    long n, cap;
    /* results */
    unsigned char *done;
    long n_done;
    int64_t *front;
    long n_front, n_rows, n_feasible;
    npu_sweep_cells *cells;
    double *num;
    const char **str;
    char *line;
    size_t line_cap;
};

static bool ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int db_fail(npu_sweep_out *o, const char *what) {
    npu_err("%s: %s: %s", o->path, what, o->db ? sqlite3_errmsg(o->db) : "cannot open");
    return -1;
}

static int exec(npu_sweep_out *o, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(o->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        npu_err("%s: %s", o->path, msg ? msg : sqlite3_errmsg(o->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* "name" with embedded quotes doubled */
static void quote_ident(char *buf, size_t cap, const char *name) {
    size_t k = 0;
    if (k < cap) buf[k++] = '"';
    for (const char *p = name; *p && k + 3 < cap; p++) {
        if (*p == '"') buf[k++] = '"';
        buf[k++] = *p;
    }
    if (k + 1 < cap) buf[k++] = '"';
    buf[k < cap ? k : cap - 1] = '\0';
}

static const char *sql_type(npu_sweep_ctype t) {
    return t == NPU_SC_INT ? "INTEGER" : t == NPU_SC_REAL ? "REAL" : t == NPU_SC_TEXT ? "TEXT" : "";
}

static int spec_value(npu_sweep_out *o, const char *key, char **out) {
    *out = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(o->db, "SELECT value FROM spec WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return db_fail(o, "reading the spec table");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) *out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return 0;
}

static int put_spec(npu_sweep_out *o, const char *key, const char *value) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(o->db, "INSERT OR REPLACE INTO spec (key, value) VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
        return db_fail(o, "writing the spec table");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(o, "writing the spec table");
    sqlite3_finalize(st);
    return rc;
}

static int open_sqlite(npu_sweep_out *o, bool resume) {
    const npu_sweep *s = o->s;
    struct stat st;
    bool exists = stat(o->path, &st) == 0;
    if (exists && !resume) {
        npu_err("%s exists: give --resume to continue that sweep, or remove it", o->path);
        return -1;
    }
    if (sqlite3_open_v2(o->path, &o->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        return db_fail(o, "cannot open");
    sqlite3_busy_timeout(o->db, 5000);
    if (exec(o, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")) return -1;
    /* the schema */
    size_t cap = 64 + (size_t)npu_sweep_ncols(s) * 300, k = 0;
    char *sql = malloc(cap);
    if (!sql) return npu_err("out of memory"), -1;
    k += (size_t)snprintf(sql + k, cap - k, "CREATE TABLE IF NOT EXISTS points (");
    for (int c = 0; c < npu_sweep_ncols(s); c++) {
        char q[300];
        quote_ident(q, sizeof q, npu_sweep_col_name(s, c));
        k += (size_t)snprintf(sql + k, cap - k, "%s%s %s%s", c ? ", " : "", q, sql_type(npu_sweep_col_type(s, c)),
                              c == 0 ? " PRIMARY KEY" : "");
    }
    snprintf(sql + k, cap - k, ");");
    int rc = exec(o, "BEGIN IMMEDIATE") || exec(o, sql) ||
             exec(o, "CREATE TABLE IF NOT EXISTS spec (key TEXT PRIMARY KEY, value TEXT);");
    free(sql);
    if (rc) return -1;
    char *old = NULL;
    if (spec_value(o, "spec", &old)) return -1;
    if (old && strcmp(old, npu_sweep_spec_text(s)) != 0) {
        free(old);
        exec(o, "ROLLBACK");
        npu_err("%s holds a sweep of a different spec; remove it or give another --out", o->path);
        return -1;
    }
    free(old);
    char buf[64];
    if (put_spec(o, "spec", npu_sweep_spec_text(s)) || put_spec(o, "version", "npusim sweep 1")) return -1;
    snprintf(buf, sizeof buf, "%ld", npu_sweep_points(s));
    if (put_spec(o, "points", buf)) return -1;
    snprintf(buf, sizeof buf, "%d", npu_sweep_rows_per_point(s));
    if (put_spec(o, "rows_per_point", buf) || put_spec(o, "complete", "0") || exec(o, "COMMIT")) return -1;
    /* points already stored */
    long np = npu_sweep_points(s);
    o->done = calloc((size_t)(np / 8 + 1), 1);
    if (!o->done) return npu_err("out of memory"), -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(o->db, "SELECT DISTINCT point FROM points", -1, &q, NULL) != SQLITE_OK)
        return db_fail(o, "reading points");
    while (sqlite3_step(q) == SQLITE_ROW) {
        long p = (long)sqlite3_column_int64(q, 0);
        if (p >= 0 && p < np && !npu_sweep_bit(o->done, p)) npu_sweep_bit_set(o->done, p), o->n_done++;
    }
    sqlite3_finalize(q);
    /* the insert */
    cap = 64 + (size_t)npu_sweep_ncols(s) * 4;
    sql = malloc(cap);
    if (!sql) return npu_err("out of memory"), -1;
    k = (size_t)snprintf(sql, cap, "INSERT INTO points VALUES (");
    for (int c = 0; c < npu_sweep_ncols(s); c++) k += (size_t)snprintf(sql + k, cap - k, "%s?", c ? "," : "");
    snprintf(sql + k, cap - k, ")");
    rc = sqlite3_prepare_v2(o->db, sql, -1, &o->ins, NULL);
    free(sql);
    return rc == SQLITE_OK ? 0 : db_fail(o, "preparing the insert");
}

static int fmt_uint(uint64_t u, char *buf) {
    char t[24];
    int n = 0;
    do t[n++] = (char)('0' + u % 10), u /= 10;
    while (u);
    for (int i = 0; i < n; i++) buf[i] = t[n - 1 - i];
    buf[n] = '\0';
    return n;
}

int npu_sweep_fmt_num(double v, char *buf) {
    if (!isfinite(v)) return snprintf(buf, 32, "%g", v);
    int k = 0;
    if (v < 0 || (v == 0 && signbit(v))) {
        buf[k++] = '-';
        v = -v;
    }
    if (v == floor(v) && v < 1e10) return k + fmt_uint((uint64_t)v, buf + k); /* what %.10g prints too */
    if (v == 0) return k + fmt_uint(0, buf + k);
    int e = (int)floor(log10(v));
    if (e < -290 || e > 290) return k + snprintf(buf + k, 32, "%.10g", v); /* 10^(9-e) would not be finite */
    double m = v * pow(10, 9 - e); /* 1e9 <= m < 1e10, up to the rounding of log10 and pow */
    uint64_t d = (uint64_t)llround(m);
    if (d >= 10000000000ull) d = (uint64_t)llround(m / 10), e++;
    else if (d < 1000000000ull) d = (uint64_t)llround(m * 10), e--;
    if (d >= 10000000000ull) d /= 10, e++;
    char dig[16];
    fmt_uint(d, dig); /* 10 digits */
    int nd = 10;
    while (nd > 1 && dig[nd - 1] == '0') nd--;
    if (e < -4 || e >= 10) { /* d.ddde+XX, as %g */
        buf[k++] = dig[0];
        if (nd > 1) {
            buf[k++] = '.';
            for (int i = 1; i < nd; i++) buf[k++] = dig[i];
        }
        buf[k++] = 'e';
        buf[k++] = e < 0 ? '-' : '+';
        int ae = e < 0 ? -e : e;
        if (ae < 10) buf[k++] = '0';
        k += fmt_uint((uint64_t)ae, buf + k);
        return k;
    }
    if (e < 0) { /* 0.000ddd */
        buf[k++] = '0', buf[k++] = '.';
        for (int i = -1; i > e; i--) buf[k++] = '0';
        for (int i = 0; i < nd; i++) buf[k++] = dig[i];
    } else {
        for (int i = 0; i <= e; i++) buf[k++] = i < nd ? dig[i] : '0';
        if (nd > e + 1) {
            buf[k++] = '.';
            for (int i = e + 1; i < nd; i++) buf[k++] = dig[i];
        }
    }
    buf[k] = '\0';
    return k;
}

static void csv_cell(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"') fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static int open_csv(npu_sweep_out *o, bool resume) {
    if (resume) {
        npu_err("--resume needs a SQLite output (--out FILE.sqlite): a CSV is written at the end");
        return -1;
    }
    if (o->to_stdout) o->f = tmpfile();
    else {
        snprintf(o->part, sizeof o->part, "%s.part", o->path);
        o->f = fopen(o->part, "w+");
    }
    if (!o->f) {
        npu_err("%s: cannot write: %s", o->to_stdout ? "temporary file" : o->part, strerror(errno));
        return -1;
    }
    const npu_sweep *s = o->s;
    for (int c = 0; c < npu_sweep_ncols(s); c++) {
        if (strcmp(npu_sweep_col_name(s, c), "pareto") == 0) continue;
        if (c) fputc(',', o->f);
        csv_cell(o->f, npu_sweep_col_name(s, c));
    }
    fputc('\n', o->f);
    return 0;
}

int npu_sweep_out_open(const npu_sweep *s, const char *path, bool resume, FILE *stream, npu_sweep_out **out) {
    *out = NULL;
    npu_sweep_out *o = calloc(1, sizeof *o);
    if (!o) return npu_err("out of memory"), -1;
    o->s = s;
    npu_strlcpy(o->path, path ? path : "(no output)", sizeof o->path);
    o->to_stdout = path && strcmp(path, "-") == 0;
    o->stream = stream;
    if (o->to_stdout && !stream) {
        free(o);
        npu_err("--out -: no stream to write the CSV to");
        return -1;
    }
    o->kind = !path ? OUT_NONE
              : ends_with(path, ".sqlite") || ends_with(path, ".sqlite3") || ends_with(path, ".db") ? OUT_SQLITE
                                                                                                  : OUT_CSV;
    if (o->kind == OUT_CSV && !o->to_stdout && !ends_with(path, ".csv")) {
        free(o);
        npu_err("--out %s: give a .csv, .sqlite (.sqlite3, .db) file, or - for CSV on stdout", path);
        return -1;
    }
    o->cells = npu_sweep_cells_new(s);
    o->num = calloc((size_t)npu_sweep_ncols(s), sizeof *o->num);
    o->str = calloc((size_t)npu_sweep_ncols(s), sizeof *o->str);
    if (!o->cells || !o->num || !o->str) {
        npu_sweep_out_free(o);
        return npu_err("out of memory"), -1;
    }
    int rc = o->kind == OUT_SQLITE ? open_sqlite(o, resume) : o->kind == OUT_CSV ? open_csv(o, resume) : 0;
    if (o->kind == OUT_NONE && resume) rc = (npu_err("--resume needs --out FILE.sqlite"), -1);
    if (rc) {
        npu_sweep_out_free(o);
        return -1;
    }
    *out = o;
    return 0;
}

const unsigned char *npu_sweep_out_done(const npu_sweep_out *o, long *n_done) {
    if (n_done) *n_done = o->n_done;
    return o->n_done ? o->done : NULL;
}

/* Room for `cap` rows of what the Pareto front needs: k objective values, the
 * workload, the candidate flag and the id (into *ids). What grew is kept either
 * way (freed with the output); -1 when something did not. */
static int grow_kept(npu_sweep_out *o, long cap, int k, int64_t **ids) {
    double *v = realloc(o->vals, (size_t)cap * k * sizeof *v);
    if (v) o->vals = v;
    int *g = realloc(o->group, (size_t)cap * sizeof *g);
    if (g) o->group = g;
    unsigned char *ok = realloc(o->ok, (size_t)cap);
    if (ok) o->ok = ok;
    int64_t *id = realloc(*ids, (size_t)cap * sizeof *id);
    if (id) *ids = id;
    return v && g && ok && id ? 0 : -1;
}

static int keep_objectives(npu_sweep_out *o, const npu_sweep_row *r) {
    int k = npu_sweep_nobjectives(o->s);
    if (o->n == o->cap) {
        long cap = o->cap ? o->cap * 2 : 4096;
        if (grow_kept(o, cap, k, &o->ids)) return npu_err("out of memory keeping %ld rows' objectives", o->n), -1;
        o->cap = cap;
    }
    o->ids[o->n] = r->id;
    npu_sweep_objective_vals(o->s, r, o->vals + o->n * k);
    o->group[o->n] = r->workload;
    o->ok[o->n] = npu_sweep_row_candidate(o->s, r);
    o->n++;
    return 0;
}

int npu_sweep_out_rows(npu_sweep_out *o, const npu_sweep_row *rows, long n) {
    const npu_sweep *s = o->s;
    int nc = npu_sweep_ncols(s);
    if (o->kind == OUT_SQLITE && exec(o, "BEGIN")) return -1;
    for (long i = 0; i < n; i++) {
        const npu_sweep_row *r = &rows[i];
        npu_sweep_row_cells(s, r, o->cells, o->num, o->str);
        o->n_rows++;
        o->n_feasible += r->feasible;
        if (o->kind == OUT_SQLITE) {
            sqlite3_reset(o->ins);
            for (int c = 0; c < nc; c++) {
                if (o->str[c]) sqlite3_bind_text(o->ins, c + 1, o->str[c], -1, SQLITE_STATIC);
                else if (isnan(o->num[c])) sqlite3_bind_null(o->ins, c + 1);
                else if (npu_sweep_col_type(s, c) == NPU_SC_INT) sqlite3_bind_int64(o->ins, c + 1, (sqlite3_int64)o->num[c]);
                else sqlite3_bind_double(o->ins, c + 1, o->num[c]);
            }
            if (sqlite3_step(o->ins) != SQLITE_DONE) {
                db_fail(o, "inserting a row");
                exec(o, "ROLLBACK");
                return -1;
            }
            continue;
        }
        if (keep_objectives(o, r)) return -1;
        if (o->kind == OUT_NONE) continue;
        for (int c = 0; c < nc; c++) {
            if (strcmp(npu_sweep_col_name(s, c), "pareto") == 0) continue;
            if (c) fputc(',', o->f);
            if (o->str[c]) csv_cell(o->f, o->str[c]);
            else if (isnan(o->num[c])) continue;
            else {
                char b[40];
                int len = npu_sweep_fmt_num(o->num[c], b);
                fwrite(b, 1, (size_t)len, o->f);
            }
        }
        fputc('\n', o->f);
    }
    if (o->kind == OUT_SQLITE && exec(o, "COMMIT")) return -1;
    if (o->kind == OUT_CSV && ferror(o->f)) {
        npu_err("%s: write error", o->to_stdout ? "temporary file" : o->part);
        return -1;
    }
    return 0;
}

int npu_sweep_out_sink(void *out, const npu_sweep_row *rows, long n) { return npu_sweep_out_rows(out, rows, n); }

static int add_front(npu_sweep_out *o, int64_t id) {
    int64_t *f = realloc(o->front, (size_t)(o->n_front + 1) * sizeof *f);
    if (!f) return npu_err("out of memory"), -1;
    o->front = f;
    o->front[o->n_front++] = id;
    return 0;
}

static int finish_csv(npu_sweep_out *o) {
    unsigned char *fr = malloc((size_t)(o->n > 0 ? o->n : 1));
    if (!fr) return npu_err("out of memory"), -1;
    int rc = npu_pareto_front(o->vals, npu_sweep_nobjectives(o->s), o->group, o->ok, o->n, fr);
    if (o->kind == OUT_NONE) {
        for (long i = 0; rc == 0 && i < o->n; i++)
            if (fr[i]) rc = add_front(o, o->ids[i]);
        free(fr);
        return rc;
    }
    FILE *dst = NULL;
    if (rc == 0) {
        dst = o->to_stdout ? o->stream : fopen(o->path, "w");
        if (!dst) rc = (npu_err("%s: cannot write: %s", o->path, strerror(errno)), -1);
    }
    if (rc == 0) {
        rewind(o->f);
        ssize_t len;
        long i = -1;
        while (rc == 0 && (len = getline(&o->line, &o->line_cap, o->f)) > 0) {
            if (o->line[len - 1] == '\n') o->line[--len] = '\0';
            if (i < 0) fprintf(dst, "%s,pareto\n", o->line);
            else {
                fprintf(dst, "%s,%d\n", o->line, i < o->n ? fr[i] : 0);
                if (i < o->n && fr[i]) rc = add_front(o, o->ids[i]);
            }
            i++;
        }
        if (ferror(o->f)) rc = (npu_err("%s: read error", o->part), -1);
        if (rc == 0 && i != o->n) rc = (npu_err("%s: %ld rows written, %ld read back", o->part, o->n, i), -1);
        if (!o->to_stdout ? fclose(dst) != 0 : fflush(dst) != 0) rc = (npu_err("%s: write error", o->path), -1);
    }
    free(fr);
    fclose(o->f);
    o->f = NULL;
    if (!o->to_stdout) remove(o->part);
    return rc;
}

static int finish_sqlite(npu_sweep_out *o) {
    const npu_sweep *s = o->s;
    int k = npu_sweep_nobjectives(s);
    char sql[4096];
    size_t n = (size_t)snprintf(sql, sizeof sql, "SELECT id, workload, feasible");
    for (int i = 0; i < k; i++) {
        char q[300];
        quote_ident(q, sizeof q, npu_sweep_objective(s, i, NULL));
        n += (size_t)snprintf(sql + n, sizeof sql - n, ", %s", q);
    }
    snprintf(sql + n, sizeof sql - n, " FROM points ORDER BY id");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(o->db, sql, -1, &st, NULL) != SQLITE_OK) return db_fail(o, "reading rows");
    int64_t *ids = NULL;
    long cnt = 0, cap = 0, feas = 0;
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        if (cnt == cap) {
            cap = cap ? cap * 2 : 4096;
            if (grow_kept(o, cap, k, &ids)) {
                rc = (npu_err("out of memory"), -1);
                break;
            }
        }
        ids[cnt] = sqlite3_column_int64(st, 0);
        o->group[cnt] = sqlite3_column_int(st, 1);
        bool ok = sqlite3_column_int(st, 2) != 0;
        feas += ok;
        for (int i = 0; i < k; i++) {
            bool mx;
            npu_sweep_objective(s, i, &mx);
            double v = sqlite3_column_type(st, 3 + i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3 + i);
            if (!isfinite(v)) ok = false;
            o->vals[cnt * k + i] = mx ? -v : v;
        }
        o->ok[cnt] = ok;
        cnt++;
    }
    sqlite3_finalize(st);
    o->n_rows = cnt, o->n_feasible = feas;
    unsigned char *fr = rc ? NULL : malloc((size_t)(cnt > 0 ? cnt : 1));
    if (rc == 0 && !fr) rc = (npu_err("out of memory"), -1);
    if (rc == 0) rc = npu_pareto_front(o->vals, k, o->group, o->ok, cnt, fr);
    if (rc == 0) rc = exec(o, "BEGIN IMMEDIATE") || exec(o, "UPDATE points SET pareto = 0 WHERE pareto IS NOT 0") ? -1 : 0;
    if (rc == 0) {
        sqlite3_stmt *up;
        if (sqlite3_prepare_v2(o->db, "UPDATE points SET pareto = 1 WHERE id = ?", -1, &up, NULL) != SQLITE_OK)
            rc = db_fail(o, "updating pareto");
        for (long i = 0; rc == 0 && i < cnt; i++) {
            if (!fr[i]) continue;
            sqlite3_reset(up);
            sqlite3_bind_int64(up, 1, ids[i]);
            if (sqlite3_step(up) != SQLITE_DONE) rc = db_fail(o, "updating pareto");
            else rc = add_front(o, ids[i]);
        }
        sqlite3_finalize(up);
        char b[32];
        snprintf(b, sizeof b, "%ld", cnt);
        if (rc == 0) rc = put_spec(o, "complete", cnt == npu_sweep_points(s) * (long)npu_sweep_rows_per_point(s) ? "1" : "0");
        if (rc == 0) rc = put_spec(o, "rows", b);
        rc = rc == 0 ? exec(o, "COMMIT") : (exec(o, "ROLLBACK"), -1);
    }
    free(fr), free(ids);
    if (rc == 0) exec(o, "PRAGMA wal_checkpoint(TRUNCATE)");
    return rc;
}

int npu_sweep_out_finish(npu_sweep_out *o) {
    int rc = o->kind == OUT_SQLITE ? finish_sqlite(o) : finish_csv(o);
    if (o->ins) sqlite3_finalize(o->ins), o->ins = NULL;
    if (o->db) {
        if (sqlite3_close(o->db) != SQLITE_OK && rc == 0) rc = db_fail(o, "closing");
        o->db = NULL;
    }
    return rc;
}

long npu_sweep_out_front(const npu_sweep_out *o, const int64_t **ids) {
    *ids = o->front;
    return o->n_front;
}

long npu_sweep_out_count(const npu_sweep_out *o, long *feasible) {
    if (feasible) *feasible = o->n_feasible;
    return o->n_rows;
}

void npu_sweep_out_free(npu_sweep_out *o) {
    if (!o) return;
    if (o->ins) sqlite3_finalize(o->ins);
    if (o->db) sqlite3_close(o->db);
    if (o->f) fclose(o->f);
    free(o->vals), free(o->ids), free(o->group), free(o->ok), free(o->done), free(o->front);
    npu_sweep_cells_free(o->cells);
    free(o->num), free(o->str), free(o->line);
    free(o);
}
