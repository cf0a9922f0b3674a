/* Opens task TASK of a compiled OUT_DIR through m3sat's C ABI, prints its
 * tasks and ports, reads each input as raw bytes (C order, the declared
 * dtype and shape) from the files given in input order, runs the task and
 * writes each output's raw bytes to OUTPUT_PREFIX<name>.bin.
 * Usage: run_task OUT_DIR TASK OUTPUT_PREFIX INPUT.bin... */
#include <m3sat/m3sat_runtime.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t element_size(int dtype) {
  switch (dtype) {
  case M3SAT_F32:
  case M3SAT_I32:
    return 4;
  case M3SAT_I64:
  case M3SAT_F64:
    return 8;
  case M3SAT_F16:
  case M3SAT_I16:
    return 2;
  case M3SAT_I1:
  case M3SAT_I8:
    return 1;
  }
  return 0;
}

static size_t port_bytes(int dtype, int rank, const int64_t *shape) {
  size_t bytes = element_size(dtype);
  for (int d = 0; d < rank; ++d)
    bytes *= (size_t)shape[d];
  return bytes;
}

static void print_port(const char *kind, const char *name, int dtype, int rank,
                       const int64_t *shape) {
  printf("%s %s dtype %d shape", kind, name, dtype);
  for (int d = 0; d < rank; ++d)
    printf(" %lld", (long long)shape[d]);
  printf("\n");
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr,
            "usage: run_task OUT_DIR TASK OUTPUT_PREFIX INPUT.bin...\n");
    return 2;
  }
  char error[1024];
  m3sat_model *model = m3sat_create(argv[1], argv[2], error, sizeof(error));
  if (!model) {
    fprintf(stderr, "run_task: error: %s\n", error);
    return 1;
  }
  printf("tasks:");
  for (int i = 0; i < m3sat_num_tasks(model); ++i)
    printf(" %s", m3sat_task_name(model, i));
  printf("\n");

  int numInputs = m3sat_num_inputs(model),
      numOutputs = m3sat_num_outputs(model);
  if (argc != 4 + numInputs) {
    fprintf(stderr, "run_task: error: task %s takes %d inputs\n", argv[2],
            numInputs);
    return 1;
  }
  void **inputs = calloc(numInputs + 1, sizeof(void *));
  void **outputs = calloc(numOutputs + 1, sizeof(void *));
  for (int i = 0; i < numInputs; ++i) {
    int dtype = m3sat_input_dtype(model, i), rank = m3sat_input_rank(model, i);
    const int64_t *shape = m3sat_input_shape(model, i);
    print_port("input", m3sat_input_name(model, i), dtype, rank, shape);
    size_t bytes = port_bytes(dtype, rank, shape);
    inputs[i] = malloc(bytes + 1);
    FILE *file = fopen(argv[4 + i], "rb");
    size_t got = file ? fread(inputs[i], 1, bytes + 1, file) : 0;
    if (file)
      fclose(file);
    if (got != bytes) {
      fprintf(stderr, "run_task: error: %s: %zu bytes, input %s needs %zu\n",
              argv[4 + i], got, m3sat_input_name(model, i), bytes);
      return 1;
    }
  }
  for (int i = 0; i < numOutputs; ++i) {
    int dtype = m3sat_output_dtype(model, i);
    int rank = m3sat_output_rank(model, i);
    const int64_t *shape = m3sat_output_shape(model, i);
    print_port("output", m3sat_output_name(model, i), dtype, rank, shape);
    outputs[i] = malloc(port_bytes(dtype, rank, shape) + 1);
  }
  if (m3sat_run(model, (const void *const *)inputs, outputs) != 0) {
    const char *why = m3sat_error(model);
    fprintf(stderr, "run_task: error: %s\n", why ? why : "m3sat_run failed");
    return 1;
  }
  for (int i = 0; i < numOutputs; ++i) {
    const char *name = m3sat_output_name(model, i);
    char *path = malloc(strlen(argv[3]) + strlen(name) + 5);
    sprintf(path, "%s%s.bin", argv[3], name);
    FILE *file = fopen(path, "wb");
    size_t bytes =
        port_bytes(m3sat_output_dtype(model, i), m3sat_output_rank(model, i),
                   m3sat_output_shape(model, i));
    if (!file || fwrite(outputs[i], 1, bytes, file) != bytes) {
      fprintf(stderr, "run_task: error: %s: cannot write\n", path);
      return 1;
    }
    fclose(file);
    printf("wrote %s\n", path);
    free(path);
  }
  m3sat_destroy(model);
  return 0;
}
