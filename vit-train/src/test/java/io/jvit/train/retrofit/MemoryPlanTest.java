package io.jvit.train.retrofit;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvit.core.Engine;
import io.jvit.core.config.Presets;
import io.jvit.core.config.ViTConfig;
import io.jvit.core.pe.Alibi2d;
import io.jvit.train.engine.FeatureLoss;
import io.jvit.train.engine.StepMemory;
import org.junit.jupiter.api.Test;

class MemoryPlanTest {
    static final ViTConfig TEACHER = Presets.get("dinov2_vits14_reg4"),
            STUDENT = TEACHER.withPe(Alibi2d.paperDefault());
    static final long MIB = 1 << 20;

    static Retrofit.Options options(int size, int batch, int microBatch, boolean recompute, Engine engine) {
        return new Retrofit.Options(
                Alibi2d.paperDefault(),
                FeatureLoss.COSINE,
                1e-4,
                0.05,
                batch,
                1,
                size,
                new int[0],
                0.1,
                0,
                1,
                false,
                microBatch,
                engine,
                recompute);
    }

    @Test
    void recomputesOnlyWhenThatIsWhatFits() {
        Retrofit.Options o = options(518, 4, 4, false, Engine.FAST);
        long
                full =
                        StepMemory.distillation(TEACHER, STUDENT, 4, 4, 1, 37, 37, false)
                                .total(),
                re =
                        StepMemory.distillation(TEACHER, STUDENT, 4, 4, 1, 37, 37, true)
                                .total();
        assertThat(full / MIB).isEqualTo(2444);
        assertThat(re / MIB).isEqualTo(937);

        MemoryPlan roomy = MemoryPlan.of(TEACHER, STUDENT, o, 6144 * MIB);
        assertThat(roomy.options()).isSameAs(o);
        assertThat(roomy.note()).isNull();
        assertThat(roomy.step().total()).isEqualTo(full);

        MemoryPlan tight = MemoryPlan.of(TEACHER, STUDENT, o, 2048 * MIB); // 0.85 × 2 GiB: only the recomputing step
        assertThat(tight.options().recompute()).isTrue();
        assertThat(tight.options().withRecompute(false)).isEqualTo(o);
        assertThat(tight.step().total()).isEqualTo(re);
        assertThat(tight.note()).contains("recomputing each block").contains("2445 MiB");
        assertThat(tight.describe()).startsWith("step memory ≈ 937 MiB (parameters and AdamW 413 MiB");

        MemoryPlan tiny = MemoryPlan.of(TEACHER, STUDENT, o, 512 * MIB);
        assertThat(tiny.options()).isSameAs(o);
        assertThat(tiny.note())
                .startsWith("warning: the step needs about 2445 MiB")
                .contains("--recompute");
        // SameDiff is never switched (it has no recomputation)
        Retrofit.Options sd = options(518, 4, 4, false, Engine.SAMEDIFF);
        assertThat(MemoryPlan.of(TEACHER, STUDENT, sd, 2048 * MIB).options()).isSameAs(sd);
    }
}
