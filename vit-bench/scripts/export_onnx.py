"""Exports one of our ALiBi .safetensors to ONNX for ONNX Runtime, the peer of `./vit bench --onnx`.

    python3 export_onnx.py MODEL.safetensors HEIGHT WIDTH OUT.onnx

The graph is torch_vit.py's model for one image size: input `image` (1, 3, HEIGHT, WIDTH) ImageNet-normalised,
output `features` (gh, gw, C), the ALiBi bias a constant (N, N) tensor (ONNX Runtime does not fuse attention
with a bias; this is how a user exporting the paper's model gets it). Opset 17, Debian's torch 1.13.
"""
import sys

import torch

import torch_vit


class Model(torch.nn.Module):
    def __init__(self, cfg, W, gh, gw):
        super().__init__()
        self.cfg, self.W = cfg, W
        self.register_buffer("M", torch_vit.alibi(gh, gw, torch_vit.prefix_tokens(cfg)))

    def forward(self, image):
        return torch_vit.features(self.cfg, self.W, image, self.M)


model_path, height, width, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cfg, W = torch_vit.load(model_path)
p = cfg["patch_size"]
assert height % p == 0 and width % p == 0, f"{height}×{width} is not a multiple of the patch size {p}"
m = Model(cfg, W, height // p, width // p).eval()
with torch.no_grad():
    torch.onnx.export(m, torch.zeros(1, 3, height, width), out_path, opset_version=17,
                      input_names=["image"], output_names=["features"], do_constant_folding=True)
print(f"wrote {out_path}: {height}×{width}, depth {cfg['depth']}, width {cfg['embed_dim']}, opset 17", file=sys.stderr)
