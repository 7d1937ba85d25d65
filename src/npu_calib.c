/* npu_calib — Nelder-Mead fit of the efficiency parameters. */
#include "npu_calib.h"
#include "npu_cost.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Physical bounds, npu_eff_names order. */
static const double lo_b[NPU_EFF_NPARAM] = {0.5, 0.2, 0.3, 0.05, 1.0, 0.2, 0.0, 0.0, 0.2, 0.05, 0.5};
static const double hi_b[NPU_EFF_NPARAM] = {30, 10, 1.0, 10, 8.0, 1.0, 0.5, 10, 1.5, 1.0, 1.0};

void npu_calib_bounds(int i, double *lo, double *hi) {
    assert(i >= 0 && i < NPU_EFF_NPARAM);
    *lo = lo_b[i];
    *hi = hi_b[i];
}

typedef struct fit_ctx {
    npu_hw *hw;
    npu_vset *s;
    int evals;
} fit_ctx;

static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* x are log(param + 1e-3) values; params are clamped into their bounds. */
static void apply(npu_hw *hw, const double *x) {
    for (int i = 0; i < NPU_EFF_NPARAM; i++)
        *npu_eff_param(&hw->eff, i) = clampd(exp(x[i]) - 1e-3, lo_b[i], hi_b[i]);
}

/* The matrix FLOP energy the fitted parameters imply (the derivation of
 * npu_energy.c): a power row's sustained bf16 GEMM must take its measured time at
 * the TDP, so an engine that is faster at full clock runs at a lower clock there
 * and spends more per FLOP. Reported with the fit (it is what makes the sustained
 * GEMM's time per run exact). Not applied inside the fit: there it trades the
 * model rows against that one time (docs/calibration.md, "Energy and the fit").
 * Sets hw->energy's FLOP coefficients; returns the bf16 pJ per FLOP (0: no power row). */
static double consistent_energy(npu_hw *hw, const npu_vset *s) {
    for (int i = 0; i < s->n; i++) {
        const npu_vrow *r = &s->rows[i];
        long n;
        if (r->kind != NPU_VF_POWER || r->v[0] <= 0 || sscanf(r->tag, "gemm_bf16_%ld", &n) != 1) continue;
        double t_meas = r->v[0] * 1e-9;
        npu_kernel k = npu_kernel_gemm("gemm", n, n, n, NPU_BF16, NPU_BF16);
        npu_kcost kc = npu_cost_kernel(hw, &k, NPU_STANDALONE);
        double f = kc.compute_s / (t_meas - kc.overhead_s);
        if (!(f > 0.3 && f < 1) || hw->tdp_accel_w <= 0) return 0;
        const npu_energy *e = &hw->energy;
        double dram_w = k.bytes * 8.0 * e->pj_per_dram_bit * 1e-12 / t_meas;
        double arith_j = (hw->tdp_accel_w - e->idle_w - dram_w) * t_meas / (f * f);
        double tm = kc.tile_m > 0 ? kc.tile_m : 128, tn = kc.tile_n > 0 ? kc.tile_n : 128;
        double tile_pj = (tm + tn) * 2.0 / (2.0 * tm * tn) * 8.0 * e->pj_per_sram_bit;
        double pj = arith_j / k.flops * 1e12 - tile_pj;
        if (!(pj > 0)) return 0;
        double scale = pj / e->pj_per_flop[NPU_BF16];
        for (int t = 0; t < NPU_DTYPE_COUNT; t++) hw->energy.pj_per_flop[t] *= scale;
        hw->energy.pj_per_vec_flop *= scale;
        return pj;
    }
    return 0;
}

static double objective(fit_ctx *c, const double *x) {
    apply(c->hw, x);
    c->evals++;
    /* each kind of measurement weighs the same, however many rows it has, so the
     * fit cannot trade the 8 bandwidth rows away for the 100 GEMM rows */
    double sum[NPU_VF_COUNT] = {0}, tot = 0;
    int n[NPU_VF_COUNT] = {0}, kinds = 0;
    for (int i = 0; i < c->s->n; i++) {
        npu_vrow *r = &c->s->rows[i];
        if (r->kind == NPU_VF_POWER) continue;
        double p = npu_validate_predict_row(r, c->hw);
        if (!isfinite(p)) return 1e9;
        sum[r->kind] += fabs(p - r->measured) / r->measured;
        n[r->kind]++;
    }
    for (int k = 0; k < NPU_VF_COUNT; k++)
        if (n[k]) tot += sum[k] / n[k], kinds++;
    return kinds ? 100.0 * tot / kinds : 0;
}

int npu_calib_fit(npu_hw *hw, npu_vset *s, int max_evals, npu_calib_result *out) {
    enum { N = NPU_EFF_NPARAM };
    fit_ctx c = {.hw = hw, .s = s};
    double simplex[N + 1][N], f[N + 1];
    for (int i = 0; i < N; i++) simplex[0][i] = log(*npu_eff_param(&hw->eff, i) + 1e-3);
    out->mape_before_pct = objective(&c, simplex[0]);
    f[0] = out->mape_before_pct;
    for (int restart = 0; restart < 12 && c.evals < max_evals; restart++) {
        for (int v = 1; v <= N; v++) {
            memcpy(simplex[v], simplex[0], sizeof simplex[0]);
            simplex[v][v - 1] += restart % 2 == 0 ? 0.3 : 0.08;
            f[v] = objective(&c, simplex[v]);
        }
        while (c.evals < max_evals) {
            /* order: best first */
            for (int a = 0; a <= N; a++)
                for (int b = a + 1; b <= N; b++)
                    if (f[b] < f[a]) {
                        double t = f[a];
                        f[a] = f[b], f[b] = t;
                        double tmp[N];
                        memcpy(tmp, simplex[a], sizeof tmp);
                        memcpy(simplex[a], simplex[b], sizeof tmp);
                        memcpy(simplex[b], tmp, sizeof tmp);
                    }
            if (f[N] - f[0] < 1e-4) break;
            double cen[N] = {0}, xr[N], xe[N], xc[N];
            for (int v = 0; v < N; v++)
                for (int i = 0; i < N; i++) cen[i] += simplex[v][i] / N;
            for (int i = 0; i < N; i++) xr[i] = cen[i] + (cen[i] - simplex[N][i]);
            double fr = objective(&c, xr);
            if (fr < f[0]) {
                for (int i = 0; i < N; i++) xe[i] = cen[i] + 2 * (cen[i] - simplex[N][i]);
                double fe = objective(&c, xe);
                if (fe < fr) memcpy(simplex[N], xe, sizeof xe), f[N] = fe;
                else memcpy(simplex[N], xr, sizeof xr), f[N] = fr;
            } else if (fr < f[N - 1]) {
                memcpy(simplex[N], xr, sizeof xr), f[N] = fr;
            } else {
                for (int i = 0; i < N; i++) xc[i] = cen[i] + 0.5 * (simplex[N][i] - cen[i]);
                double fc = objective(&c, xc);
                if (fc < f[N]) {
                    memcpy(simplex[N], xc, sizeof xc), f[N] = fc;
                } else { /* shrink towards the best */
                    for (int v = 1; v <= N; v++) {
                        for (int i = 0; i < N; i++) simplex[v][i] = simplex[0][i] + 0.5 * (simplex[v][i] - simplex[0][i]);
                        f[v] = objective(&c, simplex[v]);
                    }
                }
            }
        }
        int best = 0;
        for (int v = 1; v <= N; v++)
            if (f[v] < f[best]) best = v;
        if (best) memcpy(simplex[0], simplex[best], sizeof simplex[0]), f[0] = f[best];
    }
    apply(hw, simplex[0]);
    out->mape_after_pct = objective(&c, simplex[0]);
    out->evaluations = c.evals;
    hw->eff_from_file = true;
    double pj = consistent_energy(hw, s);
    char epj[96] = "";
    if (pj > 0) /* the energy constant to ship with these parameters (npu_energy.c PJ_PER_BF16_FLOP_H100) */
        snprintf(epj, sizeof epj, "; consistent bf16 FLOP energy %.4f pJ at full clock", pj);
    snprintf(hw->eff_source, sizeof hw->eff_source,
             "[D] fitted by npusim calibrate on %d rows: MAPE %.2f%% -> %.2f%%%s", s->n, out->mape_before_pct,
             out->mape_after_pct, epj);
    return 0;
}
