//===- TaskLoader.cpp - open and run a task of an OUT_DIR -----------------===//

#include "m3sat/Runtime/TaskLoader.h"

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"
#include "m3sat/Runtime/m3sat_runtime.h"

#include "TaskAbi.h"

#include <dlfcn.h>

#include <algorithm>

using namespace m3sat;

namespace {

/// How each bundle dtype is written to .npy, its name, and the .npy
/// descriptors accepted for it (integers are signless: either signedness).
struct DTypeInfo {
  const char *descr;
  const char *name;
  std::vector<std::string> accepted;
};

const DTypeInfo &dtypeInfo(int dtype) {
  static const std::map<int, DTypeInfo> infos = {
      {M3SAT_F32, {"<f4", "float32", {"<f4"}}},
      {M3SAT_I64, {"<i8", "int64", {"<i8", "<u8"}}},
      {M3SAT_I32, {"<i4", "int32", {"<i4", "<u4"}}},
      {M3SAT_F16, {"<f2", "float16", {"<f2"}}},
      {M3SAT_I1, {"|b1", "bool", {"|b1"}}},
      {M3SAT_I8, {"|i1", "int8", {"|i1", "|u1"}}},
      {M3SAT_I16, {"<i2", "int16", {"<i2", "<u2"}}},
      {M3SAT_F64, {"<f8", "float64", {"<f8"}}},
      // No numpy dtype: the bit patterns, as numpy saves ml_dtypes arrays
      // ('<V2', '|V1') or as unsigned integers.
      {M3SAT_BF16, {"<u2", "bfloat16", {"<u2", "<V2"}}},
      {M3SAT_F8E4M3FN, {"|u1", "float8_e4m3fn", {"|u1", "|V1", "<V1"}}},
      {M3SAT_F8E4M3FNUZ, {"|u1", "float8_e4m3fnuz", {"|u1", "|V1", "<V1"}}},
      {M3SAT_F8E5M2, {"|u1", "float8_e5m2", {"|u1", "|V1", "<V1"}}},
      {M3SAT_F8E5M2FNUZ, {"|u1", "float8_e5m2fnuz", {"|u1", "|V1", "<V1"}}},
      {M3SAT_F8E8M0FNU, {"|u1", "float8_e8m0fnu", {"|u1", "|V1", "<V1"}}},
      {M3SAT_F4E2M1FN, {"|u1", "float4_e2m1fn", {"|u1", "|V1", "<V1"}}},
      // Values in int8 (sign-extended when written), or ml_dtypes' bytes.
      {M3SAT_I4, {"|i1", "int4", {"|i1", "|u1", "|V1", "<V1"}}},
      {M3SAT_I2, {"|i1", "int2", {"|i1", "|u1", "|V1", "<V1"}}}};
  static const DTypeInfo unknown = {"?", "?", {}};
  auto it = infos.find(dtype);
  return it == infos.end() ? unknown : it->second;
}

/// Bits of the sub-byte dtypes (stored one element per byte), else 0.
unsigned subByteBits(int dtype) {
  return dtype == M3SAT_I4 || dtype == M3SAT_F4E2M1FN ? 4
         : dtype == M3SAT_I2                          ? 2
                                                      : 0;
}

/// Inputs of sub-byte dtypes reach the task with their high bits zero
/// (the code a task loads is the low bits of each byte).
void maskInput(int dtype, NpyArray &array) {
  if (unsigned bits = subByteBits(dtype))
    for (uint8_t &byte : array.data)
      byte = static_cast<uint8_t>(byte & ((1u << bits) - 1));
}

/// Outputs of i4 and i2 are written as int8 values (sign-extended from
/// their low bits); f4 codes keep only their nibble.
void widenOutput(int dtype, NpyArray &array) {
  unsigned bits = subByteBits(dtype);
  if (!bits)
    return;
  for (uint8_t &byte : array.data) {
    unsigned code = byte & ((1u << bits) - 1);
    if (dtype != M3SAT_F4E2M1FN && (code >> (bits - 1)))
      code |= ~((1u << bits) - 1);
    byte = static_cast<uint8_t>(code);
  }
}

} // namespace

const char *m3sat::dtypeDescr(int dtype) { return dtypeInfo(dtype).descr; }
const char *m3sat::dtypeName(int dtype) { return dtypeInfo(dtype).name; }

/// The C ABI, resolved from the task library.
struct m3sat::TaskLibraryABI : TaskAbi {
  void *handle = nullptr;
  /// Optional: the OpenMP runtime the task library links, if any.
  void (*setNumThreads)(int) = nullptr;

  /// Resolves every symbol; returns the first required one missing, or
  /// null.
  const char *resolve() {
    const char *missing = TaskAbi::resolve(handle);
    setNumThreads = reinterpret_cast<decltype(setNumThreads)>(
        dlsym(handle, "omp_set_num_threads"));
    return missing;
  }
};

std::unique_ptr<LoadedTask> LoadedTask::open(const std::string &outDir,
                                             const std::string &task,
                                             std::string &error) {
  // The bundle is verified first, so a corrupt OUT_DIR is reported before
  // any of its code is loaded.
  std::string bundlePath = outDir + "/bundle.m3b";
  auto abi = std::make_unique<TaskLibraryABI>();
  std::shared_ptr<MappedBundle> mapped = MappedBundle::open(bundlePath, error);
  if (!mapped)
    return nullptr;
  const bundle::Bundle &root = mapped->root();
  std::string library = root.library()->str();
  if (library.empty() || library.find('/') != std::string::npos) {
    error = bundlePath + ": field 'library' is not a file name in OUT_DIR";
    return nullptr;
  }
  // CPU and GPU task libraries share the C ABI; HLS projects run in the
  // vendor's tools.
  if (root.target()->str() != "cpu" && root.target()->str() != "gpu") {
    error = bundlePath +
            ": this OUT_DIR was compiled for --target=" + root.target()->str() +
            "; only --target=cpu and --target=gpu run here";
    return nullptr;
  }
  std::string path = outDir + "/" + library;
  // The task library maps the bundle itself (m3sat_create): this mapping
  // goes now, so that the process holds the weights once.
  mapped.reset();
  abi->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!abi->handle) {
    error = path + ": cannot load task library: " + dlerror();
    return nullptr;
  }
  if (const char *missing = abi->resolve()) {
    error = path + ": task library lacks the C ABI symbol '" + missing + "'";
    return nullptr;
  }

  std::unique_ptr<LoadedTask> loaded(new LoadedTask());
  char message[1024] = {0};
  loaded->model =
      abi->create(outDir.c_str(), task.empty() ? nullptr : task.c_str(),
                  message, sizeof(message));
  if (!loaded->model) {
    error = message;
    return nullptr;
  }
  loaded->abi = std::move(abi);
  TaskLibraryABI &lib = *loaded->abi;
  for (int i = 0, e = lib.numInputs(loaded->model); i < e; ++i) {
    const int64_t *shape = lib.inputShape(loaded->model, i);
    loaded->inputInfos.push_back(
        {lib.inputName(loaded->model, i), lib.inputDtype(loaded->model, i),
         std::vector<int64_t>(shape, shape + lib.inputRank(loaded->model, i))});
  }
  for (int i = 0, e = lib.numOutputs(loaded->model); i < e; ++i) {
    const int64_t *shape = lib.outputShape(loaded->model, i);
    loaded->outputInfos.push_back(
        {lib.outputName(loaded->model, i), lib.outputDtype(loaded->model, i),
         std::vector<int64_t>(shape,
                              shape + lib.outputRank(loaded->model, i))});
  }
  loaded->outputData.resize(loaded->outputInfos.size());
  for (size_t i = 0; i < loaded->outputInfos.size(); ++i) {
    NpyArray &array = loaded->outputData[i];
    array.descr = dtypeDescr(loaded->outputInfos[i].dtype);
    array.shape = loaded->outputInfos[i].shape;
    array.data.assign(array.numElements() * npyElementSize(array.descr), 0);
  }
  return loaded;
}

LoadedTask::~LoadedTask() {
  if (model)
    abi->destroy(model);
  // The library stays loaded: code of an unloaded library may still be
  // referenced by OpenMP worker threads.
}

std::vector<std::string> LoadedTask::taskNames() const {
  std::vector<std::string> names;
  for (int i = 0, e = abi->numTasks(model); i < e; ++i)
    names.push_back(abi->taskName(model, i));
  return names;
}

bool LoadedTask::setInputs(const std::map<std::string, std::string> &files,
                           bool ignoreExtra, std::string &error) {
  std::map<std::string, NpyArray> arrays;
  std::map<std::string, std::string> sources;
  for (const TensorInfo &info : inputInfos) {
    auto it = files.find(info.name);
    if (it == files.end())
      continue; // setInputArrays names what is missing.
    if (!readNpy(it->second, arrays[info.name], error))
      return false;
    sources[info.name] = it->second;
  }
  if (!ignoreExtra)
    for (const auto &entry : files)
      arrays.try_emplace(entry.first);
  return setInputArrays(std::move(arrays), sources, ignoreExtra, error);
}

bool LoadedTask::setInputArrays(
    std::map<std::string, NpyArray> given,
    const std::map<std::string, std::string> &sources, bool ignoreExtra,
    std::string &error) {
  std::vector<NpyArray> arrays(inputInfos.size());
  std::string expected;
  for (const TensorInfo &info : inputInfos)
    expected += (expected.empty() ? "" : ", ") + info.name + " " +
                dtypeName(info.dtype) + " " + formatShape(info.shape);
  for (size_t i = 0; i < inputInfos.size(); ++i) {
    const TensorInfo &info = inputInfos[i];
    std::string want =
        std::string(dtypeName(info.dtype)) + " " + formatShape(info.shape);
    auto it = given.find(info.name);
    if (it == given.end()) {
      error = "missing --input " + info.name + "=FILE.npy (" + want + ")";
      return false;
    }
    auto source = sources.find(info.name);
    std::string from =
        source != sources.end() ? source->second : "input '" + info.name + "'";
    arrays[i] = std::move(it->second);
    const DTypeInfo &dtype = dtypeInfo(info.dtype);
    if (std::find(dtype.accepted.begin(), dtype.accepted.end(),
                  arrays[i].descr) == dtype.accepted.end()) {
      error = from + ": dtype '" + arrays[i].descr + "' but input '" +
              info.name + "' needs " + dtype.name + " ('" + dtype.descr + "')";
      return false;
    }
    if (arrays[i].shape != info.shape) {
      error = from + ": shape " + formatShape(arrays[i].shape) +
              " but input '" + info.name + "' needs " + formatShape(info.shape);
      return false;
    }
    maskInput(info.dtype, arrays[i]);
  }
  if (!ignoreExtra)
    for (const auto &entry : given)
      if (std::none_of(inputInfos.begin(), inputInfos.end(),
                       [&](const TensorInfo &info) {
                         return info.name == entry.first;
                       })) {
        error = "--input '" + entry.first + "' is not an input of this task " +
                "(inputs: " + expected + ")";
        return false;
      }
  inputData = std::move(arrays);
  return true;
}

void LoadedTask::limitThreads(int threads) {
  if (abi->setNumThreads && threads > 0)
    abi->setNumThreads(threads);
}

bool LoadedTask::run(std::string &error) {
  if (inputData.size() != inputInfos.size()) {
    error = "the task's inputs are not set";
    return false;
  }
  // Zero-size tensors still get a valid (never read) address.
  static uint64_t empty[1] = {0};
  std::vector<const void *> in;
  for (const NpyArray &array : inputData)
    in.push_back(array.data.empty() ? static_cast<const void *>(empty)
                                    : array.data.data());
  std::vector<void *> out;
  for (NpyArray &array : outputData)
    out.push_back(array.data.empty() ? static_cast<void *>(empty)
                                     : array.data.data());
  if (abi->run(model, in.data(), out.data()) != 0) {
    const char *reason = abi->lastError ? abi->lastError(model) : nullptr;
    error = std::string("task run failed") + (reason ? ": " : "") +
            (reason ? reason : "");
    return false;
  }
  for (size_t i = 0; i < outputData.size(); ++i)
    widenOutput(outputInfos[i].dtype, outputData[i]);
  return true;
}
