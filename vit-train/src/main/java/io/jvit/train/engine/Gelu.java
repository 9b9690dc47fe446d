package io.jvit.train.engine;

import io.jvit.core.kernel.FusedAttention;
import io.jvit.core.kernel.ScalarMath;

/**
 * Exact (erf) GELU, x·Φ(x), the MLP activation of DINOv2 S/B/L. Its backward, one erf and one exp per element over
 * rows·hidden elements, is the costliest element-wise pass of a step: split over threads and, with the Vector API,
 * vectorised ({@link GeluVector}).
 */
final class Gelu {
    private Gelu() {}

    static final double INV_SQRT2 = 1 / Math.sqrt(2), INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    /** y = GELU(x), rows × width elements, with vit-core's kernel (the inference engine's numbers). x is kept: the backward needs it. */
    static void forward(float[] x, float[] y, int rows, int width, int threads) {
        Rows.forEach(rows, width, threads, (w, from, to) -> {
            System.arraycopy(x, from * width, y, from * width, (to - from) * width);
            ScalarMath.gelu(y, from * width, to * width);
        });
    }

    /** dx = dy·GELU'(x), GELU'(x) = Φ(x) + x·φ(x); overwrites dx. */
    static void backward(float[] dy, float[] x, float[] dx, int rows, int width, int threads) {
        Rows.forEach(rows, width, threads, (w, from, to) -> {
            if (FusedAttention.vectorized()) GeluVector.backward(dy, x, dx, from * width, to * width);
            else scalarBackward(dy, x, dx, from * width, to * width);
        });
    }

    static void scalarBackward(float[] dy, float[] x, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) {
            double v = x[i];
            double cdf = 0.5 * (1 + ScalarMath.erf(v * INV_SQRT2)), pdf = Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
            dx[i] = (float) (dy[i] * (cdf + v * pdf));
        }
    }
}
