/* Unit tests: the readers refuse what they cannot represent (issue 10), name
 * file and field, quote file content safely, say why a file cannot be read;
 * the allocator aborts cleanly on out-of-memory (fault injection). */
#include "testutil.h"
#include "npu_json.h"
#include "npu_all.h"

#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *tmp_path(const char *name) {
    static char path[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof path[i], "build/tests/readers-%s", name);
    return path[i];
}

#define WRITE_LIT(name, lit) write_tmp(name, lit, sizeof lit - 1)
static const char *write_tmp(const char *name, const char *text, size_t len) {
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
    return p;
}

static int model_from_text(const char *text, npu_model *m) {
    cJSON *r = npu_json_parse(text, "config.json");
    if (!r) return -1;
    int rc = npu_model_from_json(r, "config.json", m);
    cJSON_Delete(r);
    return rc;
}

static void expect_err(int rc, const char *a, const char *b) {
    assert_int_equal(rc, -1);
    if (!strstr(npu_errmsg(), a) || (b && !strstr(npu_errmsg(), b))) fprintf(stderr, "message: %s\n", npu_errmsg());
    assert_non_null(strstr(npu_errmsg(), a));
    if (b) assert_non_null(strstr(npu_errmsg(), b));
}

#define HF_HEAD "{\"model_type\":\"llama\",\"num_hidden_layers\":2,\"hidden_size\":64,\"num_attention_heads\":4,"
#define HF_TAIL "\"intermediate_size\":128,\"vocab_size\":1000"

/* HF integers: out-of-range, huge and fractional values are errors naming the
 * field (before: valueint saturated them to INT_MAX or cast 1e300, UB). */
static void test_hf_numbers_bounded(void **st) {
    (void)st;
    npu_model m;
    assert_int_equal(model_from_text(HF_HEAD HF_TAIL "}", &m), 0);
    expect_err(model_from_text(HF_HEAD "\"intermediate_size\":128,\"vocab_size\":3e9}", &m), "vocab_size", "at most");
    expect_err(model_from_text(HF_HEAD "\"intermediate_size\":128,\"vocab_size\":9223372036854775808}", &m),
               "vocab_size", NULL);
    expect_err(model_from_text(HF_HEAD HF_TAIL ",\"head_dim\":1e300}", &m), "head_dim", "at most");
    expect_err(model_from_text(HF_HEAD HF_TAIL ",\"head_dim\":3.7}", &m), "head_dim", "integer");
    expect_err(model_from_text(HF_HEAD HF_TAIL ",\"head_dim\":\"64\"}", &m), "head_dim", NULL);
    expect_err(model_from_text(HF_HEAD HF_TAIL ",\"num_key_value_heads\":1e300}", &m), "num_key_value_heads", NULL);
    expect_err(model_from_text(HF_HEAD HF_TAIL ",\"num_key_value_heads\":3}", &m), "num_key_value_heads", NULL);
    expect_err(model_from_text(HF_HEAD HF_TAIL ",\"num_key_value_heads\":0}", &m), "num_key_value_heads", "at least");
    expect_err(model_from_text("{\"model_type\":\"llama\",\"num_hidden_layers\":1e300,\"hidden_size\":64,"
                               "\"num_attention_heads\":4," HF_TAIL "}", &m), "num_hidden_layers", NULL);
    expect_err(model_from_text(HF_HEAD "\"intermediate_size\":-5,\"vocab_size\":1000}", &m), "intermediate_size", NULL);
    /* GPT-2 / OPT fields too */
    expect_err(model_from_text("{\"model_type\":\"gpt2\",\"n_layer\":2,\"n_embd\":64,\"n_head\":4,\"vocab_size\":100,"
                               "\"n_positions\":-1}", &m), "n_positions", NULL);
    expect_err(model_from_text("{\"model_type\":\"gpt2\",\"n_layer\":2,\"n_embd\":64,\"n_head\":4,\"vocab_size\":100,"
                               "\"n_inner\":4294967296}", &m), "n_inner", NULL);
}

/* max_position_embeddings and sliding_window: zero or negative refused, HF
 * conventions for "no window" kept. */
static void test_hf_positions_and_windows(void **st) {
    (void)st;
    npu_model m;
    expect_err(model_from_text(HF_HEAD HF_TAIL ",\"max_position_embeddings\":0}", &m), "max_position_embeddings",
               "at least 1");
    expect_err(model_from_text(HF_HEAD HF_TAIL ",\"max_position_embeddings\":-4096}", &m), "max_position_embeddings",
               NULL);
    assert_int_equal(model_from_text(HF_HEAD HF_TAIL ",\"max_position_embeddings\":null}", &m), 0);
    assert_int_equal(m.max_seq, 4096);
#define MISTRAL "{\"model_type\":\"mistral\",\"num_hidden_layers\":2,\"hidden_size\":64,\"num_attention_heads\":4," HF_TAIL
    assert_int_equal(model_from_text(MISTRAL ",\"sliding_window\":4096}", &m), 0); /* Mistral-7B-v0.1 */
    assert_int_equal(m.sliding_window, 4096);
    assert_int_equal(model_from_text(MISTRAL ",\"sliding_window\":null}", &m), 0); /* v0.2+, Mixtral */
    assert_int_equal(m.sliding_window, 0);
    assert_int_equal(model_from_text(MISTRAL ",\"sliding_window\":0}", &m), 0);
    assert_int_equal(m.sliding_window, 0);
    expect_err(model_from_text(MISTRAL ",\"sliding_window\":-1}", &m), "sliding_window", NULL);
    expect_err(model_from_text(MISTRAL ",\"sliding_window\":\"4096\"}", &m), "sliding_window", NULL);
#define QWEN2 "{\"model_type\":\"qwen2\",\"num_hidden_layers\":2,\"hidden_size\":64,\"num_attention_heads\":4," HF_TAIL
    /* Qwen2.5 configs: a window size with use_sliding_window false = full attention */
    assert_int_equal(model_from_text(QWEN2 ",\"use_sliding_window\":false,\"sliding_window\":131072}", &m), 0);
    assert_int_equal(m.sliding_window, 0);
    assert_int_equal(model_from_text(QWEN2 ",\"use_sliding_window\":true,\"sliding_window\":4096}", &m), 0);
    assert_int_equal(m.sliding_window, 4096);
    assert_int_equal(model_from_text(QWEN2 ",\"sliding_window\":4096}", &m), 0); /* default false */
    assert_int_equal(m.sliding_window, 0);
    expect_err(model_from_text(QWEN2 ",\"use_sliding_window\":1,\"sliding_window\":4096}", &m), "use_sliding_window",
               NULL);
    /* Llama has no window, whatever the file says */
    assert_int_equal(model_from_text(HF_HEAD HF_TAIL ",\"sliding_window\":4096}", &m), 0);
    assert_int_equal(m.sliding_window, 0);
}

/* MoE and MLA fields consistent; the npusim schema shares the bounds. */
static void test_model_consistency(void **st) {
    (void)st;
    npu_model m;
#define MIXTRAL "{\"model_type\":\"mixtral\",\"num_hidden_layers\":2,\"hidden_size\":64,\"num_attention_heads\":4," HF_TAIL
    assert_int_equal(model_from_text(MIXTRAL ",\"num_local_experts\":8,\"num_experts_per_tok\":2}", &m), 0);
    assert_int_equal(m.moe.experts, 8);
    assert_int_equal(m.moe.expert_ffn, 128);
    expect_err(model_from_text(MIXTRAL ",\"num_local_experts\":8,\"num_experts_per_tok\":9}", &m), "num_experts_per_tok",
               "at most 8");
    expect_err(model_from_text(MIXTRAL ",\"num_local_experts\":-8}", &m), "num_local_experts", NULL);
    assert_int_equal(model_from_text(MIXTRAL ",\"num_local_experts\":null}", &m), 0); /* dense */
    assert_int_equal(m.moe.experts, 0);
#define DSV3 "{\"model_type\":\"deepseek_v3\",\"num_hidden_layers\":4,\"hidden_size\":64,\"num_attention_heads\":4," HF_TAIL
    assert_int_equal(model_from_text(DSV3 ",\"kv_lora_rank\":16,\"q_lora_rank\":null,\"qk_nope_head_dim\":16,"
                                          "\"qk_rope_head_dim\":8,\"v_head_dim\":16}", &m), 0);
    assert_int_equal(m.mla.q_lora_rank, 0);
    expect_err(model_from_text(DSV3 ",\"kv_lora_rank\":16,\"qk_rope_head_dim\":8,\"v_head_dim\":16}", &m),
               "qk_nope_head_dim", NULL);
    expect_err(model_from_text(DSV3 ",\"n_routed_experts\":8,\"first_k_dense_replace\":5}", &m), "first_k_dense_replace",
               NULL);
    /* npusim schema */
#define NPUM "{\"name\":\"t\",\"layers\":2,\"hidden\":64,\"heads\":4,\"ffn\":128,"
    assert_int_equal(model_from_text(NPUM "\"vocab\":1000}", &m), 0);
    expect_err(model_from_text(NPUM "\"vocab\":3000000000}", &m), "vocab", "at most");
    expect_err(model_from_text(NPUM "\"vocab\":1e300}", &m), "vocab", "at most");
    expect_err(model_from_text(NPUM "\"vocab\":10.5}", &m), "vocab", "integer");
    expect_err(model_from_text(NPUM "\"vocab\":1000,\"kv_heads\":8}", &m), "kv_heads", NULL);
    expect_err(model_from_text(NPUM "\"vocab\":1000,\"max_seq\":0}", &m), "max_seq", NULL);
    expect_err(model_from_text(NPUM "\"vocab\":1000,\"moe\":{\"experts\":4,\"top_k\":5,\"expert_ffn\":8}}", &m), "top_k",
               NULL);
    expect_err(model_from_text(NPUM "\"vocab\":1000,\"vocab\":2000}", &m), "'vocab' appears twice", NULL);
    /* a model built in code is checked the same way */
    assert_int_equal(npu_model_load("llama3-8b", &m), 0);
    m.kv_heads = 64;
    expect_err(npu_model_check(&m, "edited"), "kv_heads", NULL);
    m.kv_heads = 8, m.moe.top_k = 2; /* moe fields without experts */
    expect_err(npu_model_check(&m, "edited"), "moe", NULL);
}

/* Error lines stay one printable line whatever the file holds. */
static void test_error_lines_escape_bytes(void **st) {
    (void)st;
    npu_err("a%sb", "\x01\xff\n\xc3\xa9");
    assert_string_equal(npu_errmsg(), "a\\x01\\xff\\x0a\xc3\xa9" "b"); /* é (valid UTF-8) kept */
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    npu_err("%s", big);
    size_t n = strlen(npu_errmsg());
    assert_true(n < 1024 && n > 900);
    assert_string_equal(npu_errmsg() + n - 3, "...");
    char q[16];
    assert_string_equal(npu_abbrev(q, sizeof q, "abcdefghijklmnopqrstuvwxyz", 5), "abcde...");
    assert_string_equal(npu_abbrev(q, sizeof q, "abc", 5), "abc");
    /* a JSON key with raw bytes (before: echoed raw) */
    const char *p = WRITE_LIT("bin-key.json", "{\"\x01\xfe\x7fk\": 1}");
    npu_model m;
    expect_err(npu_model_load(p, &m), "unknown field '\\x01\\xfe\\x7fk'", NULL);
    /* a trace line with raw bytes */
    p = WRITE_LIT("bin.csv", "arrival_s,input_tokens,output_tokens\n0,5,\x1b[31m\n");
    npu_trace t;
    expect_err(npu_trace_load(p, &t), "\\x1b[31m", "line 2");
    for (const char *c = npu_errmsg(); *c; c++) assert_true(*c >= 0x20 && *c != 0x7f);
    /* a NUL byte: a binary file, said so */
    p = WRITE_LIT("nul.json", "{\"name\": \"a\0b\"}");
    expect_err(npu_model_load(p, &m), "binary file", "offset 11");
    npu_hw hw;
    expect_err(npu_hw_load(p, &hw), "binary file", p);
    npu_vset s = {0};
    p = WRITE_LIT("nul.csv", "hw,kind,bytes_moved,ms\nh100-sxm,copy,10\0\0,1\n");
    expect_err(npu_validate_load(&s, p), "binary file", p);
    npu_validate_free(&s);
}

/* A file that cannot be read says why, naming the path (before: "read error"). */
static void test_io_errors_say_why(void **st) {
    (void)st;
    npu_model m;
    npu_hw hw;
    npu_trace t;
    npu_vset s = {0};
    mkdir("build/tests/readers-dir.json", 0755);
    expect_err(npu_model_load("build/tests/readers-dir.json", &m), "build/tests/readers-dir.json", "is a directory");
    expect_err(npu_hw_load("build/tests/readers-dir.json", &hw), "is a directory", NULL);
    expect_err(npu_trace_load("build/tests/readers-dir.json", &t), "is a directory", NULL);
    expect_err(npu_model_load("build/tests/no-such.json", &m), "build/tests/no-such.json", "No such file");
    const char *p = WRITE_LIT("plain.json", "{}");
    char sub[300];
    snprintf(sub, sizeof sub, "%s/x.json", p);
    expect_err(npu_model_load(sub, &m), "Not a directory", NULL);
    /* a real read error from the kernel: /proc/self/mem at offset 0 is unmapped */
    expect_err(npu_model_load("/proc/self/mem", &m), "/proc/self/mem", "Input/output error");
    /* injected read failure on a good file */
    p = WRITE_LIT("good.json", "{\"name\":\"t\",\"layers\":2,\"hidden\":64,\"heads\":4,\"ffn\":128,\"vocab\":10}");
    assert_int_equal(npu_model_load(p, &m), 0);
    npu_fault_after(NPU_FAULT_READ, 0);
    expect_err(npu_model_load(p, &m), "read error: Input/output error", p);
    npu_fault_after(NPU_FAULT_READ, -1);
    assert_int_equal(npu_model_load(p, &m), 0);
    /* truncated files: a line and column, or the row that lacks columns */
    p = WRITE_LIT("trunc.json", "{\"name\":\"t\",\"layers\":2,\"hid");
    expect_err(npu_model_load(p, &m), "malformed JSON at line 1", p);
    p = WRITE_LIT("trunc.csv", "hw,dtype,m,n,k,ms,shape_name\nh100-sxm,bf16,1,4096,4096,0.02,x\nh100-sxm,bf16,1,40");
    expect_err(npu_validate_load(&s, p), "trunc.csv:3", "expected 7 columns");
    npu_validate_free(&s);
    p = WRITE_LIT("trunc-trace.jsonl", "{\"arrival_s\": 0, \"input_tokens\": 10, \"output_tokens\": 3}\n{\"arrival_s\": 1, \"inp");
    expect_err(npu_trace_load(p, &t), "line 2", NULL);
    /* /dev/zero is refused at once, not read into memory */
    expect_err(npu_model_load("/dev/zero", &m), "binary file", NULL);
}

/* Traces and length specs: lengths and times bounded, checked before any cast. */
static void test_trace_bounds(void **st) {
    (void)st;
    npu_trace t;
#define TH "arrival_s,input_tokens,output_tokens\n"
    assert_int_equal(npu_trace_parse(TH "0,100,20\n1.5,10000000,0\n", "t.csv", &t), 0);
    assert_int_equal(t.rows[1].input, 10000000);
    npu_trace_free(&t);
    expect_err(npu_trace_parse(TH "0,10000001,20\n", "t.csv", &t), "input tokens", NULL);
    npu_trace_free(&t);
    expect_err(npu_trace_parse(TH "0,1e300,20\n", "t.csv", &t), "t.csv line 2", "input tokens");
    expect_err(npu_trace_parse(TH "0,4294967297,20\n", "t.csv", &t), "input tokens", NULL); /* 2^32 + 1 */
    expect_err(npu_trace_parse(TH "0,100,9223372036854775808\n", "t.csv", &t), "output tokens", NULL);
    expect_err(npu_trace_parse(TH "inf,100,1\n", "t.csv", &t), "line 2", NULL);
    expect_err(npu_trace_parse(TH "nan,100,1\n", "t.csv", &t), "line 2", NULL);
    expect_err(npu_trace_parse(TH "1e300,100,1\n", "t.csv", &t), "arrival", NULL);
    expect_err(npu_trace_parse(TH "0,3.5,1\n", "t.csv", &t), "integer", NULL);
    expect_err(npu_trace_parse("arrival_s,input,input_tokens,output\n0,1,2,3\n", "t.csv", &t), "two columns", NULL);
    /* JSONL: a line that is not an object (before: a NULL key reached strcmp) */
    expect_err(npu_trace_parse("{\"arrival_s\":0,\"input_tokens\":1,\"output_tokens\":1}\n[1,2,3]\n", "t.jsonl", &t),
               "line 2", "object");
    expect_err(npu_trace_parse("{\"arrival_s\":0,\"input_tokens\":1e300,\"output_tokens\":1}\n", "t.jsonl", &t),
               "input tokens", NULL);
    expect_err(npu_trace_parse("{\"arrival_s\":0,\"input_tokens\":1,\"prompt_tokens\":2,\"output_tokens\":1}\n",
                               "t.jsonl", &t), "same column", NULL);
    expect_err(npu_trace_parse("{\"arrival_s\":0,\"output_tokens\":1}\n", "t.jsonl", &t), "input_tokens", NULL);
    /* length specs */
    npu_dist d;
    expect_err(npu_dist_parse("1e300", 1, "--input", &d), "--input", NULL);
    expect_err(npu_dist_parse("9223372036854775807", 1, "--input", &d), "--input", NULL);
    expect_err(npu_dist_parse("uniform:1,1e300", 1, "--input", &d), "uniform", NULL);
    expect_err(npu_dist_parse("lognormal:1e300,1", 1, "--output", &d), "--output", NULL);
    assert_int_equal(npu_dist_parse("lognormal:1000,1e7", 1, "--input", &d), 0); /* a far tail */
    npu_rng r;
    npu_rng_seed(&r, 1);
    for (int i = 0; i < 10000; i++) {
        long v = npu_dist_sample(&d, &r);
        assert_true(v >= 1 && v <= NPU_MAX_REQUEST_TOKENS);
    }
    npu_workload w = {.arrival = NPU_ARRIVE_GAMMA, .rate_rps = 1, .burstiness_cv = 1e300};
    expect_err(npu_workload_check(&w), "burstiness", NULL);
    w.burstiness_cv = 2, w.rate_rps = 0;
    expect_err(npu_workload_check(&w), "rate", NULL);
    w.rate_rps = 10;
    assert_int_equal(npu_workload_check(&w), 0);
}

/* Measurement CSVs: every cell bounded before the cast, rows that load predict. */
static void test_validate_cells(void **st) {
    (void)st;
    npu_vset s = {0};
#define GH "hw,dtype,m,n,k,ms,shape_name\n"
    assert_int_equal(npu_validate_load_text(&s, GH "h100-sxm,bf16,1,4096,4096,0.02,x\n", "g.csv"), 0);
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, GH "h100-sxm,bf16,1e300,4096,4096,0.02,x\n", "g.csv"), "g.csv:2", "'m'");
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, GH "h100-sxm,bf16,9223372036854775808,1,1,0.02,x\n", "g.csv"), "'m'", NULL);
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, GH "h100-sxm,bf16,0,1,1,0.02,x\n", "g.csv"), "'m'", NULL);
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, GH "h100-sxm,bf16,1.5,1,1,0.02,x\n", "g.csv"), "'m'", NULL);
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, GH "h100-sxm,bf16,1,1,1,1e-300,x\n", "g.csv"), "'ms'", NULL);
    npu_validate_free(&s);
#define AH "hw,phase,batch,heads,kv_heads,head_dim,seq,ctx,causal,ms\n"
    expect_err(npu_validate_load_text(&s, AH "h100-sxm,prefill,1,32,0,128,10,0,1,0.1\n", "a.csv"), "kv_heads", NULL);
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, AH "h100-sxm,prefill,1,32,5,128,10,0,1,0.1\n", "a.csv"), "multiple", NULL);
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, AH "h100-sxm,decode,1,32,8,128,1,0,0,0.1\n", "a.csv"), "ctx >= 1", NULL);
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, AH "h100-sxm,prefill,1,32,8,128,10,0,7,0.1\n", "a.csv"), "causal", NULL);
    npu_validate_free(&s);
#define MH "hw,stack,model,layers,hidden,ffn,heads,kv_heads,vocab,phase,batch,seq,ctx,ms\n"
    expect_err(npu_validate_load_text(&s, MH "h100-sxm,eager,x,32,4096,11008,32,32,3000000000,prefill,1,128,0,9\n",
                                      "m.csv"), "vocab", NULL);
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, MH "h100-sxm,eager,x,32,4100,11008,32,32,32000,prefill,1,128,0,9\n", "m.csv"),
               "multiple of heads", NULL);
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, MH "h100-sxm,eagre,x,32,4096,11008,32,32,32000,prefill,1,128,0,9\n", "m.csv"),
               "stack", NULL);
    npu_validate_free(&s);
#define PH "hw,workload,watts,ms\n"
    /* before: sscanf("%ld") of 20 digits (undefined) and a NaN prediction */
    expect_err(npu_validate_load_text(&s, PH "h100-sxm,gemm_bf16_99999999999999999999,600,1\n", "p.csv"), "p.csv:2",
               "unknown power workload");
    npu_validate_free(&s);
    expect_err(npu_validate_load_text(&s, PH "h100-sxm,idle,70,1e300\n", "p.csv"), "ms", NULL);
    npu_validate_free(&s);
    assert_int_equal(npu_validate_load_text(&s, PH "h100-sxm,idle,70,0\nh100-sxm,copy_2GiB,497,1.4\n", "p.csv"), 0);
    npu_hw hw;
    assert_int_equal(npu_hw_load("h100-sxm", &hw), 0);
    assert_int_equal(npu_validate_predict(&s, &hw), 0);
    assert_true(s.rows[1].predicted > 0 && isfinite(s.rows[1].predicted));
    npu_validate_free(&s);
    /* a quoted header is cut, not echoed whole */
    char head[400];
    memset(head, 'h', sizeof head - 1);
    head[sizeof head - 1] = '\0';
    expect_err(npu_validate_load_text(&s, head, "x.csv"), "unrecognised header", "...");
    assert_true(strlen(npu_errmsg()) < 300);
    npu_validate_free(&s);
}

/* ---- out of memory ----
 * The allocator aborts: a child process makes its Nth allocation fail and must
 * die by SIGABRT after one "out of memory" line on stderr, never crash
 * elsewhere or carry on with a half-built result. Every allocation of each
 * reader is failed in turn (the first 300, then every 7th). */

typedef int (*load_fn)(void);
static int load_hw(void) { npu_hw h; return npu_hw_load("h100-sxm", &h); }
static int load_model(void) { npu_model m; return npu_model_load("tests/data/hf/deepseek-v3.json", &m); }
static int load_trace(void) {
    npu_trace t;
    int rc = npu_trace_load("tests/fuzz/seeds/trace/basic.jsonl", &t);
    npu_trace_free(&t);
    return rc;
}
static int load_validate(void) {
    npu_vset s = {0};
    int rc = npu_validate_load(&s, "data/validation/h100-sxm/model.csv");
    if (!rc) {
        npu_hw h;
        rc = npu_hw_load("h100-sxm", &h) || npu_validate_predict(&s, &h);
    }
    npu_validate_free(&s);
    return rc;
}

/* Fork; in the child fail allocation n (counting from 0) and run f. Returns the
 * wait status; the child's stderr goes to `err`. */
static int run_child(load_fn f, long n, char *err, size_t cap) {
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        npu_fault_after(NPU_FAULT_ALLOC, n);
        int rc = f();
        _exit(rc == 0 ? 0 : 3);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], err, cap - 1);
    err[got > 0 ? got : 0] = '\0';
    close(fd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void check_oom(load_fn f, const char *what) {
    assert_int_equal(f(), 0); /* once first: one-time set-up (the default engine, loaded once) is not counted */
    long before = npu_fault_count(NPU_FAULT_ALLOC);
    assert_int_equal(f(), 0);
    long total = npu_fault_count(NPU_FAULT_ALLOC) - before;
    assert_true(total > 0);
    int tried = 0;
    char err[512];
    for (long n = 0; n < total; n += n < 300 ? 1 : 7, tried++) {
        int status = run_child(f, n, err, sizeof err);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT || !strstr(err, "npusim: out of memory allocating")) {
            fprintf(stderr, "%s: failing allocation %ld: status %#x, stderr '%s'\n", what, n, status, err);
            fail();
        }
    }
    /* past the last allocation nothing fails */
    assert_int_equal(run_child(f, total + 5, err, sizeof err), 0);
    fprintf(stderr, "oom: %s: %ld allocations, %d failed in turn, each aborted cleanly\n", what, total, tried);
}

static void test_out_of_memory_aborts_cleanly(void **st) {
    (void)st;
    check_oom(load_hw, "hw preset");
    check_oom(load_model, "HF config");
    check_oom(load_trace, "JSONL trace");
    check_oom(load_validate, "model.csv load + predict");
}

static int huge_calloc(void) { return npu_xcalloc(SIZE_MAX / 2, 4) != NULL; }
static int huge_array(void) { return npu_xreallocarray(NULL, SIZE_MAX / 8, 16) != NULL; }

static void test_overflowing_sizes_abort(void **st) {
    (void)st;
    char err[256];
    int status = run_child(huge_calloc, -1, err, sizeof err);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    assert_non_null(strstr(err, "out of memory"));
    status = run_child(huge_array, -1, err, sizeof err);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    assert_non_null(strstr(err, "out of memory"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hf_numbers_bounded),      cmocka_unit_test(test_hf_positions_and_windows),
        cmocka_unit_test(test_model_consistency),       cmocka_unit_test(test_error_lines_escape_bytes),
        cmocka_unit_test(test_io_errors_say_why),       cmocka_unit_test(test_trace_bounds),
        cmocka_unit_test(test_validate_cells),          cmocka_unit_test(test_out_of_memory_aborts_cleanly),
        cmocka_unit_test(test_overflowing_sizes_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
