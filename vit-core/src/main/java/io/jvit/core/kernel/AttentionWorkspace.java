package io.jvit.core.kernel;

import java.util.Arrays;

/**
 * Memory that {@link FusedAttention} reuses across the calls of one caller, such as the blocks of a forward pass
 * ({@code FastViT} keeps one): the packed K and V of every (image, head), and the ALiBi bias tables of the last
 * grid (they depend on the grid and the distance, not on the slopes, so every block shares them); for the backward
 * pass, the per-thread scratch (O(N·d) each, kept while N and d stay the same) and, when an (image, head)'s key blocks
 * are split over tasks, its query rows and the tasks' dQ partial sums (O(N·d) each). Without it each
 * call allocates both: at 1036² with ViT-S that is 17 MB of packed K/V and a 3.2 MB table per block, 240 MB of
 * garbage per forward pass, which the JVM's heap grows to hold.
 *
 * <p>Not for concurrent calls: one workspace per caller thread (the kernel's own worker threads share it safely).
 */
public final class AttentionWorkspace {
    private float[][] k = new float[0][], v = new float[0][];
    private AttentionBias.Alibi tablesOf; // the bias whose tables these are
    private float[] columnRows, extendedRows;

    /** Packed-K and packed-V buffers, {@code count} of at least {@code length} floats each (reallocated only to grow). */
    float[][] kBuffers(int count, int length) {
        return k = grow(k, count, length);
    }

    float[][] vBuffers(int count, int length) {
        return v = grow(v, count, length);
    }

    private float[][] queryRows = new float[0][], dqParts = new float[0][];

    /** The backward pass's per-(image, head) query rows when its key blocks are split over tasks (as {@link #kBuffers}). */
    float[][] queryRowBuffers(int count, int length) {
        return queryRows = grow(queryRows, count, length);
    }

    /** The backward pass's per-task dQ partial sums when an (image, head)'s key blocks are split over tasks. */
    float[][] dqBuffers(int count, int length) {
        return dqParts = grow(dqParts, count, length);
    }

    private static float[][] grow(float[][] bufs, int count, int length) {
        if (bufs.length < count) bufs = Arrays.copyOf(bufs, count);
        for (int i = 0; i < count; i++) if (bufs[i] == null || bufs[i].length < length) bufs[i] = new float[length];
        return bufs;
    }

    /** {@link AttentionBias.Alibi#columnRows()} of {@code a}, built once per grid and distance table. */
    float[] columnRows(AttentionBias.Alibi a) {
        tables(a);
        return columnRows;
    }

    /** {@link AttentionBias.Alibi#extendedRows()} of {@code a}, built once per grid and distance table. */
    float[] extendedRows(AttentionBias.Alibi a) {
        tables(a);
        if (extendedRows == null) extendedRows = a.extendedRows();
        return extendedRows;
    }

    private Object[] scratch = new Object[0]; // the backward pass's per-worker scratch (O(N·d) each)
    private AttentionShape[] scratchShapes = new AttentionShape[0];

    /** Makes room for {@code workers} per-worker scratch slots; called before the workers start (it is not thread-safe). */
    void reserveWorkers(int workers) {
        if (scratch.length < workers) {
            scratch = Arrays.copyOf(scratch, workers);
            scratchShapes = Arrays.copyOf(scratchShapes, workers);
        }
    }

    /**
     * Worker {@code worker}'s scratch of type {@code kind} for calls of shape {@code s} (its N and d), made by {@code make}
     * the first time and when the shape or kind changes. Each worker touches only its own slot.
     */
    <T> T scratch(int worker, AttentionShape s, Class<T> kind, java.util.function.Supplier<T> make) {
        Object o = scratch[worker];
        AttentionShape was = scratchShapes[worker];
        if (!kind.isInstance(o) || was.tokens() != s.tokens() || was.headDim() != s.headDim()) {
            scratch[worker] = o = make.get();
            scratchShapes[worker] = s;
        }
        return kind.cast(o);
    }

    private void tables(AttentionBias.Alibi a) {
        if (tablesOf != null
                && tablesOf.gridH() == a.gridH()
                && tablesOf.gridW() == a.gridW()
                && Arrays.equals(tablesOf.table(), a.table())) return;
        tablesOf = a;
        columnRows = a.columnRows();
        extendedRows = null;
    }
}
