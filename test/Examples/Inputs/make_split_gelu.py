#!/usr/bin/python3
"""A model with torch.split (a Split of equal parts), the erf GELU and the
tanh GELU, exported by torch 1.13 (Debian's /usr/bin/python3), for
test/Examples/dynamo-forms.test.

Usage: make_split_gelu.py OUT_DIR: writes split_gelu.onnx, x.npy, ref.npy."""
import os
import sys

import numpy as np
import torch
from torch import nn


class SplitGelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 16)
        self.erf = nn.GELU()
        self.tanh = nn.GELU(approximate="tanh")

    def forward(self, x):
        a, b = torch.split(self.fc(x), 8, dim=-1)
        return self.erf(a) * self.tanh(b)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = SplitGelu().eval()
    x = torch.randn(3, 8, generator=torch.Generator().manual_seed(1)) * 2
    with torch.no_grad():
        torch.onnx.export(model, (x,), os.path.join(out, "split_gelu.onnx"),
                          input_names=["x"], output_names=["y"],
                          opset_version=17)
        np.save(os.path.join(out, "ref.npy"), model(x).numpy())
    np.save(os.path.join(out, "x.npy"), x.numpy())


if __name__ == "__main__":
    main()
