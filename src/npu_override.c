/* npu_override — the path table and the two ways of applying edits (struct
 * fast path, JSON reference path). */
#include "npu_override.h"
#include "npu_json.h"
#include "npu_process.h"

#include <assert.h>
#include <limits.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

const char *const npu_ov_domain_names[NPU_OV_DOMAINS] = {"hw", "model", "engine", "workload", "plan"};

typedef enum {
    T_INT = 0, /* int, the JSON reader's integer rules */
    T_LONG,    /* long (token counts, seeds) */
    T_NUM,     /* double */
    T_BOOL,
    T_STR,     /* char array of `size` */
    T_ENUM,    /* int-sized enum, one of names[] */
    T_DTYPE,   /* npu_dtype by name */
    T_LEN,     /* workload length: a number (long at off) or a distribution (string at off2) */
    T_RATE,    /* serve rate: a number, or "max" */
    T_LOAD,    /* the whole description, by preset name or file */
    T_EJSON,   /* a field of the engine profile, set in its JSON and read back (npu_engine_from_json) */
} ov_type;

/* flags */
#define F_AREA 0x1u      /* changes the silicon: published die area and transistors no longer apply */
#define F_PRODUCT 0x2u   /* changes the product: the published price no longer applies */
#define F_SRAM 0x4u      /* field of hw.sram[i] (off into npu_sram) */
#define F_LINKS 0x8u     /* needs the links section */
#define F_SCALEOUT 0x10u /* needs links.scaleout */
#define F_POWER 0x20u    /* needs the power section */
#define F_PROCESS 0x40u  /* needs the process section */
#define F_MOE 0x80u      /* needs a moe section */
#define F_MLA 0x100u     /* needs an mla section */
#define F_MAXX 0x200u    /* max is exclusive */
#define S_TECH 0x400u    /* side effect: pin rate and capacity back to the technology's */
#define S_CAP 0x800u     /* side effect: capacity back to stacks x height x die */
#define S_UNITS 0x1000u  /* side effect: keep the spare-unit fraction */
#define S_NODE 0x2000u   /* side effect: foundry of the new node; node must be a known process */
#define S_EFF 0x4000u    /* side effect: efficiency written to the description */
#define S_DTYPE 0x8000u  /* side effect: activation and KV datatypes back to their defaults */
#define S_VEC 0x10000u   /* 0 means the default 256 FLOP/cycle/unit (as the reader) */
#define S_TOPO 0x20000u  /* links.topology: a known name, consistent with dims */
#define S_DOMAIN 0x40000u/* links.domain_chips: consistent with dims */
#define F_UNSET0 0x80000u /* 0 means "not given": no value in output columns */
#define S_PEAK 0x100000u  /* side effect: the stated peak_tflops no longer describe the engines */
#define F_ENGINE 0x200000u/* needs a matrix.engine section */
#define F_GEMV 0x400000u  /* needs a matrix.gemv section */
#define S_CLK 0x800000u   /* side effect: SRAM bandwidths stated beside bytes_per_cycle follow the cycles */

struct npu_ov_field {
    const char *path;  /* full path; sram fields: "hw.sram[].key" */
    npu_ov_domain dom;
    ov_type type;
    size_t off, size, off2;
    double min, max;   /* max: 0 = none */
    const char *sect;  /* the reader's section ("" = top level) */
    const char *key;   /* the reader's key */
    unsigned flags;
    const char *const *names;
    int n_names;
    const char *help;
};

#define FSZ(T, f) sizeof(((T *)0)->f)
#define HWF(p, s, k, ty, f, mn, mx, fl, h) {"hw." p, NPU_OV_HW, ty, offsetof(npu_hw, f), FSZ(npu_hw, f), 0, mn, mx, s, k, fl, NULL, 0, h}
#define SRF(k, ty, f, fl, h) {"hw.sram[]." k, NPU_OV_HW, ty, offsetof(npu_sram, f), FSZ(npu_sram, f), 0, 0, 0, "sram", k, F_SRAM | (fl), NULL, 0, h}
#define MDF(p, s, k, ty, f, mn, mx, fl, h) {"model." p, NPU_OV_MODEL, ty, offsetof(npu_model, f), FSZ(npu_model, f), 0, mn, mx, s, k, fl, NULL, 0, h}
#define MDE(p, k, f, nm, h) {"model." p, NPU_OV_MODEL, T_ENUM, offsetof(npu_model, f), FSZ(npu_model, f), 0, 0, 0, "", k, 0, nm, (int)NPU_ARRAY_LEN(nm), h}
#define WLF(k, ty, f, mn, mx, fl, h) {"workload." k, NPU_OV_WORKLOAD, ty, offsetof(npu_wl, f), FSZ(npu_wl, f), 0, mn, mx, "", k, fl, NULL, 0, h}
#define WLE(k, f, nm, n, h) {"workload." k, NPU_OV_WORKLOAD, T_ENUM, offsetof(npu_wl, f), FSZ(npu_wl, f), 0, 0, 0, "", k, 0, nm, n, h}
#define PLF(k, f, h) {"plan." k, NPU_OV_PLAN, T_INT, offsetof(npu_plan, f), FSZ(npu_plan, f), 0, 1, 4096, "", k, 0, NULL, 0, h}
#define EFF(k, f) HWF("efficiency." k, "efficiency", k, T_NUM, eff.f, 0, 0, S_EFF, "efficiency parameter (docs/calibration.md)")

static const char *const norm_names[] = {"rmsnorm", "layernorm"};
static const char *const act_names[] = {"silu", "gelu", "relu"};
static const char *const pos_names[] = {"rope", "learned", "alibi", "none"};

const char *const npu_wl_phase_names[NPU_WL_PHASES] = {"prefill", "decode", "e2e", "offline", "serve"};

#define AP (F_AREA | F_PRODUCT)
static const npu_ov_field table[] = {
    {"hw", NPU_OV_HW, T_LOAD, 0, 0, 0, 0, 0, "", "hw", 0, NULL, 0, "the whole chip: a preset name or a JSON file"},
    HWF("matrix.units", "matrix", "units", T_INT, units, 1, 0, AP | S_UNITS | S_PEAK | S_CLK, "matrix units (SMs, cores, PEs)"),
    HWF("matrix.clock_mhz", "matrix", "clock_mhz", T_NUM, clock_mhz, 1, 0, F_PRODUCT | S_PEAK | S_CLK, "clock of the dense peaks, MHz"),
    HWF("matrix.macs_per_cycle.bf16", "matrix.macs_per_cycle", "bf16", T_NUM, macs_per_cycle[NPU_BF16], 0, 0, AP | S_PEAK, "dense bf16 MAC/cycle/unit"),
    HWF("matrix.macs_per_cycle.fp16", "matrix.macs_per_cycle", "fp16", T_NUM, macs_per_cycle[NPU_FP16], 0, 0, AP | S_PEAK, "dense fp16 MAC/cycle/unit"),
    HWF("matrix.macs_per_cycle.fp8", "matrix.macs_per_cycle", "fp8", T_NUM, macs_per_cycle[NPU_FP8], 0, 0, AP | S_PEAK, "dense fp8 MAC/cycle/unit"),
    HWF("matrix.macs_per_cycle.int8", "matrix.macs_per_cycle", "int8", T_NUM, macs_per_cycle[NPU_INT8], 0, 0, AP | S_PEAK, "dense int8 MAC/cycle/unit"),
    HWF("matrix.macs_per_cycle.int4", "matrix.macs_per_cycle", "int4", T_NUM, macs_per_cycle[NPU_INT4], 0, 0, AP | S_PEAK, "dense int4 MAC/cycle/unit"),
    HWF("matrix.macs_per_cycle.fp32", "matrix.macs_per_cycle", "fp32", T_NUM, macs_per_cycle[NPU_FP32], 0, 0, AP | S_PEAK, "dense fp32 matrix MAC/cycle/unit"),
    HWF("matrix.engine.per_unit", "matrix.engine", "per_unit", T_INT, engine.per_unit, 1, 0, AP | F_ENGINE, "matrix engines per unit"),
    HWF("matrix.engine.m", "matrix.engine", "m", T_INT, engine.m, 1, 0, AP | F_ENGINE, "mma instruction tile M"),
    HWF("matrix.engine.n", "matrix.engine", "n", T_INT, engine.n, 1, 0, AP | F_ENGINE, "mma instruction tile N"),
    HWF("matrix.engine.k", "matrix.engine", "k", T_INT, engine.k, 1, 0, AP | F_ENGINE, "mma instruction tile K"),
    HWF("matrix.engine.rows", "matrix.engine", "rows", T_INT, engine.rows, 1, 0, AP | F_ENGINE, "systolic array rows"),
    HWF("matrix.engine.cols", "matrix.engine", "cols", T_INT, engine.cols, 1, 0, AP | F_ENGINE, "systolic array columns"),
    HWF("matrix.gemv.granule", "matrix.gemv", "granule", T_INT, gemv_desc.granule, 1, 0, F_PRODUCT | F_GEMV, "rows M pads to on the engine"),
    HWF("matrix.gemv.max_rows", "matrix.gemv", "max_rows", T_INT, gemv_desc.max_rows, 1, 0, F_PRODUCT | F_GEMV, "largest M of the vector/dedicated GEMV path"),
    HWF("matrix.tile_m", "matrix", "tile_m", T_INT, tile_m, 1, 0, F_PRODUCT, "output tile rows per unit"),
    HWF("matrix.tile_n", "matrix", "tile_n", T_INT, tile_n, 1, 0, F_PRODUCT, "output tile columns per unit"),
    HWF("matrix.tile_k", "matrix", "tile_k", T_INT, tile_k, 1, 0, F_PRODUCT, "tile depth"),
    HWF("vector.flops_per_cycle", "vector", "flops_per_cycle", T_NUM, vec_flops_per_cycle, 0, 0, AP | S_VEC | S_PEAK, "fp32 vector FLOP/cycle/unit (0 = 256)"),
    HWF("vector.units", "vector", "units", T_INT, vec_units, 1, 0, AP | S_PEAK, "vector units on the chip"),
    HWF("vector.clock_mhz", "vector", "clock_mhz", T_NUM, vec_clock_mhz, 1, 0, F_PRODUCT | S_PEAK, "vector clock, MHz"),
    HWF("vector.width_bits", "vector", "width_bits", T_INT, vec_width_bits, 1, 0, 0, "SIMD width per vector unit, bits (informational)"),
    SRF("kb_per_unit", T_NUM, kb_per_unit, AP, "SRAM level N: KB per matrix unit"),
    SRF("mb", T_NUM, mb, AP, "SRAM level N: MB shared by the chip"),
    SRF("bandwidth_gbps", T_NUM, bandwidth_gbps, F_PRODUCT, "SRAM level N: GB/s"),
    SRF("bytes_per_cycle", T_NUM, bytes_per_cycle, F_PRODUCT, "SRAM level N: bytes per cycle (per unit, or per chip if shared)"),
    SRF("feeds_matrix", T_BOOL, feeds_matrix, F_PRODUCT, "SRAM level N feeds the matrix engines"),
    SRF("role", T_STR, role, F_PRODUCT, "SRAM level N: scratchpad|cache|kernel (\"\" = the kind's default)"),
    HWF("memory.technology", "memory", "technology", T_STR, mem_technology, 0, 0, AP | S_TECH, "memory technology (npusim list memory); resets pin_gbps and capacity_gb"),
    HWF("memory.stacks", "memory", "stacks", T_INT, mem_stacks, 1, 0, AP | S_CAP, "HBM stacks or DRAM devices; resets capacity_gb"),
    HWF("memory.height", "memory", "height", T_INT, mem_height, 1, 0, F_PRODUCT | S_CAP, "dies per stack; resets capacity_gb"),
    HWF("memory.pin_gbps", "memory", "pin_gbps", T_NUM, mem_pin_gbps, 0, 0, F_PRODUCT, "pin rate, Gb/s (0 = the technology's)"),
    HWF("memory.capacity_gb", "memory", "capacity_gb", T_NUM, mem_capacity_gb, 0, 0, F_PRODUCT, "usable capacity, GiB (0 = stacks x height x die)"),
    HWF("links.bandwidth_gbps", "links", "bandwidth_gbps", T_NUM, link_gbps, 0, 0, AP | F_LINKS, "scale-up GB/s per direction per chip"),
    HWF("links.latency_us", "links", "latency_us", T_NUM, link_latency_us, 0, 0, F_PRODUCT | F_LINKS, "per-hop latency, us"),
    HWF("links.topology", "links", "topology", T_STR, link_topology, 0, 0, F_PRODUCT | F_LINKS | S_TOPO, "switch|mesh|ring|torus2d|torus3d|pcie|none"),
    HWF("links.domain_chips", "links", "domain_chips", T_INT, link_domain, 1, 0, F_PRODUCT | F_LINKS | S_DOMAIN, "chips in one scale-up domain"),
    HWF("links.wrap_every", "links", "wrap_every", T_INT, link_wrap_every, 1, 0, F_PRODUCT | F_LINKS, "torus wrap-around period"),
    HWF("links.links_per_chip", "links", "links_per_chip", T_INT, link_count, 1, 0, F_PRODUCT | F_LINKS, "links per chip"),
    HWF("links.link_gbps", "links", "link_gbps", T_NUM, link_each_gbps, 0, 0, F_PRODUCT | F_LINKS, "GB/s per link per direction"),
    HWF("links.in_switch_reduction", "links", "in_switch_reduction", T_BOOL, link_in_switch, 0, 0, F_PRODUCT | F_LINKS, "the switch reduces (NVLS)"),
    HWF("links.shared_gbps", "links", "shared_gbps", T_NUM, link_shared_gbps, 0, 0, F_PRODUCT | F_LINKS, "pcie host-bridge GB/s shared"),
    HWF("links.overlap", "links", "overlap", T_NUM, comm_overlap, 0, 0, F_LINKS, "fraction of collective time hidden, 0..1"),
    HWF("links.scaleout.bandwidth_gbps", "links.scaleout", "bandwidth_gbps", T_NUM, nic_gbps, 0, 0, F_PRODUCT | F_SCALEOUT, "scale-out GB/s per chip per direction"),
    HWF("links.scaleout.latency_us", "links.scaleout", "latency_us", T_NUM, nic_latency_us, 0, 0, F_PRODUCT | F_SCALEOUT, "scale-out latency, us"),
    HWF("links.scaleout.chips_per_node", "links.scaleout", "chips_per_node", T_INT, node_chips, 1, 0, F_SCALEOUT, "chips per host (informational)"),
    HWF("power.tdp_w", "power", "tdp_w", T_NUM, tdp_w, 0, 0, F_PRODUCT | F_POWER, "TDP, W"),
    HWF("power.idle_w", "power", "idle_w", T_NUM, idle_w, 0, 0, F_PRODUCT | F_POWER, "idle power, W (0 = learned fraction of TDP)"),
    HWF("process.node", "process", "node", T_STR, process_node, 0, 0, AP | F_PROCESS | S_NODE, "process (npusim list process)"),
    HWF("process.die_mm2", "process", "die_mm2", T_NUM, die_mm2, 0, 0, F_PROCESS, "die area to cost with, mm2 (0 = the area model)"),
    HWF("process.dies", "process", "dies", T_INT, dies, 1, 0, AP | F_PROCESS, "dies (chiplets) per chip"),
    HWF("process.transistors_b", "process", "transistors_b", T_NUM, transistors_b, 0, 0, F_PROCESS, "transistors, billions (informational)"),
    HWF("process.units_total", "process", "units_total", T_INT, units_total, 0, 0, AP | F_PROCESS, "physical units incl. spares (0 = units)"),
    HWF("price_usd", "", "price_usd", T_NUM, price_usd, 0, 0, 0, "chip price, USD (TCO)"),
    EFF("launch_us", launch_us), EFF("kernel_us", kernel_us), EFF("mem_eff", mem_eff), EFF("mem_lat_us", mem_lat_us),
    EFF("unit_bw_share", unit_bw_share), EFF("matrix_eff", matrix_eff), EFF("tile_pen", tile_pen), EFF("wave_us", wave_us),
    EFF("attn_eff", attn_eff), EFF("vec_eff", vec_eff), EFF("gemm_mem_eff", gemm_mem_eff),

    {"model", NPU_OV_MODEL, T_LOAD, 0, 0, 0, 0, 0, "", "model", 0, NULL, 0, "the whole model: a preset name, JSON or HF config.json"},
    MDF("layers", "", "layers", T_INT, layers, 1, NPU_MODEL_MAX_LAYERS, 0, "decoder layers (HF: num_hidden_layers)"),
    MDF("hidden", "", "hidden", T_INT, hidden, 1, NPU_MODEL_MAX_HIDDEN, 0, "hidden size"),
    MDF("heads", "", "heads", T_INT, heads, 1, NPU_MODEL_MAX_HEADS, 0, "attention heads"),
    MDF("kv_heads", "", "kv_heads", T_INT, kv_heads, 1, NPU_MODEL_MAX_HEADS, 0, "key/value heads"),
    MDF("head_dim", "", "head_dim", T_INT, head_dim, 1, NPU_MODEL_MAX_HEAD_DIM, 0, "head width"),
    MDF("ffn", "", "ffn", T_INT, ffn, 1, NPU_MODEL_MAX_FFN, 0, "MLP intermediate size"),
    MDF("vocab", "", "vocab", T_INT, vocab, 1, NPU_MODEL_MAX_VOCAB, 0, "vocabulary"),
    MDF("max_seq", "", "max_seq", T_INT, max_seq, 1, NPU_MODEL_MAX_SEQ, 0, "context window"),
    MDF("sliding_window", "", "sliding_window", T_INT, sliding_window, 0, NPU_MODEL_MAX_SEQ, 0, "sliding window (0 = full attention)"),
    MDF("mtp_layers", "", "mtp_layers", T_INT, mtp_layers, 0, NPU_MODEL_MAX_MTP, 0, "multi-token-prediction modules"),
    MDF("gated_mlp", "", "gated_mlp", T_BOOL, gated_mlp, 0, 0, 0, "gate*up MLP"),
    MDF("tied_embeddings", "", "tied_embeddings", T_BOOL, tied_embeddings, 0, 0, 0, "lm_head shares the embedding"),
    MDF("attn_bias", "", "attn_bias", T_BOOL, attn_bias, 0, 0, 0, "bias on q/k/v"),
    MDF("mlp_bias", "", "mlp_bias", T_BOOL, mlp_bias, 0, 0, 0, "bias in the MLP"),
    MDF("parallel_block", "", "parallel_block", T_BOOL, parallel_block, 0, 0, 0, "attention and MLP in parallel"),
    MDE("norm", "norm", norm, norm_names, "rmsnorm|layernorm"),
    MDE("activation", "activation", act, act_names, "silu|gelu|relu"),
    MDE("position", "position", pos, pos_names, "rope|learned|alibi|none"),
    MDF("moe.experts", "moe", "experts", T_INT, moe.experts, 1, NPU_MODEL_MAX_EXPERTS, F_MOE, "routed experts"),
    MDF("moe.top_k", "moe", "top_k", T_INT, moe.top_k, 1, NPU_MODEL_MAX_EXPERTS, F_MOE, "experts per token"),
    MDF("moe.shared_experts", "moe", "shared_experts", T_INT, moe.shared_experts, 0, NPU_MODEL_MAX_SHARED, F_MOE, "always-active experts"),
    MDF("moe.expert_ffn", "moe", "expert_ffn", T_INT, moe.expert_ffn, 1, NPU_MODEL_MAX_FFN, F_MOE, "expert intermediate size"),
    MDF("moe.dense_layers", "moe", "dense_layers", T_INT, moe.dense_layers, 0, NPU_MODEL_MAX_LAYERS, F_MOE, "leading dense layers"),
    MDF("mla.q_lora_rank", "mla", "q_lora_rank", T_INT, mla.q_lora_rank, 0, NPU_MODEL_MAX_LORA, F_MLA, "MLA query rank"),
    MDF("mla.kv_lora_rank", "mla", "kv_lora_rank", T_INT, mla.kv_lora_rank, 1, NPU_MODEL_MAX_LORA, F_MLA, "MLA cached latent width"),
    MDF("mla.qk_nope_head_dim", "mla", "qk_nope_head_dim", T_INT, mla.qk_nope_dim, 1, NPU_MODEL_MAX_HEAD_DIM, F_MLA, "MLA non-rotary q/k width"),
    MDF("mla.qk_rope_head_dim", "mla", "qk_rope_head_dim", T_INT, mla.qk_rope_dim, 1, NPU_MODEL_MAX_HEAD_DIM, F_MLA, "MLA rotary width"),
    MDF("mla.v_head_dim", "mla", "v_head_dim", T_INT, mla.v_head_dim, 1, NPU_MODEL_MAX_HEAD_DIM, F_MLA, "MLA value width"),

    {"engine", NPU_OV_ENGINE, T_LOAD, 0, 0, 0, 0, 0, "", "engine", 0, NULL, 0, "engine profile: a preset (presets/engine) or a file"},
    {"engine.SECTION.KEY", NPU_OV_ENGINE, T_EJSON, 0, 0, 0, 0, 0, "", "", 0, NULL, 0,
     "a field of the engine profile as its file names it: engine.host.step_us, engine.memory.kv_fraction, ..."},

    WLF("name", T_STR, name, 0, 0, 0, "label of the workload"),
    WLE("phase", phase, npu_wl_phase_names, NPU_WL_PHASES, "prefill|decode|e2e|offline|serve"),
    WLF("batch", T_INT, batch, 0, 0, F_UNSET0, "sequences per replica (offline/auto plans: 0 = chosen)"),
    WLF("seq", T_LONG, seq, 1, 0, F_UNSET0, "prefill: tokens per sequence"),
    WLF("ctx", T_LONG, ctx, 1, 0, F_UNSET0, "decode: cached tokens per sequence"),
    {"workload.input", NPU_OV_WORKLOAD, T_LEN, offsetof(npu_wl, input), FSZ(npu_wl, input), offsetof(npu_wl, input_spec), 1, 0, "", "input", 0, NULL, 0, "prompt tokens (serve: or a distribution)"},
    {"workload.output", NPU_OV_WORKLOAD, T_LEN, offsetof(npu_wl, output), FSZ(npu_wl, output), offsetof(npu_wl, output_spec), 1, 0, "", "output", 0, NULL, 0, "output tokens (serve: or a distribution)"},
    WLE("stack", stack, npu_stack_names, 2, "fused|eager"),
    WLF("dtype", T_DTYPE, wdt, 0, 0, S_DTYPE, "weight datatype; resets act_dtype and kv_dtype"),
    WLF("act_dtype", T_DTYPE, adt, 0, 0, 0, "GEMM activation datatype"),
    WLF("kv_dtype", T_DTYPE, kvdt, 0, 0, 0, "KV-cache datatype"),
    WLF("lm_head_dtype", T_STR, lm_head_dtype, 0, 0, 0, "LM head datatype (\"\" = the format's recipe)"),
    WLF("emb_dtype", T_STR, emb_dtype, 0, 0, 0, "embedding-table datatype (\"\" = the format's recipe)"),
    WLF("spec", T_STR, spec, 0, 0, 0, "speculative decoding: mtp:N | eagle:N | draft:MODEL:N (\"\" = none)"),
    WLF("spec_accept", T_STR, spec_accept, 0, 0, 0, "speculative decoding: mean accepted tokens, rate:A, or per-position rates"),
    WLF("moe_skew", T_NUM, moe_skew, 0, 0, 0, "expert popularity skew"),
    WLF("chips", T_INT, chips, 1, 4096, F_UNSET0, "plans auto: chips to deploy on"),
    WLF("slo_ttft_ms", T_NUM, slo_ttft_ms, 0, 0, 0, "p99 TTFT SLO, ms (serve); TTFT bound (auto plans)"),
    WLF("slo_tpot_ms", T_NUM, slo_tpot_ms, 0, 0, 0, "p99 TPOT SLO, ms (serve); TPOT bound (auto plans)"),
    WLE("scheduler", sched, npu_sched_names, NPU_SCHED_COUNT, "serve: static|continuous|chunked|disagg"),
    WLE("router", route, npu_route_names, NPU_ROUTE_COUNT, "serve: rr|least-requests|least-kv"),
    WLE("arrival", arrival, npu_arrival_names, NPU_ARRIVE_TRACE, "serve: poisson|gamma|offline|closed"),
    {"workload.rate", NPU_OV_WORKLOAD, T_RATE, offsetof(npu_wl, rate_rps), FSZ(npu_wl, rate_rps), offsetof(npu_wl, max_rate), 0, 0, "", "rate", 0, NULL, 0, "serve: requests/s, or \"max\" (highest rate within the SLOs)"},
    WLF("burstiness", T_NUM, burstiness_cv, 0, 0, 0, "serve, gamma arrivals: CV of the gaps"),
    WLF("concurrency", T_INT, concurrency, 1, 0, F_UNSET0, "serve: closed-loop clients"),
    WLF("requests", T_LONG, requests, 1, 0, 0, "serve: requests simulated"),
    WLF("seed", T_LONG, seed, 0, 0, 0, "serve: random seed"),
    WLF("max_seqs", T_INT, max_seqs, 1, 0, F_UNSET0, "serve: sequences per batch"),
    WLF("max_batched_tokens", T_LONG, max_batched_tokens, 1, 0, F_UNSET0, "serve: prefill tokens per step"),
    WLF("chunk", T_LONG, chunk, 1, 0, F_UNSET0, "serve, chunked: token budget per step"),
    WLF("block_size", T_INT, block_size, 1, 0, F_UNSET0, "serve: KV block, tokens"),
    WLF("kv_mem_frac", T_NUM, kv_mem_frac, 0, 1, 0, "serve: memory share for the KV cache"),
    WLF("prefix_share", T_NUM, prefix_share, 0, 1, F_MAXX, "serve: cached prefix share of each prompt"),
    WLF("step_overhead_us", T_NUM, step_overhead_us, 0, 0, 0, "serve: extra time per step, us"),
    WLF("replicas", T_INT, replicas, 1, 30000, 0, "serve: replicas (disagg: of the decode pool)"),
    WLF("prefill_hw", T_STR, prefill_hw, 0, 0, 0, "serve, disagg: the prefill pool's chip"),
    WLF("prefill_tp", T_INT, prefill_tp, 1, 1024, F_UNSET0, "serve, disagg: tp of the prefill pool"),
    WLF("prefill_replicas", T_INT, prefill_replicas, 1, 30000, 0, "serve, disagg: prefill replicas"),

    PLF("tp", tp, "tensor parallel"),
    PLF("pp", pp, "pipeline stages"),
    PLF("ep", ep, "expert parallel"),
    PLF("dp", dp, "data-parallel replicas"),
    PLF("cp", cp, "context parallel"),
};

/* Other names for a path: HuggingFace config names of the model fields, and
 * the serve CLI's --decode-replicas. */
static const char *const aliases[][2] = {
    {"model.num_layers", "model.layers"},           {"model.num_hidden_layers", "model.layers"},
    {"model.hidden_size", "model.hidden"},          {"model.num_attention_heads", "model.heads"},
    {"model.num_key_value_heads", "model.kv_heads"}, {"model.intermediate_size", "model.ffn"},
    {"model.vocab_size", "model.vocab"},            {"model.max_position_embeddings", "model.max_seq"},
    {"workload.decode_replicas", "workload.replicas"},
};

int npu_ov_path_count(void) { return (int)NPU_ARRAY_LEN(table); }
const char *npu_ov_path_at(int i, const char **help) {
    if (i < 0 || i >= (int)NPU_ARRAY_LEN(table)) return NULL;
    if (help) *help = table[i].help;
    return table[i].path;
}

npu_ov_domain npu_ov_domain_of(const npu_ov *o) { return o->f->dom; }
bool npu_ov_is_whole(const npu_ov *o) { return o->f->type == T_LOAD; }
bool npu_ov_is_integer(const npu_ov *o) {
    return o->f->type == T_INT || o->f->type == T_LONG || o->f->type == T_LEN;
}
bool npu_ov_is_numeric(const npu_ov *o) {
    ov_type t = o->f->type;
    return t == T_INT || t == T_LONG || t == T_NUM || t == T_BOOL;
}

bool npu_ov_is_bool(const npu_ov *o) { return o->f->type == T_BOOL; }

bool npu_ov_takes_number(const npu_ov *o) {
    ov_type t = o->f->type;
    return t == T_INT || t == T_LONG || t == T_NUM || t == T_LEN || t == T_RATE;
}

const char *npu_ov_path(const npu_ov *o) { return o->text[0] ? o->text : o->f->path; }

/* ---- resolving ---- */

static const npu_ov_field *find_exact(const char *path) {
    for (size_t i = 0; i < NPU_ARRAY_LEN(table); i++)
        if (strcmp(table[i].path, path) == 0) return &table[i];
    for (size_t i = 0; i < NPU_ARRAY_LEN(aliases); i++)
        if (strcmp(aliases[i][0], path) == 0) return find_exact(aliases[i][1]);
    return NULL;
}

/* The closest path to an unknown one. Within its domain (the text before the first
 * dot), in this order: a path of the same section or domain whose last key is the
 * one given (hw.tdp_w -> hw.power.tdp_w), the first key of a section named alone
 * (hw.memory -> hw.memory.technology), the path with the closest last key in the
 * same section, then in the domain (hw.clock_ghz -> hw.matrix.clock_mhz), else the
 * closest whole path. An SRAM path keeps its level (hw.sram[1].mbb ->
 * hw.sram[1].mb). A dotted path is never answered with a bare domain ("hw" is
 * inside "hw.memory.stakcs" but is not what was meant), nor with another domain's
 * path. */
static void unknown_path(const char *path) {
    enum { NC = NPU_ARRAY_LEN(table) + NPU_ARRAY_LEN(aliases) };
    const char *full[NC], *tails[NC];
    size_t n = 0;
    /* the SRAM level as written (hw.sram[1] or hw.sram.l2), compared as hw.sram[] */
    char norm[256], level[96] = "hw.sram[0]";
    const char *q = path;
    if (strncmp(path, "hw.sram", 7) == 0 && (path[7] == '[' || path[7] == '.')) {
        const char *end = path[7] == '[' ? strchr(path + 8, ']') : strchr(path + 8, '.');
        if (end && end[path[7] == '[' ? 1 : 0] == '.') {
            size_t lv = (size_t)(end - path) + (path[7] == '[' ? 1 : 0);
            if (lv < sizeof level) memcpy(level, path, lv), level[lv] = '\0';
            snprintf(norm, sizeof norm, "hw.sram[]%s", path + lv);
            q = norm;
        }
    }
    const char *pdot = strchr(q, '.'), *plast = strrchr(q, '.');
    size_t dom = pdot ? (size_t)(pdot - q) + 1 : 0, sec = plast ? (size_t)(plast - q) + 1 : 0, qlen = strlen(q);
    if (plast && !plast[1]) qlen--; /* "hw.memory." names the section, as "hw.memory" does */
    for (size_t i = 0; i < NC; i++) {
        const char *t = i < NPU_ARRAY_LEN(table) ? table[i].path : aliases[i - NPU_ARRAY_LEN(table)][0];
        const char *tlast = strrchr(t, '.');
        if (pdot && (!tlast || strncmp(t, q, dom) != 0)) continue;
        full[n] = t, tails[n++] = tlast ? tlast + 1 : t;
    }
    const char *c = NULL;
    for (int same_sec = 1; pdot && !c && same_sec >= 0; same_sec--)
        for (size_t i = 0; !c && i < n; i++)
            if (strcasecmp(tails[i], plast + 1) == 0 &&
                (!same_sec || ((size_t)(tails[i] - full[i]) == sec && strncmp(full[i], q, sec) == 0)))
                c = full[i];
    for (size_t i = 0; pdot && !c && i < n; i++)
        if (strncmp(full[i], q, qlen) == 0 && full[i][qlen] == '.') c = full[i];
    if (pdot && !c && plast[1]) { /* the closest last key: in the same section, else in the domain */
        const char *st[NC], *sf[NC];
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if ((size_t)(tails[i] - full[i]) == sec && strncmp(full[i], q, sec) == 0) st[m] = tails[i], sf[m++] = full[i];
        const char *t = npu_closest(plast + 1, st, m);
        for (size_t i = 0; t && i < m; i++)
            if (st[i] == t) c = sf[i];
        t = c ? NULL : npu_closest(plast + 1, tails, n);
        for (size_t i = 0; t && i < n; i++)
            if (tails[i] == t) c = full[i];
    }
    if (!c) c = npu_closest(q, full, n);
    char cbuf[160];
    if (c && strncmp(c, "hw.sram[]", 9) == 0) {
        snprintf(cbuf, sizeof cbuf, "%s%s", level, c + 9);
        c = cbuf;
    }
    npu_err("unknown path '%s'%s%s%s (npusim sweep --paths lists them)", path, c ? " (did you mean '" : "",
            c ? c : "", c ? "'?)" : "");
}

int npu_ov_resolve(const char *path, npu_ov *o) {
    memset(o, 0, sizeof *o);
    if (strncmp(path, "hw.sram", 7) == 0 && (path[7] == '[' || path[7] == '.')) {
        /* hw.sram[N].key or hw.sram.LEVEL.key */
        const char *p = path + 7, *key = NULL;
        if (*p == '[') {
            char *end;
            long idx = strtol(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || idx < 0 || idx >= NPU_MAX_SRAM) {
                npu_err("path '%s': sram index must be 0..%d, as in hw.sram[1].mb", path, NPU_MAX_SRAM - 1);
                return -1;
            }
            if (end[1] != '.' || !end[2]) { /* hw.sram[1] alone: a level, not one of its fields */
                npu_err("path '%s': give one of the level's fields, as in hw.sram[%ld].mb (npusim sweep --paths)", path,
                        idx);
                return -1;
            }
            o->index = (int)idx;
            key = end + 2;
        } else {
            const char *dot = strchr(p + 1, '.');
            if (!dot) {
                unknown_path(path);
                return -1;
            }
            size_t n = (size_t)(dot - (p + 1));
            if (n == 0 || n >= sizeof o->level) {
                unknown_path(path);
                return -1;
            }
            /* level name: resolved against the chip at apply time */
            memcpy(o->level, p + 1, n);
            o->level[n] = '\0';
            o->index = -1;
            key = dot + 1;
        }
        for (size_t i = 0; i < NPU_ARRAY_LEN(table); i++)
            if ((table[i].flags & F_SRAM) && strcmp(table[i].key, key) == 0) o->f = &table[i];
        if (!o->f) {
            unknown_path(path);
            return -1;
        }
        if (o->index >= 0) snprintf(o->text, sizeof o->text, "hw.sram[%d].%s", o->index, key);
        else snprintf(o->text, sizeof o->text, "hw.sram.%s.%s", o->level, key);
        return 0;
    }
    if (strncmp(path, "engine.", 7) == 0 && path[7]) { /* a profile field, checked against the profile at apply */
        for (size_t i = 0; i < NPU_ARRAY_LEN(table); i++)
            if (table[i].type == T_EJSON) o->f = &table[i];
        if (strlen(path + 7) >= sizeof o->sub) {
            npu_err("path '%s' is too long", path);
            return -1;
        }
        npu_strlcpy(o->sub, path + 7, sizeof o->sub);
        npu_strlcpy(o->text, path, sizeof o->text);
        return 0;
    }
    o->f = find_exact(path);
    if (!o->f || (o->f->flags & F_SRAM) || o->f->type == T_EJSON) {
        unknown_path(path);
        return -1;
    }
    npu_strlcpy(o->text, o->f->path, sizeof o->text);
    return 0;
}

static void append_value(npu_ov *o, const char *v) {
    /* text holds the canonical path; make it "path=value" */
    char *eq = strchr(o->text, '=');
    if (eq) *eq = '\0';
    size_t n = strlen(o->text);
    snprintf(o->text + n, sizeof o->text - n, "=%s", v);
}

int npu_ov_set_text(npu_ov *o, const char *v) {
    o->is_str = true;
    o->num = 0;
    if (strlen(v) >= sizeof o->str) {
        npu_err("--set %s: value too long (at most %zu characters)", o->f->path, sizeof o->str - 1);
        return -1;
    }
    npu_strlcpy(o->str, v, sizeof o->str);
    ov_type t = o->f->type;
    if (t == T_EJSON && (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)) o->is_str = false, o->num = v[0] == 't';
    if (t == T_INT || t == T_LONG || t == T_NUM || t == T_LEN || t == T_RATE || t == T_EJSON) {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (end != v && *end == '\0' && errno == 0 && isfinite(d)) o->is_str = false, o->num = d;
    } else if (t == T_BOOL) {
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) o->is_str = false, o->num = 1;
        else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) o->is_str = false, o->num = 0;
    }
    append_value(o, v);
    return 0;
}

int npu_ov_set_num(npu_ov *o, double v) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    /* shortest form that reads back as the same double; a whole number in full
     * (50, not 5e+01, in messages and columns) */
    if (v == floor(v) && fabs(v) < 1e15) snprintf(buf, sizeof buf, "%.0f", v);
    else
        for (int prec = 1; prec <= 17; prec++) {
            char b[64];
            snprintf(b, sizeof b, "%.*g", prec, v);
            if (strtod(b, NULL) == v) {
                memcpy(buf, b, sizeof b);
                break;
            }
        }
    if (o->f->type == T_STR || o->f->type == T_ENUM || o->f->type == T_DTYPE || o->f->type == T_LOAD) {
        int rc = npu_ov_set_text(o, buf);
        o->is_str = false; /* a number given for a name: the bounds step reports it */
        o->num = v;
        return rc;
    }
    o->is_str = false;
    o->num = v;
    o->str[0] = '\0';
    if (o->f->type == T_BOOL && v != 0 && v != 1) { /* as --set: only 0 and 1 read as false and true */
        o->is_str = true;
        npu_strlcpy(o->str, buf, sizeof o->str);
    }
    append_value(o, buf);
    return 0;
}

int npu_ov_set_json(npu_ov *o, const cJSON *v) {
    if (cJSON_IsNumber(v)) return npu_ov_set_num(o, v->valuedouble);
    if (cJSON_IsBool(v)) {
        int rc = npu_ov_set_text(o, cJSON_IsTrue(v) ? "true" : "false");
        if (o->f->type != T_BOOL) o->is_str = true; /* true for a number is "must be a number" */
        return rc;
    }
    if (cJSON_IsString(v)) {
        int rc = npu_ov_set_text(o, v->valuestring);
        /* a JSON string is a string, even when it reads as a number or a boolean (as in a file) */
        ov_type t = o->f->type;
        if (rc == 0 && (t == T_INT || t == T_LONG || t == T_NUM || t == T_BOOL)) o->is_str = true;
        return rc;
    }
    npu_err("%s: a value must be a number, a string or true/false", o->f->path);
    return -1;
}

int npu_ov_parse(const char *assign, npu_ov *o) {
    const char *eq = strchr(assign, '=');
    if (!eq || eq == assign) {
        npu_err("--set '%s': expected PATH=VALUE (e.g. hw.memory.stacks=8)", assign);
        return -1;
    }
    char path[160];
    size_t n = (size_t)(eq - assign);
    if (n >= sizeof path) {
        npu_err("--set '%s': path too long", assign);
        return -1;
    }
    memcpy(path, assign, n);
    path[n] = '\0';
    if (npu_ov_resolve(path, o)) return -1;
    return npu_ov_set_text(o, eq + 1);
}

/* ---- applying ---- */

static void *dom_base(const npu_ov_field *f, const npu_ov_target *t) {
    switch (f->dom) {
    case NPU_OV_HW: return t->hw;
    case NPU_OV_MODEL: return t->model;
    case NPU_OV_ENGINE: return t->engine;
    case NPU_OV_WORKLOAD: return t->wl;
    case NPU_OV_PLAN: return t->plan;
    default: return NULL;
    }
}

/* "--set a=1, b=2" over the edits of one domain: the origin every message names */
static void origin_of(const npu_ov *o, int n, npu_ov_domain d, char *buf, size_t cap) {
    size_t k = (size_t)snprintf(buf, cap, "--set ");
    bool first = true;
    for (int i = 0; i < n && k < cap; i++) {
        if (o[i].f->dom != d || o[i].f->type == T_LOAD) continue;
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", first ? "" : ", ", o[i].text);
        first = false;
    }
}

static void where_of(const npu_ov *o, int sram_i, const char *origin, char *buf, size_t cap) {
    const npu_ov_field *f = o->f;
    if (f->flags & F_SRAM) snprintf(buf, cap, "%s: sram[%d]", origin, sram_i);
    else if (f->sect[0]) snprintf(buf, cap, "%s: %s", origin, f->sect);
    else snprintf(buf, cap, "%s", origin);
}

/* messages only: the origin is formatted when an error is reported */
static void lazy_where(const npu_ov *o, int sram_i, const npu_ov *all, int n_all, char *buf, size_t cap) {
    char origin[1024];
    origin_of(all, n_all, o->f->dom, origin, sizeof origin);
    where_of(o, sram_i, origin, buf, cap);
}

/* the sram index of hw.sram.LEVEL.key on this chip */
static int sram_index(const npu_ov *o, const npu_hw *hw, const char *origin) {
    if (o->index >= 0) {
        if (o->index >= hw->n_sram) {
            npu_err("%s: %s has %d SRAM level%s (sram[0]..sram[%d])", origin, hw->name, hw->n_sram,
                    hw->n_sram == 1 ? "" : "s", hw->n_sram - 1);
            return -1;
        }
        return o->index;
    }
    const char *lvl = o->level;
    const char *names[NPU_MAX_SRAM];
    for (int i = 0; i < hw->n_sram; i++) {
        names[i] = hw->sram[i].level;
        if (strcmp(hw->sram[i].level, lvl) == 0) return i;
    }
    const char *c = npu_closest(lvl, names, (size_t)hw->n_sram);
    npu_err("%s: %s has no SRAM level '%s'%s%s%s", origin, hw->name, lvl, c ? " (did you mean '" : "", c ? c : "",
            c ? "'?)" : "");
    return -1;
}

/* npu_process_lookup walks the table with strcasecmp over names and aliases; a
 * sweep over nodes asks for the same few names per design: remember them (the
 * built-in table is static, so its entries outlive the cache). */
static const npu_process *proc_lookup(const char *name) {
    static _Thread_local char names[8][32];
    static _Thread_local const npu_process *procs[8];
    static _Thread_local int next;
    for (int i = 0; i < 8; i++)
        if (procs[i] && strcmp(names[i], name) == 0) return procs[i];
    const npu_process *p = npu_process_lookup(name);
    if (p && strlen(name) < sizeof names[0]) {
        npu_strlcpy(names[next], name, sizeof names[next]);
        procs[next] = p;
        next = (next + 1) % 8;
    }
    return p;
}

/* The section an edit needs must exist (a file edit would need its "source"). */
static int precheck(const npu_ov *o, const npu_ov_target *t, const char *origin) {
    const npu_ov_field *f = o->f;
    void *base = dom_base(f, t);
    if (!base) {
        npu_err("%s: no %s description to edit here", origin, npu_ov_domain_names[f->dom]);
        return -1;
    }
    const npu_hw *hw = t->hw;
    const char *missing = NULL;
    if ((f->flags & F_LINKS) && !hw->links_source[0]) missing = "links";
    if ((f->flags & F_SCALEOUT) && !hw->nic_source[0]) missing = "links.scaleout";
    if ((f->flags & F_POWER) && !hw->power_source[0]) missing = "power";
    if ((f->flags & F_PROCESS) && !hw->process_source[0]) missing = "process";
    if (missing) {
        npu_err("%s: %s describes no %s section to edit", origin, hw->name, missing);
        return -1;
    }
    if ((f->flags & F_ENGINE) && !hw->engine.type[0]) missing = "matrix.engine";
    if ((f->flags & F_GEMV) && !hw->gemv_desc.path[0]) missing = "matrix.gemv";
    if (missing) {
        npu_err("%s: %s describes no %s section to edit", origin, hw->name, missing);
        return -1;
    }
    if ((f->flags & F_MOE) && t->model->moe.experts <= 0) {
        npu_err("%s: %s is a dense model (no moe section to edit)", origin, t->model->name);
        return -1;
    }
    if ((f->flags & F_MLA) && t->model->mla.kv_lora_rank <= 0) {
        npu_err("%s: %s has no mla section to edit", origin, t->model->name);
        return -1;
    }
    if ((f->flags & F_SRAM) && sram_index(o, hw, origin) < 0) return -1;
    if ((f->flags & S_NODE) && o->is_str && !proc_lookup(o->str)) {
        const npu_process *p = npu_process_find(o->str); /* sets the error with the closest name */
        (void)p;
        char m[400];
        npu_strlcpy(m, npu_errmsg(), sizeof m);
        npu_err("%s: process.node: %s", origin, m);
        return -1;
    }
    return 0;
}

static npu_dtype default_act(npu_dtype w) { return w == NPU_FP8 || w == NPU_INT8 ? w : w == NPU_INT4 ? NPU_BF16 : w; }

/* Side effects of one edit on the description it touches, before any value is set. */
/* A hardware edit that writes the value the field has changes nothing: no side
 * effects (the chip keeps its published die, price and name, so a sweep axis
 * through the preset's own value meets the preset itself). Other domains keep
 * theirs (workload.dtype resets the activation and KV types as --dtype does). */
static bool hw_unchanged(const npu_ov *o, const npu_ov_target *t) {
    if (o->f->dom != NPU_OV_HW || o->f->type == T_LOAD || !t->hw) return false;
    double num;
    const char *str = NULL;
    char buf[160];
    int k = npu_ov_get(o, t, &num, &str, buf, sizeof buf);
    return k == 1 ? o->is_str && str && strcmp(str, o->str) == 0 : k == 0 && !o->is_str && num == o->num;
}

/* Side effects of the edits that change something (decided before any runs). */
static int all_side_effects(const npu_ov *o, int n, const npu_ov_target *t);

static void side_effects(const npu_ov *o, const npu_ov_target *t) {
    unsigned fl = o->f->flags;
    if (o->f->dom == NPU_OV_HW) {
        npu_hw *hw = t->hw;
        if (fl & F_AREA) hw->die_mm2 = 0, hw->transistors_b = 0;
        if (fl & F_PRODUCT) hw->price_usd = 0, hw->price_source[0] = '\0';
        if ((fl & (F_AREA | F_PRODUCT)) && !strstr(hw->description, " (edited)")) {
            size_t n = strlen(hw->description);
            if (n + 10 >= sizeof hw->description) n = sizeof hw->description - 10;
            memcpy(hw->description + n, " (edited)", 10);
        }
        if (fl & S_TECH) {
            hw->mem_pin_gbps = 0, hw->mem_capacity_gb = 0;
            /* keep the stack height when the new technology makes it, else the reader's default */
            const npu_memtech *mt = o->is_str ? npu_memtech_find(o->str) : NULL;
            if (mt && !npu_memtech_height_ok(mt, hw->mem_height)) hw->mem_height = mt->heights[0]; /* its lowest */
        }
        if (fl & S_CLK) /* bytes_per_cycle x units x clock is the bandwidth: drop a stated GB/s beside it */
            for (int i = 0; i < hw->n_sram; i++)
                if (hw->sram[i].bytes_per_cycle > 0) hw->sram[i].bandwidth_gbps = 0;
        if (fl & F_SRAM) { /* a level's bandwidth is stated once: GB/s or bytes per cycle */
            int i = sram_index(o, hw, "");
            if (i >= 0 && strcmp(o->f->key, "bandwidth_gbps") == 0) hw->sram[i].bytes_per_cycle = 0;
            if (i >= 0 && strcmp(o->f->key, "bytes_per_cycle") == 0) hw->sram[i].bandwidth_gbps = 0;
        }
        if ((fl & F_LINKS) && !(fl & F_SCALEOUT)) { /* scale-up bandwidth = links x per-link rate: an edit of one
                             * rate lets the other follow (both stated, one would be ignored) */
            const char *k = o->f->key;
            if (strcmp(k, "bandwidth_gbps") == 0 && hw->link_each_gbps > 0) hw->link_each_gbps = 0;
            if (strcmp(k, "link_gbps") == 0 && hw->link_gbps > 0) hw->link_gbps = 0;
            if (strcmp(k, "links_per_chip") == 0 && hw->link_each_gbps > 0) hw->link_gbps = 0;
        }
        if (fl & S_PEAK) {
            memset(hw->peak_tflops, 0, sizeof hw->peak_tflops);
            memset(hw->xpeak_tflops, 0, sizeof hw->xpeak_tflops);
            hw->tf32_peak_tflops = 0;
        }
        if (fl & S_CAP) hw->mem_capacity_gb = 0;
        if ((fl & S_UNITS) && !o->is_str && o->num >= 1 && o->num <= 2e9 && hw->units_total > hw->units)
            hw->units_total = (int)lround(o->num * hw->units_total / hw->units);
        if ((fl & S_NODE) && o->is_str) {
            const npu_process *p = proc_lookup(o->str);
            if (p) npu_strlcpy(hw->foundry, p->foundry, sizeof hw->foundry);
        }
        if (fl & S_EFF) hw->eff_from_file = true;
    } else if (o->f->dom == NPU_OV_WORKLOAD && (fl & S_DTYPE) && o->is_str) {
        npu_dtype d;
        if (npu_dtype_parse(o->str, &d) == 0) {
            t->wl->adt = default_act(d);
            t->wl->kvdt = d == NPU_FP16 ? NPU_FP16 : NPU_BF16;
        }
    }
}

static int all_side_effects(const npu_ov *o, int n, const npu_ov_target *t) {
    bool small[64], *skip = n <= 64 ? small : malloc((size_t)n * sizeof *skip);
    if (!skip) {
        npu_err("out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) skip[i] = o[i].f->type == T_LOAD || hw_unchanged(&o[i], t);
    for (int i = 0; i < n; i++)
        if (!skip[i]) side_effects(&o[i], t);
    if (skip != small) free(skip);
    return 0;
}

static int pick_name(const char *s, const char *const *names, int n, const char *what, const char *where) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    const char *c = npu_closest(s, names, (size_t)n);
    npu_err("%s: unknown %s '%s'%s%s%s", where, what, s, c ? " (did you mean '" : "", c ? c : "", c ? "'?)" : "");
    return -1;
}

/* Check the value with the JSON reader's rules and messages, then store it. */
static int set_value(const npu_ov *o, const npu_ov_target *t, const npu_ov *all, int n_all) {
    const npu_ov_field *f = o->f;
    char where[1400];
    int si = (f->flags & F_SRAM) ? sram_index(o, t->hw, "") : 0;
    if (si < 0) return -1; /* prechecked */
    where[0] = '\0';
#define WHERE() (where[0] ? where : (lazy_where(o, si, all, n_all, where, sizeof where), where))
    char *base = dom_base(f, t);
    if (f->flags & F_SRAM) base = (char *)&t->hw->sram[si];
    char *p = base + f->off;
    const char *key = f->key;
    switch (f->type) {
    case T_INT: case T_LONG: case T_NUM: {
        if (o->is_str) {
            npu_err("%s: field '%s' must be a number", WHERE(), key);
            return -1;
        }
        double v = o->num;
        /* npu_json_num_range / npu_json_int_range: the bound, the fraction, the top */
        if (v < f->min) {
            npu_err("%s: field '%s' is %g, must be at least %g", WHERE(), key, v, f->min);
            return -1;
        }
        if (f->type != T_NUM && v != floor(v)) {
            npu_err("%s: field '%s' is %g, must be an integer", WHERE(), key, v);
            return -1;
        }
        double top = f->max > 0 ? f->max : f->type == T_INT ? INT_MAX : f->type == T_LONG ? 9e15 : 0;
        if (f->type != T_NUM && v > top) {
            npu_err("%s: field '%s' is %.17g, must be at most %.0f", WHERE(), key, v, top);
            return -1;
        }
        if (f->type == T_NUM && f->max > 0 && ((f->flags & F_MAXX) ? v >= f->max : v > f->max)) {
            npu_err("%s: field '%s' is %g, must be %s %g", WHERE(), key, v, (f->flags & F_MAXX) ? "below" : "at most", f->max);
            return -1;
        }
        if (f->dom == NPU_OV_HW && strcmp(key, "overlap") == 0 && v > 1) {
            npu_err("%s.overlap: %g must be a fraction between 0 and 1", WHERE(), v);
            return -1;
        }
        if (f->type == T_INT) *(int *)p = (int)v;
        else if (f->type == T_LONG) *(long *)p = (long)v;
        else *(double *)p = v;
        if ((f->flags & S_VEC) && v <= 0) *(double *)p = 256;
        return 0;
    }
    case T_BOOL:
        if (o->is_str) {
            npu_err("%s: field '%s' must be true or false", WHERE(), key);
            return -1;
        }
        *(bool *)p = o->num != 0;
        return 0;
    case T_STR:
        if (!o->is_str) {
            npu_err("%s: field '%s' must be a string", WHERE(), key);
            return -1;
        }
        if (f->flags & S_TOPO) {
            npu_topo tp;
            if (npu_topo_parse(o->str, &tp)) {
                char m[400];
                npu_strlcpy(m, npu_errmsg(), sizeof m);
                npu_err("%s.topology: %s", WHERE(), m);
                return -1;
            }
        }
        npu_strlcpy(p, o->str, f->size);
        return 0;
    case T_ENUM: {
        if (!o->is_str) {
            npu_err("%s: field '%s' must be a string", WHERE(), key);
            return -1;
        }
        int k = -1;
        for (int i = 0; i < f->n_names; i++)
            if (strcmp(o->str, f->names[i]) == 0) k = i;
        if (k < 0) k = pick_name(o->str, f->names, f->n_names, key, WHERE());
        if (k < 0) return -1;
        static_assert(sizeof(npu_stack) == sizeof(int) && sizeof(npu_norm) == sizeof(int), "enums are int-sized");
        *(int *)p = k;
        return 0;
    }
    case T_DTYPE: {
        npu_dtype d;
        if (!o->is_str) {
            npu_err("%s: field '%s' must be a string", WHERE(), key);
            return -1;
        }
        if (npu_dtype_parse(o->str, &d)) {
            char m[300];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("%s: %s: %s", WHERE(), key, m);
            return -1;
        }
        *(npu_dtype *)p = d;
        return 0;
    }
    case T_LEN: {
        char *spec = base + f->off2;
        if (!o->is_str) {
            if (o->num < f->min || o->num != floor(o->num) || o->num > 2e9) {
                npu_err("%s: field '%s' is %g, must be a whole number of tokens >= %g", WHERE(), key, o->num, f->min);
                return -1;
            }
            *(long *)p = (long)o->num;
            snprintf(spec, sizeof ((npu_wl *)0)->input_spec, "%ld", (long)o->num);
            return 0;
        }
        npu_dist d;
        if (npu_dist_parse(o->str, strcmp(key, "input") == 0 ? 1 : 0, key, &d)) {
            char m[300];
            npu_strlcpy(m, npu_errmsg(), sizeof m);
            npu_err("%s: %s", WHERE(), m);
            return -1;
        }
        npu_dist_free(&d);
        *(long *)p = 0; /* a distribution: no fixed length */
        npu_strlcpy(spec, o->str, sizeof ((npu_wl *)0)->input_spec);
        return 0;
    }
    case T_RATE: {
        bool *mx = (bool *)(base + f->off2);
        if (o->is_str) {
            if (strcmp(o->str, "max") != 0) {
                npu_err("%s: field '%s' must be a number of requests/s or \"max\"", WHERE(), key);
                return -1;
            }
            *mx = true, *(double *)p = 0;
            return 0;
        }
        if (!(o->num > 0)) {
            npu_err("%s: field '%s' is %g, must be positive", WHERE(), key, o->num);
            return -1;
        }
        *mx = false, *(double *)p = o->num;
        return 0;
    }
    case T_LOAD: case T_EJSON: break;
    }
    return 0;
#undef WHERE
}

static int load_whole(const npu_ov *o, const npu_ov_target *t) {
    const char *origin = o->text;
    void *base = dom_base(o->f, t);
    if (!base) {
        npu_err("--set %s: no %s description to replace here", origin, npu_ov_domain_names[o->f->dom]);
        return -1;
    }
    /* engine=auto: the chip's usual engine (npu_engine_default_for), as --engine auto;
     * npu_ov_apply edits the chip first */
    const char *name = o->f->dom == NPU_OV_ENGINE && strcmp(o->str, NPU_ENGINE_AUTO) == 0
                           ? npu_engine_default_for(t->hw)
                           : o->str;
    int rc = o->f->dom == NPU_OV_HW      ? npu_hw_load(name, t->hw)
             : o->f->dom == NPU_OV_MODEL ? npu_model_load(name, t->model)
                                         : npu_engine_load(name, t->engine);
    if (rc) {
        char m[600];
        npu_strlcpy(m, npu_errmsg(), sizeof m);
        npu_err("--set %s: %s", origin, m);
    }
    return rc;
}

/* engine.SECTION.KEY edits: all of them on the engine's resolved profile
 * (npu_engine_profile_json), read back as a file is (npu_engine_from_json:
 * its checks and messages). A field of the profile is an object with "value". */
static int apply_engine_json(const npu_ov *o, int n, const npu_ov_target *t) {
    int k = 0;
    for (int i = 0; i < n; i++) k += o[i].f->type == T_EJSON;
    if (!k) return 0;
    npu_engine *e = t->engine;
    char origin[1024];
    origin_of(o, n, NPU_OV_ENGINE, origin, sizeof origin);
    if (!e) {
        npu_err("%s: no engine description to edit here", origin);
        return -1;
    }
    cJSON *tree = npu_engine_profile_json(e->asked[0] ? e->asked : e->name);
    if (!tree) {
        char m[600];
        npu_strlcpy(m, npu_errmsg(), sizeof m);
        npu_err("%s: %s", origin, m);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (o[i].f->type != T_EJSON) continue;
        char path[96];
        npu_strlcpy(path, o[i].sub, sizeof path);
        cJSON *node = tree, *leaf = NULL, *parent = NULL;
        char *save = NULL;
        for (char *seg = strtok_r(path, ".", &save); seg; seg = strtok_r(NULL, ".", &save)) {
            cJSON *c = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, seg) : NULL;
            if (!c) {
                const char *keys[128];
                size_t nk = 0;
                for (cJSON *x = cJSON_IsObject(node) ? node->child : NULL; x && nk < NPU_ARRAY_LEN(keys); x = x->next)
                    keys[nk++] = x->string;
                const char *best = npu_closest(seg, keys, nk);
                npu_err("--set %s: the engine profile has no field '%s'%s%s%s", o[i].text, seg,
                        best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
                rc = -1;
                break;
            }
            parent = node;
            node = leaf = c;
        }
        if (rc) break;
        cJSON *v = cJSON_IsObject(leaf) ? cJSON_GetObjectItemCaseSensitive(leaf, "value") : leaf;
        cJSON *nv = NULL;
        if (cJSON_IsNumber(v) && !o[i].is_str) nv = cJSON_CreateNumber(o[i].num);
        else if (cJSON_IsBool(v) && !o[i].is_str) nv = cJSON_CreateBool(o[i].num != 0);
        else if (cJSON_IsString(v) && o[i].is_str) nv = cJSON_CreateString(o[i].str);
        if (!v || cJSON_IsObject(v) || cJSON_IsArray(v)) {
            npu_err("--set %s: not a value of the engine profile (a section?)", o[i].text);
            rc = -1;
        } else if (!nv) {
            npu_err("--set %s: the field is %s", o[i].text, cJSON_IsNumber(v) ? "a number" : cJSON_IsBool(v) ? "true or false" : "a name");
            rc = -1;
        } else {
            if (v == leaf) cJSON_ReplaceItemInObjectCaseSensitive(parent, leaf->string, nv);
            else {
                cJSON_ReplaceItemInObjectCaseSensitive(leaf, "value", nv);
                /* an edited value is no longer the fitted one, nor from its source */
                cJSON_DeleteItemFromObjectCaseSensitive(leaf, "fitted");
                if (cJSON_GetObjectItemCaseSensitive(leaf, "source"))
                    cJSON_ReplaceItemInObjectCaseSensitive(leaf, "source", cJSON_CreateString(o[i].text));
            }
        }
    }
    if (rc == 0) {
        npu_engine tmp;
        rc = npu_engine_from_json(tree, origin, &tmp);
        if (rc == 0) *e = tmp;
    }
    cJSON_Delete(tree);
    return rc;
}

/* After the values: the cross-field checks of the links reader, then the
 * description-level validation. */
static int validate(const npu_ov *o, int n, const npu_ov_target *t) {
    bool dom[NPU_OV_DOMAINS] = {false}, links = false;
    for (int i = 0; i < n; i++) {
        if (o[i].f->type == T_LOAD) continue;
        dom[o[i].f->dom] = true;
        if (o[i].f->flags & (S_TOPO | S_DOMAIN)) links = true;
    }
    char origin[1024];
    if (dom[NPU_OV_HW]) {
        npu_hw *hw = t->hw;
        /* the message needs the origin; a sweep's valid designs do not: format it on failure */
        if (!links && npu_hw_finish(hw, "") == 0) goto model;
        origin_of(o, n, NPU_OV_HW, origin, sizeof origin);
        if (links) {
            npu_topo tp;
            int want = npu_topo_parse(hw->link_topology, &tp) == 0 ? npu_topo_ndims(tp) : 0;
            if (hw->link_ndims && (!want || hw->link_ndims != want)) {
                npu_err("%s: links.dims: a list of %d extents for topology '%s' (only ring, torus2d, torus3d take dims)",
                        origin, want, hw->link_topology[0] ? hw->link_topology : "(none)");
                return -1;
            }
            long prod = 1;
            for (int i = 0; i < hw->link_ndims; i++) prod *= hw->link_dims[i];
            if (hw->link_ndims && hw->link_domain && prod != hw->link_domain) {
                npu_err("%s: links: dims multiply to %ld chips but domain_chips is %d", origin, prod, hw->link_domain);
                return -1;
            }
        }
        if (npu_hw_finish(hw, origin)) return -1;
    }
model:
    if (dom[NPU_OV_MODEL]) {
        origin_of(o, n, NPU_OV_MODEL, origin, sizeof origin);
        if (npu_model_check(t->model, origin)) return -1;
    }
    return 0;
}

static bool needs_precheck(const npu_ov *o, const npu_ov_target *t) {
    unsigned fl = o->f->flags;
    return !dom_base(o->f, t) ||
           (fl & (F_LINKS | F_SCALEOUT | F_POWER | F_PROCESS | F_MOE | F_MLA | F_SRAM | S_NODE | F_ENGINE | F_GEMV));
}

static int apply_all(const npu_ov *o, int n, npu_ov_target *t);

/* Engine edits after the others: which engine "auto" names depends on the
 * edited chip, and hardware errors come before engine ones. */
int npu_ov_apply(const npu_ov *o, int n, npu_ov_target *t) {
    int k = 0;
    for (int i = 0; i < n; i++) k += o[i].f->dom == NPU_OV_ENGINE;
    if (k == 0 || k == n) return apply_all(o, n, t);
    npu_ov *v = malloc((size_t)n * sizeof *v);
    if (!v) {
        npu_err("out of memory");
        return -1;
    }
    int a = 0, b = n - k;
    for (int i = 0; i < n; i++) v[o[i].f->dom == NPU_OV_ENGINE ? b++ : a++] = o[i];
    int rc = apply_all(v, n - k, t);
    if (rc == 0) rc = apply_all(v + n - k, k, t);
    free(v);
    return rc;
}

static int apply_all(const npu_ov *o, int n, npu_ov_target *t) {
    for (int i = 0; i < n; i++)
        if (o[i].f->type == T_LOAD && load_whole(&o[i], t)) return -1;
    for (int i = 0; i < n; i++) {
        if (o[i].f->type == T_LOAD || !needs_precheck(&o[i], t)) continue;
        char origin[1024];
        origin_of(o, n, o[i].f->dom, origin, sizeof origin);
        if (precheck(&o[i], t, origin)) return -1;
    }
    if (all_side_effects(o, n, t)) return -1;
    for (int i = 0; i < n; i++)
        if (o[i].f->type != T_LOAD && set_value(&o[i], t, o, n)) return -1;
    if (apply_engine_json(o, n, t)) return -1;
    return validate(o, n, t);
}

/* ---- the reference path: through the JSON reader ---- */

static cJSON *json_section(cJSON *root, const npu_ov *o, const npu_hw *hw) {
    const npu_ov_field *f = o->f;
    if (f->flags & F_SRAM) return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "sram"), sram_index(o, hw, ""));
    if (!f->sect[0]) return root;
    char sect[64];
    npu_strlcpy(sect, f->sect, sizeof sect);
    cJSON *obj = root;
    for (char *s = strtok(sect, "."); s && obj; s = strtok(NULL, ".")) {
        cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, s);
        if (!c || cJSON_IsNull(c)) {
            cJSON_DeleteItemFromObjectCaseSensitive(obj, s);
            c = cJSON_AddObjectToObject(obj, s);
        }
        obj = c;
    }
    return obj;
}

static cJSON *json_value(const npu_ov *o) {
    if (o->is_str) return cJSON_CreateString(o->str);
    if (o->f->type == T_BOOL) return cJSON_CreateBool(o->num != 0);
    return cJSON_CreateNumber(o->num);
}

int npu_ov_apply_via_json(const npu_ov *o, int n, npu_ov_target *t) {
    for (int i = 0; i < n; i++)
        if (o[i].f->type == T_LOAD && load_whole(&o[i], t)) return -1;
    char origin[NPU_OV_DOMAINS][1024];
    for (int d = 0; d < NPU_OV_DOMAINS; d++) origin_of(o, n, (npu_ov_domain)d, origin[d], sizeof origin[d]);
    bool dom[NPU_OV_DOMAINS] = {false};
    for (int i = 0; i < n; i++) {
        if (o[i].f->type == T_LOAD) continue;
        if (o[i].f->dom != NPU_OV_HW && o[i].f->dom != NPU_OV_MODEL) {
            npu_err("%s: only hw and model edits have a file form", o[i].text);
            return -1;
        }
        if (precheck(&o[i], t, origin[o[i].f->dom])) return -1;
        dom[o[i].f->dom] = true;
    }
    if (all_side_effects(o, n, t)) return -1;
    for (int d = NPU_OV_HW; d <= NPU_OV_MODEL; d++) {
        if (!dom[d]) continue;
        cJSON *root = d == NPU_OV_HW ? npu_hw_to_json(t->hw) : npu_model_to_json(t->model);
        for (int i = 0; i < n; i++) {
            if (o[i].f->type == T_LOAD || (int)o[i].f->dom != d) continue;
            cJSON *sec = json_section(root, &o[i], t->hw);
            cJSON_DeleteItemFromObjectCaseSensitive(sec, o[i].f->key);
            cJSON_AddItemToObject(sec, o[i].f->key, json_value(&o[i]));
        }
        int rc;
        if (d == NPU_OV_HW) {
            npu_hw tmp;
            rc = npu_hw_from_json(root, origin[d], &tmp);
            if (!rc) *t->hw = tmp;
        } else {
            npu_model tmp;
            rc = npu_model_from_json(root, origin[d], &tmp);
            if (!rc) *t->model = tmp;
        }
        cJSON_Delete(root);
        if (rc) return -1;
    }
    return 0;
}

int npu_ov_get(const npu_ov *o, const npu_ov_target *t, double *num, const char **str, char *buf, size_t cap) {
    const npu_ov_field *f = o->f;
    char *base = dom_base(f, t);
    if (!base) return -1;
    if (f->flags & F_SRAM) {
        int i = o->index >= 0 ? o->index : sram_index(o, t->hw, "");
        if (i < 0 || i >= t->hw->n_sram) return -1;
        base = (char *)&t->hw->sram[i];
    }
    const char *p = base + f->off;
    switch (f->type) {
    case T_INT: *num = *(const int *)p; return (f->flags & F_UNSET0) && *num == 0 ? -1 : 0;
    case T_LONG: *num = (double)*(const long *)p; return (f->flags & F_UNSET0) && *num == 0 ? -1 : 0;
    case T_NUM: *num = *(const double *)p; return 0;
    case T_BOOL: *num = *(const bool *)p; return 0;
    case T_STR: *str = p; return 1;
    case T_ENUM: {
        int k = *(const int *)p;
        if (k < 0 || k >= f->n_names) return -1;
        *str = f->names[k];
        return 1;
    }
    case T_DTYPE: *str = npu_dtype_names[*(const npu_dtype *)p]; return 1;
    case T_LEN: {
        const char *spec = base + f->off2;
        if (*(const long *)p > 0) {
            *num = (double)*(const long *)p;
            return 0;
        }
        if (!spec[0]) return -1;
        *str = spec;
        return 1;
    }
    case T_RATE:
        if (*(const bool *)(base + f->off2)) {
            *str = "max";
            return 1;
        }
        if (*(const double *)p <= 0) return -1;
        *num = *(const double *)p;
        return 0;
    case T_EJSON: return -1;
    case T_LOAD:
        if (f->dom == NPU_OV_HW) *str = t->hw->name;
        else if (f->dom == NPU_OV_MODEL) *str = t->model->name;
        else return -1;
        (void)buf, (void)cap;
        return 1;
    }
    return -1;
}
