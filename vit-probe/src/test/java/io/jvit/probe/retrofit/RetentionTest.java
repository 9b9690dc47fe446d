package io.jvit.probe.retrofit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.NoPE;
import io.jvit.probe.FeatureMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class RetentionTest {

    @Test
    void knnAndPoolingByHand() {
        List<float[]> train =
                List.of(new float[] {1, 0}, new float[] {0.9f, 0.1f}, new float[] {0, 1}, new float[] {0.1f, 0.9f});
        List<Integer> y = List.of(0, 0, 1, 1);
        assertThat(Retention.knn(
                        train, y, List.of(new float[] {0.8f, 0.2f}, new float[] {0.2f, 0.8f}), List.of(0, 1), 3))
                .isEqualTo(1.0);
        assertThat(Retention.knn(train, y, List.of(new float[] {0.8f, 0.2f}), List.of(1), 1))
                .isEqualTo(0.0);
        float[] p = Retention.pool(new FeatureMap(new float[] {3, 0, 1, 0}, 1, 2, 2)); // mean (2, 0) → unit (1, 0)
        assertThat(p[0]).isCloseTo(1f, within(1e-6f));
        assertThat(p[1]).isCloseTo(0f, within(1e-6f));
        FeatureMap a = new FeatureMap(new float[] {1, 0, 1, 1}, 1, 2, 2),
                b = new FeatureMap(new float[] {2, 0, -1, -1}, 1, 2, 2);
        assertThat(Retention.cosine(a, b, 0)).isCloseTo(1.0, within(1e-9));
        assertThat(Retention.cosine(a, b, 1)).isCloseTo(-1.0, within(1e-9));
    }

    @Test
    void aStudentIdenticalToItsTeacherRetainsEverything() {
        ViTConfig cfg = new ViTConfig(4, 16, 1, 2, MlpKind.GELU, 32, true, true, 0, 1e-6, true, new NoPE());
        VisionTransformer m = new VisionTransformer(cfg, ViTWeights.random(cfg, 1, 0.5, DataType.FLOAT));
        Retention.Result r = Retention.measure(new FastViT(m, 1), new FastViT(m, 1), 32, 3, 2, 3);
        assertThat(r.meanPatchCosine()).isCloseTo(1.0, within(1e-5));
        assertThat(r.studentAccuracy()).isEqualTo(r.teacherAccuracy());
        assertThat(r.trainImages()).isEqualTo(15);
        assertThat(r.testImages()).isEqualTo(10);
    }

    @Test
    void kmeansAgreementIsOneForRelabelledClustersAndLowForUnrelatedOnes() {
        int h = 10, w = 12, c = 3;
        float[] a = new float[h * w * c], b = new float[h * w * c], r = new float[h * w * c];
        java.util.Random rnd = new java.util.Random(4);
        for (int t = 0; t < h * w; t++) {
            boolean left = t % w < w / 2;
            for (int j = 0; j < c; j++) {
                a[t * c + j] = (left ? 5 : -5) + (float) rnd.nextGaussian() * 0.1f;
                b[t * c + j] = (left ? -3 : 7) * (j + 1)
                        + (float) rnd.nextGaussian() * 0.1f; // same split, other labels and scale
                r[t * c + j] =
                        (t / w < h / 2 ? 4 : -4) + (float) rnd.nextGaussian() * 0.1f; // a top/bottom split instead
            }
        }
        FeatureMap fa = new FeatureMap(a, h, w, c), fb = new FeatureMap(b, h, w, c), fr = new FeatureMap(r, h, w, c);
        assertThat(Retention.kmeansAgreement(fa, fb, 2, 0)).isEqualTo(1.0);
        assertThat(Retention.kmeansAgreement(fa, fr, 2, 0)).isCloseTo(0.5, within(0.01));
    }
}
