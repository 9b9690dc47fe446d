package io.jvit.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.image.Image;
import io.jvit.probe.synthetic.Microstructure;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SegmenterTest {
    @TempDir
    Path dir;

    static final int H = 96, W = 112, DARK = 60, BRIGHT = 200;

    /** A two-phase GRF micrograph and its dense truth (grey values 60 and 200). */
    static Image image() {
        return Microstructure.GRF.generate(H, W, 4);
    }

    static int[] truth(Image im) {
        int[] t = new int[H * W];
        float[] blurred = FilterBank.gaussian(im.pixels(), H, W, 1.0, 1);
        for (int i = 0; i < t.length; i++) t[i] = blurred[i] > 0.5f ? BRIGHT : DARK;
        return t;
    }

    /** {@code perClass} scribbled pixels of each class, anywhere in the image. */
    static LabelImage scribbles(int[] truth, int perClass, long seed) {
        int[] v = new int[truth.length];
        Random r = new Random(seed);
        int dark = 0, bright = 0;
        while (dark < perClass || bright < perClass) {
            int i = r.nextInt(truth.length);
            if (v[i] != 0) continue;
            if (truth[i] == DARK && dark < perClass) {
                v[i] = DARK;
                dark++;
            }
            if (truth[i] == BRIGHT && bright < perClass) {
                v[i] = BRIGHT;
                bright++;
            }
        }
        return new LabelImage(v, H, W);
    }

    @ParameterizedTest
    @EnumSource(PixelClassifier.Kind.class)
    void segmentsATwoPhaseMicrostructureFromScribbles(PixelClassifier.Kind kind) throws Exception {
        Image im = image();
        int[] t = truth(im);
        Segmenter s = Segmenter.train(
                im, scribbles(t, 150, 1), new Segmenter.Options(Segmenter.FeatureSet.CLASSICAL, kind, 9, 2, 0), null);
        Segmenter.Result r = s.apply(im, null);
        Metrics.Scores sc = Metrics.score(r.labels(), t, new int[] {DARK, BRIGHT});
        assertThat(sc.accuracy()).as(kind.name()).isGreaterThan(0.95);
        assertThat(r.classValues()).containsExactly(DARK, BRIGHT);
        assertThat(r.labels()).containsOnly(DARK, BRIGHT);
        for (int i = 0; i < H * W; i++)
            assertThat(r.probabilities()[i] + r.probabilities()[H * W + i])
                    .isCloseTo(1f, org.assertj.core.api.Assertions.within(1e-4f));
        // scribbles spread over the image: the prediction follows position no more than the truth does
        float[] truthMap = new float[H * W];
        for (int i = 0; i < t.length; i++) truthMap[i] = t[i] == DARK ? 1 : 0;
        assertThat(Metrics.positionR2(r.probability(0), H, W))
                .isCloseTo(Metrics.positionR2(truthMap, H, W), org.assertj.core.api.Assertions.within(0.05));
        // a saved and reloaded segmenter gives the same answer
        Path m = dir.resolve("m.json");
        s.save(m);
        assertThat(Segmenter.load(m, 1).apply(im, null).labels()).isEqualTo(r.labels());
    }

    @Test
    void sixteenBitAndRgbImagesAreSegmentedAsGrey() {
        Image grey = image();
        int[] t = truth(grey);
        float[] rgb = new float[3 * H * W];
        for (int c = 0; c < 3; c++) System.arraycopy(grey.pixels(), 0, rgb, c * H * W, H * W);
        Image rgbImage = new Image(rgb, 3, H, W, 16);
        Segmenter s = Segmenter.train(
                rgbImage,
                scribbles(t, 150, 2),
                new Segmenter.Options(Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.XGBOOST, 9, 1, 0),
                null);
        assertThat(Metrics.score(s.apply(rgbImage, null).labels(), t, new int[] {DARK, BRIGHT})
                        .accuracy())
                .isGreaterThan(0.95);
    }

    @Test
    void badInput() {
        Image im = image();
        var opts = new Segmenter.Options(Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.XGBOOST, 9, 1, 0);
        assertThatThrownBy(() -> Segmenter.train(im, new LabelImage(new int[10 * 10], 10, 10), opts, null))
                .hasMessageContaining("the label image is 10×10 but the image is 112×96");
        assertThatThrownBy(() -> Segmenter.train(im, new LabelImage(new int[H * W], H, W), opts, null))
                .hasMessageContaining("no scribbles");
        int[] one = new int[H * W];
        one[5] = 7;
        assertThatThrownBy(() -> Segmenter.train(im, new LabelImage(one, H, W), opts, null))
                .hasMessageContaining("one class (grey value 7)");
        assertThatThrownBy(() -> LabelImage.of(new Image(new float[3 * 4], 3, 2, 2, 8), "L.png"))
                .hasMessageContaining("L.png: a label image must be greyscale");
        assertThatThrownBy(() -> LabelImage.of(new Image(new float[] {0.5f}, 1, 1, 1, 8), "L.png"))
                .hasMessageContaining("not a whole grey level");
        assertThatThrownBy(() -> new Segmenter.Options(Segmenter.FeatureSet.VIT, PixelClassifier.Kind.XGBOOST, 0, 1, 0))
                .hasMessageContaining("PCA components must be >= 1");
        assertThatThrownBy(() -> Segmenter.train(
                        im,
                        scribbles(truth(im), 5, 3),
                        new Segmenter.Options(Segmenter.FeatureSet.VIT, PixelClassifier.Kind.XGBOOST, 9, 1, 0),
                        null))
                .hasMessageContaining("ViT features need a model");
        assertThatThrownBy(() -> PixelClassifier.Kind.parse("svm"))
                .hasMessageContaining("classifier must be xgboost, rf or logistic");
    }

    @Test
    void metricsByHand() {
        int[] truth = {1, 1, 2, 2, 0, 2};
        int[] pred = {1, 2, 2, 2, 1, 1};
        Metrics.Scores s = Metrics.score(pred, truth, new int[] {1, 2});
        assertThat(s.iou()[0]).isEqualTo(1.0 / 3); // class 1: ∩ {0}, ∪ {0, 1, 5}
        assertThat(s.iou()[1]).isEqualTo(2.0 / 4); // class 2: ∩ {2, 3}, ∪ {1, 2, 3, 5}
        assertThat(s.accuracy()).isEqualTo(3.0 / 5); // pixel 4 is unlabelled in the truth
        float[] ramp = new float[20 * 30], flat = new float[20 * 30];
        Random noise = new Random(5);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 30; x++) {
                ramp[y * 30 + x] = 0.3f + 0.02f * x;
                flat[y * 30 + x] = (float) noise.nextDouble();
            }
        assertThat(Metrics.positionR2(ramp, 20, 30)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
        float[] centre = new float[20 * 30]; // a disc in the middle: centre-vs-edge painting
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 30; x++) centre[y * 30 + x] = Math.hypot(x - 14.5, y - 9.5) < 7 ? 1 : 0;
        assertThat(Metrics.positionR2(centre, 20, 30)).isGreaterThan(0.4); // 0.48: a quadratic is only roughly a disc
        assertThat(Metrics.positionR2(flat, 20, 30)).isLessThan(0.05);
    }

    @Test
    void importanceRanksTheInformativeFeaturesAndClassWeightsAreAnOption() {
        Image im = image();
        int[] t = truth(im);
        LabelImage lab = scribbles(t, 150, 2);
        Segmenter s = Segmenter.train(
                im,
                lab,
                new Segmenter.Options(Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.XGBOOST, 9, 1, 0),
                null);
        double[] imp = s.importance();
        assertThat(imp).hasSize(58);
        assertThat(s.featureNames()).hasSize(58).startsWith("blur_s0");
        double total = 0;
        int best = 0;
        for (int i = 0; i < imp.length; i++) {
            assertThat(imp[i]).isGreaterThanOrEqualTo(0);
            total += imp[i];
            if (imp[i] > imp[best]) best = i;
        }
        assertThat(total).isPositive();
        // the phases differ in brightness: a blur channel carries the most gain
        assertThat(s.featureNames().get(best)).startsWith("blur");
        Segmenter lin = Segmenter.train(
                im,
                lab,
                new Segmenter.Options(Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.LOGISTIC, 9, 1, 0),
                null);
        assertThat(lin.importance()).hasSize(58);
        // unweighted training: a different model on unbalanced scribbles, still a good segmentation
        int[] v = lab.values().clone();
        int dropped = 0;
        for (int i = 0; i < v.length && dropped < 120; i++)
            if (v[i] == BRIGHT) {
                v[i] = 0;
                dropped++;
            }
        LabelImage skewed = new LabelImage(v, H, W);
        var bal = Segmenter.train(
                        im,
                        skewed,
                        new Segmenter.Options(
                                Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.XGBOOST, 9, 1, 0, true),
                        null)
                .apply(im, null);
        var none = Segmenter.train(
                        im,
                        skewed,
                        new Segmenter.Options(
                                Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.XGBOOST, 9, 1, 0, false),
                        null)
                .apply(im, null);
        assertThat(bal.probabilities()).isNotEqualTo(none.probabilities());
        assertThat(Metrics.score(none.labels(), t, new int[] {DARK, BRIGHT}).accuracy())
                .isGreaterThan(0.85);
    }

    @Test
    void flatFieldKeepsUnevenIlluminationFromMakingTheClassifierPaintByPosition() throws Exception {
        // the two-phase micrograph lit 4× brighter on the right than on the left, scribbled in its left quarter only:
        // the bright phase on the left is darker than the dark phase on the right
        Image im = image();
        int[] t = truth(im);
        float[] lit = im.pixels().clone();
        for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) lit[y * W + x] *= (float) (0.4 + 1.2 * x / (W - 1.0));
        Image uneven = new Image(lit, 1, H, W, 8);
        int[] v = new int[H * W];
        for (int y = 0; y < H; y++) for (int x = 0; x < W / 4; x++) if ((x + y) % 3 == 0) v[y * W + x] = t[y * W + x];
        LabelImage left = new LabelImage(v, H, W);
        var raw = Segmenter.Options.defaults(Segmenter.FeatureSet.CLASSICAL, 1).withFlatField(0);
        var flat = Segmenter.Options.defaults(Segmenter.FeatureSet.CLASSICAL, 1);
        assertThat(flat.flatField()).isEqualTo(FlatField.DEFAULT_DEGREE);
        int[] classes = {DARK, BRIGHT};
        double without = Metrics.score(
                        Segmenter.train(uneven, left, raw, null)
                                .apply(uneven, null)
                                .labels(),
                        t,
                        classes)
                .accuracy();
        Segmenter s = Segmenter.train(uneven, left, flat, null);
        Segmenter.Result r = s.apply(uneven, null);
        double with = Metrics.score(r.labels(), t, classes).accuracy();
        assertThat(with).isGreaterThan(0.97).isGreaterThan(without + 0.15); // measured 0.981 against 0.747
        // the degree is saved with the segmenter and applied again to the images it is applied to
        Path m = dir.resolve("flat.json");
        s.save(m);
        assertThat(java.nio.file.Files.readString(m)).contains("\"flat_field\":2");
        Segmenter back = Segmenter.load(m, 1);
        assertThat(back.options().flatField()).isEqualTo(2);
        assertThat(back.apply(uneven, null).labels()).isEqualTo(r.labels());
        // a file saved before flat-fielding (no "flat_field") was trained on the raw image, and is applied so
        String old = java.nio.file.Files.readString(m).replace(",\"flat_field\":2", "");
        java.nio.file.Files.writeString(m, old);
        assertThat(Segmenter.load(m, 1).options().flatField()).isZero();
        java.nio.file.Files.writeString(m, old.replace("\"seed\"", "\"flat_field\":9,\"seed\""));
        assertThatThrownBy(() -> Segmenter.load(m, 1))
                .hasMessageContaining("flat.json")
                .hasMessageContaining("\"flat_field\" is 9, not an integer in 0…6");
        // features prepared with one degree are not trained with another
        Segmenter.Prepared p = Segmenter.prepare(uneven, flat, null);
        assertThatThrownBy(() -> Segmenter.train(p, left, raw)).hasMessageContaining("flat field 2");
    }

    @Test
    void uncertaintyIsOneMinusTheMargin() {
        float[] p = {0.9f, 0.5f, 0.34f, 0.1f, 0.5f, 0.33f, 0f, 0f, 0.33f};
        var r = new Segmenter.Result(p, new int[3], new int[] {1, 2, 3}, 1, 3);
        float[] u = r.uncertainty();
        assertThat(u[0]).isCloseTo(0.2f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(u[1]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(u[2]).isCloseTo(0.99f, org.assertj.core.data.Offset.offset(1e-6f));
    }
}
