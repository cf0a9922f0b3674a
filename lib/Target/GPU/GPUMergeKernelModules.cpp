//===- GPUMergeKernelModules.cpp - one gpu.module for all kernels ---------===//
//
// Implements m3sat-gpu-merge-kernel-modules: the gpu.modules that kernel
// outlining creates, one per kernel, become one.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/GPU/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace m3sat {
#define GEN_PASS_DEF_GPUMERGEKERNELMODULES
#include "m3sat/Target/GPU/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

struct GPUMergeKernelModulesPass
    : m3sat::impl::GPUMergeKernelModulesBase<GPUMergeKernelModulesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SmallVector<gpu::GPUModuleOp> sources(module.getOps<gpu::GPUModuleOp>());
    if (sources.size() < 2)
      return;
    SymbolTable symbols(module);
    if (symbols.lookup(moduleName)) {
      module.emitError() << "m3sat-gpu-merge-kernel-modules: the module "
                            "already has a symbol named '"
                         << moduleName << "'";
      return signalPassFailure();
    }

    OpBuilder builder(sources.front());
    auto merged =
        gpu::GPUModuleOp::create(builder, sources.front().getLoc(), moduleName);
    if (ArrayAttr targets = sources.front().getTargetsAttr())
      merged.setTargetsAttr(targets);
    SymbolTable mergedSymbols(merged);

    // Old kernel reference -> new one.
    DenseMap<Attribute, SymbolRefAttr> kernels;
    for (gpu::GPUModuleOp source : sources) {
      StringRef prefix = source.getName();
      // Rename inside the source first (uses included), then move.
      for (Operation &op : llvm::make_early_inc_range(*source.getBody())) {
        auto symbol = dyn_cast<SymbolOpInterface>(&op);
        if (!symbol)
          continue;
        StringAttr oldName = symbol.getNameAttr();
        bool isKernel =
            isa<gpu::GPUFuncOp>(op) && cast<gpu::GPUFuncOp>(op).isKernel();
        std::string newName =
            isKernel ? prefix.str() : (prefix + "_" + oldName.getValue()).str();
        if (failed(SymbolTable::replaceAllSymbolUses(
                &op, StringAttr::get(context, newName), source)))
          return signalPassFailure();
        symbol.setName(newName);
        if (isKernel)
          kernels[SymbolRefAttr::get(source.getNameAttr(),
                                     {FlatSymbolRefAttr::get(oldName)})] =
              SymbolRefAttr::get(merged.getNameAttr(),
                                 {FlatSymbolRefAttr::get(context, newName)});
      }
      for (Operation &op : llvm::make_early_inc_range(*source.getBody())) {
        op.remove();
        mergedSymbols.insert(&op);
      }
      ++numMerged;
    }

    WalkResult redirected = module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = kernels.find(launch.getKernel());
      if (it == kernels.end()) {
        launch.emitOpError("launches a kernel that was not outlined");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(it->second);
      return WalkResult::advance();
    });
    if (redirected.wasInterrupted())
      return signalPassFailure();
    for (gpu::GPUModuleOp source : sources)
      source.erase();
  }
};

} // namespace
