package io.jvit.train.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.kernel.FusedAttention;
import org.junit.jupiter.api.Test;

/** The element-wise layers' threaded and vectorised paths against their definitions. */
class ElementwiseTest {

    @Test
    void geluDerivativeIsPhiPlusXPhi() {
        int n = 1000 + 3; // a tail after the vector loop
        float[] x = new float[n], dy = new float[n], dx = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -9f + 18f * i / n;
            dy[i] = 1f + 0.001f * i;
        }
        Gelu.backward(dy, x, dx, 1, n, 1);
        for (int i = 0; i < n; i++) {
            double v = x[i],
                    cdf = 0.5 * (1 + erf(v / Math.sqrt(2))),
                    pdf = Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI);
            assertThat((double) dx[i]).as("x = %f", v).isCloseTo(dy[i] * (cdf + v * pdf), within(1e-6 * dy[i]));
        }
        assertThat(FusedAttention.vectorized())
                .as("the tests run the Vector API path")
                .isTrue();
    }

    /** erf to 1e-12 by its Taylor series (|x| ≤ 6.4 here), independent of the Abramowitz–Stegun form the code uses. */
    private static double erf(double x) {
        if (Math.abs(x) > 5) return Math.signum(x);
        double sum = 0, term = x;
        for (int k = 0; k < 400; k++) {
            sum += term / (2 * k + 1);
            term *= -x * x / (k + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void layerNormOnThreadsEqualsOneThread() {
        int rows = 600, dim = 256; // 153 600 floats: above the parallel threshold
        float[] x = Fixtures.gaussian(rows * dim, 1, 2.0),
                g = Fixtures.gaussian(dim, 2, 1.0),
                b = Fixtures.gaussian(dim, 3, 1.0);
        float[] dy = Fixtures.gaussian(rows * dim, 4, 1.0);
        assertThat(Rows.workers(rows, dim, 3)).isEqualTo(3);
        float[][] results = new float[2][];
        float[][] dgs = new float[2][], dbs = new float[2][];
        for (int run = 0; run < 2; run++) {
            int threads = run == 0 ? 1 : 3;
            float[] y = new float[rows * dim],
                    mean = new float[rows],
                    rstd = new float[rows],
                    dx = new float[rows * dim];
            float[] dg = new float[dim], db = new float[dim];
            LayerNorm.forward(x, rows, dim, g, b, 1e-6, y, mean, rstd, threads);
            LayerNorm.backward(dy, x, mean, rstd, g, rows, dim, dx, dg, db, threads);
            results[run] = concat(y, dx);
            dgs[run] = dg;
            dbs[run] = db;
        }
        assertThat(results[1]).containsExactly(results[0]); // per-row work: the same numbers
        for (int c = 0; c < dim; c++) { // column sums: another addition order
            assertThat(dgs[1][c]).isCloseTo(dgs[0][c], within(1e-3f));
            assertThat(dbs[1][c]).isCloseTo(dbs[0][c], within(1e-3f));
        }
    }

    @Test
    void swigluOnThreadsEqualsOneThread() {
        int rows = 300, hidden = 128;
        float[] both = Fixtures.gaussian(rows * 2 * hidden, 5, 1.5), dy = Fixtures.gaussian(rows * hidden, 6, 1.0);
        float[] o1 = new float[rows * hidden],
                o3 = new float[rows * hidden],
                d1 = new float[rows * 2 * hidden],
                d3 = new float[rows * 2 * hidden];
        SwiGlu.forward(both, rows, hidden, o1, 1);
        SwiGlu.forward(both, rows, hidden, o3, 3);
        SwiGlu.backward(dy, both, rows, hidden, d1, 1);
        SwiGlu.backward(dy, both, rows, hidden, d3, 3);
        assertThat(o3).containsExactly(o1);
        assertThat(d3).containsExactly(d1);
        double a = both[7], sig = 1 / (1 + Math.exp(-a));
        assertThat((double) o1[7]).isCloseTo(a * sig * both[hidden + 7], within(1e-5));
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
