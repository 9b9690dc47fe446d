package io.jvit.train.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;

/** Data parallelism and gradient accumulation: the same step as one pass over the batch, and reproducible bit for bit. */
class GradientStepTest {
    final ViTConfig c = Fixtures.config(
            new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED), 2, 1, MlpKind.GELU);
    final ViTWeights w = Fixtures.weights(c, 8, DataType.FLOAT);
    final int batch = 5;
    final float[] images = Fixtures.gaussian(batch * 3 * 12 * 20, 2, 1.0);
    final Objective objective = new DistillationObjective(FeatureLoss.COSINE, Fixtures.targets(batch, 3, 5, 32, 3, 7));

    private double run(int threads, int micro, Params grads) {
        TrainableViT m = new TrainableViT(c, Params.of(c, w), false);
        return new GradientStep(m, threads, micro).run(images, batch, 12, 20, objective, grads);
    }

    @Test
    void splittingTheBatchOverThreadsAndMicroBatchesGivesTheSameGradients() {
        Params one = Params.zerosLike(Params.of(c, w)), split = Params.zerosLike(one);
        Fixtures.Result whole = Fixtures.engine(
                c, w, images, batch, 3, 5, ((DistillationObjective) objective).targets(), FeatureLoss.COSINE, false);
        double l1 = run(1, Integer.MAX_VALUE, one);
        assertThat(l1).isEqualTo(whole.loss());
        for (String k : one.names())
            assertThat(one.get(k))
                    .as(k)
                    .containsExactly(whole.grads().get(k)); // 1 thread, 1 micro-batch: the plain pass

        double l2 = run(2, 2, split); // micro-batches 2 + 2 + 1, each split over 2 threads (1 + 1, 1)
        assertThat(l2).isCloseTo(l1, within(1e-6 * l1));
        for (String k : one.names()) {
            float[] a = one.get(k), b = split.get(k);
            double scale = 0, diff = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(a[i]));
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertThat(diff).as(k).isLessThanOrEqualTo(1e-5 * scale);
            assertThat(scale).as(k).isGreaterThan(0);
        }
    }

    @Test
    void twoRunsWithTheSameThreadCountAreBitIdentical() {
        Params a = Params.zerosLike(Params.of(c, w)), b = Params.zerosLike(a);
        double la = run(2, 3, a), lb = run(2, 3, b);
        assertThat(lb).isEqualTo(la);
        for (String k : a.names()) assertThat(b.get(k)).as(k).containsExactly(a.get(k));
    }

    /** A step recorded into the previous step's arrays (other images, other weights) equals a step on fresh ones, bit for bit. */
    @Test
    void reusedActivationsGiveTheSameBitsAsFreshOnes() {
        float[] other = Fixtures.gaussian(batch * 3 * 12 * 20, 9, 2.0);
        for (boolean recompute : new boolean[] {false, true}) {
            TrainableViT m = new TrainableViT(c, Params.of(c, w), recompute);
            GradientStep reused = new GradientStep(m, 2, 3); // micro-batches 3 + 2: tapes of two sizes
            Params first = Params.zerosLike(m.params()),
                    again = Params.zerosLike(first),
                    fresh = Params.zerosLike(first);
            reused.run(other, batch, 12, 20, objective, first);
            for (String k : m.params().names()) { // the weights move between steps, as in training
                float[] p = m.params().get(k);
                for (int i = 0; i < p.length; i++) p[i] += 1e-3f * first.get(k)[i];
            }
            double l = reused.run(images, batch, 12, 20, objective, again);
            double lf = new GradientStep(new TrainableViT(c, m.params(), recompute), 2, 3)
                    .run(images, batch, 12, 20, objective, fresh);
            assertThat(l).as("recompute %s", recompute).isEqualTo(lf);
            for (String k : fresh.names())
                assertThat(again.get(k)).as("%s, recompute %s", k, recompute).containsExactly(fresh.get(k));
        }
    }

    /** 4 threads on micro-batches of 2: 2 workers with 2 kernel threads each (the kernels' pool is not the workers'). */
    @Test
    @Timeout(120)
    void spareThreadsGoToTheKernels() {
        Params one = Params.zerosLike(Params.of(c, w)), four = Params.zerosLike(one);
        double l1 = run(1, Integer.MAX_VALUE, one), l4 = run(4, 2, four);
        assertThat(l4).isCloseTo(l1, within(1e-6 * l1));
        for (String k : one.names()) {
            float[] a = one.get(k), b = four.get(k);
            double scale = 0, diff = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(a[i]));
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertThat(diff).as(k).isLessThanOrEqualTo(1e-5 * scale);
        }
    }

    @Test
    void badInput() {
        TrainableViT m = new TrainableViT(c, Params.of(c, w), false);
        assertThatThrownBy(() -> new GradientStep(m, 0, 1)).hasMessageContaining("thread count must be >= 1, got 0");
        assertThatThrownBy(() -> new GradientStep(m, 1, 0)).hasMessageContaining("micro-batch must be >= 1, got 0");
        assertThatThrownBy(() -> new GradientStep(m, 1, 1).run(images, 4, 12, 20, objective, m.newGradients()))
                .hasMessageContaining("are not 4 images of 3×12×20");
    }
}
