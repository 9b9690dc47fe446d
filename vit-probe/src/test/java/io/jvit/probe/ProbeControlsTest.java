package io.jvit.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.PositionalEncoding;
import io.jvit.core.pe.SinCos2d;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Controls the probe must pass (issue: positional-bias probing). */
class ProbeControlsTest {

    private static FeatureMap map(int h, int w, int c, java.util.function.IntFunction<float[]> token) {
        float[] d = new float[h * w * c];
        for (int t = 0; t < h * w; t++) System.arraycopy(token.apply(t), 0, d, t * c, c);
        return new FeatureMap(d, h, w, c);
    }

    @Test
    void featuresLinearInPositionGiveR2OfOneForTheMatchingRamp() {
        int h = 20, w = 24, c = 16;
        FeatureMap f = map(h, w, c, t -> {
            float[] v = new float[c];
            for (int k = 0; k < c; k++) v[k] = (float) ((k + 1) * (t % w) / (w - 1.0) - k * (t / w) / (h - 1.0));
            return v;
        });
        for (Ramp r : new Ramp[] {Ramp.LR, Ramp.UD, Ramp.LR_UD, Ramp.DIAG})
            // ≈ 1, not exactly: ridge (α = 1) shrinks a fit from only 13 sampled tokens a little
            assertThat(BiasProbe.paper(r).run(List.of(f)).mean()).as(r.key).isGreaterThan(0.97);
    }

    @Test
    void randomFeaturesScoreAtMostZeroOnAverage() {
        Random rnd = new Random(2);
        List<FeatureMap> maps = new ArrayList<>();
        for (int i = 0; i < 5; i++)
            maps.add(map(37, 37, 64, t -> {
                float[] v = new float[64];
                for (int k = 0; k < 64; k++) v[k] = (float) rnd.nextGaussian();
                return v;
            }));
        BiasProbe.Result r = BiasProbe.paper(Ramp.LR_UD).run(maps);
        assertThat(r.values()).hasSize(30);
        assertThat(r.mean()).isLessThanOrEqualTo(0.0);
    }

    private static double noiseR2(PositionalEncoding pe) {
        ViTConfig cfg = new ViTConfig(14, 64, 2, 2, MlpKind.GELU, 256, true, true, 4, 1e-6, true, pe);
        VisionTransformer vit = new VisionTransformer(cfg, ViTWeights.random(cfg, 5, 0.5, DataType.FLOAT));
        List<FeatureMap> maps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            INDArray noise = Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224).subi(0.5).muli(4); // white noise, ~ normalised
            maps.add(FeatureMap.of(vit.forward(noise).patchTokens(), false));
        }
        return new BiasProbe(Ramp.LR_UD, new SampleMask(true, 3, 1.0), 4, 1.0, 7)
                .run(maps)
                .mean();
    }

    @Test
    void sinCosViTIsBiasedOnWhiteNoiseAndAlibiViTIsNot() {
        Nd4j.getRandom().setSeed(11);
        double sincos = noiseR2(new SinCos2d(10000)), alibi = noiseR2(Alibi2d.paperDefault());
        System.out.printf("white-noise lr+ud R²: sin-cos %.3f, ALiBi %.3f%n", sincos, alibi);
        assertThat(sincos).as("sin-cos R²").isGreaterThan(0.5);
        assertThat(alibi).as("ALiBi R²").isLessThanOrEqualTo(0.0);
    }

    @Test
    void badInputsAreRefused() {
        float[] d = new float[4 * 4 * 2];
        d[5] = Float.NaN;
        d[9] = Float.POSITIVE_INFINITY;
        assertThatThrownBy(() -> new FeatureMap(d, 4, 4, 2))
                .hasMessage("features contain 1 NaN and 1 Inf values (first at row 0, column 2, channel 1)");
        assertThatThrownBy(() -> Ramp.parse("zigzag")).hasMessageContaining("unknown ramp 'zigzag'");
        FeatureMap ok = new FeatureMap(new float[4 * 4 * 2], 4, 4, 2);
        assertThatThrownBy(() -> new BiasProbe(Ramp.LR, new SampleMask(true, 6, 1.0), 1, 1.0, 0).run(List.of(ok)))
                .hasMessageContaining("selects 0 token(s)");
        assertThatThrownBy(() -> BiasProbe.paper(Ramp.LR).run(List.of())).hasMessageContaining("no feature maps");
        float[] nan = new float[4 * 4 * 2];
        nan[3] = Float.NaN;
        assertThat(FeatureMap.nanToZero(nan, 4, 4, 2).data()[3]).isZero();
    }
}
