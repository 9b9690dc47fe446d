package io.jvit.train.engine;

import io.jvit.core.util.Parallel;

/**
 * Row-parallel loops for the element-wise layers (LayerNorm, GELU, SwiGLU): once the GEMMs are fast these O(rows·C)
 * passes are a large share of a step, and when a micro-batch has fewer images than threads the spare threads are the
 * kernels'. The split is static (worker w of T gets rows [w·R/T, (w+1)·R/T)), so results depend only on T. Small
 * passes stay on the calling thread.
 */
final class Rows {
    private Rows() {}

    /** Below this many floats a pass is not worth a thread hand-off. */
    static final long MIN_PARALLEL = 1 << 16;

    /** Workers {@link #forEach} will use for these sizes. */
    static int workers(int rows, int width, int threads) {
        return (long) rows * width < MIN_PARALLEL ? 1 : Math.max(1, Math.min(threads, rows));
    }

    static void forEach(int rows, int width, int threads, Parallel.RangeBody body) {
        int t = workers(rows, width, threads);
        if (t == 1) body.run(0, 0, rows);
        else Parallel.forRange(rows, t, body);
    }
}
