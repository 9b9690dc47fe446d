package io.jvit.train.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTGraph;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.Rope2d;
import io.jvit.train.samediff.DistillationLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine's gradients against the true derivative, independently of any autodiff: central finite differences of
 * the loss evaluated by a double-precision forward pass (the SameDiff graph in DOUBLE, which is only used as a function
 * here, never for its gradients), for a whole 1-block model. Why this way: the engine is float-only by design (its
 * kernels are float kernels), and a double copy of its code would test the copy; a double forward pass of the same
 * model makes the differences exact to ~1e-10, so what is left is the engine's own float rounding (~1e-5 of a tensor's
 * scale). A sign, transpose or missing term shows up as an O(1) relative error.
 */
class FiniteDifferenceTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("learned 4×4 → 3×5, GELU", Fixtures.config(LearnedAbsolute.dinov2(4), 1, 1, MlpKind.GELU)),
                Arguments.of("rope", Fixtures.config(new Rope2d(100), 1, 1, MlpKind.GELU)),
                Arguments.of(
                        "alibi learned slopes, SwiGLU",
                        Fixtures.config(
                                new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED),
                                1,
                                1,
                                MlpKind.SWIGLU)),
                Arguments.of(
                        "dinov3: rope, SwiGLU, masked k bias, 4 storage tokens, eps 1e-5",
                        Fixtures.config(new Rope2d(100), 1, 4, MlpKind.SWIGLU).toBuilder()
                                .maskKBias(true)
                                .layerNormEps(1e-5)
                                .build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientsMatchCentralDifferencesOfADoubleForward(String name, ViTConfig c) {
        int b = 2, gh = 3, gw = 5, p = c.patchSize();
        ViTWeights w = Fixtures.weights(c, 21, DataType.FLOAT);
        float[] images = Fixtures.gaussian(b * 3 * gh * p * gw * p, 6, 1.0);
        float[] targets = Fixtures.targets(b, gh, gw, c.embedDim(), 10, 4);
        Fixtures.Result got = Fixtures.engine(c, w, images, b, gh, gw, targets, FeatureLoss.COSINE, false);

        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ViTGraph g = new VisionTransformer(c, w.castTo(DataType.DOUBLE)).trainingGraph(gh, gw, Set.of());
            DistillationLoss.COSINE.addTo(g, DataType.DOUBLE);
            SameDiff sd = g.sameDiff();
            Map<String, INDArray> ph = Map.of(
                    ViTGraph.IMAGES,
                            Nd4j.create(images, new long[] {b, 3, gh * p, gw * p})
                                    .castTo(DataType.DOUBLE),
                    DistillationLoss.TARGET,
                            Nd4j.create(targets, new long[] {b, gh, gw, c.embedDim()})
                                    .castTo(DataType.DOUBLE));
            double base = loss(sd, ph);
            assertThat(got.loss()).isCloseTo(base, org.assertj.core.api.Assertions.within(1e-5 * base));
            Random r = new Random(3);
            List<String> bad = new ArrayList<>();
            int checked = 0;
            for (String k : got.grads().names()) {
                INDArray param = sd.getVariable(k).getArr().reshape(-1);
                float[] ana = got.grads().get(k);
                double scale = 0;
                for (float v : ana) scale = Math.max(scale, Math.abs(v));
                for (int s = 0; s < Math.min(4, ana.length); s++, checked++) {
                    int i = r.nextInt(ana.length);
                    double o = param.getDouble(i), eps = 1e-5;
                    param.putScalar(i, o + eps);
                    double plus = loss(sd, ph);
                    param.putScalar(i, o - eps);
                    double minus = loss(sd, ph);
                    param.putScalar(i, o);
                    double num = (plus - minus) / (2 * eps);
                    if (Math.abs(num - ana[i]) > 2e-3 * Math.abs(num) + 2e-4 * scale + 1e-8)
                        bad.add(String.format(
                                "%s[%d]: engine %.7g, finite differences %.7g (tensor scale %.3g)",
                                k, i, ana[i], num, scale));
                }
            }
            assertThat(bad).as(name).isEmpty();
            assertThat(checked).isGreaterThan(60);
            if (c.maskKBias()) { // DINOv3: the k third of the qkv bias is masked, so its gradient is exactly 0
                float[] db = got.grads().get("blocks.0.attn.qkv.bias");
                int dim = c.embedDim();
                INDArray kBias = sd.getVariable("blocks.0.attn.qkv.bias").getArr();
                for (int i = dim; i < 2 * dim; i += 7) {
                    assertThat(db[i])
                            .as("engine gradient of the masked k bias [%d]", i)
                            .isZero();
                    double o = kBias.getDouble(i);
                    kBias.putScalar(i, o + 0.1);
                    double moved = loss(sd, ph);
                    kBias.putScalar(i, o);
                    assertThat(moved)
                            .as("loss after moving the masked k bias [%d]", i)
                            .isEqualTo(base);
                }
                assertThat(java.util.Arrays.copyOfRange(db, 0, dim))
                        .as("q bias gradient")
                        .isNotEqualTo(new float[dim]);
            }
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
    }

    private static double loss(SameDiff sd, Map<String, INDArray> ph) {
        return sd.output(ph, DistillationLoss.LOSS).get(DistillationLoss.LOSS).getDouble(0);
    }
}
