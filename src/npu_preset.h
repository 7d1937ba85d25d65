/* npu_preset — the JSON presets embedded at build time (see tools/embed.c). */
#ifndef NPU_PRESET_H
#define NPU_PRESET_H

typedef struct npu_preset {
    const char *name; /* file name without .json */
    const char *json; /* the file's text */
} npu_preset;

extern const char npu_preset_memory_json[];
extern const npu_preset npu_presets_hw[];
extern const int npu_presets_hw_count;
extern const npu_preset npu_presets_model[];
extern const int npu_presets_model_count;
extern const npu_preset npu_presets_engine[]; /* presets/engine: profiles and aliases */
extern const int npu_presets_engine_count;

#endif
