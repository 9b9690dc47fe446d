#!/usr/bin/env python3
"""Regenerates alibi_bias_16x16.npy and alibi_bias_20x30.npy (bit for bit) from the definition in README.md:
the (5 + h·w)² ALiBi matrix M before the slope, M = −(wrapped Euclidean patch distance / its maximum on the grid),
zero rows and columns for CLS + 4 registers; computed in float32 as the reference (dino-saw's get_distance_matrix) does.

    python3 make_alibi_bias.py [OUT_DIR]          (default: this folder; needs numpy)
    python3 make_alibi_bias.py --check            (recomputes and compares with the committed files byte for byte)
"""
import io
import sys
from pathlib import Path

import numpy as np

PREFIX = 5  # CLS + 4 registers
GRIDS = [(16, 16), (20, 30)]


def alibi_bias(h, w, prefix=PREFIX):
    i, j = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    i, j = i.ravel(), j.ravel()
    dy = np.abs(i[:, None] - i[None, :])
    dx = np.abs(j[:, None] - j[None, :])
    dy = np.minimum(dy, h - dy)  # toroidal wrap, period h (not h − 1)
    dx = np.minimum(dx, w - dx)
    d = np.sqrt((dy ** 2 + dx ** 2).astype(np.float32))
    m = -(d / d.max())
    out = np.zeros((prefix + h * w, prefix + h * w), dtype=np.float32)
    out[prefix:, prefix:] = m
    return out


def main():
    here = Path(__file__).resolve().parent
    check = "--check" in sys.argv[1:]
    args = [a for a in sys.argv[1:] if a != "--check"]
    out = Path(args[0]) if args else here
    ok = True
    for h, w in GRIDS:
        name = f"alibi_bias_{h}x{w}.npy"
        if check:
            buf = io.BytesIO()
            np.save(buf, alibi_bias(h, w))
            same = buf.getvalue() == (here / name).read_bytes()
            print(f"{name}: {'identical' if same else 'DIFFERS'}")
            ok &= same
        else:
            np.save(out / name, alibi_bias(h, w))
            print(f"wrote {out / name}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
