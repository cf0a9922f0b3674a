#!/usr/bin/env python3
"""Compares two .npy arrays elementwise (rtol 1e-4, atol 1e-5 unless given)
and prints one line: 'match' or 'MISMATCH', with the largest errors.
Usage: compare.py ACTUAL.npy EXPECTED.npy [RTOL ATOL]"""
import sys

import numpy as np

actual, expected = np.load(sys.argv[1]), np.load(sys.argv[2])
rtol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-4
atol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-5
if actual.shape != expected.shape or actual.dtype != expected.dtype:
    print(f"MISMATCH: {actual.dtype}{list(actual.shape)} vs "
          f"{expected.dtype}{list(expected.shape)}")
    sys.exit(1)
err = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
ok = np.all(err <= atol + rtol * np.abs(expected))
print(f"{'match' if ok else 'MISMATCH'}: max_abs_err={err.max():.3e} "
      f"elements={err.size}")
sys.exit(0 if ok else 1)
