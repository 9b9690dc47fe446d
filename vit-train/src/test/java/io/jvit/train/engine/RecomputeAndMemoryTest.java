package io.jvit.train.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class RecomputeAndMemoryTest {
    final ViTConfig c = Fixtures.config(
            new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED), 3, 2, MlpKind.SWIGLU);

    @Test
    void recomputingBlocksGivesBitIdenticalGradients() {
        ViTWeights w = Fixtures.weights(c, 4, DataType.FLOAT);
        float[] images = Fixtures.gaussian(2 * 3 * 12 * 20, 1, 1.0), targets = Fixtures.targets(2, 3, 5, 32, 2);
        Fixtures.Result plain = Fixtures.engine(c, w, images, 2, 3, 5, targets, FeatureLoss.COSINE, false);
        Fixtures.Result again = Fixtures.engine(c, w, images, 2, 3, 5, targets, FeatureLoss.COSINE, true);
        assertThat(again.loss()).isEqualTo(plain.loss());
        for (String k : plain.grads().names())
            assertThat(again.grads().get(k)).as(k).containsExactly(plain.grads().get(k));
    }

    @Test
    void tapeBytesIsWhatTheTapeHolds() {
        Params p = Params.of(c, Fixtures.weights(c, 4, DataType.FLOAT));
        for (boolean recompute : new boolean[] {false, true}) {
            Tape t = new TrainableViT(c, p, recompute).forward(Fixtures.gaussian(3 * 3 * 12 * 20, 1, 1), 3, 12, 20, 1);
            assertThat(TrainableViT.tapeBytes(c, 3, 3, 5, recompute)).isEqualTo(4 * t.floats());
        }
        // depth 3: recompute keeps 1 block tape instead of 3
        long full = TrainableViT.tapeBytes(c, 3, 3, 5, false), re = TrainableViT.tapeBytes(c, 3, 3, 5, true);
        Sizes s = Sizes.of(c, 3, 3, 5);
        assertThat(full - re).isEqualTo(2 * 4L * new BlockTape(s).floats());
    }

    @Test
    void badInput() {
        TrainableViT m = new TrainableViT(c, Params.of(c, Fixtures.weights(c, 4, DataType.FLOAT)), false);
        assertThatThrownBy(() -> m.forward(new float[3 * 12 * 20], 1, 12, 18, 1))
                .hasMessageContaining("not a positive multiple of the patch size 4");
        assertThatThrownBy(() -> m.forward(new float[3 * 12 * 20], 2, 12, 20, 1))
                .hasMessageContaining("are not 2 images of 3×12×20");
        assertThatThrownBy(() -> m.forward(new float[3 * 12 * 20], 1, 12, 20, 0))
                .hasMessageContaining("thread count must be >= 1");
    }
}
