//===- Calibration.h - calibration sets for m3sat-profile -------*- C++ -*-===//
//
// The samples m3sat-profile runs a model on, from
//  * --input NAME=FILE.npy (repeatable): each file holds one sample of
//    input NAME or a stack of them;
//  * --calibration=SET.npz: one member NAME.npy per input (np.savez), each
//    one sample or a stack;
//  * --calibration=DIR: DIR/NAME.npy (one sample or a stack) or
//    DIR/NAME/*.npy (one sample or a stack per file, in file name order),
//    per input NAME.
// A stack holds samples along a new leading axis ([N, ...shape]) or, for an
// input whose batch is 1, along the batch axis ([N, ...shape[1:]]).
// Files are mapped, not read: a sample is copied out when it runs.
// Every problem is a one-line message naming the file or flag.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TOOLS_PROFILE_CALIBRATION_H
#define M3SAT_TOOLS_PROFILE_CALIBRATION_H

#include "m3sat/Support/Npy.h"

#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace m3sat {

/// One array of a calibration set: a file (or .npz member) holding one
/// sample or a stack of samples of one input.
struct CalibrationArray {
  std::string name; ///< The file, or "SET.npz:member", for messages.
  NpyArray header;  ///< descr and shape; no data.
  const uint8_t *data = nullptr;
  std::shared_ptr<llvm::MemoryBuffer> storage;
  int64_t samples = 0; ///< Set by CalibrationSet::bind.
};

/// The samples of every input, in order.
class CalibrationSet {
public:
  /// Adds `--input NAME=FILE.npy`.
  bool addInput(const std::string &spec, std::string &error);
  /// Adds `--calibration=PATH` (an .npz or a directory).
  bool addSet(const std::string &path, std::string &error);
  bool empty() const { return arrays.empty(); }

  /// Checks every array against the declared dtype descriptor and shape of
  /// its input (`inputs`: name -> (descr, shape); an input missing from it
  /// is an error naming the file) and counts the samples; every input needs
  /// the same number of samples.
  bool
  bind(const std::map<std::string, std::pair<std::string, std::vector<int64_t>>>
           &inputs,
       std::string &error);
  int64_t size() const { return numSamples; }
  /// Input names in order.
  std::vector<std::string> names() const;

  /// Sample `index` of every input; `sources` says where each came from.
  void sample(int64_t index, std::map<std::string, NpyArray> &arrays,
              std::map<std::string, std::string> &sources) const;

private:
  bool addFile(const std::string &input, const std::string &path,
               std::string &error);
  bool addNpz(const std::string &path, std::string &error);
  bool addArray(const std::string &input, const std::string &name,
                std::shared_ptr<llvm::MemoryBuffer> storage,
                const uint8_t *bytes, size_t size, std::string &error);

  std::map<std::string, std::vector<CalibrationArray>> arrays;
  std::map<std::string, std::vector<int64_t>> sampleShapes;
  int64_t numSamples = 0;
};

} // namespace m3sat

#endif // M3SAT_TOOLS_PROFILE_CALIBRATION_H
