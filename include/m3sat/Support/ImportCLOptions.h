//===- ImportCLOptions.h - the import flags of the tools --------*- C++ -*-===//
//
// --input-shape and --bind, declared once for every tool that imports ONNX
// or passes the flags on to m3sat-compile (m3sat-compile, m3sat-translate,
// m3sat-profile): define one ImportCLOptions at file scope in the tool's
// main file, after its LibraryOptions. The importer applies them
// (applyImportCLOptions in Import/ONNX/ONNXImporter.h).
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_SUPPORT_IMPORTCLOPTIONS_H
#define M3SAT_SUPPORT_IMPORTCLOPTIONS_H

#include <memory>
#include <string>
#include <vector>

namespace m3sat {

class ImportCLOptions {
public:
  ImportCLOptions();
  ~ImportCLOptions();

  /// --input-shape NAME=DIMS and --bind NAME=FILE.npy values, as given.
  const std::vector<std::string> &getInputShapes() const;
  const std::vector<std::string> &getBindings() const;

  /// The flags as given, as arguments for another tool (m3sat-compile).
  std::vector<std::string> getArguments() const;

private:
  struct Flags;
  std::unique_ptr<Flags> flags;
};

} // namespace m3sat

#endif // M3SAT_SUPPORT_IMPORTCLOPTIONS_H
