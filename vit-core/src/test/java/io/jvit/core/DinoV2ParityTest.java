package io.jvit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.checkpoint.CheckpointFormat;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.LearnedAbsolute;
import io.jvit.core.pe.Pe;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Our features equal the official DINOv2, timm and ALiBi reference outputs (max abs error ≤ 1e-4). */
class DinoV2ParityTest {

    @ParameterizedTest(name = "{0} --pe {1} on {3}")
    @CsvSource({
        "dinov2_official_w128_reg4_d2.pth, , DINOV2_OFFICIAL, rocket_224, dinov2_official_d2",
        "dinov2_official_w128_reg4_d2.pth, , DINOV2_OFFICIAL, chelsea_280x420, dinov2_official_d2",
        "timm_w128_reg4_d2.pth, , TIMM, rocket_224, timm_d2",
        "timm_w128_reg4_d2.pth, , TIMM, chelsea_280x420, timm_d2",
        "alibi_timm_w128_reg4_d2.pth, alibi, TIMM, rocket_224, alibi_timm_d2",
        "alibi_timm_w128_reg4_d2.pth, alibi, TIMM, chelsea_280x420, alibi_timm_d2",
    })
    void featuresMatchReference(String weights, String pe, CheckpointFormat format, String image, String golden)
            throws Exception {
        Checkpoints.Loaded loaded = Checkpoints.load(Fixtures.parity(weights), Pe.parse(pe));
        assertThat(loaded.format()).isEqualTo(format);
        var cfg = loaded.model().config();
        assertThat(cfg.embedDim()).isEqualTo(128);
        assertThat(cfg.depth()).isEqualTo(2);
        assertThat(cfg.numHeads()).isEqualTo(2);
        assertThat(cfg.numRegisters()).isEqualTo(4);
        assertThat(cfg.pe()).isInstanceOf(pe == null ? LearnedAbsolute.class : Alibi2d.class);

        var pre = new Preprocessor(cfg.patchSize(), Preprocessor.ResizePolicy.NONE);
        ViTOutput out = loaded.model().forward(pre.tensor(ImageLoader.read(Fixtures.parity(image + ".png"))));
        INDArray expected = Npy.read(Fixtures.parity(golden + "__" + image + ".npy"));
        INDArray actual = out.patchTokens().reshape(expected.shape());
        assertThat(actual.shape()).containsExactly(expected.shape());
        double maxErr = actual.sub(expected).amaxNumber().doubleValue();
        assertThat(maxErr).as("max abs error vs %s", golden).isLessThanOrEqualTo(1e-4);
    }
}
