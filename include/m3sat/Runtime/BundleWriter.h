//===- BundleWriter.h - building task bundles -------------------*- C++ -*-===//
//
// Collects weights, tasks and metadata and writes OUT_DIR/bundle.m3b
// atomically (a temporary file renamed into place), with each weight
// 64-byte aligned in the order it was added.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_RUNTIME_BUNDLEWRITER_H
#define M3SAT_RUNTIME_BUNDLEWRITER_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace m3sat {
namespace bundle {
/// The element types of Bundle.fbs (Bundle_generated.h defines the values).
enum class DType : int8_t;
} // namespace bundle

/// An input or output of a task.
struct TensorSpecDesc {
  std::string name;
  bundle::DType dtype{};
  std::vector<int64_t> shape;
};

/// How a buffer of packed codes dequantizes (Bundle.fbs, Quantization).
struct QuantizationDesc {
  /// 4 or 8.
  int bits = 8;
  int64_t columns = 0;
  int64_t blockSize = 0;
  uint32_t scales = 0;
  /// -1: implied (2^(bits - 1)).
  int64_t zeroPoints = -1;
};

/// The experts an MoE layer keeps.
struct MoELayerDesc {
  std::string name;
  int64_t numExperts = 0;
  std::vector<int64_t> keptExperts;
  bool staticRouting = false;
};

/// One task: its entry in the code library and its arguments.
struct TaskDesc {
  std::string name;
  uint32_t entry = 0;
  std::vector<TensorSpecDesc> inputs, outputs;
  /// Buffer indices, in argument order.
  std::vector<uint32_t> weights;
  std::vector<MoELayerDesc> moeLayers;
};

class BundleWriter {
public:
  /// Adds a weight unless one with the same `key` was added already (a
  /// weight shared by tasks is stored once); returns its buffer index.
  uint32_t addBuffer(const std::string &key, const std::string &name,
                     bundle::DType dtype, const std::vector<int64_t> &shape,
                     const void *data, uint64_t size);
  void addTask(TaskDesc task) { tasks.push_back(std::move(task)); }
  /// Marks buffer `index` as quantized codes.
  void setQuantization(uint32_t index, const QuantizationDesc &quantization) {
    buffers[index].quantization = quantization;
  }

  /// Writes the bundle to `path` atomically; returns an error message or "".
  std::string write(const std::string &path, const std::string &modelHash,
                    const std::string &codeId, const std::string &library,
                    const std::string &target,
                    const std::vector<std::string> &modalities) const;

  /// Total bytes of weights (with alignment padding).
  uint64_t weightBytes() const { return blob.size(); }
  size_t numBuffers() const { return buffers.size(); }

  /// A weight: `size` bytes at `offset` into the blob.
  struct BufferDesc {
    /// Its name, element type and shape.
    TensorSpecDesc tensor;
    uint64_t offset, size;
    std::optional<QuantizationDesc> quantization;
  };
  /// What was added so far, for targets that lay weights out in files of
  /// their own (the HLS testbench reads the blob as weights.bin).
  const std::vector<TaskDesc> &getTasks() const { return tasks; }
  const BufferDesc &getBuffer(uint32_t index) const { return buffers[index]; }
  const std::vector<uint8_t> &getWeightBlob() const { return blob; }

private:
  std::map<std::string, uint32_t> bufferByKey;
  std::vector<BufferDesc> buffers;
  std::vector<uint8_t> blob;
  std::vector<TaskDesc> tasks;
};

} // namespace m3sat

#endif // M3SAT_RUNTIME_BUNDLEWRITER_H
