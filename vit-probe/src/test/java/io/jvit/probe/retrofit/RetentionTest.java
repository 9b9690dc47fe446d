package io.jvit.probe.retrofit;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.pe.NoPE;
import io.jvit.probe.FeatureMap;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RetentionTest {

    @Test
    void knnAndPoolingByHand() {
        List<float[]> train = List.of(new float[]{1, 0}, new float[]{0.9f, 0.1f}, new float[]{0, 1}, new float[]{0.1f, 0.9f});
        List<Integer> y = List.of(0, 0, 1, 1);
        assertThat(Retention.knn(train, y, List.of(new float[]{0.8f, 0.2f}, new float[]{0.2f, 0.8f}), List.of(0, 1), 3)).isEqualTo(1.0);
        assertThat(Retention.knn(train, y, List.of(new float[]{0.8f, 0.2f}), List.of(1), 1)).isEqualTo(0.0);
        float[] p = Retention.pool(new FeatureMap(new float[]{3, 0, 1, 0}, 1, 2, 2));   // mean (2, 0) → unit (1, 0)
        assertThat(p[0]).isCloseTo(1f, within(1e-6f));
        assertThat(p[1]).isCloseTo(0f, within(1e-6f));
        FeatureMap a = new FeatureMap(new float[]{1, 0, 1, 1}, 1, 2, 2), b = new FeatureMap(new float[]{2, 0, -1, -1}, 1, 2, 2);
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
}
