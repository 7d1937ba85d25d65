#!/usr/bin/env python3
"""Measure an NVIDIA GPU the way npusim's public H100 validation set was measured.

Writes, into --out DIR, CSV files with exactly the headers and number formats of
data/validation/h100-sxm/ (CRLF line ends, one header line):

  bandwidth.csv  copy and read_sum over HBM-sized tensors
  gemm.csv       torch.nn.functional.linear (bf16) and torch._scaled_mm (fp8)
  attention.csv  scaled_dot_product_attention, prefill (causal) and decode
  overhead.csv   per-kernel launch cost, with and without CUDA graphs (new)
  model.csv      a whole eager Llama decoder in one CUDA graph (only with --model)
  power.csv      average board power from NVML for idle, a GEMM and a copy
  environment.txt  GPU, clocks, library versions and the choices made (provenance)

Every kernel time is the median of many runs with the L2 flushed between runs
(triton.testing.do_bench, or the equivalent CUDA-event timer below when Triton is
missing). The grid planning and CSV formatting are plain Python so that
`--dry-run` works on a machine without PyTorch or a GPU.
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
import threading
import time

MIB = 1 << 20
GIB = 1 << 30

# --------------------------------------------------------------------------
# Output formats: one row per file, copied from the public validation set.
# Each entry: header columns, and a format string per column.
# --------------------------------------------------------------------------
CSV_FORMATS = {
    "bandwidth": (["hw", "kind", "bytes_moved", "ms"], ["{}", "{}", "{:d}", "{:.6f}"]),
    "gemm": (["hw", "dtype", "m", "n", "k", "ms", "shape_name"],
             ["{}", "{}", "{:d}", "{:d}", "{:d}", "{:.6f}", "{}"]),
    "attention": (["hw", "phase", "batch", "heads", "kv_heads", "head_dim", "seq", "ctx",
                   "causal", "ms"],
                  ["{}", "{}", "{:d}", "{:d}", "{:d}", "{:d}", "{:d}", "{:d}", "{:d}",
                   "{:.6f}"]),
    "overhead": (["hw", "kind", "kernels", "us_per_kernel"], ["{}", "{}", "{:d}", "{:.4f}"]),
    "model": (["hw", "stack", "model", "layers", "hidden", "ffn", "heads", "kv_heads", "vocab",
               "phase", "batch", "seq", "ctx", "ms"],
              ["{}", "{}", "{}"] + ["{:d}"] * 6 + ["{}"] + ["{:d}"] * 3 + ["{:.4f}"]),
    "power": (["hw", "workload", "watts", "ms"], ["{}", "{}", "{:.1f}", "{:.4f}"]),
}
SECTIONS = ["bandwidth", "gemm", "attention", "overhead", "model", "power"]


def format_row(kind, values):
    """One CSV line (without line end) in the public file's number formats."""
    _, fmts = CSV_FORMATS[kind]
    assert len(values) == len(fmts), (kind, values)
    return ",".join(f.format(v) for f, v in zip(fmts, values))


class CsvOut:
    """A CSV file written row by row (flushed each row) so a crash keeps what was measured."""

    def __init__(self, out_dir, kind):
        self.kind = kind
        self.path = os.path.join(out_dir, kind + ".csv")
        self.rows = 0
        self.f = open(self.path, "w", newline="")
        self.f.write(",".join(CSV_FORMATS[kind][0]) + "\r\n")   # the public files use CRLF
        self.f.flush()

    def write(self, *values):
        self.f.write(format_row(self.kind, values) + "\r\n")
        self.f.flush()
        self.rows += 1

    def close(self):
        self.f.close()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def warn(msg):
    log("warning: " + msg)


# --------------------------------------------------------------------------
# Grids. Pure Python: used by the measurement and by --dry-run.
# --------------------------------------------------------------------------

# (N, K) pairs of real layers: Y[M,N] = X[M,K] . W[N,K]^T. m_max caps M where the
# public set does (an lm_head never sees 16384 rows at once).
GEMM_SHAPES = [
    # name                 N       K     m_max
    ("llama3_8b.qkv",      6144,   4096, None),   # (32 + 2*8) heads x 128
    ("llama3_8b.o",        4096,   4096, None),
    ("llama3_8b.gate_up",  28672,  4096, None),   # 2 x 14336
    ("llama3_8b.down",     4096,  14336, None),
    ("llama3_8b.lm_head",  128256, 4096, 8192),
    ("llama2_13b.qkv",     15360,  5120, None),   # 3 x 40 heads x 128
    ("llama2_13b.o",       5120,   5120, None),
    ("llama2_13b.gate_up", 27648,  5120, None),   # 2 x 13824
    ("llama2_13b.down",    5120,  13824, None),
    ("llama2_70b.qkv",     10240,  8192, None),   # (64 + 2*8) heads x 128
    ("llama2_70b.o",       8192,   8192, None),
    ("llama2_70b.gate_up", 57344,  8192, None),   # 2 x 28672
    ("llama2_70b.down",    8192,  28672, None),
    ("odd.a",              1000,   3000, None),
    ("odd.b",              2560,   2560, None),
    ("odd.c",              5120,   1280, None),
]
GEMM_QUICK_SHAPES = {"llama3_8b.qkv", "llama3_8b.o", "llama3_8b.gate_up", "llama3_8b.down",
                     "llama3_8b.lm_head", "llama2_70b.gate_up", "odd.a", "odd.b", "odd.c"}
GEMM_M_FULL = [1 << i for i in range(15)]            # 1 .. 16384
GEMM_M_QUICK = [1, 16, 128, 512, 2048, 8192]


def fp8_shape_ok(n, k):
    """cuBLASLt fp8 (torch._scaled_mm) needs K and N to be multiples of 16."""
    return n % 16 == 0 and k % 16 == 0


def plan_gemm(quick, dtypes):
    """Rows (dtype, m, n, k, shape_name) to measure, plus notes on skipped ones."""
    rows, notes = [], []
    ms = GEMM_M_QUICK if quick else GEMM_M_FULL
    for dtype in dtypes:
        for name, n, k, m_max in GEMM_SHAPES:
            if quick and name not in GEMM_QUICK_SHAPES:
                continue
            if dtype == "fp8" and not fp8_shape_ok(n, k):
                notes.append("fp8 %s (n=%d k=%d) skipped: _scaled_mm needs N and K multiples "
                             "of 16" % (name, n, k))
                continue
            for m in ms:
                if m_max is None or m <= m_max:
                    rows.append((dtype, m, n, k, name))
    return rows, notes


def gemm_bytes(m, n, k, dtype):
    elem = 1 if dtype == "fp8" else 2
    return (m * k + n * k) * elem + m * n * 2    # inputs + bf16 output


# Attention: (heads, kv_heads) pairs, batches and lengths; head_dim is always 128.
ATTN_HEAD_DIM = 128
ATTN_HEADS = [(32, 8), (32, 32), (64, 8)]
ATTN_LENS = [512 << i for i in range(7)]               # 512 .. 32768
ATTN_PREFILL_BATCH = [1, 4, 8, 16]
ATTN_PREFILL_MAX_TOKENS = 65536                        # batch * seq cap (time)
ATTN_DECODE_BATCH = [1, 8, 16, 32, 128]
ATTN_DECODE_MAX_KV = 8 * GIB                           # K + V cache bytes cap (time, memory)
ATTN_QUICK = [  # (phase, batch, heads, kv_heads, seq_or_ctx)
    ("prefill", 1, 32, 8, 512), ("prefill", 1, 32, 8, 2048), ("prefill", 1, 32, 8, 8192),
    ("prefill", 8, 32, 8, 2048), ("prefill", 1, 32, 32, 4096), ("prefill", 4, 64, 8, 4096),
    ("decode", 1, 32, 8, 2048), ("decode", 1, 32, 8, 32768), ("decode", 32, 32, 8, 8192),
    ("decode", 128, 32, 8, 2048), ("decode", 16, 32, 32, 2048), ("decode", 32, 64, 8, 4096),
]


def attn_bytes(phase, batch, heads, kv_heads, length):
    """Device bytes one attention point needs: q, k, v and the output, bf16."""
    d = ATTN_HEAD_DIM
    if phase == "prefill":
        return 2 * batch * length * d * (2 * heads + 2 * kv_heads)
    return 2 * batch * d * (2 * heads + 2 * kv_heads * length)


def plan_attention(quick, mem_bytes):
    """Rows (phase, batch, heads, kv_heads, head_dim, seq, ctx, causal) to measure."""
    points = []
    if quick:
        points = list(ATTN_QUICK)
    else:
        for heads, kv in ATTN_HEADS:
            for b in ATTN_PREFILL_BATCH:
                points += [("prefill", b, heads, kv, s) for s in ATTN_LENS
                           if b * s <= ATTN_PREFILL_MAX_TOKENS]
        for heads, kv in ATTN_HEADS:
            for b in ATTN_DECODE_BATCH:
                points += [("decode", b, heads, kv, c) for c in ATTN_LENS
                           if 2 * 2 * b * kv * c * ATTN_HEAD_DIM <= ATTN_DECODE_MAX_KV]
    rows, notes = [], []
    for phase, b, h, kv, n in points:
        if attn_bytes(phase, b, h, kv, n) > 0.8 * mem_bytes:
            notes.append("attention %s b=%d h=%d kv=%d len=%d skipped: needs more memory"
                         % (phase, b, h, kv, n))
            continue
        if phase == "prefill":
            rows.append(("prefill", b, h, kv, ATTN_HEAD_DIM, n, 0, 1))
        else:
            rows.append(("decode", b, h, kv, ATTN_HEAD_DIM, 1, n, 0))
    return rows, notes


# Bandwidth: copy a bf16 tensor of 1 MiB .. 4 GiB (powers of 4), so bytes_moved
# (read + write) runs 2 MiB .. 8 GiB as in the public file; read_sum over 4 GiB.
COPY_SIZES = [MIB << (2 * i) for i in range(7)]
READ_SUM_BYTES = 4 * GIB
FLUSH_BYTES = 256 * MIB                          # the L2-flush buffer both timers use


def plan_bandwidth(mem_bytes):
    """Rows (kind, tensor_bytes, bytes_moved); sizes shrink to what fits in mem_bytes."""
    rows, notes = [], []
    budget = 0.9 * mem_bytes - FLUSH_BYTES
    for size in COPY_SIZES:
        if 2 * size > budget:
            notes.append("copy of %d MiB skipped: needs %d MiB free" % (size // MIB,
                                                                      2 * size // MIB))
            continue
        rows.append(("copy", size, 2 * size))
    size = READ_SUM_BYTES
    while size > 64 * MIB and size > budget:
        size //= 2
    if size != READ_SUM_BYTES:
        notes.append("read_sum over %d MiB instead of 4 GiB (memory)" % (size // MIB))
    rows.append(("read_sum", size, size))
    return rows, notes


# Launch overhead: N tiny elementwise kernels, eager and inside one CUDA graph.
OVERHEAD_KERNELS = [10, 100, 1000]
OVERHEAD_KINDS = ["eager", "graph"]


def plan_overhead():
    return [(kind, n) for kind in OVERHEAD_KINDS for n in OVERHEAD_KERNELS]


# Whole-model configurations: layers, hidden, ffn, heads, kv_heads, vocab.
MODEL_PRESETS = {
    "llama2-7b":   (32, 4096, 11008, 32, 32, 32000),
    "llama2-13b":  (40, 5120, 13824, 40, 40, 32000),
    "llama3-8b":   (32, 4096, 14336, 32, 8, 128256),
    "llama3.2-1b": (16, 2048, 8192, 32, 8, 128256),
    "llama3.2-3b": (28, 3072, 8192, 24, 8, 128256),
}
# (phase, batch, seq_or_ctx): the public set's shapes.
MODEL_SHAPES_FULL = [
    ("prefill", 1, 128), ("prefill", 1, 512), ("prefill", 1, 2048), ("prefill", 1, 8192),
    ("prefill", 8, 1024), ("prefill", 32, 512),
    ("decode", 1, 512), ("decode", 1, 2048), ("decode", 1, 8192), ("decode", 4, 2048),
    ("decode", 16, 2048), ("decode", 32, 1024), ("decode", 64, 1024), ("decode", 64, 4096),
    ("decode", 128, 1024), ("decode", 128, 2048), ("decode", 256, 512),
]
MODELS_FULL = "llama2-7b,llama3-8b"
MODELS_QUICK = "llama3-8b"
MODEL_SHAPES_QUICK = [("prefill", 1, 512), ("prefill", 1, 2048), ("decode", 1, 2048),
                      ("decode", 32, 1024)]


def parse_model_spec(spec):
    """'llama3-8b' (a preset) or 'name=layers:hidden:ffn:heads:kv_heads:vocab'."""
    if "=" in spec:
        name, dims = spec.split("=", 1)
        try:
            vals = tuple(int(x) for x in dims.split(":"))
        except ValueError:
            vals = ()
        if len(vals) != 6 or min(vals) <= 0 or vals[1] % vals[3] or vals[3] % vals[4]:
            raise ValueError("bad model spec '%s': want name=layers:hidden:ffn:heads:kv_heads:"
                             "vocab with hidden %% heads == 0 and heads %% kv_heads == 0" % spec)
        return name, vals
    if spec not in MODEL_PRESETS:
        raise ValueError("unknown model '%s' (known: %s, or name=layers:hidden:ffn:heads:"
                         "kv_heads:vocab)" % (spec, ", ".join(sorted(MODEL_PRESETS))))
    return spec, MODEL_PRESETS[spec]


def parse_model_shapes(text):
    """'prefill:1:512,decode:32:1024' -> [(phase, batch, seq_or_ctx)]."""
    shapes = []
    for item in text.split(","):
        parts = item.strip().split(":")
        if len(parts) != 3 or parts[0] not in ("prefill", "decode"):
            raise ValueError("bad model shape '%s': want prefill:BATCH:SEQ or decode:BATCH:CTX"
                             % item)
        shapes.append((parts[0], int(parts[1]), int(parts[2])))
    return shapes


def model_weight_bytes(dims):
    layers, hidden, ffn, heads, kv, vocab = dims
    hd = hidden // heads
    per_layer = hidden * (heads + 2 * kv) * hd + heads * hd * hidden + 3 * hidden * ffn \
        + 2 * hidden
    return 2 * (2 * vocab * hidden + layers * per_layer + hidden)


def model_point_bytes(dims, phase, batch, n):
    """KV cache plus a generous guess at the live activations of one forward."""
    layers, hidden, ffn, heads, kv, vocab = dims
    hd = hidden // heads
    if phase == "decode":
        cache = 2 * layers * 2 * batch * kv * (n + 1) * hd
        tokens = batch
    else:
        cache, tokens = 0, batch * n
    act = 2 * tokens * (8 * ffn + 12 * hidden + 3 * (heads + 2 * kv) * hd)
    return cache + act + 2 * batch * vocab * 4


def plan_model(models, shapes, mem_bytes):
    """Rows (name, dims, phase, batch, seq, ctx); skips points that cannot fit."""
    rows, notes = [], []
    for name, dims in models:
        wbytes = model_weight_bytes(dims)
        for phase, b, n in shapes:
            need = wbytes + model_point_bytes(dims, phase, b, n)
            if need > 0.9 * mem_bytes:
                notes.append("model %s %s b=%d n=%d skipped: needs ~%.1f GiB"
                             % (name, phase, b, n, need / GIB))
                continue
            seq, ctx = (n, 0) if phase == "prefill" else (1, n)
            rows.append((name, dims, phase, b, seq, ctx))
    return rows, notes


# Power workloads: (name, description). Idle is one reading after 2 s of rest.
POWER_WORKLOADS = ["idle", "gemm_bf16_8192", "copy_2GiB"]


# --------------------------------------------------------------------------
# Timing (needs torch)
# --------------------------------------------------------------------------

class EventBench:
    """triton.testing.do_bench(fn, warmup, rep, return_mode="median") without Triton.

    Same procedure: time 5 runs (each after an L2 flush) to estimate one run, derive
    the warm-up and repeat counts from the warm-up and rep budgets (ms), then time
    each repeat with CUDA events after writing a 256 MB buffer (flushes the L2) and
    return the lower median, as torch.median does.
    """

    def __init__(self, torch, warmup_ms, rep_ms):
        self.torch = torch
        self.warmup_ms, self.rep_ms = warmup_ms, rep_ms
        self.cache = torch.empty(FLUSH_BYTES // 4, dtype=torch.int32, device="cuda")

    def __call__(self, fn):
        cuda = self.torch.cuda
        fn()
        cuda.synchronize()
        start, end = cuda.Event(enable_timing=True), cuda.Event(enable_timing=True)
        start.record()
        for _ in range(5):
            self.cache.zero_()
            fn()
        end.record()
        cuda.synchronize()
        estimate_ms = max(start.elapsed_time(end) / 5, 1e-4)
        n_warmup = max(1, int(self.warmup_ms / estimate_ms))
        n_repeat = max(1, int(self.rep_ms / estimate_ms))
        starts = [cuda.Event(enable_timing=True) for _ in range(n_repeat)]
        ends = [cuda.Event(enable_timing=True) for _ in range(n_repeat)]
        for _ in range(n_warmup):
            fn()
        for i in range(n_repeat):
            self.cache.zero_()
            starts[i].record()
            fn()
            ends[i].record()
        cuda.synchronize()
        times = sorted(s.elapsed_time(e) for s, e in zip(starts, ends))
        return times[(len(times) - 1) // 2]


def make_bench(torch, args):
    """The median-of-runs timer, L2 flushed: Triton's do_bench when usable, else EventBench."""
    if args.timer in ("auto", "triton"):
        try:
            from triton.testing import do_bench

            def bench(fn):
                return float(do_bench(fn, warmup=args.warmup_ms, rep=args.rep_ms,
                                      return_mode="median"))
            bench(lambda: None)   # probe: old Triton lacks return_mode, no driver, ...
            return bench, "triton.testing.do_bench (median, L2 flushed)"
        except Exception as e:  # ImportError, TypeError, driver errors
            if args.timer == "triton":
                raise SystemExit("error: --timer triton but Triton's do_bench failed: %s" % e)
            warn("Triton do_bench unavailable (%s); using the CUDA-event timer" % e)
    return EventBench(torch, args.warmup_ms, args.rep_ms), \
        "CUDA events, 256 MB L2 flush, lower median (triton do_bench procedure)"


def time_replays(torch, fn, n, warm=3):
    """Median (lower) of n event-timed calls of fn, no L2 flush (graph replays)."""
    cuda = torch.cuda
    for _ in range(warm):
        fn()
    cuda.synchronize()
    starts = [cuda.Event(enable_timing=True) for _ in range(n)]
    ends = [cuda.Event(enable_timing=True) for _ in range(n)]
    for i in range(n):
        starts[i].record()
        fn()
        ends[i].record()
    cuda.synchronize()
    times = sorted(s.elapsed_time(e) for s, e in zip(starts, ends))
    return times[(len(times) - 1) // 2]


def capture_graph(torch, fn, warm=2):
    """Warm fn up on a side stream (cuBLAS workspaces, allocator) then capture one graph."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(warm):
            fn()
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        fn()
    torch.cuda.synchronize()
    return g


def free_memory(torch):
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    return torch.cuda.mem_get_info()[0]


def is_oom(torch, e):
    oom = getattr(torch.cuda, "OutOfMemoryError", ())
    return isinstance(e, oom) or "out of memory" in str(e).lower()


class Progress:
    """'[gemm 12/480 0:41]' prefixes for stderr lines."""

    def __init__(self, section, total):
        self.section, self.total, self.i, self.t0 = section, total, 0, time.time()

    def step(self, what):
        self.i += 1
        el = int(time.time() - self.t0)
        return "[%s %d/%d %d:%02d] %s" % (self.section, self.i, self.total, el // 60, el % 60,
                                          what)


# --------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------

def run_bandwidth(torch, ctx):
    rows, notes = plan_bandwidth(free_memory(torch))
    for n in notes:
        warn(n)
    out, prog = CsvOut(ctx.out, "bandwidth"), Progress("bandwidth", len(rows))
    for kind, size, moved in rows:
        try:
            a = torch.randn(size // 2, dtype=torch.bfloat16, device="cuda")
            if kind == "copy":
                b = torch.empty_like(a)
                ms = ctx.bench(lambda: b.copy_(a))
                del b
            else:
                ms = ctx.bench(lambda: a.sum(dtype=torch.float32))
            del a
        except RuntimeError as e:
            warn("%s %d bytes failed: %s" % (kind, size, e))
            free_memory(torch)
            continue
        out.write(ctx.hw, kind, moved, ms)
        log(prog.step("%s %d MiB: %.6f ms, %.0f GB/s" % (kind, size // MIB, ms,
                                                        moved / ms / 1e6)))
    free_memory(torch)
    out.close()


def fp8_support(torch):
    """None when fp8 GEMMs run here, else the reason they do not."""
    if not hasattr(torch, "float8_e4m3fn") or not hasattr(torch, "_scaled_mm"):
        return "this PyTorch has no float8_e4m3fn/_scaled_mm"
    cap = torch.cuda.get_device_capability()
    if cap < (8, 9):
        return "compute capability %d.%d < 8.9 (fp8 tensor cores need Ada or Hopper)" % cap
    try:
        a = torch.randn(16, 32, device="cuda").to(torch.float8_e4m3fn)
        w = torch.randn(16, 32, device="cuda").to(torch.float8_e4m3fn)
        one = torch.ones((), dtype=torch.float32, device="cuda")
        torch._scaled_mm(a, w.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
        torch.cuda.synchronize()
    except Exception as e:
        return "torch._scaled_mm failed on a 16x16x32 test: %s" % e
    return None


def gemm_fn(torch, dtype, m, n, k):
    """A no-argument closure computing Y[m,n] = X[m,k] . W[n,k]^T in the given dtype."""
    F = torch.nn.functional
    x = torch.randn(m, k, dtype=torch.bfloat16, device="cuda")
    w = torch.randn(n, k, dtype=torch.bfloat16, device="cuda")
    if dtype == "bf16":
        return lambda: F.linear(x, w)
    # fp8 e4m3 with per-tensor fp32 scales, bf16 out. _scaled_mm wants its first
    # operand row-major and its second column-major: w.t() of a row-major [n,k]
    # weight is exactly that [k,n] column-major view, no copy.
    x8, w8 = x.to(torch.float8_e4m3fn), w.to(torch.float8_e4m3fn)
    del x, w
    sa = torch.ones((), dtype=torch.float32, device="cuda")
    sb = torch.ones((), dtype=torch.float32, device="cuda")
    return lambda: torch._scaled_mm(x8, w8.t(), scale_a=sa, scale_b=sb,
                                    out_dtype=torch.bfloat16)


def run_gemm(torch, ctx):
    dtypes = list(ctx.args.dtypes)
    if "fp8" in dtypes:
        why = fp8_support(torch)
        if why:
            warn("fp8 rows skipped: " + why)
            dtypes.remove("fp8")
    rows, notes = plan_gemm(ctx.args.quick, dtypes)
    for n in notes:
        warn(n)
    mem = free_memory(torch)
    out, prog = CsvOut(ctx.out, "gemm"), Progress("gemm", len(rows))
    for dtype, m, n, k, name in rows:
        what = "%s m=%d n=%d k=%d %s" % (dtype, m, n, k, name)
        if gemm_bytes(m, n, k, dtype) > 0.8 * mem:
            warn(what + " skipped: not enough memory")
            continue
        ms = measure_gemm(torch, ctx, dtype, m, n, k, what)
        if ms is None:
            continue
        out.write(ctx.hw, dtype, m, n, k, ms, name)
        log(prog.step("%s: %.6f ms, %.1f TFLOP/s" % (what, ms, 2.0 * m * n * k / ms / 1e9)))
    free_memory(torch)
    out.close()


def measure_gemm(torch, ctx, dtype, m, n, k, what):
    """Median ms of one GEMM; fp8 rows whose M cuBLASLt refuses are padded to 16."""
    try:
        return ctx.bench(gemm_fn(torch, dtype, m, n, k))
    except RuntimeError as e:
        if is_oom(torch, e) or dtype != "fp8" or m % 16 == 0:
            warn(what + " failed: %s" % str(e).splitlines()[0])
            free_memory(torch)
            return None
    padded = (m + 15) // 16 * 16
    warn("%s: _scaled_mm refused M=%d, timing M padded to %d" % (what, m, padded))
    try:
        return ctx.bench(gemm_fn(torch, dtype, padded, n, k))
    except RuntimeError as e:
        warn(what + " failed even padded: %s" % str(e).splitlines()[0])
        free_memory(torch)
        return None


def gqa_mode(torch):
    """'enable_gqa' when SDPA takes it (PyTorch >= 2.5), else 'repeat_interleave'."""
    F = torch.nn.functional
    q = torch.randn(1, 4, 8, 64, dtype=torch.bfloat16, device="cuda")
    kv = torch.randn(1, 2, 8, 64, dtype=torch.bfloat16, device="cuda")
    try:
        F.scaled_dot_product_attention(q, kv, kv, enable_gqa=True)
        return "enable_gqa"
    except (TypeError, RuntimeError) as e:   # TypeError: keyword unknown before 2.5
        warn("SDPA enable_gqa unusable here (%s)" % str(e).splitlines()[0])
        return "repeat_interleave"


def sdpa(torch, mode, q, k, v, causal):
    """SDPA with q [B,H,S,D] and k, v [B,KV,L,D]; GQA by flag or by expanding k and v."""
    F = torch.nn.functional
    if q.shape[1] == k.shape[1]:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    if mode == "enable_gqa":
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)
    rep = q.shape[1] // k.shape[1]
    return F.scaled_dot_product_attention(q, k.repeat_interleave(rep, dim=1),
                                          v.repeat_interleave(rep, dim=1), is_causal=causal)


def run_attention(torch, ctx):
    rows, notes = plan_attention(ctx.args.quick, free_memory(torch))
    for n in notes:
        warn(n)
    if ctx.gqa != "enable_gqa":
        warn("this PyTorch's SDPA has no enable_gqa: GQA rows expand k and v with "
             "repeat_interleave before timing, so they time an MHA kernel (more KV bytes)")
    out, prog = CsvOut(ctx.out, "attention"), Progress("attention", len(rows))
    for phase, b, h, kv, d, seq, cl, causal in rows:
        what = "%s b=%d h=%d kv=%d seq=%d ctx=%d" % (phase, b, h, kv, seq, cl)
        try:
            L = seq if phase == "prefill" else cl
            q = torch.randn(b, h, seq, d, dtype=torch.bfloat16, device="cuda")
            k = torch.randn(b, kv, L, d, dtype=torch.bfloat16, device="cuda")
            v = torch.randn(b, kv, L, d, dtype=torch.bfloat16, device="cuda")
            if kv < h and ctx.gqa != "enable_gqa":   # expand outside the timed region
                k, v = k.repeat_interleave(h // kv, 1), v.repeat_interleave(h // kv, 1)
            ms = ctx.bench(lambda: sdpa(torch, ctx.gqa, q, k, v, bool(causal)))
            del q, k, v
        except RuntimeError as e:
            warn(what + " failed: %s" % str(e).splitlines()[0])
            free_memory(torch)
            continue
        out.write(ctx.hw, phase, b, h, kv, d, seq, cl, causal, ms)
        log(prog.step("%s: %.6f ms" % (what, ms)))
    free_memory(torch)
    out.close()


def run_overhead(torch, ctx):
    """us per kernel of N back-to-back tiny kernels (x.add_(1) on 256 floats)."""
    x = torch.zeros(256, dtype=torch.float32, device="cuda")

    def launch(n):
        for _ in range(n):
            x.add_(1.0)

    rows = plan_overhead()
    out, prog = CsvOut(ctx.out, "overhead"), Progress("overhead", len(rows))
    for kind, n in rows:
        if kind == "graph":
            g = capture_graph(torch, lambda: launch(n))
            ms = time_replays(torch, g.replay, 50)
            del g
        else:
            ms = time_replays(torch, lambda: launch(n), 50)
        us = ms * 1000.0 / n
        out.write(ctx.hw, kind, n, us)
        log(prog.step("%s x%d: %.4f us/kernel" % (kind, n, us)))
    out.close()


# ---- the eager Llama decoder (model.csv) ----------------------------------

ROPE_THETA = 500000.0
RMS_EPS = 1e-5


def rms_norm(torch, x, w):
    """RMSNorm in plain eager ops (fp32 statistics, as Hugging Face's Llama)."""
    xf = x.float()
    xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + RMS_EPS)
    return xf.to(x.dtype) * w


def rope(torch, x, start, length):
    """Rotary embedding of x [B,H,S,D], recomputing positions -> angles -> cos/sin."""
    d = x.shape[-1]
    half = d // 2
    pos = torch.arange(start, start + length, device=x.device, dtype=torch.float32)
    inv_freq = 1.0 / (ROPE_THETA ** (torch.arange(0, half, device=x.device,
                                                  dtype=torch.float32) / half))
    ang = torch.outer(pos, inv_freq)
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class EagerLlama:
    """Random-weight Llama decoder written in plain PyTorch ops (the `eager` stack)."""

    def __init__(self, torch, dims):
        self.torch = torch
        self.layers_n, self.hidden, self.ffn, self.heads, self.kv, self.vocab = dims
        self.hd = self.hidden // self.heads
        h, f, qkv_n = self.hidden, self.ffn, (self.heads + 2 * self.kv) * self.hd

        def w(*shape):
            return torch.empty(*shape, dtype=torch.bfloat16, device="cuda").normal_(
                0.0, 1.0 / math.sqrt(shape[-1]))

        def ones(n):
            return torch.ones(n, dtype=torch.bfloat16, device="cuda")

        self.embed = torch.empty(self.vocab, h, dtype=torch.bfloat16,
                                 device="cuda").normal_(0.0, 1.0)
        self.layers = [dict(attn_norm=ones(h), wqkv=w(qkv_n, h), wo=w(h, self.heads * self.hd),
                            mlp_norm=ones(h), wgu=w(2 * f, h), wdown=w(h, f))
                       for _ in range(self.layers_n)]
        self.norm = ones(h)
        self.lm_head = w(self.vocab, h)

    def prepare(self, phase, batch, seq, ctx):
        """Static inputs of one shape: token ids and, for decode, the KV caches."""
        torch = self.torch
        self.phase, self.batch, self.seq, self.ctx = phase, batch, seq, ctx
        self.tokens = torch.randint(0, self.vocab, (batch, seq), device="cuda")
        self.caches = []
        if phase == "decode":   # [batch, kv_heads, max_len, head_dim] per layer, bf16
            for _ in range(self.layers_n):
                shape = (batch, self.kv, ctx + 1, self.hd)
                self.caches.append((torch.randn(shape, dtype=torch.bfloat16, device="cuda"),
                                    torch.randn(shape, dtype=torch.bfloat16, device="cuda")))

    def release(self):
        self.tokens, self.caches = None, []

    def layer(self, i, x, gqa):
        torch, F, L = self.torch, self.torch.nn.functional, self.layers[i]
        B, S, H, KV, D = self.batch, self.seq, self.heads, self.kv, self.hd
        qkv = F.linear(rms_norm(torch, x, L["attn_norm"]), L["wqkv"])
        q, k, v = qkv.split([H * D, KV * D, KV * D], dim=-1)
        q = q.view(B, S, H, D).transpose(1, 2)
        k = k.view(B, S, KV, D).transpose(1, 2)
        v = v.view(B, S, KV, D).transpose(1, 2)
        pos0 = self.ctx if self.phase == "decode" else 0
        q, k = rope(torch, q, pos0, S), rope(torch, k, pos0, S)
        if self.phase == "decode":
            kc, vc = self.caches[i]
            kc[:, :, self.ctx:self.ctx + 1].copy_(k)
            vc[:, :, self.ctx:self.ctx + 1].copy_(v)
            a = sdpa(torch, gqa, q, kc, vc, causal=False)
        else:
            a = sdpa(torch, gqa, q, k, v, causal=True)
        a = a.transpose(1, 2).reshape(B, S, H * D)
        x = x + F.linear(a, L["wo"])
        gate, up = F.linear(rms_norm(torch, x, L["mlp_norm"]), L["wgu"]).chunk(2, dim=-1)
        return x + F.linear(F.silu(gate) * up, L["wdown"])

    def forward(self, gqa):
        F = self.torch.nn.functional
        x = F.embedding(self.tokens, self.embed)
        for i in range(self.layers_n):
            x = self.layer(i, x, gqa)
        last = rms_norm(self.torch, x[:, -1, :], self.norm)   # last position only
        return F.linear(last, self.lm_head)


def run_model(torch, ctx):
    rows, notes = plan_model(ctx.models, ctx.model_shapes, free_memory(torch))
    for n in notes:
        warn(n)
    if ctx.gqa != "enable_gqa":
        warn("model: GQA through repeat_interleave inside the graph (extra copy kernels)")
    out, prog = CsvOut(ctx.out, "model"), Progress("model", len(rows))
    current, net = None, None
    for name, dims, phase, b, seq, cl in rows:
        what = "%s %s b=%d seq=%d ctx=%d" % (name, phase, b, seq, cl)
        try:
            if current != name:
                net = None
                free_memory(torch)
                log("model: building %s with random weights (%.1f GiB)"
                    % (name, model_weight_bytes(dims) / GIB))
                net, current = EagerLlama(torch, dims), name
            net.prepare(phase, b, seq, cl)
            g = capture_graph(torch, lambda: net.forward(ctx.gqa), warm=1)
            ms = time_replays(torch, g.replay, 10 if phase == "prefill" else 30, warm=2)
            del g
        except RuntimeError as e:
            warn(what + " failed: %s" % str(e).splitlines()[0])
            if net is not None:
                net.release()
            free_memory(torch)
            continue
        net.release()
        free_memory(torch)
        layers, hidden, ffn, heads, kv, vocab = dims
        out.write(ctx.hw, "eager", name, layers, hidden, ffn, heads, kv, vocab, phase, b, seq,
                  cl, ms)
        log(prog.step("%s: %.4f ms" % (what, ms)))
    net = None
    free_memory(torch)
    out.close()


# ---- power (NVML, or nvidia-smi sampling) ---------------------------------

class PowerMeter:
    """Average board power over a window: NVML energy counter, else sampled power.

    NVML's total-energy counter (mJ, Volta and later) integrates exactly; when it is
    missing, a thread samples instantaneous power (NVML, or nvidia-smi) every 50 ms.
    """

    def __init__(self, torch):
        self.nvml, self.handle, self.smi_index = None, None, None
        self.how = "none"
        try:
            import pynvml
            pynvml.nvmlInit()
            self.nvml, self.handle = pynvml, self._nvml_handle(torch, pynvml)
            try:
                pynvml.nvmlDeviceGetTotalEnergyConsumption(self.handle)
                self.how = "NVML energy counter"
            except pynvml.NVMLError:
                self.how = "NVML power samples"
        except Exception as e:
            if shutil.which("nvidia-smi"):
                self.smi_index = str(self._visible_index(torch))
                self.how = "nvidia-smi power.draw samples"
                warn("pynvml unavailable (%s); sampling nvidia-smi" % e)
            else:
                warn("no pynvml and no nvidia-smi: power.csv not written (%s)" % e)

    @staticmethod
    def _visible_index(torch):
        """NVML index of the torch device, through CUDA_VISIBLE_DEVICES when it lists numbers."""
        dev = torch.cuda.current_device()
        vis = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")
        if dev < len(vis) and vis[dev].strip().isdigit():
            return int(vis[dev])
        return dev

    def _nvml_handle(self, torch, pynvml):
        uuid = getattr(torch.cuda.get_device_properties(torch.cuda.current_device()),
                       "uuid", None)
        if uuid is not None:
            try:
                return pynvml.nvmlDeviceGetHandleByUUID("GPU-" + str(uuid))
            except Exception:
                pass
        return pynvml.nvmlDeviceGetHandleByIndex(self._visible_index(torch))

    def available(self):
        return self.how != "none"

    def instant_w(self):
        if self.nvml is not None:
            return self.nvml.nvmlDeviceGetPowerUsage(self.handle) / 1000.0
        r = subprocess.run(["nvidia-smi", "-i", self.smi_index, "--query-gpu=power.draw",
                            "--format=csv,noheader,nounits"], capture_output=True, text=True,
                           timeout=10)
        return float(r.stdout.strip().splitlines()[0])

    def average_w(self, body):
        """Run body() and return the average power over it, in watts."""
        if self.how == "NVML energy counter":
            e0, t0 = self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle), time.time()
            body()
            e1, t1 = self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle), time.time()
            return (e1 - e0) / 1000.0 / (t1 - t0)
        samples, stop = [], threading.Event()

        def sample():
            while not stop.is_set():
                try:
                    samples.append(self.instant_w())
                except Exception:
                    pass
                stop.wait(0.05)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        body()
        stop.set()
        t.join()
        return sum(samples) / len(samples) if samples else float("nan")


def run_power(torch, ctx):
    meter = PowerMeter(torch)
    if not meter.available():
        return
    out = CsvOut(ctx.out, "power")
    prog = Progress("power", len(POWER_WORKLOADS))
    free_memory(torch)
    time.sleep(2.0)                                   # idle: one reading after 2 s of rest
    idle_w = meter.instant_w()
    out.write(ctx.hw, "idle", idle_w, 0.0)
    log(prog.step("idle: %.1f W (%s)" % (idle_w, meter.how)))
    for name in POWER_WORKLOADS[1:]:
        try:
            fn = power_workload(torch, name)
            watts, ms = loaded_power(torch, meter, fn, ctx.args.power_seconds)
        except RuntimeError as e:
            warn("power %s failed: %s" % (name, str(e).splitlines()[0]))
            free_memory(torch)
            continue
        out.write(ctx.hw, name, watts, ms)
        log(prog.step("%s: %.1f W, %.4f ms per run" % (name, watts, ms)))
        del fn
        free_memory(torch)
    out.close()


def power_workload(torch, name):
    if name == "gemm_bf16_8192":
        a = torch.randn(8192, 8192, dtype=torch.bfloat16, device="cuda")
        b = torch.randn(8192, 8192, dtype=torch.bfloat16, device="cuda")
        return lambda: torch.matmul(a, b)
    src = torch.randn(GIB, dtype=torch.bfloat16, device="cuda")      # 2 GiB of bf16
    dst = torch.empty_like(src)
    return lambda: dst.copy_(src)


def loaded_power(torch, meter, fn, seconds):
    """(watts, ms per run) over >= seconds of back-to-back runs, after 1 s of warm-up.

    Runs go in chunks of about 100 ms with a synchronize between chunks (a gap of
    microseconds), so the window lasts at least `seconds` of wall time however the
    clocks move under load.
    """
    chunk = max(1, int(100.0 / time_replays(torch, fn, 5)))

    def run_for(wall_s):
        runs, t0 = 0, time.time()
        while time.time() - t0 < wall_s:
            for _ in range(chunk):
                fn()
            runs += chunk
            torch.cuda.synchronize()
        return runs

    run_for(1.0)                                     # reach steady clocks and power
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    runs = []

    def body():
        start.record()
        runs.append(run_for(seconds))
        end.record()
        torch.cuda.synchronize()

    watts = meter.average_w(body)
    return watts, start.elapsed_time(end) / runs[0]


# --------------------------------------------------------------------------
# Environment record, CLI
# --------------------------------------------------------------------------

def write_environment(torch, ctx, started):
    p = torch.cuda.get_device_properties(torch.cuda.current_device())
    lines = ["hw: %s" % ctx.hw, "gpu: %s" % p.name,
             "compute_capability: %d.%d" % (p.major, p.minor),
             "sms: %d" % p.multi_processor_count,
             "memory_bytes: %d" % p.total_memory,
             "torch: %s" % torch.__version__, "cuda: %s" % torch.version.cuda]
    try:
        import triton
        lines.append("triton: %s" % triton.__version__)
    except Exception:
        lines.append("triton: not installed")
    lines += ["timer: %s (warmup %g ms, rep %g ms)" % (ctx.timer_name, ctx.args.warmup_ms,
                                                      ctx.args.rep_ms),
              "gqa: %s" % ctx.gqa, "grid: %s" % ("quick" if ctx.args.quick else "full"),
              "sections: %s" % ",".join(ctx.sections),
              "started: %s" % time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
              "command: %s" % " ".join(sys.argv)]
    lines += nvml_state()
    with open(os.path.join(ctx.out, "environment.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def nvml_state():
    """Clocks, power limit and temperature at start, for judging throttling later."""
    if not shutil.which("nvidia-smi"):
        return []
    q = "driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu"
    try:
        r = subprocess.run(["nvidia-smi", "--query-gpu=" + q, "--format=csv,noheader"],
                           capture_output=True, text=True, timeout=10)
        return ["nvidia-smi (%s): %s" % (q, line) for line in r.stdout.strip().splitlines()]
    except Exception:
        return []


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="Measure GEMM, attention, bandwidth, launch overhead, whole-model and "
                    "power figures on an NVIDIA GPU, in npusim's validation CSV formats.")
    ap.add_argument("--hw", help="value of the hw column, e.g. h100-sxm (required)")
    ap.add_argument("--out", help="output directory (created; existing CSVs overwritten)")
    ap.add_argument("--quick", action="store_true",
                    help="reduced grid (about 3 minutes on an H100; full grid about 10)")
    ap.add_argument("--model", action="store_true",
                    help="also measure whole eager Llama forwards (model.csv)")
    ap.add_argument("--models",
                    help="comma list of %s or name=layers:hidden:ffn:heads:kv_heads:vocab "
                         "(default: %s; with --quick: %s)"
                    % (", ".join(sorted(MODEL_PRESETS)), MODELS_FULL, MODELS_QUICK))
    ap.add_argument("--model-shapes",
                    help="comma list of prefill:BATCH:SEQ / decode:BATCH:CTX "
                         "(default: the public set's shapes, fewer with --quick)")
    ap.add_argument("--only", help="comma list of sections to run (%s)" % ",".join(SECTIONS))
    ap.add_argument("--skip", help="comma list of sections to leave out")
    ap.add_argument("--dtypes", default="bf16,fp8", help="GEMM datatypes (default %(default)s)")
    ap.add_argument("--timer", choices=["auto", "triton", "events"], default="auto",
                    help="auto: Triton's do_bench if importable, else CUDA events")
    ap.add_argument("--warmup-ms", type=float, default=25.0,
                    help="do_bench warm-up budget per point (default %(default)s)")
    ap.add_argument("--rep-ms", type=float, default=100.0,
                    help="do_bench timing budget per point (default %(default)s)")
    ap.add_argument("--power-seconds", type=float, default=3.0,
                    help="length of each loaded power window, >= 3 (default %(default)s)")
    ap.add_argument("--device", type=int, default=0, help="CUDA device index (default 0)")
    ap.add_argument("--dry-run", action="store_true",
                    help="print the planned grid and exit (no torch, no GPU needed)")
    ap.add_argument("--assume-mem-gib", type=float, default=80.0,
                    help="device memory assumed by --dry-run (default %(default)s)")
    args = ap.parse_args(argv)

    def section_list(text):
        names = [s.strip() for s in text.split(",") if s.strip()]
        bad = [s for s in names if s not in SECTIONS]
        if bad:
            ap.error("unknown section %s (known: %s)" % (",".join(bad), ",".join(SECTIONS)))
        return names

    sections = section_list(args.only) if args.only else list(SECTIONS)
    if not args.model and not (args.only and "model" in sections):
        sections = [s for s in sections if s != "model"]
    if args.skip:
        skip = section_list(args.skip)
        sections = [s for s in sections if s not in skip]
    args.sections = sections
    args.dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    if not args.dtypes or any(d not in ("bf16", "fp8") for d in args.dtypes):
        ap.error("--dtypes takes bf16 and/or fp8")
    if args.power_seconds < 3.0:
        ap.error("--power-seconds must be at least 3 (the public set's procedure)")
    try:
        names = args.models or (MODELS_QUICK if args.quick else MODELS_FULL)
        args.model_list = [parse_model_spec(s.strip()) for s in names.split(",") if s.strip()]
        args.model_shape_list = parse_model_shapes(args.model_shapes) if args.model_shapes \
            else (MODEL_SHAPES_QUICK if args.quick else MODEL_SHAPES_FULL)
    except ValueError as e:
        ap.error(str(e))
    if args.dry_run:
        args.hw = args.hw or "unknown"
    elif not args.hw or not args.out:
        ap.error("--hw NAME (the hw column, e.g. h100-sxm) and --out DIR are required")
    return args


def dry_run(args):
    """Print every planned row, grouped by section, without torch."""
    mem = int(args.assume_mem_gib * GIB)
    print("# planned grid (%s), assuming %.0f GiB of device memory; hw=%s"
          % ("quick" if args.quick else "full", args.assume_mem_gib, args.hw))
    print("# sections: %s" % ",".join(args.sections))
    plans = {
        "bandwidth": lambda: plan_bandwidth(mem),
        "gemm": lambda: plan_gemm(args.quick, args.dtypes),
        "attention": lambda: plan_attention(args.quick, mem),
        "overhead": lambda: (plan_overhead(), []),
        "model": lambda: plan_model(args.model_list, args.model_shape_list, mem),
        "power": lambda: (POWER_WORKLOADS, []),
    }
    total = 0
    for section in args.sections:
        rows, notes = plans[section]()
        total += len(rows)
        print("\n## %s.csv: %d rows  [%s]" % (section, len(rows),
                                             ",".join(CSV_FORMATS[section][0])))
        for r in rows:
            print("  " + dry_row(section, r))
        for n in notes:
            print("  # " + n)
    print("\n# %d measurements in all" % total)


def dry_row(section, r):
    if section == "bandwidth":
        return "%s tensor=%d MiB bytes_moved=%d" % (r[0], r[1] // MIB, r[2])
    if section == "model":
        name, dims, phase, b, seq, cl = r
        return "%s %s batch=%d seq=%d ctx=%d (layers=%d hidden=%d ffn=%d heads=%d kv=%d " \
               "vocab=%d)" % ((name, phase, b, seq, cl) + tuple(dims))
    if section == "power":
        return r
    return " ".join(str(v) for v in (r if isinstance(r, tuple) else (r,)))


class Context:
    """What every section needs: output dir, hw name, timer, GQA mode, model list."""

    def __init__(self, args, bench, timer_name, gqa):
        self.args, self.out, self.hw = args, args.out, args.hw
        self.bench, self.timer_name, self.gqa = bench, timer_name, gqa
        self.sections = args.sections
        self.models, self.model_shapes = args.model_list, args.model_shape_list


def main(argv=None):
    args = parse_args(argv)
    if args.dry_run:
        dry_run(args)
        return 0
    try:
        import torch
    except ImportError:
        raise SystemExit("error: PyTorch is not installed (pip install torch)")
    if not torch.cuda.is_available():
        raise SystemExit("error: no CUDA device visible to PyTorch")
    torch.cuda.set_device(args.device)
    os.makedirs(args.out, exist_ok=True)
    started = time.time()
    bench, timer_name = make_bench(torch, args)
    ctx = Context(args, bench, timer_name, gqa_mode(torch))
    log("calibrate: %s (%s), timer: %s, gqa: %s, sections: %s"
        % (torch.cuda.get_device_name(), args.hw, timer_name, ctx.gqa, ",".join(args.sections)))
    write_environment(torch, ctx, started)
    runners = {"bandwidth": run_bandwidth, "gemm": run_gemm, "attention": run_attention,
               "overhead": run_overhead, "model": run_model, "power": run_power}
    with torch.inference_mode():
        for section in args.sections:
            t0 = time.time()
            runners[section](torch, ctx)
            log("%s done in %.0f s" % (section, time.time() - t0))
    log("calibrate: all done in %.0f s; files in %s" % (time.time() - started, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
