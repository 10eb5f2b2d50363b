"""Writes the small NumPy files NumpyFileTests reads, and expected.json with their values.

Run from this folder with numpy only: /usr/bin/python3 generate_npy_fixtures.py
Every array is written by NumPy itself (np.save, np.lib.format.write_array, np.savez,
np.savez_compressed); expected.json holds each one's shape and its values in C order as
float32, the type Strata reads them as. The damaged files are valid ones broken on purpose.
"""
import io
import json
import struct
import zipfile

import numpy as np

expected = {}


def values_of(a):
    # C order, cast to float32 as Strata reads every type; JSON keeps each float32 exactly.
    return [float(v) for v in np.ascontiguousarray(a).astype(np.float32).ravel()]


def save(name, a, version=None):
    with open(name, "wb") as f:
        if version is None:
            np.save(f, a)
        else:
            np.lib.format.write_array(f, a, version=version)
    expected[name] = {"shape": list(a.shape), "values": values_of(a)}


base = np.array([[0.5, -1.25, 3.0], [1e-3, 65504.0, -0.0]])
ints = np.array([[0, -1, 7], [-128, 127, 42]])
uints = np.array([[0, 1, 7], [128, 255, 42]])

for code in ["<f2", "<f4", ">f4", "<f8", ">f8"]:
    save(f"float-{code[1:]}-{'be' if code[0] == '>' else 'le'}.npy", base.astype(code))
for code in ["|i1", "<i2", ">i2", "<i4", ">i4", "<i8", ">i8"]:
    save(f"int-{code[1:]}-{'be' if code[0] == '>' else 'le'}.npy", ints.astype(code))
for code in ["|u1", "<u2", ">u4", "<u8", ">u8"]:
    save(f"uint-{code[1:]}-{'be' if code[0] == '>' else 'le'}.npy", uints.astype(code))
save("bool.npy", np.array([[True, False, True], [False, False, True]]))

# A 3-d Fortran-ordered array: the file stores the first axis fastest; read back in C order.
cube = np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 3
save("fortran-f4.npy", np.asfortranarray(cube))
save("fortran-f8-be.npy", np.asfortranarray(cube.astype(">f8")))
save("fortran-1d.npy", np.asfortranarray(np.array([1.5, 2.5, 3.5], dtype=np.float32)))

for version in [(1, 0), (2, 0), (3, 0)]:
    save(f"version-{version[0]}.npy", base.astype("<f4"), version=version)

save("scalar.npy", np.array(2.75, dtype=np.float32))
save("empty.npy", np.zeros((0, 3), dtype=np.float32))
save("images.npy", (np.arange(2 * 4 * 4 * 1) % 7).reshape(2, 4, 4, 1).astype(np.uint8))

x = np.arange(12, dtype=np.float64).reshape(4, 3) / 8
y = np.array([1, 0, 2, 1], dtype=np.int64)
np.savez("stored.npz", x=x, y=y)
np.savez_compressed("deflated.npz", features=x.astype(np.float32), labels=y)
expected["stored.npz"] = {"x": {"shape": [4, 3], "values": values_of(x)}, "y": {"shape": [4], "values": values_of(y)}}
expected["deflated.npz"] = {"features": {"shape": [4, 3], "values": values_of(x)}, "labels": {"shape": [4], "values": values_of(y)}}

with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1)


# Damaged files, each refused with a message naming it.
def npy_bytes(a, version=(1, 0)):
    f = io.BytesIO()
    np.lib.format.write_array(f, a, version=version)
    return f.getvalue()


good = npy_bytes(base.astype("<f4"))


def header(text, data=b""):
    # A version 1.0 file with this header text, padded as NumPy pads it.
    text = text + " " * ((64 - (10 + len(text) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1") + data


damaged = {
    "truncated.npy": good[:-5],
    "bad-magic.npy": b"\x93NUMPX" + good[6:],
    "not-a-dict.npy": header("['descr', '<f4']"),
    "shape-overflow.npy": header("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"),
    "huge-declared.npy": header("{'descr': '<f8', 'fortran_order': False, 'shape': (40000, 40000), }", b"\0" * 64),
    "complex.npy": npy_bytes(np.zeros(3, dtype=np.complex64)),
    "structured.npy": npy_bytes(np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")])),
    "trailing.npy": good + b"\0\0\0\0",
    "version-9.npy": good[:6] + b"\x09\x00" + good[8:],
}
for name, data in damaged.items():
    with open(name, "wb") as f:
        f.write(data)

# Fixed timestamps, so running the script again writes the same bytes.
with zipfile.ZipFile("traversal.npz", "w") as z:
    z.writestr(zipfile.ZipInfo("../../escaped.npy", (2000, 1, 1, 0, 0, 0)), good)
with zipfile.ZipFile("truncated.npz", "w") as z:
    z.writestr(zipfile.ZipInfo("x.npy", (2000, 1, 1, 0, 0, 0)), good)
with open("truncated.npz", "rb") as f:
    whole = f.read()
with open("truncated.npz", "wb") as f:
    f.write(whole[: len(whole) // 2])
