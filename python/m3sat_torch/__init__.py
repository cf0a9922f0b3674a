"""PyTorch helpers for writing m3sat models: MoE layers as ordinary
nn.Modules whose eager semantics are exactly DESIGN.md's and which export
with torch.onnx.export to the m3sat::MoE / m3sat::MoAttention ONNX ops, plus
the m3sat metadata JSON."""

from .layers import MoAttention, MoE, route
from .export import CUSTOM_OPSETS, export, set_metadata
from .vit import Attention, DenseHead, PatchEmbed

__all__ = ["MoE", "MoAttention", "route", "export", "set_metadata",
           "CUSTOM_OPSETS", "Attention", "DenseHead", "PatchEmbed"]
