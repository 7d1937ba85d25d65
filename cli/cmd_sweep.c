/* cmd_sweep — `npusim sweep SPEC.json` (issue 13): design-space exploration.
 * Reads the spec (docs/sweep.md), evaluates every point on --jobs threads
 * (OpenMP) — or, built as build/npusim-mpi (make mpi), on MPI ranks that split
 * the points while rank 0 gathers and writes — and writes CSV or SQLite;
 * --top K prints the Pareto front. A command of the library's command layer
 * (its text goes to o->f, progress through o->progress); the npusim program
 * runs it in-process so that a million CSV rows stream instead of collecting in
 * a result string, and so that the MPI build's own copy of this file (which
 * replaces the library's at link time) can drive the ranks. The JSON API's
 * npusim_sweep (npu_api.c) gives the rows as JSON instead. */
#include "args.h"
#include "cmds.h"
#include "npu_html.h"
#include "npu_override.h"
#include "npu_sweep.h"
#include "npu_sweepio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef NPU_MPI
#include <mpi.h>
#endif

static double wall_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct progress {
    double t0, last;
    long start_done; /* points already done when this run started (resume) */
    bool on;
    const cli_out *o;
} progress;

/* points done, rate and ETA, through the caller's progress callback (the
 * program draws it on stderr when that is a terminal) */
static void show_progress(void *ctx, long done, long total) {
    progress *p = ctx;
    double now = wall_s();
    if (!p->on || !p->o->progress || (now - p->last < 0.25 && done < total)) return;
    p->last = now;
    double el = now - p->t0, rate = el > 0 ? (done - p->start_done) / el : 0;
    double eta = rate > 0 ? (total - done) / rate : 0;
    char task[160];
    snprintf(task, sizeof task, "sweep %ld/%ld points, %.0f/s, ETA %.0f s", done, total, rate, eta);
    p->o->progress(p->o->progress_user, task, total ? (double)done / total : 1.0);
}

static int list_paths(FILE *f) {
    for (int i = 0; i < npu_ov_path_count(); i++) {
        const char *help;
        const char *p = npu_ov_path_at(i, &help);
        if (strncmp(p, "hw.sram[]", 9) == 0) fprintf(f, "hw.sram[N]%-29s %s\n", p + 9, help);
        else fprintf(f, "%-39s %s\n", p, help);
    }
    fprintf(f, "\nhw.sram[N].key may also be written hw.sram.LEVEL.key (e.g. hw.sram.l2.mb).\n"
               "model paths also take the HuggingFace names (model.num_hidden_layers, model.hidden_size, ...).\n");
    return 0;
}

/* --top K: the front rows of each workload, best first by the first objective. */
typedef struct top_row {
    npu_sweep_row r;
    double key;
} top_row;

static int cmp_top(const void *a, const void *b) {
    const top_row *x = a, *y = b;
    if (x->r.workload != y->r.workload) return x->r.workload - y->r.workload;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->r.id < y->r.id ? -1 : x->r.id > y->r.id;
}

static void fmt_cell(char *b, size_t cap, double v, const char *s) {
    if (s) snprintf(b, cap, "%s", s);
    else if (isnan(v)) snprintf(b, cap, "-");
    else if (v == floor(v) && fabs(v) < 1e9) snprintf(b, cap, "%.0f", v);
    else snprintf(b, cap, "%.4g", v);
}

static int print_top(FILE *f, const npu_sweep *s, const int64_t *ids, long n, long k) {
    int rpp = npu_sweep_rows_per_point(s);
    top_row *t = calloc((size_t)(n > 0 ? n : 1), sizeof *t);
    npu_sweep_row *tmp = calloc((size_t)rpp, sizeof *tmp);
    npu_sweep_ctx *ctx = npu_sweep_ctx_new(s);
    npu_sweep_cells *cells = npu_sweep_cells_new(s);
    int nc = npu_sweep_ncols(s);
    double *num = calloc((size_t)nc, sizeof *num);
    const char **str = calloc((size_t)nc, sizeof *str);
    if (!t || !tmp || !ctx || !cells || !num || !str) {
        free(t), free(tmp), npu_sweep_ctx_free(ctx), npu_sweep_cells_free(cells), free(num), free(str);
        npu_err("out of memory");
        return -1;
    }
    for (long i = 0; i < n; i++) { /* rows are a pure function of the point: evaluate the front again */
        npu_sweep_eval_point(s, ctx, (long)(ids[i] / rpp), tmp);
        t[i].r = tmp[ids[i] % rpp];
        t[i].r.pareto = 1;
        double v[16];
        npu_sweep_objective_vals(s, &t[i].r, v);
        t[i].key = v[0];
    }
    qsort(t, (size_t)n, sizeof *t, cmp_top);
    /* columns: axes and plan, then the objectives and the headline metrics */
    int cols[64], ncol = 0;
    bool axes = false; /* the axis columns sit between "point" and "workload" */
    for (int c = 0; c < nc && ncol < 64; c++) {
        const char *nm = npu_sweep_col_name(s, c);
        if (!strcmp(nm, "point") || !strcmp(nm, "workload")) {
            axes = !strcmp(nm, "point");
            continue;
        }
        if (axes) {
            cols[ncol++] = c;
            continue;
        }
        if (!strcmp(nm, "id") || !strcmp(nm, "feasible") || !strcmp(nm, "reason") || !strcmp(nm, "pareto") ||
            !strcmp(nm, "fits") || !strncmp(nm, "workload.", 9))
            continue;
        if (!strncmp(nm, "plan.", 5)) {
            /* plan columns only when they vary */
            bool varies = false;
            for (long i = 1; i < n && !varies; i++) varies = memcmp(&t[i].r.used, &t[0].r.used, sizeof t[0].r.used);
            if (varies) cols[ncol++] = c;
        }
    }
    static const char *const headline[] = {"tokens_per_s_per_chip", "usd_per_mtok", "energy_j_per_token", "die_mm2",
                                           "unit_cost_usd", "power_w"};
    for (int i = 0; i < npu_sweep_nobjectives(s) + (int)NPU_ARRAY_LEN(headline) && ncol < 64; i++) {
        const char *nm = i < npu_sweep_nobjectives(s) ? npu_sweep_objective(s, i, NULL)
                                                       : headline[i - npu_sweep_nobjectives(s)];
        for (int c = 0; c < nc; c++) {
            if (strcmp(npu_sweep_col_name(s, c), nm)) continue;
            bool dup = false;
            for (int j = 0; j < ncol; j++) dup |= cols[j] == c;
            if (!dup) cols[ncol++] = c;
        }
    }
    long i = 0;
    for (int w = 0; w < npu_sweep_workloads(s); w++) {
        long a = i, cnt = 0;
        while (i < n && t[i].r.workload == w) i++, cnt++;
        if (!cnt) {
            fprintf(f, "workload %d: no feasible point\n\n", w);
            continue;
        }
        npu_sweep_row_cells(s, &t[a].r, cells, num, str);
        int wn = -1, wp = -1;
        for (int c = 0; c < nc; c++) {
            if (!strcmp(npu_sweep_col_name(s, c), "workload.name")) wn = c;
            if (!strcmp(npu_sweep_col_name(s, c), "workload.phase")) wp = c;
        }
        bool mx;
        const char *o0 = npu_sweep_objective(s, 0, &mx);
        fprintf(f, "workload %d%s%s (%s): Pareto front, %ld point%s; top %ld by %s (%s)\n", w, wn >= 0 && str[wn] ? " " : "",
               wn >= 0 && str[wn] ? str[wn] : "", wp >= 0 && str[wp] ? str[wp] : "?", cnt, cnt == 1 ? "" : "s",
               k < cnt ? k : cnt, o0, mx ? "max" : "min");
        int width[64];
        for (int j = 0; j < ncol; j++) width[j] = (int)strlen(npu_sweep_col_name(s, cols[j]));
        for (long r = a; r < a + cnt && r - a < k; r++) {
            npu_sweep_row_cells(s, &t[r].r, cells, num, str);
            for (int j = 0; j < ncol; j++) {
                char b[128];
                fmt_cell(b, sizeof b, num[cols[j]], str[cols[j]]);
                if ((int)strlen(b) > width[j]) width[j] = (int)strlen(b);
            }
        }
        for (int j = 0; j < ncol; j++) fprintf(f, "%s%*s", j ? "  " : "  ", width[j], npu_sweep_col_name(s, cols[j]));
        fputc('\n', f);
        for (long r = a; r < a + cnt && r - a < k; r++) {
            npu_sweep_row_cells(s, &t[r].r, cells, num, str);
            for (int j = 0; j < ncol; j++) {
                char b[128];
                fmt_cell(b, sizeof b, num[cols[j]], str[cols[j]]);
                fprintf(f, "  %*s", width[j], b);
            }
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    free(t), free(tmp), npu_sweep_ctx_free(ctx), npu_sweep_cells_free(cells), free(num), free(str);
    return 0;
}

#ifdef NPU_MPI
/* Ranks split the points in blocks (block b on rank b mod size); rank 0
 * evaluates its own blocks and receives the others' in block order, so it
 * writes exactly the rows, in the order, a single process writes. Workers send
 * without waiting (two buffers), so they compute ahead while rank 0 writes. */
static int run_mpi(const npu_sweep *s, npu_sweep_out *out, const unsigned char *done, int jobs, long block, int rank,
                   int size, progress *pg) {
    int rpp = npu_sweep_rows_per_point(s);
    long total = npu_sweep_points(s);
    npu_sweep_ctx **ctx = calloc((size_t)jobs, sizeof *ctx);
    npu_sweep_row *buf[2] = {malloc((size_t)block * rpp * sizeof **buf), malloc((size_t)block * rpp * sizeof **buf)};
    long got[2] = {0, 0};
    MPI_Request req[2][2] = {{MPI_REQUEST_NULL, MPI_REQUEST_NULL}, {MPI_REQUEST_NULL, MPI_REQUEST_NULL}};
    int rc = 0, cur = 0;
    if (!ctx || !buf[0] || !buf[1]) rc = -1;
    for (int i = 0; rc == 0 && i < jobs; i++)
        if (!(ctx[i] = npu_sweep_ctx_new(s))) rc = -1;
    if (rc) { /* a rank without memory cannot take part: stop them all */
        npu_err("sweep: out of memory on rank %d", rank);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    long ndone = 0;
    for (long i = 0; i < total; i++) ndone += npu_sweep_bit(done, i);
    long nblocks = (total + block - 1) / block;
    for (long b = 0; b < nblocks && rc == 0; b++) {
        int owner = (int)(b % size);
        long first = b * block, n = first + block <= total ? block : total - first;
        if (rank == 0) {
            long g = 0;
            if (owner == 0) g = npu_sweep_eval_block(s, ctx, jobs, first, n, done, buf[0]);
            else {
                MPI_Recv(&g, 1, MPI_LONG, owner, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                if (g > 0) MPI_Recv(buf[0], (int)(g * (long)sizeof **buf), MPI_BYTE, owner, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            }
            if (g < 0) {
                npu_err("sweep: out of memory on rank %d", owner);
                rc = -1;
            } else if (g && npu_sweep_out_rows(out, buf[0], g)) {
                rc = -1;
            }
            ndone += g > 0 ? g / rpp : 0;
            show_progress(pg, ndone, total);
        } else if (owner == rank) {
            MPI_Waitall(2, req[cur], MPI_STATUSES_IGNORE); /* this buffer's previous sends are done */
            got[cur] = npu_sweep_eval_block(s, ctx, jobs, first, n, done, buf[cur]);
            MPI_Isend(&got[cur], 1, MPI_LONG, 0, 1, MPI_COMM_WORLD, &req[cur][0]);
            if (got[cur] > 0)
                MPI_Isend(buf[cur], (int)(got[cur] * (long)sizeof **buf), MPI_BYTE, 0, 2, MPI_COMM_WORLD, &req[cur][1]);
            cur ^= 1;
        }
    }
    MPI_Waitall(2, req[0], MPI_STATUSES_IGNORE);
    MPI_Waitall(2, req[1], MPI_STATUSES_IGNORE);
    for (int i = 0; ctx && i < jobs; i++) npu_sweep_ctx_free(ctx[i]);
    free(ctx), free(buf[0]), free(buf[1]);
    if (rc && rank == 0 && size > 1) { /* the others wait for rank 0: stop them (the message is lost with them) */
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    return rc;
}
#endif

static int cmd_sweep(const cli_args *a, cli_out *o) {
    if (cli_has(a, O_PATHS)) return list_paths(o->f);
    if (a->n_pos < 1) {
        npu_err("sweep needs a spec file: npusim sweep SPEC.json [--out x.csv|x.sqlite] (docs/sweep.md)");
        return -1;
    }
    long jobs = cli_has(a, O_JOBS) ? (long)cli_int(a, O_JOBS) : 0, top = cli_has(a, O_TOP) ? (long)cli_int(a, O_TOP) : 0;
    long every = cli_has(a, O_COMMIT_EVERY) ? (long)cli_int(a, O_COMMIT_EVERY) : 0;
    int rank = 0, size = 1;
#ifdef NPU_MPI
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (!jobs) { /* share the node's cores among its ranks */
        const char *ls = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
        int local = ls ? atoi(ls) : 1;
        jobs = npu_sweep_default_jobs() / (local > 0 ? local : 1);
        if (jobs < 1) jobs = 1;
    }
#define SWEEP_EXIT(code) (MPI_Finalize(), (code))
#else
#define SWEEP_EXIT(code) (code)
#endif
    npu_sweep *s;
    if (npu_sweep_load(a->pos[0], &s)) return SWEEP_EXIT(-1);
    if (cli_has(a, O_COUNT)) {
        if (rank == 0)
            fprintf(o->f, "%ld points x %d rows per point = %ld rows, %d columns\n", npu_sweep_points(s),
                    npu_sweep_rows_per_point(s), npu_sweep_points(s) * npu_sweep_rows_per_point(s), npu_sweep_ncols(s));
        npu_sweep_free(s);
        return SWEEP_EXIT(0);
    }
    const char *path = cli_str(a, O_OUT);
    if (!path && !top) path = "-";
    const char *html = cli_str(a, O_HTML); /* the report is drawn from the written rows */
    if (html && (!path || strcmp(path, "-") == 0)) {
        npu_err("sweep --html needs --out FILE.csv or FILE.sqlite (the page is drawn from it)");
        npu_sweep_free(s);
        return SWEEP_EXIT(-1);
    }
    bool resume = cli_has(a, O_RESUME);
    npu_sweep_out *out = NULL;
    const unsigned char *done = NULL;
    long n_done = 0;
    int ok = 1;
    if (rank == 0) {
        ok = npu_sweep_out_open(s, path, resume, o->f, &out) == 0;
        if (ok) done = npu_sweep_out_done(out, &n_done);
    }
    unsigned char *done_copy = NULL;
#ifdef NPU_MPI
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (ok) {
        long bytes = npu_sweep_points(s) / 8 + 1;
        int have = done != NULL;
        MPI_Bcast(&have, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (have) {
            done_copy = calloc((size_t)bytes, 1);
            if (rank == 0) memcpy(done_copy, done, (size_t)bytes);
            MPI_Bcast(done_copy, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
            done = done_copy;
        }
    } else if (rank != 0) {
        npu_err("sweep: rank 0 could not open its output");
    }
#endif
    if (!ok) {
        npu_sweep_free(s);
        return SWEEP_EXIT(-1);
    }
    progress pg = {.t0 = wall_s(), .start_done = n_done, .on = rank == 0 && !cli_has(a, O_QUIET), .o = o};
    long block = every;
    if (!block) {
        block = 16384 / npu_sweep_rows_per_point(s);
        if (block < 16) block = 16;
    }
    if (block > npu_sweep_points(s)) block = npu_sweep_points(s) > 0 ? npu_sweep_points(s) : 1;
    int rc;
#ifdef NPU_MPI
    rc = run_mpi(s, out, done, (int)jobs, block, rank, size, &pg);
#else
    (void)size;
    npu_sweep_opts so = {.jobs = (int)jobs, .block_points = block, .done = done, .progress = show_progress,
                         .progress_ctx = &pg};
    npu_sweep_sink sink = {.ctx = out, .rows = npu_sweep_out_sink};
    rc = npu_sweep_run(s, &so, &sink);
#endif
    if (rank == 0) {
        if (rc == 0) rc = npu_sweep_out_finish(out);
        if (rc == 0 && top) {
            const int64_t *ids;
            long nf = npu_sweep_out_front(out, &ids);
            rc = print_top(o->f, s, ids, nf, top);
        }
        npu_sweep_out_free(out);
        if (rc == 0 && html) { /* the HTML report (npu_html): Pareto front, heatmap, parallel coordinates */
            cJSON *j = npu_html_sweep_load(path);
            rc = !j || cli_write_html(html, j, a) ? -1 : 0;
            cJSON_Delete(j);
        }
    }
    free(done_copy);
    npu_sweep_free(s);
    return SWEEP_EXIT(rc ? -1 : 0);
}

static const cli_use sweep_opts[] = {
    {O_OUT, .note = "default: CSV on stdout, or nothing with --top"},
    {O_JOBS}, {O_RESUME, .note = "SQLite output only"},
    {O_TOP, .note = "print the K best Pareto-front rows of each workload (by the first objective)"},
    {O_COMMIT_EVERY}, {O_COUNT}, {O_PATHS}, {O_QUIET},
    {O_HTML, .note = "drawn from --out: the Pareto front, a heatmap over two axes, parallel coordinates"},
};
const cli_cmd cli_cmd_sweep = {
    "sweep", "SPEC.json", 0, 1, "evaluate a design space: chips x models x workloads x plans, with Pareto fronts",
    "The spec names a base (hw, model, engine, datatypes), axes over any --set path (lists or\n"
    "{from, to, step|factor} ranges), workloads (run phases, serving scenarios with SLOs), plans (or\n"
    "\"auto\"), objectives and constraints; a grid or a random / Latin-hypercube sample. One row per\n"
    "point, workload and plan to CSV or SQLite; a killed SQLite sweep continues with --resume.\n"
    "build/npusim-mpi (make mpi) splits the points over MPI ranks. Spec format: docs/sweep.md.",
    sweep_opts, (int)NPU_ARRAY_LEN(sweep_opts), cmd_sweep, false};
