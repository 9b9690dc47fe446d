package io.jvit.train.engine;

import io.jvit.core.kernel.AttentionShape;
import io.jvit.core.kernel.Rope;
import io.jvit.core.kernel.Strided;
import io.jvit.core.pe.RopeTables;

/**
 * 2D RoPE on the patch tokens' queries or keys: y = x·cos + rotate_half(x)·sin per head, rotate_half([a, b]) = [−b, a];
 * prefix tokens untouched. The rotation is linear and orthogonal, so its backward is the transpose: the gradient
 * rotated back, dx = dy·cos − rotate_half(dy·sin) (a rotation by the negative angle when sin is tiled over both halves,
 * as DINOv3's tables are; the transpose is written out so it holds for any table).
 */
final class RopeRotation {
    private RopeRotation() {}

    /** In place, vit-core's forward (the inference engine's numbers). */
    static void forward(Strided x, AttentionShape s, int prefix, RopeTables t) {
        Rope.apply(x, s, prefix, t);
    }

    /** In place: dx = Rᵀ·dy for every patch token and head. */
    static void backward(Strided g, AttentionShape s, int prefix, RopeTables t) {
        int n = s.tokens(), d = s.headDim(), half = d / 2;
        float[] tmp = new float[d], data = g.data(), cos = t.cos(), sin = t.sin();
        for (int b = 0; b < s.batch(); b++)
            for (int i = prefix; i < n; i++)
                for (int h = 0; h < s.heads(); h++) {
                    int o = g.offset() + (b * n + i) * g.stride() + h * d, to = (i - prefix) * d;
                    // y_c = x_c·cos_c − x_{c+h}·sin_c (c < h),  y_c = x_c·cos_c + x_{c−h}·sin_c (c ≥ h)
                    for (int c = 0; c < d; c++)
                        tmp[c] = data[o + c] * cos[to + c]
                                + (c < half
                                        ? data[o + c + half] * sin[to + c + half]
                                        : -data[o + c - half] * sin[to + c - half]);
                    System.arraycopy(tmp, 0, data, o, d);
                }
    }
}
