#!/usr/bin/env python3
"""Models with tensor sequences, and their reference outputs.

  make_sequence_models.py ort OUT_DIR OPSET
      (python3 first on PATH: onnx, onnxruntime) one model seq<OPSET>.onnx
      with a task per sequence form (SplitToSequence with no split, one
      size or sizes, keepdims 0/1; SequenceConstruct, SequenceInsert,
      SequenceErase, SequenceEmpty, SequenceAt with negative positions,
      SequenceLength, ConcatFromSequence with and without new_axis,
      Identity of a sequence at opset >= 14), its inputs, and ONNX
      Runtime's outputs as ref_<task>.npy. Prints the task names.
  make_sequence_models.py torch OUT_DIR
      (Debian's /usr/bin/python3: torch 1.13) a scripted module whose
      export keeps torch.split / torch.chunk / torch.unbind as sequences
      (SplitToSequence, ConcatFromSequence, SequenceAt, SequenceLength),
      written as scripted.onnx with x.npy and torch's ref_<output>.npy.
      Prints the output names.
  make_sequence_models.py errors OUT_DIR
      (any python3 with onnx) models that must fail: split sizes from a
      graph input, a sequence as a graph output, a position out of range,
      NonZero of a computed mask.
"""
import os
import sys

import numpy as np


def ort_models(out, opset):
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    g = np.random.default_rng(opset)
    n = helper.make_node
    inits = []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    const("two", np.array(2, np.int64))
    const("sizes", np.array([1, 3, 1], np.int64))
    const("m1", np.array(-1, np.int64))
    const("m2", np.array(-2, np.int64))
    const("one", np.array(1, np.int64))
    const("zero", np.array(0, np.int64))
    nodes = [
        # Pieces of one along axis 1, squeezed, stacked back on axis -1.
        n("SplitToSequence", ["x"], ["s_unbind"], axis=1, keepdims=0),
        n("ConcatFromSequence", ["s_unbind"], ["stack_last"], axis=-1,
          new_axis=1),
        # The same pieces concatenated on axis 0.
        n("ConcatFromSequence", ["s_unbind"], ["cat0"], axis=0),
        # Pieces of 2 (the last one 1) along axis 2, concatenated back.
        n("SplitToSequence", ["x", "two"], ["s_two"], axis=2),
        n("ConcatFromSequence", ["s_two"], ["cat2"], axis=2),
        n("SequenceAt", ["s_two", "m1"], ["last_piece"]),
        # Sizes [1, 3, 1] along axis 1; the middle one.
        n("SplitToSequence", ["x", "sizes"], ["s_sizes"], axis=-2),
        n("SequenceAt", ["s_sizes", "one"], ["middle"]),
        n("SequenceLength", ["s_sizes"], ["len3"]),
        n("Cast", ["len3"], ["len3f"], to=TensorProto.FLOAT),
        n("Mul", ["middle", "len3f"], ["scaled"]),
        # Construct, insert at the front, erase the second, concat on 1.
        n("SequenceConstruct", ["y", "y2"], ["s_yy"]),
        n("SequenceInsert", ["s_yy", "y2", "zero"], ["s_ins"]),
        n("SequenceErase", ["s_ins", "m2"], ["s_erased"]),
        n("ConcatFromSequence", ["s_erased"], ["built"], axis=1),
        # An empty sequence grown by SequenceInsert, stacked on axis 0.
        n("SequenceEmpty", [], ["s_empty"], dtype=TensorProto.FLOAT),
        n("SequenceInsert", ["s_empty", "y"], ["s_one"]),
        n("SequenceInsert", ["s_one", "y2"], ["s_pair"]),
        n("ConcatFromSequence", ["s_pair"], ["stacked"], axis=0, new_axis=1),
        # Known pieces fold: a constant split and its parts.
        n("SplitToSequence", ["sizes"], ["s_known"], keepdims=0),
        n("SequenceAt", ["s_known", "one"], ["three"]),
        n("Cast", ["three"], ["threef"], to=TensorProto.FLOAT),
        n("Mul", ["y", "threef"], ["times_known"]),
    ]
    if opset >= 14:
        nodes += [n("Identity", ["s_two"], ["s_same"]),
                  n("SequenceAt", ["s_same", "zero"], ["first_piece"])]
    shapes = {"stack_last": [2, 3, 5], "cat0": [10, 3], "cat2": [2, 5, 3],
              "last_piece": [2, 5, 1], "scaled": [2, 3, 3], "built": [3, 8],
              "stacked": [2, 3, 4], "times_known": [3, 4]}
    if opset >= 14:
        shapes["first_piece"] = [2, 5, 2]
    outputs = list(shapes)
    graph = helper.make_graph(
        nodes, f"seq{opset}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5, 3]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 4]),
         helper.make_tensor_value_info("y2", TensorProto.FLOAT, [3, 4])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, shape)
         for o, shape in shapes.items()],
        inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", opset)], producer_name="make_sequence_models")
    model.ir_version = 10 if opset >= 21 else 7
    onnx.checker.check_model(model)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"seq{opset}.onnx")
    onnx.save(model, path)
    feeds = {"x": g.standard_normal((2, 5, 3)).astype(np.float32),
             "y": g.standard_normal((3, 4)).astype(np.float32),
             "y2": g.standard_normal((3, 4)).astype(np.float32)}
    for name, value in feeds.items():
        np.save(os.path.join(out, name + ".npy"), value)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for name, value in zip(outputs, session.run(outputs, feeds)):
        np.save(os.path.join(out, f"ref_{name}.npy"), value)
    print(" ".join(outputs))


def torch_model(out):
    import torch

    class Pieces(torch.nn.Module):
        def forward(self, x):
            parts = torch.split(x, 2, dim=1)
            joined = torch.cat(parts, dim=1)
            stacked = torch.stack(torch.unbind(x, dim=1), dim=0)
            halves = torch.cat(torch.chunk(x, 2, dim=2), dim=0)
            return joined, stacked, halves, parts[1] * len(parts)

    os.makedirs(out, exist_ok=True)
    model = torch.jit.script(Pieces())
    x = torch.randn(2, 5, 6, generator=torch.Generator().manual_seed(3))
    names = ["joined", "stacked", "halves", "scaled"]
    torch.onnx.export(model, (x,), os.path.join(out, "scripted.onnx"),
                      opset_version=17, input_names=["x"],
                      output_names=names)
    np.save(os.path.join(out, "x.npy"), x.numpy())
    with torch.no_grad():
        for name, value in zip(names, model(x)):
            np.save(os.path.join(out, f"ref_{name}.npy"), value.numpy())
    print(" ".join(names))


def error_models(out):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    n = helper.make_node
    os.makedirs(out, exist_ok=True)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    idx = numpy_helper.from_array(np.array(5, np.int64), "five")

    def save(name, nodes, inputs, outputs, inits=()):
        graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.save(model, os.path.join(out, name + ".onnx"))

    save("split_input",
         [n("SplitToSequence", ["x", "s"], ["seq"], name="split", axis=1),
          n("ConcatFromSequence", ["seq"], ["y"], name="cat", axis=0)],
         [x, helper.make_tensor_value_info("s", TensorProto.INT64, [2])],
         [y])
    save("seq_output",
         [n("SplitToSequence", ["x"], ["y"], name="split", axis=1)],
         [x], [helper.make_tensor_value_info(
             "y", TensorProto.UNDEFINED, None)])
    save("position",
         [n("SplitToSequence", ["x"], ["seq"], name="split", axis=0),
          n("SequenceAt", ["seq", "five"], ["y"], name="at")],
         [x], [y], [idx])
    save("keepdims",
         [n("SplitToSequence", ["x", "two"], ["seq"], name="split", axis=1,
            keepdims=0),
          n("ConcatFromSequence", ["seq"], ["y"], name="cat", axis=0)],
         [x], [y], [numpy_helper.from_array(np.array(2, np.int64), "two")])
    save("seq_to_tensor_op",
         [n("SplitToSequence", ["x"], ["seq"], name="split", axis=0),
          n("Relu", ["seq"], ["y"], name="relu")],
         [x], [y])
    save("nonzero",
         [n("Greater", ["x", "zero"], ["mask"], name="positive"),
          n("NonZero", ["mask"], ["y"], name="nz")],
         [x], [helper.make_tensor_value_info("y", TensorProto.INT64, None)],
         [numpy_helper.from_array(np.array(0, np.float32), "zero")])
    save("nonzero_known",
         [n("NonZero", ["known"], ["nz"], name="nz"),
          n("Cast", ["nz"], ["nzf"], to=TensorProto.FLOAT),
          n("ReduceSum", ["nzf"], ["s"], keepdims=1),
          n("Add", ["x", "s"], ["y"])],
         [x], [y],
         [numpy_helper.from_array(np.array([[1, 0, 2], [0, 3, 0]], np.int64),
                                  "known")])


def main():
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "ort":
        ort_models(out, int(sys.argv[3]))
    elif kind == "torch":
        torch_model(out)
    else:
        error_models(out)


if __name__ == "__main__":
    main()
