"""The peer for `./vit features`: the same ALiBi ViT in plain PyTorch (eager, the bias materialised as an
(N, N) tensor, as the paper's reference code does), one thread, on the same checkpoint and image.

    python3 torch_vit_features.py MODEL.safetensors IMAGE.png OUT.npy

Reads our .safetensors (canonical timm names, config in the `jvit.config` metadata) without the
safetensors package, the image with PIL; prints load and forward seconds. Compare peak memory with
`/usr/bin/time -v` and values with `compare_npy.py`. Needs Debian's python3-torch, python3-numpy, python3-pil.
"""
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

torch.set_num_threads(1)
t0 = time.time()
model_path, image_path, out_path = sys.argv[1:4]

with open(model_path, "rb") as f:
    header_len = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(header_len))
    data = f.read()
meta = header.pop("__metadata__", {})
cfg = json.loads(meta["jvit.config"])
W = {}
for name, h in header.items():
    assert h["dtype"] == "F32", f"{name}: {h['dtype']}"
    a, b = h["data_offsets"]
    W[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(h["shape"]).copy())

pe = cfg["pe"]
assert pe["kind"] == "alibi" and pe["metric"] == "EUCLIDEAN" and pe["wrap"] and pe["normalise"] and pe["slopes"] == "CONSTANT", \
    "this peer implements the paper's ALiBi (Euclidean, wrapped, normalised, slope 1) only"
assert cfg["mlp"] == "GELU"
p, dim, depth, heads = cfg["patch_size"], cfg["embed_dim"], cfg["depth"], cfg["num_heads"]
regs, eps = cfg["num_registers"], cfg["layer_norm_eps"]
prefix = (1 if cfg["cls_token"] else 0) + regs

img = np.asarray(Image.open(image_path).convert("RGB"), dtype=np.float32) / 255.0
x = torch.from_numpy(img).permute(2, 0, 1)
mean, std = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]
x = ((x - mean) / std)[None]
H, Wd = x.shape[2] // p * p, x.shape[3] // p * p
x = x[:, :, :H, :Wd]
gh, gw = H // p, Wd // p
t1 = time.time()

with torch.no_grad():
    # ALiBi bias M (N, N): −wrapped Euclidean distance / max, zero for prefix rows and columns
    i = torch.arange(gh * gw)
    yy, xx = i // gw, i % gw
    dy = (yy[:, None] - yy[None, :]).abs()
    dx = (xx[:, None] - xx[None, :]).abs()
    dy, dx = torch.minimum(dy, gh - dy), torch.minimum(dx, gw - dx)
    d = torch.sqrt((dy * dy + dx * dx).float()) / math.hypot(gh // 2, gw // 2)
    n = prefix + gh * gw
    M = torch.zeros(n, n)
    M[prefix:, prefix:] = -d
    del dy, dx, d

    t = F.conv2d(x, W["patch_embed.proj.weight"], W["patch_embed.proj.bias"], stride=p).flatten(2).transpose(1, 2)
    parts = []
    if cfg["cls_token"]:
        parts.append(W["cls_token"])
    if regs:
        parts.append(W["reg_token"])
    t = torch.cat(parts + [t], dim=1)
    hd = dim // heads
    for b in range(depth):
        pre = f"blocks.{b}."
        h = F.layer_norm(t, (dim,), W[pre + "norm1.weight"], W[pre + "norm1.bias"], eps)
        qkv = F.linear(h, W[pre + "attn.qkv.weight"], W.get(pre + "attn.qkv.bias"))
        q, k, v = qkv.reshape(1, n, 3, heads, hd).permute(2, 0, 3, 1, 4)
        a = (q * hd ** -0.5) @ k.transpose(-2, -1) + M      # (1, H, N, N), slope 1 per head
        a = a.softmax(-1) @ v
        del q, k, v, qkv
        a = F.linear(a.transpose(1, 2).reshape(1, n, dim), W[pre + "attn.proj.weight"], W[pre + "attn.proj.bias"])
        t = t + W[pre + "ls1.gamma"] * a if cfg["layer_scale"] else t + a
        h = F.layer_norm(t, (dim,), W[pre + "norm2.weight"], W[pre + "norm2.bias"], eps)
        h = F.linear(F.gelu(F.linear(h, W[pre + "mlp.fc1.weight"], W[pre + "mlp.fc1.bias"])), W[pre + "mlp.fc2.weight"], W[pre + "mlp.fc2.bias"])
        t = t + W[pre + "ls2.gamma"] * h if cfg["layer_scale"] else t + h
    t = F.layer_norm(t, (dim,), W["norm.weight"], W["norm.bias"], eps)
    feats = t[0, prefix:].reshape(gh, gw, dim).numpy()
t2 = time.time()
np.save(out_path, feats.astype(np.float32))
print(f"torch {torch.__version__}, 1 thread: {gh}×{gw} patches × {dim}; load {t1 - t0:.1f} s, forward {t2 - t1:.1f} s", file=sys.stderr)
