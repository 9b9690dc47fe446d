package io.jvit.cli;

import io.jvit.core.util.Threads;
import picocli.CommandLine.Option;

/**
 * {@code -t/--threads N}, shared by the commands: the compute threads of every engine. Not given, our own engines
 * (the fast engine, its GEMM, attention and element-wise passes, the training engine) use every available core,
 * while ND4J's OpenMP loops stay at one thread (or OMP_NUM_THREADS): on a busy 2-core machine two OpenMP threads
 * made SameDiff ~10× slower, and OpenMP's count is fixed at start-up, where only the launcher can set it.
 */
final class ThreadsOption {
    @Option(
            names = {"-t", "--threads"},
            paramLabel = "N",
            description =
                    "compute threads (default: every available core; ND4J/SameDiff's OpenMP then stays at 1 thread, "
                            + "or OMP_NUM_THREADS, since more OpenMP threads can be ~10× slower on a busy machine; "
                            + "--threads N sets both)")
    Integer threads; // null: not given

    /** Sets the threads of ND4J and BLAS (the {@code ./vit} launcher exports OMP_NUM_THREADS the same way); returns N. */
    int configure() {
        int n = count();
        Threads.configure(threads != null ? n : nd4jDefault(System.getenv("OMP_NUM_THREADS")));
        return n;
    }

    /** N, checked, without touching ND4J (for the paths that never load it). */
    int count() {
        if (threads == null) return Runtime.getRuntime().availableProcessors();
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        return threads;
    }

    /** ND4J's threads when --threads is not given: OMP_NUM_THREADS when it is a positive count, else 1. */
    static int nd4jDefault(String omp) {
        try {
            int n = omp == null ? 1 : Integer.parseInt(omp.trim());
            return Math.max(1, n);
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
