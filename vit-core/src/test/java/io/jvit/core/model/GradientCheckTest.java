package io.jvit.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.NoPE;
import io.jvit.core.pe.Rope2d;
import io.jvit.core.pe.SinCos2d;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Double-precision finite-difference check of every parameter's gradient, one tiny model per positional
 * encoding (the learned ALiBi slopes included), on a non-square 3×2 grid so resampling and wrap matter.
 */
class GradientCheckTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static Stream<Arguments> encodings() {
        return Stream.of(
                Arguments.of("learned (2×2 table resampled to 3×2)", TinyModels.config(LearnedAbsolute.dinov2(2))),
                Arguments.of("learned, plain bicubic + offset", TinyModels.config(new LearnedAbsolute(2, false, 0.1))),
                Arguments.of("sincos", TinyModels.config(new SinCos2d(10000))),
                Arguments.of("rope", TinyModels.config(new Rope2d(100))),
                Arguments.of("alibi constant", TinyModels.config(Alibi2d.paperDefault())),
                Arguments.of(
                        "alibi fixed, manhattan, no wrap",
                        TinyModels.config(new Alibi2d(AlibiDistance.Metric.MANHATTAN, false, true, AlibiSlopes.FIXED))),
                Arguments.of(
                        "alibi learned slopes",
                        TinyModels.config(
                                new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, true, AlibiSlopes.LEARNED))),
                Arguments.of("none", TinyModels.config(new NoPE())),
                Arguments.of("swiglu + learned", TinyModels.swiglu(LearnedAbsolute.dinov2(2))),
                Arguments.of(
                        "dinov3: rope + swiglu + masked k bias",
                        TinyModels.swiglu(new Rope2d(100)).toBuilder()
                                .maskKBias(true)
                                .layerNormEps(1e-5)
                                .build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encodings")
    void gradientsMatchFiniteDifferences(String name, ViTConfig config) {
        ViTWeights w = ViTWeights.random(config, 7, 0.7, DataType.DOUBLE);
        // Larger weights than the 0.02 init so attention is far from uniform and every path carries signal.
        Map<String, INDArray> scaled = new java.util.LinkedHashMap<>();
        w.asMap().forEach((k, v) -> scaled.put(k, k.endsWith("weight") && v.rank() >= 2 ? v.mul(15) : v.add(0)));
        scaled.replaceAll((k, v) -> k.endsWith(".bias") || k.contains("token") || k.equals("pos_embed")
                ? Nd4j.randn(7 + k.length(), v.shape()).castTo(DataType.DOUBLE).mul(0.3)
                : v);
        VisionTransformer vit = new VisionTransformer(config, new ViTWeights(scaled));

        ViTGraph g = vit.trainingGraph(3, 2, Set.of());
        SameDiff sd = g.sameDiff();
        // A scalar loss that reaches every output: weighted sums of patch tokens, CLS and registers.
        SDVariable patches = sd.getVariable(ViTGraph.PATCH_TOKENS);
        SDVariable loss = patches.mul(sd.constant(Nd4j.rand(DataType.DOUBLE, 2, 3, 2, 8)))
                .sum()
                .add(sd.getVariable(ViTGraph.CLS)
                        .mul(sd.constant(Nd4j.rand(DataType.DOUBLE, 2, 8)))
                        .sum())
                .add(sd.getVariable(ViTGraph.REGISTERS)
                        .mul(sd.constant(Nd4j.rand(DataType.DOUBLE, 2, 1, 8)))
                        .sum());
        sd.setLossVariables(loss);
        INDArray images = Nd4j.randn(3, new long[] {2, 3, 6, 4}).castTo(DataType.DOUBLE);

        java.util.List<String> problems =
                FiniteDifferences.check(sd, loss.name(), Map.of(ViTGraph.IMAGES, images), 1e-6, 1e-5, 1e-9, 12);
        assertThat(problems).as("gradient mismatches for %s", name).isEmpty();
        if (config.pe() instanceof Alibi2d a && a.slopes() == AlibiSlopes.LEARNED)
            assertThat(sd.getVariable(Alibi2d.slopeParam(0)).getVariableType().name())
                    .isEqualTo("VARIABLE");
    }
}
