/* npusim — command-line front end. Each subcommand parses its options, calls the
 * library, and prints a table (default), JSON (--json) or CSV (--csv).
 * User errors print one line on stderr and exit 2. */
#include "args.h"
#include "cmds.h"
#include "npusim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_fail(void) {
    fprintf(stderr, "npusim: %s\n", npu_errmsg());
    return 2;
}

static void usage(FILE *out) {
    fputs("usage: npusim COMMAND [options]\n\n"
          "  run --model M --hw H --phase prefill|decode|e2e|offline --batch B [--seq S | --ctx L | --input I --output O]\n"
          "      (offline: in-flight-batching steady state; --batch = requests in flight, default: what fits)\n"
          "      [--stack fused|eager] [--dtype bf16|fp16|fp8|int8|int4] [--act-dtype T] [--kv-dtype T] [--json|--csv]\n"
          "      [--tp N] [--pp N] [--ep N] [--dp N] [--cp N] [--moe-skew S] [--engine trtllm|mlperf|ideal]\n"
          "      [--tco [--chip-price USD] [--pue X] [--usd-per-kwh X] [--lifetime-years N] [--server-overhead F]]\n"
          "  plan --model M --hw H --chips N [--input I --output O] [--max-ttft MS] [--max-tpot MS] [--dtype T] [--json]\n"
          "  cost --hw H [--process P|FILE.json] [--volume N] [--yield-model negbin|poisson|murphy|seeds] [--alpha A]\n"
          "      [--d0 D] [--wafer-usd X] [--package auto|organic|cowos-s|cowos-l] [--nre-usd X] [--estimate-area] [--json]\n"
          "  op gemm --hw H --m M --n N --k K [--dtype T] [--act-dtype T] [--json]\n"
          "  op attention --hw H --phase prefill|decode --batch B --heads N --kv-heads K --head-dim D (--seq S | --ctx L) [--json]\n"
          "  op copy --hw H --bytes X [--json]\n"
          "  op allreduce|allgather|reducescatter|alltoall --hw H --chips N --bytes X|FROM..TO [--json]\n"
          "  list models|hw|memory|process\n"
          "  show model|hw NAME\n"
          "  validate PATH... [--hw H] [--verbose] [--json] [--max-mape P]\n"
          "  calibrate --hw BASE --data DIR -o OUT.json [--json]\n"
          "  report RESULT.json|SWEEP.csv|SWEEP.sqlite -o FILE.html   (HTML report; also --html FILE on run and serve)\n"
          "  serve --model M --hw H [--tp N] [--dtype T] [--replicas R] [--router rr|least-requests|least-kv]\n"
          "      [--scheduler static|continuous|chunked|disagg] [--max-seqs N] [--max-batched-tokens N] [--chunk T]\n"
          "      [--block-size 16] [--kv-mem-frac 0.9] [--prefix-share F] [--step-overhead-us U]\n"
          "      [--prefill-hw H2 --prefill-tp N --prefill-replicas N --decode-replicas N]\n"
          "      (--rate R [--arrival poisson|gamma --burstiness CV] | --arrival offline | --concurrency C | --trace FILE)\n"
          "      --input I|DIST --output O|DIST [--requests N] [--seed S] [--slo-ttft MS] [--slo-tpot MS]\n"
          "      [--find-max-rate] [--target-rate R] [--requests-out FILE] [--json]   (docs/serving.md)\n\n"
          "M and H are a preset name (npusim list) or a JSON file; models also load from a\n"
          "HuggingFace config.json. Docs: README.md, docs/.\n",
          out);
}

/* Default activation and KV datatypes for a weight datatype: fp8 and int8 run
 * the GEMMs in that type (W8A8); int4 is weight-only (W4A16). */
static npu_dtype default_act(npu_dtype w) {
    return w == NPU_FP8 || w == NPU_INT8 ? w : w == NPU_INT4 ? NPU_BF16 : w;
}

int cli_dtypes(const cli_opt *o, int n, npu_dtype *w, npu_dtype *a, npu_dtype *kv) {
    const char *s;
    *w = NPU_BF16;
    if ((s = cli_get(o, n, "dtype")) && npu_dtype_parse(s, w)) return -1;
    *a = default_act(*w);
    if ((s = cli_get(o, n, "act-dtype")) && npu_dtype_parse(s, a)) return -1;
    *kv = *w == NPU_FP16 ? NPU_FP16 : NPU_BF16;
    if ((s = cli_get(o, n, "kv-dtype")) && npu_dtype_parse(s, kv)) return -1;
    return 0;
}

int cli_plan(const cli_opt *o, int n, npu_plan *p) {
    long v[5] = {1, 1, 1, 1, 1};
    static const char *const names[5] = {"tp", "pp", "ep", "dp", "cp"};
    for (int i = 0; i < 5; i++) {
        if (cli_long(o, n, names[i], &v[i], false, 1)) return -1;
        if (v[i] > 4096) {
            npu_err("option '--%s': %ld is too large", names[i], v[i]);
            return -1;
        }
    }
    *p = (npu_plan){(int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4]};
    return 0;
}

int cli_pick(const char *s, const char *const *names, int n, const char *what) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    const char *c = npu_closest(s, names, (size_t)n);
    npu_err("unknown %s '%s'%s%s%s", what, s, c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
    return -1;
}

static int cmd_run(int argc, char **argv) {
    cli_opt o[] = {{"model", 1, 0}, {"hw", 1, 0},     {"phase", 1, 0},     {"batch", 1, 0},
                   {"seq", 1, 0},   {"ctx", 1, 0},    {"input", 1, 0},     {"output", 1, 0},
                   {"stack", 1, 0}, {"dtype", 1, 0},  {"act-dtype", 1, 0}, {"kv-dtype", 1, 0},
                   {"json", 0, 0},  {"csv", 0, 0},    {"tp", 1, 0},        {"pp", 1, 0},
                   {"ep", 1, 0},    {"dp", 1, 0},     {"cp", 1, 0},        {"moe-skew", 1, 0},
                   {"engine", 1, 0}, CLI_TCO_OPTS, {"html", 1, 0} /* issue 14 */};
    int n = (int)NPU_ARRAY_LEN(o), npos;
    const char *pos[1];
    if (cli_parse(argc, argv, 2, o, n, pos, 0, &npos)) return cli_fail();
    const char *ms = cli_get(o, n, "model"), *hs = cli_get(o, n, "hw"), *ps = cli_get(o, n, "phase");
    if (!ms || !hs || !ps) {
        npu_err("run needs --model, --hw and --phase");
        return cli_fail();
    }
    npu_run_cfg c = {0};
    int ph = cli_pick(ps, npu_run_phase_names, NPU_RUN_PHASES, "phase");
    if (ph < 0) return cli_fail();
    c.phase = (npu_run_phase)ph;
    const char *st = cli_get(o, n, "stack");
    int sk = st ? cli_pick(st, npu_stack_names, 2, "stack") : NPU_STACK_FUSED;
    if (sk < 0) return cli_fail();
    c.stack = (npu_stack)sk;
    long batch = 0;
    if (cli_long(o, n, "batch", &batch, c.phase != NPU_RUN_OFFLINE, 1) || batch > 1000000) {
        if (batch > 1000000) npu_err("option '--batch': %ld is too large", batch);
        return cli_fail();
    }
    c.batch = (int)batch;
    bool need_seq = c.phase == NPU_RUN_PREFILL, need_ctx = c.phase == NPU_RUN_DECODE;
    bool need_io = c.phase == NPU_RUN_E2E || c.phase == NPU_RUN_OFFLINE;
    if (cli_long(o, n, "seq", &c.seq, need_seq, 1) || cli_long(o, n, "ctx", &c.ctx, need_ctx, 1) ||
        cli_long(o, n, "input", &c.input, need_io, 1) || cli_long(o, n, "output", &c.output, need_io, 1))
        return cli_fail();
    if (cli_dtypes(o, n, &c.wdt, &c.adt, &c.kvdt) || cli_plan(o, n, &c.plan) ||
        cli_double(o, n, "moe-skew", &c.moe_skew, false, 0))
        return cli_fail();
    npu_engine eng;
    const char *es = cli_get(o, n, "engine");
    if (es) {
        if (npu_engine_find(es, &eng)) return cli_fail();
        c.engine = &eng;
    }
    npu_model m;
    npu_hw hw;
    if (npu_model_load(ms, &m) || npu_hw_load(hs, &hw)) return cli_fail();
    npu_run_result *r = malloc(sizeof *r);
    if (!r || npu_run(&m, &hw, &c, r)) {
        free(r);
        return cli_fail();
    }
    cJSON *tco = NULL; /* stays NULL without --tco */
    if (cli_run_tco(o, n, &hw, &c, r, &tco)) {
        free(r);
        return cli_fail();
    }
    const char *html = cli_get(o, n, "html"); /* issue 14: the HTML report of the --json object */
    if (html) {
        cJSON *j = npu_report_run_json(&m, &hw, &c, r);
        int bad = cli_write_html(html, j, argc, argv);
        cJSON_Delete(j);
        if (bad) {
            cJSON_Delete(tco);
            free(r);
            return cli_fail();
        }
    }
    if (cli_get(o, n, "json")) {
        cJSON *j = npu_report_run_json(&m, &hw, &c, r);
        if (tco) cJSON_AddItemToObject(j, "tco", tco);
        npu_report_print_json(stdout, j);
    } else if (cli_get(o, n, "csv")) npu_report_run_csv(stdout, r);
    else npu_report_run_table(stdout, &m, &hw, &c, r);
    if (tco && !cli_get(o, n, "json")) {
        if (!cli_get(o, n, "csv")) cli_print_tco(tco);
        cJSON_Delete(tco);
    }
    free(r);
    return 0;
}

static int cmd_op(int argc, char **argv) {
    static const char *const ops[] = {"gemm", "attention", "copy", "allreduce", "allgather", "reducescatter", "alltoall"};
    if (argc < 3) {
        npu_err("op needs a kind: gemm, attention, copy, allreduce, allgather, reducescatter or alltoall");
        return cli_fail();
    }
    int which = cli_pick(argv[2], ops, (int)NPU_ARRAY_LEN(ops), "op");
    if (which < 0) return cli_fail();
    if (which >= 3) return cmd_op_comm(argc, argv);
    cli_opt o[] = {{"hw", 1, 0},       {"m", 1, 0},        {"n", 1, 0},        {"k", 1, 0},
                   {"dtype", 1, 0},    {"act-dtype", 1, 0}, {"kv-dtype", 1, 0}, {"phase", 1, 0},
                   {"batch", 1, 0},    {"heads", 1, 0},    {"kv-heads", 1, 0}, {"head-dim", 1, 0},
                   {"seq", 1, 0},      {"ctx", 1, 0},      {"bytes", 1, 0},    {"json", 0, 0}};
    int n = (int)NPU_ARRAY_LEN(o), npos;
    const char *pos[1];
    if (cli_parse(argc, argv, 3, o, n, pos, 0, &npos)) return cli_fail();
    const char *hs = cli_get(o, n, "hw");
    if (!hs) {
        npu_err("op needs --hw");
        return cli_fail();
    }
    npu_hw hw;
    npu_dtype w, a, kv;
    if (cli_dtypes(o, n, &w, &a, &kv)) return cli_fail();
    npu_kernel k;
    if (which == 0) {
        long M, N, K;
        if (cli_long(o, n, "m", &M, true, 1) || cli_long(o, n, "n", &N, true, 1) || cli_long(o, n, "k", &K, true, 1))
            return cli_fail();
        k = npu_kernel_gemm("gemm", M, N, K, w, a);
    } else if (which == 1) {
        static const char *const phases[] = {"prefill", "decode"};
        const char *ps = cli_get(o, n, "phase");
        if (!ps) {
            npu_err("op attention needs --phase prefill|decode");
            return cli_fail();
        }
        int ph = cli_pick(ps, phases, 2, "phase");
        long B, H, KV = 0, D = 128, S = 0, L = 0;
        if (ph < 0 || cli_long(o, n, "batch", &B, true, 1) || cli_long(o, n, "heads", &H, true, 1) ||
            cli_long(o, n, "kv-heads", &KV, false, 1) || cli_long(o, n, "head-dim", &D, false, 1) ||
            cli_long(o, n, "seq", &S, ph == 0, 1) || cli_long(o, n, "ctx", &L, ph == 1, 1))
            return cli_fail();
        if (!KV) KV = H;
        if (H % KV) {
            npu_err("--heads (%ld) must be a multiple of --kv-heads (%ld)", H, KV);
            return cli_fail();
        }
        k = ph == 0 ? npu_kernel_attention((int)B, (int)H, (int)KV, (int)D, S, S, true, NPU_BF16, kv)
                    : npu_kernel_attention((int)B, (int)H, (int)KV, (int)D, 1, L, false, NPU_BF16, kv);
    } else {
        double bytes;
        if (cli_double(o, n, "bytes", &bytes, true, 1)) return cli_fail();
        k = npu_kernel_memory("copy", NPU_KK_MEMORY, bytes, 0);
    }
    if (npu_hw_load(hs, &hw)) return cli_fail();
    npu_kcost c = npu_cost_kernel(&hw, &k, NPU_STANDALONE);
    if (cli_get(o, n, "json")) npu_report_print_json(stdout, npu_report_op_json(&hw, &k, &c));
    else npu_report_op_table(stdout, &hw, &k, &c);
    return 0;
}

static int cmd_list(int argc, char **argv) {
    static const char *const what[] = {"models", "hw", "memory", "process"};
    int w = argc >= 3 ? cli_pick(argv[2], what, 4, "list") : -1;
    if (argc < 3) npu_err("list needs one of: models, hw, memory, process");
    if (w < 0) return cli_fail();
    if (w == 3) return cmd_list_process();
    if (w == 0) {
        printf("%-18s %6s %7s %6s %4s %7s %8s %10s\n", "model", "layers", "hidden", "heads", "kv", "ffn", "vocab", "params");
        for (int i = 0; i < npu_model_preset_count(); i++) {
            npu_model m;
            if (npu_model_load(npu_model_preset_name(i), &m)) return cli_fail();
            printf("%-18s %6d %7d %6d %4d %7d %8d %9.2fB%s\n", m.name, m.layers, m.hidden, m.heads,
                   m.kv_heads, m.moe.experts ? m.moe.expert_ffn : m.ffn, m.vocab, npu_model_params(&m, false) / 1e9,
                   m.moe.experts ? " (MoE)" : "");
        }
    } else if (w == 1) {
        printf("%-20s %10s %10s %10s %9s %8s %6s  %s\n", "hw", "bf16 TF", "fp8 TF", "int8 TOPS", "mem GB/s", "mem GB", "TDP W", "description");
        for (int i = 0; i < npu_hw_preset_count(); i++) {
            npu_hw h;
            if (npu_hw_load(npu_hw_preset_name(i), &h)) return cli_fail();
            printf("%-20s %10.1f %10.1f %10.1f %9.0f %8.1f %6.0f  %s\n", h.name, npu_hw_peak_flops(&h, NPU_BF16) / 1e12,
                   npu_hw_peak_flops(&h, NPU_FP8) / 1e12, npu_hw_peak_flops(&h, NPU_INT8) / 1e12,
                   h.mem_bw_Bps / 1e9, h.mem_bytes / 1e9, h.tdp_w, h.description);
        }
    } else {
        printf("%-28s %-7s %-10s %8s %8s %9s %10s %8s\n", "memory", "type", "vendor", "Gb/s/pin", "bus bits", "die Gbit", "GB/s/stack", "pJ/bit");
        for (int i = 0; i < npu_memtech_count(); i++) {
            const npu_memtech *t = npu_memtech_at(i);
            printf("%-28s %-7s %-10s %8.2f %8d %9.0f %10.1f %8.2f  heights", t->name, t->type, t->vendor, t->pin_gbps,
                   t->bus_bits, t->die_gbit, npu_memtech_bandwidth_Bps(t, 1, 0) / 1e9, t->pj_per_bit);
            for (int j = 0; j < t->n_heights; j++) printf("%s%d", j ? "/" : " ", t->heights[j]);
            putchar('\n');
        }
    }
    return 0;
}

static int cmd_show(int argc, char **argv) {
    static const char *const what[] = {"model", "hw"};
    if (argc < 4) {
        npu_err("show needs: model NAME or hw NAME");
        return cli_fail();
    }
    int w = cli_pick(argv[2], what, 2, "show");
    if (w < 0) return cli_fail();
    cJSON *j;
    if (w == 0) {
        npu_model m;
        if (npu_model_load(argv[3], &m)) return cli_fail();
        j = npu_model_to_json(&m);
    } else {
        npu_hw h;
        if (npu_hw_load(argv[3], &h)) return cli_fail();
        j = npu_hw_to_json(&h);
    }
    npu_report_print_json(stdout, j);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    static const char *const cmds[] = {"run", "op", "list", "show", "validate", "calibrate", "plan", "serve", "cost", "report"};
    int c = cli_pick(argv[1], cmds, (int)NPU_ARRAY_LEN(cmds), "command");
    switch (c) {
    case 0: return cmd_run(argc, argv);
    case 1: return cmd_op(argc, argv);
    case 2: return cmd_list(argc, argv);
    case 3: return cmd_show(argc, argv);
    case 4: return cmd_validate(argc, argv);
    case 5: return cmd_calibrate(argc, argv);
    case 6: return cmd_plan(argc, argv);
    case 7: return cmd_serve(argc, argv);
    case 8: return cmd_cost(argc, argv);
    case 9: return cmd_report(argc, argv);
    default: return cli_fail();
    }
}
