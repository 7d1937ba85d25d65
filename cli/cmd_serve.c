/* cmd_serve — `npusim serve`: the serving simulation (issue 5). Reads the
 * options into an npu_serve_cfg, runs npu_serve_run (or the max-rate search or
 * the fleet sizing) and writes a table, or JSON with --json. */
#include "args.h"
#include "cmds.h"
#include "cli_sets.h" /* --set (issue 13) */
#include "npu_all.h"
#include "npu_html.h"
#include "npu_serve.h"
#include "npu_workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

/* The serving simulator's progress, to the caller's callback. */
static void report_progress(void *ctx, double frac) {
    const cli_out *o = ctx;
    o->progress(o->progress_user, "serve", frac);
}

static cJSON *lat_json(const npu_lat *l) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "mean", l->mean * 1e3);
    cJSON_AddNumberToObject(o, "p50", l->p50 * 1e3);
    cJSON_AddNumberToObject(o, "p90", l->p90 * 1e3);
    cJSON_AddNumberToObject(o, "p99", l->p99 * 1e3);
    cJSON_AddNumberToObject(o, "max", l->max * 1e3);
    cJSON_AddNumberToObject(o, "min", l->min * 1e3);
    cJSON_AddNumberToObject(o, "std", l->std * 1e3);
    cJSON_AddNumberToObject(o, "p25", l->p25 * 1e3);
    cJSON_AddNumberToObject(o, "p75", l->p75 * 1e3);
    cJSON_AddNumberToObject(o, "p95", l->p95 * 1e3);
    return o;
}

int cli_spec(const cli_args *a, npu_spec *s) {
    if (npu_spec_parse(cli_str(a, O_SPEC), s)) return -1;
    if (cli_has(a, O_SPEC_ACCEPT) && npu_spec_accept(s, cli_str(a, O_SPEC_ACCEPT))) return -1;
    return npu_spec_check(s);
}

static cJSON *result_json(const npu_serve_cfg *c, const npu_serve_result *r) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model", c->pool.model->name);
    cJSON_AddStringToObject(j, "hw", c->pool.hw->name);
    cJSON_AddStringToObject(j, "engine", c->engine.name);
    cJSON_AddStringToObject(j, "scheduler", npu_sched_names[c->sched]);
    cJSON_AddStringToObject(j, "router", npu_route_names[c->route]);
    cJSON_AddStringToObject(j, "arrival", npu_arrival_names[c->wl.arrival]);
    cJSON_AddNumberToObject(j, "replicas", r->n_replicas);
    cJSON_AddNumberToObject(j, "chips", r->chips);
    cJSON_AddNumberToObject(j, "requests", (double)r->requests);
    cJSON_AddNumberToObject(j, "warmup", (double)c->warmup);
    cJSON_AddNumberToObject(j, "rejected", (double)r->rejected);
    if (r->rejected) cJSON_AddStringToObject(j, "reject_reason", r->reject_reason);
    cJSON_AddNumberToObject(j, "duration_s", r->duration_s);
    cJSON_AddNumberToObject(j, "tokens_in", (double)r->tokens_in);
    cJSON_AddNumberToObject(j, "tokens_out", (double)r->tokens_out);
    cJSON_AddNumberToObject(j, "throughput_tok_s", r->throughput_tok_s);
    cJSON_AddNumberToObject(j, "throughput_total_tok_s", r->throughput_total_tok_s);
    cJSON_AddNumberToObject(j, "throughput_tok_s_per_chip", r->throughput_tok_s_per_chip);
    cJSON_AddNumberToObject(j, "throughput_total_tok_s_per_chip", r->throughput_total_tok_s_per_chip);
    cJSON_AddNumberToObject(j, "user_tok_s", r->user_tok_s);
    cJSON_AddNumberToObject(j, "user_e2e_tok_s", r->user_e2e_tok_s);
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
    cJSON_AddItemToObject(j, "itl_ms", lat_json(&r->itl));
    cJSON_AddNumberToObject(j, "itl_n", (double)r->itl_n);
    cJSON_AddNumberToObject(j, "tokens_per_chunk", r->tokens_per_chunk);
    cJSON_AddNumberToObject(j, "tpot_n", (double)r->tpot_n);
    cJSON *parts = cJSON_AddObjectToObject(j, "ttft_parts_ms");
    cJSON_AddNumberToObject(parts, "frontend", r->ttft_frontend_s * 1e3);
    cJSON_AddNumberToObject(parts, "wait", r->ttft_wait_s * 1e3);
    cJSON_AddNumberToObject(parts, "prefill", r->ttft_prefill_s * 1e3);
    cJSON_AddStringToObject(j, "percentiles", npu_pct_names[c->pct]);
    cJSON *sc = cJSON_AddObjectToObject(j, "scheduling");
    cJSON_AddNumberToObject(sc, "max_seqs", c->max_seqs);
    cJSON_AddNumberToObject(sc, "max_batched_tokens", (double)c->max_batched_tokens);
    cJSON_AddNumberToObject(sc, "chunk", (double)c->chunk);
    cJSON_AddNumberToObject(sc, "multi_step", c->multi_step);
    cJSON_AddBoolToObject(sc, "sched_ahead", c->sched_ahead);
    cJSON_AddNumberToObject(sc, "delivery_lag", c->delivery_lag);
    cJSON_AddStringToObject(sc, "kv_admit", npu_kv_admit_names[c->kv_admit]);
    cJSON_AddNumberToObject(sc, "frontend_us", c->frontend_s * 1e6);
    cJSON_AddNumberToObject(sc, "frontend_us_per_token", c->frontend_s_per_token * 1e6);
    cJSON_AddNumberToObject(sc, "client_think_ms", c->client_think_s * 1e3);
    if (c->spec.kind != NPU_SPEC_NONE) {
        cJSON *sp = cJSON_AddObjectToObject(j, "spec");
        cJSON_AddStringToObject(sp, "kind", npu_spec_kind_names[c->spec.kind]);
        cJSON_AddNumberToObject(sp, "draft_tokens", c->spec.n);
        if (c->spec.kind == NPU_SPEC_DRAFT) cJSON_AddStringToObject(sp, "draft_model", c->spec.draft.name);
        cJSON_AddNumberToObject(sp, "accepted_mean", npu_spec_accept_mean(&c->spec));
        cJSON_AddNumberToObject(sp, "accepted_mean_run", r->spec_accepted_mean);
        cJSON_AddNumberToObject(sp, "tokens_per_step", npu_spec_tokens_per_step(&c->spec));
    }
    cJSON_AddNumberToObject(j, "queue_len_mean", r->queue_len_mean);
    cJSON_AddNumberToObject(j, "queue_len_max", r->queue_len_max);
    cJSON_AddNumberToObject(j, "arrival_rate_rps", r->arrival_rate_rps);
    cJSON_AddNumberToObject(j, "kv_use_mean", r->kv_use_mean);
    cJSON_AddNumberToObject(j, "kv_use_max", r->kv_use_max);
    cJSON_AddNumberToObject(j, "kv_tokens_per_replica", (double)r->kv_tokens_per_replica);
    cJSON_AddNumberToObject(j, "preemptions", (double)r->preemptions);
    cJSON_AddNumberToObject(j, "steps", (double)r->steps);
    cJSON *st = cJSON_AddObjectToObject(j, "step"); /* step composition (docs/serving.md) */
    cJSON_AddNumberToObject(st, "ms_mean", r->step_ms_mean);
    cJSON_AddNumberToObject(st, "decode_seqs_mean", r->step_dec_seqs_mean);
    cJSON_AddNumberToObject(st, "prefill_tokens_mean", r->step_pf_tokens_mean);
    cJSON_AddNumberToObject(st, "prefill_share", r->step_pf_share);
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

/* n: the samples behind l; with none there is no latency to print (not 0 ms) */
static void print_lat(FILE *out, const char *name, const npu_lat *l, long n, const char *none) {
    if (n <= 0) {
        fprintf(out, "  %-10s -  (%s)\n", name, none);
        return;
    }
    fprintf(out, "  %-10s mean %9.2f  p50 %9.2f  p90 %9.2f  p99 %9.2f  ms\n", name, l->mean * 1e3, l->p50 * 1e3,
           l->p90 * 1e3, l->p99 * 1e3);
}

/* Chips and replicas of one pool of a result (prefill or the rest). */
static void pool_use(const npu_serve_result *r, bool prefill, int *replicas, int *chips) {
    *replicas = *chips = 0;
    for (int i = 0; i < r->n_replicas; i++)
        if (r->use[i].prefill_pool == prefill) ++*replicas, *chips += r->use[i].chips;
}

static void print_pool(FILE *out, const char *what, const npu_pool *p, int replicas, int chips) {
    const npu_plan *pl = &p->step.plan;
    fprintf(out, "  %-10s %d replica%s of %s (tp %d, pp %d, ep %d), %d chip%s\n", what, replicas, cli_s(replicas),
            p->hw->name, pl->tp ? pl->tp : 1, pl->pp ? pl->pp : 1, pl->ep ? pl->ep : 1, chips, cli_s(chips));
}

static void print_table(FILE *out, const npu_serve_cfg *c, const npu_serve_result *r) {
    if (c->sched == NPU_SCHED_DISAGG) {
        int pr, pc, dr, dc;
        pool_use(r, true, &pr, &pc);
        pool_use(r, false, &dr, &dc);
        if (pr + dr == 0) { /* no replica ran: say what the configuration asked for */
            pr = c->prefill.replicas, pc = pr * npu_plan_replica_chips(npu_plan_norm(c->prefill.step.plan));
            dr = c->pool.replicas, dc = dr * npu_plan_replica_chips(npu_plan_norm(c->pool.step.plan));
        }
        fprintf(out, "serve: %s, engine %s, disagg scheduler, %d chip%s, %s arrivals\n", c->pool.model->name,
                c->engine.name, pc + dc, cli_s(pc + dc), npu_arrival_names[c->wl.arrival]);
        print_pool(out, "prefill", &c->prefill, pr, pc);
        print_pool(out, "decode", &c->pool, dr, dc);
    } else
        fprintf(out, "serve: %s on %s, engine %s, %s scheduler, %d replica%s (%d chip%s), %s arrivals\n",
                c->pool.model->name, c->pool.hw->name, c->engine.name, npu_sched_names[c->sched], r->n_replicas,
                cli_s(r->n_replicas), r->chips,
                cli_s(r->chips), npu_arrival_names[c->wl.arrival]);
    fprintf(out, "  requests   %ld completed, %ld rejected%s%s\n", r->requests, r->rejected, r->rejected ? ": " : "",
            r->rejected ? r->reject_reason : "");
    fprintf(out, "  duration   %.3f s simulated, %ld step%s, %ld preemption%s\n", r->duration_s, r->steps,
            cli_s(r->steps), r->preemptions, cli_s(r->preemptions));
    fprintf(out, "  throughput %.1f output tok/s (%.1f per chip), %.1f total tok/s, %.3f req/s; goodput %.3f req/s\n",
            r->throughput_tok_s, r->throughput_tok_s_per_chip, r->throughput_total_tok_s, r->throughput_req_s,
            r->goodput_req_s);
    fprintf(out, "  energy     %.1f W per chip on average; %.4g J per request, %.4g J per output token\n", r->power_w,
            r->requests ? r->energy_j / r->requests : 0, r->tokens_out ? r->energy_j / r->tokens_out : 0);
    const char *none = "no request completed";
    print_lat(out, "TTFT", &r->ttft, r->requests, none);
    print_lat(out, "TPOT", &r->tpot, r->requests ? r->tpot_n : 0,
              r->requests ? "no request generated 2 tokens or more" : none);
    print_lat(out, "ITL", &r->itl, r->requests ? r->itl_n : 0,
              r->requests ? "no request generated 2 tokens or more" : none);
    print_lat(out, "E2E", &r->e2e, r->requests, none);
    print_lat(out, "queue", &r->queue, r->requests, none);
    if (r->requests)
        fprintf(out, "  TTFT parts front end %.2f + wait %.2f + prefill %.2f ms (means); percentiles %s\n",
                r->ttft_frontend_s * 1e3, r->ttft_wait_s * 1e3, r->ttft_prefill_s * 1e3, npu_pct_names[c->pct]);
    fprintf(out, "  queue len  mean %.2f  max %.0f\n", r->queue_len_mean, r->queue_len_max);
    fprintf(out, "  KV cache   %ld tokens per replica; use mean %.1f%%  max %.1f%%\n", r->kv_tokens_per_replica,
            r->kv_use_mean * 100, r->kv_use_max * 100);
}

/* --requests-out: one CSV row per request, to a file (the npusim program turns
 * "-" into a file it copies to stdout, and prints the summary on stderr). */
static int write_requests(const char *path, const npu_serve_result *r) {
    if (strcmp(path, "-") == 0) {
        npu_err("--requests-out: '-' (standard output) is the command line's; give a file");
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        npu_err("--requests-out: cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    static const char *const st[] = {"done", "rejected_context", "rejected_kv"};
    fprintf(f, "id,arrival_s,input_tokens,output_tokens,replica,status,ttft_ms,tpot_ms,e2e_ms,queue_ms,preemptions,"
               "frontend_ms,wait_ms,prefill_ms,chunks\n");
    for (long i = 0; i < r->n_req; i++) {
        const npu_req_rec *q = &r->req[i];
        double tpot = q->output >= 2 && q->status == NPU_REQ_DONE ? (q->finish_s - q->first_s) / (q->output - 1) : 0;
        fprintf(f, "%ld,%.6f,%lld,%lld,%d,%s,%.3f,%.3f,%.3f,%.3f,%d,%.3f,%.3f,%.3f,%d\n", i, q->arrival_s,
                (long long)q->input, (long long)q->output, q->replica,
                st[q->status], (q->first_s - q->arrival_s) * 1e3, tpot * 1e3, (q->finish_s - q->arrival_s) * 1e3,
                q->queue_s * 1e3, q->preemptions, q->frontend_s * 1e3, q->wait_s * 1e3, q->prefill_s * 1e3,
                q->chunks);
    }
    if (fclose(f)) {
        npu_err("--requests-out: error writing '%s'", path);
        return -1;
    }
    return 0;
}

/* The arrival process the options ask for; -1 + npu_err when they disagree. */
static int pick_arrival(const cli_args *a, npu_serve_cfg *c) {
    bool rate = cli_has(a, O_RATE), conc = cli_has(a, O_CONCURRENCY), trace = cli_has(a, O_TRACE);
    bool search = cli_has(a, O_FIND_MAX_RATE) || cli_has(a, O_TARGET_RATE);
    int ak = cli_has(a, O_ARRIVAL) ? (int)cli_int(a, O_ARRIVAL) : -1;
    if (rate + conc + trace > 1) return npu_err("give only one of --rate, --concurrency and --trace"), -1;
    if (ak == NPU_ARRIVE_OFFLINE && (rate || conc || trace))
        return npu_err("--arrival offline sends every request at time 0: drop --rate/--concurrency/--trace"), -1;
    if (ak >= 0 && ak != NPU_ARRIVE_OFFLINE && (conc || trace))
        return npu_err("--arrival %s takes --rate, not --concurrency or --trace", npu_arrival_names[ak]), -1;
    if (trace) c->wl.arrival = NPU_ARRIVE_TRACE;
    else if (conc) c->wl.arrival = NPU_ARRIVE_CLOSED;
    else if (ak == NPU_ARRIVE_OFFLINE) c->wl.arrival = NPU_ARRIVE_OFFLINE;
    else if (rate || search) c->wl.arrival = ak == NPU_ARRIVE_GAMMA ? NPU_ARRIVE_GAMMA : NPU_ARRIVE_POISSON;
    else
        return npu_err("serve needs an arrival process: --rate R, --concurrency C, --trace FILE or --arrival offline"),
               -1;
    c->wl.rate_rps = rate ? cli_num(a, O_RATE) : 0;
    c->wl.burstiness_cv = cli_num(a, O_BURSTINESS);
    c->wl.concurrency = (int)cli_int(a, O_CONCURRENCY);
    return 0;
}

/* Everything but the descriptions: the engine (its scheduler and limits), then
 * the options that override them, SLOs, the step of a replica. */
static int read_cfg(const cli_args *a, const npu_hw *hw, npu_serve_cfg *c) {
    npu_serve_defaults(c);
    npu_engine eng;
    if (cli_engine(a, hw, &eng)) return -1;
    npu_serve_use_engine(c, &eng);
    if (cli_has(a, O_SCHEDULER)) c->sched = (npu_sched)cli_int(a, O_SCHEDULER);
    if (cli_has(a, O_ROUTER)) c->route = (npu_route)cli_int(a, O_ROUTER);
    if (cli_has(a, O_MAX_SEQS)) c->max_seqs = (int)cli_int(a, O_MAX_SEQS);
    if (cli_has(a, O_MAX_BATCHED_TOKENS)) c->max_batched_tokens = (long)cli_int(a, O_MAX_BATCHED_TOKENS);
    if (cli_has(a, O_CHUNK)) c->chunk = (long)cli_int(a, O_CHUNK);
    if (cli_has(a, O_BLOCK_SIZE)) c->block_size = (int)cli_int(a, O_BLOCK_SIZE);
    if (cli_has(a, O_KV_MEM_FRAC)) c->kv_mem_frac = cli_num(a, O_KV_MEM_FRAC);
    if (cli_has(a, O_REQUESTS)) c->requests = (long)cli_int(a, O_REQUESTS);
    if (cli_has(a, O_SEED)) c->seed = (uint64_t)cli_int(a, O_SEED);
    c->prefix_share = cli_num(a, O_PREFIX_SHARE);
    c->step_overhead_s = cli_num(a, O_STEP_OVERHEAD_US) * 1e-6;
    c->slo_ttft_s = cli_num(a, O_SLO_TTFT) * 1e-3, c->slo_tpot_s = cli_num(a, O_SLO_TPOT) * 1e-3;
    if (cli_has(a, O_MULTI_STEP)) c->multi_step = (int)cli_int(a, O_MULTI_STEP);
    c->sched_ahead = cli_has(a, O_SCHED_AHEAD);
    c->delivery_lag = (int)cli_int(a, O_DELIVERY_LAG);
    if (cli_has(a, O_KV_ADMIT)) c->kv_admit = (npu_kv_admit)cli_int(a, O_KV_ADMIT);
    if (cli_has(a, O_PERCENTILES)) c->pct = (npu_pct)cli_int(a, O_PERCENTILES);
    c->frontend_s = cli_num(a, O_FRONTEND_US) * 1e-6;
    c->frontend_s_per_token = cli_num(a, O_FRONTEND_US_PER_TOKEN) * 1e-6;
    c->client_think_s = cli_num(a, O_CLIENT_THINK_MS) * 1e-3;
    c->warmup = (long)cli_int(a, O_WARMUP);
    if (cli_spec(a, &c->spec)) return -1;
    bool disagg = c->sched == NPU_SCHED_DISAGG;
    if (!disagg && (cli_has(a, O_PREFILL_HW) || cli_has(a, O_PREFILL_REPLICAS) || cli_has(a, O_PREFILL_TP) ||
                    cli_has(a, O_DECODE_REPLICAS)))
        return npu_err("--prefill-hw, --prefill-tp, --prefill-replicas and --decode-replicas need --scheduler disagg"),
               -1;
    return pick_arrival(a, c);
}

/* Request lengths: a trace gives them, else --input and --output (numbers or distributions). */
static int read_lengths(const cli_args *a, npu_serve_cfg *c, npu_trace *trace) {
    if (c->wl.arrival == NPU_ARRIVE_TRACE) {
        if (cli_has(a, O_INPUT) || cli_has(a, O_OUTPUT)) return npu_err("--trace gives the lengths: drop --input/--output"), -1;
        if (npu_trace_load(cli_str(a, O_TRACE), trace)) return -1;
        c->wl.trace = trace;
        if (!cli_has(a, O_REQUESTS)) c->requests = (long)trace->n;
        return 0;
    }
    if (!cli_has(a, O_INPUT) || !cli_has(a, O_OUTPUT))
        return npu_err("serve needs prompt and output lengths: --input I --output O (or distributions)"), -1;
    return npu_dist_parse(cli_str(a, O_INPUT), 1, "--input", &c->wl.input) ||
                   npu_dist_parse(cli_str(a, O_OUTPUT), 0, "--output", &c->wl.output)
               ? -1
               : 0;
}

static int cmd_serve(const cli_args *a, cli_out *o) {
    npu_serve_cfg c;
    npu_trace trace = {0};
    npu_serve_result r = {0};
    npu_model m, pm;
    npu_hw hw, phw;
    int rc = 2;
    if (cli_load_model(a, &m) || cli_load_hw(a, O_HW, &hw) || cli_sets_apply(a, &hw, &m, true)) goto done;
    if (read_cfg(a, &hw, &c) || read_lengths(a, &c, &trace)) goto done;
    npu_step_cfg step = {.stack = (npu_stack)cli_int(a, O_STACK), .moe_skew = cli_num(a, O_MOE_SKEW)};
    cli_dtypes(a, &step.wdt, &step.adt, &step.kvdt);
    cli_head_emb(a, &step.hdt, &step.edt);
    step.plan = (npu_plan){.tp = (int)cli_int(a, O_TP), .pp = (int)cli_int(a, O_PP), .ep = (int)cli_int(a, O_EP)};
    bool disagg = c.sched == NPU_SCHED_DISAGG;
    int replicas = (int)cli_int(a, disagg && cli_has(a, O_DECODE_REPLICAS) ? O_DECODE_REPLICAS : O_REPLICAS);
    c.pool = (npu_pool){.model = &m, .hw = &hw, .step = step, .replicas = replicas};
    if (disagg) {
        pm = m;
        if (cli_has(a, O_PREFILL_HW) ? cli_load_hw(a, O_PREFILL_HW, &phw) : (phw = hw, 0)) goto done;
        npu_step_cfg ps = step;
        if (cli_has(a, O_PREFILL_TP)) ps.plan.tp = (int)cli_int(a, O_PREFILL_TP);
        c.prefill = (npu_pool){.model = &pm, .hw = &phw, .step = ps, .replicas = (int)cli_int(a, O_PREFILL_REPLICAS)};
    }
    bool search = cli_has(a, O_FIND_MAX_RATE) || cli_has(a, O_TARGET_RATE), json = cli_has(a, O_JSON);
    if (o->progress && !search) c.progress = report_progress, c.progress_ctx = o;
    const char *req_out = cli_str(a, O_REQUESTS_OUT);
    const char *html = cli_str(a, O_HTML); /* --json and --html carry latency histograms */
    c.keep_requests = req_out != NULL || html || json;
    FILE *out = o->f; /* the summary */
    cJSON *extra = NULL;
    char line[200] = "";
    if (cli_has(a, O_TARGET_RATE)) {
        double target = cli_num(a, O_TARGET_RATE);
        npu_fleet f;
        if (npu_serve_fleet(&c, target, &f)) goto done;
        r = f.run;
        extra = cJSON_CreateObject();
        cJSON_AddNumberToObject(extra, "target_rate_rps", target);
        cJSON_AddNumberToObject(extra, "max_rate_per_copy_rps", f.max_rate_per_copy_rps);
        cJSON_AddNumberToObject(extra, "copies", f.copies);
        cJSON_AddNumberToObject(extra, "chips", f.chips);
        c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = target;
        snprintf(line, sizeof line,
                 "fleet: %d %s of the deployment (%d chip%s) serve %.3g req/s within the SLOs (one copy: up to %.3g "
                 "req/s)\n", f.copies, f.copies == 1 ? "copy" : "copies", f.chips, cli_s(f.chips), target,
                 f.max_rate_per_copy_rps);
    } else if (cli_has(a, O_FIND_MAX_RATE)) {
        double best;
        if (npu_serve_find_max_rate(&c, &best, &r)) goto done;
        extra = cJSON_CreateNumber(best);
        c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = best;
        snprintf(line, sizeof line, "max rate within the SLOs: %.4g req/s (Poisson)\n", best);
    } else if (npu_serve_run(&c, &r))
        goto done;
    cJSON *tco = NULL; /* NULL without --tco */
    if ((req_out && r.req && write_requests(req_out, &r)) ||
        cli_tco(a, c.pool.hw, r.power_w, r.chips, r.throughput_tok_s, "output", &tco)) {
        cJSON_Delete(extra);
        goto done;
    }
    if (json || html) { /* without --json, the table below still needs extra and tco */
        cJSON *j = result_json(&c, &r);
        double max_rate = extra && cJSON_IsNumber(extra) ? extra->valuedouble : 0;
        if (extra)
            cJSON_AddItemToObject(j, cJSON_IsNumber(extra) ? "max_rate_rps" : "fleet",
                                  json ? extra : cJSON_Duplicate(extra, 1));
        if (tco) cJSON_AddItemToObject(j, "tco", json ? tco : cJSON_Duplicate(tco, 1));
        /* config, histograms and the latency-throughput curve (npu_html); the HTML report */
        if (npu_html_serve_json(j, &c, &r, max_rate) || (html && cli_write_html(html, j, a))) {
            cJSON_Delete(j);
            if (!json) cJSON_Delete(extra), cJSON_Delete(tco);
            goto done;
        }
        if (json) npu_report_print_json(out, j);
        else cJSON_Delete(j);
    }
    if (!json) {
        cJSON_Delete(extra);
        fputs(line, out);
        print_table(out, &c, &r);
        if (tco) cli_print_tco(out, tco);
        cJSON_Delete(tco);
    }
    rc = 0;
done:
    npu_serve_result_free(&r);
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
    npu_trace_free(&trace);
    return rc == 0 ? 0 : -1;
}

static const cli_use serve_opts[] = {
    {O_MODEL, CLI_REQ}, {O_HW, CLI_REQ}, {O_TP}, {O_PP}, {O_EP}, CLI_USE_DTYPES, {O_STACK}, {O_MOE_SKEW},
    {O_ENGINE}, {O_REPLICAS}, {O_ROUTER}, {O_SCHEDULER}, {O_MAX_SEQS}, {O_MAX_BATCHED_TOKENS}, {O_CHUNK},
    {O_BLOCK_SIZE}, {O_KV_MEM_FRAC}, {O_PREFIX_SHARE}, {O_STEP_OVERHEAD_US},
    {O_MULTI_STEP}, {O_SCHED_AHEAD}, {O_DELIVERY_LAG}, {O_KV_ADMIT}, {O_FRONTEND_US}, {O_FRONTEND_US_PER_TOKEN}, {O_PERCENTILES},
    {O_CLIENT_THINK_MS, .note = "with --concurrency"}, {O_WARMUP},
    {O_SPEC}, {O_SPEC_ACCEPT, .note = "with --spec"},
    {O_PREFILL_HW, .note = "with --scheduler disagg"}, {O_PREFILL_TP, .note = "with --scheduler disagg"}, {O_PREFILL_REPLICAS, .note = "with --scheduler disagg"},
    {O_DECODE_REPLICAS, .note = "with --scheduler disagg"},
    {O_RATE}, {O_ARRIVAL, .mask = 1u << NPU_ARRIVE_POISSON | 1u << NPU_ARRIVE_GAMMA | 1u << NPU_ARRIVE_OFFLINE,
                .note = "default: poisson with --rate"},
    {O_BURSTINESS, .note = "gamma"}, {O_CONCURRENCY}, {O_TRACE},
    {O_INPUT, CLI_DIST, .note = "required unless --trace", .alias = "input-dist"},
    {O_OUTPUT, CLI_DIST, .note = "required unless --trace", .alias = "output-dist"},
    {O_REQUESTS}, {O_SEED}, {O_SLO_TTFT}, {O_SLO_TPOT}, {O_FIND_MAX_RATE}, {O_TARGET_RATE}, {O_REQUESTS_OUT},
    {O_JSON}, {O_HTML}, CLI_USE_TCO, {O_SET, .note = "the edited chip is also the prefill pool's unless --prefill-hw"},
};
const cli_cmd cli_cmd_serve = {
    "serve", NULL, 0, 0, "simulate serving a request stream on replicas of a deployment",
    "One arrival process: --rate (poisson or gamma), --concurrency (closed loop), --trace, or\n"
    "--arrival offline. Lengths are numbers or distributions: uniform:LO,HI, normal:MEAN,SD[,MAX],\n"
    "lognormal:MEAN,SD[,MAX], file:PATH. Schedulers, SLOs and capacity planning: docs/serving.md.",
    serve_opts, (int)NPU_ARRAY_LEN(serve_opts), cmd_serve};
