//===- ImportCLOptions.cpp - --input-shape and --bind into ImportOptions --===//

#include "m3sat/Support/ImportCLOptions.h"
#include "m3sat/Import/ONNX/ONNXImporter.h"

using namespace m3sat;

std::string m3sat::applyImportCLOptions(const ImportCLOptions &flags,
                                        ImportOptions &options) {
  for (const std::string &shape : flags.getInputShapes())
    if (std::string error = parseInputShapeOption(shape, options);
        !error.empty())
      return error;
  for (const std::string &binding : flags.getBindings())
    if (std::string error = parseBindOption(binding, options); !error.empty())
      return error;
  return "";
}
