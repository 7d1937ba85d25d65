/* npu_html — the HTML report: one self-contained page (Vega and the data
 * inlined; no file, no network) that draws a result of `run`, `serve` or
 * `sweep`. Presentation only, like npu_report: it reads the result JSON the CLI
 * prints with --json (the same fields), reshapes it into the tables the charts
 * draw, and writes the page. Charts are Vega specs of our own (src/html/NAME.vg.json)
 * rendered in the browser by Vega from Debian's libjs-vega, embedded at build
 * time by tools/embed_web.c. Tested in headless Chromium (tests/browser/).
 *
 *   run    roofline of the chip with each kernel on it, time by kernel kind,
 *          time by kernel of each step (coloured by bound), the memory plan
 *   serve  TTFT and TPOT against output throughput (one point per arrival rate
 *          in "rate_curve", or the run itself), TTFT and TPOT histograms
 *          ("histograms"), queue length and KV-cache use over time ("timeline")
 *   sweep  Pareto front on two objectives (hover: every column of the design),
 *          a heatmap of the best objective over two axes, parallel coordinates
 *
 * A sweep result is an object {"kind": "sweep", "columns": [names], "rows":
 * [[values]], "spec": {...} (optional)}: npu_html_sweep_load reads one from
 * the CSV or SQLite file `npusim sweep` writes (table `points`). */
#ifndef NPU_HTML_H
#define NPU_HTML_H

#include "npu_serve.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum { NPU_HTML_RUN = 0, NPU_HTML_SERVE, NPU_HTML_SWEEP, NPU_HTML_KINDS } npu_html_kind;
extern const char *const npu_html_kind_names[NPU_HTML_KINDS];

/* Where a page comes from, shown in its header and footer (NULL = not shown). */
typedef struct npu_html_meta {
    const char *version; /* npusim version that draws the page */
    const char *command; /* command line that produced the result */
    const char *source;  /* file the result was read from */
} npu_html_meta;

/* Which kind of result `result` is: a sweep ("columns" and "rows"), a serving
 * run ("timeline"), a run ("memory" and a "*_step"). -1 + npu_err otherwise. */
int npu_html_kind_of(const cJSON *result, npu_html_kind *kind);

/* The page for `result`, malloc'd (free it), or NULL + npu_err naming the
 * missing or malformed field, or saying this npusim was built without Vega. */
char *npu_html_render(const cJSON *result, const npu_html_meta *meta);

/* Render and write to `path`; -1 + npu_err on a render or write error. */
int npu_html_write_file(const char *path, const cJSON *result, const npu_html_meta *meta);

/* Whether Vega was embedded at build time (Debian libjs-vega present). */
bool npu_html_have_vega(void);

/* ---- data for the pages (npu_html_data.c) ---- */

/* Adds to a serve result object `j` (the `serve --json` fields):
 *   "config"      the deployment and workload options of `c`
 *   "histograms"  {"ttft_ms"|"tpot_ms": {"edges": [bins+1], "counts": [bins],
 *                 "n": requests}} of the completed requests, from r->req (or,
 *                 with max_rate_rps > 0, a rerun of the curve's point at that
 *                 rate, which is the run `r`); absent without records
 *   "rate_curve"  [{rate_rps, throughput_tok_s, throughput_req_s, ttft_ms{p50,
 *                 p90,p99}, tpot_ms{...}, meets_slo (absent without SLOs)}]:
 *                 with max_rate_rps > 0, simulations of `c` at Poisson rates
 *                 from 0.25x to 1.25x of it; otherwise the one point of `r`.
 * -1 + npu_err when a simulation of the curve fails. */
int npu_html_serve_json(cJSON *j, const npu_serve_cfg *c, const npu_serve_result *r, double max_rate_rps);

/* Histogram of v[0..n) in `bins` equal bins from the lowest to the highest
 * value: {"edges": [...], "counts": [...], "n": n}. */
cJSON *npu_html_histogram(const double *v, long n, int bins);

/* A sweep result (see above) from a CSV file (header row = column names) or a
 * SQLite database (table `points`; the spec from a text cell of another table
 * holding a JSON object with "axes" or "objectives"). Numbers become numbers,
 * empty cells and NULL become null. NULL + npu_err on a bad file. */
cJSON *npu_html_sweep_load(const char *path);

#endif
