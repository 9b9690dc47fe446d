#!/usr/bin/env bash
# Builds the GPU-check bundle: a jlinked Java runtime (java.base only), the vit-cuda jar and JCuda, about
# 40 MB, for a CUDA machine that has PyTorch but neither Java nor Maven. Run here; carry gpu-check/bundle.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
(cd "$root" && mvn -q -B -DskipTests install -pl vit-cuda -am)
rm -rf "$here/bundle"
mkdir -p "$here/bundle/lib"
jlink --add-modules java.base,java.logging,jdk.unsupported --strip-debug --no-header-files --no-man-pages --compress=2 --output "$here/bundle/runtime" 2>/dev/null \
  || jlink --add-modules java.base,java.logging,jdk.unsupported --strip-debug --no-header-files --no-man-pages --output "$here/bundle/runtime"
cp "$root/vit-cuda/target/vit-cuda-0.1.0-SNAPSHOT.jar" "$here/bundle/lib/"
(cd "$root" && mvn -q -B dependency:copy-dependencies -pl vit-cuda -DincludeGroupIds=org.jcuda -DoutputDirectory="$here/bundle/lib")
du -sh "$here/bundle"
