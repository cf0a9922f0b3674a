"""The example models as the benchmark runs them (Debian's /usr/bin/python3,
torch 1.13): generation with each example's own script, the PyTorch model
rebuilt with the same seed, each task's own forward, a sparse top-k
reference for the MoE layers, and the ONNX files the peers run.

The ONNX files for the peers hold the same weights as the examples' m3sat
files:
* `ort_full.onnx`: the whole multi-task model with every MoE FFN as ONNX
  Runtime's `com.microsoft::MoE` (2-D input and router_probs, as ORT
  requires; ORT computes its "gelu" with the tanh approximation, PyTorch
  and m3sat with erf). Attention-head experts (`m3sat::MoAttention`, no
  ORT op) become standard ops over the head experts some token selects
  (the multimodal model routes them by modality, fixed at export);
* `ort_<task>.onnx`: a graph that holds only that task's output and its
  inputs (task selector bound, other heads and modalities gone), MoE as
  above;
* `plain_full.onnx`: the whole model in standard ONNX ops only (for
  OpenVINO, which has no conversion for com.microsoft::MoE): each MoE FFN
  as PyTorch MoE blocks are usually written, every expert over every
  token, weighted by the top-k mask.
"""
import contextlib
import hashlib
import importlib.util
import os
import subprocess
import sys
import warnings

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
import m3sat_torch.layers as mlayers  # noqa: E402
from m3sat_torch import MoAttention, MoE, route  # noqa: E402


class Example:
    """One example model: generator, ONNX file, tasks, constructor."""

    def __init__(self, name, generator, onnx, tasks, args=(),
                 small_kwargs=None):
        self.name, self.generator, self.onnx = name, generator, onnx
        self.tasks, self.args = tuple(tasks), list(args)
        self.small_kwargs = small_kwargs or {}

    def module(self):
        path = os.path.join(ROOT, self.generator)
        spec = importlib.util.spec_from_file_location(
            "example_" + self.name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


EXAMPLES = [
    Example("edgemoe", "examples/edgemoe/make_model.py", "edgemoe.onnx",
            ("semseg", "depth"),
            small_kwargs=dict(dim=48, depth=2, heads=3, experts=4, hidden=96,
                              classes=5)),
    Example("multimodal", "examples/m3sat_multimodal/make_model.py",
            "m3sat_multimodal.onnx", ("scene", "activity", "caption"),
            small_kwargs=dict(dim=32, depth=1, experts=4, head_dim=8,
                              hidden=64)),
    Example("m3vit", "examples/m3vit/make_model.py", "m3vit_multigate.onnx",
            ("semseg", "depth", "normals"), args=["--variant", "multigate"],
            small_kwargs=dict(image=32, dim=48, depth=2, heads=3, experts=4,
                              hidden=96)),
]


def _stamp(example):
    """What the files of a case depend on: a case is rebuilt when any of
    these sources changed."""
    digest = hashlib.sha256()
    files = [os.path.join(ROOT, example.generator), os.path.abspath(__file__)]
    pkg = os.path.join(ROOT, "python", "m3sat_torch")
    files += sorted(os.path.join(pkg, f) for f in os.listdir(pkg)
                    if f.endswith(".py"))
    for path in files:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def prepare(example, case, batch, small):
    """Writes the example (m3sat ONNX, inputs, PyTorch outputs) and the
    peers' ONNX files into `case`, unless they are there from the same
    sources. Returns the PyTorch model."""
    stamp_path = os.path.join(case, "stamp")
    stamp = _stamp(example) + (" small" if small else "")
    fresh = os.path.exists(stamp_path) and open(stamp_path).read() == stamp
    if not fresh:
        os.makedirs(case, exist_ok=True)
        subprocess.run([sys.executable,
                        os.path.join(ROOT, example.generator), case,
                        "--batch", str(batch)] + example.args +
                       (["--small"] if small else []),
                       check=True, capture_output=True)
    model = build_model(example, small)
    if not fresh:
        export_peers(example, model, case)
        with open(stamp_path, "w") as f:
            f.write(stamp)
    return model


def build_model(example, small):
    """The PyTorch model exactly as the generator builds it (same seed, same
    constructor arguments)."""
    module = example.module()
    torch.manual_seed(0)
    kwargs = example.small_kwargs if small else {}
    if example.name == "edgemoe":
        model = module.EdgeMoE(**kwargs)
    elif example.name == "m3vit":
        model = module.M3ViT("multigate", **kwargs)
    else:
        model = module.M3SAT(**kwargs)
    model.module_ = module
    return model.eval()


def inputs_of(example, case):
    """The full model's inputs, name -> file."""
    names = ["image", "task_id"] if example.name != "multimodal" else \
        ["image", "sensor", "tokens"]
    return {n: os.path.join(case, n + ".npy") for n in names}


def task_inputs(example, model, case, task):
    """The inputs of a task's own graph (and of its m3sat task binary),
    name -> file."""
    if example.name != "multimodal":
        return {"image": os.path.join(case, "image.npy")}
    module = model.module_
    return {n: os.path.join(case, n + ".npy")
            for m in module.TASKS[task] for n in module.MODALITIES[m]}


def full_feed(example, case, task):
    """Files for the full model's inputs when computing `task`."""
    feed = inputs_of(example, case)
    if "task_id" in feed:
        feed["task_id"] = os.path.join(case, f"task_id_{task}.npy")
    return feed


class TaskForward(torch.nn.Module):
    """The work of one task alone: its inputs in, its output out."""

    def __init__(self, example, model, task):
        super().__init__()
        self.example, self.model, self.task = example.name, model, task
        self.index = list(model.module_.TASKS).index(task)

    def forward(self, *inputs):
        m = self.model
        if self.example != "multimodal":
            out = m(inputs[0], torch.tensor(self.index))
            return out[self.index]
        module = m.module_
        parts, ids = [], []
        named = dict(zip([n for mod in module.TASKS[self.task]
                          for n in module.MODALITIES[mod]], inputs))
        for mod in module.TASKS[self.task]:
            if mod == "rgb":
                parts.append(m.patch(named["image"]))
            elif mod == "imu":
                s = named["sensor"]
                parts.append(m.sensor(s.reshape(
                    s.shape[0], m.sensor_tokens, m.window * m.channels)))
            else:
                parts.append(m.embed(named["tokens"]))
            ids.append(list(module.MODALITIES).index(mod))
        x = m.encode(parts, ids)
        if self.task == "scene":
            return m.scene(x.mean(dim=1))
        if self.task == "activity":
            return m.activity(x.mean(dim=1))
        return m.caption(x[:, m.image_tokens:])


# --- The sparse PyTorch reference ----------------------------------------

_ACT = {"gelu": lambda v: 0.5 * v * (1.0 + torch.erf(v * 0.7071067811865476)),
        "relu": torch.relu, "silu": torch.nn.functional.silu,
        "identity": lambda v: v}


def _sparse_moe(ctx, x, logits, w1, b1, w2, b2, k, activation, normalize,
                domain="m3sat", legacy_layout=False):
    """MoE doing only the routed work: each selected expert over its own
    tokens (gathered), its result scaled by the routing weight and added
    back (index_add)."""
    d = x.shape[-1]
    flat = x.reshape(-1, d)
    idx, w = route(logits.reshape(-1, logits.shape[-1]), k, normalize)
    out = torch.zeros_like(flat)
    act = _ACT[activation]
    for e in idx.unique().tolist():
        tok, slot = (idx == e).nonzero(as_tuple=True)
        h = flat[tok] @ w1[e].t()
        if b1 is not None:
            h = h + b1[e]
        y = act(h) @ w2[e].t()
        if b2 is not None:
            y = y + b2[e]
        out.index_add_(0, tok, y * w[tok, slot].unsqueeze(1))
    return out.reshape(x.shape)


def _sparse_moa(ctx, x, logits, wq, wk, wv, wo, bo, k, normalize, scale):
    """MoAttention computing only the head experts some token selected."""
    return mlayers.moa_forward(x, logits, wq, wk, wv, wo, bo, k, normalize,
                               scale, selected_only=True)


@contextlib.contextmanager
def sparse_layers():
    """m3sat_torch's MoE layers compute only the selected experts."""
    saved = (mlayers._MoEFunction.forward,
             mlayers._MoAttentionFunction.forward)
    mlayers._MoEFunction.forward = staticmethod(_sparse_moe)
    mlayers._MoAttentionFunction.forward = staticmethod(_sparse_moa)
    try:
        yield
    finally:
        mlayers._MoEFunction.forward = staticmethod(saved[0])
        mlayers._MoAttentionFunction.forward = staticmethod(saved[1])


# --- ONNX files for the peers --------------------------------------------

def _plain_moe(self, x, logits):
    """An MoE FFN in standard ops: every expert over every token, weighted
    by its top-k routing weight (0 where not selected)."""
    top, index = _top_k(logits, self.k, self.normalize)
    act = _ACT[self.activation]
    out = torch.zeros_like(x)
    for e in range(self.fc1_weight.shape[0]):
        gate = (top * (index == e)).sum(dim=-1, keepdim=True)
        h = x @ self.fc1_weight[e].t()
        if self.fc1_bias is not None:
            h = h + self.fc1_bias[e]
        y = act(h) @ self.fc2_weight[e].t()
        if self.fc2_bias is not None:
            y = y + self.fc2_bias[e]
        out = out + gate * y
    return out


def _ort_moe(self, x, logits):
    """com.microsoft::MoE on 2-D input and router_probs."""
    d, e = x.shape[-1], logits.shape[-1]
    out = mlayers._MoEFunction.apply(
        x.reshape(-1, d), logits.reshape(-1, e), self.fc1_weight,
        self.fc1_bias, self.fc2_weight, self.fc2_bias, self.k,
        self.activation, self.normalize, "com.microsoft", False)
    return out.reshape(x.shape)


def _top_k(logits, k, normalize):
    """route() with topk (which exports; sort(stable=True) does not)."""
    top, index = torch.softmax(logits, dim=-1).topk(k, dim=-1)
    if normalize:
        top = top / top.sum(dim=-1, keepdim=True)
    return top, index


def _selected_moa(self, x, logits):
    """MoAttention in standard ops over the head experts some token
    selects (constant when routing is fixed at export, as here)."""
    top, index = _top_k(logits, self.k, self.normalize)
    keys, values = x @ self.wk.t(), x @ self.wv.t()
    out = torch.zeros_like(x)
    for e in index.unique().tolist():
        gate = (top * (index == e)).sum(dim=-1, keepdim=True)
        q = x @ self.wq[e].t()
        attn = torch.softmax(self.scale * q @ keys.transpose(-1, -2), dim=-1)
        out = out + gate * ((attn @ values) @ self.wo[e].t())
    if self.bo is not None:
        out = out + self.bo
    return out


@contextlib.contextmanager
def _export_form(moe_forward):
    saved = (MoE.forward, MoAttention.forward)
    MoE.forward, MoAttention.forward = moe_forward, _selected_moa
    try:
        yield
    finally:
        MoE.forward, MoAttention.forward = saved


def _export(module, args, path, input_names, output_names, domains):
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, path, input_names=input_names,
                          output_names=output_names, opset_version=17,
                          custom_opsets=domains, do_constant_folding=True)


def export_peers(example, model, case):
    load = lambda f: torch.from_numpy(np.load(f))
    full_inputs = full_feed(example, case, example.tasks[0])
    full_args = tuple(load(f) for f in full_inputs.values())
    tasks = list(model.module_.TASKS)
    for form, moe_forward, domains in (
            ("ort", _ort_moe, {"com.microsoft": 1}),
            ("plain", _plain_moe, {})):
        with _export_form(moe_forward):
            _export(model, full_args, os.path.join(case, f"{form}_full.onnx"),
                    list(full_inputs), tasks, domains)
            if form != "ort":
                continue
            for task in example.tasks:
                names = task_inputs(example, model, case, task)
                _export(TaskForward(example, model, task),
                        tuple(load(f) for f in names.values()),
                        os.path.join(case, f"ort_{task}.onnx"), list(names),
                        [task], domains)
