#!/usr/bin/env python3
"""Reference predictions for vit-probe's RidgeClassifier, computed with scikit-learn.

Run with Debian's python3-sklearn (apt-get install python3-sklearn), from this folder or any other:
    /usr/bin/python3 ridge_classifier_reference.py [OUT_DIR]      (default: the folder this script is in)
Writes ridge_classifier.json: seeded data sets (three shapes, including more features than samples, as the
retention probe has), sklearn's RidgeClassifier(alpha) decision values and predictions on held-out points.
"""
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import RidgeClassifier

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
cases = []
for seed, (n, p, classes, alpha) in enumerate([(40, 5, 3, 1.0), (30, 96, 5, 1.0), (60, 8, 2, 0.1)]):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, p))
    y = np.arange(n) % classes
    x = (centres[y] + 1.5 * rng.normal(size=(n, p))).astype(np.float32)
    yt = np.arange(20) % classes
    xt = (centres[yt] + 1.5 * rng.normal(size=(20, p))).astype(np.float32)
    clf = RidgeClassifier(alpha=alpha).fit(x.astype(np.float64), y)
    d = clf.decision_function(xt.astype(np.float64))
    if classes == 2:  # sklearn reports one column for two classes: class 1's score (class 0's is its negative)
        d = np.stack([-d, d], axis=1)
    cases.append({"classes": classes, "alpha": alpha, "x": x.tolist(), "y": y.tolist(), "test": xt.tolist(),
                  "decision": d.tolist(), "predict": clf.predict(xt.astype(np.float64)).tolist()})
(out / "ridge_classifier.json").write_text(json.dumps({"sklearn": __import__("sklearn").__version__, "cases": cases}))
