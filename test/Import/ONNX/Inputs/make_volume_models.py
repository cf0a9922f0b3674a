#!/usr/bin/env python3
"""Models over volumes (N x C x D x H x W): 3-D pooling, 3-D Conv and 3-D,
grouped ConvTranspose, with a differential reference for each output.

Usage:
  make_volume_models.py torch OUT_DIR  torch.onnx.export (opset 17) of a
      small module, its input x.npy and torch's outputs ref_<name>.npy
      (Debian's Python, torch 1.13); prints the task names.
  make_volume_models.py ort OUT_DIR  an opset-21 model (IR 10) of the
      forms torch does not write (auto_pad, output_shape, dilated average
      pooling, GlobalMaxPool), ONNX Runtime's outputs as reference (the
      python3 first on PATH); prints the task names.
  make_volume_models.py reference OUT_DIR  auto_pad SAME and VALID with
      dilated pooling windows, with the ONNX reference implementation's
      outputs (the python3 first on PATH; ONNX Runtime leaves dilation out
      of SAME padding); prints the task names.
  make_volume_models.py bad OUT_DIR  models the importer must refuse.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT


def torch_models(out):
    import torch
    import torch.nn.functional as fn
    from torch import nn

    class Volume(nn.Module):
        def __init__(self):
            super().__init__()
            self.up = nn.ConvTranspose3d(4, 6, (2, 3, 3), stride=(2, 1, 2),
                                         padding=(0, 1, 1),
                                         output_padding=(1, 0, 1), groups=2,
                                         dilation=(1, 2, 1))
            self.up1 = nn.ConvTranspose3d(4, 3, 3, stride=2, padding=1,
                                          bias=False)
            self.maxp = nn.MaxPool3d((2, 3, 2), stride=(2, 1, 2),
                                     padding=(0, 1, 0), dilation=(1, 1, 2),
                                     ceil_mode=True)
            self.avgp = nn.AvgPool3d((3, 2, 3), stride=(1, 2, 2),
                                     padding=(1, 1, 1),
                                     count_include_pad=False, ceil_mode=True)
            self.conv = nn.Conv3d(4, 6, (3, 2, 3), stride=(1, 2, 2),
                                  padding=(1, 0, 1), dilation=(2, 1, 1),
                                  groups=2)
            self.conv1 = nn.Conv3d(4, 5, 3, stride=2, padding=1, bias=False)
            self.depthwise = nn.Conv3d(4, 8, (1, 3, 3), padding=(0, 1, 1),
                                       groups=4)

        def forward(self, x):
            return (self.up(x), self.up1(x), self.maxp(x), self.avgp(x),
                    fn.avg_pool3d(x, 2, padding=1, count_include_pad=True),
                    self.conv(x), self.conv1(x), self.depthwise(x))

    torch.manual_seed(0)
    model = Volume().eval()
    x = torch.randn(1, 4, 5, 6, 7)
    names = ["up", "up1", "maxp", "avgp", "avgp_pad", "conv", "conv1",
             "depthwise"]
    torch.onnx.export(model, (x,), os.path.join(out, "torch3d.onnx"),
                      input_names=["x"], output_names=names,
                      opset_version=17)
    np.save(os.path.join(out, "x.npy"), x.numpy())
    with torch.no_grad():
        for name, value in zip(names, model(x)):
            np.save(os.path.join(out, f"ref_{name}.npy"), value.numpy())
    print(" ".join(names))


def ort_models(out):
    import onnxruntime as ort
    g = np.random.default_rng(0)
    n = helper.make_node
    inits = [
        numpy_helper.from_array(
            g.standard_normal((4, 3, 3, 2, 3)).astype(np.float32), "ct_w"),
        numpy_helper.from_array(
            g.standard_normal((4, 1, 2, 2, 2)).astype(np.float32), "ct_wg"),
        numpy_helper.from_array(
            g.standard_normal((6, 2, 3, 3, 2)).astype(np.float32), "c_w")]
    nodes = [
        n("MaxPool", ["v"], ["max_same"], name="max_same",
          kernel_shape=[3, 3, 3], strides=[2, 2, 2], auto_pad="SAME_UPPER"),
        n("AveragePool", ["v"], ["avg_same"], name="avg_same",
          kernel_shape=[2, 3, 2], strides=[1, 2, 2], auto_pad="SAME_LOWER",
          count_include_pad=0),
        n("AveragePool", ["v"], ["avg_dilated"], name="avg_dilated",
          kernel_shape=[2, 2, 3], strides=[2, 1, 2], dilations=[2, 1, 1],
          pads=[1, 0, 1, 0, 1, 1], ceil_mode=1, count_include_pad=1),
        n("GlobalMaxPool", ["v"], ["gmp"], name="gmp"),
        n("ConvTranspose", ["v", "ct_w"], ["ct_shape"], name="ct_shape",
          strides=[2, 2, 1], output_shape=[9, 11, 7],
          auto_pad="SAME_UPPER"),
        n("ConvTranspose", ["v", "ct_wg"], ["ct_group"], name="ct_group",
          group=4, strides=[1, 2, 3], pads=[1, 0, 0, 0, 1, 1],
          dilations=[2, 1, 1]),
        n("Conv", ["v", "c_w"], ["conv_same"], name="conv_same", group=2,
          strides=[2, 2, 3], auto_pad="SAME_LOWER"),
    ]
    outputs = [node.output[0] for node in nodes]
    graph = helper.make_graph(
        nodes, "vol21", [helper.make_tensor_value_info("v", F32,
                                                       [1, 4, 5, 6, 7])],
        [helper.make_tensor_value_info(o, F32, None) for o in outputs],
        inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 21)], producer_name="make_volume_models")
    model.ir_version = 10
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model)
    path = os.path.join(out, "vol21.onnx")
    onnx.save(model, path)
    v = g.standard_normal((1, 4, 5, 6, 7)).astype(np.float32)
    np.save(os.path.join(out, "v.npy"), v)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for name, value in zip(outputs, session.run(outputs, {"v": v})):
        np.save(os.path.join(out, f"ref_{name}.npy"), value)
    print(" ".join(outputs))


def reference_models(out):
    from onnx.reference import ReferenceEvaluator
    g = np.random.default_rng(1)
    n = helper.make_node
    nodes = [
        n("MaxPool", ["img"], ["max_upper"], name="max_upper",
          kernel_shape=[3, 2], dilations=[2, 3], auto_pad="SAME_UPPER"),
        n("MaxPool", ["v"], ["max_upper3d"], name="max_upper3d",
          kernel_shape=[2, 3, 2], dilations=[2, 1, 3], auto_pad="SAME_UPPER"),
        n("MaxPool", ["img"], ["max_valid"], name="max_valid",
          kernel_shape=[2, 3], dilations=[3, 2], auto_pad="VALID"),
    ]
    outputs = [node.output[0] for node in nodes]
    graph = helper.make_graph(
        nodes, "same_dilated",
        [helper.make_tensor_value_info("img", F32, [1, 3, 7, 8]),
         helper.make_tensor_value_info("v", F32, [1, 2, 5, 6, 7])],
        [helper.make_tensor_value_info(o, F32, None) for o in outputs])
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 21)], producer_name="make_volume_models")
    model.ir_version = 10
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "same_dilated.onnx"))
    feeds = {"img": g.standard_normal((1, 3, 7, 8)).astype(np.float32),
             "v": g.standard_normal((1, 2, 5, 6, 7)).astype(np.float32)}
    for name, value in feeds.items():
        np.save(os.path.join(out, name + ".npy"), value)
    for name, value in zip(outputs,
                           ReferenceEvaluator(model).run(outputs, feeds)):
        np.save(os.path.join(out, f"ref_{name}.npy"), value)
    print(" ".join(outputs))


def bad_models(out):
    n = helper.make_node

    def save(name, node, shape, inits=()):
        graph = helper.make_graph(
            [node], name, [helper.make_tensor_value_info("x", F32, shape)],
            [helper.make_tensor_value_info("y", F32, None)], list(inits))
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 17)])
        onnx.save(model, os.path.join(out, name + ".onnx"))

    w = numpy_helper.from_array(np.ones((2, 2, 3, 3, 3), np.float32), "w")
    save("pool_4d", n("MaxPool", ["x"], ["y"], name="pool_4d",
                      kernel_shape=[2, 2, 2, 2]), [1, 2, 4, 4, 4, 4])
    w4 = numpy_helper.from_array(np.ones((2, 2, 3, 3, 3, 3), np.float32), "w")
    save("conv_4d", n("Conv", ["x", "w"], ["y"], name="conv_4d"),
         [1, 2, 4, 4, 4, 4], [w4])
    save("conv_pads", n("Conv", ["x", "w"], ["y"], name="conv_pads",
                        pads=[1, 1, 1, 1]), [1, 2, 4, 4, 4], [w])
    save("pool_kernel", n("AveragePool", ["x"], ["y"], name="pool_kernel",
                          kernel_shape=[2, 2]), [1, 2, 4, 4, 4])
    save("ct_strides", n("ConvTranspose", ["x", "w"], ["y"],
                         name="ct_strides", strides=[2, 2]),
         [1, 2, 4, 4, 4], [w])
    save("ct_channels", n("ConvTranspose", ["x", "w"], ["y"],
                          name="ct_channels", group=3),
         [1, 2, 4, 4, 4], [w])
    save("ct_output_shape", n("ConvTranspose", ["x", "w"], ["y"],
                              name="ct_output_shape", pads=[0] * 6,
                              output_shape=[5, 6, 7]),
         [1, 2, 4, 4, 4], [w])


def main():
    mode, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    {"torch": torch_models, "ort": ort_models, "reference": reference_models,
     "bad": bad_models}[mode](out)


if __name__ == "__main__":
    main()
