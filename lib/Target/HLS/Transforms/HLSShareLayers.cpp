//===- HLSShareLayers.cpp - m3sat-hls-share-layers ------------------------===//
//
// One engine per kind of layer: loop nests of a top function that compute
// alike over other arrays become calls of one function, built once.
//
//===----------------------------------------------------------------------===//

#include "m3sat/Target/HLS/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/SetVector.h"

namespace m3sat {
#define GEN_PASS_DEF_HLSSHARELAYERS
#include "m3sat/Target/HLS/Transforms/Passes.h.inc"
} // namespace m3sat

using namespace mlir;
using namespace m3sat;

namespace {

/// A top-level loop nest and the values from outside it that it uses, in
/// order of first use (constants aside: they are part of what it computes).
struct Nest {
  scf::ForOp loop;
  SmallVector<Value> inputs;
  llvm::hash_code hash;
};

bool isConstantValue(Value value) {
  return value.getDefiningOp() &&
         value.getDefiningOp()->hasTrait<OpTrait::ConstantLike>();
}

/// What a nest computes, locations and operands aside: the ops, their
/// attributes and result types, in walk order.
llvm::hash_code structureHash(scf::ForOp loop) {
  llvm::hash_code hash = llvm::hash_value(0);
  loop->walk([&](Operation *op) {
    hash = llvm::hash_combine(hash, op->getName().getAsOpaquePointer(),
                              op->getRawDictionaryAttrs().getAsOpaquePointer(),
                              op->getNumOperands(), op->getNumRegions());
    for (Type type : op->getResultTypes())
      hash = llvm::hash_combine(hash, type.getAsOpaquePointer());
  });
  return hash;
}

/// The kind of a value from outside a nest, for matching: a function
/// argument (with its port kind), a local buffer, or a scalar.
enum class Role { Argument, Buffer, Scalar, Other };

Role roleOf(Value value) {
  if (isa<BlockArgument>(value))
    return isa<MemRefType>(value.getType()) ? Role::Argument : Role::Scalar;
  if (!isa<MemRefType>(value.getType()))
    return Role::Scalar;
  if (isa_and_nonnull<memref::AllocOp, memref::AllocaOp>(value.getDefiningOp()))
    return Role::Buffer;
  return Role::Other;
}

/// Whether `value`, a function argument, is a weight port (or which kind of
/// port it is): the port attributes the project writer sets.
Attribute portKind(Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg)
    return {};
  auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!func)
    return {};
  if (Attribute weight = func.getArgAttr(arg.getArgNumber(), kHLSWeightAttr))
    return weight;
  return func.getArgAttr(arg.getArgNumber(), kHLSBundleAttr);
}

/// Whether the outside values `a` and `b` can be one argument of a shared
/// function: the same role and element type; local buffers of the same
/// type or both one-dimensional (passed at the largest size).
bool compatible(Value a, Value b) {
  Role role = roleOf(a);
  if (role != roleOf(b) || role == Role::Other)
    return false;
  if (role == Role::Scalar)
    return a.getType() == b.getType();
  auto ta = cast<MemRefType>(a.getType()), tb = cast<MemRefType>(b.getType());
  if (ta.getElementType() != tb.getElementType() || !ta.hasStaticShape() ||
      !tb.hasStaticShape() || ta.getMemorySpace() || tb.getMemorySpace() ||
      !ta.getLayout().isIdentity() || !tb.getLayout().isIdentity())
    return false;
  if (role == Role::Argument)
    return ta == tb && portKind(a) == portKind(b);
  // Stream and channel buffers keep their own kind.
  Operation *da = a.getDefiningOp(), *db = b.getDefiningOp();
  if (da->getAttrDictionary() != db->getAttrDictionary())
    return false;
  return ta == tb || (ta.getRank() == 1 && tb.getRank() == 1);
}

/// Whether operand `index` of `op` may take another constant in another
/// nest of a class: a scalar that is not a loop's bound or step (the
/// offset of a head, say). Float constants stay: fixed point prints some
/// of them by their use.
bool isParameter(Operation *op, unsigned index) {
  Type type = op->getOperand(index).getType();
  return type.isIntOrIndex() && !isa<scf::ForOp>(op);
}

/// Matches `nest` against `rep` op for op: the same ops, attributes and
/// types; values inside in the same places; values from outside one to
/// one and compatible; constants from outside equal but for parameters.
class LayerMatcher {
public:
  bool match(Operation *rep, Operation *nest) {
    if (rep->getName() != nest->getName() ||
        rep->getNumOperands() != nest->getNumOperands() ||
        rep->getNumRegions() != nest->getNumRegions() ||
        rep->getResultTypes() != nest->getResultTypes() ||
        rep->getAttrDictionary() != nest->getAttrDictionary())
      return false;
    for (unsigned i = 0; i < rep->getNumOperands(); ++i)
      if (!operand(rep, nest, i))
        return false;
    for (auto [ra, rb] : llvm::zip(rep->getRegions(), nest->getRegions())) {
      if (ra.getBlocks().size() != rb.getBlocks().size())
        return false;
      for (auto [ba, bb] : llvm::zip(ra, rb)) {
        if (ba.getArgumentTypes() != bb.getArgumentTypes())
          return false;
        for (auto [x, y] : llvm::zip(ba.getArguments(), bb.getArguments()))
          mark(x, y);
        // Also checks that the blocks have as many ops.
        if (!llvm::equal(ba, bb, [&](Operation &x, Operation &y) {
              return match(&x, &y);
            }))
          return false;
      }
    }
    for (auto [x, y] : llvm::zip(rep->getResults(), nest->getResults()))
      mark(x, y);
    return true;
  }

  /// Rep's values to nest's (and back).
  DenseMap<Value, Value> forward, backward;
  /// The operands of rep's ops that take a constant from outside, and
  /// nest's constant in their place.
  SmallVector<std::pair<OpOperand *, Value>> constants;

private:
  void mark(Value a, Value b) {
    forward[a] = b;
    backward[b] = a;
  }
  bool operand(Operation *rep, Operation *nest, unsigned i) {
    Value a = rep->getOperand(i), b = nest->getOperand(i);
    if (auto it = forward.find(a); it != forward.end())
      return it->second == b;
    bool ca = isConstantValue(a), cb = isConstantValue(b);
    if (ca || cb) {
      if (!ca || !cb || a.getType() != b.getType())
        return false;
      Operation *da = a.getDefiningOp(), *db = b.getDefiningOp();
      if ((da->getName() != db->getName() ||
           da->getAttrDictionary() != db->getAttrDictionary()) &&
          !isParameter(rep, i))
        return false;
      constants.push_back({&rep->getOpOperand(i), b});
      return true;
    }
    if (backward.count(b) || !compatible(a, b))
      return false;
    mark(a, b);
    return true;
  }
};

/// Whether two constants are the same value.
bool sameConstant(Value a, Value b) {
  Operation *da = a.getDefiningOp(), *db = b.getDefiningOp();
  return a == b || (da->getName() == db->getName() &&
                    da->getAttrDictionary() == db->getAttrDictionary());
}

/// A nest of a class: its values in the places of the representative's
/// inputs, and its constants in the places of rep's constant operands.
struct Member {
  unsigned nest;
  SmallVector<Value> inputs;
  DenseMap<OpOperand *, Value> constants;
};

/// Whether `nest` computes what `rep` computes, over other outside values
/// and parameters; fills `member`.
bool sameLayer(const Nest &rep, const Nest &nest, Member &member) {
  if (rep.hash != nest.hash || rep.inputs.size() != nest.inputs.size())
    return false;
  LayerMatcher matcher;
  if (!matcher.match(rep.loop, nest.loop))
    return false;
  member.inputs.clear();
  for (Value input : rep.inputs) {
    Value mine = matcher.forward.lookup(input);
    if (!mine)
      return false;
    member.inputs.push_back(mine);
  }
  member.constants.clear();
  for (auto [use, value] : matcher.constants)
    member.constants[use] = value;
  return true;
}

/// Whether a nest that makes `call` can be shared: its callee computes
/// over its operands only, so nests of one class (which call the same
/// callee: the matcher compares them) compute alike. Calls of the shared
/// linear unit and of DATAFLOW regions stay where they are.
bool shareableCall(func::CallOp call) {
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      call, call.getCalleeAttr());
  return callee && !callee.isExternal() &&
         !callee->hasAttr(kHLSSharedUnitAttr) &&
         !callee->hasAttr(kHLSDataflowRegionAttr);
}

struct HLSShareLayers : public m3sat::impl::HLSShareLayersBase<HLSShareLayers> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> tops;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() &&
          func.getBody().hasOneBlock() && !func->hasAttr(kHLSDataflowAttr))
        tops.push_back(func);
    for (func::FuncOp top : tops)
      shareIn(top, symbols);
  }

  void shareIn(func::FuncOp top, SymbolTable &symbols) {
    // The candidates: top-level loops without results, whose calls (the
    // weight-tile steps of m3sat-hls-weight-tiles, say) can be shared.
    SmallVector<Nest> nests;
    for (auto loop : top.getBody().front().getOps<scf::ForOp>()) {
      if (loop.getNumResults() || loop->walk([&](func::CallOp call) {
                                        return shareableCall(call)
                                                   ? WalkResult::advance()
                                                   : WalkResult::interrupt();
                                      })
                                      .wasInterrupted())
        continue;
      Nest nest{loop, {}, structureHash(loop)};
      // The loop's own bounds, then what its body uses.
      llvm::SetVector<Value> above(loop->getOperands().begin(),
                                   loop->getOperands().end());
      getUsedValuesDefinedAbove(loop->getRegions(), above);
      bool ok = true;
      for (Value value : above) {
        if (isConstantValue(value))
          continue;
        if (roleOf(value) == Role::Other)
          ok = false;
        nest.inputs.push_back(value);
      }
      if (ok)
        nests.push_back(std::move(nest));
    }

    // Classes, in order of their first nest.
    struct Class {
      unsigned rep;
      SmallVector<Member> members;
    };
    SmallVector<Class> classes;
    for (unsigned i = 0; i < nests.size(); ++i) {
      Member member{i, {}, {}};
      bool placed = false;
      for (Class &cls : classes) {
        if (!sameLayer(nests[cls.rep], nests[i], member))
          continue;
        cls.members.push_back(std::move(member));
        placed = true;
        break;
      }
      if (placed)
        continue;
      Member self{i, nests[i].inputs, {}};
      nests[i].loop->walk([&](Operation *op) {
        for (OpOperand &use : op->getOpOperands())
          if (isConstantValue(use.get()) &&
              !nests[i].loop->isAncestor(use.get().getDefiningOp()))
            self.constants[&use] = use.get();
      });
      classes.push_back({i, {std::move(self)}});
    }

    for (Class &cls : classes) {
      if (cls.members.size() < 2)
        continue;
      Nest &rep = nests[cls.rep];
      // The function's arguments: each input at its largest size, then the
      // constants that differ between the nests.
      SmallVector<Type> argTypes;
      for (auto [i, input] : llvm::enumerate(rep.inputs)) {
        Type type = input.getType();
        if (auto memref = dyn_cast<MemRefType>(type);
            memref && roleOf(input) == Role::Buffer && memref.getRank() == 1) {
          int64_t size = 0;
          for (Member &member : cls.members)
            size = std::max(
                size,
                cast<MemRefType>(member.inputs[i].getType()).getDimSize(0));
          type = MemRefType::get({size}, memref.getElementType());
        }
        argTypes.push_back(type);
      }
      SmallVector<OpOperand *> parameters;
      Member &first = cls.members.front();
      rep.loop->walk([&](Operation *op) {
        for (OpOperand &use : op->getOpOperands()) {
          auto it = first.constants.find(&use);
          if (it == first.constants.end())
            continue;
          if (llvm::any_of(cls.members, [&](Member &member) {
                return !sameConstant(member.constants.lookup(&use), it->second);
              })) {
            parameters.push_back(&use);
            argTypes.push_back(use.get().getType());
          }
        }
      });
      OpBuilder b =
          OpBuilder::atBlockEnd(cast<ModuleOp>(top->getParentOp()).getBody());
      Location loc = rep.loop.getLoc();
      auto func =
          func::FuncOp::create(b, loc, (top.getSymName() + "_layer").str(),
                               b.getFunctionType(argTypes, TypeRange{}));
      func.setPrivate();
      func->setAttr(kHLSSharedLayerAttr, b.getUnitAttr());
      symbols.insert(func);
      for (auto [i, input] : llvm::enumerate(rep.inputs))
        if (Attribute weight = portKind(input); weight && isa<UnitAttr>(weight))
          func.setArgAttr(i, kHLSWeightAttr, weight);
      Block *body = func.addEntryBlock();
      b.setInsertionPointToStart(body);
      IRMapping map;
      for (auto [input, arg] : llvm::zip(rep.inputs, body->getArguments()))
        map.map(input, arg);
      // The constants the nest uses, then the nest; parameters from the
      // arguments.
      llvm::SetVector<Value> above;
      getUsedValuesDefinedAbove(rep.loop->getRegions(), above);
      for (Value value : rep.loop->getOperands())
        above.insert(value);
      for (Value value : above)
        if (isConstantValue(value))
          map.map(value, b.clone(*value.getDefiningOp())->getResult(0));
      b.clone(*rep.loop, map);
      for (auto [p, use] : llvm::enumerate(parameters)) {
        Operation *clone = map.lookup(use->getOwner());
        clone->setOperand(use->getOperandNumber(),
                          body->getArgument(rep.inputs.size() + p));
      }
      func::ReturnOp::create(b, loc);
      ++numLayers;

      // Each nest a call.
      for (Member &member : cls.members) {
        scf::ForOp loop = nests[member.nest].loop;
        OpBuilder cb(loop);
        SmallVector<Value> operands;
        for (auto [value, type] : llvm::zip(member.inputs, argTypes)) {
          if (value.getType() == type) {
            operands.push_back(value);
            continue;
          }
          auto flat = cast<MemRefType>(type);
          operands.push_back(memref::ReinterpretCastOp::create(
              cb, loop.getLoc(), flat, value, /*offset=*/0,
              ArrayRef<int64_t>{flat.getDimSize(0)}, ArrayRef<int64_t>{1}));
        }
        for (OpOperand *use : parameters)
          operands.push_back(member.constants.lookup(use));
        func::CallOp::create(cb, loop.getLoc(), func, operands);
        loop.erase();
        ++numCalls;
      }
    }
  }
};

} // namespace
