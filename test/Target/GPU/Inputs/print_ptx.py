#!/usr/bin/python3
"""Prints the PTX of every gpu.binary in the MLIR read from stdin, one
instruction a line (lit tests FileCheck the kernels' instructions)."""

import re
import sys


def unescape(text):
    # MLIR prints a string attribute with \\ and \XX (hex) escapes.
    return re.sub(r"\\(\\|[0-9A-Fa-f]{2})",
                  lambda m: "\\" if m.group(1) == "\\" else
                  chr(int(m.group(1), 16)), text)


found = False
for match in re.finditer(r'assembly = "((?:[^"\\]|\\.)*)"', sys.stdin.read()):
    sys.stdout.write(unescape(match.group(1)))
    found = True
if not found:
    sys.exit("print_ptx.py: no gpu.binary with PTX in the input")
