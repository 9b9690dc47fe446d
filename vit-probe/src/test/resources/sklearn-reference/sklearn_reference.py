#!/usr/bin/env python3
"""Reference R² values for vit-probe's LinearProbe, computed with scikit-learn.

Run with Debian's python3-sklearn (apt-get install python3-sklearn), from this folder or any other:
    /usr/bin/python3 sklearn_reference.py [OUT_DIR]      (default: the folder this script is in)
It writes feature maps (f<i>.npy, float32 (h, w, C)) and reference.json, which the Java tests read.
The pipeline is the paper's (dinosaw/linear_probe.py): StandardScaler fitted on the sampled tokens,
Ridge(alpha=1.0), model.score on all tokens. Features are cast to float64 first: the Java probe solves in
double precision, and sklearn would otherwise solve in float32.
"""
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler


def ramp(kind, h, w, rng):
    i, j = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    if kind == "lr":
        return np.linspace(0, 1, w)[j][..., None]
    if kind == "ud":
        return np.linspace(0, 1, h)[i][..., None]
    if kind == "diag":
        L = np.linspace(0, 1, max(h, w))
        return ((L[i] + L[j]) / 2)[..., None]
    if kind == "radial":
        r = np.sqrt((i - h // 2) ** 2 + (j - w // 2) ** 2)
        return (1 - r / r.max())[..., None]
    if kind == "raster":
        return ((i * w + j) / (h * w))[..., None]
    if kind == "lr+ud":
        return np.stack([np.linspace(0, 1, w)[j], np.linspace(0, 1, h)[i]], axis=-1)
    if kind == "random":
        return rng.random((h, w, 1))
    raise ValueError(kind)


def grid_mask(h, w, step, cutoff, radial):
    ch, cw = int(np.floor(h * cutoff)), int(np.floor(w * cutoff))
    y0, y1, x0, x1 = 0, ch, 0, cw
    if radial:
        x0, x1 = int(np.ceil((w - cw) / 2)), int(np.floor((w + cw) / 2))
        y0, y1 = int(np.ceil((h - ch) / 2)), int(np.floor((h + ch) / 2))
    m = np.zeros((h, w), bool)
    m[y0:y1:step, x0:x1:step] = True
    return np.flatnonzero(m.ravel())


def probe(X, y, idx):
    X = X.astype(np.float64)
    scaler = StandardScaler().fit(X[idx])
    model = Ridge(alpha=1.0).fit(scaler.transform(X[idx]), y[idx])
    return float(model.score(scaler.transform(X), y))


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261126)
    shapes = [(16, 16, 32), (10, 13, 24), (21, 7, 48)]
    cases = []
    for s, (h, w, c) in enumerate(shapes):
        # Features: noise plus a random linear read-out of position, so R² spans positive and negative values.
        i, j = np.meshgrid(np.arange(h) / h, np.arange(w) / w, indexing="ij")
        pos = np.stack([i, j, i * j, np.sin(3 * j)], -1) @ rng.normal(size=(4, c))
        feats = (rng.normal(size=(h, w, c)) * (0.5 + s) + pos).astype(np.float32)
        name = f"f{s}.npy"
        np.save(out / name, feats)
        X = feats.reshape(h * w, c)
        for kind in ["lr", "ud", "diag", "radial", "raster", "lr+ud", "random"]:
            target = ramp(kind, h, w, rng).reshape(h * w, -1)
            masks = [("grid", 2, 1.0), ("grid", 3, 0.7)]
            for mk, step, cut in masks:
                idx = grid_mask(h, w, step, cut, kind == "radial")
                cases.append(case(name, h, w, c, kind, mk, step, cut, idx, X, target))
            fixed = np.sort(rng.choice(h * w, size=max(4, (h * w) // 9), replace=False))
            cases.append(case(name, h, w, c, kind, "fixed", 0, 1.0, fixed, X, target))
    (out / "reference.json").write_text(json.dumps({"sklearn": __import__("sklearn").__version__, "cases": cases}))
    print(f"wrote {len(cases)} cases to {out}")


def case(name, h, w, c, kind, mask, step, cutoff, idx, X, target):
    y = target if target.shape[1] > 1 else target[:, 0]
    r = {"features": name, "h": h, "w": w, "c": c, "ramp": kind, "mask": mask, "step": step, "cutoff": cutoff,
         "indices": idx.tolist(), "r2": probe(X, y, idx)}
    if kind == "random":
        r["target"] = target[:, 0].tolist()
    if target.shape[1] == 1:
        r["per_channel_r2"] = [probe(X[:, [k]], y, idx) for k in range(c)]
    return r


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent)
