package io.jvit.probe.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.image.Image;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MicrostructureTest {

    @ParameterizedTest
    @EnumSource(Microstructure.class)
    void seededAnySizeEightBitAndHomogeneous(Microstructure m) {
        Image a = m.generate(130, 170, 7), b = m.generate(130, 170, 7), c = m.generate(130, 170, 8);
        assertThat(a.pixels()).isEqualTo(b.pixels());
        assertThat(a.pixels()).isNotEqualTo(c.pixels());
        assertThat(a.height()).isEqualTo(130);
        assertThat(a.width()).isEqualTo(170);
        assertThat(a.channels()).isEqualTo(m == Microstructure.NOISE ? 3 : 1);
        for (float v : a.pixels()) {
            assertThat(v).isBetween(0f, 1f);
            assertThat(v * 255f).isCloseTo(Math.round(v * 255f), within(1e-3f));
        }
        // homogeneous: the four quadrants of a large image have nearly the same mean and contrast
        Image big = m.generate(400, 400, 3).toGrey();
        double[] mean = new double[4], sd = new double[4];
        for (int q = 0; q < 4; q++) {
            int y0 = (q / 2) * 200, x0 = (q % 2) * 200;
            double s = 0, s2 = 0;
            for (int y = y0; y < y0 + 200; y++)
                for (int x = x0; x < x0 + 200; x++) {
                    double v = big.pixels()[y * 400 + x];
                    s += v;
                    s2 += v * v;
                }
            mean[q] = s / 40000;
            sd[q] = Math.sqrt(s2 / 40000 - mean[q] * mean[q]);
        }
        for (int q = 1; q < 4; q++) {
            assertThat(mean[q]).as("quadrant mean").isCloseTo(mean[0], within(0.06));
            assertThat(sd[q]).as("quadrant contrast").isCloseTo(sd[0], within(0.05));
        }
        assertThat(sd[0]).as("not blank").isGreaterThan(0.1);
    }

    @Test
    void twoPhaseFractionsAreTheDocumentedOnes() {
        assertThat(fractionAbove(Microstructure.GRF.generate(300, 300, 1), 0.5)).isCloseTo(0.5, within(0.03));
        assertThat(fractionAbove(Microstructure.PARTICLES.generate(300, 300, 1), 0.5))
                .isBetween(0.12, 0.22);
    }

    @Test
    void grfTilesWithoutSeams() {
        // periodic blur: the jump across the wrap-around edge is no larger than inside the image
        Image g = Microstructure.GRF.generate(256, 256, 5);
        double inside = 0, across = 0;
        for (int y = 0; y < 256; y++) {
            inside += Math.abs(g.pixels()[y * 256 + 128] - g.pixels()[y * 256 + 127]);
            across += Math.abs(g.pixels()[y * 256] - g.pixels()[y * 256 + 255]);
        }
        assertThat(across).isLessThan(2 * inside + 5);
    }

    @Test
    void badInput() {
        assertThatThrownBy(() -> Microstructure.parse("lamellae"))
                .hasMessageContaining("unknown microstructure 'lamellae'");
        assertThatThrownBy(() -> Microstructure.VORONOI.generate(0, 5, 1)).hasMessageContaining("positive");
    }

    private static double fractionAbove(Image im, double t) {
        int n = 0;
        for (float v : im.pixels()) if (v > t) n++;
        return n / (double) im.pixels().length;
    }
}
