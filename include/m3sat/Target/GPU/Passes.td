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

def GPULibraryGemm : Pass<"m3sat-gpu-library-gemm", "::mlir::ModuleOp"> {
  let summary = "Run f32 matrix products and grouped expert GEMMs through "
                "cuBLAS";
  let description = [{
    On buffers, before the loops become kernels: every f32 contraction
    (`linalg` op with a multiply-add body, `linalg::inferContractionDims`
    giving batch, M, N and K dimensions, static sizes and strides) whose
    dimension groups collapse to one batch, one M, one N and one K
    dimension, each matrix with unit stride along one of its two
    dimensions, becomes a call of

    `m3sat_gpu_sgemm(transA, transB, M, N, K, A, lda, strideA, B, ldb,
    strideB, C, ldc, strideC, batch, accumulate, tf32)`

    on row-major matrices given as device addresses (index): for each of
    `batch` products, C = op(A) op(B), or C += op(A) op(B) with
    `accumulate`. When the op before the product (past side-effect free
    ops) fills all of C with +0.0, the fill goes and `accumulate` is 0. A
    product whose C has unit stride along M is computed as its transpose.

    The grouped expert product of the row-gather form (a `linalg.generic`
    over (row, n, k) that reads `W[clamp(rowExpert[r]), n, k]`, or
    `W[.., k, n]` in the (in, out) layout, and adds only where
    `rowExpert[r] >= 0`) becomes

    `m3sat_gpu_grouped_sgemm(rows, N, K, E, A, transA, lda, rowExpert, W,
    transW, ldw, strideW, C, ldc, tf32)`:
    C[r] += A[r] op(W[e_r]) for every row with e_r = min(rowExpert[r], E-1)
    >= 0, C keeping its other rows (the bias the lowering put there).

    The calls carry the unit attribute `m3sat.gpu_library`: the host runs
    them (m3sat-gpu-sequential-launch and m3sat-gpu-device-memory leave them
    alone) and the runtime queues the library's work on the task's stream.
    With `library=none` nothing changes. `tf32` lets cuBLAS use TF32 tensor
    cores (inputs rounded to 10 mantissa bits). A module pass: it declares
    the runtime functions.
  }];
  let options = [
    Option<"library", "library", "std::string", /*default=*/"\"cublas\"",
           "Library for matrix products: cublas or none (generated "
           "kernels)">,
    Option<"tf32", "tf32", "bool", /*default=*/"false",
           "Let the library use TF32 tensor cores">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numProducts", "num-products", "Products sent to the library">,
    Statistic<"numGrouped", "num-grouped",
              "Grouped expert products sent to the library">
  ];
}

def GPULibraryCallsAsync : Pass<"m3sat-gpu-library-calls-async",
                                "::mlir::func::FuncOp"> {
  let summary = "Keep the host from waiting for the stream before library "
                "calls";
  let description = [{
    After `gpu-async-region`: that pass puts a blocking `gpu.wait` before
    every host op with side effects, so also before each call of
    m3sat-gpu-library-gemm (`m3sat.gpu_library`). The runtime queues the
    library's work on the one stream that the kernels run on, after them,
    so that wait only stalls the host. This pass removes it and hands its
    tokens to the next `gpu.wait async` without dependencies after the
    calls, so the token chain goes on through them.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
  let statistics = [
    Statistic<"numWaits", "num-waits", "Host waits removed">
  ];
}

#endif // M3SAT_TARGET_GPU_PASSES_TD
