/* npu_engine — a serving engine's runtime around its kernels: production
 * kernels (paged KV, quantize/scale fusions, sampling) run slower than the
 * isolated ones the chip model was calibrated on, the runtime spends host time
 * per step and per sequence in flight (scheduling, sampling, stop checks), and
 * it may hide part of its collectives behind compute (the chip's links.overlap).
 * Profiles are fitted on H100 engine-level data (docs/scale-out.md); the same
 * engine is assumed on every chip. Used by the offline phase of npu_run and by
 * every step of the serving simulator. */
#ifndef NPU_ENGINE_H
#define NPU_ENGINE_H

typedef struct npu_engine {
    double kernel_scale; /* engine kernel time / isolated kernel time (compute, memory, overhead) */
    double comm_scale;   /* engine collective time / the collective model's (benchmark-grade) time */
    double step_us;      /* host time per step, us */
    double seq_us;       /* host time per sequence in flight per step, us */
} npu_engine;

extern const npu_engine npu_engine_default; /* = the "trtllm" profile */
extern const npu_engine npu_engine_ideal;   /* kernels only: what run --phase prefill|decode|e2e report */

/* Named profiles: "trtllm" (TensorRT-LLM v0.13 trtllm-bench), "mlperf" (NVIDIA's
 * MLPerf harness on TensorRT-LLM), "ideal" (kernels only). -1 + npu_err naming the
 * closest on an unknown name. */
int npu_engine_find(const char *name, npu_engine *out);

/* Wall time of a step whose kernels take kernels_s, comm_s of it in collectives,
 * with `seqs` sequences in flight, on a chip that hides the fraction `overlap`
 * of its collective time behind compute (npu_comm_overlap: links.overlap): the
 * exposed collective time is comm_s x (1 - overlap), and no more collective time
 * hides than the step's other kernels take (kernels_s - comm_s). */
double npu_engine_step_s(const npu_engine *e, double kernels_s, double comm_s, double overlap, double seqs);

#endif
