package io.jvit.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.image.Image;
import org.junit.jupiter.api.Test;

class FilterBankTest {

    static Image image(int h, int w, java.util.function.IntBinaryOperator f, double scale) {
        float[] p = new float[h * w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) p[y * w + x] = (float) (f.applyAsInt(y, x) * scale);
        return new Image(p, 1, h, w, 8);
    }

    @Test
    void fiftyEightNamedChannels() {
        float[][] c = FilterBank.compute(image(20, 24, (y, x) -> (x * 7 + y * 3) % 11, 0.05), 2);
        assertThat(c.length).isEqualTo(58);
        assertThat(FilterBank.names())
                .hasSize(58)
                .doesNotHaveDuplicates()
                .startsWith("blur_s0", "sobel_s0")
                .endsWith("membrane_min");
        for (float[] ch : c) assertThat(ch).hasSize(480);
    }

    @Test
    void constantImage() {
        float[][] c = FilterBank.compute(image(17, 19, (y, x) -> 1, 0.4), 1);
        var names = FilterBank.names();
        for (int i = 0; i < c.length; i++) {
            String n = names.get(i);
            float want = n.startsWith("blur")
                    ? 0.4f
                    : n.equals("membrane_sum")
                            ? 15 * 30 * 0.4f
                            : n.startsWith("membrane") && !n.endsWith("std") ? 15 * 0.4f : 0f;
            for (float v : c[i]) assertThat(v).as(n).isCloseTo(want, within(1e-4f));
        }
    }

    @Test
    void sobelOfARampAndHessianOfAParabolaByHand() {
        // f = 0.01·x: Sobel gx = 8·0.01 inside; f = 0.001·x²: ∂²f/∂x² = 0.002 → eig1 = trace = 0.002, eig2 = det = 0
        float[][] ramp = FilterBank.compute(image(9, 12, (y, x) -> x, 0.01), 1);
        assertThat(ramp[1][4 * 12 + 5]).isCloseTo(0.08f, within(1e-5f));
        float[][] par = FilterBank.compute(image(9, 12, (y, x) -> x * x, 0.001), 1);
        int p = 4 * 12 + 5;
        assertThat(par[2][p]).isCloseTo(0.002f, within(1e-5f));
        assertThat(par[3][p]).isCloseTo(0f, within(1e-5f));
        assertThat(par[5][p]).isCloseTo(0.002f, within(1e-5f));
        assertThat(par[6][p]).isCloseTo(0f, within(1e-6f));
    }

    @Test
    void gaussianKernelSumsToOneAndMirrorReflects() {
        float[] impulse = new float[41 * 41];
        impulse[20 * 41 + 20] = 1;
        float[] b = FilterBank.gaussian(impulse, 41, 41, 3.2, 1);
        double s = 0;
        for (float v : b) s += v;
        assertThat(s).isCloseTo(1.0, within(1e-5));
        assertThat(b[20 * 41 + 21]).isEqualTo(b[20 * 41 + 19]).isEqualTo(b[21 * 41 + 20]);
        assertThat(FilterBank.mirror(-1, 5)).isEqualTo(1);
        assertThat(FilterBank.mirror(5, 5)).isEqualTo(3);
        assertThat(FilterBank.mirror(-6, 5)).isEqualTo(2);
        assertThat(FilterBank.mirror(3, 1)).isEqualTo(0);
    }

    @Test
    void membraneRespondsMostAlongALine() {
        // a vertical bright line: the projection's max is the full 15-px line sum, its min much lower
        float[][] m =
                FilterBank.membrane(image(31, 31, (y, x) -> x == 15 ? 1 : 0, 1).pixels(), 31, 31, 1);
        int p = 15 * 31 + 15;
        assertThat(m[4][p]).isEqualTo(15f);
        assertThat(m[5][p]).isLessThanOrEqualTo(2f);
    }
}
