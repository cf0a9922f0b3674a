#!/usr/bin/env python3
"""A small transformer whose two MoE layers use ONNX Runtime's contrib op
`com.microsoft::MoE`, with seeded random weights, sample input and
PyTorch's output. Runs with Debian's /usr/bin/python3 (torch, onnx).

ort_moe.onnx stores the experts in ONNX Runtime's current layout and runs in
ONNX Runtime as it is (router_probs 2-D, as ORT requires); ort_moe_legacy.onnx
is the same model with the second layer's fc1/fc2 in the older transposed
layout of earlier ORT releases, which m3sat detects (current ORT reads it
wrongly). Both compute the same y.

Usage: make_model.py OUT_DIR
Writes OUT_DIR/ort_moe.onnx, ort_moe_legacy.onnx, x.npy, ref_y.npy.
"""
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python"))
from m3sat_torch import Attention, MoE, export  # noqa: E402


class Model(nn.Module):
    def __init__(self, dim=32, experts=8, hidden=48, legacy_layout=False):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, 4)
        self.router = nn.Linear(dim, experts, bias=False)
        self.moe = MoE(dim, hidden, experts, k=2, activation="silu",
                       normalize=True, domain="com.microsoft")
        self.moe_legacy = MoE(dim, hidden, experts, k=1, activation="relu",
                              domain="com.microsoft",
                              legacy_layout=legacy_layout)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        h = self.norm2(x)
        logits = self.router(h)
        x = x + self.moe(h, logits)
        return x + self.moe_legacy(h, logits)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = Model().eval()
    x = torch.randn(2, 10, 32)
    path = os.path.join(out, "ort_moe.onnx")
    export(model, (x,), path, ["x"], ["y"])
    legacy = Model(legacy_layout=True).eval()
    legacy.load_state_dict(model.state_dict())
    export(legacy, (x,), os.path.join(out, "ort_moe_legacy.onnx"), ["x"],
           ["y"])
    np.save(os.path.join(out, "x.npy"), x.numpy())
    with torch.no_grad():
        np.save(os.path.join(out, "ref_y.npy"), model(x).numpy())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
