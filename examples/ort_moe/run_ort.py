#!/usr/bin/env python3
"""Runs an ONNX model in ONNX Runtime (CPU) and saves each output as .npy:
how a model exported for ORT (m3sat_torch with domain="com.microsoft") is
checked against ORT itself. Uses the python3 that has onnxruntime
(scripts/setup-peers.sh installs it), not Debian's.

Usage: run_ort.py MODEL.onnx NAME=FILE.npy... OUT_DIR
Writes OUT_DIR/<output name>.npy for every graph output.
"""
import os
import sys

try:
    import numpy as np
    import onnxruntime as ort
except ImportError as err:
    sys.exit(f"run_ort.py: error: {sys.executable} has no {err.name} "
             "(install it with scripts/setup-peers.sh)")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip().splitlines()[-2])
    model, out = sys.argv[1], sys.argv[-1]
    feeds = {}
    for arg in sys.argv[2:-1]:
        name, sep, path = arg.partition("=")
        if not sep:
            sys.exit(f"run_ort.py: error: '{arg}' is not NAME=FILE.npy")
        feeds[name] = np.load(path)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model, options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    os.makedirs(out, exist_ok=True)
    for name, value in zip(names, session.run(names, feeds)):
        np.save(os.path.join(out, f"{name}.npy"), value)
    print(f"onnxruntime {ort.__version__}: wrote {', '.join(names)} to {out}")


if __name__ == "__main__":
    main()
