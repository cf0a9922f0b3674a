//===- TaskRuntime.cpp - the C ABI of a task library ----------------------===//
//
// Implements m3sat_runtime.h. m3sat-compile links this file's archive into
// every task library next to the generated code, which provides the entry
// table below. Tasks of one OUT_DIR opened together share one mapping of
// the bundle, so switching tasks loads no weight twice. Where the code
// finds its arguments is TaskMemory.h's business: in place for CPU code;
// for GPU code, weights live on the device (one copy per OUT_DIR) and
// inputs and outputs are staged through device buffers.
//
// Waiting threads: the parallel loops of CPU code run on LLVM's OpenMP
// pool, whose threads spin between loops (KMP_BLOCKTIME, 200 ms by
// default) so that the next loop starts without a wake-up. On a machine
// that other processes load, a spinning thread takes the core its partner
// needs, and a task of a few dozen layers collapses (Edge-MoE semseg,
// 2 threads at load 3: 38 ms spinning, 28 ms blocking). m3sat_run watches
// for that: when a run whose threads spun was preempted (involuntary
// context switches, getrusage) and slow, it tries runs whose waiting
// threads block at once (kmp_set_blocktime(0)) and serial runs (one
// thread, omp_set_num_threads(1)) and keeps whichever way runs this task
// fastest, judged by the measured run times; while
// other processes are runnable (/proc/loadavg) blocking goes on without
// trying spinning again (M3SAT_WAIT=adaptive, the default; AdaptiveWait.h,
// one per task). M3SAT_WAIT=spin
// (libomp's setting) or passive (always block) fixes the policy; a
// KMP_BLOCKTIME in the environment is the user's and is left alone. The
// block time is libomp's per forking thread: it is set on the thread that
// calls m3sat_run, before each run. M3SAT_WAIT_TRACE=1 prints one line
// per run to stderr: its time, how its threads waited, their involuntary
// switches and how the next run will wait (kept in memory and written at
// exit, so that writing them does not slow the runs they describe).
//
//===----------------------------------------------------------------------===//

#include "m3sat/Runtime/m3sat_runtime.h"

#include "AdaptiveWait.h"
#include "TaskMemory.h"

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

// Provided by the generated code of the task library.
extern "C" {
extern void (*const m3sat_entries[])(void **);
extern const uint32_t m3sat_entry_count;
extern const char m3sat_code_id[];
/// Bytes of each entry's activation arena (0: the entry takes none).
extern const uint64_t m3sat_arena_bytes[];
}

// LLVM's OpenMP runtime (libomp's extensions to omp.h), when the task
// library links it: absent in code without parallel loops.
extern "C" void kmp_set_blocktime(int) __attribute__((weak));
extern "C" int kmp_get_blocktime(void) __attribute__((weak));
extern "C" int omp_get_max_threads(void) __attribute__((weak));
extern "C" void omp_set_num_threads(int) __attribute__((weak));

using namespace m3sat;

struct m3sat_model {
  std::shared_ptr<MappedBundle> bundle;
  const bundle::Task *task = nullptr;
  void (*entry)(void **) = nullptr;
  /// Inputs, then weights (fixed), then outputs, as the code sees them,
  /// then the arena if the code takes one.
  std::vector<void *> arguments;
  /// Index of the first output in `arguments`.
  size_t firstOutput = 0;
  /// The host bytes of the weights the code holds (released on destroy).
  std::vector<const uint8_t *> weights;
  /// With a separate memory: the code's buffers for the inputs and the
  /// outputs, and their sizes in bytes.
  std::vector<void *> staged;
  std::vector<size_t> stagedSizes;
  /// The task's activation arena (the last argument; null when the code
  /// takes none): allocated here once, reused by every run.
  void *arena = nullptr;
  /// Why the last run failed.
  std::string error;
  /// How this task's runs wait under M3SAT_WAIT=adaptive: judged by its
  /// own run times, which differ from task to task.
  m3sat::AdaptiveWait wait;

  ~m3sat_model() {
    for (const uint8_t *weight : weights)
      task_memory::releaseWeight(weight);
    for (void *buffer : staged)
      task_memory::release(buffer);
    if (arena && task_memory::isSeparate())
      task_memory::release(arena);
    else
      std::free(arena);
  }
};

namespace {

/// Bundles mapped by this process, by path: a second task of the same
/// OUT_DIR reuses the mapping.
std::shared_ptr<MappedBundle> openShared(const std::string &path,
                                         std::string &error) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<MappedBundle>> open;
  std::lock_guard<std::mutex> lock(mutex);
  if (std::shared_ptr<MappedBundle> existing = open[path].lock())
    return existing;
  std::shared_ptr<MappedBundle> mapped = MappedBundle::open(path, error);
  if (mapped)
    open[path] = mapped;
  return mapped;
}

void setError(char *error, size_t size, const std::string &message) {
  if (error && size)
    std::snprintf(error, size, "%s", message.c_str());
}

/// The wait policy of the OpenMP pool's threads (see the file comment):
/// one per process, as the pool is.
class WaitPolicy {
public:
  /// Reads M3SAT_WAIT once (at the first m3sat_create); false with `error`
  /// set when it names no policy.
  bool init(std::string &error) {
    std::lock_guard<std::mutex> lock(mutex);
    if (mode != Mode::Unset)
      return true;
    const char *choice = getenv("M3SAT_WAIT");
    std::string name = choice ? choice : "";
    if (!name.empty() && name != "adaptive" && name != "spin" &&
        name != "passive") {
      error = "M3SAT_WAIT=" + name + ": expected adaptive, spin or passive";
      return false;
    }
    if (!kmp_set_blocktime || !kmp_get_blocktime || getenv("KMP_BLOCKTIME") ||
        name == "spin") {
      mode = Mode::Untouched;
      return true;
    }
    mode = name == "passive" ? Mode::Passive : Mode::Adaptive;
    spinBlocktime = kmp_get_blocktime();
    poolThreads = omp_get_max_threads ? omp_get_max_threads() : 1;
    const char *trace = getenv("M3SAT_WAIT_TRACE");
    tracing = trace && *trace && std::strcmp(trace, "0") != 0;
    return true;
  }

  /// Where a run started: involuntary context switches and time.
  struct Start {
    long switches = 0;
    std::chrono::steady_clock::time_point time;
  };

  /// Before a run of the task that `wait` decides for: sets the block time
  /// of the loops that the calling thread starts (libomp keeps it per
  /// forking thread).
  Start beforeRun(const AdaptiveWait &wait) {
    std::lock_guard<std::mutex> lock(mutex);
    if (mode == Mode::Untouched || mode == Mode::Unset)
      return {};
    kmp_set_blocktime(mode == Mode::Passive ||
                              (mode == Mode::Adaptive && wait.blocks())
                          ? 0
                          : spinBlocktime);
    // A serial run: its loops (and SGEMM's parts) on this thread alone.
    bool serial = mode == Mode::Adaptive && wait.serial();
    if (omp_set_num_threads && serial != serialRun) {
      omp_set_num_threads(serial ? 1 : poolThreads);
      serialRun = serial;
    }
    return {involuntarySwitches(), std::chrono::steady_clock::now()};
  }

  /// After the run: its time, whether its threads were preempted, and at
  /// the end of a blocking stretch whether other processes are runnable,
  /// decide how the task's next runs wait.
  void afterRun(AdaptiveWait &wait, const Start &start) {
    std::chrono::duration<double, std::milli> ms =
        std::chrono::steady_clock::now() - start.time;
    std::lock_guard<std::mutex> lock(mutex);
    if (mode != Mode::Adaptive)
      return;
    long switches = involuntarySwitches() - start.switches;
    const char *way = wait.serial()   ? "serial"
                      : wait.blocks() ? "blocking"
                                      : "spinning";
    bool others = wait.wantsLoad() && othersRunnable(poolThreads);
    wait.afterRun(ms.count(),
                  AdaptiveWait::preempted(switches, poolThreads, ms.count()),
                  others);
    if (!tracing)
      return;
    char line[160];
    std::snprintf(line, sizeof line,
                  "m3sat-wait: run %ld: %.3f ms %s, %ld involuntary "
                  "switches%s; next run %s\n",
                  ++runs, ms.count(), way, switches,
                  others ? ", others runnable" : "",
                  wait.serial()   ? "serial"
                  : wait.blocks() ? "blocks"
                                  : "spins");
    trace += line;
    if (trace.size() > (1 << 16))
      flushTrace();
  }

  ~WaitPolicy() { flushTrace(); }

private:
  /// Untouched: libomp's own setting (KMP_BLOCKTIME, M3SAT_WAIT=spin, or
  /// code without OpenMP).
  enum class Mode { Unset, Untouched, Passive, Adaptive };

  static long involuntarySwitches() {
    struct rusage usage;
    return getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_nivcsw : 0;
  }

  /// Whether the machine has more runnable tasks than the task's `threads`
  /// (the fourth field of /proc/loadavg, "runnable/total", counts this
  /// thread too); false when that cannot be read.
  static bool othersRunnable(int threads) {
    FILE *file = std::fopen("/proc/loadavg", "r");
    if (!file)
      return false;
    int runnable = 0, total = 0;
    bool read = std::fscanf(file, "%*s %*s %*s %d/%d", &runnable, &total) == 2;
    std::fclose(file);
    return read && runnable > threads;
  }

  void flushTrace() {
    std::fputs(trace.c_str(), stderr);
    trace.clear();
  }

  std::mutex mutex;
  Mode mode = Mode::Unset;
  int spinBlocktime = 200;
  /// The pool's thread count (OMP_NUM_THREADS or the cores), and whether
  /// the calling thread's loops were last set to one thread.
  int poolThreads = 1;
  bool serialRun = false;
  /// M3SAT_WAIT_TRACE: a line per run for stderr; runs counted for it.
  bool tracing = false;
  long runs = 0;
  std::string trace;
};

WaitPolicy &waitPolicy() {
  static WaitPolicy policy;
  return policy;
}

const bundle::TensorSpec *spec(const m3sat_model *model, int i, bool input) {
  if (!model || i < 0)
    return nullptr;
  const auto *specs = input ? model->task->inputs() : model->task->outputs();
  if (static_cast<flatbuffers::uoffset_t>(i) >= specs->size())
    return nullptr;
  return specs->Get(i);
}

/// Bytes of a tensor of `spec`'s dtype and shape.
size_t byteSize(const bundle::TensorSpec *spec) {
  static const size_t elementBytes[] = {4, 8, 4, 2, 1, 1, 2, 8};
  size_t dtype = static_cast<size_t>(spec->dtype());
  size_t bytes = dtype < 8 ? elementBytes[dtype] : 8;
  for (int64_t dim : *spec->shape())
    bytes *= static_cast<size_t>(dim);
  return bytes;
}

} // namespace

extern "C" m3sat_model *m3sat_create(const char *outDir, const char *task,
                                     char *error, size_t errorSize) {
  if (!outDir) {
    setError(error, errorSize, "m3sat_create: no OUT_DIR given");
    return nullptr;
  }
  std::string path = std::string(outDir) + "/bundle.m3b";
  std::string message;
  std::shared_ptr<MappedBundle> mapped = openShared(path, message);
  if (!mapped) {
    setError(error, errorSize, message);
    return nullptr;
  }
  const bundle::Bundle &root = mapped->root();
  if (root.code_id()->str() != m3sat_code_id) {
    setError(error, errorSize,
             path + ": field 'code_id' does not match the task library "
                    "(bundle and library come from different compilations)");
    return nullptr;
  }
  const bundle::Task *found = nullptr;
  std::string names;
  for (const bundle::Task *candidate : *root.tasks()) {
    names += (names.empty() ? "" : ", ") + candidate->name()->str();
    if (!task || candidate->name()->str() == task) {
      found = candidate;
      break;
    }
  }
  if (!found) {
    setError(error, errorSize,
             path + ": unknown task '" + task + "' (tasks: " + names + ")");
    return nullptr;
  }
  if (found->entry() >= m3sat_entry_count) {
    setError(error, errorSize,
             path + ": task '" + found->name()->str() +
                 "': field 'entry' is outside the task library");
    return nullptr;
  }
  if (!waitPolicy().init(message)) {
    setError(error, errorSize, message);
    return nullptr;
  }
  if (!task_memory::open(message)) {
    setError(error, errorSize,
             std::string(outDir) + " was compiled for --target=" +
                 root.target()->str() + " and " + message);
    return nullptr;
  }
  auto model = std::make_unique<m3sat_model>();
  model->bundle = mapped;
  model->task = found;
  model->entry = m3sat_entries[found->entry()];
  model->arguments.assign(found->inputs()->size(), nullptr);
  for (uint32_t index : *found->weights()) {
    const bundle::Buffer *buffer = root.buffers()->Get(index);
    const uint8_t *host = mapped->weights() + buffer->offset();
    void *code = task_memory::acquireWeight(host, buffer->size(), message);
    if (!code) {
      setError(error, errorSize,
               path + ": weight '" + buffer->name()->str() + "': " + message);
      return nullptr;
    }
    model->weights.push_back(host);
    model->arguments.push_back(code);
  }
  model->firstOutput = model->arguments.size();
  model->arguments.resize(model->arguments.size() + found->outputs()->size());
  if (uint64_t arenaBytes = m3sat_arena_bytes[found->entry()]) {
    // Page-aligned (the code aligns offsets into it to 64 bytes); its pages
    // are touched by the first run only.
    const size_t page = 4096;
    size_t size = (arenaBytes + page - 1) / page * page;
    model->arena = task_memory::isSeparate()
                       ? task_memory::allocate(size, message)
                       : std::aligned_alloc(page, size);
    if (!model->arena) {
      setError(error, errorSize,
               path + ": task '" + found->name()->str() +
                   "': cannot allocate " + std::to_string(size) +
                   " bytes of activations" +
                   (message.empty() ? "" : ": " + message));
      return nullptr;
    }
    model->arguments.push_back(model->arena);
  }
  if (task_memory::isSeparate()) {
    for (const auto *specs : {found->inputs(), found->outputs()})
      for (const bundle::TensorSpec *spec : *specs) {
        size_t size = byteSize(spec);
        void *buffer = task_memory::allocate(size, message);
        if (!buffer) {
          setError(error, errorSize,
                   path + ": '" + spec->name()->str() + "': " + message);
          return nullptr;
        }
        model->staged.push_back(buffer);
        model->stagedSizes.push_back(size);
      }
    // The code always reads and writes the staging buffers.
    size_t numInputs = found->inputs()->size();
    size_t firstOutput = model->firstOutput;
    for (size_t i = 0; i < model->staged.size(); ++i)
      model->arguments[i < numInputs ? i : firstOutput + i - numInputs] =
          model->staged[i];
  }
  return model.release();
}

extern "C" int m3sat_num_inputs(const m3sat_model *model) {
  return model ? static_cast<int>(model->task->inputs()->size()) : 0;
}

extern "C" int m3sat_num_outputs(const m3sat_model *model) {
  return model ? static_cast<int>(model->task->outputs()->size()) : 0;
}

#define M3SAT_SPEC_QUERIES(KIND, INPUT)                                        \
  extern "C" const char *m3sat_##KIND##_name(const m3sat_model *model,         \
                                             int i) {                          \
    const bundle::TensorSpec *s = spec(model, i, INPUT);                       \
    return s ? s->name()->c_str() : nullptr;                                   \
  }                                                                            \
  extern "C" int m3sat_##KIND##_dtype(const m3sat_model *model, int i) {       \
    const bundle::TensorSpec *s = spec(model, i, INPUT);                       \
    return s ? static_cast<int>(s->dtype()) : -1;                              \
  }                                                                            \
  extern "C" int m3sat_##KIND##_rank(const m3sat_model *model, int i) {        \
    const bundle::TensorSpec *s = spec(model, i, INPUT);                       \
    return s ? static_cast<int>(s->shape()->size()) : -1;                      \
  }                                                                            \
  extern "C" const int64_t *m3sat_##KIND##_shape(const m3sat_model *model,     \
                                                 int i) {                      \
    const bundle::TensorSpec *s = spec(model, i, INPUT);                       \
    return s ? s->shape()->data() : nullptr;                                   \
  }

M3SAT_SPEC_QUERIES(input, true)
M3SAT_SPEC_QUERIES(output, false)

extern "C" int m3sat_num_tasks(const m3sat_model *model) {
  return model ? static_cast<int>(model->bundle->root().tasks()->size()) : 0;
}

extern "C" const char *m3sat_task_name(const m3sat_model *model, int i) {
  if (!model || i < 0 || i >= m3sat_num_tasks(model))
    return nullptr;
  return model->bundle->root().tasks()->Get(i)->name()->c_str();
}

extern "C" int m3sat_run(m3sat_model *model, const void *const *inputs,
                         void *const *outputs) {
  if (!model)
    return 1;
  size_t numInputs = model->task->inputs()->size();
  size_t numOutputs = model->task->outputs()->size();
  // A task whose outputs are all constant takes no input.
  if ((numInputs && !inputs) || (numOutputs && !outputs))
    return 1;
  for (size_t i = 0; i < numInputs; ++i)
    if (!inputs[i])
      return 1;
  for (size_t i = 0; i < numOutputs; ++i)
    if (!outputs[i])
      return 1;
  model->error.clear();
  if (task_memory::isSeparate()) {
    for (size_t i = 0; i < numInputs; ++i)
      if (!task_memory::copyIn(model->staged[i], inputs[i],
                               model->stagedSizes[i], model->error))
        return 1;
    model->entry(model->arguments.data());
    if (!task_memory::finish(model->error))
      return 1;
    for (size_t i = 0; i < numOutputs; ++i)
      if (!task_memory::copyOut(outputs[i], model->staged[numInputs + i],
                                model->stagedSizes[numInputs + i],
                                model->error))
        return 1;
    return 0;
  }
  size_t firstOutput = model->firstOutput;
  for (size_t i = 0; i < numInputs; ++i)
    model->arguments[i] = const_cast<void *>(inputs[i]);
  for (size_t i = 0; i < numOutputs; ++i)
    model->arguments[firstOutput + i] = outputs[i];
  WaitPolicy &policy = waitPolicy();
  WaitPolicy::Start start = policy.beforeRun(model->wait);
  model->entry(model->arguments.data());
  policy.afterRun(model->wait, start);
  return 0;
}

extern "C" const char *m3sat_error(const m3sat_model *model) {
  return model && !model->error.empty() ? model->error.c_str() : nullptr;
}

extern "C" void m3sat_destroy(m3sat_model *model) { delete model; }
