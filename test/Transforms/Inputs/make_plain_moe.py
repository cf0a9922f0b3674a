#!/usr/bin/python3
"""MoE layers written in plain PyTorch (a softmax/top-k gate and a loop over
experts, each weighted by its top-k weight masked to that expert), exported
with torch.onnx.export, for m3sat-raise-moe's tests. Debian's /usr/bin/python3
(torch 1.13).

Usage: make_plain_moe.py OUT_DIR NAME [--form FORM] [--routing token|task]
           [--normalize] [--k K] [--experts E]
           [--activation gelu|relu|silu|identity] [--no-sum] [--flat]
           [--no-bias] [--sort] [--unweighted] [--dim D] [--hidden H]
Forms of the combine (g_e: expert e's routing weight per token):
  mul          g_e = (w * (idx == e)).sum(-1), out = out + g_e * expert_e(x)
  where        g_e = where(idx == e, w, 0).sum(-1)
  scatter      g = zeros_like(probs).scatter(-1, idx, w), g_e = g[..., e:e+1]
  scatter-add  the same with scatter_add
  onehot       m = one_hot(idx, E) permuted to [E, ..., k], g_e = (w * m[e]).sum(-1)
  onehot-sum   g = (w[..., None] * one_hot(idx, E)).sum(-2), g_e = g[..., e, None]
  index-add    g_e as mul, out.index_add_(0, arange(T), g_e * expert_e(x))
  index-put    out.index_put_((arange(T),), g_e * expert_e(x), accumulate=True)
  scatter-rows out = out.scatter_add(0, arange(T)[:, None].expand(T, D), ...)
  gather       tok, slot = where(idx == e); out.index_add(0, tok,
               expert_e(x[tok]) * w[tok, slot, None]) (NonZero in ONNX)
  mixtral      as HuggingFace's Mixtral block: m = one_hot(idx, E).permute(2,
               1, 0); slot, tok = where(m[e]); out.index_add_(0, tok,
               expert_e(x[None, tok].reshape(-1, D)) * w[tok, slot, None])
--activation swiglu: experts w2(silu(w1(x)) * w3(x)), as Mixtral's.
--unweighted (gather): out.index_add(0, tok, expert_e(x[tok])), no weight.
The row forms (index-add .. gather) and --flat run on the tokens flattened
to [T, D], so that torch exports the experts' Linear layers as Gemm.
--sort takes the top k as torch.sort(probs, descending=True)[..., :k].
Writes OUT_DIR/NAME.onnx, NAME_x.npy and the PyTorch results: NAME_ref.npy
for a token-routed layer; NAME_ref_a.npy / NAME_ref_b.npy (tasks a, b) and
NAME_task_a.npy / NAME_task_b.npy (task_id) for a task-routed one."""
import argparse
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "python"))
from m3sat_torch.export import export  # noqa: E402

TASKS = ("a", "b")
FORMS = ["mul", "where", "scatter", "scatter-add", "onehot", "onehot-sum",
         "index-add",
         "index-put", "scatter-rows", "gather", "mixtral"]
ROW_FORMS = ("index-add", "index-put", "scatter-rows", "gather", "mixtral")
ACT = {"gelu": nn.GELU, "relu": nn.ReLU, "silu": nn.SiLU,
       "identity": nn.Identity}


class SwiGLU(nn.Module):
    """Mixtral's expert: w2(silu(w1(x)) * w3(x))."""

    def __init__(self, d, h, bias):
        super().__init__()
        self.w1 = nn.Linear(d, h, bias=bias)
        self.w2 = nn.Linear(h, d, bias=bias)
        self.w3 = nn.Linear(d, h, bias=bias)

    def forward(self, x):
        return self.w2(nn.functional.silu(self.w1(x)) * self.w3(x))


def make_expert(args):
    e_bias = not args.no_bias
    if args.activation == "swiglu":
        return SwiGLU(args.dim, args.hidden, e_bias)
    return nn.Sequential(nn.Linear(args.dim, args.hidden, bias=e_bias),
                         ACT[args.activation](),
                         nn.Linear(args.hidden, args.dim, bias=e_bias))


class PlainMoE(nn.Module):
    """x + sum_e g_e(x) * expert_e(x), the way users write it."""

    def __init__(self, args):
        super().__init__()
        self.args = args
        e, D, H = args.experts, args.dim, args.hidden
        if args.routing == "token":
            self.gate = nn.Linear(D, e, bias=False)
        else:
            # Logits from the task alone (Edge-MoE's task-level routing).
            self.task_logits = nn.Parameter(torch.randn(len(TASKS), e) * 2)
        self.experts = nn.ModuleList(make_expert(args) for _ in range(e))
        self.heads = nn.ModuleList(nn.Linear(D, D) for _ in TASKS)

    def forward(self, x, task_id=None):
        a = self.args
        shape = x.shape
        if a.flat or a.form in ROW_FORMS:
            x = x.reshape(-1, shape[-1])
        if a.routing == "token":
            logits = self.gate(x)
        else:
            logits = self.task_logits[task_id].expand(*x.shape[:-1],
                                                      a.experts)
        probs = torch.softmax(logits, dim=-1)
        if a.sort:
            # Sort-and-slice: TopK(E), then Slice, in ONNX.
            w, idx = torch.sort(probs, dim=-1, descending=True)
            w, idx = w[..., :a.k], idx[..., :a.k]
        else:
            w, idx = torch.topk(probs, a.k, dim=-1)
        if a.normalize:
            w = w / w.sum(dim=-1, keepdim=True)
        if a.form == "scatter":
            combine = torch.zeros_like(probs).scatter(-1, idx, w)
        elif a.form == "scatter-add":
            combine = torch.zeros_like(probs).scatter_add(-1, idx, w)
        elif a.form == "onehot":
            hot = nn.functional.one_hot(idx, a.experts).to(w.dtype)
            # [..., k, E] -> [E, ..., k]
            masks = hot.permute(hot.dim() - 1, *range(hot.dim() - 1))
        elif a.form == "onehot-sum":
            hot = nn.functional.one_hot(idx, a.experts).to(w.dtype)
            combine = (w.unsqueeze(-1) * hot).sum(dim=-2)
        elif a.form == "mixtral":
            expert_mask = nn.functional.one_hot(idx, a.experts).permute(
                2, 1, 0)
        tokens = torch.arange(x.shape[0])
        out = torch.zeros_like(x)
        for e, expert in enumerate(self.experts):
            # --no-sum: expert 0's term is left out (not an MoE layer).
            if a.no_sum and e == 0:
                continue
            if a.form == "gather":
                tok, slot = torch.where(idx == e)
                y = expert(x[tok])
                if not a.unweighted:
                    y = y * w[tok, slot, None]
                out = out.index_add(0, tok, y)
                continue
            if a.form == "mixtral":
                slot, tok = torch.where(expert_mask[e])
                cur = x[None, tok].reshape(-1, x.shape[-1])
                y = expert(cur) * w[tok, slot, None]
                out.index_add_(0, tok, y.to(x.dtype))
                continue
            if a.form == "where":
                g = torch.where(idx == e, w, torch.zeros_like(w)).sum(
                    dim=-1, keepdim=True)
            elif a.form in ("scatter", "scatter-add"):
                g = combine[..., e:e + 1]
            elif a.form == "onehot":
                g = (w * masks[e]).sum(dim=-1, keepdim=True)
            elif a.form == "onehot-sum":
                g = combine[..., e, None]
            else:
                g = (w * (idx == e)).sum(dim=-1, keepdim=True)
            y = g * expert(x)
            if a.form == "index-add":
                out.index_add_(0, tokens, y)
            elif a.form == "index-put":
                out.index_put_((tokens,), y, accumulate=True)
            elif a.form == "scatter-rows":
                out = out.scatter_add(
                    0, tokens[:, None].expand(-1, x.shape[1]), y)
            else:
                out = out + y
        h = (x + out).reshape(shape)
        if a.routing == "token":
            return h
        return tuple(head(h) for head in self.heads)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("name")
    p.add_argument("--form", default="mul", choices=FORMS)
    p.add_argument("--routing", default="token", choices=["token", "task"])
    p.add_argument("--normalize", action="store_true")
    p.add_argument("--k", type=int, default=2)
    p.add_argument("--experts", type=int, default=8)
    p.add_argument("--activation", default="gelu",
                   choices=list(ACT) + ["swiglu"])
    p.add_argument("--no-sum", action="store_true")
    p.add_argument("--flat", action="store_true")
    p.add_argument("--no-bias", action="store_true")
    p.add_argument("--sort", action="store_true")
    p.add_argument("--unweighted", action="store_true")
    p.add_argument("--dim", type=int, default=16)
    p.add_argument("--hidden", type=int, default=32)
    args = p.parse_args()
    torch.manual_seed(0)
    model = PlainMoE(args).eval()
    x = torch.randn(2, 6, args.dim, generator=torch.Generator().manual_seed(1))
    path = os.path.join(args.out, args.name + ".onnx")
    np.save(os.path.join(args.out, args.name + "_x.npy"), x.numpy())
    with torch.no_grad():
        if args.routing == "token":
            export(model, (x,), path, ["x"], ["y"])
            np.save(os.path.join(args.out, args.name + "_ref.npy"),
                    model(x).numpy())
            return
        tasks = {t: {"index": i, "outputs": ["y_" + t]}
                 for i, t in enumerate(TASKS)}
        export(model, (x, torch.tensor(0)), path, ["x", "task_id"],
               ["y_" + t for t in TASKS], tasks=tasks,
               task_selector="task_id")
        for i, t in enumerate(TASKS):
            tid = torch.tensor(i)
            np.save(os.path.join(args.out, f"{args.name}_task_{t}.npy"),
                    tid.numpy())
            np.save(os.path.join(args.out, f"{args.name}_ref_{t}.npy"),
                    model(x, tid)[i].numpy())


if __name__ == "__main__":
    main()
