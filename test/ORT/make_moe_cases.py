#!/usr/bin/env python3
"""Random single-node com.microsoft::MoE cases for checking m3sat against
ONNX Runtime, drawn with a fixed seed and packed into one model so that one
m3sat-compile covers them all. Uses the python3 with onnx and numpy that
scripts/setup-peers.sh provides (no torch needed).

Every case is one MoE node reading its input and router logits from slices
of the single graph input `data` and writing output `y<i>`. Two models
hold the same cases:
  m3sat.onnx  every form m3sat reads: swiglu_fusion 0 (fc3), 1 and 2, the
              older transposed weight layout, 3-D router_probs, gated
              experts with fc3 and a plain activation;
  ort.onnx    the same computations in the forms ONNX Runtime's CPU kernel
              runs (interleaved SwiGLU, current layout, 2-D router_probs);
              cases it has no form for (fc3 with relu, gelu, silu or
              identity: ORT's CPU kernel refuses fc3) are left out and
              checked against NumPy instead.
cases.json lists each case, data.npy holds the input and ref_y<i>.npy the
NumPy reference of every case.

Usage: make_moe_cases.py OUT_DIR [NUM_CASES] [SEED]
"""
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ACTIVATIONS = ["relu", "gelu", "silu", "identity", "swiglu"]


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def activation(h, kind):
    if kind == "relu":
        return np.maximum(h, 0)
    if kind == "gelu":  # ORT's tanh approximation
        return 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h ** 3)))
    if kind == "silu":
        return h / (1 + np.exp(-h))
    return h


def reference(c, x, logits, w):
    """float64 NumPy of ORT's MoE: softmax over all experts, top k, optional
    renormalization, gated or plain experts (w: gate/linear split)."""
    x = x.reshape(-1, x.shape[-1]).astype(np.float64)
    p = softmax(logits.reshape(x.shape[0], -1).astype(np.float64))
    out = np.zeros_like(x)
    for t in range(x.shape[0]):
        top = np.argsort(-p[t], kind="stable")[:c["k"]]
        weights = p[t][top]
        if c["normalize"]:
            weights = weights / weights.sum()
        for e, we in zip(top, weights):
            g = w["gate"][e] @ x[t] + (w["gate_bias"][e] if "gate_bias" in w else 0)
            if c["gated"]:
                lin = w["lin"][e] @ x[t] + (w["lin_bias"][e] if "lin_bias" in w else 0)
                if c["activation"] == "swiglu":
                    lim = c.get("limit", math.inf)
                    g, lin = np.minimum(g, lim), np.clip(lin, -lim, lim)
                    hid = g / (1 + np.exp(-c["alpha"] * g)) * (lin + c["beta"])
                else:
                    hid = activation(g, c["activation"]) * lin
            else:
                hid = activation(g, c["activation"])
            y = w["fc2"][e] @ hid + (w["fc2_bias"][e] if "fc2_bias" in w else 0)
            out[t] += we * y
    return out


def draw(rng, i):
    act = ACTIVATIONS[i % len(ACTIVATIONS)]
    e = int(rng.choice([2, 3, 4, 8, 16, 64]))
    c = {"name": f"case{i}", "activation": act, "experts": e,
         "k": int(rng.integers(1, min(4, e) + 1)),
         "normalize": int(rng.integers(0, 2)),
         "tokens": int(rng.choice([1, 2, 7, 33, 128, 300])),
         "dim": int(rng.choice([8, 16, 24])),
         "hidden": int(rng.choice([8, 12, 32])),
         "fc1_bias": bool(rng.integers(0, 2)),
         "fc2_bias": bool(rng.integers(0, 2)),
         "legacy": bool(rng.integers(0, 4) == 0),
         "batch3d": int(rng.integers(0, 3)),  # 0: [T, D]; 1: [B, S, D] with
                                              # [B*S, E]; 2: both 3-D
         "sparse_mixer": 0, "gated": act == "swiglu", "fusion": 1}
    if act == "swiglu":
        c["fusion"] = int(rng.integers(0, 3))
        c["alpha"] = float(rng.choice([1.0, 1.702]))
        c["beta"] = float(rng.choice([0.0, 1.0]))
        if rng.integers(0, 2):
            c["limit"] = float(rng.choice([0.5, 7.0]))
    else:
        c["alpha"], c["beta"] = 1.0, 0.0
        # fc3 with a plain activation: ORT's CPU kernel has no form for it.
        if rng.integers(0, 6) == 0:
            c["gated"], c["fusion"] = True, 0
    if c["k"] == 2 and rng.integers(0, 3) == 0:
        c["sparse_mixer"] = 1
    if c["batch3d"] and c["tokens"] % 2:
        c["batch3d"] = 0
    return c


class Builder:
    def __init__(self):
        self.nodes, self.inits, self.outputs = [], [], []

    def const(self, name, value):
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def slice(self, name, offset, shape):
        n = int(np.prod(shape))
        starts = self.const(f"{name}_start", np.array([offset], np.int64))
        ends = self.const(f"{name}_end", np.array([offset + n], np.int64))
        target = self.const(f"{name}_shape", np.array(shape, np.int64))
        self.nodes.append(helper.make_node("Slice", ["data", starts, ends],
                                           [f"{name}_flat"]))
        self.nodes.append(helper.make_node("Reshape", [f"{name}_flat", target],
                                           [name]))
        return name

    def model(self, total):
        graph = helper.make_graph(
            self.nodes, "moe_cases",
            [helper.make_tensor_value_info("data", TensorProto.FLOAT, [total])],
            self.outputs, self.inits)
        model = helper.make_model(graph, ir_version=8, opset_imports=[
            helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
        names = [o.name for o in self.outputs]
        meta = model.metadata_props.add()
        meta.key = "m3sat"
        meta.value = json.dumps({"version": 1, "tasks": {
            "all": {"index": 0, "outputs": names}}})
        return model


def interleave(gate, lin):
    """[E, H, ...] x2 -> [E, 2H, ...], rows gate, linear, gate, ..."""
    out = np.empty((gate.shape[0], 2 * gate.shape[1]) + gate.shape[2:],
                   gate.dtype)
    out[:, 0::2], out[:, 1::2] = gate, lin
    return out


def add_case(builders, c, rng, offset, out_dir):
    t, d, h, e = c["tokens"], c["dim"], c["hidden"], c["experts"]

    def f32(*shape, std):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    x = f32(t, d, std=1.0)
    logits = f32(t, e, std=1.5)
    w = {"gate": f32(e, h, d, std=d ** -0.5), "fc2": f32(e, d, h, std=h ** -0.5)}
    if c["gated"]:
        w["lin"] = f32(e, h, d, std=d ** -0.5)
    if c["fc1_bias"]:
        w["gate_bias"] = f32(e, h, std=0.3)
        if c["gated"]:
            w["lin_bias"] = f32(e, h, std=0.3)
    if c["fc2_bias"]:
        w["fc2_bias"] = f32(e, d, std=0.3)
    ref = reference(c, x, logits, w).astype(np.float32)
    x_shape = [2, t // 2, d] if c["batch3d"] else [t, d]
    np.save(os.path.join(out_dir, f"ref_y{c['index']}.npy"), ref.reshape(x_shape))

    attrs = {"k": c["k"], "normalize_routing_weights": c["normalize"],
             "activation_type": c["activation"]}
    if c["sparse_mixer"]:
        attrs["use_sparse_mixer"] = 1
    if c["activation"] == "swiglu":
        attrs.update(activation_alpha=c["alpha"], activation_beta=c["beta"])
        if "limit" in c:
            attrs["swiglu_limit"] = c["limit"]
    for which, b in builders.items():
        ort = which == "ort"
        if ort and c["gated"] and c["activation"] != "swiglu":
            continue  # no ORT CPU form
        name = c["name"]
        xin = b.slice(f"{name}_x", offset, x_shape)
        router_shape = [2, t // 2, e] if c["batch3d"] == 2 and not ort else [t, e]
        rin = b.slice(f"{name}_r", offset + x.size, router_shape)
        legacy = c["legacy"] and not ort
        fusion = 1 if ort and c["gated"] else c["fusion"]
        inputs = {}
        if c["gated"] and fusion == 1:
            fc1 = interleave(w["gate"], w["lin"])
            fc1b = interleave(w.get("gate_bias", np.zeros((e, h), np.float32)),
                              w.get("lin_bias", np.zeros((e, h), np.float32)))
        elif c["gated"] and fusion == 2:
            fc1 = np.concatenate([w["gate"], w["lin"]], axis=1)
            fc1b = np.concatenate([w.get("gate_bias", np.zeros((e, h), np.float32)),
                                   w.get("lin_bias", np.zeros((e, h), np.float32))], axis=1)
        else:
            fc1, fc1b = w["gate"], w.get("gate_bias")
            if c["gated"]:
                inputs[6] = w["lin"]
                if "lin_bias" in w:
                    inputs[7] = w["lin_bias"]
        inputs[2] = fc1
        if c["fc1_bias"]:
            inputs[3] = fc1b
        inputs[4] = w["fc2"]
        if c["fc2_bias"]:
            inputs[5] = w["fc2_bias"]
        if legacy:
            for i in (2, 4, 6):
                if i in inputs:
                    inputs[i] = np.ascontiguousarray(inputs[i].transpose(0, 2, 1))
        names = [xin, rin] + [""] * 6
        for i, value in inputs.items():
            names[i] = b.const(f"{name}_in{i}", value)
        while names[-1] == "":
            names.pop()
        node_attrs = dict(attrs)
        if c["activation"] == "swiglu":
            node_attrs["swiglu_fusion"] = fusion
        out = f"y{c['index']}"
        b.nodes.append(helper.make_node("MoE", names, [out], name=f"/{name}/MoE",
                                        domain="com.microsoft", **node_attrs))
        b.outputs.append(helper.make_tensor_value_info(out, TensorProto.FLOAT,
                                                       x_shape))
        c["ort"] = c.get("ort", False) or ort
    return np.concatenate([x.ravel(), logits.ravel()])


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 22
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    builders = {"m3sat": Builder(), "ort": Builder()}
    cases, chunks, offset = [], [], 0
    for i in range(count):
        c = draw(rng, i)
        c["index"] = i
        chunk = add_case(builders, c, rng, offset, out)
        chunks.append(chunk)
        offset += chunk.size
        cases.append(c)
    np.save(os.path.join(out, "data.npy"), np.concatenate(chunks))
    for which, b in builders.items():
        onnx.save(b.model(offset), os.path.join(out, f"{which}.onnx"))
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print(f"wrote {count} cases ({sum(c['ort'] for c in cases)} run by ORT) "
          f"to {out}")


if __name__ == "__main__":
    main()
