package io.jvit.core.kernel;

/** Scalar element-wise functions: the fallbacks of {@link VectorMath} and the definitions they follow. */
public final class ScalarMath {
    private ScalarMath() {}

    /** erf by Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7), in double. */
    public static double erf(double x) {
        double a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
        double y = 1
                - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                        * t
                        * Math.exp(-a * a);
        return x < 0 ? -y : y;
    }

    public static float gelu(float x) {
        return (float) (0.5 * x * (1 + erf(x * 0.7071067811865476)));
    }

    /** x ← GELU(x) on [from, to), with the Vector API when it is available. */
    public static void gelu(float[] x, int from, int to) {
        if (FusedAttention.vectorized()) VectorMath.gelu(x, from, to);
        else for (int i = from; i < to; i++) x[i] = gelu(x[i]);
    }

    /** dy·GELU'(x), GELU'(x) = Φ(x) + x·φ(x), in double. */
    public static float geluBackward(float dy, float x) {
        double v = x;
        double cdf = 0.5 * (1 + erf(v * 0.7071067811865476)), pdf = Math.exp(-0.5 * v * v) * 0.3989422804014327;
        return (float) (dy * (cdf + v * pdf));
    }

    /** dx = dy·GELU'(x) on [from, to), with the Vector API when it is available; overwrites dx. */
    public static void geluBackward(float[] dy, float[] x, float[] dx, int from, int to) {
        if (FusedAttention.vectorized()) VectorMath.geluBackward(dy, x, dx, from, to);
        else for (int i = from; i < to; i++) dx[i] = geluBackward(dy[i], x[i]);
    }

    /** Lanes of the scratch {@link #layerNorm} needs (at least 1). */
    public static int layerNormScratch() {
        return Math.max(1, FusedAttention.lanes());
    }

    /**
     * LayerNorm of the row x[o, o + dim) into out[o, o + dim): (x − mean) / √(var + eps) · g + b, population variance;
     * with the Vector API in float (lane sums in a fixed order), else {@link #layerNormRow} in double. {@code lanes}:
     * {@link #layerNormScratch} floats of scratch.
     */
    public static void layerNorm(
            float[] x, int o, int dim, float[] g, float[] b, double eps, float[] out, float[] lanes) {
        if (FusedAttention.vectorized()) VectorMath.layerNormRow(x, o, dim, g, b, (float) eps, out, lanes);
        else layerNormRow(x, o, dim, g, b, eps, out);
    }

    /** The reference and scalar fallback of {@link #layerNorm}: mean and variance in double. */
    public static void layerNormRow(float[] x, int o, int dim, float[] g, float[] b, double eps, float[] out) {
        double mean = 0, var = 0;
        for (int c = 0; c < dim; c++) mean += x[o + c];
        mean /= dim;
        for (int c = 0; c < dim; c++) {
            double d = x[o + c] - mean;
            var += d * d;
        }
        float inv = (float) (1 / Math.sqrt(var / dim + eps)), m = (float) mean;
        for (int c = 0; c < dim; c++) out[o + c] = (x[o + c] - m) * inv * g[c] + b[c];
    }
}
