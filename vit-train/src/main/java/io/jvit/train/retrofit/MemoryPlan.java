package io.jvit.train.retrofit;

import io.jvit.core.Engine;
import io.jvit.core.config.ViTConfig;
import io.jvit.train.engine.StepMemory;
import java.util.Locale;

/**
 * Whether a fast-engine retrofit step fits the heap, decided before the run from the step's memory formula
 * ({@link StepMemory}): when only the recomputing step fits, recomputation is turned on (it costs about a third more of
 * the student's time; a step that does not fit costs the run). The step must fit in {@link #USABLE} of the heap: the
 * young generation and the collector's headroom need the rest.
 *
 * @param options the run's options, with recomputation turned on where that is what fits
 * @param step    the step's memory with those options
 * @param heap    the JVM's maximum heap, bytes
 * @param note    what was decided, for the log; null when there is nothing to say
 */
public record MemoryPlan(Retrofit.Options options, StepMemory step, long heap, String note) {
    public static final double USABLE = 0.85;

    public static MemoryPlan of(ViTConfig teacher, ViTConfig student, Retrofit.Options o, long heap) {
        int grid = o.imageSize() / teacher.patchSize();
        StepMemory asked = memory(teacher, student, o, grid, o.recompute());
        if (o.engine() != Engine.FAST || fits(asked, heap)) return new MemoryPlan(o, asked, heap, null);
        StepMemory recomputing = memory(teacher, student, o, grid, true);
        if (!o.recompute() && fits(recomputing, heap))
            return new MemoryPlan(
                    o.withRecompute(true),
                    recomputing,
                    heap,
                    String.format(
                            Locale.ROOT,
                            "the step needs %s without recomputation, more than %.0f%% of the %s heap: recomputing"
                                    + " each block in the backward pass (--recompute)",
                            mib(asked.total()),
                            100 * USABLE,
                            mib(heap)));
        return new MemoryPlan(
                o,
                asked,
                heap,
                String.format(
                        Locale.ROOT,
                        "warning: the step needs about %s, more than %.0f%% of the %s heap: try --micro-batch 1%s, or"
                                + " a larger heap (JAVA_OPTS=-Xmx…)",
                        mib(asked.total()),
                        100 * USABLE,
                        mib(heap),
                        o.recompute() ? "" : " or --recompute"));
    }

    private static StepMemory memory(ViTConfig teacher, ViTConfig student, Retrofit.Options o, int grid, boolean rc) {
        return StepMemory.distillation(teacher, student, o.batchSize(), o.microBatch(), o.threads(), grid, grid, rc);
    }

    private static boolean fits(StepMemory m, long heap) {
        return m.total() <= USABLE * heap;
    }

    /** The log line: the step's memory by part against the heap. */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "step memory ≈ %s (parameters and AdamW %s, activations %s, backward scratch %s, teacher pass %s), heap"
                        + " %s",
                mib(step.total()),
                mib(step.parameters()),
                mib(step.activations()),
                mib(step.scratch()),
                mib(step.teacher()),
                mib(heap));
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }
}
