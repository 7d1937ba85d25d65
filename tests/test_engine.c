/* Unit tests of the engine module (issue 12): profiles as data (every preset
 * loads, aliases, base chains, strict validation naming file and field), each
 * mechanism against a hand computation, and one request through `serve`
 * equal to `run --phase e2e --batch 1` under every engine preset. */
#include "testutil.h"
#include "npusim.h"
#include "npu_engine.h"
#include "npu_serve.h"
#include "npu_steptab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static npu_model M8, MISTRAL, MIXTRAL, M70;
static npu_hw H100;

static int setup(void **st) {
    (void)st;
    return npu_model_load("llama3-8b", &M8) || npu_model_load("mistral-7b", &MISTRAL) ||
           npu_model_load("mixtral-8x7b", &MIXTRAL) || npu_model_load("llama3.1-70b", &M70) ||
           npu_hw_load("h100-sxm", &H100);
}

static bool close_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fabs(b) + 1e-15; }

/* Write `text` to a temporary .json file; returns its path (static buffer). */
static const char *tmp_profile(const char *text) {
    static char path[64];
    snprintf(path, sizeof path, "/tmp/npusim_engine_%d.json", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* The load of `text` fails and the error names every needle. */
static void expect_load_error(const char *text, const char *const *needles, int n) {
    npu_engine e;
    assert_int_equal(npu_engine_load(tmp_profile(text), &e), -1);
    for (int i = 0; i < n; i++) {
        if (!strstr(npu_errmsg(), needles[i])) fprintf(stderr, "error '%s' lacks '%s'\n", npu_errmsg(), needles[i]);
        assert_non_null(strstr(npu_errmsg(), needles[i]));
    }
}

/* ---------------------------------------------------------------- profiles */

/* Every preset loads through its base chain; an alias resolves to the newest
 * modelled release of its engine; every release has the name ENGINE-X.Y (or a
 * year for llama.cpp) and states where it comes from. */
static void test_presets_load(void **st) {
    (void)st;
    int n = npu_engine_preset_count(), releases = 0;
    assert_true(n >= 30);
    for (int i = 0; i < n; i++) {
        const char *name = npu_engine_preset_name(i);
        npu_engine e;
        if (npu_engine_load(name, &e)) fprintf(stderr, "%s: %s\n", name, npu_errmsg());
        assert_int_equal(npu_engine_load(name, &e), 0);
        const char *t = npu_engine_alias_target(name);
        if (t) {
            assert_string_equal(e.name, t);
            assert_string_equal(e.asked, name);
            assert_null(npu_engine_alias_target(t)); /* an alias names a release, not another alias */
        } else {
            assert_string_equal(e.name, name);
            assert_true(e.product[0] && e.releases[0]);
            releases++;
        }
        cJSON *j = npu_engine_profile_json(name);
        assert_non_null(j);
        cJSON_Delete(j);
    }
    assert_true(releases >= 25);
    const char *bare[][2] = {{"trtllm", "trtllm-1.0"}, {"vllm", "vllm-0.10"}, {"sglang", "sglang-0.4"},
                             {"lmdeploy", "lmdeploy-0.6"}, {"llamacpp", "llamacpp-metal-2024"},
                             {"mlperf", "mlperf-5.0"}, {"nim", "nim-2.0"}, {"optimum-habana", "optimum-habana-1.18"}};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        npu_engine e;
        assert_int_equal(npu_engine_load(bare[i][0], &e), 0);
        assert_string_equal(e.name, bare[i][1]);
    }
    /* the default is an alias of a release, and ideal is kernels only */
    assert_string_equal(npu_engine_default()->name, "trtllm-1.0");
    assert_true(npu_engine_ideal()->ideal);
    /* TensorRT-LLM across its major releases since 0.5, vLLM, SGLang, NIM, MLPerf */
    const char *need[] = {"trtllm-0.5", "trtllm-0.8", "trtllm-0.10", "trtllm-0.13", "trtllm-0.17", "trtllm-0.20",
                          "trtllm-1.0", "vllm-0.2", "vllm-0.4", "vllm-0.6", "vllm-0.8", "vllm-rocm-0.4",
                          "vllm-gaudi-1.18", "sglang-0.3", "llamacpp-cpu-2024", "mlperf-3.1", "mlperf-4.0",
                          "mlperf-4.1", "nim-1.0"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        npu_engine e;
        assert_int_equal(npu_engine_load(need[i], &e), 0);
    }
}

/* A derived profile restates only what changed; the resolved JSON says which
 * profile set each field. trtllm-0.13 inherits XQA from trtllm-0.8 and its
 * blocks from trtllm-0.10; a user file on top of it changes one field. */
static void test_base_chain(void **st) {
    (void)st;
    npu_engine a, b;
    assert_int_equal(npu_engine_load("trtllm-0.5", &a), 0);
    assert_int_equal(npu_engine_load("trtllm-0.13", &b), 0);
    assert_int_equal(a.gqa, NPU_GQA_PER_QUERY_HEAD);
    assert_int_equal(b.gqa, NPU_GQA_GROUPED);
    assert_int_equal(a.sched.block_tokens, 128);
    assert_int_equal(b.sched.block_tokens, 64);
    assert_true(b.window_ignored && b.bench_batch);
    cJSON *j = npu_engine_profile_json("trtllm-0.13");
    const cJSON *leaf = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "kv_cache"), "block_tokens");
    assert_string_equal(cJSON_GetObjectItem(leaf, "from")->valuestring, "trtllm-0.10");
    leaf = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "decode_attention"), "gqa_kv_sharing");
    assert_string_equal(cJSON_GetObjectItem(leaf, "from")->valuestring, "trtllm-0.8");
    assert_non_null(cJSON_GetObjectItem(leaf, "source"));
    cJSON_Delete(j);
    /* a user's file: bare values are allowed (presets must state source and tag) */
    npu_engine u;
    assert_int_equal(npu_engine_load(tmp_profile("{\"name\": \"mine\", \"base\": \"trtllm-0.13\", "
                                                 "\"host\": {\"step_us\": 123}, \"decode_attention\": "
                                                 "{\"grouped_unless\": [\"sliding_window\"]}}"), &u), 0);
    assert_true(u.step_us == 123);
    assert_true(u.seq_us == b.seq_us && u.gqa == b.gqa);
    assert_int_equal(u.gqa_fallback, NPU_GQA_FALLBACK_WINDOW);
    assert_string_equal(u.name, "mine");
}

/* Bad profiles: one line naming the file and the field, with the closest valid name. */
static void test_profile_errors(void **st) {
    (void)st;
    const char *p = tmp_profile("{}");
    const char *n1[] = {p, "unknown field 'step_uss'", "did you mean 'step_us'"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"host\": {\"step_uss\": 1}}", n1, 3);
    const char *n2[] = {"host.seq_us", "-1 is outside [0, 1e+06]"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"host\": {\"seq_us\": -1}}", n2, 2);
    const char *n3[] = {"host.overlap", "unknown value 'one_step'", "one_step_ahead"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"host\": {\"overlap\": \"one_step\"}}", n3, 3);
    const char *n4[] = {"memory.kv_fraction", "outside (0, 1]"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"memory\": {\"kv_fraction\": 0}}", n4, 2);
    const char *n5[] = {"scheduler.max_seqs", "must be an integer"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"scheduler\": {\"max_seqs\": 2.5}}", n5, 2);
    const char *n6[] = {"unknown field 'hosts'", "did you mean 'host'"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"hosts\": {}}", n6, 2);
    const char *n7[] = {"missing field", "(a profile without a base states every field)"};
    expect_load_error("{\"name\": \"x\", \"host\": {\"step_us\": 1}}", n7, 2);
    const char *n8[] = {"base 'trtlm'", "unknown engine 'trtlm'", "did you mean 'trtllm'"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtlm\"}", n8, 3);
    const char *n9[] = {"launch.graph_batch_sizes", "ascending"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"launch\": {\"graph_batch_sizes\": [4, 2]}}", n9, 2);
    const char *n10[] = {"launch.graph_max_batch 100 must be the largest of launch.graph_batch_sizes (8192)"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"launch\": {\"graph_max_batch\": 100}}", n10, 1);
    const char *n11[] = {"tag 'V' is not one of"};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"host\": {\"step_us\": {\"value\": 1, \"tag\": \"V\"}}}",
                      n11, 1);
    const char *n12[] = {"fitted", "states \"value\", the \"rows\" it saw and its \"residual\""};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"host\": {\"step_us\": {\"value\": 1, "
                      "\"fitted\": {\"value\": 1}}}}", n12, 2);
    const char *n13[] = {"malformed JSON at line 1"};
    expect_load_error("{\"name\": ", n13, 1);
    const char *n14[] = {"missing field 'name'"};
    expect_load_error("{\"base\": \"trtllm\"}", n14, 1);
    const char *n15[] = {"comm.overlap", "a number in [0, 1] or \"chip\""};
    expect_load_error("{\"name\": \"x\", \"base\": \"trtllm\", \"comm\": {\"overlap\": \"all\"}}", n15, 2);
    /* unknown names */
    npu_engine e;
    assert_int_equal(npu_engine_load("vlm", &e), -1);
    assert_non_null(strstr(npu_errmsg(), "unknown engine 'vlm'"));
    assert_non_null(strstr(npu_errmsg(), "did you mean"));
    assert_int_equal(npu_engine_load("/nonexistent/x.json", &e), -1);
    assert_non_null(strstr(npu_errmsg(), "/nonexistent/x.json"));
    /* a base chain that loops */
    char self[300];
    snprintf(self, sizeof self, "{\"name\": \"x\", \"base\": \"%s\"}", p);
    const char *n16[] = {"base chain deeper than 8"};
    expect_load_error(self, n16, 1);
    unlink(p);
}

/* ---------------------------------------------------------------- kernel mechanisms */

static const npu_kernel *find(const npu_graph *g, const char *name) {
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->k[i].name, name) == 0) return &g->k[i];
    return NULL;
}

/* Decode attention of llama3-8b (32 query heads, 8 K/V heads, head_dim 128,
 * bf16 KV), batch 4, 1000 cached tokens + 1: a grouped kernel reads each K/V
 * head once: 4 x 8 x 1001 x 256 x 2 B; one block per query head re-reads the
 * group's K/V: x (1 + (4 - 1)(1 - hit)); paged blocks of 64 read 1024 tokens. */
static void test_gqa_reread_and_blocks(void **st) {
    (void)st;
    npu_step_cfg c = {.phase = NPU_PHASE_DECODE, .batch = 4, .seq = 1, .ctx = 1000, .wdt = NPU_BF16, .adt = NPU_BF16,
                      .kvdt = NPU_BF16};
    npu_graph g;
    assert_int_equal(npu_graph_build(&M8, &c, &g), 0);
    double q_o = 4.0 * 32 * 256 * 2; /* queries in, outputs out, bf16 */
    double fused = 2.0 * 4 * 8 * 128 * 2 + 4.0 * (32 + 16) * 128 * 2; /* KV write and RoPE in the fused kernel */
    double kv = 4.0 * 8 * 1001 * 256 * 2;
    assert_true(close_rel(find(&g, "attention")->bytes, kv + q_o + fused, 1e-12));
    c.impl.gqa_per_head = true, c.impl.gqa_l2_hit = 0.25;
    assert_int_equal(npu_graph_build(&M8, &c, &g), 0);
    assert_true(close_rel(find(&g, "attention")->bytes, kv * (1 + 3 * 0.75) + q_o + fused, 1e-12));
    c.impl = (npu_graph_impl){.kv_block = 64};
    assert_int_equal(npu_graph_build(&M8, &c, &g), 0);
    assert_true(close_rel(find(&g, "attention")->bytes, 4.0 * 8 * 1024 * 256 * 2 + q_o + fused, 1e-12));
    /* the engine turns them on: vLLM 0.2 re-reads per query head, FlashAttention (vLLM 0.4)
     * falls back to it for a sliding-window model only */
    npu_engine v2, v4;
    assert_int_equal(npu_engine_load("vllm-0.2", &v2), 0);
    assert_int_equal(npu_engine_load("vllm-0.4", &v4), 0);
    assert_true(npu_engine_graph_impl(&v2, &M8).gqa_per_head);
    assert_false(npu_engine_graph_impl(&v4, &M8).gqa_per_head);
    assert_true(npu_engine_graph_impl(&v4, &MISTRAL).gqa_per_head);
    assert_int_equal(npu_engine_graph_impl(&v4, &M8).kv_block, 16);
    /* the reference kernels (ideal) stay untouched */
    npu_graph_impl z = npu_engine_graph_impl(npu_engine_ideal(), &MISTRAL);
    assert_false(z.gqa_per_head);
    assert_int_equal(z.kv_block, 0);
}

/* An engine that ignores the sliding window keeps every token: mistral-7b
 * (window 4096) decoding at 10000 cached tokens reads 10001 keys, not 4096;
 * the memory plan holds 10001 tokens per sequence. */
static void test_window_ignored(void **st) {
    (void)st;
    npu_engine t;
    assert_int_equal(npu_engine_load("trtllm-0.13", &t), 0);
    npu_model m = npu_engine_model(&t, &MISTRAL);
    assert_int_equal(m.sliding_window, 0);
    assert_int_equal(npu_engine_model(npu_engine_ideal(), &MISTRAL).sliding_window, 4096);
    npu_run_cfg c = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 10000, .wdt = NPU_BF16, .adt = NPU_BF16,
                     .kvdt = NPU_BF16};
    npu_run_result *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    assert_int_equal(npu_run(&MISTRAL, &H100, &c, a), 0);
    c.engine = &t;
    assert_int_equal(npu_run(&MISTRAL, &H100, &c, b), 0);
    assert_int_equal(find(&a->graph, "attention")->kv_len, 4096);
    assert_int_equal(find(&b->graph, "attention")->kv_len, 10001);
    double per_tok = 32.0 * 8 * 256 * 2; /* mistral KV bytes per token */
    assert_true(close_rel(a->mem.kv_B, 4096 * per_tok, 1e-9));
    assert_true(close_rel(b->mem.kv_B, 10001 * per_tok, 1e-9));
    assert_string_equal(b->engine, "trtllm-0.13");
    free(a), free(b);
}

/* The sampling kernel moves outs x vocab x B; a fused all-reduce + norm drops
 * the layer norms at tp > 1 (not at tp 1); per-expert MoE launches one GEMM per
 * expert group; captured-graph padding runs the dense kernels at the padded rows. */
static void test_graph_mechanisms(void **st) {
    (void)st;
    npu_step_cfg c = {.phase = NPU_PHASE_DECODE, .batch = 5, .seq = 1, .ctx = 100, .wdt = NPU_BF16, .adt = NPU_BF16,
                      .kvdt = NPU_BF16, .impl = {.sample_B_per_vocab = 12}};
    npu_graph g;
    assert_int_equal(npu_graph_build(&M8, &c, &g), 0);
    assert_true(close_rel(find(&g, "sampling")->bytes, 5.0 * 128256 * 12, 1e-12));
    assert_non_null(find(&g, "attn_norm"));
    c.impl = (npu_graph_impl){.fused_ar_norm = true};
    assert_int_equal(npu_graph_build(&M8, &c, &g), 0);
    assert_non_null(find(&g, "attn_norm")); /* tp 1: no all-reduce to fuse with */
    c.plan.tp = 2;
    assert_int_equal(npu_graph_build(&M8, &c, &g), 0);
    assert_null(find(&g, "attn_norm"));
    assert_null(find(&g, "mlp_norm"));
    assert_non_null(find(&g, "final_norm"));
    c.plan.tp = 1;
    c.impl = (npu_graph_impl){.rows_pad = 8};
    assert_int_equal(npu_graph_build(&M8, &c, &g), 0);
    assert_int_equal(find(&g, "qkv_proj")->m, 8);
    assert_int_equal(find(&g, "mlp_up")->m, 8);
    assert_int_equal(find(&g, "attention")->batch, 5); /* padded rows attend to nothing */
    assert_int_equal(find(&g, "lm_head")->m, 5);
    c.impl = (npu_graph_impl){.moe_per_expert = true};
    c.batch = 64;
    assert_int_equal(npu_graph_build(&MIXTRAL, &c, &g), 0);
    const npu_kernel *up = find(&g, "expert_up");
    assert_true(up->groups > 1);
    assert_int_equal(up->launches, up->groups);
}

/* The step rule by hand: 10 ms of kernels, 2 ms of them collectives, 100
 * sequences, 2 prompts, 4 ranks, 20 collective calls, 500 host launches. */
static void test_step_rule(void **st) {
    (void)st;
    npu_engine e = *npu_engine_ideal();
    e.ideal = false;
    e.step_us = 1000, e.rank_us = 100, e.seq_us = 10, e.prefill_us = 50, e.collective_us = 25, e.enqueue_us = 4;
    e.comm_overlap = 0.5, e.sched.multi_step = 1;
    npu_engine_step_in in = {.kernels_s = 0.010, .comm_s = 0.002, .launches = 500, .seqs = 100, .prompts = 2,
                             .ranks = 4, .collectives = 20};
    /* gpu = 10 - 1 (half the collectives hidden) + 20 x 0.025 = 9.5 ms; enqueue 2 ms < gpu
     * host = 1 + 3 x 0.1 + 100 x 0.01 + 2 x 0.05 = 2.4 ms */
    npu_engine_step_out o = npu_engine_step(&e, &in, 0.9);
    assert_true(close_rel(o.gpu_s, 0.0095, 1e-12));
    assert_true(close_rel(o.host_s, 0.0024, 1e-12));
    assert_true(close_rel(o.step_s, 0.0119, 1e-12));
    assert_true(o.deliver_s == 0);
    e.overlap = NPU_OVERLAP_ONE_STEP_AHEAD; /* max(gpu, host); tokens reach the client min(gpu, host) later */
    o = npu_engine_step(&e, &in, 0.9);
    assert_true(close_rel(o.step_s, 0.0095, 1e-12));
    assert_true(close_rel(o.deliver_s, 0.0024, 1e-12));
    e.overlap = NPU_OVERLAP_ASYNC_OUTPUT; /* scheduling (1.3 ms) in series, per-sequence work (1.1 ms) overlapped */
    o = npu_engine_step(&e, &in, 0.9);
    assert_true(close_rel(o.step_s, 0.0013 + 0.0095, 1e-12));
    assert_true(close_rel(o.deliver_s, 0.0011, 1e-12));
    e.overlap = NPU_OVERLAP_NONE, e.sched.multi_step = 4; /* scheduling once every 4 steps */
    o = npu_engine_step(&e, &in, 0.9);
    assert_true(close_rel(o.host_s, 0.0013 / 4 + 0.0011, 1e-12));
    e.sched.multi_step = 1, e.enqueue_us = 40; /* 500 launches x 40 us = 20 ms: the host sets the pace */
    o = npu_engine_step(&e, &in, 0.9);
    assert_true(close_rel(o.gpu_s, 0.020, 1e-12));
    e.comm_overlap = -1; /* the chip's links.overlap (0.9): 1.8 ms hidden */
    e.enqueue_us = 0;
    o = npu_engine_step(&e, &in, 0.9);
    assert_true(close_rel(o.gpu_s, 0.010 - 0.0018 + 0.0005, 1e-12));
    /* the ideal engine: kernels and the chip's overlap only */
    o = npu_engine_step(npu_engine_ideal(), &in, 0.5);
    assert_true(close_rel(o.step_s, 0.009, 1e-12) && o.host_s == 0 && o.deliver_s == 0);
}

/* Graph capture: sizes 1, 2, 4 then multiples of the step, or the engine's
 * list; nothing above the largest; which steps replay a graph. */
static void test_graph_padding(void **st) {
    (void)st;
    npu_engine v;
    assert_int_equal(npu_engine_load("vllm-0.4", &v), 0); /* 1, 2, 4, 8, 16, ... 256 */
    assert_int_equal(npu_engine_padded(&v, 3), 4);
    assert_int_equal(npu_engine_padded(&v, 5), 8);
    assert_int_equal(npu_engine_padded(&v, 129), 136);
    assert_int_equal(npu_engine_padded(&v, 300), 300); /* above 256: eager, unpadded */
    assert_true(npu_engine_graphed(&v, true, 256, 256));
    assert_false(npu_engine_graphed(&v, true, 257, 257));
    assert_false(npu_engine_graphed(&v, false, 4, 400)); /* decode-only graphs */
    npu_engine t;
    assert_int_equal(npu_engine_load("trtllm-0.20", &t), 0); /* the v0.20 benchmark list */
    assert_int_equal(npu_engine_padded(&t, 300), 384);
    assert_int_equal(npu_engine_padded(&t, 600), 1024);
    assert_int_equal(npu_engine_padded(&t, 9000), 9000);
    npu_engine w;
    assert_int_equal(npu_engine_load("vllm-0.8", &w), 0); /* piecewise: any step up to 512 tokens */
    assert_true(npu_engine_graphed(&w, false, 3, 500));
    assert_false(npu_engine_graphed(&w, false, 3, 600));
    /* a padded decode step costs the padded GEMM rows: batch 5 runs 8 rows under vllm-0.4 */
    npu_run_cfg c = {.phase = NPU_RUN_DECODE, .batch = 5, .ctx = 100, .wdt = NPU_BF16, .adt = NPU_BF16,
                     .kvdt = NPU_BF16, .engine = &v};
    npu_run_result *r = malloc(sizeof *r);
    assert_int_equal(npu_run(&M8, &H100, &c, r), 0);
    assert_true(r->graphed);
    assert_int_equal(r->padded_batch, 8);
    assert_int_equal(find(&r->graph, "mlp_up")->m, 8);
    free(r);
}

/* KV capacity by what the fraction multiplies, with a 2 GB reserve and 1 GB of
 * activations: llama3-8b bf16 on one H100 (weights W, memory M = 85.9 GB). */
static void test_kv_capacity_basis(void **st) {
    (void)st;
    npu_engine e = *npu_engine_ideal();
    e.ideal = false, e.reserve_GB = 2, e.workspace_tokens = 0, e.sched.kv_fraction = 0.9;
    npu_plan p = {0};
    double W = npu_plan_weight_bytes(&M8, p, NPU_BF16), M = H100.mem_bytes, act = 1e9;
    double tok = npu_plan_kv_bytes_per_token(&M8, p, NPU_BF16);
    e.sched.kv_basis = NPU_KV_BASIS_FREE_AFTER_LOAD; /* 0.9 x (M - W - act - reserve) */
    assert_true(labs(npu_engine_kv_capacity(&e, &M8, &H100, p, NPU_BF16, (npu_dtype_opt){0}, (npu_dtype_opt){0}, NPU_BF16, act) -
                     (long)floor(0.9 * (M - W - act - 2e9) / tok)) <= 1);
    e.sched.kv_basis = NPU_KV_BASIS_TOTAL; /* 0.9 M - W - act - reserve */
    assert_true(labs(npu_engine_kv_capacity(&e, &M8, &H100, p, NPU_BF16, (npu_dtype_opt){0}, (npu_dtype_opt){0}, NPU_BF16, act) -
                     (long)floor((0.9 * M - W - act - 2e9) / tok)) <= 1);
    e.sched.kv_basis = NPU_KV_BASIS_STATIC_TOTAL; /* 0.9 M - W */
    assert_true(labs(npu_engine_kv_capacity(&e, &M8, &H100, p, NPU_BF16, (npu_dtype_opt){0}, (npu_dtype_opt){0}, NPU_BF16, act) -
                     (long)floor((0.9 * M - W) / tok)) <= 1);
    /* the ideal engine keeps npusim's rule: 0.9 (M - W) - act */
    assert_true(labs(npu_engine_kv_capacity(npu_engine_ideal(), &M8, &H100, p, NPU_BF16, (npu_dtype_opt){0}, (npu_dtype_opt){0}, NPU_BF16, act) -
                     (long)floor((0.9 * (M - W) - act) / tok)) <= 1);
    /* a run that does not fit beside the reserve is refused, naming the engine */
    npu_engine big = e;
    npu_strlcpy(big.name, "big", sizeof big.name);
    big.reserve_GB = 80;
    npu_run_cfg c = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 100, .wdt = NPU_BF16, .adt = NPU_BF16,
                     .kvdt = NPU_BF16, .engine = &big};
    npu_run_result *r = malloc(sizeof *r);
    assert_int_equal(npu_run(&M8, &H100, &c, r), -1);
    assert_non_null(strstr(npu_errmsg(), "with engine big"));
    assert_non_null(strstr(npu_errmsg(), "engine reserve 74.5")); /* 80 GB = 74.5 GiB */
    free(r);
}

/* trtllm-bench's build rule (tuning.py): llama3.1-70b fp8 on 8 x H100, 128/4096.
 * raw = 0.95 (M - W) / (KV per token per chip x 4224), rounded up to 128 below
 * 1024: the offline batch is that, since on-demand admission fits more. */
static void test_bench_batch_rule(void **st) {
    (void)st;
    npu_engine t;
    assert_int_equal(npu_engine_load("trtllm-0.13", &t), 0);
    npu_plan p = {.tp = 8};
    double W = npu_plan_weight_bytes(&M70, p, NPU_FP8), tok = npu_plan_kv_bytes_per_token(&M70, p, NPU_FP8);
    double raw = 0.95 * (H100.mem_bytes - W) / (tok * 4224);
    long want = raw < 256 ? 32 * (long)ceil(raw / 32) : raw < 1024 ? 128 * (long)ceil(raw / 128) : 256 * (long)ceil(raw / 256);
    npu_run_cfg c = {.phase = NPU_RUN_OFFLINE, .input = 128, .output = 4096, .wdt = NPU_FP8, .adt = NPU_FP8,
                     .kvdt = NPU_FP8, .plan = p, .engine = &t};
    npu_run_result *r = malloc(sizeof *r);
    assert_int_equal(npu_run(&M70, &H100, &c, r), 0);
    assert_int_equal(r->batch, want);
    assert_true(r->batch > raw); /* rounded up */
    free(r);
}

/* trtllm-bench's max_num_tokens (tuning.py: raw_bs x (1 + ISL/OSL), at least
 * 2048, rounded up) is the step's token budget, and trtllm-bench runs chunked
 * context: llama3.1-70b fp8 on 8 x H100, 20000/2000 builds with a budget far
 * below the prompt, so the offline steady state prefills each prompt in chunks
 * of what the budget leaves beside the decodes, one mixed step per chunk (its
 * first token after all of them). 2048/128 fits whole prompts: one step. */
static void test_bench_chunked_prompts(void **st) {
    (void)st;
    npu_engine t;
    assert_int_equal(npu_engine_load("trtllm-0.13", &t), 0);
    npu_plan p = {.tp = 8};
    double W = npu_plan_weight_bytes(&M70, p, NPU_FP8), tok = npu_plan_kv_bytes_per_token(&M70, p, NPU_FP8);
    double raw = 0.95 * (H100.mem_bytes - W) / (tok * 22000) * (1 + 20000.0 / 2000);
    long budget = raw <= 2048 ? 2048 : raw < 4096 ? 256 * (long)ceil(raw / 256) : 512 * (long)ceil(raw / 512);
    assert_true(budget < 8192); /* the test's premise: a budget well below the prompt */
    npu_run_cfg c = {.phase = NPU_RUN_OFFLINE, .input = 20000, .output = 2000, .wdt = NPU_FP8, .adt = NPU_FP8,
                     .kvdt = NPU_FP8, .plan = p, .engine = &t};
    npu_run_result *r = malloc(sizeof *r);
    assert_int_equal(npu_run(&M70, &H100, &c, r), 0);
    long room = budget - r->batch, chunks = (20000 + room - 1) / room;
    assert_true(room > 0 && chunks >= 3);
    /* the mixed step carries one chunk (room tokens) beside the decodes: its
     * matmul FLOPs are those of batch + room tokens, not of a 20000-token prompt */
    double P = 2.0 * npu_model_params(&M70, true) / 8; /* FLOP per token per chip, weights only */
    assert_true(r->step.flops < 2.0 * P * (double)budget);
    assert_true(r->step.flops > P * (double)(r->batch + room));
    assert_true(r->ttft_s >= chunks * r->step.time_s); /* one mixed step per chunk */
    /* 2048/128: whole prompts fit the budget, the first token after one step */
    c.input = 2048, c.output = 128;
    assert_int_equal(npu_run(&M70, &H100, &c, r), 0);
    assert_true(r->ttft_s < 2 * r->step.time_s + 0.05);
    free(r);
}

/* Attention-DP groups admit independently: Mixtral on 8 chips (tp 1, ep 8: 8
 * groups), 400 requests of 5000/2000 under the ideal engine (no budget, whole
 * prompts): 0.2 prompts per step, a group admits in f = 0.025 of the steps and
 * a step is mixed in 1 - (1 - f)^8 of them, carrying ceil(8 f / that) = 2
 * prompts; not 0.2 of the steps with one prompt (groups taking turns). */
static void test_attn_dp_independent_admission(void **st) {
    (void)st;
    npu_run_cfg c = {.phase = NPU_RUN_OFFLINE, .batch = 400, .input = 5000, .output = 2000, .wdt = NPU_FP8,
                     .adt = NPU_FP8, .kvdt = NPU_FP8, .plan = {.tp = 1, .ep = 8}};
    npu_run_result *r = malloc(sizeof *r);
    assert_int_equal(npu_run(&MIXTRAL, &H100, &c, r), 0);
    double f = 0.2 / 8, mixed = 1 - pow(1 - f, 8);
    double D = r->dstep.time_s, X = r->step.time_s;
    assert_true(X > 2 * D); /* a 5000-token prompt on one group dominates the mixed step */
    assert_true(fabs(400 / r->tokens_per_s - (D + (X - D) * mixed)) < 1e-9 * X);
    free(r);
}

/* ---------------------------------------------------------------- one engine model everywhere */

/* One request through serve equals `run --phase e2e --batch 1` under every
 * engine preset: TTFT (the prefill step and its delivery), end-to-end latency
 * (every decode step at its context, the last token's delivery) and TPOT. */
static void test_serve_equals_run_every_engine(void **st) {
    (void)st;
    const long in[] = {1000, 300}, out[] = {200, 40};
    npu_run_result *rr = malloc(sizeof *rr);
    for (int i = 0; i < npu_engine_preset_count(); i++) {
        const char *name = npu_engine_preset_name(i);
        if (npu_engine_alias_target(name)) continue;
        npu_engine e;
        assert_int_equal(npu_engine_load(name, &e), 0);
        for (int s = 0; s < 2; s++) {
            npu_serve_cfg c;
            npu_serve_defaults(&c);
            npu_serve_use_engine(&c, &e); /* the engine and its own scheduler */
            c.pool = (npu_pool){.model = &M8, .hw = &H100,
                                .step = {.stack = NPU_STACK_FUSED, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16},
                                .replicas = 1};
            c.wl.arrival = NPU_ARRIVE_OFFLINE;
            char a[32], b[32];
            snprintf(a, sizeof a, "%ld", in[s]), snprintf(b, sizeof b, "%ld", out[s]);
            assert_int_equal(npu_dist_parse(a, 1, "--input", &c.wl.input), 0);
            assert_int_equal(npu_dist_parse(b, 0, "--output", &c.wl.output), 0);
            c.requests = 1;
            npu_serve_result r;
            if (npu_serve_run(&c, &r)) fprintf(stderr, "%s: %s\n", name, npu_errmsg());
            npu_run_cfg rc = {.phase = NPU_RUN_E2E, .batch = 1, .input = in[s], .output = out[s],
                              .stack = NPU_STACK_FUSED, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16,
                              .engine = &e};
            assert_int_equal(npu_run(&M8, &H100, &rc, rr), 0);
            bool ok = close_rel(r.ttft.mean, rr->ttft_s, 1e-9) && close_rel(r.e2e.mean, rr->latency_s, 1e-9) &&
                      close_rel(r.tpot.mean, rr->tpot_s, 1e-9);
            if (!ok)
                fprintf(stderr, "%s %ld/%ld: serve TTFT %.6f e2e %.6f TPOT %.6f, run %.6f %.6f %.6f ms\n", name, in[s],
                        out[s], r.ttft.mean * 1e3, r.e2e.mean * 1e3, r.tpot.mean * 1e3, rr->ttft_s * 1e3,
                        rr->latency_s * 1e3, rr->tpot_s * 1e3);
            assert_true(ok);
            npu_serve_result_free(&r);
            npu_dist_free(&c.wl.input), npu_dist_free(&c.wl.output);
        }
    }
    free(rr);
}

/* An engine's host time makes a step slower than its kernels (and the ideal
 * engine adds nothing); the default engine is the one serve starts from. */
static void test_engine_in_every_phase(void **st) {
    (void)st;
    npu_engine t;
    assert_int_equal(npu_engine_load("trtllm-0.13", &t), 0);
    npu_run_cfg c = {.batch = 8, .seq = 512, .ctx = 512, .input = 512, .output = 64, .wdt = NPU_BF16,
                     .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_run_result *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    for (int ph = 0; ph < NPU_RUN_PHASES; ph++) {
        c.phase = (npu_run_phase)ph;
        c.engine = NULL;
        assert_int_equal(npu_run(&M8, &H100, &c, a), 0);
        c.engine = &t;
        assert_int_equal(npu_run(&M8, &H100, &c, b), 0);
        assert_string_equal(a->engine, "ideal");
        assert_string_equal(b->engine, "trtllm-0.13");
        assert_true(b->latency_s > a->latency_s + t.step_us * 1e-6 * 0.99);
        assert_true(b->host_s >= t.step_us * 1e-6 && a->host_s == 0);
    }
    npu_serve_cfg s;
    npu_serve_defaults(&s);
    assert_string_equal(s.engine.name, npu_engine_default()->name);
    free(a), free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets_load),
        cmocka_unit_test(test_base_chain),
        cmocka_unit_test(test_profile_errors),
        cmocka_unit_test(test_gqa_reread_and_blocks),
        cmocka_unit_test(test_window_ignored),
        cmocka_unit_test(test_graph_mechanisms),
        cmocka_unit_test(test_step_rule),
        cmocka_unit_test(test_graph_padding),
        cmocka_unit_test(test_kv_capacity_basis),
        cmocka_unit_test(test_bench_batch_rule),
        cmocka_unit_test(test_bench_chunked_prompts),
        cmocka_unit_test(test_attn_dp_independent_admission),
        cmocka_unit_test(test_serve_equals_run_every_engine),
        cmocka_unit_test(test_engine_in_every_phase),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
