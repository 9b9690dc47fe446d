package io.jvit.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.image.Image;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FlatFieldTest {

    /** v(y, x) on an h × w grid with coordinates scaled to [−1, 1], as FlatField scales them. */
    interface Field {
        double at(double y, double x);
    }

    static float[] grid(int h, int w, Field f) {
        float[] a = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) a[y * w + x] = (float) f.at(FlatField.scaled(y, h), FlatField.scaled(x, w));
        return a;
    }

    @Test
    void legendrePolynomialsByHand() {
        // P0 = 1, P1 = u, P2 = (3u² − 1)/2, P3 = (5u³ − 3u)/2, P4 = (35u⁴ − 30u² + 3)/8
        assertThat(FlatField.legendre(4, 0.5))
                .containsExactly(new double[] {1, 0.5, -0.125, -0.4375, -0.2890625}, within(1e-15));
        assertThat(FlatField.legendre(0, 0.3)).containsExactly(1.0);
        assertThat(FlatField.terms(2)).isEqualTo(6);
        assertThat(FlatField.terms(6)).isEqualTo(28);
    }

    @Test
    void aQuadraticIlluminationOfATwoPhaseSampleIsRemovedExactly() {
        int h = 64, w = 96;
        // a pixel-fine checkerboard of two phases (120 and 80 grey levels) under an illumination 20% brighter in one
        // corner with a quadratic fall-off; the fit samples every second pixel of every second row, all of one phase,
        // so it finds the illumination exactly and each phase comes out at one grey level
        Field light = (y, x) -> 1 + 0.1 * x + 0.1 * y - 0.08 * x * x + 0.05 * x * y;
        float[] px = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                px[y * w + x] = (float)
                        (((x + y) % 2 == 0 ? 120 : 80) * light.at(FlatField.scaled(y, h), FlatField.scaled(x, w)));
        Image lit = new Image(px, 1, h, w, 8);
        assertThat(FlatField.applies(lit, 2)).isTrue();
        float[] flat = FlatField.apply(lit, 2).pixels();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                assertThat((double) flat[y * w + x] / flat[(x + y) % 2 == 0 ? 0 : 1])
                        .as("(%d, %d)", y, x)
                        .isCloseTo(1.0, within(1e-5));
        assertThat((double) flat[0] / flat[1]).isCloseTo(1.5, within(1e-5)); // the phases keep their contrast
    }

    @Test
    void theSurfaceIsTheBiweightedLeastSquaresFit() {
        // the defining property, checked independently of how the system is solved: with Tukey's biweights of its own
        // residuals, the residual is orthogonal to every basis function over the pixels the fit samples (every second
        // pixel of every second row)
        int h = 33, w = 27;
        Random r = new Random(7);
        float[] img = new float[h * w];
        for (int i = 0; i < img.length; i++) img[i] = 50 + 100 * r.nextFloat() + (i % w) * 0.7f;
        for (int degree = 1; degree <= FlatField.MAX_DEGREE; degree++) {
            float[] s = FlatField.surface(img, h, w, degree);
            java.util.List<Double> abs = new java.util.ArrayList<>();
            for (int y = 0; y < h; y += 2)
                for (int x = 0; x < w; x += 2) abs.add((double) Math.abs(img[y * w + x] - s[y * w + x]));
            java.util.Collections.sort(abs);
            double c = 4.685 * 1.4826 * abs.get(abs.size() / 2); // an odd count: the middle one
            int m = FlatField.terms(degree);
            double[] t = new double[m], dot = new double[m], norm = new double[m];
            for (int y = 0; y < h; y += 2)
                for (int x = 0; x < w; x += 2) {
                    FlatField.basis(t, degree, FlatField.scaled(y, h), FlatField.scaled(x, w));
                    double res = img[y * w + x] - s[y * w + x],
                            u = res / c,
                            wt = Math.abs(u) < 1 ? (1 - u * u) * (1 - u * u) : 0;
                    for (int k = 0; k < m; k++) {
                        dot[k] += wt * res * t[k];
                        norm[k] += wt * Math.abs(img[y * w + x] * t[k]);
                    }
                }
            // the fit stops once no weight moves by 1e-3 more, so the weights it used are its residuals' to about that
            for (int k = 0; k < m; k++)
                assertThat(Math.abs(dot[k]) / norm[k])
                        .as("degree %d term %d", degree, k)
                        .isLessThan(1e-4);
        }
    }

    @Test
    void oneLargeObjectDoesNotBendTheSurface() {
        // a bright disc over a fifth of a small field of view, under a 50% left-to-right gradient: plain least squares
        // would bend the surface up under the disc and darken it; the robust fit follows the background
        int h = 48, w = 64;
        Random r = new Random(5);
        float[] img = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double light = 0.8 + 0.4 * x / (w - 1.0);
                img[y * w + x] = (float) (light * ((Math.hypot(x - 30, y - 24) < 14 ? 190 : 60) + r.nextInt(20)));
            }
        // (apply() would leave this image alone, too small to judge and one object: the fit itself is checked here)
        float[] out = FlatField.divide(img, FlatField.surface(img, h, w, 2));
        double left = 0, right = 0, disc = 0;
        int nl = 0, nr = 0, nd = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                if (Math.hypot(x - 30, y - 24) < 16) {
                    if (Math.hypot(x - 30, y - 24) < 12) {
                        disc += out[y * w + x];
                        nd++;
                    }
                    continue;
                }
                if (x < 8) {
                    left += out[y * w + x];
                    nl++;
                } else if (x >= w - 8) {
                    right += out[y * w + x];
                    nr++;
                }
            }
        left /= nl;
        right /= nr;
        disc /= nd;
        assertThat(right / left).as("the gradient is gone").isCloseTo(1.0, within(0.03));
        assertThat(disc / left).as("the disc keeps its contrast (200/70)").isCloseTo(200.0 / 70, within(0.1));
    }

    @Test
    void meanIsKeptAndEachChannelIsCorrectedOnItsOwn() {
        int h = 64, w = 80, n = h * w;
        float[] rgb = new float[3 * n];
        Random r = new Random(3);
        float[] red = grid(h, w, (y, x) -> 0.5 * (1 + 0.3 * x)), green = grid(h, w, (y, x) -> 0.4 * (1 - 0.2 * y));
        for (int i = 0; i < n; i++) {
            float texture = ((i % w + i / w) % 2 == 0 ? 1.2f : 0.8f) + 0.05f * (float) r.nextGaussian(); // two phases
            rgb[i] = red[i] * texture;
            rgb[n + i] = green[i] * texture;
            rgb[2 * n + i] = 0.3f * texture;
        }
        Image out = FlatField.apply(new Image(rgb, 3, h, w, 8), 1);
        for (int c = 0; c < 3; c++) {
            double in = 0, got = 0, lo = Double.MAX_VALUE, hi = 0;
            for (int i = 0; i < n; i++) {
                in += rgb[c * n + i];
                got += out.pixels()[c * n + i];
            }
            assertThat(got / n).as("channel %d mean", c).isCloseTo(in / n, within(2e-3));
            // the gradients are gone: left and right halves (red) and top and bottom halves (green) now agree
            double a = 0, b = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int half = c == 1 ? (y < h / 2 ? 0 : 1) : (x < w / 2 ? 0 : 1);
                    if (half == 0) a += out.pixels()[c * n + y * w + x];
                    else b += out.pixels()[c * n + y * w + x];
                }
            assertThat(Math.abs(a - b) / (a + b)).as("channel %d halves", c).isLessThan(0.01);
        }
    }

    @Test
    void degreeZeroIsTheImageItselfAndBadDegreesAreRefused() {
        Image im = new Image(new float[] {1, 2, 3, 4}, 1, 2, 2, 8);
        assertThat(FlatField.apply(im, 0)).isSameAs(im);
        assertThatThrownBy(() -> FlatField.apply(im, 7))
                .hasMessageContaining("flat-field degree must be 0 to 6, got 7");
        assertThatThrownBy(() -> FlatField.apply(im, -1)).hasMessageContaining("got -1");
    }

    @Test
    void onlyHomogeneousImagesAreCorrected() {
        // half dark, half bright: no surface can tell illumination from phases, so the image is left as it is
        int h = 96, w = 128;
        Random r = new Random(3);
        float[] halves = new float[h * w];
        for (int i = 0; i < halves.length; i++) halves[i] = (i % w < w / 2 ? 50 : 190) + r.nextInt(30);
        Image split = new Image(halves, 1, h, w, 8);
        assertThat(FlatField.homogeneity(split)).isCloseTo(0.15, within(0.05));
        assertThat(FlatField.apply(split, 2)).isSameAs(split);
        // a two-phase random microstructure under a gradient: every block shows both phases, and it is corrected
        Image grf = io.jvit.probe.synthetic.Microstructure.GRF.generate(h, w, 4);
        float[] lit = grf.pixels().clone();
        for (int i = 0; i < lit.length; i++) lit[i] *= 0.8f + 0.4f * (i % w) / (w - 1f);
        Image uneven = new Image(lit, 1, h, w, 8);
        assertThat(FlatField.homogeneity(uneven)).isGreaterThan(FlatField.MIN_HOMOGENEITY);
        assertThat(FlatField.apply(uneven, 2)).isNotSameAs(uneven);
        // a uniform image is homogeneous (nothing to correct: it stays uniform); one under 64 px a side is not judged
        assertThat(FlatField.homogeneity(new Image(new float[64 * 64], 1, 64, 64, 8)))
                .isEqualTo(1.0);
        Image tiny = new Image(new float[63 * 100], 1, 63, 100, 8);
        assertThat(FlatField.homogeneity(tiny)).isZero();
        assertThat(FlatField.apply(tiny, 2)).isSameAs(tiny);
    }

    @Test
    void tinyAndDarkImagesStayFinite() {
        // too few pixels to fix a degree-2 surface: the dependent terms are dropped, no NaN
        for (int[] hw : new int[][] {{1, 1}, {1, 5}, {2, 3}, {3, 2}}) {
            float[] px = new float[hw[0] * hw[1]];
            for (int i = 0; i < px.length; i++) px[i] = 10 + i;
            float[] s = FlatField.surface(px, hw[0], hw[1], 2);
            for (float v : FlatField.divide(px, s))
                assertThat(Float.isFinite(v)).as("%d×%d", hw[0], hw[1]).isTrue();
        }
        // an all-black image is left as it is; a surface that dips below 0 at a border does not blow pixels up
        float[] black = new float[16];
        assertThat(FlatField.divide(black, FlatField.surface(black, 4, 4, 2))).containsOnly(0f);
        float[] ramp = grid(8, 8, (y, x) -> Math.max(0, x));
        for (float v : FlatField.divide(ramp, FlatField.surface(ramp, 8, 8, 2)))
            assertThat(Float.isFinite(v)).isTrue();
    }
}
