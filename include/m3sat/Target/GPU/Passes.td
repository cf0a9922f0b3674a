//===- Passes.td - GPU mapping passes ----------------------*- tablegen -*-===//
//
// Passes that take the loops of a bufferized task function onto a GPU: the
// host keeps only kernel launches and device buffers.
//
//===----------------------------------------------------------------------===//

#ifndef M3SAT_TARGET_GPU_PASSES_TD
#define M3SAT_TARGET_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def GPUSequentialLaunch : Pass<"m3sat-gpu-sequential-launch",
                               "::mlir::func::FuncOp"> {
  let summary = "Run the sequential code of a task function in "
                "single-thread kernels";
  let description = [{
    On a GPU the host cannot touch task buffers: they live in device
    memory. Every op at the top level of the function that reads or writes
    memory and is not an `scf.parallel` (an `scf.for` over tokens from
    routing, a loop nest of a full reduction, a scalar load) moves into a
    `gpu.launch` of one block of one thread, together with every later op
    up to the last user of its results, so that no value computed on the
    device is needed by the host. `scf.parallel` loops inside such a kernel
    become `scf.for` nests; buffers allocated in its range are allocated
    before it. What stays on the host: constants and other pure scalar
    code, buffer allocation, views (`memref.subview`, reshapes), copies
    between whole buffers (which become `gpu.memcpy`) and the top-level
    `scf.parallel` loops, which become kernels of their own.

    This is correct for every program but slow for large sequential
    regions (dynamic routing runs on one thread).

    ```mlir
    scf.for %t = %c0 to %c8 step %c1 { ... }
    // becomes
    gpu.launch blocks(...) in (%x = %c1, ...) threads(...) in (%tx = %c1, ...) {
      scf.for %t = %c0 to %c8 step %c1 { ... }
      gpu.terminator
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
  let statistics = [
    Statistic<"numLaunches", "num-launches",
              "Single-thread kernels created">
  ];
}

def GPUReductionsInnermost : Pass<"m3sat-gpu-reductions-innermost",
                                   "::mlir::func::FuncOp"> {
  let summary = "Put the reduction loops of linalg ops innermost";
  let description = [{
    Reorders the loops of every `linalg.generic` so that its parallel loops
    come first, in their order, and its reductions last. The shared front
    half of the pipelines puts the contiguous loop innermost for the CPU
    (`m3sat-interchange-for-locality`): a matmul against (in, out) weights
    becomes `(i, k, j)`. On a GPU, `convert-linalg-to-parallel-loops` would
    then give `scf.parallel (i) { scf.for k { scf.parallel (j) } }`: only
    `i` becomes threads and each thread runs all of `j` in turn. With the
    reductions innermost, `(i, j)` both become threads, `j` (the weights'
    and the output's contiguous dimension) on `threadIdx.x`, and each
    thread runs the reduction over `k` for its own output element.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
  let statistics = [
    Statistic<"numInterchanged", "num-interchanged",
              "Linalg ops whose loops were reordered">
  ];
}

def GPUTileParallelLoops : Pass<"m3sat-gpu-tile-parallel-loops",
                                "::mlir::func::FuncOp"> {
  let summary = "Tile top-level scf.parallel loops into blocks of threads";
  let description = [{
    Tiles every `scf.parallel` at the top level of the function (upstream
    `tileParallelLoop`, fixed inner bounds with an in-bounds check) so that
    the inner loop has up to `block-size` iterations, taken from the
    innermost dimensions first: consecutive threads then touch consecutive
    elements of row-major buffers. Mapped with `gpu-map-parallel-loops`
    (`innermost-first`), the outer loop becomes the grid and the inner one
    the threads of a block. Loops with non-constant bounds are left alone
    (one thread per block).
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Most threads in a block">
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numTiled", "num-tiled", "Parallel loops tiled">
  ];
}

def GPUDeviceMemory : Pass<"m3sat-gpu-device-memory",
                           "::mlir::func::FuncOp"> {
  let summary = "Put the host's buffers in device memory";
  let description = [{
    After the loops became `gpu.launch` ops, the host code of a task only
    allocates buffers and launches kernels. This pass makes those buffers
    device buffers: `memref.alloc` and `memref.alloca` at the top level of
    the function become `gpu.alloc` (with a `gpu.dealloc` before each
    return, and in place of a `memref.dealloc`), made on entry to the
    function, before the first kernel, when their shape is static (so that
    the kernels form one sequence that `gpu-async-region` can chain without
    host waits; the GPU pipeline frees nothing earlier, so there no peak
    grows), a `memref.copy` between
    whole buffers of identity layout becomes `gpu.memcpy`, and
    `memref.get_global`
    used by a kernel (possibly through views) is re-created inside it, so
    that kernel outlining copies the constant into the kernel's module.
    Allocation, deallocation and copies take their asynchronous form, each
    after a `gpu.wait async` and followed by a `gpu.wait` (the form
    gpu-to-llvm lowers). The function's arguments are device buffers by
    contract (the task runtime stages them). Any other op left on the host that reads or
    writes memory is an error.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
  let statistics = [
    Statistic<"numAllocs", "num-allocs", "Buffers moved to device memory">
  ];
}

def GPUMergeKernelModules : Pass<"m3sat-gpu-merge-kernel-modules",
                                 "::mlir::ModuleOp"> {
  let summary = "Put every outlined kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` gives each kernel a `gpu.module` of its own;
    a task of a real model has hundreds. This pass moves them all into one
    module, `@<name>`: each kernel takes its old module's (unique) name, the
    other symbols the outlining copied in (constants) take
    `<old module>_<symbol>`, and every `gpu.launch_func` is redirected. The
    program then has one PTX (one ptxas run, one cubin, one module load).
  }];
  let options = [
    Option<"moduleName", "name", "std::string", /*default=*/"\"m3sat_kernels\"",
           "Name of the merged gpu.module">
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
  let statistics = [
    Statistic<"numMerged", "num-merged", "Kernel modules merged">
  ];
}

#endif // M3SAT_TARGET_GPU_PASSES_TD
