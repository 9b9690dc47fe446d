#!/usr/bin/env bash
# Rebuilds the embedded teacher and its ALiBi student that `./vit demo` runs on.
#   1. teacher: a DINOv2-style ViT (patch 8, width 96, depth 4, 3 heads, CLS + 4 registers, LayerScale, learned
#      8×8 absolute PE) trained by masked image modelling on generated microstructures;
#   2. student: the same with the PE removed and the paper's 2D ALiBi added, distilled into the frozen teacher
#      (cosine loss on the final patch tokens) on 200 other generated microstructures.
# One training thread, so that every machine rebuilds the committed models bit for bit (a run is reproducible for a
# given thread count; the data-parallel reduction order depends on it).
# usage: vit-cli/scripts/make_embedded.sh [--engine fast|samediff] [--keep]
#   --engine  the training engine of both stages (default fast; samediff is the ND4J graph the engine is checked against)
#   --keep    leave the embedded models as they are: build in $TMPDIR/jvit-embedded and run `./vit demo` on the new pair
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
engine=fast; keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine="$2"; shift 2;;
    --engine=*) engine="${1#--engine=}"; shift;;
    --keep) keep=1; shift;;
    *) echo "usage: $0 [--engine fast|samediff] [--keep]" >&2; exit 2;;
  esac
done
work="${TMPDIR:-/tmp}/jvit-embedded"
rm -rf "$work" && mkdir -p "$work"
t0=$(date +%s)
./vit pretrain --out "$work/teacher.safetensors" --steps 400 --batch 16 --side 64 --pe-init-std 2.5 --seed 0 --engine "$engine" --threads 1
t1=$(date +%s)
./vit synth --count 200 --size 64 --seed 5000 --out "$work/images"
t2=$(date +%s)
./vit retrofit --teacher "$work/teacher.safetensors" --images "$work/images" --out "$work/student" \
  --size 64 --batch 16 --epochs 4 --lr 1e-3 --seed 0 --engine "$engine" --threads 1
t3=$(date +%s)
echo "$engine engine: pretrain $((t1 - t0)) s, retrofit $((t3 - t2)) s"
if [ "$keep" = 1 ]; then
  ./vit demo --teacher "$work/teacher.safetensors" --student "$work/student/best.safetensors" --out "$work/demo"
  echo "new models in $work (the embedded ones unchanged)"
  exit 0
fi
dest=vit-cli/src/main/resources/io/jvit/cli/embedded
cp "$work/teacher.safetensors" "$dest/teacher.safetensors"
cp "$work/student/best.safetensors" "$dest/student.safetensors"
cp "$work/student/metrics.csv" "$dest/student_metrics.csv"
echo "embedded models written to $dest"
