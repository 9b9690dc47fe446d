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
