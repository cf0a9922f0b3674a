"""Plain ViT building blocks shared by the example models (written so that
torch.onnx.export emits the ops a real ViT export has)."""
from torch import nn
import torch


class Attention(nn.Module):
    """Multi-head self-attention with a fused qkv projection."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads)
        qkv = qkv.permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = torch.softmax((q @ k.transpose(-2, -1)) * self.scale, dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, d))


class PatchEmbed(nn.Module):
    """Image [B, 3, H, W] -> tokens [B, H/p * W/p, dim]."""

    def __init__(self, dim, patch):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, stride=patch)

    def forward(self, image):
        return self.proj(image).flatten(2).transpose(1, 2)


class DenseHead(nn.Module):
    """Per-patch prediction reshaped to a [B, C, H/p, W/p] map."""

    def __init__(self, dim, channels, grid):
        super().__init__()
        self.grid = grid
        self.linear = nn.Linear(dim, channels)

    def forward(self, tokens):
        b = tokens.shape[0]
        out = self.linear(tokens).transpose(1, 2)
        return out.reshape(b, -1, self.grid[0], self.grid[1])
