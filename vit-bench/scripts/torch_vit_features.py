"""The peer for `./vit features`: the same ALiBi ViT in plain PyTorch (torch_vit.py), one thread, on the same
checkpoint and image.

    python3 torch_vit_features.py MODEL.safetensors IMAGE.png OUT.npy

Prints load and forward seconds. Compare peak memory with `/usr/bin/time -v` and values with `compare_npy.py`.
Needs Debian's python3-torch, python3-numpy, python3-pil.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pin_threads  # noqa: E402

pin_threads.pin(1)  # before torch loads OpenBLAS (why: pin_threads.py)
import numpy as np  # noqa: E402
import torch  # noqa: E402

import torch_vit  # noqa: E402

torch.set_num_threads(1)
t0 = time.time()
model_path, image_path, out_path = sys.argv[1:4]
cfg, W = torch_vit.load(model_path)
x = torch_vit.image(image_path, cfg["patch_size"])
gh, gw = x.shape[2] // cfg["patch_size"], x.shape[3] // cfg["patch_size"]
t1 = time.time()
with torch.no_grad():
    M = torch_vit.alibi(gh, gw, torch_vit.prefix_tokens(cfg))
    feats = torch_vit.features(cfg, W, x, M).numpy()
t2 = time.time()
np.save(out_path, feats.astype(np.float32))
print(f"torch {torch.__version__}, 1 thread: {gh}×{gw} patches × {cfg['embed_dim']}; load {t1 - t0:.1f} s, forward {t2 - t1:.1f} s", file=sys.stderr)
