#!/usr/bin/env python3
"""Paired comparison of segmentation settings over generated micrographs, from segmentation_table.sh's runs.tsv files.

    vit-cli/scripts/segmentation_paired.py RUNS.tsv [RUNS.tsv …] [--baseline features,weights,flat,shifts,crf]

Prints, for every setting (row), the mean mIoU and minority IoU over the hard3 images that every row was run on, and
against the baseline (default: ./vit segment's defaults, classical,none,2,1,none) the mean paired difference ± its
standard error and how many images the row scores higher on. Several runs.tsv files (e.g. one per feature set, run in
parallel) are pooled. Standard library only.
"""
import csv
import math
import sys


def main(argv):
    files = [a for a in argv if not a.startswith("--")]
    baseline = ("classical", "none", "2", "1", "none")
    if "--baseline" in argv:
        baseline = tuple(argv[argv.index("--baseline") + 1].split(","))
        files = [f for f in files if f != argv[argv.index("--baseline") + 1]]
    scores = {}  # setting -> image -> (mIoU, minority IoU)
    for f in files:
        with open(f) as fh:
            for r in csv.DictReader(fh, delimiter="\t"):
                if not r["image"].startswith("hard3_") or not r["mIoU"]:
                    continue
                key = (r["features"], r["weights"], r["flat"], r["shifts"], r["crf"])
                scores.setdefault(key, {})[r["image"]] = (float(r["mIoU"]), float(r["minority_IoU"]))
    if baseline not in scores:
        sys.exit(f"no runs of the baseline {','.join(baseline)} in {files}")
    images = sorted(set.intersection(*(set(v) for v in scores.values())))
    print(f"{len(images)} generated micrographs ({images[0]} … {images[-1]}); baseline {','.join(baseline)}")
    print("| features | weights | flat | shifts | CRF | mIoU | minority IoU | mIoU − baseline | higher on | minority − baseline |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    base = scores[baseline]
    for key in sorted(scores, key=lambda k: -sum(scores[k][i][0] for i in images)):
        s = scores[key]
        m = sum(s[i][0] for i in images) / len(images)
        q = sum(s[i][1] for i in images) / len(images)
        cells = [*key, f"{m:.3f}", f"{q:.3f}"]
        if key == baseline:
            cells += ["–", "–", "–"]
        else:
            d, se = paired([s[i][0] - base[i][0] for i in images])
            dq, seq = paired([s[i][1] - base[i][1] for i in images])
            higher = sum(s[i][0] > base[i][0] for i in images)
            cells += [f"{d:+.3f} ± {se:.3f}", f"{higher} of {len(images)}", f"{dq:+.3f} ± {seq:.3f}"]
        print("| " + " | ".join(cells) + " |")


def paired(d):
    n = len(d)
    mean = sum(d) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1)) if n > 1 else 0.0
    return mean, sd / math.sqrt(n)


if __name__ == "__main__":
    main(sys.argv[1:])
