/* Unit tests of issue 12 (sections 3-5): the engines' scheduling policies on a
 * hand-made queue, multi-step rounds, the overlap scheduler, the serial front
 * end and TTFT's parts, closed-loop (de)synchronisation, speculative decoding
 * (acceptance, cost = draft + verify, KV, batch dependence) and the metric
 * formulas of the benchmark tools on hand-made records. Expected values are
 * worked out by hand in the comments. */
#include "testutil.h"
#include "npu_all.h"
#include "npu_serve.h"
#include "npu_spec.h"
#include "npu_steptab.h"
#include "npu_workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static npu_model M8, M1;
static npu_hw H100;

static int setup(void **st) {
    (void)st;
    return npu_model_load("llama3-8b", &M8) || npu_model_load("llama3.2-1b", &M1) || npu_hw_load("h100-sxm", &H100);
}

static const npu_step_cfg BF16 = {.stack = NPU_STACK_FUSED, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};

static npu_serve_cfg cfg_of(npu_sched sched) {
    npu_serve_cfg c;
    npu_serve_defaults(&c);
    c.sched = sched;
    c.pool = (npu_pool){.model = &M8, .hw = &H100, .step = BF16, .replicas = 1};
    c.engine = *npu_engine_ideal();
    c.seed = 3;
    return c;
}

static bool near(double a, double b, double rel) { return fabs(a - b) <= rel * fabs(b) + 1e-15; }

/* ---------------------------------------------------------------- policies */

/* The queue: A and B decode (A: 100-token prompt, 5 tokens out so far; B: 200,
 * 1), C (3000), D (500) and E (100) wait, in that order. */
static const npu_sched_req Q[5] = {
    {.input = 100, .output = 50, .done = 100, .gen = 5, .running = true},
    {.input = 200, .output = 50, .done = 200, .gen = 1, .running = true},
    {.input = 3000, .output = 50},
    {.input = 500, .output = 50},
    {.input = 100, .output = 50},
};

static void form(npu_sched sched, long budget, long chunk, npu_step_shape *sh, long tok[5]) {
    npu_serve_cfg c = cfg_of(sched);
    c.max_batched_tokens = budget, c.chunk = chunk;
    assert_int_equal(npu_serve_form_step(&c, Q, 5, sh, tok), 0);
}

static void test_policy_prefill_first(void **st) {
    (void)st;
    npu_step_shape sh;
    long t[5];
    /* vLLM V0: prompts first, whole: C 3000 + D 500 + E 100 = 3600 <= 4000; A, B wait */
    form(NPU_SCHED_CONTINUOUS, 4000, 1000, &sh, t);
    assert_int_equal(sh.dec_batch, 0);
    assert_int_equal(sh.pf_n, 3);
    assert_int_equal(sh.pf_tokens, 3600);
    assert_int_equal(sh.emit, 3);
    assert_true(t[0] == 0 && t[1] == 0 && t[2] == 3000 && t[3] == 500 && t[4] == 100);
    /* budget 3400: C (3000) fits, D (500) would make 3500: it waits, and E behind it (FIFO) */
    form(NPU_SCHED_CONTINUOUS, 3400, 1000, &sh, t);
    assert_int_equal(sh.pf_n, 1);
    assert_true(t[2] == 3000 && t[3] == 0 && t[4] == 0);
}

static void test_policy_mixed(void **st) {
    (void)st;
    npu_step_shape sh;
    long t[5];
    /* TensorRT-LLM IFB: decodes A, B (2 tokens, budget 3398 left), then whole
     * prompts: C 3000 (398 left), D 500 > 398 waits, E behind it */
    form(NPU_SCHED_MIXED, 3400, 1000, &sh, t);
    assert_int_equal(sh.dec_batch, 2);
    assert_true(sh.dec_ctx_sum == (100 + 5 - 1) + (200 + 1 - 1)); /* KV of A: 104 tokens, of B: 200 */
    assert_int_equal(sh.pf_n, 1);
    assert_int_equal(sh.pf_tokens, 3000);
    assert_int_equal(sh.emit, 3);
    assert_true(t[0] == 1 && t[1] == 1 && t[2] == 3000 && t[3] == 0 && t[4] == 0);
    /* budget 2000: C does not fit beside the decodes, and nothing passes it */
    form(NPU_SCHED_MIXED, 2000, 1000, &sh, t);
    assert_true(sh.dec_batch == 2 && sh.pf_n == 0 && t[2] == 0);
}

static void test_policy_chunked(void **st) {
    (void)st;
    npu_step_shape sh;
    long t[5];
    /* vLLM V1 / Sarathi, budget 1000: decodes A, B (998 left), C gets a 998-token chunk */
    form(NPU_SCHED_CHUNKED, 8192, 1000, &sh, t);
    assert_int_equal(sh.dec_batch, 2);
    assert_int_equal(sh.pf_n, 1);
    assert_int_equal(sh.pf_tokens, 998);
    assert_int_equal(sh.emit, 2); /* C's chunk does not end its prompt */
    assert_true(t[0] == 1 && t[1] == 1 && t[2] == 998 && t[3] == 0);
    /* a running prompt continues first: P has 1500 of 2000 done, so it takes 500
     * of the 998 left, then the new C takes the remaining 498 */
    npu_sched_req q[3] = {Q[0], {.input = 2000, .output = 10, .done = 1500, .running = true}, Q[2]};
    npu_serve_cfg c = cfg_of(NPU_SCHED_CHUNKED);
    c.chunk = 999;
    long u[3];
    assert_int_equal(npu_serve_form_step(&c, q, 3, &sh, u), 0);
    assert_true(u[0] == 1 && u[1] == 500 && u[2] == 498);
    assert_true(sh.dec_batch == 1 && sh.pf_n == 2 && sh.pf_tokens == 998 && sh.pf_ctx_sum == 1500 && sh.emit == 2);
}

static void test_policy_prefill_chunked(void **st) {
    (void)st;
    npu_step_shape sh;
    long t[5];
    /* SGLang, chunked_prefill_size 3400: a prefill-only step, C 3000 whole, D
     * chunked to the 400 left; decodes wait */
    form(NPU_SCHED_PREFILL_CHUNKED, 3400, 1000, &sh, t);
    assert_int_equal(sh.dec_batch, 0);
    assert_int_equal(sh.pf_n, 2);
    assert_int_equal(sh.pf_tokens, 3400);
    assert_int_equal(sh.emit, 1);
    assert_true(t[0] == 0 && t[1] == 0 && t[2] == 3000 && t[3] == 400 && t[4] == 0);
    /* no prompt work: a decode step */
    assert_int_equal(npu_serve_form_step(&(npu_serve_cfg){0}, Q, 0, &sh, t), -1); /* no model: refused */
    npu_serve_cfg c = cfg_of(NPU_SCHED_PREFILL_CHUNKED);
    assert_int_equal(npu_serve_form_step(&c, Q, 2, &sh, t), 0);
    assert_true(sh.dec_batch == 2 && sh.pf_n == 0 && t[0] == 1 && t[1] == 1);
}

static void test_policy_static(void **st) {
    (void)st;
    /* three prompts of 100, 300 and 200 tokens: one batch padded to 300 */
    npu_sched_req q[3] = {{.input = 100, .output = 8}, {.input = 300, .output = 4}, {.input = 200, .output = 6}};
    npu_serve_cfg c = cfg_of(NPU_SCHED_STATIC);
    npu_step_shape sh;
    long t[3];
    assert_int_equal(npu_serve_form_step(&c, q, 3, &sh, t), 0);
    assert_true(sh.pf_n == 3 && sh.pf_tokens == 900 && sh.dec_batch == 0 && sh.emit == 3);
    /* reserve admission: blocks for the whole sequence of every admitted one */
    c.sched = NPU_SCHED_MIXED, c.kv_admit = NPU_KV_RESERVE_FULL;
    assert_int_equal(npu_serve_form_step(&c, q, 3, &sh, t), 0);
    assert_true(sh.pf_n == 3 && sh.pf_tokens == 600);
}

/* A hand-made state the KV cache cannot hold, or an impossible one: refused. */
static void test_form_step_bad_state(void **st) {
    (void)st;
    npu_serve_cfg c = cfg_of(NPU_SCHED_MIXED);
    npu_step_shape sh;
    long t[1];
    npu_sched_req bad = {.input = 100, .output = 10, .done = 100, .gen = 0, .running = true}; /* decoding, no token */
    assert_int_equal(npu_serve_form_step(&c, &bad, 1, &sh, t), -1);
    npu_sched_req huge = {.input = 2000000, .output = 10, .done = 10, .running = true};
    assert_int_equal(npu_serve_form_step(&c, &huge, 1, &sh, t), -1);
}

/* ---------------------------------------------------------------- engine mechanisms */

static npu_serve_result run_trace(npu_serve_cfg *c, const npu_trace_row *rows, int n) {
    npu_trace tr = {.rows = (npu_trace_row *)rows, .n = (size_t)n};
    c->wl.arrival = NPU_ARRIVE_TRACE, c->wl.trace = &tr, c->requests = n, c->keep_requests = true;
    npu_serve_result r;
    assert_int_equal(npu_serve_run(c, &r), 0);
    c->wl.trace = NULL;
    return r;
}

/* Multi-step: one request of 9 tokens, rounds of 4 decode steps. Tokens: 1 from
 * the prefill, then 4 + 4 in two rounds delivered as two chunks. With host time
 * h per step the round pays it once: end-to-end is 2 rounds x 3 h shorter than
 * with single steps; the kernels are the same steps. */
static void test_multi_step(void **st) {
    (void)st;
    npu_trace_row row = {0, 100, 9};
    npu_serve_cfg c = cfg_of(NPU_SCHED_CONTINUOUS);
    c.engine = *npu_engine_ideal(); /* kernels, plus a host time of 1 ms per step and 3 us per sequence */
    c.engine.ideal = false, c.engine.step_us = 1000, c.engine.seq_us = 3;
    npu_serve_result a = run_trace(&c, &row, 1);
    c.multi_step = 4;
    npu_serve_result b = run_trace(&c, &row, 1);
    assert_int_equal(a.req[0].chunks, 8);
    assert_int_equal(b.req[0].chunks, 2);
    assert_true(near(b.tokens_per_chunk, 4, 1e-12));
    assert_true(near(a.ttft.mean, b.ttft.mean, 1e-12));
    double host = 1003e-6; /* 1 ms + 3 us x 1 sequence */
    assert_true(fabs((a.e2e.mean - b.e2e.mean) - 2 * 3 * host) < 1e-9);
    /* ITL: the two round gaps equal the decode time, in 2 chunks instead of 8 */
    assert_true(near(b.itl.mean * 2, b.e2e.mean - b.ttft.mean, 1e-9));
    npu_serve_result_free(&a), npu_serve_result_free(&b);
}

/* The overlap scheduler: B arrives 1 ms into A's prefill. Without it, B's
 * prompt joins the next step (A's first decode); with it, that step was formed
 * when A's prefill began, so B waits one more step: its TTFT grows by A's
 * decode-only step at 1000 tokens of context, what `run --phase decode` gives. */
static void test_sched_ahead(void **st) {
    (void)st;
    npu_trace_row rows[2] = {{0, 1000, 50}, {0.001, 100, 5}};
    npu_serve_cfg c = cfg_of(NPU_SCHED_MIXED);
    npu_serve_result a = run_trace(&c, rows, 2);
    c.sched_ahead = true;
    npu_serve_result b = run_trace(&c, rows, 2);
    /* A alone at first: the idle replica starts at once either way */
    assert_true(near(a.req[0].first_s, b.req[0].first_s, 1e-12));
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 1000, .stack = NPU_STACK_FUSED, .wdt = NPU_BF16,
                      .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_run_result *rr = malloc(sizeof *rr);
    assert_int_equal(npu_run(&M8, &H100, &rc, rr), 0);
    double extra = (b.req[1].first_s - b.req[1].arrival_s) - (a.req[1].first_s - a.req[1].arrival_s);
    assert_true(near(extra, rr->latency_s, 2e-3));
    /* the extra step is waiting: TTFT's wait part grows by it */
    assert_true(near(b.req[1].wait_s - a.req[1].wait_s, rr->latency_s, 2e-3));
    free(rr);
    npu_serve_result_free(&a), npu_serve_result_free(&b);
}

/* Delivery lag (an engine that overlaps its host work with the next step): a
 * step's tokens reach the client when the replica's next step ends. One request
 * alone: its first token arrives after its first decode step (what `run
 * --phase decode` gives at 1000 tokens of context); its last at once (nothing
 * runs after it). Tokens and KV are unchanged. */
static void test_delivery_lag(void **st) {
    (void)st;
    npu_trace_row row = {0, 1000, 50};
    npu_serve_cfg c = cfg_of(NPU_SCHED_MIXED);
    npu_serve_result a = run_trace(&c, &row, 1);
    c.delivery_lag = 1;
    npu_serve_result b = run_trace(&c, &row, 1);
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 1000, .stack = NPU_STACK_FUSED, .wdt = NPU_BF16,
                      .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_run_result *rr = malloc(sizeof *rr);
    assert_int_equal(npu_run(&M8, &H100, &rc, rr), 0);
    assert_true(near(b.ttft.mean - a.ttft.mean, rr->latency_s, 1e-9));
    assert_true(near(b.e2e.mean, a.e2e.mean, 1e-12));
    assert_int_equal(b.tokens_out, 50);
    assert_int_equal(b.req[0].chunks, 49);
    free(rr);
    npu_serve_result_free(&a), npu_serve_result_free(&b);
    /* under load every output but the last of a busy spell arrives one step late */
    npu_trace_row rows[4] = {{0, 500, 20}, {0.002, 500, 20}, {0.004, 500, 20}, {0.006, 500, 20}};
    c.delivery_lag = 0;
    a = run_trace(&c, rows, 4);
    c.delivery_lag = 1;
    b = run_trace(&c, rows, 4);
    assert_true(b.ttft.mean > a.ttft.mean);
    assert_int_equal(b.tokens_emitted, 80);
    npu_serve_result_free(&a), npu_serve_result_free(&b);
    /* every scheduler under load: each request ends once, after its first token */
    for (int k = 0; k < NPU_SCHED_COUNT; k++) {
        npu_serve_cfg d = cfg_of((npu_sched)k);
        if (k == NPU_SCHED_DISAGG) d.prefill = d.pool;
        d.delivery_lag = 1, d.max_seqs = 32;
        d.wl.arrival = NPU_ARRIVE_POISSON, d.wl.rate_rps = 30, d.requests = 500, d.keep_requests = true;
        assert_int_equal(npu_dist_parse("lognormal:400,300,3000", 1, "--input", &d.wl.input), 0);
        assert_int_equal(npu_dist_parse("lognormal:100,80,800", 0, "--output", &d.wl.output), 0);
        npu_serve_result x;
        assert_int_equal(npu_serve_run(&d, &x), 0);
        assert_int_equal(x.requests, 500);
        assert_int_equal(x.tokens_emitted, x.tokens_out);
        for (long i = 0; i < x.n_req; i++)
            assert_true(x.req[i].finish_s >= x.req[i].first_s && x.req[i].first_s >= x.req[i].arrival_s);
        npu_dist_free(&d.wl.input), npu_dist_free(&d.wl.output);
        npu_serve_result_free(&x);
    }
}

/* TTFT = front end + wait + prefill, per request. Three requests at t = 0 and
 * a front end of 1 ms each, one at a time: their front-end parts are 1, 2, 3 ms. */
static void test_ttft_parts(void **st) {
    (void)st;
    npu_trace_row rows[3] = {{0, 300, 4}, {0, 300, 4}, {0, 300, 4}};
    npu_serve_cfg c = cfg_of(NPU_SCHED_MIXED);
    c.frontend_s = 1e-3;
    npu_serve_result r = run_trace(&c, rows, 3);
    for (int i = 0; i < 3; i++) {
        const npu_req_rec *q = &r.req[i];
        assert_true(fabs(q->frontend_s - (i + 1) * 1e-3) < 1e-6);
        assert_true(fabs(q->frontend_s + q->wait_s + q->prefill_s - (q->first_s - q->arrival_s)) < 1e-6);
    }
    assert_true(near(r.ttft_frontend_s + r.ttft_wait_s + r.ttft_prefill_s, r.ttft.mean, 1e-6));
    /* the first reaches an idle engine at 1 ms and starts alone: no wait; the
     * second arrives at 2 ms, during that step, and waits for it to end */
    assert_true(r.req[0].wait_s < 1e-9 && r.req[1].wait_s > 0);
    npu_serve_result_free(&r);
}

/* ---------------------------------------------------------------- closed loop */

static npu_serve_result closed(npu_sched sched, int clients, long requests, const char *in, const char *out) {
    npu_serve_cfg c = cfg_of(sched);
    c.wl.arrival = NPU_ARRIVE_CLOSED, c.wl.concurrency = clients;
    assert_int_equal(npu_dist_parse(in, 1, "--input", &c.wl.input), 0);
    assert_int_equal(npu_dist_parse(out, 0, "--output", &c.wl.output), 0);
    c.requests = requests, c.keep_requests = true, c.max_batched_tokens = 2048, c.chunk = 2048;
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
    return r;
}

/* Distinct send times among the last `k` requests (1 = all in lock-step). */
static int phases(const npu_serve_result *r, int k) {
    int n = 0;
    for (long i = r->n_req - k; i < r->n_req; i++) {
        bool seen = false;
        for (long j = r->n_req - k; j < i; j++) seen |= fabs(r->req[j].arrival_s - r->req[i].arrival_s) < 1e-9;
        n += !seen;
    }
    return n;
}

/* 16 identical clients (500-token prompts, 64 tokens out), budget 2048.
 * Prefill-first (vLLM V0) stalls every decode behind the prompts, so a client
 * prefilled later catches up and all 16 finish in the same step: lock-step
 * forever, one send time per cycle. Mixing prompts into decode steps (TensorRT-
 * LLM, vLLM V1) keeps the budget's groups of 4 apart: 4 phases. A V0 group
 * waits for the groups prefilled before it (1 to 4 prompt steps, 2.5 on
 * average); a mixed group for the step in progress and its own (about 2). */
static void test_closed_loop_phases(void **st) {
    (void)st;
    npu_serve_result v0 = closed(NPU_SCHED_CONTINUOUS, 16, 320, "500", "64");
    npu_serve_result ifb = closed(NPU_SCHED_MIXED, 16, 320, "500", "64");
    npu_serve_result v1 = closed(NPU_SCHED_CHUNKED, 16, 320, "500", "64");
    assert_int_equal(phases(&v0, 16), 1);
    assert_true(phases(&ifb, 16) >= 4);
    assert_true(phases(&v1, 16) >= 4);
    /* one request alone: its TTFT is the single prefill */
    npu_serve_result one = closed(NPU_SCHED_MIXED, 1, 4, "500", "64");
    double alone = one.ttft.p50;
    assert_true(v0.ttft.mean > 8 * alone);      /* the whole cohort's prefill, 4 steps of 4 prompts */
    assert_true(ifb.ttft.mean < 0.8 * v0.ttft.mean);
    assert_true(v1.ttft.mean < 0.8 * v0.ttft.mean);
    assert_true(ifb.ttft.mean < 16 * alone / 2); /* not C x prefill */
    npu_serve_result_free(&v0), npu_serve_result_free(&ifb), npu_serve_result_free(&v1), npu_serve_result_free(&one);
}

/* Output lengths that vary (datasets, no ignore_eos) spread the phases even
 * under prefill-first: no two requests of the last cycle leave together. And a
 * client's think time does the same for fixed lengths. */
static void test_closed_loop_desync(void **st) {
    (void)st;
    npu_serve_result v = closed(NPU_SCHED_CONTINUOUS, 16, 320, "500", "uniform:32,96");
    assert_true(phases(&v, 16) >= 12);
    npu_serve_cfg c = cfg_of(NPU_SCHED_CONTINUOUS);
    c.wl.arrival = NPU_ARRIVE_CLOSED, c.wl.concurrency = 16, c.requests = 320, c.keep_requests = true;
    assert_int_equal(npu_dist_parse("500", 1, "--input", &c.wl.input), 0);
    assert_int_equal(npu_dist_parse("64", 0, "--output", &c.wl.output), 0);
    c.client_think_s = 50e-3;
    npu_serve_result t;
    assert_int_equal(npu_serve_run(&c, &t), 0);
    assert_true(phases(&t, 16) >= 12);
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
    npu_serve_result_free(&v), npu_serve_result_free(&t);
}

/* ---------------------------------------------------------------- speculative decoding */

static void test_spec_acceptance(void **st) {
    (void)st;
    npu_spec s;
    assert_int_equal(npu_spec_parse("eagle:2", &s), 0);
    assert_int_equal(npu_spec_check(&s), -1); /* eagle needs an acceptance */
    assert_int_equal(npu_spec_accept(&s, "0.8,0.5"), 0);
    /* E[A] = 0.8 + 0.8 x 0.5 = 1.2; tokens per step 2.2 */
    assert_true(near(npu_spec_accept_mean(&s), 1.2, 1e-12));
    assert_true(near(npu_spec_tokens_per_step(&s), 2.2, 1e-12));
    npu_rng rng;
    npu_rng_seed(&rng, 9);
    double sum = 0;
    for (int i = 0; i < 200000; i++) sum += npu_spec_sample(&s, &rng);
    assert_true(fabs(sum / 200000 - 1.2) < 0.01);
    /* a mean of 1.5 over 3 drafts: one rate a with a + a^2 + a^3 = 1.5 */
    assert_int_equal(npu_spec_parse("mtp:3", &s), 0);
    assert_true(near(npu_spec_accept_mean(&s), 0.87 + 0.87 * 0.87 + 0.87 * 0.87 * 0.87, 1e-12)); /* MTP default */
    assert_int_equal(npu_spec_accept(&s, "1.5"), 0);
    double a = s.rate[0];
    assert_true(near(a + a * a + a * a * a, 1.5, 1e-9) && s.rate[2] == a);
    assert_int_equal(npu_spec_accept(&s, "rate:0.5"), 0);
    assert_true(near(npu_spec_accept_mean(&s), 0.875, 1e-12));
    /* bad input */
    assert_int_equal(npu_spec_accept(&s, "4"), -1);       /* more than 3 drafts */
    assert_int_equal(npu_spec_accept(&s, "0.9,0.8"), -1); /* 2 rates for 3 drafts */
    assert_int_equal(npu_spec_accept(&s, "1.2,0.1,0.1"), -1);
    assert_int_equal(npu_spec_parse("medusa:2", &s), -1);
    assert_int_equal(npu_spec_parse("eagle:0", &s), -1);
    assert_int_equal(npu_spec_parse("eagle:x", &s), -1);
    assert_int_equal(npu_spec_parse("draft:llama3.2-1b", &s), -1);
    assert_int_equal(npu_spec_parse("draft:nosuchmodel:2", &s), -1);
}

/* Cost = verify + drafts. Verify: B sequences x (n + 1) tokens over their
 * context, LM head at every position (a prompt-chunk shape of the step table).
 * eagle/mtp draft token: one layer's share of the decode step without its head,
 * plus the head over B rows, plus the 2h -> h GEMM; draft model: its decode step. */
static void test_spec_cost(void **st) {
    (void)st;
    npu_steptab *tab, *dtab;
    assert_int_equal(npu_steptab_create(&M8, &H100, &BF16, &tab), 0);
    assert_int_equal(npu_steptab_create(&M1, &H100, &BF16, &dtab), 0);
    int B = 16;
    double ctx = 2000.0 * B;
    npu_step_shape d = {.dec_batch = B, .dec_ctx_sum = ctx, .emit = B};
    npu_step_shape ver = {.pf_n = B, .pf_tokens = B * 3, .pf_ctx_sum = ctx, .emit = B * 3};
    /* draft model, 2 drafts: verify + the draft model's decode at ctx and ctx + 1 */
    npu_spec s;
    assert_int_equal(npu_spec_parse("draft:llama3.2-1b:2", &s), 0);
    assert_int_equal(npu_spec_accept(&s, "1"), 0);
    npu_spec_tabs *t;
    assert_int_equal(npu_spec_tabs_create(&s, &M8, &H100, &BF16, &t), 0);
    npu_step_cost c = npu_spec_step_cost(t, tab, &d);
    npu_step_shape d1 = d;
    d1.dec_ctx_sum += B;
    double want = npu_steptab_cost(tab, &ver).time_s + npu_steptab_cost(dtab, &d).time_s + npu_steptab_cost(dtab, &d1).time_s;
    assert_true(near(c.time_s, want, 1e-9));
    npu_spec_tabs_free(t);
    /* eagle, 1 draft: verify + body/32 + head + fc (fc costed apart: > 0, below 1% of the step) */
    assert_int_equal(npu_spec_parse("eagle:1", &s), 0);
    assert_int_equal(npu_spec_accept(&s, "0.7"), 0);
    assert_int_equal(npu_spec_tabs_create(&s, &M8, &H100, &BF16, &t), 0);
    c = npu_spec_step_cost(t, tab, &d);
    npu_step_shape ver2 = {.pf_n = B, .pf_tokens = B * 2, .pf_ctx_sum = ctx, .emit = B * 2};
    npu_step_shape body = {.dec_batch = B, .dec_ctx_sum = ctx, .emit = 0};
    double with_head = npu_steptab_cost(tab, &d).time_s, bare = npu_steptab_cost(tab, &body).time_s;
    double parts = npu_steptab_cost(tab, &ver2).time_s + bare / 32 + (with_head - bare);
    double fc = c.time_s - parts;
    assert_true(fc > 0 && fc < 0.01 * c.time_s);
    npu_spec_tabs_free(t);
    npu_steptab_free(tab), npu_steptab_free(dtab);
}

/* The drafter's KV per token: mtp/eagle one layer of 32; a llama3.2-1b draft
 * 16 layers x 8 heads x 64 x 2 x 2 B = 32768 B against llama3-8b's 32 x 8 x 128
 * x 2 x 2 = 131072 B: 0.25. The serving cache holds fewer tokens by that share
 * (and the draft's weights), and verify slots are allocated: no violation. */
static void test_spec_kv(void **st) {
    (void)st;
    npu_spec s;
    assert_int_equal(npu_spec_parse("mtp:1", &s), 0);
    assert_true(near(npu_spec_kv_ratio(&s, &M8), 1.0 / 32, 1e-12));
    assert_int_equal(npu_spec_parse("draft:llama3.2-1b:4", &s), 0);
    assert_true(near(npu_spec_kv_ratio(&s, &M8), 0.25, 1e-12));
    assert_int_equal(npu_spec_accept(&s, "2"), 0);
    npu_serve_cfg c = cfg_of(NPU_SCHED_MIXED);
    c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = 20, c.requests = 400;
    assert_int_equal(npu_dist_parse("lognormal:600,300,3000", 1, "--input", &c.wl.input), 0);
    assert_int_equal(npu_dist_parse("lognormal:200,100,1000", 0, "--output", &c.wl.output), 0);
    npu_serve_result a, b;
    assert_int_equal(npu_serve_run(&c, &a), 0);
    c.spec = s;
    assert_int_equal(npu_serve_run(&c, &b), 0);
    /* capacity: below 1/1.25 of the plain cache (the draft's 2.5 GB of weights too) */
    assert_true(b.kv_tokens_per_replica < a.kv_tokens_per_replica / 1.25);
    assert_true(b.kv_tokens_per_replica > a.kv_tokens_per_replica / 1.25 * 0.9);
    assert_int_equal(b.kv_violations, 0);
    assert_int_equal(b.tokens_emitted, b.tokens_out);
    assert_int_equal(a.tokens_out, b.tokens_out); /* the same requests: acceptance has its own random stream */
    /* realized acceptance near the rate's mean, and more tokens per chunk */
    assert_true(fabs(b.spec_accepted_mean - 2.0) < 0.05);
    assert_true(b.tokens_per_chunk > 2.5 && b.tokens_per_chunk < 3.05);
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
    npu_serve_result_free(&a), npu_serve_result_free(&b);
}

/* Speculation pays at small batch and costs at large: the gain in decode
 * tokens/s falls with batch, and at short context and large batch (compute-
 * bound verify) it is a loss. */
static void test_spec_batch_dependence(void **st) {
    (void)st;
    npu_spec s;
    assert_int_equal(npu_spec_parse("mtp:1", &s), 0);
    assert_int_equal(npu_spec_accept(&s, "0.8"), 0);
    int batch[4] = {1, 32, 256, 1024};
    double gain[4];
    for (int i = 0; i < 4; i++) {
        npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = batch[i], .ctx = 100, .stack = NPU_STACK_FUSED,
                          .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
        npu_run_result *a = malloc(sizeof *a), *b = malloc(sizeof *b);
        assert_int_equal(npu_run(&M8, &H100, &rc, a), 0);
        assert_int_equal(npu_spec_run(&M8, &H100, &rc, &s, b), 0);
        gain[i] = b->tokens_per_s / a->tokens_per_s;
        /* a step yields 1.8 tokens per sequence */
        assert_true(near(b->tokens_per_s * b->latency_s, 1.8 * batch[i], 1e-9));
        free(a), free(b);
    }
    assert_true(gain[0] > 1.4);
    assert_true(gain[0] > gain[1] && gain[1] > gain[2] && gain[2] > gain[3]);
    assert_true(gain[3] < 1.0);
    /* e2e at batch 1: TPOT falls, the prompt pass grows by the MTP layer's share */
    npu_run_cfg e = {.phase = NPU_RUN_E2E, .batch = 1, .input = 1000, .output = 200, .stack = NPU_STACK_FUSED,
                     .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_run_result *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_int_equal(npu_run(&M8, &H100, &e, a), 0);
    assert_int_equal(npu_spec_run(&M8, &H100, &e, &s, b), 0);
    assert_true(b->tpot_s < a->tpot_s / 1.3);
    assert_true(b->ttft_s > a->ttft_s && b->ttft_s < a->ttft_s * 1.1);
    free(a), free(b);
}

/* ---------------------------------------------------------------- metric formulas */

/* 1..10: nearest rank p90 = x[ceil(9) - 1] = 9, LoadGen/trtllm-bench index
 * x[floor(9)] = 10, numpy linear h = 8.1: 9 + 0.1 = 9.1; p50: 5, 6, 5.5;
 * population SD sqrt(8.25). */
static void test_percentile_methods(void **st) {
    (void)st;
    double v[10];
    for (int i = 0; i < 10; i++) v[i] = 10 - i;
    npu_lat nr = npu_stats_lat_pct(v, 10, NPU_PCT_NEAREST_RANK);
    npu_lat ix = npu_stats_lat_pct(v, 10, NPU_PCT_INDEX);
    npu_lat li = npu_stats_lat_pct(v, 10, NPU_PCT_LINEAR);
    assert_true(nr.p90 == 9 && ix.p90 == 10 && near(li.p90, 9.1, 1e-12));
    assert_true(nr.p50 == 5 && ix.p50 == 6 && near(li.p50, 5.5, 1e-12));
    assert_true(nr.p99 == 10 && ix.p99 == 10 && near(li.p99, 9.91, 1e-12));
    assert_true(near(li.p25, 3.25, 1e-12) && nr.p25 == 3 && ix.p25 == 3);
    assert_true(near(nr.std, sqrt(8.25), 1e-12) && nr.min == 1 && nr.max == 10 && nr.mean == 5.5);
    /* the histogram reads the same ranks, each value its bin's mean: 1..1000 ms */
    npu_hist h;
    assert_int_equal(npu_hist_init(&h), 0);
    for (int i = 1; i <= 1000; i++) npu_hist_add(&h, i * 1e-3);
    npu_lat hl = npu_hist_lat(&h, NPU_PCT_LINEAR);
    assert_true(near(hl.mean, 0.5005, 1e-12));
    assert_true(near(hl.p50, 0.5005, 2e-3) && near(hl.p99, 0.99001, 2e-3));
    assert_true(hl.min == 1e-3 && hl.max == 1.0);
    npu_hist_free(&h);
}

/* On a run's own records: total throughput = (in + out) / duration, per chip =
 * / chips, user tokens/s = mean of (out - 1) / (last - first token), ITL samples
 * = the chunks, and the gaps of a request sum to its decode time, so the mean ITL
 * is sum(finish - first) / sum(chunks). */
static void test_metric_formulas(void **st) {
    (void)st;
    npu_serve_cfg c = cfg_of(NPU_SCHED_CHUNKED);
    c.pool.step.plan.tp = 2;
    c.wl.arrival = NPU_ARRIVE_POISSON, c.wl.rate_rps = 15, c.requests = 300, c.keep_requests = true;
    assert_int_equal(npu_dist_parse("lognormal:500,300,2000", 1, "--input", &c.wl.input), 0);
    assert_int_equal(npu_dist_parse("uniform:1,200", 0, "--output", &c.wl.output), 0);
    npu_serve_result r;
    assert_int_equal(npu_serve_run(&c, &r), 0);
    double in = 0, out = 0, ut = 0, dec = 0, chunks = 0;
    long nt = 0;
    for (long i = 0; i < r.n_req; i++) {
        const npu_req_rec *q = &r.req[i];
        in += q->input, out += q->output;
        if (q->output >= 2) ut += (q->output - 1) / (q->finish_s - q->first_s), nt++;
        dec += q->finish_s - q->first_s, chunks += q->chunks;
    }
    assert_true(near(r.throughput_total_tok_s, (in + out) / r.duration_s, 1e-12));
    assert_int_equal(r.chips, 2);
    assert_true(near(r.throughput_tok_s_per_chip, out / r.duration_s / 2, 1e-12));
    assert_true(near(r.user_tok_s, ut / nt, 1e-9));
    assert_int_equal(r.itl_n, (long)chunks);
    assert_true(near(r.itl.mean, dec / chunks, 1e-6));
    assert_true(near(r.tokens_per_chunk, 1, 1e-12)); /* one token per chunk without speculation */
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
    npu_serve_result_free(&r);
}

/* Warm-up: the first N requests run but are not counted. */
static void test_warmup(void **st) {
    (void)st;
    npu_serve_result a = closed(NPU_SCHED_MIXED, 8, 200, "400", "50");
    npu_serve_cfg c = cfg_of(NPU_SCHED_MIXED);
    c.wl.arrival = NPU_ARRIVE_CLOSED, c.wl.concurrency = 8, c.requests = 200, c.warmup = 40;
    c.max_batched_tokens = c.chunk = 2048;
    assert_int_equal(npu_dist_parse("400", 1, "--input", &c.wl.input), 0);
    assert_int_equal(npu_dist_parse("50", 0, "--output", &c.wl.output), 0);
    npu_serve_result b;
    assert_int_equal(npu_serve_run(&c, &b), 0);
    assert_int_equal(b.requests, 160);
    assert_int_equal(b.tokens_out, 160 * 50);
    assert_true(b.ttft.max <= a.ttft.max);
    npu_serve_result_free(&b);
    c.warmup = 200;
    assert_int_equal(npu_serve_run(&c, &b), -1); /* nothing left to measure */
    npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
    npu_serve_result_free(&a);
}

int main(void) {
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_policy_prefill_first), cmocka_unit_test(test_policy_mixed),
        cmocka_unit_test(test_policy_chunked),       cmocka_unit_test(test_policy_prefill_chunked),
        cmocka_unit_test(test_policy_static),        cmocka_unit_test(test_form_step_bad_state),
        cmocka_unit_test(test_multi_step),           cmocka_unit_test(test_sched_ahead),
        cmocka_unit_test(test_ttft_parts),           cmocka_unit_test(test_closed_loop_phases),
        cmocka_unit_test(test_delivery_lag),
        cmocka_unit_test(test_closed_loop_desync),   cmocka_unit_test(test_spec_acceptance),
        cmocka_unit_test(test_spec_cost),            cmocka_unit_test(test_spec_kv),
        cmocka_unit_test(test_spec_batch_dependence), cmocka_unit_test(test_percentile_methods),
        cmocka_unit_test(test_metric_formulas),      cmocka_unit_test(test_warmup),
    };
    return cmocka_run_group_tests(t, setup, NULL);
}
