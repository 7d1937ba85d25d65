/* Unit tests: parallel plans conserve work, MoE routing, MLA accounting, plan
 * errors, the pipeline and the planner. Expected values are computed here from
 * model fields (or by hand in comments), not by the graph under test. */
#include "testutil.h"
#include "npu_all.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static npu_step_cfg step(npu_phase ph, int b, long seq, long ctx, npu_plan p) {
    npu_step_cfg c = {.phase = ph, .batch = b, .seq = seq, .ctx = ctx, .stack = NPU_STACK_FUSED,
                      .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16, .plan = p};
    return c;
}

typedef struct sums {
    double gemm_flops, attn_flops, weight_bytes, comm_bytes;
    int allreduces, alltoalls;
} sums;

/* Totals over one chip's graph, count-weighted. Weight bytes = n x k x groups. */
static sums sum_graph(const npu_graph *g) {
    sums s = {0};
    for (int i = 0; i < g->n; i++) {
        const npu_kernel *k = &g->k[i];
        if (k->kind == NPU_KK_GEMM) {
            s.gemm_flops += k->flops * k->count;
            s.weight_bytes += (double)k->n * k->k * (k->groups > 0 ? k->groups : 1) * npu_dtype_bytes(k->wdt) * k->count;
        } else if (k->kind == NPU_KK_ATTN) {
            s.attn_flops += k->flops * k->count;
        } else if (k->kind == NPU_KK_COMM) {
            s.comm_bytes += k->comm_bytes * k->count;
            if (k->coll == NPU_COLL_ALLREDUCE) s.allreduces += k->count;
            if (k->coll == NPU_COLL_ALLTOALL) s.alltoalls += k->count;
        }
    }
    return s;
}

static bool close_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fabs(b); }

/* TP = 2, 4, 8 on llama3-70b (64 heads, 8 KV heads, vocab 128256 = 8 x 16032):
 * every GEMM and attention head is split, so chips x per-chip work = one chip's. */
static void test_tp_conserves_work(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3-70b", &m), 0);
    for (int ph = 0; ph < 2; ph++) {
        long seq = ph == 0 ? 512 : 1, ctx = ph == 0 ? 0 : 2048;
        npu_graph g1, gt;
        npu_step_cfg c1 = step((npu_phase)ph, 8, seq, ctx, (npu_plan){0});
        assert_int_equal(npu_graph_build(&m, &c1, &g1), 0);
        sums s1 = sum_graph(&g1);
        assert_int_equal(s1.allreduces, 0);
        for (int tp = 2; tp <= 8; tp *= 2) {
            npu_step_cfg ct = step((npu_phase)ph, 8, seq, ctx, (npu_plan){.tp = tp});
            assert_int_equal(npu_graph_build(&m, &ct, &gt), 0);
            sums s = sum_graph(&gt);
            assert_true(close_rel(s.gemm_flops * tp, s1.gemm_flops, 1e-9));
            assert_true(close_rel(s.weight_bytes * tp, s1.weight_bytes, 1e-9));
            assert_true(close_rel(s.attn_flops * tp, s1.attn_flops, 1e-9));
            /* two all-reduces per layer of tokens x hidden x 2 bytes */
            assert_int_equal(s.allreduces, 2 * m.layers);
            double T = 8.0 * seq;
            double want = 2.0 * m.layers * T * m.hidden * 2.0 + 8.0 * m.vocab * 2.0; /* + logits gather */
            assert_true(close_rel(s.comm_bytes, want, 1e-9));
        }
    }
}

/* More chips than KV heads: KV heads are replicated, so the qkv GEMM does more
 * than 1/tp of the work (llama3-70b, tp 16 > 8 KV heads). */
static void test_tp_replicates_kv_heads(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3-70b", &m), 0);
    npu_graph g1, g16;
    npu_step_cfg c1 = step(NPU_PHASE_DECODE, 4, 1, 100, (npu_plan){0});
    npu_step_cfg c16 = step(NPU_PHASE_DECODE, 4, 1, 100, (npu_plan){.tp = 16});
    assert_int_equal(npu_graph_build(&m, &c1, &g1), 0);
    assert_int_equal(npu_graph_build(&m, &c16, &g16), 0);
    for (int i = 0; i < g16.n; i++)
        if (strcmp(g16.k[i].name, "qkv_proj") == 0) /* 64/16 = 4 query heads + 2 x 1 KV head, of 128 */
            assert_int_equal(g16.k[i].n, (4 + 2) * 128);
    assert_true(sum_graph(&g16).weight_bytes * 16 > sum_graph(&g1).weight_bytes);
}

/* Pipeline stages partition the layers: summed over stages, the work is one chip's. */
static void test_pp_conserves_work(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    npu_graph g;
    npu_step_cfg c1 = step(NPU_PHASE_PREFILL, 2, 256, 0, (npu_plan){0});
    assert_int_equal(npu_graph_build(&m, &c1, &g), 0);
    double flops1 = npu_graph_flops(&g), bytes1 = npu_graph_bytes(&g);
    for (int pp = 2; pp <= 8; pp *= 2) {
        double flops = 0, bytes = 0;
        for (int s = 1; s <= pp; s++) {
            npu_step_cfg c = step(NPU_PHASE_PREFILL, 2, 256, 0, (npu_plan){.pp = pp});
            c.stage = s;
            assert_int_equal(npu_graph_build(&m, &c, &g), 0);
            flops += npu_graph_flops(&g);
            bytes += npu_graph_bytes(&g);
        }
        assert_true(close_rel(flops, flops1, 1e-9));
        assert_true(close_rel(bytes, bytes1, 1e-9));
    }
}

/* Expert parallelism inside the TP group (mixtral-8x7b, tp 8, ep 8): each chip
 * runs 1 of 8 experts at full width, so the experts' work is split 8 ways. With
 * a big prefill every expert is hit. */
static void test_ep_conserves_expert_work(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("mixtral-8x7b", &m), 0);
    npu_graph g1, g8;
    npu_step_cfg c1 = step(NPU_PHASE_PREFILL, 4, 1024, 0, (npu_plan){0});
    npu_step_cfg c8 = step(NPU_PHASE_PREFILL, 4, 1024, 0, (npu_plan){.tp = 8, .ep = 8});
    assert_int_equal(npu_graph_build(&m, &c1, &g1), 0);
    assert_int_equal(npu_graph_build(&m, &c8, &g8), 0);
    double e1 = 0, e8 = 0;
    for (int i = 0; i < g1.n; i++)
        if (strncmp(g1.k[i].name, "expert_", 7) == 0) e1 += g1.k[i].flops * g1.k[i].count;
    for (int i = 0; i < g8.n; i++)
        if (strncmp(g8.k[i].name, "expert_", 7) == 0) e8 += g8.k[i].flops * g8.k[i].count;
    /* routed FLOPs = 2 x tokens x top_k x (3 x hidden x expert_ffn) per MoE layer */
    double want = 2.0 * 4096 * 2 * 3.0 * m.hidden * m.moe.expert_ffn * m.layers;
    assert_true(close_rel(e1, want, 1e-6));
    assert_true(close_rel(e8 * 8, want, 1e-6));
}

/* EP beyond TP (deepseek-v3, tp 1, ep 8): attention runs data-parallel, tokens
 * go to their experts by all-to-all (dispatch + combine per MoE layer). */
static void test_ep_alltoall(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("deepseek-v3", &m), 0);
    npu_graph g;
    npu_step_cfg c = step(NPU_PHASE_DECODE, 64, 1, 1000, (npu_plan){.ep = 8});
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    sums s = sum_graph(&g);
    int moe_layers = m.layers - m.moe.dense_layers; /* 58 */
    assert_int_equal(s.alltoalls, 2 * moe_layers);
    assert_int_equal(s.allreduces, 0);
    /* per rank: 64/8 tokens x 8 experts x 7168 x (2 bytes dispatch + 2 bytes combine) */
    for (int i = 0; i < g.n; i++)
        if (g.k[i].kind == NPU_KK_COMM) assert_true(close_rel(g.k[i].comm_bytes, 8.0 * 8 * 7168 * 2, 1e-12));
    /* attention sees 64/8 = 8 sequences on each chip */
    for (int i = 0; i < g.n; i++)
        if (g.k[i].kind == NPU_KK_ATTN) assert_int_equal(g.k[i].batch, 8);
}

/* Skewed routing: fewer distinct experts are hit (in decode that can even make
 * the memory-bound expert GEMMs faster), and the busiest chip gets more tokens,
 * so in a compute-bound prefill where every expert is hit its time never drops. */
static void test_moe_skew(void **st) {
    (void)st;
    npu_model m;
    npu_hw hw;
    assert_int_equal(npu_model_load("qwen3-30b-a3b", &m), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    double prev_t = 0;
    int prev_groups = 1 << 30;
    for (double skew = 0; skew <= 2.0; skew += 0.5) {
        npu_step_cfg c = step(NPU_PHASE_DECODE, 32, 1, 512, (npu_plan){.tp = 4, .ep = 4});
        c.moe_skew = skew;
        npu_graph g;
        assert_int_equal(npu_graph_build(&m, &c, &g), 0);
        for (int i = 0; i < g.n; i++)
            if (strcmp(g.k[i].name, "expert_up") == 0) {
                assert_true(g.k[i].groups <= prev_groups);
                prev_groups = g.k[i].groups;
                /* the busiest chip's tokens: rows x groups >= the uniform share 32 x 8 / 4 */
                assert_true((double)g.k[i].m * g.k[i].groups >= 32.0 * 8 / 4 - 1e-9);
            }
    }
    for (double skew = 0; skew <= 2.0; skew += 0.5) {
        npu_step_cfg c = step(NPU_PHASE_PREFILL, 4, 2048, 0, (npu_plan){.tp = 4, .ep = 4});
        c.moe_skew = skew;
        npu_graph g;
        npu_step_result r;
        assert_int_equal(npu_graph_build(&m, &c, &g), 0);
        npu_step_eval(&hw, &g, &r);
        double t = 0;
        for (int i = 0; i < g.n; i++)
            if (strcmp(g.k[i].name, "expert_up") == 0) t = r.kc[i].time_s;
        assert_true(t > 0);
        assert_true(t >= prev_t * (1 - 1e-9));
        prev_t = t;
    }
}

/* MLA (deepseek-v3): attention weights and KV cache from the config, by hand.
 * q_a 7168x1536 + norm 1536 + q_b 1536x128x192 + kv_a 7168x576 + norm 512
 * + kv_b 512x128x256 + o 128x128x7168 = 187,107,328 per layer. KV per token per
 * layer = 512 + 64 = 576 values. */
static void test_mla_accounting(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("deepseek-v3", &m), 0);
    assert_true(fabs(npu_model_attn_params(&m) - 187107328.0) < 0.5);
    assert_true(fabs(npu_model_kv_bytes_per_token(&m, 2.0) - 61.0 * 576 * 2) < 1e-9);
    assert_true(fabs(npu_model_params(&m, false) / 671e9 - 1) < 0.005); /* model card: 671B */
    assert_true(fabs(npu_model_params(&m, true) / 37e9 - 1) < 0.03);    /* 37B activated */
    /* the HF config gives the same model */
    npu_model h;
    assert_int_equal(npu_model_load("tests/data/hf/deepseek-v3.json", &h), 0);
    assert_int_equal(h.mla.kv_lora_rank, 512);
    assert_int_equal(h.mla.qk_rope_dim, 64);
    assert_true(fabs(npu_model_params(&h, false) - npu_model_params(&m, false)) < 1);
    /* decode attention reads B x L x 576 latent values, not per-head K and V */
    npu_graph g;
    npu_step_cfg c = step(NPU_PHASE_DECODE, 4, 1, 999, (npu_plan){.ep = 8});
    c.kvdt = NPU_FP8;
    c.batch = 32;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    for (int i = 0; i < g.n; i++) {
        if (g.k[i].kind != NPU_KK_ATTN) continue;
        /* 4 sequences per chip x 1000 tokens x 576 bytes + q/o (4 x 128 x (576+512) x 2) + latent write */
        double want = 4.0 * 1000 * 576 + 4.0 * 128 * (576 + 512) * 2 + 4.0 * 576;
        assert_true(close_rel(g.k[i].bytes, want, 1e-9));
    }
    /* MLA's latent is replicated under TP: per-chip KV does not shrink with tp */
    assert_true(close_rel(npu_plan_kv_bytes_per_token(&m, (npu_plan){.tp = 8}, NPU_BF16),
                          npu_model_kv_bytes_per_token(&m, 2.0), 1e-12));
}

/* Impossible plans are errors that give the reason. */
static void test_plan_errors(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0); /* 32 heads, 8 KV, 32 layers */
    assert_int_equal(npu_plan_check(&m, (npu_plan){.tp = 3}), -1);
    assert_non_null(strstr(npu_errmsg(), "not divisible by --tp 3"));
    assert_int_equal(npu_plan_check(&m, (npu_plan){.pp = 5}), -1);
    assert_non_null(strstr(npu_errmsg(), "layers are not divisible by --pp 5"));
    assert_int_equal(npu_plan_check(&m, (npu_plan){.ep = 2}), -1);
    assert_non_null(strstr(npu_errmsg(), "mixture-of-experts"));
    assert_int_equal(npu_plan_check(&m, (npu_plan){.tp = 4, .pp = 4}), 0);
    npu_model x;
    assert_int_equal(npu_model_load("mixtral-8x7b", &x), 0);
    assert_int_equal(npu_plan_check(&x, (npu_plan){.tp = 4, .ep = 3}), -1);
    assert_non_null(strstr(npu_errmsg(), "experts are not divisible by --ep 3"));
    /* llama3-70b in bf16 on one 80 GB chip does not fit; on tp 4 it does */
    npu_model b;
    npu_hw hw;
    assert_int_equal(npu_model_load("llama3-70b", &b), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 100, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
    npu_run_result *r = malloc(sizeof *r);
    assert_int_equal(npu_run(&b, &hw, &rc, r), -1);
    assert_non_null(strstr(npu_errmsg(), "over by"));
    rc.plan.tp = 4;
    assert_int_equal(npu_run(&b, &hw, &rc, r), 0);
    /* per-chip weights: 1/4 of the layers' matrices plus the 16-bit embedding */
    double layers = npu_model_params(&b, false) - 2.0 * b.vocab * b.hidden;
    assert_true(r->mem.weights_B < (layers / 4 + 1.25 * b.vocab * b.hidden) * 2.0 * 1.01);
    free(r);
}

/* Pipeline: a decode step with pp stages and pp micro-batches takes pp stage
 * slots of a batch/pp micro-batch (+ transfers); a batch-1 prefill takes pp slots. */
static void test_pipeline_time(void **st) {
    (void)st;
    npu_model m;
    npu_hw hw;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_run_result *r = malloc(sizeof *r);
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 16, .ctx = 512, .wdt = NPU_BF16, .adt = NPU_BF16,
                      .kvdt = NPU_BF16, .plan = {.pp = 4}};
    assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
    assert_int_equal(r->micro_batches, 4);
    assert_int_equal(r->graph.k[1].count, 8); /* 32 layers / 4 stages (k[0] is a layer kernel of the last stage) */
    double want = 4 * r->step.time_s + 3 * r->p2p_s;
    assert_true(close_rel(r->latency_s, want, 1e-12));
    /* more stages never make a batch-1 prefill faster */
    rc = (npu_run_cfg){.phase = NPU_RUN_PREFILL, .batch = 1, .seq = 512, .wdt = NPU_BF16, .adt = NPU_BF16, .kvdt = NPU_BF16};
    assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
    double t1 = r->latency_s;
    rc.plan.pp = 4;
    assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
    assert_true(r->latency_s >= t1 * 0.99);
    free(r);
}

/* Planner: every feasible plan fits the chips exactly, meets the bound, and the
 * list is ranked by tokens/s per chip. */
static void test_planner(void **st) {
    (void)st;
    npu_model m;
    npu_hw hw;
    assert_int_equal(npu_model_load("llama3-70b", &m), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_planner_cfg c = {.chips = 8, .input = 512, .output = 128, .max_tpot_s = 0.040, .wdt = NPU_FP8,
                         .adt = NPU_FP8, .kvdt = NPU_FP8};
    npu_plan_eval ev[64];
    int n = 0;
    assert_int_equal(npu_planner_run(&m, &hw, &c, ev, 64, &n), 0);
    assert_true(n >= 4);
    assert_true(ev[0].feasible);
    for (int i = 0; i < n; i++) {
        if (!ev[i].feasible) continue;
        assert_int_equal(npu_plan_total_chips(ev[i].plan), 8);
        assert_true(ev[i].tpot_s <= 0.040);
        if (i > 0 && ev[i - 1].feasible) assert_true(ev[i - 1].tokens_per_s_per_chip >= ev[i].tokens_per_s_per_chip);
    }
}

/* The serving step tables agree with the direct graph under parallel plans,
 * including attention data parallelism (deepseek-v3, ep 8 > tp 1: each chip
 * attends to 1/8 of the sequences) and TP (llama3-70b, tp 4). */
static void test_steptab_under_plans(void **st) {
    (void)st;
    const char *models[] = {"deepseek-v3", "llama3-70b", "mixtral-8x7b"};
    npu_plan plans[] = {{.ep = 8}, {.tp = 4}, {.tp = 2, .ep = 2}};
    npu_hw hw;
    assert_int_equal(npu_hw_load("h200-sxm", &hw), 0);
    for (int i = 0; i < 3; i++) {
        npu_model m;
        assert_int_equal(npu_model_load(models[i], &m), 0);
        npu_step_cfg base = step(NPU_PHASE_DECODE, 1, 1, 0, plans[i]);
        base.wdt = base.adt = base.kvdt = NPU_FP8;
        npu_steptab *t;
        assert_int_equal(npu_steptab_create(&m, &hw, &base, &t), 0);
        for (int b = 8; b <= 256; b *= 4) {
            npu_step_cfg c = base;
            c.batch = b, c.ctx = 1000;
            npu_graph g;
            npu_step_result r;
            assert_int_equal(npu_graph_build(&m, &c, &g), 0);
            npu_step_eval(&hw, &g, &r);
            double f;
            npu_power_step(&hw, &g, &r, &f);
            npu_step_shape sh = {.dec_batch = b, .dec_ctx_sum = 1000.0 * b, .emit = b};
            double tab = npu_steptab_cost(t, &sh).time_s;
            if (!close_rel(tab, r.time_s, 1e-6)) printf("%s b=%d tab %.6g direct %.6g\n", models[i], b, tab, r.time_s);
            assert_true(close_rel(tab, r.time_s, 1e-6));
        }
        npu_steptab_free(t);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tp_conserves_work),  cmocka_unit_test(test_tp_replicates_kv_heads),
        cmocka_unit_test(test_pp_conserves_work),  cmocka_unit_test(test_ep_conserves_expert_work),
        cmocka_unit_test(test_ep_alltoall),        cmocka_unit_test(test_moe_skew),
        cmocka_unit_test(test_mla_accounting),     cmocka_unit_test(test_plan_errors),
        cmocka_unit_test(test_pipeline_time),      cmocka_unit_test(test_planner),
        cmocka_unit_test(test_steptab_under_plans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
