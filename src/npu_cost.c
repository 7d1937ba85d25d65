/* npu_cost — kernel cost model. This file is where the time goes in sweeps:
 * keep it free of allocation and I/O. */
#include "npu_cost.h"

#include <math.h>

const char *const npu_bound_names[NPU_BOUND_COUNT] = {"compute", "memory", "overhead", "comm"};

static double dmax(double a, double b) { return a > b ? a : b; }
static double dmin(double a, double b) { return a < b ? a : b; }

/* DRAM bandwidth reachable by `ctas` concurrent tiles: each unit can pull only
 * unit_bw_share fair shares, so a kernel with few tiles cannot saturate DRAM.
 * `full` = the streaming bandwidth at this kernel's efficiency, bytes/s. */
static double reachable_bw(const npu_hw *hw, double ctas, double full) {
    double busy = dmin(ctas, hw->units);
    return dmin(full, busy * full / hw->units * hw->eff.unit_bw_share);
}

/* ---- dequantization: the one home of its cost ----
 * Weights stored narrower than the datatype the matrix engines run, or in scaled
 * groups the matrix instruction cannot apply (int4 weights under bf16 activations,
 * GGUF blocks, nvfp4 on a chip without its block scales, int4 on an int8-only NPU)
 * are converted on the vector units: the format's ops per weight (npu_quant's table:
 * conversion by the lookup/magic-number trick of TensorRT-LLM, Marlin and llama.cpp,
 * scale and zero point, each block's scale decode) at the vector rate of the target
 * datatype (docs/quantization.md "Dequantization"). */
double npu_cost_dequant_s(const npu_hw *hw, npu_dtype from, npu_dtype to, double elements) {
    if (!(elements > 0)) return 0;
    double ops = npu_hw_dequant_ops(hw, from, to); /* the rule: npu_hw.h */
    return ops > 0 ? elements * ops / (hw->vec_ops[to] * hw->eff.vec_eff) : 0;
}

double npu_cost_dequant_ops(const npu_hw *hw, const npu_kernel *k, int tile_m) {
    if (k->kind != NPU_KK_GEMM) return 0;
    double ops = hw->path_dq[k->wdt][k->adt]; /* npu_hw_gemm_path's, decided when the chip was finished */
    if (!(ops > 0)) return 0;
    double rows = tile_m > 0 ? ceil((double)k->m / tile_m) : 1;
    return ops * (double)k->n * k->k * (k->groups > 0 ? k->groups : 1) * rows;
}

/* One wave's prologue and epilogue: the fixed part (wave_us: synchronisation and
 * the first load's latency) plus the tile's first operand block and its output,
 * moved at the DRAM bandwidth one unit pulls (`unit_Bps`). */
static double wave_s(const npu_hw *hw, double unit_Bps, double tile_bytes) {
    return hw->eff.wave_us * 1e-6 + tile_bytes / unit_Bps;
}

/* Engine time of one tm x tn output tile over ks reduction steps on one unit, s,
 * at `eff` of the unit's `rate` (FLOP/s), from the engine as built:
 * - mma and none: the tile's FLOPs (the software tile is a multiple of the instruction tile);
 * - systolic, weight-stationary: each rows x cols weight block serves the tile's tm rows,
 *   streaming one row per cycle; loading the next block (`load` cycles, double-buffered)
 *   overlaps, so a block costs max(tm, load) cycles;
 * - systolic, output-stationary: rows x cols output blocks, ks cycles each;
 * blocks are spread over the unit's engines (an idle engine is time lost). */
static double tile_s(const npu_hw *hw, double rate, double eff, double tm, double tn, double ks, double load) {
    if (hw->eng != NPU_ENGINE_SYSTOLIC) return 2.0 * tm * tn * ks / (rate * eff);
    double pe = hw->eng_per_unit, f_pad;
    if (hw->flow == NPU_FLOW_WEIGHT) {
        /* a block holds rows x cols PEs' weights, eng_depth each (K extent rows x depth) */
        double rows = hw->eng_k * hw->eng_depth, cols = hw->eng_n;
        double bn = ceil(tn / cols), bk = ceil(ks / rows), blocks = bn * bk;
        /* a block: its rows' MACs at the engine's rate for this datatype, or its load (data
         * movement, whatever the datatype's MAC rate), whichever is longer */
        double block_s = dmax(2.0 * tm * rows * cols * pe / (rate * eff), load / (hw->clock_mhz * 1e6));
        return ceil(blocks / pe) * block_s;
    } else {
        double rows = hw->eng_m, cols = hw->eng_n;
        /* an array that reshapes (Gaudi's MME geometries) pads few rows only to its granule:
         * granule x (rows x cols / granule) */
        double g = hw->gemv_granule;
        if (tm < rows && g < rows) {
            double r = ceil(tm / g) * g;
            cols = floor(rows * cols / r), rows = r;
        }
        double bm = ceil(tm / rows), bn = ceil(tn / cols), blocks = bm * bn;
        f_pad = 2.0 * bm * rows * bn * cols * ks * (ceil(blocks / pe) * pe / blocks);
    }
    return f_pad / (rate * eff);
}

/* A systolic array's pipeline fills and drains once per kernel on each unit (rows + cols
 * cycles): consecutive tiles overlap one's drain with the next one's fill. */
static double fill_s(const npu_hw *hw) {
    return hw->eng == NPU_ENGINE_SYSTOLIC ? (hw->eng_k + hw->eng_n + hw->eng_m) / (hw->clock_mhz * 1e6) : 0;
}

/* Fraction of its rate an engine sustains when the level that feeds it delivers
 * `feed_Bps` per unit (0 = not stated: not limiting) and the tile needs
 * `op_B_per_flop` operand bytes per FLOP. */
static double feed_eff(double rate, double feed_Bps, double op_B_per_flop) {
    double need = rate * op_B_per_flop;
    return feed_Bps > 0 && need > feed_Bps ? feed_Bps / need : 1.0;
}

static long round_up(long x, long g) { return (x + g - 1) / g * g; }

/* ceil() of a non-negative value, inline: exactly ceil(), without the libm call
 * the hot loop would otherwise make per split (x86-64 without SSE4.1 has no rounding op) */
static inline double ceil_pos(double x) {
    if (!(x < 4e18)) return ceil(x); /* huge (or NaN): the cast would overflow */
    double t = (double)(long long)x;
    return t < x ? t + 1.0 : t;
}

/* Cycles a weight-stationary array takes to load one rows x cols block of `b`-byte
 * weights: from its feeding SRAM at the stated bandwidth (Groq: 80 TB/s installs a
 * 320x320 block in ~5 cycles), else one row per cycle (TPU v1's weight FIFO). */
static double load_cycles(const npu_hw *hw, double b) {
    double rows = hw->eng_k;
    if (hw->feed_Bps_per_unit <= 0) return rows; /* a row of cols x depth weights per cycle */
    double per_cycle = hw->feed_Bps_per_unit / hw->eng_per_unit / (hw->clock_mhz * 1e6);
    return dmax(1.0, rows * hw->eng_depth * hw->eng_n * b / per_cycle);
}

/* Bytes of GEMM `k`'s weights read from on-chip SRAM rather than DRAM (npu_plan_resident_share,
 * the rule; the kernel carries the step's pool, working set and traffic), and that SRAM's
 * read bandwidth in *Bps. Resident weights cost their SRAM read time, added to the DRAM
 * time of the rest: the engines take each weight tile from one source or the other
 * (serial, an upper bound on the time; docs/accuracy-architectures.md "On-chip residency"). */
static double resident_B(const npu_hw *hw, const npu_kernel *k, double *Bps) {
    *Bps = 0;
    npu_resident r = npu_plan_resident_share(hw, k->res_pool_B, k->res_ws_B, k->res_step_B);
    if (!(r.share > 0)) return 0;
    double w = (double)k->n * k->k * (k->groups > 0 ? k->groups : 1) * npu_dtype_bytes(k->wdt) * r.share;
    *Bps = r.Bps;
    return w < k->bytes ? w : k->bytes;
}

/* Matrix-vector work on the vector units or a dedicated GEMV path: the weights
 * stream once from DRAM past the vector/dot units, at the vector rate of the
 * compute datatype, dequantizing on the same units (fused, so it adds). */
static npu_kcost cost_gemv(const npu_hw *hw, const npu_kernel *k, npu_dtype cdt, double res_B, double res_Bps) {
    const npu_eff *e = &hw->eff;
    npu_kcost c = {0};
    int G = k->groups > 0 ? k->groups : 1;
    double full = hw->mem_bw_Bps * e->mem_eff * e->gemm_mem_eff;
    double first = (double)hw->tile_n * hw->tile_k * npu_dtype_bytes(k->wdt); /* a unit's first weight block */
    c.memory_s = e->mem_lat_us * 1e-6 + wave_s(hw, reachable_bw(hw, 1, full), first) + (k->bytes - res_B) / full +
                 (res_B > 0 ? res_B / res_Bps : 0);
    c.compute_s = k->flops / (hw->vec_ops[cdt] * e->vec_eff) +
                  npu_cost_dequant_s(hw, k->wdt, cdt, (double)k->n * k->k * G);
    c.time_s = dmax(c.compute_s, c.memory_s);
    c.tile_m = (int)k->m, c.tile_n = hw->tile_n, c.split_k = 1;
    return c;
}

/* The hot loop of sweeps: up to 9 tile shapes x 6 split-K choices per GEMM, no allocation.
 * Tiles are multiples of the engine's granules (tile_gm/gn/gk), the chip's software
 * tile and smaller ones down to the granule, plus one fitted to M; a tile whose
 * double-buffered operands do not fit the SRAM feeding the engines is skipped. */
static npu_kcost cost_gemm(const npu_hw *hw, const npu_kernel *k) {
    const npu_eff *e = &hw->eff;
    npu_gemm_path path = npu_hw_gemm_path(hw, k->wdt, k->adt);
    npu_dtype cdt = path.cdt;
    long M = k->m, N = k->n, K = k->k;
    /* few rows: the dedicated/vector path when it is the faster kernel (libraries pick by heuristics
     * that amount to this); else the tiled path below, padded to the engine's granule */
    npu_kcost best = {.time_s = INFINITY};
    double res_Bps, res_B = resident_B(hw, k, &res_Bps);
    if (hw->gemv != NPU_GEMV_MATRIX && M <= hw->gemv_max_rows) best = cost_gemv(hw, k, cdt, res_B, res_Bps);
    double unit_rate = hw->peak_flops[cdt] / hw->units; /* FLOP/s per unit */
    int G = k->groups > 0 ? k->groups : 1;
    double bA = npu_dtype_bytes(path.act), bW = npu_dtype_bytes(k->wdt);
    double full_bw = hw->mem_bw_Bps * e->mem_eff * e->gemm_mem_eff;
    double unit_bw = reachable_bw(hw, 1, full_bw);
    long gm = hw->tile_gm, gn = hw->tile_gn;
    long tk = round_up(hw->tile_k, hw->tile_gk);
    /* weight-only quantization: dequantized on the vector units once per row of
     * output tiles, overlapping the matrix engines (decoupled units) */
    double dq_row = npu_cost_dequant_s(hw, k->wdt, cdt, (double)N * K * G);
    /* split factors s = 1, 2, 4, 8, 16 and stream-K (s = 1): K steps per tile */
    double k_steps[6];
    int n_split = 1; /* splits s = 2^sk usable while each keeps >= 2 K tiles */
    for (int sk = 0; sk <= 5; sk++) {
        int s = sk == 5 ? 1 : 1 << sk;
        k_steps[sk] = ceil_pos((double)K / s / tk) * tk;
        if (sk > 0 && sk < 5 && K / s >= 2L * tk) n_split = sk + 1;
    }
    /* DRAM re-reads: when A and B do not fit on chip, a block of T rows and T columns
     * is reused from SRAM and A is read once per T columns of B, B once per T rows of A.
     * T is the better of two blockings: full-K panels of A and B resident in all the
     * on-chip SRAM, or a T x T block of fp32 accumulators resident in one unit's SRAM
     * while K streams through (traffic 2MNK x bytes / T) */
    double onchip = hw->sram_total_bytes;
    double a_B = bA * M * K * G, w_B = bW * N * K * G, reread = 0;
    if (onchip > 0 && a_B + w_B > onchip) {
        double T = dmax(onchip / ((double)K * (bA + bW)), sqrt(hw->sram_unit_bytes / 4.0));
        if (T < 1) T = 1;
        reread = a_B * (ceil(N / T) - 1) + w_B * (ceil(M / T) - 1);
    }
    double feed = hw->feed_bytes_per_unit;
    long TM = hw->tile_m, TN = hw->tile_n;
    double lat = e->mem_lat_us * 1e-6, launch_extra = e->kernel_us * 1e-6, units = hw->units;
    double share_bw = full_bw / units * e->unit_bw_share; /* reachable_bw per busy unit */
    double base_bytes = k->bytes - res_B + reread, ws_bytes = 8.0 * M * N * G; /* split-K workspace per split */
    bool systolic = hw->eng == NPU_ENGINE_SYSTOLIC, os = systolic && hw->flow == NPU_FLOW_OUTPUT;
    bool shared_alu = hw->eng == NPU_ENGINE_NONE;
    double load = systolic && !os ? load_cycles(hw, bW) : 0, fill = fill_s(hw);
    double mma_split = sqrt((double)hw->eng_per_unit);
    /* rows a tile needs to keep the engine busy: a weight-stationary array amortises a
     * block's load over them, an output-stationary one fills its rows */
    long busy_rows = systolic ? (long)(os ? hw->eng_m : load) : TM;
    long seen[9];
    int n_seen = 0;
    /* shrink factors of the chip's tile; {0, 1} fits it to M, {0, 0} grows it to the rows
     * that keep the engine busy, {-1, -1} spreads the GEMM over all units (many small cores) */
    static const int shrink[][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {2, 4}, {4, 4}, {0, 1}, {0, 0}, {-1, -1}};
    for (size_t t = 0; t < sizeof shrink / sizeof shrink[0]; t++) {
        long tm, tn;
        if (shrink[t][0] > 0) {
            tm = round_up(TM / shrink[t][0] > gm ? TM / shrink[t][0] : gm, gm);
            tn = round_up(TN / shrink[t][1] > gn ? TN / shrink[t][1] : gn, gn);
        } else if (shrink[t][0] == 0) {
            long want = shrink[t][1] ? TM : (busy_rows > TM ? busy_rows : TM);
            if (!shrink[t][1] && want == TM) continue; /* the chip's tile already keeps it busy */
            tm = round_up(M < want ? M : want, gm);
            tn = round_up(TN > gn ? TN : gn, gn);
        } else {
            /* as many tiles as units, no larger than the chip's tile: a compiler partitions a
             * GEMM over all cores; a GPU library picks from its tile menu (the fitted shrinks) */
            if (hw->gpu_like) continue;
            double per = (double)M * N * G / hw->units;
            if (per >= (double)(TM / 4) * (TN / 4)) continue; /* the shrunk tiles already fill the units */
            long side = (long)ceil(sqrt(per));
            tm = round_up(side < M ? side : M, gm);
            tn = round_up((long)ceil(per / tm) > 1 ? (long)ceil(per / tm) : 1, gn);
        }
        /* an output-stationary array reshaped to fewer rows is as many columns wider: so is its tile */
        bool reshape = os && tm < hw->eng_m;
        if (reshape) tn = round_up((long)((double)TN * hw->eng_m / tm), gn);
        if (t > 0 && feed > 0 && 2.0 * (tm * bA + tn * bW) * tk > feed) continue;
        if (shrink[t][0] == 0 && shrink[t][1] && tm >= TM / 4 && !reshape) continue; /* not new */
        if (hw->eng != NPU_ENGINE_MMA) { /* rounding to an array's granules makes some candidates equal */
            long key = tm * 1000003L + tn;
            bool dup = false;
            for (int i = 0; i < n_seen; i++) dup |= seen[i] == key;
            if (dup) continue;
            seen[n_seen++] = key;
        }
        double halvings = e->tile_pen != 0 ? log2((double)TM * TN / ((double)tm * tn)) : 0;
        /* the operand tile the feeding SRAM serves (npu_hw.c derive_engine: op_bits_per_flop) */
        double em = hw->eng == NPU_ENGINE_MMA ? dmax(hw->eng_m, tm / mma_split) : os ? hw->eng_m : tm;
        double en = hw->eng == NPU_ENGINE_MMA ? dmax(hw->eng_n, tn / mma_split) : hw->eng == NPU_ENGINE_NONE ? tn : hw->eng_n;
        double eff = e->matrix_eff * dmax(0.05, 1.0 - e->tile_pen * halvings);
        if (hw->feed_Bps_per_unit > 0) eff *= feed_eff(unit_rate, hw->feed_Bps_per_unit, (bA / en + bW / em) / 2.0);
        double rows_of_tiles = ceil_pos((double)M / tm);
        double tiles = rows_of_tiles * ceil_pos((double)N / tn) * G;
        double tiles_per_unit = tiles / units;
        double wave = wave_s(hw, unit_bw, (tm * bA + tn * bW) * tk + tm * tn * 2.0);
        double dq = dq_row * rows_of_tiles;
        double per_k = 2.0 * tm * tn / (unit_rate * eff); /* mma, none: the tile's time per K step */
        double mem0 = lat + wave + (res_B > 0 ? res_B / res_Bps : 0);
        /* no split of this tile can beat the best so far when its memory time alone, at the
         * full bandwidth and without a split's workspace, does not (exact pruning: the body is
         * at least the memory time, the split's extra is not negative) */
        if (mem0 + base_bytes / full_bw >= best.time_s) continue;
        for (int sk = 0; sk <= 5; sk++) {
            if (sk == n_split) sk = 5; /* the remaining splits keep < 2 K tiles: on to stream-K */
            bool stream_k = sk == 5;
            int s = stream_k ? 1 : 1 << sk;
            double ctas = tiles * s;
            /* stream-K: the tile work is spread evenly over the units (no wave
             * quantization) at the price of a fix-up pass */
            double waves = ctas > units && stream_k ? tiles_per_unit * s : ceil_pos(tiles_per_unit * s);
            double tile_t = systolic ? tile_s(hw, unit_rate, eff, tm, tn, k_steps[sk], load) : per_k * k_steps[sk];
            /* decoupled vector units dequantize while the matrix engines multiply (max); with no
             * matrix engine (simdgroup_matrix on the ALUs, a wafer's PEs) the same ALUs do both (sum) */
            double mac = waves * (tile_t + wave) + fill;
            double compute = shared_alu ? mac + dq : dmax(mac, dq);
            double bytes = base_bytes + (s > 1 ? ws_bytes * s : 0);
            double memory = mem0 + bytes / dmin(full_bw, dmin(ctas, units) * share_bw);
            double body = dmax(compute, memory);
            double extra = s > 1 || stream_k ? launch_extra : 0; /* reduction / fix-up */
            if (body + extra < best.time_s) {
                best.time_s = body + extra;
                best.compute_s = compute;
                best.memory_s = memory;
                best.overhead_s = extra;
                best.tile_m = (int)tm, best.tile_n = (int)tn, best.split_k = s;
            }
        }
    }
    best.sram_bytes = res_B;
    return best;
}

/* Flash attention. Prefill: one tile per (sequence, head, 128 queries), each
 * sweeping its keys; causal tiles are uneven, so the longest bounds a wave; the
 * matmuls are padded to the engine (tile_s) and the softmax runs on the vector
 * units, overlapped. Decode: KV-cache streaming, split along the keys until the
 * units are busy. */
#define SOFTMAX_OPS_PER_SCORE 5.0 /* max, subtract, exp, sum, scale [E] */
static npu_kcost cost_attention(const npu_hw *hw, const npu_kernel *k) {
    const npu_eff *e = &hw->eff;
    npu_kcost c = {0};
    double unit_rate = hw->peak_flops[npu_hw_attn_dtype(hw)] / hw->units;
    double eff = e->matrix_eff * e->attn_eff;
    double d = k->head_dim, dv = k->v_dim > 0 ? k->v_dim : k->head_dim;
    double b = npu_dtype_bytes(k->kvdt);
    double full = hw->mem_bw_Bps * e->mem_eff;
    double unit_bw = reachable_bw(hw, 1, full);
    double softmax = k->flops / (2.0 * (d + dv)) * SOFTMAX_OPS_PER_SCORE / (hw->vec_flops * e->vec_eff);
    if (k->q_len > 1) {
        const double bq = 128; /* query rows per tile */
        double qblocks = ceil(k->q_len / bq);
        double ctas = (double)k->batch * k->heads * qblocks;
        /* a compiled many-core chip also splits the keys over idle units (flash-decoding
         * style, a combine pass after); a GPU kernel keeps one tile per (head, query block) */
        /* a tile sweeps its keys: all of them, or under a sliding window its
         * queries' windows (at most window + bq keys) */
        double kvl = k->causal && k->window > 0 && k->window + bq < k->kv_len ? k->window + bq : (double)k->kv_len;
        double splits = hw->gpu_like ? 1 : dmax(1, dmin(ceil(kvl / bq), floor(hw->units / ctas)));
        double keys = ceil(kvl / splits);
        ctas *= splits;
        if (splits > 1) c.overhead_s = e->kernel_us * 1e-6;
        double longest_f = 2.0 * bq * keys * (d + dv);
        double load = hw->eng == NPU_ENGINE_SYSTOLIC && hw->flow == NPU_FLOW_WEIGHT ? load_cycles(hw, b) : 0;
        double longest = tile_s(hw, unit_rate, eff, bq, keys, d, load) + tile_s(hw, unit_rate, eff, bq, dv, keys, load);
        double pad = longest * unit_rate * eff / longest_f; /* the engine's padding of these shapes */
        double busy = dmin(ctas, hw->units);
        double waves = ceil(ctas / hw->units);
        double wave = wave_s(hw, unit_bw, bq * (d + dv) * 2.0 + bq * (d + dv) * b);
        double mm = dmax(k->flops * pad / (busy * unit_rate * eff), longest), sm = softmax / busy * hw->units;
        /* the softmax overlaps the matmuls on separate units; on a chip without a matrix engine
         * the same ALUs run both */
        c.compute_s = (hw->eng == NPU_ENGINE_NONE ? mm + sm : dmax(mm, sm)) + waves * wave + fill_s(hw);
        c.memory_s = e->mem_lat_us * 1e-6 + k->bytes / reachable_bw(hw, ctas, full);
    } else {
        double heads_kv = (double)k->batch * k->kv_heads;
        double splits = dmax(1, dmin(ceil(k->kv_len / 256.0), ceil(hw->units / heads_kv)));
        double ctas = heads_kv * splits;
        double wave = wave_s(hw, unit_bw, 256.0 * (d + dv) * b);
        double mm = k->flops / (dmin(ctas, hw->units) * unit_rate * eff);
        c.compute_s = (hw->eng == NPU_ENGINE_NONE ? mm + softmax : dmax(mm, softmax)) + wave;
        c.memory_s = e->mem_lat_us * 1e-6 + k->bytes / reachable_bw(hw, ctas, full);
        if (splits > 1) c.overhead_s = e->kernel_us * 1e-6; /* combine partial softmaxes */
    }
    c.time_s = dmax(c.compute_s, c.memory_s) + c.overhead_s;
    return c;
}

static npu_kcost cost_streaming(const npu_hw *hw, const npu_kernel *k) {
    const npu_eff *e = &hw->eff;
    npu_kcost c = {0};
    c.memory_s = e->mem_lat_us * 1e-6 + k->bytes / (hw->mem_bw_Bps * e->mem_eff);
    c.compute_s = k->flops / (hw->vec_flops * e->vec_eff);
    /* an op of several launches pays the pipeline fill once per launch */
    c.memory_s += (k->launches - 1) * e->mem_lat_us * 1e-6;
    c.time_s = dmax(c.compute_s, c.memory_s);
    return c;
}

npu_kcost npu_cost_kernel(const npu_hw *hw, const npu_kernel *k, npu_cost_ctx ctx) {
    npu_kcost c;
    if (k->kind == NPU_KK_COMM) { /* the collective model carries its own launch/sync latency */
        npu_comm_cost cc = npu_comm_op(hw, k->coll, k->chips, k->comm_bytes);
        c = (npu_kcost){.time_s = cc.time_s, .overhead_s = cc.latency_s, .bound = NPU_BOUND_COMM,
                        .link_bytes = cc.sent_B};
        return c;
    }
    /* an activation quantization for block scales this chip's matrix engines do not apply: its
     * GEMMs take the 16-bit activations instead (npu_hw_gemm_path), so there is no such kernel */
    if (k->act_quant && !npu_hw_runs_block(hw, k->adt)) return (npu_kcost){.bound = NPU_BOUND_MEMORY};
    switch (k->kind) {
    case NPU_KK_GEMM: c = cost_gemm(hw, k); break;
    case NPU_KK_ATTN: c = cost_attention(hw, k); break;
    default: c = cost_streaming(hw, k); break;
    }
    const npu_eff *e = &hw->eff;
    double launch = ctx == NPU_STANDALONE ? e->launch_us + (k->launches - 1) * e->kernel_us
                                          : k->launches * e->kernel_us;
    c.overhead_s += launch * 1e-6;
    c.time_s += launch * 1e-6;
    double body = dmax(c.compute_s, c.memory_s);
    if (c.overhead_s > body) c.bound = NPU_BOUND_OVERHEAD;
    else c.bound = c.compute_s >= c.memory_s ? NPU_BOUND_COMPUTE : NPU_BOUND_MEMORY;
    return c;
}
