package io.jvit.core.gemm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SgemmTest {

    static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    static float[] abs(float[] x) {
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) y[i] = Math.abs(y[i]);
        return y;
    }

    /**
     * Every implementation against the double-precision reference, element by element, to k·ε·Σ|a||b| (the bound of
     * a float dot product of length k): sizes below, at and past the micro-tile (8 × 48) and the K block (192), all
     * four transposes, offsets and row strides wider than the matrix, alpha and beta.
     */
    @ParameterizedTest(name = "{0}{1} m={2} n={3} k={4} alpha={5} beta={6} threads={7}")
    @CsvSource({
        "false, false, 1, 1, 1, 1, 0, 1",
        "false, true, 8, 48, 192, 1, 0, 1",
        "false, true, 9, 49, 193, 1, 0, 2",
        "false, false, 7, 47, 191, 1, 1, 1",
        "true, false, 33, 100, 5, 2, 0.5, 2",
        "true, true, 257, 130, 400, 1, 1, 2",
        "false, true, 300, 1, 385, -1, 0, 2",
        "false, false, 1, 300, 64, 1, 0, 2",
        "false, true, 600, 97, 64, 1, 0, 2", // 3 row blocks of 256: rows split over threads
        "true, false, 520, 200, 200, 0.5, 0, 1",
        "false, true, 385, 50, 30, 1, 0, 2", // two row blocks of 192 + 193 → 200 + 185
        "false, true, 20000, 49, 9, 1, 1, 2", // 53 row blocks of 384 - rounding: the last block is shorter, none empty
    })
    void equalsTheReference(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, int threads) {
        int aOff = 3, bOff = 5, cOff = 7, pad = 2;
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        float[] a = gaussian(aOff + (ta ? k : m) * lda, 1), b = gaussian(bOff + (tb ? n : k) * ldb, 2);
        float[] c0 = gaussian(cOff + m * ldc, 3);
        float[] ref = c0.clone(), bound = new float[c0.length];
        NaiveSgemm.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, ref, cOff, ldc);
        NaiveSgemm.gemm(ta, tb, m, n, k, Math.abs(alpha), abs(a), aOff, lda, abs(b), bOff, ldb, 0f, bound, cOff, ldc);
        double eps = 6e-8 * (k + 2);
        for (Sgemm.Impl impl : implementations()) {
            float[] c = c0.clone();
            if (beta == 0f)
                for (int i = 0; i < m; i++)
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, Float.NaN); // must not leak
            Sgemm.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, threads, null, impl);
            for (int i = 0; i < c.length; i++) {
                int row = (i - cOff) / ldc, col = (i - cOff) % ldc;
                boolean inside = i >= cOff && row < m && col < n;
                if (!inside)
                    assertThat(c[i])
                            .as("%s: element %d outside C was written", impl, i)
                            .isEqualTo(c0[i]);
                else
                    assertThat((double) c[i])
                            .as("%s: C[%d][%d]", impl, row, col)
                            .isCloseTo(
                                    ref[i],
                                    org.assertj.core.data.Offset.offset(
                                            eps * (bound[i] + Math.abs(beta * c0[i])) + 1e-30));
            }
        }
    }

    static Sgemm.Impl[] implementations() {
        return Sgemm.vectorized()
                ? new Sgemm.Impl[] {Sgemm.Impl.VECTOR, Sgemm.Impl.SCALAR}
                : new Sgemm.Impl[] {Sgemm.Impl.SCALAR};
    }

    @Test
    void theVectorKernelRunsInTests() {
        assertThat(Sgemm.vectorized())
                .as("surefire runs with --add-modules jdk.incubator.vector")
                .isTrue();
    }

    @Test
    void oneAndTwoThreadsGiveTheSameBits() {
        int m = 700, n = 150, k = 450;
        float[] a = gaussian(m * k, 4), b = gaussian(n * k, 5), c1 = new float[m * n], c2 = new float[m * n];
        Sgemm.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c1, 0, n, 1);
        Sgemm.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c2, 0, n, 2);
        assertThat(c2).isEqualTo(c1);
    }

    @Test
    void theEpilogueSeesEveryFinishedElementOnce() {
        int m = 37, n = 101, k = 400; // edge tiles in both directions, three K blocks
        float[] a = gaussian(m * k, 6), b = gaussian(k * n, 7), ref = new float[m * n];
        NaiveSgemm.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, ref, 0, n);
        for (Sgemm.Impl impl : implementations()) {
            float[] c = new float[m * n];
            int[] seen = new int[m * n];
            // the epilogue squares: it must see the final value (the square of a partial sum would differ)
            Sgemm.gemm(
                    false,
                    false,
                    m,
                    n,
                    k,
                    1f,
                    a,
                    0,
                    k,
                    b,
                    0,
                    n,
                    0f,
                    c,
                    0,
                    n,
                    2,
                    (cc, off, ldc, row, rows, col, cols) -> {
                        for (int i = row; i < row + rows; i++)
                            for (int j = col; j < col + cols; j++) {
                                seen[i * n + j]++;
                                cc[off + i * ldc + j] *= cc[off + i * ldc + j];
                            }
                    },
                    impl);
            for (int i = 0; i < m * n; i++) {
                assertThat(seen[i]).as("%s: element %d", impl, i).isEqualTo(1);
                assertThat((double) c[i])
                        .isCloseTo(
                                (double) ref[i] * ref[i],
                                org.assertj.core.data.Offset.offset(1e-3 * (1 + ref[i] * ref[i])));
            }
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4}")
    @CsvSource({
        "false, true, 261, 1152, 384",
        "false, false, 37, 101, 600",
        "true, true, 9, 49, 193",
        "false, true, 1, 1, 1"
    })
    void prepackedBGivesTheSameBitsAsPackingPerCall(boolean ta, boolean tb, int m, int n, int k) {
        float[] a = gaussian(m * k, 8), b = gaussian(n * k, 9), bias = gaussian(n, 10);
        int lda = ta ? m : k, ldb = tb ? k : n;
        Sgemm.PackedB packed = Sgemm.pack(tb, k, n, b, 0, ldb);
        for (int threads = 1; threads <= 2; threads++) {
            float[] want = new float[m * n], got = new float[m * n];
            Sgemm.gemm(
                    ta,
                    tb,
                    m,
                    n,
                    k,
                    1f,
                    a,
                    0,
                    lda,
                    b,
                    0,
                    ldb,
                    0f,
                    want,
                    0,
                    n,
                    threads,
                    Epilogues.bias(bias),
                    Sgemm.Impl.AUTO);
            Sgemm.gemm(ta, m, packed, 1f, a, 0, lda, 0f, got, 0, n, threads, Epilogues.bias(bias));
            assertThat(got).containsExactly(want);
        }
    }

    @Test
    void emptyInnerDimensionScalesC() {
        float[] c = {1, 2, 3, 4};
        Sgemm.gemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0.5f, c, 0, 2, 1);
        assertThat(c).containsExactly(0.5f, 1f, 1.5f, 2f);
    }

    @Test
    void badArgumentsAreNamed() {
        float[] x = new float[10];
        assertThatThrownBy(() ->
                        Sgemm.gemm(false, false, 4, 4, 4, 1f, x, 0, 4, new float[16], 0, 4, 0f, new float[16], 0, 4, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("A: 10 floats cannot hold 4 × 4");
        assertThatThrownBy(() -> Sgemm.gemm(false, false, 2, 2, 2, 1f, x, 0, 1, x, 0, 2, 0f, x, 0, 2, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("A: row stride 1 < 2 columns");
        assertThatThrownBy(() -> Sgemm.gemm(false, false, 2, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("thread count must be >= 1");
    }
}
