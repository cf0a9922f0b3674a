#!/usr/bin/env python3
"""Random single-node com.microsoft::QMoE cases for checking m3sat against
ONNX Runtime, drawn with a fixed seed and packed into one model (as
make_moe_cases.py does for MoE, whose drawing and float64 reference this
script reuses). Uses the python3 with onnx and numpy that
scripts/setup-peers.sh provides (no torch needed).

Each case adds to an MoE case quantized expert weights: 4- or 8-bit codes
packed in uint8 [E, rows, columns / (8 / bits)], the lower nibble first,
scales per row or per block of 16 or 32 columns, zero points given (packed
like the codes) or implied (2^(bits - 1)). The reference dequantizes them
in float64 and, as ORT's kernel does, renormalizes the top-k weights even
where normalize_routing_weights = 0. Both models are the same file: m3sat and ORT read the same
QMoE node. ONNX Runtime's 8-bit kernel with block scales does not compute
the dequantized product (0.3-1.3 max abs error against it here, ORT
1.31.1); those cases are checked against NumPy only and cases.json says so.

Usage: make_qmoe_cases.py OUT_DIR [NUM_CASES] [SEED]
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_moe_cases as moe  # noqa: E402


def quantize(rng, shape, bits, block, zero_points, std):
    """Random codes [E, R, C] packed as ORT stores them, their scales and
    (optionally) zero points, and the float64 weights they stand for."""
    e, r, c = shape
    per = 8 // bits
    codes = rng.integers(0, 1 << bits, shape)
    groups = c // block if block else 1
    scales = (rng.uniform(0.5, 1.5, (e, r, groups)) * std /
              (1 << (bits - 1))).astype(np.float32)
    if zero_points:
        zeros = rng.integers(0, 1 << bits, (e, r, groups))
    else:
        zeros = np.full((e, r, groups), 1 << (bits - 1))
    width = block if block else c
    weights = ((codes - np.repeat(zeros, width, axis=2)) *
               np.repeat(scales.astype(np.float64), width, axis=2))

    def pack(values):  # along the last axis, padded to whole bytes
        if per == 1:
            return values.astype(np.uint8)
        pad = (-values.shape[-1]) % per
        values = np.concatenate(
            [values, np.zeros(values.shape[:-1] + (pad,), values.dtype)], -1)
        return (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)

    packed_zeros = None
    if zero_points:
        # One code per scale, packed along the scales' last axis: [E, R]
        # rows per row, [E, R, NB] per block.
        packed_zeros = pack(zeros if block else zeros[..., 0].reshape(e, r))
    scale_out = scales if block else scales[..., 0]
    return pack(codes), scale_out, packed_zeros, weights


def draw(rng, i):
    c = moe.draw(rng, i)
    # The forms ORT's QMoE kernel runs: current layout, 2-D router, fc1
    # interleaved for SwiGLU, no fc3.
    c["legacy"] = False
    c["batch3d"] = min(c["batch3d"], 1)
    if c["gated"] and c["activation"] != "swiglu":
        c["gated"] = False
    c["fusion"] = 1
    c["bits"] = int(rng.choice([4, 8]))
    c["dim"] = int(rng.choice([16, 32, 48]))
    c["hidden"] = int(rng.choice([16, 32, 64]))
    blocks = [0, 16] + ([32] if c["dim"] % 32 == 0 and c["hidden"] % 32 == 0
                        else [])
    c["block_size"] = int(rng.choice(blocks))
    c["zero_points"] = bool(rng.integers(0, 2))
    # ONNX Runtime's QMoE kernel renormalizes the top-k weights whatever
    # the attribute says (ORT 1.31.1); m3sat follows the kernel.
    c["normalize_attribute"], c["normalize"] = c["normalize"], 1
    return c


def add_case(b, c, rng, offset, out_dir):
    t, d, h, e = c["tokens"], c["dim"], c["hidden"], c["experts"]
    bits, block, zp = c["bits"], c["block_size"], c["zero_points"]
    x = rng.standard_normal((t, d)).astype(np.float32)
    logits = (rng.standard_normal((t, e)) * 1.5).astype(np.float32)
    f = 2 * h if c["gated"] else h
    q1, s1, z1, w1 = quantize(rng, (e, f, d), bits, block, zp, d ** -0.5)
    q2, s2, z2, w2 = quantize(rng, (e, d, h), bits, block, zp, h ** -0.5)
    w = {"fc2": w2}
    if c["gated"]:
        w["gate"], w["lin"] = w1[:, 0::2], w1[:, 1::2]
    else:
        w["gate"] = w1
    inputs = {2: q1, 3: s1, 5: q2, 6: s2}
    if c["fc1_bias"]:
        b1 = (rng.standard_normal((e, f)) * 0.3).astype(np.float32)
        inputs[4] = b1
        if c["gated"]:
            w["gate_bias"], w["lin_bias"] = b1[:, 0::2], b1[:, 1::2]
        else:
            w["gate_bias"] = b1
    if c["fc2_bias"]:
        inputs[7] = w["fc2_bias"] = (rng.standard_normal((e, d)) *
                                     0.3).astype(np.float32)
    if zp:
        inputs[11], inputs[12] = z1, z2
    ref = moe.reference(c, x, logits, w).astype(np.float32)
    x_shape = [2, t // 2, d] if c["batch3d"] else [t, d]
    np.save(os.path.join(out_dir, f"ref_y{c['index']}.npy"),
            ref.reshape(x_shape))

    name = c["name"]
    xin = b.slice(f"{name}_x", offset, x_shape)
    rin = b.slice(f"{name}_r", offset + x.size, [t, e])
    names = [xin, rin] + [""] * 12
    for i, value in inputs.items():
        names[i] = b.const(f"{name}_in{i}", value)
    while names[-1] == "":
        names.pop()
    attrs = {"k": c["k"], "normalize_routing_weights": c["normalize_attribute"],
             "activation_type": c["activation"], "expert_weight_bits": bits}
    if block:
        attrs["block_size"] = block
    if c["sparse_mixer"]:
        attrs["use_sparse_mixer"] = 1
    if c["activation"] == "swiglu":
        attrs.update(activation_alpha=c["alpha"], activation_beta=c["beta"],
                     swiglu_fusion=1)
        if "limit" in c:
            attrs["swiglu_limit"] = c["limit"]
    out = f"y{c['index']}"
    b.nodes.append(helper.make_node("QMoE", names, [out], name=f"/{name}/QMoE",
                                    domain="com.microsoft", **attrs))
    b.outputs.append(helper.make_tensor_value_info(out, TensorProto.FLOAT,
                                                   x_shape))
    c["ort"] = not (bits == 8 and block)
    return np.concatenate([x.ravel(), logits.ravel()])


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 23
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    b = moe.Builder()
    cases, chunks, offset = [], [], 0
    for i in range(count):
        c = draw(rng, i)
        c["index"] = i
        chunk = add_case(b, c, rng, offset, out)
        chunks.append(chunk)
        offset += chunk.size
        cases.append(c)
    np.save(os.path.join(out, "data.npy"), np.concatenate(chunks))
    model = b.model(offset)
    # QMoE's float inputs need IR version 10 in ONNX Runtime 1.31.
    model.ir_version = 10
    onnx.save(model, os.path.join(out, "qmoe.onnx"))
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print(f"wrote {count} cases ({sum(c['ort'] for c in cases)} run by ORT) "
          f"to {out}")


if __name__ == "__main__":
    main()
