#!/usr/bin/env python3
"""Rewrites a torch 1.13 export (opset 17, IR 8) into the forms that torch
2.x's default exporter (dynamo, torch.onnx.export(..., dynamo=True)) writes:
opset 20 and IR version 10, Reduce* axes as an input, Split with
num_outputs, the Gelu op (erf and tanh), and Resize with its opset-18
attributes written out (antialias, keep_aspect_ratio_policy). For machines
where torch 2.x does not install: the tests then compile both exporters'
forms of every example.

Runs with the python3 first on PATH (scripts/setup-peers.sh: a current onnx
for its version converter, onnxscript for the pattern rewriter); needs no
torch.

Usage: dynamo_forms.py IN.onnx OUT.onnx
Prints one line: the opset, the IR version and how many nodes of each form
the output has."""
import collections
import math
import sys

import onnx
import onnx_ir as ir
from onnx import helper, version_converter
from onnxscript.rewriter import pattern

OPSET = 20
IR_VERSION = 10


def _erf_gelu(op, x):
    # torch 1.13's nn.GELU(): x * 0.5 * (1 + erf(x / sqrt(2))) as
    # Mul(Mul(x, Add(Erf(Div(x, sqrt2)), 1)), 0.5).
    return op.Mul(op.Mul(x, op.Add(op.Erf(op.Div(x, math.sqrt(2.0))), 1.0)),
                  0.5)


def _erf_gelu_replacement(op, x):
    return op.Gelu(x)


def _tanh_gelu(op, x):
    # nn.GELU(approximate="tanh"): 0.5 * x * (1 + tanh(sqrt(2 / pi) *
    # (x + 0.044715 * x^3))), x^3 as x * (x * x), as torch 1.13 writes it.
    cube = op.Mul(x, op.Mul(x, x))
    inner = op.Mul(math.sqrt(2.0 / math.pi), op.Add(x, op.Mul(0.044715, cube)))
    return op.Mul(0.5, op.Mul(x, op.Add(1.0, op.Tanh(inner))))


def _tanh_gelu_replacement(op, x):
    return op.Gelu(x, approximate="tanh")


def fuse_gelu(model_proto):
    """The erf and tanh GELU subgraphs as the opset-20 Gelu op."""
    model = ir.serde.deserialize_model(model_proto)
    rules = pattern.RewriteRuleSet([
        pattern.RewriteRule(_erf_gelu, _erf_gelu_replacement),
        pattern.RewriteRule(_tanh_gelu, _tanh_gelu_replacement),
    ], commute=True)
    rules.apply_to_model(model)
    return ir.serde.serialize_model(model)


def _constant_ints(graph, name):
    for init in graph.initializer:
        if init.name == name:
            return onnx.numpy_helper.to_array(init).tolist()
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] == name:
            for attr in node.attribute:
                if attr.name == "value":
                    return onnx.numpy_helper.to_array(attr.t).tolist()
    return None


def split_num_outputs(graph):
    """Split(x, split=[n, n, ...]) as Split(x, num_outputs=...), as dynamo
    writes torch.chunk and equal torch.split."""
    for node in graph.node:
        if node.op_type != "Split" or len(node.input) < 2 or not node.input[1]:
            continue
        sizes = _constant_ints(graph, node.input[1])
        if (not isinstance(sizes, list) or len(sizes) != len(node.output) or
                len(set(sizes)) != 1):
            continue
        del node.input[1]
        node.attribute.append(helper.make_attribute("num_outputs",
                                                    len(node.output)))


def resize_attributes(graph):
    """Resize's opset-18 attributes, written out as dynamo does."""
    for node in graph.node:
        if node.op_type != "Resize":
            continue
        names = {a.name for a in node.attribute}
        if "antialias" not in names:
            node.attribute.append(helper.make_attribute("antialias", 0))
        if "keep_aspect_ratio_policy" not in names:
            node.attribute.append(
                helper.make_attribute("keep_aspect_ratio_policy", "stretch"))


def convert(model):
    model = version_converter.convert_version(model, OPSET)
    model = fuse_gelu(model)
    split_num_outputs(model.graph)
    resize_attributes(model.graph)
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def describe(model):
    forms = collections.Counter()
    for node in model.graph.node:
        op = node.op_type
        if op == "Gelu":
            approx = [a.s.decode() for a in node.attribute
                      if a.name == "approximate"]
            forms["Gelu(" + (approx[0] if approx else "none") + ")"] += 1
        elif op.startswith("Reduce") and len(node.input) > 1:
            forms[op + "(axes input)"] += 1
        elif op == "Split" and any(a.name == "num_outputs"
                                   for a in node.attribute):
            forms["Split(num_outputs)"] += 1
        elif op == "Resize" and any(a.name == "antialias"
                                    for a in node.attribute):
            forms["Resize(antialias)"] += 1
    opset = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    return (f"opset {opset['ai.onnx']}, IR {model.ir_version}: " +
            ", ".join(f"{k} {v}" for k, v in sorted(forms.items())))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model = onnx.load(sys.argv[1])
    model = convert(model)
    onnx.save(model, sys.argv[2])
    print(describe(model))


if __name__ == "__main__":
    main()
