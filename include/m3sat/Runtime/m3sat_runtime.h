/*===- m3sat_runtime.h - C ABI of an m3sat task library ---------*- C -*-===//
 *
 * The small C ABI every task library built by m3sat-compile exports
 * (OUT_DIR/libm3sat_task.so, for --target=cpu and --target=gpu). Callers
 * need only this header: open an OUT_DIR for one task, query its inputs and
 * outputs, run it, close it. Tasks of one OUT_DIR opened at the same time
 * share one mapping of the bundle's weights.
 *
 *===----------------------------------------------------------------------===*/

#ifndef M3SAT_RUNTIME_M3SAT_RUNTIME_H
#define M3SAT_RUNTIME_M3SAT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks the exported C ABI (the rest of the library stays hidden). */
#define M3SAT_API __attribute__((visibility("default")))

/** An opened task of an OUT_DIR. */
typedef struct m3sat_model m3sat_model;

/** Element types of inputs and outputs (values of the bundle's DType);
 *  integers are signless: I8 data may be int8 or uint8. */
enum m3sat_dtype {
  M3SAT_F32 = 0,
  M3SAT_I64 = 1,
  M3SAT_I32 = 2,
  M3SAT_F16 = 3,
  M3SAT_I1 = 4, /* bool, one byte per element */
  M3SAT_I8 = 5,
  M3SAT_I16 = 6,
  M3SAT_F64 = 7,
  M3SAT_BF16 = 8,
  /* 8- and 4-bit floats: their codes, one element per byte */
  M3SAT_F8E4M3FN = 9,
  M3SAT_F8E4M3FNUZ = 10,
  M3SAT_F8E5M2 = 11,
  M3SAT_F8E5M2FNUZ = 12,
  M3SAT_F8E8M0FNU = 13,
  M3SAT_F4E2M1FN = 14, /* the code in the low nibble */
  M3SAT_I4 = 15,       /* one element per byte, in the low 4 bits */
  M3SAT_I2 = 16        /* one element per byte, in the low 2 bits */
};

/** Opens `task` of the OUT_DIR `out_dir` (NULL: its first task). On
 *  failure returns NULL and writes a one-line reason into `error`. */
M3SAT_API m3sat_model *m3sat_create(const char *out_dir, const char *task,
                                    char *error, size_t error_size);

/** Number of inputs / outputs of the task. */
M3SAT_API int m3sat_num_inputs(const m3sat_model *model);
M3SAT_API int m3sat_num_outputs(const m3sat_model *model);

/** Name, element type, rank and dimensions of input / output `i`. */
M3SAT_API const char *m3sat_input_name(const m3sat_model *model, int i);
M3SAT_API int m3sat_input_dtype(const m3sat_model *model, int i);
M3SAT_API int m3sat_input_rank(const m3sat_model *model, int i);
M3SAT_API const int64_t *m3sat_input_shape(const m3sat_model *model, int i);
M3SAT_API const char *m3sat_output_name(const m3sat_model *model, int i);
M3SAT_API int m3sat_output_dtype(const m3sat_model *model, int i);
M3SAT_API int m3sat_output_rank(const m3sat_model *model, int i);
M3SAT_API const int64_t *m3sat_output_shape(const m3sat_model *model, int i);

/** Names of the tasks in the OUT_DIR (for listings and diagnostics). */
M3SAT_API int m3sat_num_tasks(const m3sat_model *model);
M3SAT_API const char *m3sat_task_name(const m3sat_model *model, int i);

/** Runs the task. `inputs[i]` points to input i, dense in C order with the
 *  declared shape and type; `outputs[i]` to room for output i (either
 *  array may be NULL when the task has none). Returns 0 on success. */
M3SAT_API int m3sat_run(m3sat_model *model, const void *const *inputs,
                        void *const *outputs);

/** Why the last m3sat_run of `model` failed, or NULL. */
M3SAT_API const char *m3sat_error(const m3sat_model *model);

/** Closes the task; the bundle is unmapped with its last task. */
M3SAT_API void m3sat_destroy(m3sat_model *model);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* M3SAT_RUNTIME_M3SAT_RUNTIME_H */
