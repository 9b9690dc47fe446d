#!/usr/bin/env bash
# Rebuilds the embedded teacher and its ALiBi student that `./vit demo` runs on (about 6 minutes on 2 cores).
#   1. teacher: a DINOv2-style ViT (patch 8, width 96, depth 4, 3 heads, CLS + 4 registers, LayerScale, learned
#      8×8 absolute PE) trained by masked image modelling on generated microstructures;
#   2. student: the same with the PE removed and the paper's 2D ALiBi added, distilled into the frozen teacher
#      (cosine loss on the final patch tokens) on 200 other generated microstructures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work="${TMPDIR:-/tmp}/jvit-embedded"
rm -rf "$work" && mkdir -p "$work"
./vit pretrain --out "$work/teacher.safetensors" --steps 400 --batch 16 --side 64 --pe-init-std 2.5 --seed 0
./vit synth --count 200 --size 64 --seed 5000 --out "$work/images"
./vit retrofit --teacher "$work/teacher.safetensors" --images "$work/images" --out "$work/student" \
  --size 64 --batch 16 --epochs 4 --lr 1e-3 --seed 0
dest=examples/src/main/resources/io/jvit/examples/embedded
cp "$work/teacher.safetensors" "$dest/teacher.safetensors"
cp "$work/student/best.safetensors" "$dest/student.safetensors"
cp "$work/student/metrics.csv" "$dest/student_metrics.csv"
echo "embedded models written to $dest"
