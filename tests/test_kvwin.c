/* Unit tests: the serving KV cache of local/global (sliding-window) models.
 * A paged cache charges a sequence per layer group when the engine's KV blocks
 * honor the window (npu_engine kv_window per_layer): its global layers hold the
 * whole context, its local layers min(context, window) plus a block of slack;
 * the full context in every layer otherwise. Figures below are hand-computed
 * from the Gemma 3 12B config (tests/data/hf/gemma-3-12b-it): 48 layers, every
 * 6th global (8 global, 40 local), window 1024 tokens, 8 KV heads x 256. */
#include "testutil.h"
#include "npu_all.h"
#include "npu_kvcache.h"
#include "npu_serve.h"
#include "npu_workload.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static npu_model G3, M8;
static npu_hw H100;

#define G3_LAYERS 48
#define G3_GLOBAL 8
#define G3_LOCAL 40
#define G3_WINDOW 1024
/* one layer, one token: K and V x 8 heads x 256 x 2 bytes (bf16) */
#define G3_LAYER_B (2.0 * 8 * 256 * 2)

static int setup(void **st) {
    (void)st;
    return npu_model_load("tests/data/hf/gemma-3-12b-it/config.json", &G3) || npu_model_load("llama3-8b", &M8) ||
           npu_hw_load("h100-sxm", &H100);
}

/* The engine around the kernels: kernels only, its KV blocks by `w`. */
static npu_engine engine_kv(npu_engine_kv_window w) {
    npu_engine e = *npu_engine_ideal();
    e.kv_window = w;
    return e;
}

static const npu_step_cfg BF16 = {.stack = NPU_STACK_FUSED, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};

/* Offline arrivals on one H100; `sched`: the engine's scheduler, else the
 * defaults' (mixed, whole prompts: a single request is run's e2e). */
static npu_serve_cfg cfg(const npu_model *m, npu_engine_kv_window w, bool sched, long requests, const char *in,
                         const char *out) {
    npu_serve_cfg c;
    npu_serve_defaults(&c);
    npu_engine e = engine_kv(w);
    if (sched) npu_serve_use_engine(&c, &e);
    else c.engine = e;
    c.pool = (npu_pool){.model = m, .hw = &H100, .step = BF16, .replicas = 1};
    c.wl.arrival = NPU_ARRIVE_OFFLINE;
    assert_int_equal(npu_dist_parse(in, 1, "--input", &c.wl.input), 0);
    assert_int_equal(npu_dist_parse(out, 0, "--output", &c.wl.output), 0);
    c.requests = requests;
    c.seed = 11;
    c.block_size = 16;
    c.max_seqs = 1024;
    return c;
}

static void free_cfg(npu_serve_cfg *c) {
    npu_dist_free(&c->wl.input);
    npu_dist_free(&c->wl.output);
}

/* The cache's charge, hand-computed: 16-token blocks, a window of 1024 tokens
 * spans at most 1024/16 + 1 = 65 blocks. */
static void test_charge_per_layer_group(void **st) {
    (void)st;
    npu_kvcache kv;
    npu_kvcache_init_window(&kv, 1000, 16, G3_GLOBAL, G3_LOCAL, G3_WINDOW);
    assert_int_equal(kv.total_blocks, 1000 * 48);
    assert_int_equal(npu_kvcache_full_blocks(&kv), 1000);
    assert_int_equal(kv.window_blocks, 65);
    assert_int_equal(npu_kvcache_charge(&kv, 1), 48);            /* one block of every layer */
    assert_int_equal(npu_kvcache_charge(&kv, 1024), 48 * 64);    /* within the window: every layer */
    assert_int_equal(npu_kvcache_charge(&kv, 1040), 48 * 65);    /* the window plus the slack block */
    assert_int_equal(npu_kvcache_charge(&kv, 1041), 8 * 66 + 40 * 65);
    assert_int_equal(npu_kvcache_charge(&kv, 16064), 8 * 1004 + 40 * 65);
    /* a sequence grows past the window: only its global layers take blocks */
    int32_t a = 0;
    npu_kvcache_admit(&kv, &a, 1040, 0);
    assert_int_equal(a, 48 * 65);
    npu_kvcache_grow(&kv, &a, 1041 + 16 * 9, 0); /* 10 more blocks of context */
    assert_int_equal(a, 48 * 65 + 8 * 10);
    assert_int_equal(kv.free_blocks, 48000 - a);
    /* a shared prefix: its local blocks are capped too, the sequence's own local ones by the window */
    int32_t b = 0;
    assert_int_equal(npu_kvcache_prefix_blocks(&kv, 3200), 8 * 200 + 40 * 65);
    npu_kvcache_admit(&kv, &b, 3200 + 160, 3200);
    assert_int_equal(b, 48 * 10);
    assert_int_equal(kv.free_blocks, 48000 - a - b - (8 * 200 + 40 * 65));
    npu_kvcache_release(&kv, &a), npu_kvcache_release(&kv, &b);
    assert_int_equal(kv.free_blocks, 48000 - (8 * 200 + 40 * 65)); /* the prefix stays pinned */
    assert_int_equal(kv.violations, 0);
    /* no local layers, or no window: a block is one block of every layer, as npu_kvcache_init */
    npu_kvcache plain, nowin;
    npu_kvcache_init(&plain, 1000, 16);
    npu_kvcache_init_window(&nowin, 1000, 16, 32, 0, 4096);
    assert_memory_equal(&plain, &nowin, sizeof plain);
    npu_kvcache_init_window(&nowin, 1000, 16, 8, 40, 0);
    assert_memory_equal(&plain, &nowin, sizeof plain);
}

/* The model as the engine's KV allocator holds it: per_layer keeps the window,
 * full drops it, uniform_only keeps it only when every layer has it. */
static void test_engine_kv_model(void **st) {
    (void)st;
    npu_engine e = engine_kv(NPU_KV_WINDOW_PER_LAYER);
    assert_int_equal(npu_engine_kv_model(&e, &G3).sliding_window, G3_WINDOW);
    e.kv_window = NPU_KV_WINDOW_FULL;
    assert_int_equal(npu_engine_kv_model(&e, &G3).sliding_window, 0);
    e.kv_window = NPU_KV_WINDOW_UNIFORM_ONLY;
    assert_int_equal(npu_engine_kv_model(&e, &G3).sliding_window, 0); /* mixed local/global */
    npu_model mistral;
    assert_int_equal(npu_model_load("mistral-7b", &mistral), 0);
    assert_true(mistral.sliding_window > 0);
    assert_int_equal(npu_engine_kv_model(&e, &mistral).sliding_window, mistral.sliding_window); /* every layer */
    e = engine_kv(NPU_KV_WINDOW_PER_LAYER);
    e.window_ignored = true; /* an engine without the window keeps none in its KV either */
    assert_int_equal(npu_engine_kv_model(&e, &G3).sliding_window, 0);
    /* the profiles: vLLM >= 0.10 per layer, 0.8-0.9 only uniform windows */
    npu_engine v10, v8;
    assert_int_equal(npu_engine_load("vllm-0.10", &v10), 0);
    assert_int_equal(npu_engine_load("vllm-0.8", &v8), 0);
    assert_int_equal(v10.kv_window, NPU_KV_WINDOW_PER_LAYER);
    assert_int_equal(v8.kv_window, NPU_KV_WINDOW_UNIFORM_ONLY);
}

/* Long prompts all at once, each sequence's blocks reserved at admission, in
 * static batches: the cache holds floor(capacity / charge) sequences at its peak. Per layer group
 * a 16000 + 64 token sequence is charged 8 x 1004 + 40 x 65 = 10632
 * layer-blocks, full-length 48 x 1004 = 48192: 4.53x the sequences in the same
 * bytes (both caches from the same capacity). */
static void test_serve_window_capacity(void **st) {
    (void)st;
    npu_serve_result r[2];
    long n_seq[2], charge[2] = {G3_GLOBAL * 1004 + G3_LOCAL * 65, G3_LAYERS * 1004};
    npu_engine_kv_window w[2] = {NPU_KV_WINDOW_PER_LAYER, NPU_KV_WINDOW_FULL};
    for (int i = 0; i < 2; i++) {
        npu_serve_cfg c = cfg(&G3, w[i], true, 120, "16000", "64");
        c.kv_admit = NPU_KV_RESERVE_FULL;
        c.sched = NPU_SCHED_STATIC; /* a batch of every prompt whose whole sequence fits */
        assert_int_equal(npu_serve_run(&c, &r[i]), 0);
        assert_int_equal(r[i].requests, 120);
        assert_int_equal(r[i].kv_violations, 0);
        assert_true(r[i].kv_use_max <= 1.0 + 1e-12);
        free_cfg(&c);
    }
    /* the same capacity in tokens of every layer: the window changes the charge, not the bytes */
    assert_int_equal(r[0].kv_tokens_per_replica, r[1].kv_tokens_per_replica);
    long full_blocks = r[0].kv_tokens_per_replica / 16;
    long total[2] = {full_blocks * G3_LAYERS, full_blocks * G3_LAYERS};
    for (int i = 0; i < 2; i++) {
        n_seq[i] = total[i] / charge[i];
        assert_true(n_seq[i] >= 2);
        /* the peak holds exactly those sequences */
        assert_true(fabs(r[i].kv_use_max * total[i] - (double)(n_seq[i] * charge[i])) < 1e-6 * total[i]);
    }
    assert_true(n_seq[0] >= 4 * n_seq[1]); /* 48192 / 10632 = 4.53 */
    assert_true(r[0].step_dec_seqs_mean > 3.0 * r[1].step_dec_seqs_mean);
    assert_true(r[0].throughput_tok_s > r[1].throughput_tok_s);
    for (int i = 0; i < 2; i++) npu_serve_result_free(&r[i]);

    /* on demand, the cache over-committed: the full-length charge preempts, the windowed one less */
    for (int i = 0; i < 2; i++) {
        npu_serve_cfg c = cfg(&G3, w[i], true, 200, "uniform:8000,24000", "uniform:200,2000");
        c.kv_admit = NPU_KV_ON_DEMAND;
        assert_int_equal(npu_serve_run(&c, &r[i]), 0);
        assert_int_equal(r[i].requests, 200);
        assert_int_equal(r[i].kv_violations, 0);
        assert_true(r[i].kv_use_max <= 1.0 + 1e-12);
        free_cfg(&c);
    }
    assert_true(r[1].preemptions > 0);
    assert_true(r[0].preemptions < r[1].preemptions);
    for (int i = 0; i < 2; i++) npu_serve_result_free(&r[i]);
}

/* One request: the bytes serve's cache holds at its peak (use x capacity x
 * bytes per token of every layer) are run's memory plan KV (npu_mem_plan kv_B)
 * up to block rounding: one block per layer, and the slack block of each local
 * layer. Under either KV rule, so the run follows the engine's rule too. */
static void test_single_request_run_agrees(void **st) {
    (void)st;
    double all_B = G3_LAYERS * G3_LAYER_B; /* every layer, one token */
    double kvB[2];
    npu_engine_kv_window w[2] = {NPU_KV_WINDOW_PER_LAYER, NPU_KV_WINDOW_FULL};
    for (int i = 0; i < 2; i++) {
        npu_serve_cfg c = cfg(&G3, w[i], false, 1, "20000", "500");
        npu_serve_result r;
        assert_int_equal(npu_serve_run(&c, &r), 0);
        npu_engine e = engine_kv(w[i]);
        npu_run_cfg rc = {.phase = NPU_RUN_E2E, .batch = 1, .input = 20000, .output = 500, .stack = NPU_STACK_FUSED,
                          .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16, .engine = &e};
        npu_run_result *rr = malloc(sizeof *rr);
        assert_int_equal(npu_run(&G3, &H100, &rc, rr), 0);
        double serve_B = r.kv_use_max * (double)r.kv_tokens_per_replica * all_B;
        kvB[i] = rr->mem.kv_B;
        assert_true(serve_B >= rr->mem.kv_B - G3_LAYER_B * G3_LAYERS); /* the last token may not be cached yet */
        assert_true(serve_B <= rr->mem.kv_B + (G3_LAYERS + G3_LOCAL) * 16 * G3_LAYER_B);
        /* and the timing of that request, as the existing llama3-8b check */
        assert_true(fabs(r.e2e.mean - rr->latency_s) < 1e-9 * rr->latency_s);
        free(rr);
        npu_serve_result_free(&r);
        free_cfg(&c);
    }
    /* the memory plan: 20500 tokens in 8 global layers and 1024 in 40 local ones, or 20500 in all 48 */
    assert_true(fabs(kvB[0] - (8.0 * 20500 + 40.0 * 1024) * G3_LAYER_B) < 1e-6 * kvB[0]);
    assert_true(fabs(kvB[1] - 48.0 * 20500 * G3_LAYER_B) < 1e-6 * kvB[1]);
}

/* A model without a window: the engine's KV rule changes nothing. */
static void test_plain_model_unchanged(void **st) {
    (void)st;
    npu_serve_result r[2];
    npu_engine_kv_window w[2] = {NPU_KV_WINDOW_PER_LAYER, NPU_KV_WINDOW_FULL};
    for (int i = 0; i < 2; i++) {
        npu_serve_cfg c = cfg(&M8, w[i], false, 400, "lognormal:3000,1500,8000", "lognormal:400,300,2000");
        c.kv_mem_frac = 0.1;
        assert_int_equal(npu_serve_run(&c, &r[i]), 0);
        free_cfg(&c);
    }
    assert_true(r[0].preemptions > 0);
    assert_int_equal(r[0].preemptions, r[1].preemptions);
    assert_true(r[0].kv_use_max == r[1].kv_use_max && r[0].kv_use_mean == r[1].kv_use_mean);
    assert_true(r[0].e2e.mean == r[1].e2e.mean && r[0].duration_s == r[1].duration_s);
    assert_int_equal(r[0].kv_tokens_per_replica, r[1].kv_tokens_per_replica);
    for (int i = 0; i < 2; i++) npu_serve_result_free(&r[i]);
}

int main(void) {
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_charge_per_layer_group), cmocka_unit_test(test_engine_kv_model),
        cmocka_unit_test(test_serve_window_capacity),  cmocka_unit_test(test_single_request_run_agrees),
        cmocka_unit_test(test_plain_model_unchanged),
    };
    return cmocka_run_group_tests(t, setup, NULL);
}
