#!/usr/bin/env python3
"""An M3SAT-style multimodal multi-task transformer with seeded random
weights, exported to ONNX for m3sat, with sample inputs and PyTorch's
outputs.

Three modalities with their own tokenizers: an RGB image (patches), a 1-D
sensor series (IMU-like, windows), and text token ids (embedding). A shared
encoder whose attention is a mixture of head experts (MoAttention) and whose
FFN is a mixture of experts, both routed by the modality of each token
(logits from a per-modality embedding: static once specialized). Three
task heads, each reading its own modalities:
  scene    (image + sensor): scene class logits
  activity (sensor + text):  activity class logits
  caption  (image + text):   per-text-token vocabulary logits
Metadata names the modalities' inputs, so m3sat-compile --modalities=...
can reject a task whose modality is missing.

Usage: make_model.py OUT_DIR [--small] [--batch N]
Writes OUT_DIR/m3sat_multimodal.onnx, <input>.npy, ref_<task>.npy.
"""
import argparse
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python"))
from m3sat_torch import MoAttention, MoE, PatchEmbed, export  # noqa: E402

MODALITIES = {"rgb": ["image"], "imu": ["sensor"], "text": ["tokens"]}
TASKS = {"scene": ("rgb", "imu"), "activity": ("imu", "text"),
         "caption": ("rgb", "text")}


class Encoder(nn.Module):
    """Shared encoder; routing logits from the token's modality."""

    def __init__(self, dim, depth, experts, head_dim, hidden):
        super().__init__()
        self.modality_gate = nn.Parameter(torch.randn(len(MODALITIES), depth, 2, experts))
        self.norms = nn.ModuleList(nn.LayerNorm(dim) for _ in range(2 * depth))
        self.attn = nn.ModuleList(MoAttention(dim, head_dim, experts, k=2)
                                  for _ in range(depth))
        self.ffn = nn.ModuleList(MoE(dim, hidden, experts, k=2,
                                     activation="gelu") for _ in range(depth))

    def forward(self, x, modality_of_token):
        # [B, N, E] logits per block from each token's modality.
        b, n, _ = x.shape
        gates = self.modality_gate[modality_of_token]   # [N, depth, 2, E]
        for i, (attn, ffn) in enumerate(zip(self.attn, self.ffn)):
            la = gates[:, i, 0].unsqueeze(0).expand(b, n, -1)
            lf = gates[:, i, 1].unsqueeze(0).expand(b, n, -1)
            x = x + attn(self.norms[2 * i](x), la)
            x = x + ffn(self.norms[2 * i + 1](x), lf)
        return x


class M3SAT(nn.Module):
    def __init__(self, dim=128, depth=2, experts=8, head_dim=32, hidden=256,
                 image=32, patch=8, window=8, steps=64, channels=6,
                 vocab=100, text=16, classes=10):
        super().__init__()
        self.image_tokens = (image // patch) ** 2
        self.sensor_tokens = steps // window
        self.text_tokens = text
        self.window, self.channels = window, channels
        self.patch = PatchEmbed(dim, patch)
        self.sensor = nn.Linear(window * channels, dim)
        self.embed = nn.Embedding(vocab, dim)
        self.encoder = Encoder(dim, depth, experts, head_dim, hidden)
        self.scene = nn.Linear(dim, classes)
        self.activity = nn.Linear(dim, classes)
        self.caption = nn.Linear(dim, vocab)

    def encode(self, parts, modalities):
        x = torch.cat(parts, dim=1)
        ids = torch.cat([torch.full((p.shape[1],), m, dtype=torch.int64)
                         for p, m in zip(parts, modalities)])
        return self.encoder(x, ids)

    def forward(self, image, sensor, tokens):
        img = self.patch(image)
        b = sensor.shape[0]
        sen = self.sensor(sensor.reshape(b, self.sensor_tokens,
                                         self.window * self.channels))
        txt = self.embed(tokens)
        rgb, imu, text = 0, 1, 2
        scene = self.scene(self.encode([img, sen], [rgb, imu]).mean(dim=1))
        activity = self.activity(self.encode([sen, txt], [imu, text]).mean(dim=1))
        cap = self.encode([img, txt], [rgb, text])
        caption = self.caption(cap[:, self.image_tokens:])
        return scene, activity, caption


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--batch", type=int, default=1,
                        help="samples per input")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    model = M3SAT(dim=32, depth=1, experts=4, head_dim=8, hidden=64) \
        if args.small else M3SAT()
    model.eval()
    b = args.batch
    inputs = {"image": torch.randn(b, 3, 32, 32),
              "sensor": torch.randn(b, 64, 6),
              "tokens": torch.randint(0, 100, (b, 16))}
    outputs = list(TASKS)
    path = os.path.join(args.out, "m3sat_multimodal.onnx")
    export(model, tuple(inputs.values()), path, list(inputs), outputs,
           tasks={t: {"index": i, "outputs": [t]} for i, t in enumerate(outputs)},
           modalities=MODALITIES)
    for name, value in inputs.items():
        np.save(os.path.join(args.out, f"{name}.npy"), value.numpy())
    with torch.no_grad():
        for task, value in zip(outputs, model(*inputs.values())):
            np.save(os.path.join(args.out, f"ref_{task}.npy"), value.numpy())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
