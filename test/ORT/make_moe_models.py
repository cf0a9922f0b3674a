#!/usr/bin/env python3
"""Small com.microsoft::MoE models for the importer tests: the forms ONNX
Runtime defines (gelu, swiglu with each swiglu_fusion, fc3, sparse mixer,
router_probs [B*S, E]) and one bad model per diagnostic. Needs onnx and
numpy (either python3).

Usage: make_moe_models.py OUT_DIR
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

E, H, D, T = 4, 6, 8, 5


def weights(name, *shape):
    rng = np.random.default_rng(sum(name.encode()))
    return numpy_helper.from_array(
        rng.standard_normal(shape).astype(np.float32), name)


def model(out, name, inputs, attrs, x_shape=(T, D), r_shape=(T, E),
          inits=None):
    node = helper.make_node("MoE", inputs, ["y"], name=name,
                            domain="com.microsoft", **attrs)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape)),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                       list(r_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(x_shape))],
        inits)
    m = helper.make_model(graph, ir_version=8, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    save(m, os.path.join(out, name + ".onnx"))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    plain = [weights("fc1", E, H, D), weights("fc2", E, D, H)]
    fused = [weights("fc1", E, 2 * H, D), weights("fc1_b", E, 2 * H),
             weights("fc2", E, D, H)]
    gated = plain + [weights("fc3", E, H, D), weights("fc3_b", E, H)]
    ffn = ["x", "logits", "fc1", "", "fc2"]
    model(out, "gelu", ffn, {"activation_type": "gelu", "k": 2},
          x_shape=(1, T, D), r_shape=(T, E), inits=plain)
    for fusion in (1, 2):
        model(out, f"swiglu{fusion}", ["x", "logits", "fc1", "fc1_b", "fc2"],
              {"activation_type": "swiglu", "swiglu_fusion": fusion,
               "swiglu_limit": 7.0, "activation_alpha": 1.702,
               "activation_beta": 1.0}, inits=fused)
    model(out, "swiglu0", ffn + ["", "fc3", "fc3_b"],
          {"activation_type": "swiglu", "swiglu_fusion": 0}, inits=gated)
    model(out, "gated_silu", ffn + ["", "fc3"],
          {"activation_type": "silu"}, inits=gated)
    model(out, "sparse_mixer", ffn,
          {"activation_type": "relu", "k": 2, "use_sparse_mixer": 1},
          inits=plain)

    # One diagnostic each.
    model(out, "bad_fusion", ffn, {"activation_type": "swiglu",
                                   "swiglu_fusion": 3}, inits=fused)
    model(out, "bad_act", ffn, {"activation_type": "swish"}, inits=plain)
    model(out, "bad_mixer", ffn, {"use_sparse_mixer": 1, "k": 1}, inits=plain)
    model(out, "bad_no_fc3", ffn, {"activation_type": "swiglu"}, inits=plain)
    model(out, "bad_fc3_fused", ffn + ["", "fc3"],
          {"activation_type": "swiglu", "swiglu_fusion": 1},
          inits=fused + gated[2:3])
    model(out, "bad_fc3_bias", ffn + ["", "", "fc3_b"], {},
          inits=plain + gated[3:])
    model(out, "bad_odd", ["x", "logits", "fc1", "", "fc2"],
          {"activation_type": "swiglu", "swiglu_fusion": 1},
          inits=[weights("fc1", E, 2 * H + 1, D), weights("fc2", E, D, H)])
    model(out, "bad_router", ffn, {}, x_shape=(1, T, D), r_shape=(T + 1, E),
          inits=plain)
    model(out, "bad_fc3_shape", ffn + ["", "fc3"], {"activation_type": "silu"},
          inits=plain + [weights("fc3", E, H + 1, D)])
    model(out, "bad_limit", ["x", "logits", "fc1", "fc1_b", "fc2"],
          {"activation_type": "swiglu", "swiglu_fusion": 1,
           "swiglu_limit": -1.0}, inits=fused)


if __name__ == "__main__":
    main()
