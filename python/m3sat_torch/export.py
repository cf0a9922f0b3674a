"""torch.onnx.export with the m3sat opset and metadata."""
import json
import warnings

import onnx
import torch

CUSTOM_OPSETS = {"m3sat": 1, "com.microsoft": 1}


def set_metadata(model, tasks, modalities=None, task_selector=None):
    """Stores the m3sat metadata JSON (DESIGN.md) in an onnx.ModelProto.

    tasks: {name: {"index": i, "outputs": [...]}}; modalities:
    {name: [input names]}."""
    meta = {"version": 1, "tasks": tasks}
    if modalities:
        meta["modalities"] = modalities
    if task_selector:
        meta["task_selector"] = task_selector
    for prop in list(model.metadata_props):
        if prop.key == "m3sat":
            model.metadata_props.remove(prop)
    entry = model.metadata_props.add()
    entry.key, entry.value = "m3sat", json.dumps(meta)
    return model


def export(module, args, path, input_names, output_names, tasks=None,
           modalities=None, task_selector=None, opset=17):
    """Exports `module` to `path` with torch.onnx.export (m3sat custom ops
    included) and writes the metadata. Without `tasks`, every output is a
    task of its own name."""
    module.eval()
    domains = {getattr(m, "domain", None) for m in module.modules()}
    opsets = {d: v for d, v in CUSTOM_OPSETS.items() if d in domains}
    # torch 1.13 warns that g.op will move and that custom ops have no shape
    # inference; both are expected here.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(module, args, path, input_names=input_names,
                          output_names=output_names, opset_version=opset,
                          custom_opsets=opsets,
                          do_constant_folding=True)
    model = onnx.load(path)
    if tasks is None:
        tasks = {name: {"index": i, "outputs": [name]}
                 for i, name in enumerate(output_names)}
    set_metadata(model, tasks, modalities, task_selector)
    onnx.save(model, path)
    return model
