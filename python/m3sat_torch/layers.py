"""MoE layers with DESIGN.md's semantics in eager PyTorch and an ONNX export
to the m3sat domain."""
import math

import torch
from torch import nn
from torch.onnx import symbolic_helper

ACTIVATIONS = ("relu", "gelu", "silu", "identity")


def route(logits, k, normalize):
    """Softmax over all experts, the k largest (ties: lower index first),
    weights renormalized over the k if `normalize`. Returns (indices,
    weights), each [..., k]."""
    probs = torch.softmax(logits, dim=-1)
    # A stable descending sort keeps the lower index first among equals.
    order = torch.sort(probs, dim=-1, descending=True, stable=True).indices
    indices = order[..., :k]
    weights = torch.gather(probs, -1, indices)
    if normalize:
        weights = weights / weights.sum(dim=-1, keepdim=True)
    return indices, weights


def _activation(x, kind):
    if kind == "relu":
        return torch.relu(x)
    if kind == "gelu":
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if kind == "gelu_tanh":  # ONNX Runtime's MoE `gelu`
        return 0.5 * x * (1.0 + torch.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))
    if kind == "silu":
        return x * torch.sigmoid(x)
    return x


def _optional(g, value):
    """An ONNX input that may be absent (exported as an empty name)."""
    if value is None or symbolic_helper._is_none(value):
        return symbolic_helper._optional_input_placeholder_tensor(g)
    return value


class _MoEFunction(torch.autograd.Function):
    """Exports as `domain`::MoE; `legacy_layout` stores fc1 as [E, D, H] and
    fc2 as [E, H, D], as older ONNX Runtime releases did."""

    @staticmethod
    def forward(ctx, x, logits, w1, b1, w2, b2, k, activation, normalize,
                domain="m3sat", legacy_layout=False):
        indices, weights = route(logits, k, normalize)
        # `gelu` is the exact erf form in m3sat and ONNX Runtime's tanh
        # approximation in com.microsoft.
        if domain == "com.microsoft" and activation == "gelu":
            activation = "gelu_tanh"
        out = torch.zeros_like(x)
        for e in range(w1.shape[0]):
            # Tokens that selected e, and their weight for it.
            gate = (weights * (indices == e)).sum(dim=-1, keepdim=True)
            h = x @ w1[e].t()
            if b1 is not None:
                h = h + b1[e]
            y = _activation(h, activation) @ w2[e].t()
            if b2 is not None:
                y = y + b2[e]
            out = out + gate * y
        return out

    @staticmethod
    def symbolic(g, x, logits, w1, b1, w2, b2, k, activation, normalize,
                 domain="m3sat", legacy_layout=False):
        if legacy_layout:
            w1 = g.op("Transpose", w1, perm_i=[0, 2, 1])
            w2 = g.op("Transpose", w2, perm_i=[0, 2, 1])
        # ONNX Runtime's MoE takes router_probs as [T, E] only: a [B, S, D]
        # layer is run on its B*S tokens and the result reshaped back.
        rank = symbolic_helper._get_tensor_rank(x)
        tokens = domain == "com.microsoft" and rank is not None and rank > 2
        x2d, logits2d = x, logits
        if tokens:
            x2d = g.op("Flatten", x, axis_i=rank - 1)
            logits2d = g.op("Flatten", logits, axis_i=rank - 1)
        out = g.op(f"{domain}::MoE", x2d, logits2d, w1, _optional(g, b1), w2,
                   _optional(g, b2), k_i=k, activation_type_s=activation,
                   normalize_routing_weights_i=int(normalize))
        if tokens:
            out = g.op("Reshape", out, g.op("Shape", x))
        out.setType(x.type())
        return out


class MoE(nn.Module):
    """A mixture of E two-layer FFN experts (ONNX m3sat::MoE).

    forward(x, router_logits): x is [T, D] or [B, S, D], router_logits
    [..., E] (pre-softmax). Weights are (out, in) as nn.Linear stores them:
    fc1_weight [E, H, D], fc2_weight [E, D, H].

    domain="com.microsoft" exports ONNX Runtime's contrib op as ORT runs it:
    a [B, S, D] layer is flattened to its B*S tokens around the node
    (router_probs 2-D), and "gelu" means ORT's tanh approximation, in
    PyTorch as well; in the m3sat domain "gelu" is the exact erf form."""

    def __init__(self, dim, hidden, num_experts, k=1, activation="relu",
                 normalize=False, bias=True, domain="m3sat",
                 legacy_layout=False):
        super().__init__()
        # domain "com.microsoft" exports ONNX Runtime's contrib MoE op.
        self.domain, self.legacy_layout = domain, legacy_layout
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}")
        if not 1 <= k <= num_experts:
            raise ValueError("k must be in [1, num_experts]")
        self.k, self.activation, self.normalize = k, activation, normalize
        self.fc1_weight = nn.Parameter(torch.empty(num_experts, hidden, dim))
        self.fc2_weight = nn.Parameter(torch.empty(num_experts, dim, hidden))
        self.fc1_bias = nn.Parameter(torch.zeros(num_experts, hidden)) if bias else None
        self.fc2_bias = nn.Parameter(torch.zeros(num_experts, dim)) if bias else None
        nn.init.normal_(self.fc1_weight, std=dim ** -0.5)
        nn.init.normal_(self.fc2_weight, std=hidden ** -0.5)

    def forward(self, x, router_logits):
        return _MoEFunction.apply(x, router_logits, self.fc1_weight,
                                  self.fc1_bias, self.fc2_weight,
                                  self.fc2_bias, self.k, self.activation,
                                  self.normalize, self.domain,
                                  self.legacy_layout)


def moa_forward(x, logits, wq, wk, wv, wo, bo, k, normalize, scale,
                selected_only=False):
    """m3sat::MoAttention (DESIGN.md): every head expert, masked by its
    routing weight, or with `selected_only` only the experts some token
    selected (the same result, the work a specialized program does)."""
    indices, weights = route(logits, k, normalize)
    keys, values = x @ wk.t(), x @ wv.t()
    out = torch.zeros_like(x)
    experts = indices.unique().tolist() if selected_only else range(wq.shape[0])
    for e in experts:
        gate = (weights * (indices == e)).sum(dim=-1, keepdim=True)
        q = x @ wq[e].t()
        attn = torch.softmax(scale * q @ keys.transpose(-1, -2), dim=-1)
        out = out + gate * ((attn @ values) @ wo[e].t())
    if bo is not None:
        out = out + bo
    return out


class _MoAttentionFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, logits, wq, wk, wv, wo, bo, k, normalize, scale):
        return moa_forward(x, logits, wq, wk, wv, wo, bo, k, normalize, scale)

    @staticmethod
    def symbolic(g, x, logits, wq, wk, wv, wo, bo, k, normalize, scale):
        out = g.op("m3sat::MoAttention", x, logits, wq, wk, wv, wo,
                   _optional(g, bo), k_i=k,
                   normalize_routing_weights_i=int(normalize),
                   scale_f=scale)
        out.setType(x.type())
        return out


class MoAttention(nn.Module):
    """A mixture of attention-head experts with shared keys and values
    (ONNX m3sat::MoAttention). forward(x [B, S, D], router_logits
    [B, S, E])."""

    def __init__(self, dim, head_dim, num_experts, k=1, normalize=False,
                 scale=None, bias=True):
        super().__init__()
        self.domain = "m3sat"
        self.k, self.normalize = k, normalize
        self.scale = float(scale if scale is not None else head_dim ** -0.5)
        self.wq = nn.Parameter(torch.randn(num_experts, head_dim, dim) * dim ** -0.5)
        self.wk = nn.Parameter(torch.randn(head_dim, dim) * dim ** -0.5)
        self.wv = nn.Parameter(torch.randn(head_dim, dim) * dim ** -0.5)
        self.wo = nn.Parameter(torch.randn(num_experts, dim, head_dim) * head_dim ** -0.5)
        self.bo = nn.Parameter(torch.zeros(dim)) if bias else None

    def forward(self, x, router_logits):
        return _MoAttentionFunction.apply(x, router_logits, self.wq, self.wk,
                                          self.wv, self.wo, self.bo, self.k,
                                          self.normalize, self.scale)
