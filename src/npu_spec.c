/* npu_spec — speculative decoding: drafts, verification, acceptance. */
#include "npu_spec.h"
#include "npu_cost.h"
#include "npu_power.h"
#include "npu_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const npu_spec_kind_names[NPU_SPEC_COUNT] = {"none", "mtp", "eagle", "draft"};

/* DeepSeek-V3's MTP module: second-token acceptance 85-90% (arXiv 2412.19437, 5.4.3) [P]. */
#define MTP_RATE 0.87

/* ---------------------------------------------------------------- parsing */

static int parse_count(const char *s, int *n) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > NPU_SPEC_MAX) return -1;
    *n = (int)v;
    return 0;
}

int npu_spec_parse(const char *text, npu_spec *out) {
    memset(out, 0, sizeof *out);
    if (!text || strcmp(text, "none") == 0) return 0;
    const char *colon = strchr(text, ':');
    char kind[16];
    size_t kl = colon ? (size_t)(colon - text) : strlen(text);
    if (kl >= sizeof kind) kl = sizeof kind - 1;
    memcpy(kind, text, kl);
    kind[kl] = 0;
    int k = -1;
    for (int i = 1; i < NPU_SPEC_COUNT; i++)
        if (strcmp(kind, npu_spec_kind_names[i]) == 0) k = i;
    if (k < 0) {
        const char *c = npu_closest(kind, npu_spec_kind_names, NPU_SPEC_COUNT);
        npu_err("--spec: unknown drafter '%s'%s%s%s (mtp:N, eagle:N, draft:MODEL:N or none)", kind,
                c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
        return -1;
    }
    out->kind = (npu_spec_kind)k;
    const char *num = colon ? strrchr(text, ':') + 1 : "";
    if (out->kind == NPU_SPEC_DRAFT) {
        const char *last = strrchr(text, ':');
        if (!colon || last == colon) {
            npu_err("--spec draft needs a model and a draft length: draft:MODEL:N (e.g. draft:llama3.2-1b:4)");
            return -1;
        }
        char name[1024];
        size_t nl = (size_t)(last - colon - 1);
        if (nl == 0 || nl >= sizeof name) {
            npu_err("--spec: the draft model name in '%s' is empty or too long", text);
            return -1;
        }
        memcpy(name, colon + 1, nl);
        name[nl] = 0;
        if (parse_count(num, &out->n)) {
            npu_err("--spec: draft length '%s' must be an integer in 1..%d", num, NPU_SPEC_MAX);
            return -1;
        }
        if (npu_model_load(name, &out->draft)) {
            char m[300];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("--spec draft model: %s", m);
            return -1;
        }
        return 0;
    }
    if (!colon || parse_count(num, &out->n)) {
        npu_err("--spec %s needs a draft length in 1..%d: %s:N", kind, NPU_SPEC_MAX, kind);
        return -1;
    }
    if (out->kind == NPU_SPEC_MTP) {
        for (int i = 0; i < out->n; i++) out->rate[i] = MTP_RATE;
        out->rate_set = out->rate_mtp_default = true;
    }
    return 0;
}

static int parse_unit(const char *s, char **end, double *v) {
    errno = 0;
    *v = strtod(s, end);
    return errno || *end == s || !isfinite(*v) ? -1 : 0;
}

/* The constant rate a with a + a^2 + ... + a^n = mean (bisection: the sum rises with a). */
static double rate_for_mean(double mean, int n) {
    double lo = 0, hi = 1;
    for (int it = 0; it < 200; it++) {
        double a = (lo + hi) / 2, sum = 0, p = 1;
        for (int i = 0; i < n; i++) p *= a, sum += p;
        if (sum < mean) lo = a;
        else hi = a;
    }
    return (lo + hi) / 2;
}

int npu_spec_accept(npu_spec *s, const char *text) {
    if (s->kind == NPU_SPEC_NONE) {
        npu_err("--spec-accept needs --spec");
        return -1;
    }
    char *end;
    double v;
    if (strncmp(text, "rate:", 5) == 0) {
        if (parse_unit(text + 5, &end, &v) || *end || v < 0 || v > 1) {
            npu_err("--spec-accept rate:A: A must be a number in [0, 1], not '%s'", text + 5);
            return -1;
        }
        for (int i = 0; i < s->n; i++) s->rate[i] = v;
        s->rate_set = true, s->rate_mtp_default = false;
        return 0;
    }
    if (!strchr(text, ',')) {
        if (parse_unit(text, &end, &v) || *end || v < 0 || v > s->n) {
            npu_err("--spec-accept: '%s' is not a mean number of accepted drafts in [0, %d] (N of --spec), "
                    "rate:A or a list of %d rates", text, s->n, s->n);
            return -1;
        }
        double a = rate_for_mean(v, s->n);
        for (int i = 0; i < s->n; i++) s->rate[i] = a;
        s->rate_set = true, s->rate_mtp_default = false;
        return 0;
    }
    const char *p = text;
    int k = 0;
    double r[NPU_SPEC_MAX + 1];
    for (;;) {
        if (k > NPU_SPEC_MAX || parse_unit(p, &end, &r[k]) || r[k] < 0 || r[k] > 1 || (*end && *end != ',')) {
            npu_err("--spec-accept: '%s' is not a list of rates in [0, 1]", text);
            return -1;
        }
        k++;
        if (!*end) break;
        p = end + 1;
    }
    if (k != s->n) {
        npu_err("--spec-accept lists %d rates; --spec drafts %d tokens (one rate per position)", k, s->n);
        return -1;
    }
    memcpy(s->rate, r, k * sizeof *r);
    s->rate_set = true, s->rate_mtp_default = false;
    return 0;
}

int npu_spec_check(const npu_spec *s) {
    if ((unsigned)s->kind >= NPU_SPEC_COUNT) return npu_err("unknown speculative decoding kind %d", (int)s->kind), -1;
    if (s->kind == NPU_SPEC_NONE) return 0;
    if (s->n < 1 || s->n > NPU_SPEC_MAX) return npu_err("--spec: draft length must be in 1..%d", NPU_SPEC_MAX), -1;
    if (!s->rate_set)
        return npu_err("--spec %s needs --spec-accept (mean accepted drafts, rate:A or per-position rates)",
                       npu_spec_kind_names[s->kind]),
               -1;
    for (int i = 0; i < s->n; i++)
        if (!(s->rate[i] >= 0 && s->rate[i] <= 1)) return npu_err("--spec-accept: rates must be in [0, 1]"), -1;
    return 0;
}

double npu_spec_accept_mean(const npu_spec *s) {
    if (s->kind == NPU_SPEC_NONE) return 0;
    double sum = 0, p = 1;
    for (int i = 0; i < s->n; i++) p *= s->rate[i], sum += p;
    return sum;
}

double npu_spec_tokens_per_step(const npu_spec *s) { return npu_spec_accept_mean(s) + 1; }

int npu_spec_sample(const npu_spec *s, npu_rng *rng) {
    int a = 0;
    while (a < s->n && npu_rng_uniform(rng) < s->rate[a]) a++;
    return a;
}

/* ---------------------------------------------------------------- memory */

double npu_spec_kv_ratio(const npu_spec *s, const npu_model *target) {
    switch (s->kind) {
    case NPU_SPEC_MTP:
    case NPU_SPEC_EAGLE: return 1.0 / target->layers;
    case NPU_SPEC_DRAFT: return npu_model_kv_bytes_per_token(&s->draft, 2) / npu_model_kv_bytes_per_token(target, 2);
    default: return 0;
    }
}

double npu_spec_weight_bytes(const npu_spec *s, const npu_model *target, npu_plan p, npu_dtype wdt) {
    switch (s->kind) {
    case NPU_SPEC_MTP:
    case NPU_SPEC_EAGLE: return npu_plan_weight_bytes(target, p, wdt) / target->layers;
    case NPU_SPEC_DRAFT: return npu_plan_weight_bytes(&s->draft, p, wdt);
    default: return 0;
    }
}

/* ---------------------------------------------------------------- costs */

struct npu_spec_tabs {
    npu_spec spec;
    const npu_model *m;
    npu_hw hw;
    npu_step_cfg base;
    npu_steptab *draft; /* draft kind */
};

int npu_spec_tabs_create(const npu_spec *s, const npu_model *target, const npu_hw *hw, const npu_step_cfg *base,
                         npu_spec_tabs **out) {
    *out = NULL;
    if (npu_spec_check(s)) return -1;
    if (s->kind == NPU_SPEC_MTP && s->rate_mtp_default && target->mtp_layers == 0) {
        npu_err("--spec mtp: %s has no multi-token-prediction module (mtp_layers 0; DeepSeek's acceptance is "
                "for its own); --spec-accept states the acceptance of the heads you assume",
                target->name);
        return -1;
    }
    npu_spec_tabs *t = npu_xcalloc(1, sizeof *t);
    if (!t) return npu_err("out of memory for speculative decoding"), -1;
    t->spec = *s, t->m = target, t->hw = *hw, t->base = *base;
    if (s->kind == NPU_SPEC_DRAFT) {
        if (npu_plan_check(&t->spec.draft, base->plan) ||
            npu_steptab_create(&t->spec.draft, hw, base, &t->draft)) {
            char m[300];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("--spec draft model %s: %s", s->draft.name, m);
            free(t);
            return -1;
        }
    }
    *out = t;
    return 0;
}

void npu_spec_tabs_free(npu_spec_tabs *t) {
    if (!t) return;
    npu_steptab_free(t->draft);
    free(t);
}

static void acc(npu_step_cost *a, npu_step_cost b, double w) {
    a->time_s += w * b.time_s, a->flops += w * b.flops, a->bytes += w * b.bytes;
    a->compute_j += w * b.compute_j, a->other_j += w * b.other_j, a->cb_s += w * b.cb_s;
    a->comm_s += w * b.comm_s, a->energy_j += w * b.energy_j;
}

/* The 2h -> h projection of mtp/eagle over `rows` tokens, on one chip (split
 * over the tensor-parallel chips like the target's projections). */
static npu_step_cost fc_cost(const npu_spec_tabs *t, double rows) {
    npu_step_cost c = {0};
    if (rows <= 0) return c;
    int tp = t->base.plan.tp > 0 ? t->base.plan.tp : 1;
    long n = t->m->hidden / tp > 0 ? t->m->hidden / tp : 1;
    npu_kernel k = npu_kernel_gemm("spec_fc", (long)ceil(rows), n, 2L * t->m->hidden, t->base.wdt, t->base.adt);
    npu_kcost kc = npu_cost_kernel(&t->hw, &k, NPU_IN_STEP);
    npu_power_kernel(&t->hw, &k, &kc);
    c.time_s = kc.time_s, c.flops = k.flops, c.bytes = k.bytes, c.energy_j = kc.energy_j;
    c.compute_j = kc.compute_j;
    if (kc.bound == NPU_BOUND_COMPUTE) c.cb_s = kc.time_s;
    return c;
}

/* One draft token for B sequences at a total context ctx_sum. */
static npu_step_cost draft_token(npu_spec_tabs *t, npu_steptab *target, int B, double ctx_sum) {
    npu_step_cost c = {0};
    npu_step_shape d = {.dec_batch = B, .dec_ctx_sum = ctx_sum, .emit = B};
    if (t->spec.kind == NPU_SPEC_DRAFT) return npu_steptab_cost(t->draft, &d);
    npu_step_cost with_head = npu_steptab_cost(target, &d);
    d.emit = 0;
    npu_step_cost body = npu_steptab_cost(target, &d);
    acc(&c, body, 1.0 / t->m->layers);  /* one block of the target's kind */
    acc(&c, with_head, 1.0), acc(&c, body, -1.0); /* the shared LM head over B rows */
    acc(&c, fc_cost(t, B), 1.0);
    return c;
}

/* The drafter's work on the step's prompt chunks (its own KV cache). */
static npu_step_cost draft_prompts(npu_spec_tabs *t, npu_steptab *target, const npu_step_shape *sh) {
    npu_step_cost c = {0};
    if (sh->pf_n <= 0) return c;
    npu_step_shape p = {.pf_n = sh->pf_n, .pf_tokens = sh->pf_tokens, .pf_ctx_sum = sh->pf_ctx_sum};
    if (t->spec.kind == NPU_SPEC_DRAFT) return npu_steptab_cost(t->draft, &p);
    acc(&c, npu_steptab_cost(target, &p), 1.0 / t->m->layers);
    acc(&c, fc_cost(t, (double)sh->pf_tokens), 1.0);
    return c;
}

npu_step_cost npu_spec_step_cost(npu_spec_tabs *t, npu_steptab *target, const npu_step_shape *sh) {
    npu_step_cost c = npu_steptab_cost(target, sh);
    if (t->spec.kind == NPU_SPEC_NONE) return c;
    int B = sh->dec_batch, n1 = t->spec.n + 1;
    if (B > 0) {
        /* the decodes become verifications of n + 1 tokens each: causal over the
         * cached context, logits at every position */
        npu_step_shape dec = {.dec_batch = B, .dec_ctx_sum = sh->dec_ctx_sum, .emit = B};
        npu_step_shape ver = {.pf_n = B, .pf_tokens = (long)B * n1, .pf_ctx_sum = sh->dec_ctx_sum, .emit = B * n1};
        if (sh->pf_n == 0 && sh->emit == B) {
            c = npu_steptab_cost(target, &ver);
        } else { /* prompts in the step too: swap the decodes' share for the verification's */
            acc(&c, npu_steptab_cost(target, &dec), -1.0);
            acc(&c, npu_steptab_cost(target, &ver), 1.0);
        }
        /* n draft tokens in sequence, the context one longer each time */
        for (int j = 0; j < t->spec.n; j++) acc(&c, draft_token(t, target, B, sh->dec_ctx_sum + (double)j * B), 1.0);
    }
    acc(&c, draft_prompts(t, target, sh), 1.0);
    return c;
}

/* ---------------------------------------------------------------- npusim run */

int npu_spec_run(const npu_model *m, const npu_hw *hw, const npu_run_cfg *c, const npu_spec *s, npu_run_result *r) {
    if (npu_run(m, hw, c, r)) return -1;
    if (s->kind == NPU_SPEC_NONE) return 0;
    if (npu_spec_check(s)) return -1;
    npu_step_cfg base = {.stack = c->stack, .wdt = c->wdt, .adt = c->adt, .kvdt = c->kvdt, .hdt = c->hdt,
                         .edt = c->edt, .plan = c->plan, .moe_skew = c->moe_skew};
    npu_steptab *tab;
    npu_spec_tabs *st;
    if (npu_steptab_create(m, hw, &base, &tab)) return -1;
    if (npu_spec_tabs_create(s, m, hw, &base, &st)) {
        npu_steptab_free(tab);
        return -1;
    }
    double tps = npu_spec_tokens_per_step(s);
    int B = r->batch;
    /* a decode step's extra time at the context the phase reports */
    double ctx = c->phase == NPU_RUN_DECODE ? (double)c->ctx
               : c->phase == NPU_RUN_OFFLINE ? c->input + c->output / 2.0 : c->input + c->output / 2.0;
    npu_step_shape d = {.dec_batch = B, .dec_ctx_sum = ctx * B, .emit = B};
    npu_step_cost plain = npu_steptab_cost(tab, &d), spec = npu_spec_step_cost(st, tab, &d);
    double extra_s = spec.time_s - plain.time_s, extra_j = (spec.energy_j - plain.energy_j) * r->chips;
    /* the drafter's share of the prompt pass */
    long seq = c->phase == NPU_RUN_PREFILL ? c->seq : c->input;
    npu_step_shape p = {.pf_n = B, .pf_tokens = (long)B * seq, .emit = 0};
    npu_step_cost pp = npu_spec_step_cost(st, tab, &p), pb = npu_steptab_cost(tab, &p);
    double pf_extra_s = pp.time_s - pb.time_s, pf_extra_j = (pp.energy_j - pb.energy_j) * r->chips;
    switch (c->phase) {
    case NPU_RUN_PREFILL:
        r->latency_s += pf_extra_s, r->ttft_s = r->latency_s;
        r->tokens_per_s = (double)B * c->seq / r->latency_s;
        r->energy_j += pf_extra_j, r->prefill_energy_j += pf_extra_j;
        r->energy_j_per_token = r->energy_j / ((double)B * c->seq);
        break;
    case NPU_RUN_DECODE: /* one verify step; its tokens */
        r->latency_s += extra_s;
        r->tpot_s = r->latency_s / tps;
        r->tokens_per_s = B * tps / r->latency_s;
        r->energy_j += extra_j, r->decode_energy_j = r->energy_j;
        r->energy_j_per_token = r->energy_j / (B * tps);
        break;
    case NPU_RUN_E2E: {
        double steps = (c->output - 1) / tps; /* expected decode steps after the first token */
        double dec_s = c->output > 1 ? (r->tpot_s + extra_s) * steps : 0;
        double dec_j = c->output > 1 ? r->decode_energy_j / (c->output - 1) * steps + extra_j * steps : 0;
        r->ttft_s += pf_extra_s;
        r->prefill_energy_j += pf_extra_j;
        r->latency_s = r->ttft_s + dec_s;
        r->tpot_s = c->output > 1 ? dec_s / (c->output - 1) : 0;
        r->decode_energy_j = dec_j;
        r->energy_j = r->prefill_energy_j + r->decode_energy_j;
        r->tokens_per_s = (double)B * c->output / r->latency_s;
        r->energy_j_per_token = r->energy_j / ((double)B * c->output);
        r->power_w = r->energy_j / (r->chips * r->latency_s);
        break;
    }
    default: { /* offline: the steady-state step verifies, and B x tps tokens leave per step */
        double t = r->tpot_s + extra_s;
        r->tpot_s = t / tps;
        r->tokens_per_s = B * tps / t;
        r->energy_j += extra_j, r->decode_energy_j = r->energy_j;
        r->energy_j_per_token = r->energy_j / (B * tps);
        r->power_w = r->energy_j / (r->chips * t);
        r->latency_s = r->ttft_s + (c->output - 1) * r->tpot_s;
        break;
    }
    }
    npu_spec_tabs_free(st);
    npu_steptab_free(tab);
    return 0;
}
