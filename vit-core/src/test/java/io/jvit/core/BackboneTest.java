package io.jvit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.checkpoint.CheckpointFormat;
import io.jvit.core.checkpoint.Checkpoints;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.fast.FastViT;
import io.jvit.core.image.Image;
import io.jvit.core.image.ImageLoader;
import io.jvit.core.image.Preprocessor;
import io.jvit.core.io.Npy;
import io.jvit.core.model.ViTOutput;
import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.Pe;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The entry point gives what the five classes it wraps give. */
class BackboneTest {
    private static final String ALIBI = "alibi_timm_w128_reg4_d2.pth";

    @Test
    void featuresAreTheFastEnginesPatchTokensAndMatchTheReference() throws Exception {
        Backbone vit = Backbone.load(Fixtures.parity(ALIBI), Pe.ALIBI);
        Image img = ImageLoader.read(Fixtures.parity("rocket_224.png"));
        Features f = vit.features(img);

        var direct = Checkpoints.load(Fixtures.parity(ALIBI), Pe.ALIBI).model();
        Preprocessor.Pixels px = new Preprocessor(14, Preprocessor.ResizePolicy.NONE).pixels(List.of(img));
        FastViT.Result r = new FastViT(direct, 1).run(px.data(), 1, px.height(), px.width(), false);
        assertThat(f.h()).isEqualTo(16);
        assertThat(f.w()).isEqualTo(16);
        assertThat(f.channels()).isEqualTo(128);
        assertThat(f.data()).containsExactly(r.patchTokens());

        float[] golden = Npy.read(Fixtures.parity("alibi_timm_d2__rocket_224.npy"))
                .data()
                .asFloat();
        for (int i = 0; i < golden.length; i++) assertThat(f.data()[i]).isCloseTo(golden[i], within(1e-4f));
        assertThat(vit.format()).isEqualTo(CheckpointFormat.TIMM);
        assertThat(vit.engine()).isEqualTo(Engine.FAST);
        assertThat(vit.config().pe()).isEqualTo(Alibi2d.paperDefault());
    }

    @Test
    void theSameDiffEngineAgreesAndForwardGivesEveryOutput() throws Exception {
        Image img = ImageLoader.read(Fixtures.parity("rocket_224.png"));
        Backbone fast = Backbone.load(Fixtures.parity(ALIBI), Pe.ALIBI);
        Backbone graph = Backbone.options().pe(Pe.ALIBI).engine(Engine.SAMEDIFF).load(Fixtures.parity(ALIBI));
        float[] a = fast.features(img).data(), b = graph.features(img).data();
        for (int i = 0; i < a.length; i++) assertThat(a[i]).isCloseTo(b[i], within(1e-4f));

        ViTOutput o = fast.forward(img, true);
        assertThat(o.cls().shape()).containsExactly(1, 128);
        assertThat(o.registers().shape()).containsExactly(1, 4, 128);
        assertThat(o.patchTokens().shape()).containsExactly(1, 16, 16, 128);
        assertThat(o.intermediates()).hasSize(2);
        assertThat(o.patchTokens().data().asFloat()).containsExactly(a);
    }

    @Test
    void aModelBuiltInCodeSavesAndLoadsBackWithoutNd4jWeights(@TempDir Path dir) throws Exception {
        ViTConfig cfg = ViTConfig.builder()
                .patchSize(4)
                .embedDim(32)
                .numHeads(2)
                .depth(2)
                .numRegisters(1)
                .pe(Alibi2d.paperDefault())
                .build();
        Backbone made = Backbone.random(cfg, 3);
        Path file = dir.resolve("tiny.safetensors");
        made.save(file);
        Backbone back = Backbone.load(file);
        assertThat(back.format()).isEqualTo(CheckpointFormat.JVIT);
        assertThat(back.config()).isEqualTo(cfg);

        Image img = new Image(ramp(3 * 12 * 16), 3, 12, 16, 8);
        Features f = back.features(img);
        assertThat(f.h()).isEqualTo(3);
        assertThat(f.w()).isEqualTo(4);
        assertThat(f.data()).containsExactly(made.features(img).data());
        // the SameDiff model made from the float weights gives the same tokens
        assertThat(back.model()
                        .forward(new Preprocessor(4, Preprocessor.ResizePolicy.NONE).tensor(img))
                        .patchTokens()
                        .data()
                        .asFloat())
                .usingComparatorWithPrecision(1e-4f)
                .containsExactly(f.data());
        assertThat(f.get(2, 3, 31)).isEqualTo(f.data()[(2 * 4 + 3) * 32 + 31]);
        assertThatThrownBy(() -> f.get(3, 0, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> Backbone.options().threads(0)).hasMessage("thread count must be >= 1, got 0");
        assertThatThrownBy(() -> Backbone.options().arch("vit_huge"))
                .hasMessageContaining("unknown architecture 'vit_huge'");
        assertThatThrownBy(() -> Backbone.options()
                        .pe(Pe.ALIBI)
                        .wrap(Checkpoints.load(Fixtures.parity(ALIBI)).model()))
                .hasMessageContaining("applies to loading");
        assertThatThrownBy(() -> Backbone.load(Path.of("no-such.pth"))).hasMessage("no-such.pth: no such file");
    }

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (i * 37 % 101) / 100f;
        return v;
    }
}
