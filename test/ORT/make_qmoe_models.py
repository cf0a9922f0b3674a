#!/usr/bin/env python3
"""Small com.microsoft::QMoE models for the importer tests: a 4-bit model
whose bundle size says that the codes stay packed, a task-routed one
(router logits a constant) whose unused experts must leave the bundle, and
one bad model per diagnostic. Needs onnx and numpy (either python3).

Usage: make_qmoe_models.py OUT_DIR
"""
import json
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

E, H, D, T = 4, 128, 64, 5


def tensor(name, value):
    return numpy_helper.from_array(value, name)


def codes(name, *shape):
    rng = np.random.default_rng(sum(name.encode()))
    return tensor(name, rng.integers(0, 256, shape).astype(np.uint8))


def scales(name, *shape):
    rng = np.random.default_rng(sum(name.encode()))
    return tensor(name, (rng.random(shape) * 0.02).astype(np.float32))


def model(out, name, inputs, attrs, inits, router_const=None):
    node = helper.make_node("QMoE", inputs, ["y"], name=name,
                            domain="com.microsoft", **attrs)
    graph_inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                  [T, D])]
    if router_const is None:
        graph_inputs.append(helper.make_tensor_value_info(
            "logits", TensorProto.FLOAT, [T, E]))
    else:
        inits = inits + [tensor("logits", router_const)]
    graph = helper.make_graph(
        [node], name, graph_inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [T, D])], inits)
    m = helper.make_model(graph, ir_version=10, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    meta = m.metadata_props.add()
    meta.key = "m3sat"
    meta.value = json.dumps({"version": 1, "tasks": {
        "t": {"index": 0, "outputs": ["y"]}}})
    save(m, os.path.join(out, name + ".onnx"))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    # 4-bit, one scale per row: codes E*H*D/2 + E*D*H/2 bytes, scales
    # (E*H + E*D) * 4 bytes; as float32 the experts would take 8x the codes.
    q4 = [codes("w1", E, H, D // 2), scales("s1", E, H),
          codes("w2", E, D, H // 2), scales("s2", E, D)]
    ffn = ["x", "logits", "w1", "s1", "", "w2", "s2"]
    four = {"k": 2, "expert_weight_bits": 4, "activation_type": "relu",
            "normalize_routing_weights": 1}
    model(out, "q4", ffn, four, q4)
    # Task-bound routing: every token picks experts 1 and 3.
    logits = np.tile(np.array([[0.0, 3.0, -1.0, 2.0]], np.float32), (T, 1))
    model(out, "q4_task", ffn, four, q4, router_const=logits)
    # Block scales (32 columns) with zero points, 8-bit.
    q8 = [codes("w1", E, H, D), scales("s1", E, H, D // 32),
          codes("w2", E, D, H), scales("s2", E, D, H // 32),
          codes("z1", E, H, D // 32), codes("z2", E, D, H // 32)]
    eight = dict(four, expert_weight_bits=8, block_size=32)
    model(out, "q8_block", ffn + ["", "", "", "", "z1", "z2"], eight, q8)

    # One bad model per diagnostic.
    model(out, "bad_bits", ffn, dict(four, expert_weight_bits=2), q4)
    model(out, "bad_block", ffn, dict(four, block_size=48),
          [codes("w1", E, H, D // 2), scales("s1", E, H, 1),
           codes("w2", E, D, H // 2), scales("s2", E, D, 2)])
    model(out, "bad_scales", ffn, four,
          [codes("w1", E, H, D // 2), scales("s1", E, H + 1),
           codes("w2", E, D, H // 2), scales("s2", E, D)])
    model(out, "bad_zero_points", ffn + ["", "", "", "", "z1"],
          dict(four, block_size=32),
          [codes("w1", E, H, D // 2), scales("s1", E, H, 2),
           codes("w2", E, D, H // 2), scales("s2", E, D, 4),
           codes("z1", E, H, 2)])
    model(out, "bad_codes", ffn, four,
          [scales("w1", E, H, D // 2), scales("s1", E, H),
           codes("w2", E, D, H // 2), scales("s2", E, D)])
    model(out, "bad_columns", ffn, four,
          [codes("w1", E, H, D // 4), scales("s1", E, H),
           codes("w2", E, D, H // 2), scales("s2", E, D)])
    model(out, "bad_router_weights", ffn + [""] * 7 + ["logits"], four, q4)


if __name__ == "__main__":
    main()
