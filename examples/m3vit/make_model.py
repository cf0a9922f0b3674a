#!/usr/bin/env python3
"""M3ViT-style multi-task MoE ViT with seeded random weights, exported to
ONNX for m3sat, with sample inputs and PyTorch's outputs for every task.

ViT-Small (embed 384, 12 blocks, 12 heads, patch 16) with an MoE FFN in every
odd block (16 experts, top-2, expert hidden 768, no renormalization) and
M3ViT's SETR-PUP dense-prediction heads for semseg, depth, normals, edges and
saliency: LayerNorm, tokens reshaped to an NCHW map, 4 x (Conv 3x3 ->
BatchNorm -> ReLU -> bilinear x2 upsample), a final 1x1 Conv, then a
bilinear resize to the input size (--head=linear: the older per-patch linear
head at patch resolution).
Routing is per token (M3ViT) and conditioned on the task:

* --variant multigate: one gate per task, stacked [tasks, E, D] and picked
  with Gather(task_id) (M3ViT's multi-gate);
* --variant taskcond: a task one-hot goes through an MLP to a task
  embedding that is concatenated to every token before the gate.

Usage: make_model.py OUT_DIR [--variant multigate|taskcond] [--image N]
                     [--small] [--batch N] [--head pup|linear]
(--small: 2 blocks, embed 48, 3 heads, 4 experts, hidden 96, image 32, PUP
channels 16; full size: PUP channels 256).
Writes OUT_DIR/m3vit_<variant>.onnx, image.npy and ref_<task>.npy
(PUP heads: [B, C, image, image]; linear heads: [B, C, image/16, image/16]).
Python: Debian's /usr/bin/python3 (torch 1.13, opset 17).
"""
import argparse
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python"))
from m3sat_torch import Attention, DenseHead, MoE, PatchEmbed, export  # noqa

TASKS = {"semseg": 19, "depth": 1, "normals": 3, "edges": 1, "saliency": 1}


class PUPHead(nn.Module):
    """SETR-PUP decoder head (as M3ViT's dense-prediction heads): tokens
    [B, N, D] -> LayerNorm -> NCHW map [B, D, h, w] -> 4 x (Conv 3x3 ->
    BatchNorm -> ReLU -> bilinear x2) -> Conv 1x1 -> bilinear resize to the
    input size."""

    def __init__(self, dim, classes, grid, image, channels):
        super().__init__()
        self.grid, self.image = grid, image
        self.norm = nn.LayerNorm(dim)
        stages = []
        for i in range(4):
            stages += [nn.Conv2d(dim if i == 0 else channels, channels, 3,
                                 padding=1, bias=False),
                       nn.BatchNorm2d(channels), nn.ReLU(),
                       nn.Upsample(scale_factor=2, mode="bilinear",
                                   align_corners=False)]
        self.up = nn.Sequential(*stages)
        self.cls = nn.Conv2d(channels, classes, 1)
        # Inference statistics that are not the identity, so that the
        # BatchNorm (or its folding into the conv) is exercised.
        for m in self.up:
            if isinstance(m, nn.BatchNorm2d):
                with torch.no_grad():
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 1.5)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)

    def forward(self, tokens):
        b, n, d = tokens.shape
        x = self.norm(tokens).transpose(1, 2).reshape(b, d, *self.grid)
        x = self.cls(self.up(x))
        return nn.functional.interpolate(x, size=(self.image, self.image),
                                         mode="bilinear", align_corners=False)


class Gate(nn.Module):
    """Router logits for token x under task t, in either variant."""

    def __init__(self, dim, experts, variant):
        super().__init__()
        self.variant = variant
        n = len(TASKS)
        if variant == "multigate":
            self.weight = nn.Parameter(torch.randn(n, experts, dim) * dim ** -0.5)
        else:
            self.task_mlp = nn.Sequential(nn.Linear(n, dim), nn.GELU(),
                                          nn.Linear(dim, dim))
            self.linear = nn.Linear(2 * dim, experts)

    def forward(self, x, task_id):
        if self.variant == "multigate":
            return x @ self.weight[task_id].t()
        onehot = nn.functional.one_hot(task_id, len(TASKS)).float()
        t = self.task_mlp(onehot).expand(x.shape[0], x.shape[1], -1)
        return self.linear(torch.cat([x, t], dim=-1))


class Block(nn.Module):
    def __init__(self, dim, heads, experts, hidden, variant, moe):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.moe = moe
        if moe:
            self.gate = Gate(dim, experts, variant)
            self.ffn = MoE(dim, hidden, experts, k=2, activation="gelu")
        else:
            self.ffn = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(),
                                     nn.Linear(4 * dim, dim))

    def forward(self, x, task_id):
        x = x + self.attn(self.norm1(x))
        h = self.norm2(x)
        if self.moe:
            return x + self.ffn(h, self.gate(h, task_id))
        return x + self.ffn(h)


class M3ViT(nn.Module):
    def __init__(self, variant, image=224, dim=384, depth=12, heads=12,
                 patch=16, experts=16, hidden=768, head="pup", channels=256):
        super().__init__()
        grid = (image // patch, image // patch)
        self.patch_embed = PatchEmbed(dim, patch)
        self.pos = nn.Parameter(torch.randn(1, grid[0] * grid[1], dim) * 0.02)
        self.blocks = nn.ModuleList(
            Block(dim, heads, experts, hidden, variant, moe=(i % 2 == 1))
            for i in range(depth))
        self.norm = nn.LayerNorm(dim)
        if head == "pup":
            self.heads = nn.ModuleDict(
                {t: PUPHead(dim, c, grid, image, channels)
                 for t, c in TASKS.items()})
        else:
            self.heads = nn.ModuleDict(
                {t: DenseHead(dim, c, grid) for t, c in TASKS.items()})

    def forward(self, image, task_id):
        x = self.patch_embed(image) + self.pos
        for block in self.blocks:
            x = block(x, task_id)
        x = self.norm(x)
        return tuple(self.heads[t](x) for t in TASKS)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--variant", choices=("multigate", "taskcond"),
                        default="multigate")
    parser.add_argument("--image", type=int, default=224)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--batch", type=int, default=1,
                        help="images per input")
    parser.add_argument("--head", choices=("pup", "linear"), default="pup",
                        help="dense-prediction heads (default: SETR-PUP)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    if args.small:
        model = M3ViT(args.variant, image=32, dim=48, depth=2, heads=3,
                      experts=4, hidden=96, head=args.head, channels=16)
        size = 32
    else:
        model = M3ViT(args.variant, image=args.image, head=args.head)
        size = args.image
    model.eval()
    image = torch.randn(args.batch, 3, size, size)
    names = list(TASKS)
    path = os.path.join(args.out, f"m3vit_{args.variant}.onnx")
    export(model, (image, torch.tensor(0)), path, ["image", "task_id"], names,
           tasks={t: {"index": i, "outputs": [t]} for i, t in enumerate(names)},
           task_selector="task_id")
    np.save(os.path.join(args.out, "image.npy"), image.numpy())
    with torch.no_grad():
        for index, task in enumerate(names):
            tid = torch.tensor(index)
            np.save(os.path.join(args.out, f"task_id_{task}.npy"), tid.numpy())
            np.save(os.path.join(args.out, f"ref_{task}.npy"),
                    model(image, tid)[index].numpy())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
