#!/usr/bin/env python3
"""The Edge-MoE configuration as a PyTorch model with seeded random weights,
exported to ONNX for m3sat, with sample inputs and PyTorch's outputs.

Edge-MoE (ViT-Tiny): embed 192, 12 blocks, 3 heads, patch 16, 128x256 input,
MoE FFN in every other block (16 experts, top-2, expert hidden 384, no
renormalization) with task-level routing: a block's router logits come from
the task embedding alone, so binding the task makes each MoE layer's expert
set static. Tasks: semseg (per-patch class logits) and depth (per-patch
depth), selected inside the graph by the int64 input `task_id`.

Usage: make_model.py OUT_DIR [--small] [--batch N]   (--small: 2 blocks,
32x64 input, 4 experts; what the tests use; --batch: images per input,
default 1)
Writes OUT_DIR/edgemoe.onnx, image.npy, task_id_<task>.npy and
ref_<task>_<output>.npy for each task.
"""
import argparse
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "python"))
from m3sat_torch import Attention, MoE, export  # noqa: E402

TASKS = ("semseg", "depth")


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, experts, num_tasks, moe):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.moe = moe
        if moe:
            # Task-level routing: logits from the task embedding only.
            self.gate = nn.Linear(dim, experts)
            self.ffn = MoE(dim, hidden, experts, k=2, activation="gelu")
        else:
            self.ffn = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(),
                                     nn.Linear(4 * dim, dim))

    def forward(self, x, task_embedding):
        x = x + self.attn(self.norm1(x))
        h = self.norm2(x)
        if self.moe:
            logits = self.gate(task_embedding)            # [1, E]
            logits = logits.unsqueeze(1).expand(x.shape[0], x.shape[1], -1)
            return x + self.ffn(h, logits)
        return x + self.ffn(h)


class EdgeMoE(nn.Module):
    def __init__(self, dim=192, depth=12, heads=3, patch=16, experts=16,
                 hidden=384, classes=19):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, patch, stride=patch)
        self.task_embed = nn.Embedding(len(TASKS), dim)
        self.blocks = nn.ModuleList(
            Block(dim, heads, hidden, experts, len(TASKS), moe=(i % 2 == 1))
            for i in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.semseg_head = nn.Linear(dim, classes)
        self.depth_head = nn.Linear(dim, 1)

    def forward(self, image, task_id):
        x = self.patch_embed(image).flatten(2).transpose(1, 2)
        task = self.task_embed(task_id).unsqueeze(0)          # [1, dim]
        for block in self.blocks:
            x = block(x, task)
        x = self.norm(x)
        return self.semseg_head(x), self.depth_head(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    if args.small:
        model, shape = EdgeMoE(dim=48, depth=2, heads=3, experts=4,
                               hidden=96, classes=5), (args.batch, 3, 32, 64)
    else:
        model, shape = EdgeMoE(), (args.batch, 3, 128, 256)
    model.eval()
    image = torch.randn(*shape)
    task_id = torch.tensor(0, dtype=torch.int64)
    path = os.path.join(args.out, "edgemoe.onnx")
    export(model, (image, task_id), path, ["image", "task_id"],
           ["semseg", "depth"],
           tasks={"semseg": {"index": 0, "outputs": ["semseg"]},
                  "depth": {"index": 1, "outputs": ["depth"]}},
           task_selector="task_id")
    np.save(os.path.join(args.out, "image.npy"), image.numpy())
    with torch.no_grad():
        for index, task in enumerate(TASKS):
            tid = torch.tensor(index, dtype=torch.int64)
            np.save(os.path.join(args.out, f"task_id_{task}.npy"), tid.numpy())
            semseg, depth = model(image, tid)
            out = semseg if task == "semseg" else depth
            np.save(os.path.join(args.out, f"ref_{task}.npy"), out.numpy())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
