#!/usr/bin/env python3
"""Writes one opset-21 model (IR 10) with a task per newer op form, its
inputs, and ONNX Runtime's outputs for them (the differential reference).
Runs with the python3 first on PATH (onnx and onnxruntime from
scripts/setup-peers.sh), not Debian's.

Usage: make_ort_models.py OUT_DIR
Writes OUT_DIR/ops21.onnx, x.npy, img.npy, seq.npy and ref_<task>.npy.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

F32, I64 = TensorProto.FLOAT, TensorProto.INT64


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    g = np.random.default_rng(0)
    n = helper.make_node
    inits = []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def w(*shape):
        return g.standard_normal(shape).astype(np.float32)

    const("scale2", np.array([1, 1, 2, 2], np.float32))
    const("scale_half", np.array([1, 1, 0.5, 0.5], np.float32))
    const("size7", np.array([1, 4, 7, 5], np.int64))
    const("pads", np.array([0, 0, 2, 1, 0, 0, 1, 2], np.int64))
    const("lo", np.array(-0.5, np.float32))
    const("hi", np.array(0.7, np.float32))
    const("ct_w", w(4, 3, 3, 3))
    const("ct_b", w(6))
    const("bn_s", g.uniform(0.5, 1.5, 4).astype(np.float32))
    const("bn_b", w(4))
    const("bn_m", w(4) * 0.1)
    const("bn_v", g.uniform(0.5, 2, 4).astype(np.float32))
    const("gn_s", w(4))
    const("gn_b", w(4))
    const("idx", g.integers(-3, 3, (2, 3, 4)).astype(np.int64))
    const("nd_idx", np.array([[0, 1], [1, 2], [0, 1]], np.int64))
    const("nd_upd", w(3, 4))
    const("axis1", np.array(1, np.int64))
    const("k1", np.array(1, np.int64))
    const("eb", w(2, 4, 3))
    const("three", np.array(3.0, np.float32))
    const("roi", np.array([], np.float32))
    nodes = [
        n("Resize", ["img", "roi", "scale2"], ["resize_linear"],
          name="resize_linear", mode="linear",
          coordinate_transformation_mode="half_pixel", antialias=0),
        n("Resize", ["img", "", "", "size7"], ["resize_nearest"],
          name="resize_nearest", mode="nearest",
          coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        n("Resize", ["img", "", "scale_half"], ["resize_cubic_aa"],
          name="resize_cubic_aa", mode="cubic", antialias=1),
        n("Resize", ["img", "", "scale2"], ["resize_align"],
          name="resize_align", mode="linear",
          coordinate_transformation_mode="align_corners"),
        n("BatchNormalization", ["img", "bn_s", "bn_b", "bn_m", "bn_v"],
          ["batchnorm"], name="batchnorm", epsilon=1e-3),
        n("MaxPool", ["img"], ["maxpool"], name="maxpool",
          kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
          ceil_mode=1),
        n("AveragePool", ["img"], ["avgpool"], name="avgpool",
          kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 1, 1],
          count_include_pad=0),
        n("GlobalAveragePool", ["img"], ["gap"], name="gap"),
        n("Pad", ["img", "pads"], ["pad_reflect"], name="pad_reflect",
          mode="reflect"),
        n("Clip", ["x", "lo", "hi"], ["clip"], name="clip"),
        n("HardSwish", ["x"], ["hardswish"], name="hardswish"),
        n("HardSigmoid", ["x"], ["hardsigmoid"], name="hardsigmoid",
          alpha=0.3, beta=0.4),
        n("Gelu", ["x"], ["gelu_tanh"], name="gelu_tanh",
          approximate="tanh"),
        n("Gelu", ["x"], ["gelu"], name="gelu"),
        n("ConvTranspose", ["img", "ct_w", "ct_b"], ["convtranspose"],
          name="convtranspose", strides=[2, 2], pads=[1, 0, 1, 1],
          output_padding=[1, 0], group=2),
        n("GatherElements", ["x", "idx"], ["gather_elements"],
          name="gather_elements", axis=2),
        n("ScatterND", ["x2", "nd_idx", "nd_upd"], ["scatter_nd"],
          name="scatter_nd", reduction="add"),
        n("ScatterElements", ["x", "idx", "x"], ["scatter_elements"],
          name="scatter_elements", axis=2, reduction="max"),
        n("CumSum", ["x", "axis1"], ["cumsum"], name="cumsum", reverse=1,
          exclusive=1),
        n("Einsum", ["x", "eb"], ["einsum"], name="einsum",
          equation="bij,bjk->bik"),
        n("Mod", ["x", "three"], ["mod"], name="mod", fmod=1),
        n("Sign", ["x"], ["sign"], name="sign"),
        n("Trilu", ["x", "k1"], ["trilu"], name="trilu", upper=0),
        n("GroupNormalization", ["img", "gn_s", "gn_b"], ["groupnorm"],
          name="groupnorm", num_groups=2),
        n("LeakyRelu", ["x"], ["leakyrelu"], name="leakyrelu", alpha=0.1),
        n("Dropout", ["x"], ["dropout"], name="dropout"),
        n("CastLike", ["x", "idx"], ["castlike"], name="castlike"),
    ]
    outputs = [node.output[0] for node in nodes]
    graph = helper.make_graph(
        nodes, "ops21",
        [helper.make_tensor_value_info("x", F32, [2, 3, 4]),
         helper.make_tensor_value_info("x2", F32, [2, 3, 4]),
         helper.make_tensor_value_info("img", F32, [1, 4, 6, 5])],
        [helper.make_tensor_value_info(
            o, I64 if o == "castlike" else F32,
            # Shape inference does not see through GroupNormalization.
            [1, 4, 6, 5] if o == "groupnorm" else None) for o in outputs],
        inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 21)], producer_name="make_ort_models")
    model.ir_version = 10
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model)
    path = os.path.join(out, "ops21.onnx")
    onnx.save(model, path)
    feeds = {"x": w(2, 3, 4) * 2, "x2": w(2, 3, 4), "img": w(1, 4, 6, 5)}
    for name, value in feeds.items():
        np.save(os.path.join(out, name + ".npy"), value)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for name, value in zip(outputs, session.run(outputs, feeds)):
        np.save(os.path.join(out, f"ref_{name}.npy"), value)
    print(" ".join(outputs))


if __name__ == "__main__":
    main()
