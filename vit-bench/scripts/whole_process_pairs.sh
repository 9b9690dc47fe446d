#!/usr/bin/env bash
# Whole-process comparison, interleaved: `./vit features --threads 1` against the same model in plain PyTorch
# (torch_vit_features.py), PAIRS pairs with the order alternating, then the largest difference of the features.
# usage: vit-bench/scripts/whole_process_pairs.sh WEIGHTS.safetensors IMAGE.png [PAIRS=3]
# needs: /usr/bin/python3 with torch and PIL (apt-get install python3-torch python3-pil libopenblas0-pthread: without
# OpenBLAS, Debian's torch calls the reference BLAS), GNU time.
set -euo pipefail
weights="$1"; image="$2"; pairs="${3:-3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
run() {
  echo "pair $1 $2 (load average $(cut -d' ' -f1 /proc/loadavg))"
  if [ "$2" = jvit ]; then
    /usr/bin/time -f "jvit wall %e s maxrss %M KB" "$root/vit" features --weights "$weights" --image "$image" --out "$out/jvit.npy" --threads 1 2>&1 | grep -E "wall|forward"
  else
    /usr/bin/time -f "torch wall %e s maxrss %M KB" /usr/bin/python3 "$root/vit-bench/scripts/torch_vit_features.py" "$weights" "$image" "$out/torch.npy" 2>&1 | grep -E "wall|forward"
  fi
}
for i in $(seq 1 "$pairs"); do
  if [ $((i % 2)) -eq 1 ]; then run "$i" jvit; run "$i" torch; else run "$i" torch; run "$i" jvit; fi
done
/usr/bin/python3 "$root/vit-bench/scripts/compare_npy.py" "$out/jvit.npy" "$out/torch.npy"
