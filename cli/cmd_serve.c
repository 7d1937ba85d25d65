/* cmd_serve — `npusim serve`: the serving simulation (issue 5). Parses the
 * options into an npu_serve_cfg, runs npu_serve_run (or the max-rate search or
 * the fleet sizing) and prints a table, or JSON with --json. */
#include "args.h"
#include "cmds.h"
#include "npusim.h"
#include "npu_html.h"
#include "npu_serve.h"
#include "npu_workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct progress_bar {
    double t0_s;
    bool shown;
} progress_bar;

static double wall_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void show_progress(void *ctx, double frac) {
    progress_bar *p = ctx;
    if (!p->shown && wall_s() - p->t0_s < 0.5) return; /* short runs stay silent */
    p->shown = true;
    int w = 40, k = (int)(frac * w);
    fprintf(stderr, "\rserve [%.*s%*s] %3.0f%%", k, "########################################", w - k, "", frac * 100);
    fflush(stderr);
}

static cJSON *lat_json(const npu_lat *l) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "mean", l->mean * 1e3);
    cJSON_AddNumberToObject(o, "p50", l->p50 * 1e3);
    cJSON_AddNumberToObject(o, "p90", l->p90 * 1e3);
    cJSON_AddNumberToObject(o, "p99", l->p99 * 1e3);
    cJSON_AddNumberToObject(o, "max", l->max * 1e3);
    return o;
}

static cJSON *result_json(const npu_serve_cfg *c, const npu_serve_result *r) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model", c->pool.model->name);
    cJSON_AddStringToObject(j, "hw", c->pool.hw->name);
    cJSON_AddStringToObject(j, "scheduler", npu_sched_names[c->sched]);
    cJSON_AddStringToObject(j, "router", npu_route_names[c->route]);
    cJSON_AddStringToObject(j, "arrival", npu_arrival_names[c->wl.arrival]);
    cJSON_AddNumberToObject(j, "replicas", r->n_replicas);
    cJSON_AddNumberToObject(j, "chips", r->chips);
    cJSON_AddNumberToObject(j, "requests", (double)r->requests);
    cJSON_AddNumberToObject(j, "rejected", (double)r->rejected);
    if (r->rejected) cJSON_AddStringToObject(j, "reject_reason", r->reject_reason);
    cJSON_AddNumberToObject(j, "duration_s", r->duration_s);
    cJSON_AddNumberToObject(j, "tokens_in", (double)r->tokens_in);
    cJSON_AddNumberToObject(j, "tokens_out", (double)r->tokens_out);
    cJSON_AddNumberToObject(j, "throughput_tok_s", r->throughput_tok_s);
    cJSON_AddNumberToObject(j, "throughput_req_s", r->throughput_req_s);
    cJSON_AddNumberToObject(j, "goodput_req_s", r->goodput_req_s);
    cJSON_AddNumberToObject(j, "power_w", r->power_w);
    cJSON_AddNumberToObject(j, "energy_j", r->energy_j);
    cJSON_AddNumberToObject(j, "energy_j_per_request", r->requests ? r->energy_j / r->requests : 0);
    cJSON_AddNumberToObject(j, "energy_j_per_token", r->tokens_out ? r->energy_j / r->tokens_out : 0);
    cJSON_AddNumberToObject(j, "slo_ttft_ms", c->slo_ttft_s * 1e3);
    cJSON_AddNumberToObject(j, "slo_tpot_ms", c->slo_tpot_s * 1e3);
    cJSON_AddItemToObject(j, "ttft_ms", lat_json(&r->ttft));
    cJSON_AddItemToObject(j, "tpot_ms", lat_json(&r->tpot));
    cJSON_AddItemToObject(j, "e2e_ms", lat_json(&r->e2e));
    cJSON_AddItemToObject(j, "queue_ms", lat_json(&r->queue));
    cJSON_AddNumberToObject(j, "queue_len_mean", r->queue_len_mean);
    cJSON_AddNumberToObject(j, "queue_len_max", r->queue_len_max);
    cJSON_AddNumberToObject(j, "arrival_rate_rps", r->arrival_rate_rps);
    cJSON_AddNumberToObject(j, "kv_use_mean", r->kv_use_mean);
    cJSON_AddNumberToObject(j, "kv_use_max", r->kv_use_max);
    cJSON_AddNumberToObject(j, "kv_tokens_per_replica", (double)r->kv_tokens_per_replica);
    cJSON_AddNumberToObject(j, "preemptions", (double)r->preemptions);
    cJSON_AddNumberToObject(j, "steps", (double)r->steps);
    cJSON *tl = cJSON_AddObjectToObject(j, "timeline");
    cJSON_AddItemToObject(tl, "t_s", cJSON_CreateDoubleArray(r->tl_t_s, r->n_timeline));
    cJSON_AddItemToObject(tl, "queue_len", cJSON_CreateDoubleArray(r->tl_queue, r->n_timeline));
    cJSON_AddItemToObject(tl, "kv_use", cJSON_CreateDoubleArray(r->tl_kv, r->n_timeline));
    /* energy / cost hook (issue 6): busy time and work per pool */
    cJSON *e = cJSON_AddObjectToObject(j, "usage");
    for (int pool = 0; pool < 2; pool++) {
        double busy = 0, flops = 0, bytes = 0;
        long steps = 0;
        int chips = 0, n = 0;
        for (int i = 0; i < r->n_replicas; i++) {
            const npu_replica_use *u = &r->use[i];
            if (u->prefill_pool != (pool == 0)) continue;
            busy += u->busy_s, flops += u->flops, bytes += u->bytes, steps += u->steps, chips += u->chips, n++;
        }
        if (!n) continue;
        cJSON *p = cJSON_AddObjectToObject(e, pool == 0 ? "prefill_pool" : "replicas");
        cJSON_AddNumberToObject(p, "replicas", n);
        cJSON_AddNumberToObject(p, "chips", chips);
        cJSON_AddNumberToObject(p, "busy_s", busy);
        cJSON_AddNumberToObject(p, "steps", (double)steps);
        cJSON_AddNumberToObject(p, "flops", flops);
        cJSON_AddNumberToObject(p, "dram_bytes", bytes);
    }
    return j;
}

static void print_lat(const char *name, const npu_lat *l) {
    printf("  %-10s mean %9.2f  p50 %9.2f  p90 %9.2f  p99 %9.2f  ms\n", name, l->mean * 1e3, l->p50 * 1e3,
           l->p90 * 1e3, l->p99 * 1e3);
}

static void print_table(const npu_serve_cfg *c, const npu_serve_result *r) {
    printf("serve: %s on %s, %s scheduler, %d replica%s (%d chips), %s arrivals\n", c->pool.model->name,
           c->pool.hw->name, npu_sched_names[c->sched], r->n_replicas, r->n_replicas == 1 ? "" : "s", r->chips,
           npu_arrival_names[c->wl.arrival]);
    printf("  requests   %ld completed, %ld rejected%s%s\n", r->requests, r->rejected, r->rejected ? ": " : "",
           r->rejected ? r->reject_reason : "");
    printf("  duration   %.3f s simulated, %ld steps, %ld preemptions\n", r->duration_s, r->steps, r->preemptions);
    printf("  throughput %.1f output tok/s, %.3f req/s; goodput %.3f req/s\n", r->throughput_tok_s,
           r->throughput_req_s, r->goodput_req_s);
    printf("  energy     %.1f W per chip on average; %.4g J per request, %.4g J per output token\n", r->power_w,
           r->requests ? r->energy_j / r->requests : 0, r->tokens_out ? r->energy_j / r->tokens_out : 0);
    print_lat("TTFT", &r->ttft);
    print_lat("TPOT", &r->tpot);
    print_lat("E2E", &r->e2e);
    print_lat("queue", &r->queue);
    printf("  queue len  mean %.2f  max %.0f\n", r->queue_len_mean, r->queue_len_max);
    printf("  KV cache   %ld tokens per replica; use mean %.1f%%  max %.1f%%\n", r->kv_tokens_per_replica,
           r->kv_use_mean * 100, r->kv_use_max * 100);
}

static int write_requests(const char *path, const npu_serve_result *r) {
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        npu_err("--requests-out: cannot write '%s'", path);
        return -1;
    }
    static const char *const st[] = {"done", "rejected_context", "rejected_kv"};
    fprintf(f, "id,arrival_s,input_tokens,output_tokens,replica,status,ttft_ms,tpot_ms,e2e_ms,queue_ms,preemptions\n");
    for (long i = 0; i < r->n_req; i++) {
        const npu_req_rec *q = &r->req[i];
        double tpot = q->output >= 2 && q->status == NPU_REQ_DONE ? (q->finish_s - q->first_s) / (q->output - 1) : 0;
        fprintf(f, "%ld,%.6f,%d,%d,%d,%s,%.3f,%.3f,%.3f,%.3f,%d\n", i, q->arrival_s, q->input, q->output, q->replica,
                st[q->status], (q->first_s - q->arrival_s) * 1e3, tpot * 1e3, (q->finish_s - q->arrival_s) * 1e3,
                q->queue_s * 1e3, q->preemptions);
    }
    if (f != stdout && fclose(f)) {
        npu_err("--requests-out: error writing '%s'", path);
        return -1;
    }
    return 0;
}

int cmd_serve(int argc, char **argv) {
    cli_opt o[] = {
        {"model", 1, 0},         {"hw", 1, 0},          {"tp", 1, 0},             {"dtype", 1, 0},
        {"act-dtype", 1, 0},     {"kv-dtype", 1, 0},    {"stack", 1, 0},          {"replicas", 1, 0},
        {"router", 1, 0},        {"scheduler", 1, 0},   {"max-seqs", 1, 0},       {"max-batched-tokens", 1, 0},
        {"chunk", 1, 0},         {"block-size", 1, 0},  {"kv-mem-frac", 1, 0},    {"prefix-share", 1, 0},
        {"step-overhead-us", 1, 0}, {"engine", 1, 0}, {"prefill-hw", 1, 0}, {"prefill-tp", 1, 0},   {"prefill-replicas", 1, 0},
        {"decode-replicas", 1, 0}, {"rate", 1, 0},      {"arrival", 1, 0},        {"burstiness", 1, 0},
        {"concurrency", 1, 0},   {"trace", 1, 0},       {"input", 1, 0},          {"output", 1, 0},
        {"input-dist", 1, 0},    {"output-dist", 1, 0}, {"requests", 1, 0},       {"seed", 1, 0},
        {"slo-ttft", 1, 0},      {"slo-tpot", 1, 0},    {"find-max-rate", 0, 0},  {"target-rate", 1, 0},
        {"requests-out", 1, 0},  {"json", 0, 0},         {"pp", 1, 0},             {"ep", 1, 0},
        {"moe-skew", 1, 0},      CLI_TCO_OPTS,          {"html", 1, 0} /* issue 14 */,
    };
    int n = (int)NPU_ARRAY_LEN(o), npos;
    const char *pos[1];
    if (cli_parse(argc, argv, 2, o, n, pos, 0, &npos)) return cli_fail();
    const char *ms = cli_get(o, n, "model"), *hs = cli_get(o, n, "hw");
    if (!ms || !hs) {
        npu_err("serve needs --model and --hw");
        return cli_fail();
    }
    npu_serve_cfg c;
    npu_serve_defaults(&c);
    const char *v;
    if ((v = cli_get(o, n, "scheduler"))) {
        int k = cli_pick(v, npu_sched_names, NPU_SCHED_COUNT, "scheduler");
        if (k < 0) return cli_fail();
        c.sched = (npu_sched)k;
    }
    if ((v = cli_get(o, n, "router"))) {
        int k = cli_pick(v, npu_route_names, NPU_ROUTE_COUNT, "router");
        if (k < 0) return cli_fail();
        c.route = (npu_route)k;
    }
    npu_step_cfg step = {.stack = NPU_STACK_FUSED};
    if ((v = cli_get(o, n, "stack"))) {
        int k = cli_pick(v, npu_stack_names, 2, "stack");
        if (k < 0) return cli_fail();
        step.stack = (npu_stack)k;
    }
    if (cli_dtypes(o, n, &step.wdt, &step.adt, &step.kvdt)) return cli_fail();
    long tp = 1, ptp = 0, replicas = 1, prep = 1, drep = 0;
    long requests = 1000, seed = 1, max_seqs = c.max_seqs, block = c.block_size, conc = 0;
    double rate = 0, cv = 1, slo_ttft = 0, slo_tpot = 0, target = 0, ovh_us = 0;
    if (cli_long(o, n, "tp", &tp, false, 1) || cli_long(o, n, "prefill-tp", &ptp, false, 1) ||
        cli_long(o, n, "replicas", &replicas, false, 1) || cli_long(o, n, "prefill-replicas", &prep, false, 1) ||
        cli_long(o, n, "decode-replicas", &drep, false, 1) || cli_long(o, n, "requests", &requests, false, 1) ||
        cli_long(o, n, "seed", &seed, false, 0) || cli_long(o, n, "max-seqs", &max_seqs, false, 1) ||
        cli_long(o, n, "max-batched-tokens", &c.max_batched_tokens, false, 1) ||
        cli_long(o, n, "chunk", &c.chunk, false, 1) || cli_long(o, n, "block-size", &block, false, 1) ||
        cli_long(o, n, "concurrency", &conc, false, 1) || cli_double(o, n, "kv-mem-frac", &c.kv_mem_frac, false, 0) ||
        cli_double(o, n, "prefix-share", &c.prefix_share, false, 0) ||
        cli_double(o, n, "step-overhead-us", &ovh_us, false, 0) || cli_double(o, n, "rate", &rate, false, 0) ||
        cli_double(o, n, "burstiness", &cv, false, 0) || cli_double(o, n, "slo-ttft", &slo_ttft, false, 0) ||
        cli_double(o, n, "slo-tpot", &slo_tpot, false, 0) || cli_double(o, n, "target-rate", &target, false, 0))
        return cli_fail();
    if (tp > 1024 || ptp > 1024 || replicas > 30000 || prep > 30000 || drep > 30000 || max_seqs > 1000000 ||
        block > 1000000 || conc > 100000000) {
        npu_err("a count option is too large (tp <= 1024, replicas <= 30000, max-seqs <= 1e6, concurrency <= 1e8)");
        return cli_fail();
    }
    if (cli_get(o, n, "kv-mem-frac") && !(c.kv_mem_frac > 0 && c.kv_mem_frac <= 1)) {
        npu_err("option '--kv-mem-frac': must be in (0, 1]");
        return cli_fail();
    }
    if (c.prefix_share >= 1) {
        npu_err("option '--prefix-share': must be below 1");
        return cli_fail();
    }
    if (cli_get(o, n, "rate") && !(rate > 0)) {
        npu_err("option '--rate': must be positive");
        return cli_fail();
    }
    if (cli_get(o, n, "burstiness") && !(cv > 0)) {
        npu_err("option '--burstiness': must be positive");
        return cli_fail();
    }
    c.max_seqs = (int)max_seqs, c.block_size = (int)block, c.requests = requests, c.seed = (uint64_t)seed;
    c.step_overhead_s = ovh_us * 1e-6;
    const char *eng = cli_get(o, n, "engine");
    if (eng && npu_engine_find(eng, &c.engine)) return cli_fail();
    c.slo_ttft_s = slo_ttft * 1e-3, c.slo_tpot_s = slo_tpot * 1e-3;
    step.plan.tp = (int)tp;
    long pp = 1, ep = 1;
    if (cli_long(o, n, "pp", &pp, false, 1) || cli_long(o, n, "ep", &ep, false, 1) ||
        cli_double(o, n, "moe-skew", &step.moe_skew, false, 0))
        return cli_fail();
    step.plan.pp = (int)pp, step.plan.ep = (int)ep;
    bool disagg = c.sched == NPU_SCHED_DISAGG;
    if (!disagg && (cli_get(o, n, "prefill-hw") || cli_get(o, n, "prefill-replicas") || cli_get(o, n, "prefill-tp") ||
                    cli_get(o, n, "decode-replicas"))) {
        npu_err("--prefill-hw, --prefill-tp, --prefill-replicas and --decode-replicas need --scheduler disagg");
        return cli_fail();
    }
    /* arrivals */
    int kinds = !!cli_get(o, n, "rate") + !!cli_get(o, n, "concurrency") + !!cli_get(o, n, "trace");
    const char *arr = cli_get(o, n, "arrival");
    int ak = -1;
    if (arr && (ak = cli_pick(arr, npu_arrival_names, NPU_ARRIVE_COUNT, "arrival")) < 0) return cli_fail();
    bool search = cli_get(o, n, "find-max-rate") || cli_get(o, n, "target-rate");
    if (kinds > 1) {
        npu_err("give only one of --rate, --concurrency and --trace");
        return cli_fail();
    }
    if (cli_get(o, n, "trace")) c.wl.arrival = NPU_ARRIVE_TRACE;
    else if (cli_get(o, n, "concurrency")) c.wl.arrival = NPU_ARRIVE_CLOSED;
    else if (ak == NPU_ARRIVE_OFFLINE) c.wl.arrival = NPU_ARRIVE_OFFLINE;
    else if (cli_get(o, n, "rate") || search) c.wl.arrival = ak == NPU_ARRIVE_GAMMA ? NPU_ARRIVE_GAMMA : NPU_ARRIVE_POISSON;
    else {
        npu_err("serve needs an arrival process: --rate R, --concurrency C, --trace FILE or --arrival offline");
        return cli_fail();
    }
    if (ak >= 0 && ak != (int)c.wl.arrival && !(ak == NPU_ARRIVE_POISSON && c.wl.arrival == NPU_ARRIVE_POISSON)) {
        npu_err("--arrival %s does not go with the other arrival options (poisson and gamma take --rate; "
                "offline takes none)", arr);
        return cli_fail();
    }
    if (ak == NPU_ARRIVE_OFFLINE && kinds) {
        npu_err("--arrival offline sends every request at time 0: drop --rate/--concurrency/--trace");
        return cli_fail();
    }
    c.wl.rate_rps = rate, c.wl.burstiness_cv = cv, c.wl.concurrency = (int)conc;
    npu_trace trace = {0};
    int rc = 2;
    npu_model m, pm;
    npu_hw hw, phw;
    npu_serve_result r = {0};
    if (c.wl.arrival == NPU_ARRIVE_TRACE) {
        if (npu_trace_load(cli_get(o, n, "trace"), &trace)) return cli_fail();
        c.wl.trace = &trace;
        if (!cli_get(o, n, "requests")) c.requests = (long)trace.n;
        if (cli_get(o, n, "input") || cli_get(o, n, "output") || cli_get(o, n, "input-dist") || cli_get(o, n, "output-dist")) {
            npu_err("--trace gives the lengths: drop --input/--output");
            goto done;
        }
    } else {
        const char *is = cli_get(o, n, "input-dist") ? cli_get(o, n, "input-dist") : cli_get(o, n, "input");
        const char *os = cli_get(o, n, "output-dist") ? cli_get(o, n, "output-dist") : cli_get(o, n, "output");
        if (!is || !os) {
            npu_err("serve needs prompt and output lengths: --input I --output O (or distributions)");
            goto done;
        }
        if (npu_dist_parse(is, 1, "--input", &c.wl.input) || npu_dist_parse(os, 0, "--output", &c.wl.output))
            goto done;
    }
    if (npu_model_load(ms, &m) || npu_hw_load(hs, &hw)) goto done;
    c.pool = (npu_pool){.model = &m, .hw = &hw, .step = step, .replicas = (int)(disagg && drep ? drep : replicas)};
    if (disagg) {
        pm = m;
        const char *ph = cli_get(o, n, "prefill-hw");
        if (ph ? npu_hw_load(ph, &phw) : (phw = hw, 0)) goto done;
        npu_step_cfg ps = step;
        ps.plan.tp = (int)(ptp ? ptp : tp);
        ps.plan.pp = (int)pp, ps.plan.ep = (int)ep;
        c.prefill = (npu_pool){.model = &pm, .hw = &phw, .step = ps, .replicas = (int)prep};
    }
    progress_bar bar = {.t0_s = wall_s()};
    if (isatty(STDERR_FILENO) && !search) c.progress = show_progress, c.progress_ctx = &bar;
    const char *req_out = cli_get(o, n, "requests-out");
    const char *html = cli_get(o, n, "html"); /* issue 14: --json and --html carry latency histograms */
    c.keep_requests = req_out != NULL || html || cli_get(o, n, "json");
    cJSON *extra = NULL;
    if (cli_get(o, n, "target-rate")) {
        npu_fleet f;
        if (npu_serve_fleet(&c, target, &f)) goto done;
        r = f.run;
        extra = cJSON_CreateObject();
        cJSON_AddNumberToObject(extra, "target_rate_rps", target);
        cJSON_AddNumberToObject(extra, "max_rate_per_copy_rps", f.max_rate_per_copy_rps);
        cJSON_AddNumberToObject(extra, "copies", f.copies);
        cJSON_AddNumberToObject(extra, "chips", f.chips);
        c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = target;
        if (!cli_get(o, n, "json"))
            printf("fleet: %d copies of the deployment (%d chips) serve %.3g req/s within the SLOs "
                   "(one copy: up to %.3g req/s)\n", f.copies, f.chips, target, f.max_rate_per_copy_rps);
    } else if (cli_get(o, n, "find-max-rate")) {
        double best;
        if (npu_serve_find_max_rate(&c, &best, &r)) goto done;
        extra = cJSON_CreateNumber(best);
        c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = best;
        if (!cli_get(o, n, "json")) printf("max rate within the SLOs: %.4g req/s (Poisson)\n", best);
    } else {
        if (npu_serve_run(&c, &r)) {
            if (bar.shown) fputs("\r\033[K", stderr);
            goto done;
        }
    }
    if (bar.shown) fputs("\r\033[K", stderr);
    if (req_out && r.req && write_requests(req_out, &r)) goto done;
    cJSON *tco = NULL; /* NULL without --tco */
    if (cli_tco(o, n, c.pool.hw, r.power_w, r.chips, r.throughput_tok_s, "output", &tco)) {
        cJSON_Delete(extra);
        goto done;
    }
    bool json = cli_get(o, n, "json") != NULL;
    if (json || html) { /* without --json, the table below still needs extra and tco */
        cJSON *j = result_json(&c, &r);
        double max_rate = extra && cJSON_IsNumber(extra) ? extra->valuedouble : 0;
        if (extra) cJSON_AddItemToObject(j, cJSON_IsNumber(extra) ? "max_rate_rps" : "fleet", json ? extra : cJSON_Duplicate(extra, 1));
        if (tco) cJSON_AddItemToObject(j, "tco", json ? tco : cJSON_Duplicate(tco, 1));
        /* issue 14: config, histograms and the latency-throughput curve; the HTML report */
        if (npu_html_serve_json(j, &c, &r, max_rate) || (html && cli_write_html(html, j, argc, argv))) {
            cJSON_Delete(j);
            if (!json) cJSON_Delete(extra), cJSON_Delete(tco);
            goto done;
        }
        if (json) npu_report_print_json(stdout, j);
        else cJSON_Delete(j);
    }
    if (!json) {
        cJSON_Delete(extra);
        print_table(&c, &r);
        if (tco) cli_print_tco(tco);
        cJSON_Delete(tco);
    }
    rc = 0;
done:
    npu_serve_result_free(&r);
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
    npu_trace_free(&trace);
    return rc == 0 ? 0 : cli_fail();
}
