"""m3sat.compile: runs m3sat-compile on a model."""

import os
import shutil
import subprocess
import sys

from ._runtime import Error

__all__ = ["CompileError", "compile", "find_tool"]


class CompileError(Error):
    """m3sat-compile failed; the message is its one-line diagnostic."""


def find_tool(name="m3sat-compile"):
    """The path of an m3sat tool: $M3SAT_BUILD_DIR/bin, else a bin/ or
    build/bin/ folder above this package (a source checkout or an installed
    prefix), else PATH. Raises Error when none has it."""
    candidates = []
    build = os.environ.get("M3SAT_BUILD_DIR")
    if build:
        candidates.append(os.path.join(build, "bin"))
    folder = os.path.dirname(os.path.abspath(__file__))
    for _ in range(5):
        folder = os.path.dirname(folder)
        candidates += [os.path.join(folder, "bin"),
                       os.path.join(folder, "build", "bin")]
    for directory in candidates:
        path = os.path.join(directory, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    path = shutil.which(name)
    if path:
        return path
    raise Error(f"{name} not found (set M3SAT_BUILD_DIR to the build "
                "directory, or put the tools on PATH)")


def _flag(key, value):
    """The command-line form of a keyword argument: True -> --key, False ->
    --key=false, a list -> the flag repeated, a dict -> --key=K=V each."""
    flag = "--" + key.replace("_", "-")
    if value is True:
        return [flag]
    if value is False:
        return [flag + "=false"]
    if isinstance(value, dict):
        return [f"{flag}={k}={os.fspath(v) if isinstance(v, os.PathLike) else v}"
                for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [f"{flag}={v}" for v in value]
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return [f"{flag}={value}"]


def _diagnostic(stderr, returncode):
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "error:" in line:
            return line
    if lines:
        return lines[-1]
    return f"m3sat-compile exited with code {returncode}"


def compile(model, tasks=None, target="cpu", out_dir=None, modalities=None,
            **flags):
    """Compiles `model` (ONNX, or the MLIR the importer writes) for `tasks`
    (a name or a list; default: all) to `out_dir` for `target` ("cpu",
    "gpu" or "hls"), and returns out_dir. Other m3sat-compile flags are
    keyword arguments: report=True, bind={"task_id": "t.npy"},
    input_shape={"x": "1x3x224x224"}, profile="usage.json", coverage=0.99,
    gpu_arch="sm_90", hls_fixed=True, blas=False, ... The compiler's
    standard output (the --report tables) and its remarks are passed on to
    sys.stdout and sys.stderr. On failure raises CompileError with the
    compiler's one-line diagnostic."""
    if out_dir is None:
        raise TypeError("m3sat.compile needs out_dir")
    argv = [find_tool("m3sat-compile"), os.fspath(model),
            f"--target={target}", "-o", os.fspath(out_dir)]
    if tasks is not None:
        argv += _flag("tasks", [tasks] if isinstance(tasks, str) else tasks)
    if modalities is not None:
        argv += _flag("modalities", [modalities]
                      if isinstance(modalities, str) else modalities)
    for key, value in flags.items():
        if value is not None:
            argv += _flag(key, value)
    done = subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True)
    if done.returncode != 0:
        raise CompileError(_diagnostic(done.stderr, done.returncode))
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return os.fspath(out_dir)
