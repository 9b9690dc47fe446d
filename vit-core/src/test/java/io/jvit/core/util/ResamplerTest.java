package io.jvit.core.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ResamplerTest {

    @Test
    void antialiasedBicubicFourToTwoByHand() {
        // scale 2, support 4, taps at (j − 1 + ½)/2 = −¼, ¼, ¾, 1¼ with Keys a = −½:
        // k(¼) = 0.8671875, k(¾) = 0.2265625, k(1¼) = −0.0703125; sum 1.890625.
        double[][] w = Resampler.antialiased(4, 2, Resampler.Filter.BICUBIC);
        double s = 1.890625;
        assertThat(w[0])
                .containsExactly(
                        new double[] {0.8671875 / s, 0.8671875 / s, 0.2265625 / s, -0.0703125 / s}, within(1e-12));
        assertThat(w[1])
                .containsExactly(
                        new double[] {-0.0703125 / s, 0.2265625 / s, 0.8671875 / s, 0.8671875 / s}, within(1e-12));
    }

    @Test
    void antialiasedBilinearHalvingAveragesWithTriangle() {
        // scale 2: taps at −¼, ¼, ¾ (·½ of distance) → triangle weights ¾, ¾, ¼ around centre 1, clipped at 0.
        double[][] w = Resampler.antialiased(4, 2, Resampler.Filter.BILINEAR);
        assertThat(w[0]).containsExactly(new double[] {0.75 / 1.75, 0.75 / 1.75, 0.25 / 1.75, 0}, within(1e-12));
    }

    @Test
    void sameSizeIsIdentity() {
        for (var f : Resampler.Filter.values()) {
            double[][] w = Resampler.antialiased(5, 5, f);
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++) assertThat(w[i][j]).isCloseTo(i == j ? 1 : 0, within(1e-12));
        }
        double[][] w = Resampler.bicubicNoAntialias(5, 5, -1);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++) assertThat(w[i][j]).isCloseTo(i == j ? 1 : 0, within(1e-12));
    }

    @Test
    void rowsSumToOne() {
        for (int out : new int[] {5, 16, 20, 30, 74})
            for (double[] row : Resampler.antialiased(37, out, Resampler.Filter.BICUBIC))
                assertThat(java.util.Arrays.stream(row).sum()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void antialiasedUpsamplingInsideEqualsKeysCubicConvolution() {
        // Upsampling needs no antialiasing: away from the borders the weights are textbook cubic convolution
        // (a = −½) at the source coordinate s = scale·(i + ½) − ½: k(t+1), k(t), k(1−t), k(2−t) on x0−1 … x0+2.
        int in = 16, out = 37;
        double[][] w = Resampler.antialiased(in, out, Resampler.Filter.BICUBIC);
        double scale = (double) in / out;
        for (int i = 6; i < out - 6; i++) {
            double s = scale * (i + 0.5) - 0.5;
            int x0 = (int) Math.floor(s);
            double t = s - x0;
            double[] expect = new double[in];
            double[] d = {t + 1, t, 1 - t, 2 - t};
            for (int k = 0; k < 4; k++) expect[x0 - 1 + k] = keys(d[k]);
            assertThat(w[i]).as("row %d", i).containsExactly(expect, within(1e-12));
        }
    }

    private static double keys(double x) { // Keys (1981), a = −½
        x = Math.abs(x);
        if (x <= 1) return 1.5 * x * x * x - 2.5 * x * x + 1;
        if (x < 2) return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
        return 0;
    }

    @Test
    void plainBicubicUpsamplingUsesKeysMinusThreeQuarters() {
        // 2 → 4: output 1 maps to 0.25: taps at t = ¼ around x0 = 0, indices −1 (clamped: 0), 0, 1, 2 (clamped: 1).
        double[][] w = Resampler.bicubicNoAntialias(2, 4, -1);
        double a = -0.75, t = 0.25;
        double c0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
        double c1 = ((a + 2) * t - (a + 3)) * t * t + 1;
        double c2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
        double c3 = ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a;
        assertThat(w[1]).containsExactly(new double[] {c0 + c1, c2 + c3}, within(1e-12));
    }
}
