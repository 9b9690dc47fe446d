package io.jvit.spark;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every job has: where the images are and the results go, Spark's master, and the work's granularity. */
public final class JobOptions {
    @Option(
            names = "--images",
            required = true,
            paramLabel = "DIR",
            description = "folder of PNG, JPEG or TIFF images (a path every executor can read)")
    Path images;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "output folder (a path every executor can write); errors.csv lists the files that failed")
    Path out;

    @Option(
            names = "--master",
            paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else local[*]: embedded, every core)")
    String master;

    @Option(
            names = "--threads",
            defaultValue = "1",
            paramLabel = "N",
            description = "threads of each task's model (default ${DEFAULT-VALUE}: Spark runs one task per core)")
    int threads;

    @Option(
            names = "--per-partition",
            defaultValue = "4",
            paramLabel = "N",
            description = "images per partition, i.e. per Spark task (default ${DEFAULT-VALUE})")
    int perPartition;

    @Option(names = "--fail-fast", description = "stop at the first file that fails (default: list it in errors.csv)")
    boolean failFast;

    @Option(names = "--resume", description = "skip the images whose outputs are all there (a rerun after a failure)")
    boolean resume;

    void check() {
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (perPartition < 1) throw new IllegalArgumentException("--per-partition must be >= 1, got " + perPartition);
    }

    public Path images() {
        return images;
    }

    public Path out() {
        return out;
    }
}
