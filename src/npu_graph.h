/* npu_graph — the ordered list of kernels a chip runs for one inference step of
 * a model, under a software-stack profile.
 *
 * Identical decoder layers are listed once with `count` = layers, so a step of
 * an 80-layer model is ~20 kernels to cost, not 1600. Each kernel carries its
 * shape, FLOPs and compulsory DRAM bytes; npu_cost turns it into time. */
#ifndef NPU_GRAPH_H
#define NPU_GRAPH_H

#include "npu_model.h"
#include "npu_util.h"

#include <stdbool.h>

typedef enum {
    NPU_KK_GEMM = 0, /* matrix multiply on the matrix engines */
    NPU_KK_ATTN,     /* attention core (QK^T, softmax, PV) */
    NPU_KK_NORM,     /* RMSNorm / LayerNorm */
    NPU_KK_ELEM,     /* elementwise: activation, residual add, RoPE, casts */
    NPU_KK_MEMORY,   /* data movement: embedding gather, KV-cache write, copies */
    NPU_KK_COUNT
} npu_kkind;

extern const char *const npu_kkind_names[NPU_KK_COUNT];

typedef enum { NPU_PHASE_PREFILL = 0, NPU_PHASE_DECODE } npu_phase;
typedef enum { NPU_STACK_FUSED = 0, NPU_STACK_EAGER } npu_stack;
extern const char *const npu_stack_names[2];

typedef struct npu_kernel {
    const char *name; /* static label, e.g. "qkv_proj" */
    npu_kkind kind;
    int count;        /* times it runs per step */
    int launches;     /* device kernels it stands for, per run */
    /* GEMM: Y[m,n] = X[m,k] . W[n,k]^T, in `groups` independent problems (MoE experts) */
    long m, n, k;
    int groups;
    npu_dtype wdt, adt; /* weight and input-activation datatypes */
    /* attention */
    int batch, heads, kv_heads, head_dim;
    long q_len, kv_len; /* new tokens and attended tokens per sequence */
    bool causal;
    npu_dtype kvdt;
    /* all kinds, per run */
    double flops;     /* arithmetic operations */
    double bytes;     /* compulsory DRAM traffic, bytes */
} npu_kernel;

/* How one model replica is split over chips. 0 and 1 both mean "not split".
 * tp: tensor parallel (heads and MLP columns); pp: pipeline stages (layers);
 * ep: expert parallel (routed experts); dp: data-parallel replicas (the replica
 * count, not a split of one step); cp: context parallel (prefill sequence). */
typedef struct npu_plan {
    int tp, pp, ep, dp, cp;
} npu_plan;

typedef struct npu_step_cfg {
    npu_phase phase;
    int batch;       /* sequences */
    long seq;        /* new tokens per sequence (1 for decode) */
    long ctx;        /* tokens already in the KV cache per sequence */
    npu_stack stack;
    npu_dtype wdt;   /* weights */
    npu_dtype adt;   /* GEMM input activations */
    npu_dtype kvdt;  /* KV cache */
    npu_plan plan;   /* parallel plan of the replica; zeroes = one chip */
} npu_step_cfg;

#define NPU_GRAPH_MAX 48
typedef struct npu_graph {
    npu_kernel k[NPU_GRAPH_MAX];
    int n;
} npu_graph;

/* Fill `g` for one step. -1 + npu_err on an impossible configuration. */
int npu_graph_build(const npu_model *m, const npu_step_cfg *cfg, npu_graph *g);

/* Totals over the step (count-weighted). */
double npu_graph_flops(const npu_graph *g);
double npu_graph_bytes(const npu_graph *g);
double npu_graph_gemm_flops(const npu_graph *g);

/* Standalone kernels for `npusim op`. */
npu_kernel npu_kernel_gemm(const char *name, long m, long n, long k, npu_dtype wdt, npu_dtype adt);
npu_kernel npu_kernel_attention(int batch, int heads, int kv_heads, int head_dim, long q_len,
                                long kv_len, bool causal, npu_dtype adt, npu_dtype kvdt);
npu_kernel npu_kernel_memory(const char *name, npu_kkind kind, double bytes, double flops);

#endif
