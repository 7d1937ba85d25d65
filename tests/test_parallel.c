/* Unit tests: parallel plans conserve work, MoE routing, MLA accounting, plan
 * errors, the pipeline and the planner. Expected values are computed here from
 * model fields (or by hand in comments), not by the graph under test. */
#include "testutil.h"
#include "npu_all.h"
#include "npu_serve.h"

#include <limits.h>
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
 * every GEMM and attention head is split, so chips x per-chip work = one chip's.
 * Communication: two all-reduces per layer, one after the vocab-parallel
 * embedding (each chip gathers the rows it holds), the logits' all-gather. */
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
            /* two all-reduces per layer and one after the embedding, of tokens x hidden x 2 bytes */
            assert_int_equal(s.allreduces, 2 * m.layers + 1);
            double T = 8.0 * seq;
            double want = (2.0 * m.layers + 1) * T * m.hidden * 2.0 + 8.0 * m.vocab * 2.0; /* + logits gather */
            assert_true(close_rel(s.comm_bytes, want, 1e-9));
        }
    }
}

/* The vocab-parallel split of the parameters (llama3-70b, vocab 128256 = 64 x 2004;
 * KV heads 8 divide tp <= 8): over the tp chips of one stage the weights add up to
 * one chip's, and only the norms are held by every chip: tp x w(tp) = w(1) +
 * (tp - 1) x norms. Over pipeline stages they add up exactly, except that a tied
 * table (llama3.2-1b) is held by the first stage (embedding) and again by the last
 * (lm_head), each chip of a stage holding vocab / tp of its rows. */
static void test_vocab_parallel_weights(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("llama3-70b", &m), 0);
    assert_false(m.tied_embeddings);
    for (int wdt = 0; wdt < 2; wdt++) {
        npu_dtype dt = wdt ? NPU_INT8 : NPU_BF16;
        double wb = npu_dtype_bytes(dt);
        double w1 = npu_plan_stage_weight_bytes(&m, (npu_plan){0}, 1, dt);
        /* replicated: per-layer norms at the weight datatype, the final norm in 16 bits */
        double norms = m.layers * npu_model_layer_norms(&m) * npu_model_norm_params(&m) * wb +
                       npu_model_norm_params(&m) * 2.0;
        /* by hand: layers' matrices at wb, plus the 16-bit table and lm_head */
        double tables = 2.0 * m.vocab * m.hidden * 2.0;
        /* one chip: the layers at wb, the table and the lm_head in 16 bits, the final norm */
        double nf = npu_model_norm_params(&m);
        assert_true(close_rel(w1, (npu_model_params(&m, false) - 2.0 * m.vocab * m.hidden - nf) * wb + tables + nf * 2.0,
                              1e-12));
        for (int tp = 2; tp <= 8; tp *= 2) {
            npu_plan p = {.tp = tp};
            assert_int_equal(npu_plan_vocab_rows(&m, p), m.vocab / tp);
            double wt = npu_plan_stage_weight_bytes(&m, p, 1, dt);
            assert_true(close_rel(wt * tp, w1 + (tp - 1) * norms, 1e-12));
            /* the table and the lm_head are 1/tp each: not a replicated table */
            assert_true(wt < (w1 - tables) / tp + tables / tp + norms + 1);
        }
        /* tp 64: 64 chips hold 2004 rows each */
        npu_plan p64 = {.tp = 64};
        assert_int_equal(npu_plan_vocab_rows(&m, p64), 2004);
    }
    /* an odd vocabulary: ceil */
    npu_model o = m;
    o.vocab = 32001;
    assert_int_equal(npu_plan_vocab_rows(&o, (npu_plan){.tp = 4}), 8001);
    /* pipeline stages partition the weights (untied) */
    for (int pp = 2; pp <= 8; pp *= 2) {
        npu_plan p = {.tp = 2, .pp = pp};
        double sum = 0;
        for (int s = 1; s <= pp; s++) sum += npu_plan_stage_weight_bytes(&m, p, s, NPU_BF16);
        assert_true(close_rel(sum, npu_plan_stage_weight_bytes(&m, (npu_plan){.tp = 2}, 1, NPU_BF16), 1e-12));
    }
    /* tied: the last stage holds the table again (as the lm_head) */
    npu_model t;
    assert_int_equal(npu_model_load("llama3.2-1b", &t), 0);
    assert_true(t.tied_embeddings);
    for (int tp = 1; tp <= 4; tp *= 2) {
        double one = npu_plan_stage_weight_bytes(&t, (npu_plan){.tp = tp}, 1, NPU_BF16);
        double sum = 0;
        for (int s = 1; s <= 4; s++) sum += npu_plan_stage_weight_bytes(&t, (npu_plan){.tp = tp, .pp = 4}, s, NPU_BF16);
        double table = (double)((t.vocab + tp - 1) / tp) * t.hidden * 2.0;
        assert_true(close_rel(sum, one + table, 1e-12));
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
 * runs 1 of 8 experts at full width, so the experts' work is split 8 ways, the
 * busiest chip a little more than 1/8 (routing is random). With a big prefill
 * every expert is hit. */
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
    /* the graph is the busiest chip: its expert (one of 8) gets 8192 x 1/8 = 1024 picks on
     * average, sd sqrt(4096 x 2 x 1/8 x 7/8 x 6/7) = 29.6 by hand; the expected maximum of
     * 8 such loads lies between the mean and mean + 3 sd */
    assert_true(e8 * 8 > want * (1 + 1e-9));
    assert_true(e8 * 8 <= want * (1 + 3 * 29.6 / 1024));
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

/* Attention-DP + EP the way TensorRT-LLM 1.0's CUTLASS MoE runs it on one node
 * (fused_moe_cutlass.py [V]; engine field moe.dispatch "allgather"): every expert
 * chip all-gathers all the stage's tokens (GEMM-input dtype + top-k int32 ids and
 * fp32 weights) and reduce-scatters a 16-bit partial output of every token. By hand
 * for llama4-maverick (hidden 5120, top-1, 24 MoE layers of 48), batch 64 over 8
 * chips, FP8 activations: all-gather 64 x (5120 x 1 + 1 x 8) = 328192 B, reduce-
 * scatter 64 x 5120 x 2 = 655360 B; the all-to-all it replaces sends 64/8 x 1 x 5120
 * = 40960 B (dispatch) and 81920 B (combine) per chip. Fails on a graph that ignores
 * the engine's dispatch (all-to-all for every engine, as before 2026-11-30). */
static void test_ep_allgather_dispatch(void **st) {
    (void)st;
    npu_model m;
    npu_hw hw;
    npu_engine e;
    assert_int_equal(npu_model_load("llama4-maverick", &m), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    assert_int_equal(npu_engine_load("trtllm-1.0", &e), 0);
    npu_step_cfg c = step(NPU_PHASE_DECODE, 64, 1, 1000, (npu_plan){.ep = 8});
    c.wdt = NPU_FP8, c.adt = NPU_FP8, c.kvdt = NPU_FP8;
    npu_step_cfg ref = c;                     /* all-zero impl: the reference graph */
    c.impl = npu_engine_graph_impl(&e, &m);
    assert_true(c.impl.moe_gather);
    int moe_layers = m.layers / 2; /* every 2nd layer */
    npu_graph g, gr;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    assert_int_equal(npu_graph_build(&m, &ref, &gr), 0);
    int ag = 0, rs = 0, a2a = 0;
    double t_gather = 0, t_a2a = 0;
    for (int i = 0; i < g.n; i++) {
        const npu_kernel *k = &g.k[i];
        if (k->kind != NPU_KK_COMM) continue;
        if (k->coll == NPU_COLL_ALLGATHER && strcmp(k->name, "moe_dispatch") == 0) {
            ag += k->count;
            assert_true(close_rel(k->comm_bytes, 64.0 * (5120 + 8), 1e-12));
            assert_int_equal(k->chips, 8);
        } else if (k->coll == NPU_COLL_REDUCESCATTER && strcmp(k->name, "moe_combine") == 0) {
            rs += k->count;
            assert_true(close_rel(k->comm_bytes, 64.0 * 5120 * 2, 1e-12));
        } else if (k->coll == NPU_COLL_ALLTOALL) {
            a2a += k->count;
        }
        if (strncmp(k->name, "moe_", 4) == 0) t_gather += npu_comm_op(&hw, k->coll, 8, k->comm_bytes).time_s * k->count;
    }
    assert_int_equal(ag, moe_layers);
    assert_int_equal(rs, moe_layers);
    /* the MoE kernel scans every gathered FP8 row and writes a 16-bit row per token: 64 x 5120 x 3 B */
    int fin = 0;
    for (int i = 0; i < g.n; i++)
        if (strcmp(g.k[i].name, "moe_finalize") == 0) {
            fin += g.k[i].count;
            assert_true(close_rel(g.k[i].bytes, 64.0 * 5120 * 3, 1e-12));
        }
    assert_int_equal(fin, moe_layers);
    assert_int_equal(a2a, 0);
    for (int i = 0; i < gr.n; i++) {
        const npu_kernel *k = &gr.k[i];
        if (k->kind != NPU_KK_COMM || strncmp(k->name, "moe_", 4)) continue;
        assert_int_equal(k->coll, NPU_COLL_ALLTOALL);
        assert_true(close_rel(k->comm_bytes, 64.0 / 8 * 5120 * (strcmp(k->name, "moe_dispatch") ? 2 : 1), 1e-12));
        t_a2a += npu_comm_op(&hw, k->coll, 8, k->comm_bytes).time_s * k->count;
    }
    /* top-1 over 8 chips: the gather moves ~8x the bytes; it costs more than all-to-all */
    assert_true(t_gather > t_a2a);
}

/* Exact E[max chip load] of top-k uniform routing by brute force: every token picks
 * one of the C(E, k) expert sets with equal probability; enumerate all sets^T outcomes. */
static double busiest_brute(int E, int k, int T, int G) {
    int sets[64][8], ns = 0, per = E / G;
    for (unsigned mask = 0; mask < (1u << E); mask++) {
        if (__builtin_popcount(mask) != k) continue;
        for (int g = 0; g < G; g++) sets[ns][g] = 0;
        for (int x = 0; x < E; x++)
            if (mask >> x & 1) sets[ns][x / per]++;
        ns++;
    }
    long total = 1;
    for (int t = 0; t < T; t++) total *= ns;
    double sum = 0;
    for (long o = 0; o < total; o++) {
        int load[8] = {0};
        long r = o;
        for (int t = 0; t < T; t++, r /= ns)
            for (int g = 0; g < G; g++) load[g] += sets[r % ns][g];
        int mx = 0;
        for (int g = 0; g < G; g++) mx = load[g] > mx ? load[g] : mx;
        sum += mx;
    }
    return sum / total;
}

/* Exact E[max] of a multinomial (n balls, G equal bins): P(max < m) = n!/G^n [x^n]
 * (sum_{c<m} x^c/c!)^G, by polynomial powers. */
static double busiest_multinomial(int n, int G) {
    double e = 0;
    for (int m = 1; m <= n; m++) {
        double base[257] = {0}, acc[257] = {0};
        double f = 1;
        for (int c = 0; c < m && c <= n; c++, f *= c) base[c] = 1.0 / f;
        acc[0] = 1;
        for (int g = 0; g < G; g++) {
            double nx[257] = {0};
            for (int i = 0; i <= n; i++)
                for (int j = 0; i + j <= n; j++) nx[i + j] += acc[i] * base[j];
            memcpy(acc, nx, sizeof acc);
        }
        double lp = lgamma(n + 1.0) - n * log((double)G); /* n!/G^n */
        double p_below = acc[n] * exp(lp);
        e += 1.0 - p_below; /* E[max] = sum_{m>=1} P(max >= m) */
    }
    return e;
}

/* The busiest expert chip under uniform top-k routing (npu_graph_moe_busiest), against
 * exact expectations computed here: brute-force enumeration (top-1 of 8 experts on 4
 * chips, 6 tokens: 8^6 outcomes; top-2 of 8 on 4 chips, 4 tokens: 28^4) and the
 * multinomial's generating function (top-1 of 8 on 8 chips, 64 tokens). Then the
 * graph: the expert GEMMs of qwen3-30b-a3b (128 experts, top-8) at ep 8, decode batch
 * 64 (512 picks, mean 64 per chip, sd 7.27 by hand) run the busiest chip's rows, not
 * the mean: rows x groups >= mean + 0.8 sd. Fails on the old graph (busy share 1/ep). */
static void test_moe_busiest_chip(void **st) {
    (void)st;
    double b1 = busiest_brute(8, 1, 6, 4), b2 = busiest_brute(8, 2, 4, 4), b3 = busiest_multinomial(64, 8);
    assert_true(b1 > 2.4 && b1 < 3.0); /* mean 1.5 */
    assert_true(close_rel(npu_graph_moe_busiest(8, 1, 6, 4), b1, 0.08));
    assert_true(close_rel(npu_graph_moe_busiest(8, 2, 4, 4), b2, 0.10));
    assert_true(close_rel(npu_graph_moe_busiest(8, 1, 64, 8), b3, 0.03));
    /* every expert picked by every token: no fluctuation; one chip: all picks */
    assert_true(close_rel(npu_graph_moe_busiest(8, 8, 10, 4), 20.0, 1e-12));
    assert_true(close_rel(npu_graph_moe_busiest(128, 8, 10, 1), 80.0, 1e-12));
    /* one token, top-1: the chip holding its expert carries it */
    assert_true(close_rel(npu_graph_moe_busiest(128, 1, 1, 8), 1.0, 1e-12));

    npu_model m;
    assert_int_equal(npu_model_load("qwen3-30b-a3b", &m), 0);
    assert_int_equal(m.moe.experts, 128);
    assert_int_equal(m.moe.top_k, 8);
    npu_step_cfg c = step(NPU_PHASE_DECODE, 64, 1, 512, (npu_plan){.ep = 8});
    npu_graph g;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    int seen = 0;
    for (int i = 0; i < g.n; i++)
        if (strcmp(g.k[i].name, "expert_up") == 0) {
            seen = 1;
            assert_true((double)g.k[i].m * g.k[i].groups >= 64 + 0.8 * 7.27);
        }
    assert_true(seen);
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
    assert_int_equal(npu_plan_check(&m, (npu_plan){.pp = 5}), 0); /* uneven stages: 6,7,7,6,6... see test_pp_uneven */
    assert_int_equal(npu_plan_check(&m, (npu_plan){.pp = 33}), -1);
    assert_non_null(strstr(npu_errmsg(), "--pp 33 exceeds its 32 layers"));
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
    npu_planner_result pr;
    assert_int_equal(npu_planner_run(&m, &hw, &c, ev, 64, &pr), 0);
    int n = pr.n;
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


/* Uneven pipeline splits (vLLM's rule: the extra layers go to the stages before
 * the last, from the second-to-last back): deepseek-v3's 61 layers over 2 and 4
 * stages, llama3-8b's 32 over 3 and 5. */
static void test_pp_uneven_stages(void **st) {
    (void)st;
    npu_model m, l;
    assert_int_equal(npu_model_load("deepseek-v3", &m), 0);
    assert_int_equal(npu_model_load("llama3-8b", &l), 0);
    static const struct {
        int pp, want[5];
        bool ds;
    } cases[] = {{2, {31, 30}, true}, {4, {15, 15, 16, 15}, true}, {3, {11, 11, 10}, false}, {5, {6, 6, 7, 7, 6}, false}};
    for (size_t c = 0; c < NPU_ARRAY_LEN(cases); c++) {
        const npu_model *mm = cases[c].ds ? &m : &l;
        npu_plan p = {.pp = cases[c].pp, .ep = cases[c].ds ? 8 : 1};
        assert_int_equal(npu_plan_check(mm, p), 0);
        int first = 0;
        for (int s = 1; s <= p.pp; s++) {
            npu_stage g = npu_plan_stage(mm, p, s);
            assert_int_equal(g.layers, cases[c].want[s - 1]);
            assert_int_equal(g.first, first);
            assert_true(g.embeds == (s == 1) && g.head == (s == p.pp));
            first += g.layers;
        }
        assert_int_equal(first, mm->layers);
    }
    /* deepseek-v3's 3 dense layers all sit in the first stage */
    npu_stage s1 = npu_plan_stage(&m, (npu_plan){.pp = 4}, 1), s2 = npu_plan_stage(&m, (npu_plan){.pp = 4}, 2);
    assert_int_equal(s1.dense, 3);
    assert_int_equal(s2.dense, 0);
    /* every --pp up to the layer count runs deepseek-v3 (it rejected them all before) */
    npu_hw hw;
    assert_int_equal(npu_hw_load("h200-sxm", &hw), 0);
    npu_run_result *r = malloc(sizeof *r);
    for (int pp = 2; pp <= 8; pp++) {
        npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 64, .ctx = 1000, .wdt = NPU_FP8, .adt = NPU_FP8,
                          .kvdt = NPU_FP8, .plan = {.pp = pp, .ep = 8}};
        assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
        assert_true(r->latency_s > 0 && isfinite(r->latency_s));
    }
    free(r);
}

/* FLOPs, bytes and weights are conserved under uneven splits too: summed over
 * the stages they equal the one-stage graph (llama3-8b over 3, 5 and 7 stages;
 * deepseek-v3, MoE with leading dense layers, over 4 stages). */
static void test_pp_uneven_conserves_work(void **st) {
    (void)st;
    const char *models[] = {"llama3-8b", "deepseek-v3"};
    for (int mi = 0; mi < 2; mi++) {
        npu_model m;
        assert_int_equal(npu_model_load(models[mi], &m), 0);
        npu_plan base = {.ep = mi ? 8 : 1};
        npu_graph g;
        npu_step_cfg c1 = step(NPU_PHASE_PREFILL, 8, 256, 0, base);
        assert_int_equal(npu_graph_build(&m, &c1, &g), 0);
        double flops1 = npu_graph_flops(&g), bytes1 = npu_graph_bytes(&g);
        double w1 = npu_plan_weight_bytes(&m, base, NPU_BF16);
        for (int pp = 3; pp <= 7; pp += 2) {
            if (mi && pp != 3) continue;
            npu_plan p = base;
            p.pp = mi ? 4 : pp;
            double flops = 0, bytes = 0, w = 0;
            for (int s = 1; s <= p.pp; s++) {
                npu_step_cfg c = step(NPU_PHASE_PREFILL, 8, 256, 0, p);
                c.stage = s;
                assert_int_equal(npu_graph_build(&m, &c, &g), 0);
                flops += npu_graph_flops(&g);
                bytes += npu_graph_bytes(&g);
                w += npu_plan_stage_weight_bytes(&m, p, s, NPU_BF16);
            }
            assert_true(close_rel(flops, flops1, 1e-9));
            assert_true(close_rel(bytes, bytes1, 1e-9));
            assert_true(close_rel(w, w1, 1e-9));
        }
    }
}

/* The memory plan and the pipeline use the fullest stage: llama3-8b over 3
 * stages (11, 11, 10 layers) holds the KV cache of 11 layers per chip; a decode
 * step with 3 micro-batches takes 3 slots of the slowest stage, and a prefill of
 * 3 micro-batches fills the pipeline (all stages, then 2 slots of the slowest),
 * where the slowest is an 11-layer stage (the last has 10 and a one-row lm_head). Stage times are costed here stage by stage. */
static double stage_time(const npu_model *m, const npu_hw *hw, npu_phase ph, long seq, long ctx, int stage) {
    npu_step_cfg c = step(ph, 8, seq, ctx, (npu_plan){.pp = 3});
    c.stage = stage;
    npu_graph g;
    npu_step_result sr;
    double f;
    assert_int_equal(npu_graph_build(m, &c, &g), 0);
    npu_step_eval(hw, &g, &sr);
    npu_power_step(hw, &g, &sr, &f);
    return sr.time_s;
}

static void test_pp_uneven_fullest_stage(void **st) {
    (void)st;
    npu_model m;
    npu_hw hw;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_run_result *r = malloc(sizeof *r);
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 24, .ctx = 2047, .wdt = NPU_BF16, .adt = NPU_BF16,
                      .kvdt = NPU_BF16, .plan = {.pp = 3}};
    assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
    /* 24 sequences x 2048 tokens x 11 layers x 8 KV heads x 128 x 2 (K, V) x 2 bytes */
    assert_true(close_rel(r->mem.kv_B, 24.0 * 2048 * 11 * 8 * 128 * 2 * 2, 1e-12));
    double t[3], slowest = 0, sum = 0;
    for (int s = 1; s <= 3; s++) {
        t[s - 1] = stage_time(&m, &hw, NPU_PHASE_DECODE, 1, 2047, s);
        slowest = t[s - 1] > slowest ? t[s - 1] : slowest;
    }
    assert_int_equal(r->micro_batches, 3);
    assert_true(close_rel(r->latency_s, 3 * slowest + 2 * r->p2p_s, 1e-9));
    rc = (npu_run_cfg){.phase = NPU_RUN_PREFILL, .batch = 24, .seq = 1024, .wdt = NPU_BF16, .adt = NPU_BF16,
                       .kvdt = NPU_BF16, .plan = {.pp = 3}};
    assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
    slowest = 0;
    for (int s = 1; s <= 3; s++) {
        t[s - 1] = stage_time(&m, &hw, NPU_PHASE_PREFILL, 1024, 0, s);
        sum += t[s - 1], slowest = t[s - 1] > slowest ? t[s - 1] : slowest;
    }
    assert_true(slowest > t[2] * 1.05); /* an 11-layer stage bounds it, not the last */
    assert_true(close_rel(r->latency_s, sum + 2 * slowest + 2 * r->p2p_s, 1e-9));
    free(r);
}

/* A sliding window shorter than the prompt (mistral-7b, window 4096, 16k
 * prefill): each of the 16384 queries sees min(position, 4096) keys, so the
 * (query, key) pairs per head are 4096 x 4097 / 2 + (16384 - 4096) x 4096 =
 * 58,722,304 and a layer's attention does 2 x (128 + 128) x pairs x 32 heads
 * FLOPs. It was negative before. The K/V read is the 16384 keys. */
static void test_windowed_prefill_attention(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("mistral-7b", &m), 0);
    assert_int_equal(m.sliding_window, 4096);
    npu_graph g;
    npu_step_cfg c = step(NPU_PHASE_PREFILL, 1, 16384, 0, (npu_plan){0});
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    double pairs = 4096.0 * 4097 / 2 + (16384.0 - 4096) * 4096;
    assert_true(pairs == 58722304.0);
    int found = 0;
    for (int i = 0; i < g.n; i++) {
        if (g.k[i].kind != NPU_KK_ATTN) continue;
        found++;
        assert_true(close_rel(g.k[i].flops, 2.0 * 256 * pairs * 32, 1e-12));
        assert_true(g.k[i].bytes > 0);
    }
    assert_int_equal(found, 1);
    /* within the window nothing changes: a 4096-token prompt is a full triangle */
    c.seq = 4096;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    for (int i = 0; i < g.n; i++)
        if (g.k[i].kind == NPU_KK_ATTN) assert_true(close_rel(g.k[i].flops, 2.0 * 256 * (4096.0 * 4097 / 2) * 32, 1e-12));
    /* a chunk after 10000 cached tokens: positions 10001..12048 each see 4096 keys */
    npu_kernel k = npu_kernel_attention(1, 32, 8, 128, 2048, 12048, true, NPU_BF16, NPU_BF16);
    k.window = 4096;
    k = npu_kernel_attention_reshape(&k, 1, 2048, 12048, true);
    assert_true(close_rel(k.flops, 2.0 * 256 * 2048.0 * 4096 * 32, 1e-12));
    /* the serving step table composes the same prefill (one prompt = the prefill graph) */
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_step_cfg base = step(NPU_PHASE_DECODE, 1, 1, 0, (npu_plan){0});
    npu_steptab *t;
    assert_int_equal(npu_steptab_create(&m, &hw, &base, &t), 0);
    c.seq = 16384;
    assert_int_equal(npu_graph_build(&m, &c, &g), 0);
    npu_step_result sr;
    double f;
    npu_step_eval(&hw, &g, &sr);
    npu_power_step(&hw, &g, &sr, &f);
    npu_step_shape sh = {.pf_n = 1, .pf_tokens = 16384, .emit = 1};
    assert_true(close_rel(npu_steptab_cost(t, &sh).time_s, sr.time_s, 1e-9));
    npu_steptab_free(t);
}

/* Reference for the e2e decode sum: the first decode step as costed, then each
 * step's attention entries re-costed at its context, one by one. */
static double decode_total_ref(const npu_model *m, const npu_hw *hw, const npu_run_cfg *rc) {
    npu_step_cfg c = step(NPU_PHASE_DECODE, rc->batch, 1, rc->input, (npu_plan){0});
    npu_graph g;
    npu_step_result base;
    double f;
    assert_int_equal(npu_graph_build(m, &c, &g), 0);
    npu_step_eval(hw, &g, &base);
    npu_power_step(hw, &g, &base, &f);
    double total = base.time_s;
    for (long kv = rc->input + 2; kv <= rc->input + rc->output - 1; kv++) {
        double t = base.time_s;
        long eff = m->sliding_window > 0 && kv > m->sliding_window ? m->sliding_window : kv;
        for (int i = 0; i < g.n; i++) {
            if (g.k[i].kind != NPU_KK_ATTN) continue;
            npu_kernel moved = npu_kernel_attention_at(&g.k[i], eff);
            t += (npu_cost_kernel(hw, &moved, NPU_IN_STEP).time_s - base.kc[i].time_s) * g.k[i].count;
        }
        total += t;
    }
    return total;
}

/* e2e runs cost O(kernels), not O(output): up to 4096 decode steps are summed
 * one by one (identical to the step-by-step reference), beyond that by
 * segments, within 1e-4 of it (llama3.1-8b, 120000 output tokens; mistral-7b
 * past its window). Lengths the model cannot hold are refused, also when
 * input + output overflows 64 bits (it hung before). */
static void test_e2e_long_output(void **st) {
    (void)st;
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_run_result *r = malloc(sizeof *r);
    const char *models[] = {"llama3.1-8b", "mistral-7b"};
    long outputs[] = {3000, 120000, 3000, 30000};
    for (int i = 0; i < 4; i++) {
        npu_model m;
        assert_int_equal(npu_model_load(models[i / 2], &m), 0);
        npu_run_cfg rc = {.phase = NPU_RUN_E2E, .batch = 4, .input = 700, .output = outputs[i], .wdt = NPU_BF16,
                          .adt = NPU_BF16, .kvdt = NPU_BF16};
        assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
        double ref = decode_total_ref(&m, &hw, &rc);
        double got = r->latency_s - r->ttft_s;
        assert_true(close_rel(got, ref, outputs[i] <= 4097 ? 1e-12 : 1e-4));
    }
    npu_model m;
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    npu_run_cfg rc = {.phase = NPU_RUN_E2E, .batch = 1, .input = 10, .output = LONG_MAX, .wdt = NPU_BF16,
                      .adt = NPU_BF16, .kvdt = NPU_BF16};
    assert_int_equal(npu_run(&m, &hw, &rc, r), -1);
    assert_non_null(strstr(npu_errmsg(), "context window of 8192"));
    /* a sliding-window model whose context is unbounded: 2^40 output tokens run,
     * every step past the window costs the same */
    assert_int_equal(npu_model_load("mistral-7b", &m), 0);
    m.max_seq = 0;
    rc.output = 1L << 40, rc.input = 100;
    assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
    assert_true(isfinite(r->latency_s) && r->tpot_s > 0 && r->tokens_per_s > 0);
    npu_run_result *w = malloc(sizeof *w);
    npu_run_cfg dc = {.phase = NPU_RUN_DECODE, .batch = 1, .ctx = 3000000000L, .wdt = NPU_BF16, .adt = NPU_BF16,
                      .kvdt = NPU_BF16};
    assert_int_equal(npu_run(&m, &hw, &dc, w), 0); /* 3e9 cached tokens: past the window, not truncated */
    assert_true(close_rel(r->tpot_s, w->latency_s, 1e-3));
    free(w);
    free(r);
}

/* Shapes whose token products leave exact 64-bit/double range are refused with
 * a reason, and a kernel with a wrapped dimension is caught by npu_kernel_check. */
static void test_shape_overflow(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(npu_model_load("mistral-7b", &m), 0);
    m.max_seq = 0;
    npu_graph g;
    npu_step_cfg c = step(NPU_PHASE_DECODE, 2000000000, 1, 1L << 40, (npu_plan){0});
    assert_int_equal(npu_graph_build(&m, &c, &g), -1);
    assert_non_null(strstr(npu_errmsg(), "2^53"));
    c.ctx = LONG_MAX;
    assert_int_equal(npu_graph_build(&m, &c, &g), -1);
    assert_non_null(strstr(npu_errmsg(), "overflows"));
    npu_kernel k = npu_kernel_attention(4, 32, 8, (int)3000000000L, 1, 100, false, NPU_BF16, NPU_BF16);
    assert_int_equal(npu_kernel_check(&k), -1);
    assert_non_null(strstr(npu_errmsg(), "head_dim"));
    k = npu_kernel_attention(4, 32, 8, 128, 1, 100, false, NPU_BF16, NPU_BF16);
    assert_int_equal(npu_kernel_check(&k), 0);
    k = npu_kernel_gemm("g", 1L << 62, 1L << 62, 1L << 62, NPU_BF16, NPU_BF16);
    assert_int_equal(npu_kernel_check(&k), 0); /* huge but finite: FLOPs are doubles */
    k = npu_kernel_gemm("g", -5, 8, 8, NPU_BF16, NPU_BF16);
    assert_int_equal(npu_kernel_check(&k), -1);
    assert_non_null(strstr(npu_errmsg(), " m "));
}

/* One home for per-chip attention weights: npu_plan splits the model's parts,
 * and at tp 1 that is npu_model_attn_params for every preset; per chip x tp is
 * the whole when no K/V head is replicated; MLA's down-projections (and their
 * norms) stay whole on every chip. */
static void test_attn_weights_one_home(void **st) {
    (void)st;
    for (int i = 0; i < npu_model_preset_count(); i++) {
        npu_model m;
        assert_int_equal(npu_model_load(npu_model_preset_name(i), &m), 0);
        assert_true(close_rel(npu_plan_attn_weights(&m, (npu_plan){0}), npu_model_attn_params(&m), 1e-12));
        int tp = m.kv_heads >= 8 || m.mla.kv_lora_rank > 0 ? 8 : 1;
        if (m.heads % tp) continue;
        npu_attn_weights w = npu_model_attn_weights(&m);
        assert_true(close_rel(npu_plan_attn_weights(&m, (npu_plan){.tp = tp}) * tp - (tp - 1) * w.shared,
                              npu_model_attn_params(&m), 1e-12));
    }
    npu_model d;
    assert_int_equal(npu_model_load("deepseek-v3", &d), 0);
    /* shared: 7168 x 1536 + 1536 + 7168 x 576 + 512 = 15,140,864 */
    assert_true(npu_model_attn_weights(&d).shared == 15140864.0);
}

/* links.overlap acts: the engine exposes collective time x (1 - overlap), and no
 * more collective time hides than the other kernels take. Checked on the rule
 * (hand values) and through runs: a tp-8 decode and an offline step (kernels
 * only) lose exactly that share of their collectives. */
static void test_links_overlap(void **st) {
    (void)st;
    npu_engine e = *npu_engine_ideal();
    e.ideal = false, e.step_us = 100, e.seq_us = 1, e.comm_overlap = -1; /* the chip's overlap */
    npu_engine_step_in in = {.kernels_s = 0.010, .comm_s = 0.004, .seqs = 10};
    /* 10 ms of kernels of which 4 ms collectives, half hidden: 8 ms + 0.1 + 0.01 ms of host */
    assert_true(fabs(npu_engine_step(&e, &in, 0.5).step_s - 0.00811) < 1e-12);
    assert_true(fabs(npu_engine_step(&e, &in, 0.0).step_s - 0.01011) < 1e-12);
    /* 9 ms collectives of 10: at most the 1 ms of other kernels hides */
    in = (npu_engine_step_in){.kernels_s = 0.010, .comm_s = 0.009};
    assert_true(fabs(npu_engine_step(&e, &in, 1.0).step_s - 0.0091) < 1e-12);
    npu_model m;
    npu_hw hw;
    assert_int_equal(npu_model_load("llama3-70b", &m), 0);
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    npu_run_result *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    npu_run_cfg rc = {.phase = NPU_RUN_DECODE, .batch = 64, .ctx = 2000, .wdt = NPU_FP8, .adt = NPU_FP8,
                      .kvdt = NPU_FP8, .plan = {.tp = 8}};
    assert_int_equal(npu_run(&m, &hw, &rc, a), 0);
    npu_hw ov = hw;
    ov.comm_overlap = 0.5;
    assert_int_equal(npu_hw_finish(&ov, "ov"), 0); /* the fabric is derived: finish again */
    assert_int_equal(npu_run(&m, &ov, &rc, b), 0);
    double comm = a->step.bound_time_s[NPU_BOUND_COMM];
    assert_true(comm > 0);
    assert_true(close_rel(b->latency_s, a->latency_s - 0.5 * comm, 1e-9));
    rc = (npu_run_cfg){.phase = NPU_RUN_OFFLINE, .batch = 256, .input = 1024, .output = 256, .wdt = NPU_FP8,
                       .adt = NPU_FP8, .kvdt = NPU_FP8, .plan = {.tp = 8}};
    assert_int_equal(npu_run(&m, &hw, &rc, a), 0);
    assert_int_equal(npu_run(&m, &ov, &rc, b), 0);
    double frac = (256.0 / 256) / 1; /* prompts per step / ceil(...) = 1 */
    double c_dec = a->dstep.bound_time_s[NPU_BOUND_COMM], c_mix = a->step.bound_time_s[NPU_BOUND_COMM];
    double hidden = 0.5 * (c_dec + (c_mix - c_dec) * frac);
    assert_true(close_rel(b->tpot_s, a->tpot_s - hidden, 1e-9));
    free(a), free(b);
}

/* One KV-capacity formula: the offline phase's in-flight batch is the number of
 * input+output reservations that fit the capacity the serving simulator computes
 * for the same step (npu_serve_kv_capacity with that step's tokens and
 * sequences, at NPU_KV_MEM_FRACTION). Dense TP and DeepSeek-style attention data
 * parallelism (ep 8 > tp 1: 8 groups). */
static void test_offline_serve_kv_agree(void **st) {
    (void)st;
    const char *models[] = {"llama3.1-70b", "llama3.1-8b", "deepseek-v3"};
    const char *hws[] = {"h100-sxm", "h100-sxm", "h200-sxm"};
    npu_plan plans[] = {{.tp = 4}, {0}, {.ep = 8}};
    long in[] = {2048, 1000, 1024}, out[] = {2048, 1000, 1024};
    for (int i = 0; i < 3; i++) {
        npu_model m;
        npu_hw hw;
        assert_int_equal(npu_model_load(models[i], &m), 0);
        assert_int_equal(npu_hw_load(hws[i], &hw), 0);
        npu_run_cfg rc = {.phase = NPU_RUN_OFFLINE, .input = in[i], .output = out[i], .wdt = NPU_FP8, .adt = NPU_FP8,
                          .kvdt = NPU_BF16, .plan = plans[i]};
        npu_run_result *r = malloc(sizeof *r);
        assert_int_equal(npu_run(&m, &hw, &rc, r), 0);
        assert_true(r->batch > 1 && r->batch < NPU_OFFLINE_MAX_BATCH);
        long adp = npu_plan_attn_dp(plans[i]);
        double b = (double)r->batch / adp; /* sequences per attention group */
        npu_pool pool = {.model = &m, .hw = &hw, .step = {.wdt = NPU_FP8, .adt = NPU_FP8, .kvdt = NPU_BF16,
                                                          .plan = plans[i]}, .replicas = 1};
        long tokens;
        double step_tokens = b * (1 + (double)in[i] / out[i]);
        assert_int_equal(npu_serve_kv_capacity(&pool, NPU_KV_MEM_FRACTION, step_tokens, b, &tokens), 0);
        double res = (double)(in[i] + out[i]);
        assert_true(b * res <= (double)tokens / adp);       /* the batch fits serve's capacity */
        double act1 = npu_plan_act_bytes(&m, npu_plan_norm(plans[i]), (b + 1) * (1 + (double)in[i] / out[i]), b + 1);
        long more = npu_plan_kv_capacity(&m, &hw, plans[i], NPU_FP8, NPU_BF16, NPU_KV_MEM_FRACTION, act1);
        assert_true((b + 1) * res > (double)more / adp);    /* and one more request does not */
        free(r);
    }
}

/* The planner's counts agree with its list, and with no TTFT bound given it
 * applies the stated default (NPU_PLANNER_DEFAULT_TTFT_S, 2 s): every feasible
 * plan meets it. deepseek-v3 now has pipeline plans (61 layers, uneven). */
static void test_planner_counts_and_default_ttft(void **st) {
    (void)st;
    npu_model m;
    npu_hw hw;
    assert_int_equal(npu_model_load("deepseek-v3", &m), 0);
    assert_int_equal(npu_hw_load("h200-sxm", &hw), 0);
    npu_planner_cfg c = {.chips = 8, .input = 1024, .output = 256, .wdt = NPU_FP8, .adt = NPU_FP8, .kvdt = NPU_FP8};
    npu_plan_eval ev[64];
    npu_planner_result pr;
    assert_int_equal(npu_planner_run(&m, &hw, &c, ev, 64, &pr), 0);
    assert_true(pr.ttft_default);
    assert_true(pr.max_ttft_s == NPU_PLANNER_DEFAULT_TTFT_S && NPU_PLANNER_DEFAULT_TTFT_S == 2.0);
    assert_int_equal(pr.n, pr.n_feasible + pr.n_rejected);
    assert_int_equal(pr.n_skipped, 0);
    assert_true(pr.n_feasible > 0);
    bool pipelined = false;
    for (int i = 0; i < pr.n; i++) {
        assert_true(ev[i].feasible == (i < pr.n_feasible));
        if (!ev[i].feasible) continue;
        assert_true(ev[i].ttft_s <= 2.0);
        if (ev[i].plan.pp > 1) pipelined = true;
    }
    assert_true(pipelined);
    /* a too small out[] is counted, not silently dropped */
    assert_int_equal(npu_planner_run(&m, &hw, &c, ev, 3, &pr), 0);
    assert_int_equal(pr.n, 3);
    assert_true(pr.n_skipped > 0);
    /* an explicit bound is used as given */
    c.max_ttft_s = 5.0;
    assert_int_equal(npu_planner_run(&m, &hw, &c, ev, 64, &pr), 0);
    assert_true(!pr.ttft_default && pr.max_ttft_s == 5.0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tp_conserves_work), cmocka_unit_test(test_vocab_parallel_weights),  cmocka_unit_test(test_tp_replicates_kv_heads),
        cmocka_unit_test(test_pp_conserves_work),  cmocka_unit_test(test_ep_conserves_expert_work),
        cmocka_unit_test(test_ep_alltoall),        cmocka_unit_test(test_ep_allgather_dispatch),        cmocka_unit_test(test_moe_busiest_chip),        cmocka_unit_test(test_moe_skew),
        cmocka_unit_test(test_mla_accounting),     cmocka_unit_test(test_plan_errors),
        cmocka_unit_test(test_pipeline_time),      cmocka_unit_test(test_planner),
        cmocka_unit_test(test_steptab_under_plans),
        cmocka_unit_test(test_pp_uneven_stages),   cmocka_unit_test(test_pp_uneven_conserves_work),
        cmocka_unit_test(test_pp_uneven_fullest_stage), cmocka_unit_test(test_windowed_prefill_attention),
        cmocka_unit_test(test_e2e_long_output),    cmocka_unit_test(test_shape_overflow),
        cmocka_unit_test(test_attn_weights_one_home), cmocka_unit_test(test_links_overlap),
        cmocka_unit_test(test_offline_serve_kv_agree), cmocka_unit_test(test_planner_counts_and_default_ttft),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
