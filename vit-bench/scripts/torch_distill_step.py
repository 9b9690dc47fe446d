"""The PyTorch peer of one retrofit distillation step (DistillationStepBench, ./vit retrofit): teacher = one of our
.safetensors with a learned absolute PE (e.g. `./vit init --arch dinov2_vits14_reg4`), student = the same weights with
the PE table dropped and the paper's 2D ALiBi (slope 1) added, as Students.of builds it. One step = the teacher's
forward (no grad) on the batch, the student's forward and backward, the cosine loss on the final-normed patch tokens
(mean over tokens of 1 − s·t / (‖s‖·‖t‖ + 1e-8)), one torch.optim.AdamW update (β 0.9/0.999, eps 1e-8, wd 0.05).
Eager PyTorch with the ALiBi bias materialised as an (N, N) tensor, as the paper's reference code does (torch 1.13
has no fused attention). Data: a fixed seeded batch of N(0, 1) images (no image decoding in the timing).

  /usr/bin/python3 vit-bench/scripts/torch_distill_step.py --teacher T.safetensors --size 224 --batch 8 --steps 3 --threads 1

prints each step's seconds and loss, the mean of the steps after the first, and the process's peak RSS.
Needs Debian's python3-torch and python3-numpy, and for a fair peer libopenblas0-pthread: Debian's build calls the
system's libblas.so.3 (BLAS_INFO=generic), which is the reference netlib BLAS (a few GFLOP/s) unless OpenBLAS is
installed (then ≈ 160 GFLOP/s here, on its Haswell kernels);
the last line says which BLAS the build reports.
"""
import argparse
import json
import os
import resource
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pin_threads  # noqa: E402

pin_threads.pin(pin_threads.threads_from_argv(sys.argv))  # before torch loads OpenBLAS (why: pin_threads.py)
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from torch_vit import alibi, prefix_tokens  # noqa: E402  (the inference peer's ALiBi bias)


def read(path):
    """(config, {name: float32 tensor}) of one of our .safetensors, any PE."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    cfg = json.loads(header.pop("__metadata__")["jvit.config"])
    W = {}
    for name, h in header.items():
        assert h["dtype"] == "F32", f"{name}: {h['dtype']}"
        a, b = h["data_offsets"]
        W[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(h["shape"]).copy())
    assert cfg["mlp"] == "GELU", "GELU MLP only"
    return cfg, W


def position_table(cfg, W, gh, gw):
    """The learned table (1, G², C) resampled to (gh·gw, C): antialiased bicubic, as LearnedAbsolute.dinov2."""
    pe = cfg["pe"]
    g, dim = pe["grid"], cfg["embed_dim"]
    t = W["pos_embed"].reshape(1, g, g, dim).permute(0, 3, 1, 2)
    if (gh, gw) != (g, g):
        t = F.interpolate(t, size=(gh, gw), mode="bicubic", antialias=pe.get("antialias", True), align_corners=False)
    return t.permute(0, 2, 3, 1).reshape(gh * gw, dim)


def forward(cfg, W, x, M=None):
    """Final-normed patch tokens (B, gh·gw, C) of images x (B, 3, H, W): learned table when W has one, else bias M."""
    p, dim, depth, heads = cfg["patch_size"], cfg["embed_dim"], cfg["depth"], cfg["num_heads"]
    eps, regs, prefix = cfg["layer_norm_eps"], cfg["num_registers"], prefix_tokens(cfg)
    B, gh, gw = x.shape[0], x.shape[2] // p, x.shape[3] // p
    n, hd = prefix + gh * gw, dim // heads
    t = F.conv2d(x, W["patch_embed.proj.weight"], W["patch_embed.proj.bias"], stride=p).flatten(2).transpose(1, 2)
    if "pos_embed" in W:
        t = t + position_table(cfg, W, gh, gw)
    parts = []
    if cfg["cls_token"]:
        parts.append(W["cls_token"].expand(B, -1, -1))
    if regs:
        parts.append(W["reg_token"].expand(B, -1, -1))
    t = torch.cat(parts + [t], dim=1)
    for b in range(depth):
        pre = f"blocks.{b}."
        h = F.layer_norm(t, (dim,), W[pre + "norm1.weight"], W[pre + "norm1.bias"], eps)
        q, k, v = F.linear(h, W[pre + "attn.qkv.weight"], W.get(pre + "attn.qkv.bias")).reshape(B, n, 3, heads, hd).permute(2, 0, 3, 1, 4)
        a = (q * hd ** -0.5) @ k.transpose(-2, -1)                # (B, H, N, N)
        if M is not None:
            a = a + M
        a = (a.softmax(-1) @ v).transpose(1, 2).reshape(B, n, dim)
        a = F.linear(a, W[pre + "attn.proj.weight"], W[pre + "attn.proj.bias"])
        t = t + W[pre + "ls1.gamma"] * a if cfg["layer_scale"] else t + a
        h = F.layer_norm(t, (dim,), W[pre + "norm2.weight"], W[pre + "norm2.bias"], eps)
        h = F.linear(F.gelu(F.linear(h, W[pre + "mlp.fc1.weight"], W[pre + "mlp.fc1.bias"])), W[pre + "mlp.fc2.weight"], W[pre + "mlp.fc2.bias"])
        t = t + W[pre + "ls2.gamma"] * h if cfg["layer_scale"] else t + h
    t = F.layer_norm(t, (dim,), W["norm.weight"], W["norm.bias"], eps)
    return t[:, prefix:]


def cosine_loss(s, t):
    return (1 - (s * t).sum(-1) / (s.norm(dim=-1) * t.norm(dim=-1) + 1e-8)).mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--teacher", required=True)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--micro-batch", type=int, default=0, help="images per forward/backward, gradients accumulated (0: the batch)")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    cfg, T = read(a.teacher)
    p = cfg["patch_size"]
    assert a.size % p == 0, f"size {a.size} is not a multiple of the patch size {p}"
    gh = gw = a.size // p
    S = {k: v.clone().requires_grad_(True) for k, v in T.items() if k != "pos_embed"}      # Students.of: PE dropped
    M = alibi(gh, gw, prefix_tokens(cfg))
    opt = torch.optim.AdamW(S.values(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05)
    x = torch.randn(a.batch, 3, a.size, a.size)
    mb = a.micro_batch or a.batch
    times = []
    for step in range(a.steps):
        t0 = time.perf_counter()
        with torch.no_grad():
            target = forward(cfg, T, x)
        loss_sum = 0.0
        for i in range(0, a.batch, mb):
            j = min(a.batch, i + mb)
            loss = cosine_loss(forward(cfg, S, x[i:j], M), target[i:j]) * ((j - i) / a.batch)
            loss.backward()
            loss_sum += loss.item()
        opt.step()
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
        print(f"step {step}: {times[-1]:.3f} s  loss {loss_sum:.6f}", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cfg_text = torch.__config__.show()
    blas = next((f.split("=")[1] for f in cfg_text.replace(",", " ").split() if f.startswith("BLAS_INFO=")), "?")
    later = times[1:] or times
    # BLAS_INFO=generic: the build calls the system's libblas.so.3; say which library that resolved to in this process
    with open("/proc/self/maps") as maps:
        libblas = sorted({line.split()[-1] for line in maps if "libblas" in line or "openblas" in line})
    print(f"torch {torch.__version__}, {a.threads} thread(s), {a.size}² batch {a.batch} (micro-batch {mb}), "
          f"{cfg['depth']} blocks × {cfg['embed_dim']} wide: {sum(later) / len(later):.3f} s/step (mean of steps after the first), "
          f"peak RSS {rss:.0f} MiB; BLAS_INFO={blas}, BLAS loaded: {', '.join(libblas) or 'none found'}")


if __name__ == "__main__":
    main()
