//===- FuzzNpy.cpp - libFuzzer target: the .npy reader --------------------===//
//
// Any byte string is a candidate .npy file: parseNpy must accept it or give
// an error, never crash, read out of bounds or allocate without bound.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Support/Npy.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  m3sat::NpyArray array;
  std::string error;
  if (m3sat::parseNpy(data, size, "fuzz.npy", array, error)) {
    // Accepted arrays are self-consistent.
    if (array.data.size() !=
        size_t(array.numElements()) * m3sat::npyElementSize(array.descr))
      __builtin_trap();
  } else if (error.empty()) {
    __builtin_trap();
  }
  return 0;
}
