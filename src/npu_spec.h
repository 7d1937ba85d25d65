/* npu_spec — speculative decoding as a mechanism. A cheap drafter proposes N
 * tokens per sequence, the target model verifies them in one step of N + 1
 * tokens per sequence, and the sequence keeps the accepted prefix plus one token
 * of its own (the correction or bonus token): 1 + A tokens per step, A the
 * accepted drafts (Leviathan et al. 2023, arXiv 2211.17192 [P]).
 *
 * Drafters:
 *   mtp:N    DeepSeek-V3/R1 multi-token prediction module: an input projection
 *            (2h -> h), one transformer block of the target's kind and the
 *            target's shared output head, run N times in sequence (DeepSeek-V3
 *            Technical Report, arXiv 2412.19437, section 2.2 [P]); its block has a
 *            KV cache of its own
 *   eagle:N  EAGLE head: a fully connected layer (2h -> h) over the target's
 *            features and one decoder layer, then the target's LM head, run N
 *            times (Li et al. 2024, arXiv 2401.15077 [P]); chain drafts, no tree
 *   draft:MODEL:N  a separate small model decoding N tokens (any model preset or
 *            file), with its own weights and KV cache
 *
 * Cost of a decode step over B sequences at context c (step_cost):
 *   verify   the target runs B sequences x (N + 1) tokens, causal among them,
 *            over c cached tokens, and its LM head over all B (N + 1) positions
 *   draft    N x [one target layer at B rows (the step's dense and attention
 *            work / layers) + the LM head over B rows + the 2h -> h GEMM] for
 *            mtp/eagle; N decode steps of the draft model for draft
 *   prompts  the drafter also reads every prompt (its KV cache): one layer's
 *            share of the prompt work (mtp/eagle), the draft model's prefill (draft)
 * At small batch the verify step costs about what a decode step costs (weights
 * are read once either way) and each step yields 1 + A tokens; as the batch grows
 * the step becomes compute-bound, verifying N + 1 tokens costs ~N + 1 decode
 * steps, and speculation loses throughput: the batch dependence is the core
 * model's, not a factor.
 *
 * Acceptance (--spec-accept): a mean number of accepted drafts R (0 <= R <= N;
 * one rate a for every position with a + a^2 + ... + a^N = R), "rate:A" (the
 * same conditional rate A at every position), or a list of N per-position rates
 * a_1..a_N, a_i = P(draft i accepted | drafts before it accepted). Expected
 * accepted drafts E[A] = sum_i prod_{j <= i} a_j; tokens per step = E[A] + 1. */
#ifndef NPU_SPEC_H
#define NPU_SPEC_H

#include "npu_hw.h"
#include "npu_model.h"
#include "npu_plan.h"
#include "npu_step.h"
#include "npu_steptab.h"
#include "npu_workload.h"

typedef enum { NPU_SPEC_NONE = 0, NPU_SPEC_MTP, NPU_SPEC_EAGLE, NPU_SPEC_DRAFT, NPU_SPEC_COUNT } npu_spec_kind;
extern const char *const npu_spec_kind_names[NPU_SPEC_COUNT]; /* "none", "mtp", "eagle", "draft" */

#define NPU_SPEC_MAX 16 /* draft tokens per step, at most */

typedef struct npu_spec {
    npu_spec_kind kind;
    int n;                     /* draft tokens per step, 1..NPU_SPEC_MAX */
    double rate[NPU_SPEC_MAX]; /* P(draft i accepted | the drafts before it accepted) */
    bool rate_set;             /* an acceptance was given (npu_spec_accept) */
    bool rate_mtp_default;     /* mtp's rate is DeepSeek's (no --spec-accept): only for a model with an
                                * MTP module (npu_model.mtp_layers > 0), npu_spec_tabs_create checks */
    npu_model draft;           /* draft: the draft model */
} npu_spec;

/* "none", "mtp:N", "eagle:N" or "draft:MODEL:N" (MODEL a preset or a file; it is
 * loaded). mtp starts with the rate DeepSeek reports for its MTP module's second
 * token, 0.87 at every position ([P] arXiv 2412.19437 section 5.4.3: 85-90%; the
 * same rate beyond the first position is [E]); eagle and draft need
 * npu_spec_accept. -1 + npu_err naming --spec on a bad spec. */
int npu_spec_parse(const char *text, npu_spec *out);
/* Acceptance from text (see above). -1 + npu_err naming --spec-accept. */
int npu_spec_accept(npu_spec *s, const char *text);
/* -1 + npu_err when a kind other than none lacks an acceptance. */
int npu_spec_check(const npu_spec *s);

double npu_spec_accept_mean(const npu_spec *s);     /* E[A], accepted drafts per step */
double npu_spec_tokens_per_step(const npu_spec *s); /* E[A] + 1 (1 without speculation) */
/* Accepted drafts of one sequence in one step (0..n), drawn from the rates. */
int npu_spec_sample(const npu_spec *s, npu_rng *rng);

/* KV bytes per token the drafter keeps, as a share of the target's (mtp/eagle:
 * one layer of the target's kind, 1 / layers; draft: the draft model's KV bytes
 * per token / the target's); 0 without speculation. */
double npu_spec_kv_ratio(const npu_spec *s, const npu_model *target);
/* The drafter's weights on one chip of the plan: mtp/eagle one layer's share of
 * the target's (weights / layers, [E]: the block is a target layer, the head is
 * shared), draft the draft model's under the same plan. */
double npu_spec_weight_bytes(const npu_spec *s, const npu_model *target, npu_plan p, npu_dtype wdt);

/* Step costs with speculation: the draft model's step table (draft kind) and the
 * replica's shapes. */
typedef struct npu_spec_tabs npu_spec_tabs;
int npu_spec_tabs_create(const npu_spec *s, const npu_model *target, const npu_hw *hw, const npu_step_cfg *base,
                         npu_spec_tabs **out);
void npu_spec_tabs_free(npu_spec_tabs *t);
/* The step `sh` of the target's table with every decode speculating: verify +
 * draft + the drafter's share of the step's prompt chunks (above). Without
 * decodes: the step plus the drafter's prompt work. */
npu_step_cost npu_spec_step_cost(npu_spec_tabs *t, npu_steptab *target, const npu_step_shape *sh);

/* `npusim run` with speculative decoding: npu_run, then every decode step
 * verifies and drafts (npu_spec_step_cost of a uniform decode batch at the mean
 * context, added to each decode step as the difference from a plain decode step),
 * and yields npu_spec_tokens_per_step tokens per sequence; the prompt pass adds
 * the drafter's prompt work. prefill: the drafter's prompt work added; decode: one
 * step and its tokens; e2e: (output - 1) / tokens_per_step decode steps; offline:
 * the steady-state step. A spec of kind none is npu_run itself. */
int npu_spec_run(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, const npu_spec *s, npu_run_result *r);

#endif
