package io.jvit.core.util;

import org.nd4j.linalg.factory.Nd4j;

/** One knob for the threads of every engine (ND4J's OpenMP loops and its BLAS). */
public final class Threads {
    private Threads() {}

    /**
     * Sets ND4J's thread counts. OpenMP reads OMP_NUM_THREADS once at start-up, so the {@code ./vit} launcher
     * also exports it; on a busy 2-core machine one thread is ~10× faster than two.
     */
    public static void configure(int n) {
        if (n < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        Nd4j.getEnvironment().setMaxMasterThreads(n);
        Nd4j.getEnvironment().setMaxThreads(n);
        Nd4j.factory().blas().setMaxThreads(n);
    }
}
