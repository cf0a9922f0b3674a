//===- HLSDataflow.cpp - m3sat-hls-dataflow -------------------------------===//
//
// Task-level DATAFLOW between the stages of a top function: stages (the ops
// that write one buffer), ordered by their dependences, grouped into regions
// where every array has one writer and one reader, connected by FIFOs where
// producer and consumer walk a buffer in the same order, else by ping-pong
// buffers; each stage outlined, each region a DATAFLOW function.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "m3sat/Support/Diagnostics.h"
#include "m3sat/Target/HLS/Analysis/BufferAccesses.h"
#include "m3sat/Target/HLS/Transforms/TileChannels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallSet.h"

#include <functional>
#include <map>
#include <set>

namespace m3sat {
#define GEN_PASS_DEF_HLSDATAFLOW
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat::hls;

namespace {

/// Whether a top-level op can be (part of) a stage: a loop nest, branch or
/// call that yields nothing.
bool isStageOp(Operation &op) {
  if (!isa<scf::ForOp, scf::IfOp, func::CallOp>(op) || op.getNumResults())
    return false;
  if (auto call = dyn_cast<func::CallOp>(op)) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        &op, call.getCalleeAttr());
    return callee && !callee.isExternal();
  }
  return true;
}

/// Whether a top-level op between stages leaves them as they are: an
/// allocation, a constant table or a pure op.
bool isTransparent(Operation &op) {
  if (isa<memref::AllocOp, memref::GetGlobalOp>(op))
    return true;
  return op.getNumRegions() == 0 && isMemoryEffectFree(&op) &&
         !op.hasTrait<OpTrait::IsTerminator>();
}

/// One stage: its ops, in their original order.
struct Stage {
  SmallVector<Operation *> ops;
  Effects effects;
};

/// A channel of a region: a buffer one stage writes and one later stage
/// reads.
struct Channel {
  Value buffer;
  unsigned producer = 0, consumer = 0;
  bool fifo = false;
  int64_t depth = 0;
};

/// A buffer a stage of a region writes: its producer, the later stages
/// that read it, and whether it lives past the region.
struct Written {
  Value buffer;
  unsigned producer;
  SmallVector<unsigned> readers;
  bool leaves;
};

struct HLSDataflowPass : public m3sat::impl::HLSDataflowBase<HLSDataflowPass> {
  using HLSDataflowBase::HLSDataflowBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> tops;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() && func.getBody().hasOneBlock())
        tops.push_back(func);
    for (func::FuncOp top : tops)
      runOnFunction(top);
    deduplicate(module);
  }

  /// The text of `func` under a fixed name (no locations): functions with
  /// the same key compute alike over their arguments.
  static std::string keyOf(func::FuncOp func) {
    StringAttr name = func.getSymNameAttr();
    func.setSymName("m3sat_key");
    std::string text;
    llvm::raw_string_ostream os(text);
    // Numbered within the function; printed as it is (the module is being
    // rewritten: the printer would verify it and fall back to the generic
    // form, numbered across the module).
    func->print(os, OpPrintingFlags().useLocalScope().assumeVerified());
    func.setSymNameAttr(name);
    return text;
  }

  /// Stages, then regions, that compute alike become one function (the
  /// regions of the tile loops of a network's blocks); a region called
  /// more than once is built once (m3sat.hls.shared_layer: `INLINE off`,
  /// `ALLOCATION ... limit=1` in its callers), as shared layers are.
  void deduplicate(ModuleOp module) {
    for (bool regions : {false, true}) {
      std::map<std::string, func::FuncOp> firsts;
      DenseMap<StringAttr, func::FuncOp> replacement;
      for (func::FuncOp func : created) {
        if (!func || func->hasAttr(m3sat::kHLSDataflowRegionAttr) != regions)
          continue;
        auto [it, inserted] = firsts.try_emplace(keyOf(func), func);
        if (!inserted)
          replacement[func.getSymNameAttr()] = it->second;
      }
      if (replacement.empty())
        continue;
      DenseMap<func::FuncOp, unsigned> calls;
      module.walk([&](func::CallOp call) {
        auto it = replacement.find(call.getCalleeAttr().getAttr());
        if (it != replacement.end())
          call.setCallee(it->second.getSymName());
        if (regions)
          if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
                  call, call.getCalleeAttr());
              callee && callee->hasAttr(m3sat::kHLSDataflowRegionAttr))
            ++calls[callee];
      });
      for (func::FuncOp &func : created)
        if (func && replacement.count(func.getSymNameAttr())) {
          func.erase();
          func = nullptr;
          ++numDeduplicated;
        }
      for (auto [func, count] : calls)
        if (count > 1)
          func->setAttr(m3sat::kHLSSharedLayerAttr,
                        UnitAttr::get(func.getContext()));
    }
  }

  /// The regions form in the body of each loop over token tiles
  /// (m3sat-hls-token-tiling) where the function has such loops, so that
  /// their channels hold a tile; else in the function body.
  void runOnFunction(func::FuncOp top) {
    SmallVector<Block *> blocks;
    for (auto loop : top.getBody().front().getOps<scf::ForOp>())
      if (loop->hasAttr(m3sat::kHLSTokenTilesAttr))
        blocks.push_back(loop.getBody());
    if (blocks.empty())
      blocks.push_back(&top.getBody().front());
    unsigned regionCount = 0;
    for (Block *block : blocks) {
      // Segments: runs of stage ops, split at ops that are neither stage
      // ops nor transparent.
      SmallVector<SmallVector<Operation *>> segments(1);
      for (Operation &op : *block) {
        if (isStageOp(op))
          segments.back().push_back(&op);
        else if (!isTransparent(op) && !segments.back().empty())
          segments.emplace_back();
      }
      for (ArrayRef<Operation *> segment : segments)
        if (segment.size() >= 2)
          runOnSegment(top, *block, segment, regionCount);
    }
  }

  /// The stages of `segment`, in an order their dependences allow.
  SmallVector<Stage> formStages(ArrayRef<Operation *> segment) {
    size_t n = segment.size();
    SmallVector<Effects> effects;
    for (Operation *op : segment)
      effects.push_back(analysis.of(op));
    // Writers of one buffer are one stage.
    llvm::EquivalenceClasses<unsigned> classes;
    for (unsigned i = 0; i < n; ++i)
      classes.insert(i);
    DenseMap<Value, unsigned> firstWriter;
    for (unsigned i = 0; i < n; ++i)
      for (Value buffer : effects[i].writes) {
        auto [it, inserted] = firstWriter.try_emplace(buffer, i);
        if (!inserted)
          classes.unionSets(it->second, i);
      }
    // Dependences between classes; classes on a cycle merge (until none
    // is left: merging can close new cycles).
    while (true) {
      std::map<unsigned, std::set<unsigned>> edges;
      auto leader = [&](unsigned i) { return classes.getLeaderValue(i); };
      for (unsigned j = 0; j < n; ++j)
        for (unsigned i = 0; i < j; ++i) {
          if (leader(i) == leader(j))
            continue;
          auto conflicts = [](const Effects &a, const Effects &b) {
            for (Value w : a.writes)
              if (b.reads.contains(w) || b.writes.contains(w))
                return true;
            for (Value r : a.reads)
              if (b.writes.contains(r))
                return true;
            return false;
          };
          if (conflicts(effects[i], effects[j]))
            edges[leader(i)].insert(leader(j));
        }
      // Tarjan's strongly connected components.
      std::map<unsigned, unsigned> index, low;
      std::set<unsigned> onStack;
      SmallVector<unsigned> stack;
      unsigned counter = 0;
      bool merged = false;
      std::function<void(unsigned)> visit = [&](unsigned v) {
        index[v] = low[v] = counter++;
        stack.push_back(v);
        onStack.insert(v);
        for (unsigned w : edges[v]) {
          if (!index.count(w)) {
            visit(w);
            low[v] = std::min(low[v], low[w]);
          } else if (onStack.count(w)) {
            low[v] = std::min(low[v], index[w]);
          }
        }
        if (low[v] != index[v])
          return;
        unsigned w;
        do {
          w = stack.pop_back_val();
          onStack.erase(w);
          if (w != v) {
            classes.unionSets(v, w);
            merged = true;
          }
        } while (w != v);
      };
      for (unsigned i = 0; i < n; ++i)
        if (leader(i) == i && !index.count(i))
          visit(i);
      if (merged)
        continue;
      // Acyclic: order the classes, earliest first among the ready ones.
      std::map<unsigned, unsigned> indegree;
      std::set<unsigned> leaders;
      for (unsigned i = 0; i < n; ++i)
        leaders.insert(leader(i));
      for (auto &[from, tos] : edges)
        for (unsigned to : tos)
          ++indegree[to];
      std::map<unsigned, unsigned> firstOp;
      for (unsigned i = 0; i < n; ++i)
        firstOp.try_emplace(leader(i), i);
      std::set<std::pair<unsigned, unsigned>> ready;
      for (unsigned l : leaders)
        if (!indegree[l])
          ready.insert({firstOp[l], l});
      SmallVector<Stage> stages;
      while (!ready.empty()) {
        unsigned l = ready.begin()->second;
        ready.erase(ready.begin());
        Stage stage;
        for (unsigned i = 0; i < n; ++i)
          if (leader(i) == l) {
            stage.ops.push_back(segment[i]);
            stage.effects.reads.insert(effects[i].reads.begin(),
                                       effects[i].reads.end());
            stage.effects.writes.insert(effects[i].writes.begin(),
                                        effects[i].writes.end());
          }
        stages.push_back(std::move(stage));
        for (unsigned to : edges[l])
          if (--indegree[to] == 0)
            ready.insert({firstOp[to], to});
      }
      return stages;
    }
  }

  /// Whether `value` is used outside the ops of `stages`.
  static bool usedOutside(Value value, ArrayRef<Stage> stages) {
    for (Operation *user : value.getUsers()) {
      bool inside = false;
      for (const Stage &stage : stages)
        for (Operation *op : stage.ops)
          inside |= op->isAncestor(user);
      if (!inside)
        return true;
    }
    return false;
  }

  /// An elementwise update in place (`x[i] = f(x[i], ...)`, every element
  /// once, in order) of a buffer an earlier op of the segment wrote stores
  /// to a new buffer instead, which the ops after it read: the writers of a
  /// buffer are one stage, and in-place updates would chain a whole model
  /// into one.
  /// Whether `op` fills `buffer`: one store to it, every element once in
  /// order, no call in the nest, and loads only of arrays that no op of
  /// the function writes (constants, a bias broadcast from a weight).
  static bool isFill(Operation *op, Value buffer,
                     const llvm::DenseSet<Value> &writtenInFunction) {
    unsigned stores = 0;
    bool other = false;
    op->walk([&](Operation *inner) {
      if (auto store = dyn_cast<memref::StoreOp>(inner)) {
        if (store.getMemRef() == buffer &&
            isInOrder(store, op, cast<MemRefType>(buffer.getType()),
                      store.getIndices()))
          ++stores;
        else
          other = true;
      } else if (auto load = dyn_cast<memref::LoadOp>(inner)) {
        Value source = rootOf(load.getMemRef());
        if (writtenInFunction.contains(source) ||
            (!isa<BlockArgument>(source) && !isGlobal(source)))
          other = true;
      } else if (isa<func::CallOp>(inner) ||
                 (inner->getNumRegions() == 0 && !isMemoryEffectFree(inner))) {
        other = true;
      }
    });
    return isa<scf::ForOp>(op) && stores == 1 && !other;
  }

  /// Gives a new buffer to each op that writes a buffer an earlier op of
  /// the segment wrote, where that is exact: the writers of a buffer are
  /// one stage, so buffers written again (in place) would chain a whole
  /// model into one. Two cases:
  /// - an elementwise update in place (`x[i] = f(x[i], ...)`, every
  ///   element once, in order) stores to a new buffer, which the ops after
  ///   it read;
  /// - an update of a buffer that a fill wrote last (a constant
  ///   initialization that bufferization shares between two products, the
  ///   first of which copied it) gets a new buffer and its own copy of the
  ///   fill, just before it.
  /// Returns the segment with the fills added.
  /// In the body of a loop (a tile), only buffers that no op outside the
  /// loop and no op before the earlier writer uses are renamed: each
  /// iteration then computes them anew.
  SmallVector<Operation *> renameInPlaceUpdates(func::FuncOp top, Block &block,
                                                ArrayRef<Operation *> segment) {
    Block &body = top.getBody().front();
    DenseMap<Value, Operation *> lastWriter;
    llvm::DenseSet<Value> readSinceWrite, writtenInFunction;
    for (Operation &op : body)
      for (Value buffer : analysis.of(&op).writes)
        writtenInFunction.insert(buffer);
    // Whether every use of `buffer` is in an op of `block` from `first` on.
    auto confined = [&](Value buffer, Operation *first) {
      if (&block == &body)
        return true;
      return llvm::all_of(buffer.getUsers(), [&](Operation *user) {
        Operation *ancestor = block.findAncestorOpInBlock(*user);
        return ancestor && !ancestor->isBeforeInBlock(first);
      });
    };
    SmallVector<Operation *> result;
    for (Operation *op : segment) {
      Effects effects = analysis.of(op);
      for (Value buffer : effects.writes) {
        auto alloc = buffer.getDefiningOp<memref::AllocOp>();
        auto writer = lastWriter.find(buffer);
        if (writer == lastWriter.end() || !alloc ||
            alloc->getNumOperands() != 0 ||
            alloc->hasAttr(m3sat::kHLSStreamOfAttr) ||
            !confined(buffer, writer->second))
          continue;
        memref::StoreOp store;
        SmallVector<memref::LoadOp> loads;
        bool simple = true;
        for (OpOperand &use : buffer.getUses()) {
          Operation *user = use.getOwner();
          if (!op->isAncestor(user))
            continue;
          if (auto load = dyn_cast<memref::LoadOp>(user)) {
            loads.push_back(load);
          } else if (isa<memref::StoreOp>(user) &&
                     use.getOperandNumber() == 1 && !store) {
            store = cast<memref::StoreOp>(user);
          } else {
            simple = false;
          }
        }
        // (Values of the earlier writer that nobody reads stay where
        // they are: the two writers are then one stage.)
        bool elementwise =
            simple && store &&
            (!loads.empty() || readSinceWrite.contains(buffer)) &&
            isInOrder(store, op, alloc.getType(), store.getIndices());
        for (memref::LoadOp load : loads)
          elementwise &=
              load->getBlock() == store->getBlock() &&
              load->isBeforeInBlock(store) &&
              llvm::all_of(
                  llvm::zip_equal(load.getIndices(), store.getIndices()),
                  [](auto pair) {
                    return sameValue(std::get<0>(pair), std::get<1>(pair));
                  });
        // (Without a reader between the fill and this op, the fill moves
        // next to it as it is.)
        bool refill = !elementwise && readSinceWrite.contains(buffer) &&
                      isFill(writer->second, buffer, writtenInFunction);
        if (!elementwise && !refill)
          continue;
        OpBuilder builder(&body, body.begin());
        auto renamed = cast<memref::AllocOp>(builder.clone(*alloc));
        auto later = [&](OpOperand &use) {
          Operation *ancestor = block.findAncestorOpInBlock(*use.getOwner());
          return ancestor && op->isBeforeInBlock(ancestor);
        };
        if (elementwise) {
          store.getMemrefMutable().assign(renamed.getResult());
          buffer.replaceUsesWithIf(renamed.getResult(), later);
        } else {
          buffer.replaceUsesWithIf(renamed.getResult(), [&](OpOperand &use) {
            return op->isAncestor(use.getOwner()) || later(use);
          });
          builder.setInsertionPoint(op);
          IRMapping mapping;
          mapping.map(buffer, renamed.getResult());
          Operation *fill = builder.clone(*writer->second, mapping);
          result.push_back(fill);
          lastWriter[renamed.getResult()] = fill;
        }
        ++numRenamed;
      }
      Effects after = analysis.of(op);
      for (Value buffer : after.reads)
        readSinceWrite.insert(buffer);
      for (Value buffer : after.writes) {
        lastWriter[buffer] = op;
        readSinceWrite.erase(buffer);
      }
      result.push_back(op);
    }
    return result;
  }

  void runOnSegment(func::FuncOp top, Block &block,
                    ArrayRef<Operation *> segment, unsigned &regionCount) {
    SmallVector<Operation *> ops = renameInPlaceUpdates(top, block, segment);
    segment = ops;
    SmallVector<Stage> stages = formStages(segment);
    // Regions: consecutive stages while every array from outside has one
    // reader and is not written after it is read.
    SmallVector<std::pair<unsigned, unsigned>> regions; // [begin, end)
    unsigned begin = 0;
    llvm::DenseSet<Value> produced, readFromOutside;
    for (unsigned s = 0; s < stages.size(); ++s) {
      bool fits = true;
      for (Value buffer : stages[s].effects.reads)
        if (!isGlobal(buffer) && !produced.contains(buffer) &&
            readFromOutside.contains(buffer))
          fits = false;
      for (Value buffer : stages[s].effects.writes)
        if (readFromOutside.contains(buffer))
          fits = false;
      if (!fits) {
        regions.push_back({begin, s});
        begin = s;
        produced.clear();
        readFromOutside.clear();
      }
      for (Value buffer : stages[s].effects.reads)
        if (!isGlobal(buffer) && !produced.contains(buffer))
          readFromOutside.insert(buffer);
      for (Value buffer : stages[s].effects.writes)
        produced.insert(buffer);
    }
    regions.push_back({begin, static_cast<unsigned>(stages.size())});

    // The segment's ops go, in stage order, before the op after its last.
    Operation *last = segment.back();
    for (Operation *op : segment)
      if (last->isBeforeInBlock(op))
        last = op;
    Operation *next = last->getNextNode();
    for (auto [b, e] : regions) {
      MutableArrayRef<Stage> region =
          MutableArrayRef<Stage>(stages).slice(b, e - b);
      if (e - b >= 2 &&
          succeeded(outlineRegion(top, block, region, next, regionCount)))
        continue;
      for (const Stage &stage : region)
        for (Operation *op : stage.ops)
          op->moveBefore(next);
    }
  }

  LogicalResult outlineRegion(func::FuncOp top, Block &block,
                              MutableArrayRef<Stage> stages, Operation *next,
                              unsigned &regionCount);
  LogicalResult collectWritten(Block &block, ArrayRef<Stage> stages,
                               SmallVectorImpl<Written> &written);
  LogicalResult findChannels(ArrayRef<Stage> stages, Block &block,
                             SmallVectorImpl<Channel> &channels,
                             DenseMap<Value, unsigned> &channelIndex,
                             SmallVectorImpl<llvm::SetVector<Value>> &local);
  void chooseFifos(ArrayRef<Stage> stages, MutableArrayRef<Channel> channels);
  func::FuncOp outlineStage(func::FuncOp top, const Stage &stage, unsigned s,
                            StringRef name, ArrayRef<Channel> channels,
                            const DenseMap<Value, unsigned> &channelIndex,
                            const llvm::SetVector<Value> &local,
                            SmallVectorImpl<Value> &args);
  func::FuncOp buildRegion(func::FuncOp top, ArrayRef<Stage> stages,
                           unsigned regionIndex,
                           ArrayRef<func::FuncOp> stageFuncs,
                           ArrayRef<SmallVector<Value>> stageArgs,
                           ArrayRef<Channel> channels,
                           const DenseMap<Value, unsigned> &channelIndex,
                           llvm::SetVector<Value> &regionArgs);

  EffectAnalysis analysis;
  /// The stage and region functions made.
  SmallVector<func::FuncOp> created;
};

} // namespace

/// Whether `op` is inside one of `ops`.
static bool isInside(Operation *op, ArrayRef<Operation *> ops) {
  return llvm::any_of(ops,
                      [&](Operation *root) { return root->isAncestor(op); });
}

/// Index of the stage of `stages` that holds `op`, or -1.
static int stageOf(Operation *op, ArrayRef<Stage> stages) {
  for (auto [s, stage] : llvm::enumerate(stages))
    if (isInside(op, stage.ops))
      return s;
  return -1;
}

/// Whether every buffer the stages touch is loaded, stored or passed to
/// calls by their ops (no views), so that it can be passed, copied and
/// streamed.
static bool accessesWhole(ArrayRef<Stage> stages,
                          ArrayRef<Operation *> regionOps) {
  llvm::SetVector<Value> buffers;
  for (const Stage &stage : stages) {
    buffers.insert(stage.effects.reads.begin(), stage.effects.reads.end());
    buffers.insert(stage.effects.writes.begin(), stage.effects.writes.end());
  }
  for (Value buffer : buffers)
    for (OpOperand &use : buffer.getUses()) {
      Operation *user = use.getOwner();
      if (!isInside(user, regionOps))
        continue;
      if (isa<memref::LoadOp, func::CallOp>(user) ||
          (isa<memref::StoreOp>(user) && use.getOperandNumber() == 1))
        continue;
      return false;
    }
  return true;
}

/// The producer and readers of each buffer written in the region; fails
/// where a buffer with extra readers (each gets a copy) is not stored by
/// its producer itself, or where a channel of a loop over token tiles
/// would hold more than `max-tile-channel-bytes`.
LogicalResult
HLSDataflowPass::collectWritten(Block &block, ArrayRef<Stage> stages,
                                SmallVectorImpl<Written> &written) {
  for (auto [s, stage] : llvm::enumerate(stages))
    for (Value buffer : stage.effects.writes) {
      Written w{buffer, static_cast<unsigned>(s), {}, false};
      for (unsigned t = s + 1; t < stages.size(); ++t)
        if (stages[t].effects.reads.contains(buffer))
          w.readers.push_back(t);
      w.leaves = !buffer.getDefiningOp<memref::AllocOp>() ||
                 buffer.getDefiningOp()->hasAttr(m3sat::kHLSStreamOfAttr) ||
                 usedOutside(buffer, stages);
      unsigned copies =
          w.readers.size() - (w.leaves || w.readers.empty() ? 0 : 1);
      if (copies) {
        // Copies are stored next to each store: the producer must store
        // the buffer itself.
        for (Operation *user : buffer.getUsers())
          if (isInside(user, stages[s].ops) && !isa<memref::LoadOp>(user) &&
              !isa<memref::StoreOp>(user))
            return failure();
      }
      written.push_back(std::move(w));
    }
  // In a loop over token tiles, a channel that would hold more than
  // `max-tile-channel-bytes` (a head's scores, not a tile of tokens) leaves
  // the region's stages as they are.
  if (isa_and_nonnull<scf::ForOp>(block.getParentOp()) &&
      block.getParentOp()->hasAttr(m3sat::kHLSTokenTilesAttr))
    for (const Written &w : written) {
      if (w.readers.empty())
        continue;
      SmallVector<Operation *> within(stages[w.producer].ops);
      for (unsigned r : w.readers)
        within.append(stages[r].ops.begin(), stages[r].ops.end());
      if (tileChannelBytes(w.buffer, block, within) > maxTileChannelBytes) {
        ++numTooLarge;
        return failure();
      }
    }
  return success();
}

/// A new buffer per extra reader of a written buffer, stored next to the
/// producer's stores; the reader loads the copy.
static void copyForExtraReaders(func::FuncOp top, MutableArrayRef<Stage> stages,
                                ArrayRef<Written> written) {
  OpBuilder builder(top.getContext());
  Block &body = top.getBody().front();
  for (const Written &w : written) {
    unsigned keep = w.leaves || w.readers.empty() ? 0 : 1;
    for (unsigned r = keep; r < w.readers.size(); ++r) {
      builder.setInsertionPointToStart(&body);
      auto type = cast<MemRefType>(w.buffer.getType());
      Value copy =
          memref::AllocOp::create(builder, w.buffer.getLoc(), type).getResult();
      SmallVector<memref::StoreOp> stores;
      for (Operation *user : w.buffer.getUsers())
        if (auto store = dyn_cast<memref::StoreOp>(user);
            store && isInside(store, stages[w.producer].ops))
          stores.push_back(store);
      for (memref::StoreOp store : stores) {
        builder.setInsertionPointAfter(store);
        memref::StoreOp::create(builder, store.getLoc(),
                                store.getValueToStore(), copy,
                                store.getIndices());
      }
      ArrayRef<Operation *> readerOps = stages[w.readers[r]].ops;
      Value buffer = w.buffer;
      buffer.replaceUsesWithIf(copy, [&](OpOperand &use) {
        return isInside(use.getOwner(), readerOps);
      });
      Effects &effects = stages[w.readers[r]].effects;
      effects.reads.remove(w.buffer);
      effects.reads.insert(copy);
      stages[w.producer].effects.writes.insert(copy);
    }
  }
}

/// Channels (one writer stage, one reader stage, all uses in the region;
/// in a loop over token tiles they hold a tile) and the stages' own
/// buffers. Buffers that only one stage reads and nobody writes in the
/// region stay where they are (passed in).
LogicalResult
HLSDataflowPass::findChannels(ArrayRef<Stage> stages, Block &block,
                              SmallVectorImpl<Channel> &channels,
                              DenseMap<Value, unsigned> &channelIndex,
                              SmallVectorImpl<llvm::SetVector<Value>> &local) {
  for (auto [s, stage] : llvm::enumerate(stages))
    for (Value buffer : stage.effects.writes) {
      auto alloc = buffer.getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->hasAttr(m3sat::kHLSStreamOfAttr) ||
          usedOutside(buffer, stages))
        continue;
      llvm::SmallSet<int, 4> users;
      for (Operation *user : buffer.getUsers())
        users.insert(stageOf(user, stages));
      if (users.size() == 1) {
        local[s].insert(buffer);
        continue;
      }
      if (users.size() != 2)
        continue; // Cannot happen: extra readers read copies.
      int consumer = -1;
      for (int u : users)
        if (u != static_cast<int>(s))
          consumer = u;
      if (consumer < static_cast<int>(s))
        return failure();
      channelIndex[buffer] = channels.size();
      channels.push_back({buffer, static_cast<unsigned>(s),
                          static_cast<unsigned>(consumer), false, 0});
    }
  for (auto [c, channel] : llvm::enumerate(channels)) {
    Value shrunk = shrinkChannelToTile(channel.buffer, block);
    if (shrunk == channel.buffer)
      continue;
    channelIndex.erase(channel.buffer);
    channelIndex[shrunk] = c;
    channel.buffer = shrunk;
    ++numShrunk;
  }
  return success();
}

/// FIFO: one store in the producer and one load in the consumer, both
/// visiting the buffer in row-major order. Depth 2 where the producer has
/// no other channel out and the consumer no other channel in; else the
/// whole buffer, so that no producer waits.
void HLSDataflowPass::chooseFifos(ArrayRef<Stage> stages,
                                  MutableArrayRef<Channel> channels) {
  for (Channel &channel : channels) {
    auto type = cast<MemRefType>(channel.buffer.getType());
    if (!fifo || !type.hasStaticShape() || !type.getLayout().isIdentity())
      continue;
    SmallVector<memref::StoreOp> stores;
    SmallVector<memref::LoadOp> loads;
    bool other = false;
    for (Operation *user : channel.buffer.getUsers()) {
      if (auto store = dyn_cast<memref::StoreOp>(user);
          store && stageOf(user, stages) == static_cast<int>(channel.producer))
        stores.push_back(store);
      else if (auto load = dyn_cast<memref::LoadOp>(user);
               load &&
               stageOf(user, stages) == static_cast<int>(channel.consumer))
        loads.push_back(load);
      else
        other = true;
    }
    if (other || stores.size() != 1 || loads.size() != 1)
      continue;
    auto stageOpOf = [&](Operation *op, unsigned s) -> Operation * {
      for (Operation *root : stages[s].ops)
        if (root->isAncestor(op))
          return root;
      return nullptr;
    };
    channel.fifo = isInOrder(stores[0], stageOpOf(stores[0], channel.producer),
                             type, stores[0].getIndices()) &&
                   isInOrder(loads[0], stageOpOf(loads[0], channel.consumer),
                             type, loads[0].getIndices());
  }
  SmallVector<unsigned> outs(stages.size(), 0), ins(stages.size(), 0);
  for (const Channel &channel : channels) {
    ++outs[channel.producer];
    ++ins[channel.consumer];
  }
  for (Channel &channel : channels)
    if (channel.fifo)
      channel.depth =
          outs[channel.producer] == 1 && ins[channel.consumer] == 1
              ? 2
              : cast<MemRefType>(channel.buffer.getType()).getNumElements();
}

/// Stage `s` as the function `name`; `args` gets the values its call
/// passes.
func::FuncOp HLSDataflowPass::outlineStage(
    func::FuncOp top, const Stage &stage, unsigned s, StringRef name,
    ArrayRef<Channel> channels, const DenseMap<Value, unsigned> &channelIndex,
    const llvm::SetVector<Value> &local, SmallVectorImpl<Value> &args) {
  OpBuilder builder(top.getContext());
  SymbolTable symbols(top->getParentOfType<ModuleOp>());
  // Values from outside: constants and tables are cloned, the stage's
  // own buffers move in, the rest are arguments.
  llvm::SetVector<Operation *> clones;
  llvm::SetVector<Value> argSet;
  for (Operation *root : stage.ops)
    root->walk([&](Operation *op) {
      for (Value operand : op->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (auto arg = dyn_cast<BlockArgument>(operand)) {
          if (!isInside(arg.getOwner()->getParentOp(), stage.ops))
            argSet.insert(operand);
          continue;
        }
        if (isInside(def, stage.ops))
          continue;
        if (def->hasTrait<OpTrait::ConstantLike>() ||
            isa<memref::GetGlobalOp>(def) ||
            (local.contains(operand) && def->getNumOperands() == 0))
          clones.insert(def);
        else
          argSet.insert(operand);
      }
    });
  SmallVector<Type> argTypes;
  for (Value arg : argSet)
    argTypes.push_back(arg.getType());
  builder.setInsertionPoint(top);
  auto func = func::FuncOp::create(builder, stage.ops.front()->getLoc(), name,
                                   builder.getFunctionType(argTypes, {}));
  func.setPrivate();
  symbols.insert(func);
  Block *entry = func.addEntryBlock();
  IRMapping mapping;
  for (auto [arg, value] : llvm::zip(func.getArguments(), argSet))
    mapping.map(value, arg);
  builder.setInsertionPointToStart(entry);
  for (Operation *op : clones)
    builder.clone(*op, mapping);
  for (Operation *op : stage.ops)
    builder.clone(*op, mapping);
  func::ReturnOp::create(builder, func.getLoc());
  Value zero;
  for (auto [i, value] : llvm::enumerate(argSet)) {
    auto it = channelIndex.find(value);
    if (it == channelIndex.end())
      continue;
    const Channel &channel = channels[it->second];
    bool out = channel.producer == s;
    m3sat::HLSChannelKind kind = channel.fifo
                                     ? (out ? m3sat::HLSChannelKind::fifo_out
                                            : m3sat::HLSChannelKind::fifo_in)
                                     : (out ? m3sat::HLSChannelKind::pipo_out
                                            : m3sat::HLSChannelKind::pipo_in);
    func.setArgAttr(i, m3sat::kHLSChannelAttr,
                    m3sat::HLSChannelKindAttr::get(builder.getContext(), kind));
    if (!channel.fifo)
      continue;
    // A stream's accesses take the next value: their indices go.
    if (!zero) {
      builder.setInsertionPointToStart(entry);
      zero = arith::ConstantIndexOp::create(builder, func.getLoc(), 0);
    }
    for (Operation *user : func.getArgument(i).getUsers()) {
      if (auto load = dyn_cast<memref::LoadOp>(user))
        for (OpOperand &index : load.getIndicesMutable())
          index.set(zero);
      if (auto store = dyn_cast<memref::StoreOp>(user))
        for (OpOperand &index : store.getIndicesMutable())
          index.set(zero);
    }
  }
  // The stage's own buffers that nothing reads (their values went to
  // other buffers too) go, with their stores; then dead index arithmetic.
  for (auto alloc :
       llvm::make_early_inc_range(entry->getOps<memref::AllocOp>())) {
    if (!llvm::all_of(alloc->getUsers(), [](Operation *user) {
          return isa<memref::StoreOp>(user);
        }))
      continue;
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      user->erase();
    alloc->erase();
  }
  bool erased = true;
  while (erased) {
    erased = false;
    SmallVector<Operation *> dead;
    func.walk([&](Operation *op) {
      if (op->getNumRegions() == 0 && isOpTriviallyDead(op))
        dead.push_back(op);
    });
    for (Operation *op : dead) {
      op->erase();
      erased = true;
    }
  }
  args.assign(argSet.begin(), argSet.end());
  return func;
}

/// The region function: channels, then the stages in order. `regionArgs`
/// gets the values its call passes.
func::FuncOp HLSDataflowPass::buildRegion(
    func::FuncOp top, ArrayRef<Stage> stages, unsigned regionIndex,
    ArrayRef<func::FuncOp> stageFuncs, ArrayRef<SmallVector<Value>> stageArgs,
    ArrayRef<Channel> channels, const DenseMap<Value, unsigned> &channelIndex,
    llvm::SetVector<Value> &regionArgs) {
  OpBuilder builder(top.getContext());
  SymbolTable symbols(top->getParentOfType<ModuleOp>());
  std::string regionName =
      (top.getSymName() + "_df" + Twine(regionIndex)).str();
  for (ArrayRef<Value> args : stageArgs)
    for (Value arg : args)
      if (!channelIndex.count(arg))
        regionArgs.insert(arg);
  SmallVector<Type> regionTypes;
  for (Value arg : regionArgs)
    regionTypes.push_back(arg.getType());
  std::string first, lastName;
  Location regionLoc = NameLoc::get(builder.getStringAttr(
      "dataflow region " + Twine(regionIndex) + " (" + Twine(stages.size()) +
      " stages" +
      (m3sat::getNodeName(stages.front().ops.front()->getLoc()).empty()
           ? ""
           : ": " + m3sat::getNodeName(stages.front().ops.front()->getLoc()) +
                 " .. " +
                 m3sat::getNodeName(stages.back().ops.back()->getLoc())) +
      ")"));
  builder.setInsertionPoint(top);
  auto region = func::FuncOp::create(builder, regionLoc, regionName,
                                     builder.getFunctionType(regionTypes, {}));
  region.setPrivate();
  region->setAttr(m3sat::kHLSDataflowAttr, builder.getUnitAttr());
  region->setAttr(m3sat::kHLSDataflowRegionAttr, builder.getUnitAttr());
  created.push_back(region);
  symbols.insert(region);
  Block *entry = region.addEntryBlock();
  IRMapping mapping;
  for (auto [arg, value] : llvm::zip(region.getArguments(), regionArgs))
    mapping.map(value, arg);
  builder.setInsertionPointToStart(entry);
  for (const Channel &channel : channels) {
    Operation *alloc = builder.clone(*channel.buffer.getDefiningOp(), mapping);
    alloc->setAttr(
        m3sat::kHLSChannelAttr,
        m3sat::HLSChannelKindAttr::get(
            builder.getContext(), channel.fifo ? m3sat::HLSChannelKind::fifo
                                               : m3sat::HLSChannelKind::pipo));
    if (channel.fifo)
      alloc->setAttr(m3sat::kHLSFifoDepthAttr,
                     builder.getI64IntegerAttr(channel.depth));
    (channel.fifo ? numFifos : numPipos)++;
  }
  for (auto [s, func] : llvm::enumerate(stageFuncs)) {
    SmallVector<Value> operands;
    for (Value arg : stageArgs[s])
      operands.push_back(mapping.lookup(arg));
    func::CallOp::create(builder, stages[s].ops.front()->getLoc(), func,
                         operands);
  }
  func::ReturnOp::create(builder, regionLoc);

  return region;
}

LogicalResult HLSDataflowPass::outlineRegion(func::FuncOp top, Block &block,
                                             MutableArrayRef<Stage> stages,
                                             Operation *next,
                                             unsigned &regionCount) {
  SmallVector<Operation *> regionOps;
  for (const Stage &stage : stages)
    regionOps.append(stage.ops.begin(), stage.ops.end());
  if (!accessesWhole(stages, regionOps))
    return failure();
  SmallVector<Written> written;
  if (failed(collectWritten(block, stages, written)))
    return failure();
  copyForExtraReaders(top, stages, written);
  SmallVector<Channel> channels;
  DenseMap<Value, unsigned> channelIndex;
  SmallVector<llvm::SetVector<Value>> local(stages.size());
  if (failed(findChannels(stages, block, channels, channelIndex, local)))
    return failure();
  chooseFifos(stages, channels);

  // Outline each stage, then the region that calls them.
  unsigned regionIndex = regionCount++;
  SmallVector<func::FuncOp> stageFuncs;
  SmallVector<SmallVector<Value>> stageArgs(stages.size());
  for (auto [s, stage] : llvm::enumerate(stages)) {
    std::string name =
        (top.getSymName() + "_df" + Twine(regionIndex) + "_s" + Twine(s)).str();
    func::FuncOp func = outlineStage(top, stage, s, name, channels,
                                     channelIndex, local[s], stageArgs[s]);
    stageFuncs.push_back(func);
    created.push_back(func);
  }
  llvm::SetVector<Value> regionArgs;
  func::FuncOp region =
      buildRegion(top, stages, regionIndex, stageFuncs, stageArgs, channels,
                  channelIndex, regionArgs);
  Location regionLoc = region.getLoc();
  OpBuilder builder(top.getContext());

  // The call, in place of the stages; the stages' ops and buffers go.
  builder.setInsertionPoint(next);
  func::CallOp::create(builder, regionLoc, region, regionArgs.getArrayRef());
  for (Operation *op : llvm::reverse(regionOps))
    op->erase();
  for (const Channel &channel : channels)
    channel.buffer.getDefiningOp()->erase();
  for (const auto &buffers : local)
    for (Value buffer : buffers)
      if (buffer.use_empty())
        buffer.getDefiningOp()->erase();
  ++numRegions;
  numStages += stages.size();
  return success();
}
