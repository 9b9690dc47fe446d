package io.jvit.core.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.Fixtures;
import io.jvit.core.io.Npy;
import io.jvit.core.pe.AlibiDistance.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

class AlibiDistanceTest {

    @Test
    void row0Of4x4WrappedNormalisedEuclideanMatchesDigest() {
        float[] m = AlibiDistance.matrix(4, 4, 0, Metric.EUCLIDEAN, true, true);
        double[] expected = {
            0, -.3536, -.7071, -.3536, -.3536, -.5, -.7906, -.5, -.7071, -.7906, -1, -.7906, -.3536, -.5, -.7906, -.5
        };
        for (int j = 0; j < 16; j++)
            assertThat((double) m[j]).as("column %d", j).isCloseTo(expected[j], within(1e-4));
        for (int i = 0; i < 16; i++) assertThat(m[i * 16 + i]).isZero(); // zero diagonal
    }

    @Test
    void twoByFiveFromPatch0ToPatch9() {
        // Digest b.2 / the authors' test_alibi.py: un-normalised, patch 0 = (0,0), patch 9 = (1,4).
        assertThat(AlibiDistance.matrix(2, 5, 0, Metric.MANHATTAN, false, false)[9])
                .isEqualTo(-5f);
        assertThat(AlibiDistance.matrix(2, 5, 0, Metric.MANHATTAN, true, false)[9])
                .isEqualTo(-2f);
        assertThat(AlibiDistance.matrix(2, 5, 0, Metric.MANHATTAN, false, true)[9])
                .isEqualTo(-1f);
        assertThat((double) AlibiDistance.matrix(2, 5, 0, Metric.EUCLIDEAN, false, false)[9])
                .isCloseTo(-Math.sqrt(17), within(1e-6));
    }

    @ParameterizedTest
    @CsvSource({"16, 16, 11.3137", "32, 32, 22.6274", "37, 37, 25.4558"})
    void wrappedMaximumDistance(int h, int w, double max) {
        assertThat(AlibiDistance.maxDistance(h, w, Metric.EUCLIDEAN, true)).isCloseTo(max, within(1e-4));
    }

    @Test
    void unwrappedMaximumIsTheGridDiagonal() {
        assertThat(AlibiDistance.maxDistance(3, 5, Metric.EUCLIDEAN, false))
                .isCloseTo(Math.sqrt(4 + 16), within(1e-12));
        assertThat(AlibiDistance.maxDistance(3, 5, Metric.MANHATTAN, false)).isEqualTo(6.0);
    }

    @ParameterizedTest
    @CsvSource({"alibi_bias_16x16.npy, 16, 16", "alibi_bias_20x30.npy, 20, 30"})
    void fullMatrixWithPrefixEqualsReference(String file, int h, int w) throws Exception {
        INDArray ref = Npy.read(Fixtures.parity(file));
        float[] m = AlibiDistance.matrix(h, w, 5, Metric.EUCLIDEAN, true, true);
        int n = 5 + h * w;
        assertThat(ref.shape()).containsExactly(n, n);
        float[] r = ref.data().asFloat();
        double maxErr = 0;
        for (int i = 0; i < m.length; i++) maxErr = Math.max(maxErr, Math.abs(m[i] - r[i]));
        assertThat(maxErr).isLessThan(1e-6);
        for (int j = 0; j < n; j++) assertThat(m[j]).as("CLS row").isZero();
    }

    @Test
    void oneByOneGridHasNoNaN() {
        assertThat(AlibiDistance.matrix(1, 1, 1, Metric.EUCLIDEAN, true, true)).containsOnly(0f);
    }
}
