"""m3sat from Python: run tasks compiled by m3sat-compile on NumPy arrays,
the way onnxruntime.InferenceSession runs a model, and compile models.

    import m3sat
    m3sat.compile("edgemoe.onnx", tasks=["semseg"], target="cpu", out_dir="out")
    task = m3sat.Task("out", task="semseg")
    outputs = task.run(image=image)         # {"semseg": numpy.ndarray}

Needs Python 3.7 or later and NumPy (Debian's /usr/bin/python3 and a
pyenv/venv python3 alike); nothing else, no compiled extension: tasks are
opened through the task library's C ABI with ctypes. Put the folder that
holds this package (python/ in a source checkout) on PYTHONPATH."""

from ._compiler import CompileError, compile, find_tool
from ._runtime import Error, InputError, Task, TensorInfo

__all__ = ["Task", "TensorInfo", "compile", "find_tool", "Error",
           "InputError", "CompileError"]
