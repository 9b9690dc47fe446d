package io.jvit.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.image.Image;
import org.junit.jupiter.api.Test;

/** Features prepared once and retrained on (./vit serve) give exactly what {@code train(image, …)} gives. */
class PreparedFeaturesTest {
    @Test
    void retrainingOnPreparedFeaturesEqualsTrainingOnTheImage() {
        Image im = SegmenterTest.image();
        int[] t = SegmenterTest.truth(im);
        var o = new Segmenter.Options(Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.XGBOOST, 9, 1, 3);
        Segmenter.Prepared p = Segmenter.prepare(im, o, null);
        assertThat(p.featureCount()).isEqualTo(FilterBank.names().size());
        assertThat(p.bytes())
                .isEqualTo(4L
                        * SegmenterTest.H
                        * SegmenterTest.W
                        * FilterBank.names().size());
        for (long seed : new long[] {1, 2}) { // two retrainings on the same prepared features
            LabelImage lab = SegmenterTest.scribbles(t, 40, seed);
            Segmenter.Result direct = Segmenter.train(im, lab, o, null).apply(im, null);
            Segmenter.Result prepared = Segmenter.train(p, lab, o).apply(im, null);
            assertThat(prepared.labels()).isEqualTo(direct.labels());
            assertThat(prepared.probabilities()).isEqualTo(direct.probabilities());
        }
    }

    @Test
    void refusesOptionsOtherThanThePreparedRecipe() {
        Image im = SegmenterTest.image();
        var classical = new Segmenter.Options(Segmenter.FeatureSet.CLASSICAL, PixelClassifier.Kind.XGBOOST, 9, 1, 0);
        Segmenter.Prepared p = Segmenter.prepare(im, classical, null);
        LabelImage lab = SegmenterTest.scribbles(SegmenterTest.truth(im), 10, 1);
        assertThatThrownBy(() -> Segmenter.train(
                        p,
                        lab,
                        new Segmenter.Options(Segmenter.FeatureSet.BOTH, PixelClassifier.Kind.XGBOOST, 9, 1, 0)))
                .hasMessageContaining("prepared as CLASSICAL");
        assertThatThrownBy(() -> Segmenter.train(
                        p, new LabelImage(new int[im.height() * im.width()], im.height(), im.width()), classical))
                .hasMessageContaining("no scribbles");
    }
}
