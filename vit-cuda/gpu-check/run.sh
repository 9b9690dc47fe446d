#!/usr/bin/env bash
# One command on a CUDA machine with PyTorch 2.x: checks our fused ALiBi kernel against its CPU reference
# and PyTorch, then times it beside PyTorch SDPA (FlashAttention, no bias) and SDPA with the ALiBi bias as
# a float mask; prints one table. Usage: gpu-check/run.sh [OUT_DIR] [batch]
# GPU_CHECK_KERNELS=BF16_PAIRED (names of CudaAttention.Kernel, the shipped kernels) times only those; the versions
# in vit-cuda/dev/ are checked and timed by its DevKernelsTest (see vit-cuda/dev/README.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-${OUT:-/tmp/gpu-check}}"
batch="${2:-64}"
mkdir -p "$out"
status=0
"$here/bundle/runtime/bin/java" -Xmx24g -cp "$here/bundle/lib/*" io.jvit.cuda.GpuCheck "$out" "$batch" || status=$?
[ -f "$out/java.json" ] && python3 "$here/gpu_check.py" "$out" "$batch"
exit $status
