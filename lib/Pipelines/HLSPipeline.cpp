//===- HLSPipeline.cpp - m3sat-hls-pipeline -------------------------------===//
//
// The HLS pipeline: the front half shared with the CPU pipeline, then loops
// over static buffers in func/scf/memref/arith/math, annotated for the HLS
// C++ emitter.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Pipelines/Pipelines.h"

#include "m3sat/Target/HLS/Passes.h"
#include "m3sat/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void m3sat::buildHLSPipeline(OpPassManager &pm,
                             const HLSPipelineOptions &options) {
  // Softmax in one pass over each row, as the accelerators do it (on the
  // importer's TOSA ops, before they are lowered).
  if (options.onlineSoftmax)
    pm.addNestedPass<func::FuncOp>(createHLSOnlineSoftmax());
  // Each user of a CSE-shared init gets its own (m3sat-split-shared-inits),
  // so that token tiling can shrink each layer's buffer to a tile.
  buildBufferizedLinalgPipeline(pm, options.foldRouting, MoELowering::Loops,
                                /*convolutionsAsMatmul=*/options.sharedLinear,
                                /*splitSharedInits=*/true);
  // Copies of a filled buffer (bufferization's answer to a fill that CSE
  // shared between several products) become fills of their targets: the
  // filled buffer, a whole on-chip array holding nothing but zeros, goes.
  pm.addNestedPass<func::FuncOp>(createForwardFills());
  // No deallocation: every temporary buffer of a top function becomes an
  // on-chip array with static storage. Allocations in loop bodies move out
  // of the loops where they can, so each is one array.
  pm.addNestedPass<func::FuncOp>(bufferization::createBufferLoopHoistingPass());

  // Copies (all of them: there is no memcpy) and linalg ops become scf
  // loops of scalar loads and stores.
  CopyToLinalgOptions copies;
  copies.all = true;
  pm.addNestedPass<func::FuncOp>(createCopyToLinalg(copies));
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // Views (subview, expand/collapse_shape) fold into the indices of the
  // loads and stores that use them, so every access names a whole array.
  pm.addPass(memref::createFoldMemRefAliasOpsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Buffers sized by routing (an expert's token group) get the static size
  // of their bound (before min/max become compare and select, which the
  // range analysis cannot see through).
  pm.addNestedPass<func::FuncOp>(createHLSBoundAllocs());
  // Loops over those groups get their largest trip count.
  pm.addNestedPass<func::FuncOp>(createHLSTripCounts());
  // Floor and ceiling divisions (from affine maps) become plain C++ ones.
  pm.addPass(arith::createArithExpandOpsPass());
  pm.addPass(createCanonicalizerPass());

  // Token-routed expert loops: a queue of the experts with tokens, each
  // expert's weights streamed into a ping-pong buffer while the previous
  // one computes.
  pm.addPass(createHLSExpertSchedule());
  // Token-wise layers run tile by tile: the activations between them hold
  // a tile of tokens, not the sequence. Not with the shared linear unit (it
  // takes whole products).
  if (options.tokenTile > 0 && !options.sharedLinear) {
    // Reshapes folded into indices divide and take remainders by the
    // sizes they split; where the range of a token index makes them
    // trivial (t / 128 and t % 128 for t < 128) they go, so that the
    // access indexes the row by the token itself.
    pm.addPass(arith::createIntRangeOptimizationsPass());
    pm.addPass(createCanonicalizerPass());
    HLSTokenTilingOptions tiling;
    tiling.tile = options.tokenTile;
    pm.addPass(createHLSTokenTiling(tiling));
    pm.addPass(createCanonicalizerPass());
  }
  // Task-level DATAFLOW between the stages of each top function, inside
  // each loop over token tiles where there are such loops (the channels
  // then hold a tile). Not with the shared linear unit: its one instance
  // cannot serve stages that run at the same time. Streams carry one value
  // per cycle: with unrolled loops every channel is a ping-pong buffer.
  if (options.dataflow && !options.sharedLinear) {
    HLSDataflowOptions dataflow;
    dataflow.fifo = options.dataflowFifo && options.unroll <= 1;
    pm.addPass(createHLSDataflow(dataflow));
  }
  // Temporaries of one type with disjoint live ranges share an array.
  pm.addNestedPass<func::FuncOp>(createHLSShareBuffers());
  // A flattened buffer's load and store compute the same offset.
  pm.addPass(createCSEPass());
  // With several tokens per tile, a tile's dense products read their
  // weights once per tile, a tile of rows at a time, each loaded while the
  // previous one computes (after the buffers are shared: the arrays the
  // products pass to their steps share as the loops' arrays do). With one
  // token per tile the loops already read each weight once per tile.
  if (options.tokenTile > 1 && !options.dataflow && !options.sharedLinear)
    pm.addPass(createHLSWeightTiles());
  // Matrix products take turns on one linear unit, as in Edge-MoE.
  // P constant lanes over N (P the unroll factor unless set).
  if (options.sharedLinear) {
    HLSSharedLinearOptions linear;
    linear.lanes = options.linearLanes > 0
                       ? options.linearLanes
                       : std::max<int64_t>(options.unroll, 1);
    pm.addPass(createHLSSharedLinear(linear));
    pm.addPass(createCanonicalizerPass());
    // Whole weight ports stream through two tiles of rows: a tile loads
    // while the unit computes from the other.
    if (options.unitWeightTiles)
      pm.addPass(createHLSUnitWeightTiles());
    // Its operands on chip: one instance reads one kind of array.
    pm.addPass(createHLSStageUnitOperands());
  }
  // With the shared linear unit the other loops get lanes
  // (--hls-other-unroll, below): the biases that they read from a port
  // once per token are copied on chip before them, so that their loops
  // can take the lanes.
  int64_t otherUnroll = 1;
  if (options.sharedLinear)
    otherUnroll = options.otherUnroll > 0
                      ? options.otherUnroll
                      : std::max<int64_t>(options.unroll, 1);
  if (otherUnroll > 1) {
    HLSStageWeightVectorsOptions vectors;
    vectors.lanes = otherUnroll;
    pm.addPass(createHLSStageWeightVectors(vectors));
    // Reductions into one element (the norms' and softmax's sums,
    // softmax's maximum) in lanes of partial results.
    HLSReductionLanesOptions reductions;
    reductions.lanes = otherUnroll;
    pm.addPass(createHLSReductionLanes(reductions));
  }

  // Pragmas for the emitter: innermost loops pipelined; arrays that a
  // pipelined loop reads or writes through more than two ports are
  // partitioned.
  HLSAnnotateLoopsOptions annotate;
  annotate.initiationInterval = options.initiationInterval;
  pm.addNestedPass<func::FuncOp>(createHLSAnnotateLoops(annotate));
  pm.addPass(createHLSPartitionArrays());
  // GELU from a table, as the accelerators compute it.
  if (options.lutGelu)
    pm.addPass(createHLSLutGelu());
  // Each kind of layer built once (weights share with weights: the port
  // attributes of top functions tell them apart).
  if (options.shareLayers)
    pm.addPass(createHLSShareLayers());
  // Pipelined loops unrolled, in the shared layers too, their arrays
  // partitioned to match.
  // Only the multiply-accumulate loops: copies and transposes would take
  // most of the LUTs for a small share of the cycles. With the shared
  // linear unit the products are its calls, and the other loops (about
  // half the cycles) are unrolled too where their arrays get the banks.
  if (options.unroll > 1 || otherUnroll > 1) {
    annotate.unroll = std::max<int64_t>(options.unroll, 1);
    annotate.productsOnly = true;
    annotate.otherUnroll = otherUnroll;
    pm.addNestedPass<func::FuncOp>(createHLSAnnotateLoops(annotate));
    HLSPartitionArraysOptions partition;
    partition.checkUnrolls = otherUnroll > 1;
    pm.addPass(createHLSPartitionArrays(partition));
  }
  // DATAFLOW channels are streams the emitter can print.
  pm.addPass(createHLSVerifyChannels());
}
