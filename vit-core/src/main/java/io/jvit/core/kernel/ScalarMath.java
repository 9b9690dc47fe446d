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
}
