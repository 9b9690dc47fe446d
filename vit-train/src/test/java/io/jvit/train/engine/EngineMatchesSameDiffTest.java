package io.jvit.train.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.NoPE;
import io.jvit.core.pe.Rope2d;
import io.jvit.core.pe.SinCos2d;
import io.jvit.train.samediff.DistillationLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine's loss and every parameter's gradient equal the SameDiff training graph's (float, the existing
 * DistillationLoss on top) to 1e-4 of each tensor's largest entry, for every positional encoding, GELU and SwiGLU,
 * with and without registers, on a non-square 3×5 grid (the learned 4×4 table resampled); and its patch tokens equal
 * the inference engine's.
 */
class EngineMatchesSameDiffTest {

    static Stream<Arguments> cases() {
        Alibi2d learned = new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED);
        return Stream.of(
                Arguments.of(
                        "learned 4×4 → 3×5, antialiased, 1 register",
                        Fixtures.config(LearnedAbsolute.dinov2(4), 2, 1, MlpKind.GELU),
                        DistillationLoss.COSINE),
                Arguments.of(
                        "learned, plain bicubic + offset, MSE",
                        Fixtures.config(new LearnedAbsolute(4, false, 0.1), 1, 0, MlpKind.GELU),
                        DistillationLoss.MSE),
                Arguments.of(
                        "sincos, 2 registers",
                        Fixtures.config(new SinCos2d(10000), 1, 2, MlpKind.GELU),
                        DistillationLoss.COSINE),
                Arguments.of(
                        "rope, 1 register",
                        Fixtures.config(new Rope2d(100), 2, 1, MlpKind.GELU),
                        DistillationLoss.COSINE),
                Arguments.of("rope, MSE", Fixtures.config(new Rope2d(100), 1, 0, MlpKind.GELU), DistillationLoss.MSE),
                Arguments.of(
                        "alibi constant, 1 register",
                        Fixtures.config(Alibi2d.paperDefault(), 2, 1, MlpKind.GELU),
                        DistillationLoss.COSINE),
                Arguments.of(
                        "alibi fixed, manhattan, no wrap",
                        Fixtures.config(
                                new Alibi2d(AlibiDistance.Metric.MANHATTAN, false, true, AlibiSlopes.FIXED),
                                1,
                                0,
                                MlpKind.GELU),
                        DistillationLoss.COSINE),
                Arguments.of(
                        "alibi learned slopes, 1 register",
                        Fixtures.config(learned, 2, 1, MlpKind.GELU),
                        DistillationLoss.COSINE),
                Arguments.of("none", Fixtures.config(new NoPE(), 1, 0, MlpKind.GELU), DistillationLoss.COSINE),
                Arguments.of(
                        "swiglu + learned, 1 register",
                        Fixtures.config(LearnedAbsolute.dinov2(4), 1, 1, MlpKind.SWIGLU),
                        DistillationLoss.COSINE),
                Arguments.of(
                        "swiglu + alibi learned, MSE",
                        Fixtures.config(learned, 1, 0, MlpKind.SWIGLU),
                        DistillationLoss.MSE),
                Arguments.of(
                        "dinov3: rope, swiglu, masked k bias, 4 storage tokens",
                        Fixtures.config(new Rope2d(100), 2, 4, MlpKind.SWIGLU).toBuilder()
                                .maskKBias(true)
                                .layerNormEps(1e-5)
                                .build(),
                        DistillationLoss.COSINE),
                Arguments.of(
                        "no CLS, no LayerScale, no qkv bias, alibi learned",
                        new ViTConfig(4, 32, 1, 2, MlpKind.GELU, 64, false, false, 0, 1e-6, false, learned),
                        DistillationLoss.COSINE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void lossAndGradientsEqualSameDiff(String name, ViTConfig c, DistillationLoss loss) {
        check(name, c, loss, 3, 5);
    }

    /** The learned table on its own 4×4 grid: used as is, no resampling matrix (its gradient is the patches' sum). */
    @org.junit.jupiter.api.Test
    void learnedTableOnItsNativeGrid() {
        check(
                "learned 4×4 on 4×4",
                Fixtures.config(LearnedAbsolute.dinov2(4), 2, 1, MlpKind.GELU),
                DistillationLoss.COSINE,
                4,
                4);
    }

    private static void check(String name, ViTConfig c, DistillationLoss loss, int gh, int gw) {
        int b = 2, p = c.patchSize();
        ViTWeights w = Fixtures.weights(c, 11, DataType.FLOAT);
        float[] images = Fixtures.gaussian(b * 3 * gh * p * gw * p, 5, 1.0);
        float[] targets = Fixtures.targets(b, gh, gw, c.embedDim(), 9, 3, 17);
        Fixtures.Reference ref = Fixtures.sameDiff(c, w, images, b, gh, gw, targets, loss, DataType.FLOAT);
        Fixtures.Result got =
                Fixtures.engine(c, w, images, b, gh, gw, targets, FeatureLoss.valueOf(loss.name()), false);

        assertThat(got.loss())
                .as("loss")
                .isCloseTo(ref.loss(), org.assertj.core.api.Assertions.within(1e-4 * Math.abs(ref.loss())));
        assertThat(ref.loss()).as("the case is not trivial").isGreaterThan(0.05);
        assertThat(Fixtures.relativeError(got.patchTokens(), ref.patchTokens()))
                .as("patch tokens")
                .isLessThan(1e-4);
        assertThat(got.grads().names())
                .containsExactlyInAnyOrderElementsOf(ref.grads().keySet());
        List<String> bad = new ArrayList<>();
        for (String k : got.grads().names()) {
            INDArray r = ref.grads().get(k);
            double err = Fixtures.relativeError(got.grads().get(k), r);
            if (err > 1e-4 || r.amaxNumber().doubleValue() == 0)
                bad.add(k + ": relative error " + err + " (reference max " + r.amaxNumber() + ")");
        }
        assertThat(bad).as(name).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardEqualsTheInferenceEngine(String name, ViTConfig c, DistillationLoss ignored) {
        int b = 2, gh = 3, gw = 5, p = c.patchSize();
        ViTWeights w = Fixtures.weights(c, 11, DataType.FLOAT);
        float[] images = Fixtures.gaussian(b * 3 * gh * p * gw * p, 5, 1.0);
        INDArray fast = new FastViT(new VisionTransformer(c, w), 1)
                .forward(Nd4j.create(images, new long[] {b, 3, gh * p, gw * p}))
                .patchTokens();
        Tape t = new TrainableViT(c, Params.of(c, w), false).forward(images, b, gh * p, gw * p, 1);
        assertThat(Fixtures.relativeError(t.patchTokens(), fast)).isLessThan(2e-6);
    }
}
