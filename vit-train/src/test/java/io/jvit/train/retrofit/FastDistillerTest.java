package io.jvit.train.retrofit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.NoPE;
import io.jvit.core.pe.PositionalEncoding;
import io.jvit.train.engine.FeatureLoss;
import io.jvit.train.optim.AdamW;
import io.jvit.train.samediff.DistillationLoss;
import io.jvit.train.samediff.SameDiffDistiller;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FastDistillerTest {
    @TempDir
    Path dir;

    /** SameDiffDistillerTest's teacher: patch 4, width 16, 2 heads, 2 blocks, CLS + 1 register, learned 3×3 table. */
    static VisionTransformer teacher() {
        ViTConfig cfg =
                new ViTConfig(4, 16, 2, 2, MlpKind.GELU, 32, true, true, 1, 1e-6, true, LearnedAbsolute.dinov2(3));
        Map<String, INDArray> w = new LinkedHashMap<>();
        Random r = new Random(3);
        ViTWeights.random(cfg, 3, 0.5, DataType.FLOAT).asMap().forEach((k, v) -> {
            if (k.contains("norm") || k.endsWith("gamma")) w.put(k, v);
            else if (k.endsWith(".bias") || k.contains("token") || k.equals("pos_embed")) {
                float[] x = new float[(int) v.length()];
                for (int i = 0; i < x.length; i++) x[i] = (float) (0.5 * r.nextGaussian());
                w.put(k, Nd4j.create(x, v.shape()));
            } else w.put(k, v.mul(20));
        });
        return new VisionTransformer(cfg, new ViTWeights(w));
    }

    static INDArray images(int b, long seed) {
        Random r = new Random(seed);
        float[] x = new float[b * 3 * 12 * 12];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return Nd4j.create(x, new long[] {b, 3, 12, 12});
    }

    static FastDistiller fast(VisionTransformer t, PositionalEncoding pe, double lr, int threads) {
        return new FastDistiller(
                t,
                Students.of(t, pe),
                3,
                3,
                FeatureLoss.COSINE,
                new int[] {5},
                new AdamW(lr, 0.9, 0.999, 1e-8, 0.01),
                threads);
    }

    static SameDiffDistiller sameDiff(VisionTransformer t, PositionalEncoding pe, double lr) {
        return new SameDiffDistiller(
                t,
                Students.of(t, pe),
                3,
                3,
                DistillationLoss.COSINE,
                new int[] {5},
                new io.jvit.train.samediff.AdamW(lr, 0.9, 0.999, 1e-8, 0.01),
                1);
    }

    static final Alibi2d LEARNED = new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED);

    @Test
    void lossDecreases() {
        VisionTransformer t = teacher();
        FastDistiller d = fast(t, Alibi2d.paperDefault(), 3e-3, 2);
        INDArray batch = images(4, 7);
        double first = d.loss(batch);
        for (int i = 0; i < 40; i++) d.step(batch);
        assertThat(d.loss(batch)).isLessThan(0.5 * first);
        assertThat(first).isGreaterThan(0.01);
    }

    @Test
    void stepsFollowTheSameDiffDistiller() {
        VisionTransformer t = teacher();
        FastDistiller f = fast(t, LEARNED, 1e-3, 1);
        SameDiffDistiller s = sameDiff(t, LEARNED, 1e-3);
        for (int i = 0; i < 4; i++) {
            double a = s.step(images(3, 40 + i)), b = f.step(images(3, 40 + i));
            assertThat(b).as("loss of step %d", i).isCloseTo(a, within(1e-4 * a));
        }
        INDArray probe = images(2, 99);
        assertThat(f.loss(probe)).isCloseTo(s.loss(probe), within(1e-4 * s.loss(probe)));
    }

    @Test
    void studentWithTheTeachersPeAndZeroLearningRateIsTheTeacher() {
        VisionTransformer t = teacher();
        FastDistiller d = new FastDistiller(
                t,
                Students.of(t, t.config().pe()),
                3,
                3,
                FeatureLoss.COSINE,
                new int[0],
                new AdamW(0.0, 0.9, 0.999, 1e-8, 0.01),
                1);
        float[] before = d.parameters().get("blocks.0.attn.qkv.weight").clone();
        assertThat(d.step(images(2, 1))).isLessThan(1e-6);
        assertThat(d.parameters().get("blocks.0.attn.qkv.weight")).containsExactly(before);
        assertThat(d.optimizer().step()).isEqualTo(1);
    }

    @Test
    void resumeContinuesBitIdentically() throws IOException {
        VisionTransformer t = teacher();
        FastDistiller straight = fast(t, new NoPE(), 1e-3, 2).microBatch(2);
        for (int i = 0; i < 4; i++) straight.step(images(3, i));

        FastDistiller first = fast(t, new NoPE(), 1e-3, 2).microBatch(2);
        for (int i = 0; i < 2; i++) first.step(images(3, i));
        Path state = dir.resolve("state.safetensors");
        first.saveState(state, Map.of("epoch", "1"));
        FastDistiller resumed = fast(t, new NoPE(), 1e-3, 2).microBatch(2);
        assertThat(resumed.loadState(state)).containsEntry("epoch", "1").containsEntry("adamw.step", "2");
        for (int i = 2; i < 4; i++) resumed.step(images(3, i));
        for (String k : straight.parameters().names())
            assertThat(resumed.parameters().get(k))
                    .as(k)
                    .containsExactly(straight.parameters().get(k));

        FastDistiller other = fast(t, Alibi2d.paperDefault(), 1e-3, 1);
        assertThatThrownBy(() -> other.loadState(state)).hasMessageContaining("another student configuration");
    }

    /** A state file is a state file: SameDiff → engine and engine → SameDiff carry the weights, moments and step. */
    @Test
    void statesMoveBetweenTheEngines() throws IOException {
        VisionTransformer t = teacher();
        SameDiffDistiller s = sameDiff(t, LEARNED, 1e-3);
        for (int i = 0; i < 2; i++) s.step(images(2, i));
        Path fromSameDiff = dir.resolve("samediff.state.safetensors");
        s.saveState(fromSameDiff, Map.of("epoch", "3"));

        FastDistiller f = fast(t, LEARNED, 1e-3, 1);
        assertThat(f.loadState(fromSameDiff)).containsEntry("epoch", "3");
        assertThat(f.optimizer().step()).isEqualTo(2);
        s.parameters()
                .forEach((k, v) -> assertThat(f.parameters().get(k))
                        .as(k)
                        .containsExactly(v.dup('c').data().asFloat()));
        for (float x : f.optimizer().m().get("blocks.1.attn.alibi_slopes"))
            assertThat(x).isNotZero();

        // both continue one step on the same batch from the same state: the same loss
        double a = s.step(images(2, 5)), b = f.step(images(2, 5));
        assertThat(b).isCloseTo(a, within(1e-4 * a));

        Path fromEngine = dir.resolve("engine.state.safetensors");
        f.saveState(fromEngine, Map.of("epoch", "4"));
        SameDiffDistiller back = sameDiff(t, LEARNED, 1e-3);
        assertThat(back.loadState(fromEngine)).containsEntry("epoch", "4").containsEntry("adamw.step", "3");
        back.parameters()
                .forEach((k, v) -> assertThat(v.dup('c').data().asFloat())
                        .as(k)
                        .containsExactly(f.parameters().get(k)));
    }

    @Test
    void epochsRunOverInMemoryImages() {
        VisionTransformer t = teacher();
        FastDistiller d = fast(t, Alibi2d.paperDefault(), 3e-3, 2);
        List<INDArray> data = new ArrayList<>();
        for (int i = 0; i < 5; i++) data.add(images(1, 60 + i).reshape(3, 12, 12));
        double e0 = d.epoch(data, 2, 0, 1);
        for (int e = 1; e < 6; e++) d.epoch(data, 2, e, 1);
        assertThat(d.epoch(data, 2, 6, 1)).isLessThan(e0);
    }

    @Test
    void badInput() {
        VisionTransformer t = teacher();
        assertThatThrownBy(() -> fast(t, new NoPE(), 1e-3, 0)).hasMessageContaining("thread count must be >= 1, got 0");
        assertThatThrownBy(() -> new FastDistiller(
                        t,
                        Students.of(t, new NoPE()),
                        3,
                        3,
                        FeatureLoss.COSINE,
                        new int[] {16},
                        new AdamW(1e-3, 0.9, 0.999, 1e-8, 0),
                        1))
                .hasMessageContaining("blank channel 16 is outside 0…15");
        FastDistiller d = fast(t, new NoPE(), 1e-3, 1);
        List<INDArray> mixed = List.of(images(1, 1).reshape(3, 12, 12), Nd4j.zeros(DataType.FLOAT, 3, 16, 16));
        assertThatThrownBy(() -> d.step(mixed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("images of different sizes in one batch: image 0 is 3×12×12, image 1 is 3×16×16");
        assertThatThrownBy(() -> d.epoch(List.of(images(1, 1).reshape(3, 12, 12)), 2, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a batch of 2 images is larger than the data (1 images)");
        assertThatThrownBy(() -> d.step(Nd4j.zeros(DataType.FLOAT, 1, 3, 16, 16)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("images are 16×16 px; this distiller trains on a 3×3 grid");
        assertThatThrownBy(() -> new AdamW(-1, 0.9, 0.999, 1e-8, 0)).hasMessageContaining("learning rate");
        assertThatThrownBy(() -> FeatureLoss.parse("l1")).hasMessageContaining("loss must be cosine or mse");
    }
}
