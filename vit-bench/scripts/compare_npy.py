"""max |a − b| of two .npy feature maps: python3 compare_npy.py A.npy B.npy"""
import sys

import numpy as np

a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
print(f"max abs diff {np.abs(a - b).max():.2e} (max |value| {np.abs(b).max():.2f}) over {a.size} values")
