package io.jvit.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.Backbone;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.model.ViTWeights;
import io.jvit.core.model.VisionTransformer;
import io.jvit.core.pe.SinCos2d;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The probe taking a model gives what it gives on that model's features computed by hand. */
class BackboneProbeTest {

    @Test
    void probingAModelEqualsProbingItsFeatures() {
        ViTConfig cfg = ViTConfig.builder()
                .embedDim(64)
                .numHeads(2)
                .depth(2)
                .pe(new SinCos2d(10000))
                .build();
        VisionTransformer vit = new VisionTransformer(cfg, ViTWeights.random(cfg, 5, 0.5, DataType.FLOAT));
        Random rnd = new Random(3);
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            float[] px = new float[3 * 126 * 126];
            for (int k = 0; k < px.length; k++) px[k] = rnd.nextFloat();
            images.add(new Image(px, 3, 126, 126, 8));
        }
        BiasProbe probe = new BiasProbe(Ramp.LR_UD, new SampleMask(true, 2, 1.0), 3, 1.0, 7);
        BiasProbe.Result viaModel = probe.run(Backbone.of(vit), images);

        FastViT fast = new FastViT(vit, 1);
        List<FeatureMap> maps = new ArrayList<>();
        for (Image im : images) {
            Preprocessor.Pixels p = new Preprocessor(14, Preprocessor.ResizePolicy.NONE).pixels(List.of(im));
            FastViT.Result r = fast.run(p.data(), 1, p.height(), p.width(), false);
            maps.add(new FeatureMap(r.patchTokens(), r.gridH(), r.gridW(), 64));
        }
        assertThat(viaModel.values()).hasSize(6).containsExactly(probe.run(maps).values());
        assertThat(viaModel.mean()).as("sin-cos on noise is biased").isGreaterThan(0.3);
    }
}
