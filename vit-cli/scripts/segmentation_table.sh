#!/usr/bin/env bash
# Reproduces the measurement table of docs/segmentation.md: mIoU and minority-class IoU of ./vit segment on generated hard
# three-phase micrographs (seeds 0…SEEDS−1, 512²) and on the real two-phase micrograph with ground truth, for classical /
# ViT / both features, class weights none / balanced, flat field of degree 2 / none, sub-patch ViT shifts, and no CRF /
# the paper's CRF / this build's CRF parameters (--crf).
#   vit-cli/scripts/segmentation_table.sh [WORK_DIR]      (env: SEEDS=5, DATA=<folder with particles_2phase*.tif>, THREADS=1)
# and, to run a part of it: FIRST_SEED=0 (held-out seeds: FIRST_SEED=5), FEATURES="classical vit both",
# WEIGHTS="none balanced" (or powers, e.g. "none 0.5"), FLATS="2 0" (--flat-field degrees), SHIFTS="1" (--vit-shifts,
# e.g. "1 2"; used with ViT features only), CRFS="paper default" (the CRF runs; each also gives the row without CRF, taken
# from the first), REAL=1 (0: the generated images only).
# Writes WORK_DIR/runs.tsv (one line per image and setting) and prints the table (means over the generated seeds).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-/tmp/jvit-segmentation-table}"
seeds="${SEEDS:-5}"; threads="${THREADS:-1}"; first="${FIRST_SEED:-0}"
feature_sets="${FEATURES:-classical vit both}"; weight_sets="${WEIGHTS:-none balanced}"
flat_sets="${FLATS:-2 0}"; shift_sets="${SHIFTS:-1}"; crf_sets="${CRFS:-paper default}"; first_crf="${crf_sets%% *}"
data="${DATA:-$root/../shared/data/micrographs}"
vit="$root/vit"
student="$root/vit-cli/src/main/resources/io/jvit/cli/embedded/student.safetensors"
mkdir -p "$work"
"$vit" synth --kind hard3 --count "$seeds" --size 512 --seed "$first" --out "$work/hard" >&2
images=()
for s in $(seq "$first" $((first + seeds - 1))); do images+=("$(printf 'hard3_%03d' "$s")"); done
[ "${REAL:-1}" = 1 ] && [ -f "$data/particles_2phase.tif" ] && images+=(particles_2phase)
paper=(--crf-compat 10 --crf-bilateral-compat 10 --crf-guide-sigma 0)
runs="$work/runs.tsv"
printf 'image\tfeatures\tweights\tflat\tshifts\tcrf\tmIoU\tminority_IoU\n' > "$runs"
for img in "${images[@]}"; do
  if [ "$img" = particles_2phase ]; then
    i="$data/particles_2phase.tif"; l="$data/particles_2phase_corner_scribbles.tif"; g="$data/particles_2phase_ground_truth.tif"; minority=127
  else
    i="$work/hard/$img.png"; l="$work/hard/${img}_scribbles.png"; g="$work/hard/${img}_truth.png"; minority=255
  fi
  for features in $feature_sets; do
    model=(); [ "$features" != classical ] && model=(--weights "$student")
    shifts_here="$shift_sets"; [ "$features" = classical ] && shifts_here=1
    for weights in $weight_sets; do
     for flat in $flat_sets; do
      for shifts in $shifts_here; do
       for crf in $crf_sets; do
        extra=(--crf); [ "$crf" = paper ] && extra=(--crf "${paper[@]}")
        out="$("$vit" segment -t "$threads" -i "$i" -l "$l" --ground-truth "$g" --features "$features" "${model[@]}" \
               --class-weights "$weights" --flat-field "$flat" --vit-shifts "$shifts" "${extra[@]}" 2>/dev/null)"
        with="$(grep -E '^mIoU' <<<"$out" | awk '{print $2}' | tr -d ,)"
        withMin="$(grep -E "^IoU class $minority:" <<<"$out" | awk '{print $4}')"
        without="$(grep -E '^without CRF' <<<"$out" | sed -E 's/.*mIoU ([0-9.]+),.*/\1/')"
        withoutMin="$(grep -E '^without CRF' <<<"$out" | sed -E "s/.* $minority: ([0-9.]+).*/\1/")"
        row=("$img" "$features" "$weights" "$flat" "$shifts")
        [ "$crf" = "$first_crf" ] && printf '%s\t' "${row[@]}" none "$without" >> "$runs" && printf '%s\n' "$withoutMin" >> "$runs"
        printf '%s\t' "${row[@]}" "$crf" "$with" >> "$runs"; printf '%s\n' "$withMin" >> "$runs"
        echo "$img $features $weights flat=$flat shifts=$shifts crf=$crf: mIoU $with (without CRF $without)" >&2
       done
      done
     done
    done
  done
done
printf '| features | class weights | flat field | ViT shifts | CRF | hard3 mIoU | hard3 minority IoU | particles_2phase mIoU | particles IoU |\n|---|---|---|---|---|---|---|---|---|\n'
awk -F'\t' 'NR > 1 {
    set = (index($1, "hard3_") == 1) ? "hard3" : $1; key = $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6
    m[set, key] += $7; q[set, key] += $8; n[set, key]++; keys[key] = 1
  }
  END {
    for (k in keys) {
      split(k, f, "\t")
      a = n["hard3", k] ? sprintf("%.3f", m["hard3", k] / n["hard3", k]) : "–"; b = n["hard3", k] ? sprintf("%.3f", q["hard3", k] / n["hard3", k]) : "–"
      c = n["particles_2phase", k] ? sprintf("%.3f", m["particles_2phase", k]) : "–"; d = n["particles_2phase", k] ? sprintf("%.3f", q["particles_2phase", k]) : "–"
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], a, b, c, d
    }
  }' "$runs" | sort
