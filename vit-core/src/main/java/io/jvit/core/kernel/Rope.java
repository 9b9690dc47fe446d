package io.jvit.core.kernel;

import io.jvit.core.pe.RopeTables;

/**
 * Rotates the patch tokens' queries or keys in place, as DINOv3: x·cos + rotate_half(x)·sin per head,
 * rotate_half([a, b]) = [−b, a]; the {@code prefix} tokens are not rotated.
 */
public final class Rope {
    private Rope() {}

    public static void apply(Strided x, AttentionShape s, int prefix, RopeTables t) {
        int n = s.tokens(), d = s.headDim(), half = d / 2;
        if (t.headDim() != d || t.numPatches() != n - prefix)
            throw new IllegalArgumentException("RoPE tables for " + t.numPatches() + " patches × " + t.headDim()
                    + " channels do not fit " + (n - prefix) + " patches × " + d);
        float[] tmp = new float[d];
        for (int b = 0; b < s.batch(); b++)
            for (int i = prefix; i < n; i++)
                for (int h = 0; h < s.heads(); h++) {
                    int o = x.offset() + (b * n + i) * x.stride() + h * d, to = (i - prefix) * d;
                    for (int c = 0; c < d; c++) {
                        float rot = c < half ? -x.data()[o + c + half] : x.data()[o + c - half];
                        tmp[c] = x.data()[o + c] * t.cos()[to + c] + rot * t.sin()[to + c];
                    }
                    System.arraycopy(tmp, 0, x.data(), o, d);
                }
    }
}
