/* npusim.h — the public C API of libnpusim: predict what an AI chip delivers
 * for LLM inference (latency, throughput, memory, power, cost) from its
 * datasheet. This header is the whole API; docs/api.md explains it with an
 * example (examples/api_example.c).
 *
 * Shape of the API: JSON in, JSON out. A call names a command ("run",
 * "serve", "plan", "cost", "sweep", "op gemm", ...) and gives a JSON object of
 * fields, the command line's options with '_' for '-' ({"model": "llama3-8b",
 * "hw": "h100-sxm", "phase": "decode", "batch": 8, "ctx": 2048}); the result
 * is the text `npusim CMD --json` prints, byte for byte ("format": "table" or
 * "csv" gives the command line's table or CSV instead). Fields, bounds and
 * defaults are the command line's (`npusim help CMD`): one option table serves
 * both.
 *
 * Descriptions can also be loaded once into opaque handles (hardware, model,
 * engine), edited by path, and passed to npusim_run, npusim_serve, npusim_plan
 * and npusim_cost instead of naming them in the request.
 *
 * Errors: every call that can fail takes a context and returns an
 * npusim_status; the context then holds the code and a one-line message
 * naming the field, file or value (npusim_errcode, npusim_errmsg). The
 * library never prints, never exits and keeps no global state but the
 * thread-local text of the last internal error.
 *
 * Memory: a string the library returns through a `char **` is the caller's,
 * freed with npusim_free. A handle is the caller's, freed with its _free
 * function. Strings returned as `const char *` belong to the object they come
 * from and live until it is freed or changed.
 *
 * Threads: a context is used by one thread at a time (use one per thread).
 * Handles may be read by any number of threads at once (every compute call
 * only reads them); a handle being edited (npusim_*_set) must not be in use
 * by another thread.
 *
 * Versions: NPUSIM_API_VERSION_MAJOR changes when a call or a result field is
 * removed or changes meaning (and with it the soname, libnpusim.so.MAJOR);
 * MINOR when calls or fields are added. */
#ifndef NPUSIM_H
#define NPUSIM_H

#ifdef __cplusplus
extern "C" {
#endif

#define NPUSIM_API_VERSION_MAJOR 1
#define NPUSIM_API_VERSION_MINOR 0
#define NPUSIM_API_VERSION (NPUSIM_API_VERSION_MAJOR * 1000 + NPUSIM_API_VERSION_MINOR)

#if defined(NPUSIM_BUILDING_LIBRARY) && defined(__GNUC__)
#define NPUSIM_API __attribute__((visibility("default")))
#else
#define NPUSIM_API
#endif

/* The release, as `npusim --version` prints it after "npusim ": "0.6.0" or
 * "0.6.0 (git 1a2b3c4)". Static storage. */
NPUSIM_API const char *npusim_version(void);
/* NPUSIM_API_VERSION of the library loaded at run time; a program built
 * against this header works with any library of the same major and a minor
 * at least this header's. */
NPUSIM_API int npusim_api_version(void);

typedef enum npusim_status {
    NPUSIM_OK = 0,
    NPUSIM_ERR_INPUT = 1,       /* bad request, description, file or value: the message names it */
    NPUSIM_ERR_CHECK = 2,       /* computed, but a check the request asked for failed (validate's
                                 * max_mape); the result is set as on success */
    NPUSIM_ERR_UNAVAILABLE = 3, /* the command is not in this build */
    NPUSIM_ERR_MEMORY = 4,      /* out of memory */
    NPUSIM_ERR_USAGE = 5        /* API misuse: a NULL context, handle or output pointer */
} npusim_status;

/* ---- contexts: errors and progress of the calls made through them ---- */

typedef struct npusim_ctx npusim_ctx;

NPUSIM_API npusim_ctx *npusim_ctx_new(void); /* NULL when out of memory */
NPUSIM_API void npusim_ctx_free(npusim_ctx *ctx);
/* The status of the last call made with ctx (NPUSIM_OK after a success). */
NPUSIM_API npusim_status npusim_errcode(const npusim_ctx *ctx);
/* Its message: one line, no trailing newline; "" after a success. Owned by ctx,
 * valid until its next call. */
NPUSIM_API const char *npusim_errmsg(const npusim_ctx *ctx);

/* Progress of long calls (serve): fn(user, task, frac) with frac in [0, 1]
 * now and then; frac < 0 gives a one-line note instead (calibrate says what it
 * fits). Called on the calling thread, during the call. NULL turns it off. */
typedef void (*npusim_progress_fn)(void *user, const char *task, double frac);
NPUSIM_API void npusim_ctx_set_progress(npusim_ctx *ctx, npusim_progress_fn fn, void *user);

/* ---- handles: a chip, a model, a serving engine ----
 * Load from a preset name ("h100-sxm", `npusim list hw`), a file path (a JSON
 * description; for models also a HuggingFace config.json) or JSON text (a
 * string whose first non-blank character is '{'). The loaded description is
 * validated as a file is. */

typedef struct npusim_hw npusim_hw;
typedef struct npusim_model npusim_model;
typedef struct npusim_engine npusim_engine;

NPUSIM_API npusim_status npusim_hw_load(npusim_ctx *ctx, const char *spec, npusim_hw **out);
NPUSIM_API npusim_status npusim_model_load(npusim_ctx *ctx, const char *spec, npusim_model **out);
/* Engines: "trtllm", "mlperf", "ideal", or a JSON object / file with the
 * fields kernel_scale, comm_scale, step_us, seq_us (and an optional name). */
NPUSIM_API npusim_status npusim_engine_load(npusim_ctx *ctx, const char *spec, npusim_engine **out);

/* Edit one field by its path in the description's JSON schema (docs/schema.md):
 * "memory.stacks", "matrix.units", "sram[1].mb"; a leading "hw." ("model.",
 * "engine.") is allowed. The value is text: a number, true/false, a name, or
 * JSON for an object or array. The edited description is validated as a file
 * is; on an error the handle keeps its previous value. Returns h's status. */
NPUSIM_API npusim_status npusim_hw_set(npusim_ctx *ctx, npusim_hw *h, const char *path, const char *value);
NPUSIM_API npusim_status npusim_model_set(npusim_ctx *ctx, npusim_model *h, const char *path, const char *value);
NPUSIM_API npusim_status npusim_engine_set(npusim_ctx *ctx, npusim_engine *h, const char *path, const char *value);

/* Independent copies (edit one, keep the other). */
NPUSIM_API npusim_status npusim_hw_copy(npusim_ctx *ctx, const npusim_hw *h, npusim_hw **out);
NPUSIM_API npusim_status npusim_model_copy(npusim_ctx *ctx, const npusim_model *h, npusim_model **out);
NPUSIM_API npusim_status npusim_engine_copy(npusim_ctx *ctx, const npusim_engine *h, npusim_engine **out);

/* The description as JSON (the schema `npusim show hw` prints); free with npusim_free. */
NPUSIM_API npusim_status npusim_hw_json(npusim_ctx *ctx, const npusim_hw *h, char **json);
NPUSIM_API npusim_status npusim_model_json(npusim_ctx *ctx, const npusim_model *h, char **json);
NPUSIM_API npusim_status npusim_engine_json(npusim_ctx *ctx, const npusim_engine *h, char **json);

/* Its name (owned by the handle). */
NPUSIM_API const char *npusim_hw_name(const npusim_hw *h);
NPUSIM_API const char *npusim_model_name(const npusim_model *h);
NPUSIM_API const char *npusim_engine_name(const npusim_engine *h);

NPUSIM_API void npusim_hw_free(npusim_hw *h); /* NULL is fine */
NPUSIM_API void npusim_model_free(npusim_model *h);
NPUSIM_API void npusim_engine_free(npusim_engine *h);

/* ---- calls: JSON request in, result text out ----
 * `request` is a JSON object (NULL or "" = {}); its fields are the command's
 * options (`npusim help CMD`) with '_' for '-', plus
 *   "format": "json" (the default where the command has --json), "table" or
 *             "csv" (where the command has --csv);
 *   "args":   the positional arguments (["hw"] for list, paths for validate).
 * Numbers are JSON numbers; names, datatypes, sizes ("1G", "1K..8G") and
 * length distributions ("lognormal:512,256,4000") are strings; flags are
 * true. "model", "hw" and "prefill_hw" may also be JSON objects (inline
 * descriptions). A handle argument, when not NULL, gives that description and
 * the request must not name it too.
 *
 * On NPUSIM_OK (and NPUSIM_ERR_CHECK) *result is the text `npusim CMD ...`
 * prints for the same options, ending in a newline: pretty-printed JSON by
 * default. Free it with npusim_free. On other errors *result is NULL. */
NPUSIM_API npusim_status npusim_run(npusim_ctx *ctx, const npusim_model *model, const npusim_hw *hw,
                                    const npusim_engine *engine, const char *request, char **result);
NPUSIM_API npusim_status npusim_serve(npusim_ctx *ctx, const npusim_model *model, const npusim_hw *hw,
                                      const npusim_engine *engine, const char *request, char **result);
NPUSIM_API npusim_status npusim_plan(npusim_ctx *ctx, const npusim_model *model, const npusim_hw *hw,
                                     const char *request, char **result);
NPUSIM_API npusim_status npusim_cost(npusim_ctx *ctx, const npusim_hw *hw, const char *request, char **result);
/* A design-space sweep: `spec` is the JSON of `npusim sweep SPEC.json` (docs/sweep.md);
 * the result is {"columns": [...], "rows": [[...], ...]}. NPUSIM_ERR_UNAVAILABLE in
 * a build without the sweep module. */
NPUSIM_API npusim_status npusim_sweep(npusim_ctx *ctx, const char *spec, char **result);
/* Any command by its name ("run", "op gemm", "op allreduce", "validate",
 * "list", "show", ...), descriptions named in the request. */
NPUSIM_API npusim_status npusim_call(npusim_ctx *ctx, const char *command, const char *request, char **result);

/* Free a string the library returned (NULL is fine). */
NPUSIM_API void npusim_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
