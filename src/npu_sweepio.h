/* npu_sweepio — where a sweep's rows go: a CSV file or a SQLite database.
 *
 * CSV (path ending .csv, or "-" for a stream the caller gives): one header line, one line per
 * row in id order, empty cells for undefined values. The pareto column (last)
 * is known only when every row is in: rows stream to PATH.part, and finishing
 * rewrites it into PATH with the flags (the objectives of each row are kept in
 * memory meanwhile, k doubles per row).
 *
 * SQLite (.sqlite, .sqlite3 or .db): table `points` (one column per output
 * column, `id` the primary key) and table `spec` (key, value: the spec's
 * canonical JSON, the version, point and row counts, `complete`). Each block
 * of rows is one transaction (WAL journal), so a sweep killed at any moment
 * leaves whole points; reopening with resume reads which points are stored,
 * checks the spec is the same, and the sweep skips them. Finishing recomputes
 * every pareto flag from the table. */
#ifndef NPU_SWEEPIO_H
#define NPU_SWEEPIO_H

#include "npu_sweep.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct npu_sweep_out npu_sweep_out;

/* path "-": CSV to `stream` (the library never writes stdout itself); NULL: no
 * file, only the front (npu_sweep_out_front). -1 + npu_err: cannot create,
 * exists without resume, resume with a different spec, resume on CSV. */
int npu_sweep_out_open(const npu_sweep *s, const char *path, bool resume, FILE *stream, npu_sweep_out **out);
/* Points already stored (resume); NULL when none. */
const unsigned char *npu_sweep_out_done(const npu_sweep_out *o, long *n_done);
/* Append rows (in id order for CSV). -1 + npu_err on a write error. */
int npu_sweep_out_rows(npu_sweep_out *o, const npu_sweep_row *rows, long n);
/* Pareto flags, then close. -1 + npu_err. */
int npu_sweep_out_finish(npu_sweep_out *o);
/* After finish: the ids of the rows on the front, and counts. */
long npu_sweep_out_front(const npu_sweep_out *o, const int64_t **ids);
long npu_sweep_out_count(const npu_sweep_out *o, long *feasible);
void npu_sweep_out_free(npu_sweep_out *o);

/* A number as the CSV writes it: 10 significant digits like printf's %.10g
 * (shortest form, exponent from 1e10 and below 1e-4), without printf's exact
 * decimal conversion, which is most of a CSV row's cost; integers exactly up to
 * 2^53. The last digit may differ from %.10g on exact ties. Returns the length. */
int npu_sweep_fmt_num(double v, char *buf);

/* The sink adaptor: npu_sweep_sink{.ctx = out, .rows = npu_sweep_out_sink}. */
int npu_sweep_out_sink(void *out, const npu_sweep_row *rows, long n);

#endif
