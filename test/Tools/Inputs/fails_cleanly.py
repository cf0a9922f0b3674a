#!/usr/bin/env python3
"""Runs a command that must fail the way DESIGN.md says bad input fails:
exit code 1, nothing on stdout, exactly one line on stderr, and none of the
paths given with --absent existing afterwards. Prints that line for
FileCheck; exits non-zero (saying why) if any condition does not hold.

Usage: fails_cleanly.py [--absent PATH]... -- COMMAND ARGS...
"""
import os
import subprocess
import sys


def main():
    args = sys.argv[1:]
    absent = []
    while args and args[0] == "--absent":
        absent.append(args[1])
        args = args[2:]
    if not args or args[0] != "--":
        sys.exit("usage: fails_cleanly.py [--absent PATH]... -- COMMAND...")
    ran = subprocess.run(args[1:], capture_output=True, text=True)
    lines = ran.stderr.splitlines()
    problems = []
    if ran.returncode != 1:
        problems.append(f"exit code {ran.returncode}, not 1")
    if ran.stdout:
        problems.append(f"stdout is not empty: {ran.stdout!r}")
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr, not 1")
    problems += [f"{p} exists" for p in absent if os.path.exists(p)]
    print(ran.stderr, end="")
    if problems:
        sys.exit("fails_cleanly: " + "; ".join(problems))


if __name__ == "__main__":
    main()
