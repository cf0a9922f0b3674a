"""ScatterElements models whose data is a task argument: a 64x16 constant
(outlined into a weight, which the task reads from the read-only bundle
mapping) and a graph input (the caller's buffer). Writes scatter_weight.onnx,
scatter_input.onnx, x.npy, u.npy and the NumPy references.

Run with Debian's /usr/bin/python3 (onnx, numpy)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(3)
rows, cols = 64, 16
indices = rng.integers(0, rows, size=(8, cols)).astype(np.int64)
updates = rng.standard_normal((8, cols)).astype(np.float32)
data = rng.standard_normal((rows, cols)).astype(np.float32)


def reference(base, upd):
    result = base.copy()
    for i in range(indices.shape[0]):
        for j in range(cols):
            result[indices[i, j], j] = upd[i, j]
    return result


def save(name, inputs, initializers):
    node = helper.make_node("ScatterElements", ["data", "indices", "u"], ["y"],
                            axis=0, name="scatter")
    graph = helper.make_graph(
        [node], name, inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, cols])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name + ".onnx"))


u_info = helper.make_tensor_value_info("u", TensorProto.FLOAT, [8, cols])
idx = numpy_helper.from_array(indices, "indices")
save("scatter_weight", [u_info], [numpy_helper.from_array(data, "data"), idx])
save("scatter_input",
     [helper.make_tensor_value_info("data", TensorProto.FLOAT, [rows, cols]),
      u_info], [idx])
np.save(os.path.join(out, "u.npy"), updates)
np.save(os.path.join(out, "x.npy"), data)
np.save(os.path.join(out, "ref.npy"), reference(data, updates))
