//===- ConvolutionsToBLAS.cpp - f32 2-D convolutions as m3sat_sconv -------===//
//
// Implements m3sat-convolutions-to-blas: on buffers, an f32 2-D convolution
// of unit strides and dilations (NHWC image, FHWC filter, NHWC output)
// becomes calls to the task runtime's m3sat_sconv, which runs it as one
// SGEMM per filter tap and tile of output rows, reading the image in place.
// m3sat-convolutions-to-matmul (without unit-stride) leaves these
// convolutions to this pass. With `winograd-tile`, 3x3 ones call
// m3sat_swinograd instead (Winograd's F(TxT, 3x3), lib/Runtime/Winograd.cpp),
// after m3sat_swinograd_filter has transformed the filter once for all
// parts.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Transforms/Fills.h"
#include "m3sat/Transforms/Passes.h"
#include "m3sat/Transforms/RuntimeCalls.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

namespace m3sat {
#define GEN_PASS_DEF_CONVOLUTIONSTOBLAS
#include "m3sat/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;

namespace {

constexpr StringLiteral kSconv = "m3sat_sconv";
constexpr StringLiteral kSconvParts = "m3sat_sconv_parts";
constexpr StringLiteral kWinograd = "m3sat_swinograd";
constexpr StringLiteral kWinogradParts = "m3sat_swinograd_parts";
constexpr StringLiteral kWinogradFilter = "m3sat_swinograd_filter";
constexpr StringLiteral kWinogradFilterBuffer = "m3sat_swinograd_filter_buffer";

/// Channels in and out below which Winograd's transforms cost more than
/// the products they save.
constexpr int64_t kWinogradMinChannels = 16;
/// Tiles of 4x4 per image below which their products (one row per tile)
/// are too short to run fast: tiles of 2x2 instead. The runtime's blocks
/// hold 128 tiles.
constexpr int64_t kWinograd4MinTiles = 128;

/// A convolution the runtime computes: its operands and sizes (the output
/// image is OH x OW, the filter's window KH x KW).
struct Convolution {
  linalg::LinalgOp op;
  Value image, filter, output;
  int64_t n, oh, ow, f, c, kh, kw;
};

bool isF32Rank4WithUnitInnerStride(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || type.getRank() != 4 || !type.getElementType().isF32() ||
      !type.hasStaticShape())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

/// Whether the body is out + image * filter (or its commuted forms): a
/// multiply of the two inputs' elements added to the output's.
bool isMultiplyAccumulate(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1 ||
      std::distance(body->begin(), body->end()) != 3)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body->getArgument(2);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  Value a = body->getArgument(0), b = body->getArgument(1);
  return (mul.getLhs() == a && mul.getRhs() == b) ||
         (mul.getLhs() == b && mul.getRhs() == a);
}

/// `op` as a convolution the runtime computes, if it is one.
std::optional<Convolution> matchConvolution(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaConvolutionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ConvolutionDimensions> dims =
      linalg::inferConvolutionDims(op);
  if (failed(dims) || dims->batch.size() != 1 ||
      dims->outputImage.size() != 2 || dims->outputChannel.size() != 1 ||
      dims->filterLoop.size() != 2 || dims->inputChannel.size() != 1 ||
      !dims->depth.empty() ||
      !llvm::all_of(dims->strides, [](int64_t s) { return s == 1; }) ||
      !llvm::all_of(dims->dilations, [](int64_t d) { return d == 1; }))
    return std::nullopt;
  Convolution conv;
  conv.op = op;
  conv.image = op.getDpsInputs()[0];
  conv.filter = op.getDpsInputs()[1];
  conv.output = op.getDpsInits()[0];
  for (Value v : {conv.image, conv.filter, conv.output})
    if (!isF32Rank4WithUnitInnerStride(v))
      return std::nullopt;
  if (!isMultiplyAccumulate(op))
    return std::nullopt;

  // The layouts: image (n, oh + kh, ow + kw, c), filter (f, kh, kw, c),
  // output (n, oh, ow, f); which image and window loop is which comes from
  // the maps.
  MLIRContext *ctx = op->getContext();
  auto d = [&](unsigned pos) { return getAffineDimExpr(pos, ctx); };
  auto results = [&](OpOperand *operand) {
    return op.getMatchingIndexingMap(operand).getResults();
  };
  ArrayRef<AffineExpr> in = results(op.getDpsInputOperand(0));
  ArrayRef<AffineExpr> filter = results(op.getDpsInputOperand(1));
  ArrayRef<AffineExpr> out = results(op.getDpsInitOperand(0));
  auto sum = [&](AffineExpr e, unsigned p, unsigned q) {
    return e == d(p) + d(q) || e == d(q) + d(p);
  };
  unsigned b = dims->batch[0], f = dims->outputChannel[0],
           c = dims->inputChannel[0];
  auto layoutsMatch = [&](unsigned y, unsigned x, unsigned ky, unsigned kx) {
    return in.size() == 4 && in[0] == d(b) && sum(in[1], y, ky) &&
           sum(in[2], x, kx) && in[3] == d(c) && filter.size() == 4 &&
           filter[0] == d(f) && filter[1] == d(ky) && filter[2] == d(kx) &&
           filter[3] == d(c) && out.size() == 4 && out[0] == d(b) &&
           out[1] == d(y) && out[2] == d(x) && out[3] == d(f);
  };
  unsigned y = dims->outputImage[0], x = dims->outputImage[1],
           ky = dims->filterLoop[0], kx = dims->filterLoop[1];
  if (!layoutsMatch(y, x, ky, kx) && !layoutsMatch(x, y, ky, kx) &&
      !layoutsMatch(y, x, kx, ky) && !layoutsMatch(x, y, kx, ky))
    return std::nullopt;
  auto outShape = cast<MemRefType>(conv.output.getType()).getShape();
  auto filterShape = cast<MemRefType>(conv.filter.getType()).getShape();
  conv.n = outShape[0];
  conv.oh = outShape[1];
  conv.ow = outShape[2];
  conv.f = outShape[3];
  conv.kh = filterShape[1];
  conv.kw = filterShape[2];
  conv.c = filterShape[3];
  return conv;
}

struct ConvolutionsToBLASPass
    : m3sat::impl::ConvolutionsToBLASBase<ConvolutionsToBLASPass> {
  using Base::Base;

  void runOnOperation() override {
    if (winogradTile != 0 && winogradTile != 2 && winogradTile != 4) {
      getOperation().emitError()
          << "m3sat-convolutions-to-blas: winograd-tile must be 0, 2 or 4, "
             "not "
          << static_cast<int64_t>(winogradTile);
      return signalPassFailure();
    }
    SmallVector<Convolution> convolutions;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (std::optional<Convolution> conv = matchConvolution(op))
        convolutions.push_back(*conv);
    });
    for (Convolution &conv : convolutions) {
      convert(conv);
      ++numConverted;
    }
  }

  func::FuncOp declare(StringRef name, unsigned numArguments,
                       unsigned numResults) {
    // The part count depends on the sizes and the thread count only.
    return m3sat::declareRuntimeFunction(
        getOperation(), name, numArguments, numResults,
        name == kSconvParts || name == kWinogradParts);
  }

  /// `buffer`'s base address in bytes (aligned pointer + offset) and its
  /// strides (elements) along the first three dimensions, appended to
  /// `operands` (`four`: the index constant 4, bytes per element).
  void appendBaseAndStrides(OpBuilder &builder, Location loc, Value buffer,
                            Value four, SmallVectorImpl<Value> &operands) {
    auto meta = memref::ExtractStridedMetadataOp::create(builder, loc, buffer);
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer);
    Value offsetBytes =
        arith::MulIOp::create(builder, loc, meta.getOffset(), four);
    operands.push_back(
        arith::AddIOp::create(builder, loc, pointer, offsetBytes));
    for (unsigned i = 0; i < 3; ++i)
      operands.push_back(meta.getStrides()[i]);
  }

  /// The Winograd tile size for `conv`, 0 for none.
  int64_t winogradTileFor(const Convolution &conv) {
    if (winogradTile == 0 || conv.kh != 3 || conv.kw != 3 ||
        conv.c < kWinogradMinChannels || conv.f < kWinogradMinChannels)
      return 0;
    int64_t tiles4 = ((conv.oh + 3) / 4) * ((conv.ow + 3) / 4);
    return winogradTile == 4 && tiles4 >= kWinograd4MinTiles ? 4 : 2;
  }

  void convert(Convolution conv) {
    OpBuilder builder(conv.op);
    Location loc = conv.op.getLoc();
    llvm::SmallDenseMap<int64_t, Value> constants;
    auto constant = [&](int64_t v) -> Value {
      Value &c = constants[v];
      if (!c)
        c = arith::ConstantIndexOp::create(builder, loc, v);
      return c;
    };
    SmallVector<Value> sizes = {constant(conv.n),  constant(conv.oh),
                                constant(conv.ow), constant(conv.f),
                                constant(conv.c),  constant(conv.kh),
                                constant(conv.kw)};
    Operation *zeroFill = nullptr;
    if (conv.image != conv.output && conv.filter != conv.output)
      zeroFill = m3sat::zeroFillBefore(conv.op, conv.output);
    SmallVector<Value> buffers;
    for (Value buffer : {conv.image, conv.filter, conv.output})
      appendBaseAndStrides(builder, loc, buffer, constant(4), buffers);
    Value accumulate = constant(zeroFill ? 0 : 1);

    int64_t tile = winogradTileFor(conv);
    bool useWinograd = tile != 0;
    if (useWinograd)
      sizes.push_back(constant(tile));
    Value parts = constant(1);
    if (parallel)
      parts = func::CallOp::create(
                  builder, loc,
                  declare(useWinograd ? kWinogradParts : kSconvParts,
                          sizes.size(), 1),
                  sizes)
                  .getResult(0);
    Value zero = constant(0), one = constant(1);
    // A loop over the parts (parallel or not) whose body calls `callee`
    // with (part, parts, arguments...); the builder is left after it.
    auto loopOverParts = [&](StringRef callee, ArrayRef<Value> arguments) {
      OpBuilder::InsertionGuard guard(builder);
      Value part;
      if (parallel) {
        auto loop = scf::ParallelOp::create(builder, loc, ValueRange{zero},
                                            ValueRange{parts}, ValueRange{one});
        builder.setInsertionPointToStart(loop.getBody());
        part = loop.getInductionVars()[0];
      } else {
        auto loop = scf::ForOp::create(builder, loc, zero, parts, one);
        builder.setInsertionPointToStart(loop.getBody());
        part = loop.getInductionVar();
      }
      SmallVector<Value> operands = {part, parts};
      operands.append(arguments.begin(), arguments.end());
      func::CallOp::create(builder, loc, declare(callee, operands.size(), 0),
                           operands);
    };
    SmallVector<Value> arguments(sizes.begin(), sizes.begin() + 7);
    arguments.append(buffers);
    arguments.push_back(accumulate);
    if (useWinograd) {
      // The filter's transform, once per call: its output channels split
      // among the parts, into the calling thread's buffer, which every
      // part of the convolution then reads.
      Value tileSize = sizes.back(), f = sizes[3], c = sizes[4];
      Value u = func::CallOp::create(builder, loc,
                                     declare(kWinogradFilterBuffer, 3, 1),
                                     ValueRange{f, c, tileSize})
                    .getResult(0);
      SmallVector<Value> filterArguments = {f, c, sizes[5], sizes[6]};
      filterArguments.append(buffers.begin() + 4, buffers.begin() + 8);
      filterArguments.append({tileSize, u});
      loopOverParts(kWinogradFilter, filterArguments);
      arguments.append({tileSize, u});
    }
    loopOverParts(useWinograd ? kWinograd : kSconv, arguments);
    if (useWinograd)
      ++numWinograd;
    conv.op->erase();
    if (zeroFill)
      zeroFill->erase();
  }
};

} // namespace
