"""m3sat.Task: opens a task of a compiled OUT_DIR through the task
library's C ABI (include/m3sat/Runtime/m3sat_runtime.h) with ctypes, and
runs it on NumPy arrays."""

import ctypes
import os
from collections import namedtuple

import numpy as np

from ._bundle import read_header

__all__ = ["Error", "InputError", "Task", "TensorInfo"]


class Error(Exception):
    """An m3sat failure; the message is one line naming the file, the task
    or the input concerned."""


class InputError(Error, ValueError):
    """An input of Task.run that is unknown, missing, or of the wrong dtype
    or shape."""


TensorInfo = namedtuple("TensorInfo", ["name", "shape", "dtype"])
TensorInfo.__doc__ = """An input or output of a task: its graph name, its
shape (a tuple of ints) and its element type (a numpy.dtype)."""

# enum m3sat_dtype -> NumPy dtype; integers are signless in m3sat, so an
# integer input also takes the unsigned type of its width.
_DTYPES = {0: np.dtype(np.float32), 1: np.dtype(np.int64),
           2: np.dtype(np.int32), 3: np.dtype(np.float16),
           4: np.dtype(np.bool_), 5: np.dtype(np.int8),
           6: np.dtype(np.int16), 7: np.dtype(np.float64)}
_UNSIGNED = {np.dtype(np.int64): np.dtype(np.uint64),
             np.dtype(np.int32): np.dtype(np.uint32),
             np.dtype(np.int16): np.dtype(np.uint16),
             np.dtype(np.int8): np.dtype(np.uint8)}

# Task libraries stay loaded once opened (OpenMP worker threads may still
# refer to their code), one handle per file.
_LIBRARIES = {}


def _c_abi(path):
    path = os.path.realpath(path)
    lib = _LIBRARIES.get(path)
    if lib is not None:
        return lib
    try:
        lib = ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
    except OSError as e:
        raise Error(f"{path}: cannot load task library: {e}") from None
    model, p, i, cstr = ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, \
        ctypes.c_char_p
    signatures = {
        "m3sat_create": (model, [cstr, cstr, ctypes.c_char_p,
                                 ctypes.c_size_t]),
        "m3sat_num_inputs": (i, [model]),
        "m3sat_num_outputs": (i, [model]),
        "m3sat_input_name": (cstr, [model, i]),
        "m3sat_input_dtype": (i, [model, i]),
        "m3sat_input_rank": (i, [model, i]),
        "m3sat_input_shape": (ctypes.POINTER(ctypes.c_int64), [model, i]),
        "m3sat_output_name": (cstr, [model, i]),
        "m3sat_output_dtype": (i, [model, i]),
        "m3sat_output_rank": (i, [model, i]),
        "m3sat_output_shape": (ctypes.POINTER(ctypes.c_int64), [model, i]),
        "m3sat_num_tasks": (i, [model]),
        "m3sat_task_name": (cstr, [model, i]),
        "m3sat_run": (i, [model, ctypes.POINTER(p), ctypes.POINTER(p)]),
        "m3sat_destroy": (None, [model]),
    }
    for name, (restype, argtypes) in signatures.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise Error(f"{path}: task library lacks the C ABI symbol "
                        f"'{name}'") from None
        fn.restype, fn.argtypes = restype, argtypes
    # Optional: task libraries older than the GPU target lack it.
    if hasattr(lib, "m3sat_error"):
        lib.m3sat_error.restype, lib.m3sat_error.argtypes = cstr, [model]
    _LIBRARIES[path] = lib
    return lib


def _shape_text(shape):
    return "[" + ", ".join(str(d) for d in shape) + "]"


class Task:
    """One task of a compiled OUT_DIR (m3sat-compile --target=cpu or gpu),
    ready to run on NumPy arrays.

        task = m3sat.Task("out", task="semseg")
        print(task.inputs)          # [TensorInfo(name='image', shape=(1, 3, 128, 256), dtype=dtype('float32'))]
        outputs = task.run(image=image)     # {'semseg': numpy.ndarray}

    Tasks of one OUT_DIR open at the same time share one mapping of the
    bundle's weights. A failure raises Error (InputError for inputs) with a
    one-line message."""

    def __init__(self, out_dir, task=None):
        out_dir = os.fspath(out_dir)
        header = self._check_out_dir(out_dir)
        self._lib = _c_abi(os.path.join(out_dir, header.library))
        error = ctypes.create_string_buffer(1024)
        self._model = self._lib.m3sat_create(
            out_dir.encode(), None if task is None else task.encode(), error,
            len(error))
        if not self._model:
            raise Error(error.value.decode(errors="replace"))
        self.out_dir = out_dir
        self.target = header.target
        lib, model = self._lib, self._model
        self.tasks = [lib.m3sat_task_name(model, i).decode()
                      for i in range(lib.m3sat_num_tasks(model))]
        self.name = task if task is not None else self.tasks[0]
        self.inputs = [self._info(lib.m3sat_input_name, lib.m3sat_input_dtype,
                                  lib.m3sat_input_rank,
                                  lib.m3sat_input_shape, i)
                       for i in range(lib.m3sat_num_inputs(model))]
        self.outputs = [self._info(lib.m3sat_output_name,
                                   lib.m3sat_output_dtype,
                                   lib.m3sat_output_rank,
                                   lib.m3sat_output_shape, i)
                        for i in range(lib.m3sat_num_outputs(model))]

    @staticmethod
    def _check_out_dir(out_dir):
        bundle = os.path.join(out_dir, "bundle.m3b")
        if not os.path.isdir(out_dir):
            raise Error(f"{out_dir}: not a directory")
        try:
            header = read_header(bundle)
        except ValueError as e:
            raise Error(str(e)) from None
        if not header.library or "/" in header.library:
            raise Error(f"{bundle}: field 'library' is not a file name in "
                        "OUT_DIR")
        if header.target not in ("cpu", "gpu"):
            raise Error(f"{bundle}: this OUT_DIR was compiled for --target="
                        f"{header.target}; only --target=cpu and --target=gpu"
                        " run here")
        return header

    def _info(self, name, dtype, rank, shape, i):
        code = dtype(self._model, i)
        if code not in _DTYPES:
            raise Error(f"{self.out_dir}: port {i} of task '{self.name}' has "
                        f"unknown dtype {code}")
        dims = shape(self._model, i)
        return TensorInfo(name(self._model, i).decode(),
                          tuple(int(dims[d])
                                for d in range(rank(self._model, i))),
                          _DTYPES[code])

    def _expected(self):
        return ", ".join(f"{t.name} {t.dtype} {_shape_text(t.shape)}"
                         for t in self.inputs)

    def _check_input(self, info, value):
        if not isinstance(value, np.ndarray):
            raise InputError(f"input '{info.name}': expected a numpy.ndarray "
                             f"of {info.dtype} {_shape_text(info.shape)}, got "
                             f"{type(value).__name__}")
        accepted = [info.dtype]
        if info.dtype in _UNSIGNED:
            accepted.append(_UNSIGNED[info.dtype])
        if not any(value.dtype == dtype for dtype in accepted):
            raise InputError(f"input '{info.name}': dtype {value.dtype} but "
                             f"the task needs {info.dtype}")
        if tuple(value.shape) != info.shape:
            raise InputError(f"input '{info.name}': shape "
                             f"{_shape_text(value.shape)} but the task needs "
                             f"{_shape_text(info.shape)}")
        return np.ascontiguousarray(value)

    def run(self, **arrays):
        """Runs the task on its inputs, given by name as NumPy arrays of the
        declared dtype and shape; returns {output name: numpy.ndarray}."""
        if self._model is None:
            raise Error(f"task '{self.name}' of {self.out_dir} is closed")
        names = {info.name for info in self.inputs}
        for name in arrays:
            if name not in names:
                raise InputError(f"unknown input '{name}' of task "
                                 f"'{self.name}' (inputs: "
                                 f"{self._expected() or 'none'})")
        inputs = []
        for info in self.inputs:
            if info.name not in arrays:
                raise InputError(f"missing input '{info.name}' "
                                 f"({info.dtype} {_shape_text(info.shape)})")
            inputs.append(self._check_input(info, arrays[info.name]))
        outputs = {info.name: np.empty(info.shape, info.dtype)
                   for info in self.outputs}
        pointers = ctypes.c_void_p * max(1, len(inputs), len(outputs))
        in_ptrs = pointers(*[a.ctypes.data for a in inputs])
        out_ptrs = pointers(*[a.ctypes.data for a in outputs.values()])
        if self._lib.m3sat_run(self._model, in_ptrs, out_ptrs) != 0:
            reason = None
            if hasattr(self._lib, "m3sat_error"):
                reason = self._lib.m3sat_error(self._model)
            raise Error(reason.decode(errors="replace") if reason else
                        f"task '{self.name}' of {self.out_dir} failed")
        return outputs

    def close(self):
        """Closes the task; the bundle is unmapped with the last task of its
        OUT_DIR. Called when the Task is garbage-collected."""
        if getattr(self, "_model", None):
            self._lib.m3sat_destroy(self._model)
        self._model = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def __repr__(self):
        return (f"m3sat.Task({self.out_dir!r}, task={self.name!r}, "
                f"target={self.target!r})")
