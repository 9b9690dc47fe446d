package io.jvit.core.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.Fixtures;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.MlpKind;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.AlibiDistance;
import io.jvit.core.pe.AlibiSlopes;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.NoPE;
import io.jvit.core.pe.Pe;
import io.jvit.core.pe.PositionalEncoding;
import io.jvit.core.pe.Rope2d;
import io.jvit.core.pe.SinCos2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fast engine equals the reference outputs and the SameDiff graph. */
class FastViTTest {

    @ParameterizedTest(name = "{0} --pe {1} on {2}")
    @CsvSource({
        "dinov2_official_w128_reg4_d2.pth, , rocket_224, dinov2_official_d2",
        "dinov2_official_w128_reg4_d2.pth, , chelsea_280x420, dinov2_official_d2",
        "timm_w128_reg4_d2.pth, , chelsea_280x420, timm_d2",
        "alibi_timm_w128_reg4_d2.pth, alibi, rocket_224, alibi_timm_d2",
        "alibi_timm_w128_reg4_d2.pth, alibi, chelsea_280x420, alibi_timm_d2",
    })
    void matchesTheParityFixtures(String weights, String pe, String image, String golden) throws Exception {
        VisionTransformer m =
                Checkpoints.load(Fixtures.parity(weights), Pe.parse(pe)).model();
        var pre = new Preprocessor(m.config().patchSize(), Preprocessor.ResizePolicy.NONE);
        INDArray x = pre.tensor(ImageLoader.read(Fixtures.parity(image + ".png")));
        INDArray expected = Npy.read(Fixtures.parity(golden + "__" + image + ".npy"));
        INDArray fast = new FastViT(m, 2).forward(x).patchTokens().reshape(expected.shape());
        assertThat(fast.sub(expected).amaxNumber().doubleValue()).isLessThanOrEqualTo(1e-4);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "learned",
        "learned-resampled",
        "sincos",
        "rope",
        "alibi",
        "alibi-fixed",
        "alibi-learned",
        "none",
        "swiglu",
        "no-prefix"
    })
    void equalsTheSameDiffGraphOnEveryOutput(String kind) {
        PositionalEncoding pe = switch (kind) {
            case "learned", "swiglu", "no-prefix" -> LearnedAbsolute.dinov2(5);
            case "learned-resampled" -> LearnedAbsolute.dinov2(3);
            case "sincos" -> new SinCos2d(10000);
            case "rope" -> new Rope2d(100);
            case "alibi" -> Alibi2d.paperDefault();
            case "alibi-fixed" -> new Alibi2d(AlibiDistance.Metric.MANHATTAN, false, true, AlibiSlopes.FIXED);
            case "alibi-learned" -> new Alibi2d(AlibiDistance.Metric.EUCLIDEAN, true, false, AlibiSlopes.LEARNED);
            default -> new NoPE();
        };
        boolean prefix = !kind.equals("no-prefix");
        ViTConfig cfg = new ViTConfig(
                4,
                32,
                2,
                4,
                kind.equals("swiglu") ? MlpKind.SWIGLU : MlpKind.GELU,
                64,
                true,
                prefix,
                prefix ? 2 : 0,
                1e-6,
                true,
                pe);
        ViTWeights w = strong(ViTWeights.random(cfg, 7, 0.5, DataType.FLOAT));
        VisionTransformer m = new VisionTransformer(cfg, w);
        INDArray images = Nd4j.rand(DataType.FLOAT, 2, 3, 20, 24).subi(0.5).muli(4); // 5 × 6 patches, batch 2
        ViTOutput ref = m.forward(images, true), fast = new FastViT(m, 3).forward(images, true);
        assertClose(fast.patchTokens(), ref.patchTokens());
        assertClose(fast.preNorm(), ref.preNorm());
        for (int i = 0; i < cfg.depth(); i++)
            assertClose(fast.intermediates().get(i), ref.intermediates().get(i));
        if (prefix) {
            assertClose(fast.cls(), ref.cls());
            assertClose(fast.registers(), ref.registers());
        } else assertThat(fast.cls()).isNull();
        assertThat(fast.gridH()).isEqualTo(5);
        assertThat(fast.gridW()).isEqualTo(6);
    }

    @Test
    void badInput() {
        ViTConfig cfg = new ViTConfig(4, 32, 1, 4, MlpKind.GELU, 64, true, true, 0, 1e-6, true, new NoPE());
        VisionTransformer m = new VisionTransformer(cfg, ViTWeights.random(cfg, 1, 1e-5, DataType.FLOAT));
        assertThatThrownBy(() -> new FastViT(m, 0)).hasMessageContaining("thread count must be >= 1");
        assertThatThrownBy(() -> new FastViT(m, 1).forward(Nd4j.zeros(DataType.FLOAT, 1, 3, 10, 8)))
                .hasMessageContaining("not a positive multiple of the patch size 4");
        assertThatThrownBy(() -> new FastViT(m, 1).forward(Nd4j.zeros(DataType.FLOAT, 1, 1, 8, 8)))
                .hasMessageContaining("images must be (B, 3, H, W)");
    }

    /** Random weights ×15 (std 0.3) and non-zero biases, so attention is far from uniform and every term matters. */
    static ViTWeights strong(ViTWeights w) {
        java.util.Map<String, INDArray> m = new java.util.LinkedHashMap<>();
        w.asMap().forEach((k, v) -> {
            boolean keep = k.contains("norm") || k.endsWith("gamma") || k.endsWith("alibi_slopes");
            m.put(
                    k,
                    keep
                            ? v
                            : k.endsWith(".bias")
                                    ? Nd4j.rand(DataType.FLOAT, v.shape()).subi(0.5f)
                                    : v.mul(15));
        });
        return new ViTWeights(m);
    }

    static void assertClose(INDArray got, INDArray want) {
        assertThat(got.shape()).containsExactly(want.shape());
        double scale = Math.max(1e-3, want.amaxNumber().doubleValue());
        assertThat(got.castTo(DataType.FLOAT)
                                .sub(want.castTo(DataType.FLOAT))
                                .amaxNumber()
                                .doubleValue()
                        / scale)
                .isLessThan(1e-4);
    }
}
