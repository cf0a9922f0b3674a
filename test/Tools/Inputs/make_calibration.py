"""Writes the small M3ViT's calibration set (input `image`, [1, 3, 32, 32]
float32) in every layout m3sat-profile reads, plus broken ones.

Usage: make_calibration.py OUT_DIR N   (Debian's /usr/bin/python3, numpy)
"""
import os
import sys

import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
images = rng.standard_normal((n, 1, 3, 32, 32)).astype(np.float32)

# One file per sample, for --input image=... given n times.
os.makedirs(os.path.join(out, "single"), exist_ok=True)
for i in range(n):
    np.save(os.path.join(out, "single", "%03d.npy" % i), images[i])
# Stacks: a new leading axis, and along the batch axis (the batch is 1).
np.save(os.path.join(out, "stack.npy"), images)
np.save(os.path.join(out, "batch.npy"), images[:, 0])
# .npz, stored and deflated.
np.savez(os.path.join(out, "set.npz"), image=images)
np.savez_compressed(os.path.join(out, "set_compressed.npz"), image=images[:, 0])
# Directories: DIR/image/*.npy (one sample, or a stack, per file) and
# DIR/image.npy.
os.makedirs(os.path.join(out, "dir", "image"), exist_ok=True)
np.save(os.path.join(out, "dir", "image", "a.npy"), images[0])
np.save(os.path.join(out, "dir", "image", "b.npy"), images[1:])
os.makedirs(os.path.join(out, "flat"), exist_ok=True)
np.save(os.path.join(out, "flat", "image.npy"), images)

# Broken: wrong shape, wrong dtype, empty directory, a name that is no
# input, an empty input directory, a stack of none.
np.save(os.path.join(out, "wrong_shape.npy"), images[:, :, :2])
np.save(os.path.join(out, "wrong_dtype.npy"), images.astype(np.float64))
os.makedirs(os.path.join(out, "empty"), exist_ok=True)
os.makedirs(os.path.join(out, "unknown"), exist_ok=True)
np.save(os.path.join(out, "unknown", "picture.npy"), images)
os.makedirs(os.path.join(out, "emptyinput", "image"), exist_ok=True)
np.save(os.path.join(out, "none.npy"), images[:0])
with open(os.path.join(out, "broken.npz"), "wb") as f:
    f.write(b"PK\x03\x04" + b" not really a zip archive" * 4)

# .npz archives that zipfile writes but m3sat-profile must refuse or read:
# a ZIP64 extra field in the local header (read), bzip2 (refused), a
# flipped data byte (CRC-32), a damaged deflate stream.
import io  # noqa: E402
import zipfile  # noqa: E402

member = io.BytesIO()
np.save(member, images)
member = member.getvalue()


def archive(name, compression, damage=None, zip64=False):
    path = os.path.join(out, name)
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        with z.open("image.npy", "w", force_zip64=zip64) as f:
            f.write(member)
    if damage:
        data = bytearray(open(path, "rb").read())
        damage(data)
        open(path, "wb").write(bytes(data))


archive("zip64.npz", zipfile.ZIP_DEFLATED, zip64=True)
archive("bzip2.npz", zipfile.ZIP_BZIP2)
archive("crc.npz", zipfile.ZIP_STORED,
        lambda d: d.__setitem__(200, d[200] ^ 0xFF))
archive("inflate.npz", zipfile.ZIP_DEFLATED,
        lambda d: d.__setitem__(slice(60, 90), b"\xff" * 30))
