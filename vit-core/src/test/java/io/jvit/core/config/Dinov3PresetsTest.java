package io.jvit.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.Rope2d;
import org.junit.jupiter.api.Test;

/** The DINOv3 presets are the hub constructors' architectures, and their new fields survive the builder and the JSON. */
class Dinov3PresetsTest {

    @Test
    void presetsAreTheHubArchitectures() {
        // name, width, depth, heads, MLP, hidden (facebookresearch/dinov3 hub/backbones.py)
        Object[][] want = {
            {"dinov3_vits16", 384, 12, 6, MlpKind.GELU, 1536},
            {"dinov3_vits16plus", 384, 12, 6, MlpKind.SWIGLU, 1536},
            {"dinov3_vitb16", 768, 12, 12, MlpKind.GELU, 3072},
            {"dinov3_vitl16", 1024, 24, 16, MlpKind.GELU, 4096},
            {"dinov3_vith16plus", 1280, 32, 20, MlpKind.SWIGLU, 5120},
        };
        for (Object[] w : want) {
            ViTConfig c = Presets.get((String) w[0]);
            assertThat(c.patchSize()).as("%s patch", w[0]).isEqualTo(16);
            assertThat(c.embedDim()).isEqualTo(w[1]);
            assertThat(c.depth()).isEqualTo(w[2]);
            assertThat(c.numHeads()).isEqualTo(w[3]);
            assertThat(c.headDim()).isEqualTo(64);
            assertThat(c.mlpKind()).isEqualTo(w[4]);
            assertThat(c.mlpHidden()).as("%s hidden", w[0]).isEqualTo(w[5]);
            assertThat(c.layerNormEps()).isEqualTo(1e-5);
            assertThat(c.numRegisters()).isEqualTo(4);
            assertThat(c.numPrefixTokens()).isEqualTo(5);
            assertThat(c.maskKBias()).isTrue();
            assertThat(c.qkvBias()).isTrue();
            assertThat(c.layerScale()).isTrue();
            assertThat(c.pe()).isEqualTo(new Rope2d(100.0, Rope2d.Coords.SEPARATE, null));
        }
    }

    @Test
    void swigluHiddenRoundsAsDinoDoes() {
        assertThat(ViTConfig.swigluHidden(384 * 6, 8)).isEqualTo(1536);
        assertThat(ViTConfig.swigluHidden(1280 * 6, 8)).isEqualTo(5120);
        assertThat(ViTConfig.swigluHidden(1536 * 4, 8)).isEqualTo(4096); // DINOv2-g
        assertThat(ViTConfig.swigluHidden(100, 8)).isEqualTo(72); // int(66.67) = 66 → 72
        assertThat(ViTConfig.swigluHidden(4096 * 3, 64)).isEqualTo(8192); // the 7B's swiglu64
    }

    @Test
    void dinov2PresetsAreUnchanged() {
        ViTConfig c = Presets.get("dinov2_vits14_reg4");
        assertThat(c.maskKBias()).isFalse();
        assertThat(c.layerNormEps()).isEqualTo(1e-6);
        assertThat(c).isEqualTo(ViTConfig.builder().build());
    }

    @Test
    void builderAndJsonCarryTheDinov3Fields() {
        ViTConfig s = Presets.get("dinov3_vits16plus");
        assertThat(s.toBuilder().build()).isEqualTo(s);
        assertThat(ConfigJson.read(ConfigJson.write(s))).isEqualTo(s);
        ViTConfig b = ViTConfig.builder()
                .patchSize(16)
                .mlpKind(MlpKind.SWIGLU)
                .mlpHidden(1536)
                .layerNormEps(1e-5)
                .maskKBias(true)
                .pe(new Rope2d(100))
                .build();
        assertThat(b).isEqualTo(s);
        float[] periods = {1f, 2f, 3f, 4f};
        ViTConfig odd = s.withPe(new Rope2d(50, Rope2d.Coords.MAX, periods));
        assertThat(ConfigJson.read(ConfigJson.write(odd))).isEqualTo(odd);
        assertThat(ConfigJson.read(ConfigJson.write(s.withPe(Alibi2d.paperDefault())))
                        .maskKBias())
                .isTrue();
        // JSON written before these fields existed reads as before
        String old = ConfigJson.write(Presets.get("dinov2_vits14")).replace(",\"mask_k_bias\":false", "");
        assertThat(old).doesNotContain("mask_k_bias");
        assertThat(ConfigJson.read(old)).isEqualTo(Presets.get("dinov2_vits14"));
        String oldRope = ConfigJson.write(s).replace(",\"coords\":\"separate\"", "");
        assertThat(ConfigJson.read(oldRope).pe()).isEqualTo(new Rope2d(100));
    }

    @Test
    void ropePeriodsAreChecked() {
        assertThat(new Rope2d(100).periods(64))
                .containsExactly(
                        1f,
                        1.3335215f,
                        1.7782794f,
                        2.3713737f,
                        3.1622777f,
                        4.2169652f,
                        5.6234131f,
                        7.4989419f,
                        10f,
                        13.335215f,
                        17.782795f,
                        23.713737f,
                        31.622776f,
                        42.169651f,
                        56.234131f,
                        74.989418f);
        assertThatThrownBy(() -> new Rope2d(100, Rope2d.Coords.SEPARATE, new float[] {1, 2}).ropeTables(2, 2, 64))
                .hasMessageContaining("2 RoPE periods do not fit a head width of 64");
        assertThatThrownBy(
                        () -> ViTConfig.builder().qkvBias(false).maskKBias(true).build())
                .hasMessage("maskKBias needs a qkv bias");
    }
}
