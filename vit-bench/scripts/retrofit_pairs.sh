#!/usr/bin/env bash
# Whole-process comparison of retrofit training, interleaved: `./vit retrofit` (one epoch of STEPS steps of BATCH images
# at SIZE², one thread, micro-batch MICRO_BATCH, default BATCH) against the same steps in plain PyTorch (torch_distill_step.py), PAIRS pairs
# with the order alternating; prints each process's wall time and peak RSS (GNU time) with the load average.
# The jvit process also decodes the images, validates on 1 held-out image and writes its checkpoints; the PyTorch one
# trains on a fixed random batch: both include start-up, so compare with a few steps at least.
# usage: [MICRO_BATCH=N] vit-bench/scripts/retrofit_pairs.sh TEACHER.safetensors [SIZE=224] [BATCH=8] [STEPS=3] [PAIRS=2] [-- more ./vit retrofit options]
#   e.g. vit-bench/scripts/retrofit_pairs.sh T.safetensors 224 8 3 2 -- --engine samediff
# needs: /usr/bin/python3 with torch and numpy (apt-get install python3-torch libopenblas0-pthread: without OpenBLAS,
#   Debian's torch calls the reference BLAS), GNU time; the teacher from
#   ./vit init --arch dinov2_vits14_reg4 --out T.safetensors
set -euo pipefail
teacher="$1"; size="${2:-224}"; batch="${3:-8}"; steps="${4:-3}"; pairs="${5:-2}"; micro="${MICRO_BATCH:-$batch}"
shift $(( $# < 5 ? $# : 5 )); [ "${1:-}" = "--" ] && shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$root/vit" synth --count $((steps * batch + 1)) --size "$size" --seed 77 --out "$work/images" > /dev/null
run() {
  echo "pair $1 $2 (load average $(cut -d' ' -f1 /proc/loadavg))"
  if [ "$2" = jvit ]; then
    rm -rf "$work/out"
    /usr/bin/time -f "jvit wall %e s maxrss %M KB" "$root/vit" retrofit --teacher "$teacher" --images "$work/images" --out "$work/out" \
      --size "$size" --batch "$batch" --micro-batch "$micro" --epochs 1 --val 0.01 --threads 1 "${@:3}" 2>&1 | grep -E "wall|engine|activations|^0 "
  else
    /usr/bin/time -f "torch wall %e s maxrss %M KB" /usr/bin/python3 "$root/vit-bench/scripts/torch_distill_step.py" --teacher "$teacher" \
      --size "$size" --batch "$batch" --steps "$steps" --threads 1 2>&1 | grep -E "wall|s/step"
  fi
}
for i in $(seq 1 "$pairs"); do
  if [ $((i % 2)) -eq 1 ]; then run "$i" jvit "$@"; run "$i" torch; else run "$i" torch; run "$i" jvit "$@"; fi
done
