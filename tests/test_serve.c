/* Unit tests: the serving simulator's invariants (issue 5 item 8), the step-time
 * cache against direct prediction, arrivals, length distributions and traces. */
#include "testutil.h"
#include "npu_all.h"
#include "npu_serve.h"
#include "npu_steptab.h"
#include "npu_workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static npu_model M8;
static npu_hw H100;

static int setup(void **st) {
    (void)st;
    return npu_model_load("llama3-8b", &M8) || npu_hw_load("h100-sxm", &H100);
}

static const npu_step_cfg BF16 = {.stack = NPU_STACK_FUSED, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};

/* A continuous-batching replica of llama3-8b on an H100 under Poisson traffic. */
static npu_serve_cfg base_cfg(long requests, double rate, const char *in, const char *out) {
    npu_serve_cfg c;
    npu_serve_defaults(&c);
    c.pool = (npu_pool){.model = &M8, .hw = &H100, .step = BF16, .replicas = 1};
    c.wl.arrival = NPU_ARRIVE_POISSON;
    c.wl.rate_rps = rate;
    assert_int_equal(npu_dist_parse(in, 1, "--input", &c.wl.input), 0);
    assert_int_equal(npu_dist_parse(out, 0, "--output", &c.wl.output), 0);
    c.requests = requests;
    c.seed = 7;
    c.keep_requests = true;
    return c;
}

static void free_cfg(npu_serve_cfg *c) {
    npu_dist_free(&c->wl.input);
    npu_dist_free(&c->wl.output);
}

/* Every request ends exactly once, after it arrived and after its first token;
 * the tokens the steps produced equal the outputs the requests asked for. */
static void check_conservation(const npu_serve_cfg *c, const npu_serve_result *r) {
    assert_int_equal(r->requests + r->rejected, c->requests);
    assert_int_equal(r->n_req, c->requests);
    long want_out = 0, done = 0;
    for (long i = 0; i < r->n_req; i++) {
        const npu_req_rec *q = &r->req[i];
        assert_true(q->finish_s >= q->first_s && q->first_s >= q->arrival_s);
        if (q->status == NPU_REQ_DONE) want_out += q->output, done++;
    }
    assert_int_equal(done, r->requests);
    assert_int_equal(r->tokens_out, want_out);
    assert_int_equal(r->tokens_emitted, want_out);
    assert_int_equal(r->kv_violations, 0);
    assert_true(r->kv_use_max <= 1.0 + 1e-12);
}

static void test_each_scheduler_conserves(void **st) {
    (void)st;
    for (int s = 0; s < NPU_SCHED_COUNT; s++) {
        npu_serve_cfg c = base_cfg(3000, 30, "lognormal:400,300,3000", "lognormal:150,120,1500");
        c.sched = (npu_sched)s;
        c.max_seqs = 64;
        c.chunk = 512;
        if (s == NPU_SCHED_DISAGG) c.prefill = c.pool;
        npu_serve_result r;
        assert_int_equal(npu_serve_run(&c, &r), 0);
        check_conservation(&c, &r);
        assert_int_equal(r.rejected, 0);
        /* throughput = output tokens / simulated duration (the definition) */
        assert_true(fabs(r.throughput_tok_s * r.duration_s - r.tokens_out) < 1e-6 * r.tokens_out);
        npu_serve_result_free(&r);
        free_cfg(&c);
    }
}

/* A tiny KV cache forces preemptions; blocks are never over-allocated and every
 * request still ends with all its tokens. */
static void test_preemption_keeps_invariants(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(2000, 200, "lognormal:1000,500,4000", "lognormal:400,300,3000");
    /* weights ~16 GB of 85.9 GB (80 GiB): 0.045 of the rest is ~3.1 GB, ~24k tokens of KV */
    c.kv_mem_frac = 0.045;
    for (int s = NPU_SCHED_CONTINUOUS; s <= NPU_SCHED_CHUNKED; s++) {
        c.sched = (npu_sched)s;
        npu_serve_result r;
        assert_int_equal(npu_serve_run(&c, &r), 0);
        assert_true(r.preemptions > 0);
        assert_true(r.kv_tokens_per_replica < 40000);
        check_conservation(&c, &r);
        assert_true(r.kv_use_max > 0.9);
        npu_serve_result_free(&r);
    }
    free_cfg(&c);
}

/* Little's law on the admission queue: time-averaged queue length = the rate
 * requests pass through x mean wait. Over a whole run that starts and ends empty
 * the two sides are the same integral counted two ways (with the rate = requests
 * / duration, completion_rate_rps), so they agree to 0.1%. */
static void test_littles_law(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(20000, 50, "lognormal:512,256,4000", "lognormal:128,96,1024");
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    double L = r.queue_len_mean, lw = r.completion_rate_rps * r.queue.mean;
    assert_true(L > 0.05); /* a queue forms at this load */
    assert_true(fabs(L - lw) < 1e-3 * L);
    npu_serve_result_free(&r);
    free_cfg(&c);
}

static void test_same_seed_same_result(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(3000, 40, "lognormal:512,256,4000", "uniform:1,300");
    npu_serve_result a, b, d;
    assert_int_equal(npu_serve_run(&c, &a), 0);
    assert_int_equal(npu_serve_run(&c, &b), 0);
    assert_memory_equal(a.req, b.req, a.n_req * sizeof *a.req);
    assert_true(a.ttft.p99 == b.ttft.p99 && a.duration_s == b.duration_s);
    c.seed = 8;
    assert_int_equal(npu_serve_run(&c, &d), 0);
    assert_true(a.duration_s != d.duration_s);
    npu_serve_result_free(&a), npu_serve_result_free(&b), npu_serve_result_free(&d);
    free_cfg(&c);
}

/* llama3-8b's window is 8192 tokens: 8000 + 500 is rejected with a reason;
 * 7000 + 500 runs. */
static void test_context_window_rejection(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(10, 1, "uniform:7000,8000", "500");
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    long long_ones = 0;
    for (long i = 0; i < r.n_req; i++) {
        bool too_long = r.req[i].input + r.req[i].output > 8192;
        long_ones += too_long;
        assert_int_equal(r.req[i].status, too_long ? NPU_REQ_REJECTED_CONTEXT : NPU_REQ_DONE);
    }
    assert_true(long_ones > 0 && long_ones < 10);
    assert_int_equal(r.rejected, long_ones);
    assert_non_null(strstr(r.reject_reason, "context window of 8192"));
    check_conservation(&c, &r);
    npu_serve_result_free(&r);
    free_cfg(&c);
}

/* Zero-length outputs: the prompt is prefilled, nothing is generated, TPOT is
 * undefined for every request, and the request ends at its prefill. */
static void test_zero_output(void **st) {
    (void)st;
    for (int s = 0; s < NPU_SCHED_COUNT; s++) {
        npu_serve_cfg c = base_cfg(500, 20, "256", "0");
        c.sched = (npu_sched)s;
        if (s == NPU_SCHED_DISAGG) c.prefill = c.pool;
        npu_serve_result r;
        assert_int_equal(npu_serve_run(&c, &r), 0);
        check_conservation(&c, &r);
        assert_int_equal(r.tokens_out, 0);
        assert_int_equal(r.tpot_n, 0);
        assert_true(r.ttft.mean > 0 && fabs(r.e2e.mean - r.ttft.mean) < 1e-12);
        npu_serve_result_free(&r);
        free_cfg(&c);
    }
}

/* One request alone: TTFT is the prefill step and end-to-end latency is the
 * prefill plus O-1 decode steps at growing context, exactly what `npusim run
 * --phase e2e --batch 1` predicts through a separate code path (npu_run). */
static void test_single_request_matches_run(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(1, 1, "1000", "200");
    c.engine = *npu_engine_ideal(); /* kernels only, as npu_run without an engine */
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    npu_run_cfg rc = {.phase = NPU_RUN_E2E, .batch = 1, .input = 1000, .output = 200, .stack = NPU_STACK_FUSED,
                      .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_run_result *rr = malloc(sizeof *rr);
    assert_int_equal(npu_run(&M8, &H100, &rc, rr), 0);
    assert_true(fabs(r.ttft.mean - rr->ttft_s) < 1e-9 * rr->ttft_s);
    assert_true(fabs(r.e2e.mean - rr->latency_s) < 1e-9 * rr->latency_s);
    assert_true(fabs(r.tpot.mean - rr->tpot_s) < 1e-9 * rr->tpot_s);
    npu_serve_result_free(&r);

    /* disaggregated on the same chips: the KV cache of 1000 tokens moves first.
     * llama3-8b KV = 32 layers x 8 heads x 128 x 2 (K, V) x 2 B = 131072 B/token,
     * 1000 tokens = 131.072 MB over 450 GB/s NVLink = 0.29127 ms (no latency given). */
    c.sched = NPU_SCHED_DISAGG;
    c.prefill = c.pool;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    assert_true(fabs(r.ttft.mean - rr->ttft_s) < 1e-9);
    assert_true(fabs(r.e2e.mean - rr->latency_s - 131.072e6 / 450e9) < 1e-9);
    npu_serve_result_free(&r);
    free(rr);
    free_cfg(&c);
}

/* A closed loop never has more requests in the system than clients. */
static void test_closed_loop(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(2000, 0, "512", "64");
    c.wl.arrival = NPU_ARRIVE_CLOSED;
    c.wl.concurrency = 8;
    c.max_seqs = 4; /* so that 4 wait */
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    check_conservation(&c, &r);
    /* 8 in the system, 4 running: about 4 wait (8 at t=0, before the first step) */
    assert_true(r.queue_len_max <= 8 + 1e-9);
    assert_true(r.queue_len_mean > 3 && r.queue_len_mean < 4 + 1e-9);
    npu_serve_result_free(&r);
    free_cfg(&c);
}

/* Step composition (the statistics behind docs/accuracy-engines.md 4.8): every
 * prompt token is computed in exactly one step and every output token after the
 * first comes from one decode slot of a step (mixed in-flight batching, no prefix
 * cache, no preemption); a closed loop of C clients whose requests decode for
 * hundreds of steps keeps about C sequences decoding in each step. */
static void test_step_composition(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(600, 0, "uniform:100,400", "uniform:100,300");
    c.sched = NPU_SCHED_MIXED;
    c.wl.arrival = NPU_ARRIVE_CLOSED;
    c.wl.concurrency = 16;
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    check_conservation(&c, &r);
    assert_int_equal(r.preemptions, 0);
    assert_true(r.steps > 0);
    double pf = r.step_pf_tokens_mean * (double)r.steps, dec = r.step_dec_seqs_mean * (double)r.steps;
    assert_true(fabs(pf - (double)r.tokens_in) < 1e-6 * (double)r.tokens_in);
    assert_true(fabs(dec - (double)(r.tokens_out - r.requests)) < 1e-6 * (double)r.tokens_out);
    /* 16 clients, ~200 decode steps per request, one prompt step each: 15-16 decode */
    assert_true(r.step_dec_seqs_mean > 14.5 && r.step_dec_seqs_mean <= 16 + 1e-9);
    /* the mean step is the replica's busy time over its steps */
    assert_true(fabs(r.step_ms_mean - 1e3 * r.use[0].busy_s / (double)r.steps) < 1e-9 * r.step_ms_mean);
    assert_true(r.step_pf_share > 0 && r.step_pf_share < 1);
    /* a prompt step carries whole prompts here: tokens per prompt step >= the shortest prompt */
    assert_true(r.step_pf_tokens_mean / r.step_pf_share >= 100);
    npu_serve_result_free(&r);
    free_cfg(&c);
}

/* Offline: all at t=0, so the duration is the makespan and the first batch's
 * TTFT is one prefill step. */
static void test_offline(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(1000, 0, "512", "128");
    c.wl.arrival = NPU_ARRIVE_OFFLINE;
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    check_conservation(&c, &r);
    for (long i = 0; i < r.n_req; i++) assert_true(r.req[i].arrival_s == 0);
    /* 1000 requests through 256 slots: at least 4 waves of 128 tokens */
    assert_true(r.queue_len_max >= 1000 - 256 - 1);
    npu_serve_result_free(&r);
    free_cfg(&c);
}

/* The cache against direct evaluation on random mixed shapes, including token
 * counts above the exact range (log-grid interpolation): < 1%. And composition
 * against whole graphs: a uniform decode batch is the decode graph, a single
 * prompt the prefill graph. */
static void test_steptab_accuracy(void **st) {
    (void)st;
    const char *models[] = {"llama3-8b", "llama2-70b", "mixtral-8x7b"};
    npu_rng rng;
    npu_rng_seed(&rng, 42);
    for (size_t mi = 0; mi < NPU_ARRAY_LEN(models); mi++) {
        npu_model m;
        assert_int_equal(npu_model_load(models[mi], &m), 0);
        npu_step_cfg base = {.stack = NPU_STACK_FUSED, .wdt = NPU_FP8, .adt = NPU_FP8, .kvdt = NPU_FP8};
        npu_steptab *t;
        assert_int_equal(npu_steptab_create(&m, &H100, &base, &t), 0);
        double worst = 0;
        for (int i = 0; i < 400; i++) {
            npu_step_shape s = {0};
            s.dec_batch = (int)(npu_rng_next(&rng) % 512);
            s.dec_ctx_sum = s.dec_batch * (1.0 + npu_rng_next(&rng) % 4000);
            s.pf_n = (int)(npu_rng_next(&rng) % 4);
            s.pf_tokens = s.pf_n ? s.pf_n + (long)(npu_rng_next(&rng) % (i % 5 == 0 ? 300000 : 8192)) : 0;
            s.pf_ctx_sum = s.pf_n * (double)(npu_rng_next(&rng) % 2000);
            s.emit = s.dec_batch + s.pf_n;
            if (s.dec_batch + s.pf_n == 0) continue;
            npu_step_cost a = npu_steptab_cost(t, &s), b = npu_steptab_cost_direct(t, &s);
            double e = fabs(a.time_s / b.time_s - 1);
            if (e > worst) worst = e;
        }
        assert_true(worst < 0.01);
        for (int b = 1; b <= 256; b *= 4) {
            npu_step_cfg c = base;
            c.phase = NPU_PHASE_DECODE, c.batch = b, c.seq = 1, c.ctx = 1500;
            npu_graph g;
            npu_step_result sr;
            assert_int_equal(npu_graph_build(&m, &c, &g), 0);
            npu_step_eval(&H100, &g, &sr);
            double f;
            npu_power_step(&H100, &g, &sr, &f); /* the TDP throttle, as npu_run applies it */
            npu_step_shape s = {.dec_batch = b, .dec_ctx_sum = 1500.0 * b, .emit = b};
            assert_true(fabs(npu_steptab_cost(t, &s).time_s / sr.time_s - 1) < 1e-9);
            c.phase = NPU_PHASE_PREFILL, c.batch = 1, c.seq = 15L * b + 1, c.ctx = 0; /* <= 3841: inside every window */
            assert_int_equal(npu_graph_build(&m, &c, &g), 0);
            npu_step_eval(&H100, &g, &sr);
            npu_power_step(&H100, &g, &sr, &f);
            npu_step_shape p = {.pf_n = 1, .pf_tokens = 15L * b + 1, .emit = 1};
            assert_true(fabs(npu_steptab_cost(t, &p).time_s / sr.time_s - 1) < 1e-9);
        }
        npu_steptab_free(t);
    }
}

/* Sample moments: Poisson gaps have mean 1/rate and CV 1; gamma gaps the CV
 * asked; lognormal lengths the mean and SD asked (20000 draws: < 3%). */
static void test_arrivals_and_lengths(void **st) {
    (void)st;
    npu_rng r;
    npu_rng_seed(&r, 1);
    double cvs[2] = {1.0, 3.0};
    for (int k = 0; k < 2; k++) {
        npu_workload w = {.arrival = k ? NPU_ARRIVE_GAMMA : NPU_ARRIVE_POISSON, .rate_rps = 4, .burstiness_cv = cvs[k]};
        double s = 0, s2 = 0;
        int n = 200000;
        for (int i = 0; i < n; i++) {
            double g = npu_workload_gap_s(&w, &r);
            s += g, s2 += g * g;
        }
        double mean = s / n, sd = sqrt(s2 / n - mean * mean);
        assert_true(fabs(mean - 0.25) < 0.03 * 0.25);
        assert_true(fabs(sd / mean - cvs[k]) < 0.05 * cvs[k]);
    }
    npu_dist d;
    assert_int_equal(npu_dist_parse("lognormal:300,200", 1, "--input", &d), 0);
    double s = 0, s2 = 0;
    for (int i = 0; i < 20000; i++) {
        double x = (double)npu_dist_sample(&d, &r);
        s += x, s2 += x * x;
    }
    double mean = s / 20000, sd = sqrt(s2 / 20000 - mean * mean);
    assert_true(fabs(mean - 300) < 9 && fabs(sd - 200) < 12);
    assert_int_equal(npu_dist_parse("uniform:5,7", 1, "--input", &d), 0);
    for (int i = 0; i < 100; i++) {
        long x = npu_dist_sample(&d, &r);
        assert_true(x >= 5 && x <= 7);
    }
    assert_int_equal(npu_dist_parse("normal:100,1000,150", 0, "--output", &d), 0);
    for (int i = 0; i < 100; i++) {
        long x = npu_dist_sample(&d, &r);
        assert_true(x >= 0 && x <= 150);
    }
    assert_int_equal(npu_dist_parse("lognorml:1,2", 1, "--input", &d), -1);
    assert_non_null(strstr(npu_errmsg(), "lognormal"));
    assert_int_equal(npu_dist_parse("0", 1, "--input", &d), -1);
    assert_int_equal(npu_dist_parse("0", 0, "--output", &d), 0);
    assert_int_equal(npu_dist_parse("uniform:9,3", 1, "--input", &d), -1);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_trace_files(void **st) {
    (void)st;
    char csv[64], jl[64], bad[64];
    snprintf(csv, sizeof csv, "/tmp/npusim_trace_%d.csv", (int)getpid());
    snprintf(jl, sizeof jl, "/tmp/npusim_trace_%d.jsonl", (int)getpid());
    snprintf(bad, sizeof bad, "/tmp/npusim_trace_bad_%d.csv", (int)getpid());
    write_file(csv, "arrival_s,input_tokens,output_tokens\n0.5,100,10\n0.1,200,0\n2.0,300,30\n");
    write_file(jl, "{\"arrival_s\": 0.0, \"input_tokens\": 50, \"output_tokens\": 5}\n"
                   "{\"timestamp\": 1.5, \"prompt_tokens\": 60, \"completion_tokens\": 6}\n");
    write_file(bad, "arrival_s,input_tokens,output_tokens\n0.5,100,ten\n");
    npu_trace t;
    assert_int_equal(npu_trace_load(csv, &t), 0);
    assert_int_equal(t.n, 3);
    /* sorted by time */
    assert_true(t.rows[0].arrival_s == 0.1 && t.rows[0].input == 200 && t.rows[0].output == 0);
    assert_true(t.rows[2].arrival_s == 2.0 && t.rows[2].output == 30);
    npu_serve_cfg c = base_cfg(3, 1, "1", "1");
    c.wl.arrival = NPU_ARRIVE_TRACE;
    c.wl.trace = &t;
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    check_conservation(&c, &r);
    assert_int_equal(r.tokens_out, 40);
    assert_true(r.req[0].arrival_s == 0.1 && r.req[2].arrival_s == 2.0);
    npu_serve_result_free(&r);
    free_cfg(&c);
    npu_trace_free(&t);
    assert_int_equal(npu_trace_load(jl, &t), 0);
    assert_int_equal(t.n, 2);
    assert_true(t.rows[1].arrival_s == 1.5 && t.rows[1].input == 60 && t.rows[1].output == 6);
    npu_trace_free(&t);
    assert_int_equal(npu_trace_load(bad, &t), -1);
    assert_non_null(strstr(npu_errmsg(), "line 2"));
    remove(csv), remove(jl), remove(bad);
}

/* The highest rate meeting a TTFT SLO: the run at that rate meets it, 3% more
 * does not (the search's bracket is 1%, plus noise of a finite run). */
static void test_find_max_rate(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(1500, 1, "512", "128");
    c.keep_requests = false;
    c.slo_ttft_s = 0.2, c.slo_tpot_s = 0.05;
    double rate;
    npu_serve_result at;
    assert_int_equal(npu_serve_find_max_rate(&c, &rate, &at), 0);
    assert_true(npu_serve_meets_slo(&c, &at));
    assert_true(rate > 5 && rate < 200);
    npu_serve_result_free(&at);
    c.slo_ttft_s = c.slo_tpot_s = 0;
    assert_int_equal(npu_serve_find_max_rate(&c, &rate, NULL), -1);
    free_cfg(&c);
}


/* The offered arrival rate is what arrived per second (here Poisson at 200
 * req/s into a replica that completes far fewer); the completion rate is what
 * passed through. Before, arrival_rate_rps was the completion rate. */
static void test_arrival_rate_offered(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(3000, 200, "lognormal:1000,500,4000", "lognormal:400,300,3000");
    c.kv_mem_frac = 0.045;
    c.keep_requests = false;
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    assert_true(fabs(r.arrival_rate_rps / 200 - 1) < 0.05);
    assert_true(r.completion_rate_rps < 20);
    assert_true(fabs(r.completion_rate_rps * r.duration_s - 3000) < 1e-6 * 3000);
    npu_serve_result_free(&r);
    /* all at once: no gaps, no rate */
    c.wl.arrival = NPU_ARRIVE_OFFLINE;
    c.requests = 200;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    assert_true(r.arrival_rate_rps == 0 && r.completion_rate_rps > 0);
    npu_serve_result_free(&r);
    free_cfg(&c);
}

/* A preemption happens when a replica's cache is full, so whenever there were
 * preemptions the peak KV use must be near 1: a disaggregated deployment whose
 * one decode replica preempts (it read ~21% before: the prefill pool's blocks
 * diluted the share), and 4 round-robin replicas. The static scheduler's peak
 * is never below its time average (it was: its admissions were not sampled). */
static void test_kv_peak_with_preemption(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(1500, 30, "2000", "1000");
    c.sched = NPU_SCHED_DISAGG;
    c.prefill = c.pool;
    c.prefill.replicas = 4;
    c.kv_mem_frac = 0.3;
    c.keep_requests = false;
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    assert_true(r.preemptions > 0);
    assert_true(r.kv_use_max > 0.95);
    assert_int_equal(r.pool[NPU_POOL_DECODE].preemptions, r.preemptions);
    assert_int_equal(r.pool[NPU_POOL_PREFILL].preemptions, 0);
    npu_serve_result_free(&r);
    free_cfg(&c);
    c = base_cfg(3000, 400, "lognormal:1000,500,4000", "lognormal:400,300,3000");
    c.pool.replicas = 4;
    c.kv_mem_frac = 0.045;
    c.keep_requests = false;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    assert_true(r.preemptions > 0 && r.kv_use_max > 0.95);
    npu_serve_result_free(&r);
    c.pool.replicas = 1;
    c.sched = NPU_SCHED_STATIC;
    c.requests = 1000;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    assert_true(r.kv_use_max >= r.kv_use_mean);
    npu_serve_result_free(&r);
    free_cfg(&c);
}

/* With disagg the result carries both pools: chips, replicas, KV capacity, use
 * and energy of each, which add up to the run's totals; without, one pool. */
static void test_disagg_pools_in_result(void **st) {
    (void)st;
    npu_hw h200;
    assert_int_equal(npu_hw_load("h200-sxm", &h200), 0);
    npu_serve_cfg c = base_cfg(800, 10, "lognormal:1000,500,4000", "lognormal:200,100,1000");
    c.sched = NPU_SCHED_DISAGG;
    c.prefill = c.pool;
    c.prefill.hw = &h200;
    c.prefill.replicas = 2;
    c.pool.replicas = 3;
    c.keep_requests = false;
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    const npu_serve_pool_result *d = &r.pool[NPU_POOL_DECODE], *p = &r.pool[NPU_POOL_PREFILL];
    assert_true(d->present && p->present);
    assert_string_equal(p->hw, "h200-sxm");
    assert_string_equal(d->hw, "h100-sxm");
    assert_int_equal(p->replicas, 2);
    assert_int_equal(d->replicas, 3);
    assert_int_equal(p->chips + d->chips, r.chips);
    assert_int_equal(p->steps + d->steps, r.steps);
    assert_true(p->kv_tokens_per_replica > d->kv_tokens_per_replica); /* 141 GB vs 80 GB */
    assert_int_equal(d->kv_tokens_per_replica, r.kv_tokens_per_replica);
    assert_true(p->kv_use_mean > 0 && p->kv_use_max >= p->kv_use_mean);
    assert_true(fabs(p->energy_j + d->energy_j - r.energy_j) < 1e-9 * r.energy_j);
    npu_serve_result_free(&r);
    c.sched = NPU_SCHED_CONTINUOUS;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    assert_true(r.pool[NPU_POOL_DECODE].present && !r.pool[NPU_POOL_PREFILL].present);
    assert_int_equal(r.pool[NPU_POOL_DECODE].replicas, 3);
    npu_serve_result_free(&r);
    free_cfg(&c);
}

/* Lengths above 2^31 are not truncated: a trace row of 3e9 prompt tokens is
 * refused for the context window and recorded as 3e9 (it was wrapped to a
 * 1-token prompt that "completed"). */
static void test_long_lengths_not_truncated(void **st) {
    (void)st;
    npu_trace_row rows[2] = {{.arrival_s = 0, .input = 3000000000L, .output = 5}, {.arrival_s = 1, .input = 100, .output = 3000000000L}};
    npu_trace t = {.rows = rows, .n = 2};
    npu_serve_cfg c = base_cfg(2, 1, "1", "1");
    c.wl.arrival = NPU_ARRIVE_TRACE;
    c.wl.trace = &t;
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    assert_int_equal(r.rejected, 2);
    for (int i = 0; i < 2; i++) assert_int_equal(r.req[i].status, NPU_REQ_REJECTED_CONTEXT);
    assert_true(r.req[0].input == 3000000000L && r.req[1].output == 3000000000L);
    assert_non_null(strstr(r.reject_reason, "3000000000"));
    npu_serve_result_free(&r);
    free_cfg(&c);
}

/* links.overlap reaches the serving engine: a tp-2 replica that hides its
 * collectives entirely steps faster than one that hides none. */
static void test_serve_overlap(void **st) {
    (void)st;
    npu_serve_cfg c = base_cfg(300, 5, "512", "64");
    c.pool.step.plan.tp = 2;
    c.keep_requests = false;
    npu_serve_result a, b;
    assert_int_equal(npu_serve_run(&c, &a), 0);
    npu_hw ov = H100;
    ov.comm_overlap = 1.0;
    assert_int_equal(npu_hw_finish(&ov, "ov"), 0); /* the fabric is derived: finish again */
    c.pool.hw = &ov;
    assert_int_equal(npu_serve_run(&c, &b), 0);
    assert_true(b.tpot.mean < a.tpot.mean * 0.995);
    npu_serve_result_free(&a), npu_serve_result_free(&b);
    free_cfg(&c);
}

/* The paged KV cache alone: admission counts the blocks of the whole sequence
 * and of a new shared prefix, growth takes blocks one boundary at a time, the
 * peak is the most ever in use, release and preemption return blocks. */
static void test_kvcache(void **st) {
    (void)st;
    npu_kvcache kv;
    npu_kvcache_init(&kv, 10, 16);
    int32_t a = 0, b = 0;
    assert_int_equal(npu_kvcache_blocks_for(&kv, 33, 0), 3);
    assert_int_equal(npu_kvcache_blocks_for(&kv, 33, 16), 2);
    assert_true(npu_kvcache_admits(&kv, 100, 20)); /* 5 own + 2 prefix blocks of 10 */
    npu_kvcache_admit(&kv, &a, 100, 20);
    assert_int_equal(a, 5);
    assert_int_equal(kv.free_blocks, 3);
    assert_int_equal(kv.prefix_tokens, 20);
    assert_false(npu_kvcache_admits(&kv, 80, 20)); /* 4 own (prefix pinned already) > 3 */
    assert_true(npu_kvcache_admits(&kv, 60, 20));  /* 3 own */
    npu_kvcache_admit(&kv, &b, 60, 20);
    assert_int_equal(kv.free_blocks, 0);
    assert_int_equal(npu_kvcache_shortfall(&kv, a, 100, 20), 0);
    assert_int_equal(npu_kvcache_shortfall(&kv, a, 101, 20), 1); /* 81 own tokens: a 6th block */
    assert_int_equal(kv.peak_used, 10);
    npu_kvcache_preempt(&kv, &b);
    assert_int_equal(b, 0);
    assert_int_equal(kv.free_blocks, 3);
    assert_int_equal(kv.preemptions, 1);
    npu_kvcache_grow(&kv, &a, 101, 20);
    assert_int_equal(a, 6);
    assert_int_equal(kv.violations, 0);
    assert_true(fabs(npu_kvcache_use(&kv) - 0.8) < 1e-12 && npu_kvcache_peak_use(&kv) == 1.0);
    npu_kvcache_release(&kv, &a);
    assert_int_equal(kv.free_blocks, 8); /* the prefix stays pinned */
}

/* Statistics alone: nearest-rank percentiles of 1..100 and a timeline of a
 * hand-made signal (1 for 1 s, 3 for 1 s: mean 2, bins of 0.5 s). */
static void test_stats(void **st) {
    (void)st;
    double v[100];
    for (int i = 0; i < 100; i++) v[i] = 100 - i;
    npu_lat l = npu_stats_lat(v, 100);
    assert_true(l.p50 == 50 && l.p90 == 90 && l.p99 == 99 && l.max == 100 && l.mean == 50.5);
    npu_timeline tl;
    npu_timeline_init(&tl, 10.0, 0.5);
    double one[NPU_TL_SERIES] = {1, 0, 0}, three[NPU_TL_SERIES] = {3, 0, 0};
    npu_timeline_advance(&tl, 11.0, one);
    npu_timeline_advance(&tl, 12.0, three);
    assert_true(fabs(npu_timeline_mean(&tl, 0, 2.0) - 2.0) < 1e-12);
    double t_s[4], q[4], k1[4], k2[4];
    double *out[NPU_TL_SERIES] = {q, k1, k2};
    assert_int_equal(npu_timeline_bins(&tl, 2.0, 4, t_s, out), 4);
    assert_true(q[0] == 1 && q[1] == 1 && q[2] == 3 && q[3] == 3 && t_s[2] == 11.0);
    assert_int_equal(npu_timeline_bins(&tl, 2.0, 2, t_s, out), 2); /* merged into 1 s bins */
    assert_true(q[0] == 1 && q[1] == 3);
}

int main(void) {
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_each_scheduler_conserves), cmocka_unit_test(test_preemption_keeps_invariants),
        cmocka_unit_test(test_littles_law),              cmocka_unit_test(test_same_seed_same_result),
        cmocka_unit_test(test_context_window_rejection), cmocka_unit_test(test_zero_output),
        cmocka_unit_test(test_single_request_matches_run), cmocka_unit_test(test_closed_loop),
        cmocka_unit_test(test_offline),                  cmocka_unit_test(test_steptab_accuracy),
        cmocka_unit_test(test_arrivals_and_lengths),     cmocka_unit_test(test_trace_files),
        cmocka_unit_test(test_find_max_rate),
        cmocka_unit_test(test_arrival_rate_offered),     cmocka_unit_test(test_kv_peak_with_preemption),
        cmocka_unit_test(test_disagg_pools_in_result),   cmocka_unit_test(test_long_lengths_not_truncated),
        cmocka_unit_test(test_serve_overlap),            cmocka_unit_test(test_kvcache),
        cmocka_unit_test(test_stats),                  cmocka_unit_test(test_step_composition),
    };
    return cmocka_run_group_tests(t, setup, NULL);
}
