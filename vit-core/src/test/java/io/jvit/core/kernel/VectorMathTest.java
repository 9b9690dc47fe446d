package io.jvit.core.kernel;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class VectorMathTest {
    /** The vector GELU against the exact definition ½x(1 + erf(x/√2)), erf from its Taylor series in double. */
    @Test
    void geluEqualsTheDefinition() {
        int n = 4001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -10f + 20f * i / (n - 1);
        float[] y = x.clone();
        VectorMath.gelu(y, 0, n);                       // includes a scalar tail (4001 is not a multiple of the lanes)
        for (int i = 0; i < n; i++) {
            double z = x[i] / Math.sqrt(2), want = 0.5 * x[i] * (1 + (Math.abs(z) < 3.6 ? erfTaylor(z) : Math.signum(z)));
            // Abramowitz–Stegun's erf: 1.5e-7 absolute, 3e-7 evaluated in float; beyond |z| = 3.6, |1 − |erf|| < 4e-7
            double tol = 0.5 * Math.abs(x[i]) * (Math.abs(z) < 3.6 ? 3e-7 : 8e-7) + 2e-7 * Math.abs(want) + 1e-30;
            assertThat((double) y[i]).as("gelu(%s)", x[i]).isCloseTo(want, within(tol));
        }
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
