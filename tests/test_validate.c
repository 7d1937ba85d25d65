/* Unit tests: measurement CSV readers and the efficiency fitter. */
#include "testutil.h"
#include "npu_all.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *write_tmp(const char *name, const char *text) {
    static char path[256];
    snprintf(path, sizeof path, "build/tests/%s", name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_read_gemm_csv(void **st) {
    (void)st;
    const char *p = write_tmp("g.csv", "hw,dtype,m,n,k,ms,shape_name\r\nh100-sxm,bf16,1,4096,4096,0.0236,x\r\n"
                                       "h100-sxm,fp8,64,8192,8192,0.05,y\r\n");
    npu_vset s = {0};
    assert_int_equal(npu_validate_load(&s, p), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.rows[1].v[0], 64);
    assert_string_equal(s.rows[1].tag, "fp8");
    assert_true(fabs(s.rows[0].measured - 0.0236) < 1e-12);
    assert_int_equal(npu_validate_predict(&s, NULL), 0);
    assert_true(s.rows[0].predicted > 0);
    npu_validate_free(&s);
}

static void test_read_errors_name_file_and_line(void **st) {
    (void)st;
    npu_vset s = {0};
    const char *p = write_tmp("bad1.csv", "hw,dtype,m,n,k,ms,shape_name\nh100-sxm,bf16,1,4096,4096,0.02,x\nh100-sxm,bf16,1,4096\n");
    assert_int_equal(npu_validate_load(&s, p), -1);
    assert_non_null(strstr(npu_errmsg(), "bad1.csv:3"));
    npu_validate_free(&s);
    p = write_tmp("bad2.csv", "hw,phase,batch,heads,kv_heads,head_dim,seq,ctx,causal,ms\nh100-sxm,prefill,1,32,8,128,abc,0,1,0.1\n");
    assert_int_equal(npu_validate_load(&s, p), -1);
    assert_non_null(strstr(npu_errmsg(), "bad2.csv:2"));
    npu_validate_free(&s);
    p = write_tmp("bad3.csv", "a,b,c\n1,2,3\n");
    assert_int_equal(npu_validate_load(&s, p), -1);
    assert_non_null(strstr(npu_errmsg(), "unrecognised header"));
    npu_validate_free(&s);
    p = write_tmp("bad4.csv", "hw,dtype,m,n,k,ms,shape_name\nh100-smx,bf16,1,4096,4096,0.02,x\n");
    assert_int_equal(npu_validate_load(&s, p), 0);
    assert_int_equal(npu_validate_predict(&s, NULL), -1);
    assert_non_null(strstr(npu_errmsg(), "bad4.csv:2"));
    npu_validate_free(&s);
}

static void add_row(npu_vset *s, npu_vkind kind, const char *tag, long a, long b, long c) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->rows = realloc(s->rows, (size_t)s->cap * sizeof *s->rows);
    }
    npu_vrow r = {.kind = kind, .v = {a, b, c}};
    strcpy(r.tag, tag);
    strcpy(r.hw, "synthetic");
    s->rows[s->n++] = r;
}

/* Data generated with known parameters; the fitter, started from the defaults,
 * must find parameters that reproduce it and recover the identifiable ones. */
static void test_fitter_recovers_known_parameters(void **st) {
    (void)st;
    npu_hw truth, fit;
    assert_int_equal(npu_hw_load("h100-sxm", &truth), 0);
    truth.eff.mem_eff = 0.80;
    truth.eff.matrix_eff = 0.62;
    truth.eff.launch_us = 4.0;
    truth.eff.gemm_mem_eff = 0.9;
    npu_vset s = {0};
    s.n_files = 1;
    /* varied K separates per-wave fixed costs from the matrix rate */
    long nk[][2] = {{4096, 4096}, {14336, 4096}, {28672, 4096}, {4096, 16384}, {8192, 1024}, {6144, 65536}};
    for (long M = 1; M <= 16384; M *= 4)
        for (int i = 0; i < 6; i++) add_row(&s, NPU_VF_GEMM, "bf16", M, nk[i][0], nk[i][1]);
    for (long b = 1 << 21; b <= 1L << 33; b *= 4) add_row(&s, NPU_VF_BW, "copy", b, 0, 0);
    for (int i = 0; i < s.n; i++) s.rows[i].measured = npu_validate_predict_row(&s.rows[i], &truth);
    assert_int_equal(npu_hw_load("h100-sxm", &fit), 0);
    npu_calib_result cr;
    assert_int_equal(npu_calib_fit(&fit, &s, 20000, &cr), 0);
    assert_true(cr.mape_before_pct > 3.0);
    assert_true(cr.mape_after_pct < 1.0);
    assert_true(fabs(fit.eff.mem_eff / 0.80 - 1) < 0.03);
    fprintf(stderr, "fit: mape %.3f -> %.3f, mem_eff %.4f matrix_eff %.4f launch %.3f tile_pen %.3f wave %.3f\n", cr.mape_before_pct, cr.mape_after_pct, fit.eff.mem_eff, fit.eff.matrix_eff, fit.eff.launch_us, fit.eff.tile_pen, fit.eff.wave_us);
    assert_true(fabs(fit.eff.matrix_eff / 0.62 - 1) < 0.03);
    assert_true(fabs(fit.eff.launch_us / 4.0 - 1) < 0.10);
    free(s.rows);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_gemm_csv),
        cmocka_unit_test(test_read_errors_name_file_and_line),
        cmocka_unit_test(test_fitter_recovers_known_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
