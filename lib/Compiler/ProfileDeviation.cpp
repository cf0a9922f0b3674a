//===- ProfileDeviation.cpp - pruning checked on reference samples --------===//

#include "m3sat/Compiler/ProfileDeviation.h"

#include "m3sat/Runtime/TaskLoader.h"
#include "m3sat/Support/Npy.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <memory>

using namespace m3sat;

namespace {

/// Fills `into` from a JSON object of file names; false if one is not a
/// string naming an existing file.
bool readFileMap(const llvm::json::Object *object,
                 std::map<std::string, std::string> &into) {
  if (!object)
    return false;
  for (const auto &[key, value] : *object) {
    std::optional<llvm::StringRef> text = value.getAsString();
    if (!text || !llvm::sys::fs::exists(*text))
      return false;
    into[key.str()] = text->str();
  }
  return true;
}

/// How far a task's outputs are from the references.
struct Deviation {
  double maxAbs = 0, sumAbs = 0, maxRef = 0;
  int64_t count = 0;
  size_t samples = 0;

  void add(const float *got, const float *want, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
      double diff = std::fabs(double(got[j]) - double(want[j]));
      maxAbs = std::max(maxAbs, diff);
      sumAbs += diff;
      maxRef = std::max(maxRef, std::fabs(double(want[j])));
    }
    count += n;
  }
};

/// The reference outputs of `task` on `sample`: a group's are its
/// members'.
std::map<std::string, std::string>
referencesOf(const ProfileReferences::Sample &sample, llvm::StringRef task) {
  std::map<std::string, std::string> refs;
  llvm::SmallVector<llvm::StringRef> members;
  task.split(members, '+');
  for (llvm::StringRef member : members) {
    auto found = sample.outputs.find(member.str());
    if (found != sample.outputs.end())
      refs.insert(found->second.begin(), found->second.end());
  }
  return refs;
}

/// Runs `loaded` on every sample that has references for it.
std::string measure(LoadedTask &loaded, const std::string &task,
                    const ProfileReferences &references, Deviation &result) {
  std::string error;
  for (const ProfileReferences::Sample &sample : references.samples) {
    std::map<std::string, std::string> refs = referencesOf(sample, task);
    if (refs.empty())
      continue;
    if (!loaded.setInputs(sample.inputs, /*ignoreExtra=*/true, error) ||
        !loaded.run(error))
      return error;
    ++result.samples;
    for (size_t i = 0; i < loaded.outputs().size(); ++i) {
      auto ref = refs.find(loaded.outputs()[i].name);
      if (ref == refs.end())
        continue;
      NpyArray want;
      if (!readNpy(ref->second, want, error))
        return error;
      const NpyArray &got = loaded.outputArrays()[i];
      if (want.descr != "<f4" || got.descr != "<f4" || want.shape != got.shape)
        return ref->second + ": reference does not match output '" +
               loaded.outputs()[i].name + "' (float32 " +
               formatShape(got.shape) + ")";
      result.add(reinterpret_cast<const float *>(got.data.data()),
                 reinterpret_cast<const float *>(want.data.data()),
                 got.numElements());
    }
  }
  return "";
}

} // namespace

std::string m3sat::readProfileReferences(const std::string &path,
                                         ProfileReferences &references) {
  auto file = llvm::MemoryBuffer::getFile(path);
  if (!file)
    return path + ": cannot read profile: " + file.getError().message();
  llvm::Expected<llvm::json::Value> parsed =
      llvm::json::parse((*file)->getBuffer());
  if (!parsed)
    return path + ": not JSON: " + llvm::toString(parsed.takeError());
  const llvm::json::Object *root = parsed->getAsObject();
  const llvm::json::Array *list = root ? root->getArray("samples") : nullptr;
  const llvm::json::Object *tasks = root ? root->getObject("tasks") : nullptr;
  if (!list || !tasks)
    return path + ": fields 'samples' and 'tasks' are required";
  references.heldOut = root->getBoolean("samples_held_out").value_or(false);
  references.samples.resize(list->size());
  for (size_t s = 0; s < list->size(); ++s) {
    const llvm::json::Object *sample = (*list)[s].getAsObject();
    if (!readFileMap(sample ? sample->getObject("inputs") : nullptr,
                     references.samples[s].inputs))
      return path + ": field 'samples[" + std::to_string(s) +
             "].inputs' does not name existing files";
  }
  for (const auto &[task, value] : *tasks) {
    const llvm::json::Object *entry = value.getAsObject();
    const llvm::json::Array *refs =
        entry ? entry->getArray("reference") : nullptr;
    if (!refs || refs->size() != references.samples.size())
      return path + ": field 'tasks." + task.str() +
             ".reference' needs one entry per sample";
    for (size_t s = 0; s < references.samples.size(); ++s)
      if (!readFileMap((*refs)[s].getAsObject(),
                       references.samples[s].outputs[task.str()]))
        return path + ": field 'tasks." + task.str() + ".reference[" +
               std::to_string(s) + "]' does not name existing files";
  }
  return "";
}

std::string m3sat::reportProfileDeviation(const std::string &outDir,
                                          const ProfileReferences &references,
                                          double coverage,
                                          llvm::raw_ostream &os) {
  std::string error;
  std::unique_ptr<LoadedTask> first = LoadedTask::open(outDir, "", error);
  if (!first)
    return error;
  for (const std::string &task : first->taskNames()) {
    std::unique_ptr<LoadedTask> loaded = LoadedTask::open(outDir, task, error);
    if (!loaded)
      return error;
    Deviation deviation;
    if (std::string error = measure(*loaded, task, references, deviation);
        !error.empty())
      return error;
    if (!deviation.samples) {
      os << "profile-guided pruning, task " << task
         << ": the profile has no reference outputs for it\n";
      continue;
    }
    os << llvm::format(
        "profile-guided pruning (coverage %g), task %s: output deviation on "
        "%zu %s: max abs %.3g, mean abs %.3g (max |reference| %.3g)\n",
        coverage, task.c_str(), deviation.samples,
        references.heldOut ? "held-out sample(s)"
                           : "profiled sample(s) (none held out)",
        deviation.maxAbs,
        deviation.count ? deviation.sumAbs / deviation.count : 0.0,
        deviation.maxRef);
  }
  return "";
}
