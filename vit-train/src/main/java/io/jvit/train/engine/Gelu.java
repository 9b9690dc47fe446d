package io.jvit.train.engine;

import io.jvit.core.kernel.ScalarMath;

/**
 * Exact (erf) GELU, x·Φ(x), the MLP activation of DINOv2 S/B/L. Its backward, one erf and one exp per element over
 * rows·hidden elements, is the costliest element-wise pass of a step: split over threads and, with the Vector API,
 * vectorised (vit-core's {@link ScalarMath#geluBackward}, beside the forward).
 */
final class Gelu {
    private Gelu() {}

    /** y = GELU(x), rows × width elements, with vit-core's kernel (the inference engine's numbers). x is kept: the backward needs it. */
    static void forward(float[] x, float[] y, int rows, int width, int threads) {
        Rows.forEach(rows, width, threads, (w, from, to) -> {
            System.arraycopy(x, from * width, y, from * width, (to - from) * width);
            ScalarMath.gelu(y, from * width, to * width);
        });
    }

    /** dx = dy·GELU'(x), GELU'(x) = Φ(x) + x·φ(x); overwrites dx. */
    static void backward(float[] dy, float[] x, float[] dx, int rows, int width, int threads) {
        Rows.forEach(
                rows, width, threads, (w, from, to) -> ScalarMath.geluBackward(dy, x, dx, from * width, to * width));
    }
}
