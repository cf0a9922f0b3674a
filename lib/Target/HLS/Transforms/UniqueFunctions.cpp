//===- UniqueFunctions.cpp - functions built once per body ----------------===//

#include "m3sat/Target/HLS/Transforms/UniqueFunctions.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace m3sat::hls;

func::FuncOp UniqueFunctions::get(func::FuncOp func, StringRef name,
                                  SymbolTable &symbols, bool &inserted) {
  std::string key;
  llvm::raw_string_ostream os(key);
  func.print(os, OpPrintingFlags().useLocalScope());
  auto it = built.find(key);
  if (it != built.end()) {
    func.erase();
    inserted = false;
    return it->second;
  }
  func.setSymName(name);
  symbols.insert(func);
  built[key] = func;
  inserted = true;
  return func;
}
