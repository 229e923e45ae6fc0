#!/usr/bin/python3
"""Hostile HDF5 and parameter-file inputs for tests/hostile, made from a finished 1-D 64-cell result.

make(directory, reference_h5) writes every fixture into directory; the names are what the case files
in cases/ use. Run as a script to write them somewhere for a look: fixtures.py DIR REFERENCE.h5
"""
import os
import random
import shutil
import sys

import h5py
import numpy as np


def make(directory, reference):
    """write the fixtures; reference is a w2flow result of a 1-D grid with 64 cells"""
    with h5py.File(reference, "r") as f:
        rho = np.array(f["fields/rho"][-1])
    n = rho.size

    def dataset(name, data, **kw):
        with h5py.File(os.path.join(directory, name), "w") as f:
            f.create_dataset("rho", data=data, **kw)

    at5 = np.arange(n) == 5
    dataset("nan.h5", np.where(at5, np.nan, rho))                      # one NaN
    dataset("inf.h5", np.where(at5, np.inf, rho))                      # one +inf
    dataset("negative.h5", rho - 0.5 * rho.max())                      # negative densities
    dataset("zeros.h5", np.zeros(n))                                   # a target that is zero
    dataset("integers.h5", np.arange(n, dtype=np.int32) + 1)           # integer-typed
    dataset("strings.h5", np.array([b"0.5"] * n))                      # fixed-length strings
    dataset("vlen_strings.h5", np.array(["0.5"] * n, dtype=h5py.string_dtype()))
    dataset("compound.h5", np.zeros(n, dtype=[("a", "f8"), ("b", "i4")]))
    dataset("complex.h5", np.ones(n, dtype=complex))                   # h5py's compound complex
    dataset("rank3.h5", np.ones((2, 2, n)))                            # wrong rank
    dataset("wrong_length.h5", np.ones(n + 1))                         # wrong size
    dataset("scalar.h5", 1.0)                                          # rank 0
    dataset("no_steps.h5", np.zeros((0, n)), maxshape=(None, n))       # an empty time axis
    dataset("float32.h5", rho.astype(np.float32))                      # valid: converted exactly
    with h5py.File(os.path.join(directory, "group.h5"), "w") as f:     # a group named like the dataset
        f.create_group("rho")
    open(os.path.join(directory, "empty.h5"), "wb").close()            # zero bytes
    with open(reference, "rb") as f:                                   # a real result cut in half
        data = f.read()
    with open(os.path.join(directory, "truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])
    # the superblock of a real result, then garbage: opens as HDF5 until the metadata is read
    rng = random.Random(6)
    with open(os.path.join(directory, "scrambled.h5"), "wb") as f:
        f.write(data[:96] + bytes(rng.randrange(256) for _ in range(len(data) - 96)))
    # a chunk recorded with size 0 (and one beyond the end of the file), found by tests/fuzz: HDF5 1.10
    # copied a whole chunk out of an 8-byte buffer
    shutil.copyfile(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus-regressions", "hdf5",
                                 "chunk_size_zero.h5"), os.path.join(directory, "chunk_size_zero.h5"))
    # a result whose version attribute is an array of strings (H5Aread once wrote all of them into a
    # buffer for one) and one with a variable-length string array
    shutil.copyfile(reference, os.path.join(directory, "array_attribute.h5"))
    with h5py.File(os.path.join(directory, "array_attribute.h5"), "a") as f:
        del f.attrs["w2flow_version"]
        f.attrs.create("w2flow_version", np.array([b"0.1.0" * 20] * 50))
        del f.attrs["grid"]
        f.attrs["grid"] = np.array(["x" * 300] * 40, dtype=h5py.string_dtype())
    # parameter files
    with open(os.path.join(directory, "garbage.yaml"), "wb") as f:     # random bytes, seeded
        f.write(bytes(rng.randrange(256) for _ in range(4096)))
    with open(os.path.join(directory, "garbage_text.yaml"), "wb") as f:  # bytes that are not UTF-8, no NUL
        f.write(bytes(rng.randrange(128, 256) for _ in range(512)))
    with open(os.path.join(directory, "garbage.opts"), "wb") as f:
        f.write(bytes(rng.randrange(1, 256) for _ in range(4096)))
    os.makedirs(os.path.join(directory, "params.yaml"))                # a directory named like a file
    for name in ("empty.yaml", "empty.opts"):                         # valid: the defaults run
        open(os.path.join(directory, name), "wb").close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    os.makedirs(sys.argv[1], exist_ok=True)
    make(sys.argv[1], sys.argv[2])
