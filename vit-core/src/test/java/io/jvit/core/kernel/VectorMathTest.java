package io.jvit.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class VectorMathTest {
    /** The vector GELU against the exact definition ½x(1 + erf(x/√2)), erf from its Taylor series in double. */
    @Test
    void geluEqualsTheDefinition() {
        int n = 4001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -10f + 20f * i / (n - 1);
        float[] y = x.clone();
        VectorMath.gelu(y, 0, n); // includes a scalar tail (4001 is not a multiple of the lanes)
        for (int i = 0; i < n; i++) {
            double z = x[i] / Math.sqrt(2),
                    want = 0.5 * x[i] * (1 + (Math.abs(z) < 3.6 ? erfTaylor(z) : Math.signum(z)));
            // Abramowitz–Stegun's erf: 1.5e-7 absolute, 3e-7 evaluated in float; beyond |z| = 3.6, |1 − |erf|| < 4e-7
            double tol = 0.5 * Math.abs(x[i]) * (Math.abs(z) < 3.6 ? 3e-7 : 8e-7) + 2e-7 * Math.abs(want) + 1e-30;
            assertThat((double) y[i]).as("gelu(%s)", x[i]).isCloseTo(want, within(tol));
        }
    }

    /**
     * The float vector LayerNorm against the definition in double, on rows with a large mean (DINOv2's activations carry
     * some), widths with and without a scalar tail, and at offsets; and the scalar fallback against it too.
     */
    @Test
    void layerNormEqualsTheDefinition() {
        java.util.Random r = new java.util.Random(7);
        for (int dim : new int[] {384, 768, 1, 15, 37, 100}) {
            int rows = 3;
            float[] x = new float[rows * dim + 5], g = new float[dim], b = new float[dim];
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 2 + (i % 3 == 0 ? 40 : -1));
            for (int c = 0; c < dim; c++) {
                g[c] = (float) (1 + 0.3 * r.nextGaussian());
                b[c] = (float) (0.2 * r.nextGaussian());
            }
            float[] vec = new float[x.length],
                    scalar = new float[x.length],
                    lanes = new float[Math.max(1, VectorAttention.L)];
            for (int row = 0; row < rows; row++) {
                int o = 5 + row * dim;
                VectorMath.layerNormRow(x, o, dim, g, b, 1e-6f, vec, lanes);
                ScalarMath.layerNormRow(x, o, dim, g, b, 1e-6, scalar);
                double mean = 0, var = 0;
                for (int c = 0; c < dim; c++) mean += x[o + c];
                mean /= dim;
                for (int c = 0; c < dim; c++) var += (x[o + c] - mean) * (x[o + c] - mean);
                double inv = 1 / Math.sqrt(var / dim + 1e-6);
                for (int c = 0; c < dim; c++) {
                    double want = (x[o + c] - mean) * inv * g[c] + b[c];
                    assertThat((double) vec[o + c])
                            .as("dim %d row %d c %d", dim, row, c)
                            .isCloseTo(want, within(2e-5));
                    assertThat((double) scalar[o + c]).as("scalar dim %d", dim).isCloseTo(want, within(2e-5));
                }
            }
            for (int i = 0; i < 5; i++) assertThat(vec[i]).isZero(); // nothing written before the rows
        }
    }

    /** The vector LayerNorm gives the same bits on its first (interpreted) calls as once C2 has compiled it. */
    @Test
    void layerNormGivesTheSameBitsInEveryJitTier() {
        int dim = 384, rows = 64;
        float[] x = new float[rows * dim], g = new float[dim], b = new float[dim], lanes = new float[VectorAttention.L];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 3 + 0.5);
        for (int c = 0; c < dim; c++) {
            g[c] = (float) (1 + 0.2 * r.nextGaussian());
            b[c] = (float) (0.1 * r.nextGaussian());
        }
        float[] first = new float[x.length], later = new float[x.length];
        for (int row = 0; row < rows; row++) VectorMath.layerNormRow(x, row * dim, dim, g, b, 1e-6f, first, lanes);
        for (int rep = 0; rep < 3000; rep++)
            for (int row = 0; row < rows; row++) VectorMath.layerNormRow(x, row * dim, dim, g, b, 1e-6f, later, lanes);
        assertThat(later).isEqualTo(first);
    }

    /** The vector GELU's derivative against its definition Φ(x) + x·φ(x), in double. */
    @Test
    void geluBackwardEqualsTheDefinition() {
        int n = 4001;
        float[] x = new float[n], dy = new float[n], dx = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -10f + 20f * i / (n - 1);
            dy[i] = 1f + 0.001f * i;
        }
        VectorMath.geluBackward(dy, x, dx, 0, n);
        for (int i = 0; i < n; i++) {
            double z = x[i] / Math.sqrt(2), erf = Math.abs(z) < 3.6 ? erfTaylor(z) : Math.signum(z);
            double want =
                    dy[i] * (0.5 * (1 + erf) + x[i] * Math.exp(-x[i] * (double) x[i] / 2) / Math.sqrt(2 * Math.PI));
            assertThat((double) dx[i]).as("gelu'(%s)", x[i]).isCloseTo(want, within(1e-6 * dy[i]));
        }
    }

    /**
     * The vector paths equal, bit for bit, the same operations done lane by lane in float (what the Vector API runs before
     * C2 compiles it), on the first calls and after C2 has compiled them: every operation they use is exactly rounded, so
     * a training run's bits cannot depend on when the JIT compiled them. (A {@code lanewise(EXP)} fails this: C2 takes
     * it from a vector math library with other last bits.)
     */
    @Test
    void vectorPathsGiveTheSameBitsInEveryJitTier() {
        int n = 4096; // a multiple of every lane count: no scalar tail
        float[] x = new float[n], dy = new float[n], y = new float[n], dx = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -9f + 18f * i / n + 1e-4f * (i % 7);
            dy[i] = 0.5f + 0.001f * (i % 101);
        }
        float[] wantY = new float[n], wantDx = new float[n];
        for (int i = 0; i < n; i++) {
            wantY[i] = laneGelu(x[i]);
            wantDx[i] = laneGeluBackward(dy[i], x[i]);
        }
        for (int call = 0; call < 3000; call++) {
            System.arraycopy(x, 0, y, 0, n);
            VectorMath.gelu(y, 0, n);
            VectorMath.geluBackward(dy, x, dx, 0, n);
            if (call == 0 || call == 2999) {
                for (int i = 0; i < n; i++) {
                    assertThat(Float.floatToRawIntBits(y[i]))
                            .as("gelu(%s), call %d", x[i], call)
                            .isEqualTo(Float.floatToRawIntBits(wantY[i]));
                    assertThat(Float.floatToRawIntBits(dx[i]))
                            .as("gelu'(%s), call %d", x[i], call)
                            .isEqualTo(Float.floatToRawIntBits(wantDx[i]));
                }
            }
        }
    }

    /** VectorMath's erf pieces lane by lane: returns {erf(x/√2), exp(−x²/2)}. */
    private static float[] laneErfAndExp(float v) {
        float z = v * 0.70710678118654752f, a = Math.abs(z);
        float t = 1f / Math.fma(a, 0.3275911f, 1f);
        float poly = Math.fma(
                        Math.fma(Math.fma(Math.fma(1.061405429f, t, -1.453152027f), t, 1.421413741f), t, -0.284496736f),
                        t,
                        0.254829592f)
                * t;
        float u = Math.max(-(a * a), -87.0f);
        float m = Math.fma(u, 1.44269504088896341f, 12582912f), fx = m - 12582912f;
        float r = Math.fma(fx, -0.693359375f, u) + fx * 2.12194440e-4f;
        float p = Math.fma(
                Math.fma(
                        Math.fma(
                                Math.fma(Math.fma(1.9875691500e-4f, r, 1.3981999507e-3f), r, 8.3334519073e-3f),
                                r,
                                4.1665795894e-2f),
                        r,
                        1.6666665459e-1f),
                r,
                5.0000001201e-1f);
        p = Math.fma(p, r * r, r) + 1f;
        float e = p * Float.intBitsToFloat((Float.floatToRawIntBits(m) - (0x4B400000 - 127)) << 23);
        float erfAbs = 1f - poly * e;
        return new float[] {z < 0f ? -erfAbs : erfAbs, e};
    }

    private static float laneGelu(float v) {
        return v * 0.5f * (laneErfAndExp(v)[0] + 1f);
    }

    private static float laneGeluBackward(float dy, float v) {
        float[] ee = laneErfAndExp(v);
        return Math.fma(v, ee[1] * 0.3989422804014327f, (ee[0] + 1f) * 0.5f) * dy;
    }

    /** erf by its Maclaurin series in double (for |z| < 3.6 its cancellation error stays below 1e-10). */
    static double erfTaylor(double z) {
        double sum = 0, term = z;
        for (int k = 0; k < 200; k++) {
            sum += term / (2 * k + 1);
            term *= -z * z / (k + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
