#!/usr/bin/env python3
"""Writes the BigTIFF fixtures of BigTiffTest with a reference implementation (tifffile; Debian: python3-tifffile):
the same three-page stack, 24x20, page p row y column x = (p*1000 + y*24 + x) mod 2^bits, once as BigTIFF (.btf) and
once as classic TIFF (.tif), 8-bit with Deflate, 16-bit with Deflate and uncompressed. (Writing LZW needs the
imagecodecs package, not in Debian: BigTiffTest writes its LZW BigTIFF with TwelveMonkeys instead.)
Run from this folder: python3 make_fixtures.py"""
import numpy as np
import tifffile

for bits, dtype in ((8, np.uint8), (16, np.uint16)):
    p, y, x = np.meshgrid(np.arange(3), np.arange(20), np.arange(24), indexing="ij")
    stack = ((p * 1000 + y * 24 + x) % (1 << bits)).astype(dtype)
    for name, compression in (("deflate", "zlib"), ("raw", None)):
        if (bits, name) == (8, "raw"):
            continue
        for ext, big in ((".btf", True), (".tif", False)):
            tifffile.imwrite(
                f"stack_u{bits}_{name}{ext}", stack, bigtiff=big, compression=compression,
                photometric="minisblack", metadata=None)
