package io.jvit.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvit.core.pe.Alibi2d;
import io.jvit.core.pe.NoPE;
import org.junit.jupiter.api.Test;

class ViTConfigBuilderTest {

    @Test
    void defaultsAreDinov2SmallWithRegisters() {
        assertThat(ViTConfig.builder().build()).isEqualTo(Presets.get("dinov2_vits14_reg4"));
    }

    @Test
    void headsAndHiddenFollowTheWidthUnlessGiven() {
        ViTConfig b = ViTConfig.builder().embedDim(768).build();
        assertThat(b.numHeads()).isEqualTo(12);
        assertThat(b.mlpHidden()).isEqualTo(3072);
        ViTConfig t = ViTConfig.builder()
                .patchSize(8)
                .embedDim(96)
                .numHeads(2)
                .mlpHidden(200)
                .depth(4)
                .pe(new NoPE())
                .build();
        assertThat(t).isEqualTo(new ViTConfig(8, 96, 4, 2, MlpKind.GELU, 200, true, true, 4, 1e-6, true, new NoPE()));
        assertThat(t.toBuilder().build()).isEqualTo(t);
        assertThat(t.toBuilder().pe(Alibi2d.paperDefault()).build()).isEqualTo(t.withPe(Alibi2d.paperDefault()));
    }

    @Test
    void refusesWhatItCannotDerive() {
        assertThatThrownBy(() -> ViTConfig.builder().embedDim(96).build())
                .hasMessage("embedDim 96 is not a multiple of 64: give numHeads");
        assertThatThrownBy(() -> ViTConfig.builder().embedDim(96).numHeads(5).build())
                .hasMessageContaining("not divisible by numHeads 5");
    }
}
