"""Checks that two m3sat-profile runs wrote the same profile.

Usage: compare_profiles.py DIR_A DIR_B   (each holds usage.json, usage.svg
and usage.ref/ of one run; paths inside usage.json differ only by DIR)
"""
import filecmp
import json
import os
import sys

a, b = sys.argv[1], sys.argv[2]


def load(d):
    with open(os.path.join(d, "usage.json")) as f:
        text = f.read()
    return json.loads(text.replace(os.path.abspath(d), "DIR"))


ja, jb = load(a), load(b)
assert ja == jb, "usage.json differs:\n%s\n%s" % (ja, jb)
assert sum(len(s["inputs"]) for s in ja["samples"]) > 0, ja["samples"]
with open(os.path.join(a, "usage.svg"), "rb") as f, \
        open(os.path.join(b, "usage.svg"), "rb") as g:
    assert f.read() == g.read(), "usage.svg differs"
files = 0
for root, _, names in os.walk(os.path.join(a, "usage.ref")):
    for name in names:
        pa = os.path.join(root, name)
        pb = os.path.join(b, os.path.relpath(pa, a))
        assert filecmp.cmp(pa, pb, shallow=False), "%s and %s differ" % (pa, pb)
        files += 1
nb = sum(len(n) for _, _, n in os.walk(os.path.join(b, "usage.ref")))
assert files == nb and files > 0, (files, nb)
print("same profile: %d reference files" % files)
