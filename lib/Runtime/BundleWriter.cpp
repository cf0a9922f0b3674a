//===- BundleWriter.cpp - building task bundles ---------------------------===//
//
// Serializes a bundle with FlatBuffers and writes it atomically.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Runtime/BundleWriter.h"

#include "m3sat/Runtime/BundleReader.h"
#include "m3sat/Runtime/Bundle_generated.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace m3sat;

uint32_t BundleWriter::addBuffer(const std::string &key,
                                 const std::string &name, bundle::DType dtype,
                                 const std::vector<int64_t> &shape,
                                 const void *data, uint64_t size) {
  auto it = bufferByKey.find(key);
  if (it != bufferByKey.end())
    return it->second;
  uint64_t offset = (blob.size() + 63) / 64 * 64;
  blob.resize(offset + size);
  if (size)
    std::memcpy(blob.data() + offset, data, size);
  auto index = static_cast<uint32_t>(buffers.size());
  buffers.push_back({{name, dtype, shape}, offset, size, std::nullopt});
  bufferByKey[key] = index;
  return index;
}

namespace {

flatbuffers::Offset<
    flatbuffers::Vector<flatbuffers::Offset<bundle::TensorSpec>>>
buildSpecs(flatbuffers::FlatBufferBuilder &fbb,
           const std::vector<TensorSpecDesc> &specs) {
  std::vector<flatbuffers::Offset<bundle::TensorSpec>> offsets;
  for (const TensorSpecDesc &spec : specs)
    offsets.push_back(bundle::CreateTensorSpecDirect(fbb, spec.name.c_str(),
                                                     spec.dtype, &spec.shape));
  return fbb.CreateVector(offsets);
}

} // namespace

std::string
BundleWriter::write(const std::string &path, const std::string &modelHash,
                    const std::string &codeId, const std::string &library,
                    const std::string &target,
                    const std::vector<std::string> &modalities) const {
  flatbuffers::FlatBufferBuilder fbb(blob.size() + (1 << 16));
  // The blob first (FlatBuffers builds back to front; alignment holds from
  // the start of the finished buffer).
  fbb.ForceVectorAlignment(blob.size(), 1, 64);
  auto weights = fbb.CreateVector(blob);

  std::vector<flatbuffers::Offset<bundle::Buffer>> bufferOffsets;
  for (const BufferDesc &b : buffers) {
    flatbuffers::Offset<bundle::Quantization> quantization;
    if (const std::optional<QuantizationDesc> &q = b.quantization)
      quantization = bundle::CreateQuantization(
          fbb,
          q->bits == 4 ? bundle::QuantizedType::u4 : bundle::QuantizedType::u8,
          q->columns, q->blockSize, q->scales,
          static_cast<int32_t>(q->zeroPoints));
    bufferOffsets.push_back(bundle::CreateBufferDirect(
        fbb, b.tensor.name.c_str(), b.tensor.dtype, &b.tensor.shape, b.offset,
        b.size, quantization));
  }
  std::vector<flatbuffers::Offset<bundle::Task>> taskOffsets;
  for (const TaskDesc &task : tasks) {
    std::vector<flatbuffers::Offset<bundle::MoELayer>> layers;
    for (const MoELayerDesc &layer : task.moeLayers)
      layers.push_back(bundle::CreateMoELayerDirect(
          fbb, layer.name.c_str(), layer.numExperts, &layer.keptExperts,
          layer.staticRouting));
    taskOffsets.push_back(bundle::CreateTask(
        fbb, fbb.CreateString(task.name), task.entry,
        buildSpecs(fbb, task.inputs), buildSpecs(fbb, task.outputs),
        fbb.CreateVector(task.weights), fbb.CreateVector(layers)));
  }
  std::vector<flatbuffers::Offset<flatbuffers::String>> modalityOffsets;
  for (const std::string &m : modalities)
    modalityOffsets.push_back(fbb.CreateString(m));
  // The crc32 field is written as zero (forced: zero is its default), then
  // patched with the checksum of the finished buffer.
  fbb.ForceDefaults(true);
  auto root = bundle::CreateBundle(
      fbb, kBundleFormatVersion, fbb.CreateString(modelHash),
      fbb.CreateString(codeId), fbb.CreateString(library),
      fbb.CreateString(target), fbb.CreateVector(modalityOffsets),
      fbb.CreateVector(taskOffsets), fbb.CreateVector(bufferOffsets), weights,
      /*crc32=*/0);
  bundle::FinishBundleBuffer(fbb, root);
  bundle::Bundle *written = bundle::GetMutableBundle(fbb.GetBufferPointer());
  const uint8_t *crcField = MappedBundle::crcFieldOf(written);
  if (!crcField)
    return "internal error: the bundle's crc32 field was not written";
  written->mutate_crc32(
      MappedBundle::checksum(fbb.GetBufferPointer(), fbb.GetSize(), crcField));

  std::string error =
      MappedBundle::verify(fbb.GetBufferPointer(), fbb.GetSize(), path);
  if (!error.empty())
    return "internal error: the bundle written does not verify: " + error;

  std::string temporary = path + ".tmp." + std::to_string(getpid());
  FILE *file = std::fopen(temporary.c_str(), "wb");
  if (!file)
    return path + ": cannot write: " + std::strerror(errno);
  bool ok = std::fwrite(fbb.GetBufferPointer(), 1, fbb.GetSize(), file) ==
            fbb.GetSize();
  ok = (std::fflush(file) == 0) && ok;
  ok = (fsync(fileno(file)) == 0) && ok;
  ok = (std::fclose(file) == 0) && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    return path + ": cannot write: " + reason;
  }
  return "";
}
