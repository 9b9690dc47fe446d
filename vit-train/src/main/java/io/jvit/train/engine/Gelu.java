package io.jvit.train.engine;

import io.jvit.core.kernel.ScalarMath;

/** Exact (erf) GELU, x·Φ(x), the MLP activation of DINOv2 S/B/L. */
final class Gelu {
    private Gelu() {}

    private static final double INV_SQRT2 = 1 / Math.sqrt(2), INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    /** y[0…n) = GELU(x[0…n)) with vit-core's kernel (the inference engine's numbers). x is kept: the backward needs it. */
    static void forward(float[] x, float[] y, int n) {
        System.arraycopy(x, 0, y, 0, n);
        ScalarMath.gelu(y, 0, n);
    }

    /** dx = dy·GELU'(x), GELU'(x) = Φ(x) + x·φ(x); overwrites dx. */
    static void backward(float[] dy, float[] x, float[] dx, int n) {
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double cdf = 0.5 * (1 + ScalarMath.erf(v * INV_SQRT2)), pdf = Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
            dx[i] = (float) (dy[i] * (cdf + v * pdf));
        }
    }
}
