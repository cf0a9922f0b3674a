//===- ImportCLOptions.cpp - the import flags of the tools ----------------===//

#include "m3sat/Support/ImportCLOptions.h"

#include "llvm/Support/CommandLine.h"

using namespace m3sat;
namespace cl = llvm::cl;

struct ImportCLOptions::Flags {
  cl::list<std::string> inputShapes{
      "input-shape",
      cl::desc("Static shape of a graph input with symbolic dimensions, "
               "NAME=1x3x224x224 (repeatable)"),
      cl::value_desc("NAME=DIMS")};
  cl::list<std::string> bindings{
      "bind",
      cl::desc("Bind a graph input to a compile-time constant, "
               "NAME=FILE.npy (repeatable): a shape, axes or count input "
               "then folds, and the program no longer takes it"),
      cl::value_desc("NAME=FILE.npy")};
};

ImportCLOptions::ImportCLOptions() : flags(std::make_unique<Flags>()) {}
ImportCLOptions::~ImportCLOptions() = default;

const std::vector<std::string> &ImportCLOptions::getInputShapes() const {
  return flags->inputShapes;
}

const std::vector<std::string> &ImportCLOptions::getBindings() const {
  return flags->bindings;
}

std::vector<std::string> ImportCLOptions::getArguments() const {
  std::vector<std::string> args;
  for (const std::string &shape : flags->inputShapes)
    args.push_back("--input-shape=" + shape);
  for (const std::string &binding : flags->bindings)
    args.push_back("--bind=" + binding);
  return args;
}
