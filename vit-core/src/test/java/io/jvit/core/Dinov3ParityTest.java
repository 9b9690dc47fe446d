package io.jvit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.checkpoint.CheckpointFormat;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.MlpKind;
import io.jvit.core.config.Presets;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.Pe;
import io.jvit.core.pe.Rope2d;
import io.jvit.core.pe.RopeTables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Our DINOv3 ViT-S+/16 (depth 2, random weights) equals the official DINOv3 code, and its ALiBi-Dv3 copy equals
 * dino-saw's retrofit: patch tokens, CLS, storage tokens and every block's output within 1e-4, on both engines, for a
 * square and a non-square image (src/test/resources/dinov3-parity/README.md).
 */
class Dinov3ParityTest {
    static final double TOL = 1e-4;

    @ParameterizedTest(name = "{0} --pe {1} on {2}, {3} engine")
    @CsvSource({
        "dinov3_vits16plus_d2, , retina_224, samediff",
        "dinov3_vits16plus_d2, , colorwheel_192x288, samediff",
        "alibi_dv3_vits16plus_d2, alibi, retina_224, samediff",
        "alibi_dv3_vits16plus_d2, alibi, colorwheel_192x288, samediff",
        "dinov3_vits16plus_d2, , retina_224, fast",
        "dinov3_vits16plus_d2, , colorwheel_192x288, fast",
        "alibi_dv3_vits16plus_d2, alibi, retina_224, fast",
        "alibi_dv3_vits16plus_d2, alibi, colorwheel_192x288, fast",
    })
    void everyOutputMatchesTheReference(String model, String pe, String image, String engine) throws Exception {
        Checkpoints.Loaded loaded = Checkpoints.load(Fixtures.dinov3(model + ".pth"), Pe.parse(pe));
        assertThat(loaded.format()).isEqualTo(CheckpointFormat.DINOV3_OFFICIAL);
        VisionTransformer vit = loaded.model();
        var cfg = vit.config();
        var want = Presets.get("dinov3_vits16plus").toBuilder().depth(2);
        assertThat(cfg)
                .isEqualTo(
                        pe == null
                                ? want.build()
                                : want.pe(Alibi2d.paperDefault()).build());
        assertThat(cfg.mlpKind()).isEqualTo(MlpKind.SWIGLU);

        INDArray x = new Preprocessor(cfg.patchSize(), Preprocessor.ResizePolicy.NONE)
                .tensor(ImageLoader.read(Fixtures.dinov3(image + ".png")));
        ViTOutput out = engine.equals("fast") ? new FastViT(vit, 2).forward(x, true) : vit.forward(x, true);

        Map<String, INDArray> actual = new LinkedHashMap<>();
        actual.put("patch", out.patchTokens());
        actual.put("cls", out.cls());
        actual.put("reg", out.registers());
        for (int i = 0; i < cfg.depth(); i++)
            actual.put("block" + i, out.intermediates().get(i));
        StringBuilder report = new StringBuilder();
        for (var e : actual.entrySet()) {
            INDArray expected = Npy.read(Fixtures.dinov3(model + "__" + image + "__" + e.getKey() + ".npy"));
            INDArray got = e.getValue().reshape(expected.shape());
            double err = got.sub(expected).amaxNumber().doubleValue();
            report.append(String.format(" %s %.2e", e.getKey(), err));
            assertThat(err)
                    .as("max abs error of %s vs %s__%s", e.getKey(), model, image)
                    .isLessThanOrEqualTo(TOL);
        }
        System.out.println("parity " + engine + " " + model + " " + image + ":" + report);
    }

    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"14, 14", "12, 18"})
    void ropeTablesEqualTheOfficialOnes(int h, int w) throws Exception {
        Rope2d rope = (Rope2d) Checkpoints.load(Fixtures.dinov3("dinov3_vits16plus_d2.pth"))
                .model()
                .config()
                .pe();
        RopeTables t = rope.ropeTables(h, w, 64);
        INDArray sin = Npy.read(Fixtures.dinov3("rope_sin_" + h + "x" + w + ".npy"));
        INDArray cos = Npy.read(Fixtures.dinov3("rope_cos_" + h + "x" + w + ".npy"));
        assertThat(sin.shape()).containsExactly((long) h * w, 64);
        double es = Nd4j.create(t.sin(), sin.shape()).sub(sin).amaxNumber().doubleValue();
        double ec = Nd4j.create(t.cos(), cos.shape()).sub(cos).amaxNumber().doubleValue();
        System.out.printf("rope %dx%d: sin %.2e cos %.2e%n", h, w, es, ec);
        assertThat(es).isLessThanOrEqualTo(1e-6);
        assertThat(ec).isLessThanOrEqualTo(1e-6);
    }

    @ParameterizedTest(name = "{0}×{1}")
    @CsvSource({"14, 14", "12, 18"})
    void alibiMatrixEqualsDinoSaws(int h, int w) throws Exception {
        INDArray want = Npy.read(Fixtures.dinov3("alibi_bias_" + h + "x" + w + ".npy"));
        int n = 5 + h * w;
        assertThat(want.shape()).containsExactly(n, n);
        float[] m = Alibi2d.paperDefault().matrix(h, w, 5);
        double err = Nd4j.create(m, new long[] {n, n}).sub(want).amaxNumber().doubleValue();
        System.out.printf("alibi %dx%d: %.2e%n", h, w, err);
        assertThat(err).isLessThanOrEqualTo(1e-6);
    }

    @Test
    void maskingTheKBiasIsWhatTheEnginesDo() throws Exception {
        // The loader zeroes the k bias; the engines mask it too, so a model with a non-zero k bias and maskKBias gives
        // the same features as the one with the k bias zeroed.
        VisionTransformer loaded =
                Checkpoints.load(Fixtures.dinov3("dinov3_vits16plus_d2.pth")).model();
        var raw = new LinkedHashMap<>(loaded.weights().asMap());
        for (int b = 0; b < 2; b++) {
            float[] bias = raw.get("blocks." + b + ".attn.qkv.bias").toFloatVector();
            java.util.Random rnd = new java.util.Random(7 + b);
            for (int i = 384; i < 768; i++) bias[i] = (float) (0.5 * rnd.nextGaussian());
            raw.put("blocks." + b + ".attn.qkv.bias", Nd4j.createFromArray(bias));
        }
        VisionTransformer noisy = new VisionTransformer(loaded.config(), new io.jvit.core.model.ViTWeights(raw));
        INDArray x = new Preprocessor(16, Preprocessor.ResizePolicy.NONE)
                .tensor(ImageLoader.read(Fixtures.dinov3("colorwheel_192x288.png")));
        INDArray ref = loaded.forward(x).patchTokens();
        assertThat(noisy.forward(x).patchTokens().sub(ref).amaxNumber().doubleValue())
                .isLessThanOrEqualTo(1e-6);
        assertThat(new FastViT(noisy, 1)
                        .forward(x)
                        .patchTokens()
                        .sub(ref)
                        .amaxNumber()
                        .doubleValue())
                .isLessThanOrEqualTo(1e-4);
        VisionTransformer unmasked = new VisionTransformer(
                loaded.config().toBuilder().maskKBias(false).build(), new io.jvit.core.model.ViTWeights(raw));
        assertThat(unmasked.forward(x).patchTokens().sub(ref).amaxNumber().doubleValue())
                .isGreaterThan(1e-3);
    }
}
