package io.jvit.cli;

import io.jvit.core.util.Threads;
import picocli.CommandLine.Option;

/** {@code -t/--threads N}, shared by the commands: the compute threads of every engine. */
final class ThreadsOption {
    @Option(names = {"-t", "--threads"}, paramLabel = "N", defaultValue = "1", description = "compute threads (default ${DEFAULT-VALUE})")
    int threads;

    /** Sets the threads of ND4J and BLAS (the {@code ./vit} launcher exports OMP_NUM_THREADS from the same option); returns N. */
    int configure() {
        Threads.configure(threads);
        return threads;
    }

    /** N, checked, without touching ND4J (for the paths that never load it). */
    int count() {
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        return threads;
    }
}
