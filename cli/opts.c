/* opts — the option table of the npusim command line: one row per option of
 * every command (name, type, bounds, default, help). Bounds are physical and
 * generous: they reject what the library cannot represent or no machine has,
 * never a plausible input. Defaults the library applies are read from the
 * library (lib_def) so help cannot drift from them; defaults the CLI applies
 * are text (def) parsed like a given value. */
#include "args.h"
#include "npu_workload.h"
#include "npu_all.h"

/* Bounds shared by several rows. */
#define LEN_MAX ((long long)NPU_MAX_REQUEST_TOKENS) /* tokens of one sequence: 10M, above every model's context window (npu_workload) */
#define BATCH_MAX 1000000LL  /* sequences in one step of one replica */
#define DIM_MAX 4096LL       /* chips along one parallel dimension (tp, pp, ep, dp, cp) */
#define CHIPS_MAX 1048576LL  /* chips in a deployment or a collective: 2^20 */
#define REPL_MAX 30000LL     /* replicas of a serving pool (the serving simulator takes 30000 in all) */
#define MS_MAX 1e9           /* latency bounds in ms: 11.6 days */
#define RATE_MAX 1e7         /* requests per second */
#define USD_MAX 1e12         /* any amount of money */

#define INT(lo, hi) .type = CLI_INT, .imin = (lo), .imax = (hi)
#define NUM(lo, hi) .type = CLI_NUM, .dmin = (lo), .dmax = (hi)
#define ENUM(arr, n) .type = CLI_ENUM, .names = (arr), .n_names = (n)


static double d_kv_frac(void) { npu_serve_cfg c; npu_serve_defaults(&c); return c.kv_mem_frac; }
static double d_requests(void) { npu_serve_cfg c; npu_serve_defaults(&c); return (double)c.requests; }
static double d_seed(void) { npu_serve_cfg c; npu_serve_defaults(&c); return (double)c.seed; }
static double d_route(void) { npu_serve_cfg c; npu_serve_defaults(&c); return c.route; }
static double d_pct(void) { npu_serve_cfg c; npu_serve_defaults(&c); return c.pct; }
static double d_volume(void) { npu_econ_cfg c; npu_econ_cfg_default(&c); return c.volume; }
static double d_alpha(void) { npu_econ_cfg c; npu_econ_cfg_default(&c); return c.alpha; }
static double d_yield(void) { npu_econ_cfg c; npu_econ_cfg_default(&c); return c.yield_model; }
static double d_package(void) { npu_econ_cfg c; npu_econ_cfg_default(&c); return c.package; }
static double d_pue(void) { npu_tco_cfg c; npu_tco_cfg_default(&c); return c.pue; }
static double d_kwh(void) { npu_tco_cfg c; npu_tco_cfg_default(&c); return c.usd_per_kwh; }
static double d_years(void) { npu_tco_cfg c; npu_tco_cfg_default(&c); return c.lifetime_years; }
static double d_server(void) { npu_tco_cfg c; npu_tco_cfg_default(&c); return c.server_overhead; }

const cli_opt cli_opts[CLI_O_COUNT] = {
    [O_MODEL] = {"model", 0, .type = CLI_STR, .meta = "NAME|FILE",
                 .help = "model: a preset (npusim list models), a JSON description or a HuggingFace config.json"},
    [O_HW] = {"hw", 0, .type = CLI_STR, .meta = "NAME|FILE",
              .help = "chip: a preset (npusim list hw) or a JSON description (npusim show hw NAME)"},
    [O_PHASE] = {"phase", 0, ENUM(npu_run_phase_names, NPU_RUN_PHASES), .meta = "PHASE",
.help = "what to time"},
    [O_STACK] = {"stack", 0, ENUM(npu_stack_names, 2), .meta = "STACK", .def = "fused",
                 .help = "kernel stack: fused (TensorRT-LLM-like) or eager (unfused PyTorch)"},
    [O_ENGINE] = {"engine", 0, .type = CLI_STR, .meta = "NAME|FILE", .def = NPU_ENGINE_AUTO,
                  .help = "serving engine around the kernels: a profile (npusim list engines; ideal = kernels "
                          "only), a JSON file, or auto: the chip's usual engine (trtllm on NVIDIA, vllm-rocm on "
                          "AMD, optimum-habana on Gaudi, llamacpp on Apple and CPUs, ideal on phones, edge "
                          "modules and dataflow machines, vllm elsewhere; "
                          "docs/accuracy-engines.md)"},
    [O_DTYPE] = {"dtype", 0, .type = CLI_DTYPE, .meta = "T", .def = "bf16",
                 .help = "weight datatype or quantization format (docs/quantization.md): its bits per weight, "
                         "and its recipe's defaults for the options below"},
    [O_ACT_DTYPE] = {"act-dtype", 0, .type = CLI_DTYPE, .meta = "T",
                     .help = "activation (GEMM input) datatype; default: --dtype's recipe (fp8, int8: W8A8; mxfp4, "
                             "nvfp4: W4A4 where the chip runs them; int4: bf16; GGUF: fp16)"},
    [O_KV_DTYPE] = {"kv-dtype", 0, .type = CLI_DTYPE, .meta = "T",
                    .help = "KV-cache datatype; default: fp16 with --dtype fp16 and the GGUF formats, else bf16"},
    [O_LM_HEAD_DTYPE] = {"lm-head-dtype", 0, .type = CLI_DTYPE, .meta = "T",
                         .help = "LM head datatype; default: --dtype's recipe (16-bit for fp8, int8, int4, mxfp4, "
                                 "nvfp4; q6_k for q4_0, q4_k_m; q8_0 for q8_0)"},
    [O_EMB_DTYPE] = {"emb-dtype", 0, .type = CLI_DTYPE, .meta = "T",
                     .help = "embedding-table datatype (tied embeddings: the LM head's); default: --dtype's recipe "
                             "(16-bit for fp8, int8, int4, mxfp4, nvfp4; the file type for GGUF)"},
    [O_FORMATS] = {"formats", 0, .type = CLI_STR, .meta = "T,T,...", .help = "datatypes / quantization formats to compare"},
    [O_BATCH] = {"batch", 0, INT(1, BATCH_MAX), .meta = "B", .help = "sequences per step of one replica"},
    [O_SEQ] = {"seq", 0, INT(1, LEN_MAX), .meta = "S", .help = "prompt tokens per sequence"},
    [O_CTX] = {"ctx", 0, INT(1, LEN_MAX), .meta = "L", .help = "tokens already in the KV cache per sequence"},
    [O_INPUT] = {"input", 0, INT(1, LEN_MAX), .meta = "I", .help = "prompt tokens per request"},
    [O_OUTPUT] = {"output", 0, INT(0, LEN_MAX), .meta = "O", .help = "generated tokens per request"},
    [O_MAX_SEQ] = {"max-seq", 0, INT(1, LEN_MAX), .meta = "N",
                   .help = "tokens per sequence the engine is built for, replacing the model's context window "
                           "(trtllm-bench builds max_seq_len = input + output whatever the model was trained on: "
                           "positions past the window are extrapolated, their quality is not modelled)"},
    [O_TP] = {"tp", 0, INT(1, DIM_MAX), .meta = "N", .def = "1", .help = "tensor-parallel chips"},
    [O_PP] = {"pp", 0, INT(1, DIM_MAX), .meta = "N", .def = "1", .help = "pipeline stages"},
    [O_EP] = {"ep", 0, INT(1, DIM_MAX), .meta = "N", .def = "1", .help = "expert-parallel chips (MoE)"},
    [O_DP] = {"dp", 0, INT(1, DIM_MAX), .meta = "N", .def = "1", .help = "data-parallel replicas"},
    [O_CP] = {"cp", 0, INT(1, DIM_MAX), .meta = "N", .def = "1", .help = "context-parallel chips"},
    [O_MOE_SKEW] = {"moe-skew", 0, NUM(0, 10), .meta = "S", .def = "0",
                    .help = "Zipf exponent of expert popularity (0 = uniform routing)"},
    [O_CHIPS] = {"chips", 0, INT(1, CHIPS_MAX), .meta = "N", .help = "chips"},
    [O_JSON] = {"json", 0, .type = CLI_FLAG, .help = "print JSON instead of a table"},
    [O_CSV] = {"csv", 0, .type = CLI_FLAG, .help = "print the per-kernel list as CSV"},

    [O_TCO] = {"tco", 0, .type = CLI_FLAG,
               .help = "add the total cost of ownership (USD/hour, USD per million tokens); any TCO option "
                       "implies it"},
    [O_CHIP_PRICE] = {"chip-price", 0, NUM(1, 1e9), .meta = "USD",
                      .help = "price of one chip; default: its unit cost (npusim cost) x margin"},
    [O_PUE] = {"pue", 0, NUM(1, 10), .meta = "X", .lib_def = d_pue, .help = "data-centre power usage effectiveness"},
    [O_USD_PER_KWH] = {"usd-per-kwh", 0, NUM(0, 100), .meta = "X", .lib_def = d_kwh, .help = "electricity price"},
    [O_LIFETIME_YEARS] = {"lifetime-years", 0, NUM(0.01, 100), .meta = "Y", .lib_def = d_years,
                          .help = "depreciation period"},
    [O_SERVER_OVERHEAD] = {"server-overhead", 0, NUM(0, 100), .meta = "F", .lib_def = d_server,
                           .help = "server, rack and network capex as a fraction of the chip price"},

    [O_MAX_TTFT] = {"max-ttft", 0, NUM(0, MS_MAX), .meta = "MS", .help = "time-to-first-token bound (0 = none)"},
    [O_MAX_TPOT] = {"max-tpot", 0, NUM(0, MS_MAX), .meta = "MS", .def = "0",
                    .help = "time-per-output-token bound (0 = none)"},
    [O_MAX_BATCH] = {"max-batch", 0, INT(1, BATCH_MAX), .meta = "B", .def = "4096",
                     .help = "largest batch per replica tried"},
    [O_TOP] = {"top", 0, INT(1, 100000), .meta = "K", .help = "rows to print"},

    [O_PROCESS] = {"process", 0, .type = CLI_STR, .meta = "NAME|FILE",
                   .help = "process node (npusim list process) or a JSON description; default: the chip's"},
    [O_VOLUME] = {"volume", 0, NUM(1, 1e12), .meta = "N", .lib_def = d_volume,
                  .help = "units made (spreads the NRE)"},
    [O_YIELD_MODEL] = {"yield-model", 0, ENUM(npu_yield_model_names, NPU_YIELD_COUNT), .meta = "MODEL",
                       .lib_def = d_yield, .help = "die-yield model"},
    [O_ALPHA] = {"alpha", 0, NUM(0.01, 100), .meta = "A", .lib_def = d_alpha,
                 .help = "defect clustering of the negbin yield model"},
    [O_D0] = {"d0", 0, NUM(0, 10), .meta = "D", .help = "defect density per cm2; default: the process's"},
    [O_WAFER_USD] = {"wafer-usd", 0, NUM(1, 1e7), .meta = "USD", .help = "wafer price; default: the process's"},
    [O_PACKAGE] = {"package", 0, ENUM(npu_pkg_names, NPU_PKG_COUNT), .meta = "KIND", .lib_def = d_package,
                   .help = "package (auto: CoWoS for HBM, organic otherwise)"},
    [O_NRE_USD] = {"nre-usd", 0, NUM(0, USD_MAX), .meta = "USD",
                   .help = "design NRE (0 = none); default: the process's mask and tape-out NRE"},
    [O_ESTIMATE_AREA] = {"estimate-area", 0, .type = CLI_FLAG,
                         .help = "cost the estimated die area even where a published one exists"},

    [O_M] = {"m", 0, INT(1, 1LL << 30), .meta = "M", .help = "GEMM rows (tokens)"},
    [O_N] = {"n", 0, INT(1, 1LL << 30), .meta = "N", .help = "GEMM columns"},
    [O_K] = {"k", 0, INT(1, 1LL << 30), .meta = "K", .help = "GEMM reduction length"},
    [O_HEADS] = {"heads", 0, INT(1, 1024), .meta = "N", .help = "query heads"},
    [O_KV_HEADS] = {"kv-heads", 0, INT(1, 1024), .meta = "K", .help = "key/value heads; default: --heads"},
    [O_HEAD_DIM] = {"head-dim", 0, INT(1, 1024), .meta = "D", .def = "128", .help = "dimension of one head"},
    [O_BYTES] = {"bytes", 0, .type = CLI_SIZE, .dmin = 1, .dmax = 1125899906842624.0 /* 1P = 2^50 */,
                 .meta = "SIZE", .help = "bytes"},

    [O_VERBOSE] = {"verbose", 0, .type = CLI_FLAG, .help = "print every row, predicted against measured"},
    [O_MAX_MAPE] = {"max-mape", 0, NUM(0, 1e6), .meta = "P",
                    .help = "exit 1 when the overall MAPE (%) is above P"},
    [O_DATA] = {"data", 0, .type = CLI_STR, .meta = "DIR", .help = "measurement CSVs (a directory or a file)"},
    [O_OUTPUT_FILE] = {"output-file", 'o', .type = CLI_STR, .meta = "FILE", .help = "file to write"},
    [O_EVALS] = {"evals", 0, INT(10, 10000000), .meta = "N", .def = "4000", .help = "model evaluations of the fit"},

    [O_REPLICAS] = {"replicas", 0, INT(1, REPL_MAX), .meta = "R", .def = "1", .help = "replicas of the deployment"},
    [O_ROUTER] = {"router", 0, ENUM(npu_route_names, NPU_ROUTE_COUNT), .meta = "POLICY", .lib_def = d_route,
                  .help = "how requests are spread over replicas"},
    [O_SCHEDULER] = {"scheduler", 0, ENUM(npu_sched_names, NPU_SCHED_COUNT), .meta = "KIND",
                     .help = "batch scheduler of each replica; default: the engine profile's (npusim show engine NAME)"},
    [O_MAX_SEQS] = {"max-seqs", 0, INT(1, BATCH_MAX), .meta = "N",
                    .help = "sequences in flight per replica; default: the engine profile's (npusim show engine NAME)"},
    [O_MAX_BATCHED_TOKENS] = {"max-batched-tokens", 0, INT(1, LEN_MAX), .meta = "N",
                              .help = "tokens per step (continuous, chunked); default: the engine profile's (npusim show engine NAME)"},
    [O_CHUNK] = {"chunk", 0, INT(1, LEN_MAX), .meta = "T",
                 .help = "prefill chunk in tokens (chunked); default: the engine profile's (npusim show engine NAME)"},
    [O_BLOCK_SIZE] = {"block-size", 0, INT(1, 65536), .meta = "T",
                      .help = "tokens per KV-cache block; default: the engine profile's (npusim show engine NAME)"},
    [O_KV_MEM_FRAC] = {"kv-mem-frac", 0, NUM(0, 1), .flags = CLI_OPEN_MIN, .meta = "F", .lib_def = d_kv_frac,
                       .help = "share of the memory left after weights that holds the KV cache"},
    [O_PREFIX_SHARE] = {"prefix-share", 0, NUM(0, 1), .flags = CLI_OPEN_MAX, .meta = "F", .def = "0",
                        .help = "share of each prompt found in the prefix cache"},
    [O_STEP_OVERHEAD_US] = {"step-overhead-us", 0, NUM(0, 1e7), .meta = "US", .def = "0",
                            .help = "extra engine time per step, on top of --engine"},
    [O_PREFILL_HW] = {"prefill-hw", 0, .type = CLI_STR, .meta = "NAME|FILE",
                      .help = "chip of the prefill pool; default: --hw"},
    [O_PREFILL_TP] = {"prefill-tp", 0, INT(1, DIM_MAX), .meta = "N",
                      .help = "tensor-parallel chips of a prefill replica; default: --tp"},
    [O_PREFILL_REPLICAS] = {"prefill-replicas", 0, INT(1, REPL_MAX), .meta = "N", .def = "1",
                            .help = "replicas of the prefill pool"},
    [O_DECODE_REPLICAS] = {"decode-replicas", 0, INT(1, REPL_MAX), .meta = "N",
                           .help = "replicas of the decode pool; default: --replicas"},
    [O_RATE] = {"rate", 0, NUM(0, RATE_MAX), .flags = CLI_OPEN_MIN, .meta = "R",
                .help = "open-loop arrivals, requests per second"},
    [O_ARRIVAL] = {"arrival", 0, ENUM(npu_arrival_names, NPU_ARRIVE_COUNT), .meta = "KIND",
                   .help = "arrival process (offline: every request at time 0)"},
    [O_BURSTINESS] = {"burstiness", 0, NUM(0.001, 1000), .meta = "CV", .def = "1",
                      .help = "coefficient of variation of gamma inter-arrival times"},
    [O_CONCURRENCY] = {"concurrency", 0, INT(1, BATCH_MAX), .meta = "C",
                       .help = "closed loop: requests kept in flight"},
    [O_TRACE] = {"trace", 0, .type = CLI_STR, .meta = "FILE",
                 .help = "replay arrivals and lengths from a CSV or JSONL file"},
    [O_REQUESTS] = {"requests", 0, INT(1, 10000000), .meta = "N", .lib_def = d_requests,
                    .help = "requests to simulate (a trace: all of it)"},
    [O_SEED] = {"seed", 0, INT(0, 9007199254740992LL /* 2^53 */), .meta = "S", .lib_def = d_seed,
                .help = "random seed"},
    [O_SLO_TTFT] = {"slo-ttft", 0, NUM(0, MS_MAX), .meta = "MS", .def = "0",
                    .help = "TTFT objective of goodput (0 = none)"},
    [O_SLO_TPOT] = {"slo-tpot", 0, NUM(0, MS_MAX), .meta = "MS", .def = "0",
                    .help = "TPOT objective of goodput (0 = none)"},
    [O_FIND_MAX_RATE] = {"find-max-rate", 0, .type = CLI_FLAG,
                         .help = "search the highest Poisson rate whose p99 meets the SLOs"},
    [O_TARGET_RATE] = {"target-rate", 0, NUM(0, RATE_MAX), .flags = CLI_OPEN_MIN, .meta = "R",
                       .help = "size a fleet of copies of the deployment for R requests/s within the SLOs"},
    [O_SET] = {"set", 0, .type = CLI_STR, .flags = CLI_REPEAT, .meta = "PATH=VALUE",
               .help = "edit the chip, model or engine, as many times as needed (hw.memory.stacks=8, model.layers=40, "
                       "engine.host.step_us=500; npusim sweep --paths lists the paths; docs/sweep.md)"},
    [O_OUT] = {"out", 0, .type = CLI_STR, .meta = "FILE", .help = "where the rows go: FILE.csv, FILE.sqlite (or .db), - for CSV on stdout"},
    [O_JOBS] = {"jobs", 0, INT(1, 1024), .meta = "N", .help = "threads; default: every core (under MPI: the node's cores over its ranks)"},
    [O_RESUME] = {"resume", 0, .type = CLI_FLAG, .help = "continue the sweep stored in --out FILE.sqlite (after a kill or a crash)"},
    [O_COMMIT_EVERY] = {"commit-every", 0, INT(1, 10000000), .meta = "N", .help = "points per block and transaction; default: 16384 rows"},
    [O_COUNT] = {"count", 0, .type = CLI_FLAG, .help = "print the number of points and rows and stop"},
    [O_PATHS] = {"paths", 0, .type = CLI_FLAG, .help = "list every path axes and --set accept"},
    [O_QUIET] = {"quiet", 0, .type = CLI_FLAG, .help = "no progress on stderr"},
    [O_HTML] = {"html", 0, .type = CLI_STR, .meta = "FILE",
                .help = "also write the result as a self-contained HTML report (docs/report.md)"},
    [O_REQUESTS_OUT] = {"requests-out", 0, .type = CLI_STR, .meta = "FILE|-",
                        .help = "write one CSV row per request; '-' writes it to stdout and the summary to stderr"},
    [O_MULTI_STEP] = {"multi-step", 0, INT(1, 1024), .meta = "N",
                      .help = "decode steps per scheduling round (vLLM --num-scheduler-steps); default: the engine profile's (npusim show engine NAME)"},
    [O_SCHED_AHEAD] = {"sched-ahead", 0, .type = CLI_FLAG,
                       .help = "overlap scheduler: step n+1 is formed while step n runs (SGLang, TensorRT-LLM >= 0.20)"},
    [O_DELIVERY_LAG] = {"delivery-lag", 0, INT(0, 1), .meta = "STEPS", .def = "0",
                        .help = "steps by which tokens reach the client late (1: at the end of the next step)"},
    [O_KV_ADMIT] = {"kv-admit", 0, ENUM(npu_kv_admit_names, NPU_KV_ADMIT_COUNT), .meta = "POLICY",
                    .help = "KV admission: on-demand (grow, preempt) or reserve (whole sequence, never preempt); default: the engine profile's (npusim show engine NAME)"},
    [O_FRONTEND_US] = {"frontend-us", 0, NUM(0, 1e6), .meta = "US", .def = "0",
                       .help = "front-end time per request (HTTP, validation), one request at a time per replica"},
    [O_FRONTEND_US_PER_TOKEN] = {"frontend-us-per-token", 0, NUM(0, 1e3), .meta = "US", .def = "0",
                                 .help = "front-end time per prompt token (tokenization)"},
    [O_CLIENT_THINK_MS] = {"client-think-ms", 0, NUM(0, 1e6), .meta = "MS", .def = "0",
                           .help = "closed loop: mean of each client's random (exponential) delay before a send"},
    [O_WARMUP] = {"warmup", 0, INT(0, 10000000), .meta = "N", .def = "0",
                  .help = "the first N requests run but are left out of the statistics (a benchmark's warm-up)"},
    [O_PERCENTILES] = {"percentiles", 0, ENUM(npu_pct_names, NPU_PCT_COUNT), .meta = "METHOD", .lib_def = d_pct,
                       .help = "how percentiles are read: nearest-rank, index (MLPerf LoadGen, trtllm-bench) or "
                               "linear (numpy: vLLM, SGLang, genai-perf)"},
    [O_SPEC] = {"spec", 0, .type = CLI_STR, .meta = "SPEC",
                .help = "speculative decoding: mtp:N, eagle:N or draft:MODEL:N (N draft tokens per step)"},
    [O_SPEC_ACCEPT] = {"spec-accept", 0, .type = CLI_STR, .meta = "R",
                       .help = "accepted drafts per step: a mean R, rate:A (every position) or N per-position "
                               "rates a1,a2,..."},
};
