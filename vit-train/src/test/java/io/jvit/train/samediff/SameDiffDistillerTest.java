package io.jvit.train.samediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.io.AtomicFiles;
import io.jvit.core.model.ViTGraph;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.NoPE;
import io.jvit.train.retrofit.Students;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SameDiffDistillerTest {
    @TempDir
    Path dir;

    /** Patch 4, width 16, 2 heads, 2 blocks, CLS + 1 register, learned 3×3 table: a tiny DINOv2. */
    static VisionTransformer teacher(DataType type) {
        ViTConfig cfg =
                new ViTConfig(4, 16, 2, 2, MlpKind.GELU, 32, true, true, 1, 1e-6, true, LearnedAbsolute.dinov2(3));
        Map<String, INDArray> w = new LinkedHashMap<>();
        ViTWeights.random(cfg, 3, 0.5, type)
                .asMap()
                .forEach((k, v) -> w.put(
                        k,
                        k.contains("norm") || k.endsWith("gamma")
                                ? v
                                : k.endsWith(".bias") || k.contains("token") || k.equals("pos_embed")
                                        ? Nd4j.randn(k.length(), v.shape())
                                                .castTo(type)
                                                .mul(0.5)
                                        : v.mul(20)));
        return new VisionTransformer(cfg, new ViTWeights(w));
    }

    /** Seeded with java.util.Random: ND4J's seeded randn is not reproducible across calls in one JVM. */
    static INDArray images(int b, long seed) {
        Random r = new Random(seed);
        float[] x = new float[b * 3 * 12 * 12];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return Nd4j.create(x, new long[] {b, 3, 12, 12});
    }

    static SameDiffDistiller distiller(VisionTransformer teacher, VisionTransformer student, double lr) {
        return new SameDiffDistiller(
                teacher,
                student,
                3,
                3,
                DistillationLoss.COSINE,
                new int[] {5},
                new AdamW(lr, 0.9, 0.999, 1e-8, 0.01),
                1);
    }

    @Test
    void cosineLossGradientMatchesFiniteDifferences() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            VisionTransformer s = Students.of(
                    teacher(DataType.DOUBLE),
                    new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED));
            ViTGraph g = s.trainingGraph(3, 3, Set.of());
            SDVariable loss = DistillationLoss.COSINE.addTo(g, DataType.DOUBLE);
            SameDiff sd = g.sameDiff();
            Map<String, INDArray> ph = Map.of(
                    ViTGraph.IMAGES,
                    Nd4j.randn(1, new long[] {2, 3, 12, 12}).castTo(DataType.DOUBLE),
                    DistillationLoss.TARGET,
                    Nd4j.randn(2, new long[] {2, 3, 3, 16}).castTo(DataType.DOUBLE));
            List<String> names = new ArrayList<>();
            for (SDVariable v : sd.variables()) if (v.getVariableType() == VariableType.VARIABLE) names.add(v.name());
            Map<String, INDArray> grads = sd.calculateGradients(ph, names);
            Random r = new Random(1);
            int checked = 0;
            for (String n : names) {
                INDArray p = sd.getVariable(n).getArr().reshape(-1),
                        gr = grads.get(n).reshape(-1);
                for (int s2 = 0; s2 < 3; s2++, checked++) {
                    int i = r.nextInt((int) p.length());
                    double o = p.getDouble(i), eps = 1e-6;
                    p.putScalar(i, o + eps);
                    double plus = sd.output(ph, loss.name()).get(loss.name()).getDouble(0);
                    p.putScalar(i, o - eps);
                    double minus = sd.output(ph, loss.name()).get(loss.name()).getDouble(0);
                    p.putScalar(i, o);
                    double num = (plus - minus) / (2 * eps), ana = gr.getDouble(i);
                    assertThat(Math.abs(num - ana))
                            .as("%s[%d]: %g vs %g", n, i, ana, num)
                            .isLessThan(1e-9 + 1e-5 * (Math.abs(num) + Math.abs(ana)));
                }
            }
            assertThat(checked).isGreaterThan(60);
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
    }

    @Test
    void lossDecreases() {
        VisionTransformer t = teacher(DataType.FLOAT);
        SameDiffDistiller d = distiller(t, Students.of(t, Alibi2d.paperDefault()), 3e-3);
        INDArray batch = images(4, 7);
        double first = d.loss(batch);
        for (int i = 0; i < 40; i++) d.step(batch);
        assertThat(d.loss(batch)).isLessThan(0.5 * first);
        assertThat(first).isGreaterThan(0.01);
    }

    @Test
    void studentWithTheTeachersPeAndZeroLearningRateIsTheTeacher() {
        VisionTransformer t = teacher(DataType.FLOAT);
        SameDiffDistiller d = new SameDiffDistiller(
                t,
                Students.of(t, t.config().pe()),
                3,
                3,
                DistillationLoss.COSINE,
                new int[0],
                new AdamW(0.0, 0.9, 0.999, 1e-8, 0.01),
                1);
        INDArray before = d.parameters().get("blocks.0.attn.qkv.weight").dup();
        assertThat(d.step(images(2, 1))).isLessThan(1e-6);
        assertThat(d.parameters().get("blocks.0.attn.qkv.weight")).isEqualTo(before);
    }

    @Test
    void resumeContinuesBitIdentically() throws IOException {
        VisionTransformer t = teacher(DataType.FLOAT);
        SameDiffDistiller straight = distiller(t, Students.of(t, new NoPE()), 1e-3);
        for (int i = 0; i < 4; i++) straight.step(images(2, i));

        SameDiffDistiller first = distiller(t, Students.of(t, new NoPE()), 1e-3);
        for (int i = 0; i < 2; i++) first.step(images(2, i));
        Path state = dir.resolve("state.safetensors");
        first.saveState(state, Map.of("epoch", "1"));
        SameDiffDistiller resumed = distiller(t, Students.of(t, new NoPE()), 1e-3);
        assertThat(resumed.loadState(state)).containsEntry("epoch", "1");
        for (int i = 2; i < 4; i++) resumed.step(images(2, i));
        straight.parameters()
                .forEach((k, v) -> assertThat(resumed.parameters().get(k)).as(k).isEqualTo(v));

        // a state from another student configuration is refused
        SameDiffDistiller other = distiller(t, Students.of(t, Alibi2d.paperDefault()), 1e-3);
        assertThatThrownBy(() -> other.loadState(state)).hasMessageContaining("another student configuration");
    }

    @Test
    void aSaveKilledHalfwayLeavesThePreviousStateReadable() throws IOException {
        VisionTransformer t = teacher(DataType.FLOAT);
        SameDiffDistiller d = distiller(t, Students.of(t, Alibi2d.paperDefault()), 1e-3);
        d.step(images(2, 3));
        Path state = dir.resolve("last.state.safetensors");
        d.saveState(state, Map.of("epoch", "0"));
        assertThatThrownBy(() -> AtomicFiles.write(state, out -> {
                    out.write(new byte[1000]);
                    throw new IOException("killed");
                }))
                .hasMessageContaining("killed");
        SameDiffDistiller again = distiller(t, Students.of(t, Alibi2d.paperDefault()), 1e-3);
        assertThat(again.loadState(state)).containsEntry("epoch", "0");
        d.parameters()
                .forEach((k, v) -> assertThat(again.parameters().get(k)).as(k).isEqualTo(v));
    }

    @Test
    void microBatchesGiveTheSameStep() {
        VisionTransformer t = teacher(DataType.FLOAT);
        SameDiffDistiller whole = distiller(t, Students.of(t, Alibi2d.paperDefault()), 1e-3);
        SameDiffDistiller parts =
                distiller(t, Students.of(t, Alibi2d.paperDefault()), 1e-3).microBatch(2);
        for (int i = 0; i < 3; i++) {
            double a = whole.step(images(5, 20 + i)), b = parts.step(images(5, 20 + i)); // 5 = 2 + 2 + 1
            assertThat(b).isCloseTo(a, org.assertj.core.api.Assertions.within(1e-5 * Math.abs(a) + 1e-7));
        }
        whole.parameters()
                .forEach((k, v) -> assertThat(
                                parts.parameters().get(k).sub(v).amaxNumber().doubleValue())
                        .as(k)
                        .isLessThan(1e-4 * Math.max(1, v.amaxNumber().doubleValue())));
    }

    @Test
    void badInput() {
        VisionTransformer t = teacher(DataType.FLOAT);
        assertThatThrownBy(() -> new SameDiffDistiller(
                        t,
                        Students.of(t, new NoPE()),
                        3,
                        3,
                        DistillationLoss.COSINE,
                        new int[] {16},
                        new AdamW(1e-3, 0.9, 0.999, 1e-8, 0),
                        1))
                .hasMessageContaining("blank channel 16 is outside 0…15");
        assertThatThrownBy(() -> DistillationLoss.parse("l1")).hasMessageContaining("loss must be cosine or mse");
        assertThatThrownBy(() -> new AdamW(-1, 0.9, 0.999, 1e-8, 0)).hasMessageContaining("learning rate");
    }
}
