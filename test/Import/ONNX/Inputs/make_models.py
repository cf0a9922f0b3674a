#!/usr/bin/env python3
"""Writes the small ONNX models of the importer's lit tests.

Usage: make_models.py OUT_DIR FAMILY...   (families: see MODELS below)

Each family writes one or more OUT_DIR/<name>.onnx (plus external data or
deliberately broken files). Weights are seeded so the output is stable.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT
I64 = TensorProto.INT64


def rng():
    return np.random.default_rng(0)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def save(out, name, nodes, inputs, outputs, inits=(), opset=17,
         extra_opsets=(), metadata=None):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    opsets = [helper.make_opsetid("", opset)] + [
        helper.make_opsetid(d, v) for d, v in extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets,
                              producer_name="make_models")
    model.ir_version = 8
    if metadata is not None:
        helper.set_model_props(model, metadata)
    path = os.path.join(out, name + ".onnx")
    onnx.save(model, path)
    return model, path


def elementwise(out):
    g = rng()
    n = helper.make_node
    nodes = [
        n("Add", ["x", "bias"], ["add"], name="add_bcast"),
        n("Sub", ["x", "y"], ["sub"], name="sub"),
        n("Mul", ["x", "two"], ["mul"], name="mul_scalar"),
        n("Div", ["x", "y"], ["div"], name="div"),
        n("Pow", ["x", "two"], ["pow2"], name="pow_square"),
        n("Pow", ["x", "y"], ["pow"], name="pow_general"),
        n("Sqrt", ["x"], ["sqrt"], name="sqrt"),
        n("Erf", ["x"], ["erf"], name="erf"),
        n("Tanh", ["x"], ["tanh"], name="tanh"),
        n("Relu", ["x"], ["relu"], name="relu"),
        n("Sigmoid", ["x"], ["sigmoid"], name="sigmoid"),
        n("Exp", ["x"], ["exp"], name="exp"),
        n("Neg", ["x"], ["neg"], name="neg"),
        n("Reciprocal", ["x"], ["recip"], name="recip"),
        n("Identity", ["x"], ["ident"], name="ident"),
        n("Cast", ["x"], ["cast"], name="cast_to_int", to=I64),
        n("Equal", ["x", "y"], ["eq"], name="equal"),
        n("Where", ["eq", "x", "two"], ["where"], name="where"),
    ]
    outs = ["add", "sub", "mul", "div", "pow2", "pow", "sqrt", "erf", "tanh",
            "relu", "sigmoid", "exp", "neg", "recip", "ident", "cast", "where"]
    out_info = [vi(o, I64 if o == "cast" else F32, None) for o in outs]
    save(out, "elementwise", nodes,
         [vi("x", F32, [2, 3, 4]), vi("y", F32, [3, 1])], out_info,
         [init("bias", g.standard_normal(4).astype(np.float32)),
          init("two", np.array(2.0, dtype=np.float32))])


def matmul(out):
    g = rng()
    n = helper.make_node
    w = g.standard_normal((5, 6)).astype(np.float32)
    nodes = [
        n("MatMul", ["a", "w"], ["mm2d"], name="mm_2d"),
        n("MatMul", ["b", "w"], ["mm_weights"], name="mm_batched_weights"),
        n("MatMul", ["b", "c"], ["mm_bcast"], name="mm_batched_bcast"),
        n("MatMul", ["v", "w"], ["mm_vec"], name="mm_vector"),
        n("Gemm", ["a", "wt", "bias"], ["gemm"], name="gemm_transB",
          transB=1, alpha=0.5, beta=2.0),
        n("Gemm", ["at", "w"], ["gemm_ta"], name="gemm_transA", transA=1),
    ]
    save(out, "matmul", nodes,
         [vi("a", F32, [4, 5]), vi("b", F32, [2, 3, 4, 5]),
          vi("c", F32, [3, 5, 6]), vi("v", F32, [5]), vi("at", F32, [5, 4])],
         [vi(o, F32, None) for o in
          ["mm2d", "mm_weights", "mm_bcast", "mm_vec", "gemm", "gemm_ta"]],
         [init("w", w), init("wt", w.T.copy()),
          init("bias", g.standard_normal(6).astype(np.float32))])


def constants(out):
    n = helper.make_node
    # Typed fields instead of raw_data, and Constant node flavours.
    typed = helper.make_tensor("typed", F32, [2], [1.5, -2.0])
    ints = helper.make_tensor("ints", I64, [2], [8, 4])
    big = np.arange(32, dtype=np.float32).reshape(4, 8)
    nodes = [
        n("Constant", [], ["c_big"], name="const_big",
          value=numpy_helper.from_array(big)),
        n("Constant", [], ["c_scalar"], name="const_scalar", value_float=0.25),
        n("Add", ["x", "c_big"], ["y"], name="add_big"),
        n("Mul", ["y", "c_scalar"], ["z"], name="mul_scalar"),
        n("Add", ["z", "w"], ["out"], name="add_weight"),
        n("Add", ["pair", "typed"], ["out2"], name="add_typed"),
        n("Reshape", ["out", "ints"], ["out3"], name="reshape_typed"),
    ]
    save(out, "constants", nodes,
         [vi("x", F32, [4, 8]), vi("pair", F32, [2])],
         [vi("out", F32, [4, 8]), vi("out2", F32, [2]),
          vi("out3", F32, None)],
         [init("w", np.full((4, 8), 0.5, dtype=np.float32)), typed, ints])

    # Weights in external data files; the second tensor sits at an offset.
    w1 = np.arange(24, dtype=np.float32).reshape(4, 6)
    w2 = np.arange(24, 48, dtype=np.float32).reshape(6, 4)
    if os.path.exists(os.path.join(out, "external.bin")):
        os.remove(os.path.join(out, "external.bin"))  # onnx appends to it
    model, path = save(out, "external",
                       [n("MatMul", ["x", "w1"], ["h"], name="mm1"),
                        n("MatMul", ["h", "w2"], ["y"], name="mm2")],
                       [vi("x", F32, [2, 4])], [vi("y", F32, [2, 4])],
                       [init("w1", w1), init("w2", w2)])
    onnx.save_model(model, path, save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external.bin",
                    size_threshold=0)
    # Missing and short external data files.
    model = onnx.load(path, load_external_data=False)
    for entry in model.graph.initializer[1].external_data:
        if entry.key == "location":
            entry.value = "missing.bin"
    onnx.save(model, os.path.join(out, "external_missing.onnx"))
    model = onnx.load(path, load_external_data=False)
    for entry in model.graph.initializer[1].external_data:
        if entry.key == "offset":
            entry.value = "100000"
    onnx.save(model, os.path.join(out, "external_short.onnx"))

    save(out, "metadata", [n("Relu", ["x"], ["y"], name="relu")],
         [vi("x", F32, [2])], [vi("y", F32, [2])], opset=13,
         metadata={"m3sat": '{"version": 1, "tasks": {"y": {"index": 0, "outputs": ["y"]}}}'})

    # A truncated model and a file that is not ONNX.
    with open(os.path.join(out, "external.onnx"), "rb") as f:
        data = f.read()
    with open(os.path.join(out, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(out, "garbage.onnx"), "wb") as f:
        f.write(b"this is not a protobuf at all\n" * 3)


def shapes(out):
    g = rng()
    n = helper.make_node
    nodes = [
        # torch's shape arithmetic: Shape -> Gather -> Unsqueeze -> Concat.
        n("Shape", ["x"], ["shape"], name="shape"),
        n("Gather", ["shape", "zero_s"], ["batch"], name="gather_dim", axis=0),
        n("Unsqueeze", ["batch", "axes0"], ["batch1"], name="unsqueeze_dim"),
        n("Concat", ["batch1", "minus1"], ["newshape"], name="concat_shape",
          axis=0),
        n("Reshape", ["x", "newshape"], ["flat"], name="reshape_chain"),
        n("Reshape", ["x", "zero_shape"], ["r0"], name="reshape_zero"),
        n("Transpose", ["x"], ["t"], name="transpose", perm=[2, 0, 1]),
        n("Flatten", ["x"], ["f"], name="flatten", axis=2),
        n("Unsqueeze", ["x", "axes0"], ["u"], name="unsqueeze"),
        n("Squeeze", ["u", "axes0"], ["s"], name="squeeze"),
        n("Concat", ["x", "x"], ["cat"], name="concat", axis=-1),
        n("Slice", ["x", "starts", "ends", "axes", "steps"], ["sl"],
          name="slice_steps"),
        n("Slice", ["x", "zero", "one"], ["sl1"], name="slice_unit"),
        n("Split", ["x", "split"], ["sp0", "sp1"], name="split", axis=2),
        n("Gather", ["x", "idx"], ["gc"], name="gather_const", axis=1),
        n("Gather", ["emb", "tokens"], ["gd"], name="gather_dynamic"),
        n("ConstantOfShape", ["shape"], ["cos"], name="const_of_shape",
          value=numpy_helper.from_array(np.array([1.5], dtype=np.float32))),
        n("Add", ["x", "cos"], ["xcos"], name="add_cos"),
        n("Expand", ["row", "shape"], ["ex"], name="expand"),
        n("Range", ["zero_s", "five", "one_s"], ["rng"], name="range"),
        n("Cast", ["rng"], ["rngf"], name="cast_range", to=F32),
        n("Add", ["row5", "rngf"], ["row_plus"], name="add_range"),
    ]
    save(out, "shapes", nodes,
         [vi("x", F32, [2, 3, 4]), vi("tokens", I64, [2, 5]),
          vi("row", F32, [4]), vi("row5", F32, [5])],
         [vi(o, F32, None) for o in
          ["flat", "r0", "t", "f", "s", "cat", "sl", "sl1", "sp0", "sp1",
           "gc", "gd", "xcos", "ex", "row_plus"]],
         [init("zero", np.array([0], dtype=np.int64)),
          init("one", np.array([1], dtype=np.int64)),
          init("axes0", np.array([0], dtype=np.int64)),
          init("minus1", np.array([-1], dtype=np.int64)),
          init("zero_shape", np.array([0, 12], dtype=np.int64)),
          init("starts", np.array([-1, 0], dtype=np.int64)),
          init("ends", np.array([-1000, 4], dtype=np.int64)),
          init("axes", np.array([1, 2], dtype=np.int64)),
          init("steps", np.array([-1, 2], dtype=np.int64)),
          init("split", np.array([1, 3], dtype=np.int64)),
          init("idx", np.array([2, -3], dtype=np.int64)),
          init("emb", g.standard_normal((10, 8)).astype(np.float32)),
          init("zero_s", np.array(0, dtype=np.int64)),
          init("five", np.array(5, dtype=np.int64)),
          init("one_s", np.array(1, dtype=np.int64))])
    # Gathers of consecutive constant indices are slices: q of a fused qkv
    # (a scalar index) and a run of two along the last axis.
    save(out, "gather_slice",
         [n("Gather", ["x", "one_s"], ["q"], name="gather_q", axis=0),
          n("Gather", ["x", "run"], ["r"], name="gather_run", axis=-1)],
         [vi("x", F32, [3, 2, 4])], [vi("q", F32, None), vi("r", F32, None)],
         [init("one_s", np.array(1, dtype=np.int64)),
          init("run", np.array([-3, 2], dtype=np.int64))])
    # Opset 11: axes and splits as attributes.
    save(out, "shapes_opset11",
         [n("Unsqueeze", ["x"], ["u"], name="unsqueeze11", axes=[0, 3]),
          n("Squeeze", ["u"], ["s"], name="squeeze11", axes=[0]),
          n("Split", ["s"], ["a", "b"], name="split11", axis=1, split=[1, 2]),
          n("ReduceSum", ["x"], ["rs"], name="reducesum11", axes=[1],
            keepdims=0),
          n("Softmax", ["x"], ["sm"], name="softmax11")],
         [vi("x", F32, [2, 3])],
         [vi(o, F32, None) for o in ["a", "b", "rs", "sm"]], opset=11)


def nn(out):
    g = rng()
    n = helper.make_node
    d = 8
    scale = g.standard_normal(d).astype(np.float32)
    bias = g.standard_normal(d).astype(np.float32)
    nodes = [
        n("Softmax", ["x"], ["sm"], name="softmax", axis=1),
        n("LayerNormalization", ["x", "scale", "bias"], ["ln"],
          name="layernorm", epsilon=1e-6),
        # The expanded form torch emits below opset 17.
        n("ReduceMean", ["x", "last"], ["mean"], name="ln_mean"),
        n("Sub", ["x", "mean"], ["xc"], name="ln_sub"),
        n("Pow", ["xc", "two"], ["sq"], name="ln_pow"),
        n("ReduceMean", ["sq", "last"], ["var"], name="ln_var"),
        n("Add", ["var", "eps"], ["vare"], name="ln_add_eps"),
        n("Sqrt", ["vare"], ["std"], name="ln_sqrt"),
        n("Div", ["xc", "std"], ["norm"], name="ln_div"),
        n("Mul", ["norm", "scale"], ["scaled"], name="ln_mul"),
        n("Add", ["scaled", "bias"], ["ln2"], name="ln_add_bias"),
        n("ReduceSum", ["x", "last"], ["rsum"], name="reducesum",
          keepdims=0),
    ]
    save(out, "nn", nodes, [vi("x", F32, [2, 3, d])],
         [vi(o, F32, None) for o in ["sm", "ln", "ln2", "rsum"]],
         [init("scale", scale), init("bias", bias),
          init("last", np.array([-1], dtype=np.int64)),
          init("two", np.array(2.0, dtype=np.float32)),
          init("eps", np.array(1e-6, dtype=np.float32))], opset=18)


def moe_node(domain, name, inputs, **attrs):
    return helper.make_node("MoE", inputs, ["y"], name=name, domain=domain,
                            **attrs)


def moe(out):
    g = rng()
    e, d, h = 4, 8, 16

    def w(*shape):
        return g.standard_normal(shape).astype(np.float32)

    save(out, "moe_m3sat",
         [moe_node("m3sat", "moe0",
                   ["x", "logits", "fc1", "fc1_b", "fc2", "fc2_b"], k=2,
                   activation_type="gelu", normalize_routing_weights=1)],
         [vi("x", F32, [6, d]), vi("logits", F32, [6, e])],
         [vi("y", F32, [6, d])],
         [init("fc1", w(e, h, d)), init("fc1_b", w(e, h)),
          init("fc2", w(e, d, h)), init("fc2_b", w(e, d))],
         extra_opsets=[("m3sat", 1)])
    # ONNX Runtime's contrib op, older transposed layout, no biases.
    save(out, "moe_ort_old",
         [moe_node("com.microsoft", "moe_ort", ["x", "logits", "fc1", "",
                                                "fc2"],
                   activation_type="silu")],
         [vi("x", F32, [1, 6, d]), vi("logits", F32, [1, 6, e])],
         [vi("y", F32, [1, 6, d])],
         [init("fc1", w(e, d, h)), init("fc2", w(e, h, d))],
         extra_opsets=[("com.microsoft", 1)])
    # Bad fc2 shape and a bad activation.
    save(out, "moe_bad_shape",
         [moe_node("m3sat", "moe_bad", ["x", "logits", "fc1", "", "fc2"])],
         [vi("x", F32, [6, d]), vi("logits", F32, [6, e])],
         [vi("y", F32, [6, d])],
         [init("fc1", w(e, h, d)), init("fc2", w(e, h, h))],
         extra_opsets=[("m3sat", 1)])
    save(out, "moe_bad_act",
         [moe_node("m3sat", "moe_act", ["x", "logits", "fc1", "", "fc2"],
                   activation_type="swish")],
         [vi("x", F32, [6, d]), vi("logits", F32, [6, e])],
         [vi("y", F32, [6, d])],
         [init("fc1", w(e, h, d)), init("fc2", w(e, d, h))],
         extra_opsets=[("m3sat", 1)])
    dh = 4
    save(out, "moa",
         [helper.make_node("MoAttention",
                           ["x", "logits", "wq", "wk", "wv", "wo", "bo"],
                           ["y"], name="moa0", domain="m3sat", k=2,
                           scale=0.5)],
         [vi("x", F32, [1, 6, d]), vi("logits", F32, [1, 6, e])],
         [vi("y", F32, [1, 6, d])],
         [init("wq", w(e, dh, d)), init("wk", w(dh, d)), init("wv", w(dh, d)),
          init("wo", w(e, d, dh)), init("bo", w(d))],
         extra_opsets=[("m3sat", 1)])


def errors(out):
    n = helper.make_node
    g = rng()
    save(out, "unsupported",
         [n("Foo", ["x"], ["a"], name="foo1"),
          n("Relu", ["a"], ["b"], name="relu"),
          n("Foo", ["b"], ["c"], name="foo2"),
          n("Bar", ["c"], ["d"], name="bar1", domain="com.example"),
          n("LSTM", ["d"], ["y"], name="lstm")],
         [vi("x", F32, [2])], [vi("y", F32, [2])],
         extra_opsets=[("com.example", 1)])
    save(out, "gemm_bad",
         [n("Gemm", ["a", "b"], ["y"], name="Gemm_3")],
         [vi("a", F32, [2, 3])], [vi("y", F32, None)],
         [init("b", g.standard_normal((4, 5)).astype(np.float32))])
    save(out, "symbolic",
         [n("Relu", ["x"], ["y"], name="relu")],
         [vi("x", F32, ["batch", 3])], [vi("y", F32, None)])
    save(out, "attr_type",
         [n("Softmax", ["x"], ["y"], name="softmax_bad", axis=1.5)],
         [vi("x", F32, [2, 3])], [vi("y", F32, None)])
    save(out, "missing_input",
         [n("Gemm", ["a"], ["y"], name="gemm_one")],
         [vi("a", F32, [2, 3])], [vi("y", F32, None)])
    save(out, "dynamic_shape",
         [n("Reshape", ["x", "s"], ["y"], name="reshape_dyn")],
         [vi("x", F32, [2, 3]), vi("s", I64, [2])], [vi("y", F32, None)])
    save(out, "reshape_bad",
         [n("Reshape", ["x", "s"], ["y"], name="reshape_bad")],
         [vi("x", F32, [2, 3])], [vi("y", F32, None)],
         [init("s", np.array([4, -1], dtype=np.int64))])
    save(out, "rank_mismatch",
         [n("Add", ["x", "z"], ["y"], name="add_bad")],
         [vi("x", F32, [2, 3]), vi("z", F32, [4])], [vi("y", F32, None)])


def indexing(out):
    n = helper.make_node
    save(out, "indexing",
         [n("TopK", ["x", "k"], ["v", "i"], name="topk", axis=1),
          n("TopK", ["x", "k"], ["vs", "is"], name="topk_smallest", axis=1,
            largest=0),
          n("OneHot", ["idx", "depth", "vals"], ["oh"], name="onehot"),
          n("ArgMax", ["x"], ["am"], name="argmax", axis=1, keepdims=0)],
         [vi("x", F32, [2, 5]), vi("idx", I64, [3])],
         [vi("v", F32, None), vi("i", I64, None), vi("vs", F32, None),
          vi("is", I64, None), vi("oh", F32, None), vi("am", I64, None)],
         [init("k", np.array([2], dtype=np.int64)),
          init("depth", np.array(4, dtype=np.int64)),
          init("vals", np.array([0.0, 3.0], dtype=np.float32))])


def prune(out):
    """Two task heads over a shared trunk; the `words` head holds an op
    the importer rejects (and unnamed nodes, named by position)."""
    import json
    g = rng()
    n = helper.make_node
    w = g.standard_normal((4, 3)).astype(np.float32)
    nodes = [n("Relu", ["x"], ["h"], name="trunk"),
             n("MatMul", ["h", "w"], ["score"], name="score_head"),
             n("Neg", ["score"], ["s2"]),
             n("Exp", ["h"], ["e"]),
             n("Bar", ["e"], ["words"], domain="com.example")]
    tasks = {"score": {"index": 0, "outputs": ["score"]},
             "words": {"index": 1, "outputs": ["words"]}}
    save(out, "prune", nodes, [vi("x", F32, [2, 4])],
         [vi("score", F32, [2, 3]), vi("words", F32, None)], [init("w", w)],
         extra_opsets=[("com.example", 1)],
         metadata={"m3sat": json.dumps({"tasks": tasks})})
    # Without metadata each graph output is a task of its own name.
    save(out, "prune_plain", nodes, [vi("x", F32, [2, 4])],
         [vi("score", F32, [2, 3]), vi("words", F32, None)], [init("w", w)],
         extra_opsets=[("com.example", 1)])
    x = g.standard_normal((2, 4)).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "score_ref.npy"), np.maximum(x, 0) @ w)


MODELS = {"indexing": indexing, "elementwise": elementwise, "matmul": matmul,
          "constants": constants, "shapes": shapes, "nn": nn, "moe": moe,
          "errors": errors, "prune": prune}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for family in sys.argv[2:]:
        if family == "torch":
            from make_torch_model import make_torch_block
            make_torch_block(out)
        elif family == "conv":
            conv(out)
        else:
            MODELS[family](out)


def conv(out):
    """Conv models, with torch's results on a sample input as reference."""
    import torch
    import torch.nn.functional as fn
    g = rng()
    n = helper.make_node

    def w(*shape):
        return g.standard_normal(shape).astype(np.float32)

    weights = {"patch_w": w(8, 3, 4, 4), "patch_b": w(8), "w3": w(5, 3, 3, 3),
               "wg": w(6, 1, 3, 3), "w2g": w(4, 2, 3, 3), "w1d": w(2, 3, 3)}
    save(out, "conv",
         [n("Conv", ["img", "patch_w", "patch_b"], ["patches"],
            name="patch_embed", kernel_shape=[4, 4], strides=[4, 4]),
          n("Conv", ["img", "w3"], ["c3"], name="conv_pad",
            pads=[1, 1, 1, 1], strides=[2, 2]),
          n("Conv", ["img", "wg"], ["cg"], name="conv_depthwise", group=3,
            pads=[1, 1, 1, 1]),
          n("Conv", ["img4", "w2g"], ["c2g"], name="conv_group", group=2,
            dilations=[2, 2], auto_pad="SAME_UPPER"),
          n("Conv", ["seq", "w1d"], ["c1d"], name="conv_1d", pads=[1, 1])],
         [vi("img", F32, [1, 3, 16, 16]), vi("img4", F32, [1, 4, 8, 8]),
          vi("seq", F32, [1, 3, 10])],
         [vi(o, F32, None) for o in ["patches", "c3", "cg", "c2g", "c1d"]],
         [init(k, v) for k, v in weights.items()])
    t = {k: torch.from_numpy(v) for k, v in weights.items()}
    img, img4, seq = w(1, 3, 16, 16), w(1, 4, 8, 8), w(1, 3, 10)
    for name, value in [("img", img), ("img4", img4), ("seq", seq)]:
        np.save(os.path.join(out, name + ".npy"), value)
    img, img4, seq = map(torch.from_numpy, (img, img4, seq))
    refs = {
        "patches": fn.conv2d(img, t["patch_w"], t["patch_b"], stride=4),
        "c3": fn.conv2d(img, t["w3"], padding=1, stride=2),
        "cg": fn.conv2d(img, t["wg"], padding=1, groups=3),
        "c2g": fn.conv2d(img4, t["w2g"], padding=2, dilation=2, groups=2),
        "c1d": fn.conv1d(seq, t["w1d"], padding=1)}
    for name, value in refs.items():
        np.save(os.path.join(out, name + "_ref.npy"), value.numpy())


if __name__ == "__main__":
    main()
