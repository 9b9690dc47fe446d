package io.jvit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.Alibi2d;
import org.junit.jupiter.api.Test;

/** The GFLOP/s basis of the distillation step (no timing here). */
class DistillationStepBenchTest {
    @Test
    void stepFlopsAreFourForwardPassesOfViTS() {
        ViTConfig s = Presets.get("dinov2_vits14_reg4").withPe(Alibi2d.paperDefault());
        // ViT-S/14-reg4 at 224²: N = 5 + 256 tokens; linear 2·N·(4C² + 2·C·4C)·12 + patch embedding 2·256·588·C,
        // attention 4·N²·C·12
        double oneImage =
                2.0 * 261 * (4 * 384 * 384 + 2 * 384 * 1536) * 12 + 2.0 * 256 * 588 * 384 + 4.0 * 261 * 261 * 384 * 12;
        assertThat(DistillationStepBench.forwardFlops(s, 1, 16, 16)).isCloseTo(oneImage, within(1.0));
        assertThat(oneImage / 1e9).isCloseTo(12.455, within(0.001));
        assertThat(DistillationStepBench.forwardFlops(s, 8, 16, 16))
                .isCloseTo(ModelForwardBench.flops("224x8"), within(1.0));
        assertThat(DistillationStepBench.flops(s, 8, 16, 16)).isCloseTo(4 * 8 * oneImage, within(8.0));
        assertThat(DistillationStepBench.flops(s, 4, 37, 37) / 1e9)
                .isCloseTo(4 * 4 * DistillationStepBench.forwardFlops(s, 1, 37, 37) / 1e9, within(1e-6));
    }
}
