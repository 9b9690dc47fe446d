package io.jvit.train.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.config.MlpKind;
import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.Alibi2d;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class StepMemoryTest {
    static final ViTConfig TEACHER = Presets.get("dinov2_vits14_reg4"),
            STUDENT = TEACHER.withPe(Alibi2d.paperDefault());

    @Test
    void vitSmallAt224ByEight() {
        assertThat(StepMemory.parameters(STUDENT))
                .isEqualTo(21_531_648L); // the teacher's less its 37² + 1 position table
        assertThat(StepMemory.parameters(TEACHER)).isEqualTo(22_057_344L);
        // one thread, micro-batch 2 (./vit retrofit's default): 2 images of 16² patches + 5 prefix tokens = 522 rows
        StepMemory m = StepMemory.distillation(TEACHER, STUDENT, 8, 2, 1, 16, 16, false);
        assertThat(m.parameters()).isEqualTo(16L * 21_531_648 + 4L * 22_057_344);
        assertThat(m.activations()).isEqualTo(TrainableViT.tapeBytes(STUDENT, 2, 16, 16, false));
        assertThat(m.scratch()).isEqualTo(4L * 522 * (7 * 384 + 1536 + 1536));
        assertThat(m.teacher()).isEqualTo(4L * (8 * 261 * (9 * 384 + 1536) + 8 * 256 * 3 * 14 * 14));
        assertThat(m.images()).isEqualTo(8L * 8 * 3 * 224 * 224);
        assertThat(m.total() / 1048576).isEqualTo(645); // MiB: the heap's live set measured with -Xlog:gc is ≈ 0.7 GB
        // two threads: a worker per image, each with its own tape, scratch and gradient buffer
        StepMemory two = StepMemory.distillation(TEACHER, STUDENT, 8, 2, 2, 16, 16, false);
        assertThat(two.parameters() - m.parameters()).isEqualTo(4L * 21_531_648);
        assertThat(two.activations()).isEqualTo(2 * TrainableViT.tapeBytes(STUDENT, 1, 16, 16, false));
    }

    @Test
    void scratchIsWhatTheBackwardPassAllocates() {
        ViTConfig c = Fixtures.config(Alibi2d.paperDefault(), 3, 2, MlpKind.SWIGLU);
        Sizes s = Sizes.of(c, 3, 3, 5);
        BackwardScratch b = new BackwardScratch(s);
        long floats = b.dBranch.length
                + b.dNormed.length
                + b.dAtt.length
                + b.dQkv.length
                + b.dPre.length
                + b.dAct.length
                + (long) s.rows() * s.dim(); // the stream's gradient, carried down through the blocks
        assertThat(StepMemory.distillation(c, c, 3, 3, 1, 3, 5, false).scratch())
                .isEqualTo(4 * floats);
        Params p = Params.of(c, Fixtures.weights(c, 4, DataType.FLOAT));
        assertThat(StepMemory.parameters(c)).isEqualTo(p.size());
    }
}
