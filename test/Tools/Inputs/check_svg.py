"""Checks the structure of an m3sat-profile plot (not its pixels).

Usage: check_svg.py FILE.svg [--panels N] [--png FILE.png] [--text STRING]...
(Debian's /usr/bin/python3.) The document is well-formed XML with a
viewBox; its title lies inside the viewBox, with room for its text at the
width the plots assume for a sans-serif font; it has a legend, an x and a y
axis with their names, N panels (when given) and every --text somewhere.
With --png: a PNG of the viewBox's size when rsvg-convert is on PATH, no
file when it is not.
"""
import os
import shutil
import struct
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def fail(message):
    sys.exit("check_svg: %s: %s" % (sys.argv[1], message))


args = sys.argv[2:]
panels = png = None
texts = []
while args:
    flag, value = args[0], args[1]
    args = args[2:]
    if flag == "--panels":
        panels = int(value)
    elif flag == "--png":
        png = value
    elif flag == "--text":
        texts.append(value)

root = ET.parse(sys.argv[1]).getroot()
if root.tag != NS + "svg":
    fail("root is not <svg>")
box = [float(v) for v in root.get("viewBox", "").split()]
if len(box) != 4:
    fail("no viewBox")
x0, y0, width, height = box
if float(root.get("width")) != width or float(root.get("height")) != height:
    fail("width/height differ from the viewBox")


def classes(element):
    return (element.get("class") or "").split()


def alltext(element):
    return "".join(element.itertext())


titles = [e for e in root.iter(NS + "text") if "title" in classes(e)]
if len(titles) != 1:
    fail("%d titles" % len(titles))
title = titles[0]
tx, ty, size = (float(title.get(k)) for k in ("x", "y", "font-size"))
if not (x0 <= tx and ty - size >= y0 and ty <= y0 + height):
    fail("title at (%g, %g) is outside the viewBox" % (tx, ty))
if tx + 0.62 * size * len(alltext(title)) > x0 + width:
    fail("title '%s' runs past the right edge (%g)" % (alltext(title), width))

groups = [e for e in root.iter(NS + "g")]
if not any("legend" in classes(g) for g in groups):
    fail("no legend")
for axis in ("x-axis", "y-axis"):
    found = [g for g in groups if axis in classes(g)]
    if not found:
        fail("no " + axis)
names = [alltext(e) for e in root.iter(NS + "text") if "axis-name" in classes(e)]
if len(names) < 2:
    fail("axes without names: %s" % names)
count = sum("panel" in classes(g) for g in groups)
if panels is not None and count != panels:
    fail("%d panels, expected %d" % (count, panels))
# Nothing is drawn outside the viewBox.
for e in root.iter(NS + "text"):
    x, y = float(e.get("x")), float(e.get("y"))
    if "transform" not in e.attrib and not (x0 <= x <= x0 + width and
                                            y0 <= y <= y0 + height):
        fail("text '%s' at (%g, %g) is outside the viewBox" % (alltext(e), x, y))
document = " ".join(alltext(e) for e in root.iter())
for text in texts:
    if text not in document:
        fail("no text '%s'" % text)
if png and not shutil.which("rsvg-convert"):
    if os.path.exists(png):
        fail(png + " exists, but there is no rsvg-convert")
elif png:
    with open(png, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        fail(png + " is not a PNG")
    w, h = struct.unpack(">II", head[16:24])
    if (w, h) != (round(width), round(height)):
        fail("%s is %dx%d, the viewBox %gx%g" % (png, w, h, width, height))
print("check_svg: %s: %d panel(s), title '%s' inside %gx%g" %
      (sys.argv[1].rsplit("/", 1)[-1], count, alltext(title), width, height))
