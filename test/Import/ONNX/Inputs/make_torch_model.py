"""A tiny pre-norm transformer block exported by torch.onnx.export (opset
17), so the importer sees what torch really emits: LayerNormalization,
Shape -> Gather -> Unsqueeze -> Concat chains feeding Reshape, attention
through MatMul/Softmax, and the erf form of GELU."""
import os
import sys

import numpy as np
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim=16, heads=2, hidden=32):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(),
                                 nn.Linear(hidden, dim))

    def forward(self, x):
        b, s, d = x.shape
        h = self.heads
        qkv = self.qkv(self.norm1(x)).reshape(b, s, 3, h, d // h)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        att = (q @ k.transpose(-2, -1)) * (d // h) ** -0.5
        att = att.softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = x + self.proj(y)
        return x + self.mlp(self.norm2(x))


def make_torch_block(out):
    torch.manual_seed(0)
    model = Block().eval()
    x = torch.randn(1, 5, 16)
    # A batch of 2 for the dynamic model, with torch's output as reference.
    x2 = torch.randn(2, 5, 16)
    np.save(os.path.join(out, "x.npy"), x2.numpy())
    with torch.no_grad():
        np.save(os.path.join(out, "y_ref.npy"), model(x2).numpy())
    torch.onnx.export(model, (x,), os.path.join(out, "torch_block.onnx"),
                      input_names=["x"], output_names=["y"], opset_version=17)
    # Dynamic batch and sequence: the shape arithmetic stays in the graph.
    torch.onnx.export(model, (x,),
                      os.path.join(out, "torch_block_dynamic.onnx"),
                      input_names=["x"], output_names=["y"], opset_version=17,
                      dynamic_axes={"x": {0: "batch", 1: "seq"},
                                    "y": {0: "batch", 1: "seq"}})


if __name__ == "__main__":
    # compare REF.npy GOT.npy: exits non-zero unless they agree.
    ref, got = np.load(sys.argv[2]), np.load(sys.argv[3])
    err = float(np.abs(ref - got).max()) if ref.shape == got.shape else None
    print(f"shape {list(got.shape)} max_abs_err "
          f"{'n/a' if err is None else f'{err:.1e}'}")
    sys.exit(0 if err is not None and err < 1e-4 else 1)
