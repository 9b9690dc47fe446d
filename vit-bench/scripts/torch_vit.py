"""The ALiBi ViT of our .safetensors in plain PyTorch (eager, the bias materialised as an (N, N) tensor, as the
paper's reference code does): the peer that torch_vit_features.py times and export_onnx.py exports.

Reads our .safetensors (canonical timm names, config in the `jvit.config` metadata) without the safetensors
package, the image with PIL. Needs Debian's python3-torch, python3-numpy, python3-pil.
"""
import json
import math
import struct

import numpy as np
import torch
import torch.nn.functional as F


def load(model_path):
    """(config dict, {name: tensor}) of one of our .safetensors; only the paper's ALiBi with a GELU MLP."""
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
    return cfg, W


def prefix_tokens(cfg):
    return (1 if cfg["cls_token"] else 0) + cfg["num_registers"]


def image(path, patch):
    """(1, 3, H, W) ImageNet-normalised, cropped to whole patches (the images we time are multiples already)."""
    from PIL import Image
    img = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    x = torch.from_numpy(img).permute(2, 0, 1)
    mean, std = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    x = ((x - mean) / std)[None]
    return x[:, :, :x.shape[2] // patch * patch, :x.shape[3] // patch * patch]


def alibi(gh, gw, prefix):
    """M (N, N): −wrapped Euclidean distance / max, zero for prefix rows and columns."""
    i = torch.arange(gh * gw)
    yy, xx = i // gw, i % gw
    dy = (yy[:, None] - yy[None, :]).abs()
    dx = (xx[:, None] - xx[None, :]).abs()
    dy, dx = torch.minimum(dy, gh - dy), torch.minimum(dx, gw - dx)
    d = torch.sqrt((dy * dy + dx * dx).float()) / math.hypot(gh // 2, gw // 2)
    n = prefix + gh * gw
    M = torch.zeros(n, n)
    M[prefix:, prefix:] = -d
    return M


def features(cfg, W, x, M):
    """The final-normed patch tokens (gh, gw, C) of image x (1, 3, H, W) under bias M."""
    p, dim, depth, heads = cfg["patch_size"], cfg["embed_dim"], cfg["depth"], cfg["num_heads"]
    eps, regs, prefix = cfg["layer_norm_eps"], cfg["num_registers"], prefix_tokens(cfg)
    gh, gw = x.shape[2] // p, x.shape[3] // p
    n = prefix + gh * gw
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
    return t[0, prefix:].reshape(gh, gw, dim)
