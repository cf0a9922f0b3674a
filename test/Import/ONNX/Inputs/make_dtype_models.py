#!/usr/bin/env python3
"""Writes the models of dtypes.test: tensors of the types ONNX added after
1.12 (8-bit floats, FLOAT4E2M1, FLOAT8E8M0, INT4/UINT4, INT2/UINT2), which
the onnx 1.12 helpers do not know, so their TensorProto.DataType values are
written as plain numbers; and bad Cast attributes.

Usage: make_dtype_models.py OUT_DIR       models, and the inputs of dtypes
       make_dtype_models.py --print DIR   prints the .npy files of DIR
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ = 17, 18, 19, 20
UINT4, INT4, FLOAT4E2M1, FLOAT8E8M0, UINT2, INT2 = 21, 22, 23, 24, 25, 26
F32, F16, BF16, U8 = (TensorProto.FLOAT, TensorProto.FLOAT16,
                      TensorProto.BFLOAT16, TensorProto.UINT8)


def vi(name, elem, shape):
    value = onnx.ValueInfoProto()
    value.name = name
    value.type.tensor_type.elem_type = elem
    for d in shape:
        value.type.tensor_type.shape.dim.add().dim_value = d
    return value


def packed(name, elem, values, bits):
    """An initializer of sub-byte elements, packed low bits first."""
    tensor = TensorProto()
    tensor.name = name
    tensor.data_type = elem
    tensor.dims.append(len(values))
    per = 8 // bits
    data = bytearray((len(values) + per - 1) // per)
    for i, v in enumerate(values):
        data[i // per] |= (v & ((1 << bits) - 1)) << (bits * (i % per))
    tensor.raw_data = bytes(data)
    return tensor


def save(out, name, nodes, inputs, outputs, inits=(), opset=25):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="make_dtype_models")
    model.ir_version = 11
    # One task computing every output.
    helper.set_model_props(model, {"m3sat": json.dumps({
        "version": 1,
        "tasks": {"all": {"index": 0,
                          "outputs": [o.name for o in outputs]}}})})
    onnx.save(model, os.path.join(out, name + ".onnx"))


def cast(x, y, to, **attrs):
    return helper.make_node("Cast", [x], [y], name=y, to=to, **attrs)


def dtypes(out):
    nodes = [
        cast("a", "a_f", F32),
        cast("b", "b_h", F16),
        cast("c", "c_f", F32),
        cast("d", "d_f", F32),
        cast("d", "d_u8", U8),
        cast("e", "e_f", F32),
        cast("x", "x8", FLOAT8E4M3FN, saturate=0),
        cast("x", "x_e8m0", FLOAT8E8M0, round_mode="nearest"),
        cast("w", "w_f", F32),
        cast("f", "f_f", F32),
        cast("h", "h_f", F32),
    ]
    inputs = [vi("a", FLOAT8E4M3FN, [4]), vi("b", FLOAT8E5M2FNUZ, [4]),
              vi("c", INT4, [5]), vi("d", UINT4, [5]), vi("e", BF16, [2]),
              vi("x", F32, [8]), vi("f", FLOAT4E2M1, [3]),
              vi("h", UINT2, [3])]
    outputs = [vi("a_f", F32, [4]), vi("b_h", F16, [4]), vi("c_f", F32, [5]),
               vi("d_f", F32, [5]), vi("d_u8", U8, [5]), vi("e_f", F32, [2]),
               vi("x8", FLOAT8E4M3FN, [8]), vi("x_e8m0", FLOAT8E8M0, [8]),
               vi("w_f", F32, [3]), vi("f_f", F32, [3]), vi("h_f", F32, [3])]
    save(out, "dtypes", nodes, inputs, outputs,
         [packed("w", INT4, [1, -2, 7], 4)])


def topk(out):
    """TopK of integers: uint64 beyond 2^63, int32 smallest, int8 ties."""
    k2 = helper.make_tensor("k2", TensorProto.INT64, [1], [2])
    k3 = helper.make_tensor("k3", TensorProto.INT64, [1], [3])
    nodes = [
        helper.make_node("TopK", ["u", "k2"], ["u_v", "u_i"], name="topk_u"),
        helper.make_node("TopK", ["s", "k3"], ["s_v", "s_i"], name="topk_s",
                         largest=0),
        helper.make_node("TopK", ["t", "k2"], ["t_v", "t_i"], name="topk_t"),
    ]
    inputs = [vi("u", TensorProto.UINT64, [5]), vi("s", TensorProto.INT32, [5]),
              vi("t", TensorProto.INT8, [3])]
    outputs = [vi("u_v", TensorProto.UINT64, [2]),
               vi("u_i", TensorProto.INT64, [2]),
               vi("s_v", TensorProto.INT32, [3]),
               vi("s_i", TensorProto.INT64, [3]),
               vi("t_v", TensorProto.INT8, [2]),
               vi("t_i", TensorProto.INT64, [2])]
    save(out, "topk", nodes, inputs, outputs, [k2, k3], opset=24)
    np.save(os.path.join(out, "u.npy"),
            np.array([1, 2**63 + 5, 3, 2**64 - 1, 0], np.uint64))
    np.save(os.path.join(out, "s.npy"),
            np.array([5, -7, 5, -2**31, 0], np.int32))
    np.save(os.path.join(out, "t.npy"), np.array([3, 1, 3], np.int8))


def reduce(out):
    """ReduceMax/ReduceMin of bool (false < true), and reductions over an
    empty set (of a zero-size graph input the task then does not take)."""
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    nodes = [
        helper.make_node("ReduceMax", ["p", "axes"], ["any"], name="rmax_b"),
        helper.make_node("ReduceMin", ["p", "axes"], ["all"], name="rmin_b"),
        helper.make_node("ReduceMax", ["z", "axes"], ["zmax"], name="rmax_z"),
        helper.make_node("ReduceMin", ["zi", "axes"], ["zmin"], name="rmin_z",
                         keepdims=0),
        helper.make_node("ReduceSum", ["z", "axes"], ["zsum"], name="rsum_z"),
    ]
    inputs = [vi("p", TensorProto.BOOL, [3, 2]), vi("z", F32, [2, 0, 3]),
              vi("zi", TensorProto.INT8, [2, 0])]
    outputs = [vi("any", TensorProto.BOOL, [3, 1]),
               vi("all", TensorProto.BOOL, [3, 1]),
               vi("zmax", F32, [2, 1, 3]), vi("zmin", TensorProto.INT8, [2]),
               vi("zsum", F32, [2, 1, 3])]
    save(out, "reduce", nodes, inputs, outputs, [axes], opset=20)
    np.save(os.path.join(out, "p.npy"),
            np.array([[True, True], [True, False], [False, False]]))


def errors(out):
    x = [vi("x", F32, [2])]
    save(out, "cast_f8_opset18", [cast("x", "y", FLOAT8E4M3FN)], x,
         [vi("y", FLOAT8E4M3FN, [2])], opset=18)
    save(out, "cast_saturate", [cast("x", "y", FLOAT8E5M2, saturate=2)], x,
         [vi("y", FLOAT8E5M2, [2])], opset=19)
    save(out, "cast_round_mode",
         [cast("x", "y", FLOAT8E8M0, round_mode="sideways")], x,
         [vi("y", FLOAT8E8M0, [2])], opset=24)
    save(out, "cast_to_unknown", [cast("x", "y", 40)], x,
         [vi("y", F32, [2])])
    bad = packed("w", UINT4, [1, 2, 3], 4)
    bad.raw_data = b"\x21\x03\x00"
    save(out, "int4_raw_size", [cast("w", "y", F32)], [],
         [vi("y", F32, [3])], [bad])
    f8 = [vi("a", FLOAT8E4M3FN, [2]), vi("b", FLOAT8E4M3FN, [2])]
    save(out, "f8_add", [helper.make_node("Add", ["a", "b"], ["y"],
                                          name="add8")], f8,
         [vi("y", FLOAT8E4M3FN, [2])])


def inputs(out):
    """The inputs of dtypes.onnx as m3sat-run reads them: codes in uint8
    (some with high bits set beyond a 4- or 2-bit code), bf16 in uint16."""
    u8 = np.uint8
    arrays = {
        "a": np.array([0x38, 0xB8, 0x7E, 0x7F], u8),
        "b": np.array([0x40, 0x80, 0x00, 0x01], u8),
        "c": np.array([0x0F, 0x08, 0x07, 0x00, 0xF9], u8).view(np.int8),
        "d": np.array([0x0F, 0x08, 0x07, 0x00, 0xF9], u8),
        "e": np.array([0x3F80, 0xC040], np.uint16),
        "x": np.array([0.46875, 1e6, -np.inf, np.nan, 1e-7, -0.0, 0.3, 464],
                      np.float32),
        "f": np.array([0x2, 0xF, 0x1], u8),
        "h": np.array([3, 0xFE, 1], u8),
    }
    for name, array in arrays.items():
        np.save(os.path.join(out, name + ".npy"), array)


def print_outputs(res):
    for name in sorted(os.listdir(res)):
        a = np.load(os.path.join(res, name))
        values = " ".join(
            hex(int(v)) if a.dtype == np.uint8 else str(v.item())
            for v in a.ravel())
        print(f"{name[:-4]} {a.dtype.str} {values}")


def main():
    if sys.argv[1] == "--print":
        print_outputs(sys.argv[2])
        return
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    dtypes(out)
    errors(out)
    inputs(out)
    topk(out)
    reduce(out)


if __name__ == "__main__":
    main()
