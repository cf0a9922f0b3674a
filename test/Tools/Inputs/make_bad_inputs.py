#!/usr/bin/env python3
"""Writes the bad-input corpus of test/Tools/bad-input-corpus.test: one file
per class of bad input in DESIGN.md, each next to the good file it breaks.

Usage: make_bad_inputs.py OUT_DIR
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F32 = TensorProto.FLOAT
E, D, H, T = 4, 8, 16, 6


def weights(*shape, seed=0):
    return np.random.default_rng(seed + len(shape)).standard_normal(
        shape).astype(np.float32)


def moe_model(name, fc1_shape=(E, H, D), k=2, metadata=None,
              extra_nodes=(), extra_outputs=()):
    """x [T, D] -> router MatMul -> m3sat::MoE -> y; `semseg` is y."""
    nodes = [
        helper.make_node("MatMul", ["x", "gate"], ["logits"], name="gate"),
        helper.make_node("MoE", ["x", "logits", "fc1", "", "fc2"], ["y"],
                         name="moe0", domain="m3sat", k=k,
                         activation_type="gelu"),
        *extra_nodes,
    ]
    inits = [numpy_helper.from_array(weights(D, E), "gate"),
             numpy_helper.from_array(weights(*fc1_shape), "fc1"),
             numpy_helper.from_array(weights(E, D, H), "fc2")]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", F32, [T, D])],
        [helper.make_tensor_value_info("y", F32, [T, D]), *extra_outputs],
        inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("m3sat", 1)])
    model.ir_version = 8
    if metadata is not None:
        helper.set_model_props(model, {"m3sat": json.dumps(metadata)})
    return model


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    def save(name, model):
        onnx.save(model, os.path.join(out, name + ".onnx"))

    good = moe_model("good", metadata={
        "version": 1, "tasks": {"semseg": {"index": 0, "outputs": ["y"]}},
        "modalities": {"rgb": ["x"]}})
    save("good", good)
    np.save(os.path.join(out, "x.npy"), weights(T, D, seed=7))
    np.save(os.path.join(out, "x_i64.npy"), np.zeros((T, D), np.int64))
    np.save(os.path.join(out, "x_wide.npy"), weights(T, D + 1))
    with open(os.path.join(out, "not_a_dir"), "w") as f:
        f.write("a file where a directory is expected\n")

    data = good.SerializeToString()
    # Truncated: cut inside the graph.
    with open(os.path.join(out, "truncated.onnx"), "wb") as f:
        f.write(data[: len(data) // 2])
    # Bit-flipped: the first byte of the graph field (tag 7, length-
    # delimited: 0x3a) becomes a group-start tag, which no ModelProto has.
    flipped = bytearray(data)
    at = flipped.index(0x3A)
    flipped[at] ^= 0x01
    with open(os.path.join(out, "bitflip.onnx"), "wb") as f:
        f.write(bytes(flipped))

    # Unsupported op.
    unsupported = moe_model("unsupported")
    unsupported.graph.node.append(
        helper.make_node("GRU", ["x"], ["h"], name="gru0", hidden_size=4))
    save("unsupported", unsupported)

    # Inconsistent shapes: a gate of [D+1, E] cannot multiply x [T, D].
    shapes = moe_model("shapes")
    shapes.graph.initializer[0].CopyFrom(
        numpy_helper.from_array(weights(D + 1, E), "gate"))
    save("inconsistent_shapes", shapes)

    # MoE with a rank-2 fc1, and with k > E.
    save("moe_rank", moe_model("moe_rank", fc1_shape=(H, D)))
    save("moe_k", moe_model("moe_k", k=E + 1))

    # Metadata naming an output the graph does not have; metadata that is
    # not JSON.
    save("metadata_missing_output", moe_model("meta", metadata={
        "version": 1, "tasks": {"semseg": {"index": 0, "outputs": ["seg"]}}}))
    broken = moe_model("meta_json")
    helper.set_model_props(broken, {"m3sat": "{\"tasks\": "})
    save("metadata_not_json", broken)

    # Names from a damaged file: a node named with a line break and an
    # escape character, reading a tensor whose name holds a byte that is not
    # UTF-8 (written over a placeholder after serializing) and that no node
    # produces. The diagnostic must stay on one line.
    damaged = moe_model("damaged_names")
    damaged.graph.node[0].name = "ga\nte\x1b"
    damaged.graph.node[0].input[0] = "x@PLACEHOLDER"
    data = damaged.SerializeToString()
    assert data.count(b"@PLACEHOLDER") == 1
    with open(os.path.join(out, "damaged_names.onnx"), "wb") as f:
        f.write(data.replace(b"@PLACEHOLDER", b"\xff" * len("@PLACEHOLDER")))


if __name__ == "__main__":
    main()
